/* pt_check and pt_stats: visitors that verify invariants and count. */
#include "pt_internal.h"

struct check {
	const struct pt *pt;
	pa_t *seen;          /* open-addressed set of table addresses; ~0 marks a free slot */
	size_t seen_len;
	size_t seen_count;
	bool full;
	struct pt_violation *out;
};

static int check_fail(struct check *c, va_t va, unsigned level, uint64_t pte, const char *what)
{
	c->out->va = va;
	c->out->level = level;
	c->out->pte = pte;
	c->out->what = what;
	return 1;
}

/* Add pa to the set; false if it was there already. */
static bool seen_add(struct check *c, pa_t pa)
{
	size_t i = (size_t)((uint32_t)(pa >> 5) * 2654435761u) % c->seen_len;

	while (c->seen[i] != ~(pa_t)0) {
		if (c->seen[i] == pa)
			return false;
		i = i + 1 == c->seen_len ? 0 : i + 1;
	}
	c->seen[i] = pa;
	c->seen_count++;
	return true;
}

static bool table_in_memory(const struct pt *pt, pa_t pa, uint64_t bytes)
{
	if (pt->mem.contains)
		return pt->mem.contains(pt->mem.ctx, pa, bytes);
	return pa < ((uint64_t)1 << pt->fmt->pa_bits);
}

static int check_table(void *ctx, const struct pt_table *t)
{
	struct check *c = ctx;
	uint64_t bytes = pt_table_bytes(c->pt->fmt, t->level);
	unsigned parent = t->level + 1;

	if (t->pa & (bytes - 1))
		return check_fail(c, t->va, parent, t->pte, "table not aligned to its size");
	if (!table_in_memory(c->pt, t->pa, bytes))
		return check_fail(c, t->va, parent, t->pte, "table outside physical memory");
	if (c->seen_count >= c->seen_len) {
		c->full = true;
		return 1;
	}
	if (!seen_add(c, t->pa))
		return check_fail(c, t->va, parent, t->pte, "table reachable twice");
	return 0;
}

static int check_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct check *c = ctx;
	const struct pt_format *f = c->pt->fmt;

	if (!((f->leaf_levels >> leaf->level) & 1))
		return check_fail(c, leaf->va, leaf->level, leaf->pte, "leaf at a level without leaves");
	if (leaf->pa & (leaf->size - 1))
		return check_fail(c, leaf->va, leaf->level, leaf->pte, "misaligned superpage");
	if ((leaf->pa + leaf->size - 1) >> f->pa_bits)
		return check_fail(c, leaf->va, leaf->level, leaf->pte, "page beyond the PA width");
	return 0;
}

static int check_bad(void *ctx, const struct pt_bad *bad)
{
	return check_fail(ctx, bad->va, bad->level, bad->pte, bad->why);
}

enum pt_err pt_check(const struct pt *pt, pa_t *scratch, size_t scratch_len,
		     struct pt_violation *out)
{
	struct check c = {pt, scratch, scratch_len, 0, false, out};
	struct pt_visitor v = {check_table, check_leaf, check_bad, 0, &c};

	if (!pt || !pt->fmt || !scratch || !out)
		return PT_EINVAL;
	for (size_t i = 0; i < scratch_len; i++)
		scratch[i] = ~(pa_t)0;
	if (pt_visit_all(pt, &v) == PT_OK)
		return PT_OK;
	return c.full ? PT_ENOSPC : PT_ECORRUPT;
}

struct stats {
	const struct pt_format *f;
	struct pt_stats *out;
};

static int stats_table(void *ctx, const struct pt_table *t)
{
	struct stats *s = ctx;

	s->out->tables[t->level]++;
	s->out->table_bytes += pt_table_bytes(s->f, t->level);
	return 0;
}

static int stats_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct stats *s = ctx;

	s->out->leaves[leaf->level]++;
	s->out->mapped_bytes += leaf->size;
	return 0;
}

static int stats_bad(void *ctx, const struct pt_bad *bad)
{
	struct stats *s = ctx;

	(void)bad;
	s->out->bad++;
	return 0;
}

enum pt_err pt_stats(const struct pt *pt, struct pt_stats *out)
{
	struct stats s = {pt ? pt->fmt : 0, out};
	struct pt_visitor v = {stats_table, stats_leaf, stats_bad, 0, &s};

	if (!pt || !pt->fmt || !out)
		return PT_EINVAL;
	*out = (struct pt_stats){{0}, {0}, 0, 0, 0};
	return pt_visit_all(pt, &v);
}
