/*
 * The x86 differential check: for every paging format of this image, rounds of random tables
 * (gen.c) and thousands of probe accesses, each run on the real (QEMU) processor and computed
 * by lib/mmu (MMU_MODEL_QEMU72) from the same registers and the same table contents:
 *
 *   1. choose the probe: address, access (read/write/fetch), CPL 0 or 3, CR0.WP, CR4.SMEP/
 *      SMAP/PKE/PKS (and PSE), EFLAGS.AC, EFER.NXE, PKRU/PKRS -- as the CPU model allows;
 *   2. set those registers on the processor; copy CR0/CR3/CR4/EFER back into a struct mmu
 *      through the mmu_x86_write_* functions, plus CPL, EFLAGS, PKRU, PKRS;
 *   3. save the entries of the walk's path, translate with the model (which sets A/D in the
 *      tables), keep what the entries became, and put the saved values back;
 *   4. if the model says the access works, write the PA's pattern there (qd_pattern);
 *   5. CR2 := sentinel, reload CR3 (QEMU flushes its whole TLB), run the access
 *      (entry*.S), catching #PF/#GP in the IDT;
 *   6. compare: success or fault, vector, #PF error code, CR2, the value read / the frame
 *      written / what the fetched code returned, and every entry of the path; then restore.
 *
 * Output: one line per mismatch (the first report=N of each kind, default 4) with the entries, one summary
 * line per format "qemu-diff <format>: N probes, M mismatches ...", then "qemu-diff: PASS" or
 * "qemu-diff: FAIL"; exit through isa-debug-exit with 0 only if nothing disagreed (QEMU exit
 * status 1), 1 on mismatches (status 3), 2 on a harness failure (status 5).
 * Command line (multiboot, -append): seed=N rounds=N probes=N report=N verbose=1|2, and
 * model=0 to compare against MMU_MODEL_SPEC instead (a negative control: it must disagree).
 */
#include "qd_x86.h"

/* ---- console and exit ---------------------------------------------------------------------- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_putc(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		serial_putc(ctx, '\r');
	while (!(inb(0x3f8 + 5) & 0x20))
		;
	outb(0x3f8, (uint8_t)c);
}

void qd_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qd_vformat(serial_putc, 0, fmt, ap);
	va_end(ap);
}

_Noreturn void qd_exit(unsigned code)
{
	for (;;) {
		outb(0xf4, (uint8_t)code);
		__asm__ volatile("hlt");
	}
}

_Noreturn void qd_panic(const char *what)
{
	qd_printf("qemu-diff x86: harness failure: %s\nqemu-diff: FAIL\n", what);
	qd_exit(2);
}

/* An exception outside a probe: the harness itself is broken. */
void qd_fatal_trap(const unsigned long *frame);
void qd_fatal_trap(const unsigned long *frame)
{
	qd_printf("qemu-diff x86: unexpected exception %lu, error 0x%lx at 0x%lx, cr2 0x%lx\n",
		  frame[0], frame[1], frame[2], qd_read_cr2());
	qd_panic("exception outside a probe");
}

/* ---- settings ------------------------------------------------------------------------------ */

static struct {
	uint64_t seed, rounds, probes, report, verbose, model;
} cfg = {1, 32, 250, 4, 0, MMU_MODEL_QEMU72};

static void parse_cmdline(uint32_t mbi)
{
	const uint32_t *info = (const uint32_t *)(uintptr_t)mbi;
	const char *cmd;

	if (!mbi || !(info[0] & 4) || !info[4])
		return;
	cmd = (const char *)(uintptr_t)info[4];
	size_t len = qd_strlen(cmd);

	qd_parse_u64(cmd, len, "seed", &cfg.seed);
	qd_parse_u64(cmd, len, "rounds", &cfg.rounds);
	qd_parse_u64(cmd, len, "probes", &cfg.probes);
	qd_parse_u64(cmd, len, "report", &cfg.report);
	qd_parse_u64(cmd, len, "verbose", &cfg.verbose);
	qd_parse_u64(cmd, len, "model", &cfg.model);
}

/* ---- one probe ----------------------------------------------------------------------------- */

#define EFLAGS_AC 0x40000ul
#ifdef __x86_64__
#define CR2_SENTINEL 0xc2c2c2c2c2c2c2c0ul
#else
#define CR2_SENTINEL 0xc2c2c2c0ul
#endif

/* Mismatch categories, in the order they are checked. */
enum why {
	WHY_OUTCOME,   /* success vs #PF vs #GP */
	WHY_PF_ERR,    /* #PF error code */
	WHY_CR2,       /* CR2 after a #PF or #GP */
	WHY_GP_ERR,    /* #GP error code */
	WHY_VALUE,     /* the value read, or what the fetched code returned */
	WHY_MEMORY,    /* the word written */
	WHY_AD,        /* an entry of the path afterwards (A/D bits) */
	WHY_MODEL,     /* lib/mmu returned a status x86 has not */
	WHY_STRAY,     /* an entry off every probe's path changed during a round */
	WHY_COUNT
};
static const char *const why_name[WHY_COUNT] = {
	"outcome", "#PF error code", "CR2", "#GP error code", "value", "memory written",
	"A/D bits", "model status", "stray table write",
};

struct fstats {
	uint64_t probes, mismatches, ok, pf, gp, rsvd, unchecked, skipped;
	uint64_t by_why[WHY_COUNT];
	/* coverage */
	uint64_t ok_size[4];        /* 4 KiB, 2 MiB, 4 MiB, 1 GiB */
	uint64_t ok_access[3], ok_cpl3;
	uint64_t ec_bit[6];         /* #PF error-code bits P W U RSVD I/D PK */
	uint64_t ad_writes;         /* probes after which some path entry had changed */
};

/* What happened, model or processor. */
struct outcome {
	int kind;            /* 0 ok, 1 #PF, 2 #GP, 3 another exception */
	unsigned long vector, err, cr2, ip;
	uint64_t value;      /* read: the 8 bytes; fetch: what the code returned; write: the word
				at the PA afterwards */
	bool value_known;
};

struct probe {
	unsigned round, index;
	uint64_t va;
	unsigned access;     /* MMU_LOAD / MMU_STORE / MMU_FETCH */
	struct qd_state s;
	unsigned long flags; /* EFLAGS */
	uint64_t wval;
	unsigned npath;
	uint64_t path[QD_MAX_PATH];
	int level[QD_MAX_PATH];
	uint64_t before[QD_MAX_PATH], model[QD_MAX_PATH], real[QD_MAX_PATH];
	struct mmu_result res;
	struct outcome exp, act;
	uint64_t model_cr0, model_cr3, model_cr4, model_efer;
};

static const char *access_name(unsigned a)
{
	return a == MMU_STORE ? "write" : a == MMU_FETCH ? "fetch" : "read";
}

static bool in_harness(const struct qd_round *r, uint64_t va)
{
	const struct pt_format *f = r->fmt;
	unsigned top = f->levels - 1;

	if (!f->sign_extended && (va >> 32))
		return true;
	return ((va >> f->shift[top]) & ((1u << f->index_bits[top]) - 1u)) < r->first_slot;
}

static bool canonical(const struct pt_format *f, uint64_t va)
{
	uint64_t top = va >> (f->va_bits - 1);

	return top == 0 || top == (~(uint64_t)0 >> (f->va_bits - 1));
}

static uint64_t pick_va(const struct qd_round *r, struct qd_rng *g)
{
	const struct pt_format *f = r->fmt;
	uint64_t off = qd_rng_below(g, 512) * 8, va;
	const struct qd_leaf *l = r->nleaves ? &r->leaf[qd_rng_below(g, r->nleaves)] : 0;
	unsigned c = (unsigned)qd_rng_below(g, 100);

	if (l && c < 70) {
		uint64_t span = l->size;

		/* 1 GiB at 4 GiB: mostly where there is RAM. */
		if (l->pa >= QD_HIGH_RAM && span > QD_HIGH_SIZE && qd_rng_chance(g, 4, 5))
			span = QD_HIGH_SIZE;
		va = l->va + qd_rng_below(g, span / PT_PAGE_SIZE) * PT_PAGE_SIZE + off;
	} else if (l && c < 80) {
		uint64_t d = qd_rng_chance(g, 1, 2) ? (1 + qd_rng_below(g, 8)) * PT_PAGE_SIZE
						     : l->size;

		va = (qd_rng_chance(g, 1, 2) ? l->va + l->size - PT_PAGE_SIZE + d : l->va - d) + off;
	} else if (c < 90) {
		va = r->cluster[qd_rng_below(g, r->nclusters)] +
		     qd_rng_below(g, MB(16) / PT_PAGE_SIZE) * PT_PAGE_SIZE + off;
	} else {
		unsigned top = f->levels - 1;
		uint64_t slot = r->first_slot + qd_rng_below(g, r->nslots - r->first_slot);

		va = (slot << f->shift[top]) |
		     (qd_rng_next(g) & (pt_level_size(f, top) - 1) & ~(uint64_t)7);
		va = pt_canonical(f, va);
	}
	if (!f->sign_extended)
		va = (uint32_t)va;
	else if (!canonical(f, va))
		va = pt_canonical(f, va & (((uint64_t)1 << f->va_bits) - 1));
	if (in_harness(r, va)) /* never probe the harness's own memory */
		va = pt_canonical(f, ((uint64_t)r->first_slot << f->shift[f->levels - 1]) | off);
	/* Non-canonical: flip one bit from the top translated bit up. */
	if (f->sign_extended && qd_rng_chance(g, 1, 20))
		va ^= (uint64_t)1 << (f->va_bits - 1 + qd_rng_below(g, 64 - f->va_bits + 1));
	return va;
}

static void pick_state(const struct qd_round *r, struct qd_rng *g, struct qd_state *s)
{
	bool legacy = r->fmt->pte_size == 4;

	s->cpl = qd_rng_chance(g, 1, 2) ? 3 : 0;
	s->wp = qd_rng_chance(g, 1, 2);
	s->smep = qd_cpu.smep && qd_rng_chance(g, 1, 2);
	s->smap = qd_cpu.smap && qd_rng_chance(g, 1, 2);
	s->ac = qd_rng_chance(g, 1, 2);
	s->nxe = qd_cpu.nx && (legacy ? qd_rng_chance(g, 1, 2) : qd_rng_chance(g, 5, 6));
	s->pse = legacy ? r->pse : qd_cpu.pse && qd_rng_chance(g, 1, 2);
	s->pke = qd_cpu.pku && qd_rng_chance(g, 1, 3);
	/* Keys 0 stay open: the harness's own pages have key 0. */
	s->pkru = s->pke ? (uint32_t)qd_rng_next(g) & ~3u : 0;
	s->pks = qd_cpu.pks && qd_rng_chance(g, 1, 4);
	s->pkrs = s->pks ? (uint32_t)qd_rng_next(g) & ~3u : 0;
}

/*
 * Where the walk's last entry points if it is read as a leaf, ignoring rights and reserved
 * bits: the address a processor that disagrees with the model on a check would reach.
 * Returns false when the walk did not end at a present leaf-like entry.
 */
static bool structural_pa(const struct qd_round *r, const struct probe *p, uint64_t *pa)
{
	const struct pt_format *f = r->fmt;
	uint64_t e, size;
	int lvl;

	if (!p->npath)
		return false;
	lvl = p->level[p->npath - 1];
	e = p->before[p->npath - 1];
	if (!(e & 1))
		return false;
	if (lvl > 0 && (!(e & 0x80) || !(f->leaf_levels & (1u << lvl)) ||
			(f->pte_size == 4 && !p->s.pse)))
		return false; /* a pointer (the walk left the pool), or PS where it means nothing */
	size = pt_level_size(f, (unsigned)lvl);
	if (f->pte_size == 4)
		*pa = (e & 0xfffff000ull & ~(size - 1)) |
		      (lvl ? ((e >> 13) & 0xffull) << 32 : 0) | ((uint32_t)p->va & (size - 1));
	else
		*pa = (e & 0x000ffffffffff000ull & ~(size - 1)) | (p->va & (size - 1));
	return true;
}

/* Whether the harness may put the pattern at pa (RAM it reaches, not its own memory). */
static bool pattern_ok(uint64_t pa)
{
	return qd_phys_is_ram(pa) && pa >= QD_FRAME_POOL;
}

static void path_read(const struct qd_round *r, const struct probe *p, uint64_t *out)
{
	for (unsigned i = 0; i < p->npath; i++)
		out[i] = qd_entry_read(r, p->path[i]);
}

static void path_restore(const struct qd_round *r, const struct probe *p)
{
	for (unsigned i = 0; i < p->npath; i++)
		qd_entry_write(r, p->path[i], p->before[i]);
}

static void print_outcome(const struct probe *p, const struct outcome *o)
{
	switch (o->kind) {
	case 0:
		if (p->access == MMU_STORE)
			qd_printf("ok");
		else
			qd_printf("ok value 0x%llx", (unsigned long long)o->value);
		if (o == &p->exp)
			qd_printf(" (pa 0x%llx, %llu-byte page%s)", (unsigned long long)p->res.pa,
				  (unsigned long long)p->res.page_size,
				  o->value_known ? "" : ", value not checked: no RAM there");
		else if (p->access == MMU_STORE && o->value_known)
			qd_printf(", word at the expected pa afterwards 0x%llx",
				  (unsigned long long)o->value);
		break;
	case 1:
		qd_printf("#PF error 0x%lx cr2 0x%lx", o->err, o->cr2);
		break;
	case 2:
		qd_printf("#GP error 0x%lx cr2 0x%lx%s", o->err, o->cr2,
			  o->cr2 == CR2_SENTINEL ? " (unchanged)" : "");
		break;
	default:
		qd_printf("exception %lu error 0x%lx", o->vector, o->err);
		break;
	}
	if (o == &p->act && o->kind)
		qd_printf(" (at ip 0x%lx)", o->ip);
	qd_printf("\n");
}

static void report(const struct qd_round *r, const struct probe *p, const char *why)
{
	const struct qd_state *s = &p->s;

	qd_printf("MISMATCH %s seed=0x%llx round=%u probe=%u: %s va=0x%llx cpl=%u wp=%d smep=%d "
		  "smap=%d ac=%d nxe=%d pse=%d pke=%d pkru=0x%x pks=%d pkrs=0x%x (%s)\n",
		  r->fmt->name, (unsigned long long)cfg.seed, p->round, p->index,
		  access_name(p->access), (unsigned long long)p->va, s->cpl, s->wp, s->smep, s->smap,
		  s->ac, s->nxe, s->pse, s->pke, s->pkru, s->pks, s->pkrs, why);
	qd_printf("    registers: cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx maxphyaddr=%u\n",
		  (unsigned long long)p->model_cr0, (unsigned long long)p->model_cr3,
		  (unsigned long long)p->model_cr4, (unsigned long long)p->model_efer,
		  qd_cpu.maxphyaddr);
	qd_printf("    expected (lib/mmu, model %s): ",
		  mmu_model_name((enum mmu_model)cfg.model));
	print_outcome(p, &p->exp);
	qd_printf("    actual (QEMU): ");
	print_outcome(p, &p->act);
	for (unsigned i = 0; i < p->npath; i++)
		qd_printf("    level %d entry @0x%llx: before 0x%llx expected 0x%llx actual 0x%llx%s\n",
			  p->level[i], (unsigned long long)p->path[i],
			  (unsigned long long)p->before[i], (unsigned long long)p->model[i],
			  (unsigned long long)p->real[i], p->model[i] != p->real[i] ? "  <--" : "");
	if (p->exp.kind)
		qd_printf("    model: fault at level %d, entry @0x%llx = 0x%llx\n", p->res.level,
			  (unsigned long long)p->res.pte_pa, (unsigned long long)p->res.pte);
}

static void run_probe(const struct qd_round *r, struct mmu *m, struct qd_rng *g,
		      struct fstats *st, unsigned round, unsigned index)
{
	static struct probe pr;
	struct probe *p = &pr;
	struct qd_probe_io io;
	static const unsigned access[3] = {MMU_LOAD, MMU_STORE, MMU_FETCH};
	static const unsigned long kind[3] = {QD_KIND_READ, QD_KIND_WRITE, QD_KIND_FETCH};
	static char *const user_entry[3] = {qd_user_read, qd_user_write, qd_user_fetch};
	unsigned a;
	bool checkable = false;
	int why = -1;
	uint64_t spa = 0;
	bool have_spa;

	p->round = round;
	p->index = index;
	p->va = pick_va(r, g);
	a = (unsigned)qd_rng_below(g, 3);
	p->access = access[a];
	pick_state(r, g, &p->s);
	p->flags = 0x2 | (p->s.ac ? EFLAGS_AC : 0);
	p->wval = ((uint64_t)0x5e7 << 52) | ((uint64_t)(round * 100000u + index) << 8) | 0x57;

	/* 2. The processor's registers, then the model's copy of them. */
	qd_apply_state(&p->s);
	p->model_cr0 = qd_read_cr0();
	p->model_cr3 = qd_read_cr3();
	p->model_cr4 = qd_read_cr4();
#ifdef __x86_64__
	p->model_efer = qd_rdmsr(QD_MSR_EFER);
#else
	p->model_efer = qd_cpu.nx ? qd_rdmsr(QD_MSR_EFER) : 0;
#endif
	if (mmu_x86_write_efer(m, p->model_efer) != MMU_OK ||
	    mmu_x86_write_cr4(m, p->model_cr4) != MMU_OK ||
	    mmu_x86_write_cr0(m, p->model_cr0) != MMU_OK ||
	    mmu_x86_write_cr3(m, p->model_cr3) != MMU_OK || m->fmt != r->fmt) {
		/* The processor took these writes; the model refused one or chose another
		 * mode (MMU_MODEL_SPEC: #GP on a PAE PDPTE with reserved bits, say). */
		st->probes++;
		st->mismatches++;
		if (st->by_why[WHY_MODEL]++ < cfg.report)
			qd_printf("MISMATCH %s seed=0x%llx round=%u probe=%u: lib/mmu refused the "
				  "register writes cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx "
				  "(format %s) that the processor took (model status)\n",
				  r->fmt->name, (unsigned long long)cfg.seed, round, index,
				  (unsigned long long)p->model_cr0, (unsigned long long)p->model_cr3,
				  (unsigned long long)p->model_cr4, (unsigned long long)p->model_efer,
				  m->fmt ? m->fmt->name : "none");
		mmu_init(m, MMU_ARCH_X86, m->model, &qd_mem);
		m->x86.maxphyaddr = (uint8_t)qd_cpu.maxphyaddr;
		m->x86.page1gb = qd_cpu.page1gb;
		return;
	}
	m->x86.cpl = p->s.cpl;
	m->x86.eflags = p->flags;
	m->x86.pkru = p->s.pkru;
	m->x86.pkrs = p->s.pkrs;

	/* 3. The model, on the tables as they are; then the tables put back. */
	p->npath = qd_path(r, p->va, p->s.pse, p->path, p->level);
	path_read(r, p, p->before);
	mmu_translate(m, p->va, p->access | MMU_NO_TLB, &p->res);
	path_read(r, p, p->model);
	path_restore(r, p);
	have_spa = structural_pa(r, p, &spa);
	if (p->access == MMU_FETCH &&
	    (p->res.status == MMU_OK ? !qd_phys_is_ram(p->res.pa)
				     : !have_spa || !pattern_ok(spa))) {
		/* No code can be put where there is no RAM (a PSE-36 page beyond it, say), and
		 * the processor would run whatever is there if it disagreed with the model.
		 * Probe a read instead. */
		a = 0;
		p->access = MMU_LOAD;
		mmu_translate(m, p->va, p->access | MMU_NO_TLB, &p->res);
		path_read(r, p, p->model);
		path_restore(r, p);
	}

	p->exp = (struct outcome){0, 0, 0, 0, 0, 0, false};
	switch (p->res.status) {
	case MMU_OK:
		p->exp.kind = 0;
		if (qd_phys_is_ram(p->res.pa)) {
			if (p->res.pa < QD_FRAME_POOL) {
				/* Never let a probe touch the harness or the tables. */
				st->skipped++;
				qd_printf("qemu-diff x86: %s round %u probe %u: model maps va 0x%llx "
					  "to harness memory 0x%llx; skipped\n", r->fmt->name, round,
					  index, (unsigned long long)p->va,
					  (unsigned long long)p->res.pa);
				return;
			}
			checkable = true;
			qd_phys_write64(p->res.pa, qd_pattern(p->res.pa));
		}
		p->exp.value_known = checkable;
		if (p->access == MMU_LOAD)
			p->exp.value = qd_pattern(p->res.pa);
		else if (p->access == MMU_FETCH)
			p->exp.value = (uint32_t)(p->res.pa >> 3);
#ifdef __x86_64__
		else
			p->exp.value = p->wval;
#else
		else
			p->exp.value = (qd_pattern(p->res.pa) & 0xffffffff00000000ull) |
				       (uint32_t)p->wval;
#endif
		break;
	case MMU_PAGE_FAULT:
		p->exp.kind = 1;
		p->exp.vector = MMU_VEC_PF;
		p->exp.err = p->res.error_code;
		p->exp.cr2 = (unsigned long)p->res.tval;
		break;
	case MMU_GP_FAULT:
		p->exp.kind = 2;
		p->exp.vector = MMU_VEC_GP;
		p->exp.err = p->res.error_code;
		p->exp.cr2 = p->res.cr2_written ? (unsigned long)p->res.tval : CR2_SENTINEL;
		break;
	default:
		p->exp.kind = 3;
		break;
	}

	/* Code at the structural target too, so that a disagreeing processor returns at once. */
	if (have_spa && pattern_ok(spa) && (p->res.status != MMU_OK || spa != p->res.pa))
		qd_phys_write64(spa, qd_pattern(spa));

	/* 5. The access on the processor. */
	io = (struct qd_probe_io){0};
	io.va = (unsigned long)p->va;
	io.wval = (unsigned long)p->wval;
	io.kind = kind[a];
	io.flags = p->flags;
	if (p->s.cpl == 3) {
		io.user_ip = (unsigned long)(QD_USER_CODE_VA + (uint64_t)(user_entry[a] -
									   qd_usertext_start));
		io.user_sp = (unsigned long)(QD_USER_STACK_VA + PT_PAGE_SIZE - 64);
	}
	qd_write_cr2(CR2_SENTINEL);
	qd_write_cr3((unsigned long)p->model_cr3);
	qd_probe_asm(&io);

	/* 6. What happened. */
	path_read(r, p, p->real);
	p->act = (struct outcome){0, 0, 0, 0, 0, 0, false};
	if (io.trapped) {
		p->act.vector = io.vector;
		p->act.err = io.err;
		p->act.cr2 = io.cr2;
		p->act.ip = io.ip;
		p->act.kind = io.vector == MMU_VEC_PF ? 1 : io.vector == MMU_VEC_GP ? 2 : 3;
	} else if (p->access == MMU_STORE) {
		if (checkable && p->exp.kind == 0) {
			p->act.value = qd_phys_read64(p->res.pa);
			p->act.value_known = true;
		}
	} else {
		p->act.value = io.out0;
#ifndef __x86_64__
		if (p->access == MMU_LOAD)
			p->act.value |= (uint64_t)io.out1 << 32;
#endif
		p->act.value_known = true;
	}
	if (p->exp.kind == 0 && checkable && p->access == MMU_STORE)
		qd_phys_write64(p->res.pa, qd_pattern(p->res.pa));
	path_restore(r, p);

	/* Compare. */
	if (p->exp.kind == 3)
		why = WHY_MODEL;
	else if (p->exp.kind != p->act.kind)
		why = WHY_OUTCOME;
	else if (p->exp.kind == 1 && p->exp.err != p->act.err)
		why = WHY_PF_ERR;
	else if (p->exp.kind && p->exp.cr2 != p->act.cr2)
		why = WHY_CR2;
	else if (p->exp.kind == 2 && p->exp.err != p->act.err)
		why = WHY_GP_ERR;
	else if (p->exp.kind == 0 && checkable && p->exp.value != p->act.value)
		why = p->access == MMU_STORE ? WHY_MEMORY : WHY_VALUE;
	for (unsigned i = 0; why < 0 && i < p->npath; i++)
		if (p->model[i] != p->real[i])
			why = WHY_AD;

	st->probes++;
	if (p->exp.kind == 0) {
		uint64_t ps = p->res.page_size;

		st->ok++;
		if (!checkable)
			st->unchecked++;
		st->ok_size[ps == GB(1) ? 3 : ps == MB(4) ? 2 : ps == MB(2) ? 1 : 0]++;
		st->ok_access[a]++;
		st->ok_cpl3 += p->s.cpl == 3;
	} else if (p->exp.kind == 1) {
		st->pf++;
		if (p->exp.err & MMU_PF_RSVD)
			st->rsvd++;
		for (unsigned b = 0; b < 6; b++)
			st->ec_bit[b] += (p->exp.err >> b) & 1;
	} else if (p->exp.kind == 2) {
		st->gp++;
	}
	for (unsigned i = 0; i < p->npath; i++)
		if (p->model[i] != p->before[i]) {
			st->ad_writes++;
			break;
		}
	if (cfg.verbose)
		qd_printf("probe %s r%u p%u %s va=0x%llx cpl=%u -> exp %d/0x%lx act %d/0x%lx%s\n",
			  r->fmt->name, round, index, access_name(p->access),
			  (unsigned long long)p->va, p->s.cpl, p->exp.kind, p->exp.err, p->act.kind,
			  p->act.err, why >= 0 ? " MISMATCH" : "");
	if (cfg.verbose >= 2)
		for (unsigned i = 0; i < p->npath; i++)
			qd_printf("    level %d @0x%llx: 0x%llx -> 0x%llx / 0x%llx\n", p->level[i],
				  (unsigned long long)p->path[i], (unsigned long long)p->before[i],
				  (unsigned long long)p->model[i], (unsigned long long)p->real[i]);
	if (why >= 0) {
		st->mismatches++;
		if (st->by_why[why]++ < cfg.report)
			report(r, p, why_name[why]);
	}
}

/* ---- formats ------------------------------------------------------------------------------- */

static bool run_format(const struct pt_format *fmt, unsigned findex)
{
	static struct qd_round rd;
	struct fstats st = {0};
	struct mmu m;
	uint64_t pse0 = 0, tables = 0, pokes = 0, leaves = 0, nosnap = 0, first = 0;
	unsigned stray;
	bool snap;

	for (unsigned round = 0; round < cfg.rounds; round++) {
		struct qd_rng g;
		bool pse = true;

		qd_rng_seed(&g, qd_mix(cfg.seed ^ ((uint64_t)findex << 56) ^
				       ((uint64_t)round << 32)));
		if (fmt->pte_size == 4)
			pse = !qd_rng_chance(&g, 1, 4);
		qd_paging_home();
		qd_round_build(&rd, fmt, pse, &g);
		pse0 += !rd.pse;
		tables += rd.tables;
		pokes += rd.pokes;
		leaves += rd.nleaves;
		snap = qd_round_snapshot(&rd);
		qd_paging_enter(fmt, rd.pt.root, rd.pse);

		mmu_init(&m, MMU_ARCH_X86, (enum mmu_model)cfg.model, &qd_mem);
		m.x86.maxphyaddr = (uint8_t)qd_cpu.maxphyaddr;
		m.x86.page1gb = qd_cpu.page1gb;
		for (unsigned i = 0; i < cfg.probes; i++)
			run_probe(&rd, &m, &g, &st, round, i);

		/* Every probe put its path back: nothing else may have changed. */
		if (snap && (stray = qd_round_stray(&rd, &first)) != 0) {
			st.mismatches++;
			if (st.by_why[WHY_STRAY]++ < cfg.report)
				qd_printf("MISMATCH %s seed=0x%llx round=%u: %u entries of the random "
					  "region changed off the probes' paths (stray table write); "
					  "first @0x%llx: 0x%llx, was 0x%llx\n", fmt->name,
					  (unsigned long long)cfg.seed, round, stray,
					  (unsigned long long)first,
					  (unsigned long long)qd_entry_read(&rd, first),
					  (unsigned long long)qd_entry_read(
						  &rd, QD_SHADOW + (first - QD_TABLE_POOL)));
		}
		nosnap += !snap;
	}
	qd_paging_home();
	if (st.mismatches) {
		qd_printf("qemu-diff %s: mismatches by kind:", fmt->name);
		for (unsigned w = 0; w < WHY_COUNT; w++)
			if (st.by_why[w])
				qd_printf(" %s %llu;", why_name[w], (unsigned long long)st.by_why[w]);
		qd_printf(" (details of the first %llu of each kind above)\n",
			  (unsigned long long)cfg.report);
	}
	qd_printf("qemu-diff %s: coverage: ok by page 4K %llu 2M %llu 4M %llu 1G %llu; ok read "
		  "%llu write %llu fetch %llu, at CPL3 %llu; #PF error bits P %llu W %llu U %llu "
		  "RSVD %llu I/D %llu PK %llu; probes that set A/D %llu%s\n", fmt->name,
		  (unsigned long long)st.ok_size[0], (unsigned long long)st.ok_size[1],
		  (unsigned long long)st.ok_size[2], (unsigned long long)st.ok_size[3],
		  (unsigned long long)st.ok_access[0], (unsigned long long)st.ok_access[1],
		  (unsigned long long)st.ok_access[2], (unsigned long long)st.ok_cpl3,
		  (unsigned long long)st.ec_bit[0], (unsigned long long)st.ec_bit[1],
		  (unsigned long long)st.ec_bit[2], (unsigned long long)st.ec_bit[3],
		  (unsigned long long)st.ec_bit[4], (unsigned long long)st.ec_bit[5],
		  (unsigned long long)st.ad_writes,
		  nosnap ? "; some rounds too big for the stray-write check" : "");
	qd_printf("qemu-diff %s: %llu probes, %llu mismatches (expected: %llu ok, %llu #PF "
		  "[%llu RSVD], %llu #GP; %llu values unchecked (no RAM), %llu skipped; %llu "
		  "rounds%s, %llu leaves, %llu tables, %llu pokes)\n",
		  fmt->name, (unsigned long long)st.probes, (unsigned long long)st.mismatches,
		  (unsigned long long)st.ok, (unsigned long long)st.pf,
		  (unsigned long long)st.rsvd, (unsigned long long)st.gp,
		  (unsigned long long)st.unchecked, (unsigned long long)st.skipped,
		  (unsigned long long)cfg.rounds, fmt->pte_size == 4 ? (pse0 ? ", some CR4.PSE=0"
									      : "") : "",
		  (unsigned long long)leaves, (unsigned long long)tables,
		  (unsigned long long)pokes);
	return st.mismatches == 0 && st.skipped == 0;
}

void qd_main(uint32_t mbi);
void qd_main(uint32_t mbi)
{
	const struct qd_cpu *c = &qd_cpu;
	bool ok = true;

	parse_cmdline(mbi);
	qd_cpu_detect();
	qd_cpu_tables_init();
	qd_printf("qemu-diff x86: %s, maxphyaddr %u, nx %d pse %d pse36 %d pge %d smep %d smap %d "
		  "pku %d pks %d la57 %d page1gb %d; seed 0x%llx, %llu rounds x %llu probes per "
		  "format; model %s\n", c->vendor, c->maxphyaddr, c->nx, c->pse, c->pse36, c->pge, c->smep,
		  c->smap, c->pku, c->pks, c->la57, c->page1gb, (unsigned long long)cfg.seed,
		  (unsigned long long)cfg.rounds, (unsigned long long)cfg.probes,
		  mmu_model_name((enum mmu_model)cfg.model));
#ifdef __x86_64__
	ok &= run_format((qd_read_cr4() & 0x1000) ? &pt_format_x86_la57 : &pt_format_x86_64, 2);
#else
	if (!c->pse || !c->pae)
		qd_panic("the CPU model lacks PSE or PAE");
	qd_home_init();
	ok &= run_format(&pt_format_x86_32, 0);
	ok &= run_format(&pt_format_x86_pae, 1);
#endif
	qd_printf("qemu-diff: %s\n", ok ? "PASS" : "FAIL");
	qd_exit(ok ? 0 : 1);
}
