/*
 * libFuzzer harness for the software MMU (lib/mmu).
 *
 * The input describes a machine: a paging format (all eight), a model (spec or QEMU 7.2), the
 * processor state, a PMP-like predicate, and eight pages of simulated RAM whose entries are
 * raw values taken from the input (with their address fields steered towards the eight pages
 * so that walks go somewhere). Then a list of translations (plain, or spans across a page
 * boundary), with the "live" state (privilege, SUM, MXR, MPRV, CPL, WP, SMEP, SMAP, AC, NXE,
 * PKE, PKRU, ...) changed between them.
 *
 * Three copies of the machine run side by side:
 *   ref   a plain reference walker written here from the rules (mmu-rules.md sections 1, 2, 3),
 *         one straight function per architecture, sharing no code with lib/mmu;
 *   bare  lib/mmu without a TLB;
 *   tlb   lib/mmu with a TLB of input-chosen geometry.
 * After every translation the outcome (status, cause, tval, error code, CR2, PA, page size),
 * the PTE-read count (ref vs bare) and the whole RAM (A/D bits written back) must agree. The
 * TLB copy is flushed whenever a walk wrote to the tables, since after a table change without a
 * fence a TLB may legitimately answer with the old translation; between table changes its hits
 * must give exactly what a walk gives. (Svnapot inputs skip the TLB copy: a NAPOT entry may
 * answer for all 16 PTEs, which legitimately differs from walking each.)
 *
 * Any difference aborts with a description.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmkit/mmu.h"

#define NPAGES 8
#define RAM_BASE 0x80000000ull
#define RAM_BYTES (NPAGES * 4096u)
#define OUTSIDE 0x1000ull /* no RAM there */
#define MAXMAPS 6

/* ---- input cursor ---------------------------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t un(struct in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)u8(in) << (8 * i);
	return v;
}

/* ---- the machine ------------------------------------------------------------------------------ */

struct geo {
	const char *name;
	bool riscv;
	int levels, pte, vabits;
	bool sext;
	int idxbits[5];
};

/* Written out from the specifications (not taken from pt_format). */
static const struct geo geos[8] = {
	{"sv32", true, 2, 4, 32, false, {10, 10}},
	{"sv39", true, 3, 8, 39, true, {9, 9, 9}},
	{"sv48", true, 4, 8, 48, true, {9, 9, 9, 9}},
	{"sv57", true, 5, 8, 57, true, {9, 9, 9, 9, 9}},
	{"x86-32", false, 2, 4, 32, false, {10, 10}},
	{"x86-pae", false, 3, 8, 32, false, {9, 9, 2}},
	{"x86-64", false, 4, 8, 48, true, {9, 9, 9, 9}},
	{"x86-64-la57", false, 5, 8, 57, true, {9, 9, 9, 9, 9}},
};

static int shift_of(const struct geo *g, int level)
{
	int s = 12;

	for (int i = 0; i < level; i++)
		s += g->idxbits[i];
	return s;
}

/* State that stays fixed for one input. */
struct fixed {
	const struct geo *g;
	const struct pt_format *fmt;
	bool qemu;
	bool bare;
	bool svade, svnapot, svpbmt;
	unsigned maxphy;
	bool page1gb, pse;
	int deny_read_page;  /* PMP: PTE reads from this page are denied (-1: none) */
	int rom_page;        /* PTE writes to this page are impossible (-1: none) */
	bool deny_ptew;      /* PMP denies every PTE write */
	uint64_t deny_access_bit; /* PMP denies final accesses whose PA has this bit (0: none) */
	uint32_t asid;
};

/* State that changes between translations. */
struct live {
	unsigned priv;     /* RISC-V 0, 1, 3 */
	bool mprv, sum, mxr;
	unsigned mpp;      /* 0, 1, 3 */
	unsigned cpl;
	bool wp, smep, smap, ac, nxe, pke, pks;
	uint32_t pkru, pkrs;
};

static struct fixed F;
static struct live L;

/* ---- the physical-access predicate (shared by ref and lib: it is the "hardware") ------------- */

static int page_of(uint64_t pa)
{
	if (pa < RAM_BASE || pa >= RAM_BASE + RAM_BYTES)
		return -1;
	return (int)((pa - RAM_BASE) / 4096);
}

static enum mmu_phys_verdict predicate(uint64_t pa, enum mmu_phys_kind kind)
{
	switch (kind) {
	case MMU_PHYS_PTE_READ:
		return F.deny_read_page >= 0 && page_of(pa) == F.deny_read_page ? MMU_PHYS_DENIED
										 : MMU_PHYS_OK;
	case MMU_PHYS_PTE_WRITE:
		if (F.rom_page >= 0 && page_of(pa) == F.rom_page)
			return MMU_PHYS_UNBACKED;
		return F.deny_ptew ? MMU_PHYS_DENIED : MMU_PHYS_OK;
	case MMU_PHYS_ACCESS:
		return (pa & F.deny_access_bit) ? MMU_PHYS_DENIED : MMU_PHYS_OK;
	}
	return MMU_PHYS_OK;
}

static enum mmu_phys_verdict lib_phys(void *ctx, pa_t pa, uint64_t bytes, enum mmu_phys_kind kind,
				      unsigned type, unsigned priv)
{
	(void)ctx;
	(void)bytes;
	(void)type;
	(void)priv;
	return predicate(pa, kind);
}

/* ---- RAM copies --------------------------------------------------------------------------------- */

static uint8_t ram_ref[RAM_BYTES], ram_bare[RAM_BYTES], ram_tlb[RAM_BYTES];

static void *mem_ptr(void *ctx, pa_t pa)
{
	int p = page_of(pa);

	return p < 0 ? NULL : (uint8_t *)ctx + (pa - RAM_BASE);
}

static bool mem_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	return pa >= RAM_BASE && pa + bytes <= RAM_BASE + RAM_BYTES && pa + bytes > pa;
}

static enum pt_err mem_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	(void)ctx;
	(void)bytes;
	(void)pa;
	return PT_ENOMEM;
}

static void mem_free(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	(void)pa;
	(void)bytes;
}

/* ---- the reference walker ---------------------------------------------------------------------- */

struct out {
	enum mmu_status st;
	unsigned cause;
	uint64_t tval;
	uint32_t ec;
	uint64_t pa;
	uint64_t size;
	bool cr2;
};

static uint64_t ref_cr2, ref_reads;
static uint64_t ref_pdpte[4];

static bool ref_in_ram(uint64_t pa, unsigned size)
{
	return pa >= RAM_BASE && pa + size <= RAM_BASE + RAM_BYTES;
}

static uint64_t ref_rd(uint64_t pa, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, ram_ref + (pa - RAM_BASE), size); /* little-endian host */
	return v;
}

static void ref_wr(uint64_t pa, unsigned size, uint64_t v)
{
	memcpy(ram_ref + (pa - RAM_BASE), &v, size);
}

#define LD MMU_LOAD
#define ST MMU_STORE
#define FE MMU_FETCH

static void rv_fault(struct out *o, bool access, int acc, uint64_t va)
{
	static const unsigned pf[3] = {13, 15, 12}, af[3] = {5, 7, 1};

	o->st = access ? MMU_ACCESS_FAULT : MMU_PAGE_FAULT;
	o->cause = access ? af[acc] : pf[acc];
	o->tval = va;
}

/* RISC-V: privileged spec section "Virtual address translation process", steps 1-13, with
 * QEMU 7.2's get_physical_address() where the model says so. */
static void ref_riscv(uint64_t va, int acc, struct out *o)
{
	const struct geo *g = F.g;
	bool q = F.qemu;
	unsigned P = L.priv;
	uint64_t a, pa, pte = 0, ppn = 0, size, leaf_ea = 0;
	int i;

	if (g->pte == 4)
		va = (uint32_t)va;
	if (P == 3 && L.mprv && acc != FE)
		P = L.mpp;
	/* 1. bypass */
	if (P == 3 || F.bare) {
		pa = va;
		size = 4096;
		goto final;
	}
	/* 2. canonical */
	if (g->sext) {
		int sh = 64 - g->vabits;

		if ((uint64_t)((int64_t)(va << sh) >> sh) != va)
			return rv_fault(o, false, acc, va);
	}
	/* 3. */
	a = RAM_BASE;
	for (i = g->levels - 1;; i--) {
		uint64_t idx = (va >> shift_of(g, i)) & ((1ull << g->idxbits[i]) - 1);
		uint64_t ea = a + idx * (unsigned)g->pte;
		enum mmu_phys_verdict v;
		bool V, R, W, X, U, A, D;
		uint64_t N = 0, PBMT = 0, RSV = 0;

		/* 4. the implicit read: PMP (S-mode read), then whether memory answers */
		v = predicate(ea, MMU_PHYS_PTE_READ);
		if (v == MMU_PHYS_DENIED)
			return rv_fault(o, true, acc, va);
		if (v != MMU_PHYS_OK || !ref_in_ram(ea, (unsigned)g->pte))
			return rv_fault(o, !q, acc, va);
		/* 5. */
		leaf_ea = ea;
		pte = ref_rd(ea, (unsigned)g->pte);
		ref_reads++;
		V = pte & 1;
		R = pte & 2;
		W = pte & 4;
		X = pte & 8;
		U = pte & 16;
		A = pte & 64;
		D = pte & 128;
		if (g->pte == 8) {
			N = pte >> 63;
			PBMT = (pte >> 61) & 3;
			RSV = (pte >> 54) & 0x7f;
			ppn = (pte >> 10) & ((1ull << 44) - 1);
		} else {
			ppn = (pte >> 10) & ((1ull << 22) - 1);
		}
		/* 6. and 7. */
		if (!q) {
			if (!V || (!R && W) || RSV || (PBMT && !F.svpbmt) || (N && !F.svnapot))
				return rv_fault(o, false, acc, va);
			if (!R && !X) {
				if (PBMT || N || A || D || U || i == 0)
					return rv_fault(o, false, acc, va);
				a = ppn << 12;
				continue;
			}
		} else {
			if (g->pte == 8 && !F.svpbmt && !F.svnapot && (pte >> 54))
				return rv_fault(o, false, acc, va);
			if (!V || (!F.svpbmt && PBMT))
				return rv_fault(o, false, acc, va);
			if (!R && !W && !X) {
				if (A || D || U || N || PBMT || i == 0)
					return rv_fault(o, false, acc, va);
				a = ppn << 12;
				continue;
			}
			if (W && !R)
				return rv_fault(o, false, acc, va);
		}
		break;
	}
	/* 8. superpage alignment */
	if (ppn & ((1ull << (shift_of(g, i) - 12)) - 1))
		return rv_fault(o, false, acc, va);
	size = 1ull << shift_of(g, i);
	/* 9. encodings (spec) */
	if (!q && g->pte == 8) {
		if (((pte >> 61) & 3) == 3)
			return rv_fault(o, false, acc, va);
		if (pte >> 63) {
			if (i != 0 || (ppn & 15) != 8)
				return rv_fault(o, false, acc, va);
			size = 1u << 16;
		}
	}
	/* 10. U bit */
	if (pte & 16) {
		if (P != 0 && (acc == FE || !L.sum))
			return rv_fault(o, false, acc, va);
	} else if (P == 0) {
		return rv_fault(o, false, acc, va);
	}
	/* 11. R/W/X */
	if (acc == FE ? !(pte & 8)
	    : acc == LD ? !((pte & 2) || ((pte & 8) && L.mxr))
			: !(pte & 4))
		return rv_fault(o, false, acc, va);
	/* 12. A/D */
	{
		uint64_t need = 64 | (acc == ST ? 128 : 0);

		if ((pte & need) != need) {
			enum mmu_phys_verdict v;

			if (!q && F.svade)
				return rv_fault(o, false, acc, va);
			v = predicate(leaf_ea, MMU_PHYS_PTE_WRITE);
			if (!q && v != MMU_PHYS_OK)
				return rv_fault(o, true, acc, va);
			if (q && v == MMU_PHYS_UNBACKED)
				return rv_fault(o, false, acc, va);
			pte |= need;
			ref_wr(leaf_ea, (unsigned)g->pte, pte);
		}
	}
	/* QEMU 7.2 checks NAPOT after the update */
	if (q && F.svnapot && g->pte == 8 && (pte >> 63)) {
		if (i != 0 || (ppn & 15) != 8)
			return rv_fault(o, false, acc, va);
		size = 1u << 16;
	}
	/* 13. */
	if (size == (1u << 16))
		ppn &= ~15ull;
	pa = ((ppn << 12) & ~(size - 1)) | (va & (size - 1));
	if (q && g->pte == 4)
		pa &= 0xffffffffull; /* QEMU on RV32 keeps the low 32 bits (Q17) */
final:
	if (predicate(pa, MMU_PHYS_ACCESS) != MMU_PHYS_OK)
		return rv_fault(o, true, acc, va);
	o->st = MMU_OK;
	o->pa = pa;
	o->size = size;
}

static void x86_pf(struct out *o, uint32_t why, int acc, bool user, uint64_t va)
{
	uint32_t ec = why;

	if (acc == ST)
		ec |= 2;
	if (user)
		ec |= 4;
	if (acc == FE && (L.smep || (F.g->pte == 8 && L.nxe)))
		ec |= 16;
	o->st = MMU_PAGE_FAULT;
	o->cause = 14;
	o->ec = ec;
	o->tval = va;
	o->cr2 = true;
	ref_cr2 = va;
}

/* x86: SDM Vol. 3A 4.x "walk", 4.6 access rights, 4.7 error code, 4.8 A/D, with QEMU 7.2's
 * mmu_translate() where the model says so. */
static void ref_x86(uint64_t va, int acc, bool implicit, struct out *o)
{
	const struct geo *g = F.g;
	bool q = F.qemu;
	bool legacy = g->pte == 4, pae = g->pte == 8 && !g->sext, lm = g->sext;
	bool user = L.cpl == 3 && !implicit;
	unsigned M = F.maxphy;
	uint32_t RSVD = q ? 8 : 9;
	uint64_t rsv = 0, table = RAM_BASE, pte = 0, ea = 0, base;
	int lvl;
	bool rw = true, us = true, xd = false;
	uint64_t size;

	if (!lm || F.bare)
		va = (uint32_t)va;
	if (F.bare) {
		o->st = MMU_OK;
		o->pa = va;
		o->size = 4096;
		return;
	}
	if (lm) {
		int sh = 64 - g->vabits;

		if ((uint64_t)((int64_t)(va << sh) >> sh) != va) {
			o->st = MMU_GP_FAULT;
			o->cause = 13;
			o->tval = va; /* CR2 untouched in both models (Q12 retired) */
			return;
		}
	}
	if (!legacy) {
		rsv = (((1ull << 52) - 1) & ~((1ull << M) - 1)) | (L.nxe ? 0 : 1ull << 63);
		if (pae)
			rsv |= 0x7ffull << 52;
	}
	for (lvl = g->levels - 1;; lvl--) {
		uint64_t idx = (va >> shift_of(g, lvl)) & ((1ull << g->idxbits[lvl]) - 1);
		bool ps;

		ea = table + idx * (unsigned)g->pte;
		if (pae && lvl == 2 && !q) {
			pte = ref_pdpte[idx];
		} else {
			ref_reads++;
			if (ref_in_ram(ea, (unsigned)g->pte))
				pte = ref_rd(ea, (unsigned)g->pte);
			else
				pte = q ? 0 : legacy ? 0xffffffffull : ~0ull;
		}
		if (!(pte & 1))
			return x86_pf(o, 0, acc, user, va);
		if (pae && lvl == 2) {
			if (q) {
				if (pte & (rsv | (1ull << 63)))
					return x86_pf(o, RSVD, acc, user, va);
				if (ref_in_ram(ea, 8) && !(pte & 0x20))
					ref_wr(ea, 8, pte | 0x20);
			}
			table = pte & 0x000ffffffffff000ull;
			continue;
		}
		if (pte & rsv)
			return x86_pf(o, RSVD, acc, user, va);
		ps = lvl > 0 && (pte & 0x80);
		if (legacy && !F.pse)
			ps = false;
		if (ps && lvl >= 3)
			return x86_pf(o, RSVD, acc, user, va);
		if (ps && lvl == 2) {
			if (q) {
				if (ref_in_ram(ea, 8) && !(pte & 0x20))
					ref_wr(ea, 8, pte | 0x20);
				pte |= 0x20;
			} else if (!F.page1gb) {
				return x86_pf(o, RSVD, acc, user, va);
			}
		}
		rw = rw && (pte & 2);
		us = us && (pte & 4);
		xd = xd || (!legacy && (pte >> 63));
		if (lvl == 0 || ps)
			break;
		/* a pointer: A as it is used */
		if (ref_in_ram(ea, (unsigned)g->pte) && !(pte & 0x20))
			ref_wr(ea, (unsigned)g->pte, pte | 0x20);
		table = pte & (legacy ? 0xfffff000ull : 0x000ffffffffff000ull);
	}
	size = 1ull << shift_of(g, lvl);
	/* leaf reserved bits and the frame */
	if (legacy && lvl == 1) {
		uint64_t r = 1ull << 21;

		if (!q && M < 40)
			for (unsigned b = M - 19; b <= 20; b++)
				r |= 1ull << b;
		if (pte & r)
			return x86_pf(o, RSVD, acc, user, va);
		base = (pte & 0xffc00000ull) | (((pte >> 13) & 0xff) << 32);
	} else if (legacy) {
		base = pte & 0xfffff000ull;
	} else {
		if (lvl > 0 && (pte & (size - 1) & ~0x1fffull))
			return x86_pf(o, RSVD, acc, user, va);
		base = pte & 0x000ffffffffff000ull & ~(size - 1);
	}
	/* access rights */
	{
		bool wp = L.wp, fetch = acc == FE, store = acc == ST;
		bool pk = false, ok;

		if (lm && !fetch) {
			uint32_t reg = us ? (L.pke ? L.pkru : 0) : (L.pks ? L.pkrs : 0);
			unsigned key = (unsigned)(pte >> 59) & 15;
			bool ad = (reg >> (2 * key)) & 1, wd = (reg >> (2 * key + 1)) & 1;

			pk = ad || (wd && store && (user || wp));
		}
		if (!q) {
			if (user)
				ok = us && (!store || rw) && (!fetch || !xd);
			else if (fetch)
				ok = !xd && !(us && L.smep);
			else
				ok = !(us && L.smap && (implicit || !L.ac)) && (!store || rw || !wp);
			if (pk)
				return x86_pf(o, 0x21, acc, user, va);
			if (!ok)
				return x86_pf(o, 1, acc, user, va);
		} else {
			bool ksmap, can_r, can_w, can_x;

			if (user && !us)
				return x86_pf(o, 1, acc, user, va);
			ksmap = L.smap && !user && (implicit ? (L.cpl == 3 || !L.ac) : !L.ac);
			can_r = !(ksmap && us);
			can_w = can_r && (rw || !(user || wp));
			can_x = !xd && (user || !(L.smep && us));
			if (pk)
				return x86_pf(o, 0x21, acc, user, va);
			if (!(fetch ? can_x : store ? can_w : can_r))
				return x86_pf(o, 1, acc, user, va);
		}
	}
	/* A (and D) in the leaf */
	{
		uint64_t set = 0x20 | (acc == ST ? 0x40 : 0);

		if ((pte & set) != set && ref_in_ram(ea, (unsigned)g->pte))
			ref_wr(ea, (unsigned)g->pte, pte | set);
	}
	o->st = MMU_OK;
	o->pa = base | (va & (size - 1));
	o->size = size;
}

static void ref_translate(uint64_t va, int acc, bool implicit, struct out *o)
{
	memset(o, 0, sizeof(*o));
	if (F.g->riscv)
		ref_riscv(va, acc, o);
	else
		ref_x86(va, acc, implicit, o);
}

/* Spans: the first page, then the next one at the boundary. */
static void ref_span(uint64_t va, uint64_t len, int acc, bool implicit, struct out *o)
{
	uint64_t first = 4096 - (va & 4095);
	struct out second;

	ref_translate(va, acc, implicit, o);
	if (first >= len || o->st != MMU_OK)
		return;
	ref_translate(va + first, acc, implicit, &second);
	if (second.st != MMU_OK)
		*o = second; /* the fault of the second page, at the boundary */
}

/* ---- running ------------------------------------------------------------------------------------ */

/*
 * A coverage hint. The eight formats run the same library code, so coverage alone would not
 * keep inputs that reach, say, a 512 GiB Sv48 page or a NAPOT page. Each (format, outcome,
 * page size or fault kind) gets its own branch here, so reaching a new combination is new
 * coverage. Not optimised, so that the compiler keeps the cases apart.
 */
#define HINT1(n) case n: hint_sink[n]++; break;
#define HINT8(n) HINT1(n) HINT1(n + 1) HINT1(n + 2) HINT1(n + 3) HINT1(n + 4) HINT1(n + 5) \
	HINT1(n + 6) HINT1(n + 7)
#define HINT64(n) HINT8(n) HINT8(n + 8) HINT8(n + 16) HINT8(n + 24) HINT8(n + 32) \
	HINT8(n + 40) HINT8(n + 48) HINT8(n + 56)
static volatile unsigned hint_sink[512];

#pragma clang optimize off
static void hint(const struct out *r)
{
	unsigned sub = 0;

	if (r->st == MMU_OK) {
		for (uint64_t s = r->size >> 12; s > 1 && sub < 15; s >>= 1)
			sub++; /* log2 of the page size - 12: 0, 4, 9, 10, 18, 27, 36 */
		sub = sub > 15 ? 15 : sub;
	} else if (F.g->riscv) {
		sub = r->cause & 15;
	} else {
		sub = (r->ec & 1) | ((r->ec >> 2) & 2) | ((r->ec >> 3) & 4) | ((r->ec >> 1) & 8);
	}
	switch ((unsigned)(F.g - geos) * 64 + (unsigned)r->st * 16 + sub) {
		HINT64(0) HINT64(64) HINT64(128) HINT64(192) HINT64(256) HINT64(320) HINT64(384)
		HINT64(448)
	}
}
#pragma clang optimize on

static void fail(const char *what, uint64_t va, int acc, const struct out *r,
		 const struct mmu_result *l, const char *who)
{
	fprintf(stderr,
		"fuzz_mmu: %s (%s) %s model=%s va=0x%llx acc=%d\n"
		"  ref: st=%d cause=%u ec=0x%x tval=0x%llx pa=0x%llx size=0x%llx\n"
		"  lib: st=%d cause=%u ec=0x%x tval=0x%llx pa=0x%llx size=0x%llx hit=%d level=%d\n",
		what, who, F.g->name, F.qemu ? "qemu" : "spec", (unsigned long long)va, acc, r->st,
		r->cause, r->ec, (unsigned long long)r->tval, (unsigned long long)r->pa,
		(unsigned long long)r->size, l->status, l->cause, l->error_code,
		(unsigned long long)l->tval, (unsigned long long)l->pa,
		(unsigned long long)l->page_size, l->tlb_hit, l->level);
	abort();
}

static void compare(const struct out *r, const struct mmu_result *l, const struct mmu *m,
		    uint64_t va, int acc, const char *who)
{
	if (r->st != l->status)
		fail("status", va, acc, r, l, who);
	if (r->st == MMU_OK) {
		if (r->pa != l->pa || r->size != l->page_size)
			fail("pa", va, acc, r, l, who);
		return;
	}
	if (r->tval != l->tval || r->cause != l->cause)
		fail("cause/tval", va, acc, r, l, who);
	if (!F.g->riscv) {
		if (r->ec != l->error_code || r->cr2 != l->cr2_written || ref_cr2 != m->x86.cr2)
			fail("error code / CR2", va, acc, r, l, who);
	}
}

static void set_live(struct mmu *m)
{
	if (F.g->riscv) {
		m->rv.priv = L.priv;
		m->rv.mstatus = (L.mprv ? MMU_MSTATUS_MPRV : 0) | ((uint64_t)L.mpp << 11) |
				(L.sum ? MMU_MSTATUS_SUM : 0) | (L.mxr ? MMU_MSTATUS_MXR : 0);
		return;
	}
	m->x86.cpl = L.cpl;
	m->x86.cr0 = (m->x86.cr0 & ~MMU_CR0_WP) | (L.wp ? MMU_CR0_WP : 0);
	m->x86.cr4 = (m->x86.cr4 & ~(MMU_CR4_SMEP | MMU_CR4_SMAP | MMU_CR4_PKE | MMU_CR4_PKS)) |
		     (L.smep ? MMU_CR4_SMEP : 0) | (L.smap ? MMU_CR4_SMAP : 0) |
		     (L.pke ? MMU_CR4_PKE : 0) | (L.pks ? MMU_CR4_PKS : 0);
	m->x86.efer = (m->x86.efer & ~MMU_EFER_NXE) | (L.nxe ? MMU_EFER_NXE : 0);
	m->x86.eflags = L.ac ? MMU_EFLAGS_AC : 0;
	m->x86.pkru = L.pkru;
	m->x86.pkrs = L.pkrs;
}

static const unsigned priv_of[4] = {0, 1, 3, 1};

static void live_from(struct in *in)
{
	uint8_t a = u8(in), b = u8(in);

	L.priv = priv_of[a & 3];
	L.mprv = a & 4;
	L.mpp = priv_of[(a >> 3) & 3];
	L.sum = a & 0x20;
	L.mxr = a & 0x40;
	L.cpl = (a & 0x80) ? 3 : (a & 1) ? 0 : (a & 2) ? 1 : 0;
	L.wp = b & 1;
	L.smep = b & 2;
	L.smap = b & 4;
	L.ac = b & 8;
	L.nxe = !(b & 0x10);
	L.pke = b & 0x20;
	L.pks = b & 0x40;
	if (b & 0x80) {
		L.pkru = (uint32_t)un(in, 4);
		L.pkrs = (uint32_t)un(in, 4);
	}
}

/* An entry value from the input, with its address field steered towards the RAM pages. */
static uint64_t entry_from(struct in *in)
{
	const struct geo *g = F.g;
	uint64_t v = un(in, (unsigned)g->pte);
	uint8_t sel = u8(in);
	uint64_t target = RAM_BASE + 4096ull * ((sel >> 3) & 7);

	switch (sel & 7) {
	case 0: case 1: case 2: case 3:
		if (g->riscv)
			v = (v & ~(((1ull << 44) - 1) << 10)) | ((target >> 12) << 10);
		else
			v = (v & ~0x000ffffffffff000ull) | target;
		break;
	case 4:
		if (g->riscv)
			v = (v & ~(((1ull << 44) - 1) << 10)) | ((OUTSIDE >> 12) << 10);
		else
			v = (v & ~0x000ffffffffff000ull) | OUTSIDE;
		break;
	default: /* raw */
		break;
	}
	if (sel & 0x40)
		v |= 1; /* present */
	if (g->pte == 8 && (sel & 0x80)) {
		/* Mostly well-formed high bits. */
		if (g->riscv)
			v &= (1ull << 54) - 1;
		else
			v &= ~(0xfffull << 40) | (v & (1ull << 63));
	}
	if (g->pte == 4)
		v = (uint32_t)v;
	return v;
}

static uint64_t index_pick(int idxbits, uint8_t sel)
{
	static const uint64_t picks[8] = {0, 1, 2, 3, 4, 5, 8, 15};
	uint64_t n = 1ull << idxbits;

	switch (sel >> 3 & 3) {
	case 0:
		return picks[sel & 7] & (n - 1);
	case 1:
		return (n - 1 - picks[sel & 7]) & (n - 1);
	case 2:
		return (n / 2 + picks[sel & 7]) & (n - 1);
	default:
		return sel & (n - 1);
	}
}

/* A well-formed pointer to RAM page `page`, sometimes with input bits mixed in. */
static uint64_t pointer_from(struct in *in, unsigned page)
{
	const struct geo *g = F.g;
	uint64_t addr = RAM_BASE + 4096ull * page;
	uint8_t sel = u8(in);
	uint64_t v;

	if (g->riscv)
		v = 1 | ((addr >> 12) << 10);
	else
		v = 1 | 2 | 4 | addr;
	if (sel & 1) {
		/* Corrupt it with input bits: flags, or high bits. */
		uint64_t raw = un(in, 8);

		v ^= (sel & 2) ? (raw & 0x3fe) : (raw & ((sel & 4) ? ~0ull << 52 : 0x1ffull << 1));
	}
	return g->pte == 4 ? (uint32_t)v : v;
}

/* A leaf at level: a page address aligned (mostly) to the level, and flag bits from the input. */
static uint64_t leaf_from(struct in *in, int level)
{
	const struct geo *g = F.g;
	uint64_t raw = un(in, 8);
	uint8_t sel = u8(in);
	int sh = shift_of(g, level);
	uint64_t pa = (raw >> 8) & (g->pte == 4 ? (g->riscv ? 0x3ffffffffull : 0xffffffffull)
						 : 0x00fffffffffff000ull);
	uint64_t v;

	if (!(sel & 3))
		pa &= ~((1ull << sh) - 1); /* aligned to the page size */
	else if ((sel & 3) == 1)
		pa &= ~((1ull << sh) - 1) & 0xffffffffull;
	pa &= ~0xfffull;
	if (g->riscv) {
		v = (pa >> 12) << 10 | (raw & 0x3fe) | ((sel & 4) ? 0 : 1);
		if (sel & 8)
			v |= 2; /* R: a leaf, not a pointer */
		if (g->pte == 8 && (sel & 0x10))
			v |= raw & (0x3ffull << 54);
		if (g->pte == 8 && (sel & 0xe0) == 0xe0)
			v = (v & ~(0xfull << 10)) | (8ull << 10) | (1ull << 63); /* NAPOT */
	} else {
		v = pa | (raw & 0xfff & ~0x80ull) | ((sel & 4) ? 0 : 1);
		if (level > 0 && !(sel & 0x20))
			v |= 0x80; /* PS */
		if (g->pte == 4 && level == 1 && (sel & 0x40))
			v |= raw & 0x3fe000; /* PSE-36 bits and bit 21 */
		if (g->pte == 8 && (sel & 0x10))
			v |= raw & 0xfff0000000000000ull; /* XD, keys, 62:52 */
		if (g->pte == 8 && (sel & 0x80))
			v |= 1ull << 63;
	}
	return g->pte == 4 ? (uint32_t)v : v;
}

static void poke(unsigned page, uint64_t idx, uint64_t v)
{
	memcpy(ram_ref + page * 4096 + idx * (unsigned)F.g->pte, &v, (size_t)F.g->pte);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	static const unsigned maxphys[8] = {40, 40, 36, 32, 46, 52, 39, 40};
	struct pt_mem mem_b = {mem_ptr, mem_alloc, mem_free, mem_contains, ram_bare};
	struct pt_mem mem_t = {mem_ptr, mem_alloc, mem_free, mem_contains, ram_tlb};
	struct mmu bare, tlbm;
	struct mmu_tlb tlb;
	static struct mmu_tlb_entry tlb_e[16];
	uint8_t h0 = u8(&in), h1 = u8(&in), h2 = u8(&in);
	bool use_tlb;
	unsigned npokes, nmaps;
	uint64_t maps[MAXMAPS];

	memset(&F, 0, sizeof(F));
	F.g = &geos[h0 & 7];
	F.fmt = pt_format_by_name(F.g->name);
	F.qemu = h0 & 8;
	F.bare = (h0 & 0x30) == 0x30;
	F.svade = h1 & 1;
	F.svnapot = h1 & 2;
	F.svpbmt = h1 & 4;
	F.pse = !(h1 & 8);
	F.page1gb = !(h1 & 0x10);
	F.maxphy = maxphys[h1 >> 5];
	F.deny_read_page = (h2 & 8) ? (int)(h2 & 7) : -1;
	F.rom_page = (h2 & 0x80) ? (int)((h2 >> 4) & 7) : -1;
	F.deny_ptew = (h2 & 0x70) == 0x70;
	F.deny_access_bit = (h0 & 0x40) ? 1ull << (12 + (h0 >> 7) * 9) : 0;
	F.asid = u8(&in);
	live_from(&in);

	memset(ram_ref, 0, sizeof(ram_ref));
	/* Mappings: a chain of pointers from the root down to a leaf built from the input. */
	nmaps = u8(&in) % (MAXMAPS + 1);
	for (unsigned k = 0; k < nmaps; k++) {
		int stop = u8(&in) % F.g->levels;
		unsigned page = 0;
		uint64_t va = 0;

		for (int lv = F.g->levels - 1; lv >= 0; lv--) {
			uint64_t idx = index_pick(F.g->idxbits[lv], u8(&in));

			va |= idx << shift_of(F.g, lv);
			if (lv > stop) {
				unsigned next = 1 + u8(&in) % (NPAGES - 1);

				poke(page, idx, pointer_from(&in, next));
				page = next;
			} else if (lv == stop) {
				poke(page, idx, leaf_from(&in, lv));
			}
		}
		if (F.g->sext && (va >> (F.g->vabits - 1) & 1))
			va |= ~0ull << F.g->vabits;
		maps[k] = va;
	}
	npokes = u8(&in) % 16;
	for (unsigned i = 0; i < npokes; i++) {
		unsigned page = u8(&in) & 7;
		uint8_t isel = u8(&in);
		int lv_bits = F.g->idxbits[0];
		uint64_t idx = index_pick(lv_bits, isel);
		uint64_t v = entry_from(&in);

		memcpy(ram_ref + page * 4096 + idx * (unsigned)F.g->pte, &v, (size_t)F.g->pte);
	}
	memcpy(ram_bare, ram_ref, RAM_BYTES);
	memcpy(ram_tlb, ram_ref, RAM_BYTES);

	/* Two mmus over their own RAM copies. */
	use_tlb = !F.svnapot;
	for (int k = 0; k < 2; k++) {
		struct mmu *m = k ? &tlbm : &bare;

		mmu_init(m, F.g->riscv ? MMU_ARCH_RISCV : MMU_ARCH_X86,
			 F.qemu ? MMU_MODEL_QEMU72 : MMU_MODEL_SPEC, k ? &mem_t : &mem_b);
		m->phys.check = lib_phys;
		if (F.g->riscv) {
			m->rv.xlen = F.g->pte == 4 ? 32 : 64;
			m->rv.svade = F.svade;
			m->rv.svnapot = F.svnapot;
			m->rv.svpbmt = F.svpbmt;
		} else {
			m->x86.maxphyaddr = (uint8_t)F.maxphy;
			m->x86.page1gb = F.page1gb;
			m->x86.cr4 = F.pse ? MMU_CR4_PSE : 0;
			m->x86.efer = L.nxe ? MMU_EFER_NXE : 0;
		}
		set_live(m);
	}
	if (use_tlb) {
		uint32_t ways = 1u << (h2 & 3), entries = ways << ((h2 >> 2) & 1);

		if (mmu_tlb_init(&tlb, tlb_e, entries, ways) != PT_OK)
			abort();
		tlbm.tlb = &tlb;
	}

	/* Turn paging on. The spec model's PAE load of the PDPTEs may #GP. */
	{
		enum mmu_status sb = mmu_set_table(&bare, F.bare ? NULL : F.fmt, RAM_BASE, F.asid);
		enum mmu_status st = mmu_set_table(&tlbm, F.bare ? NULL : F.fmt, RAM_BASE, F.asid);
		bool gp = false;

		if (!F.bare && F.g->pte == 8 && !F.g->sext && !F.qemu) {
			uint64_t rsv = 0x1e6ull | (~0ull << F.maxphy);

			for (int i = 0; i < 4; i++) {
				ref_pdpte[i] = ref_rd(RAM_BASE + 8u * i, 8);
				if ((ref_pdpte[i] & 1) && (ref_pdpte[i] & rsv))
					gp = true;
			}
		}
		if (sb != st || (sb == MMU_GP_FAULT) != gp) {
			fprintf(stderr, "fuzz_mmu: set_table %d/%d, reference #GP %d\n", sb, st, gp);
			abort();
		}
		if (gp)
			return 0;
		if (sb != MMU_OK)
			abort();
	}
	ref_cr2 = 0;
	ref_reads = 0;
	bare.stats.pte_reads = 0;

	while (in.n) {
		uint8_t op = u8(&in), o2 = u8(&in);
		int acc = op & 3;
		bool implicit = op & 4, span = (op & 0x18) == 0x18;
		uint64_t va = 0, len = 1 + (o2 & 15);
		struct out r;
		struct mmu_result lb, lt;
		uint64_t writes_before = bare.stats.pte_writes + tlbm.stats.pte_writes;
		unsigned access;

		if (acc == 3)
			acc = LD;
		if (op & 0x20) {
			live_from(&in);
			set_live(&bare);
			set_live(&tlbm);
		}
		if (nmaps && (op & 0x80)) {
			/* A mapped VA, somewhere in its (possibly large) page. */
			uint64_t off = un(&in, 4);

			va = maps[u8(&in) % nmaps] ^ ((off & 0x3fffffff) << 12 >> (o2 & 31));
			va &= ~0xfffull;
		} else {
			for (int lv = F.g->levels - 1; lv >= 0; lv--)
				va |= index_pick(F.g->idxbits[lv], u8(&in)) << shift_of(F.g, lv);
		}
		va |= span ? 4095 - (o2 >> 4) : un(&in, 2) & 0xfff;
		if (F.g->sext && (va >> (F.g->vabits - 1) & 1))
			va |= ~0ull << F.g->vabits;
		else if (F.g->sext)
			va &= (1ull << F.g->vabits) - 1;
		if (op & 0x40)
			va ^= 1ull << (40 + (o2 & 23)); /* sometimes not canonical, or high bits */
		access = (unsigned)acc | (implicit ? MMU_IMPLICIT : 0);

		if (span) {
			ref_span(va, len, acc, implicit, &r);
			mmu_translate_span(&bare, va, len, access, &lb, NULL);
			mmu_translate_span(&tlbm, va, len, access, &lt, NULL);
		} else {
			ref_translate(va, acc, implicit, &r);
			mmu_translate(&bare, va, access, &lb);
			mmu_translate(&tlbm, va, access, &lt);
			if (ref_reads != bare.stats.pte_reads) {
				fprintf(stderr, "fuzz_mmu: %s: %llu PTE reads, reference %llu\n",
					F.g->name, (unsigned long long)bare.stats.pte_reads,
					(unsigned long long)ref_reads);
				abort();
			}
		}
		ref_reads = bare.stats.pte_reads;
		hint(&r);
		compare(&r, &lb, &bare, va, acc, "no TLB");
		if (memcmp(ram_ref, ram_bare, RAM_BYTES)) {
			fprintf(stderr, "fuzz_mmu: %s %s: A/D write-back differs (va 0x%llx acc %d)\n",
				F.g->name, F.qemu ? "qemu" : "spec", (unsigned long long)va, acc);
			abort();
		}
		if (use_tlb) {
			compare(&r, &lt, &tlbm, va, acc, "TLB");
			if (memcmp(ram_ref, ram_tlb, RAM_BYTES)) {
				fprintf(stderr, "fuzz_mmu: TLB copy's RAM differs\n");
				abort();
			}
			if (bare.stats.pte_writes + tlbm.stats.pte_writes != writes_before)
				mmu_tlb_flush_all(&tlbm);
		}
	}
	return 0;
}
