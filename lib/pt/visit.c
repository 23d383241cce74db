/*
 * The one walker: visits tables (pre and post order), leaves and malformed entries of a range.
 * Dumps, the checker, statistics and pt_destroy are visitors over it.
 */
#include "pt_internal.h"

struct visit {
	const struct pt *pt;
	const struct pt_visitor *v;
};

static int visit_table(const struct visit *w, const struct pt_table *t, const void *table,
		       uint64_t iva, uint64_t end);

/* Visit entry i (value pte, covering [iva, next)) of the table at level. */
static int visit_entry(const struct visit *w, const struct pt_table *t, unsigned i,
		       uint64_t pte, uint64_t iva, uint64_t next)
{
	const struct pt_format *f = w->pt->fmt;
	const struct pt_visitor *v = w->v;
	unsigned level = t->level;
	struct pt_decoded d;
	const void *child = pt_decode(w->pt, pte, level, &d);

	if (d.kind == PT_ENTRY_LEAF) {
		struct pt_leaf leaf;

		pt_leaf_from(f, &d, level, i, iva, pte, &leaf);
		return v->leaf ? v->leaf(v->ctx, &leaf) : 0;
	}
	if (d.kind == PT_ENTRY_TABLE) {
		uint64_t span = pt_level_size(f, level);
		struct pt_table info = {pt_canonical_va(f, iva & ~(span - 1)), span, level - 1, d.pa,
					pte, i};

		return visit_table(w, &info, child, iva, next);
	}
	if (v->bad) {
		struct pt_bad bad = {pt_canonical_va(f, iva), level, i, pte,
				     t->pa + (pa_t)i * f->pte_size, d.why};

		return v->bad(v->ctx, &bad);
	}
	return 0;
}

/* Visit table t (at host pointer table) and everything below it that meets [iva, end). */
static int visit_table(const struct visit *w, const struct pt_table *t, const void *table,
		       uint64_t iva, uint64_t end)
{
	const struct pt_format *f = w->pt->fmt;
	const struct pt_visitor *v = w->v;
	unsigned i = pt_index(f, t->level, iva);
	int stop = v->table_pre ? v->table_pre(v->ctx, t) : 0;

	for (; !stop && iva < end; i++) {
		uint64_t next = pt_entry_end(f, t->level, iva, end);
		uint64_t pte = pt_get(f, table, i);

		if (pt_present(f, pte))
			stop = visit_entry(w, t, i, pte, iva, next);
		iva = next;
	}
	if (!stop && v->table_post)
		stop = v->table_post(v->ctx, t);
	return stop;
}

static enum pt_err visit_range(const struct pt *pt, uint64_t iva, uint64_t end,
			       const struct pt_visitor *v)
{
	const struct pt_format *f = pt->fmt;
	struct visit w = {pt, v};
	struct pt_table root = {pt_canonical_va(f, 0), pt_space_end(f), f->levels - 1u, pt->root,
				0, 0};

	return visit_table(&w, &root, pt_ptr(pt, pt->root), iva, end) ? PT_ESTOPPED : PT_OK;
}

enum pt_err pt_visit(const struct pt *pt, va_t va, uint64_t size, const struct pt_visitor *v)
{
	struct pt_range r;
	enum pt_err err;

	if (!pt || !pt->fmt || !v)
		return PT_EINVAL;
	err = pt_range_from(pt->fmt, va, size, &r);
	if (err)
		return err;
	return visit_range(pt, r.iva, r.end, v);
}

enum pt_err pt_visit_all(const struct pt *pt, const struct pt_visitor *v)
{
	if (!pt || !pt->fmt || !v)
		return PT_EINVAL;
	return visit_range(pt, 0, pt_space_end(pt->fmt), v);
}
