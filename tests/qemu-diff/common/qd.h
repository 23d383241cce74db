/*
 * Shared, architecture-neutral support for the bare-metal images of the QEMU differential
 * checks (tests/qemu-diff/<arch>/). Freestanding C11: no libc, no globals, no allocation.
 *
 *   qd_rng_*      a seeded pseudo-random generator (splitmix64): the same seed gives the same
 *                 sequence on every target, 32- or 64-bit
 *   qd_format     a small printf: %s %c %d %u %x %p, the l and ll length modifiers, a width and
 *                 '0' padding ("%016llx"); output goes to a caller-supplied putc
 *   qd_parse_*    reading "name=value" words (e.g. from a kernel command line)
 *
 * qd_string.c also defines memset, memcpy, memmove and memcmp, which a freestanding compiler
 * may call for struct copies and zeroing: link it unless the image has its own.
 *
 * Summary-line protocol understood by tests/qemu-diff/run.sh (one line per paging format):
 *     qemu-diff <format>: <N> probes, <M> mismatches[ anything]
 * and at the end exactly one of
 *     qemu-diff: PASS
 *     qemu-diff: FAIL
 */
#ifndef QEMU_DIFF_QD_H
#define QEMU_DIFF_QD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- random numbers ---------------------------------------------------------------------- */

struct qd_rng {
	uint64_t state;
};

static inline void qd_rng_seed(struct qd_rng *r, uint64_t seed)
{
	r->state = seed;
}

/* splitmix64: every 64-bit output once per period, good enough for test generation. */
static inline uint64_t qd_rng_next(struct qd_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for n > 0 (the modulo bias is irrelevant here); 0 for n == 0. */
static inline uint64_t qd_rng_below(struct qd_rng *r, uint64_t n)
{
	return n ? qd_rng_next(r) % n : 0;
}

/* True with probability num/den. */
static inline bool qd_rng_chance(struct qd_rng *r, unsigned num, unsigned den)
{
	return qd_rng_below(r, den) < num;
}

/* A 64-bit mix of x (for deriving seeds: qd_mix(seed ^ round)). */
static inline uint64_t qd_mix(uint64_t x)
{
	struct qd_rng r = {x};

	return qd_rng_next(&r);
}

/* ---- output ------------------------------------------------------------------------------ */

typedef void (*qd_putc_fn)(void *ctx, char c);

/* printf-like formatting to putc; returns the number of characters written. */
int qd_vformat(qd_putc_fn putc, void *ctx, const char *fmt, va_list ap);
int qd_format(qd_putc_fn putc, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- strings ----------------------------------------------------------------------------- */

/* The first occurrence of needle (nlen bytes) in [hay, hay + hlen), or NULL. */
const void *qd_memmem(const void *hay, size_t hlen, const void *needle, size_t nlen);

/*
 * Find "name=" in [buf, buf + len) (at the start or after a byte that is not a letter, digit,
 * '-' or '_') and parse the decimal or 0x-hex number after it into *out. Returns false, with
 * *out unchanged, when the word is missing or has no digits.
 */
bool qd_parse_u64(const char *buf, size_t len, const char *name, uint64_t *out);

size_t qd_strlen(const char *s);

#endif
