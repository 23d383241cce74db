/*
 * The software MMU: the one walk loop, the TLB hit path, spans, and set-up. Everything
 * architectural is in the rule functions of riscv.c and x86.c (see mmu_internal.h).
 */
#include "mmu_internal.h"

void mmu_init(struct mmu *m, enum mmu_arch arch, enum mmu_model model, const struct pt_mem *mem)
{
	static const struct mmu zero;

	*m = zero;
	m->arch = arch;
	m->model = model;
	if (mem)
		m->mem = *mem;
	m->rv.xlen = 64;
	m->rv.priv = MMU_PRIV_S;
	m->x86.maxphyaddr = 40;
	m->x86.page1gb = true;
}

enum mmu_status mmu_set_table(struct mmu *m, const struct pt_format *fmt, pa_t root,
			      uint32_t asid)
{
	if (m->arch == MMU_ARCH_RISCV)
		return mmu_riscv_set_table(m, fmt, root, asid);
	return mmu_x86_set_table(m, fmt, root, asid);
}

const char *mmu_status_name(enum mmu_status s)
{
	switch (s) {
	case MMU_OK:
		return "MMU_OK";
	case MMU_PAGE_FAULT:
		return "MMU_PAGE_FAULT";
	case MMU_ACCESS_FAULT:
		return "MMU_ACCESS_FAULT";
	case MMU_GP_FAULT:
		return "MMU_GP_FAULT";
	}
	return "MMU_?";
}

const char *mmu_model_name(enum mmu_model model)
{
	return model == MMU_MODEL_QEMU72 ? "qemu-7.2" : "spec";
}

/* ---- one translation ----------------------------------------------------------------------- */

static void result_reset(struct mmu_result *r)
{
	r->status = MMU_OK;
	r->pa = 0;
	r->page_size = 0;
	r->cause = 0;
	r->tval = 0;
	r->error_code = 0;
	r->cr2_written = false;
	r->tlb_hit = false;
	r->level = -1;
	r->pte_pa = 0;
	r->pte = 0;
}

/* A fault at the entry the walk is looking at. */
static enum mmu_status fail(struct mmu_walk *w, const struct mmu_rules *r, enum mmu_why why)
{
	w->res->level = w->level;
	w->res->pte_pa = w->pte_pa;
	w->res->pte = w->pte;
	return r->fault(w, why);
}

/* The access itself at pa: the physical-access predicate (RISC-V PMP/PMA), then success. */
static enum mmu_status finish(struct mmu_walk *w, const struct mmu_rules *r, pa_t pa,
			      uint64_t bytes)
{
	const struct mmu_phys *phys = &w->m->phys;

	if (r->phys && phys->check &&
	    phys->check(phys->ctx, pa, bytes, MMU_PHYS_ACCESS, w->type, w->priv) != MMU_PHYS_OK)
		return r->fault(w, WHY_ACCESS);
	w->res->pa = pa;
	w->res->status = MMU_OK;
	return MMU_OK;
}

/*
 * The walk: one loop for every format. The format descriptor gives the geometry (levels, index
 * bits and shift per level, entry size); the rules decide what each entry means.
 */
static enum mmu_status walk(struct mmu_walk *w, const struct mmu_rules *r, struct mmu_tlb *t,
			    uint64_t bytes)
{
	struct mmu *m = w->m;
	const struct pt_format *f = w->f;
	struct mmu_result *res = w->res;
	pa_t table = m->root;
	struct mmu_leaf leaf = {0, 0, 0, 0, WHY_NONE};
	enum mmu_why why;
	enum mmu_status status;
	uint64_t size;

	m->stats.walks++;
	for (int level = f->levels - 1;; level--) {
		unsigned idx = (unsigned)(w->va >> f->shift[level]) &
			       ((1u << f->index_bits[level]) - 1u);
		bool is_leaf = false;
		pa_t next = 0;

		w->level = level;
		w->pte_pa = table + (pa_t)idx * f->pte_size;
		w->pte_ptr = 0;
		w->pte = 0;
		why = r->read(w, idx);
		if (!why)
			why = r->entry(w, &is_leaf, &next);
		if (why)
			return fail(w, r, why);
		if (is_leaf)
			break;
		if (level == 0) /* a pointer where only a leaf may be (RISC-V) */
			return fail(w, r, WHY_PAGE);
		table = next;
	}
	why = r->leaf(w, &leaf);
	if (!why)
		why = r->allow(w, leaf.info, leaf.pkey);
	if (!why)
		why = r->update(w, &leaf);
	if (why)
		return fail(w, r, why);

	size = (uint64_t)1 << leaf.shift;
	res->page_size = size;
	res->level = w->level;
	res->pte_pa = w->pte_pa;
	res->pte = w->pte;
	status = finish(w, r, leaf.base | (w->va & (size - 1)), bytes);
	if (status == MMU_OK && t)
		mmu_tlb_insert(t, w->va, m->asid, &leaf, w->pte, w->pte_pa, (unsigned)w->level);
	return status;
}

static enum mmu_status translate(struct mmu *m, va_t va, unsigned access, uint64_t bytes,
				 struct mmu_result *res)
{
	const struct mmu_rules *r = mmu_rules_of(m);
	struct mmu_tlb *t = (access & (MMU_NO_TLB | MMU_NO_UPDATE)) ? 0 : m->tlb;
	struct mmu_walk w;

	w.m = m;
	w.f = m->fmt;
	w.va = r->va(m, va);
	w.type = access & MMU_ACCESS_TYPE;
	if (w.type > MMU_FETCH) /* 3 is not an access type; read it as a load */
		w.type = MMU_LOAD;
	w.flags = access;
	w.priv = 0;
	w.user = false;
	w.qemu = m->model == MMU_MODEL_QEMU72;
	w.acc = 0;
	w.level = -1;
	w.pte_pa = 0;
	w.pte_ptr = 0;
	w.pte = 0;
	w.why = WHY_NONE;
	w.res = res;
	result_reset(res);
	m->stats.translations++;

	switch (r->start(&w)) {
	case START_FAULT:
		return r->fault(&w, w.why);
	case START_BYPASS:
		res->page_size = PT_PAGE_SIZE;
		return finish(&w, r, w.va, bytes);
	case START_WALK:
		break;
	}
	if (t && t->valid) {
		struct mmu_tlb_entry *e = mmu_tlb_find(t, w.va, m->asid);

		if (e) {
			/* The same permission rule as the walk, on the summary the walk stored. */
			if (r->allow(&w, e->info, e->pkey) == WHY_NONE &&
			    (w.type != MMU_STORE || (e->info & MMU_TLB_D))) {
				uint64_t size = (uint64_t)1 << e->shift;

				m->stats.tlb_hits++;
				res->tlb_hit = true;
				res->page_size = size;
				res->level = e->level;
				res->pte_pa = e->pte_pa;
				res->pte = e->pte;
				return finish(&w, r, e->pa | (w.va & (size - 1)), bytes);
			}
			/* A right the entry does not give, or a D bit to set: walk again, as QEMU
			 * does (hardware may too: a fault or the D update consults the tables). */
			mmu_tlb_drop(t, e);
		}
	}
	if (t)
		m->stats.tlb_misses++;
	return walk(&w, r, t, bytes);
}

/*
 * The TLB hit path, all inline: a plain access (no flag but MMU_IMPLICIT) that a cached entry
 * answers, checked with the same permission rule as the walk (mmu_rv_allow, mmu_x86_allow).
 * Returns -1 to leave everything else to translate(): no entry, no translation, a canonical
 * fault, a right the entry does not give, a D bit to set.
 */
static inline int fast_hit(struct mmu *m, struct mmu_tlb *t, va_t va, unsigned access,
			   uint64_t bytes, struct mmu_result *res)
{
	const struct pt_format *f = m->fmt;
	struct mmu_tlb_entry *e;
	struct mmu_walk w;
	enum mmu_why why;
	uint64_t size;
	pa_t pa;

	w.m = m;
	w.f = f;
	w.type = access & MMU_ACCESS_TYPE;
	w.flags = access;
	w.qemu = m->model == MMU_MODEL_QEMU72;
	w.user = false;
	w.priv = 0;
	if (m->arch == MMU_ARCH_RISCV) {
		unsigned priv = m->rv.priv;

		if (m->rv.xlen == 32)
			va = (uint32_t)va;
		if (priv == MMU_PRIV_M) {
			if (!(m->rv.mstatus & MMU_MSTATUS_MPRV) || w.type == MMU_FETCH)
				return -1;
			priv = (unsigned)(m->rv.mstatus >> MMU_MSTATUS_MPP_SHIFT) & 3u;
			if (priv == MMU_PRIV_M)
				return -1;
		}
		w.priv = priv;
	} else {
		if (!f->sign_extended)
			va = (uint32_t)va;
		w.user = m->x86.cpl == 3 && !(access & MMU_IMPLICIT);
	}
	if (f->sign_extended && !mmu_canonical(va, f->va_bits))
		return -1;
	e = mmu_tlb_find(t, va, m->asid);
	if (!e)
		return -1;
	why = m->arch == MMU_ARCH_RISCV ? mmu_rv_allow(&w, e->info, e->pkey)
					: mmu_x86_allow(&w, e->info, e->pkey);
	if (why != WHY_NONE || (w.type == MMU_STORE && !(e->info & MMU_TLB_D)))
		return -1;
	size = (uint64_t)1 << e->shift;
	pa = e->pa | (va & (size - 1));
	m->stats.translations++;
	m->stats.tlb_hits++;
	res->cause = 0;
	res->error_code = 0;
	res->cr2_written = false;
	res->tlb_hit = true;
	res->page_size = size;
	res->level = e->level;
	res->pte_pa = e->pte_pa;
	res->pte = e->pte;
	if (m->arch == MMU_ARCH_RISCV && m->phys.check &&
	    m->phys.check(m->phys.ctx, pa, bytes, MMU_PHYS_ACCESS, w.type, w.priv) !=
		    MMU_PHYS_OK) {
		w.va = va;
		w.res = res;
		res->pa = 0;
		res->tval = 0;
		return (int)mmu_riscv_rules.fault(&w, WHY_ACCESS);
	}
	res->status = MMU_OK;
	res->pa = pa;
	res->tval = 0;
	return MMU_OK;
}

/* A hit if the inline path can give one, else the general path. */
static enum mmu_status translate_fast(struct mmu *m, va_t va, unsigned access, uint64_t bytes,
				      struct mmu_result *res)
{
	struct mmu_tlb *t = m->tlb;

	if (t && t->valid && m->fmt && !(access & ~(MMU_ACCESS_TYPE | MMU_IMPLICIT)) &&
	    (access & MMU_ACCESS_TYPE) != MMU_ACCESS_TYPE) {
		int s = fast_hit(m, t, va, access, bytes, res);

		if (s >= 0)
			return (enum mmu_status)s;
	}
	return translate(m, va, access, bytes, res);
}

enum mmu_status mmu_translate(struct mmu *m, va_t va, unsigned access, struct mmu_result *res)
{
	struct mmu_result tmp;

	return translate_fast(m, va, access, 1, res ? res : &tmp);
}

enum mmu_status mmu_translate_span(struct mmu *m, va_t va, uint64_t len, unsigned access,
				   struct mmu_result *res, pa_t *pa_next)
{
	struct mmu_result tmp, second;
	uint64_t first_len;
	enum mmu_status s;

	if (!res)
		res = &tmp;
	if (pa_next)
		*pa_next = 0;
	if (len == 0)
		len = 1;
	if (len > PT_PAGE_SIZE)
		len = PT_PAGE_SIZE;
	first_len = PT_PAGE_SIZE - (va & (PT_PAGE_SIZE - 1));
	if (first_len > len)
		first_len = len;
	s = translate_fast(m, va, access, first_len, res);
	if (s != MMU_OK || first_len == len)
		return s;
	s = translate_fast(m, va + first_len, access, len - first_len, &second);
	if (s != MMU_OK) {
		*res = second;
		return s;
	}
	if (pa_next)
		*pa_next = second.pa;
	return MMU_OK;
}
