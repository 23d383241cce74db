/*
 * x86 rules of the software MMU: 32-bit paging (CR4.PSE as state), PAE, IA-32e 4- and 5-level
 * (Intel SDM Vol. 3A ch. 4), and QEMU 7.2's mmu_translate() where it differs (mmu.h, Q8-Q16).
 * The walk loop itself is in mmu.c.
 */
#include "mmu_internal.h"

#define X86_P 0x1u
#define X86_RW 0x2u
#define X86_US 0x4u
#define X86_A 0x20u
#define X86_D 0x40u
#define X86_PS 0x80u
#define X86_G 0x100u
#define X86_XD ((uint64_t)1 << 63)
#define X86_ADDR 0x000ffffffffff000ull /* bits 51:12 */
#define X86_ADDR32 0xfffff000ull
#define X86_HI 0x7ff0000000000000ull /* bits 62:52, reserved in PAE (not IA-32e) entries */
#define X86_PDPTE_RSVD 0x1e6ull        /* bits 2:1 and 8:5 of a PAE PDPTE register */

/* ---- the paging mode, from the format descriptor ------------------------------------------- */

static bool legacy(const struct pt_format *f)
{
	return f->pte_size == 4;
}

static bool pae(const struct pt_format *f)
{
	return f->pte_size == 8 && !f->sign_extended;
}

static bool ia32e(const struct pt_format *f)
{
	return f->sign_extended;
}

static unsigned maxphy(const struct mmu *m)
{
	unsigned mp = m->x86.maxphyaddr;

	return mp < 32 ? 32 : mp > 52 ? 52 : mp;
}

/* Bits reserved in every present 8-byte entry (PDPTE registers aside): 51:MAXPHYADDR, XD when
 * EFER.NXE=0, and in PAE 62:52. 32-bit paging: none. */
static uint64_t rsvd_base(const struct mmu_walk *w)
{
	const struct mmu *m = w->m;
	uint64_t r;

	if (legacy(w->f))
		return 0;
	r = X86_ADDR & ~(((uint64_t)1 << maxphy(m)) - 1);
	if (!(m->x86.efer & MMU_EFER_NXE))
		r |= X86_XD;
	if (pae(w->f))
		r |= X86_HI;
	return r;
}

/* Rights accumulate over the levels: writable and user only if every level says so; XD if any
 * level says so (XD exists only in 8-byte entries, and only while NXE=1 -- else it is reserved
 * and has faulted already). */
static void accumulate(struct mmu_walk *w, uint64_t pte)
{
	if (!(pte & X86_RW))
		w->acc &= ~MMU_TLB_W;
	if (!(pte & X86_US))
		w->acc &= ~MMU_TLB_U;
	if (w->f->pte_size == 8 && (pte & X86_XD))
		w->acc |= MMU_TLB_XD;
}

/* ---- rules --------------------------------------------------------------------------------- */

static va_t x86_va(const struct mmu *m, va_t va)
{
	return m->fmt && m->fmt->sign_extended ? va : (uint32_t)va;
}

static enum mmu_start x86_start(struct mmu_walk *w)
{
	const struct mmu *m = w->m;

	w->user = m->x86.cpl == 3 && !(w->flags & MMU_IMPLICIT);
	w->acc = MMU_TLB_W | MMU_TLB_U;
	if (!w->f)
		return START_BYPASS;
	if (ia32e(w->f) && !mmu_canonical(w->va, w->f->va_bits)) {
		w->why = WHY_GP;
		return START_FAULT;
	}
	return START_WALK;
}

/* An entry read. PAE spec model: the top level is the PDPTE registers loaded at the CR3 write.
 * Outside memory there is no fault on x86: the read returns all ones (spec: what a PC returns
 * when no device answers) or 0 (QEMU 7.2, Q16). */
static enum mmu_why x86_read(struct mmu_walk *w, unsigned idx)
{
	struct mmu *m = w->m;
	const struct pt_format *f = w->f;

	if (pae(f) && w->level == f->levels - 1 && !w->qemu) {
		w->pte = m->x86.pdpte[idx & 3u];
		w->pte_pa = 0;
		return WHY_NONE;
	}
	if (!mmu_is_memory(m, w->pte_pa, f->pte_size)) {
		m->stats.pte_reads++;
		w->pte = w->qemu ? 0 : f->pte_size == 8 ? ~(uint64_t)0 : 0xffffffffull;
		return WHY_NONE;
	}
	mmu_read_entry(w);
	return WHY_NONE;
}

/*
 * SDM 4.x walk step 4: P, then reserved bits, then pointer or leaf. A is set in each pointer as
 * it is used (level by level, so a walk that faults lower down leaves it set: hardware and QEMU
 * agree); the leaf's A/D wait for the permission check (x86_update).
 */
static enum mmu_why x86_entry(struct mmu_walk *w, bool *leaf, pa_t *next)
{
	const struct mmu *m = w->m;
	const struct pt_format *f = w->f;
	uint64_t pte = w->pte;
	int level = w->level;
	bool ps;

	if (!(pte & X86_P))
		return WHY_PAGE;
	if (legacy(f)) {
		/* With CR4.PSE=0 the PS bit of a PDE is ignored: it points at a table. */
		if (level == 0 || ((pte & X86_PS) && (m->x86.cr4 & MMU_CR4_PSE))) {
			*leaf = true;
			return WHY_NONE;
		}
		accumulate(w, pte);
		mmu_set_bits(w, X86_A);
		*next = pte & X86_ADDR32;
		return WHY_NONE;
	}
	if (pae(f) && level == f->levels - 1) {
		/* A PDPTE gives no rights. Spec: a register, checked when it was loaded. QEMU:
		 * read from memory, 63, 62:52, 51:M reserved, and A set (Q9). */
		if (w->qemu) {
			if (pte & (rsvd_base(w) | X86_XD))
				return WHY_RSVD;
			mmu_set_bits(w, X86_A);
		}
		*next = pte & X86_ADDR;
		return WHY_NONE;
	}
	if (pte & rsvd_base(w))
		return WHY_RSVD;
	ps = level > 0 && (pte & X86_PS);
	if (ps && !(f->leaf_levels & (1u << level)))
		return WHY_RSVD; /* PS in a PML4E or PML5E */
	if (ps && level == 2) {
		/* A 1 GiB page. QEMU: no CPUID check, and A set before the leaf checks (Q10). */
		if (w->qemu)
			mmu_set_bits(w, X86_A);
		else if (!m->x86.page1gb)
			return WHY_RSVD;
	}
	if (level == 0 || ps) {
		*leaf = true;
		return WHY_NONE;
	}
	accumulate(w, pte);
	mmu_set_bits(w, X86_A);
	*next = pte & X86_ADDR;
	return WHY_NONE;
}

/* Leaf-only reserved bits (large-page alignment, PSE-36), the page, the rights summary. */
static enum mmu_why x86_leaf(struct mmu_walk *w, struct mmu_leaf *out)
{
	const struct mmu *m = w->m;
	const struct pt_format *f = w->f;
	uint64_t pte = w->pte;
	unsigned shift = f->shift[w->level];
	pa_t base;

	if (legacy(f) && w->level > 0) {
		/* 4 MiB page: PDE 20:13 give PA 39:32 (PSE-36), bit 21 is reserved, and so are
		 * the bits that would reach MAXPHYADDR or beyond. QEMU: bit 21 only (Q11). */
		uint64_t rsvd = (uint64_t)1 << 21;
		unsigned mp = maxphy(m);

		if (!w->qemu && mp < 40)
			rsvd |= (((uint64_t)1 << 21) - 1) & ~(((uint64_t)1 << (mp - 19)) - 1);
		if (pte & rsvd)
			return WHY_RSVD;
		base = (pte & 0xffc00000ull) | (((pte >> 13) & 0xffu) << 32);
	} else if (legacy(f)) {
		base = pte & X86_ADDR32;
	} else {
		/* Large pages: the address bits below the page size are reserved, except PAT
		 * (bit 12). For 4 KiB pages the mask is empty. */
		if (pte & ((((uint64_t)1 << shift) - 1) & ~0x1fffull))
			return WHY_RSVD;
		base = pte & X86_ADDR & ~(((uint64_t)1 << shift) - 1);
	}
	accumulate(w, pte);
	out->shift = shift;
	out->base = base;
	out->info = MMU_TLB_R | (w->acc & (MMU_TLB_W | MMU_TLB_U | MMU_TLB_XD)) |
		    ((w->acc & MMU_TLB_XD) ? 0 : MMU_TLB_X) | ((pte & X86_A) ? MMU_TLB_A : 0) |
		    ((pte & X86_D) ? MMU_TLB_D : 0) |
		    ((pte & X86_G) && (m->x86.cr4 & MMU_CR4_PGE) ? MMU_TLB_G : 0);
	out->pkey = ia32e(f) ? (unsigned)(pte >> 59) & 0xfu : 0;
	return WHY_NONE;
}


/* SDM 4.8: A in the leaf, D too on a write (the pointers got A as they were used). */
static enum mmu_why x86_update(struct mmu_walk *w, struct mmu_leaf *leaf)
{
	uint64_t want = X86_A | (w->type == MMU_STORE ? X86_D : 0);

	mmu_set_bits(w, want);
	leaf->info |= MMU_TLB_A | (w->type == MMU_STORE ? MMU_TLB_D : 0);
	return WHY_NONE;
}

static enum mmu_status x86_fault(struct mmu_walk *w, enum mmu_why why)
{
	struct mmu *m = w->m;
	struct mmu_result *res = w->res;
	bool write_cr2 = !(w->flags & MMU_NO_UPDATE);
	uint32_t ec = 0;

	res->tval = w->va;
	if (why == WHY_GP) {
		res->status = MMU_GP_FAULT;
		res->cause = MMU_VEC_GP;
		res->error_code = 0;
		/* Q12 (retired): neither hardware nor QEMU 7.2.x-stable writes CR2 here. */
		return MMU_GP_FAULT;
	}
	switch (why) {
	case WHY_RSVD:
		ec = w->qemu ? MMU_PF_RSVD : MMU_PF_P | MMU_PF_RSVD; /* Q8 */
		break;
	case WHY_PROT:
		ec = MMU_PF_P;
		break;
	case WHY_PK:
		ec = MMU_PF_P | MMU_PF_PK;
		break;
	default: /* not present */
		break;
	}
	if (w->type == MMU_STORE)
		ec |= MMU_PF_W;
	if (w->user)
		ec |= MMU_PF_U;
	if (w->type == MMU_FETCH &&
	    ((m->x86.cr4 & MMU_CR4_SMEP) ||
	     ((m->x86.cr4 & MMU_CR4_PAE) && (m->x86.efer & MMU_EFER_NXE))))
		ec |= MMU_PF_ID;
	res->status = MMU_PAGE_FAULT;
	res->cause = MMU_VEC_PF;
	res->error_code = ec;
	if (write_cr2) {
		m->x86.cr2 = w->va;
		res->cr2_written = true;
	}
	return MMU_PAGE_FAULT;
}

const struct mmu_rules mmu_x86_rules = {
	.va = x86_va,
	.start = x86_start,
	.read = x86_read,
	.entry = x86_entry,
	.leaf = x86_leaf,
	.allow = mmu_x86_allow,
	.update = x86_update,
	.fault = x86_fault,
	.phys = false,
};

/* ---- control registers and instructions ---------------------------------------------------- */

static const struct pt_format *x86_mode(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	if (!(cr0 & MMU_CR0_PG))
		return 0;
	if (!(cr4 & MMU_CR4_PAE))
		return &pt_format_x86_32;
	if (!(efer & MMU_EFER_LMA))
		return &pt_format_x86_pae;
	return (cr4 & MMU_CR4_LA57) ? &pt_format_x86_la57 : &pt_format_x86_64;
}

/* Load the four PDPTEs of the PDPT at cr3; false (#GP) if a present one has a reserved bit:
 * 2:1, 8:5 or 63:MAXPHYADDR. */
static bool load_pdptes(struct mmu *m, uint64_t cr3, uint64_t out[4])
{
	pa_t base = (uint32_t)cr3 & ~0x1fu;
	uint64_t rsvd = X86_PDPTE_RSVD | (~(uint64_t)0 << maxphy(m));

	for (unsigned i = 0; i < 4; i++) {
		pa_t pa = base + 8u * i;
		uint64_t pte = ~(uint64_t)0;

		m->stats.pte_reads++;
		if (mmu_is_memory(m, pa, 8))
			pte = *(const volatile uint64_t *)m->mem.ptr(m->mem.ctx, pa);
		if ((pte & X86_P) && (pte & rsvd))
			return false;
		out[i] = pte;
	}
	return true;
}

/*
 * Install register values: LMA follows LME, PG and PAE; the mode, root and PCID are derived.
 * With load set and PAE paging resulting, the spec model loads the PDPTEs first (#GP, and no
 * change at all, if one is bad).
 */
static enum mmu_status x86_commit(struct mmu *m, uint64_t cr0, uint64_t cr3, uint64_t cr4,
				  uint64_t efer, bool load)
{
	const struct pt_format *fmt;
	uint64_t pdpte[4];

	efer &= ~MMU_EFER_LMA;
	if ((efer & MMU_EFER_LME) && (cr0 & MMU_CR0_PG) && (cr4 & MMU_CR4_PAE))
		efer |= MMU_EFER_LMA;
	fmt = x86_mode(cr0, cr4, efer);
	if (load && fmt == &pt_format_x86_pae && m->model == MMU_MODEL_SPEC) {
		if (!load_pdptes(m, cr3, pdpte))
			return MMU_GP_FAULT;
		for (unsigned i = 0; i < 4; i++)
			m->x86.pdpte[i] = pdpte[i];
	}
	/* A paging-mode change drops everything (hardware does: PG 1->0, a PAE change; LMA and
	 * LA57 only change with paging off), so the TLB holds only the current mode's entries. */
	if (fmt != m->fmt)
		mmu_tlb_flush_all(m);
	m->x86.cr0 = cr0;
	m->x86.cr3 = cr3;
	m->x86.cr4 = cr4;
	m->x86.efer = efer;
	m->fmt = fmt;
	m->asid = 0;
	if (!fmt)
		m->root = 0;
	else if (legacy(fmt))
		m->root = cr3 & X86_ADDR32;
	else if (pae(fmt))
		m->root = (uint32_t)cr3 & ~0x1fu;
	else {
		m->root = cr3 & X86_ADDR;
		if (cr4 & MMU_CR4_PCIDE)
			m->asid = (uint32_t)cr3 & 0xfffu;
	}
	return MMU_OK;
}

/* The TLB side of a CR3 load. */
static void cr3_flush(struct mmu *m, bool noflush)
{
	if (m->model == MMU_MODEL_QEMU72)
		mmu_tlb_flush_all(m); /* Q13 */
	else if (!noflush)
		mmu_tlb_flush(m->tlb, MMU_FLUSH_ASID | MMU_FLUSH_KEEP_GLOBAL, 0, m->asid);
}

enum mmu_status mmu_x86_write_cr3(struct mmu *m, uint64_t cr3)
{
	bool noflush = false;
	enum mmu_status s;

	if (m->fmt && ia32e(m->fmt)) {
		if (m->x86.cr4 & MMU_CR4_PCIDE) {
			noflush = (cr3 & MMU_CR3_NOFLUSH) != 0;
			cr3 &= ~MMU_CR3_NOFLUSH;
		}
		if (cr3 >> maxphy(m))
			return MMU_GP_FAULT;
	} else {
		cr3 = (uint32_t)cr3;
	}
	s = x86_commit(m, m->x86.cr0, cr3, m->x86.cr4, m->x86.efer, true);
	if (s == MMU_OK)
		cr3_flush(m, noflush);
	return s;
}

enum mmu_status mmu_x86_write_cr0(struct mmu *m, uint64_t cr0)
{
	uint64_t old = m->x86.cr0;
	uint64_t changed = old ^ cr0;
	enum mmu_status s;

	s = x86_commit(m, cr0, m->x86.cr3, m->x86.cr4, m->x86.efer,
		       (changed & MMU_CR0_PG) != 0);
	if (s != MMU_OK)
		return s;
	if (m->model == MMU_MODEL_QEMU72) {
		if (changed & (MMU_CR0_PG | MMU_CR0_WP | MMU_CR0_PE))
			mmu_tlb_flush_all(m);
	} else if ((old & MMU_CR0_PG) && !(cr0 & MMU_CR0_PG)) {
		mmu_tlb_flush_all(m);
	}
	return MMU_OK;
}

enum mmu_status mmu_x86_write_cr4(struct mmu *m, uint64_t cr4)
{
	uint64_t old = m->x86.cr4;
	uint64_t changed = old ^ cr4;
	uint32_t asid = m->asid;
	enum mmu_status s;

	s = x86_commit(m, m->x86.cr0, m->x86.cr3, cr4, m->x86.efer,
		       (changed & (MMU_CR4_PAE | MMU_CR4_PSE | MMU_CR4_PGE | MMU_CR4_SMEP)) != 0);
	if (s != MMU_OK)
		return s;
	if (m->model == MMU_MODEL_QEMU72) {
		if (changed & (MMU_CR4_PGE | MMU_CR4_PAE | MMU_CR4_PSE | MMU_CR4_SMEP |
			       MMU_CR4_SMAP | MMU_CR4_LA57))
			mmu_tlb_flush_all(m);
	} else if ((changed & MMU_CR4_PGE) || ((old & MMU_CR4_PCIDE) && !(cr4 & MMU_CR4_PCIDE))) {
		mmu_tlb_flush_all(m);
	} else if ((changed & MMU_CR4_PAE) || (!(old & MMU_CR4_SMEP) && (cr4 & MMU_CR4_SMEP))) {
		mmu_tlb_flush(m->tlb, MMU_FLUSH_ASID | MMU_FLUSH_ASID_STRICT, 0, asid);
	}
	return MMU_OK;
}

enum mmu_status mmu_x86_write_efer(struct mmu *m, uint64_t efer)
{
	return x86_commit(m, m->x86.cr0, m->x86.cr3, m->x86.cr4, efer, false);
}

void mmu_x86_invlpg(struct mmu *m, va_t va)
{
	va = x86_va(m, va);
	if (m->fmt && ia32e(m->fmt) && !mmu_canonical(va, m->fmt->va_bits))
		return;
	/* The current PCID's entries for the page, and global entries of any PCID. */
	mmu_tlb_flush(m->tlb, MMU_FLUSH_VA | MMU_FLUSH_ASID, va, m->asid);
}

enum mmu_status mmu_x86_set_table(struct mmu *m, const struct pt_format *fmt, pa_t root,
				  uint32_t asid)
{
	uint64_t cr0 = m->x86.cr0, cr4 = m->x86.cr4, efer = m->x86.efer, cr3;
	const struct pt_format *old = m->fmt;
	enum mmu_status s;

	if (!fmt) {
		s = x86_commit(m, cr0 & ~MMU_CR0_PG, m->x86.cr3, cr4, efer, false);
		if (old)
			mmu_tlb_flush_all(m);
		return s;
	}
	if (fmt != &pt_format_x86_32 && fmt != &pt_format_x86_pae && fmt != &pt_format_x86_64 &&
	    fmt != &pt_format_x86_la57)
		return MMU_GP_FAULT;
	cr0 |= MMU_CR0_PG | MMU_CR0_PE;
	cr4 &= ~(MMU_CR4_PAE | MMU_CR4_LA57);
	efer &= ~MMU_EFER_LME;
	if (fmt->pte_size == 8)
		cr4 |= MMU_CR4_PAE;
	if (ia32e(fmt))
		efer |= MMU_EFER_LME;
	if (fmt->levels == 5)
		cr4 |= MMU_CR4_LA57;
	cr3 = root;
	if (!ia32e(fmt) && (root >> 32))
		return MMU_GP_FAULT; /* CR3 has 32 bits outside IA-32e mode */
	if (ia32e(fmt)) {
		if (cr4 & MMU_CR4_PCIDE)
			cr3 |= asid & 0xfffu;
		if (cr3 >> maxphy(m))
			return MMU_GP_FAULT;
	}
	s = x86_commit(m, cr0, cr3, cr4, efer, true);
	if (s != MMU_OK)
		return s;
	if (old != fmt)
		mmu_tlb_flush_all(m); /* a mode change */
	else
		cr3_flush(m, false);
	return MMU_OK;
}
