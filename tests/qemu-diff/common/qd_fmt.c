/*
 * qd_format: a small printf for the bare-metal test images (see qd.h). Decimal conversion
 * works by subtraction, so 32-bit targets need no libgcc division helpers for it.
 */
#include "qd.h"

struct out {
	qd_putc_fn putc;
	void *ctx;
	int n;
};

static void emit(struct out *o, char c)
{
	o->putc(o->ctx, c);
	o->n++;
}

static void emit_padded(struct out *o, const char *s, size_t len, unsigned width, char pad)
{
	while (width > len) {
		emit(o, pad);
		width--;
	}
	for (size_t i = 0; i < len; i++)
		emit(o, s[i]);
}

/* Digits of v in base 16 or 10 into buf (at least 21 bytes); returns the count. */
static size_t digits(uint64_t v, unsigned base, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (base == 16) {
		int shift = 60;

		while (shift > 0 && ((v >> shift) & 0xf) == 0)
			shift -= 4;
		for (; shift >= 0; shift -= 4)
			buf[n++] = hex[(v >> shift) & 0xf];
		return n;
	}
	uint64_t pow = 10000000000000000000ull; /* 10^19, the largest power of ten in 64 bits */
	bool started = false;

	for (;;) {
		unsigned d = 0;

		while (v >= pow) {
			v -= pow;
			d++;
		}
		if (d || started || pow == 1) {
			buf[n++] = (char)('0' + d);
			started = true;
		}
		if (pow == 1)
			break;
		/* pow / 10 without a division: the powers of ten are few. */
		uint64_t next = 1;

		while (next * 10 < pow)
			next *= 10;
		pow = next;
	}
	return n;
}

int qd_vformat(qd_putc_fn putc, void *ctx, const char *fmt, va_list ap)
{
	struct out o = {putc, ctx, 0};
	char buf[24];

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			emit(&o, *p);
			continue;
		}
		p++;
		char pad = ' ';
		unsigned width = 0;
		int longs = 0;

		if (*p == '0') {
			pad = '0';
			p++;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (unsigned)(*p++ - '0');
		while (*p == 'l') {
			longs++;
			p++;
		}
		if (*p == 'z') {
			longs = sizeof(size_t) == sizeof(unsigned long long) ? 2 : 1;
			p++;
		}
		switch (*p) {
		case '\0':
			return o.n;
		case '%':
			emit(&o, '%');
			break;
		case 'c':
			emit(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			emit_padded(&o, s, qd_strlen(s), width, ' ');
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);

			emit(&o, '0');
			emit(&o, 'x');
			emit_padded(&o, buf, digits(v, 16, buf), width, '0');
			break;
		}
		case 'd':
		case 'u':
		case 'x': {
			uint64_t v;
			bool neg = false;

			if (*p == 'd') {
				int64_t s = longs >= 2 ? va_arg(ap, long long)
				            : longs == 1 ? va_arg(ap, long)
						 : va_arg(ap, int);

				neg = s < 0;
				v = neg ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			} else {
				v = longs >= 2 ? va_arg(ap, unsigned long long)
				    : longs == 1 ? va_arg(ap, unsigned long)
						 : va_arg(ap, unsigned);
			}
			size_t n = digits(v, *p == 'x' ? 16 : 10, buf);

			if (neg) {
				if (pad == '0') {
					emit(&o, '-');
					emit_padded(&o, buf, n, width ? width - 1 : 0, pad);
				} else {
					while (width > n + 1) {
						emit(&o, ' ');
						width--;
					}
					emit(&o, '-');
					emit_padded(&o, buf, n, 0, pad);
				}
			} else {
				emit_padded(&o, buf, n, width, pad);
			}
			break;
		}
		default:
			emit(&o, '%');
			emit(&o, *p);
			break;
		}
	}
	return o.n;
}

int qd_format(qd_putc_fn putc, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = qd_vformat(putc, ctx, fmt, ap);
	va_end(ap);
	return n;
}
