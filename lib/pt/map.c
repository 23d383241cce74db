/*
 * pt_map: install leaves for a range, with the largest pages that fit.
 *
 * Two passes over one recursion. The dry run reads the existing tables, fails on any clash,
 * and counts the tables the range needs (absent tables read as empty views). The tables are
 * then reserved, and the commit pass, which can no longer fail, writes the entries. New tables
 * are filled before the entry pointing at them is written.
 */
#include "pt_internal.h"

struct map_op {
	const struct pt *pt;
	const struct pt_format *f;
	uint64_t iva0;       /* the range starts here ... */
	pa_t pa0;            /* ... and maps to here */
	unsigned perms;
	unsigned leaf_mask;  /* levels at which this call may put leaves */
	bool commit;
	uint64_t tables;     /* dry run: tables the commit will need */
	struct pt_pool pool; /* commit: those tables */
};

static enum pt_err map_level(struct map_op *op, const struct pt_view *view, unsigned level,
			     uint64_t iva, uint64_t end);

/* How many whole leaves at level [iva, end) can start with, mapping pa (0 if none fits). */
static uint64_t map_leaf_count(const struct map_op *op, unsigned level, uint64_t iva,
			       uint64_t end, pa_t pa)
{
	uint64_t size = pt_level_size(op->f, level);

	if (!((op->leaf_mask >> level) & 1) || ((iva | pa) & (size - 1)))
		return 0;
	return (end - iva) >> op->f->shift[level];
}

/* Whether the table at level (host pointer table) and everything below it map nothing. */
static bool subtree_empty(const struct pt *pt, const void *table, unsigned level)
{
	const struct pt_format *f = pt->fmt;
	unsigned n = 1u << f->index_bits[level];

	for (unsigned i = 0; i < n; i++) {
		uint64_t pte = pt_get(f, table, i);
		struct pt_decoded d;
		void *child;

		if (!pt_present(f, pte))
			continue;
		child = pt_decode(pt, pte, level, &d);
		if (!child || !subtree_empty(pt, child, level - 1))
			return false;
	}
	return true;
}

/* Free the empty table at table_pa (level) and the empty tables below it. */
static void subtree_free(const struct pt *pt, pa_t table_pa, unsigned level)
{
	const struct pt_format *f = pt->fmt;
	const void *table = pt_ptr(pt, table_pa);
	unsigned n = 1u << f->index_bits[level];

	for (unsigned i = 0; level > 0 && i < n; i++) {
		struct pt_decoded d;

		if (pt_present(f, pt_get(f, table, i)) && pt_decode(pt, pt_get(f, table, i), level, &d))
			subtree_free(pt, d.pa, level - 1);
	}
	pt->mem.free(pt->mem.ctx, table_pa, pt_table_bytes(f, level));
}

/*
 * Entries i .. i+n-1 become leaves mapping pa onward. They must be free, except that a pointer
 * to tables that map nothing (left by pt_walk, say) is no clash: the commit frees those tables.
 */
static enum pt_err map_leaf_run(struct map_op *op, const struct pt_view *view, unsigned level,
				unsigned i, uint64_t n, pa_t pa)
{
	const struct pt_format *f = op->f;

	if (view->table && !view->fresh && pt_any_present(f, view->table, i, n)) {
		for (unsigned k = i; k < i + n; k++) {
			uint64_t pte = pt_get(f, view->table, k);
			struct pt_decoded d;
			void *child;

			if (!pt_present(f, pte))
				continue;
			child = pt_decode(op->pt, pte, level, &d);
			if (!child || !subtree_empty(op->pt, child, level - 1))
				return d.kind == PT_ENTRY_BAD ? PT_ECORRUPT : PT_EEXIST;
			if (op->commit)
				subtree_free(op->pt, d.pa, level - 1);
		}
	}
	if (!op->commit)
		return PT_OK;
	/* Successive leaves differ only in their address field. */
	pt_set_run(f, view->table, i, n, f->make_leaf(f, pa, op->perms, level),
		   pt_leaf_step(f, pt_level_size(f, level)));
	return PT_OK;
}

/* Map [iva, next) below entry i (value pte) of the table at level. */
static enum pt_err map_below(struct map_op *op, const struct pt_view *view, unsigned level,
			     unsigned i, uint64_t pte, uint64_t iva, uint64_t next)
{
	const struct pt_format *f = op->f;
	struct pt_view child = {0, 0, 0, false};
	struct pt_decoded d;
	pa_t child_pa;

	if (pt_present(f, pte)) {
		child.table = pt_decode(op->pt, pte, level, &d);
		if (d.kind == PT_ENTRY_LEAF)
			return PT_EEXIST;
		if (d.kind != PT_ENTRY_TABLE)
			return PT_ECORRUPT;
		return map_level(op, &child, level - 1, iva, next);
	}
	if (!op->commit) {
		op->tables++;
		return map_level(op, &child, level - 1, iva, next);
	}
	child_pa = pt_pool_take(op->pt, &op->pool);
	child.table = pt_ptr(op->pt, child_pa);
	child.fresh = true;
	map_level(op, &child, level - 1, iva, next);
	pt_set(f, view->table, i, f->make_table(f, child_pa, level));
	return PT_OK;
}

/* Map [iva, end), which lies inside the table at level seen through view. */
static enum pt_err map_level(struct map_op *op, const struct pt_view *view, unsigned level,
			     uint64_t iva, uint64_t end)
{
	const struct pt_format *f = op->f;
	unsigned i = pt_index(f, level, iva);

	/* An absent last-level table holds no clash and needs no tables below it. */
	if (!view->table && level == 0)
		return PT_OK;
	while (iva < end) {
		pa_t pa = op->pa0 + (iva - op->iva0);
		uint64_t n = map_leaf_count(op, level, iva, end, pa);
		uint64_t next = n ? iva + (n << f->shift[level]) : pt_entry_end(f, level, iva, end);
		enum pt_err err;

		if (n)
			err = map_leaf_run(op, view, level, i, n, pa);
		else
			err = map_below(op, view, level, i, pt_view_get(f, view, i), iva, next);
		if (err)
			return err;
		iva = next;
		i += n ? (unsigned)n : 1;
	}
	return PT_OK;
}

/* Check the arguments of pt_map that do not depend on the table's contents. */
static enum pt_err map_check_args(const struct pt *pt, pa_t pa, uint64_t size, unsigned perms,
				  unsigned flags)
{
	const struct pt_format *f = pt->fmt;
	uint64_t pa_limit = (uint64_t)1 << f->pa_bits;

	if (flags & ~PT_MAP_4K)
		return PT_EINVAL;
	if (pa & (PT_PAGE_SIZE - 1))
		return PT_EALIGN;
	if (pa >= pa_limit || size > pa_limit - pa)
		return PT_EPA;
	return f->check_perms(f, perms);
}

enum pt_err pt_map(struct pt *pt, va_t va, pa_t pa, uint64_t size, unsigned perms,
		   unsigned flags)
{
	struct map_op op = {0};
	struct pt_view root;
	struct pt_range r;
	enum pt_err err;

	if (!pt || !pt->fmt)
		return PT_EINVAL;
	err = pt_range_from(pt->fmt, va, size, &r);
	if (!err)
		err = map_check_args(pt, pa, size, perms, flags);
	if (err)
		return err;
	op.pt = pt;
	op.f = pt->fmt;
	op.iva0 = r.iva;
	op.pa0 = pa;
	op.perms = perms;
	op.leaf_mask = (flags & PT_MAP_4K) ? 1u : pt->fmt->leaf_levels;
	root = (struct pt_view){pt_ptr(pt, pt->root), 0, 0, false};

	err = map_level(&op, &root, pt->fmt->levels - 1, r.iva, r.end);
	if (!err)
		err = pt_pool_fill(pt, &op.pool, op.tables);
	if (err)
		return err;
	op.commit = true;
	map_level(&op, &root, pt->fmt->levels - 1, r.iva, r.end);
	pt_pool_drain(pt, &op.pool);
	return PT_OK;
}
