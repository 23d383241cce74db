/* Creating and destroying a table, and the single-address operations: walk and query. */
#include "pt_internal.h"

enum pt_err pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_mem *mem)
{
	enum pt_err err;

	if (!pt || !fmt || !mem || !mem->ptr || !mem->alloc || !mem->free)
		return PT_EINVAL;
	pt->fmt = fmt;
	pt->mem = *mem;
	err = mem->alloc(mem->ctx, pt_table_bytes(fmt, fmt->levels - 1u), &pt->root);
	if (err != PT_OK) {
		pt->fmt = 0;
		return PT_ENOMEM;
	}
	return PT_OK;
}

struct destroy {
	const struct pt *pt;
	pt_leaf_fn on_leaf;
	void *ctx;
	uint64_t leaves;
};

static int destroy_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct destroy *d = ctx;

	d->leaves++;
	if (d->on_leaf)
		d->on_leaf(d->ctx, leaf);
	return 0;
}

/* Post order: every table below this one is already gone. */
static int destroy_table(void *ctx, const struct pt_table *t)
{
	struct destroy *d = ctx;

	d->pt->mem.free(d->pt->mem.ctx, t->pa, pt_table_bytes(d->pt->fmt, t->level));
	return 0;
}

void pt_destroy(struct pt *pt, pt_leaf_fn on_leaf, void *ctx, uint64_t *leaves)
{
	struct destroy d = {pt, on_leaf, ctx, 0};
	struct pt_visitor v = {0, destroy_leaf, 0, destroy_table, &d};

	if (leaves)
		*leaves = 0;
	if (!pt || !pt->fmt)
		return;
	pt_visit_all(pt, &v);
	pt->fmt = 0;
	pt->root = 0;
	if (leaves)
		*leaves = d.leaves;
}

/* Describe entry i of the table at table_pa (host pointer table), level. */
static void slot_at(const struct pt *pt, pa_t table_pa, void *table, unsigned level, unsigned i,
		    struct pt_slot *slot)
{
	const struct pt_format *f = pt->fmt;

	slot->entry = (char *)table + (size_t)i * f->pte_size;
	slot->entry_pa = table_pa + (pa_t)i * f->pte_size;
	slot->level = level;
	slot->pte = pt_get(f, table, i);
}

/* Walk down from the root; stop at level 0, a leaf, a malformed entry or an invalid entry. */
static void walk_existing(const struct pt *pt, uint64_t iva, struct pt_slot *slot,
			  struct pt_decoded *d)
{
	const struct pt_format *f = pt->fmt;
	pa_t table_pa = pt->root;
	void *table = pt_ptr(pt, table_pa);

	for (unsigned level = f->levels - 1u;; level--) {
		void *child;

		slot_at(pt, table_pa, table, level, pt_index(f, level, iva), slot);
		child = pt_decode(pt, slot->pte, level, d);
		if (level == 0 || !child)
			return;
		table_pa = d->pa;
		table = child;
	}
}

enum pt_err pt_walk(struct pt *pt, va_t va, unsigned flags, struct pt_slot *slot)
{
	const struct pt_format *f;
	struct pt_pool pool = {0, 0};
	struct pt_decoded d;
	uint64_t iva;
	enum pt_err err;

	if (!pt || !pt->fmt || !slot || (flags & ~PT_WALK_CREATE))
		return PT_EINVAL;
	f = pt->fmt;
	err = pt_iva_from(f, va, &iva);
	if (err)
		return err;
	walk_existing(pt, iva, slot, &d);
	if (d.kind != PT_ENTRY_INVALID || slot->level == 0)
		return d.kind == PT_ENTRY_BAD ? PT_ECORRUPT : PT_OK;
	if (!(flags & PT_WALK_CREATE))
		return PT_ENOENT;
	/* Missing tables from slot->level - 1 down to 0: reserve them all, then link each. */
	err = pt_pool_fill(pt, &pool, slot->level);
	if (err)
		return err;
	while (slot->level > 0) {
		pa_t child = pt_pool_take(pt, &pool);
		unsigned level = slot->level;

		pt_set(f, slot->entry, 0, f->make_table(f, child, level));
		slot_at(pt, child, pt_ptr(pt, child), level - 1, pt_index(f, level - 1, iva), slot);
	}
	return PT_OK;
}

enum pt_err pt_query(const struct pt *pt, va_t va, struct pt_leaf *out, pa_t *pa_out)
{
	struct pt_slot slot;
	struct pt_decoded d;
	uint64_t iva;
	enum pt_err err;

	if (!pt || !pt->fmt || !out)
		return PT_EINVAL;
	err = pt_iva_from(pt->fmt, va, &iva);
	if (err)
		return err;
	walk_existing(pt, iva, &slot, &d);
	if (d.kind == PT_ENTRY_INVALID)
		return PT_ENOENT;
	if (d.kind != PT_ENTRY_LEAF)
		return PT_ECORRUPT;
	pt_leaf_from(pt->fmt, &d, slot.level, pt_index(pt->fmt, slot.level, iva), iva, slot.pte,
		     out);
	if (pa_out)
		*pa_out = d.pa + (iva & (out->size - 1));
	return PT_OK;
}

enum pt_err pt_remap(struct pt *pt, va_t va, pa_t pa, unsigned perms)
{
	struct pt_slot slot;
	struct pt_decoded d;
	uint64_t iva, size;
	enum pt_err err;

	if (!pt || !pt->fmt)
		return PT_EINVAL;
	err = pt_iva_from(pt->fmt, va, &iva);
	if (!err)
		err = pt->fmt->check_perms(pt->fmt, perms);
	if (err)
		return err;
	walk_existing(pt, iva, &slot, &d);
	if (d.kind == PT_ENTRY_BAD)
		return PT_ECORRUPT;
	size = pt_level_size(pt->fmt, slot.level);
	if (d.kind != PT_ENTRY_LEAF || (iva & (size - 1)))
		return PT_ENOENT;
	if (pa & (size - 1))
		return PT_EALIGN;
	if ((pa + size - 1) >> pt->fmt->pa_bits)
		return PT_EPA;
	pt_set(pt->fmt, slot.entry, 0, pt->fmt->make_leaf(pt->fmt, pa, perms, slot.level));
	return PT_OK;
}
