/* Private helpers shared by the engine's files. See docs/architecture.md, "The engine". */
#ifndef VMKIT_PT_INTERNAL_H
#define VMKIT_PT_INTERNAL_H

#include "vmkit/pt.h"

/*
 * Internally a VA is an "index VA" (iva): the VA with its sign extension stripped, so that the
 * whole space is the plain interval [0, 2^va_bits) and ranges never wrap. pt_canonical() turns
 * an iva back into what the processor sees.
 */

/* A validated range [iva, end) in index space. */
struct pt_range {
	uint64_t iva;
	uint64_t end;
};

/* Check va/size against the format and turn them into index space. */
enum pt_err pt_range_from(const struct pt_format *f, va_t va, uint64_t size,
			  struct pt_range *out);

/* Check a single VA and return its iva. */
enum pt_err pt_iva_from(const struct pt_format *f, va_t va, uint64_t *iva);

/* 2^va_bits: the end of index space. */
static inline uint64_t pt_space_end(const struct pt_format *f)
{
	return (uint64_t)1 << f->va_bits;
}

/* Index of iva in a table at level. */
static inline unsigned pt_index(const struct pt_format *f, unsigned level, uint64_t iva)
{
	return (unsigned)((iva >> f->shift[level]) & ((1u << f->index_bits[level]) - 1));
}

/* End of the entry at level that holds iva, clamped to end (Linux's pXd_addr_end). */
static inline uint64_t pt_entry_end(const struct pt_format *f, unsigned level, uint64_t iva,
				    uint64_t end)
{
	uint64_t next = (iva | (pt_level_size(f, level) - 1)) + 1;
	return next < end ? next : end;
}

/* Raw entry i of a table. */
static inline uint64_t pt_get(const struct pt_format *f, const void *table, unsigned i)
{
	if (f->pte_size == 8)
		return ((const volatile uint64_t *)table)[i];
	return ((const volatile uint32_t *)table)[i];
}

/* Store raw entry i of a table as one access, so a hardware walker never sees half of it. */
static inline void pt_set(const struct pt_format *f, void *table, unsigned i, uint64_t pte)
{
	if (f->pte_size == 8)
		((volatile uint64_t *)table)[i] = pte;
	else
		((volatile uint32_t *)table)[i] = (uint32_t)pte;
}

static inline bool pt_present(const struct pt_format *f, uint64_t pte)
{
	return (pte & f->present_bit) != 0;
}

/* Store entries i .. i+n-1 as pte, pte + step, ... (the hot loop of map and unmap). */
static inline void pt_set_run(const struct pt_format *f, void *table, unsigned i, uint64_t n,
			      uint64_t pte, uint64_t step)
{
	if (f->pte_size == 8) {
		volatile uint64_t *e = (volatile uint64_t *)table + i;

		for (uint64_t k = 0; k < n; k++, pte += step)
			e[k] = pte;
	} else {
		volatile uint32_t *e = (volatile uint32_t *)table + i;

		for (uint64_t k = 0; k < n; k++, pte += step)
			e[k] = (uint32_t)pte;
	}
}

/* Whether any of entries i .. i+n-1 is present. */
static inline bool pt_any_present(const struct pt_format *f, const void *table, unsigned i,
				  uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		if (pt_present(f, pt_get(f, table, i + (unsigned)k)))
			return true;
	return false;
}

static inline void *pt_ptr(const struct pt *pt, pa_t pa)
{
	return pt->mem.ptr(pt->mem.ctx, pa);
}

/*
 * A view of a table that may not exist yet. Dry runs walk the table a commit would produce
 * without allocating it: an absent table reads as all invalid, a superpage about to be split
 * reads as its pieces (fill + i * step).
 */
struct pt_view {
	void *table;    /* the real table, or NULL */
	uint64_t fill;  /* entry 0 of a virtual table (0: all invalid) */
	uint64_t step;  /* raw difference between successive virtual entries */
	bool fresh;     /* the real table was just taken from the pool: all invalid */
};

static inline uint64_t pt_view_get(const struct pt_format *f, const struct pt_view *v, unsigned i)
{
	if (v->table)
		return pt_get(f, v->table, i);
	return v->fill ? v->fill + (uint64_t)i * v->step : 0;
}

/* Raw difference between the leaves of two pages `size` apart (the address field is linear). */
static inline uint64_t pt_leaf_step(const struct pt_format *f, uint64_t size)
{
	return size >> f->pte_pa_shift;
}

/*
 * Tables reserved before a commit, so that the commit cannot fail. Free pages are chained
 * through their first 8 bytes and zeroed again when taken.
 */
struct pt_pool {
	pa_t head;
	uint64_t count;
};

/* Reserve n tables of the non-root size; all or none. */
enum pt_err pt_pool_fill(const struct pt *pt, struct pt_pool *pool, uint64_t n);

/* Take one reserved table (zeroed). The pool must not be empty. */
pa_t pt_pool_take(const struct pt *pt, struct pt_pool *pool);

/* Give back whatever was not used. */
void pt_pool_drain(const struct pt *pt, struct pt_pool *pool);

/* A table whose leaves are the pieces of the superpage `leaf` at level (leaf's level - 1). */
struct pt_view pt_split_view(const struct pt *pt, const struct pt_decoded *leaf,
			     unsigned level);

/* Build in the real table the split described by view (all entries of it). */
void pt_fill_split(const struct pt *pt, void *table, unsigned level, const struct pt_view *view);

/* Whether every entry of the table at level is invalid, knowing those strictly between first
 * and last are. */
bool pt_table_empty_except(const struct pt_format *f, const void *table, unsigned level,
			   unsigned first, unsigned last);

/* Bytes of the tables the pool hands out (every non-root table has this size). */
static inline uint64_t pt_child_bytes(const struct pt_format *f)
{
	return pt_table_bytes(f, 0);
}

/* Decode pte at level. For a table pointer, return the table's host pointer; a table the
 * memory interface cannot reach counts as malformed. */
static inline void *pt_decode(const struct pt *pt, uint64_t pte, unsigned level,
			      struct pt_decoded *d)
{
	void *child;

	pt->fmt->decode(pt->fmt, pte, level, d);
	if (d->kind != PT_ENTRY_TABLE)
		return 0;
	child = pt_ptr(pt, d->pa);
	if (!child) {
		d->kind = PT_ENTRY_BAD;
		d->why = "table outside memory";
	}
	return child;
}

/* The canonical VA of iva (what pt_canonical returns, inline for the engine's loops). */
static inline va_t pt_canonical_va(const struct pt_format *f, uint64_t iva)
{
	uint64_t space = pt_space_end(f);

	if (f->sign_extended && (iva & (space >> 1)))
		return iva | ~(space - 1);
	return iva;
}

/* Fill *leaf from a decoded leaf found at level, index i, covering iva. */
static inline void pt_leaf_from(const struct pt_format *f, const struct pt_decoded *d,
				unsigned level, unsigned i, uint64_t iva, uint64_t pte,
				struct pt_leaf *leaf)
{
	uint64_t size = pt_level_size(f, level);

	leaf->va = pt_canonical_va(f, iva & ~(size - 1));
	leaf->pa = d->pa;
	leaf->size = size;
	leaf->level = level;
	leaf->perms = d->perms;
	leaf->pte = pte;
	leaf->index = i;
}

/* Helpers for text output without libc. */
struct pt_line {
	char buf[192];
	size_t len;
};

void pt_line_str(struct pt_line *l, const char *s);
void pt_line_hex(struct pt_line *l, uint64_t v, unsigned digits); /* "0x" + digits, 0: minimal */
void pt_line_dec(struct pt_line *l, uint64_t v);
void pt_line_flush(struct pt_line *l, vk_write_fn write, void *ctx); /* adds '\n' */

#endif
