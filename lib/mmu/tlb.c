/*
 * The TLB: a set-associative cache of leaf translations over caller-supplied entries.
 *
 * A translation of page size 2^s lives in set (va >> s) mod sets, tagged with va >> s, its page
 * size, its ASID/PCID and its global bit. Page sizes are few (4K, 64K NAPOT, 2M, 4M, 1G, 512G,
 * 256T), so a lookup probes the set of each size present, smallest first: one probe while only
 * 4 KiB pages are cached. A flush by VA probes the same sets; other flushes scan everything.
 */
#include "mmu_internal.h"

enum pt_err mmu_tlb_init(struct mmu_tlb *tlb, struct mmu_tlb_entry *storage, uint32_t entries,
			 uint32_t ways)
{
	uint32_t sets;

	if (!tlb || !storage || !entries || !ways || entries % ways)
		return PT_EINVAL;
	sets = entries / ways;
	if (sets & (sets - 1))
		return PT_EINVAL;
	tlb->entry = storage;
	tlb->sets = sets;
	tlb->ways = ways;
	tlb->next = 0;
	tlb->valid = 0;
	tlb->shifts = 0;
	tlb->nshifts = 0;
	tlb->gen = 1;
	for (unsigned i = 0; i < MMU_TLB_HIT_SLOTS; i++)
		tlb->hit[i].gen = 0;
	for (uint32_t i = 0; i < entries; i++)
		storage[i].shift = 0;
	return PT_OK;
}

static inline struct mmu_tlb_entry *set_of(const struct mmu_tlb *t, uint64_t vpn)
{
	return &t->entry[(size_t)((uint32_t)vpn & (t->sets - 1)) * t->ways];
}

/* The entries change: every remembered hit is void. */
static void changed(struct mmu_tlb *t)
{
	if (++t->gen == 0) {
		for (unsigned i = 0; i < MMU_TLB_HIT_SLOTS; i++)
			t->hit[i].gen = 0;
		t->gen = 1;
	}
}

void mmu_tlb_drop(struct mmu_tlb *t, struct mmu_tlb_entry *e)
{
	if (!e->shift)
		return;
	changed(t);
	e->shift = 0;
	if (--t->valid == 0) {
		t->shifts = 0;
		t->nshifts = 0;
	}
}

void mmu_tlb_insert(struct mmu_tlb *t, va_t va, uint32_t asid, const struct mmu_leaf *leaf,
		    uint64_t pte, pa_t pte_pa, unsigned level)
{
	uint64_t vpn = va >> leaf->shift;
	struct mmu_tlb_entry *set = set_of(t, vpn);
	struct mmu_tlb_entry *e = 0;
	bool global = (leaf->info & MMU_TLB_G) != 0;

	changed(t);

	/* The same page already cached for this ASID (or globally): replace it. */
	for (uint32_t w = 0; w < t->ways; w++)
		if (set[w].shift == leaf->shift && set[w].vpn == vpn &&
		    (set[w].asid == asid || global || (set[w].info & MMU_TLB_G))) {
			e = &set[w];
			break;
		}
	for (uint32_t w = 0; !e && w < t->ways; w++)
		if (!set[w].shift)
			e = &set[w];
	if (!e) {
		/* Round robin over the ways (a counter that wraps, not a division). */
		if (t->next >= t->ways)
			t->next = 0;
		e = &set[t->next++];
		mmu_tlb_drop(t, e);
	}
	if (!e->shift)
		t->valid++;
	e->vpn = vpn;
	e->pa = leaf->base;
	e->pte = pte;
	e->pte_pa = pte_pa;
	e->asid = asid;
	e->info = (uint16_t)leaf->info;
	e->shift = (uint8_t)leaf->shift;
	e->level = (uint8_t)level;
	e->pkey = (uint8_t)leaf->pkey;
	if (!((t->shifts >> leaf->shift) & 1)) {
		/* A new page size: into the ascending lookup list. */
		unsigned i = t->nshifts++;

		for (; i > 0 && t->shift_list[i - 1] > leaf->shift; i--)
			t->shift_list[i] = t->shift_list[i - 1];
		t->shift_list[i] = (uint8_t)leaf->shift;
		t->shifts |= (uint64_t)1 << leaf->shift;
	}
}

/* Whether a flush described by how/va/asid drops e. */
static bool flush_drops(const struct mmu_tlb_entry *e, unsigned how, va_t va, uint32_t asid)
{
	bool global = (e->info & MMU_TLB_G) != 0;

	if ((how & MMU_FLUSH_VA) && (va >> e->shift) != e->vpn)
		return false;
	if ((how & MMU_FLUSH_KEEP_GLOBAL) && global)
		return false;
	if (how & MMU_FLUSH_ASID) {
		if (!global || (how & MMU_FLUSH_ASID_STRICT))
			return e->asid == asid;
	}
	return true;
}

void mmu_tlb_flush(struct mmu_tlb *t, unsigned how, va_t va, uint32_t asid)
{
	if (!t || !t->valid)
		return;
	if (how & MMU_FLUSH_VA) {
		/* Only the sets va falls in, one per page size present. */
		for (unsigned i = 0; i < t->nshifts; i++) {
			unsigned s = t->shift_list[i];
			struct mmu_tlb_entry *e = set_of(t, va >> s);

			for (uint32_t w = 0; w < t->ways; w++, e++)
				if (e->shift == s && flush_drops(e, how, va, asid))
					mmu_tlb_drop(t, e);
		}
		return;
	}
	for (uint32_t i = 0; i < t->sets * t->ways; i++) {
		struct mmu_tlb_entry *e = &t->entry[i];

		if (e->shift && flush_drops(e, how, va, asid))
			mmu_tlb_drop(t, e);
	}
}

void mmu_tlb_flush_all(struct mmu *m)
{
	if (m)
		mmu_tlb_flush(m->tlb, 0, 0, 0);
}

bool mmu_tlb_probe(const struct mmu *m, va_t va, struct mmu_tlb_entry *out)
{
	const struct mmu_tlb_entry *e;

	if (!m || !m->tlb || !m->tlb->valid)
		return false;
	e = mmu_tlb_find(m->tlb, mmu_rules_of(m)->va(m, va), m->asid);
	if (!e)
		return false;
	if (out)
		*out = *e;
	return true;
}
