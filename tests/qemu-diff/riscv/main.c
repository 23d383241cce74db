/*
 * The RISC-V differential check of lib/mmu against QEMU's own MMU (see tests/qemu-diff/README.md).
 *
 * One image per XLEN: RV32 checks Sv32, RV64 checks Sv39, Sv48 and Sv57 in turn. Everything runs
 * in M-mode with no exception delegated. For each format, rounds of:
 *   1. build a random page table in POOL with lib/pt (superpages at every level, random
 *      permissions, U, G, A and D), then poke broken entries raw;
 *   2. copy POOL to SHADOW: the software MMU (lib/mmu, MMU_MODEL_QEMU72, no TLB) walks SHADOW,
 *      so it starts from exactly the table QEMU sees and its A/D writes land in the copy;
 *   3. probes: a random VA, access (load, store, fetch, amoor, lr), privilege (S, U), SUM, MXR.
 *      First mmu_translate gives the expectation, then the hart does the access for real, after
 *      sfence.vma: loads and stores in M-mode with MPRV=1 and MPP=S/U, fetches by mret into S
 *      or U mode at the VA. The data frames hold "lui a0, slot; ecall" in every 8-byte slot, so
 *      a load returns a value naming its PA and a fetch comes back through ecall with the PA
 *      in a0. Compared: fault or not, mcause, mtval, the value / PA, and every PTE the walk
 *      read (the real one after QEMU's access against the copy after lib/mmu's);
 *   4. at the end of the round, POOL against SHADOW and DATA against its pattern (stray writes).
 * Prints "qemu-diff <fmt>: N probes, M mismatches" per format and exits through the virt test
 * device: 0 only if nothing disagreed.
 *
 * Boot arguments (QEMU -append, read from the device tree): qemu-diff-seed=N,
 * qemu-diff-rounds=N, qemu-diff-probes=N (per round), qemu-diff-pbmte=0|1 (menvcfg.PBMTE; default:
 * 1 when the CPU has svpbmt), qemu-diff-amo-split=1 (expect an AMO to be translated as a load
 * then a store, as QEMU 7.2 does with one vCPU, instead of as the store lib/mmu's API says
 * it is: a diagnostic, see README.md). The CPU's svnapot and svpbmt come from the device tree's
 * riscv,isa string, so lib/mmu is configured as QEMU is.
 */
#include "qd.h"
#include "qd_riscv.h"
#include "vmkit/mmu.h"
#include "vmkit/pt.h"

typedef uintptr_t ureg;

#define XLEN __riscv_xlen
#if XLEN == 64
#define LOAD_INSN "ld"
#define STORE_INSN "sd"
#else
#define LOAD_INSN "lw"
#define STORE_INSN "sw"
#endif

#define RAM_BASE ((uint64_t)QD_RAM_BASE)
#define RAM_END ((uint64_t)QD_RAM_BASE + QD_RAM_SIZE)
#define POOL_BASE ((uint64_t)QD_POOL_BASE)
#define POOL_END ((uint64_t)QD_POOL_BASE + QD_POOL_SIZE)
#define SHADOW_BASE ((uint64_t)QD_SHADOW_BASE)
#define DATA_BASE ((uint64_t)QD_DATA_BASE)
#define DATA_END ((uint64_t)QD_DATA_BASE + QD_DATA_SIZE)
#define PAGE 4096u

/* PTE bits. */
#define PTE_V 0x1u
#define PTE_R 0x2u
#define PTE_W 0x4u
#define PTE_X 0x8u
#define PTE_U 0x10u
#define PTE_G 0x20u
#define PTE_A 0x40u
#define PTE_D 0x80u
#define PTE_XWR 0xeu
#define PTE_N ((uint64_t)1 << 63)
#define PTE_PBMT_SHIFT 61

#define DEFAULT_SEED 1
#define DEFAULT_ROUNDS 24
#define DEFAULT_PROBES 1000
#define MAX_REPORTS 60 /* mismatches printed in full per format */

/* ---- platform ------------------------------------------------------------------------------ */

volatile struct qd_trap_area qd_trap_area;
extern char qd_estack_top[];

static void uart_putc(void *ctx, char c)
{
	volatile uint8_t *u = (volatile uint8_t *)(uintptr_t)QD_UART;

	(void)ctx;
	while ((u[5] & 0x20) == 0)
		;
	u[0] = (uint8_t)c;
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qd_vformat(uart_putc, 0, fmt, ap);
	va_end(ap);
}

__attribute__((noreturn)) static void qd_exit(unsigned code)
{
	volatile uint32_t *dev = (volatile uint32_t *)(uintptr_t)QD_TEST_DEV;

	*dev = code == 0 ? 0x5555u : (code << 16) | 0x3333u;
	for (;;)
		__asm__ volatile("wfi");
}

void qd_unexpected_trap(uintptr_t cause, uintptr_t epc, uintptr_t tval)
{
	say("qemu-diff: unexpected trap mcause=0x%llx mepc=0x%llx mtval=0x%llx\n",
	    (unsigned long long)cause, (unsigned long long)epc, (unsigned long long)tval);
	say("qemu-diff: FAIL\n");
	qd_exit(3);
}

/* ---- configuration ---------------------------------------------------------------------- */

struct config {
	bool svnapot, svpbmt, pbmte;
	bool amo_split; /* predict an AMO as a load then a store (diagnostic, see README.md) */
	uint64_t seed, rounds, probes;
};
static struct config cfg;

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* The device tree QEMU passes in a1: the CPU's ISA string and the command line (-append). */
static void read_config(uintptr_t dtb)
{
	cfg.seed = DEFAULT_SEED;
	cfg.rounds = DEFAULT_ROUNDS;
	cfg.probes = DEFAULT_PROBES;
	if (dtb < RAM_BASE || dtb >= RAM_END || be32((const uint8_t *)dtb) != 0xd00dfeedu) {
		say("qemu-diff: no device tree at 0x%llx: defaults, no svnapot/svpbmt\n",
		    (unsigned long long)dtb);
		return;
	}
	const char *blob = (const char *)dtb;
	size_t len = be32((const uint8_t *)dtb + 4);
	uint64_t v;

	if (len > 0x100000)
		len = 0x100000;
	cfg.svnapot = XLEN == 64 && qd_memmem(blob, len, "_svnapot", 8) != NULL;
	cfg.svpbmt = XLEN == 64 && qd_memmem(blob, len, "_svpbmt", 7) != NULL;
	cfg.pbmte = cfg.svpbmt;
	qd_parse_u64(blob, len, "qemu-diff-seed", &cfg.seed);
	qd_parse_u64(blob, len, "qemu-diff-rounds", &cfg.rounds);
	qd_parse_u64(blob, len, "qemu-diff-probes", &cfg.probes);
	if (qd_parse_u64(blob, len, "qemu-diff-pbmte", &v))
		cfg.pbmte = v != 0;
	if (qd_parse_u64(blob, len, "qemu-diff-amo-split", &v))
		cfg.amo_split = v != 0;
}

/* ---- physical memory ------------------------------------------------------------------------ */

static bool in_ram(pa_t pa, uint64_t bytes)
{
	return pa >= RAM_BASE && pa < RAM_END && bytes <= RAM_END - pa;
}
static bool in_pool(pa_t pa)
{
	return pa >= POOL_BASE && pa < POOL_END;
}
static bool in_data(pa_t pa)
{
	return pa >= DATA_BASE && pa < DATA_END;
}

static uint64_t rd_phys(pa_t pa, unsigned size)
{
	if (size == 8)
		return *(volatile uint64_t *)(uintptr_t)pa;
	return *(volatile uint32_t *)(uintptr_t)pa;
}

static void wr_phys(pa_t pa, unsigned size, uint64_t v)
{
	if (size == 8)
		*(volatile uint64_t *)(uintptr_t)pa = v;
	else
		*(volatile uint32_t *)(uintptr_t)pa = (uint32_t)v;
}

static pa_t shadow_of(pa_t pa)
{
	return pa - POOL_BASE + SHADOW_BASE;
}

/*
 * Addresses outside RAM that the generator uses for "nothing there": QEMU virt has no device
 * in them, so a PTE read there fails (QEMU 7.2: page fault) and an access there is an access
 * fault. RV64: from the end of RAM to the high PCIe window (16 GiB), and from 32 GiB up. RV32:
 * from the end of RAM to the 32-bit high PCIe window (12 GiB); an address above 4 GiB counts
 * only if its low 32 bits are also harmless (no device, nothing but DATA), in case the emulator
 * drops the high bits (QEMU 7.2 does, see README.md). `access`: the final access, for which DATA
 * is acceptable for those low bits; for a PTE read, POOL is.
 */
static bool safe_unbacked(pa_t pa, bool access)
{
#if XLEN == 64
	(void)access;
	return (pa >= RAM_END && pa < 0x400000000ull) || pa >= 0x800000000ull;
#else
	pa_t low = pa & 0xffffffffu;

	if (pa < RAM_END || pa >= 0x300000000ull)
		return false;
	return low >= RAM_END || (access ? in_data(low) : in_pool(low));
#endif
}

/* The data frames: slot s (8 bytes at DATA_BASE + 8 s) holds "lui a0, s" then "ecall". */
static uint32_t slot_lui(pa_t pa)
{
	uint32_t slot = (uint32_t)((pa - DATA_BASE) >> 3);

	return (slot << 12) | (10u << 7) | 0x37u;
}
#define ECALL 0x00000073u

static uint64_t pattern64(pa_t pa)
{
	return ((uint64_t)ECALL << 32) | slot_lui(pa);
}

static void fill_data(void)
{
	for (pa_t pa = DATA_BASE; pa < DATA_END; pa += 8) {
		*(volatile uint32_t *)(uintptr_t)pa = slot_lui(pa);
		*(volatile uint32_t *)(uintptr_t)(pa + 4) = ECALL;
	}
}

/* ---- the page-table pool (lib/pt's memory) -------------------------------------------------- */

static pa_t pool_next;
static pa_t pool_free[64];
static unsigned pool_nfree;

static void *phys_ptr(void *ctx, pa_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static void zero_page(pa_t pa)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)pa;

	for (unsigned i = 0; i < PAGE / 4; i++)
		p[i] = 0;
}

static enum pt_err pool_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	pa_t p;

	(void)ctx;
	if (bytes > PAGE)
		return PT_ENOMEM;
	if (pool_nfree) {
		p = pool_free[--pool_nfree];
	} else {
		if (pool_next + PAGE > POOL_END)
			return PT_ENOMEM;
		p = pool_next;
		pool_next += PAGE;
	}
	zero_page(p);
	*pa = p;
	return PT_OK;
}

static void pool_release(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	(void)bytes;
	if (pool_nfree < 64)
		pool_free[pool_nfree++] = pa;
}

static bool pool_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	return in_pool(pa) && bytes <= POOL_END - pa;
}

static const struct pt_mem build_mem = {phys_ptr, pool_alloc, pool_release, pool_contains, 0};

/* ---- the software MMU's view of memory ---------------------------------------------------- */

/*
 * lib/mmu reads and writes entries only through mem.ptr. Entries in POOL are served from SHADOW;
 * entries anywhere else in RAM (a data frame used as a table) from a private copy, so that lib/mmu
 * never writes real memory. Every entry it touches is remembered, in walk order, with its value
 * before the walk, for the comparison after the real access.
 */
struct touched {
	pa_t pa;
	uint64_t before;  /* value when first read */
	uint64_t overlay; /* the copy for entries outside POOL */
	bool pool;
};
#define MAX_TOUCHED 16
static struct touched touched[MAX_TOUCHED];
static unsigned ntouched;
static bool sim_unsafe;     /* the walk went somewhere the real access must not follow */
static pa_t sim_access_pa;  /* the PA of the final access lib/mmu asked about (~0: none) */
static unsigned pte_bytes;  /* 4 or 8 */

static void *sim_ptr(void *ctx, pa_t pa)
{
	(void)ctx;
	for (unsigned i = 0; i < ntouched; i++) {
		if (touched[i].pa == pa)
			return touched[i].pool ? (void *)(uintptr_t)shadow_of(pa)
					       : (void *)&touched[i].overlay;
	}
	if (!in_ram(pa, pte_bytes) || ntouched == MAX_TOUCHED) {
		sim_unsafe = true;
		return 0;
	}
	struct touched *t = &touched[ntouched++];

	t->pa = pa;
	t->pool = in_pool(pa);
	t->before = rd_phys(t->pool ? shadow_of(pa) : pa, pte_bytes);
	t->overlay = t->before;
	return t->pool ? (void *)(uintptr_t)shadow_of(pa) : (void *)&t->overlay;
}

static bool sim_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	return in_ram(pa, bytes);
}

static enum mmu_phys_verdict sim_phys(void *ctx, pa_t pa, uint64_t bytes, enum mmu_phys_kind kind,
				      unsigned type, unsigned priv)
{
	(void)ctx;
	(void)type;
	(void)priv;
	if (kind == MMU_PHYS_ACCESS)
		sim_access_pa = pa;
	if (in_ram(pa, bytes)) {
		if (kind != MMU_PHYS_ACCESS && !in_pool(pa) && !in_data(pa))
			sim_unsafe = true; /* A/D could be written into the image */
		return MMU_PHYS_OK;
	}
	if (!safe_unbacked(pa, kind == MMU_PHYS_ACCESS))
		sim_unsafe = true; /* a device, or a window that may hold one */
	return MMU_PHYS_UNBACKED;
}

static const struct pt_mem sim_mem = {sim_ptr, 0, 0, sim_contains, 0};

/* The value a load at pa should return, as memory is after lib/mmu's walk. */
static uint64_t view_read(pa_t pa, unsigned size)
{
	for (unsigned i = 0; i < ntouched; i++)
		if (!touched[i].pool && touched[i].pa == pa && size == pte_bytes)
			return touched[i].overlay;
	if (in_pool(pa))
		return rd_phys(shadow_of(pa), size);
	return rd_phys(pa, size);
}

/* ---- the run's state ---------------------------------------------------------------------- */

struct target {
	va_t va;
	uint64_t size;
	pa_t pa;       /* what va was mapped to */
	pa_t leaf_pa;  /* the entry that maps it (0: none) */
	unsigned level;
	const char *note;
};
#define MAX_TARGETS 200

struct counts {
	uint64_t probes, mismatches, skipped;
	uint64_t outcome[5][3]; /* [kind][0 ok, 1 page fault, 2 access fault] (as expected) */
	uint64_t ad_writes;     /* probes where QEMU and lib/mmu both wrote an A or D bit */
	uint64_t ok_level[PT_MAX_LEVELS]; /* translated successfully, by the leaf's level */
	uint64_t ok_napot;      /* ... through a 64 KiB NAPOT leaf */
};

static const struct pt_format *F;
static unsigned satp_mode;
static struct qd_rng rng;
static struct pt pt;
static struct target tg[MAX_TARGETS];
static unsigned ntg;
static uint64_t satp_now;
static uint64_t round_seed;
static unsigned round_no;
static ureg mstatus_base;
static struct counts cnt;
static struct mmu sw;
static ureg fetch_ctx[14];

static uint64_t rnd(void)
{
	return qd_rng_next(&rng);
}
static uint64_t below(uint64_t n)
{
	return qd_rng_below(&rng, n);
}
static bool chance(unsigned a, unsigned b)
{
	return qd_rng_chance(&rng, a, b);
}

static uint64_t va_mask(void)
{
	return F->va_bits >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << F->va_bits) - 1;
}

static uint64_t level_size(unsigned level)
{
	return (uint64_t)1 << F->shift[level];
}

static unsigned va_index(va_t va, unsigned level)
{
	return (unsigned)(va >> F->shift[level]) & ((1u << F->index_bits[level]) - 1u);
}

static uint64_t ppn_mask(void)
{
	return pte_bytes == 8 ? ((uint64_t)1 << 44) - 1 : ((uint64_t)1 << 22) - 1;
}

static pa_t pte_pa(uint64_t pte)
{
	return ((pte >> 10) & ppn_mask()) << 12;
}

static uint64_t pte_set_pa(uint64_t pte, pa_t pa)
{
	return (pte & ~(ppn_mask() << 10)) | (((pa >> 12) & ppn_mask()) << 10);
}

/* Write an entry in the real table and in the software MMU's copy. */
static void poke(pa_t pa, uint64_t v)
{
	wr_phys(pa, pte_bytes, v);
	if (in_pool(pa))
		wr_phys(shadow_of(pa), pte_bytes, v);
}

static uint64_t peek(pa_t pa)
{
	return rd_phys(pa, pte_bytes);
}

/* The entry at `level` on va's path, following valid pointers from the root; 0 if the path
 * leaves the pool or meets a leaf or an invalid entry above that level. */
static pa_t entry_at(pa_t root, va_t va, unsigned level)
{
	pa_t table = root;

	for (int l = F->levels - 1;; l--) {
		pa_t e = table + (pa_t)va_index(va, (unsigned)l) * pte_bytes;
		uint64_t pte;

		if ((unsigned)l == level)
			return e;
		pte = peek(e);
		if (!(pte & PTE_V) || (pte & PTE_XWR) || (pte_bytes == 8 && (pte >> 54)))
			return 0;
		table = pte_pa(pte);
		if (!in_pool(table))
			return 0;
	}
}

/* ---- generating tables ------------------------------------------------------------------- */

static bool overlaps_ram_window(va_t va, uint64_t size)
{
	return !(va + (size - 1) < RAM_BASE || va >= RAM_END);
}

/* A random VA aligned to align: half the time near an existing target (same upper tables). VAs
 * equal to RAM addresses are avoided: the trap handler runs with the same TLB index. */
static va_t rand_va(uint64_t align)
{
	for (;;) {
		uint64_t iva;

		if (ntg && chance(1, 2)) {
			const struct target *t = &tg[below(ntg)];
			unsigned l = (unsigned)below(F->levels);
			unsigned keep = F->shift[l] + F->index_bits[l];
			uint64_t low = keep >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << keep) - 1;

			iva = (t->va & ~low) | (rnd() & low);
		} else {
			iva = rnd();
		}
		iva &= va_mask() & ~(align - 1);
		va_t va = F->sign_extended ? pt_canonical(F, iva) : iva;

		if (!overlaps_ram_window(va, align))
			return va;
	}
}

/* A random base, aligned to size, in [lo, hi). */
static bool rand_in(uint64_t lo, uint64_t hi, uint64_t size, pa_t *out)
{
	uint64_t first = (lo + size - 1) & ~(size - 1);

	if (first < lo || first >= hi || hi - first < size)
		return false;
	*out = first + below((hi - first - size) / size + 1) * size;
	return true;
}

/* A random aligned base with nothing behind it (see safe_unbacked). */
static pa_t rand_unbacked(uint64_t size)
{
	pa_t pa = 0;

	for (int tries = 0; tries < 16; tries++) {
#if XLEN == 64
		if (chance(1, 2) && rand_in(RAM_END, 0x400000000ull, size, &pa))
			return pa;
		if (rand_in(0x800000000ull, (uint64_t)1 << 56, size, &pa))
			return pa;
#else
		uint64_t k = below(3); /* 0, 4 or 8 GiB above the unbacked range after RAM */

		if (rand_in(RAM_END + (k << 32), 0x100000000ull + (k << 32), size, &pa))
			return pa;
#endif
	}
	return pa;
}

/* The PA for a leaf of size: usually in DATA (or, for pages larger than DATA, the one aligned
 * page that holds it), sometimes nothing at all. RV32 also uses DATA + 4 GiB now and then: a
 * 34-bit PA whose low 32 bits are data. */
static pa_t rand_leaf_pa(uint64_t size, bool allow_high_alias)
{
#if XLEN == 32
	if (allow_high_alias && size <= DATA_END - DATA_BASE && chance(1, 24)) {
		pa_t pa = 0;

		rand_in(DATA_BASE, DATA_END, size, &pa);
		return pa + ((uint64_t)(1 + below(2)) << 32);
	}
#else
	(void)allow_high_alias;
#endif
	if (chance(1, 8))
		return rand_unbacked(size);
	if (size <= DATA_END - DATA_BASE) {
		pa_t pa = 0;

		rand_in(DATA_BASE, DATA_END, size, &pa);
		return pa;
	}
	return DATA_BASE & ~(size - 1);
}

static unsigned rand_perms(void)
{
	static const unsigned xwr[] = {PT_R, PT_R | PT_W, PT_X, PT_R | PT_X, PT_R | PT_W | PT_X};
	unsigned p = xwr[below(5)];

	if (chance(1, 2))
		p |= PT_U;
	if (chance(1, 4))
		p |= PT_G;
	if (chance(1, 2))
		p |= PT_A;
	if (chance(1, 2))
		p |= PT_D;
	if (chance(1, 8))
		p |= chance(1, 2) ? PT_SW0 : PT_SW1;
	return p;
}

static struct target *add_target(va_t va, uint64_t size, pa_t pa, unsigned level,
				 const char *note)
{
	if (ntg == MAX_TARGETS)
		return 0;
	struct target *t = &tg[ntg++];

	t->va = va;
	t->size = size;
	t->pa = pa;
	t->level = level;
	t->note = note;
	t->leaf_pa = entry_at(pt.root, va, level);
	return t;
}

/* One ordinary mapping at a random level. */
static void gen_mapping(void)
{
	unsigned level = 0;

	if (chance(1, 2))
		level = 1 + (unsigned)below(F->levels - 1u);
	uint64_t size = level_size(level);
	pa_t pa = rand_leaf_pa(size, true);
	unsigned perms = rand_perms();

	for (int tries = 0; tries < 8; tries++) {
		va_t va = rand_va(size);
		enum pt_err e = pt_map(&pt, va, pa, size, perms, level == 0 ? PT_MAP_4K : 0);

		if (e == PT_OK) {
			add_target(va, size, pa, level, "map");
			return;
		}
		if (e != PT_EEXIST) {
			say("qemu-diff: pt_map(%s, va 0x%llx, pa 0x%llx, size 0x%llx) failed: %s\n",
			    F->name, (unsigned long long)va, (unsigned long long)pa,
			    (unsigned long long)size, pt_errname(e));
			return;
		}
	}
}

/* A 64 KiB Svnapot mapping: sixteen level-0 leaves, N=1, PPN[3:0]=1000. Without svnapot the
 * entries are reserved (QEMU 7.2 with svpbmt alone ignores N: 4 KiB pages). */
static void gen_napot(void)
{
	const uint64_t size = 0x10000;
	pa_t pa = 0;
	unsigned perms = rand_perms();

	rand_in(DATA_BASE, DATA_END, size, &pa);
	for (int tries = 0; tries < 8; tries++) {
		va_t va = rand_va(size);

		if (pt_map(&pt, va, pa, size, perms, PT_MAP_4K) != PT_OK)
			continue;
		for (unsigned i = 0; i < 16; i++) {
			pa_t e = entry_at(pt.root, va + i * PAGE, 0);

			if (e)
				poke(e, pte_set_pa(peek(e), pa | 0x8000) | PTE_N);
		}
		add_target(va, size, pa, 0, "napot-64k");
		return;
	}
}

/* An entry made of random bits, with a PPN that is safe: a pointer goes to a pool table or to
 * nothing; a leaf to DATA or nothing. */
static uint64_t junk_entry(unsigned level)
{
	uint64_t pte = rnd() & 0x3ff;
	pa_t pa = 0;

	if (chance(3, 4))
		pte |= PTE_V;
	if ((pte & PTE_XWR) == 0) {
		if (chance(2, 3) && pool_next > POOL_BASE)
			pa = POOL_BASE + below((pool_next - POOL_BASE) / PAGE) * PAGE;
		else
			pa = rand_unbacked(PAGE);
	} else if (level_size(level) > DATA_END - DATA_BASE) {
		pa = rand_unbacked(chance(1, 2) ? level_size(level) : PAGE);
	} else if (chance(1, 3)) {
		rand_in(DATA_BASE, DATA_END, PAGE, &pa); /* likely misaligned above level 0 */
	} else {
		pa = rand_leaf_pa(level_size(level), false);
	}
	pte = pte_set_pa(pte, pa);
	if (pte_bytes == 8 && chance(1, 4))
		pte |= (rnd() & 0x3ff) << 54;
	return pte;
}

/* A pointer entry on t's path (level above the leaf), or 0. */
static pa_t path_pointer(const struct target *t, unsigned *level)
{
	if (t->level + 1u >= F->levels)
		return 0;
	*level = t->level + 1u + (unsigned)below(F->levels - 1u - t->level);
	return entry_at(pt.root, t->va, *level);
}

/* Break something on a random target's path. */
static void gen_broken(void)
{
	if (!ntg)
		return;
	struct target *t = &tg[below(ntg)];
	pa_t e = t->leaf_pa;
	unsigned plevel = 0;
	pa_t p = path_pointer(t, &plevel);
	uint64_t pte = e ? peek(e) : 0;

	if (!e || !(pte & PTE_V) || !(pte & PTE_XWR))
		return; /* already broken or not a leaf any more */
	switch (below(15)) {
	case 0: /* reserved, PBMT or N bits in a leaf */
		if (pte_bytes == 8) {
			static const uint64_t bits[] = {
				(uint64_t)1 << 54, (uint64_t)1 << 57, (uint64_t)1 << 60,
				(uint64_t)1 << PTE_PBMT_SHIFT, (uint64_t)2 << PTE_PBMT_SHIFT,
				(uint64_t)3 << PTE_PBMT_SHIFT, PTE_N,
			};
			poke(e, pte | bits[below(7)]);
			t->note = "leaf-high-bits";
		}
		break;
	case 1: /* W without R */
		poke(e, (pte & ~(uint64_t)PTE_R) | PTE_W | (chance(1, 2) ? PTE_X : 0));
		t->note = "leaf-w-without-r";
		break;
	case 2: /* misaligned superpage */
		if (t->level > 0) {
			unsigned b = (unsigned)below(F->shift[t->level] - 12u);

			poke(e, pte | ((uint64_t)1 << (10 + b)));
			t->note = "misaligned-superpage";
		}
		break;
	case 3: /* A, D, U, G, N, PBMT or reserved bits in a pointer */
		if (p) {
			uint64_t bits[] = {PTE_A, PTE_D, PTE_U, PTE_G, PTE_N,
					   (uint64_t)1 << PTE_PBMT_SHIFT, (uint64_t)1 << 55};
			unsigned n = pte_bytes == 8 ? 7 : 4;

			poke(p, peek(p) | bits[below(n)]);
			t->note = "pointer-bits";
		}
		break;
	case 4: /* V=0 on the leaf or a pointer, everything else kept */
		if (p && chance(1, 2))
			poke(p, peek(p) & ~(uint64_t)PTE_V);
		else
			poke(e, pte & ~(uint64_t)PTE_V);
		t->note = "invalid";
		break;
	case 5: /* XWR=000: a pointer at level 0, or a pointer to a data frame */
		if (t->level == 0 || in_data(t->pa)) {
			poke(e, pte & ~(uint64_t)PTE_XWR & ~(uint64_t)(PTE_A | PTE_D | PTE_U));
			t->note = t->level == 0 ? "pointer-at-level-0" : "pointer-to-data-frame";
		}
		break;
	case 6: /* a pointer to nothing */
		if (p) {
			poke(p, pte_set_pa(peek(p), rand_unbacked(PAGE)));
			t->note = "pointer-to-nothing";
		}
		break;
	case 7: /* a leaf mapping nothing */
		poke(e, pte_set_pa(pte, rand_unbacked(t->size)));
		t->note = "leaf-to-nothing";
		break;
	case 8: /* a pointer to another table of the pool (any level) */
		if (p && pool_next > POOL_BASE) {
			poke(p, pte_set_pa(peek(p), POOL_BASE + below((pool_next - POOL_BASE) / PAGE) *
								 PAGE));
			t->note = "pointer-alias";
		}
		break;
	case 9: /* a pointer to a table of junk */
		if (p) {
			pa_t j = 0;

			if (pool_alloc(0, PAGE, &j) != PT_OK)
				break;
			for (unsigned i = 0; i < PAGE / pte_bytes; i++)
				wr_phys(j + i * pte_bytes, pte_bytes, junk_entry(plevel - 1));
			poke(p, pte_set_pa(peek(p), j));
			t->note = "junk-table";
		}
		break;
	case 10: /* one junk entry */
		if (p && chance(1, 3))
			poke(p, junk_entry(plevel));
		else
			poke(e, junk_entry(t->level));
		t->note = "junk-entry";
		break;
	case 11: /* a bad NAPOT encoding */
		if (pte_bytes == 8) {
			static const unsigned low[] = {0x0, 0x1, 0x2, 0x4, 0xc, 0x9, 0xf};
			uint64_t ppn = (pte >> 10) & ppn_mask();

			if (t->level == 0 && in_data(t->pa))
				ppn = (ppn & ~(uint64_t)0xf) | low[below(7)];
			poke(e, pte_set_pa(pte, ppn << 12) | PTE_N);
			t->note = "bad-napot";
		}
		break;
	case 12: /* U, G, A, D flipped */
		poke(e, pte ^ ((uint64_t)1 << (4 + below(4))));
		t->note = "flags-flipped";
		break;
	case 13: /* X-only */
		poke(e, (pte & ~(uint64_t)PTE_XWR) | PTE_X);
		t->note = "x-only";
		break;
	default: /* Sv32: a pointer to the right table plus 4 or 8 GiB (a 34-bit PA) */
		if (p && pte_bytes == 4) {
			uint64_t v = peek(p);

			poke(p, pte_set_pa(v, pte_pa(v) + ((uint64_t)(1 + below(2)) << 32)));
			t->note = "pointer-above-4g";
		}
		break;
	}
}

/* ---- probes ------------------------------------------------------------------------------- */

/* What a probe does: the instruction, and the access type lib/mmu is asked about. */
enum kind { K_LOAD, K_STORE, K_FETCH, K_AMO, K_LR, K_COUNT };
static const char *const kind_name[K_COUNT] = {"load", "store", "fetch", "amoor", "lr"};
static const unsigned kind_type[K_COUNT] = {MMU_LOAD, MMU_STORE, MMU_FETCH, MMU_STORE, MMU_LOAD};

#if XLEN == 64
#define AMO_INSN "amoor.d"
#define LR_INSN "lr.d"
#else
#define AMO_INSN "amoor.w"
#define LR_INSN "lr.w"
#endif

/*
 * A data access in M-mode under ms_probe (MPRV=1, MPP=S/U/M, SUM, MXR), after sfence.vma, then
 * back to ms_back. Every instruction is 4 bytes: the trap handler steps over a faulting one,
 * leaving v as it was.
 */
#define DATA_PROBE(name, insn)                                                               \
	static ureg name(ureg va, ureg v, ureg ms_probe, ureg ms_back)                       \
	{                                                                                    \
		__asm__ volatile(".option push\n\t.option norvc\n\t"                         \
				 "sfence.vma x0, x0\n\t"                                     \
				 "csrw mstatus, %[p]\n\t" insn "\n\t"                        \
				 "csrw mstatus, %[b]\n\t"                                    \
				 ".option pop"                                               \
				 : [v] "+r"(v)                                               \
				 : [va] "r"(va), [p] "r"(ms_probe), [b] "r"(ms_back)         \
				 : "memory");                                                \
		return v;                                                            \
	}
DATA_PROBE(probe_load, LOAD_INSN " %[v], 0(%[va])")
DATA_PROBE(probe_store, STORE_INSN " %[v], 0(%[va])")
DATA_PROBE(probe_amo, AMO_INSN " %[v], zero, (%[va])") /* memory |= 0: a store, value kept */
DATA_PROBE(probe_lr, LR_INSN " %[v], (%[va])")

struct actual {
	bool ok;
	unsigned cause;
	ureg tval, epc;
	ureg value; /* load, lr, amo: the value; store: what is at the expected PA afterwards */
	pa_t pa;    /* fetch: the PA the executed slot names */
};

static void set_satp(uint64_t satp)
{
	QD_CSR_WRITE(satp, (ureg)satp);
	satp_now = QD_CSR_READ(satp);
	if (!mmu_riscv_write_satp(&sw, satp_now))
		say("qemu-diff: lib/mmu refused satp 0x%llx\n", (unsigned long long)satp_now);
}

static char priv_char(unsigned priv)
{
	return priv == PRIV_U ? 'U' : priv == PRIV_S ? 'S' : 'M';
}

/* Mismatches by (what differed, access, causes expected and seen), for the summary; the first
 * few of each class are printed in full. */
struct mclass {
	const char *what, *note; /* note: the target of the first one */
	enum kind kind;
	int exp, act; /* expected / seen: the cause, or -1 for no fault */
	uint64_t n;
};
#define MAX_CLASSES 48
#define REPORTS_PER_CLASS 3
static struct mclass mclass[MAX_CLASSES];
static unsigned nmclass;

/* Count a mismatch in its class; returns how many that class has now. */
static uint64_t classify(const char *what, enum kind kind, int exp, int act, const char *note)
{
	for (unsigned i = 0; i < nmclass; i++) {
		struct mclass *c = &mclass[i];

		if (c->what == what && c->kind == kind && c->exp == exp && c->act == act)
			return ++c->n;
	}
	if (nmclass < MAX_CLASSES)
		mclass[nmclass++] = (struct mclass){what, note, kind, exp, act, 1};
	return 1;
}

static void report(const char *what, va_t va, enum kind kind, unsigned priv, bool sum, bool mxr,
		   const char *note, unsigned pidx, const struct mmu_result *res, bool exp_ok,
		   const struct actual *act, uint64_t exp_value, bool walk_diff)
{
	static unsigned printed;

	if (cnt.mismatches == 0)
		printed = 0;
	cnt.mismatches++;
	if (classify(what, kind, exp_ok ? -1 : (int)res->cause, act->ok ? -1 : (int)act->cause,
		     note) > REPORTS_PER_CLASS ||
	    printed >= MAX_REPORTS)
		return;
	printed++;
	say("MISMATCH %s (%s): seed=%llu round=%u probe=%u va=0x%llx mode=%s%c access=%s sum=%d "
	    "mxr=%d satp=0x%llx target=%s svnapot=%d svpbmt=%d\n",
	    F->name, what, (unsigned long long)cfg.seed, round_no, pidx, (unsigned long long)va,
	    kind == K_FETCH ? "" : "M,MPRV=1,MPP=", priv_char(priv), kind_name[kind], sum,
	    mxr, (unsigned long long)satp_now, note, cfg.svnapot, cfg.svpbmt);
	if (exp_ok)
		say("  lib/mmu: OK pa=0x%llx page=0x%llx level=%d value=0x%llx\n",
		    (unsigned long long)res->pa, (unsigned long long)res->page_size, res->level,
		    (unsigned long long)exp_value);
	else
		say("  lib/mmu: %s cause=%u tval=0x%llx level=%d pte_pa=0x%llx pte=0x%llx\n",
		    mmu_status_name(res->status), res->cause, (unsigned long long)res->tval,
		    res->level, (unsigned long long)res->pte_pa, (unsigned long long)res->pte);
	if (act->ok && kind == K_FETCH)
		say("  qemu:    OK, ran the slot at pa=0x%llx: ecall mcause=%u mepc=0x%llx\n",
		    (unsigned long long)act->pa, act->cause, (unsigned long long)act->epc);
	else if (act->ok && kind == K_STORE)
		say("  qemu:    OK (the stored value is%s at lib/mmu's pa)\n",
		    exp_ok && act->value == exp_value ? "" : " not");
	else if (act->ok)
		say("  qemu:    OK value=0x%llx\n", (unsigned long long)act->value);
	else
		say("  qemu:    fault mcause=%u mtval=0x%llx mepc=0x%llx\n", act->cause,
		    (unsigned long long)act->tval, (unsigned long long)act->epc);
	/* An access fault at a PA above 4 GiB that QEMU performed: say whether it went to the low
	 * 32 bits of that PA instead. */
	if (!exp_ok && act->ok && res->status == MMU_ACCESS_FAULT && sim_access_pa != ~(pa_t)0 &&
	    (sim_access_pa >> 32) != 0 && in_data(sim_access_pa & 0xffffffffu)) {
		pa_t low = sim_access_pa & 0xffffffffu;
		bool same = kind == K_FETCH ? act->pa == (low & ~(pa_t)7)
			    : kind == K_STORE ? true
					      : act->value == (ureg)rd_phys(low, sizeof(ureg));

		say("  lib/mmu's PA 0x%llx has nothing behind it; QEMU's %s %s PA 0x%llx (its low 32 "
		    "bits)\n",
		    (unsigned long long)sim_access_pa, kind_name[kind],
		    kind == K_STORE ? "presumably went to (see 'stray data write')"
		    : same		    ? "matches"
					    : "does NOT match",
		    (unsigned long long)low);
	}
	for (unsigned i = 0; i < ntouched; i++) {
		const struct touched *t = &touched[i];
		uint64_t sw_after = t->pool ? rd_phys(shadow_of(t->pa), pte_bytes) : t->overlay;

		say("  walk[%u] pte@0x%llx before=0x%llx lib/mmu-after=0x%llx qemu-after=0x%llx%s\n",
		    i, (unsigned long long)t->pa, (unsigned long long)t->before,
		    (unsigned long long)sw_after, (unsigned long long)peek(t->pa),
		    walk_diff && sw_after != peek(t->pa) ? "  <-- differs" : "");
	}
}

/*
 * One probe: expectation from lib/mmu, then the real access, then the comparison. priv is the
 * mode of the access: S or U (fetches run there; data accesses use MPRV=1 with MPP=priv), or M
 * for a data access with MPRV=1 and MPP=M. Returns false when the probe was skipped (the real
 * access would have touched memory it must not).
 */
static bool probe(unsigned pidx, va_t va, enum kind kind, unsigned priv, bool sum, bool mxr,
		  const char *note)
{
	volatile struct qd_trap_area *ta = &qd_trap_area;
	unsigned type = kind_type[kind];
	ureg flags = (sum ? MSTATUS_SUM : 0) | (mxr ? MSTATUS_MXR : 0) | ((ureg)priv << 11);
	ureg ms_data = mstatus_base | MSTATUS_MPRV | flags;
	ureg ms_fetch = mstatus_base | flags;
	struct mmu_result res;
	struct actual act = {false, 0, 0, 0, 0, 0};
	uint64_t exp_value = 0;
	ureg store_val = 0, old = 0;

	va = (va_t)(ureg)va;
	ntouched = 0;
	sim_unsafe = false;
	sim_access_pa = ~(pa_t)0;
	if (kind == K_FETCH) {
		sw.rv.priv = priv;
		mmu_riscv_write_mstatus(&sw, ms_fetch);
	} else {
		sw.rv.priv = PRIV_M;
		mmu_riscv_write_mstatus(&sw, ms_data);
	}
	if (kind == K_AMO && cfg.amo_split) {
		/* Diagnostic: an AMO as a load followed by a store (QEMU 7.2 TCG, one vCPU). */
		mmu_translate(&sw, va, MMU_LOAD | MMU_NO_TLB, &res);
		if (res.status == MMU_OK)
			mmu_translate(&sw, va, MMU_STORE | MMU_NO_TLB, &res);
	} else {
		mmu_translate(&sw, va, type | MMU_NO_TLB, &res);
	}
	bool exp_ok = res.status == MMU_OK;

	/* Follow only what is safe to do for real. */
	bool unsafe = sim_unsafe;
	if (exp_ok && type != MMU_LOAD && !in_data(res.pa))
		unsafe = true;
	if (exp_ok && type == MMU_LOAD && !in_ram(res.pa, sizeof(ureg)))
		unsafe = true;
	if (unsafe) {
		for (unsigned i = 0; i < ntouched; i++)
			if (touched[i].pool)
				wr_phys(shadow_of(touched[i].pa), pte_bytes, touched[i].before);
		cnt.skipped++;
		return false;
	}
	if (exp_ok && type != MMU_FETCH) {
		exp_value = view_read(res.pa, sizeof(ureg));
		old = (ureg)rd_phys(res.pa, sizeof(ureg));
	}
	if (kind == K_STORE) {
		store_val = (ureg)rnd() | 1u;
		if (store_val == old)
			store_val ^= 2u;
	} else if (kind != K_FETCH) {
		store_val = (ureg)0x5a5a5a5a5a5a5a5aull; /* stays in the register on a fault */
	}

	/* The real access. */
	ta->w[QD_TA_TRAPPED] = 0;
	ta->w[QD_TA_CAUSE] = 0;
	ta->w[QD_TA_TVAL] = 0;
	ta->w[QD_TA_EPC] = 0;
	if (kind == K_FETCH) {
		ta->w[QD_TA_CTX] = (uintptr_t)fetch_ctx;
		ta->w[QD_TA_KIND] = QD_KIND_FETCH;
		qd_probe_fetch(fetch_ctx, (ureg)va, ms_fetch);
		QD_CSR_WRITE(mstatus, mstatus_base);
		act.cause = (unsigned)ta->w[QD_TA_CAUSE];
		act.tval = ta->w[QD_TA_TVAL];
		act.epc = ta->w[QD_TA_EPC];
		act.ok = act.cause == CAUSE_ECALL_U || act.cause == CAUSE_ECALL_S;
		if (act.ok)
			act.pa = DATA_BASE + (((ta->w[QD_TA_A0] >> 12) & 0xfffffu) << 3);
	} else {
		ureg v;

		ta->w[QD_TA_KIND] = QD_KIND_DATA;
		switch (kind) {
		case K_LOAD:
			v = probe_load((ureg)va, store_val, ms_data, mstatus_base);
			break;
		case K_STORE:
			v = probe_store((ureg)va, store_val, ms_data, mstatus_base);
			break;
		case K_AMO:
			v = probe_amo((ureg)va, store_val, ms_data, mstatus_base);
			break;
		default:
			v = probe_lr((ureg)va, store_val, ms_data, mstatus_base);
			break;
		}
		ta->w[QD_TA_KIND] = QD_KIND_NONE;
		act.ok = ta->w[QD_TA_TRAPPED] == 0;
		act.cause = (unsigned)ta->w[QD_TA_CAUSE];
		act.tval = ta->w[QD_TA_TVAL];
		act.epc = ta->w[QD_TA_EPC];
		act.value = v;
		if (kind == K_STORE && exp_ok)
			act.value = (ureg)rd_phys(res.pa, sizeof(ureg));
	}

	/* Compare the outcome. */
	const char *what = 0;
	if (exp_ok != act.ok) {
		what = exp_ok ? "qemu faulted" : "qemu did not fault";
	} else if (!exp_ok) {
		if (res.cause != act.cause)
			what = "fault cause";
		else if ((ureg)res.tval != act.tval)
			what = "fault tval";
	} else if (kind == K_STORE) {
		if (act.value != store_val)
			what = "store not at the expected PA";
		exp_value = store_val;
	} else if (kind == K_FETCH) {
		if (act.pa != (res.pa & ~(pa_t)7))
			what = "fetched from another PA";
		else if (act.epc != (ureg)va + 4)
			what = "fetch: ecall elsewhere";
		else if (act.cause != (priv == PRIV_U ? CAUSE_ECALL_U : CAUSE_ECALL_S))
			what = "fetch ran in the wrong mode";
	} else {
		if (act.value != (ureg)exp_value)
			what = "value loaded";
		else if (kind == K_AMO && (ureg)rd_phys(res.pa, sizeof(ureg)) != old)
			what = "amoor changed memory";
	}
	if (exp_ok && type == MMU_STORE)
		wr_phys(res.pa, sizeof(ureg), old);

	/* Compare every entry the walk read: QEMU's A/D writes against lib/mmu's. */
	bool walk_diff = false, wrote = false;
	for (unsigned i = 0; i < ntouched; i++) {
		const struct touched *t = &touched[i];
		uint64_t sw_after = t->pool ? rd_phys(shadow_of(t->pa), pte_bytes) : t->overlay;
		uint64_t real = peek(t->pa);

		if (sw_after != real)
			walk_diff = true;
		if (sw_after != t->before)
			wrote = true;
	}
	if (!what && walk_diff)
		what = "A/D bits written";
	if (what)
		report(what, va, kind, priv, sum, mxr, note, pidx, &res, exp_ok, &act, exp_value,
		       walk_diff);
	if (wrote && !walk_diff)
		cnt.ad_writes++;

	/* Both views start the next probe equal: pool entries as QEMU left them, data frames used
	 * as tables back to their pattern. */
	for (unsigned i = 0; i < ntouched; i++) {
		const struct touched *t = &touched[i];

		if (t->pool)
			wr_phys(shadow_of(t->pa), pte_bytes, peek(t->pa));
		else
			wr_phys(t->pa, pte_bytes, t->before);
	}
	if (exp_ok && res.level >= 0 && res.level < PT_MAX_LEVELS) {
		cnt.ok_level[res.level]++;
		if (res.page_size == 0x10000)
			cnt.ok_napot++;
	}
	cnt.probes++;
	cnt.outcome[kind][exp_ok ? 0 : res.status == MMU_PAGE_FAULT ? 1 : 2]++;
	return true;
}

/* A VA to probe: in a target (where its PA is data, if any is), near it, non-canonical, or
 * anywhere. *tp is the target, or NULL. */
static va_t pick_va(const char **note, const struct target **tp)
{
	*tp = 0;
	if (!ntg || chance(1, 12)) {
		*note = "random";
		return rand_va(PAGE) + below(PAGE / 8) * 8;
	}
	const struct target *t = &tg[below(ntg)];
	uint64_t off;
	pa_t lo = t->pa > DATA_BASE ? t->pa : DATA_BASE;
	pa_t hi = t->pa + t->size < DATA_END ? t->pa + t->size : DATA_END;

	*tp = t;
	*note = t->note;
	if (t->pa + t->size > t->pa && lo < hi)
		off = lo - t->pa + below((hi - lo) / 8) * 8;
	else
		off = below(t->size / 8) * 8;
	va_t va = t->va + off;

	if (chance(1, 24)) { /* just outside it */
		va = chance(1, 2) ? t->va - 8 - below(64) * 8 : t->va + t->size + below(64) * 8;
		*note = "next-to-target";
	}
	if (F->sign_extended && chance(1, 24)) { /* break the sign extension */
		va ^= (uint64_t)1 << (F->va_bits + below(64 - F->va_bits));
		*note = "non-canonical";
	}
	if (overlaps_ram_window(va, 8))
		va = rand_va(PAGE);
	return va;
}

/* Between probes: reset A/D on some leaf (so QEMU has to set them again), flip a permission,
 * or touch a pointer's bits. Both views change together. */
static void mutate(void)
{
	if (!ntg)
		return;
	struct target *t = &tg[below(ntg)];

	if (!t->leaf_pa)
		return;
	uint64_t pte = peek(t->leaf_pa);
	unsigned k = (unsigned)below(16);

	if (k < 10) {
		pte &= ~(uint64_t)(chance(1, 2) ? PTE_A | PTE_D : chance(1, 2) ? PTE_A : PTE_D);
	} else if (k < 14) {
		uint64_t flip = (uint64_t)1 << (1 + below(7)); /* R W X U G A D */
		uint64_t n = pte ^ flip;

		if ((n & PTE_XWR) == 0)
			return; /* never turn a leaf into a pointer here */
		pte = n;
	} else if (k < 15 && pte_bytes == 8) {
		pte ^= (uint64_t)1 << (54 + below(10));
	} else {
		unsigned l;
		pa_t p = path_pointer(t, &l);

		if (p)
			poke(p, peek(p) ^ (chance(1, 2) ? PTE_G : (uint64_t)1 << (4 + below(4))));
		return;
	}
	poke(t->leaf_pa, pte);
}

static void check_round_memory(void)
{
	for (pa_t pa = POOL_BASE; pa < pool_next; pa += pte_bytes) {
		uint64_t real = peek(pa), shadow = rd_phys(shadow_of(pa), pte_bytes);

		if (real != shadow) {
			cnt.mismatches++;
			classify("stray PTE write", K_COUNT, -1, -1, "-");
			say("MISMATCH %s (stray PTE write): seed=%llu round=%u pte@0x%llx lib/mmu=0x%llx "
			    "qemu=0x%llx\n",
			    F->name, (unsigned long long)cfg.seed, round_no, (unsigned long long)pa,
			    (unsigned long long)shadow, (unsigned long long)real);
			wr_phys(shadow_of(pa), pte_bytes, real);
		}
	}
	for (pa_t pa = DATA_BASE; pa < DATA_END; pa += 8) {
		uint64_t want = pattern64(pa);
		uint64_t have = ((uint64_t)*(volatile uint32_t *)(uintptr_t)(pa + 4) << 32) |
				*(volatile uint32_t *)(uintptr_t)pa;

		if (have != want) {
			cnt.mismatches++;
			classify("stray data write", K_COUNT, -1, -1, "-");
			say("MISMATCH %s (stray data write): seed=%llu round=%u pa=0x%llx holds 0x%llx\n",
			    F->name, (unsigned long long)cfg.seed, round_no, (unsigned long long)pa,
			    (unsigned long long)have);
			*(volatile uint32_t *)(uintptr_t)pa = slot_lui(pa);
			*(volatile uint32_t *)(uintptr_t)(pa + 4) = ECALL;
		}
	}
}

/* Probes by the case their VA was picked for (target notes), for the summary. */
struct cover {
	const char *note;
	uint64_t n;
};
#define MAX_COVER 40
static struct cover cover[MAX_COVER];
static unsigned ncover;

static void count_cover(const char *note)
{
	for (unsigned i = 0; i < ncover; i++) {
		if (cover[i].note == note) {
			cover[i].n++;
			return;
		}
	}
	if (ncover < MAX_COVER)
		cover[ncover++] = (struct cover){note, 1};
}

/* Set during the special phases of a round (odd roots): names the case in reports. */
static const char *phase_note;

static void run_probes(unsigned n, unsigned *pidx)
{
	for (unsigned i = 0; i < n; i++) {
		const char *note;
		const struct target *t;

		if (chance(1, 6))
			mutate();
		va_t va = pick_va(&note, &t);
		enum kind kind = (enum kind)below(K_COUNT);
		unsigned priv = chance(1, 2) ? PRIV_U : PRIV_S;
		bool sum = chance(1, 2), mxr = chance(1, 2);

		/* Half the time, ask for what the leaf grants, so that successes are common. */
		if (t && t->leaf_pa && chance(1, 2)) {
			uint64_t leaf = peek(t->leaf_pa);
			enum kind ok[K_COUNT];
			unsigned nok = 0;

			priv = (leaf & PTE_U) ? PRIV_U : PRIV_S;
			if (leaf & PTE_R) {
				ok[nok++] = K_LOAD;
				ok[nok++] = K_LR;
			}
			if (leaf & PTE_W) {
				ok[nok++] = K_STORE;
				ok[nok++] = K_AMO;
			}
			if (leaf & PTE_X)
				ok[nok++] = K_FETCH;
			if (nok)
				kind = ok[below(nok)];
		}
		/* Now and then a data access with MPP=M: no translation at all. */
		if (kind != K_FETCH && chance(1, 64)) {
			priv = PRIV_M;
			va = DATA_BASE + below((DATA_END - DATA_BASE) / 8) * 8;
			if (chance(1, 4))
				va = rand_unbacked(PAGE) + below(PAGE / 8) * 8;
			note = "mpp-m";
		}
		if (phase_note)
			note = phase_note;
		if (probe((*pidx)++, va, kind, priv, sum, mxr, note))
			count_cover(note);
	}
}

static void run_round(uint64_t fmt_seed)
{
	unsigned pidx = 0;

	round_seed = qd_mix(fmt_seed + round_no);
	qd_rng_seed(&rng, round_seed);
	pool_next = POOL_BASE;
	pool_nfree = 0;
	ntg = 0;
	if (pt_init(&pt, F, &build_mem) != PT_OK) {
		say("qemu-diff: pt_init failed\n");
		qd_exit(4);
	}
	unsigned nmap = 24 + (unsigned)below(24);

	for (unsigned i = 0; i < nmap; i++)
		gen_mapping();
	if (pte_bytes == 8)
		for (unsigned i = 0; i < 3; i++)
			gen_napot();
	for (unsigned i = 0, n = 6 + (unsigned)below(12); i < n; i++)
		gen_broken();
	for (pa_t pa = POOL_BASE; pa < pool_next; pa += 4)
		*(volatile uint32_t *)(uintptr_t)shadow_of(pa) = *(volatile uint32_t *)(uintptr_t)pa;

	uint32_t asid = (uint32_t)rnd() & (XLEN == 64 ? 0xffffu : 0x1ffu);

	set_satp(mmu_riscv_make_satp(XLEN, satp_mode, asid, pt.root));
	run_probes((unsigned)cfg.probes, &pidx);

	/* A root that is not memory, then a data frame as the root table. */
	if (round_no % 4 == 3) {
		phase_note = "root-at-nothing";
		set_satp(mmu_riscv_make_satp(XLEN, satp_mode, asid, rand_unbacked(PAGE)));
		run_probes(24, &pidx);
		pa_t frame = 0;

		phase_note = "root-is-data-frame";
		rand_in(DATA_BASE, DATA_END, PAGE, &frame);
		set_satp(mmu_riscv_make_satp(XLEN, satp_mode, asid, frame));
		run_probes(24, &pidx);
		if (XLEN == 32) { /* the real root plus 4 GiB */
			phase_note = "root-above-4g";
			set_satp(mmu_riscv_make_satp(XLEN, satp_mode, asid, pt.root + 0x100000000ull));
			run_probes(24, &pidx);
		}
		phase_note = 0;
	}
	QD_CSR_WRITE(satp, 0);
	__asm__ volatile("sfence.vma x0, x0" ::: "memory");
	check_round_memory();
}

/* One paging format; returns its mismatch count. */
static uint64_t run_format(const struct pt_format *f, unsigned mode)
{
	F = f;
	satp_mode = mode;
	pte_bytes = f->pte_size;
	cnt = (struct counts){0};
	nmclass = 0;
	ncover = 0;

	/* Does the hart take this MODE? (An unsupported one leaves satp unchanged.) */
	uint64_t want = mmu_riscv_make_satp(XLEN, mode, 0, POOL_BASE);

	QD_CSR_WRITE(satp, (ureg)want);
	uint64_t got = QD_CSR_READ(satp);

	QD_CSR_WRITE(satp, 0);
	if (got != want) {
		say("qemu-diff %s: 0 probes, 1 mismatches (the CPU refused satp.MODE=%u)\n", f->name,
		    mode);
		return 1;
	}

	mmu_init(&sw, MMU_ARCH_RISCV, MMU_MODEL_QEMU72, &sim_mem);
	sw.rv.xlen = XLEN;
	sw.rv.svnapot = cfg.svnapot;
	sw.rv.svpbmt = cfg.svpbmt;
	sw.phys.check = sim_phys;

	uint64_t fmt_seed = qd_mix(cfg.seed ^ ((uint64_t)mode << 40));

	for (round_no = 0; round_no < cfg.rounds; round_no++)
		run_round(fmt_seed);

	say("qemu-diff %s: %llu probes, %llu mismatches (skipped %llu; svnapot=%d svpbmt=%d "
	    "pbmte=%d seed=%llu)\n",
	    f->name, (unsigned long long)cnt.probes, (unsigned long long)cnt.mismatches,
	    (unsigned long long)cnt.skipped, cfg.svnapot, cfg.svpbmt, cfg.pbmte,
	    (unsigned long long)cfg.seed);
	say("  expected outcomes (ok/page fault/access fault):");
	for (unsigned k = 0; k < K_COUNT; k++)
		say(" %s %llu/%llu/%llu", kind_name[k], (unsigned long long)cnt.outcome[k][0],
		    (unsigned long long)cnt.outcome[k][1], (unsigned long long)cnt.outcome[k][2]);
	say("; A/D written by both %llu times\n", (unsigned long long)cnt.ad_writes);
	say("  translated by a leaf at level:");
	for (unsigned l = 0; l < F->levels; l++)
		say(" %u: %llu", l, (unsigned long long)cnt.ok_level[l]);
	say(" (64 KiB NAPOT: %llu)\n", (unsigned long long)cnt.ok_napot);
	say("  probes by case:");
	for (unsigned i = 0; i < ncover; i++)
		say(" %s %llu", cover[i].note, (unsigned long long)cover[i].n);
	say("\n");
	for (unsigned i = 0; i < nmclass; i++) {
		const struct mclass *c = &mclass[i];

		say("  mismatches: %llu x %s", (unsigned long long)c->n, c->what);
		if (c->kind < K_COUNT) {
			say(", %s, lib/mmu ", kind_name[c->kind]);
			c->exp < 0 ? say("ok") : say("cause %d", c->exp);
			say(", qemu ");
			c->act < 0 ? say("ok") : say("cause %d", c->act);
			say(" (first on target %s)", c->note);
		}
		say("\n");
	}
	return cnt.mismatches;
}

void qd_main(uintptr_t hartid, uintptr_t dtb)
{
	(void)hartid;
	qd_trap_area.w[QD_TA_ESTACK] = (uintptr_t)qd_estack_top;
	qd_trap_area.w[QD_TA_KIND] = QD_KIND_NONE;

	/* Nothing delegated, no interrupts, PMP open to S and U over the whole space. */
	QD_CSR_WRITE(medeleg, 0);
	QD_CSR_WRITE(mideleg, 0);
	QD_CSR_WRITE(mie, 0);
	QD_CSR_WRITE(pmpaddr0, ~(ureg)0);
	QD_CSR_WRITE(pmpcfg0, 0x1f); /* NAPOT, R W X */
	QD_CSR_WRITE(satp, 0);
	mstatus_base = QD_CSR_READ(mstatus) & ~(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP |
						MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR |
						MSTATUS_TVM);
	QD_CSR_WRITE(mstatus, mstatus_base);

	read_config(dtb);
#if XLEN == 64
	{
		/* menvcfg.PBMTE (bit 62), as configured; 0x30a = menvcfg. */
		ureg env = QD_CSR_READ(0x30a);

		env = cfg.pbmte ? env | ((ureg)1 << 62) : env & ~((ureg)1 << 62);
		QD_CSR_WRITE(0x30a, env);
	}
#endif
	say("qemu-diff: RV%d, svnapot=%d svpbmt=%d pbmte=%d%s, seed=%llu, %llu rounds x %llu probes "
	    "per format\n",
	    XLEN, cfg.svnapot, cfg.svpbmt, cfg.pbmte, cfg.amo_split ? ", amo-split" : "",
	    (unsigned long long)cfg.seed,
	    (unsigned long long)cfg.rounds, (unsigned long long)cfg.probes);
	fill_data();

	uint64_t bad = 0;
#if XLEN == 64
	bad += run_format(&pt_format_sv39, MMU_SATP_SV39);
	bad += run_format(&pt_format_sv48, MMU_SATP_SV48);
	bad += run_format(&pt_format_sv57, MMU_SATP_SV57);
#else
	bad += run_format(&pt_format_sv32, MMU_SATP_SV32);
#endif
	say(bad ? "qemu-diff: FAIL\n" : "qemu-diff: PASS\n");
	qd_exit(bad ? 1 : 0);
}
