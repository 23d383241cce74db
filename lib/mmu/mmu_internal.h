/*
 * Private interface of the software MMU (lib/mmu). See docs/mmu.md.
 *
 * One walk loop (mmu.c) drives every format. What is architectural lives in a small table of
 * rule functions per architecture (riscv.c, x86.c), each deciding one step:
 *
 *   start   effective privilege, canonical check, "no translation" (Bare, M-mode, CR0.PG=0)
 *   read    fetch the entry at w->pte_pa (memory checks, PAE PDPTE registers)
 *   entry   an entry just read: descend to the next table, stop at a leaf, or fault
 *   leaf    leaf-only checks (alignment, encodings), the permission summary, page size and base
 *   allow   the permission check on a summary -- shared by the walk and by TLB hits, so that a
 *           hit grants exactly what a walk over the same entries would
 *   update  the A/D write-back (or the Svade fault)
 *   fault   fill the result with the fault (cause, tval, error code, CR2)
 */
#ifndef VMKIT_MMU_INTERNAL_H
#define VMKIT_MMU_INTERNAL_H

#include "vmkit/mmu.h"

/* The TLB hit path is a handful of inline functions; ask the compiler to really inline them. */
#if defined(__GNUC__)
#define MMU_INLINE static inline __attribute__((always_inline))
#define MMU_NOINLINE __attribute__((noinline))
#else
#define MMU_INLINE static inline
#define MMU_NOINLINE
#endif

/* Why a step failed; 0 means it did not. */
enum mmu_why {
	WHY_NONE = 0,
	WHY_PAGE,   /* RISC-V page fault; x86 #PF, entry not present */
	WHY_RSVD,   /* x86 #PF, reserved bit (RISC-V never uses it) */
	WHY_PROT,   /* x86 #PF, protection (P=1); RISC-V page fault */
	WHY_PK,     /* x86 #PF, protection key */
	WHY_ACCESS, /* RISC-V access fault */
	WHY_GP,     /* x86 #GP(0) */
};

/* What start decided. */
enum mmu_start {
	START_WALK,   /* translate through the tables */
	START_BYPASS, /* no translation: PA = VA */
	START_FAULT,  /* w->why says which */
};

/* The leaf found by a walk, as the TLB keeps it. */
struct mmu_leaf {
	pa_t base;       /* physical base of the page */
	unsigned shift;  /* log2 of the page size */
	unsigned info;   /* MMU_TLB_* */
	unsigned pkey;   /* x86 protection key */
	enum mmu_why late; /* a fault to raise after the A/D update (QEMU 7.2 NAPOT) */
};

/* One translation in progress. */
struct mmu_walk {
	struct mmu *m;
	const struct pt_format *f;
	va_t va;
	unsigned type;   /* MMU_LOAD / MMU_STORE / MMU_FETCH */
	unsigned flags;  /* the access flags */
	unsigned priv;   /* RISC-V: effective privilege */
	bool user;       /* x86: a user-mode access (CPL 3 and not implicit) */
	bool qemu;       /* model == MMU_MODEL_QEMU72 */
	unsigned acc;    /* rights accumulated over the levels (x86: W, U, XD; RISC-V: G) */
	/* the entry being looked at */
	int level;
	pa_t pte_pa;
	void *pte_ptr;   /* host pointer to it, NULL when it is not memory or a register */
	uint64_t pte;
	enum mmu_why why;
	struct mmu_result *res;
};

struct mmu_rules {
	/* 32-bit spaces use the low 32 bits of a VA. */
	va_t (*va)(const struct mmu *m, va_t va);
	enum mmu_start (*start)(struct mmu_walk *w);
	/* Read the entry at w->pte_pa (index idx in its table) into w->pte / w->pte_ptr. */
	enum mmu_why (*read)(struct mmu_walk *w, unsigned idx);
	/* Classify w->pte at w->level: *leaf = true to stop, else *next = the next table. */
	enum mmu_why (*entry)(struct mmu_walk *w, bool *leaf, pa_t *next);
	enum mmu_why (*leaf)(struct mmu_walk *w, struct mmu_leaf *out);
	enum mmu_why (*allow)(const struct mmu_walk *w, unsigned info, unsigned pkey);
	enum mmu_why (*update)(struct mmu_walk *w, struct mmu_leaf *leaf);
	/* Fill w->res for why and return the status. */
	enum mmu_status (*fault)(struct mmu_walk *w, enum mmu_why why);
	/* Whether the physical-access predicate applies (RISC-V). */
	bool phys;
};

extern const struct mmu_rules mmu_riscv_rules;
extern const struct mmu_rules mmu_x86_rules;

static inline const struct mmu_rules *mmu_rules_of(const struct mmu *m)
{
	return m->arch == MMU_ARCH_RISCV ? &mmu_riscv_rules : &mmu_x86_rules;
}

/* ---- helpers shared by the rule files ----------------------------------------------------- */

/* Whether [pa, pa + bytes) is memory the walker can read. */
static inline bool mmu_is_memory(const struct mmu *m, pa_t pa, uint64_t bytes)
{
	if (m->mem.contains)
		return m->mem.contains(m->mem.ctx, pa, bytes);
	return m->mem.ptr(m->mem.ctx, pa) != 0;
}

/* Read the entry at w->pte_pa from memory (it is known to be memory). */
static inline void mmu_read_entry(struct mmu_walk *w)
{
	void *p = w->m->mem.ptr(w->m->mem.ctx, w->pte_pa);

	w->pte_ptr = p;
	w->m->stats.pte_reads++;
	if (w->f->pte_size == 8)
		w->pte = *(const volatile uint64_t *)p;
	else
		w->pte = *(const volatile uint32_t *)p;
}

/* Write w->pte | bits back as one access of the entry's width, as the hardware's atomic
 * update does; nothing when the entry is not memory or the access asked for no update. */
static inline void mmu_set_bits(struct mmu_walk *w, uint64_t bits)
{
	if ((w->pte & bits) == bits)
		return;
	w->pte |= bits;
	if (!w->pte_ptr || (w->flags & MMU_NO_UPDATE))
		return;
	w->m->stats.pte_writes++;
	if (w->f->pte_size == 8)
		*(volatile uint64_t *)w->pte_ptr = w->pte;
	else
		*(volatile uint32_t *)w->pte_ptr = (uint32_t)w->pte;
}

/* Whether va is canonical for a sign-extended space of va_bits. */
MMU_INLINE bool mmu_canonical(va_t va, unsigned va_bits)
{
	uint64_t top = va >> (va_bits - 1);

	return top == 0 || top == (~(uint64_t)0 >> (va_bits - 1));
}

/* mmu_set_table, per architecture (riscv.c, x86.c). */
enum mmu_status mmu_riscv_set_table(struct mmu *m, const struct pt_format *fmt, pa_t root,
				    uint32_t asid);
enum mmu_status mmu_x86_set_table(struct mmu *m, const struct pt_format *fmt, pa_t root,
				  uint32_t asid);

/* ---- the permission rules, shared by walks (the rule tables) and TLB hits ------------------ */

/* Spec steps 10 and 11 (the table of section 1.7), on a summary: used by walks and TLB hits. */
MMU_INLINE enum mmu_why mmu_rv_allow(const struct mmu_walk *w, unsigned info, unsigned pkey)
{
	uint64_t mstatus = w->m->rv.mstatus;

	(void)pkey;
	if (info & MMU_TLB_U) {
		if (w->priv != MMU_PRIV_U && (w->type == MMU_FETCH || !(mstatus & MMU_MSTATUS_SUM)))
			return WHY_PAGE;
	} else if (w->priv == MMU_PRIV_U) {
		return WHY_PAGE;
	}
	switch (w->type) {
	case MMU_FETCH:
		return (info & MMU_TLB_X) ? WHY_NONE : WHY_PAGE;
	case MMU_LOAD:
		return ((info & MMU_TLB_R) || ((info & MMU_TLB_X) && (mstatus & MMU_MSTATUS_MXR)))
			       ? WHY_NONE
			       : WHY_PAGE;
	default:
		return (info & MMU_TLB_W) ? WHY_NONE : WHY_PAGE;
	}
}

/*
 * SDM 4.6 (access rights) and 4.6.2 (protection keys) on a summary; used by walks and TLB hits.
 * Returns WHY_PROT or WHY_PK for a fault. A summary with XD while NXE=0 cannot come from a walk
 * (XD would have been reserved): a TLB entry filled before NXE was cleared is walked again.
 */
MMU_INLINE enum mmu_why mmu_x86_allow(const struct mmu_walk *w, unsigned info, unsigned pkey)
{
	const struct mmu_x86 *x = &w->m->x86;
	bool uaddr = (info & MMU_TLB_U) != 0;
	bool writable = (info & MMU_TLB_W) != 0;
	bool exec = (info & MMU_TLB_X) != 0;
	bool wp = (x->cr0 & MMU_CR0_WP) != 0;
	bool store = w->type == MMU_STORE;
	bool fetch = w->type == MMU_FETCH;
	bool implicit = (w->flags & MMU_IMPLICIT) != 0;
	bool ac = (x->eflags & MMU_EFLAGS_AC) != 0;
	bool pk = false;
	bool ok;

	if ((info & MMU_TLB_XD) && !(x->efer & MMU_EFER_NXE))
		return WHY_RSVD;
	/* Protection keys: IA-32e only, data accesses only. AD blocks every data access; WD
	 * blocks writes that are user-mode or made with CR0.WP=1. */
	if (w->f->sign_extended && !fetch) {
		uint32_t reg = 0;

		if (uaddr && (x->cr4 & MMU_CR4_PKE))
			reg = x->pkru;
		else if (!uaddr && (x->cr4 & MMU_CR4_PKS))
			reg = x->pkrs;
		reg >>= 2 * pkey;
		pk = (reg & 1u) || ((reg & 2u) && store && (w->user || wp));
	}
	if (w->qemu) {
		/* mmu_translate()'s order: a user access to a supervisor page first (Q15); then
		 * the page's prot for this MMU index, where SMAP for implicit accesses follows the
		 * kernel index choice (Q14); then the key; then prot. */
		bool ksmap, readable, can_write, can_exec;

		if (w->user && !uaddr)
			return WHY_PROT;
		ksmap = (x->cr4 & MMU_CR4_SMAP) && !w->user &&
			(implicit ? (x->cpl == 3 || !ac) : !ac);
		readable = !(ksmap && uaddr);
		can_write = readable && (writable || !(w->user || wp));
		can_exec = exec && (w->user || !((x->cr4 & MMU_CR4_SMEP) && uaddr));
		if (pk)
			return WHY_PK;
		ok = fetch ? can_exec : store ? can_write : readable;
		return ok ? WHY_NONE : WHY_PROT;
	}
	if (w->user) {
		ok = uaddr && (!store || writable) && (!fetch || exec);
	} else if (fetch) {
		ok = exec && !(uaddr && (x->cr4 & MMU_CR4_SMEP));
	} else {
		bool smap = uaddr && (x->cr4 & MMU_CR4_SMAP) && (implicit || !ac);

		ok = !smap && (!store || writable || !wp);
	}
	/* The error code's PK bit is defined by the key condition alone (SDM 4.7). */
	if (pk)
		return WHY_PK;
	return ok ? WHY_NONE : WHY_PROT;
}

/* ---- TLB (tlb.c) -------------------------------------------------------------------------- */

/* The entry mapping va for asid (or a global one), or NULL. One probe per page size present,
 * smallest first. */
MMU_INLINE struct mmu_tlb_entry *mmu_tlb_find(struct mmu_tlb *t, va_t va, uint32_t asid)
{
	for (unsigned i = 0; i < t->nshifts; i++) {
		unsigned s = t->shift_list[i];
		struct mmu_tlb_entry *e;
		uint64_t vpn;

		vpn = va >> s;
		e = &t->entry[(size_t)((uint32_t)vpn & (t->sets - 1)) * t->ways];
		for (uint32_t w = 0; w < t->ways; w++, e++)
			if (e->vpn == vpn && e->shift == s &&
			    (e->asid == asid || (e->info & MMU_TLB_G)))
				return e;
	}
	return 0;
}
/* Remember a translation; replaces an entry for the same page and ASID. */
void mmu_tlb_insert(struct mmu_tlb *t, va_t va, uint32_t asid, const struct mmu_leaf *leaf,
		    uint64_t pte, pa_t pte_pa, unsigned level);
/* Drop one entry. */
void mmu_tlb_drop(struct mmu_tlb *t, struct mmu_tlb_entry *e);

/* Which entries a flush drops. */
#define MMU_FLUSH_VA 0x1u        /* only those mapping va */
#define MMU_FLUSH_ASID 0x2u      /* only those of asid (global ones count as every ASID's
				    unless MMU_FLUSH_KEEP_GLOBAL) */
#define MMU_FLUSH_KEEP_GLOBAL 0x4u /* never global ones */
#define MMU_FLUSH_ASID_STRICT 0x8u /* with MMU_FLUSH_ASID: global entries only if their own
				      ASID is asid */
void mmu_tlb_flush(struct mmu_tlb *t, unsigned how, va_t va, uint32_t asid);

#endif
