/* Pieces every operation uses: the table reserve, superpage splitting, leaf descriptions. */
#include "pt_internal.h"

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
	struct pt_view v = {0, 0, 0, false};

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

/* Whether every entry of the table at level is invalid, knowing those strictly between first
 * and last are (an unmap cleared them; first and last may have been covered only in part). */
bool pt_table_empty_except(const struct pt_format *f, const void *table, unsigned level,
			   unsigned first, unsigned last)
{
	unsigned n = 1u << f->index_bits[level];

	return !pt_any_present(f, table, 0, first + 1) &&
	       !pt_any_present(f, table, last, n - last);
}
