/*
 * The memory and string functions a freestanding image needs (see qd.h): the four a compiler
 * may call on its own, and the small helpers of qd.h. Byte loops on purpose: the images are
 * tiny and these are not on any hot path that matters.
 */
#include "qd.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *dst, int c, size_t n)
{
	volatile unsigned char *d = dst; /* volatile: no call back into memset */

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n) {
			n--;
			d[n] = s[n];
		}
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t qd_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

const void *qd_memmem(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
	const unsigned char *h = hay;

	if (nlen == 0)
		return hay;
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (memcmp(h + i, needle, nlen) == 0)
			return h + i;
	return NULL;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

bool qd_parse_u64(const char *buf, size_t len, const char *name, uint64_t *out)
{
	size_t nlen = qd_strlen(name);
	size_t off = 0;

	while (off < len) {
		const char *hit = qd_memmem(buf + off, len - off, name, nlen);

		if (!hit)
			return false;
		size_t at = (size_t)(hit - buf);
		size_t i = at + nlen;

		off = at + 1;
		if ((at > 0 && word_char(buf[at - 1])) || i >= len || buf[i] != '=')
			continue;
		i++;
		uint64_t v = 0;
		unsigned base = 10;
		size_t start;

		if (i + 1 < len && buf[i] == '0' && (buf[i + 1] == 'x' || buf[i + 1] == 'X')) {
			base = 16;
			i += 2;
		}
		start = i;
		for (; i < len; i++) {
			char c = buf[i];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (base == 16 && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (base == 16 && c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				break;
			v = base == 16 ? (v << 4) | d : (v << 3) + (v << 1) + d;
		}
		if (i == start)
			continue;
		*out = v;
		return true;
	}
	return false;
}
