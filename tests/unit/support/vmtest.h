/*
 * Helpers for the lib/vm tests (test_vm, test_vm_faults, test_vm_sim).
 *
 * Everything is prefixed vt_ / VT_ so that it cannot clash with the other files of
 * tests/unit/support/, which are linked into every test binary.
 *
 * Assertions print both values (error codes by name) and the current context string
 * (vt_ctx(), typically "format, case") before failing the test through cmocka, so that a
 * failure inside a loop over formats says which format and which case broke.
 *
 * Resources a test acquires through vt_env_init / vt_defer are released by vt_teardown (use
 * it as every test's teardown), so a failing test does not leak into the next one.
 */
#ifndef VT_VMTEST_H
#define VT_VMTEST_H

/* cmocka needs these before its header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ram.h"
#include "vmkit/vm.h"

#define VT_PAGE ((uint64_t)4096)
#define VT_RAM_BASE 0x80000000ull

/* The formats every test runs on: Sv39, x86 32-bit, x86-64. */
#define VT_NFORMATS 3
extern const struct pt_format *const vt_formats[VT_NFORMATS];

/* Usual user permissions. */
#define VT_RW (PT_R | PT_W | PT_U)
#define VT_RO (PT_R | PT_U)
#define VT_RX (PT_R | PT_X | PT_U)

/* ---- failure context and assertions ------------------------------------------------------ */

/* Set the context printed with any failure (printf format); "" clears it. */
void vt_ctx(const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);
const char *vt_ctx_str(void);

/* Print the message and the context, then fail the current test (does not return). */
void vt_fail(const char *file, int line, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(3, 4);
void vt_fail_u64(const char *file, int line, const char *op, const char *a_expr, uint64_t a,
		 const char *b_expr, uint64_t b);
void vt_fail_err(const char *file, int line, const char *expr, enum pt_err got,
		 enum pt_err want);
/* Compare n bytes; on a difference print the first differing offset and fail. */
void vt_check_mem(const char *file, int line, const char *what, const void *got,
		  const void *want, uint64_t n);
/* Compare two strings (either may be NULL); takes ownership of both (frees them). */
void vt_check_text(const char *file, int line, const char *what, char *got, char *want);

#define VT_CMP_(a, op, b)                                                                   \
	do {                                                                                \
		uint64_t vt_a_ = (uint64_t)(a), vt_b_ = (uint64_t)(b);                      \
		if (!(vt_a_ op vt_b_))                                                      \
			vt_fail_u64(__FILE__, __LINE__, #op, #a, vt_a_, #b, vt_b_);         \
	} while (0)
#define VT_EQ(a, b) VT_CMP_(a, ==, b)
#define VT_NE(a, b) VT_CMP_(a, !=, b)
#define VT_LT(a, b) VT_CMP_(a, <, b)
#define VT_LE(a, b) VT_CMP_(a, <=, b)
#define VT_GE(a, b) VT_CMP_(a, >=, b)

#define VT_TRUE(c)                                                                          \
	do {                                                                                \
		if (!(c))                                                                   \
			vt_fail(__FILE__, __LINE__, "expected true: %s", #c);               \
	} while (0)
#define VT_FALSE(c)                                                                         \
	do {                                                                                \
		if (c)                                                                      \
			vt_fail(__FILE__, __LINE__, "expected false: %s", #c);              \
	} while (0)

#define VT_ERR(expr, want)                                                                  \
	do {                                                                                \
		enum pt_err vt_e_ = (expr), vt_w_ = (want);                                 \
		if (vt_e_ != vt_w_)                                                         \
			vt_fail_err(__FILE__, __LINE__, #expr, vt_e_, vt_w_);               \
	} while (0)
#define VT_OK(expr) VT_ERR(expr, PT_OK)

#define VT_MEM(got, want, n) vt_check_mem(__FILE__, __LINE__, #got " vs " #want, got, want, n)
/* Both strings are freed. */
#define VT_TEXT(got, want) vt_check_text(__FILE__, __LINE__, #got " vs " #want, got, want)

/* ---- cleanup ----------------------------------------------------------------------------- */

/* Run fn(arg) at vt_teardown unless vt_undefer(arg) was called first. arg must not point into
 * a test's stack (a failed assertion leaves the test by longjmp). */
void vt_defer(void (*fn)(void *), void *arg);
void vt_undefer(void *arg);
/* Zeroed heap memory released at vt_teardown if the test fails before vt_dealloc. */
void *vt_alloc(size_t n);
void vt_dealloc(void *p);
/* cmocka teardown: release everything still deferred (environments included). */
int vt_teardown(void **state);

/* ---- simulated RAM and an environment over it ------------------------------------------- */

struct vt_env {
	struct host_ram ram;
	struct vm_env env; /* host_ram_vm_env(&ram) */
	uint32_t free0;    /* free frames right after init */
};

/* ram_size bytes of RAM at VT_RAM_BASE (asserts success). */
void vt_env_init(struct vt_env *e, uint64_t ram_size);
/* Assert every frame is free again, then release the RAM. */
void vt_env_fini(struct vt_env *e);
uint32_t vt_free(const struct vt_env *e);
/* References to the frame at pa. */
uint32_t vt_refs(const struct vt_env *e, pa_t pa);
/* Host pointer to the frame holding pa (asserts it is in the RAM). */
uint8_t *vt_host(const struct vt_env *e, pa_t pa);

/* vm_space_init, asserting success. */
void vt_space(struct vt_env *e, struct vm_space *s, const struct pt_format *f, uint64_t limit);

/* ---- looking at a space without going through the fault path ---------------------------- */

/* The leaf mapping va and the PA of va (either pointer may be NULL); false if unmapped. */
bool vt_leaf(const struct vm_space *s, va_t va, struct pt_leaf *leaf, pa_t *pa);
/* Copy [va, va + len) out of the mapped pages (any permissions); false if a page is unmapped
 * (buf is then partly filled). */
bool vt_peek(const struct vm_space *s, va_t va, void *buf, uint64_t len);
/* Write [va, va + len) straight into mapped pages; asserts they are mapped. */
void vt_poke(const struct vm_space *s, va_t va, const void *buf, uint64_t len);
/* Number of leaves and of tables in the whole table. */
uint64_t vt_leaves(const struct pt *pt);
uint64_t vt_tables(const struct pt *pt);

/* ---- text ------------------------------------------------------------------------------- */

/* A malloc'ed copy of s (strdup is not C11). */
char *vt_strdup(const char *s);

/* Dumps into malloc'ed strings (asserts PT_OK). */
char *vt_vmprint(const struct pt *pt);
char *vt_ranges(const struct pt *pt, pt_label_fn label, void *label_ctx);
/* Every leaf of the table, one line each: va, pa, size, perms and the frame's reference count. */
char *vt_space_desc(const struct vm_space *s);

/* Everything observable about a space and its RAM, to assert that a failed call changed
 * nothing: the vmprint dump, the leaves with reference counts, size, the lazy window, the
 * free frame count. */
struct vt_snap {
	char *dump;
	char *desc;
	uint64_t size;
	uint64_t limit;
	uint64_t lazy_from;
	unsigned lazy_perms;
	uint32_t free;
};

void vt_snap_take(struct vt_snap *snap, const struct vt_env *e, const struct vm_space *s);
/* Assert nothing changed; frees the snapshot. */
void vt_snap_check(struct vt_snap *snap, const struct vt_env *e, const struct vm_space *s,
		   const char *file, int line);
void vt_snap_free(struct vt_snap *snap);
#define VT_UNCHANGED(snap, e, s) vt_snap_check((snap), (e), (s), __FILE__, __LINE__)

/* ---- whole-RAM accounting ---------------------------------------------------------------- */

/* Check every frame's reference count against the spaces (and any extra tables): each table
 * frame has one reference, each user frame one per leaf mapping it, every other frame is free;
 * and no writable leaf maps a frame that another mapping shares. */
void vt_check_frames(const struct vt_env *e, struct vm_space *const *spaces, size_t n);

/* ---- data ------------------------------------------------------------------------------- */

/* A deterministic byte pattern (never all zeros). */
void vt_pattern(uint8_t *buf, uint64_t len, uint32_t seed);

#endif
