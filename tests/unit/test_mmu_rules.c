/*
 * Conformance of the software MMU (lib/mmu) with the translation rules: every case of
 * ../shared/docs/mmu-rules.md section 4 (rows "Cnn", cases 1-55) plus our own rows ("Rnn"),
 * across the eight formats, each row run under MMU_MODEL_SPEC and MMU_MODEL_QEMU72.
 *
 * A row builds a table with pt_map (a leaf of the row's level at the row's VA), pokes raw bits
 * into the entries on the VA's path, sets the processor state, translates (or translates a span
 * across a page boundary), and compares with the expected outcome: the PA, or the fault with its
 * cause / error code / tval, and optionally the A and D bits of every entry on the path
 * afterwards. Expected values are written out by hand from the rules document; nothing here
 * calls lib/mmu to compute an expectation. docs/mmu.md maps each case to its rows.
 *
 * A few cases need a sequence rather than one translation (a satp write, TLB behaviour): those
 * rows run a custom function. PMP and "no memory there" are modelled by the mmu's
 * physical-access predicate and by pointing the root outside the simulated RAM.
 */
#include "support/testlib.h"

#include <stdio.h>
#include <stdlib.h>

#include "vmkit/mmu.h"

/* ---- raw entry bits (from the specifications, independent of lib/) ------------------------ */

#define RV_V 0x1ull
#define RV_R 0x2ull
#define RV_W 0x4ull
#define RV_X 0x8ull
#define RV_U 0x10ull
#define RV_G 0x20ull
#define RV_A 0x40ull
#define RV_D 0x80ull
#define RV_PPN0 (1ull << 10) /* lowest PPN bit */
#define RV_PBMT(x) ((uint64_t)(x) << 61)
#define RV_N (1ull << 63)

#define XP 0x1ull
#define XRW 0x2ull
#define XUS 0x4ull
#define XA 0x20ull
#define XDIRTY 0x40ull
#define XPS 0x80ull
#define XG 0x100ull
#define XNX (1ull << 63)
#define XKEY(k) ((uint64_t)(k) << 59)

/* ---- rows ---------------------------------------------------------------------------------- */

/* State flags. RISC-V default: S-mode, SUM=MXR=0, no Svade/Svnapot/Svpbmt (hardware A/D).
 * x86 default: CPL0, CR0.WP=1, EFER.NXE=1, CR4.PSE=1, MAXPHYADDR 40, Page1GB. */
#define S_U (1u << 0)        /* RISC-V priv U; x86 CPL3 */
#define S_M (1u << 1)        /* RISC-V priv M */
#define S_MPRV_U (1u << 2)   /* priv M, MPRV=1, MPP=U */
#define S_MPRV_S (1u << 3)   /* priv M, MPRV=1, MPP=S */
#define S_SUM (1u << 4)
#define S_MXR (1u << 5)
#define S_SVADE (1u << 6)
#define S_NAPOT (1u << 7)    /* Svnapot */
#define S_PBMT (1u << 8)     /* Svpbmt (PBMTE=1) */
#define S_BARE (1u << 9)     /* no translation: satp Bare / CR0.PG=0 */
#define S_WP0 (1u << 10)
#define S_NXE0 (1u << 11)
#define S_SMEP (1u << 12)
#define S_SMAP (1u << 13)
#define S_AC (1u << 14)
#define S_PKE (1u << 15)
#define S_PKS (1u << 16)
#define S_PSE0 (1u << 17)
#define S_NO1G (1u << 18)
#define S_DENY_ROOT (1u << 19) /* PMP denies reading the root table */
#define S_NOMEM_ROOT (1u << 20) /* the root points where there is no memory */
#define S_DENY_PA (1u << 21)   /* PMP denies the final access */
#define S_DENY_PTEW (1u << 22) /* PMP denies writing a PTE (A/D update) */
#define S_ROM_PTE (1u << 23)   /* the PTEs cannot be written (ROM) */
#define S_NAPOTMAP (1u << 24)  /* the 16 PTEs of the VA's 64 KiB become one NAPOT mapping */
#define S_TLB (1u << 25)       /* give the mmu a TLB */
#define S_PGE (1u << 26)

/* Outcomes. O_SAME (0) in .qemu means "as .spec". */
enum { O_SAME, O_OK, O_PF, O_AF, O_GP };
/* Memory checks after the access. */
enum { M_ANY, M_SAME, M_AD, M_NOREAD };

struct outcome {
	uint8_t st;
	uint32_t code; /* RISC-V cause; x86 #PF error code */
	uint8_t mem;
	uint8_t a, d;  /* M_AD: bit i = the entry at level i on the path has A / D */
};

#define OK {O_OK, 0, M_ANY, 0, 0}
#define OKAD(a_, d_) {O_OK, 0, M_AD, a_, d_}
#define PF(c) {O_PF, c, M_ANY, 0, 0}
#define PFS(c) {O_PF, c, M_SAME, 0, 0}
#define PFN(c) {O_PF, c, M_NOREAD, 0, 0}
#define PFAD(c, a_, d_) {O_PF, c, M_AD, a_, d_}
#define AF(c) {O_AF, c, M_ANY, 0, 0}
#define AFS(c) {O_AF, c, M_SAME, 0, 0}
#define GP {O_GP, 0, M_ANY, 0, 0}
#define GPN {O_GP, 0, M_NOREAD, 0, 0}

struct poke {
	int level;
	uint64_t set, clr;
};

struct row;
typedef void (*custom_fn)(const struct row *r, enum mmu_model model);

struct row {
	const char *id;      /* "C16a": mmu-rules.md case 16; "R12": our own */
	const char *fmt;
	const char *what;
	uint32_t state;
	int level;           /* leaf level */
	bool nomap;          /* map nothing */
	unsigned perms;      /* leaf perms for pt_map (0: R W X A D) */
	pa_t pa;             /* leaf PA (0: default) */
	unsigned next_perms; /* also map the next 4 KiB page with these perms */
	struct poke poke[3];
	va_t va;             /* 0: DEFAULT_VA */
	unsigned access;
	unsigned pre;        /* an access done first: access + 1 (0: none) */
	uint64_t len;        /* mmu_translate_span of len bytes (0: mmu_translate) */
	uint32_t pkru, pkrs;
	uint8_t maxphy;      /* 0: 40 */
	pa_t want_pa;        /* 0: leaf PA + offset */
	bool qemu_pa32;      /* the QEMU 7.2 model keeps only the PA's low 32 bits (Q17) */
	uint64_t want_size;  /* 0: the leaf level's size */
	uint64_t tval;       /* 0: the VA */
	uint64_t walks;      /* expected walks (0: not checked) */
	int at;              /* AT(level): the level a fault must be reported at (0: not checked) */
	struct outcome spec, qemu;
	custom_fn custom;
};

#define AT(level) ((level) + 2)
#define LD MMU_LOAD
#define ST MMU_STORE
#define FE MMU_FETCH
#define IMP MMU_IMPLICIT
#define PRE_LD (MMU_LOAD + 1)

#define DEFAULT_VA 0x40603123ull
#define PAGE 4096ull

/* Leaf permissions for pt_map. */
#define P_R (PT_R | PT_A | PT_D)
#define P_RW (PT_R | PT_W | PT_A | PT_D)
#define P_RX (PT_R | PT_X | PT_A | PT_D)
#define P_X (PT_X | PT_A | PT_D)
#define P_RWX (PT_R | PT_W | PT_X | PT_A | PT_D)
#define U_R (P_R | PT_U)
#define U_RW (P_RW | PT_U)
#define U_RX (P_RX | PT_U)
#define U_X (P_X | PT_U)
#define U_RWX (P_RWX | PT_U)

static void custom_c29(const struct row *r, enum mmu_model model);
static void custom_c31(const struct row *r, enum mmu_model model);
static void custom_c51(const struct row *r, enum mmu_model model);

static const struct row rows[] = {
	/* ======== mmu-rules.md section 4, RISC-V (Sv39, S-mode, A=D=1 unless stated) ======== */
	{.id = "C1", .fmt = "sv39", .at = AT(-1), .what = "load from VA with bit 38 set, 63:39 clear: PF, no PTE read",
	 .nomap = true, .va = 0x0000004000000000ull, .access = LD, .spec = PFN(13)},
	{.id = "C2", .fmt = "sv39", .what = "canonical upper half walks with VPN[2]=256",
	 .va = 0xFFFFFFC000001000ull, .perms = P_RW, .access = LD, .spec = OK},
	{.id = "C3a", .fmt = "sv39", .what = "level-0 leaf V=0, load", .poke = {{0, 0, RV_V}},
	 .access = LD, .spec = PFS(13)},
	{.id = "C3b", .fmt = "sv39", .what = "level-0 leaf V=0, store", .poke = {{0, 0, RV_V}},
	 .access = ST, .spec = PFS(15)},
	{.id = "C3c", .fmt = "sv39", .what = "level-0 leaf V=0, fetch", .poke = {{0, 0, RV_V}},
	 .access = FE, .spec = PFS(12)},
	{.id = "C4", .fmt = "sv39", .what = "XWR=010 (W only), fetch", .perms = P_RWX,
	 .poke = {{0, 0, RV_R | RV_X}}, .access = FE, .spec = PFS(12)},
	{.id = "C5a", .fmt = "sv39", .what = "XWR=110, load", .perms = P_RWX, .poke = {{0, 0, RV_R}},
	 .access = LD, .spec = PFS(13)},
	{.id = "C5b", .fmt = "sv39", .what = "XWR=110, store", .perms = P_RWX, .poke = {{0, 0, RV_R}},
	 .access = ST, .spec = PFS(15)},
	{.id = "C5c", .fmt = "sv39", .what = "XWR=110, fetch", .perms = P_RWX, .poke = {{0, 0, RV_R}},
	 .access = FE, .spec = PFS(12)},
	{.id = "C6", .fmt = "sv39", .at = AT(0), .what = "level-0 entry XWR=000, V=1: no leaf",
	 .poke = {{0, 0, RV_R | RV_W | RV_X | RV_A | RV_D}}, .access = LD, .spec = PFS(13)},
	{.id = "C7a", .fmt = "sv39", .at = AT(1), .what = "2 MiB leaf with PPN[0]=1, load", .level = 1,
	 .poke = {{1, RV_PPN0, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C7b", .fmt = "sv39", .what = "2 MiB leaf with PPN[0]=1, store", .level = 1,
	 .poke = {{1, RV_PPN0, 0}}, .access = ST, .spec = PFS(15)},
	{.id = "C7c", .fmt = "sv39", .what = "2 MiB leaf with PPN[0]=1, fetch", .level = 1,
	 .poke = {{1, RV_PPN0, 0}}, .access = FE, .spec = PFS(12)},
	{.id = "C8a", .fmt = "sv39", .what = "1 GiB leaf with PPN[1]!=0", .level = 2,
	 .poke = {{2, RV_PPN0 << 9, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C8b", .fmt = "sv39", .what = "1 GiB leaf aligned: PA[29:0]=VA[29:0]", .level = 2,
	 .access = LD, .want_pa = 0xC0603123ull, .spec = OK},
	{.id = "C9a", .fmt = "sv39", .what = "S-mode load from U page, SUM=0", .perms = U_RW,
	 .access = LD, .spec = PFS(13)},
	{.id = "C9b", .fmt = "sv39", .what = "S-mode load from U page, SUM=1", .perms = U_RW,
	 .state = S_SUM, .access = LD, .spec = OK},
	{.id = "C10", .fmt = "sv39", .what = "S-mode fetch from U+X page with SUM=1",
	 .perms = U_RWX, .state = S_SUM, .access = FE, .spec = PFS(12)},
	{.id = "C11a", .fmt = "sv39", .what = "U-mode load from U=0 page", .state = S_U,
	 .access = LD, .spec = PFS(13)},
	{.id = "C11b", .fmt = "sv39", .what = "U-mode fetch from U=0 page", .state = S_U,
	 .access = FE, .spec = PFS(12)},
	{.id = "C12a", .fmt = "sv39", .what = "load from X-only page, MXR=0", .perms = P_X,
	 .access = LD, .spec = PFS(13)},
	{.id = "C12b", .fmt = "sv39", .what = "load from X-only page, MXR=1", .perms = P_X,
	 .state = S_MXR, .access = LD, .spec = OK},
	{.id = "C12c", .fmt = "sv39", .what = "fetch from R-only page", .perms = P_R,
	 .access = FE, .spec = PFS(12)},
	{.id = "C13a", .fmt = "sv39", .what = "store to R-only page", .perms = P_R, .access = ST,
	 .spec = PFS(15)},
	{.id = "C13b", .fmt = "sv39", .what = "AMO (a store) to X-only page: 15, never 13",
	 .perms = P_X, .access = ST, .spec = PFS(15)},
	{.id = "C14a", .fmt = "sv39", .what = "LR (a load) to XWR=100 page", .perms = P_X,
	 .access = LD, .spec = PFS(13)},
	{.id = "C14b", .fmt = "sv39", .what = "SC (a store) to R-only page", .perms = P_R,
	 .access = ST, .spec = PFS(15)},
	{.id = "C15a", .fmt = "sv39", .what = "M-mode MPRV=1 MPP=U: load from U=0 page",
	 .state = S_MPRV_U, .access = LD, .spec = PFS(13)},
	{.id = "C15b", .fmt = "sv39", .what = "M-mode MPRV=1 MPP=U: fetch is not translated",
	 .state = S_MPRV_U, .access = FE, .want_pa = DEFAULT_VA, .want_size = PAGE, .spec = OK},
	{.id = "C16a", .fmt = "sv39", .what = "leaf A=0, load, Svade (QEMU 7.2 sets A)",
	 .state = S_SVADE, .perms = PT_R | PT_W, .access = LD, .spec = PFS(13),
	 .qemu = OKAD(0x1, 0x0)},
	{.id = "C16b", .fmt = "sv39", .what = "leaf A=0, load, hardware A/D update",
	 .perms = PT_R | PT_W, .access = LD, .spec = OKAD(0x1, 0x0)},
	{.id = "C17a", .fmt = "sv39", .what = "leaf A=1 D=0, store, Svade (QEMU 7.2 sets D)",
	 .state = S_SVADE, .perms = PT_R | PT_W | PT_A, .access = ST, .spec = PFS(15),
	 .qemu = OKAD(0x1, 0x1)},
	{.id = "C17b", .fmt = "sv39", .what = "leaf A=1 D=0, store, hardware A/D update",
	 .perms = PT_R | PT_W | PT_A, .access = ST, .spec = OKAD(0x1, 0x1)},
	{.id = "C18a", .fmt = "sv39", .what = "leaf A=1 D=0: a load leaves D=0", .state = S_TLB,
	 .perms = PT_R | PT_W | PT_A, .access = LD, .spec = OKAD(0x1, 0x0)},
	{.id = "C18b", .fmt = "sv39", .what = "leaf A=1 D=0: load then store re-walks and sets D",
	 .state = S_TLB, .perms = PT_R | PT_W | PT_A, .pre = PRE_LD, .access = ST, .walks = 2,
	 .spec = OKAD(0x1, 0x1)},
	{.id = "C19a", .fmt = "sv39", .what = "non-leaf with A=1 (QEMU, Spike; spec reserved)",
	 .poke = {{1, RV_A, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C19b", .fmt = "sv39", .what = "non-leaf with D=1", .poke = {{2, RV_D, 0}},
	 .access = LD, .spec = PFS(13)},
	{.id = "C19c", .fmt = "sv39", .what = "non-leaf with U=1", .poke = {{1, RV_U, 0}},
	 .access = LD, .spec = PFS(13)},
	{.id = "C20a", .fmt = "sv39", .what = "leaf bit 54 set, Svpbmt/Svnapot off",
	 .poke = {{0, 1ull << 54, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C20b", .fmt = "sv39", .what = "leaf bit 54 set, Svpbmt on (QEMU: not checked)",
	 .state = S_PBMT, .poke = {{0, 1ull << 54, 0}}, .access = LD, .spec = PFS(13),
	 .qemu = OK},
	{.id = "C20c", .fmt = "sv39", .what = "leaf bit 54 set, Svnapot on (QEMU: not checked)",
	 .state = S_NAPOT, .poke = {{0, 1ull << 54, 0}}, .access = LD, .spec = PFS(13),
	 .qemu = OK},
	{.id = "C21a", .fmt = "sv39", .what = "leaf PBMT=1 without Svpbmt",
	 .poke = {{0, RV_PBMT(1), 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C21b", .fmt = "sv39", .what = "leaf PBMT=1 with Svpbmt", .state = S_PBMT,
	 .poke = {{0, RV_PBMT(1), 0}}, .access = LD, .spec = OK},
	{.id = "C21c", .fmt = "sv39", .what = "leaf PBMT=3 with Svpbmt (QEMU accepts)",
	 .state = S_PBMT, .poke = {{0, RV_PBMT(3), 0}}, .access = LD, .spec = PFS(13),
	 .qemu = OK},
	{.id = "C22a", .fmt = "sv39", .what = "non-leaf PBMT=1 (Svpbmt on)", .state = S_PBMT,
	 .poke = {{1, RV_PBMT(1), 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C22b", .fmt = "sv39", .what = "non-leaf N=1 (Svnapot on)", .state = S_NAPOT,
	 .poke = {{1, RV_N, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C23a", .fmt = "sv39", .what = "NAPOT 64 KiB: VA base+0x5123 -> PPN[3:0]=5",
	 .state = S_NAPOT | S_NAPOTMAP, .va = 0x40605123ull, .access = LD,
	 .want_pa = 0x7fc05123ull, .want_size = 0x10000, .spec = OK},
	{.id = "C23b", .fmt = "sv39", .what = "NAPOT: only the consulted PTE gets A",
	 .state = S_NAPOT | S_NAPOTMAP, .va = 0x4060c123ull, .perms = PT_R | PT_W, .access = LD,
	 .want_pa = 0x7fc0c123ull, .want_size = 0x10000, .spec = OKAD(0x1, 0x0)},
	{.id = "C24a", .fmt = "sv39", .what = "NAPOT PPN[3:0]=0100, load (QEMU sets A first)",
	 .state = S_NAPOT, .perms = PT_R | PT_W, .poke = {{0, RV_N | (4ull << 10), 0}},
	 .access = LD, .spec = PFS(13), .qemu = PFAD(13, 0x1, 0x0)},
	{.id = "C24b", .fmt = "sv39", .what = "NAPOT PPN[3:0]=0100, store (QEMU sets A and D)",
	 .state = S_NAPOT, .perms = PT_R | PT_W, .poke = {{0, RV_N | (4ull << 10), 0}},
	 .access = ST, .spec = PFS(15), .qemu = PFAD(15, 0x1, 0x1)},
	{.id = "C25", .fmt = "sv39", .what = "N=1 on a 2 MiB leaf", .state = S_NAPOT, .level = 1,
	 .poke = {{1, RV_N, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C26a", .fmt = "sv39", .at = AT(2), .what = "root read denied by PMP, load: access fault",
	 .state = S_DENY_ROOT, .access = LD, .spec = AFS(5)},
	{.id = "C26b", .fmt = "sv39", .what = "root read denied by PMP, store", .state = S_DENY_ROOT,
	 .access = ST, .spec = AFS(7)},
	{.id = "C26c", .fmt = "sv39", .what = "root read denied by PMP, fetch", .state = S_DENY_ROOT,
	 .access = FE, .spec = AFS(1)},
	{.id = "C27", .fmt = "sv39", .at = AT(2), .what = "root where nothing is mapped (QEMU 7.2: PF)",
	 .state = S_NOMEM_ROOT, .access = LD, .spec = AF(5), .qemu = PF(13)},
	{.id = "C28a", .fmt = "sv39", .what = "final PA denied by PMP, load", .state = S_DENY_PA,
	 .access = LD, .spec = AF(5)},
	{.id = "C28b", .fmt = "sv39", .what = "final PA denied by PMP, store", .state = S_DENY_PA,
	 .access = ST, .spec = AF(7)},
	{.id = "C28c", .fmt = "sv39", .what = "final PA denied by PMP, fetch", .state = S_DENY_PA,
	 .access = FE, .spec = AF(1)},
	{.id = "C29", .fmt = "sv39", .what = "satp write with MODE=5 is discarded",
	 .custom = custom_c29},
	{.id = "C30a", .fmt = "sv32", .what = "RV32 leaf with PPN[1]=0xC00: PA bit 33 (QEMU: cut, Q17)",
	 .pa = 0x300000000ull, .access = LD, .spec = OK, .qemu_pa32 = true},
	{.id = "C30b", .fmt = "sv32", .what = "4 MiB leaf with PPN[0]!=0", .level = 1,
	 .poke = {{1, RV_PPN0, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "C31", .fmt = "sv39", .what = "sfence.vma x0, x5 keeps a global entry (QEMU: not)",
	 .custom = custom_c31},
	{.id = "C32a", .fmt = "sv39", .at = AT(0), .what = "8-byte load at page_end-4, next page unmapped",
	 .va = 0x40603ffcull, .len = 8, .access = LD, .tval = 0x40604000ull, .spec = PF(13)},
	{.id = "C32b", .fmt = "sv39", .what = "8-byte store at page_end-4, next page unmapped",
	 .va = 0x40603ffcull, .len = 8, .access = ST, .tval = 0x40604000ull, .spec = PF(15)},
	{.id = "C33", .fmt = "sv39", .what = "4-byte fetch at page_end-2, next page unmapped",
	 .va = 0x40603ffeull, .len = 4, .access = FE, .tval = 0x40604000ull, .spec = PF(12)},

	/* ======== mmu-rules.md section 4, x86 (4-level, CPL0, WP=1, NXE=1, M=40) ======== */
	{.id = "C34", .fmt = "x86-64", .at = AT(-1), .what = "non-canonical 0x0000800000000000: #GP(0), no walk",
	 .nomap = true, .va = 0x0000800000000000ull, .access = LD, .spec = GPN},
	{.id = "C35a", .fmt = "x86-64", .at = AT(3), .what = "PML4E P=0, read", .poke = {{3, 0, XP}},
	 .access = LD, .spec = PFS(0x0)},
	{.id = "C35b", .fmt = "x86-64", .what = "PML4E P=0, write", .poke = {{3, 0, XP}},
	 .access = ST, .spec = PFS(0x2)},
	{.id = "C35c", .fmt = "x86-64", .what = "PML4E P=0, CPL3 read", .state = S_U,
	 .poke = {{3, 0, XP}}, .access = LD, .spec = PFS(0x4)},
	{.id = "C36", .fmt = "x86-64", .at = AT(3), .what = "PML4E PS=1: RSVD (QEMU without P)",
	 .poke = {{3, XPS, 0}}, .access = LD, .spec = PFS(0x9), .qemu = PFS(0x8)},
	{.id = "C37a", .fmt = "x86-64", .what = "2 MiB PDE with bit 13 set", .level = 1,
	 .poke = {{1, 1ull << 13, 0}}, .access = LD, .spec = PF(0x9), .qemu = PF(0x8)},
	{.id = "C37b", .fmt = "x86-64", .what = "2 MiB PDE with PAT (bit 12) set", .level = 1,
	 .poke = {{1, 1ull << 12, 0}}, .access = LD, .spec = OK},
	{.id = "C38", .fmt = "x86-64", .what = "PTE bit 45 set, MAXPHYADDR 40",
	 .poke = {{0, 1ull << 45, 0}}, .access = LD, .spec = PF(0x9), .qemu = PF(0x8)},
	{.id = "C39", .fmt = "x86-64", .what = "NXE=0, PTE bit 63 set, read", .state = S_NXE0,
	 .poke = {{0, XNX, 0}}, .access = LD, .spec = PF(0x9), .qemu = PF(0x8)},
	{.id = "C40a", .fmt = "x86-64", .what = "PDE XD=1, PTE XD=0: fetch",
	 .poke = {{1, XNX, 0}}, .access = FE, .spec = PF(0x11)},
	{.id = "C40b", .fmt = "x86-64", .what = "PDE XD=1, PTE XD=0: read", .poke = {{1, XNX, 0}},
	 .access = LD, .spec = OK},
	{.id = "C41", .fmt = "x86-64", .what = "CPL3 read, PDE U/S=0, PTE U/S=1", .state = S_U,
	 .perms = U_RWX, .poke = {{1, 0, XUS}}, .access = LD, .spec = PF(0x5)},
	{.id = "C42a", .fmt = "x86-64", .what = "CPL0 write, PDPTE R/W=0, WP=0", .state = S_WP0,
	 .poke = {{2, 0, XRW}}, .access = ST, .spec = OK},
	{.id = "C42b", .fmt = "x86-64", .what = "CPL0 write, PDPTE R/W=0, WP=1",
	 .poke = {{2, 0, XRW}}, .access = ST, .spec = PF(0x3)},
	{.id = "C43", .fmt = "x86-64", .what = "CPL3 write to R/W=0 page, WP=0",
	 .state = S_U | S_WP0, .perms = U_R, .access = ST, .spec = PF(0x7)},
	{.id = "C44a", .fmt = "x86-64", .what = "SMAP, CPL0, AC=0: read of a user page",
	 .state = S_SMAP, .perms = U_RW, .access = LD, .spec = PF(0x1)},
	{.id = "C44b", .fmt = "x86-64", .what = "SMAP, CPL0, AC=1: read of a user page",
	 .state = S_SMAP | S_AC, .perms = U_RW, .access = LD, .spec = OK},
	{.id = "C44c", .fmt = "x86-64", .what = "SMAP, CPL0, AC=1, implicit read (QEMU allows)",
	 .state = S_SMAP | S_AC, .perms = U_RW, .access = LD | IMP, .spec = PF(0x1),
	 .qemu = OK},
	{.id = "C44d", .fmt = "x86-64", .what = "SMAP, CPL3, AC=1, implicit read: U/S=0 in ec",
	 .state = S_SMAP | S_AC | S_U, .perms = U_RW, .access = LD | IMP, .spec = PF(0x1)},
	{.id = "C45a", .fmt = "x86-64", .what = "SMEP, CPL0 fetch from a user page",
	 .state = S_SMEP, .perms = U_RWX, .access = FE, .spec = PF(0x11)},
	{.id = "C45b", .fmt = "x86-64", .what = "SMEP=0, CPL0 fetch from a user page, XD=0",
	 .perms = U_RWX, .access = FE, .spec = OK},
	{.id = "C46a", .fmt = "x86-32", .what = "PSE=0: a PDE with PS=1 points at a table",
	 .state = S_PSE0, .poke = {{1, XPS, 0}}, .access = LD, .spec = OK},
	{.id = "C46b", .fmt = "x86-32", .what = "PSE=1: a 4 MiB page", .level = 1, .access = LD,
	 .spec = OK},
	{.id = "C46c", .fmt = "x86-32", .what = "PSE=1: 4 MiB PDE with bit 21 set", .level = 1,
	 .poke = {{1, 1ull << 21, 0}}, .access = LD, .spec = PFS(0x9), .qemu = PFS(0x8)},
	{.id = "C47a", .fmt = "x86-32", .what = "4 MiB PDE bits 20:13=0x01: PA bit 32", .level = 1,
	 .poke = {{1, 1ull << 13, 0}}, .access = LD, .want_pa = 0x17fe03123ull, .spec = OK},
	{.id = "C47b", .fmt = "x86-32", .what = "4 MiB PDE bits 20:13=0x01 with M=32 (QEMU maps)",
	 .level = 1, .maxphy = 32, .poke = {{1, 1ull << 13, 0}}, .access = LD,
	 .want_pa = 0x17fe03123ull, .spec = PFS(0x9), .qemu = OK},
	{.id = "C48a", .fmt = "x86-pae", .what = "PDPTE bit 1 set: #GP at CR3 load (QEMU works)",
	 .poke = {{2, XRW, 0}}, .access = LD, .spec = GP, .qemu = OK},
	{.id = "C48b", .fmt = "x86-pae", .at = AT(2), .what = "PDPTE bit 63 set: #GP at load / QEMU #PF(RSVD)",
	 .poke = {{2, XNX, 0}}, .access = LD, .spec = GP, .qemu = PF(0x8)},
	{.id = "C49a", .fmt = "x86-64", .what = "A/D: a read sets A everywhere, no D",
	 .perms = PT_R | PT_W, .access = LD, .spec = OKAD(0xf, 0x0)},
	{.id = "C49b", .fmt = "x86-64", .what = "A/D: a write sets D in the PTE only",
	 .perms = PT_R | PT_W, .access = ST, .spec = OKAD(0xf, 0x1)},
	{.id = "C49c", .fmt = "x86-64", .what = "A/D: a write faulting on R/W=0 leaves the PTE's A",
	 .perms = PT_R, .access = ST, .spec = PFAD(0x3, 0xe, 0x0)},
	{.id = "C49d", .fmt = "x86-64", .what = "A/D: a write to a 2 MiB page sets D in the PDE",
	 .level = 1, .perms = PT_R | PT_W, .access = ST, .spec = OKAD(0xe, 0x2)},
	{.id = "C49e", .fmt = "x86-64", .what = "A/D: a write to a 1 GiB page sets D in the PDPTE",
	 .level = 2, .perms = PT_R | PT_W, .access = ST, .spec = OKAD(0xc, 0x4)},
	{.id = "C50", .fmt = "x86-64", .what = "PDPTE PS=1 without Page1GB (QEMU maps 1 GiB)",
	 .state = S_NO1G, .level = 2, .perms = PT_R | PT_W, .access = LD,
	 .spec = PFAD(0x9, 0x8, 0x0), .qemu = OKAD(0xc, 0x0)},
	{.id = "C51", .fmt = "x86-64", .what = "global page survives a CR3 write (QEMU: not)",
	 .custom = custom_c51},
	{.id = "C52a", .fmt = "x86-64-la57", .what = "LA57: bit 56=0, bit 57=1: #GP(0)",
	 .nomap = true, .va = 0x0200000000000000ull, .access = LD, .spec = GPN},
	{.id = "C52b", .fmt = "x86-64-la57", .at = AT(4), .what = "PML5E PS=1: RSVD", .poke = {{4, XPS, 0}},
	 .access = LD, .spec = PFS(0x9), .qemu = PFS(0x8)},
	{.id = "C53a", .fmt = "x86-64", .what = "PKE, key 1, AD1=1: CPL3 read",
	 .state = S_PKE | S_U, .perms = U_RWX, .poke = {{0, XKEY(1), 0}}, .pkru = 1u << 2,
	 .access = LD, .spec = PF(0x25)},
	{.id = "C53b", .fmt = "x86-64", .what = "PKE, key 1, AD1=1: CPL3 fetch ignores keys",
	 .state = S_PKE | S_U, .perms = U_RWX, .poke = {{0, XKEY(1), 0}}, .pkru = 1u << 2,
	 .access = FE, .spec = OK},
	{.id = "C54a", .fmt = "x86-64", .what = "PKE, WD1=1, WP=0: CPL0 write to a user page",
	 .state = S_PKE | S_WP0, .perms = U_RW, .poke = {{0, XKEY(1), 0}}, .pkru = 1u << 3,
	 .access = ST, .spec = OK},
	{.id = "C54b", .fmt = "x86-64", .what = "PKE, WD1=1, WP=1: CPL0 write to a user page",
	 .state = S_PKE, .perms = U_RW, .poke = {{0, XKEY(1), 0}}, .pkru = 1u << 3,
	 .access = ST, .spec = PF(0x23)},
	{.id = "C55", .fmt = "x86-64", .what = "4-byte write at page_end-2, next page read-only",
	 .va = 0x40603ffeull, .len = 4, .next_perms = P_R, .access = ST, .tval = 0x40604000ull,
	 .spec = PF(0x3)},

	/* ======== our own rows ======== */
	/* Leaves at every level each format allows. */
	{.id = "R1", .fmt = "sv32", .what = "4 KiB page", .access = LD, .spec = OK},
	{.id = "R2", .fmt = "sv32", .what = "4 MiB page", .level = 1, .access = ST, .spec = OK},
	{.id = "R3", .fmt = "sv39", .what = "4 KiB page, store", .access = ST, .spec = OK},
	{.id = "R4", .fmt = "sv39", .what = "2 MiB page, fetch", .level = 1, .access = FE,
	 .spec = OK},
	{.id = "R5", .fmt = "sv48", .what = "4 KiB page", .access = LD, .spec = OK},
	{.id = "R6", .fmt = "sv48", .what = "2 MiB page", .level = 1, .access = LD, .spec = OK},
	{.id = "R7", .fmt = "sv48", .what = "1 GiB page", .level = 2, .access = LD, .spec = OK},
	{.id = "R8", .fmt = "sv48", .what = "512 GiB page", .level = 3, .access = ST,
	 .want_pa = 0x18040603123ull, .spec = OK},
	{.id = "R9", .fmt = "sv57", .what = "4 KiB page", .access = FE, .spec = OK},
	{.id = "R10", .fmt = "sv57", .what = "2 MiB page", .level = 1, .access = LD, .spec = OK},
	{.id = "R11", .fmt = "sv57", .what = "1 GiB page", .level = 2, .access = LD, .spec = OK},
	{.id = "R12", .fmt = "sv57", .what = "512 GiB page", .level = 3, .access = LD, .spec = OK},
	{.id = "R13", .fmt = "sv57", .what = "256 TiB page", .level = 4, .access = LD,
	 .want_pa = 0x3000040603123ull, .spec = OK},
	{.id = "R14", .fmt = "x86-32", .what = "4 KiB page, write", .access = ST,
	 .spec = OKAD(0x3, 0x1)},
	{.id = "R15", .fmt = "x86-pae", .what = "4 KiB page (spec: PDPTE register, no A)",
	 .perms = PT_R | PT_W, .access = ST, .spec = OKAD(0x3, 0x1), .qemu = OKAD(0x7, 0x1)},
	{.id = "R16", .fmt = "x86-pae", .what = "2 MiB page", .level = 1, .access = LD, .spec = OK},
	{.id = "R17", .fmt = "x86-64", .what = "4 KiB page, fetch", .access = FE, .spec = OK},
	{.id = "R18", .fmt = "x86-64", .what = "1 GiB page", .level = 2, .access = LD, .spec = OK},
	{.id = "R19", .fmt = "x86-64-la57", .what = "4 KiB page, A in all five levels",
	 .perms = PT_R | PT_W, .access = LD, .spec = OKAD(0x1f, 0x0)},
	{.id = "R20", .fmt = "x86-64-la57", .what = "2 MiB page", .level = 1, .access = ST,
	 .spec = OK},
	{.id = "R21", .fmt = "x86-64-la57", .what = "1 GiB page", .level = 2, .access = LD,
	 .spec = OK},
	/* Not present at each level. */
	{.id = "R22", .fmt = "sv32", .at = AT(1), .what = "root entry V=0", .poke = {{1, 0, RV_V}}, .access = LD,
	 .spec = PFS(13)},
	{.id = "R23", .fmt = "sv48", .what = "level-3 entry V=0, store", .poke = {{3, 0, RV_V}},
	 .access = ST, .spec = PFS(15)},
	{.id = "R24", .fmt = "sv48", .what = "level-2 entry V=0, fetch", .poke = {{2, 0, RV_V}},
	 .access = FE, .spec = PFS(12)},
	{.id = "R25", .fmt = "sv57", .what = "level-4 entry V=0", .poke = {{4, 0, RV_V}},
	 .access = LD, .spec = PFS(13)},
	{.id = "R26", .fmt = "sv57", .what = "level-1 entry V=0", .poke = {{1, 0, RV_V}},
	 .access = LD, .spec = PFS(13)},
	{.id = "R27", .fmt = "x86-32", .what = "PDE P=0, CPL3 write", .state = S_U,
	 .poke = {{1, 0, XP}}, .access = ST, .spec = PFS(0x6)},
	{.id = "R28", .fmt = "x86-32", .what = "PTE P=0, fetch: no I/D without NX paging",
	 .poke = {{0, 0, XP}}, .access = FE, .spec = PF(0x0)},
	{.id = "R29", .fmt = "x86-pae", .at = AT(2), .what = "PDPTE P=0", .poke = {{2, 0, XP}}, .access = LD,
	 .spec = PFS(0x0)},
	{.id = "R30", .fmt = "x86-pae", .what = "PTE P=0, fetch with NXE: I/D", .poke = {{0, 0, XP}},
	 .access = FE, .spec = PF(0x10)},
	{.id = "R31", .fmt = "x86-pae", .what = "PTE P=0, fetch with NXE=0: no I/D",
	 .state = S_NXE0, .poke = {{0, 0, XP}}, .access = FE, .spec = PF(0x0)},
	{.id = "R32", .fmt = "x86-64-la57", .what = "PML5E P=0, write", .poke = {{4, 0, XP}},
	 .access = ST, .spec = PFS(0x2)},
	{.id = "R33", .fmt = "x86-64-la57", .at = AT(3), .what = "PML4E P=0, fetch", .poke = {{3, 0, XP}},
	 .access = FE, .spec = PF(0x10)},
	{.id = "R34", .fmt = "x86-64", .what = "PDE P=0: A set in PML4E and PDPTE on the way",
	 .perms = PT_R | PT_W, .poke = {{1, 0, XP}}, .access = LD, .spec = PFAD(0x0, 0xc, 0x0)},
	/* Canonical rules and 32-bit VAs. */
	{.id = "R35", .fmt = "sv48", .what = "VA bit 47 set, 63:48 clear", .nomap = true,
	 .va = 0x0000800000000000ull, .access = ST, .spec = PFN(15)},
	{.id = "R36", .fmt = "sv48", .what = "canonical upper half", .va = 0xFFFF800000201000ull,
	 .access = LD, .spec = OK},
	{.id = "R37", .fmt = "sv57", .what = "VA bit 56 set, 63:57 clear", .nomap = true,
	 .va = 0x0100000000000000ull, .access = FE, .spec = PFN(12)},
	{.id = "R38", .fmt = "sv57", .what = "canonical upper half", .va = 0xFF00000000003000ull,
	 .access = LD, .spec = OK},
	{.id = "R39", .fmt = "sv39", .what = "VA with only bit 63 set: stval is the full VA",
	 .nomap = true, .va = 0x8000000000001000ull, .access = LD, .spec = PFN(13)},
	{.id = "R40", .fmt = "x86-64", .what = "upper half 0xFFFF800000001000",
	 .va = 0xFFFF800000001000ull, .access = LD, .spec = OK},
	{.id = "R41", .fmt = "x86-64", .what = "non-canonical at CPL3, write: #GP(0)",
	 .state = S_U, .nomap = true, .va = 0x1234800000000000ull, .access = ST, .spec = GPN},
	{.id = "R42", .fmt = "x86-64-la57", .what = "canonical upper half",
	 .va = 0xFF80000000005000ull, .access = LD, .spec = OK},
	{.id = "R43", .fmt = "x86-64-la57", .what = "48-bit-non-canonical VA is fine in LA57",
	 .va = 0x0000800000005000ull, .access = LD, .spec = OK},
	{.id = "R44", .fmt = "sv32", .what = "RV32: VA bits above 31 do not exist",
	 .va = 0x1540603123ull, .access = LD, .want_pa = 0x7fc00123ull, .spec = OK},
	/* RISC-V reserved bits and encodings. */
	{.id = "R45", .fmt = "sv48", .what = "leaf bit 60 set", .poke = {{0, 1ull << 60, 0}},
	 .access = LD, .spec = PFS(13)},
	{.id = "R46", .fmt = "sv57", .what = "non-leaf bit 57 set", .poke = {{3, 1ull << 57, 0}},
	 .access = LD, .spec = PFS(13)},
	{.id = "R47", .fmt = "sv39", .what = "leaf N=1 without Svnapot", .poke = {{0, RV_N, 0}},
	 .access = LD, .spec = PFS(13)},
	{.id = "R48", .fmt = "sv39", .what = "leaf N=1, Svpbmt on, Svnapot off (QEMU ignores N)",
	 .state = S_PBMT, .poke = {{0, RV_N, 0}}, .access = LD, .spec = PFS(13), .qemu = OK},
	{.id = "R49", .fmt = "sv39", .what = "leaf PBMT=2 (IO) with Svpbmt", .state = S_PBMT,
	 .poke = {{0, RV_PBMT(2), 0}}, .access = ST, .spec = OK},
	{.id = "R50", .fmt = "sv39", .what = "leaf PBMT=1, Svnapot on, Svpbmt off", .state = S_NAPOT,
	 .poke = {{0, RV_PBMT(1), 0}}, .access = LD, .spec = PFS(13)},
	{.id = "R51", .fmt = "sv39", .what = "NAPOT PPN[3:0]=0000", .state = S_NAPOT,
	 .poke = {{0, RV_N, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "R52", .fmt = "sv39", .what = "NAPOT store at another 4 KiB of the 64 KiB",
	 .state = S_NAPOT | S_NAPOTMAP, .va = 0x4060f000ull, .perms = PT_R | PT_W, .access = ST,
	 .want_pa = 0x7fc0f000ull, .want_size = 0x10000, .spec = OKAD(0x1, 0x1)},
	{.id = "R53", .fmt = "sv48", .what = "NAPOT in Sv48", .state = S_NAPOT | S_NAPOTMAP,
	 .va = 0x40607abcull, .access = FE, .want_pa = 0x7fc07abcull, .want_size = 0x10000,
	 .spec = OK},
	{.id = "R54", .fmt = "sv32", .what = "XWR=010 in Sv32", .perms = P_RW,
	 .poke = {{0, 0, RV_R}}, .access = LD, .spec = PFS(13)},
	{.id = "R55", .fmt = "sv32", .at = AT(0), .what = "level-0 pointer in Sv32",
	 .poke = {{0, 0, RV_R | RV_W | RV_X | RV_A | RV_D}}, .access = ST, .spec = PFS(15)},
	{.id = "R56", .fmt = "sv48", .at = AT(3), .what = "misaligned 512 GiB page", .level = 3,
	 .poke = {{3, RV_PPN0 << 18, 0}}, .access = LD, .spec = PFS(13)},
	{.id = "R57", .fmt = "sv39", .what = "G on a pointer: translation unaffected",
	 .poke = {{2, RV_G, 0}}, .access = LD, .spec = OK},
	/* RISC-V privilege, SUM, MXR, MPRV. */
	{.id = "R58", .fmt = "sv32", .what = "U-mode load/store/fetch of a U page", .state = S_U,
	 .perms = U_RWX, .access = ST, .spec = OK},
	{.id = "R59", .fmt = "sv48", .what = "S-mode store to U page with SUM=1",
	 .state = S_SUM, .perms = U_RW, .access = ST, .spec = OK},
	{.id = "R60", .fmt = "sv57", .what = "U-mode store to an S page", .state = S_U,
	 .access = ST, .spec = PFS(15)},
	{.id = "R61", .fmt = "sv39", .what = "U-mode: SUM has no effect", .state = S_U | S_SUM,
	 .access = LD, .spec = PFS(13)},
	{.id = "R62", .fmt = "sv39", .what = "U-mode fetch of a U page with X", .state = S_U,
	 .perms = U_RX, .access = FE, .spec = OK},
	{.id = "R63", .fmt = "sv39", .what = "MXR does not make X pages writable",
	 .state = S_MXR, .perms = P_X, .access = ST, .spec = PFS(15)},
	{.id = "R64", .fmt = "sv39", .what = "MXR with a U X-only page, U-mode load",
	 .state = S_MXR | S_U, .perms = U_X, .access = LD, .spec = OK},
	{.id = "R65", .fmt = "sv39", .what = "MPRV MPP=S: U page, SUM=0", .state = S_MPRV_S,
	 .perms = U_RW, .access = ST, .spec = PFS(15)},
	{.id = "R66", .fmt = "sv39", .what = "MPRV MPP=S: U page, SUM=1",
	 .state = S_MPRV_S | S_SUM, .perms = U_RW, .access = LD, .spec = OK},
	{.id = "R67", .fmt = "sv39", .what = "MPRV MPP=U: U page load", .state = S_MPRV_U,
	 .perms = U_R, .access = LD, .spec = OK},
	{.id = "R68", .fmt = "sv39", .what = "M-mode without MPRV: no translation", .state = S_M,
	 .nomap = true, .va = 0x123456789ull, .access = ST, .want_pa = 0x123456789ull,
	 .want_size = PAGE, .spec = OK},
	{.id = "R69", .fmt = "sv39", .what = "satp Bare: PA = VA", .state = S_BARE, .nomap = true,
	 .va = 0x87654321ull, .access = FE, .want_pa = 0x87654321ull, .want_size = PAGE,
	 .spec = OK},
	{.id = "R70", .fmt = "sv32", .what = "Bare with the final PA denied by PMP",
	 .state = S_BARE | S_DENY_PA, .nomap = true, .va = 0x80001000ull, .access = LD,
	 .spec = AF(5)},
	{.id = "R71", .fmt = "sv39", .what = "M-mode fetch with MPRV=1 MPP=U and PMP denied",
	 .state = S_MPRV_U | S_DENY_PA, .access = FE, .spec = AF(1)},
	/* RISC-V A/D and physical-memory rules. */
	{.id = "R72", .fmt = "sv32", .what = "Svade: A=0 load", .state = S_SVADE,
	 .perms = PT_R | PT_W, .access = LD, .spec = PFS(13), .qemu = OKAD(0x1, 0x0)},
	{.id = "R73", .fmt = "sv39", .what = "Svade: A=1 D=0 load is fine", .state = S_SVADE,
	 .perms = PT_R | PT_W | PT_A, .access = LD, .spec = OKAD(0x1, 0x0)},
	{.id = "R74", .fmt = "sv39", .what = "hardware A/D on a 2 MiB leaf, store", .level = 1,
	 .perms = PT_R | PT_W, .access = ST, .spec = OKAD(0x2, 0x2)},
	{.id = "R75", .fmt = "sv57", .what = "hardware A/D on a 4 KiB leaf, fetch",
	 .perms = PT_R | PT_X, .access = FE, .spec = OKAD(0x1, 0x0)},
	{.id = "R76", .fmt = "sv39", .what = "A/D write denied by PMP (QEMU: not checked)",
	 .state = S_DENY_PTEW, .perms = PT_R | PT_W, .access = LD, .spec = AFS(5),
	 .qemu = OKAD(0x1, 0x0)},
	{.id = "R77", .fmt = "sv39", .what = "A/D write to a PTE in ROM (QEMU: page fault)",
	 .state = S_ROM_PTE, .perms = PT_R | PT_W, .access = ST, .spec = AFS(7), .qemu = PFS(15)},
	{.id = "R78", .fmt = "sv39", .what = "PTE in ROM with A/D already set: no write needed",
	 .state = S_ROM_PTE | S_DENY_PTEW, .access = ST, .spec = OK},
	{.id = "R79", .fmt = "sv32", .at = AT(1), .what = "root outside memory (QEMU 7.2: PF)",
	 .state = S_NOMEM_ROOT, .access = FE, .spec = AF(1), .qemu = PF(12)},
	{.id = "R80", .fmt = "sv48", .what = "root read denied, fetch from U-mode",
	 .state = S_DENY_ROOT | S_U, .perms = U_RX, .access = FE, .spec = AFS(1)},
	{.id = "R81", .fmt = "sv39", .what = "a fault during the walk wins over the final PMP check",
	 .state = S_DENY_PA, .poke = {{0, 0, RV_V}}, .access = LD, .spec = PFS(13)},
	{.id = "R82", .fmt = "sv39", .what = "span inside one page", .va = 0x40603100ull,
	 .len = 8, .access = ST, .spec = OK},
	{.id = "R83", .fmt = "sv39", .what = "span across two mapped pages", .va = 0x40603ffcull,
	 .len = 8, .next_perms = P_RW, .access = ST, .spec = OK},
	{.id = "R84", .fmt = "sv39", .what = "span whose first page faults reports the VA",
	 .va = 0x40603ffcull, .len = 8, .perms = P_R, .next_perms = P_RW, .access = ST,
	 .spec = PF(15)},
	/* x86 reserved bits. */
	{.id = "R85", .fmt = "x86-64", .what = "bit 52 is ignored in IA-32e",
	 .poke = {{0, 1ull << 52, 0}, {1, 1ull << 58, 0}}, .access = LD, .spec = OK},
	{.id = "R86", .fmt = "x86-pae", .what = "PAE PTE bit 52 is reserved",
	 .poke = {{0, 1ull << 52, 0}}, .access = LD, .spec = PF(0x9), .qemu = PF(0x8)},
	{.id = "R87", .fmt = "x86-pae", .what = "PAE PDE bit 62 is reserved",
	 .poke = {{1, 1ull << 62, 0}}, .access = ST, .spec = PF(0xb), .qemu = PF(0xa)},
	{.id = "R88", .fmt = "x86-pae", .what = "2 MiB PAE page with bit 20 set", .level = 1,
	 .poke = {{1, 1ull << 20, 0}}, .access = LD, .spec = PF(0x9), .qemu = PF(0x8)},
	{.id = "R89", .fmt = "x86-64-la57", .what = "PML4E PS=1 in LA57", .poke = {{3, XPS, 0}},
	 .access = FE, .spec = PF(0x19), .qemu = PF(0x18)},
	{.id = "R90", .fmt = "x86-64", .what = "1 GiB page with bit 29 set", .level = 2,
	 .poke = {{2, 1ull << 29, 0}}, .access = LD, .spec = PF(0x9), .qemu = PF(0x8)},
	{.id = "R91", .fmt = "x86-64", .what = "1 GiB page with PAT (bit 12) set", .level = 2,
	 .poke = {{2, 1ull << 12, 0}}, .access = LD, .spec = OK},
	{.id = "R92", .fmt = "x86-64", .what = "MAXPHYADDR 36: PTE bit 36 reserved", .maxphy = 36,
	 .poke = {{0, 1ull << 36, 0}}, .access = LD, .spec = PF(0x9), .qemu = PF(0x8)},
	{.id = "R93", .fmt = "x86-64", .what = "MAXPHYADDR 52: PTE bit 51 is an address bit",
	 .maxphy = 52, .poke = {{0, 1ull << 51, 0}}, .access = LD,
	 .want_pa = (1ull << 51) | 0x7fc00123ull, .spec = OK},
	{.id = "R94", .fmt = "x86-64", .what = "PDPTE (pointer) bit 40 reserved at M=40",
	 .poke = {{2, 1ull << 40, 0}}, .access = ST, .state = S_U, .perms = U_RW,
	 .spec = PF(0xf), .qemu = PF(0xe)},
	{.id = "R95", .fmt = "x86-32", .what = "32-bit PTE: no reserved bits (PAT, ignored bits)",
	 .poke = {{0, 0x880, 0}}, .access = LD, .spec = OK},
	{.id = "R96", .fmt = "x86-32", .what = "MAXPHYADDR 36: 4 MiB PDE bit 17 reserved",
	 .level = 1, .maxphy = 36, .poke = {{1, 1ull << 17, 0}}, .access = LD, .spec = PFS(0x9),
	 .qemu = OK, .want_pa = 0x107fe03123ull},
	{.id = "R97", .fmt = "x86-32", .what = "MAXPHYADDR 36: 4 MiB PDE bit 16 gives PA bit 35",
	 .level = 1, .maxphy = 36, .poke = {{1, 1ull << 16, 0}}, .access = LD,
	 .want_pa = 0x87fe03123ull, .spec = OK},
	{.id = "R98", .fmt = "x86-pae", .what = "PAE with key bits: 62:59 are reserved",
	 .state = S_PKE, .poke = {{0, XKEY(3), 0}}, .access = LD, .spec = PF(0x9),
	 .qemu = PF(0x8)},
	{.id = "R99", .fmt = "x86-64", .what = "root outside memory: all ones (spec) / 0 (QEMU)",
	 .state = S_NOMEM_ROOT, .access = LD, .spec = PF(0x9), .qemu = PF(0x0)},
	{.id = "R100", .fmt = "x86-32", .what = "root outside memory, 32-bit paging",
	 .state = S_NOMEM_ROOT, .access = ST, .spec = PF(0xb), .qemu = PF(0x2)},
	{.id = "R101", .fmt = "x86-pae", .what = "PDPT outside memory: #GP at load (spec)",
	 .state = S_NOMEM_ROOT, .access = LD, .spec = GP, .qemu = PF(0x0)},
	{.id = "R102", .fmt = "x86-pae", .what = "PDPTE bits 8:5 set: #GP at load (QEMU: A bit)",
	 .poke = {{2, 0x1e0, 0}}, .access = LD, .spec = GP, .qemu = OK},
	{.id = "R103", .fmt = "x86-64", .what = "NXE=0: a PDE with XD is reserved too",
	 .state = S_NXE0, .poke = {{1, XNX, 0}}, .access = FE, .spec = PF(0x9),
	 .qemu = PF(0x8)},
	/* x86 access rights. */
	{.id = "R104", .fmt = "x86-32", .what = "CPL3 write to a user RW page", .state = S_U,
	 .perms = U_RW, .access = ST, .spec = OK},
	{.id = "R105", .fmt = "x86-32", .what = "CPL3 read of a supervisor page", .state = S_U,
	 .access = LD, .spec = PF(0x5)},
	{.id = "R106", .fmt = "x86-32", .what = "CPL3 fetch of a supervisor page: no I/D",
	 .state = S_U, .access = FE, .spec = PF(0x5)},
	{.id = "R107", .fmt = "x86-32", .what = "SMEP: CPL0 fetch of a user page: I/D",
	 .state = S_SMEP, .perms = U_RW, .access = FE, .spec = PF(0x11)},
	{.id = "R108", .fmt = "x86-32", .what = "every page executes in 32-bit paging",
	 .perms = P_RW, .access = FE, .spec = OK},
	{.id = "R109", .fmt = "x86-pae", .what = "fetch of an XD page", .perms = P_RW,
	 .access = FE, .spec = PF(0x11)},
	{.id = "R110", .fmt = "x86-pae", .what = "CPL3 write, PDE R/W=0", .state = S_U,
	 .perms = U_RW, .poke = {{1, 0, XRW}}, .access = ST, .spec = PF(0x7)},
	{.id = "R111", .fmt = "x86-64", .what = "CPL3 fetch of a user XD page", .state = S_U,
	 .perms = U_RW, .access = FE, .spec = PF(0x15)},
	{.id = "R112", .fmt = "x86-64", .what = "WP=0: CPL0 write to a user RO page (no SMAP)",
	 .state = S_WP0, .perms = U_R, .access = ST, .spec = OK},
	{.id = "R113", .fmt = "x86-64", .what = "SMAP, AC=1, WP=1: write to a user RO page",
	 .state = S_SMAP | S_AC, .perms = U_R, .access = ST, .spec = PF(0x3)},
	{.id = "R114", .fmt = "x86-64", .what = "SMAP does not affect fetches", .state = S_SMAP,
	 .perms = U_RX, .access = FE, .spec = OK},
	{.id = "R115", .fmt = "x86-64", .what = "SMAP, AC=0: CPL0 write to a user page",
	 .state = S_SMAP, .perms = U_RW, .access = ST, .spec = PF(0x3)},
	{.id = "R116", .fmt = "x86-64", .what = "implicit access at CPL3 to a supervisor page",
	 .state = S_U, .access = LD | IMP, .spec = OK},
	{.id = "R117", .fmt = "x86-64", .what = "implicit access at CPL3, no SMAP, user page",
	 .state = S_U, .perms = U_RW, .access = ST | IMP, .spec = OK},
	{.id = "R118", .fmt = "x86-64", .what = "CPL3 read of a user page, PML4E U/S=0",
	 .state = S_U, .perms = U_RW, .poke = {{3, 0, XUS}}, .access = LD, .spec = PF(0x5)},
	{.id = "R119", .fmt = "x86-64-la57", .what = "CPL3 write, PML5E R/W=0", .state = S_U,
	 .perms = U_RW, .poke = {{4, 0, XRW}}, .access = ST, .spec = PF(0x7)},
	{.id = "R120", .fmt = "x86-64-la57", .what = "SMEP, fetch of a user 2 MiB page",
	 .state = S_SMEP, .level = 1, .perms = U_RWX, .access = FE, .spec = PF(0x11)},
	{.id = "R121", .fmt = "x86-pae", .what = "PDPTE has no U/S: user page via PAE",
	 .state = S_U, .perms = U_RW, .access = ST, .spec = OK},
	/* Protection keys. */
	{.id = "R122", .fmt = "x86-64", .what = "PKE, WD2: CPL3 write", .state = S_PKE | S_U,
	 .perms = U_RW, .poke = {{0, XKEY(2), 0}}, .pkru = 2u << 4, .access = ST,
	 .spec = PF(0x27)},
	{.id = "R123", .fmt = "x86-64", .what = "PKE, WD2: CPL3 read is fine",
	 .state = S_PKE | S_U, .perms = U_RW, .poke = {{0, XKEY(2), 0}}, .pkru = 2u << 4,
	 .access = LD, .spec = OK},
	{.id = "R124", .fmt = "x86-64", .what = "PKE=0: keys ignored", .state = S_U,
	 .perms = U_RW, .poke = {{0, XKEY(1), 0}}, .pkru = 3u << 2, .access = ST, .spec = OK},
	{.id = "R125", .fmt = "x86-64", .what = "PKE: supervisor pages use PKRS, not PKRU",
	 .state = S_PKE, .poke = {{0, XKEY(1), 0}}, .pkru = 3u << 2, .access = ST, .spec = OK},
	{.id = "R126", .fmt = "x86-64", .what = "PKS, AD1: CPL0 read of a supervisor page",
	 .state = S_PKS, .poke = {{0, XKEY(1), 0}}, .pkrs = 1u << 2, .access = LD,
	 .spec = PF(0x21)},
	{.id = "R127", .fmt = "x86-64", .what = "PKE, AD0 on a user R/O page, CPL3 write: PK",
	 .state = S_PKE | S_U, .perms = U_R, .pkru = 1u, .access = ST, .spec = PF(0x27)},
	{.id = "R128", .fmt = "x86-64", .what = "PKE+SMAP, AD1: CPL0 read of a user page: PK",
	 .state = S_PKE | S_SMAP, .perms = U_RW, .poke = {{0, XKEY(1), 0}}, .pkru = 1u << 2,
	 .access = LD, .spec = PF(0x21)},
	{.id = "R129", .fmt = "x86-64", .what = "PKS, AD0: CPL3 read of a supervisor page",
	 .state = S_PKS | S_U, .pkrs = 1u, .access = LD, .spec = PF(0x25), .qemu = PF(0x5)},
	/* x86 A/D and 1 GiB details. */
	{.id = "R130", .fmt = "x86-32", .what = "4 MiB page write: D in the PDE", .level = 1,
	 .perms = PT_R | PT_W, .access = ST, .spec = OKAD(0x2, 0x2)},
	{.id = "R131", .fmt = "x86-pae", .what = "2 MiB page read (QEMU: PDPTE A)", .level = 1,
	 .perms = PT_R | PT_W, .access = LD, .spec = OKAD(0x2, 0x0), .qemu = OKAD(0x6, 0x0)},
	{.id = "R132", .fmt = "x86-64", .what = "1 GiB page, protection fault (QEMU: A early)",
	 .level = 2, .perms = PT_R, .access = ST, .spec = PFAD(0x3, 0x8, 0x0),
	 .qemu = PFAD(0x3, 0xc, 0x0)},
	{.id = "R133", .fmt = "x86-64", .what = "2 MiB page, protection fault: PDE A stays clear",
	 .level = 1, .perms = PT_R, .access = ST, .spec = PFAD(0x3, 0xc, 0x0)},
	{.id = "R134", .fmt = "x86-64", .what = "RSVD in the PTE: upper A set, PTE A clear",
	 .perms = PT_R | PT_W, .poke = {{0, 1ull << 47, 0}}, .access = LD,
	 .spec = PFAD(0x9, 0xe, 0x0), .qemu = PFAD(0x8, 0xe, 0x0)},
	{.id = "R135", .fmt = "x86-64", .what = "paging off: PA = VA (32 bits)", .state = S_BARE,
	 .nomap = true, .va = 0x12345678ull, .access = ST, .want_pa = 0x12345678ull,
	 .want_size = PAGE, .spec = OK},
	{.id = "R136", .fmt = "x86-64", .what = "span across two writable pages",
	 .va = 0x40603ffeull, .len = 4, .next_perms = P_RW, .access = ST, .spec = OK},
	{.id = "R137", .fmt = "x86-32", .what = "span: fetch crossing into a missing page",
	 .va = 0x40603fffull, .len = 2, .access = FE, .tval = 0x40604000ull, .spec = PF(0x0)},
	{.id = "R138", .fmt = "x86-pae", .what = "span: CPL3 read crossing into a supervisor page",
	 .state = S_U, .perms = U_RW, .next_perms = P_RW, .va = 0x40603ff8ull, .len = 16,
	 .access = LD, .tval = 0x40604000ull, .spec = PF(0x5)},
	{.id = "R139", .fmt = "x86-64", .what = "load then store on D=0: the store re-walks",
	 .state = S_TLB, .perms = PT_R | PT_W | PT_A, .pre = PRE_LD, .access = ST, .walks = 2,
	 .spec = OKAD(0xf, 0x1)},
	{.id = "R140", .fmt = "x86-64-la57", .what = "PDPTE PS=1 without Page1GB", .level = 2,
	 .state = S_NO1G, .access = LD, .spec = PF(0x9), .qemu = OK},
	{.id = "R141", .fmt = "x86-32", .what = "PSE=0: a 4 MiB PDE is a pointer (here to the PD)",
	 .state = S_PSE0, .level = 1, .pa = 0x80000000ull, .access = LD, .spec = PF(0x0)},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* ---- running a row ------------------------------------------------------------------------ */

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16ull << 20)
#define NOMEM_ROOT 0x1000ull /* no RAM there */

/* What a row runs in; kept here so that a failed test's teardown can release it. */
static struct host_ram g_ram;
static bool g_ram_live;

static int row_teardown(void **state)
{
	(void)state;
	if (g_ram_live)
		host_ram_fini(&g_ram);
	g_ram_live = false;
	return 0;
}

struct phys_ctx {
	uint32_t state;
	pa_t root;
};

static enum mmu_phys_verdict phys_check(void *ctx, pa_t pa, uint64_t bytes,
					enum mmu_phys_kind kind, unsigned type, unsigned priv)
{
	struct phys_ctx *c = ctx;

	TL_TRUE(bytes >= 1 && bytes <= PAGE);
	if (kind == MMU_PHYS_PTE_READ) {
		/* The implicit PTE read is checked as an S-mode load. */
		TL_EQ(type, MMU_LOAD);
		TL_EQ(priv, MMU_PRIV_S);
		if ((c->state & S_DENY_ROOT) && pa >= c->root && pa < c->root + PAGE)
			return MMU_PHYS_DENIED;
	}
	if (kind == MMU_PHYS_PTE_WRITE) {
		TL_EQ(type, MMU_STORE);
		TL_EQ(priv, MMU_PRIV_S);
		if (c->state & S_ROM_PTE)
			return MMU_PHYS_UNBACKED;
		if (c->state & S_DENY_PTEW)
			return MMU_PHYS_DENIED;
	}
	if (kind == MMU_PHYS_ACCESS && (c->state & S_DENY_PA))
		return MMU_PHYS_DENIED;
	return MMU_PHYS_OK;
}

static bool is_riscv(const struct pt_format *f)
{
	return f->arch[0] == 'r';
}

static pa_t default_pa(uint64_t size)
{
	return size >= (1ull << 30) ? 3 * size : 0x7fc00000ull;
}

/* Host pointer of the entry at `level` on va's path (the tables above must exist). */
static void *path_entry(const struct pt_format *f, pa_t root, va_t va, int level)
{
	pa_t table = root;

	for (int lv = f->levels - 1;; lv--) {
		unsigned idx = (unsigned)(va >> f->shift[lv]) & ((1u << f->index_bits[lv]) - 1);
		void *e = host_ram_ptr(&g_ram, table + (pa_t)idx * f->pte_size, f->pte_size);
		struct pt_decoded d;

		TL_TRUE(e != NULL);
		if (lv == level)
			return e;
		f->decode(f, tl_entry_read(f, e), (unsigned)lv, &d);
		TL_EQ(d.kind, PT_ENTRY_TABLE);
		table = d.pa;
	}
}

static uint64_t bit_a(const struct pt_format *f)
{
	return is_riscv(f) ? RV_A : XA;
}

static uint64_t bit_d(const struct pt_format *f)
{
	return is_riscv(f) ? RV_D : XDIRTY;
}

/* Set up m's registers for the row's state (before paging is turned on). */
static void set_state(struct mmu *m, const struct row *r)
{
	uint32_t s = r->state;

	if (m->arch == MMU_ARCH_RISCV) {
		if (s & S_U)
			m->rv.priv = MMU_PRIV_U;
		if (s & (S_M | S_MPRV_U | S_MPRV_S))
			m->rv.priv = MMU_PRIV_M;
		if (s & S_MPRV_U)
			m->rv.mstatus |= MMU_MSTATUS_MPRV | ((uint64_t)MMU_PRIV_U << 11);
		if (s & S_MPRV_S)
			m->rv.mstatus |= MMU_MSTATUS_MPRV | ((uint64_t)MMU_PRIV_S << 11);
		if (s & S_SUM)
			m->rv.mstatus |= MMU_MSTATUS_SUM;
		if (s & S_MXR)
			m->rv.mstatus |= MMU_MSTATUS_MXR;
		m->rv.svade = (s & S_SVADE) != 0;
		m->rv.svnapot = (s & S_NAPOT) != 0;
		m->rv.svpbmt = (s & S_PBMT) != 0;
		return;
	}
	m->x86.cpl = (s & S_U) ? 3 : 0;
	m->x86.cr0 = MMU_CR0_PE | ((s & S_WP0) ? 0 : MMU_CR0_WP);
	m->x86.cr4 = ((s & S_PSE0) ? 0 : MMU_CR4_PSE) | ((s & S_SMEP) ? MMU_CR4_SMEP : 0) |
		     ((s & S_SMAP) ? MMU_CR4_SMAP : 0) | ((s & S_PKE) ? MMU_CR4_PKE : 0) |
		     ((s & S_PKS) ? MMU_CR4_PKS : 0) | ((s & S_PGE) ? MMU_CR4_PGE : 0);
	m->x86.efer = (s & S_NXE0) ? 0 : MMU_EFER_NXE;
	m->x86.eflags = (s & S_AC) ? MMU_EFLAGS_AC : 0;
	m->x86.pkru = r->pkru;
	m->x86.pkrs = r->pkrs;
	if (r->maxphy)
		m->x86.maxphyaddr = r->maxphy;
	m->x86.page1gb = !(s & S_NO1G);
}

static void run_model(const struct row *r, enum mmu_model model)
{
	const struct pt_format *f = pt_format_by_name(r->fmt);
	const struct outcome *want = (model == MMU_MODEL_QEMU72 && r->qemu.st) ? &r->qemu : &r->spec;
	struct pt_mem mem;
	struct pt pt;
	struct mmu m;
	struct mmu_tlb tlb;
	struct mmu_tlb_entry tlb_entries[16];
	struct phys_ctx pc;
	struct mmu_result res;
	void *path[PT_MAX_LEVELS] = {0};
	uint64_t before[PT_MAX_LEVELS] = {0};
	va_t va = r->va ? r->va : DEFAULT_VA;
	uint64_t size, va_base;
	pa_t leaf_pa, want_pa;
	int top;
	enum mmu_status st;

	TL_TRUE(f != NULL);
	tl_where("%s %s [%s] %s", r->id, r->fmt, mmu_model_name(model), r->what);
	top = f->levels - 1;
	size = pt_level_size(f, (unsigned)r->level);
	va_base = va & ~(size - 1);
	leaf_pa = r->pa ? r->pa : default_pa(size);

	TL_OK(host_ram_init(&g_ram, RAM_BASE, RAM_SIZE));
	g_ram_live = true;
	mem = host_ram_pt_mem(&g_ram);
	TL_OK(pt_init(&pt, f, &mem));
	if (!r->nomap) {
		unsigned perms = r->perms ? r->perms : P_RWX;
		/* 32-bit spaces: VA bits above 31 do not exist (R44). */
		va_t map_va = f->va_bits == 32 ? (uint32_t)va_base : va_base;

		if (r->state & S_NAPOTMAP) {
			/* The 64 KiB block around va as 16 pages, then in each PTE N=1 and
			 * PPN[3:0]=1000: one NAPOT mapping. */
			va_t block = va & ~0xffffull;

			TL_OK(pt_map(&pt, block, leaf_pa, 0x10000, perms, PT_MAP_4K));
			for (unsigned i = 0; i < 16; i++) {
				void *e = path_entry(f, pt.root, block + i * PAGE, 0);

				tl_entry_write(f, e,
					       (tl_entry_read(f, e) & ~(0xfull << 10)) | (8ull << 10) |
						       RV_N);
			}
		} else {
			TL_OK(pt_map(&pt, map_va, leaf_pa, size, perms,
				     r->level == 0 ? PT_MAP_4K : 0));
		}
		if (r->next_perms)
			TL_OK(pt_map(&pt, map_va + size, leaf_pa + size, PAGE, r->next_perms,
				     PT_MAP_4K));
		for (int lv = top; lv >= r->level; lv--)
			path[lv] = path_entry(f, pt.root, va, lv);
		for (unsigned i = 0; i < 3; i++) {
			const struct poke *p = &r->poke[i];

			if (p->set | p->clr)
				tl_entry_write(f, path[p->level],
					       (tl_entry_read(f, path[p->level]) | p->set) & ~p->clr);
		}
		for (int lv = top; lv >= r->level; lv--)
			before[lv] = tl_entry_read(f, path[lv]);
	}

	mmu_init(&m, is_riscv(f) ? MMU_ARCH_RISCV : MMU_ARCH_X86, model, &mem);
	if (f->pte_size == 4 && is_riscv(f))
		m.rv.xlen = 32;
	set_state(&m, r);
	pc.state = r->state;
	pc.root = pt.root;
	m.phys.check = phys_check;
	m.phys.ctx = &pc;
	if (r->state & S_TLB) {
		TL_OK(mmu_tlb_init(&tlb, tlb_entries, 16, 4));
		m.tlb = &tlb;
	}
	st = mmu_set_table(&m, (r->state & S_BARE) ? NULL : f,
			   (r->state & S_NOMEM_ROOT) ? NOMEM_ROOT : pt.root, 0);
	if (st != MMU_OK) {
		/* A fault at the register write (x86 spec: PDPTE load). */
		TL_EQ(want->st, O_GP);
		TL_EQ(st, MMU_GP_FAULT);
		goto done;
	}
	if (r->pre)
		TL_EQ(mmu_translate(&m, va, r->pre - 1, NULL), MMU_OK);
	if (r->len)
		st = mmu_translate_span(&m, va, r->len, r->access, &res, NULL);
	else
		st = mmu_translate(&m, va, r->access, &res);
	TL_EQ(st, res.status);

	switch (want->st) {
	case O_OK:
		want_pa = r->want_pa ? r->want_pa : leaf_pa + (va & (size - 1));
		if (model == MMU_MODEL_QEMU72 && r->qemu_pa32)
			want_pa &= 0xffffffffull;
		TL_EQ(st, MMU_OK);
		TL_EQ(res.pa, want_pa);
		TL_EQ(res.page_size, r->want_size ? r->want_size : size);
		if (!r->want_size && !r->len) {
			/* The leaf the translation came from. */
			TL_EQ(res.level, r->level);
			TL_EQ(res.pte_pa, g_ram.base + (pa_t)((uint8_t *)path[r->level] - g_ram.bytes));
			TL_EQ(res.pte, tl_entry_read(f, path[r->level]));
		}
		break;
	case O_PF:
		TL_EQ(st, MMU_PAGE_FAULT);
		if (is_riscv(f)) {
			TL_EQ(res.cause, want->code);
		} else {
			TL_EQ(res.cause, MMU_VEC_PF);
			TL_EQ(res.error_code, want->code);
			TL_TRUE(res.cr2_written);
			TL_EQ(m.x86.cr2, res.tval);
		}
		TL_EQ(res.tval, r->tval ? r->tval : va);
		break;
	case O_AF:
		TL_EQ(st, MMU_ACCESS_FAULT);
		TL_EQ(res.cause, want->code);
		TL_EQ(res.tval, r->tval ? r->tval : va);
		break;
	case O_GP:
		TL_EQ(st, MMU_GP_FAULT);
		TL_EQ(res.cause, MMU_VEC_GP);
		TL_EQ(res.error_code, 0);
		TL_EQ(res.tval, va);
		/* CR2 is left alone (hardware, and QEMU 7.2.x-stable: Q12 retired). */
		TL_FALSE(res.cr2_written);
		TL_EQ(m.x86.cr2, 0);
		break;
	default:
		fail_msg("row without an expected outcome");
	}

	switch (want->mem) {
	case M_SAME:
		for (int lv = top; lv >= r->level; lv--)
			TL_EQ(tl_entry_read(f, path[lv]), before[lv]);
		break;
	case M_AD:
		for (int lv = top; lv >= r->level; lv--) {
			uint64_t pte = tl_entry_read(f, path[lv]);

			tl_where("%s %s [%s] %s: level %d", r->id, r->fmt, mmu_model_name(model),
				 r->what, lv);
			TL_EQ((pte & bit_a(f)) != 0, (want->a >> lv) & 1);
			TL_EQ((pte & bit_d(f)) != 0, (want->d >> lv) & 1);
			/* Nothing but A and D may change. */
			TL_EQ(pte & ~(bit_a(f) | bit_d(f)), before[lv] & ~(bit_a(f) | bit_d(f)));
		}
		break;
	case M_NOREAD:
		TL_EQ(m.stats.pte_reads, 0);
		TL_EQ(m.stats.walks, 0);
		break;
	}
	if (r->walks)
		TL_EQ(m.stats.walks, r->walks);
	if (r->at)
		TL_EQ(res.level, r->at - 2);
done:
	host_ram_fini(&g_ram);
	g_ram_live = false;
	tl_where("");
}

static void test_row(void **state)
{
	const struct row *r = *state;

	if (r->custom) {
		r->custom(r, MMU_MODEL_SPEC);
		r->custom(r, MMU_MODEL_QEMU72);
		return;
	}
	run_model(r, MMU_MODEL_SPEC);
	run_model(r, MMU_MODEL_QEMU72);
}

/* ---- cases that are sequences ------------------------------------------------------------- */

/* An Sv39 mmu over fresh RAM with a table mapping DEFAULT_VA's page (perms) to PA1. */
struct seq {
	struct pt_mem mem;
	struct pt pt;
	struct mmu m;
	struct mmu_tlb tlb;
	struct mmu_tlb_entry e[8];
};

#define PA1 0x7fc00000ull
#define PA2 0x7fd00000ull

static void seq_init(struct seq *s, const struct pt_format *f, enum mmu_model model,
		     unsigned perms)
{
	TL_OK(host_ram_init(&g_ram, RAM_BASE, RAM_SIZE));
	g_ram_live = true;
	s->mem = host_ram_pt_mem(&g_ram);
	TL_OK(pt_init(&s->pt, f, &s->mem));
	TL_OK(pt_map(&s->pt, DEFAULT_VA & ~0xfffull, PA1, PAGE, perms, PT_MAP_4K));
	mmu_init(&s->m, is_riscv(f) ? MMU_ARCH_RISCV : MMU_ARCH_X86, model, &s->mem);
	TL_OK(mmu_tlb_init(&s->tlb, s->e, 8, 2));
	s->m.tlb = &s->tlb;
}

static pa_t seq_pa(struct seq *s)
{
	struct mmu_result res;

	TL_EQ(mmu_translate(&s->m, DEFAULT_VA, MMU_LOAD, &res), MMU_OK);
	return res.pa;
}

/* Point the leaf at PA2 behind the TLB's back. */
static void seq_repoint(struct seq *s)
{
	TL_OK(pt_remap(&s->pt, DEFAULT_VA & ~0xfffull, PA2, P_RW | PT_G));
}

static void seq_fini(void)
{
	host_ram_fini(&g_ram);
	g_ram_live = false;
}

/* C29: a satp write with a reserved MODE changes nothing; translation goes on with the old
 * root. */
static void custom_c29(const struct row *r, enum mmu_model model)
{
	struct seq s;
	uint64_t old;

	tl_where("%s [%s]", r->id, mmu_model_name(model));
	seq_init(&s, &pt_format_sv39, model, P_RW);
	TL_EQ(mmu_set_table(&s.m, &pt_format_sv39, s.pt.root, 7), MMU_OK);
	old = s.m.rv.satp;
	TL_EQ(old, (8ull << 60) | (7ull << 44) | (s.pt.root >> 12));
	TL_FALSE(mmu_riscv_write_satp(&s.m, (5ull << 60) | (9ull << 44) | 0x12345));
	TL_EQ(s.m.rv.satp, old);
	TL_EQ(s.m.asid, 7);
	TL_EQ(seq_pa(&s), PA1 | 0x123);
	/* Every other reserved or unsupported MODE too (11 is Sv64, 1 is Sv32). */
	for (uint64_t mode = 1; mode < 16; mode++) {
		if (mode >= 8 && mode <= 10)
			continue;
		TL_FALSE(mmu_riscv_write_satp(&s.m, mode << 60));
		TL_EQ(s.m.rv.satp, old);
	}
	seq_fini();
	tl_where("");
}

/* C31: change a global leaf, sfence.vma x0, x5 (x5 = the ASID): the spec model keeps the
 * global entry (hardware may), QEMU 7.2 flushes everything and re-walks. */
static void custom_c31(const struct row *r, enum mmu_model model)
{
	struct seq s;

	tl_where("%s [%s]", r->id, mmu_model_name(model));
	seq_init(&s, &pt_format_sv39, model, P_RW | PT_G);
	TL_EQ(mmu_set_table(&s.m, &pt_format_sv39, s.pt.root, 5), MMU_OK);
	TL_EQ(seq_pa(&s), PA1 | 0x123);
	seq_repoint(&s);
	mmu_riscv_sfence_vma(&s.m, true, 0, false, 5);
	TL_EQ(seq_pa(&s), (model == MMU_MODEL_SPEC ? PA1 : PA2) | 0x123);
	mmu_riscv_sfence_vma(&s.m, true, 0, true, 0);
	TL_EQ(seq_pa(&s), PA2 | 0x123);
	seq_fini();
	tl_where("");
}

/* C51: a global page (PGE=1, G=1): change the PTE and write CR3 again; the spec model returns
 * the stale translation (hardware may), QEMU the new one. After INVLPG both see the new one. */
static void custom_c51(const struct row *r, enum mmu_model model)
{
	struct seq s;

	tl_where("%s [%s]", r->id, mmu_model_name(model));
	seq_init(&s, &pt_format_x86_64, model, P_RW | PT_G);
	s.m.x86.cr4 = MMU_CR4_PGE;
	s.m.x86.efer = MMU_EFER_NXE;
	TL_EQ(mmu_set_table(&s.m, &pt_format_x86_64, s.pt.root, 0), MMU_OK);
	TL_EQ(seq_pa(&s), PA1 | 0x123);
	seq_repoint(&s);
	TL_EQ(mmu_x86_write_cr3(&s.m, s.m.x86.cr3), MMU_OK);
	TL_EQ(seq_pa(&s), (model == MMU_MODEL_SPEC ? PA1 : PA2) | 0x123);
	mmu_x86_invlpg(&s.m, DEFAULT_VA);
	TL_EQ(seq_pa(&s), PA2 | 0x123);
	seq_fini();
	tl_where("");
}

/* ---- the table itself ---------------------------------------------------------------------- */

/* Every section-4 case 1..55 has at least one row, ids are unique, formats exist. */
static void test_table_covers_every_case(void **state)
{
	bool seen[56] = {false};
	unsigned per_format[8] = {0};

	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const struct pt_format *f = pt_format_by_name(r->fmt);

		tl_where("row %s", r->id);
		TL_TRUE(f != NULL);
		for (unsigned k = 0; pt_formats[k]; k++)
			if (pt_formats[k] == f)
				per_format[k]++;
		for (size_t j = 0; j < i; j++)
			TL_TRUE(strcmp(rows[j].id, r->id) != 0);
		if (r->id[0] == 'C') {
			int n = atoi(r->id + 1);

			TL_TRUE(n >= 1 && n <= 55);
			seen[n] = true;
		}
		TL_TRUE(r->custom || r->spec.st != O_SAME);
	}
	for (int n = 1; n <= 55; n++) {
		tl_where("case %d", n);
		TL_TRUE(seen[n]);
	}
	for (unsigned k = 0; k < 8; k++) {
		tl_where("format %s", pt_formats[k]->name);
		TL_TRUE(per_format[k] >= 5);
	}
	TL_TRUE(NROWS >= 150);
	tl_where("");
}

int main(void)
{
	static struct CMUnitTest tests[1 + NROWS];
	static char names[NROWS][128];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest){"table covers every case", test_table_covers_every_case,
					 NULL, NULL, NULL};
	for (size_t i = 0; i < NROWS; i++) {
		snprintf(names[i], sizeof(names[i]), "%s %s: %s", rows[i].id, rows[i].fmt,
			 rows[i].what);
		tests[n++] = (struct CMUnitTest){names[i], test_row, NULL, row_teardown,
						 (void *)&rows[i]};
	}
	return _cmocka_run_group_tests("mmu_rules", tests, n, NULL, NULL);
}
