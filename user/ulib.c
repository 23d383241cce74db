/*
 * The tiny C library of the user programs: formatted output, strings, a heap on sbrk, and
 * line input. Portable C: sizes and addresses are size_t / unsigned long, so the same file
 * serves riscv64 (64-bit long) and i386 (32-bit long).
 */
#include "user.h"

/* ---- formatted output ------------------------------------------------------------------- */

/* Where formatted output goes: a buffer flushed to fd when full (fd >= 0), or a caller's
 * buffer that is never overrun (fd < 0, snprintf). */
struct sink {
	char *buf;
	size_t cap;
	size_t len;   /* bytes in buf */
	size_t total; /* bytes produced in all */
	int fd;
	int error;
};

static void sink_flush(struct sink *s)
{
	size_t off = 0;

	if (s->fd < 0)
		return;
	while (off < s->len) {
		long n = write(s->fd, s->buf + off, (long)(s->len - off));
		if (n <= 0) {
			s->error = 1;
			break;
		}
		off += (size_t)n;
	}
	s->len = 0;
}

static void sink_putc(struct sink *s, char c)
{
	s->total++;
	if (s->fd >= 0) {
		s->buf[s->len++] = c;
		if (s->len == s->cap)
			sink_flush(s);
	} else if (s->len + 1 < s->cap) {
		s->buf[s->len++] = c;
	}
}

static void sink_pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		sink_putc(s, c);
}

/* One number: digits of v in base, with sign, prefix ("0x"), width, zero padding, and left
 * alignment. */
static void put_number(struct sink *s, unsigned long v, unsigned base, int upper, int negative,
		       const char *prefix, int width, int zero, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[3 * sizeof(unsigned long)];
	int n = 0, len, plen = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	if (negative)
		plen = 1;
	else if (prefix)
		plen = (int)strlen(prefix);
	len = n + plen;

	if (!left && !zero)
		sink_pad(s, ' ', width - len);
	if (negative)
		sink_putc(s, '-');
	else if (prefix)
		while (*prefix)
			sink_putc(s, *prefix++);
	if (!left && zero)
		sink_pad(s, '0', width - len);
	while (n > 0)
		sink_putc(s, tmp[--n]);
	if (left)
		sink_pad(s, ' ', width - len);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int left = 0, zero = 0, width = 0, prec = -1, lng = 0;

		if (*fmt != '%') {
			sink_putc(s, *fmt);
			continue;
		}
		fmt++;
		/* flags */
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				zero = 1;
			else
				break;
		}
		/* width */
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		/* precision (used by %s) */
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		/* length: l (long) and z (size_t, the same width as long on both targets) */
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		if (left)
			zero = 0;

		switch (*fmt) {
		case 'd':
		case 'i': {
			long v = lng ? va_arg(ap, long) : va_arg(ap, int);
			unsigned long u = v < 0 ? (unsigned long)(-(v + 1)) + 1 : (unsigned long)v;
			put_number(s, u, 10, 0, v < 0, 0, width, zero, left);
			break;
		}
		case 'u':
			put_number(s, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, 0, 0,
				   0, width, zero, left);
			break;
		case 'x':
		case 'X':
			put_number(s, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16,
				   *fmt == 'X', 0, 0, width, zero, left);
			break;
		case 'p': {
			unsigned long v = (unsigned long)va_arg(ap, void *);
			put_number(s, v, 16, 0, 0, "0x", 2 + 2 * (int)sizeof(void *), 1, 0);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;
			if (!str)
				str = "(null)";
			while (str[len] && (prec < 0 || len < prec))
				len++;
			if (!left)
				sink_pad(s, ' ', width - len);
			for (int i = 0; i < len; i++)
				sink_putc(s, str[i]);
			if (left)
				sink_pad(s, ' ', width - len);
			break;
		}
		case 'c':
			if (!left)
				sink_pad(s, ' ', width - 1);
			sink_putc(s, (char)va_arg(ap, int));
			if (left)
				sink_pad(s, ' ', width - 1);
			break;
		case '%':
			sink_putc(s, '%');
			break;
		case '\0':
			/* a lone '%' at the end */
			sink_putc(s, '%');
			return;
		default:
			/* unknown conversion: print it as it was written */
			sink_putc(s, '%');
			sink_putc(s, *fmt);
			break;
		}
	}
}

int vfprintf(int fd, const char *fmt, va_list ap)
{
	char buf[256];
	struct sink s = { buf, sizeof(buf), 0, 0, fd, 0 };

	if (fd < 0)
		return -1;
	format(&s, fmt, ap);
	sink_flush(&s);
	return s.error ? -1 : (int)s.total;
}

int fprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(1, fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0, 0, -1, 0 };

	format(&s, fmt, ap);
	if (size > 0)
		buf[s.len] = '\0';
	return (int)s.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- strings and memory ----------------------------------------------------------------- */

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}

/* The compiler must not turn these loops back into calls to themselves. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* A machine word that may alias anything, for the word-at-a-time loops. */
typedef unsigned long __attribute__((may_alias)) word_t;

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned long word = (unsigned char)c;

	word |= word << 8;
	word |= word << 16;
	if (sizeof(long) > 4)
		word |= word << 16 << 16;
	while (n > 0 && ((unsigned long)d & (sizeof(long) - 1))) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= sizeof(long); n -= sizeof(long), d += sizeof(long))
		*(word_t *)d = word;
	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((unsigned long)d | (unsigned long)s) & (sizeof(long) - 1)) == 0) {
		for (; n >= sizeof(long); n -= sizeof(long), d += sizeof(long), s += sizeof(long))
			*(word_t *)d = *(const word_t *)s;
	}
	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if ((unsigned long)d - (unsigned long)s >= n)
		return memcpy(dst, src, n); /* d before s, or no overlap */
	while (n-- > 0)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n > 0; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

int atoi(const char *s)
{
	int neg = 0, n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return neg ? -n : n;
}

/* ---- the heap: a first-fit free list in address order (K&R), grown with sbrk ------------ */

typedef union header {
	struct {
		union header *next; /* next free block (only while free) */
		size_t units;       /* size of this block in headers, header included */
	} s;
	unsigned char align[16]; /* blocks are 16-byte aligned and multiples of 16 bytes */
} header_t;

static header_t base;     /* an empty block that starts the circular list */
static header_t *freep;   /* where the last search ended */

#define MIN_GROW_UNITS (4096 / sizeof(header_t))

static header_t *morecore(size_t units)
{
	long p;
	header_t *h;

	if (units < MIN_GROW_UNITS)
		units = MIN_GROW_UNITS;
	if (units > (unsigned long)-1 / 2 / sizeof(header_t))
		return 0;
	p = sbrk((long)(units * sizeof(header_t)));
	if (p == -1)
		return 0;
	h = (header_t *)(unsigned long)p;
	h->s.units = units;
	free(h + 1);
	return freep;
}

void *malloc(size_t n)
{
	header_t *p, *prev;
	size_t units;

	if (n > (unsigned long)-1 / 4)
		return 0;
	units = (n + sizeof(header_t) - 1) / sizeof(header_t) + 1;
	if (!freep) {
		base.s.next = freep = &base;
		base.s.units = 0;
	}
	prev = freep;
	for (p = prev->s.next;; prev = p, p = p->s.next) {
		if (p->s.units >= units) {
			if (p->s.units == units) {
				prev->s.next = p->s.next;
			} else {
				/* hand out the tail of the block */
				p->s.units -= units;
				p += p->s.units;
				p->s.units = units;
			}
			freep = prev;
			return p + 1;
		}
		if (p == freep) {
			p = morecore(units);
			if (!p)
				return 0;
		}
	}
}

void free(void *ptr)
{
	header_t *b, *p;

	if (!ptr)
		return;
	b = (header_t *)ptr - 1;
	/* find p with p < b < p->next (or b at either end of the arena) */
	for (p = freep; !(b > p && b < p->s.next); p = p->s.next)
		if (p >= p->s.next && (b > p || b < p->s.next))
			break;
	if (b + b->s.units == p->s.next) {
		b->s.units += p->s.next->s.units;
		b->s.next = p->s.next->s.next;
	} else {
		b->s.next = p->s.next;
	}
	if (p + p->s.units == b) {
		p->s.units += b->s.units;
		p->s.next = b->s.next;
	} else {
		p->s.next = b;
	}
	freep = p;
}

void *calloc(size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > (unsigned long)-1 / 4 / size)
		return 0;
	p = malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *realloc(void *ptr, size_t n)
{
	header_t *h;
	size_t have;
	void *q;

	if (!ptr)
		return malloc(n);
	if (n == 0) {
		free(ptr);
		return 0;
	}
	h = (header_t *)ptr - 1;
	have = (h->s.units - 1) * sizeof(header_t);
	if (n <= have)
		return ptr;
	q = malloc(n);
	if (!q)
		return 0;
	memcpy(q, ptr, have);
	free(ptr);
	return q;
}

/* ---- input ------------------------------------------------------------------------------ */

char *gets(char *buf, int max)
{
	int i = 0;

	while (i + 1 < max) {
		char c;
		if (read(0, &c, 1) < 1)
			break;
		buf[i++] = c;
		if (c == '\n' || c == '\r')
			break;
	}
	if (max > 0)
		buf[i] = '\0';
	return buf;
}
