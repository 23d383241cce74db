/*
 * lib/vm as a kernel uses it: a seeded random simulation of up to SIM_PROCS processes on each
 * of Sv39, x86-64 and x86 32-bit. Processes fork (copy-on-write, sometimes a full copy), grow
 * (eagerly or lazily), shrink, write and read random user addresses through vm_copyout /
 * vm_copyin / vm_copyinstr, and exit. Each process's memory is shadowed in ordinary host
 * arrays (one optional 4 KiB page per user page; none means zeros): every byte a process reads
 * must be what it last wrote, or zero if it never wrote it; a forked child starts with its
 * parent's shadow.
 *
 * The simulated RAM is small, so allocations fail now and then. A call that fails with
 * PT_ENOMEM must leave the process as it was (grow and fork: the whole space unchanged; a copy
 * that ran out of memory part way: exactly the pages before the failing one written).
 * Every SIM_CHECK_EVERY steps the page tables are compared with the shadows without taking a
 * fault, and every frame's reference count is checked against the mappings of all processes.
 * At the end every process exits and every frame must be free again.
 *
 * Seeds are fixed per format; VMKIT_SEED=<number> overrides them (same seed for every format).
 * A failure prints the format, seed and step.
 */
#include "support/vmtest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define P VT_PAGE
#define SIM_PROCS 16
#define SIM_PAGES 1280u              /* user limit: 5 MiB, past a 4 MiB table span */
#define SIM_LIMIT (SIM_PAGES * P)
#define SIM_STEPS 15000u
#define SIM_RAM_FRAMES 400u          /* small enough to run out now and then */
#define SIM_CHECK_EVERY 250u

/* ---- random numbers (splitmix64) ----------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0; the bias is irrelevant here). */
static uint64_t below(struct rng *r, uint64_t n)
{
	return rnd(r) % n;
}

/* ---- processes and their shadows ------------------------------------------------------------ */

struct proc {
	bool live;
	struct vm_space s;
	uint8_t *shadow[SIM_PAGES]; /* NULL: the page reads as zeros */
};

struct counts {
	unsigned forks, cow_forks, full_forks, grows, lazy_grows, shrinks, writes, reads, strs,
		exits, enomem, efault, fork_enomem, grow_enomem, io_enomem;
};

struct sim {
	struct vt_env e;
	struct rng rng;
	const struct pt_format *f;
	struct proc p[SIM_PROCS];
	struct counts n;
	uint8_t buf[4 * 4096 + 64];
};

static uint64_t round_up(uint64_t x)
{
	return (x + P - 1) & ~(P - 1);
}

static void shadow_drop_from(struct proc *p, uint64_t first_page)
{
	for (uint64_t i = first_page; i < SIM_PAGES; i++) {
		free(p->shadow[i]);
		p->shadow[i] = 0;
	}
}

/* Byte va of the process as the shadow says. */
static uint8_t shadow_byte(const struct proc *p, va_t va)
{
	const uint8_t *page = p->shadow[va / P];

	return page ? page[va % P] : 0;
}

static void shadow_write(struct proc *p, va_t va, const uint8_t *src, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++) {
		uint64_t page = (va + i) / P;

		if (!p->shadow[page]) {
			p->shadow[page] = calloc(1, P);
			if (!p->shadow[page])
				abort();
		}
		p->shadow[page][(va + i) % P] = src[i];
	}
}

static void shadow_copy(struct proc *dst, const struct proc *src)
{
	for (uint64_t i = 0; i < SIM_PAGES; i++) {
		if (!src->shadow[i])
			continue;
		dst->shadow[i] = malloc(P);
		if (!dst->shadow[i])
			abort();
		memcpy(dst->shadow[i], src->shadow[i], P);
	}
}

/* Release everything, also when a failed assertion left the simulation half way. */
static void sim_release(void *arg)
{
	struct sim *sim = arg;

	for (unsigned i = 0; i < SIM_PROCS; i++)
		shadow_drop_from(&sim->p[i], 0);
	free(sim);
}

static unsigned live_count(const struct sim *sim)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SIM_PROCS; i++)
		n += sim->p[i].live;
	return n;
}

/* A random live process, or -1. */
static int pick_live(struct sim *sim)
{
	unsigned n = live_count(sim), k;

	if (!n)
		return -1;
	k = (unsigned)below(&sim->rng, n);
	for (unsigned i = 0; i < SIM_PROCS; i++)
		if (sim->p[i].live && k-- == 0)
			return (int)i;
	return -1;
}

static int free_slot(const struct sim *sim)
{
	for (unsigned i = 0; i < SIM_PROCS; i++)
		if (!sim->p[i].live)
			return (int)i;
	return -1;
}

/* Bytes of [va, va + len) that an access could reach before the first page that is not
 * mapped with U (and W for a write), as the page table stands now. */
static uint64_t reachable(const struct vm_space *s, va_t va, uint64_t len, bool write)
{
	uint64_t done = 0;

	while (done < len) {
		va_t cur = va + done;
		uint64_t n = P - (cur & (P - 1));
		struct pt_leaf l;

		if (!vt_leaf(s, cur, &l, 0) || !(l.perms & PT_U) || (write && !(l.perms & PT_W)))
			break;
		done += n < len - done ? n : len - done;
	}
	return done;
}

/* ---- checks ------------------------------------------------------------------------------- */

/* The page table of process i agrees with its shadow, looked at without taking faults. */
static void check_proc_raw(struct sim *sim, unsigned i)
{
	struct proc *p = &sim->p[i];
	uint64_t end = round_up(p->s.size) / P;
	uint8_t page[4096];
	static const uint8_t zero[4096];

	for (uint64_t pg = 0; pg < SIM_PAGES; pg++) {
		struct pt_leaf l;
		bool m = vt_leaf(&p->s, pg * P, &l, 0);

		if (pg >= end) {
			if (m)
				vt_fail(__FILE__, __LINE__,
					"process %u: page 0x%" PRIx64 " is mapped above size 0x%" PRIx64,
					i, pg * P, p->s.size);
			if (p->shadow[pg])
				vt_fail(__FILE__, __LINE__, "process %u: shadow kept above size", i);
			continue;
		}
		if (!m) {
			/* never touched: must be lazily reserved and read as zeros */
			if (p->shadow[pg])
				vt_fail(__FILE__, __LINE__,
					"process %u: written page 0x%" PRIx64 " is not mapped", i,
					pg * P);
			if (pg * P < p->s.lazy_from)
				vt_fail(__FILE__, __LINE__,
					"process %u: hole at 0x%" PRIx64 " below the lazy region 0x%" PRIx64,
					i, pg * P, p->s.lazy_from);
			continue;
		}
		if ((l.perms & (PT_R | PT_U)) != (PT_R | PT_U))
			vt_fail(__FILE__, __LINE__, "process %u: page 0x%" PRIx64 " has perms 0x%x", i,
				pg * P, l.perms);
		VT_TRUE(vt_peek(&p->s, pg * P, page, P));
		vt_check_mem(__FILE__, __LINE__, "page vs shadow", page,
			     p->shadow[pg] ? p->shadow[pg] : zero, P);
	}
}

static void check_all(struct sim *sim)
{
	struct vm_space *spaces[SIM_PROCS];

	for (unsigned i = 0; i < SIM_PROCS; i++) {
		spaces[i] = sim->p[i].live ? &sim->p[i].s : 0;
		if (sim->p[i].live)
			check_proc_raw(sim, i);
	}
	vt_check_frames(&sim->e, spaces, SIM_PROCS);
}

/* ---- operations --------------------------------------------------------------------------- */

static void op_spawn(struct sim *sim)
{
	int c = free_slot(sim);
	struct proc *p;
	uint8_t code[512];
	enum pt_err err;

	if (c < 0)
		return;
	p = &sim->p[c];
	err = vm_space_init(&p->s, &sim->e.env, sim->f, SIM_LIMIT);
	if (err == PT_ENOMEM) {
		sim->n.enomem++;
		return;
	}
	VT_OK(err);
	p->live = true;
	for (unsigned i = 0; i < sizeof(code); i++)
		code[i] = (uint8_t)rnd(&sim->rng);
	err = vm_load_first(&p->s, code, sizeof(code), VT_RW | PT_X);
	if (err == PT_ENOMEM) {
		sim->n.enomem++;
		VT_EQ(p->s.size, 0);
		VT_EQ(vt_leaves(&p->s.pt), 0);
		return;
	}
	VT_OK(err);
	shadow_write(p, 0, code, sizeof(code));
}

static void op_fork(struct sim *sim, int i)
{
	int c = free_slot(sim);
	struct proc *parent = &sim->p[i], *child;
	enum vm_copy_mode mode = below(&sim->rng, 5) == 0 ? VM_COPY_FULL : VM_COPY_COW;
	struct vt_snap snap;
	enum pt_err err;

	if (c < 0)
		return;
	child = &sim->p[c];
	err = vm_space_init(&child->s, &sim->e.env, sim->f, SIM_LIMIT);
	if (err == PT_ENOMEM) {
		sim->n.enomem++;
		return;
	}
	VT_OK(err);
	vt_snap_take(&snap, &sim->e, &parent->s);
	err = vm_copy(&child->s, &parent->s, mode);
	if (err == PT_ENOMEM) {
		sim->n.enomem++;
		sim->n.fork_enomem++;
		/* the parent is untouched; the child is empty again (and gets freed) */
		VT_UNCHANGED(&snap, &sim->e, &parent->s);
		VT_EQ(child->s.size, 0);
		VT_EQ(vt_leaves(&child->s.pt), 0);
		VT_EQ(vt_tables(&child->s.pt), 1);
		vm_space_free(&child->s);
		return;
	}
	vt_snap_free(&snap);
	VT_OK(err);
	VT_EQ(child->s.size, parent->s.size);
	child->live = true;
	shadow_copy(child, parent);
	sim->n.forks++;
	if (mode == VM_COPY_COW)
		sim->n.cow_forks++;
	else
		sim->n.full_forks++;
}

static void op_grow(struct sim *sim, int i)
{
	struct proc *p = &sim->p[i];
	bool lazy = below(&sim->rng, 2) == 0;
	uint64_t pages = lazy ? 1 + below(&sim->rng, 300) : 1 + below(&sim->rng, 8);
	uint64_t newsize = p->s.size + pages * P - below(&sim->rng, 2) * below(&sim->rng, P);
	struct vt_snap snap;
	enum pt_err err;

	if (newsize > SIM_LIMIT)
		newsize = SIM_LIMIT - below(&sim->rng, 2) * below(&sim->rng, P);
	if (newsize <= p->s.size)
		return;
	vt_snap_take(&snap, &sim->e, &p->s);
	err = vm_grow(&p->s, newsize, VT_RW, lazy ? VM_GROW_LAZY : 0);
	if (err == PT_ENOMEM && !lazy) {
		sim->n.enomem++;
		sim->n.grow_enomem++;
		VT_UNCHANGED(&snap, &sim->e, &p->s);
		return;
	}
	vt_snap_free(&snap);
	VT_OK(err);
	VT_EQ(p->s.size, newsize);
	sim->n.grows++;
	sim->n.lazy_grows += lazy;
}

static void op_shrink(struct sim *sim, int i)
{
	struct proc *p = &sim->p[i];
	uint64_t newsize;

	if (p->s.size == 0)
		return;
	if (below(&sim->rng, 3) == 0)
		newsize = below(&sim->rng, p->s.size + 1);
	else
		newsize = p->s.size - below(&sim->rng, p->s.size < 8 * P ? p->s.size + 1 : 8 * P);
	VT_OK(vm_shrink(&p->s, newsize));
	VT_EQ(p->s.size, newsize);
	shadow_drop_from(p, round_up(newsize) / P);
	sim->n.shrinks++;
}

/* A random range for an access: usually inside [0, round_up(size)), sometimes running past
 * it. Returns false if the process has no memory. */
static bool pick_range(struct sim *sim, struct proc *p, va_t *va, uint64_t *len)
{
	uint64_t end = round_up(p->s.size);
	uint64_t max = sizeof(sim->buf) - 64;

	if (end == 0)
		return false;
	*va = below(&sim->rng, end);
	switch (below(&sim->rng, 4)) {
	case 0:
		*len = 1 + below(&sim->rng, 16);
		break;
	case 1:
		*len = 1 + below(&sim->rng, P);
		break;
	default:
		*len = 1 + below(&sim->rng, max);
		break;
	}
	if (below(&sim->rng, 8) != 0 && *va + *len > end)
		*len = end - *va; /* most accesses stay inside */
	return true;
}

static void op_write(struct sim *sim, int i)
{
	struct proc *p = &sim->p[i];
	uint64_t end = round_up(p->s.size), len, ok;
	va_t va;
	enum pt_err err;

	if (!pick_range(sim, p, &va, &len))
		return;
	for (uint64_t k = 0; k < len; k++)
		sim->buf[k] = (uint8_t)rnd(&sim->rng);
	err = vm_copyout(&p->s, va, sim->buf, len);
	if (err == PT_OK) {
		VT_LE(va + len, end);
		ok = len;
	} else if (err == PT_EFAULT) {
		VT_LT(end, va + len); /* only running past the end may fault */
		ok = end - va;
		sim->n.efault++;
	} else {
		VT_ERR(err, PT_ENOMEM);
		ok = reachable(&p->s, va, len, true);
		VT_LT(ok, len);
		VT_LT(va + ok, end); /* the page that ran out of memory is user memory */
		sim->n.enomem++;
		sim->n.io_enomem++;
	}
	shadow_write(p, va, sim->buf, ok);
	sim->n.writes++;
}

static void op_read(struct sim *sim, int i)
{
	struct proc *p = &sim->p[i];
	uint64_t end = round_up(p->s.size), len, ok;
	va_t va;
	enum pt_err err;

	if (!pick_range(sim, p, &va, &len))
		return;
	memset(sim->buf, 0xa5, sizeof(sim->buf));
	err = vm_copyin(&p->s, sim->buf, va, len);
	if (err == PT_OK) {
		VT_LE(va + len, end);
		ok = len;
	} else if (err == PT_EFAULT) {
		VT_LT(end, va + len);
		ok = end - va;
		sim->n.efault++;
	} else {
		VT_ERR(err, PT_ENOMEM);
		ok = reachable(&p->s, va, len, false);
		VT_LT(ok, len);
		VT_LT(va + ok, end);
		sim->n.enomem++;
		sim->n.io_enomem++;
	}
	for (uint64_t k = 0; k < ok; k++)
		if (sim->buf[k] != shadow_byte(p, va + k))
			vt_fail(__FILE__, __LINE__,
				"process %d read 0x%02x at 0x%" PRIx64 ", last wrote 0x%02x", i,
				sim->buf[k], va + k, shadow_byte(p, va + k));
	for (uint64_t k = ok; k < len && k < sizeof(sim->buf); k++)
		if (sim->buf[k] != 0xa5)
			vt_fail(__FILE__, __LINE__, "process %d: copyin wrote byte %" PRIu64
				" past its failure", i, k);
	sim->n.reads++;
}

static void op_str(struct sim *sim, int i)
{
	struct proc *p = &sim->p[i];
	uint64_t end = round_up(p->s.size), max = 1 + below(&sim->rng, 600), k;
	va_t va;
	enum pt_err err, want = PT_ETOOLONG;
	char *got = (char *)sim->buf;

	if (end == 0)
		return;
	va = below(&sim->rng, end);
	for (k = 0; k < max; k++) {
		if (va + k >= end) {
			want = PT_EFAULT;
			break;
		}
		if (shadow_byte(p, va + k) == 0) {
			want = PT_OK;
			break;
		}
	}
	err = vm_copyinstr(&p->s, got, va, max);
	if (err == PT_ENOMEM) {
		sim->n.enomem++;
		sim->n.io_enomem++;
		return;
	}
	VT_ERR(err, want);
	if (err == PT_OK)
		for (uint64_t j = 0; j <= k; j++)
			VT_EQ((uint8_t)got[j], shadow_byte(p, va + j));
	sim->n.strs++;
}

static void op_exit(struct sim *sim, int i)
{
	struct proc *p = &sim->p[i];

	if (below(&sim->rng, 4) == 0)
		check_proc_raw(sim, (unsigned)i);
	vm_space_free(&p->s);
	shadow_drop_from(p, 0);
	p->live = false;
	sim->n.exits++;
}

/* ---- the simulation ----------------------------------------------------------------------- */

static void run(const struct pt_format *f, uint64_t seed)
{
	struct sim *sim = calloc(1, sizeof(*sim));
	uint64_t enomem_before;

	if (!sim)
		abort();
	vt_defer(sim_release, sim);
	sim->f = f;
	sim->rng.s = seed;
	vt_env_init(&sim->e, SIM_RAM_FRAMES * P);

	for (unsigned step = 0; step < SIM_STEPS; step++) {
		uint64_t r = below(&sim->rng, 100);
		int i;

		vt_ctx("%s, seed 0x%" PRIx64 " (VMKIT_SEED to repeat), step %u", f->name, seed, step);
		if (live_count(sim) < 2 || (r < 3 && live_count(sim) < SIM_PROCS)) {
			op_spawn(sim);
			continue;
		}
		i = pick_live(sim);
		enomem_before = sim->n.enomem;
		if (r < 12)
			op_fork(sim, i);
		else if (r < 26)
			op_grow(sim, i);
		else if (r < 34)
			op_shrink(sim, i);
		else if (r < 62)
			op_write(sim, i);
		else if (r < 88)
			op_read(sim, i);
		else if (r < 93)
			op_str(sim, i);
		else
			op_exit(sim, i);
		/* Out of memory: sometimes a process is killed, as an OOM killer would. */
		if (sim->n.enomem != enomem_before && below(&sim->rng, 3) == 0) {
			int victim = pick_live(sim);

			if (victim >= 0)
				op_exit(sim, victim);
		}
		if (step % SIM_CHECK_EVERY == SIM_CHECK_EVERY - 1)
			check_all(sim);
	}
	vt_ctx("%s, seed 0x%" PRIx64 ": final check", f->name, seed);
	check_all(sim);
	print_message("  %s seed 0x%" PRIx64 ": %u forks (%u cow, %u full), %u grows (%u lazy), "
		      "%u shrinks, %u writes, %u reads, %u strings, %u exits; %u ENOMEM "
		      "(fork %u, grow %u, copy %u), %u EFAULT; %" PRIu64 " cow copies, %" PRIu64
		      " reuses, %" PRIu64 " lazy allocations\n",
		      f->name, seed, sim->n.forks, sim->n.cow_forks, sim->n.full_forks, sim->n.grows,
		      sim->n.lazy_grows, sim->n.shrinks, sim->n.writes, sim->n.reads, sim->n.strs,
		      sim->n.exits, sim->n.enomem, sim->n.fork_enomem, sim->n.grow_enomem,
		      sim->n.io_enomem, sim->n.efault, sim->e.env.stats.cow_copies,
		      sim->e.env.stats.cow_reuses, sim->e.env.stats.lazy_allocs);
	/* The run covered what it is meant to cover. */
	VT_LE(1, sim->n.fork_enomem + sim->n.grow_enomem);
	VT_LE(1, sim->n.io_enomem);
	VT_LE(1, sim->n.full_forks);
	VT_LE(100, sim->n.cow_forks);
	VT_LE(1, sim->e.env.stats.cow_copies);
	VT_LE(1, sim->e.env.stats.cow_reuses);
	VT_LE(1, sim->n.efault);

	for (unsigned i = 0; i < SIM_PROCS; i++)
		if (sim->p[i].live)
			op_exit(sim, (int)i);
	vt_env_fini(&sim->e); /* every frame is free again */
	vt_undefer(sim);
	sim_release(sim);
}

static uint64_t seed_for(unsigned format_index)
{
	const char *env = getenv("VMKIT_SEED");

	if (env && *env)
		return strtoull(env, 0, 0);
	return 0x5eed0000ull + 0x101ull * format_index;
}

static void test_sim_sv39(void **state)
{
	(void)state;
	run(&pt_format_sv39, seed_for(0));
}

static void test_sim_x86_64(void **state)
{
	(void)state;
	run(&pt_format_x86_64, seed_for(1));
}

static void test_sim_x86_32(void **state)
{
	(void)state;
	run(&pt_format_x86_32, seed_for(2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sim_sv39, vt_teardown),
		cmocka_unit_test_teardown(test_sim_x86_64, vt_teardown),
		cmocka_unit_test_teardown(test_sim_x86_32, vt_teardown),
	};

	return cmocka_run_group_tests_name("vm_sim", tests, NULL, NULL);
}
