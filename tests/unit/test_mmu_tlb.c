/*
 * The software MMU's TLB (lib/mmu/tlb.c and the hit path of lib/mmu/mmu.c): hits never touch
 * memory, the exact invalidation semantics of sfence.vma (all four rs1/rs2 forms), INVLPG, CR3
 * loads (globals kept, PCIDs), CR4.PGE toggles, ASID separation, superpage and NAPOT entries,
 * stale entries, and re-walks when a cached entry lacks a permission or the D bit.
 *
 * Memory reads are counted through a pt_mem that counts every call made through it
 * (tl_count_mem): a hit must make none. Expected values follow mmu-rules.md sections 1.11 and
 * 2.7 and the QEMU 7.2 notes (Q7, Q13 in mmu.h).
 */
#include "support/testlib.h"

#include "vmkit/mmu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16ull << 20)
#define PAGE 4096ull
#define MiB (1ull << 20)

#define P_R (PT_R | PT_A | PT_D)
#define P_RW (PT_R | PT_W | PT_A | PT_D)
#define P_RWX (PT_R | PT_W | PT_X | PT_A | PT_D)

#define VA1 0x40001000ull
#define VA2 0x40002000ull
#define VA3 0x40003000ull
#define PA1 0x10001000ull
#define PA2 0x10002000ull
#define PA3 0x10003000ull
#define PA9 0x10009000ull

/* ---- environment --------------------------------------------------------------------------- */

static struct env {
	struct host_ram ram;
	bool live;
	struct tl_count_mem count;
	struct pt_mem mem; /* counting */
	struct mmu m;
	struct mmu_tlb tlb;
	struct mmu_tlb_entry e[64];
} g;

static int env_teardown(void **state)
{
	(void)state;
	if (g.live)
		host_ram_fini(&g.ram);
	g.live = false;
	return 0;
}

/* Fresh RAM, an mmu of arch/model, a TLB of `entries` entries in `ways` ways. */
static void env_init(enum mmu_arch arch, enum mmu_model model, uint32_t entries, uint32_t ways)
{
	struct pt_mem inner;

	env_teardown(NULL);
	TL_OK(host_ram_init(&g.ram, RAM_BASE, RAM_SIZE));
	g.live = true;
	inner = host_ram_pt_mem(&g.ram);
	g.mem = tl_count_mem(&g.count, &inner);
	mmu_init(&g.m, arch, model, &g.mem);
	TL_OK(mmu_tlb_init(&g.tlb, g.e, entries, ways));
	g.m.tlb = &g.tlb;
	if (arch == MMU_ARCH_X86) {
		g.m.x86.cr0 = MMU_CR0_WP;
		g.m.x86.efer = MMU_EFER_NXE;
	}
}

static struct pt new_table(const struct pt_format *f)
{
	struct pt pt;

	TL_OK(pt_init(&pt, f, &g.mem));
	return pt;
}

static void map(struct pt *pt, va_t va, pa_t pa, uint64_t size, unsigned perms)
{
	TL_OK(pt_map(pt, va, pa, size, perms, size == PAGE ? PT_MAP_4K : 0));
}

static struct mmu_result tr(va_t va, unsigned access)
{
	struct mmu_result res;

	mmu_translate(&g.m, va, access, &res);
	return res;
}

/* Translate and expect success at pa; return whether it was a hit. */
static bool expect_pa(va_t va, unsigned access, pa_t pa)
{
	struct mmu_result res = tr(va, access);

	TL_EQ(res.status, MMU_OK);
	TL_EQ(res.pa, pa);
	return res.tlb_hit;
}

/* Whether the TLB holds an entry for va's page with this ASID/PCID (global or not). */
static bool has(va_t va, uint32_t asid)
{
	for (uint32_t i = 0; i < g.tlb.sets * g.tlb.ways; i++) {
		const struct mmu_tlb_entry *e = &g.e[i];

		if (e->shift && (va >> e->shift) == e->vpn && e->asid == asid)
			return true;
	}
	return false;
}

static uint32_t valid_entries(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < g.tlb.sets * g.tlb.ways; i++)
		n += g.e[i].shift != 0;
	TL_EQ(n, g.tlb.valid);
	return n;
}

static uint64_t mem_calls(void)
{
	return g.count.ptr_calls + g.count.contains_calls;
}

/* The entry of the leaf mapping va (level 0), through pt_walk. */
static void *leaf_entry(struct pt *pt, va_t va)
{
	struct pt_slot slot;

	TL_OK(pt_walk(pt, va, 0, &slot));
	return slot.entry;
}

static bool is_riscv(const struct pt_format *f)
{
	return f->arch[0] == 'r';
}

/* ---- hits do not walk ---------------------------------------------------------------------- */

static void test_hit_reads_no_memory(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		const struct pt_format *f = pt_formats[i];
		struct pt pt;
		uint64_t calls;
		struct mmu_result res;

		tl_where("%s", f->name);
		env_init(is_riscv(f) ? MMU_ARCH_RISCV : MMU_ARCH_X86, MMU_MODEL_SPEC, 16, 4);
		if (is_riscv(f) && f->pte_size == 4)
			g.m.rv.xlen = 32;
		pt = new_table(f);
		map(&pt, VA1, PA1, PAGE, P_RWX);
		TL_EQ(mmu_set_table(&g.m, f, pt.root, 0), MMU_OK);
		g.m.stats = (struct mmu_stats){0};
		tl_count_reset(&g.count);

		res = tr(VA1 + 0x10, MMU_LOAD);
		TL_EQ(res.status, MMU_OK);
		TL_FALSE(res.tlb_hit);
		TL_EQ(g.m.stats.walks, 1);
		/* PAE spec model: the PDPTE comes from its register, not memory. */
		TL_EQ(g.m.stats.pte_reads,
		      f == &pt_format_x86_pae ? f->levels - 1u : (unsigned)f->levels);
		TL_TRUE(mem_calls() > 0);

		calls = mem_calls();
		for (unsigned k = 0; k < 3; k++) {
			res = tr(VA1 + 0x20 + k, k == 2 ? MMU_FETCH : MMU_LOAD);
			TL_EQ(res.status, MMU_OK);
			TL_TRUE(res.tlb_hit);
			TL_EQ(res.pa, PA1 + 0x20 + k);
			TL_EQ(res.page_size, PAGE);
		}
		res = tr(VA1, MMU_STORE); /* A and D already set: a hit too */
		TL_TRUE(res.tlb_hit);
		TL_EQ(mem_calls(), calls);
		TL_EQ(g.m.stats.walks, 1);
		TL_EQ(g.m.stats.tlb_hits, 4);
		TL_EQ(g.m.stats.tlb_misses, 1);
		TL_EQ(g.m.stats.translations, 5);
	}
	tl_where("");
}

/* Without a TLB (or with MMU_NO_TLB) every translation walks. */
static void test_no_tlb_walks_every_time(void **state)
{
	struct pt pt;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	for (int i = 0; i < 3; i++)
		TL_FALSE(expect_pa(VA1, MMU_LOAD | MMU_NO_TLB, PA1));
	TL_EQ(g.m.stats.walks, 3);
	TL_EQ(g.m.stats.tlb_hits, 0);
	TL_EQ(valid_entries(), 0);
	g.m.tlb = NULL;
	TL_FALSE(expect_pa(VA1, MMU_LOAD, PA1));
	TL_FALSE(expect_pa(VA1, MMU_LOAD, PA1));
	TL_EQ(g.m.stats.walks, 5);
	TL_EQ(g.m.stats.pte_reads, 15);
}

/* ---- sfence.vma ---------------------------------------------------------------------------- */

/*
 * Two Sv39 address spaces: ASID 1 (table t1) and ASID 2 (t2). Both map VA1 and VA3 privately
 * (different PAs) and VA2 as a global page. The TLB ends up with (VA1,1) (VA3,1) (VA2,global,
 * filled under ASID 1) (VA1,2) (VA3,2).
 */
static void sfence_setup(enum mmu_model model, struct pt *t1, struct pt *t2)
{
	env_init(MMU_ARCH_RISCV, model, 64, 4);
	*t1 = new_table(&pt_format_sv39);
	*t2 = new_table(&pt_format_sv39);
	map(t1, VA1, PA1, PAGE, P_RW);
	map(t1, VA2, PA2, PAGE, P_RW | PT_G);
	map(t1, VA3, PA3, PAGE, P_RW);
	map(t2, VA1, PA9, PAGE, P_RW);
	map(t2, VA2, PA2, PAGE, P_RW | PT_G);
	map(t2, VA3, PA9 + PAGE, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t1->root, 1), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	expect_pa(VA2, MMU_LOAD, PA2);
	expect_pa(VA3, MMU_LOAD, PA3);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t2->root, 2), MMU_OK);
	if (model == MMU_MODEL_SPEC) {
		/* A satp write flushes nothing: the global entry answers for ASID 2 too. */
		TL_TRUE(expect_pa(VA2, MMU_LOAD, PA2));
	}
	expect_pa(VA1, MMU_LOAD, PA9);
	expect_pa(VA3, MMU_LOAD, PA9 + PAGE);
	if (model == MMU_MODEL_SPEC) {
		TL_EQ(valid_entries(), 5);
		TL_TRUE(has(VA1, 1) && has(VA3, 1) && has(VA2, 1) && has(VA1, 2) && has(VA3, 2));
	}
}

static void test_sfence_x0_x0(void **state)
{
	struct pt t1, t2;

	(void)state;
	sfence_setup(MMU_MODEL_SPEC, &t1, &t2);
	mmu_riscv_sfence_vma(&g.m, true, 0, true, 0);
	TL_EQ(valid_entries(), 0);
}

static void test_sfence_x0_asid(void **state)
{
	struct pt t1, t2;

	(void)state;
	sfence_setup(MMU_MODEL_SPEC, &t1, &t2);
	mmu_riscv_sfence_vma(&g.m, true, 0, false, 1);
	/* ASID 1's non-global entries go; the global one stays, as does ASID 2. */
	TL_FALSE(has(VA1, 1));
	TL_FALSE(has(VA3, 1));
	TL_TRUE(has(VA2, 1));
	TL_TRUE(has(VA1, 2) && has(VA3, 2));
	TL_EQ(valid_entries(), 3);
	/* rs2 is a register (not x0) that holds 0: ASID 0, which has no entries; globals stay. */
	mmu_riscv_sfence_vma(&g.m, true, 0, false, 0);
	TL_EQ(valid_entries(), 3);
	/* ASID bits above ASIDMAX (16 on RV64) do not exist. */
	mmu_riscv_sfence_vma(&g.m, true, 0, false, 2 | (1ull << 16) | (1ull << 40));
	TL_EQ(valid_entries(), 1);
	TL_TRUE(has(VA2, 1));
}

static void test_sfence_va_x0(void **state)
{
	struct pt t1, t2;

	(void)state;
	sfence_setup(MMU_MODEL_SPEC, &t1, &t2);
	/* Every address space's entry for the page of rs1 (any offset in it). */
	mmu_riscv_sfence_vma(&g.m, false, VA1 + 0x321, true, 0);
	TL_FALSE(has(VA1, 1));
	TL_FALSE(has(VA1, 2));
	TL_EQ(valid_entries(), 3);
	/* ... global entries included. */
	mmu_riscv_sfence_vma(&g.m, false, VA2, true, 0);
	TL_FALSE(has(VA2, 1));
	TL_EQ(valid_entries(), 2);
	/* A non-canonical rs1 does nothing (no exception either). */
	mmu_riscv_sfence_vma(&g.m, false, 0x8000000040003000ull, true, 0);
	TL_EQ(valid_entries(), 2);
}

static void test_sfence_va_asid(void **state)
{
	struct pt t1, t2;

	(void)state;
	sfence_setup(MMU_MODEL_SPEC, &t1, &t2);
	mmu_riscv_sfence_vma(&g.m, false, VA1, false, 1);
	TL_FALSE(has(VA1, 1));
	TL_TRUE(has(VA1, 2));
	TL_EQ(valid_entries(), 4);
	/* Not global entries. */
	mmu_riscv_sfence_vma(&g.m, false, VA2, false, 1);
	TL_TRUE(has(VA2, 1));
	TL_EQ(valid_entries(), 4);
	mmu_riscv_sfence_vma(&g.m, false, VA3, false, 2);
	TL_FALSE(has(VA3, 2));
	TL_TRUE(has(VA3, 1));
	TL_EQ(valid_entries(), 3);
}

/* QEMU 7.2 flushes everything in every form (Q7). */
static void test_sfence_qemu_flushes_all(void **state)
{
	static const struct {
		bool rs1_x0, rs2_x0;
		uint64_t rs1, rs2;
	} forms[] = {{true, true, 0, 0}, {true, false, 0, 7}, {false, true, VA1, 0},
		     {false, false, VA3, 2}};
	struct pt t1, t2;

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		tl_where("form %u", i);
		sfence_setup(MMU_MODEL_QEMU72, &t1, &t2);
		TL_TRUE(valid_entries() > 0);
		mmu_riscv_sfence_vma(&g.m, forms[i].rs1_x0, forms[i].rs1, forms[i].rs2_x0,
				     forms[i].rs2);
		TL_EQ(valid_entries(), 0);
	}
	tl_where("");
}

/* sfence.vma with rs1 anywhere inside a superpage drops the superpage's entry. */
static void test_sfence_superpage(void **state)
{
	struct pt pt;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_sv39);
	map(&pt, 0x40200000ull, 0x10200000ull, 2 * MiB, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 3), MMU_OK);
	expect_pa(0x40200000ull, MMU_LOAD, 0x10200000ull);
	TL_EQ(valid_entries(), 1);
	mmu_riscv_sfence_vma(&g.m, false, 0x40200000ull + 0x1ff123, false, 3);
	TL_EQ(valid_entries(), 0);
}

/* A G bit on a pointer makes the leaves below it global (they survive an ASID flush). */
static void test_global_from_pointer(void **state)
{
	struct pt pt;
	struct pt_slot slot;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, PAGE, P_RW);
	TL_OK(pt_walk(&pt, VA1, 0, &slot));
	/* The root entry (level 2) on VA1's path: set its G bit. */
	{
		uint64_t *root = host_ram_ptr(&g.ram, pt.root, PAGE);
		unsigned idx = (unsigned)(VA1 >> 30) & 511;

		root[idx] |= 0x20;
	}
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 4), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	mmu_riscv_sfence_vma(&g.m, true, 0, false, 4);
	TL_EQ(valid_entries(), 1);
	mmu_riscv_sfence_vma(&g.m, false, VA1, true, 0);
	TL_EQ(valid_entries(), 0);
}

/* Sv32: ASIDMAX is 9 bits; an sfence's rs2 is cut to them. */
static void test_sv32_asid_bits(void **state)
{
	struct pt pt;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	g.m.rv.xlen = 32;
	pt = new_table(&pt_format_sv32);
	map(&pt, VA1, PA1, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv32, pt.root, 0x1ff), MMU_OK);
	TL_EQ(g.m.asid, 0x1ff);
	TL_EQ(g.m.rv.satp, (1ull << 31) | (0x1ffull << 22) | (pt.root >> 12));
	expect_pa(VA1, MMU_LOAD, PA1);
	mmu_riscv_sfence_vma(&g.m, true, 0, false, 0x3ff); /* bit 9 does not exist */
	TL_EQ(valid_entries(), 0);
}

/* ---- ASIDs and satp ------------------------------------------------------------------------- */

static void test_asid_separation(void **state)
{
	struct pt t1, t2;
	uint64_t walks;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	t1 = new_table(&pt_format_sv48);
	t2 = new_table(&pt_format_sv48);
	map(&t1, VA1, PA1, PAGE, P_RW);
	map(&t2, VA1, PA2, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv48, t1.root, 10), MMU_OK);
	TL_FALSE(expect_pa(VA1, MMU_LOAD, PA1));
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv48, t2.root, 20), MMU_OK);
	TL_FALSE(expect_pa(VA1, MMU_LOAD, PA2));
	walks = g.m.stats.walks;
	/* Back and forth: each ASID's own entry answers, nothing walks. */
	for (int i = 0; i < 3; i++) {
		TL_EQ(mmu_set_table(&g.m, &pt_format_sv48, t1.root, 10), MMU_OK);
		TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
		TL_EQ(mmu_set_table(&g.m, &pt_format_sv48, t2.root, 20), MMU_OK);
		TL_TRUE(expect_pa(VA1, MMU_STORE, PA2));
	}
	TL_EQ(g.m.stats.walks, walks);
	/* A third ASID sees neither. */
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv48, t1.root, 30), MMU_OK);
	TL_FALSE(mmu_tlb_probe(&g.m, VA1, NULL));
}

/* QEMU 7.2: a satp write that changes anything flushes everything (Q7); the same value does
 * not. An mstatus write changing SUM/MXR/MPRV/MPP flushes too. */
static void test_satp_qemu_flush(void **state)
{
	struct pt t1;
	struct mmu_tlb_entry e;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_QEMU72, 16, 4);
	t1 = new_table(&pt_format_sv39);
	map(&t1, VA1, PA1, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t1.root, 1), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	TL_TRUE(mmu_riscv_write_satp(&g.m, g.m.rv.satp));
	TL_TRUE(mmu_tlb_probe(&g.m, VA1, &e));
	TL_EQ(e.pa, PA1);
	TL_EQ(e.asid, 1);
	TL_EQ(e.shift, 12);
	TL_TRUE(mmu_riscv_write_satp(&g.m, g.m.rv.satp + 1)); /* another PPN */
	TL_EQ(valid_entries(), 0);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t1.root, 1), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	mmu_riscv_write_mstatus(&g.m, 0);
	TL_EQ(valid_entries(), 1);
	mmu_riscv_write_mstatus(&g.m, MMU_MSTATUS_MXR);
	TL_EQ(valid_entries(), 0);
	/* The spec model flushes on neither. */
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	t1 = new_table(&pt_format_sv39);
	map(&t1, VA1, PA1, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t1.root, 1), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	TL_TRUE(mmu_riscv_write_satp(&g.m, g.m.rv.satp + 1));
	mmu_riscv_write_mstatus(&g.m, MMU_MSTATUS_SUM | MMU_MSTATUS_MXR);
	TL_EQ(valid_entries(), 1);
}

/* ---- x86: INVLPG, CR3, PCID, CR4 ------------------------------------------------------------ */

static struct pt x86_setup(enum mmu_model model, bool pge)
{
	struct pt pt;

	env_init(MMU_ARCH_X86, model, 64, 4);
	g.m.x86.cr4 = pge ? MMU_CR4_PGE : 0;
	pt = new_table(&pt_format_x86_64);
	map(&pt, VA1, PA1, PAGE, P_RW);
	map(&pt, VA2, PA2, PAGE, P_RW | PT_G);
	map(&pt, 0x40200000ull, 0x10200000ull, 2 * MiB, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_x86_64, pt.root, 0), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	expect_pa(VA2, MMU_LOAD, PA2);
	expect_pa(0x40300000ull, MMU_LOAD, 0x10300000ull);
	TL_EQ(valid_entries(), 3);
	return pt;
}

static void test_invlpg(void **state)
{
	(void)state;
	for (int model = 0; model < 2; model++) {
		tl_where("%s", mmu_model_name((enum mmu_model)model));
		x86_setup((enum mmu_model)model, true);
		/* Any address in the 2 MiB page drops its entry. */
		mmu_x86_invlpg(&g.m, 0x40200000ull + 0x1fffff);
		TL_FALSE(has(0x40200000ull, 0));
		TL_EQ(valid_entries(), 2);
		/* Global entries included. */
		mmu_x86_invlpg(&g.m, VA2 + 8);
		TL_FALSE(has(VA2, 0));
		TL_EQ(valid_entries(), 1);
		/* A non-canonical address does nothing; an unmapped one drops nothing else. */
		mmu_x86_invlpg(&g.m, 0x0000800000001000ull | VA1);
		mmu_x86_invlpg(&g.m, 0x7000000ull);
		TL_TRUE(has(VA1, 0));
		TL_EQ(valid_entries(), 1);
	}
	tl_where("");
}

static void test_cr3_reload_keeps_globals(void **state)
{
	(void)state;
	x86_setup(MMU_MODEL_SPEC, true);
	TL_EQ(mmu_x86_write_cr3(&g.m, g.m.x86.cr3), MMU_OK);
	TL_EQ(valid_entries(), 1);
	TL_TRUE(has(VA2, 0));
	TL_TRUE(expect_pa(VA2, MMU_LOAD, PA2));
	TL_FALSE(expect_pa(VA1, MMU_LOAD, PA1));
	/* G without CR4.PGE counts for nothing. */
	x86_setup(MMU_MODEL_SPEC, false);
	TL_EQ(mmu_x86_write_cr3(&g.m, g.m.x86.cr3), MMU_OK);
	TL_EQ(valid_entries(), 0);
	/* QEMU flushes globals too (Q13). */
	x86_setup(MMU_MODEL_QEMU72, true);
	TL_EQ(mmu_x86_write_cr3(&g.m, g.m.x86.cr3), MMU_OK);
	TL_EQ(valid_entries(), 0);
}

static void test_pge_toggle(void **state)
{
	(void)state;
	for (int model = 0; model < 2; model++) {
		tl_where("%s", mmu_model_name((enum mmu_model)model));
		x86_setup((enum mmu_model)model, true);
		TL_EQ(mmu_x86_write_cr4(&g.m, g.m.x86.cr4 & ~MMU_CR4_PGE), MMU_OK);
		TL_EQ(valid_entries(), 0);
		expect_pa(VA2, MMU_LOAD, PA2);
		TL_EQ(mmu_x86_write_cr4(&g.m, g.m.x86.cr4 | MMU_CR4_PGE), MMU_OK);
		TL_EQ(valid_entries(), 0);
	}
	/* Other CR4 bits: the spec model flushes the PCID on SMEP 0->1 only; QEMU on SMAP too. */
	x86_setup(MMU_MODEL_SPEC, true);
	TL_EQ(mmu_x86_write_cr4(&g.m, g.m.x86.cr4 | MMU_CR4_SMAP), MMU_OK);
	TL_EQ(valid_entries(), 3);
	TL_EQ(mmu_x86_write_cr4(&g.m, g.m.x86.cr4 | MMU_CR4_SMEP), MMU_OK);
	TL_EQ(valid_entries(), 0);
	x86_setup(MMU_MODEL_QEMU72, true);
	TL_EQ(mmu_x86_write_cr4(&g.m, g.m.x86.cr4 | MMU_CR4_SMAP), MMU_OK);
	TL_EQ(valid_entries(), 0);
	/* CR0: the spec model flushes when paging goes off; QEMU on a WP change too. */
	x86_setup(MMU_MODEL_SPEC, true);
	TL_EQ(mmu_x86_write_cr0(&g.m, g.m.x86.cr0 & ~MMU_CR0_WP), MMU_OK);
	TL_EQ(valid_entries(), 3);
	TL_EQ(mmu_x86_write_cr0(&g.m, g.m.x86.cr0 & ~MMU_CR0_PG), MMU_OK);
	TL_EQ(valid_entries(), 0);
	TL_TRUE(g.m.fmt == NULL);
	x86_setup(MMU_MODEL_QEMU72, true);
	TL_EQ(mmu_x86_write_cr0(&g.m, g.m.x86.cr0 & ~MMU_CR0_WP), MMU_OK);
	TL_EQ(valid_entries(), 0);
	tl_where("");
}

static void test_pcid(void **state)
{
	struct pt pt;
	uint64_t base;

	(void)state;
	env_init(MMU_ARCH_X86, MMU_MODEL_SPEC, 64, 4);
	g.m.x86.cr4 = MMU_CR4_PGE | MMU_CR4_PCIDE;
	pt = new_table(&pt_format_x86_64);
	map(&pt, VA1, PA1, PAGE, P_RW);
	map(&pt, VA2, PA2, PAGE, P_RW | PT_G);
	TL_EQ(mmu_set_table(&g.m, &pt_format_x86_64, pt.root, 1), MMU_OK);
	TL_EQ(g.m.asid, 1);
	base = pt.root;
	expect_pa(VA1, MMU_LOAD, PA1);
	expect_pa(VA2, MMU_LOAD, PA2);
	/* PCID 2 with "no flush": PCID 1's entries stay, the global one serves PCID 2. */
	TL_EQ(mmu_x86_write_cr3(&g.m, base | 2 | MMU_CR3_NOFLUSH), MMU_OK);
	TL_EQ(g.m.x86.cr3, base | 2); /* bit 63 is not stored */
	TL_EQ(g.m.asid, 2);
	TL_TRUE(has(VA1, 1));
	TL_TRUE(expect_pa(VA2, MMU_LOAD, PA2));
	TL_FALSE(expect_pa(VA1, MMU_LOAD, PA1));
	TL_TRUE(has(VA1, 2));
	/* Back to PCID 1 without flushing: its entry answers. */
	TL_EQ(mmu_x86_write_cr3(&g.m, base | 1 | MMU_CR3_NOFLUSH), MMU_OK);
	TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
	/* PCID 1 again, flushing: PCID 1's non-global entries go, PCID 2's and globals stay. */
	TL_EQ(mmu_x86_write_cr3(&g.m, base | 1), MMU_OK);
	TL_FALSE(has(VA1, 1));
	TL_TRUE(has(VA1, 2));
	TL_TRUE(has(VA2, 1));
	/* INVLPG works on the current PCID (and globals). */
	mmu_x86_invlpg(&g.m, VA1);
	TL_TRUE(has(VA1, 2));
	/* Clearing PCIDE flushes everything. */
	TL_EQ(mmu_x86_write_cr4(&g.m, g.m.x86.cr4 & ~MMU_CR4_PCIDE), MMU_OK);
	TL_EQ(valid_entries(), 0);
	TL_EQ(g.m.asid, 0);
}

/* Spec model: a CR3 beyond MAXPHYADDR is #GP in IA-32e mode and changes nothing. */
static void test_cr3_reserved(void **state)
{
	uint64_t cr3;

	(void)state;
	x86_setup(MMU_MODEL_SPEC, true);
	cr3 = g.m.x86.cr3;
	TL_EQ(mmu_x86_write_cr3(&g.m, cr3 | (1ull << 40)), MMU_GP_FAULT);
	TL_EQ(g.m.x86.cr3, cr3);
	TL_EQ(valid_entries(), 3);
}

/* Spec model: PAE walks use the PDPTE registers loaded at the CR3 write, not memory. QEMU reads
 * memory every time (Q9). */
static void test_pae_pdpte_registers(void **state)
{
	for (int model = 0; model < 2; model++) {
		struct pt pt;
		uint64_t *pdpt;
		struct mmu_result res;

		(void)state;
		tl_where("%s", mmu_model_name((enum mmu_model)model));
		env_init(MMU_ARCH_X86, (enum mmu_model)model, 16, 4);
		pt = new_table(&pt_format_x86_pae);
		map(&pt, VA1, PA1, PAGE, P_RW);
		TL_EQ(mmu_set_table(&g.m, &pt_format_x86_pae, pt.root, 0), MMU_OK);
		pdpt = host_ram_ptr(&g.ram, pt.root, 32);
		TL_EQ(g.m.x86.pdpte[1], model == MMU_MODEL_SPEC ? pdpt[1] : 0);
		pdpt[1] &= ~1ull; /* VA1 is in the second GiB: its PDPTE is now not present */
		res = tr(VA1, MMU_NO_TLB);
		if (model == MMU_MODEL_SPEC) {
			TL_EQ(res.status, MMU_OK);
			TL_EQ(g.m.stats.pte_reads, 4 + 2); /* the load at CR3, then PD and PT */
			TL_EQ(mmu_x86_write_cr3(&g.m, g.m.x86.cr3), MMU_OK);
		}
		res = tr(VA1, MMU_NO_TLB);
		TL_EQ(res.status, MMU_PAGE_FAULT);
		TL_EQ(res.error_code, 0);
		TL_EQ(res.level, 2);
		/* A reserved bit in a present PDPTE: the spec model refuses the load. */
		pdpt[1] |= 1ull | (1ull << 2);
		TL_EQ(mmu_x86_write_cr3(&g.m, g.m.x86.cr3),
		      model == MMU_MODEL_SPEC ? MMU_GP_FAULT : MMU_OK);
	}
	tl_where("");
}

/* ---- superpages, NAPOT --------------------------------------------------------------------- */

static void test_superpage_entry(void **state)
{
	struct pt pt;

	(void)state;
	env_init(MMU_ARCH_X86, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_x86_64);
	map(&pt, 0x40000000ull, 0x80000000ull, 1ull << 30, P_RW);  /* 1 GiB */
	map(&pt, 0x80200000ull, 0x100200000ull, 2 * MiB, P_RW);   /* 2 MiB */
	map(&pt, 0x80400000ull, 0x100400000ull, PAGE, P_RW);      /* 4 KiB */
	TL_EQ(mmu_set_table(&g.m, &pt_format_x86_64, pt.root, 0), MMU_OK);
	for (uint64_t off = 0; off < (1ull << 30); off += 0x1234567)
		expect_pa(0x40000000ull + off, MMU_LOAD, 0x80000000ull + off);
	for (uint64_t off = 0; off < 2 * MiB; off += 0x1000)
		expect_pa(0x80200000ull + off, MMU_STORE, 0x100200000ull + off);
	expect_pa(0x80400123ull, MMU_LOAD, 0x100400123ull);
	TL_EQ(g.m.stats.walks, 3);
	TL_EQ(valid_entries(), 3);
	TL_TRUE(g.tlb.shifts == ((1ull << 12) | (1ull << 21) | (1ull << 30)));
	{
		struct mmu_tlb_entry e;

		TL_TRUE(mmu_tlb_probe(&g.m, 0x7fffffffull, &e));
		TL_EQ(e.shift, 30);
		TL_EQ(e.level, 2);
		TL_EQ(e.pa, 0x80000000ull);
	}
}

static void test_napot_entry(void **state)
{
	struct pt pt;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	g.m.rv.svnapot = true;
	pt = new_table(&pt_format_sv39);
	map(&pt, 0x40010000ull, 0x10010000ull, 0x10000, P_RW);
	for (unsigned i = 0; i < 16; i++) {
		uint64_t *e = leaf_entry(&pt, 0x40010000ull + i * PAGE);

		*e = (*e & ~(0xfull << 10)) | (8ull << 10) | (1ull << 63);
	}
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	for (unsigned i = 0; i < 16; i++)
		expect_pa(0x40010000ull + i * PAGE + 0x10, MMU_LOAD, 0x10010000ull + i * PAGE + 0x10);
	TL_EQ(g.m.stats.walks, 1);
	TL_EQ(valid_entries(), 1);
	TL_EQ(tr(0x40012000ull, MMU_LOAD).page_size, 0x10000);
}

/* ---- stale entries and re-walks ------------------------------------------------------------ */

static void test_stale_entry(void **state)
{
	struct pt pt;
	uint64_t *e;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	/* Change the PTE without a fence: the old translation is still used (allowed). */
	TL_OK(pt_remap(&pt, VA1, PA2, P_RW));
	TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
	/* Even an invalidated PTE. */
	e = leaf_entry(&pt, VA1);
	*e &= ~1ull;
	TL_TRUE(expect_pa(VA1, MMU_STORE, PA1));
	mmu_riscv_sfence_vma(&g.m, false, VA1, true, 0);
	TL_EQ(tr(VA1, MMU_LOAD).status, MMU_PAGE_FAULT);
	/* Faults are not cached: a new mapping is seen without a fence. */
	*e |= 1ull;
	TL_FALSE(expect_pa(VA1, MMU_LOAD, PA2));
}

/* A hit for a read must not allow a write the walk would refuse: the write walks again. */
static void test_permission_rewalk(void **state)
{
	struct pt pt;
	struct mmu_result res;
	uint64_t reads;

	(void)state;
	for (int model = 0; model < 2; model++) {
		tl_where("%s", mmu_model_name((enum mmu_model)model));
		env_init(MMU_ARCH_RISCV, (enum mmu_model)model, 16, 4);
		pt = new_table(&pt_format_sv39);
		map(&pt, VA1, PA1, PAGE, P_R);
		TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
		expect_pa(VA1, MMU_LOAD, PA1);
		reads = g.m.stats.pte_reads;
		res = tr(VA1, MMU_STORE);
		TL_EQ(res.status, MMU_PAGE_FAULT);
		TL_EQ(res.cause, 15);
		TL_FALSE(res.tlb_hit);
		TL_EQ(g.m.stats.pte_reads, reads + 3);
		TL_EQ(valid_entries(), 0); /* the entry that could not answer is gone */
		/* Made writable without a fence: the store walks and sees it. */
		expect_pa(VA1, MMU_LOAD, PA1);
		TL_OK(pt_protect(&pt, VA1, PAGE, P_RW));
		TL_FALSE(expect_pa(VA1, MMU_STORE, PA1));
		TL_TRUE(expect_pa(VA1, MMU_STORE, PA1));
		/* Fetch: not executable, walked again, faults. */
		TL_EQ(tr(VA1, MMU_FETCH).status, MMU_PAGE_FAULT);
	}
	tl_where("");
}

/* SUM and MXR apply at once to cached entries: no fence needed. */
static void test_state_changes_apply_to_hits(void **state)
{
	struct pt pt;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, PAGE, P_RW | PT_U);
	map(&pt, VA2, PA2, PAGE, PT_X | PT_A | PT_D);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	g.m.rv.mstatus = MMU_MSTATUS_SUM | MMU_MSTATUS_MXR;
	expect_pa(VA1, MMU_LOAD, PA1);
	expect_pa(VA2, MMU_LOAD, PA2);
	TL_EQ(valid_entries(), 2);
	g.m.rv.mstatus = 0;
	TL_EQ(tr(VA1, MMU_LOAD).status, MMU_PAGE_FAULT);
	TL_EQ(tr(VA2, MMU_LOAD).status, MMU_PAGE_FAULT);
	/* The entry that refused the load was dropped (as a #PF drops the address's entries):
	 * the fetch walks, then hits. */
	TL_FALSE(expect_pa(VA2, MMU_FETCH, PA2));
	TL_TRUE(expect_pa(VA2, MMU_FETCH, PA2));
	/* U-mode: the S page cached above is refused at once. */
	g.m.rv.priv = MMU_PRIV_U;
	TL_EQ(tr(VA2, MMU_FETCH).status, MMU_PAGE_FAULT);
	/* x86: a cached entry with XD is walked again once NXE is cleared (XD is then reserved). */
	env_init(MMU_ARCH_X86, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_x86_64);
	map(&pt, VA1, PA1, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_x86_64, pt.root, 0), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
	g.m.x86.efer &= ~MMU_EFER_NXE;
	{
		struct mmu_result res = tr(VA1, MMU_LOAD);

		TL_EQ(res.status, MMU_PAGE_FAULT);
		TL_EQ(res.error_code, MMU_PF_P | MMU_PF_RSVD);
		TL_FALSE(res.tlb_hit);
	}
	/* CPL change: a supervisor entry refuses CPL3 at once. */
	g.m.x86.efer |= MMU_EFER_NXE;
	expect_pa(VA1, MMU_LOAD, PA1);
	g.m.x86.cpl = 3;
	TL_EQ(tr(VA1, MMU_LOAD).error_code, MMU_PF_P | MMU_PF_U);
}

/* A read of a page with D=0 caches it; the first write walks again and sets D. */
static void test_dirty_rewalk(void **state)
{
	for (int arch = 0; arch < 2; arch++) {
		const struct pt_format *f = arch ? &pt_format_x86_64 : &pt_format_sv39;
		uint64_t dbit = arch ? 0x40 : 0x80;
		struct pt pt;
		uint64_t *e;

		(void)state;
		tl_where("%s", f->name);
		env_init(arch ? MMU_ARCH_X86 : MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
		pt = new_table(f);
		map(&pt, VA1, PA1, PAGE, PT_R | PT_W | PT_A);
		TL_EQ(mmu_set_table(&g.m, f, pt.root, 0), MMU_OK);
		e = leaf_entry(&pt, VA1);
		TL_FALSE(expect_pa(VA1, MMU_LOAD, PA1));
		TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
		TL_EQ(*e & dbit, 0);
		TL_FALSE(expect_pa(VA1, MMU_STORE, PA1));
		TL_EQ(*e & dbit, dbit);
		TL_TRUE(expect_pa(VA1, MMU_STORE, PA1));
		TL_EQ(g.m.stats.walks, 2);
		/* The D bit; on x86 also A in the three pointers during the first walk. */
		TL_EQ(g.m.stats.pte_writes, arch ? 4 : 1);
	}
	tl_where("");
}

/* Svade: a store to a cached D=0 page walks again and faults; nothing is written. */
static void test_dirty_svade(void **state)
{
	struct pt pt;
	uint64_t *e, before;
	struct mmu_result res;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	g.m.rv.svade = true;
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, PAGE, PT_R | PT_W | PT_A);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	e = leaf_entry(&pt, VA1);
	before = *e;
	expect_pa(VA1, MMU_LOAD, PA1);
	res = tr(VA1, MMU_STORE);
	TL_EQ(res.status, MMU_PAGE_FAULT);
	TL_EQ(res.cause, 15);
	TL_EQ(*e, before);
	TL_EQ(g.m.stats.pte_writes, 0);
}

/* MMU_NO_UPDATE: a look that writes nothing, fills nothing and leaves CR2 alone. */
static void test_no_update(void **state)
{
	struct pt pt;
	uint64_t *e, before;
	struct mmu_result res;

	(void)state;
	env_init(MMU_ARCH_X86, MMU_MODEL_SPEC, 16, 4);
	pt = new_table(&pt_format_x86_64);
	map(&pt, VA1, PA1, PAGE, PT_R | PT_W);
	TL_EQ(mmu_set_table(&g.m, &pt_format_x86_64, pt.root, 0), MMU_OK);
	e = leaf_entry(&pt, VA1);
	before = *e;
	res = tr(VA1, MMU_STORE | MMU_NO_UPDATE);
	TL_EQ(res.status, MMU_OK);
	TL_EQ(res.pte, before | 0x60); /* as if A and D had been set */
	TL_EQ(*e, before);
	TL_EQ(g.m.stats.pte_writes, 0);
	TL_EQ(valid_entries(), 0);
	res = tr(VA3, MMU_LOAD | MMU_NO_UPDATE);
	TL_EQ(res.status, MMU_PAGE_FAULT);
	TL_FALSE(res.cr2_written);
	TL_EQ(g.m.x86.cr2, 0);
}

/*
 * The remembered hits in front of the TLB (struct mmu_tlb_hit) answer only for the page, state
 * and TLB contents they were made under: an ASID switch without a fence, an implicit access
 * after an explicit one, a PKRU change, a flush must all be seen.
 */
static void test_remembered_hits(void **state)
{
	struct pt t1, t2;
	uint64_t *e;

	(void)state;
	/* ASIDs: the same VA in two address spaces, satp switched without a fence. */
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 16, 4);
	t1 = new_table(&pt_format_sv39);
	t2 = new_table(&pt_format_sv39);
	map(&t1, VA1, PA1, PAGE, P_RW);
	map(&t2, VA1, PA2, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t1.root, 1), MMU_OK);
	for (int i = 0; i < 3; i++)
		expect_pa(VA1 + 8, MMU_LOAD, PA1 + 8);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t2.root, 2), MMU_OK);
	TL_FALSE(expect_pa(VA1 + 8, MMU_LOAD, PA2 + 8));
	TL_TRUE(expect_pa(VA1 + 8, MMU_LOAD, PA2 + 8));
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, t1.root, 1), MMU_OK);
	TL_TRUE(expect_pa(VA1 + 8, MMU_LOAD, PA1 + 8));
	/* A fence after a PTE change: the remembered hit is gone with the entry. */
	e = leaf_entry(&t1, VA1);
	*e &= ~1ull;
	TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
	mmu_riscv_sfence_vma(&g.m, false, VA1, true, 0);
	TL_EQ(tr(VA1, MMU_LOAD).status, MMU_PAGE_FAULT);
	/* A store after loads on a clean page still walks to set D. */
	*e |= 1ull;
	*e &= ~0x80ull;
	expect_pa(VA1, MMU_LOAD, PA1);
	TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
	TL_FALSE(expect_pa(VA1, MMU_STORE, PA1));
	TL_EQ(*e & 0x80, 0x80);

	/* x86: explicit then implicit supervisor reads of a user page under SMAP with AC=1. */
	env_init(MMU_ARCH_X86, MMU_MODEL_SPEC, 16, 4);
	g.m.x86.cr4 = MMU_CR4_SMAP;
	g.m.x86.eflags = MMU_EFLAGS_AC;
	t1 = new_table(&pt_format_x86_64);
	map(&t1, VA1, PA1, PAGE, P_RW | PT_U);
	TL_EQ(mmu_set_table(&g.m, &pt_format_x86_64, t1.root, 0), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1));
	TL_EQ(tr(VA1, MMU_LOAD | MMU_IMPLICIT).error_code, MMU_PF_P);
	/* Protection keys: PKRU changes take effect at once. */
	g.m.x86.cr4 = MMU_CR4_PKE;
	g.m.x86.cpl = 3;
	expect_pa(VA1, MMU_LOAD, PA1);
	expect_pa(VA1, MMU_LOAD, PA1);
	g.m.x86.pkru = 1; /* AD0: the page has key 0 */
	TL_EQ(tr(VA1, MMU_LOAD).error_code, MMU_PF_P | MMU_PF_U | MMU_PF_PK);
	g.m.x86.pkru = 0;
	expect_pa(VA1, MMU_LOAD, PA1);
	/* CPL and WP. */
	map(&t1, VA2, PA2, PAGE, P_R | PT_U);
	g.m.x86.cr4 = 0;
	g.m.x86.cpl = 0;
	g.m.x86.cr0 &= ~MMU_CR0_WP;
	expect_pa(VA2, MMU_STORE, PA2);
	TL_TRUE(expect_pa(VA2, MMU_STORE, PA2));
	g.m.x86.cr0 |= MMU_CR0_WP;
	TL_EQ(tr(VA2, MMU_STORE).error_code, MMU_PF_P | MMU_PF_W);
	g.m.x86.cpl = 3;
	TL_FALSE(expect_pa(VA2, MMU_LOAD, PA2));
	TL_TRUE(expect_pa(VA2, MMU_LOAD, PA2));
	TL_EQ(tr(VA2, MMU_STORE).error_code, MMU_PF_P | MMU_PF_W | MMU_PF_U);
}

/* ---- geometry and replacement -------------------------------------------------------------- */

static void test_tlb_init_checks(void **state)
{
	struct mmu_tlb t;
	struct mmu_tlb_entry e[12];

	(void)state;
	TL_ERR(mmu_tlb_init(&t, e, 0, 1), PT_EINVAL);
	TL_ERR(mmu_tlb_init(&t, e, 8, 0), PT_EINVAL);
	TL_ERR(mmu_tlb_init(&t, e, 8, 3), PT_EINVAL);  /* ways must divide entries */
	TL_ERR(mmu_tlb_init(&t, e, 12, 2), PT_EINVAL); /* 6 sets: not a power of two */
	TL_ERR(mmu_tlb_init(&t, NULL, 8, 2), PT_EINVAL);
	TL_OK(mmu_tlb_init(&t, e, 12, 3)); /* 4 sets of 3 */
	TL_EQ(t.sets, 4);
	TL_EQ(t.ways, 3);
	TL_OK(mmu_tlb_init(&t, e, 12, 12)); /* fully associative */
	TL_EQ(t.sets, 1);
	TL_OK(mmu_tlb_init(&t, e, 8, 1)); /* direct mapped */
	TL_EQ(t.sets, 8);
	TL_EQ(t.valid, 0);
}

static void test_replacement(void **state)
{
	struct pt pt;

	(void)state;
	/* Fully associative, two entries: a third page evicts one (round robin from the first). */
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 2, 2);
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, PAGE, P_RW);
	map(&pt, VA2, PA2, PAGE, P_RW);
	map(&pt, VA3, PA3, PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	expect_pa(VA1, MMU_LOAD, PA1);
	expect_pa(VA2, MMU_LOAD, PA2);
	TL_TRUE(expect_pa(VA1, MMU_LOAD, PA1) && expect_pa(VA2, MMU_LOAD, PA2));
	expect_pa(VA3, MMU_LOAD, PA3);
	TL_EQ(valid_entries(), 2);
	TL_FALSE(has(VA1, 0));
	TL_TRUE(has(VA2, 0) && has(VA3, 0));
	/* Direct mapped with 4 sets: pages 4 apart collide, neighbours do not. */
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 4, 1);
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, 8 * PAGE, P_RW);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	for (int i = 0; i < 4; i++)
		expect_pa(VA1 + (uint64_t)i * PAGE, MMU_LOAD, PA1 + (uint64_t)i * PAGE);
	TL_EQ(valid_entries(), 4);
	expect_pa(VA1 + 4 * PAGE, MMU_LOAD, PA1 + 4 * PAGE);
	TL_EQ(valid_entries(), 4);
	TL_FALSE(has(VA1, 0));
	for (int i = 1; i < 4; i++)
		TL_TRUE(expect_pa(VA1 + (uint64_t)i * PAGE, MMU_LOAD, PA1 + (uint64_t)i * PAGE));
	TL_EQ(g.m.stats.walks, 5);
}

/* Refilling the same page for the same ASID replaces the entry; no duplicates. */
static void test_no_duplicates(void **state)
{
	struct pt pt;

	(void)state;
	env_init(MMU_ARCH_RISCV, MMU_MODEL_SPEC, 8, 8);
	pt = new_table(&pt_format_sv39);
	map(&pt, VA1, PA1, PAGE, P_R);
	TL_EQ(mmu_set_table(&g.m, &pt_format_sv39, pt.root, 0), MMU_OK);
	for (int i = 0; i < 5; i++) {
		expect_pa(VA1, MMU_LOAD | MMU_NO_TLB, PA1);
		expect_pa(VA1, MMU_LOAD, PA1);
		TL_EQ(tr(VA1, MMU_STORE).status, MMU_PAGE_FAULT);
	}
	TL_EQ(valid_entries(), 0);
	expect_pa(VA1, MMU_LOAD, PA1);
	mmu_riscv_sfence_vma(&g.m, true, 0, true, 0);
	g.tlb.next = 0;
	expect_pa(VA1, MMU_LOAD, PA1);
	expect_pa(VA1 | 0x8, MMU_LOAD, PA1 | 0x8);
	TL_EQ(valid_entries(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hit_reads_no_memory, env_teardown),
		cmocka_unit_test_teardown(test_no_tlb_walks_every_time, env_teardown),
		cmocka_unit_test_teardown(test_sfence_x0_x0, env_teardown),
		cmocka_unit_test_teardown(test_sfence_x0_asid, env_teardown),
		cmocka_unit_test_teardown(test_sfence_va_x0, env_teardown),
		cmocka_unit_test_teardown(test_sfence_va_asid, env_teardown),
		cmocka_unit_test_teardown(test_sfence_qemu_flushes_all, env_teardown),
		cmocka_unit_test_teardown(test_sfence_superpage, env_teardown),
		cmocka_unit_test_teardown(test_global_from_pointer, env_teardown),
		cmocka_unit_test_teardown(test_sv32_asid_bits, env_teardown),
		cmocka_unit_test_teardown(test_asid_separation, env_teardown),
		cmocka_unit_test_teardown(test_satp_qemu_flush, env_teardown),
		cmocka_unit_test_teardown(test_invlpg, env_teardown),
		cmocka_unit_test_teardown(test_cr3_reload_keeps_globals, env_teardown),
		cmocka_unit_test_teardown(test_pge_toggle, env_teardown),
		cmocka_unit_test_teardown(test_pcid, env_teardown),
		cmocka_unit_test_teardown(test_cr3_reserved, env_teardown),
		cmocka_unit_test_teardown(test_pae_pdpte_registers, env_teardown),
		cmocka_unit_test_teardown(test_superpage_entry, env_teardown),
		cmocka_unit_test_teardown(test_napot_entry, env_teardown),
		cmocka_unit_test_teardown(test_stale_entry, env_teardown),
		cmocka_unit_test_teardown(test_permission_rewalk, env_teardown),
		cmocka_unit_test_teardown(test_state_changes_apply_to_hits, env_teardown),
		cmocka_unit_test_teardown(test_dirty_rewalk, env_teardown),
		cmocka_unit_test_teardown(test_dirty_svade, env_teardown),
		cmocka_unit_test_teardown(test_no_update, env_teardown),
		cmocka_unit_test_teardown(test_remembered_hits, env_teardown),
		cmocka_unit_test_teardown(test_tlb_init_checks, env_teardown),
		cmocka_unit_test_teardown(test_replacement, env_teardown),
		cmocka_unit_test_teardown(test_no_duplicates, env_teardown),
	};

	return cmocka_run_group_tests_name("mmu_tlb", tests, NULL, NULL);
}
