/* The console: kprintf and panic on the UART, and the input side for read(0). */
#include "kernel.h"

static struct spinlock console_lock;
static volatile int panicked;

void console_init(void)
{
	spin_init(&console_lock, "console");
}

void console_write(const char *s, long n)
{
	for (long i = 0; i < n; i++) {
		if (s[i] == '\n')
			arch_console_putc('\r');
		arch_console_putc(s[i]);
	}
}

int console_getc(void)
{
	return arch_console_getc();
}

void vk_console_write(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	console_write(s, (long)len);
}

/* Append the digits of x in base to buf (backwards), return how many. */
static int digits(char *buf, unsigned long long x, unsigned base)
{
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[x % base];
		x /= base;
	} while (x);
	return n;
}

static void put_number(unsigned long long x, unsigned base, int neg, int width, char pad)
{
	char buf[24];
	int n = digits(buf, x, base);

	if (neg)
		buf[n++] = '-';
	while (n < width && n < (int)sizeof(buf))
		buf[n++] = pad;
	while (n > 0)
		console_write(&buf[--n], 1);
}

/* %d %u %x %p %s %c %%, with l/ll, and a width with optional 0 padding. */
void kvprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int longs = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			console_write(fmt, 1);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			long long v = longs == 2 ? va_arg(ap, long long)
				    : longs == 1 ? va_arg(ap, long) : va_arg(ap, int);
			put_number(v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, v < 0,
				   width, pad);
			break;
		}
		case 'u':
		case 'x':
			put_number(longs == 2 ? va_arg(ap, unsigned long long)
				   : longs == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
				   *fmt == 'u' ? 10 : 16, 0, width, pad);
			break;
		case 'p':
			console_write("0x", 2);
			put_number((uintptr_t)va_arg(ap, void *), 16, 0, 2 * sizeof(void *), '0');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			s = s ? s : "(null)";
			console_write(s, (long)strlen(s));
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			console_write(&c, 1);
			break;
		}
		case '%':
			console_write("%", 1);
			break;
		default:
			console_write("%", 1);
			console_write(fmt, 1);
			break;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	int locked = !panicked;

	if (locked)
		acquire(&console_lock);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	if (locked)
		release(&console_lock);
}

/* Stop this CPU for good; the others stop printing. Only kernel bugs get here. */
void panic(const char *msg)
{
	panicked = 1;
	kprintf("panic: %s\n", msg);
	arch_poweroff(2);
}
