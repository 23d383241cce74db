/*
 * Fault injection: every operation that allocates tables must be all-or-nothing.
 *
 * For every format and every allocating operation (pt_init; pt_map of a fresh range, over a
 * partly populated region, with superpages and 4 KiB edges; pt_unmap, pt_protect and pt_update
 * that split superpages; pt_walk with PT_WALK_CREATE), the operation is first run without any
 * failure, which gives the reference result and the number of frames it allocates; that number
 * is also predicted independently from the format's geometry. Then, for n = 1, 2, 3, ... the
 * same operation is run on a fresh copy of the same table with the nth frame allocation made to
 * fail (host_ram_fail_nth) until it succeeds. For every failing n:
 *
 *   - the call returns PT_ENOMEM (and pt_unmap reports no leaf);
 *   - the table is exactly as before: same pt_dump_vmprint text, pt_dump_ranges text and
 *     pt_stats;
 *   - host_ram_free_frames is exactly as before (nothing leaked, nothing freed twice);
 *   - the call then succeeds without an injected failure and its result is right: the whole
 *     table agrees page by page with the reference model, pt_query agrees on the pages at and
 *     around the edges, and the result is the same as the reference run's.
 *
 * The first n that succeeds must be one more than the allocations predicted.
 *
 * Clashes: a pt_map whose range collides with an existing mapping only at its very end (after
 * many tables' worth of range) fails with PT_EEXIST and leaves the table, its dumps and the
 * free frames exactly as before; since the clash is found before anything is reserved, it
 * does so even when the first allocation would fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ram.h"
#include "support/model.h"
#include "vmkit/pt.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (32ull << 20)
#define PAGE MODEL_PAGE
#define NO_PAGE (~(uint64_t)0)

/* ---- failure context ---------------------------------------------------------------------- */

static char where[256];

static void set_where(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(where, sizeof(where), fmt, ap);
	va_end(ap);
}

static void fault_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s:%d: %s\n    in: %s\n", file, line, msg, where);
	fail();
}

#define CHECK(cond, ...)                                                                     \
	do {                                                                                 \
		if (!(cond))                                                                 \
			fault_fail(__FILE__, __LINE__, __VA_ARGS__);                         \
	} while (0)

#define CHECK_ERR(got, want)                                                                 \
	do {                                                                                 \
		enum pt_err got_ = (got), want_ = (want);                                    \
		if (got_ != want_)                                                           \
			fault_fail(__FILE__, __LINE__, "%s returned %s, expected %s", #got,     \
				   pt_errname(got_), pt_errname(want_));                        \
	} while (0)

/* ---- a table over its own simulated RAM, plus the model of what it maps ------------------ */

struct env {
	const struct pt_format *f;
	struct host_ram ram;
	bool ram_live;
	struct pt pt;
	bool pt_live;
	uint32_t free0; /* free frames before pt_init */
	struct model m;
};

/* The environment in use; global so that the teardown can release it after a failure. */
static struct env cur_env;

static void env_release(struct env *e)
{
	if (e->pt_live)
		pt_destroy(&e->pt, NULL, NULL, NULL);
	e->pt_live = false;
	if (e->ram_live)
		host_ram_fini(&e->ram);
	e->ram_live = false;
	model_fini(&e->m);
}

static int teardown_env(void **state)
{
	(void)state;
	env_release(&cur_env);
	return 0;
}

static struct pt_mem env_mem(struct env *e)
{
	return host_ram_pt_mem(&e->ram);
}

/* Fresh RAM, and an empty table unless with_pt is false. */
static void env_open(struct env *e, const struct pt_format *f, bool with_pt)
{
	struct pt_mem mem;

	memset(e, 0, sizeof(*e));
	e->f = f;
	model_init(&e->m);
	CHECK_ERR(host_ram_init(&e->ram, RAM_BASE, RAM_SIZE), PT_OK);
	e->ram_live = true;
	e->free0 = host_ram_free_frames(&e->ram);
	if (with_pt) {
		mem = env_mem(e);
		CHECK_ERR(pt_init(&e->pt, f, &mem), PT_OK);
		e->pt_live = true;
	}
}

/* Destroy the table and check that every frame came back. */
static void env_close(struct env *e)
{
	if (e->pt_live)
		pt_destroy(&e->pt, NULL, NULL, NULL);
	e->pt_live = false;
	CHECK(host_ram_free_frames(&e->ram) == e->free0,
	      "after pt_destroy %u frames are free, %u were before pt_init",
	      host_ram_free_frames(&e->ram), e->free0);
	env_release(e);
}

static uint64_t allocs_so_far(const struct env *e)
{
	return e->ram.frames.allocs;
}

/* ---- snapshots ------------------------------------------------------------------------------ */

struct snap {
	bool have_pt;
	struct model_text vmprint;
	struct model_text ranges;
	struct pt_stats stats;
	uint32_t free;
};

static void snap_take(struct env *e, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->free = host_ram_free_frames(&e->ram);
	s->have_pt = e->pt_live;
	if (!e->pt_live)
		return;
	CHECK_ERR(pt_dump_vmprint(&e->pt, model_text_write, &s->vmprint), PT_OK);
	CHECK_ERR(pt_dump_ranges(&e->pt, NULL, NULL, model_text_write, &s->ranges), PT_OK);
	CHECK_ERR(pt_stats(&e->pt, &s->stats), PT_OK);
}

static void snap_free(struct snap *s)
{
	model_text_free(&s->vmprint);
	model_text_free(&s->ranges);
}

static const char *text_of(const struct model_text *t)
{
	return t->s ? t->s : "";
}

static void stats_same(const struct pt_stats *a, const struct pt_stats *b, const char *what)
{
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++) {
		CHECK(a->tables[l] == b->tables[l], "%s: pt_stats tables[%u] %" PRIu64 " vs %" PRIu64,
		      what, l, a->tables[l], b->tables[l]);
		CHECK(a->leaves[l] == b->leaves[l], "%s: pt_stats leaves[%u] %" PRIu64 " vs %" PRIu64,
		      what, l, a->leaves[l], b->leaves[l]);
	}
	CHECK(a->bad == b->bad && a->table_bytes == b->table_bytes &&
		      a->mapped_bytes == b->mapped_bytes,
	      "%s: pt_stats bad/table_bytes/mapped_bytes %" PRIu64 "/0x%" PRIx64 "/0x%" PRIx64
	      " vs %" PRIu64 "/0x%" PRIx64 "/0x%" PRIx64,
	      what, a->bad, a->table_bytes, a->mapped_bytes, b->bad, b->table_bytes,
	      b->mapped_bytes);
}

/* The table is exactly as in `before`: same dumps, same counts, same free frames. */
static void snap_expect_same(struct env *e, const struct snap *before, const char *what)
{
	struct snap now;

	snap_take(e, &now);
	CHECK(now.free == before->free, "%s: %u frames free, %u before (leak or double free)", what,
	      now.free, before->free);
	if (before->have_pt) {
		if (strcmp(text_of(&now.vmprint), text_of(&before->vmprint)) != 0) {
			print_error("before:\n%s\nafter:\n%s\n", text_of(&before->vmprint),
				    text_of(&now.vmprint));
			snap_free(&now);
			CHECK(false, "%s: the pt_dump_vmprint text changed", what);
		}
		CHECK(strcmp(text_of(&now.ranges), text_of(&before->ranges)) == 0,
		      "%s: the pt_dump_ranges text changed", what);
		stats_same(&now.stats, &before->stats, what);
	}
	snap_free(&now);
}

/* ---- the table against the model ------------------------------------------------------------ */

struct collect {
	const struct pt_format *f;
	struct model_run *v;
	size_t n, cap;
};

static void collect_add(struct collect *c, const struct pt_leaf *leaf)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	c->v[c->n++] = (struct model_run){model_iva(c->f, leaf->va) / PAGE, leaf->size / PAGE,
					  leaf->pa / PAGE, leaf->perms};
}

static int collect_leaf(void *ctx, const struct pt_leaf *leaf)
{
	collect_add(ctx, leaf);
	return 0;
}

static void collect_leaf_fn(void *ctx, const struct pt_leaf *leaf)
{
	collect_add(ctx, leaf);
}

static int cmp_run(const void *a, const void *b)
{
	const struct model_run *x = a, *y = b;

	return x->vpn < y->vpn ? -1 : x->vpn > y->vpn;
}

/* Every page of the table agrees with the model, and pt_check passes. */
static void expect_matches_model(struct env *e, const char *what)
{
	static pa_t scratch[1u << 14];
	struct collect c = {.f = e->f};
	struct pt_visitor v = {NULL, collect_leaf, NULL, NULL, &c};
	struct pt_violation viol;
	char why[512];
	bool same;

	CHECK_ERR(pt_visit_all(&e->pt, &v), PT_OK);
	same = model_runs_same(e->m.runs, e->m.n, c.v, c.n, why, sizeof(why));
	free(c.v);
	CHECK(same, "%s: the table differs from the model (first = model, second = table): %s",
	      what, why);
	CHECK_ERR(pt_check(&e->pt, scratch, sizeof(scratch) / sizeof(scratch[0]), &viol), PT_OK);
}

/* pt_query at iva agrees with the model (and, when level >= 0, the leaf has that level). */
static void expect_page(struct env *e, uint64_t iva, int level)
{
	uint64_t va = model_va(e->f, iva), ppn;
	unsigned perms;
	struct pt_leaf leaf;
	pa_t pa;
	enum pt_err err = pt_query(&e->pt, va, &leaf, &pa);

	if (!model_lookup(&e->m, iva / PAGE, &ppn, &perms)) {
		CHECK(err == PT_ENOENT, "pt_query(0x%" PRIx64 ") = %s, expected PT_ENOENT", va,
		      pt_errname(err));
		return;
	}
	CHECK(err == PT_OK, "pt_query(0x%" PRIx64 ") = %s, expected PT_OK", va, pt_errname(err));
	CHECK(pa == ppn * PAGE && leaf.perms == perms,
	      "pt_query(0x%" PRIx64 "): PA 0x%" PRIx64 " perms 0x%x, expected 0x%" PRIx64 " 0x%x", va,
	      pa, leaf.perms, ppn * PAGE, perms);
	CHECK(level < 0 || leaf.level == (unsigned)level,
	      "pt_query(0x%" PRIx64 "): leaf level %u, expected %d", va, leaf.level, level);
}

/* ---- geometry, computed independently of the engine ----------------------------------------- */

static uint64_t ls(const struct pt_format *f, unsigned level)
{
	return model_level_size(f, level);
}

/* The largest level k >= m with leaves allowed whose k-block around b lies in [a, e), or -1. */
static int covering_leaf(const struct pt_format *f, uint64_t b, unsigned m, uint64_t a,
			 uint64_t e)
{
	int found = -1;

	for (unsigned k = m; k < f->levels; k++) {
		uint64_t kb = b & ~(ls(f, k) - 1);

		if ((f->leaf_levels >> k & 1) && kb >= a && kb + ls(f, k) <= e)
			found = (int)k;
	}
	return found;
}

/*
 * Tables a map of [a, e) creates in a table that holds nothing but the tables on the path to
 * the 4 KiB page `existing` (NO_PAGE: an empty table). The PA is assumed congruent to the VA
 * modulo the largest leaf size, so only the VA decides where superpages go (none with 4k).
 * A table at level l serves one level-(l+1) block; it is needed when the range meets the block
 * and the block is not inside a leaf of level l+1 or above.
 */
static uint64_t tables_for_map(const struct pt_format *f, uint64_t a, uint64_t e, bool four_k,
			       uint64_t existing)
{
	uint64_t n = 0;

	for (unsigned l = 0; l + 1u < f->levels; l++) {
		uint64_t bs = ls(f, l + 1);

		for (uint64_t b = a & ~(bs - 1); b < e;) {
			int k = four_k ? -1 : covering_leaf(f, b, l + 1, a, e);

			if (k >= 0) {
				b = (b & ~(ls(f, (unsigned)k) - 1)) + ls(f, (unsigned)k);
				continue;
			}
			if (existing == NO_PAGE || (existing & ~(bs - 1)) != b)
				n++;
			b += bs;
		}
	}
	return n;
}

/* Tables needed to edit [a, e) inside the level-L leaf at base: a leaf the range covers only
 * in part is split into a table of level L-1 pieces, and so on down. */
static uint64_t tables_for_split(const struct pt_format *f, unsigned L, uint64_t base, uint64_t a,
				 uint64_t e)
{
	uint64_t end = base + ls(f, L);
	uint64_t lo = a > base ? a : base, hi = e < end ? e : end;
	uint64_t n = 1;

	if (lo >= hi || (lo == base && hi == end))
		return 0;
	for (uint64_t pb = base; pb < end; pb += ls(f, L - 1))
		n += tables_for_split(f, L - 1, pb, a, e);
	return n;
}

/* ---- scenarios ---------------------------------------------------------------------------- */

enum kind {
	K_INIT,
	K_MAP_FRESH_4K,   /* PT_MAP_4K range over several last-level tables, empty table */
	K_MAP_FRESH_MIXED,/* largest superpage, a level-1 superpage, 4 KiB edges, empty table */
	K_MAP_PARTIAL,    /* map next to an existing page: some tables exist, some do not */
	K_WALK_FRESH,     /* pt_walk(PT_WALK_CREATE) in an empty table */
	K_WALK_PARTIAL,   /* pt_walk(PT_WALK_CREATE) where the upper tables exist */
	K_UNMAP_SPLIT,    /* unmap across two level-L leaves from an unaligned start */
	K_UNMAP_HOLE,     /* unmap a hole strictly inside one level-L leaf */
	K_PROTECT_SPLIT,  /* protect across three level-L leaves, unaligned at both ends */
	K_UPDATE_SPLIT,   /* update across two level-L leaves, unaligned at both ends */
	K_ALLOC_KINDS,
	K_EEXIST_4K = K_ALLOC_KINDS, /* PT_MAP_4K map over many tables, clash at the last page */
	K_EEXIST_PAGE,    /* mixed map, a 4 KiB page at its last page */
	K_EEXIST_SUPER,   /* mixed map, a superpage under its last pages */
	K_KINDS,
};

static const char *const kind_names[K_KINDS] = {
	"init",         "map_fresh_4k",  "map_fresh_mixed", "map_partial",
	"walk_fresh",   "walk_partial",  "unmap_split",     "unmap_hole",
	"protect_split", "update_split", "eexist_4k",       "eexist_page",
	"eexist_superpage",
};

static bool kind_per_level(enum kind k)
{
	return k == K_UNMAP_SPLIT || k == K_UNMAP_HOLE || k == K_PROTECT_SPLIT ||
	       k == K_UPDATE_SPLIT;
}

/* One concrete scenario. Addresses are in index space. */
struct scenario {
	const struct pt_format *f;
	enum kind kind;
	unsigned level;     /* L, for the split scenarios */
	uint64_t a, e;      /* the operation's range [a, e) (walk: a is the VA) */
	pa_t pa;            /* map: PA of a */
	unsigned perms;     /* map/protect: perms; update: set */
	unsigned clear;     /* update */
	unsigned flags;     /* map */
	uint64_t expected;  /* frames the operation allocates, predicted */
	/* setup: superpages (count of them at level L from sp_va -> sp_pa), and one page */
	unsigned sp_count;
	uint64_t sp_va;
	pa_t sp_pa;
	uint64_t page_va;   /* NO_PAGE if none */
	pa_t page_pa;
	bool quiet;         /* unmap: without on_leaf (the engine has a faster path then) */
	struct collect reported; /* unmap: leaves handed to on_leaf */
};

static unsigned top_leaf(const struct pt_format *f)
{
	return model_top_leaf(f);
}

/* Fill in the scenario. X is the start of the second top-level entry: aligned to everything,
 * inside the lower half, with the first top-level entry below it. */
static void plan(struct scenario *sc, const struct pt_format *f, enum kind kind, unsigned L)
{
	unsigned top = f->levels - 1u, tl = top_leaf(f);
	unsigned K = tl + 1 < top ? tl + 1 : top;
	uint64_t X = ls(f, top);
	uint64_t PB = 4 * ls(f, tl); /* a PA aligned to the largest leaf */

	memset(sc, 0, sizeof(*sc));
	sc->f = f;
	sc->kind = kind;
	sc->level = L;
	sc->page_va = NO_PAGE;
	sc->perms = PT_R | PT_W;

	switch (kind) {
	case K_INIT:
		sc->expected = 1;
		break;
	case K_MAP_FRESH_4K:
	case K_EEXIST_4K:
		sc->a = X - 3 * PAGE;
		sc->e = X + 1100 * PAGE;
		sc->pa = PB + 0x5000;
		sc->flags = PT_MAP_4K;
		sc->expected = tables_for_map(f, sc->a, sc->e, true, NO_PAGE);
		if (kind == K_EEXIST_4K) {
			sc->page_va = sc->e - PAGE;
			sc->page_pa = 0x7000;
		}
		break;
	case K_MAP_FRESH_MIXED:
	case K_EEXIST_PAGE:
	case K_EEXIST_SUPER:
		sc->a = X - 3 * PAGE;
		sc->e = X + ls(f, tl) + ls(f, 1) + 5 * PAGE;
		sc->pa = PB - 3 * PAGE;
		sc->expected = tables_for_map(f, sc->a, sc->e, false, NO_PAGE);
		if (kind == K_EEXIST_PAGE) {
			sc->page_va = sc->e - PAGE;
			sc->page_pa = 0x7000;
		} else if (kind == K_EEXIST_SUPER) {
			sc->sp_count = 1;
			sc->level = 1;
			sc->sp_va = (sc->e - PAGE) & ~(ls(f, 1) - 1);
			sc->sp_pa = 2 * ls(f, 1);
		}
		break;
	case K_MAP_PARTIAL:
		sc->page_va = X;
		sc->page_pa = 0x7000;
		sc->a = X + PAGE;
		sc->e = X + ls(f, K) + 2 * PAGE;
		sc->pa = PB + PAGE;
		sc->expected = tables_for_map(f, sc->a, sc->e, false, X);
		break;
	case K_WALK_FRESH:
		sc->a = X + 5 * PAGE;
		sc->expected = tables_for_map(f, sc->a, sc->a + PAGE, true, NO_PAGE);
		break;
	case K_WALK_PARTIAL:
		sc->page_va = X + ls(f, 1);
		sc->page_pa = 0x7000;
		sc->a = X + 5 * PAGE;
		sc->expected = tables_for_map(f, sc->a, sc->a + PAGE, true, sc->page_va);
		break;
	case K_UNMAP_SPLIT:
		sc->sp_count = 2;
		sc->sp_va = X;
		sc->sp_pa = PB;
		sc->a = X + PAGE;
		sc->e = X + ls(f, L) + 2 * PAGE;
		break;
	case K_UNMAP_HOLE:
		sc->sp_count = 1;
		sc->sp_va = X;
		sc->sp_pa = PB;
		sc->a = X + ls(f, L - 1) + PAGE;
		sc->e = X + ls(f, L) - ls(f, L - 1) - PAGE;
		break;
	case K_PROTECT_SPLIT:
		sc->sp_count = 3;
		sc->sp_va = X;
		sc->sp_pa = PB;
		sc->a = X + ls(f, L - 1) + PAGE;
		sc->e = X + 3 * ls(f, L) - ls(f, L - 1) - PAGE;
		sc->perms = PT_R | PT_X | PT_U;
		break;
	case K_UPDATE_SPLIT:
		sc->sp_count = 2;
		sc->sp_va = X;
		sc->sp_pa = PB;
		sc->a = X + PAGE;
		sc->e = X + ls(f, L) + ls(f, L - 1);
		sc->perms = PT_SW0 | PT_D; /* set */
		sc->clear = PT_W;
		break;
	default:
		break;
	}
	if (kind_per_level(kind))
		for (unsigned i = 0; i < sc->sp_count; i++)
			sc->expected += tables_for_split(f, L, sc->sp_va + i * ls(f, L), sc->a, sc->e);
}

/* Build the scenario's starting table (and the model of it); no failure is injected. */
static void setup(struct env *e, struct scenario *sc)
{
	const struct pt_format *f = sc->f;

	for (unsigned i = 0; i < sc->sp_count; i++) {
		uint64_t sz = ls(f, sc->level);
		uint64_t va = sc->sp_va + i * sz;

		CHECK_ERR(pt_map(&e->pt, model_va(f, va), sc->sp_pa + i * sz, sz, PT_R | PT_W, 0),
			  PT_OK);
		model_insert(&e->m, va / PAGE, sz / PAGE, (sc->sp_pa + i * sz) / PAGE,
			     pt_effective_perms(f, PT_R | PT_W));
		expect_page(e, va, (int)sc->level);
	}
	if (sc->page_va != NO_PAGE) {
		CHECK_ERR(pt_map(&e->pt, model_va(f, sc->page_va), sc->page_pa, PAGE, PT_R, 0), PT_OK);
		model_insert(&e->m, sc->page_va / PAGE, 1, sc->page_pa / PAGE,
			     pt_effective_perms(f, PT_R));
	}
	sc->reported.f = f;
	sc->reported.n = 0;
}

/* The operation under test. */
static enum pt_err run_op(struct env *e, struct scenario *sc, struct pt_slot *slot)
{
	const struct pt_format *f = sc->f;
	uint64_t va = model_va(f, sc->a), size = sc->e - sc->a;
	struct pt_mem mem;
	enum pt_err err;

	switch (sc->kind) {
	case K_INIT:
		mem = env_mem(e);
		err = pt_init(&e->pt, f, &mem);
		if (err == PT_OK)
			e->pt_live = true;
		return err;
	case K_MAP_FRESH_4K:
	case K_MAP_FRESH_MIXED:
	case K_MAP_PARTIAL:
	case K_EEXIST_4K:
	case K_EEXIST_PAGE:
	case K_EEXIST_SUPER:
		return pt_map(&e->pt, va, sc->pa, size, sc->perms, sc->flags);
	case K_WALK_FRESH:
	case K_WALK_PARTIAL:
		return pt_walk(&e->pt, va, PT_WALK_CREATE, slot);
	case K_UNMAP_SPLIT:
	case K_UNMAP_HOLE:
		sc->reported.n = 0;
		return pt_unmap(&e->pt, va, size, sc->quiet ? NULL : collect_leaf_fn,
				&sc->reported);
	case K_PROTECT_SPLIT:
		return pt_protect(&e->pt, va, size, sc->perms);
	case K_UPDATE_SPLIT:
		return pt_update(&e->pt, va, size, sc->perms, sc->clear);
	default:
		return PT_EINVAL;
	}
}

/* The model after the operation succeeded. */
static void apply_to_model(struct env *e, const struct scenario *sc)
{
	const struct pt_format *f = sc->f;
	uint64_t vpn = sc->a / PAGE, pages = (sc->e - sc->a) / PAGE;

	switch (sc->kind) {
	case K_MAP_FRESH_4K:
	case K_MAP_FRESH_MIXED:
	case K_MAP_PARTIAL:
		model_insert(&e->m, vpn, pages, sc->pa / PAGE, pt_effective_perms(f, sc->perms));
		break;
	case K_UNMAP_SPLIT:
	case K_UNMAP_HOLE:
		model_remove(&e->m, vpn, pages);
		break;
	case K_PROTECT_SPLIT:
		model_change(&e->m, vpn, pages, pt_effective_perms(f, sc->perms), PT_PERM_ALL);
		break;
	case K_UPDATE_SPLIT:
		model_change(&e->m, vpn, pages, pt_effective_perms(f, sc->perms), sc->clear);
		break;
	default:
		break;
	}
}

/* The largest level a page of a fresh map of [a, e) sits at (PA congruent, see plan). */
static int map_level(const struct scenario *sc, uint64_t iva)
{
	int k;

	if (sc->flags & PT_MAP_4K)
		return 0;
	k = covering_leaf(sc->f, iva, 0, sc->a, sc->e);
	return k < 0 ? 0 : k;
}

/* After a level-L leaf was split at boundary b: the level of the pieces touching b. */
static int piece_level(const struct pt_format *f, unsigned L, uint64_t b)
{
	int level = 0;

	for (unsigned l = 0; l < L; l++)
		if (!(b & (ls(f, l) - 1)))
			level = (int)l;
	return level;
}

/* After pt_unmap: the leaves handed to on_leaf are exactly the model's pages of the range. */
static void expect_reported(struct env *e, struct scenario *sc)
{
	struct model_run *want;
	size_t nwant;
	char why[512];
	bool same;

	if (sc->quiet) {
		CHECK(sc->reported.n == 0, "leaves reported although on_leaf was NULL");
		return;
	}
	model_extract(&e->m, sc->a / PAGE, (sc->e - sc->a) / PAGE, &want, &nwant);
	if (sc->reported.n > 1)
		qsort(sc->reported.v, sc->reported.n, sizeof(*sc->reported.v), cmp_run);
	same = model_runs_same(want, nwant, sc->reported.v, sc->reported.n, why, sizeof(why));
	free(want);
	CHECK(same, "pt_unmap reported other leaves than were in the range: %s", why);
}

/* Check the result of a successful operation; `e->m` must be the model from before it. */
static void verify(struct env *e, struct scenario *sc, const struct pt_slot *slot)
{
	const struct pt_format *f = sc->f;
	struct pt_stats st;

	switch (sc->kind) {
	case K_INIT:
		CHECK_ERR(pt_stats(&e->pt, &st), PT_OK);
		CHECK(st.tables[f->levels - 1] == 1 && st.mapped_bytes == 0 && st.bad == 0,
		      "a fresh table is not one empty root");
		CHECK(e->free0 - host_ram_free_frames(&e->ram) == 1, "pt_init used %u frames",
		      e->free0 - host_ram_free_frames(&e->ram));
		expect_page(e, 0, -1);
		break;
	case K_WALK_FRESH:
	case K_WALK_PARTIAL: {
		struct pt_slot again;
		uint64_t index = (sc->a / PAGE) & (((uint64_t)1 << f->index_bits[0]) - 1);

		CHECK(slot->level == 0 && slot->pte == 0,
		      "pt_walk(CREATE) stopped at level %u, pte 0x%" PRIx64, slot->level, slot->pte);
		CHECK((slot->entry_pa & (PAGE - 1)) == index * f->pte_size,
		      "pt_walk(CREATE) entry at 0x%" PRIx64 ", expected index %" PRIu64,
		      slot->entry_pa, index);
		CHECK_ERR(pt_walk(&e->pt, model_va(f, sc->a), 0, &again), PT_OK);
		CHECK(again.level == 0 && again.entry_pa == slot->entry_pa,
		      "a second pt_walk does not find the created entry");
		CHECK_ERR(pt_stats(&e->pt, &st), PT_OK);
		for (unsigned l = 0; l < f->levels; l++) {
			uint64_t want = l == 0 && sc->kind == K_WALK_PARTIAL ? 2 : 1;

			CHECK(st.tables[l] == want,
			      "after pt_walk(CREATE) %" PRIu64 " tables at level %u, expected %" PRIu64,
			      st.tables[l], l, want);
		}
		expect_page(e, sc->a, -1);
		expect_matches_model(e, "after pt_walk(CREATE)");
		break;
	}
	case K_UNMAP_SPLIT:
	case K_UNMAP_HOLE:
		expect_reported(e, sc);
		/* fall through */
	default:
		apply_to_model(e, sc);
		expect_matches_model(e, "after the operation");
		/* The edges and a little beyond. */
		expect_page(e, sc->a, -1);
		expect_page(e, sc->e - PAGE, -1);
		expect_page(e, sc->a - PAGE, -1);
		expect_page(e, sc->e, -1);
		if (sc->kind == K_MAP_FRESH_4K || sc->kind == K_MAP_FRESH_MIXED ||
		    sc->kind == K_MAP_PARTIAL) {
			expect_page(e, sc->a, map_level(sc, sc->a));
			expect_page(e, sc->e - PAGE, map_level(sc, sc->e - PAGE));
			expect_page(e, ls(f, f->levels - 1), map_level(sc, ls(f, f->levels - 1)));
		}
		if (kind_per_level(sc->kind)) {
			/* The pieces next to the edges are the largest that do not cross them. */
			expect_page(e, sc->a - PAGE, piece_level(f, sc->level, sc->a));
			expect_page(e, sc->e, piece_level(f, sc->level, sc->e));
		}
		if (sc->kind == K_PROTECT_SPLIT) /* the middle leaf is whole: not split */
			expect_page(e, sc->sp_va + ls(f, sc->level), (int)sc->level);
		break;
	}
}

/* A run without injected failure: the reference result and allocation count. */
static void reference_run(struct scenario *sc, struct snap *after, uint64_t *allocs)
{
	struct env *e = &cur_env;
	struct pt_slot slot;
	uint64_t before;

	env_open(e, sc->f, sc->kind != K_INIT);
	setup(e, sc);
	before = allocs_so_far(e);
	CHECK_ERR(run_op(e, sc, &slot), PT_OK);
	*allocs = allocs_so_far(e) - before;
	verify(e, sc, &slot);
	snap_take(e, after);
	free(sc->reported.v);
	sc->reported = (struct collect){.f = sc->f};
	env_close(e);
}

static void run_alloc_scenario(struct scenario *sc)
{
	const struct pt_format *f = sc->f;
	struct env *e = &cur_env;
	struct snap ref, before;
	uint64_t ref_allocs, n;
	const char *name = kind_names[sc->kind];

	set_where("%s / %s%s%.0u, reference run (no failure)", f->name, name,
		  kind_per_level(sc->kind) ? " L" : "", kind_per_level(sc->kind) ? sc->level : 0u);
	reference_run(sc, &ref, &ref_allocs);
	CHECK(ref_allocs == sc->expected,
	      "the operation allocated %" PRIu64 " frames, %" PRIu64 " expected from the geometry",
	      ref_allocs, sc->expected);
	CHECK(ref_allocs > 0, "the scenario does not allocate");

	for (n = 1;; n++) {
		struct pt_slot slot;
		enum pt_err err;

		set_where("%s / %s%s%.0u, allocation #%" PRIu64 " fails", f->name, name,
			  kind_per_level(sc->kind) ? " L" : "",
			  kind_per_level(sc->kind) ? sc->level : 0u, n);
		CHECK(n <= ref_allocs + 1, "still failing after %" PRIu64 " injections", n - 1);
		env_open(e, f, sc->kind != K_INIT);
		setup(e, sc);
		sc->quiet = n % 2 == 0; /* pt_unmap: on_leaf on odd n, NULL on even n */
		snap_take(e, &before);
		host_ram_fail_nth(&e->ram, n);
		err = run_op(e, sc, &slot);
		host_ram_fail_nth(&e->ram, 0);
		if (err == PT_OK) {
			CHECK(n == ref_allocs + 1,
			      "succeeded although allocation #%" PRIu64 " of %" PRIu64 " failed", n,
			      ref_allocs);
			verify(e, sc, &slot);
		} else {
			CHECK(err == PT_ENOMEM, "returned %s with allocation #%" PRIu64 " failing",
			      pt_errname(err), n);
			CHECK(n <= ref_allocs, "failed with PT_ENOMEM although only %" PRIu64
			      " allocations are needed", ref_allocs);
			CHECK(sc->reported.n == 0,
			      "a failed pt_unmap passed %zu leaves to on_leaf", sc->reported.n);
			snap_expect_same(e, &before, "after PT_ENOMEM");
			/* Now without a failure: it succeeds and the result is right. */
			CHECK_ERR(run_op(e, sc, &slot), PT_OK);
			verify(e, sc, &slot);
		}
		snap_free(&before);
		snap_take(e, &before);
		CHECK(strcmp(text_of(&before.ranges), text_of(&ref.ranges)) == 0,
		      "the result differs from the reference run:\n%s\nreference:\n%s",
		      text_of(&before.ranges), text_of(&ref.ranges));
		if (before.have_pt)
			stats_same(&before.stats, &ref.stats, "result vs reference");
		snap_free(&before);
		free(sc->reported.v);
		sc->reported = (struct collect){.f = sc->f};
		env_close(e);
		if (err == PT_OK)
			break;
	}
	snap_free(&ref);
	print_message("    %-12s %s%s%.0u: %" PRIu64 " allocation(s), each made to fail in turn\n",
		      f->name, name, kind_per_level(sc->kind) ? " L" : "",
		      kind_per_level(sc->kind) ? sc->level : 0u, ref_allocs);
}

static void run_eexist_scenario(struct scenario *sc)
{
	const struct pt_format *f = sc->f;
	struct env *e = &cur_env;
	struct snap before;
	struct pt_slot slot;

	for (unsigned inject = 0; inject < 2; inject++) {
		set_where("%s / %s%s", f->name, kind_names[sc->kind],
			  inject ? ", first allocation set to fail" : "");
		env_open(e, f, true);
		setup(e, sc);
		CHECK(sc->expected > 1, "the clashing map would need %" PRIu64 " tables",
		      sc->expected);
		snap_take(e, &before);
		if (inject)
			host_ram_fail_nth(&e->ram, 1);
		CHECK_ERR(run_op(e, sc, &slot), PT_EEXIST);
		host_ram_fail_nth(&e->ram, 0);
		snap_expect_same(e, &before, "after PT_EEXIST");
		snap_free(&before);
		expect_matches_model(e, "after PT_EEXIST");
		expect_page(e, sc->a, -1);
		expect_page(e, sc->e - PAGE, -1);
		env_close(e);
	}
}

/* ---- tests --------------------------------------------------------------------------------- */

struct test_arg {
	const struct pt_format *f;
	enum kind kind;
};

static void test_scenario(void **state)
{
	const struct test_arg *arg = *state;
	const struct pt_format *f = arg->f;
	struct scenario sc;

	if (!kind_per_level(arg->kind)) {
		plan(&sc, f, arg->kind, 0);
		if (arg->kind >= K_ALLOC_KINDS)
			run_eexist_scenario(&sc);
		else
			run_alloc_scenario(&sc);
		return;
	}
	/* Every superpage level: 2/4 MiB, 1 GiB, 512 GiB, 256 TiB leaves split down to 4 KiB. */
	for (unsigned L = 1; L <= top_leaf(f); L++) {
		plan(&sc, f, arg->kind, L);
		run_alloc_scenario(&sc);
	}
}

/* The independent predictions above, checked by hand for one format. */
static void test_geometry(void **state)
{
	const struct pt_format *f = &pt_format_sv39;
	uint64_t G = (uint64_t)1 << 30, M2 = (uint64_t)1 << 21;

	(void)state;
	set_where("geometry");
	/* One 4 KiB page in an empty Sv39 table: a level-1 and a level-0 table. */
	assert_int_equal(tables_for_map(f, G, G + PAGE, true, NO_PAGE), 2);
	/* Across a 1 GiB boundary: two of each. */
	assert_int_equal(tables_for_map(f, G - PAGE, G + PAGE, true, NO_PAGE), 4);
	/* An aligned 1 GiB range: a root entry, no table. */
	assert_int_equal(tables_for_map(f, G, 2 * G, false, NO_PAGE), 0);
	/* 2 MiB aligned: one level-1 table. */
	assert_int_equal(tables_for_map(f, G, G + M2, false, NO_PAGE), 1);
	/* Next to an existing page of the same 2 MiB block: nothing new. */
	assert_int_equal(tables_for_map(f, G + PAGE, G + 2 * PAGE, true, G), 0);
	/* Splitting a 1 GiB leaf at one unaligned edge: a 2 MiB table and a 4 KiB table. */
	assert_int_equal(tables_for_split(f, 2, G, G + PAGE, 3 * G), 2);
	/* A hole inside one 2 MiB piece: the same two. */
	assert_int_equal(tables_for_split(f, 2, G, G + PAGE, G + 2 * PAGE), 2);
	/* A hole spanning two 2 MiB pieces: three. */
	assert_int_equal(tables_for_split(f, 2, G, G + PAGE, G + M2 + PAGE), 3);
	/* Aligned to 2 MiB: one. Covered entirely or untouched: none. */
	assert_int_equal(tables_for_split(f, 2, G, G + M2, 2 * G), 1);
	assert_int_equal(tables_for_split(f, 2, G, 0, 3 * G), 0);
	assert_int_equal(tables_for_split(f, 2, G, 3 * G, 4 * G), 0);
}

int main(void)
{
	static struct test_arg args[8 * K_KINDS];
	static char names[8 * K_KINDS][64];
	static struct CMUnitTest tests[1 + 8 * K_KINDS];
	size_t n = 0, a = 0;

	tests[n++] = (struct CMUnitTest){"geometry", test_geometry, NULL, NULL, NULL};
	for (unsigned fi = 0; pt_formats[fi] && fi < 8; fi++) {
		for (unsigned k = 0; k < K_KINDS; k++, a++) {
			args[a] = (struct test_arg){pt_formats[fi], (enum kind)k};
			snprintf(names[a], sizeof(names[a]), "%s/%s", pt_formats[fi]->name,
				 kind_names[k]);
			tests[n++] = (struct CMUnitTest){names[a], test_scenario, NULL,
							 teardown_env, &args[a]};
		}
	}
	return _cmocka_run_group_tests("pt_faults", tests, n, NULL, NULL);
}
