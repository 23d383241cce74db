/*
 * RISC-V rules of the software MMU: Sv32, Sv39, Sv48, Sv57 (privileged specification,
 * Supervisor chapter, with Svnapot, Svpbmt and Svade), and QEMU 7.2's get_physical_address()
 * where it differs (mmu.h, Q1-Q7). The walk loop itself is in mmu.c.
 */
#include "mmu_internal.h"

#define RV_V 0x1u
#define RV_R 0x2u
#define RV_W 0x4u
#define RV_X 0x8u
#define RV_U 0x10u
#define RV_G 0x20u
#define RV_A 0x40u
#define RV_D 0x80u
#define RV_RSVD ((uint64_t)0x7f << 54) /* 60:54 */
#define RV_PBMT ((uint64_t)3 << 61)
#define RV_N ((uint64_t)1 << 63)
#define RV_PPN_SHIFT 10

#define RV64_PPN_MASK (((uint64_t)1 << 44) - 1)
#define RV32_PPN_MASK (((uint64_t)1 << 22) - 1)

/* The PTE bits R W X U G A D (1..7) are the MMU_TLB_* bits shifted by one. */
_Static_assert(MMU_TLB_R == RV_R >> 1 && MMU_TLB_W == RV_W >> 1 && MMU_TLB_X == RV_X >> 1 &&
		       MMU_TLB_U == RV_U >> 1 && MMU_TLB_G == RV_G >> 1 &&
		       MMU_TLB_A == RV_A >> 1 && MMU_TLB_D == RV_D >> 1,
	       "RISC-V PTE bits and TLB summary bits line up");

static va_t rv_va(const struct mmu *m, va_t va)
{
	return m->rv.xlen == 32 ? (uint32_t)va : va;
}

static bool rv64(const struct mmu_walk *w)
{
	return w->f->pte_size == 8;
}

static uint64_t rv_ppn(const struct mmu_walk *w, uint64_t pte)
{
	return (pte >> RV_PPN_SHIFT) & (rv64(w) ? RV64_PPN_MASK : RV32_PPN_MASK);
}

/* Effective privilege (MPRV applies to loads and stores, never to fetches), then whether
 * anything is translated, then the canonical rule (a page fault of the access type). */
static enum mmu_start rv_start(struct mmu_walk *w)
{
	const struct mmu *m = w->m;
	unsigned priv = m->rv.priv;

	if (priv == MMU_PRIV_M && (m->rv.mstatus & MMU_MSTATUS_MPRV) && w->type != MMU_FETCH)
		priv = (unsigned)(m->rv.mstatus >> MMU_MSTATUS_MPP_SHIFT) & 3u;
	w->priv = priv;
	if (priv == MMU_PRIV_M || !w->f)
		return START_BYPASS;
	if (w->f->sign_extended && !mmu_canonical(w->va, w->f->va_bits)) {
		w->why = WHY_PAGE;
		return START_FAULT;
	}
	return START_WALK;
}

/* A PTE read: PMP as an S-mode read (access fault), then "is there memory" (spec: access
 * fault; QEMU 7.2: page fault, Q4). */
static enum mmu_why rv_read(struct mmu_walk *w, unsigned idx)
{
	struct mmu *m = w->m;
	unsigned size = w->f->pte_size;

	(void)idx;
	if (m->phys.check) {
		enum mmu_phys_verdict v = m->phys.check(m->phys.ctx, w->pte_pa, size,
							MMU_PHYS_PTE_READ, MMU_LOAD, MMU_PRIV_S);

		if (v == MMU_PHYS_DENIED)
			return WHY_ACCESS;
		if (v != MMU_PHYS_OK)
			return w->qemu ? WHY_PAGE : WHY_ACCESS;
	}
	if (!mmu_is_memory(m, w->pte_pa, size))
		return w->qemu ? WHY_PAGE : WHY_ACCESS;
	mmu_read_entry(w);
	return WHY_NONE;
}

/* Spec step 6 and 7: validity, reserved bits and encodings, then pointer or leaf. Every failure
 * is a page fault of the access type. */
static enum mmu_why rv_entry(struct mmu_walk *w, bool *leaf, pa_t *next)
{
	const struct mmu_riscv *rv = &w->m->rv;
	uint64_t pte = w->pte;
	unsigned xwr = (unsigned)(pte >> 1) & 7u;

	if (rv64(w)) {
		if (w->qemu) {
			/* Q2: with either extension on, 60:54 are not looked at. */
			if (!rv->svpbmt && !rv->svnapot && (pte >> 54))
				return WHY_PAGE;
			if (!rv->svpbmt && (pte & RV_PBMT) && (pte & RV_V))
				return WHY_PAGE;
		} else {
			if (pte & RV_RSVD)
				return WHY_PAGE;
			if ((pte & RV_PBMT) && !rv->svpbmt)
				return WHY_PAGE;
			if ((pte & RV_N) && !rv->svnapot)
				return WHY_PAGE;
		}
	}
	if (!(pte & RV_V))
		return WHY_PAGE;
	if (xwr == 0) {
		/* A pointer: D, A, U must be clear (QEMU and Spike fault; the spec reserves them),
		 * and so must PBMT and N. A pointer at level 0 faults in the loop. */
		if (pte & (RV_A | RV_D | RV_U))
			return WHY_PAGE;
		if (rv64(w) && (pte & (RV_PBMT | RV_N)))
			return WHY_PAGE;
		if (pte & RV_G)
			w->acc |= MMU_TLB_G; /* G on a pointer makes everything below global */
		*next = rv_ppn(w, pte) << 12;
		return WHY_NONE;
	}
	if ((xwr & 3u) == 2u) /* XWR = 010 or 110: W without R */
		return WHY_PAGE;
	*leaf = true;
	return WHY_NONE;
}

/* Spec steps 8 and 9: superpage alignment, PBMT=3, NAPOT; then the summary and the page. */
static enum mmu_why rv_leaf(struct mmu_walk *w, struct mmu_leaf *out)
{
	const struct mmu_riscv *rv = &w->m->rv;
	uint64_t pte = w->pte;
	uint64_t ppn = rv_ppn(w, pte);
	unsigned shift = w->f->shift[w->level];

	if (ppn & (((uint64_t)1 << (shift - 12)) - 1))
		return WHY_PAGE; /* misaligned superpage */
	if (rv64(w)) {
		if (!w->qemu && ((pte & RV_PBMT) >> 61) == 3)
			return WHY_PAGE; /* Q3: QEMU accepts it */
		if ((pte & RV_N) && rv->svnapot) {
			if (w->level != 0 || (ppn & 0xf) != 8) {
				if (!w->qemu)
					return WHY_PAGE;
				out->late = WHY_PAGE; /* Q6: after the A/D update */
			} else {
				shift = 16; /* 64 KiB: PPN[3:0] come from the VA */
				ppn &= ~(uint64_t)0xf;
			}
		}
		/* (Svpbmt on, Svnapot off, QEMU: N is ignored, Q2.) */
	}
	out->shift = shift;
	out->base = (ppn << 12) & ~(((uint64_t)1 << shift) - 1);
	if (w->qemu && w->f->pte_size == 4)
		out->base &= 0xffffffffull; /* Q17: RV32 QEMU keeps only the low 32 PA bits */
	out->info = ((unsigned)(pte >> 1) & 0x7fu) | (w->acc & MMU_TLB_G);
	out->pkey = 0;
	return WHY_NONE;
}


/* Spec step 12: A (and D for a store). Svade faults; otherwise the hardware writes them, after
 * checking that a store to the PTE would be allowed (spec: access fault; QEMU: no PMP check,
 * but a PTE it cannot write gives a page fault, Q5). */
static enum mmu_why rv_update(struct mmu_walk *w, struct mmu_leaf *leaf)
{
	struct mmu *m = w->m;
	uint64_t want = RV_A | (w->type == MMU_STORE ? RV_D : 0);

	if ((w->pte & want) != want) {
		if (!w->qemu && m->rv.svade)
			return WHY_PAGE;
		if (m->phys.check) {
			enum mmu_phys_verdict v =
				m->phys.check(m->phys.ctx, w->pte_pa, w->f->pte_size,
					      MMU_PHYS_PTE_WRITE, MMU_STORE, MMU_PRIV_S);

			if (!w->qemu && v != MMU_PHYS_OK)
				return WHY_ACCESS;
			if (w->qemu && v == MMU_PHYS_UNBACKED)
				return WHY_PAGE;
		}
		mmu_set_bits(w, want);
		leaf->info |= (unsigned)(want >> 1);
	}
	return leaf->late;
}

static enum mmu_status rv_fault(struct mmu_walk *w, enum mmu_why why)
{
	static const unsigned page_cause[3] = {MMU_CAUSE_LOAD_PAGE, MMU_CAUSE_STORE_PAGE,
					       MMU_CAUSE_FETCH_PAGE};
	static const unsigned access_cause[3] = {MMU_CAUSE_LOAD_ACCESS, MMU_CAUSE_STORE_ACCESS,
						 MMU_CAUSE_FETCH_ACCESS};
	struct mmu_result *res = w->res;

	res->status = why == WHY_ACCESS ? MMU_ACCESS_FAULT : MMU_PAGE_FAULT;
	res->cause = why == WHY_ACCESS ? access_cause[w->type] : page_cause[w->type];
	res->tval = w->va;
	return res->status;
}

const struct mmu_rules mmu_riscv_rules = {
	.va = rv_va,
	.start = rv_start,
	.read = rv_read,
	.entry = rv_entry,
	.leaf = rv_leaf,
	.allow = mmu_rv_allow,
	.update = rv_update,
	.fault = rv_fault,
	.phys = true,
};

/* ---- CSRs and instructions ---------------------------------------------------------------- */

/* The format a satp MODE selects, or false if the MODE is not supported for xlen. */
static bool rv_format(unsigned xlen, unsigned mode, const struct pt_format **fmt)
{
	*fmt = 0;
	if (mode == MMU_SATP_BARE)
		return true;
	if (xlen == 32) {
		*fmt = mode == MMU_SATP_SV32 ? &pt_format_sv32 : 0;
	} else {
		switch (mode) {
		case MMU_SATP_SV39:
			*fmt = &pt_format_sv39;
			break;
		case MMU_SATP_SV48:
			*fmt = &pt_format_sv48;
			break;
		case MMU_SATP_SV57:
			*fmt = &pt_format_sv57;
			break;
		}
	}
	return *fmt != 0;
}

uint64_t mmu_riscv_make_satp(unsigned xlen, unsigned mode, uint32_t asid, pa_t root)
{
	if (xlen == 32)
		return ((uint64_t)(mode & 1u) << 31) | ((uint64_t)(asid & 0x1ffu) << 22) |
		       ((root >> 12) & RV32_PPN_MASK);
	return ((uint64_t)(mode & 0xfu) << 60) | ((uint64_t)(asid & 0xffffu) << 44) |
	       ((root >> 12) & RV64_PPN_MASK);
}

bool mmu_riscv_write_satp(struct mmu *m, uint64_t satp)
{
	const struct pt_format *fmt;
	unsigned mode;
	uint32_t asid;
	uint64_t ppn;

	if (m->rv.xlen == 32) {
		satp = (uint32_t)satp;
		mode = (unsigned)(satp >> 31);
		asid = (uint32_t)(satp >> 22) & 0x1ffu;
		ppn = satp & RV32_PPN_MASK;
	} else {
		mode = (unsigned)(satp >> 60);
		asid = (uint32_t)(satp >> 44) & 0xffffu;
		ppn = satp & RV64_PPN_MASK;
	}
	if (!rv_format(m->rv.xlen, mode, &fmt))
		return false; /* the whole write is discarded */
	/* A MODE change drops everything (more than the spec asks, which is always allowed): the
	 * TLB then only holds translations of the current scheme, so a VA that scheme calls
	 * non-canonical can never hit. QEMU flushes on any change (Q7). */
	if (fmt != m->fmt || (m->model == MMU_MODEL_QEMU72 && satp != m->rv.satp))
		mmu_tlb_flush_all(m);
	m->rv.satp = satp;
	m->fmt = fmt;
	m->root = ppn << 12;
	m->asid = asid;
	return true;
}

void mmu_riscv_write_mstatus(struct mmu *m, uint64_t mstatus)
{
	const uint64_t flushing =
		MMU_MSTATUS_MPRV | MMU_MSTATUS_MPP | MMU_MSTATUS_SUM | MMU_MSTATUS_MXR;

	if (m->model == MMU_MODEL_QEMU72 && ((m->rv.mstatus ^ mstatus) & flushing))
		mmu_tlb_flush_all(m);
	m->rv.mstatus = mstatus;
}

void mmu_riscv_sfence_vma(struct mmu *m, bool rs1_x0, uint64_t rs1, bool rs2_x0, uint64_t rs2)
{
	unsigned how = 0;
	va_t va = 0;
	uint32_t asid = 0;

	if (m->model == MMU_MODEL_QEMU72) {
		mmu_tlb_flush_all(m);
		return;
	}
	if (!rs1_x0) {
		va = rv_va(m, rs1);
		if (m->fmt && m->fmt->sign_extended && !mmu_canonical(va, m->fmt->va_bits))
			return; /* an invalid VA: no operation */
		how |= MMU_FLUSH_VA;
	}
	if (!rs2_x0) {
		how |= MMU_FLUSH_ASID | MMU_FLUSH_KEEP_GLOBAL;
		asid = (uint32_t)rs2 & (m->rv.xlen == 32 ? 0x1ffu : 0xffffu);
	}
	mmu_tlb_flush(m->tlb, how, va, asid);
}

enum mmu_status mmu_riscv_set_table(struct mmu *m, const struct pt_format *fmt, pa_t root,
				    uint32_t asid)
{
	unsigned mode;

	if (!fmt)
		mode = MMU_SATP_BARE;
	else if (fmt == &pt_format_sv32)
		mode = MMU_SATP_SV32;
	else if (fmt == &pt_format_sv39)
		mode = MMU_SATP_SV39;
	else if (fmt == &pt_format_sv48)
		mode = MMU_SATP_SV48;
	else if (fmt == &pt_format_sv57)
		mode = MMU_SATP_SV57;
	else
		return MMU_GP_FAULT;
	if (!mmu_riscv_write_satp(m, mmu_riscv_make_satp(m->rv.xlen, mode, asid, root)))
		return MMU_GP_FAULT;
	return MMU_OK;
}
