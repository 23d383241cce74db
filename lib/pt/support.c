/* Pieces every operation uses: the table reserve, superpage splitting, leaf descriptions. */
#include "pt_internal.h"

/* Decode pte at level; a table the memory interface cannot reach counts as malformed. */
void pt_decode(const struct pt *pt, uint64_t pte, unsigned level, struct pt_decoded *d)
{
	pt->fmt->decode(pt->fmt, pte, level, d);
	if (d->kind == PT_ENTRY_TABLE && !pt_ptr(pt, d->pa)) {
		d->kind = PT_ENTRY_BAD;
		d->why = "table outside memory";
	}
}

/* Reserve n tables of the non-root size; all or none. */
enum pt_err pt_pool_fill(const struct pt *pt, struct pt_pool *pool, uint64_t n)
{
	uint64_t bytes = pt_child_bytes(pt->fmt);

	while (pool->count < n) {
		pa_t pa;

		if (pt->mem.alloc(pt->mem.ctx, bytes, &pa) != PT_OK) {
			pt_pool_drain(pt, pool);
			return PT_ENOMEM;
		}
		*(uint64_t *)pt_ptr(pt, pa) = pool->head;
		pool->head = pa;
		pool->count++;
	}
	return PT_OK;
}

/* Take one reserved table (zeroed). The pool must not be empty. */
pa_t pt_pool_take(const struct pt *pt, struct pt_pool *pool)
{
	pa_t pa = pool->head;
	uint64_t *link = pt_ptr(pt, pa);

	pool->head = *link;
	*link = 0;
	pool->count--;
	return pa;
}

/* Give back whatever was not used. */
void pt_pool_drain(const struct pt *pt, struct pt_pool *pool)
{
	while (pool->count > 0)
		pt->mem.free(pt->mem.ctx, pt_pool_take(pt, pool), pt_child_bytes(pt->fmt));
}

/* A table whose leaves are the pieces of the superpage `leaf`, one level down. Attribute bits
 * the codec does not model (PWT, PCD, PAT, PBMT) are not carried over to the pieces. */
struct pt_view pt_split_view(const struct pt *pt, const struct pt_decoded *leaf,
			     unsigned level)
{
	const struct pt_format *f = pt->fmt;
	struct pt_view v = {0, 0, 0};

	v.fill = f->make_leaf(f, leaf->pa, leaf->perms, level);
	v.step = pt_leaf_step(f, pt_level_size(f, level));
	return v;
}

/* Build in the real table the split described by view (all entries of it). */
void pt_fill_split(const struct pt *pt, void *table, unsigned level, const struct pt_view *view)
{
	const struct pt_format *f = pt->fmt;
	unsigned n = 1u << f->index_bits[level];
	uint64_t pte = view->fill;

	for (unsigned i = 0; i < n; i++, pte += view->step)
		pt_set(f, table, i, pte);
}

/* Whether every entry of the table at level is invalid. */
bool pt_table_empty(const struct pt *pt, const void *table, unsigned level)
{
	const struct pt_format *f = pt->fmt;
	unsigned n = 1u << f->index_bits[level];

	for (unsigned i = 0; i < n; i++)
		if (pt_present(f, pt_get(f, table, i)))
			return false;
	return true;
}

/* Fill *leaf from a decoded leaf found at level, index i, covering slot_iva. */
void pt_leaf_from(const struct pt_format *f, const struct pt_decoded *d, unsigned level,
		  unsigned i, uint64_t slot_iva, uint64_t pte, struct pt_leaf *leaf)
{
	uint64_t size = pt_level_size(f, level);

	leaf->va = pt_canonical(f, slot_iva & ~(size - 1));
	leaf->pa = d->pa;
	leaf->size = size;
	leaf->level = level;
	leaf->perms = d->perms;
	leaf->pte = pte;
	leaf->index = i;
}
