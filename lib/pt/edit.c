/*
 * pt_unmap, pt_protect and pt_update: change or remove the leaves of a range.
 *
 * One recursion serves all three. A leaf the range covers entirely is edited; a superpage the
 * range covers partly is split first. The dry run counts the tables those splits need (it
 * reads a superpage about to be split as a virtual table of its pieces) and, for pt_update,
 * checks every new permission; it skips tables the range covers entirely, since nothing in
 * them can need a split, so it follows only the two edge paths. The commit pass then cannot
 * fail. Unmapping frees every table it empties, except the root.
 */
#include "pt_internal.h"

enum edit_kind {
	EDIT_CLEAR, /* remove leaves */
	EDIT_PERMS, /* perms = (perms & ~clear) | set */
};

struct edit_op {
	const struct pt *pt;
	const struct pt_format *f;
	enum edit_kind kind;
	unsigned set, clear;
	unsigned when;       /* EDIT_PERMS: only leaves that have all these permissions */
	bool check_leaves;   /* the dry run must visit every leaf (permissions vary per leaf) */
	pt_leaf_fn on_leaf;
	void *ctx;
	bool commit;
	uint64_t tables;     /* dry run: tables the splits need */
	struct pt_pool pool; /* commit: those tables */
};

/*
 * The covered leaf edited last. When the next entry is that leaf plus one page (its raw value
 * plus the address step), it is the same kind of leaf with the same permissions, so it needs
 * no decoding, and under EDIT_PERMS its new value is the last one's plus the step.
 */
struct edit_run {
	bool open;
	uint64_t pte;        /* the leaf's raw value before the edit */
	uint64_t edited;     /* its raw value after an EDIT_PERMS edit (0: not built yet) */
	struct pt_decoded d; /* what it is */
};

static enum pt_err edit_level(struct edit_op *op, const struct pt_view *view, unsigned level,
			      uint64_t iva, uint64_t end);

/* Edit entry i, the leaf run->d (raw run->pte) that the range covers entirely. */
static enum pt_err edit_leaf(struct edit_op *op, const struct pt_view *view, unsigned level,
			     unsigned i, struct edit_run *run, uint64_t iva)
{
	const struct pt_format *f = op->f;
	const struct pt_decoded *d = &run->d;
	unsigned perms = (d->perms & ~op->clear) | op->set;
	struct pt_leaf leaf;

	if (op->kind == EDIT_PERMS) {
		if ((d->perms & op->when) != op->when)
			return PT_OK;
		if (!op->commit)
			return f->check_perms(f, perms);
		if (!run->edited)
			run->edited = f->make_leaf(f, d->pa, perms, level);
		pt_set(f, view->table, i, run->edited);
		return PT_OK;
	}
	if (!op->commit)
		return PT_OK;
	pt_set(f, view->table, i, 0);
	if (op->on_leaf) {
		pt_leaf_from(f, d, level, i, iva, run->pte, &leaf);
		op->on_leaf(op->ctx, &leaf);
	}
	return PT_OK;
}

/* Whether entry pte continues run at level: the next page of the same leaf kind. */
static bool edit_run_continues(const struct edit_op *op, const struct edit_run *run,
			       unsigned level, uint64_t pte)
{
	const struct pt_format *f = op->f;
	uint64_t size = pt_level_size(f, level);

	/* The address field must not carry into the bits above it. */
	return run->open && pte == run->pte + pt_leaf_step(f, size) &&
	       ((run->d.pa + 2 * size - 1) >> f->pa_bits) == 0;
}

/* Split superpage d at entry i into a table of pieces, then edit [iva, next) inside it. */
static enum pt_err edit_split(struct edit_op *op, const struct pt_view *view, unsigned level,
			      unsigned i, const struct pt_decoded *d, uint64_t iva, uint64_t next)
{
	const struct pt_format *f = op->f;
	struct pt_view child = pt_split_view(op->pt, d, level - 1);
	pa_t child_pa;

	if (!op->commit) {
		op->tables++;
		return edit_level(op, &child, level - 1, iva, next);
	}
	child_pa = pt_pool_take(op->pt, &op->pool);
	pt_fill_split(op->pt, pt_ptr(op->pt, child_pa), level - 1, &child);
	child.table = pt_ptr(op->pt, child_pa);
	edit_level(op, &child, level - 1, iva, next);
	pt_set(f, view->table, i, f->make_table(f, child_pa, level));
	return PT_OK;
}

/* Edit [iva, next) in the table `table` (at d->pa) below entry i; free it if that emptied it. */
static enum pt_err edit_table(struct edit_op *op, const struct pt_view *view, unsigned level,
			      unsigned i, const struct pt_decoded *d, void *table, uint64_t iva,
			      uint64_t next, bool covered)
{
	const struct pt_format *f = op->f;
	struct pt_view child = {table, 0, 0, false};
	enum pt_err err;

	err = edit_level(op, &child, level - 1, iva, next);
	if (err || !op->commit || op->kind != EDIT_CLEAR)
		return err;
	if (covered || pt_table_empty_except(f, table, level - 1, pt_index(f, level - 1, iva),
					     pt_index(f, level - 1, next - 1))) {
		pt_set(f, view->table, i, 0);
		op->pt->mem.free(op->pt->mem.ctx, d->pa, pt_table_bytes(f, level - 1));
	}
	return PT_OK;
}

/* Edit the present entry i (value pte, covering [iva, next)) that no run continues. */
static enum pt_err edit_entry(struct edit_op *op, const struct pt_view *view, unsigned level,
			      unsigned i, uint64_t pte, uint64_t iva, uint64_t next,
			      struct edit_run *run)
{
	bool covered = next - iva == pt_level_size(op->f, level);
	void *child = pt_decode(op->pt, pte, level, &run->d);

	if (run->d.kind == PT_ENTRY_LEAF && covered) {
		run->open = true;
		run->pte = pte;
		run->edited = 0;
		return edit_leaf(op, view, level, i, run, iva);
	}
	if (run->d.kind == PT_ENTRY_LEAF)
		return edit_split(op, view, level, i, &run->d, iva, next);
	if (run->d.kind == PT_ENTRY_TABLE)
		return edit_table(op, view, level, i, &run->d, child, iva, next, covered);
	if (!covered)
		return PT_ECORRUPT;
	if (op->commit && op->kind == EDIT_CLEAR)
		pt_set(op->f, view->table, i, 0); /* a malformed entry is simply dropped */
	return PT_OK;
}

/* Edit [iva, end), which lies inside the table at level seen through view. */
static enum pt_err edit_level(struct edit_op *op, const struct pt_view *view, unsigned level,
			      uint64_t iva, uint64_t end)
{
	const struct pt_format *f = op->f;
	uint64_t size = pt_level_size(f, level);
	unsigned i = pt_index(f, level, iva);
	struct edit_run run = {false, 0, 0, {PT_ENTRY_INVALID, 0, 0, 0}};

	/* Every entry of a last-level range is covered and goes, leaf or malformed alike. */
	if (level == 0 && op->kind == EDIT_CLEAR && op->commit && !op->on_leaf) {
		pt_set_run(f, view->table, i, (end - iva) >> f->shift[0], 0, 0);
		return PT_OK;
	}
	for (; iva < end; i++) {
		uint64_t next = pt_entry_end(f, level, iva, end);
		bool covered = next - iva == size;
		uint64_t pte = pt_view_get(f, view, i);
		enum pt_err err = PT_OK;

		if (covered && edit_run_continues(op, &run, level, pte)) {
			run.pte = pte;
			run.d.pa += size;
			if (run.edited)
				run.edited += pt_leaf_step(f, size);
			err = edit_leaf(op, view, level, i, &run, iva);
		} else if (!pt_present(f, pte) ||
			   (covered && !op->commit && !op->check_leaves)) {
			/* Nothing to do; in that dry run only the edges can need a split. */
			run.open = false;
		} else {
			run.open = false;
			err = edit_entry(op, view, level, i, pte, iva, next, &run);
		}
		if (err)
			return err;
		iva = next;
	}
	return PT_OK;
}

/* Dry run, reserve, commit. */
static enum pt_err edit_run(struct edit_op *op, struct pt *pt, va_t va, uint64_t size)
{
	struct pt_view root;
	struct pt_range r;
	enum pt_err err;

	if (!pt || !pt->fmt)
		return PT_EINVAL;
	err = pt_range_from(pt->fmt, va, size, &r);
	if (err)
		return err;
	op->pt = pt;
	op->f = pt->fmt;
	root = (struct pt_view){pt_ptr(pt, pt->root), 0, 0, false};
	err = edit_level(op, &root, pt->fmt->levels - 1, r.iva, r.end);
	if (!err)
		err = pt_pool_fill(pt, &op->pool, op->tables);
	if (err)
		return err;
	op->commit = true;
	edit_level(op, &root, pt->fmt->levels - 1, r.iva, r.end);
	pt_pool_drain(pt, &op->pool);
	return PT_OK;
}

enum pt_err pt_unmap(struct pt *pt, va_t va, uint64_t size, pt_leaf_fn on_leaf, void *ctx)
{
	struct edit_op op = {0};

	op.kind = EDIT_CLEAR;
	op.on_leaf = on_leaf;
	op.ctx = ctx;
	return edit_run(&op, pt, va, size);
}

enum pt_err pt_protect(struct pt *pt, va_t va, uint64_t size, unsigned perms)
{
	struct edit_op op = {0};

	if (pt && pt->fmt && pt->fmt->check_perms(pt->fmt, perms) != PT_OK)
		return PT_EPERM;
	op.kind = EDIT_PERMS;
	op.set = perms;
	op.clear = PT_PERM_ALL;
	return edit_run(&op, pt, va, size);
}

enum pt_err pt_update(struct pt *pt, va_t va, uint64_t size, unsigned set, unsigned clear)
{
	return pt_update_where(pt, va, size, 0, set, clear);
}

enum pt_err pt_update_where(struct pt *pt, va_t va, uint64_t size, unsigned when, unsigned set,
			    unsigned clear)
{
	struct edit_op op = {0};

	if ((when | set | clear) & ~PT_PERM_ALL)
		return PT_EPERM;
	op.kind = EDIT_PERMS;
	op.when = when;
	op.set = set;
	op.clear = clear;
	op.check_leaves = true;
	return edit_run(&op, pt, va, size);
}
