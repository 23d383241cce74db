/*
 * The software MMU: translate a virtual address exactly as a RISC-V hart or an x86 processor
 * does, with the processor state that matters, and a TLB model.
 *
 * What it models (see docs/mmu.md for the design and ../shared/docs/mmu-rules.md for the rules):
 *   - all eight paging formats of pt_formats[]: Sv32/39/48/57, x86 32-bit, PAE, 4- and 5-level;
 *   - RISC-V: privilege U/S/M with MPRV/MPP, SUM, MXR, Svade (A/D faults) or hardware A/D
 *     update, Svnapot, Svpbmt, PMP/PMA as a caller-supplied predicate;
 *   - x86: CPL, CR0.WP, CR4.PSE/PGE/PCIDE/SMEP/SMAP/PKE/PKS, EFLAGS.AC, EFER.NXE, MAXPHYADDR,
 *     implicit supervisor accesses, protection keys, the canonical rule, PAE PDPTE registers;
 *   - the A/D bits written back to the tables as the hardware writes them;
 *   - faults: RISC-V cause 1/5/7/12/13/15 with stval; x86 #PF with its error code and CR2, or
 *     #GP(0) for a non-canonical address;
 *   - two behaviours: MMU_MODEL_SPEC (the architecture specifications) and MMU_MODEL_QEMU72
 *     (what QEMU 7.2's TCG MMU does where it differs; every difference is listed below at
 *     enum mmu_model).
 *
 * Tables are read, and A/D bits written, only through the struct pt_mem the mmu was given:
 * physical addresses are never host pointers. An entry is memory when mem.contains(pa, size)
 * says so (or, without contains, when mem.ptr(pa) is not NULL).
 *
 * Everything is in caller-owned structures: no globals, no allocation. One struct mmu is one
 * hart / one logical processor; it is not thread-safe.
 *
 * Registers. The mmu holds the architectural registers that matter, as raw values with the
 * architecture's own bit layout (constants below), so that a register file copied from a real
 * or emulated processor can be used as is:
 *   - fields marked [live] may be written directly at any time; every translation reads them;
 *   - fields marked [write fn] decide the paging mode, the root or TLB flushes and must be changed
 *     through the function named, which applies the architecture's (or QEMU's) rules;
 *   - fields marked [config] describe the processor; set them after mmu_init, before use (and
 *     call mmu_tlb_flush_all if you change one later).
 */
#ifndef VMKIT_MMU_H
#define VMKIT_MMU_H

#include "vmkit/pt.h"

/* ---- models, access types, results ------------------------------------------------------- */

enum mmu_arch {
	MMU_ARCH_RISCV,
	MMU_ARCH_X86,
};

/*
 * Whose behaviour to reproduce where the hardware specification and QEMU 7.2 disagree.
 *
 * MMU_MODEL_QEMU72 differs from MMU_MODEL_SPEC in exactly these points:
 * RISC-V
 *   Q1  A/D are always updated by "hardware"; the svade setting is ignored (7.2 has no Svade).
 *   Q2  With svpbmt or svnapot on, PTE bits 60:54 are not checked; with svpbmt on and svnapot
 *       off, N=1 on a leaf is ignored.
 *   Q3  PBMT=3 on a leaf is accepted.
 *   Q4  A PTE read from an address that is not memory gives a page fault (spec: access fault).
 *   Q5  The A/D write-back is not checked against PMP; a PTE that cannot be written (the
 *       predicate says MMU_PHYS_UNBACKED for MMU_PHYS_PTE_WRITE: ROM, MMIO) gives a page fault.
 *   Q6  An invalid NAPOT leaf gets its A (and D) bits set before the page fault.
 *   Q7  Every sfence.vma flushes the whole TLB; a satp write that changes MODE, ASID or PPN
 *       flushes the whole TLB; an mstatus write that changes MPRV, MPP, SUM or MXR too.
 * x86
 *   Q8  A reserved-bit #PF has RSVD without P in its error code (0x8, not 0x9).
 *   Q9  PAE PDPTEs are not loaded at CR3 writes: every walk reads them from memory, checks
 *       bits 63, 62:52 and 51:MAXPHYADDR (not 2:1, 8:5) as #PF(RSVD), and sets bit 5 (A).
 *   Q10 An IA-32e PDPTE with PS=1 maps 1 GiB whatever page1gb says; its A bit is set before the
 *       leaf checks (so even when the access then faults).
 *   Q11 32-bit paging, 4 MiB pages: only bit 21 is reserved; bits 20:13 always give PA 39:32.
 *   Q12 (retired) QEMU 7.2.0 wrote CR2 on the #GP(0) of a non-canonical address; the 7.2
 *       stable series (7.2.22, the QEMU of this project's platform) fixed it, and the
 *       differential check against it agrees: neither model writes CR2 there.
 *   Q13 Every CR3 write flushes the whole TLB, globals included; a CR0 write changing PG, WP or
 *       PE and a CR4 write changing PGE, PAE, PSE, SMEP, SMAP or LA57 flush it all.
 *   Q14 SMAP is not applied to implicit supervisor accesses at CPL<3 when EFLAGS.AC=1.
 *   Q15 Protection keys: a user access to a supervisor page faults before the key is looked at
 *       (no PK bit); otherwise the key check comes first, as in the specification.
 *   Q16 A PTE read from an address that is not memory reads 0 (not present); the spec model
 *       reads all ones, the value a PC returns for a read that no device claims.
 *   Q17 Sv32: the PA of a leaf keeps only its low 32 bits (the TLB fill masks it with a 32-bit
 *       target_ulong); a leaf mapping a 34-bit PA reaches PA mod 4 GiB. Pointers and the satp
 *       root are not cut.
 *   Q18 (for callers) An AMO on one vCPU is executed as a load, then a store: a caller modelling
 *       QEMU translates it as MMU_LOAD and then, if that succeeds, MMU_STORE (cause 13 on a
 *       page without R, A set by the load part before a store fault, 5 for nothing behind it).
 *       With several vCPUs the store comes first. MMU_STORE alone is the specification's AMO.
 */
enum mmu_model {
	MMU_MODEL_SPEC = 0,
	MMU_MODEL_QEMU72 = 1,
};

/* The access, in the low bits of the `access` argument. */
#define MMU_LOAD 0u       /* load, LR; x86 data read */
#define MMU_STORE 1u      /* store, SC, AMO (an AMO is always a store); x86 data write */
#define MMU_FETCH 2u      /* instruction fetch */
#define MMU_ACCESS_TYPE 3u
/* Flags, ORed into `access`. */
#define MMU_IMPLICIT 0x4u  /* x86: implicit supervisor access (GDT, LDT, IDT, TSS) at any CPL */
#define MMU_NO_TLB 0x8u    /* walk, and neither look up nor fill the TLB */
#define MMU_NO_UPDATE 0x10u /* write no A/D bit (a debugger's look): where the hardware would
			       set one the result is as if it had */

enum mmu_status {
	MMU_OK = 0,
	MMU_PAGE_FAULT,   /* RISC-V 12/13/15, x86 #PF (vector 14) */
	MMU_ACCESS_FAULT, /* RISC-V 1/5/7 */
	MMU_GP_FAULT,     /* x86 #GP(0) (vector 13) */
};

/* RISC-V exception codes (mcause/scause). */
#define MMU_CAUSE_FETCH_ACCESS 1u
#define MMU_CAUSE_LOAD_ACCESS 5u
#define MMU_CAUSE_STORE_ACCESS 7u
#define MMU_CAUSE_FETCH_PAGE 12u
#define MMU_CAUSE_LOAD_PAGE 13u
#define MMU_CAUSE_STORE_PAGE 15u
/* x86 vectors. */
#define MMU_VEC_GP 13u
#define MMU_VEC_PF 14u
/* x86 #PF error-code bits. */
#define MMU_PF_P 0x1u
#define MMU_PF_W 0x2u
#define MMU_PF_U 0x4u
#define MMU_PF_RSVD 0x8u
#define MMU_PF_ID 0x10u
#define MMU_PF_PK 0x20u

/* The outcome of one translation. */
struct mmu_result {
	enum mmu_status status;
	/* MMU_OK */
	pa_t pa;             /* the physical address of va */
	uint64_t page_size;  /* bytes of the page it came from: 4K, 64K (NAPOT), 2M, 4M, 1G, ...;
				4K when nothing is translated (Bare, M-mode, CR0.PG=0) */
	/* faults */
	unsigned cause;      /* RISC-V: the exception code; x86: the vector (MMU_VEC_PF/GP) */
	uint64_t tval;       /* RISC-V: stval = the VA (full XLEN value, non-canonical included);
				x86: the linear address (CR2 for #PF) */
	uint32_t error_code; /* x86: #PF error code (MMU_PF_*); 0 for #GP(0) */
	bool cr2_written;    /* x86: CR2 received tval (every #PF; #GP only in MMU_MODEL_QEMU72) */
	/* both */
	bool tlb_hit;        /* answered from the TLB: no memory was read */
	int level;           /* level of the leaf, or of the entry the walk faulted on; -1 when no
				entry was involved (no translation, canonical fault) */
	pa_t pte_pa;         /* where that entry lives (PAE spec model: 0 for a PDPTE register) */
	uint64_t pte;        /* its value, after any A/D update */
};

/* ---- physical-access predicate (PMP / PMA) ----------------------------------------------- */

enum mmu_phys_kind {
	MMU_PHYS_PTE_READ,  /* the walk reads an entry (checked as an S-mode read) */
	MMU_PHYS_PTE_WRITE, /* the walk writes A/D back (checked as an S-mode store) */
	MMU_PHYS_ACCESS,    /* the access itself, at the final PA, with the effective privilege */
};

enum mmu_phys_verdict {
	MMU_PHYS_OK,
	MMU_PHYS_DENIED,   /* PMP (or PMA) forbids it: access fault */
	MMU_PHYS_UNBACKED, /* nothing writable/readable there (bus error, ROM for a write) */
};

/*
 * RISC-V only: asked about every PTE read, every A/D write-back and every final access (TLB
 * hits included), with the access type (MMU_LOAD/STORE/FETCH) and privilege (enum mmu_priv).
 * NULL check: everything is allowed. x86 has no such faults and never asks. It must be a pure
 * question: it may be asked more than once about one access.
 */
struct mmu_phys {
	enum mmu_phys_verdict (*check)(void *ctx, pa_t pa, uint64_t bytes, enum mmu_phys_kind kind,
				       unsigned type, unsigned priv);
	void *ctx;
};

/* ---- RISC-V registers -------------------------------------------------------------------- */

enum mmu_priv {
	MMU_PRIV_U = 0,
	MMU_PRIV_S = 1,
	MMU_PRIV_M = 3,
};

#define MMU_MSTATUS_MPP_SHIFT 11
#define MMU_MSTATUS_MPP ((uint64_t)3 << 11)
#define MMU_MSTATUS_MPRV ((uint64_t)1 << 17)
#define MMU_MSTATUS_SUM ((uint64_t)1 << 18)
#define MMU_MSTATUS_MXR ((uint64_t)1 << 19)

/* satp.MODE values. */
#define MMU_SATP_BARE 0u
#define MMU_SATP_SV32 1u  /* RV32: the 1-bit MODE field */
#define MMU_SATP_SV39 8u
#define MMU_SATP_SV48 9u
#define MMU_SATP_SV57 10u

struct mmu_riscv {
	unsigned xlen;     /* [config] 32 or 64 (default 64); Sv32 needs 32, the others 64 */
	bool svnapot;      /* [config] Svnapot implemented */
	bool svpbmt;       /* [config] Svpbmt implemented and menvcfg.PBMTE=1 (QEMU 7.2: the
			      svpbmt CPU property; it ignores PBMTE) */
	bool svade;        /* [config] A=0, or D=0 on a store, faults (Svade, or Svadu with
			      ADUE=0); false: the hardware sets them. Ignored by MMU_MODEL_QEMU72 */
	unsigned priv;     /* [live] current privilege, enum mmu_priv */
	uint64_t mstatus;  /* [live] MPRV, MPP, SUM, MXR are used (QEMU model: write through
			      mmu_riscv_write_mstatus to get QEMU's TLB flushes) */
	uint64_t satp;     /* [write fn] mmu_riscv_write_satp */
};

/* ---- x86 registers ----------------------------------------------------------------------- */

#define MMU_CR0_PE ((uint64_t)1 << 0)
#define MMU_CR0_WP ((uint64_t)1 << 16)
#define MMU_CR0_PG ((uint64_t)1 << 31)
#define MMU_CR4_PSE ((uint64_t)1 << 4)
#define MMU_CR4_PAE ((uint64_t)1 << 5)
#define MMU_CR4_PGE ((uint64_t)1 << 7)
#define MMU_CR4_LA57 ((uint64_t)1 << 12)
#define MMU_CR4_PCIDE ((uint64_t)1 << 17)
#define MMU_CR4_SMEP ((uint64_t)1 << 20)
#define MMU_CR4_SMAP ((uint64_t)1 << 21)
#define MMU_CR4_PKE ((uint64_t)1 << 22)
#define MMU_CR4_PKS ((uint64_t)1 << 24)
#define MMU_EFER_LME ((uint64_t)1 << 8)
#define MMU_EFER_LMA ((uint64_t)1 << 10)
#define MMU_EFER_NXE ((uint64_t)1 << 11)
#define MMU_EFLAGS_AC ((uint64_t)1 << 18)
#define MMU_CR3_NOFLUSH ((uint64_t)1 << 63) /* with CR4.PCIDE=1: keep the new PCID's entries */

struct mmu_x86 {
	uint8_t maxphyaddr; /* [config] MAXPHYADDR, default 40 (QEMU's phys-bits) */
	bool page1gb;       /* [config] CPUID Page1GB (1 GiB pages), default true */
	unsigned cpl;       /* [live] current privilege level 0..3 */
	uint64_t eflags;    /* [live] AC is used */
	uint32_t pkru;      /* [live] protection keys for user pages (CR4.PKE) */
	uint32_t pkrs;      /* [live] protection keys for supervisor pages (CR4.PKS) */
	uint64_t cr0;       /* [write fn] mmu_x86_write_cr0; WP may be written directly */
	uint64_t cr4;       /* [write fn] mmu_x86_write_cr4; PSE, SMEP, SMAP, PKE, PKS may be
			       written directly (no flush then) */
	uint64_t efer;      /* [write fn] mmu_x86_write_efer; NXE may be written directly.
			       LMA is kept equal to LME && CR0.PG && CR4.PAE by the write fns */
	uint64_t cr3;       /* [write fn] mmu_x86_write_cr3 */
	uint64_t cr2;       /* written by faults (see mmu_result.cr2_written) */
	uint64_t pdpte[4];  /* PAE PDPTE registers (spec model), loaded by CR3/CR0/CR4 writes */
};

/* ---- the TLB ----------------------------------------------------------------------------- */

/*
 * One cached translation. The fields are visible so that callers can size storage and tests
 * can look; only lib/mmu writes them.
 */
struct mmu_tlb_entry {
	uint64_t vpn;     /* va >> shift (va canonical, sign bits included) */
	pa_t pa;          /* physical base of the page */
	uint64_t pte;     /* the leaf entry as the walk left it (A/D included) */
	pa_t pte_pa;      /* where the leaf lives */
	uint32_t asid;    /* ASID (RISC-V) or PCID (x86) it was filled under */
	uint16_t info;    /* permission summary the walk computed (MMU_TLB_*) */
	uint8_t shift;    /* log2 of the page size (12, 16, 21, 22, 30, 39, 48); 0: empty */
	uint8_t level;    /* level of the leaf */
	uint8_t pkey;     /* x86 protection key of the leaf */
};

/* Bits of mmu_tlb_entry.info: the rights the walk found (x86: accumulated over the levels). */
#define MMU_TLB_R 0x1u
#define MMU_TLB_W 0x2u
#define MMU_TLB_X 0x4u
#define MMU_TLB_U 0x8u
#define MMU_TLB_G 0x10u  /* global: matches every ASID/PCID */
#define MMU_TLB_A 0x20u
#define MMU_TLB_D 0x40u
#define MMU_TLB_XD 0x80u /* x86: some level had XD=1 (only meaningful while EFER.NXE=1) */

/* A recent hit, by 4 KiB page: which entry answered and which accesses it allowed. */
struct mmu_tlb_hit {
	uint64_t page;                   /* va >> 12 */
	uint64_t key;                    /* the state the rights were worked out under */
	const struct mmu_tlb_entry *e;
	uint32_t gen;                    /* valid while equal to mmu_tlb.gen */
	uint32_t allow;                  /* bit t: access type t allowed (a store needs D too) */
};

#define MMU_TLB_HIT_SLOTS 64

/*
 * A set-associative TLB over caller-supplied entries: `entries / ways` sets (a power of two),
 * `ways` entries each (ways == entries: fully associative). A translation of page size 2^s sits
 * in set (va >> s) mod sets; a lookup probes each page size present. Replacement: an empty way,
 * else round robin. In front of it, a direct-mapped cache of recent hits (the way QEMU's fast
 * path works): it remembers, per 4 KiB page, the entry that answered and the rights the
 * permission rule gave under the state of the moment; any change to the entries invalidates it
 * (gen), any change of state misses it (key). It changes nothing the TLB answers, only how fast.
 */
struct mmu_tlb {
	struct mmu_tlb_entry *entry; /* sets * ways entries, set-major */
	uint32_t sets;
	uint32_t ways;
	uint32_t next;               /* round-robin victim counter */
	uint32_t valid;              /* entries in use */
	uint64_t shifts;             /* bit s set: some entry may have shift s */
	uint8_t shift_list[8];       /* the same shifts, ascending (the lookup order) */
	uint8_t nshifts;
	uint32_t gen;                /* bumped by every change to the entries */
	struct mmu_tlb_hit hit[MMU_TLB_HIT_SLOTS];
};

/* Make an empty TLB over storage[0 .. entries). PT_EINVAL unless entries > 0, ways > 0,
 * ways divides entries and entries / ways is a power of two. */
enum pt_err mmu_tlb_init(struct mmu_tlb *tlb, struct mmu_tlb_entry *storage, uint32_t entries,
			 uint32_t ways);

/* ---- the mmu ----------------------------------------------------------------------------- */

/* Counters; reset them by assigning zero. */
struct mmu_stats {
	uint64_t translations; /* mmu_translate calls (a span counts one per page) */
	uint64_t tlb_hits;     /* answered from the TLB */
	uint64_t tlb_misses;   /* TLB consulted and not answered (includes re-walks of a hit that
				  lacked a permission or the D bit) */
	uint64_t walks;        /* page-table walks started */
	uint64_t pte_reads;    /* entries read from memory (by walks and PDPTE loads) */
	uint64_t pte_writes;   /* entries written back (A/D) */
};

struct mmu {
	enum mmu_arch arch;     /* [config] set by mmu_init */
	enum mmu_model model;   /* [config] */
	struct pt_mem mem;      /* [config] physical memory: tables are read and A/D written here */
	struct mmu_phys phys;   /* [config] RISC-V PMP/PMA predicate (check may be NULL) */
	struct mmu_tlb *tlb;    /* [config] NULL: no TLB, every translation walks */
	struct mmu_riscv rv;    /* RISC-V registers (arch == MMU_ARCH_RISCV) */
	struct mmu_x86 x86;     /* x86 registers (arch == MMU_ARCH_X86) */
	struct mmu_stats stats;
	/* Derived by the register-write functions; read-only for callers. */
	const struct pt_format *fmt; /* current paging format, NULL: no translation */
	pa_t root;                   /* root table (x86 PAE: the 32-byte PDPT) */
	uint32_t asid;               /* current ASID / PCID */
};

/*
 * Reset *m: no translation (satp Bare / CR0.PG=0), privilege S (RISC-V) or CPL 0 (x86), every
 * other register 0, xlen 64, MAXPHYADDR 40, page1gb true, no TLB, no PMP predicate.
 */
void mmu_init(struct mmu *m, enum mmu_arch arch, enum mmu_model model, const struct pt_mem *mem);

/*
 * Turn on paging with fmt, the root table at root and ASID/PCID asid, through the register
 * writes the hardware would see (so their flush rules apply): RISC-V writes satp (fmt must suit
 * rv.xlen); x86 sets EFER.LME and CR4.PAE/LA57 as fmt needs, CR0.PG|PE, and writes CR3 (with the
 * PCID when CR4.PCIDE=1). Other bits (WP, NXE, PSE, SMEP, ...) are left as they are.
 * fmt NULL turns translation off. Returns MMU_OK, or MMU_GP_FAULT if a register write would
 * #GP (x86 spec model: a PAE PDPTE with reserved bits; CR3 beyond MAXPHYADDR) or the fmt does
 * not suit the mmu (then nothing changed).
 */
enum mmu_status mmu_set_table(struct mmu *m, const struct pt_format *fmt, pa_t root,
			      uint32_t asid);

/*
 * Translate va for one access (MMU_LOAD/STORE/FETCH, plus MMU_IMPLICIT, MMU_NO_TLB,
 * MMU_NO_UPDATE). Fills *res (which may be NULL) and returns res->status. Side effects, as the
 * hardware: A/D bits written to the tables, the TLB filled, x86 CR2 written on a fault.
 * 32-bit formats and RV32 use the low 32 bits of va.
 */
enum mmu_status mmu_translate(struct mmu *m, va_t va, unsigned access, struct mmu_result *res);

/*
 * An access of len bytes (1..4096) at va that may cross into the next page: the page holding va
 * is translated first (a fault there reports va), then the next one (a fault reports the page
 * boundary), as QEMU and the specifications do; the caller performs the access only if both
 * succeed (so a faulting store writes nothing). On success *res describes the first page and
 * *pa_next (may be NULL) is the PA of the first byte in the second page, or 0 if the access does
 * not cross. The physical-access predicate sees each part's own length.
 */
enum mmu_status mmu_translate_span(struct mmu *m, va_t va, uint64_t len, unsigned access,
				   struct mmu_result *res, pa_t *pa_next);

/* Drop every TLB entry (global ones included). */
void mmu_tlb_flush_all(struct mmu *m);

/* The TLB entry that would answer va now (current ASID/PCID), without touching anything:
 * true and *out filled, or false. For tests and tools. */
bool mmu_tlb_probe(const struct mmu *m, va_t va, struct mmu_tlb_entry *out);

/* Short names: "MMU_OK", "MMU_PAGE_FAULT", ... and "spec", "qemu-7.2". Never NULL. */
const char *mmu_status_name(enum mmu_status s);
const char *mmu_model_name(enum mmu_model model);

/* ---- RISC-V instructions and CSR writes -------------------------------------------------- */

/* The satp value for mode (MMU_SATP_*), asid and the root table at root (4 KiB aligned). */
uint64_t mmu_riscv_make_satp(unsigned xlen, unsigned mode, uint32_t asid, pa_t root);

/*
 * Write satp. An unsupported MODE (reserved; Sv32 on RV64; Sv39+ on RV32) discards the whole
 * write and returns false, as the hardware does. ASID bits above ASIDMAX (9 bits on RV32, 16 on
 * RV64) do not exist. A change of MODE drops the whole TLB (more than the spec requires, which
 * is always allowed: the TLB then only holds the current scheme's translations); otherwise the
 * spec model flushes nothing (software runs sfence.vma). The QEMU model flushes everything when
 * MODE, ASID or PPN change (Q7).
 */
bool mmu_riscv_write_satp(struct mmu *m, uint64_t satp);

/* Write mstatus; the QEMU model flushes the TLB if MPRV, MPP, SUM or MXR change (Q7). The spec
 * model needs no flush: changes to SUM and MXR take effect at once either way. */
void mmu_riscv_write_mstatus(struct mmu *m, uint64_t mstatus);

/*
 * sfence.vma rs1, rs2. rs1_x0 / rs2_x0 say whether the register operand *is* x0 (not whether it
 * holds 0); rs1 / rs2 are the register values otherwise. Spec model:
 *   x0, x0   every entry, global ones included;
 *   x0, rs2  entries of ASID rs2 that are not global;
 *   rs1, x0  entries mapping VA rs1, every ASID, global included;
 *   rs1, rs2 entries mapping VA rs1 in ASID rs2 that are not global.
 * A non-canonical rs1 does nothing. The QEMU model flushes everything in every form (Q7).
 */
void mmu_riscv_sfence_vma(struct mmu *m, bool rs1_x0, uint64_t rs1, bool rs2_x0, uint64_t rs2);

/* ---- x86 instructions and register writes ------------------------------------------------ */

/*
 * MOV to CR3. Spec model: in IA-32e mode, bits 63:MAXPHYADDR set (bit 63 excepted with PCIDE)
 * -> MMU_GP_FAULT and nothing changes; under PAE paging the four PDPTEs are loaded into
 * mmu.x86.pdpte, and a present one with reserved bits -> MMU_GP_FAULT, nothing changes.
 * Flush: PCIDE=0: every non-global entry; PCIDE=1: the new PCID's non-global entries, or none
 * if bit 63 is set (bit 63 is not stored). QEMU model: no PDPTE load, everything flushed (Q9,
 * Q13).
 */
enum mmu_status mmu_x86_write_cr3(struct mmu *m, uint64_t cr3);

/*
 * MOV to CR0 / CR4, WRMSR EFER. They recompute the paging mode (fmt) and LMA; a change of
 * paging mode drops the whole TLB (both models). Spec model flushes besides: CR0.PG 1->0, a CR4.PGE change or PCIDE 1->0: everything; a CR4.PAE change or SMEP
 * 0->1: the current PCID's entries. QEMU model: see Q13. A write that results in PAE paging
 * while changing PG, PAE, PSE, PGE or SMEP reloads the PDPTEs (spec model; MMU_GP_FAULT and no
 * change if one has reserved bits). The #GPs for illegal mode changes are not modelled.
 */
enum mmu_status mmu_x86_write_cr0(struct mmu *m, uint64_t cr0);
enum mmu_status mmu_x86_write_cr4(struct mmu *m, uint64_t cr4);
enum mmu_status mmu_x86_write_efer(struct mmu *m, uint64_t efer);

/* INVLPG va: drop the entries mapping va (any page size), global ones included, for the
 * current PCID (global entries of any PCID). A non-canonical va does nothing. */
void mmu_x86_invlpg(struct mmu *m, va_t va);

#endif
