/*
 * Randomized differential testing of the page-table engine against a reference model.
 *
 * The model (support/model.c) knows nothing of page tables: it maps 4 KiB virtual pages to
 * physical pages and permissions. Seeded random sequences of pt_map, pt_unmap, pt_protect and
 * pt_update run on every format of pt_formats[]; before each operation the expected result is
 * predicted from the model alone:
 *
 *   pt_map     PT_EPA if the PA range is too wide, else PT_EPERM if the format cannot express
 *              the permissions, else PT_EEXIST iff a page of the range is mapped, else PT_OK;
 *   pt_unmap   PT_OK; the leaves reported are exactly the model's pages of the range;
 *   pt_protect PT_EPERM iff the permissions are not expressible, else PT_OK;
 *   pt_update  PT_EPERM iff set/clear have unknown bits or some mapped page of the range would
 *              end up with inexpressible permissions, else PT_OK.
 *
 * On an error the model stays as it was. A few operations use ranges the format rejects (across
 * the canonical hole or the top of the space, non-canonical or out-of-range VAs): PT_EWRAP,
 * PT_ERANGE or PT_ECANON and no change. In 5% of the operations one of the first four frame
 * allocations is made to fail (host_ram_fail_nth): an operation predicted to succeed may then
 * return PT_ENOMEM instead, after which the table must still match the unchanged model and
 * every frame must be back. After every successful map the leaf levels of the new pages must
 * be the largest the range, the PA and fmt->leaf_levels allow.
 *
 * After every operation a few pages are looked up with pt_query and compared with the model;
 * every FULL_EVERY operations (and at the end) the whole table is walked with pt_visit_all,
 * each leaf expanded into its 4 KiB pages and compared with the model page by page (see
 * model_runs_same), pt_check must pass, pt_stats must agree, every table frame must be
 * accounted for and no table may be empty. At the end pt_destroy must report every leaf and
 * give back every frame.
 *
 * Seeds: a fixed list, or VMKIT_SEED=<n> for one seed; VMKIT_OPS=<n> sets the operations per
 * (seed, format) sequence. A failure prints the seed, the format, the operation number and the
 * operation, and the command line that replays the sequence up to that operation.
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

#include "support/model.h"
#include "ram.h"
#include "vmkit/pt.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (256ull << 20)
#define PAGE MODEL_PAGE

static const uint64_t default_seeds[] = {0x1, 0x5eed, 0xc0ffee, 0xdecafbad};
#define NSEEDS_DEFAULT (sizeof(default_seeds) / sizeof(default_seeds[0]))
#define OPS_DEFAULT 6400u   /* per (seed, format): 4 seeds x 8 formats x 6400 = 204800 */
#define FULL_EVERY 64u      /* ops between full comparisons */
#define FRAMES_LOW 4096u    /* below this many free frames, the sequence unmaps everything */
#define MAX_4K_PAGES 4096u  /* bound on the 4 KiB / small pages one map may create */

/* ---- the random source -------------------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static bool rng_pct(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

/* ---- configuration -------------------------------------------------------------------- */

static uint64_t cfg_seeds[NSEEDS_DEFAULT];
static size_t cfg_nseeds;
static uint64_t cfg_ops;
static bool cfg_custom;

static void config_load(void)
{
	const char *seed = getenv("VMKIT_SEED");
	const char *ops = getenv("VMKIT_OPS");

	cfg_ops = OPS_DEFAULT;
	if (ops && *ops) {
		uint64_t n = strtoull(ops, NULL, 0);

		if (n > 0) {
			cfg_ops = n;
			cfg_custom = true;
		}
	}
	if (seed && *seed) {
		cfg_seeds[0] = strtoull(seed, NULL, 0);
		cfg_nseeds = 1;
		cfg_custom = true;
	} else {
		memcpy(cfg_seeds, default_seeds, sizeof(default_seeds));
		cfg_nseeds = NSEEDS_DEFAULT;
	}
}

/* ---- one sequence ---------------------------------------------------------------------- */

enum op_kind { OP_MAP, OP_UNMAP, OP_PROTECT, OP_UPDATE, OP_BAD_RANGE, OP_KINDS };
static const char *const op_names[OP_KINDS] = {"pt_map", "pt_unmap", "pt_protect", "pt_update",
					       "bad-range"};

struct coverage {
	uint64_t ops;
	uint64_t results[OP_KINDS][PT_ERR_COUNT];
	uint64_t superpage_maps[PT_MAX_LEVELS]; /* successful maps checked to use a leaf at level */
	uint64_t leaves_seen[PT_MAX_LEVELS];    /* leaves met by full comparisons */
	uint64_t edge_splits;                   /* successful edits that had to split a superpage */
	uint64_t full_checks;
	uint64_t queries;
	uint64_t max_runs;                      /* most runs the model held */
};

struct seq {
	const struct pt_format *f;
	uint64_t seed;
	uint64_t op;         /* number of the current operation, from 0 */
	char what[384];      /* the current operation, for failure messages */
	struct rng rng;
	struct host_ram ram;
	bool ram_live;
	struct pt pt;
	bool pt_live;
	struct model m;
	uint32_t free0;      /* free frames before pt_init */
	uint64_t space, half;
	unsigned top;        /* root level */
	unsigned top_leaf;   /* highest leaf level */
	uint64_t ls[PT_MAX_LEVELS];
	uint64_t inject;     /* nonzero: allocation #inject of this operation is made to fail */
	bool got_enomem;     /* ... and the operation failed with PT_ENOMEM */
	struct coverage cov;
};

/* The sequence under way; a global so that a failed test can still be cleaned up. */
static struct seq cur;
static pa_t check_scratch[1u << 16];

static void seq_fail(struct seq *s, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s:%d: %s\n"
		    "    format %s, seed 0x%" PRIx64 ", operation #%" PRIu64 ": %s%s\n"
		    "    replay: VMKIT_SEED=0x%" PRIx64 " VMKIT_OPS=%" PRIu64
		    " build/test/test_pt_model\n",
		    file, line, msg, s->f->name, s->seed, s->op, s->what,
		    s->inject ? " (with a frame allocation made to fail)" : "", s->seed, s->op + 1);
	fail();
}

#define CHECK(s, cond, ...)                                                                  \
	do {                                                                                 \
		if (!(cond))                                                                 \
			seq_fail((s), __FILE__, __LINE__, __VA_ARGS__);                      \
	} while (0)

#define CHECK_ERR(s, got, want)                                                              \
	do {                                                                                 \
		enum pt_err got_ = (got), want_ = (want);                                    \
		if (got_ != want_)                                                           \
			seq_fail((s), __FILE__, __LINE__, "%s: got %s, model expects %s",       \
				 #got, pt_errname(got_), pt_errname(want_));                    \
	} while (0)

static void seq_release(struct seq *s)
{
	if (s->pt_live)
		pt_destroy(&s->pt, NULL, NULL, NULL);
	s->pt_live = false;
	if (s->ram_live)
		host_ram_fini(&s->ram);
	s->ram_live = false;
	model_fini(&s->m);
}

static int teardown_seq(void **state)
{
	(void)state;
	seq_release(&cur);
	return 0;
}

/*
 * The result to expect when the model predicts `want`: with a failure injected, an operation
 * that would succeed may instead fail with PT_ENOMEM (the model cannot tell how many tables
 * it needs), and must then have changed nothing. Errors the model predicts come first: they
 * are found before anything is allocated.
 */
static enum pt_err allowed(struct seq *s, enum pt_err err, enum pt_err want)
{
	if (s->inject && want == PT_OK && err == PT_ENOMEM) {
		s->got_enomem = true;
		return PT_ENOMEM;
	}
	return want;
}

/* ---- address helpers -------------------------------------------------------------------- */

struct range {
	uint64_t iva;  /* index-space start */
	uint64_t size;
};

static bool range_ok(const struct seq *s, uint64_t iva, uint64_t size)
{
	if (size == 0 || iva >= s->space || size > s->space - iva)
		return false;
	if (s->f->sign_extended && (iva < s->half) != (iva + size - 1 < s->half))
		return false;
	return true;
}

static uint64_t va_of(const struct seq *s, uint64_t iva)
{
	return model_va(s->f, iva);
}

/* Ends of the windows the operations cluster around: the bottom and the top of the space and,
 * with sign extension, both sides of the canonical hole. */
struct anchor {
	uint64_t iva;
	bool down;
};

static struct anchor pick_anchor(struct seq *s)
{
	struct anchor a[4];
	unsigned n = 0;

	a[n++] = (struct anchor){0, false};
	if (s->f->sign_extended) {
		a[n++] = (struct anchor){s->half, true};
		a[n++] = (struct anchor){s->half, false};
	}
	a[n++] = (struct anchor){s->space, true};
	if (rng_pct(&s->rng, 40))
		return a[0];
	return a[1 + rng_below(&s->rng, n - 1)];
}

/*
 * A random range near an anchor whose start is `level`-aligned when aligned_start, and whose
 * size is a multiple of the level's size when aligned_size. The offset from the anchor is
 * built digit by digit (one digit per level), mostly small digits, so that ranges collide.
 */
static struct range gen_range(struct seq *s, unsigned level, bool aligned_start,
			      bool aligned_size)
{
	const struct pt_format *f = s->f;

	for (int tries = 0; tries < 32; tries++) {
		struct anchor a = pick_anchor(s);
		uint64_t off = 0, size;

		for (unsigned l = s->top;; l--) {
			uint64_t entries = (uint64_t)1 << f->index_bits[l];
			uint64_t small = entries < 4 ? entries : 4;
			uint64_t d;

			if (l < level && aligned_start)
				d = 0;
			else if (l == s->top || rng_pct(&s->rng, 70))
				d = rng_below(&s->rng, small);
			else
				d = rng_below(&s->rng, entries);
			off += d * s->ls[l];
			if (l == 0)
				break;
		}
		if (level == 0) {
			uint64_t pages = rng_pct(&s->rng, 80) ? 1 + rng_below(&s->rng, 8)
							       : 1 + rng_below(&s->rng, 1100);
			size = pages * PAGE;
		} else {
			size = (rng_pct(&s->rng, 75) ? 1 : 2 + rng_below(&s->rng, 2)) * s->ls[level];
			if (!aligned_size) {
				uint64_t extra = 0;

				for (unsigned l = 0; l < level; l++)
					extra += rng_below(&s->rng, 3) * s->ls[l];
				size += extra ? extra : PAGE;
			}
		}
		if (a.down) {
			if (a.iva < off + size)
				continue;
			off = a.iva - off - size;
		} else {
			off = a.iva + off;
		}
		if (range_ok(s, off, size))
			return (struct range){off, size};
	}
	return (struct range){0, PAGE};
}

/* A range that starts inside, or ends inside, a mapped run of the model (partial overlaps). */
static struct range gen_range_near_mapping(struct seq *s, unsigned level)
{
	const struct model_run *r;
	uint64_t start, size;

	if (s->m.n == 0)
		return gen_range(s, level, false, false);
	r = &s->m.runs[rng_below(&s->rng, s->m.n)];
	for (int tries = 0; tries < 16; tries++) {
		uint64_t page = r->vpn + rng_below(&s->rng, r->pages);

		start = page * PAGE;
		if (rng_pct(&s->rng, 40))
			start &= ~(s->ls[level] - 1);
		size = level == 0 ? (1 + rng_below(&s->rng, 600)) * PAGE
				  : (1 + rng_below(&s->rng, 2)) * s->ls[level] +
					    rng_below(&s->rng, 1u << s->f->index_bits[0]) * PAGE;
		if (rng_pct(&s->rng, 30) && start >= size) /* end inside it instead */
			start = page * PAGE + PAGE - size;
		if (range_ok(s, start, size))
			return (struct range){start, size};
	}
	return gen_range(s, level, false, false);
}

static unsigned pick_level(struct seq *s)
{
	if (s->top_leaf == 0 || rng_pct(&s->rng, 35))
		return 0;
	return 1 + (unsigned)rng_below(&s->rng, s->top_leaf);
}

static unsigned gen_perms(struct seq *s)
{
	unsigned p = (unsigned)rng_next(&s->rng) & PT_PERM_ALL;

	if (rng_pct(&s->rng, 75))
		p |= PT_R;
	if (rng_pct(&s->rng, 2))
		p |= 1u << (9 + rng_below(&s->rng, 20));
	return p;
}

static unsigned gen_bits(struct seq *s)
{
	unsigned b = (unsigned)(rng_next(&s->rng) & rng_next(&s->rng)) & PT_PERM_ALL;

	if (rng_pct(&s->rng, 2))
		b |= 1u << (9 + rng_below(&s->rng, 20));
	return b;
}

/* ---- checks against the model ----------------------------------------------------------- */

/* pt_query on one page agrees with the model. */
static void check_page(struct seq *s, uint64_t iva)
{
	const struct pt_format *f = s->f;
	uint64_t va = va_of(s, iva), ppn;
	unsigned perms;
	struct pt_leaf leaf;
	pa_t pa = 0;
	enum pt_err err = pt_query(&s->pt, va, &leaf, &pa);
	bool mapped = model_lookup(&s->m, iva / PAGE, &ppn, &perms);

	s->cov.queries++;
	if (!mapped) {
		CHECK(s, err == PT_ENOENT, "pt_query(0x%" PRIx64 ") = %s, model: not mapped", va,
		      pt_errname(err));
		return;
	}
	CHECK(s, err == PT_OK,
	      "pt_query(0x%" PRIx64 ") = %s, model: PA 0x%" PRIx64 " perms 0x%x", va,
	      pt_errname(err), ppn * PAGE, perms);
	CHECK(s, pa == ppn * PAGE && leaf.perms == perms,
	      "pt_query(0x%" PRIx64 ") gives PA 0x%" PRIx64 " perms 0x%x, model PA 0x%" PRIx64
	      " perms 0x%x",
	      va, pa, leaf.perms, ppn * PAGE, perms);
	CHECK(s, leaf.level < f->levels && (f->leaf_levels >> leaf.level & 1) &&
		      leaf.size == s->ls[leaf.level],
	      "pt_query(0x%" PRIx64 "): leaf level %u size 0x%" PRIx64, va, leaf.level, leaf.size);
	CHECK(s, leaf.va == va_of(s, iva & ~(leaf.size - 1)) &&
		      leaf.pa + (iva & (leaf.size - 1)) == pa,
	      "pt_query(0x%" PRIx64 "): leaf va 0x%" PRIx64 " pa 0x%" PRIx64 " inconsistent", va,
	      leaf.va, leaf.pa);
}

static void check_random_pages(struct seq *s, const struct range *r)
{
	uint64_t pages = r->size / PAGE;

	check_page(s, r->iva);
	check_page(s, r->iva + r->size - PAGE);
	check_page(s, r->iva + rng_below(&s->rng, pages) * PAGE);
	if (r->iva >= PAGE)
		check_page(s, r->iva - PAGE);
	if (r->iva + r->size < s->space)
		check_page(s, r->iva + r->size);
	for (int i = 0; i < 2 && s->m.n; i++) {
		const struct model_run *run = &s->m.runs[rng_below(&s->rng, s->m.n)];

		check_page(s, (run->vpn + rng_below(&s->rng, run->pages)) * PAGE);
	}
	check_page(s, gen_range(s, 0, true, true).iva);
}

/* The level the engine must have chosen for the page at iva of a fresh map of r to pa0: the
 * largest leaf level whose aligned block around iva lies in r and starts at an aligned PA. */
static unsigned expected_level(const struct seq *s, const struct range *r, pa_t pa0,
			       unsigned flags, uint64_t iva)
{
	if (flags & PT_MAP_4K)
		return 0;
	for (unsigned l = s->top_leaf; l > 0; l--) {
		uint64_t size = s->ls[l];
		uint64_t b = iva & ~(size - 1);

		if (!(s->f->leaf_levels >> l & 1))
			continue;
		if (b < r->iva || b + size > r->iva + r->size)
			continue;
		if ((pa0 + (b - r->iva)) & (size - 1))
			continue;
		return l;
	}
	return 0;
}

static void check_level(struct seq *s, const struct range *r, pa_t pa0, unsigned flags,
			uint64_t iva)
{
	struct pt_leaf leaf;
	unsigned want = expected_level(s, r, pa0, flags, iva);
	enum pt_err err = pt_query(&s->pt, va_of(s, iva), &leaf, NULL);

	CHECK(s, err == PT_OK, "pt_query(0x%" PRIx64 ") after map: %s", va_of(s, iva),
	      pt_errname(err));
	CHECK(s, leaf.level == want,
	      "page 0x%" PRIx64 " of a fresh map is in a level-%u leaf, expected level %u (the "
	      "largest that fits)",
	      va_of(s, iva), leaf.level, want);
	if (want > 0)
		s->cov.superpage_maps[want]++;
}

/* Leaves collected by a visitor or a pt_leaf_fn, as model runs in index space. */
struct collect {
	struct seq *s;
	struct model_run *v;
	size_t n, cap;
	/* full comparison only */
	unsigned depth;
	uint64_t kids[PT_MAX_LEVELS + 1]; /* present entries of each open table */
	uint64_t tables;
	uint64_t empty_tables;
	char bad[256];
};

static void collect_add(struct collect *c, const struct pt_leaf *leaf)
{
	const struct seq *s = c->s;
	uint64_t iva = model_iva(s->f, leaf->va);

	if (!c->bad[0]) {
		if (leaf->level >= s->f->levels || !(s->f->leaf_levels >> leaf->level & 1) ||
		    leaf->size != s->ls[leaf->level])
			snprintf(c->bad, sizeof(c->bad), "leaf at 0x%" PRIx64 ": level %u size 0x%" PRIx64,
				 leaf->va, leaf->level, leaf->size);
		else if (leaf->va != va_of(s, iva) || (iva | leaf->pa) & (leaf->size - 1))
			snprintf(c->bad, sizeof(c->bad),
				 "leaf at 0x%" PRIx64 " -> 0x%" PRIx64 " size 0x%" PRIx64 " misaligned or non-canonical",
				 leaf->va, leaf->pa, leaf->size);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	c->v[c->n++] = (struct model_run){iva / PAGE, leaf->size / PAGE, leaf->pa / PAGE,
					  leaf->perms};
}

static void collect_leaf_fn(void *ctx, const struct pt_leaf *leaf)
{
	collect_add(ctx, leaf);
}

static int collect_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct collect *c = ctx;

	if (c->depth > 0)
		c->kids[c->depth - 1]++;
	c->s->cov.leaves_seen[leaf->level < PT_MAX_LEVELS ? leaf->level : 0]++;
	collect_add(c, leaf);
	return 0;
}

static int collect_table_pre(void *ctx, const struct pt_table *t)
{
	struct collect *c = ctx;

	(void)t;
	if (c->depth > 0)
		c->kids[c->depth - 1]++;
	c->kids[c->depth++] = 0;
	c->tables++;
	return 0;
}

static int collect_table_post(void *ctx, const struct pt_table *t)
{
	struct collect *c = ctx;

	c->depth--;
	if (c->kids[c->depth] == 0 && t->level != c->s->f->levels - 1u)
		c->empty_tables++;
	return 0;
}

static int collect_bad(void *ctx, const struct pt_bad *bad)
{
	struct collect *c = ctx;

	if (!c->bad[0])
		snprintf(c->bad, sizeof(c->bad), "malformed entry 0x%" PRIx64 " at 0x%" PRIx64 " level %u: %s",
			 bad->pte, bad->va, bad->level, bad->why);
	return 0;
}

static int cmp_run(const void *a, const void *b)
{
	const struct model_run *x = a, *y = b;

	return x->vpn < y->vpn ? -1 : x->vpn > y->vpn;
}

/* Compare leaves reported by the engine (any order) with model runs. */
static void check_reported(struct seq *s, struct collect *c, const struct model_run *want,
			   size_t nwant, const char *what)
{
	char why[512];

	CHECK(s, !c->bad[0], "%s: %s", what, c->bad);
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), cmp_run);
	CHECK(s, model_runs_same(want, nwant, c->v, c->n, why, sizeof(why)),
	      "%s differ from the model (first = model, second = engine): %s", what, why);
}

/* Walk the whole table and compare it with the model page by page, plus the invariants. */
static void full_check(struct seq *s)
{
	struct collect c = {.s = s};
	struct pt_visitor v = {collect_table_pre, collect_leaf, collect_bad, collect_table_post,
			       &c};
	struct pt_violation viol;
	struct pt_stats st;
	uint64_t stat_tables = 0;
	uint32_t used;
	enum pt_err err;
	char why[512];

	s->cov.full_checks++;
	if (s->m.n > s->cov.max_runs)
		s->cov.max_runs = s->m.n;
	CHECK(s, model_well_formed(&s->m), "the model itself is malformed");
	err = pt_visit_all(&s->pt, &v);
	if (err != PT_OK)
		free(c.v);
	CHECK_ERR(s, err, PT_OK);
	if (c.bad[0] || !model_runs_same(s->m.runs, s->m.n, c.v, c.n, why, sizeof(why))) {
		if (c.bad[0])
			snprintf(why, sizeof(why), "%s", c.bad);
		free(c.v);
		CHECK(s, false, "full comparison (first = model, second = engine): %s", why);
	}
	free(c.v);
	CHECK(s, c.empty_tables == 0, "%" PRIu64 " empty non-root tables were left behind",
	      c.empty_tables);

	err = pt_check(&s->pt, check_scratch, sizeof(check_scratch) / sizeof(check_scratch[0]),
		       &viol);
	CHECK(s, err == PT_OK, "pt_check = %s: %s (va 0x%" PRIx64 " level %u pte 0x%" PRIx64 ")",
	      pt_errname(err), err == PT_ECORRUPT ? viol.what : "-",
	      err == PT_ECORRUPT ? viol.va : 0, err == PT_ECORRUPT ? viol.level : 0,
	      err == PT_ECORRUPT ? viol.pte : 0);

	CHECK_ERR(s, pt_stats(&s->pt, &st), PT_OK);
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++)
		stat_tables += st.tables[l];
	CHECK(s, stat_tables == c.tables, "pt_stats counts %" PRIu64 " tables, the walk %" PRIu64,
	      stat_tables, c.tables);
	CHECK(s, st.mapped_bytes == model_total(&s->m) * PAGE && st.bad == 0,
	      "pt_stats: mapped 0x%" PRIx64 " bad %" PRIu64 ", model maps 0x%" PRIx64,
	      st.mapped_bytes, st.bad, model_total(&s->m) * PAGE);
	used = s->free0 - host_ram_free_frames(&s->ram);
	CHECK(s, used == c.tables, "%u frames in use but %" PRIu64 " tables in the tree", used,
	      c.tables);
}

/* ---- the operations --------------------------------------------------------------------- */

static void describe(struct seq *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->what, sizeof(s->what), fmt, ap);
	va_end(ap);
}

/* Before an edit of r: whether a superpage straddles each edge, and the level it has. */
struct edges {
	int start_level; /* -1 if no superpage straddles the start */
	int end_level;   /* -1 if no superpage straddles the end */
};

static struct edges edges_before(struct seq *s, const struct range *r)
{
	struct edges e = {-1, -1};
	struct pt_leaf leaf;
	uint64_t end = r->iva + r->size;

	if (pt_query(&s->pt, va_of(s, r->iva), &leaf, NULL) == PT_OK &&
	    model_iva(s->f, leaf.va) < r->iva)
		e.start_level = (int)leaf.level;
	if (pt_query(&s->pt, va_of(s, end - PAGE), &leaf, NULL) == PT_OK &&
	    model_iva(s->f, leaf.va) + leaf.size > end)
		e.end_level = (int)leaf.level;
	return e;
}

/* After a successful unmap/protect: a superpage straddling an edge was split, and minimally:
 * the page just outside the edge is now in the largest piece that does not cross the edge. */
static void check_edges_after(struct seq *s, const struct range *r, const struct edges *e)
{
	struct pt_leaf leaf;
	uint64_t end = r->iva + r->size;

	if (e->start_level > 0) {
		unsigned want = 0;

		for (unsigned l = 0; l < (unsigned)e->start_level; l++)
			if (!(r->iva & (s->ls[l] - 1)))
				want = l;
		CHECK_ERR(s, pt_query(&s->pt, va_of(s, r->iva - PAGE), &leaf, NULL), PT_OK);
		CHECK(s, leaf.level == want,
		      "page before the range was in a level-%d superpage; now level %u, expected %u",
		      e->start_level, leaf.level, want);
		s->cov.edge_splits++;
	}
	if (e->end_level > 0) {
		unsigned want = 0;

		for (unsigned l = 0; l < (unsigned)e->end_level; l++)
			if (!(end & (s->ls[l] - 1)))
				want = l;
		CHECK_ERR(s, pt_query(&s->pt, va_of(s, end), &leaf, NULL), PT_OK);
		CHECK(s, leaf.level == want,
		      "page after the range was in a level-%d superpage; now level %u, expected %u",
		      e->end_level, leaf.level, want);
		s->cov.edge_splits++;
	}
}

static void op_map(struct seq *s, struct range *r)
{
	const struct pt_format *f = s->f;
	unsigned level = pick_level(s);
	uint64_t pa_limit = (uint64_t)1 << f->pa_bits;
	uint64_t big = s->ls[s->top_leaf];
	unsigned flags = 0, perms, c;
	enum pt_err want, err;
	pa_t pa;

	*r = rng_pct(&s->rng, 15) ? gen_range_near_mapping(s, level)
				  : gen_range(s, level, rng_pct(&s->rng, 75), rng_pct(&s->rng, 70));
	if (r->size <= (8u << 20) && rng_pct(&s->rng, 15))
		flags = PT_MAP_4K;
	perms = gen_perms(s);

	/* The PA agrees with the VA modulo the size of level c, and not modulo the next one. */
	c = rng_pct(&s->rng, 80) ? level : (unsigned)rng_below(&s->rng, level + 1);
	while (!(flags & PT_MAP_4K) && c < s->top_leaf && r->size / s->ls[c] > MAX_4K_PAGES)
		c++;
	pa = rng_below(&s->rng, (pa_limit - r->size) / big - 2) * big + (r->iva & (s->ls[c] - 1));
	if (c < s->top_leaf && ((pa - r->iva) & (s->ls[c + 1] - 1)) == 0)
		pa += s->ls[c];
	if (rng_pct(&s->rng, 3)) {
		/* As high as it goes: the last page maps the last page of the PA space (or so). */
		uint64_t off = r->iva & (s->ls[c] - 1), top = pa_limit - r->size;

		pa = ((top - off) & ~(s->ls[c] - 1)) + off;
	}
	if (rng_pct(&s->rng, 1))
		pa = pa_limit - (r->size > PAGE ? PAGE : 0) + rng_below(&s->rng, 4) * PAGE;

	if (pa >= pa_limit || r->size > pa_limit - pa)
		want = PT_EPA;
	else if (!model_perms_ok(f, perms))
		want = PT_EPERM;
	else if (model_any(&s->m, r->iva / PAGE, r->size / PAGE))
		want = PT_EEXIST;
	else
		want = PT_OK;
	describe(s, "pt_map(va 0x%" PRIx64 ", pa 0x%" PRIx64 ", size 0x%" PRIx64 ", perms 0x%x, flags 0x%x)",
		 va_of(s, r->iva), pa, r->size, perms, flags);
	err = pt_map(&s->pt, va_of(s, r->iva), pa, r->size, perms, flags);
	s->cov.results[OP_MAP][err < PT_ERR_COUNT ? err : 0]++;
	CHECK_ERR(s, err, allowed(s, err, want));
	if (err != PT_OK)
		return;
	model_insert(&s->m, r->iva / PAGE, r->size / PAGE, pa / PAGE, pt_effective_perms(f, perms));
	CHECK(s, pt_effective_perms(f, perms) == model_effective(f, perms),
	      "pt_effective_perms disagrees with the documented implied permissions");

	/* The engine chose the largest pages that fit. */
	check_level(s, r, pa, flags, r->iva);
	check_level(s, r, pa, flags, r->iva + r->size - PAGE);
	check_level(s, r, pa, flags, r->iva + rng_below(&s->rng, r->size / PAGE) * PAGE);
}

static struct range gen_edit_range(struct seq *s)
{
	unsigned level = pick_level(s);

	if (rng_pct(&s->rng, 30))
		return gen_range_near_mapping(s, level);
	return gen_range(s, level, rng_pct(&s->rng, 50), rng_pct(&s->rng, 50));
}

static void do_unmap(struct seq *s, const struct range *r)
{
	struct collect c = {.s = s};
	struct model_run *want;
	size_t nwant;
	struct edges e = edges_before(s, r);
	enum pt_err err;
	/* Half of the time without on_leaf: the engine has a faster path for that. */
	bool report = rng_pct(&s->rng, 50);

	model_extract(&s->m, r->iva / PAGE, r->size / PAGE, &want, &nwant);
	err = pt_unmap(&s->pt, va_of(s, r->iva), r->size, report ? collect_leaf_fn : NULL, &c);
	s->cov.results[OP_UNMAP][err < PT_ERR_COUNT ? err : 0]++;
	if (err != PT_OK) {
		free(want);
		free(c.v);
	}
	CHECK_ERR(s, err, allowed(s, err, PT_OK));
	if (err != PT_OK) {
		CHECK(s, c.n == 0, "a failed pt_unmap reported %zu leaves", c.n);
		return;
	}
	/* The leaves handed to on_leaf are exactly what the model had in the range. */
	if (report)
		check_reported(s, &c, want, nwant, "leaves reported by pt_unmap");
	free(want);
	free(c.v);
	model_remove(&s->m, r->iva / PAGE, r->size / PAGE);
	check_edges_after(s, r, &e);
}

static void op_unmap(struct seq *s, struct range *r)
{
	*r = gen_edit_range(s);
	describe(s, "pt_unmap(va 0x%" PRIx64 ", size 0x%" PRIx64 ")", va_of(s, r->iva), r->size);
	do_unmap(s, r);
}

/* Unmap a whole half (or the whole space): big ranges, cost following what is mapped. */
static void op_reset(struct seq *s, struct range *r)
{
	if (!s->f->sign_extended)
		*r = (struct range){0, s->space};
	else if (rng_pct(&s->rng, 50))
		*r = (struct range){0, s->half};
	else
		*r = (struct range){s->half, s->half};
	describe(s, "pt_unmap(va 0x%" PRIx64 ", size 0x%" PRIx64 ") of a whole half",
		 va_of(s, r->iva), r->size);
	do_unmap(s, r);
}

static void op_protect(struct seq *s, struct range *r)
{
	const struct pt_format *f = s->f;
	unsigned perms;
	struct edges e;
	enum pt_err want, err;

	*r = gen_edit_range(s);
	perms = gen_perms(s);
	want = model_perms_ok(f, perms) ? PT_OK : PT_EPERM;
	describe(s, "pt_protect(va 0x%" PRIx64 ", size 0x%" PRIx64 ", perms 0x%x)", va_of(s, r->iva),
		 r->size, perms);
	e = edges_before(s, r);
	err = pt_protect(&s->pt, va_of(s, r->iva), r->size, perms);
	s->cov.results[OP_PROTECT][err < PT_ERR_COUNT ? err : 0]++;
	CHECK_ERR(s, err, allowed(s, err, want));
	if (err != PT_OK)
		return;
	model_change(&s->m, r->iva / PAGE, r->size / PAGE, pt_effective_perms(f, perms),
		     PT_PERM_ALL);
	check_edges_after(s, r, &e);
}

static void op_update(struct seq *s, struct range *r)
{
	const struct pt_format *f = s->f;
	unsigned set, clear;
	struct model_run *runs;
	size_t n;
	enum pt_err want = PT_OK, err;

	*r = gen_edit_range(s);
	set = gen_bits(s);
	clear = gen_bits(s);
	if (rng_pct(&s->rng, 25))
		clear |= PT_R;
	if ((set | clear) & ~(unsigned)PT_PERM_ALL) {
		want = PT_EPERM;
	} else {
		model_extract(&s->m, r->iva / PAGE, r->size / PAGE, &runs, &n);
		for (size_t i = 0; i < n; i++)
			if (!model_perms_ok(f, (runs[i].perms & ~clear) | set))
				want = PT_EPERM;
		free(runs);
	}
	describe(s, "pt_update(va 0x%" PRIx64 ", size 0x%" PRIx64 ", set 0x%x, clear 0x%x)",
		 va_of(s, r->iva), r->size, set, clear);
	err = pt_update(&s->pt, va_of(s, r->iva), r->size, set, clear);
	s->cov.results[OP_UPDATE][err < PT_ERR_COUNT ? err : 0]++;
	CHECK_ERR(s, err, allowed(s, err, want));
	if (err == PT_OK)
		model_change(&s->m, r->iva / PAGE, r->size / PAGE, pt_effective_perms(f, set), clear);
}

/* A range the format rejects (crossing the canonical hole or the top of the space, or a VA
 * outside the space), with otherwise valid arguments: each operation fails with the range
 * error and changes nothing. */
static void op_bad_range(struct seq *s, struct range *r)
{
	const struct pt_format *f = s->f;
	uint64_t k = 1 + rng_below(&s->rng, 16), extra = 1 + rng_below(&s->rng, 16);
	unsigned which = (unsigned)rng_below(&s->rng, 3), kind = (unsigned)rng_below(&s->rng, 4);
	struct collect c = {.s = s};
	struct pt_leaf leaf;
	uint64_t va, size = (k + extra) * PAGE;
	enum pt_err want, err;

	*r = (struct range){0, PAGE};
	if (which == 0 && f->sign_extended) {
		*r = (struct range){s->half - k * PAGE, k * PAGE};
		va = va_of(s, s->half - k * PAGE);
		want = PT_EWRAP;
	} else if (which <= 1) {
		*r = (struct range){s->space - k * PAGE, k * PAGE};
		va = va_of(s, s->space - k * PAGE);
		want = f->sign_extended ? PT_EWRAP : PT_ERANGE;
	} else if (f->sign_extended) {
		/* Flip one of the bits that must copy bit va_bits - 1. */
		va = va_of(s, rng_below(&s->rng, s->space / PAGE) * PAGE) ^
		     ((uint64_t)1 << (f->va_bits + rng_below(&s->rng, 64u - f->va_bits)));
		size = PAGE;
		want = PT_ECANON;
	} else {
		va = s->space + rng_below(&s->rng, 16) * PAGE;
		size = PAGE;
		want = PT_ERANGE;
	}
	describe(s, "%s(va 0x%" PRIx64 ", size 0x%" PRIx64 ") with a range the format rejects",
		 op_names[kind], va, size);
	switch (kind) {
	case OP_MAP:
		err = pt_map(&s->pt, va, 0x100000, size, PT_R | PT_W, 0);
		break;
	case OP_UNMAP:
		err = pt_unmap(&s->pt, va, size, collect_leaf_fn, &c);
		free(c.v);
		CHECK(s, c.n == 0, "a rejected pt_unmap reported %zu leaves", c.n);
		break;
	case OP_PROTECT:
		err = pt_protect(&s->pt, va, size, PT_R);
		break;
	default:
		err = pt_update(&s->pt, va, size, PT_A, PT_D);
		break;
	}
	s->cov.results[OP_BAD_RANGE][err < PT_ERR_COUNT ? err : 0]++;
	CHECK_ERR(s, err, want);
	if (which == 2) /* the VA itself is outside: pt_query rejects it the same way */
		CHECK_ERR(s, pt_query(&s->pt, va, &leaf, NULL), want);
}

/* ---- running sequences ------------------------------------------------------------------ */

static void seq_start(struct seq *s, const struct pt_format *f, unsigned fi, uint64_t seed)
{
	struct pt_mem mem;
	enum pt_err err;

	memset(s, 0, sizeof(*s));
	s->f = f;
	s->seed = seed;
	s->rng.s = seed ^ ((uint64_t)(fi + 1) * 0xd1b54a32d192ed03ull);
	rng_next(&s->rng);
	s->space = model_space(f);
	s->half = s->space / 2;
	s->top = f->levels - 1u;
	s->top_leaf = model_top_leaf(f);
	for (unsigned l = 0; l < f->levels; l++)
		s->ls[l] = model_level_size(f, l);
	model_init(&s->m);
	snprintf(s->what, sizeof(s->what), "setup");
	err = host_ram_init(&s->ram, RAM_BASE, RAM_SIZE);
	CHECK_ERR(s, err, PT_OK);
	s->ram_live = true;
	s->free0 = host_ram_free_frames(&s->ram);
	mem = host_ram_pt_mem(&s->ram);
	CHECK_ERR(s, pt_init(&s->pt, f, &mem), PT_OK);
	s->pt_live = true;
}

static void seq_finish(struct seq *s)
{
	struct collect c = {.s = s};
	uint64_t leaves = 0;

	snprintf(s->what, sizeof(s->what), "final comparison and pt_destroy");
	full_check(s);
	pt_destroy(&s->pt, collect_leaf_fn, &c, &leaves);
	s->pt_live = false;
	CHECK(s, leaves == c.n, "pt_destroy reported %" PRIu64 " leaves but passed %zu to on_leaf",
	      leaves, c.n);
	check_reported(s, &c, s->m.runs, s->m.n, "leaves reported by pt_destroy");
	free(c.v);
	CHECK(s, host_ram_free_frames(&s->ram) == s->free0,
	      "after pt_destroy %u frames are free, %u were before pt_init",
	      host_ram_free_frames(&s->ram), s->free0);
}

static void seq_run(struct seq *s, uint64_t ops)
{
	for (s->op = 0; s->op < ops; s->op++) {
		struct range r;
		uint64_t roll = rng_below(&s->rng, 1000);
		uint32_t free_before = host_ram_free_frames(&s->ram);

		/* Now and then one of the operation's frame allocations fails. */
		s->inject = rng_pct(&s->rng, 5) ? 1 + rng_below(&s->rng, 4) : 0;
		s->got_enomem = false;
		host_ram_fail_nth(&s->ram, s->inject);
		if (host_ram_free_frames(&s->ram) < FRAMES_LOW || roll < 4)
			op_reset(s, &r);
		else if (roll < 14)
			op_bad_range(s, &r);
		else if (roll < 450)
			op_map(s, &r);
		else if (roll < 700)
			op_unmap(s, &r);
		else if (roll < 850)
			op_protect(s, &r);
		else
			op_update(s, &r);
		host_ram_fail_nth(&s->ram, 0);
		if (s->got_enomem) {
			/* All or nothing: the table is as the (unchanged) model says, no frame lost. */
			CHECK(s, host_ram_free_frames(&s->ram) == free_before,
			      "after PT_ENOMEM %u frames are free, %u were before",
			      host_ram_free_frames(&s->ram), free_before);
			full_check(s);
		}
		s->inject = 0;
		s->cov.ops++;
		check_random_pages(s, &r);
		if ((s->op + 1) % FULL_EVERY == 0)
			full_check(s);
	}
}

static void add_coverage(struct coverage *sum, const struct coverage *c)
{
	sum->ops += c->ops;
	for (unsigned k = 0; k < OP_KINDS; k++)
		for (unsigned e = 0; e < PT_ERR_COUNT; e++)
			sum->results[k][e] += c->results[k][e];
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++) {
		sum->superpage_maps[l] += c->superpage_maps[l];
		sum->leaves_seen[l] += c->leaves_seen[l];
	}
	sum->edge_splits += c->edge_splits;
	sum->full_checks += c->full_checks;
	sum->queries += c->queries;
	if (c->max_runs > sum->max_runs)
		sum->max_runs = c->max_runs;
}

static void print_coverage(const struct pt_format *f, const struct coverage *c)
{
	char line[1024];
	size_t n = 0;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "%-12s %6" PRIu64 " ops:", f->name,
			      c->ops);
	for (unsigned k = 0; k < OP_KINDS; k++) {
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", op_names[k]);
		for (unsigned e = 0; e < PT_ERR_COUNT; e++)
			if (c->results[k][e])
				n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=%" PRIu64,
						      e == PT_OK ? "ok" : pt_errname(e) + 3,
						      c->results[k][e]);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ";");
	}
	print_message("%s\n", line);
	n = (size_t)snprintf(line, sizeof(line), "%-12s superpage maps by level:", "");
	for (unsigned l = 1; l < f->levels; l++)
		if (f->leaf_levels >> l & 1)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " L%u=%" PRIu64, l,
					      c->superpage_maps[l]);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "; edge splits %" PRIu64
			      "; full checks %" PRIu64 "; queries %" PRIu64 "; most runs %" PRIu64,
			      c->edge_splits, c->full_checks, c->queries, c->max_runs);
	print_message("%s\n", line);
}

static void test_differential(void **state)
{
	const struct pt_format *f = *state;
	unsigned fi = 0;
	struct coverage sum;

	memset(&sum, 0, sizeof(sum));
	while (pt_formats[fi] != f)
		fi++;
	for (size_t i = 0; i < cfg_nseeds; i++) {
		seq_start(&cur, f, fi, cfg_seeds[i]);
		seq_run(&cur, cfg_ops);
		seq_finish(&cur);
		add_coverage(&sum, &cur.cov);
		seq_release(&cur);
	}
	print_coverage(f, &sum);

	/* The sequences exercised what they are meant to (only meaningful for long runs). */
	if (sum.ops >= 8000) {
		assert_true(sum.results[OP_MAP][PT_OK] > 0);
		assert_true(sum.results[OP_MAP][PT_EEXIST] > 0);
		assert_true(sum.results[OP_MAP][PT_EPERM] > 0);
		assert_true(sum.results[OP_MAP][PT_EPA] > 0);
		assert_true(sum.results[OP_UPDATE][PT_EPERM] > 0);
		assert_true(sum.results[OP_UPDATE][PT_OK] > 0);
		assert_true(sum.results[OP_PROTECT][PT_EPERM] > 0);
		assert_true(sum.results[OP_PROTECT][PT_OK] > 0);
		assert_true(sum.edge_splits > 0);
		assert_true(sum.results[OP_MAP][PT_ENOMEM] + sum.results[OP_UNMAP][PT_ENOMEM] +
				    sum.results[OP_PROTECT][PT_ENOMEM] +
				    sum.results[OP_UPDATE][PT_ENOMEM] >
			    0);
		assert_true(sum.results[OP_BAD_RANGE][f->sign_extended ? PT_EWRAP : PT_ERANGE] > 0);
		if (f->sign_extended)
			assert_true(sum.results[OP_BAD_RANGE][PT_ECANON] > 0);
		for (unsigned l = 0; l < f->levels; l++) {
			if (!(f->leaf_levels >> l & 1))
				continue;
			assert_true(sum.leaves_seen[l] > 0);
			if (l > 0)
				assert_true(sum.superpage_maps[l] > 0);
		}
	}
}

/* ---- the superpage choice, explicitly ---------------------------------------------------- */

static void expect_level_at(struct seq *s, uint64_t iva, unsigned want)
{
	struct pt_leaf leaf;

	CHECK_ERR(s, pt_query(&s->pt, va_of(s, iva), &leaf, NULL), PT_OK);
	CHECK(s, leaf.level == want, "page 0x%" PRIx64 ": level %u, expected %u", va_of(s, iva),
	      leaf.level, want);
}

static void test_superpage_choice(void **state)
{
	(void)state;
	for (unsigned fi = 0; pt_formats[fi]; fi++) {
		const struct pt_format *f = pt_formats[fi];
		struct seq *s = &cur;

		seq_start(s, f, fi, 0);
		for (unsigned l = 1; l <= s->top_leaf; l++) {
			uint64_t sz = s->ls[l];
			uint64_t va = 2 * sz; /* index space: well inside the lower half */
			pa_t pa = 4 * sz;
			struct range r;

			/* Aligned VA and PA: one leaf of level l. */
			describe(s, "map 0x%" PRIx64 " bytes at level-%u-aligned VA and PA", sz, l);
			CHECK_ERR(s, pt_map(&s->pt, va_of(s, va), pa, sz, PT_R | PT_W, 0), PT_OK);
			expect_level_at(s, va, l);
			expect_level_at(s, va + sz - PAGE, l);
			CHECK_ERR(s, pt_unmap(&s->pt, va_of(s, va), sz, NULL, NULL), PT_OK);

			/* PA off by one page below level l: the level below (pages of l - 1). */
			describe(s, "map at level-%u VA with a PA aligned only to level %u", l, l - 1);
			CHECK_ERR(s, pt_map(&s->pt, va_of(s, va), pa + s->ls[l - 1], sz, PT_R, 0),
				  PT_OK);
			expect_level_at(s, va, l - 1);
			expect_level_at(s, va + sz - PAGE, l - 1);
			CHECK_ERR(s, pt_unmap(&s->pt, va_of(s, va), sz, NULL, NULL), PT_OK);

			/* One page more on each side: 4 KiB edges around a level-l leaf. */
			describe(s, "map a level-%u block with a 4 KiB page on each side", l);
			r = (struct range){va - PAGE, sz + 2 * PAGE};
			CHECK_ERR(s, pt_map(&s->pt, va_of(s, r.iva), pa - PAGE, r.size, PT_R, 0),
				  PT_OK);
			expect_level_at(s, r.iva, 0);
			expect_level_at(s, va, l);
			expect_level_at(s, va + sz, 0);
			CHECK_ERR(s, pt_unmap(&s->pt, va_of(s, r.iva), r.size, NULL, NULL), PT_OK);

			/* PT_MAP_4K: 4 KiB pages even though a superpage fits (small levels only). */
			if (sz <= ((uint64_t)4 << 20)) {
				describe(s, "map a level-%u block with PT_MAP_4K", l);
				CHECK_ERR(s, pt_map(&s->pt, va_of(s, va), pa, sz, PT_R, PT_MAP_4K),
					  PT_OK);
				expect_level_at(s, va, 0);
				expect_level_at(s, va + sz - PAGE, 0);
				CHECK_ERR(s, pt_unmap(&s->pt, va_of(s, va), sz, NULL, NULL), PT_OK);
			}
			/* Top of the space, too. */
			describe(s, "map the last level-%u block of the space", l);
			CHECK_ERR(s, pt_map(&s->pt, va_of(s, s->space - sz), pa, sz, PT_R, 0), PT_OK);
			expect_level_at(s, s->space - PAGE, l);
			CHECK_ERR(s, pt_unmap(&s->pt, va_of(s, s->space - sz), sz, NULL, NULL), PT_OK);
		}
		seq_finish(s);
		seq_release(s);
	}
}

/* ---- the model itself, against a brute-force page array ------------------------------------ */

#define BRUTE_PAGES 700u

struct brute_page {
	bool mapped;
	uint64_t ppn;
	unsigned perms;
};

static void test_model_selfcheck(void **state)
{
	static struct brute_page b[BRUTE_PAGES];
	struct model m;
	struct rng r = {42};
	char why[256];

	(void)state;
	memset(b, 0, sizeof(b));
	model_init(&m);
	for (unsigned op = 0; op < 20000; op++) {
		uint64_t vpn = rng_below(&r, BRUTE_PAGES);
		uint64_t n = 1 + rng_below(&r, rng_pct(&r, 70) ? 8 : BRUTE_PAGES - vpn);
		uint64_t ppn = rng_below(&r, 1000) * (rng_pct(&r, 50) ? 1 : 512);
		unsigned set = (unsigned)rng_below(&r, 512), clear = (unsigned)rng_below(&r, 512);
		uint64_t kind = rng_below(&r, 3), count = 0;
		struct model_run *runs;
		size_t nruns;

		if (vpn + n > BRUTE_PAGES)
			n = BRUTE_PAGES - vpn;
		for (uint64_t i = vpn; i < vpn + n; i++)
			count += b[i].mapped;
		assert_int_equal(model_count(&m, vpn, n), count);
		assert_int_equal(model_any(&m, vpn, n), count > 0);
		model_extract(&m, vpn, n, &runs, &nruns);
		for (size_t i = 0; i < nruns; i++)
			for (uint64_t p = 0; p < runs[i].pages; p++) {
				struct brute_page *x = &b[runs[i].vpn + p];

				assert_true(runs[i].vpn + p >= vpn && runs[i].vpn + p < vpn + n);
				assert_true(x->mapped && x->ppn == runs[i].ppn + p &&
					    x->perms == runs[i].perms);
				count--;
			}
		assert_int_equal(count, 0);
		free(runs);

		if (kind == 0 && !model_any(&m, vpn, n)) {
			model_insert(&m, vpn, n, ppn, set);
			for (uint64_t i = 0; i < n; i++)
				b[vpn + i] = (struct brute_page){true, ppn + i, set};
		} else if (kind == 1) {
			model_remove(&m, vpn, n);
			for (uint64_t i = vpn; i < vpn + n; i++)
				b[i].mapped = false;
		} else {
			model_change(&m, vpn, n, set, clear);
			for (uint64_t i = vpn; i < vpn + n; i++)
				b[i].perms = (b[i].perms & ~clear) | set;
		}
		assert_true(model_well_formed(&m));
		for (uint64_t i = 0; i < BRUTE_PAGES; i++) {
			uint64_t p;
			unsigned pe;
			bool mapped = model_lookup(&m, i, &p, &pe);

			assert_int_equal(mapped, b[i].mapped);
			if (mapped)
				assert_true(p == b[i].ppn && pe == b[i].perms);
		}
		assert_int_equal(model_lookup(&m, BRUTE_PAGES, NULL, NULL), false);
	}

	/* model_runs_same: the same pages cut differently are equal; any difference is not. */
	{
		struct model_run a[] = {{10, 8, 100, 3}, {20, 2, 7, 1}};
		struct model_run same[] = {{10, 3, 100, 3}, {13, 5, 103, 3}, {20, 1, 7, 1},
					   {21, 1, 8, 1}};
		struct model_run pa_off[] = {{10, 3, 100, 3}, {13, 5, 104, 3}, {20, 2, 7, 1}};
		struct model_run perm_off[] = {{10, 8, 100, 3}, {20, 1, 7, 1}, {21, 1, 8, 5}};
		struct model_run missing[] = {{10, 8, 100, 3}, {20, 1, 7, 1}};
		struct model_run extra[] = {{9, 9, 99, 3}, {20, 2, 7, 1}};
		struct model_run unsorted[] = {{20, 2, 7, 1}, {10, 8, 100, 3}};

		assert_true(model_runs_same(a, 2, same, 4, why, sizeof(why)));
		assert_true(model_runs_same(same, 4, a, 2, why, sizeof(why)));
		assert_false(model_runs_same(a, 2, pa_off, 3, why, sizeof(why)));
		assert_false(model_runs_same(a, 2, perm_off, 3, why, sizeof(why)));
		assert_false(model_runs_same(a, 2, missing, 2, why, sizeof(why)));
		assert_false(model_runs_same(missing, 2, a, 2, why, sizeof(why)));
		assert_false(model_runs_same(a, 2, extra, 2, why, sizeof(why)));
		assert_false(model_runs_same(a, 2, unsorted, 2, why, sizeof(why)));
		assert_false(model_runs_same(a, 2, NULL, 0, why, sizeof(why)));
		assert_true(model_runs_same(NULL, 0, NULL, 0, why, sizeof(why)));
	}
	model_fini(&m);

	/* The documented implied permissions and expressible sets, per format. */
	for (unsigned fi = 0; pt_formats[fi]; fi++) {
		const struct pt_format *f = pt_formats[fi];
		bool riscv = strcmp(f->arch, "riscv") == 0;

		for (unsigned p = 0; p <= PT_PERM_ALL; p++)
			assert_int_equal(model_effective(f, p), pt_effective_perms(f, p));
		assert_true(model_perms_ok(f, PT_R));
		assert_true(model_perms_ok(f, PT_R | PT_W | PT_X | PT_U));
		assert_false(model_perms_ok(f, 0));
		assert_false(model_perms_ok(f, PT_W));
		assert_false(model_perms_ok(f, PT_R | (1u << 9)));
		assert_int_equal(model_perms_ok(f, PT_X), riscv);
		assert_int_equal(model_perms_ok(f, PT_W | PT_X), false);
	}
}

int main(void)
{
	static struct CMUnitTest tests[2 + 16];
	size_t n = 0;
	uint64_t formats = 0;

	config_load();
	tests[n++] = (struct CMUnitTest){"model_selfcheck", test_model_selfcheck, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"superpage_choice", test_superpage_choice, NULL,
					 teardown_seq, NULL};
	for (unsigned fi = 0; pt_formats[fi] && n < sizeof(tests) / sizeof(tests[0]); fi++) {
		static char names[16][48];

		snprintf(names[fi], sizeof(names[fi]), "differential_%s", pt_formats[fi]->name);
		tests[n++] = (struct CMUnitTest){names[fi], test_differential, NULL, teardown_seq,
						 (void *)pt_formats[fi]};
		formats++;
	}
	print_message("test_pt_model: %zu seed(s) x %" PRIu64 " operations x %" PRIu64
		      " formats = %" PRIu64 " random operations%s\n",
		      cfg_nseeds, cfg_ops, formats, (uint64_t)cfg_nseeds * cfg_ops * formats,
		      cfg_custom ? " (set by VMKIT_SEED / VMKIT_OPS)" : "");
	return _cmocka_run_group_tests("pt_model", tests, n, NULL, NULL);
}
