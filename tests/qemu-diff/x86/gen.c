/*
 * One round's page table: built with the vmkit engine (pt_init / pt_map), then changed raw.
 *
 *   1. the harness region: identity map of low RAM (supervisor, RWX, A=D=1) and the user
 *      trampoline page and stack (U=1), in the first top-level slot(s);
 *   2. random leaves at every level the format allows (4 KiB, 2/4 MiB, 1 GiB), clustered so
 *      that they share tables, with random W/X/U/G/A/D and software bits, frames in the frame
 *      pool, in RAM above 4 GiB, or (PSE-36) anywhere;
 *   3. raw pokes on the entries of the random paths: odd permissions on pointers (R/W=0,
 *      U/S=0, XD, A, ignored bits), PAT, protection keys, ignored high bits, and broken
 *      entries (reserved bits 51:MAXPHYADDR, PS in a PML4E/PML5E, large-page alignment bits,
 *      PAE bits 62:52, PAE PDPTE bits 2:1/8:5/63/62:52, x86-32 bit 21, PS on a pointer while
 *      CR4.PSE=0, cleared P), plus non-present garbage in empty slots.
 * Nothing here is derived from lib/mmu: the expectations come from the model at probe time.
 */
#include "qd_x86.h"

/* ---- the table pool ------------------------------------------------------------------------ */

static uint64_t pool_next = QD_TABLE_POOL;
static unsigned pool_tables;

static void *pool_ptr(void *ctx, pa_t pa)
{
	(void)ctx;
	return qd_phys_ptr(pa);
}

static enum pt_err pool_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	(void)ctx;
	pool_next = (pool_next + bytes - 1) & ~(bytes - 1);
	if (pool_next + bytes > QD_FRAME_POOL)
		return PT_ENOMEM;
	*pa = pool_next;
	memset(qd_phys_ptr(pool_next), 0, (size_t)bytes);
	pool_next += bytes;
	pool_tables++;
	return PT_OK;
}

static void pool_free(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	(void)pa;
	(void)bytes;
}

/* Memory the walker may read: all the harness reaches directly. */
static bool pool_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	return bytes <= 8 ? qd_phys_ptr(pa) != 0 : qd_phys_ptr(pa + bytes - 8) != 0;
}

const struct pt_mem qd_mem = {pool_ptr, pool_alloc, pool_free, pool_contains, 0};

/* ---- raw entries --------------------------------------------------------------------------- */

uint64_t qd_entry_read(const struct qd_round *r, uint64_t pa)
{
	volatile uint32_t *p = qd_phys_ptr(pa);

	if (r->fmt->pte_size == 4)
		return p[0];
	return p[0] | ((uint64_t)p[1] << 32);
}

void qd_entry_write(const struct qd_round *r, uint64_t pa, uint64_t v)
{
	volatile uint32_t *p = qd_phys_ptr(pa);

	p[0] = (uint32_t)v;
	if (r->fmt->pte_size == 8)
		p[1] = (uint32_t)(v >> 32);
}

#define E_P 0x1ull
#define E_RW 0x2ull
#define E_US 0x4ull
#define E_A 0x20ull
#define E_PS 0x80ull
#define E_XD (1ull << 63)
#define E_ADDR 0x000ffffffffff000ull

static bool is_legacy(const struct pt_format *f)
{
	return f->pte_size == 4;
}

static bool is_pae(const struct pt_format *f)
{
	return f->pte_size == 8 && !f->sign_extended;
}

unsigned qd_path(const struct qd_round *r, uint64_t va, bool pse, uint64_t pa[QD_MAX_PATH],
		 int level[QD_MAX_PATH])
{
	const struct pt_format *f = r->fmt;
	uint64_t table = r->pt.root;
	unsigned n = 0;

	if (!f->sign_extended)
		va = (uint32_t)va;
	for (int l = f->levels - 1; l >= 0; l--) {
		uint64_t idx = (va >> f->shift[l]) & ((1u << f->index_bits[l]) - 1u);
		uint64_t e, next;

		pa[n] = table + idx * f->pte_size;
		level[n] = l;
		e = qd_entry_read(r, pa[n]);
		n++;
		if (!(e & E_P) || l == 0)
			break;
		if (is_legacy(f)) {
			if ((e & E_PS) && pse)
				break;
			next = e & 0xfffff000ull;
		} else if (is_pae(f) && l == f->levels - 1) {
			next = e & E_ADDR;
		} else {
			if (e & E_PS)
				break;
			next = e & E_ADDR;
		}
		if (next < QD_TABLE_POOL || next + PT_PAGE_SIZE > QD_FRAME_POOL)
			break;
		table = next;
	}
	return n;
}

/* ---- building ------------------------------------------------------------------------------ */

static uint64_t pick_frame(struct qd_rng *g, uint64_t size, bool high)
{
	uint64_t first, count;

	if (high)
		return QD_HIGH_RAM + qd_rng_below(g, QD_HIGH_SIZE / size) * size;
	first = (QD_FRAME_POOL + size - 1) & ~(size - 1);
	count = (QD_FRAME_END - first) / size;
	return first + qd_rng_below(g, count) * size;
}

static unsigned random_perms(struct qd_rng *g)
{
	unsigned p = PT_R;

	if (qd_rng_chance(g, 1, 2))
		p |= PT_W;
	if (qd_rng_chance(g, 1, 2))
		p |= PT_X;
	if (qd_rng_chance(g, 1, 2))
		p |= PT_U;
	if (qd_rng_chance(g, 1, 4))
		p |= PT_G;
	if (qd_rng_chance(g, 1, 2))
		p |= PT_A;
	if (qd_rng_chance(g, 1, 2))
		p |= PT_D;
	if (qd_rng_chance(g, 1, 8))
		p |= PT_SW0;
	if (qd_rng_chance(g, 1, 8))
		p |= PT_SW1;
	return p;
}

static uint64_t slot_base(const struct qd_round *r, uint64_t slot)
{
	const struct pt_format *f = r->fmt;

	return pt_canonical(f, slot << f->shift[f->levels - 1]);
}

static uint64_t random_slot(const struct qd_round *r, struct qd_rng *g)
{
	return r->first_slot + qd_rng_below(g, r->nslots - r->first_slot);
}

/* A 16 MiB window for 4 KiB mappings, inside the random region. */
static uint64_t random_cluster(const struct qd_round *r, struct qd_rng *g)
{
	const struct pt_format *f = r->fmt;
	unsigned top = f->levels - 1;

	if (is_legacy(f)) /* four PDEs, all in the random region */
		return (uint64_t)(r->first_slot + qd_rng_below(g, r->nslots - r->first_slot - 3))
		       << 22;
	return slot_base(r, random_slot(r, g)) +
	       qd_rng_below(g, pt_level_size(f, top) / MB(16)) * MB(16);
}

/* Map one leaf of level lvl near cluster c (or, now and then, anywhere in the region). */
static void add_leaf(struct qd_round *r, struct qd_rng *g, unsigned lvl)
{
	const struct pt_format *f = r->fmt;
	uint64_t size = pt_level_size(f, lvl), va, pa, map_pa;
	uint64_t near = r->cluster[qd_rng_below(g, r->nclusters)];
	bool high = false;
	unsigned perms = random_perms(g);

	if (r->nleaves == QD_MAX_LEAVES)
		return;
	if (lvl == 0) {
		va = near + qd_rng_below(g, MB(16) / size) * size;
	} else if (is_legacy(f)) {
		va = (uint64_t)(r->first_slot + qd_rng_below(g, r->nslots - r->first_slot)) << 22;
	} else if (qd_rng_chance(g, 1, 5)) {
		uint64_t span = pt_level_size(f, f->levels - 1);

		va = slot_base(r, random_slot(r, g)) + qd_rng_below(g, span / size) * size;
	} else {
		uint64_t span = size << f->index_bits[lvl];

		va = (near & ~(span - 1)) + qd_rng_below(g, 512) * size;
		va = pt_canonical(f, va & (((uint64_t)1 << f->va_bits) - 1));
	}
	if (lvl == 2) {
#ifdef __x86_64__
		/* The 1 GiB of RAM at 1 GiB, or the one at 4 GiB (only its start is RAM). */
		pa = qd_rng_chance(g, 4, 5) ? QD_GIG_FRAME : QD_HIGH_RAM;
#else
		return;
#endif
	} else {
		high = !is_legacy(f) && qd_high_ram_usable() && qd_rng_chance(g, 3, 20);
		pa = pick_frame(g, size, high);
	}
	map_pa = pa;
	if (pt_map(&r->pt, va, map_pa, size, perms, r->pse || !is_legacy(f) ? 0 : PT_MAP_4K) !=
	    PT_OK)
		return;
	if (is_legacy(f) && lvl == 1) {
		/* PSE-36: PDE bits 20:13 are PA bits 39:32. Mostly 1 (RAM at 4 GiB). */
		uint64_t hi = 0;
		struct pt_slot s;

		if (qd_rng_chance(g, 1, 3))
			hi = 1;
		else if (qd_rng_chance(g, 1, 8))
			hi = 1 + qd_rng_below(g, 255);
		if (hi && pt_walk(&r->pt, va, 0, &s) == PT_OK) {
			qd_entry_write(r, s.entry_pa, s.pte | (hi << 13));
			r->pokes++;
			pa |= hi << 32;
		}
	}
	r->leaf[r->nleaves++] = (struct qd_leaf){va, pa, size, lvl};
}

/* One entry of a random path, before any poke: what it is. */
struct entry {
	uint64_t pa;
	int level;
	bool leaf;
};

static uint64_t random_bit(struct qd_rng *g, unsigned lo, unsigned hi)
{
	return (uint64_t)1 << (lo + qd_rng_below(g, hi - lo + 1));
}

static void poke(struct qd_round *r, uint64_t pa, uint64_t set, uint64_t clear)
{
	uint64_t v = qd_entry_read(r, pa), nv = (v & ~clear) | set;

	if (nv != v) {
		qd_entry_write(r, pa, nv);
		r->pokes++;
	}
}

static void poke_entry(struct qd_round *r, struct qd_rng *g, const struct entry *e)
{
	const struct pt_format *f = r->fmt;
	bool legacy = is_legacy(f), pae = is_pae(f), ia32e = f->sign_extended;
	unsigned m = qd_cpu.maxphyaddr;
	uint64_t size = pt_level_size(f, (unsigned)e->level);

	if (pae && e->level == f->levels - 1) {
		/* A PAE PDPTE: QEMU reads it at every walk and checks 63, 62:52, 51:M only. */
		if (qd_rng_chance(g, 1, 3))
			poke(r, e->pa, qd_rng_next(g) & 0x1e6ull, 0);
		if (qd_rng_chance(g, 1, 6))
			poke(r, e->pa, qd_rng_next(g) & 0xe18ull, 0);
		if (qd_rng_chance(g, 1, 12))
			poke(r, e->pa, E_XD, 0);
		if (qd_rng_chance(g, 1, 16))
			poke(r, e->pa, random_bit(g, 52, 62), 0);
		if (m < 52 && qd_rng_chance(g, 1, 16))
			poke(r, e->pa, random_bit(g, m, 51), 0);
		return;
	}
	if (!e->leaf) {
		if (qd_rng_chance(g, 1, 8))
			poke(r, e->pa, 0, E_RW);
		if (qd_rng_chance(g, 1, 8))
			poke(r, e->pa, 0, E_US);
		if (!legacy && qd_rng_chance(g, 1, 8))
			poke(r, e->pa, E_XD, 0);
		if (qd_rng_chance(g, 2, 5))
			poke(r, e->pa, E_A, 0);
		if (qd_rng_chance(g, 1, 6))
			poke(r, e->pa, qd_rng_next(g) & 0xf58ull, 0); /* 3,4,6,8,9-11: ignored */
		if (ia32e && qd_rng_chance(g, 1, 12))
			poke(r, e->pa, qd_rng_next(g) & (0x7full << 52), 0);
		if (legacy && !r->pse && qd_rng_chance(g, 1, 3))
			poke(r, e->pa, E_PS, 0); /* ignored while CR4.PSE=0 */
		if (qd_rng_chance(g, 1, 10)) {
			switch (qd_rng_below(g, 4)) {
			case 0:
				if (!legacy && m < 52)
					poke(r, e->pa, random_bit(g, m, 51), 0);
				break;
			case 1:
				if (ia32e && e->level >= 3)
					poke(r, e->pa, E_PS, 0); /* PS in a PML4E / PML5E */
				break;
			case 2:
				if (pae)
					poke(r, e->pa, random_bit(g, 52, 62), 0);
				break;
			default:
				poke(r, e->pa, 0, E_P);
				break;
			}
		}
		return;
	}
	/* A leaf. */
	if (qd_rng_chance(g, 1, 10))
		poke(r, e->pa, e->level == 0 ? 0x80ull : 0x1000ull, 0); /* PAT */
	if (ia32e && qd_rng_chance(g, 1, 12))
		poke(r, e->pa, qd_rng_next(g) & (0x7full << 52), 0);
	if (ia32e && qd_rng_chance(g, 1, 2))
		poke(r, e->pa, qd_rng_below(g, 16) << 59, 0xfull << 59); /* protection key */
	if (qd_rng_chance(g, 1, 10)) {
		switch (qd_rng_below(g, 4)) {
		case 0:
			if (!legacy && m < 52)
				poke(r, e->pa, random_bit(g, m, 51), 0);
			break;
		case 1:
			if (e->level > 0) {
				unsigned shift = f->shift[e->level];

				poke(r, e->pa,
				     legacy ? (1ull << 21) : random_bit(g, 13, shift - 1), 0);
			}
			break;
		case 2:
			if (pae)
				poke(r, e->pa, random_bit(g, 52, 62), 0);
			break;
		default:
			poke(r, e->pa, 0, E_P);
			break;
		}
	}
	(void)size;
}

void qd_round_build(struct qd_round *r, const struct pt_format *f, bool pse, struct qd_rng *g)
{
	unsigned harness = PT_R | PT_W | PT_X | PT_A | PT_D;
	unsigned user = PT_R | PT_U | PT_A | PT_D;
	bool legacy = is_legacy(f);
	static struct entry ent[QD_MAX_LEAVES * QD_MAX_PATH];
	unsigned nent = 0;

	pool_next = QD_TABLE_POOL;
	pool_tables = 0;
	r->fmt = f;
	r->pse = legacy ? pse : true;
	r->nleaves = 0;
	r->pokes = 0;
	r->nslots = 1u << f->index_bits[f->levels - 1];
	r->first_slot = legacy ? (unsigned)((QD_USER_CODE_VA >> 22) + 1) : 1;
	if (pt_init(&r->pt, f, &qd_mem) != PT_OK)
		qd_panic("pt_init");

	/* 1. The harness region. */
	if (pt_map(&r->pt, 0, 0, QD_IDENT_END, harness, r->pse ? 0 : PT_MAP_4K) != PT_OK)
		qd_panic("harness identity map");
#ifdef __x86_64__
	if (pt_map(&r->pt, QD_HIGH_RAM, QD_HIGH_RAM, QD_HIGH_SIZE, harness, 0) != PT_OK)
		qd_panic("harness high map");
#endif
	if (pt_map(&r->pt, QD_USER_CODE_VA, (uintptr_t)qd_usertext_start, PT_PAGE_SIZE,
		   user | PT_X, 0) != PT_OK ||
	    pt_map(&r->pt, QD_USER_STACK_VA, (uintptr_t)qd_ustack, PT_PAGE_SIZE,
		   user | PT_W | PT_X, 0) != PT_OK) /* no XD anywhere: NXE may be 0 */
		qd_panic("harness user pages");
	r->harness_end = pool_next;

	/* 2. Random leaves: 4 KiB in the clusters, larger ones near them or anywhere. */
	r->nclusters = 1 + (unsigned)qd_rng_below(g, 4);
	for (unsigned i = 0; i < r->nclusters; i++)
		r->cluster[i] = random_cluster(r, g);
	for (unsigned i = 0; i < 40; i++)
		add_leaf(r, g, 0);
	if (r->pse)
		for (unsigned i = 0; i < 16; i++)
			add_leaf(r, g, 1);
	if (f->sign_extended)
		for (unsigned i = 0; i < 8; i++)
			add_leaf(r, g, 2);

	/* 3. Pokes, on every entry of every random path (each once). */
	for (unsigned i = 0; i < r->nleaves; i++) {
		uint64_t pa[QD_MAX_PATH];
		int level[QD_MAX_PATH];
		unsigned n = qd_path(r, r->leaf[i].va, r->pse, pa, level);

		for (unsigned k = 0; k < n; k++) {
			bool seen = false;

			for (unsigned j = 0; j < nent && !seen; j++)
				seen = ent[j].pa == pa[k];
			if (!seen)
				ent[nent++] = (struct entry){pa[k], level[k], k == n - 1};
		}
	}
	for (unsigned j = 0; j < nent; j++)
		poke_entry(r, g, &ent[j]);
	/* Non-present garbage in empty slots of the tables met (root: random region only). */
	for (unsigned j = 0; j < nent; j++) {
		uint64_t tbytes = pt_table_bytes(f, (unsigned)ent[j].level);
		uint64_t table = ent[j].pa & ~(tbytes - 1);
		unsigned slots = (unsigned)(tbytes / f->pte_size);
		bool root = ent[j].level == f->levels - 1;
		uint64_t slot, pa;

		if (!qd_rng_chance(g, 1, 2))
			continue;
		slot = root ? random_slot(r, g) : qd_rng_below(g, slots);
		pa = table + slot * f->pte_size;
		if (qd_entry_read(r, pa) == 0) {
			uint64_t junk = qd_rng_next(g) & ~E_P;

			qd_entry_write(r, pa, legacy ? (uint32_t)junk : junk);
			r->pokes++;
		}
	}
	r->tables = pool_tables;
	r->pool_end = pool_next;
}

bool qd_round_snapshot(const struct qd_round *r)
{
	if (r->pool_end - QD_TABLE_POOL > QD_TABLE_POOL - QD_SHADOW)
		return false;
	for (uint64_t pa = QD_TABLE_POOL; pa < r->pool_end; pa += 4)
		*(volatile uint32_t *)qd_phys_ptr(QD_SHADOW + (pa - QD_TABLE_POOL)) =
			*(volatile uint32_t *)qd_phys_ptr(pa);
	return true;
}

/* The harness's own tables (and root slots) are left out: QEMU sets A bits there as the
 * harness runs. Everything a probe can walk is compared. */
unsigned qd_round_stray(const struct qd_round *r, uint64_t *first)
{
	const struct pt_format *f = r->fmt;
	unsigned n = 0, esz = f->pte_size;
	uint64_t root_end = r->pt.root + pt_table_bytes(f, f->levels - 1);

	for (uint64_t pa = QD_TABLE_POOL; pa < r->pool_end; pa += esz) {
		bool random_root = pa >= r->pt.root + (uint64_t)r->first_slot * esz &&
				   pa < root_end;

		if (pa < r->harness_end && !random_root)
			continue;
		if (qd_entry_read(r, pa) != qd_entry_read(r, QD_SHADOW + (pa - QD_TABLE_POOL))) {
			if (!n)
				*first = pa;
			n++;
		}
	}
	return n;
}
