/*
 * The x86 differential check of lib/mmu against QEMU 7.2 (see tests/qemu-diff/README.md).
 *
 * One C harness (main.c, gen.c, cpu.c) is built twice: -m32 for qemu-system-i386 (formats
 * x86-32 with and without CR4.PSE, and x86-pae) and -m64 for qemu-system-x86_64 (x86-64, or
 * x86-64-la57 when built with QD_LA57=1). entry32.S / entry64.S hold the multiboot entry, the
 * trap stubs and the probe trampolines; this header is shared by the C and assembly files.
 *
 * Physical layout (QEMU -machine pc,max-ram-below-4g=...: RAM below 4 GiB from 0, and a piece
 * of RAM at 4 GiB):
 *   [1 MiB, QD_HOME_POOL)            the image (text, data, bss, stacks, boot tables)
 *   [QD_HOME_POOL, QD_SHADOW)        tables that stay for the whole run (i386: the home PAE
 *                                    table used to reach RAM above 4 GiB)
 *   [QD_SHADOW, QD_TABLE_POOL)       a copy of the round's tables, to find stray writes
 *   [QD_TABLE_POOL, QD_FRAME_POOL)   the tables of one round (reset every round)
 *   [QD_FRAME_POOL, QD_FRAME_END)    frames of 4 KiB / 2 MiB / 4 MiB random mappings
 *   x86-64 only: [1 GiB, 2 GiB)      the frame of 1 GiB mappings
 *   [QD_HIGH_RAM, + QD_HIGH_SIZE)    RAM above 4 GiB: frames of some mappings (PSE-36, PAE)
 * Probed memory is always at or above QD_FRAME_POOL; the harness never maps it as a leaf.
 *
 * Virtual layout of every round's table: the harness region (identity map of low RAM, the
 * user-mode trampoline page and stack) sits in the first top-level slot(s); random mappings
 * and probes use only the other slots, so no probe walks an entry the harness uses.
 */
#ifndef QEMU_DIFF_QD_X86_H
#define QEMU_DIFF_QD_X86_H

/* Segment selectors (the GDT is built in cpu.c). */
#define QD_KCODE 0x08
#define QD_KDATA 0x10
#define QD_UCODE 0x1b /* DPL 3, RPL 3 */
#define QD_UDATA 0x23 /* DPL 3, RPL 3 */
#define QD_TSS 0x28
#define QD_KCODE32 0x38 /* x86-64 only: the 32-bit code segment of the boot stub */

/* The vector user-mode trampolines raise when their access succeeded (DPL 3 gate). */
#define QD_VEC_USER_DONE 0x81

/* Word size of the probe I/O block: unsigned long. */
#ifdef __x86_64__
#define QD_W 8
#else
#define QD_W 4
#endif

/* struct qd_probe_io, field offsets (words). */
#define QD_IO_VA (0 * QD_W)        /* in: the address probed */
#define QD_IO_WVAL (1 * QD_W)      /* in: the value a write stores */
#define QD_IO_KIND (2 * QD_W)      /* in: QD_KIND_* */
#define QD_IO_FLAGS (3 * QD_W)     /* in: EFLAGS during the access (AC; IF stays 0) */
#define QD_IO_USER_IP (4 * QD_W)   /* in: user-mode entry (a trampoline in the user page) */
#define QD_IO_USER_SP (5 * QD_W)   /* in: user-mode stack pointer */
#define QD_IO_OUT0 (6 * QD_W)      /* out: value read (low word), or what a fetch returned */
#define QD_IO_OUT1 (7 * QD_W)      /* out: i386: the high dword of the value read */
#define QD_IO_TRAPPED (8 * QD_W)   /* out: 1 if an exception ended the access */
#define QD_IO_VECTOR (9 * QD_W)    /* out: its vector */
#define QD_IO_ERR (10 * QD_W)      /* out: its error code */
#define QD_IO_CR2 (11 * QD_W)      /* out: CR2 when the handler ran */
#define QD_IO_IP (12 * QD_W)       /* out: the instruction pointer it reported */
#define QD_IO_WORDS 13

/* Access kinds: at CPL 0 in the harness itself; at CPL 3 through the user trampolines. */
#define QD_KIND_READ 0
#define QD_KIND_WRITE 1
#define QD_KIND_FETCH 2

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stdint.h>

#include "qd.h"
#include "vmkit/mmu.h"
#include "vmkit/pt.h"

void *memset(void *dst, int c, size_t n); /* qd_string.c */

struct qd_probe_io {
	unsigned long va, wval, kind, flags, user_ip, user_sp;
	unsigned long out0, out1, trapped, vector, err, cr2, ip;
};
_Static_assert(sizeof(struct qd_probe_io) == QD_IO_WORDS * QD_W, "probe io layout");

#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)

#define QD_HOME_POOL MB(8)
#define QD_SHADOW MB(12)      /* [12 MiB, 16 MiB): a copy of the round's tables */
#define QD_TABLE_POOL MB(16)
#define QD_HIGH_RAM GB(4)
#define QD_HIGH_SIZE MB(256)
#ifdef __x86_64__
#define QD_FRAME_POOL MB(64)
#define QD_FRAME_END GB(1)
#define QD_GIG_FRAME GB(1)    /* one 1 GiB frame of RAM */
#define QD_LOW_RAM GB(2)      /* RAM below 4 GiB (QEMU max-ram-below-4g) */
#define QD_IDENT_END QD_LOW_RAM /* the harness maps all of it at VA = PA */
#else
#define QD_FRAME_POOL MB(32)
#define QD_FRAME_END MB(128)
#define QD_LOW_RAM GB(1)
#define QD_IDENT_END MB(128)  /* identity-mapped low RAM in every round's table */
#endif

/* User-mode trampolines and stack, mapped U=1 inside the harness region. */
#ifdef __x86_64__
#define QD_USER_CODE_VA 0x0000004000000000ull /* 256 GiB: PML4 slot 0, PDPT slot 256 */
#else
#define QD_USER_CODE_VA 0x08000000ull         /* 128 MiB: PDE 32 (x86-32), PDPTE 0 (PAE) */
#endif
#define QD_USER_STACK_VA (QD_USER_CODE_VA + 0x1000)

/* What the CPU offers (CPUID), and what the model is told. */
struct qd_cpu {
	bool nx, pse, pse36, pae, pge, smep, smap, pku, pks, la57, page1gb;
	unsigned maxphyaddr;
	char vendor[13];
};

/* The control state of one probe. */
struct qd_state {
	unsigned cpl;       /* 0 or 3 */
	bool wp, smep, smap, ac, nxe, pke, pks, pse;
	uint32_t pkru, pkrs;
};

/* ---- entry*.S ---------------------------------------------------------------------------- */

/* Run one probe as *io says (the CPU state must be set up); fills the out fields. */
void qd_probe_asm(struct qd_probe_io *io);
extern char qd_usertext_start[], qd_usertext_end[];
extern char qd_user_read[], qd_user_write[], qd_user_fetch[];
extern char qd_ustack[];        /* one page, the user-mode stack */
extern char qd_trap_stack_top[]; /* TSS.esp0/rsp0 */
extern unsigned long qd_vectors[256];
#ifdef __x86_64__
extern uint64_t qd_boot_root;   /* the boot page table (CR3) */
#endif

/* ---- cpu.c ------------------------------------------------------------------------------- */

extern struct qd_cpu qd_cpu;
void qd_cpu_detect(void);
void qd_cpu_tables_init(void);
unsigned long qd_read_cr0(void);
unsigned long qd_read_cr2(void);
unsigned long qd_read_cr3(void);
unsigned long qd_read_cr4(void);
void qd_write_cr0(unsigned long v);
void qd_write_cr2(unsigned long v);
void qd_write_cr3(unsigned long v);
void qd_write_cr4(unsigned long v);
uint64_t qd_rdmsr(uint32_t msr);
void qd_wrmsr(uint32_t msr, uint64_t v);
void qd_wrpkru(uint32_t v);
void qd_invlpg(unsigned long va);
#define QD_MSR_EFER 0xC0000080u
#define QD_MSR_PKRS 0x6E1u

/* Physical memory for the harness: a pointer to [pa, pa + 8) or NULL if the harness cannot
 * reach it directly (i386: above QD_IDENT_END); and 8-byte accesses that can reach any RAM
 * (i386: above 4 GiB through the home PAE table). */
void *qd_phys_ptr(uint64_t pa);
bool qd_phys_is_ram(uint64_t pa);
bool qd_high_ram_usable(void);
uint64_t qd_phys_read64(uint64_t pa);
void qd_phys_write64(uint64_t pa, uint64_t v);
/* i386: build the home PAE table (once, paging off). */
void qd_home_init(void);
/* Leave the round's paging (i386: paging off; x86-64: the boot table) to rebuild it. */
void qd_paging_home(void);
/* Enter a round's table with the base control state for fmt (paging on). */
void qd_paging_enter(const struct pt_format *fmt, uint64_t root, bool pse);
/* Set the control registers of one probe (CR0.WP, CR4, EFER.NXE, PKRU, PKRS). */
void qd_apply_state(const struct qd_state *s);

/* ---- gen.c: one round's table ------------------------------------------------------------ */

#define QD_MAX_LEAVES 96
#define QD_MAX_PATH 6

struct qd_leaf {
	uint64_t va;      /* first VA (canonical) */
	uint64_t pa;      /* frame base as the hardware reads it (PSE-36 bits included) */
	uint64_t size;
	unsigned level;
};

struct qd_round {
	const struct pt_format *fmt;
	struct pt pt;
	bool pse;               /* x86-32: CR4.PSE during the round (4 MiB pages exist) */
	unsigned first_slot;    /* first top-level slot (root index) of the random region */
	unsigned nslots;        /* root entries */
	unsigned nleaves;
	struct qd_leaf leaf[QD_MAX_LEAVES];
	uint64_t cluster[4];    /* bases of the 16 MiB windows holding 4 KiB mappings */
	unsigned nclusters;
	unsigned pokes;         /* raw changes made after the engine built the table */
	unsigned tables;        /* tables allocated */
	uint64_t harness_end;   /* the pool below this holds the harness's tables (and root) */
	uint64_t pool_end;      /* end of the pool in use */
};

/* The table pool as a struct pt_mem: also what the model reads the tables through. */
extern const struct pt_mem qd_mem;

/* Build a round: harness mappings, random leaves (pt_map), then raw pokes. Paging must be off
 * (i386) or on the boot table (x86-64). */
void qd_round_build(struct qd_round *r, const struct pt_format *fmt, bool pse,
		   struct qd_rng *rng);

/*
 * The entries a walk for va may read, root first, as addresses: follows present pointers
 * (x86-32: PS ignored when !pse) whose target is a table of the pool, stops at a leaf, a
 * non-present entry or a pointer leaving the pool. Returns how many; level[i] is the level.
 */
unsigned qd_path(const struct qd_round *r, uint64_t va, bool pse, uint64_t pa[QD_MAX_PATH],
		 int level[QD_MAX_PATH]);
uint64_t qd_entry_read(const struct qd_round *r, uint64_t pa);
/* Copy the round's tables aside (after building); later, find entries of the random region
 * that differ from the copy: returns how many, *first the address of the first. False from
 * snapshot if the tables do not fit the copy area. */
bool qd_round_snapshot(const struct qd_round *r);
unsigned qd_round_stray(const struct qd_round *r, uint64_t *first);
void qd_entry_write(const struct qd_round *r, uint64_t pa, uint64_t v);

/* The 8 bytes every probed frame holds at pa (8-aligned): "mov $(pa >> 3), %eax; ret" and a
 * tag, so a read tells which PA it reached and a fetch returns (pa >> 3). */
static inline uint64_t qd_pattern(uint64_t pa)
{
	return 0xB8u | ((uint64_t)(uint32_t)(pa >> 3) << 8) | ((uint64_t)0xC3 << 40) |
	       ((uint64_t)0x5A << 48) | ((uint64_t)0xA5 << 56);
}

/* ---- main.c ------------------------------------------------------------------------------ */

void qd_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void qd_exit(unsigned code);
_Noreturn void qd_panic(const char *what);

#endif /* !__ASSEMBLER__ */
#endif
