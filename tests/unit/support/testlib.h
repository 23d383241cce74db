/*
 * Shared helpers for the unit tests (test_formats, test_pt_ops, test_frame).
 *
 * Everything here is prefixed tl_ / TL_ so that other helper files in tests/unit/support/ (which
 * are linked into every test binary) cannot clash with it.
 *
 * Assertions: the TL_ macros print the values in hex (and error codes by name) together with the
 * current "where" string (tl_where(), typically the format under test) before failing the test
 * through cmocka, so a failure inside a loop over pt_formats[] says which format broke.
 */
#ifndef TL_TESTLIB_H
#define TL_TESTLIB_H

/* cmocka needs these before its header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ram.h"
#include "vmkit/pt.h"

#define TL_KIB ((uint64_t)1 << 10)
#define TL_MIB ((uint64_t)1 << 20)
#define TL_GIB ((uint64_t)1 << 30)
#define TL_TIB ((uint64_t)1 << 40)
#define TL_PAGE ((uint64_t)4096)

/* Where the simulated RAM of every test lives (as on QEMU virt) and how big it is. */
#define TL_RAM_BASE 0x80000000ull
#define TL_RAM_SIZE (16ull << 20)

/* ---- failure context and assertions ----------------------------------------------------- */

/* Set the context printed with any failure (printf format). Empty string to clear. */
void tl_where(const char *fmt, ...);
/* The current context. */
const char *tl_where_str(void);

void tl_fail_u64(const char *file, int line, const char *what, const char *a_expr, uint64_t a,
		 const char *b_expr, uint64_t b);
void tl_fail_err(const char *file, int line, const char *a_expr, enum pt_err a,
		 const char *b_expr, enum pt_err b);
void tl_fail_str(const char *file, int line, const char *a_expr, const char *a,
		 const char *b_expr, const char *b);
void tl_fail_msg(const char *file, int line, const char *msg);

#define TL_EQ(a, b)                                                                          \
	do {                                                                                 \
		uint64_t tl_a_ = (uint64_t)(a), tl_b_ = (uint64_t)(b);                       \
		if (tl_a_ != tl_b_)                                                          \
			tl_fail_u64(__FILE__, __LINE__, "==", #a, tl_a_, #b, tl_b_);         \
	} while (0)

#define TL_NE(a, b)                                                                          \
	do {                                                                                 \
		uint64_t tl_a_ = (uint64_t)(a), tl_b_ = (uint64_t)(b);                       \
		if (tl_a_ == tl_b_)                                                          \
			tl_fail_u64(__FILE__, __LINE__, "!=", #a, tl_a_, #b, tl_b_);         \
	} while (0)

#define TL_LE(a, b)                                                                          \
	do {                                                                                 \
		uint64_t tl_a_ = (uint64_t)(a), tl_b_ = (uint64_t)(b);                       \
		if (!(tl_a_ <= tl_b_))                                                       \
			tl_fail_u64(__FILE__, __LINE__, "<=", #a, tl_a_, #b, tl_b_);         \
	} while (0)

#define TL_TRUE(c)                                                                           \
	do {                                                                                 \
		if (!(c))                                                                    \
			tl_fail_msg(__FILE__, __LINE__, "expected true: " #c);               \
	} while (0)

#define TL_FALSE(c)                                                                          \
	do {                                                                                 \
		if (c)                                                                       \
			tl_fail_msg(__FILE__, __LINE__, "expected false: " #c);              \
	} while (0)

/* An enum pt_err result compared by name. */
#define TL_ERR(expr, expected)                                                               \
	do {                                                                                 \
		enum pt_err tl_e_ = (expr), tl_x_ = (expected);                              \
		if (tl_e_ != tl_x_)                                                          \
			tl_fail_err(__FILE__, __LINE__, #expr, tl_e_, #expected, tl_x_);     \
	} while (0)

#define TL_OK(expr) TL_ERR(expr, PT_OK)

/* Two NUL-terminated strings; on mismatch both are printed in full. */
#define TL_STR(a, b)                                                                         \
	do {                                                                                 \
		const char *tl_sa_ = (a), *tl_sb_ = (b);                                     \
		if (!tl_sa_ || !tl_sb_ || strcmp(tl_sa_, tl_sb_) != 0)                       \
			tl_fail_str(__FILE__, __LINE__, #a, tl_sa_, #b, tl_sb_);             \
	} while (0)

/* ---- a fresh table over fresh simulated RAM ---------------------------------------------- */

struct tl_env {
	struct host_ram ram;
	struct pt_mem mem;        /* host_ram_pt_mem(&ram) */
	struct pt pt;
	uint32_t free_before;     /* free frames before pt_init */
	uint32_t free_after_init; /* free frames right after pt_init (the root is allocated) */
};

/* TL_RAM_SIZE of RAM at TL_RAM_BASE and an empty table of format f (asserts success). */
void tl_env_init(struct tl_env *e, const struct pt_format *f);

/* pt_destroy the table (if still alive), check every frame came back, release the RAM. */
void tl_env_fini(struct tl_env *e);

/* A cmocka teardown: releases the RAM of environments a failed test did not finish. Use with
 * cmocka_unit_test_teardown (or TL_TEST) so that a failure does not also report leaks. */
int tl_teardown(void **state);
#define TL_TEST(fn) cmocka_unit_test_teardown(fn, tl_teardown)

/* ---- text capture ---------------------------------------------------------------------- */

/* A growing NUL-terminated buffer; tl_text_write is a vk_write_fn over it. */
struct tl_text {
	char *s;
	size_t len;
	size_t cap;
};

void tl_text_write(void *ctx, const char *s, size_t len);
void tl_text_free(struct tl_text *t);

/* Free a string or buffer made by the helpers below (they are tracked, so that tl_teardown can
 * free what a failed test left behind). */
void tl_free(void *p);

/* pt_dump_vmprint / pt_dump_ranges into a new string (free with tl_free); asserts PT_OK. */
char *tl_vmprint(const struct pt *pt);
char *tl_ranges(const struct pt *pt, pt_label_fn label, void *label_ctx);

/* ---- "nothing changed" checks -------------------------------------------------------------- */

/* The table's full vmprint dump and the RAM's free-frame count. */
struct tl_snap {
	char *dump;
	uint32_t free;
};

void tl_snap_take(struct tl_snap *s, const struct tl_env *e);
/* Assert the table dumps the same and the free count is the same; frees s->dump. */
void tl_snap_check(struct tl_snap *s, const struct tl_env *e, const char *file, int line);
#define TL_UNCHANGED(snap, env) tl_snap_check((snap), (env), __FILE__, __LINE__)

/* ---- leaf recorder (a pt_leaf_fn) -------------------------------------------------------- */

struct tl_leaves {
	struct pt_leaf *v;
	size_t n;
	size_t cap;
};

void tl_leaves_add(void *ctx, const struct pt_leaf *leaf);
void tl_leaves_free(struct tl_leaves *l);

/* ---- a pt_mem that counts the calls made through it ---------------------------------------- */

struct tl_count_mem {
	struct pt_mem inner;
	uint64_t ptr_calls;
	uint64_t alloc_calls;
	uint64_t free_calls;
	uint64_t contains_calls;
};

/* A pt_mem forwarding to *inner and counting into *c (c must outlive its use). */
struct pt_mem tl_count_mem(struct tl_count_mem *c, const struct pt_mem *inner);
void tl_count_reset(struct tl_count_mem *c);

/* ---- format helpers ---------------------------------------------------------------------- */

/* 2^va_bits. */
uint64_t tl_space(const struct pt_format *f);
/* The highest level at which a leaf may sit. */
unsigned tl_top_leaf_level(const struct pt_format *f);
/* Whether perms is valid for f under the rules of docs (RISC-V: R or X, W needs R; x86: R). */
bool tl_perms_valid(const struct pt_format *f, unsigned perms);
/* Whether f is a RISC-V format. */
bool tl_is_riscv(const struct pt_format *f);

/* Read / write the raw entry at `entry` (f->pte_size bytes). */
uint64_t tl_entry_read(const struct pt_format *f, const void *entry);
void tl_entry_write(const struct pt_format *f, void *entry, uint64_t pte);

/* Number of leaves / tables in the whole table (via pt_stats; asserts PT_OK). */
uint64_t tl_count_leaves(const struct pt *pt);
uint64_t tl_count_tables(const struct pt *pt);

#endif
