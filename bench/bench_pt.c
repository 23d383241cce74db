/*
 * Benchmark of the page-table engine against "the xv6 way" (one walk from the root per page)
 * and against a plain loop that only writes entries (the floor).
 *
 * For Sv39 and x86-64, with the tables in simulated RAM (host/ram.h), it times map, query,
 * visit, protect and unmap of 1 GiB of 4 KiB pages, 1 GiB of 2 MiB pages and 64 GiB of 1 GiB
 * pages. The baseline below is written here, apart from lib/pt: a per-page walk through the
 * format's codec, allocating missing tables through struct pt_mem, as xv6's walk, mappages
 * and uvmunmap do (its unmap frees no tables). Before timing, each case checks that the
 * engine and the baseline build the same tables.
 *
 * The baseline's query and visit are the same per-page walk, decoding each leaf: query sums
 * the PAs, visit counts the leaves. The floor is a plain loop writing as many entries (2^18,
 * 2 MiB) into an array.
 *
 * Every sample does the same number of page operations (2^20, four times 1 GiB of 4 KiB
 * pages): four rounds for 4 KiB pages, more rounds for the larger pages. A round starts from
 * an empty table; only the operation itself is timed, less the cost of reading the clock.
 * Each figure is the median of SAMPLES samples, engine and baseline samples alternating. On
 * stdout, one line per case, times per page of the case's page size:
 *
 *   CASE  NS ns/page  RATIO x vs per-page walk
 *
 * with RATIO = baseline time / engine time; a line per format for the plain loop (ns/entry);
 * and after the 4 KiB map and unmap lines, engine time / plain loop time ("x plain loop").
 * The targets, and whether they were met, go to stderr at the end.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ram.h"
#include "vmkit/pt.h"

#define SAMPLES 11
#define PAGE_4K_OPS (1ull << 18) /* pages in 1 GiB of 4 KiB pages */
#define PAGE_OPS (4 * PAGE_4K_OPS) /* page operations per sample */
#define PLAIN_SAMPLES 41
#define RAM_SIZE (64ull << 20)   /* simulated RAM for the tables */
#define PERMS_MAP (PT_R | PT_W | PT_A | PT_D)
#define PERMS_PROTECT (PT_R | PT_A)

/* The targets for 1 GiB of 4 KiB pages. */
#define TARGET_VS_WALK 5.0  /* map and unmap at least this much faster than the walk */
#define TARGET_VS_PLAIN 2.0 /* and at most this much slower than the plain loop */

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* One page size: what is mapped, where, and how. */
struct size_case {
	const char *label; /* "1G 4K": range, then page size */
	unsigned level;    /* level of the leaves */
	va_t va;
	pa_t pa;
	uint64_t size;
	unsigned flags;    /* pt_map flags */
};

/*
 * VAs and PAs are aligned to the page size. The 2 MiB case's PA is not 1 GiB-aligned, so that
 * the engine, which uses the largest pages that fit, really uses 2 MiB pages. The PAs lie
 * outside the simulated RAM, which only holds the tables.
 */
static const struct size_case size_cases[] = {
	{"1G 4K", 0, 1 * GiB, 4 * GiB, 1 * GiB, PT_MAP_4K},
	{"1G 2M", 1, 1 * GiB, 256 * GiB + 2 * MiB, 1 * GiB, 0},
	{"64G 1G", 2, 64 * GiB, 256 * GiB, 64 * GiB, 0},
};
#define NSIZES (sizeof(size_cases) / sizeof(size_cases[0]))

enum op { OP_MAP, OP_UNMAP, OP_PROTECT, OP_QUERY, OP_VISIT, NOPS };
static const char *const op_names[NOPS] = {"map", "unmap", "protect", "query", "visit"};

static volatile uint64_t sink; /* results go here, so no measured work can be dropped */
static uint64_t *volatile escape; /* the plain loop's array, visible to the outside world */
static uint64_t clock_cost;    /* ns one now_ns() adds to a measured interval */

static void die(const char *what, enum pt_err err)
{
	fprintf(stderr, "bench_pt: %s failed: %s\n", what, pt_strerror(err));
	exit(1);
}

static void check(const char *what, enum pt_err err)
{
	if (err != PT_OK)
		die(what, err);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The time from t0 to now, less the clock's own cost. */
static uint64_t since(uint64_t t0)
{
	uint64_t d = now_ns() - t0;

	return d > clock_cost ? d - clock_cost : 0;
}

static void calibrate_clock(void)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 10000; i++) {
		uint64_t t0 = now_ns();
		uint64_t d = now_ns() - t0;

		if (d < best)
			best = d;
	}
	clock_cost = best;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* ---- the baseline: one walk from the root per page ------------------------------------- */

static unsigned index_at(const struct pt_format *f, unsigned level, uint64_t va)
{
	return (unsigned)((va >> f->shift[level]) & ((1u << f->index_bits[level]) - 1));
}

/*
 * xv6's walk, generalised to any format and to leaves above level 0: the address of the entry
 * for va in the table at `level`, creating missing tables on the way if alloc is set. NULL if
 * a table is missing (and !alloc), allocation fails, or a leaf or malformed entry is in the way.
 * va must be in the lower canonical half, where index VA and VA coincide.
 */
static volatile uint64_t *walk(const struct pt *pt, uint64_t va, unsigned level, int alloc)
{
	const struct pt_format *f = pt->fmt;
	volatile uint64_t *table = pt->mem.ptr(pt->mem.ctx, pt->root);

	for (unsigned l = f->levels - 1u; l > level; l--) {
		volatile uint64_t *pte = &table[index_at(f, l, va)];
		struct pt_decoded d;
		pa_t child;

		f->decode(f, *pte, l, &d);
		if (d.kind == PT_ENTRY_TABLE) {
			child = d.pa;
		} else if (d.kind == PT_ENTRY_INVALID && alloc) {
			if (pt->mem.alloc(pt->mem.ctx, pt_table_bytes(f, l - 1u), &child) != PT_OK)
				return NULL;
			*pte = f->make_table(f, child, l);
		} else {
			return NULL;
		}
		table = pt->mem.ptr(pt->mem.ctx, child);
	}
	return &table[index_at(f, level, va)];
}

/* mappages: walk with alloc, refuse a remap, write the leaf. Returns the pages that failed. */
static uint64_t walk_map(const struct pt *pt, const struct size_case *c)
{
	const struct pt_format *f = pt->fmt;
	uint64_t page = pt_level_size(f, c->level), bad = 0;

	for (uint64_t off = 0; off < c->size; off += page) {
		volatile uint64_t *pte = walk(pt, c->va + off, c->level, 1);

		if (!pte || (*pte & f->present_bit)) {
			bad++;
			continue;
		}
		*pte = f->make_leaf(f, c->pa + off, PERMS_MAP, c->level);
	}
	return bad;
}

/* Walk without alloc and decode; the entry if it is a leaf, else NULL. */
static volatile uint64_t *walk_leaf(const struct pt *pt, uint64_t va, unsigned level,
				    struct pt_decoded *d)
{
	volatile uint64_t *pte = walk(pt, va, level, 0);

	if (!pte)
		return NULL;
	pt->fmt->decode(pt->fmt, *pte, level, d);
	return d->kind == PT_ENTRY_LEAF ? pte : NULL;
}

/* uvmunmap without freeing anything: walk, check it is a leaf, clear it. */
static uint64_t walk_unmap(const struct pt *pt, const struct size_case *c)
{
	uint64_t page = pt_level_size(pt->fmt, c->level), bad = 0;

	for (uint64_t off = 0; off < c->size; off += page) {
		struct pt_decoded d;
		volatile uint64_t *pte = walk_leaf(pt, c->va + off, c->level, &d);

		if (!pte) {
			bad++;
			continue;
		}
		*pte = 0;
	}
	return bad;
}

/* Walk, decode the leaf, write it again with the new permissions. */
static uint64_t walk_protect(const struct pt *pt, const struct size_case *c)
{
	const struct pt_format *f = pt->fmt;
	uint64_t page = pt_level_size(f, c->level), bad = 0;

	for (uint64_t off = 0; off < c->size; off += page) {
		struct pt_decoded d;
		volatile uint64_t *pte = walk_leaf(pt, c->va + off, c->level, &d);

		if (!pte) {
			bad++;
			continue;
		}
		*pte = f->make_leaf(f, d.pa, PERMS_PROTECT, c->level);
	}
	return bad;
}

/* Walk and decode each page; the sum of the PAs (for query) or the number of leaves (visit). */
static uint64_t walk_query(const struct pt *pt, const struct size_case *c, int count)
{
	uint64_t page = pt_level_size(pt->fmt, c->level), sum = 0;

	for (uint64_t off = 0; off < c->size; off += page) {
		struct pt_decoded d;

		if (walk_leaf(pt, c->va + off, c->level, &d))
			sum += count ? 1 : d.pa;
	}
	return sum;
}

/* ---- the rounds ---------------------------------------------------------------------------- */

static uint64_t pages_of(const struct pt_format *f, const struct size_case *c)
{
	return c->size / pt_level_size(f, c->level);
}

/* What query must sum to: the PAs of every page. */
static uint64_t expected_pa_sum(const struct pt_format *f, const struct size_case *c)
{
	uint64_t n = pages_of(f, c);

	return n * c->pa + pt_level_size(f, c->level) * (n * (n - 1) / 2);
}

static int count_leaf(void *ctx, const struct pt_leaf *leaf)
{
	(void)leaf;
	++*(uint64_t *)ctx;
	return 0;
}

/* One engine round on an empty table; adds each operation's time to t[]. */
static void engine_round(struct pt *pt, const struct size_case *c, uint64_t t[NOPS])
{
	const struct pt_format *f = pt->fmt;
	uint64_t page = pt_level_size(f, c->level), n = pages_of(f, c);
	uint64_t sum = 0, leaves = 0, t0, bad = 0;
	struct pt_visitor v = {0, count_leaf, 0, 0, &leaves};
	enum pt_err err;

	t0 = now_ns();
	err = pt_map(pt, c->va, c->pa, c->size, PERMS_MAP, c->flags);
	t[OP_MAP] += since(t0);
	check("pt_map", err);

	t0 = now_ns();
	for (uint64_t off = 0; off < c->size; off += page) {
		struct pt_leaf leaf;
		pa_t pa;

		bad += pt_query(pt, c->va + off, &leaf, &pa) != PT_OK;
		sum += pa;
	}
	t[OP_QUERY] += since(t0);
	if (bad || sum != expected_pa_sum(f, c))
		die("pt_query", PT_ENOENT);

	t0 = now_ns();
	err = pt_visit(pt, c->va, c->size, &v);
	t[OP_VISIT] += since(t0);
	check("pt_visit", err);
	if (leaves != n)
		die("pt_visit count", PT_ENOENT);

	t0 = now_ns();
	err = pt_protect(pt, c->va, c->size, PERMS_PROTECT);
	t[OP_PROTECT] += since(t0);
	check("pt_protect", err);

	t0 = now_ns();
	err = pt_unmap(pt, c->va, c->size, NULL, NULL);
	t[OP_UNMAP] += since(t0);
	check("pt_unmap", err);
	sink += sum + leaves;
}

/* One baseline round on an empty table; adds each operation's time to t[]. */
static void walk_round(struct pt *pt, const struct size_case *c, uint64_t t[NOPS])
{
	uint64_t n = pages_of(pt->fmt, c), t0, bad, sum, leaves;

	t0 = now_ns();
	bad = walk_map(pt, c);
	t[OP_MAP] += since(t0);
	if (bad)
		die("per-page map", PT_ENOMEM);

	t0 = now_ns();
	sum = walk_query(pt, c, 0);
	t[OP_QUERY] += since(t0);
	if (sum != expected_pa_sum(pt->fmt, c))
		die("per-page query", PT_ENOENT);

	t0 = now_ns();
	leaves = walk_query(pt, c, 1);
	t[OP_VISIT] += since(t0);
	if (leaves != n)
		die("per-page visit", PT_ENOENT);

	t0 = now_ns();
	bad = walk_protect(pt, c);
	t[OP_PROTECT] += since(t0);
	if (bad)
		die("per-page protect", PT_ENOENT);

	t0 = now_ns();
	bad = walk_unmap(pt, c);
	t[OP_UNMAP] += since(t0);
	if (bad)
		die("per-page unmap", PT_ENOENT);
	sink += sum + leaves;
}

/* The baseline leaves its empty tables behind, as xv6 does: start the next round afresh. */
static void renew(struct pt *pt, const struct pt_format *f, const struct pt_mem *mem)
{
	pt_destroy(pt, NULL, NULL, NULL);
	check("pt_init", pt_init(pt, f, mem));
}

/* ---- checking that both build the same tables ------------------------------------------- */

/* Every page reads the same from both tables, at the expected level (or is unmapped in both). */
static void compare(const struct pt *e, const struct pt *b, const struct size_case *c,
		    bool mapped, const char *when)
{
	const struct pt_format *f = e->fmt;
	uint64_t page = pt_level_size(f, c->level);

	for (uint64_t off = 0; off < c->size; off += page) {
		struct pt_leaf le, lb;
		enum pt_err ee = pt_query(e, c->va + off, &le, NULL);
		enum pt_err eb = pt_query(b, c->va + off, &lb, NULL);
		bool same;

		if (!mapped)
			same = ee == PT_ENOENT && eb == PT_ENOENT;
		else
			same = ee == PT_OK && eb == PT_OK && le.pte == lb.pte &&
			       le.level == c->level && lb.level == c->level &&
			       le.pa == c->pa + off && lb.pa == le.pa;
		if (!same) {
			fprintf(stderr, "bench_pt: %s %s: engine and per-page walk differ %s at "
				"va 0x%llx\n", f->name, c->label, when,
				(unsigned long long)(c->va + off));
			exit(1);
		}
	}
}

static void same_tables(const struct pt *e, const struct pt *b)
{
	struct pt_stats se, sb;

	check("pt_stats", pt_stats(e, &se));
	check("pt_stats", pt_stats(b, &sb));
	if (memcmp(se.tables, sb.tables, sizeof(se.tables)) ||
	    memcmp(se.leaves, sb.leaves, sizeof(se.leaves))) {
		fprintf(stderr, "bench_pt: %s: engine and per-page walk built different tables\n",
			e->fmt->name);
		exit(1);
	}
}

/* Map, protect and unmap with both; the tables must agree at each step. Also a warm-up. */
static void verify(struct pt *e, struct pt *b, const struct size_case *c, struct host_ram *ram)
{
	uint32_t free_before = host_ram_free_frames(ram);

	check("pt_map", pt_map(e, c->va, c->pa, c->size, PERMS_MAP, c->flags));
	if (walk_map(b, c))
		die("per-page map", PT_ENOMEM);
	compare(e, b, c, true, "after map");
	same_tables(e, b);
	check("pt_protect", pt_protect(e, c->va, c->size, PERMS_PROTECT));
	if (walk_protect(b, c))
		die("per-page protect", PT_ENOENT);
	compare(e, b, c, true, "after protect");
	check("pt_unmap", pt_unmap(e, c->va, c->size, NULL, NULL));
	if (walk_unmap(b, c))
		die("per-page unmap", PT_ENOENT);
	compare(e, b, c, false, "after unmap");
	renew(b, b->fmt, &b->mem);
	if (host_ram_free_frames(ram) != free_before) {
		fprintf(stderr, "bench_pt: %s %s: tables leaked\n", e->fmt->name, c->label);
		exit(1);
	}
}

/* ---- the floor -------------------------------------------------------------------------- */

/*
 * ns per entry of a plain C loop writing PAGE_4K_OPS successive level-0 leaves into an array
 * (as many entries as 1 GiB of 4 KiB pages, 2 MiB, like the tables). Nothing else: no tables,
 * no zeroing, and the compiler may combine the stores as it likes.
 */
static double plain_loop(const struct pt_format *f, uint64_t *a)
{
	uint64_t t[PLAIN_SAMPLES];
	uint64_t step = PT_PAGE_SIZE >> f->pte_pa_shift;

	for (size_t s = 0; s < PLAIN_SAMPLES; s++) {
		uint64_t pte = f->make_leaf(f, 4 * GiB + s * PT_PAGE_SIZE, PERMS_MAP, 0);
		uint64_t t0 = now_ns();

		for (uint64_t i = 0; i < PAGE_4K_OPS; i++, pte += step)
			a[i] = pte;
		t[s] = since(t0);
		sink += a[s] + a[PAGE_4K_OPS - 1];
	}
	return (double)median(t, PLAIN_SAMPLES) / (double)PAGE_4K_OPS;
}

/* ---- running and reporting -------------------------------------------------------------- */

static void line_ratio(const char *name, const char *what, double ns, double ratio,
		       const char *suffix)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s %s", name, what);
	if (!suffix)
		printf("%-30s %8.2f ns/entry\n", buf, ns);
	else if (ns >= 0)
		printf("%-30s %8.2f ns/page  %6.2fx %s\n", buf, ns, ratio, suffix);
	else
		printf("%-30s %18s %6.2fx %s\n", buf, "", ratio, suffix);
}

static int missed;        /* targets missed */
static char notes[2048];  /* the targets, printed after the figures */
static size_t notes_len;

static void target(const char *name, const char *what, double got, double limit, bool at_least)
{
	bool ok = at_least ? got >= limit : got <= limit;
	int n;

	n = snprintf(notes + notes_len, sizeof(notes) - notes_len,
		     "target: %s %-14s %6.2fx %s %.1fx %s: %s\n", name, what, got,
		     at_least ? ">=" : "<=", limit, at_least ? "vs per-page walk" : "plain loop",
		     ok ? "met" : "MISSED");
	if (n > 0 && (size_t)n < sizeof(notes) - notes_len)
		notes_len += (size_t)n;
	missed += !ok;
}

static void bench_format(const struct pt_format *f, uint64_t *array)
{
	struct host_ram ram;
	struct pt_mem mem;
	struct pt e, b;
	double plain;

	check("host_ram_init", host_ram_init(&ram, HOST_RAM_DEFAULT_BASE, RAM_SIZE));
	mem = host_ram_pt_mem(&ram);
	check("pt_init", pt_init(&e, f, &mem));
	check("pt_init", pt_init(&b, f, &mem));

	plain = plain_loop(f, array);
	line_ratio(f->name, "plain entry-write loop", plain, 0, NULL);
	for (size_t k = 0; k < NSIZES; k++) {
		const struct size_case *c = &size_cases[k];
		uint64_t n = pages_of(f, c), rounds = PAGE_OPS / n;
		uint64_t te[NOPS][SAMPLES], tb[NOPS][SAMPLES];

		if (!((f->leaf_levels >> c->level) & 1))
			continue;
		verify(&e, &b, c, &ram);
		for (size_t s = 0; s < SAMPLES; s++) {
			uint64_t ae[NOPS] = {0}, ab[NOPS] = {0};

			for (uint64_t r = 0; r < rounds; r++)
				engine_round(&e, c, ae);
			for (uint64_t r = 0; r < rounds; r++) {
				walk_round(&b, c, ab);
				renew(&b, f, &mem);
			}
			for (int op = 0; op < NOPS; op++) {
				te[op][s] = ae[op];
				tb[op][s] = ab[op];
			}
		}
		for (int op = 0; op < NOPS; op++) {
			double me = (double)median(te[op], SAMPLES);
			double mb = (double)median(tb[op], SAMPLES);
			double ns = me / (double)(rounds * n);
			double vs_walk = mb / me;
			char what[48];

			snprintf(what, sizeof(what), "%s %s", op_names[op], c->label);
			line_ratio(f->name, what, ns, vs_walk, "vs per-page walk");
			if (c->level == 0 && (op == OP_MAP || op == OP_UNMAP)) {
				line_ratio(f->name, what, -1, ns / plain, "plain loop");
				target(f->name, what, vs_walk, TARGET_VS_WALK, true);
				target(f->name, what, ns / plain, TARGET_VS_PLAIN, false);
			}
		}
	}
	pt_destroy(&e, NULL, NULL, NULL);
	pt_destroy(&b, NULL, NULL, NULL);
	host_ram_fini(&ram);
}

int main(void)
{
	static const struct pt_format *const formats[] = {&pt_format_sv39, &pt_format_x86_64};
	uint64_t *array = calloc(PAGE_4K_OPS, sizeof(uint64_t));
	uint64_t t0 = now_ns();

	if (!array)
		die("calloc", PT_ENOMEM);
	escape = array;
	calibrate_clock();
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		bench_format(formats[i], array);
	free(array);
	fflush(stdout);
	fputs(notes, stderr);
	fprintf(stderr, "bench_pt: %s; %d sample(s) of %llu page operations per figure, median; "
		"%.1f s\n", missed ? "targets missed" : "all targets met", SAMPLES,
		(unsigned long long)PAGE_OPS, (double)(now_ns() - t0) / 1e9);
	return 0;
}
