/*
 * Benchmark of the software MMU (lib/mmu): translations per second with TLB hits and with TLB
 * misses, against walking the tables every time (no TLB), for Sv39 and x86-64.
 *
 * Each format gets a table in simulated RAM (host/ram.h) mapping 4096 pages of 4 KiB. The
 * cases, all loads in S-mode / CPL0:
 *   tlb-hit   a TLB of 64 entries (4 ways) and a working set of 32 pages: every translation
 *             after the first round hits;
 *   tlb-miss  a direct-mapped TLB of 64 entries and pages 64 apart, so each lookup misses,
 *             walks and refills (the lookup, the walk and the refill);
 *   walk      no TLB: every translation walks (the baseline).
 * And once, as a yardstick for this machine (which may be shared and busy):
 *   hit-floor the least a hit can cost here: a direct-mapped array written in this file, one
 *             tag compare, one permission bit, the same struct mmu_result filled, called
 *             through the same kind of out-of-line call. Not an MMU; the RATIO is against the
 *             Sv39 walk.
 * A round translates a precomputed list of VAs (one per page of the working set, each at a
 * different offset); each figure is the median of SAMPLES samples of OPS translations, less the
 * cost of the same loop without the call. On stdout, one line per case:
 *
 *   CASE  NS ns/translation  RATIO x vs walk
 *
 * with RATIO = walk time / case time. The target (a hit under 5 ns) and whether it was
 * met go to stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ram.h"
#include "vmkit/mmu.h"

#define SAMPLES 15
#define OPS (1u << 22)
#define PAGES 4096u
#define VA_BASE 0x40000000ull
#define PA_BASE 0x100000000ull
#define TARGET_HIT_NS 5.0

static volatile uint64_t sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_mmu: %s\n", what);
	exit(1);
}

/* OPS translations over vas[0..n) round after round; ns per translation. */
static double run(struct mmu *m, const va_t *vas, unsigned n)
{
	struct mmu_result res;
	uint64_t acc = 0;
	unsigned i = 0;
	double t0 = now_ns();

	for (uint32_t k = 0; k < OPS; k++) {
		mmu_translate(m, vas[i], MMU_LOAD, &res);
		acc += res.pa;
		if (++i == n)
			i = 0;
	}
	sink += acc;
	return (now_ns() - t0) / OPS;
}

/* The same loop without the translation: what the loop itself costs. */
static double run_empty(const va_t *vas, unsigned n)
{
	uint64_t acc = 0;
	unsigned i = 0;
	double t0 = now_ns();

	for (uint32_t k = 0; k < OPS; k++) {
		acc += *(volatile const va_t *)&vas[i];
		if (++i == n)
			i = 0;
	}
	sink += acc;
	return (now_ns() - t0) / OPS;
}

struct setup {
	const char *name;
	const struct pt_format *fmt;
	enum mmu_arch arch;
};

static const struct setup setups[] = {
	{"sv39", &pt_format_sv39, MMU_ARCH_RISCV},
	{"x86-64", &pt_format_x86_64, MMU_ARCH_X86},
};

/* ---- the floor ---- */
struct floor_entry {
	uint64_t vpn;
	pa_t pa, pte_pa;
	uint64_t pte;
	unsigned info;
	int level;
};
static struct floor_entry floor_tab[64];
static uint64_t floor_hits;

__attribute__((noinline)) static int floor_translate(va_t va, unsigned access,
						      struct mmu_result *res)
{
	const struct floor_entry *e = &floor_tab[(va >> 12) & 63];

	if (e->vpn != va >> 12 || !((e->info >> access) & 1))
		return -1;
	floor_hits++;
	res->status = MMU_OK;
	res->pa = e->pa | (va & 0xfff);
	res->page_size = 4096;
	res->cause = 0;
	res->tval = 0;
	res->error_code = 0;
	res->cr2_written = false;
	res->tlb_hit = true;
	res->level = e->level;
	res->pte_pa = e->pte_pa;
	res->pte = e->pte;
	return 0;
}

static double run_floor(const va_t *vas, unsigned n)
{
	struct mmu_result res;
	uint64_t acc = 0;
	unsigned i = 0;
	double t0 = now_ns();

	for (uint32_t k = 0; k < OPS; k++) {
		floor_translate(vas[i], MMU_LOAD, &res);
		acc += res.pa;
		if (++i == n)
			i = 0;
	}
	sink += acc;
	return (now_ns() - t0) / OPS;
}

enum kind { K_HIT, K_MISS, K_WALK, NKINDS };
static const char *const kind_names[NKINDS] = {"tlb-hit", "tlb-miss", "walk"};

int main(void)
{
	static va_t vas_hit[32], vas_miss[64];
	static struct mmu_tlb_entry entries[64];
	double hit_ns[2] = {0, 0}, sv39_walk = 0, floor_ns;
	bool met = true;

	for (unsigned s = 0; s < sizeof(setups) / sizeof(setups[0]); s++) {
		const struct setup *su = &setups[s];
		struct host_ram ram;
		struct pt_mem mem;
		struct pt pt;
		struct mmu m;
		struct mmu_tlb tlb;
		double med[NKINDS];

		if (host_ram_init(&ram, HOST_RAM_DEFAULT_BASE, 16ull << 20) != PT_OK)
			die("no memory");
		mem = host_ram_pt_mem(&ram);
		if (pt_init(&pt, su->fmt, &mem) != PT_OK ||
		    pt_map(&pt, VA_BASE, PA_BASE, (uint64_t)PAGES << 12,
			   PT_R | PT_W | PT_A | PT_D, PT_MAP_4K) != PT_OK)
			die("cannot build the table");
		mmu_init(&m, su->arch, MMU_MODEL_SPEC, &mem);
		if (su->arch == MMU_ARCH_X86) {
			m.x86.cr0 = MMU_CR0_WP;
			m.x86.efer = MMU_EFER_NXE;
		}
		if (mmu_set_table(&m, su->fmt, pt.root, 1) != MMU_OK)
			die("cannot turn paging on");
		/* Working sets: 32 pages for hits; 64 pages 64 apart for misses (one set). */
		for (unsigned i = 0; i < 32; i++)
			vas_hit[i] = VA_BASE + ((uint64_t)(i * 37 % PAGES) << 12) + 8 * i;
		for (unsigned i = 0; i < 64; i++)
			vas_miss[i] = VA_BASE + ((uint64_t)(i * 64) << 12) + 8 * i;
		/* Check the answers once. */
		for (unsigned i = 0; i < 32; i++) {
			struct mmu_result res;

			if (mmu_translate(&m, vas_hit[i], MMU_LOAD, &res) != MMU_OK ||
			    res.pa != PA_BASE + (vas_hit[i] - VA_BASE))
				die("wrong translation");
		}

		for (int k = 0; k < NKINDS; k++) {
			double t[SAMPLES];
			const va_t *vas = k == K_HIT ? vas_hit : vas_miss;
			unsigned n = k == K_HIT ? 32 : 64;

			m.tlb = NULL;
			if (k == K_HIT && mmu_tlb_init(&tlb, entries, 64, 4) != PT_OK)
				die("tlb");
			if (k == K_MISS && mmu_tlb_init(&tlb, entries, 64, 1) != PT_OK)
				die("tlb");
			if (k != K_WALK)
				m.tlb = &tlb;
			run(&m, vas, n); /* warm up */
			for (int i = 0; i < SAMPLES; i++)
				t[i] = run(&m, vas, n) - run_empty(vas, n);
			qsort(t, SAMPLES, sizeof(t[0]), cmp_double);
			med[k] = t[SAMPLES / 2];
			if (k == K_HIT && m.stats.tlb_misses > 32)
				die("the hit case missed");
			if (k == K_MISS && m.stats.tlb_hits > 0)
				die("the miss case hit");
			m.stats = (struct mmu_stats){0};
		}
		for (int k = 0; k < NKINDS; k++) {
			char label[64];

			snprintf(label, sizeof(label), "%s %s", su->name, kind_names[k]);
			printf("%-20s %8.2f ns/translation %7.2fx vs walk\n", label, med[k],
			       med[K_WALK] / med[k]);
		}
		hit_ns[s] = med[K_HIT];
		if (s == 0)
			sv39_walk = med[K_WALK];
		if (med[K_HIT] >= TARGET_HIT_NS)
			met = false;
		pt_destroy(&pt, NULL, NULL, NULL);
		host_ram_fini(&ram);
	}
	{
		double t[SAMPLES];

		for (unsigned i = 0; i < 64; i++)
			floor_tab[i] = (struct floor_entry){(VA_BASE >> 12) + i, PA_BASE + i * 4096ull,
							    0x80000000ull + 8 * i, 0xcf, 7, 0};
		run_floor(vas_hit, 32);
		for (int i = 0; i < SAMPLES; i++)
			t[i] = run_floor(vas_hit, 32) - run_empty(vas_hit, 32);
		qsort(t, SAMPLES, sizeof(t[0]), cmp_double);
		floor_ns = t[SAMPLES / 2];
		if (floor_hits < OPS)
			die("the floor missed");
		printf("%-20s %8.2f ns/translation %7.2fx vs walk\n", "hit-floor", floor_ns,
		       sv39_walk / floor_ns);
	}
	fprintf(stderr,
		"bench_mmu: %d samples of %u translations per figure, median, loop cost removed\n"
		"target: a TLB hit under %.0f ns: sv39 %.2f ns, x86-64 %.2f ns: %s "
		"(hit-floor on this machine now: %.2f ns)\n",
		SAMPLES, OPS, TARGET_HIT_NS, hit_ns[0], hit_ns[1], met ? "met" : "NOT met", floor_ns);
	return 0;
}
