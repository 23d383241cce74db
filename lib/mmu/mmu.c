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

MMU_NOINLINE static enum mmu_status translate(struct mmu *m, va_t va, unsigned access,
					       uint64_t bytes, struct mmu_result *res, bool looked)
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
	if (t && t->valid && !looked) {
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
 * The state the rights of a remembered hit depend on (struct mmu_tlb_hit), with the ASID/PCID the
 * lookup used; 0 when hits are not remembered: protection keys on (the rights would depend on
 * PKRU/PKRS too) or a PMP predicate to ask. Only the [live] fields the permission rules read
 * appear here; everything else they read changes only with a flush.
 */
MMU_INLINE uint64_t hit_key(const struct mmu *m, unsigned access, enum mmu_arch arch)
{
	uint64_t key = ((uint64_t)m->asid << 32) | (1u << 31);

	if (arch == MMU_ARCH_RISCV) {
		if (m->phys.check)
			return 0;
		return key | (m->rv.mstatus & (MMU_MSTATUS_MPRV | MMU_MSTATUS_MPP | MMU_MSTATUS_SUM |
					       MMU_MSTATUS_MXR)) |
		       (m->rv.priv & 3u);
	}
	if (m->x86.cr4 & (MMU_CR4_PKE | MMU_CR4_PKS))
		return 0;
	return key | (m->x86.cpl & 3u) | (access & MMU_IMPLICIT) |
	       ((m->x86.efer & MMU_EFER_NXE) ? 0x100u : 0) | (m->x86.cr0 & MMU_CR0_WP) |
	       (m->x86.eflags & MMU_EFLAGS_AC) | (m->x86.cr4 & (MMU_CR4_SMEP | MMU_CR4_SMAP));
}

/* The access types e allows now (bit t for type t; a store also needs D), by the permission rule
 * itself. */
static uint32_t hit_rights(struct mmu *m, const struct mmu_tlb_entry *e, unsigned access)
{
	uint32_t allow = 0;

	for (unsigned type = MMU_LOAD; type <= MMU_FETCH; type++) {
		struct mmu_walk w;
		enum mmu_why why;

		w.m = m;
		w.f = m->fmt;
		w.type = type;
		w.flags = (access & MMU_IMPLICIT) | type;
		w.qemu = m->model == MMU_MODEL_QEMU72;
		w.user = false;
		w.priv = 0;
		if (m->arch == MMU_ARCH_RISCV) {
			w.priv = m->rv.priv;
			if (w.priv == MMU_PRIV_M && (m->rv.mstatus & MMU_MSTATUS_MPRV) &&
			    type != MMU_FETCH)
				w.priv = (unsigned)(m->rv.mstatus >> MMU_MSTATUS_MPP_SHIFT) & 3u;
			if (w.priv == MMU_PRIV_M)
				continue; /* not translated */
			why = mmu_rv_allow(&w, e->info, e->pkey);
		} else {
			w.user = m->x86.cpl == 3 && !(access & MMU_IMPLICIT);
			why = mmu_x86_allow(&w, e->info, e->pkey);
		}
		if (why == WHY_NONE && (type != MMU_STORE || (e->info & MMU_TLB_D)))
			allow |= 1u << type;
	}
	return allow;
}

/* The result of a hit on e. */
MMU_INLINE enum mmu_status hit_result(struct mmu *m, const struct mmu_tlb_entry *e, va_t va,
				      struct mmu_result *res)
{
	uint64_t size = (uint64_t)1 << e->shift;

	m->stats.translations++;
	m->stats.tlb_hits++;
	res->status = MMU_OK;
	res->pa = e->pa | (va & (size - 1));
	res->page_size = size;
	res->cause = 0;
	res->tval = 0;
	res->error_code = 0;
	res->cr2_written = false;
	res->tlb_hit = true;
	res->level = e->level;
	res->pte_pa = e->pte_pa;
	res->pte = e->pte;
	return MMU_OK;
}

/*
 * The TLB hit path, all inline: a plain access (no flag but MMU_IMPLICIT) that a cached entry
 * answers, checked with the same permission rule as the walk (mmu_rv_allow, mmu_x86_allow).
 * Returns -1 to leave everything else to translate(): no entry, a right the entry does not
 * give, a D bit to set, the physical-access predicate refusing.
 *
 * No canonical check and no 32-bit truncation here: the TLB only holds entries of the current
 * paging mode (a mode change flushes it), their tags are full canonical VAs, so a VA the mode
 * would truncate or refuse cannot match one; it misses and the general path applies the rule.
 * Likewise without translation (Bare, CR0.PG=0) the TLB is empty.
 */
MMU_INLINE int fast_hit(struct mmu *m, struct mmu_tlb *t, va_t va, unsigned access,
			   uint64_t bytes, struct mmu_result *res, enum mmu_arch arch, uint64_t key)
{
	struct mmu_tlb_entry *e;
	struct mmu_walk w;
	enum mmu_why why;
	uint64_t size;
	pa_t pa;

	w.m = m;
	w.f = m->fmt;
	w.type = access & MMU_ACCESS_TYPE;
	w.flags = access;
	w.qemu = m->model == MMU_MODEL_QEMU72;
	w.user = false;
	w.priv = 0;
	if (arch == MMU_ARCH_RISCV) {
		unsigned priv = m->rv.priv;

		if (priv == MMU_PRIV_M) {
			/* MPRV: loads and stores use MPP; anything else is not translated. */
			if (!(m->rv.mstatus & MMU_MSTATUS_MPRV) || w.type == MMU_FETCH)
				return -1;
			priv = (unsigned)(m->rv.mstatus >> MMU_MSTATUS_MPP_SHIFT) & 3u;
			if (priv == MMU_PRIV_M)
				return -1;
		}
		w.priv = priv;
	} else {
		w.user = m->x86.cpl == 3 && !(access & MMU_IMPLICIT);
	}
	e = mmu_tlb_find(t, va, m->asid);
	if (!e)
		return -2; /* no entry: the general path need not search again */
	why = arch == MMU_ARCH_RISCV ? mmu_rv_allow(&w, e->info, e->pkey)
				     : mmu_x86_allow(&w, e->info, e->pkey);
	if (why != WHY_NONE || (w.type == MMU_STORE && !(e->info & MMU_TLB_D)))
		return -1;
	size = (uint64_t)1 << e->shift;
	pa = e->pa | (va & (size - 1));
	/* The PMP/PMA predicate refusing: let the general path report the access fault. */
	if (arch == MMU_ARCH_RISCV && m->phys.check &&
	    m->phys.check(m->phys.ctx, pa, bytes, MMU_PHYS_ACCESS, w.type, w.priv) !=
		    MMU_PHYS_OK)
		return -1;
	if (key) {
		/* Remember the hit for the next access to this 4 KiB page. */
		struct mmu_tlb_hit *h = &t->hit[(va >> 12) & (MMU_TLB_HIT_SLOTS - 1)];

		h->page = va >> 12;
		h->key = key;
		h->e = e;
		h->gen = t->gen;
		h->allow = hit_rights(m, e, access);
	}
	return (int)hit_result(m, e, va, res);
}

/* The general path, for a result that may be NULL. looked: the TLB has no entry for va (the
 * caller just searched it), so go straight to the walk. */
MMU_NOINLINE static enum mmu_status translate_any(struct mmu *m, va_t va, unsigned access,
						  uint64_t bytes, struct mmu_result *res,
						  bool looked)
{
	struct mmu_result tmp;

	return translate(m, va, access, bytes, res ? res : &tmp, looked);
}

/* Behind the remembered hits: the TLB's own lookup (inline), else the general path. */
MMU_NOINLINE static enum mmu_status translate_tlb(struct mmu *m, va_t va, unsigned access,
						  uint64_t bytes, struct mmu_result *res)
{
	struct mmu_tlb *t = m->tlb;

	if (res && t && (access & ~MMU_IMPLICIT) < MMU_ACCESS_TYPE) {
		int s = m->arch == MMU_ARCH_RISCV
				? fast_hit(m, t, va, access, bytes, res, MMU_ARCH_RISCV,
					   hit_key(m, access, MMU_ARCH_RISCV))
				: fast_hit(m, t, va, access, bytes, res, MMU_ARCH_X86,
					   hit_key(m, access, MMU_ARCH_X86));

		if (s >= 0)
			return (enum mmu_status)s;
		return translate_any(m, va, access, bytes, res, s == -2);
	}
	return translate_any(m, va, access, bytes, res, false);
}

/* A remembered hit (struct mmu_tlb_hit: same page, same state, the TLB unchanged since), else
 * translate_tlb. Kept small so that it needs no stack frame. */
MMU_INLINE enum mmu_status translate_fast(struct mmu *m, va_t va, unsigned access, uint64_t bytes,
				      struct mmu_result *res)
{
	struct mmu_tlb *t = m->tlb;

	if (res && t && (access & ~MMU_IMPLICIT) < MMU_ACCESS_TYPE) {
		uint64_t key = m->arch == MMU_ARCH_RISCV ? hit_key(m, access, MMU_ARCH_RISCV)
							 : hit_key(m, access, MMU_ARCH_X86);
		const struct mmu_tlb_hit *h = &t->hit[(va >> 12) & (MMU_TLB_HIT_SLOTS - 1)];

		if (key && h->page == va >> 12 && h->key == key && h->gen == t->gen &&
		    ((h->allow >> (access & MMU_ACCESS_TYPE)) & 1))
			return hit_result(m, h->e, va, res);
	}
	return translate_tlb(m, va, access, bytes, res);
}

enum mmu_status mmu_translate(struct mmu *m, va_t va, unsigned access, struct mmu_result *res)
{
	return translate_fast(m, va, access, 1, res);
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
