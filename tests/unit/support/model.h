/*
 * A reference model of a page table, for differential tests (test_pt_model, test_pt_faults).
 *
 * The model answers one question: which physical page and which permissions does each 4 KiB
 * virtual page have? It is written without lib/pt: a sorted array of runs, each run a stretch of
 * consecutive virtual pages that map to consecutive physical pages with the same permissions.
 * Storing runs rather than single pages is only a compression (a 1 GiB superpage would otherwise
 * be 262144 entries); every operation is defined page by page, and model_runs_diff compares two
 * run lists page by page (it steps through the pages in chunks over which both sides are linear,
 * which checks exactly the same thing as comparing the pages one at a time).
 *
 * Virtual pages are numbered in "index" space: VA bits above the format's translated width are
 * stripped (model_iva), so that both canonical halves of RV64 / x86-64 form one interval.
 *
 * Everything here is prefixed model_ so it cannot clash with other files in tests/unit/support/.
 */
#ifndef VMKIT_TEST_MODEL_H
#define VMKIT_TEST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmkit/pt_format.h"

#define MODEL_PAGE ((uint64_t)4096)

/* Pages [vpn, vpn + pages) map to [ppn, ppn + pages) with perms. */
struct model_run {
	uint64_t vpn;
	uint64_t pages;
	uint64_t ppn;
	unsigned perms;
};

struct model {
	struct model_run *runs; /* sorted by vpn, non-overlapping, pages > 0 */
	size_t n;
	size_t cap;
};

void model_init(struct model *m);
void model_fini(struct model *m);
/* Forget every mapping. */
void model_clear(struct model *m);

/* Whether vpn is mapped; if so its ppn and perms (either pointer may be NULL). */
bool model_lookup(const struct model *m, uint64_t vpn, uint64_t *ppn, unsigned *perms);
/* Whether any page of [vpn, vpn + pages) is mapped. */
bool model_any(const struct model *m, uint64_t vpn, uint64_t pages);
/* Number of mapped pages in [vpn, vpn + pages). */
uint64_t model_count(const struct model *m, uint64_t vpn, uint64_t pages);
/* Number of mapped pages in total. */
uint64_t model_total(const struct model *m);

/* Map [vpn, vpn + pages) to [ppn, ...) with perms. None of those pages may be mapped. */
void model_insert(struct model *m, uint64_t vpn, uint64_t pages, uint64_t ppn, unsigned perms);
/* Unmap every page of [vpn, vpn + pages) (holes are fine). */
void model_remove(struct model *m, uint64_t vpn, uint64_t pages);
/* For every mapped page of [vpn, vpn + pages): perms = (perms & ~clear) | set. */
void model_change(struct model *m, uint64_t vpn, uint64_t pages, unsigned set, unsigned clear);

/* The mapped parts of [vpn, vpn + pages), clipped to the range, in a malloc'ed array (*out,
 * *n; *out is NULL when none). The caller frees *out. */
void model_extract(const struct model *m, uint64_t vpn, uint64_t pages, struct model_run **out,
		   size_t *n);

/* Whether the structure is well formed (sorted, disjoint, non-empty runs). */
bool model_well_formed(const struct model *m);

/*
 * Compare two descriptions of the same mapping page by page. Both lists must be sorted by vpn
 * and disjoint (b is checked for that; a is assumed to be, e.g. a model's runs). Returns true if
 * every page has the same ppn and perms in both and no page is mapped in only one of them;
 * otherwise false with the first difference described in why (why may be NULL).
 */
bool model_runs_same(const struct model_run *a, size_t na, const struct model_run *b, size_t nb,
		     char *why, size_t why_len);

/* ---- format facts, derived from the descriptor's plain fields and the documented rules ---- */

/* 2^va_bits: the size of index space. */
uint64_t model_space(const struct pt_format *f);
/* Bytes one entry at level maps. */
uint64_t model_level_size(const struct pt_format *f, unsigned level);
/* The highest level where a leaf may sit. */
unsigned model_top_leaf(const struct pt_format *f);
/* VA -> index-space address (strip the sign extension). */
uint64_t model_iva(const struct pt_format *f, uint64_t va);
/* Index-space address -> canonical VA. */
uint64_t model_va(const struct pt_format *f, uint64_t iva);
/* Whether a leaf can carry perms: RISC-V needs R or X and W needs R; x86 needs R; no bits
 * outside PT_PERM_ALL. Written from the specifications, not from the codecs. */
bool model_perms_ok(const struct pt_format *f, unsigned perms);
/* What a leaf mapped with perms reports: 32-bit x86 pages are always executable. */
unsigned model_effective(const struct pt_format *f, unsigned perms);

/* ---- text capture ----------------------------------------------------------------------- */

/* A growing NUL-terminated string; model_text_write is a vk_write_fn over it. */
struct model_text {
	char *s;
	size_t len;
	size_t cap;
};

void model_text_write(void *ctx, const char *s, size_t len);
void model_text_free(struct model_text *t);

#endif
