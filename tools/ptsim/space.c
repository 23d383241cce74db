/*
 * The session: one simulated RAM, the address spaces over it, error reporting.
 *
 * Frames. The RAM hands out its highest free frame first (see sim_init). Every space is a lib/vm
 * user space over the same RAM, so frames and their reference counts are shared. A space's user
 * memory is [0, size) (xv6's sz): every leaf there holds one reference to each of its frames,
 * which unmap, shrink and freeing the space give back, and which fork shares. grow, alloc, lazy
 * faults and copy-on-write put frames there. Mappings made with `map` (PA as given) and kernel
 * maps lie above size and own nothing; `map` refuses user memory so that no frame is ever given
 * back that was not taken.
 *
 * Page tables. env.mem wraps the RAM's memory interface to know which frames hold tables. A
 * deliberately broken table (poke, or a user page written over a table) could otherwise make
 * lib/vm give back or write into a live table, and the engine would then hand the frame out
 * twice. So ptsim never releases a table frame as a user page, refuses lib/vm calls on pages
 * that map one (check_frames), and poke's pointers into RAM must point at a table, on which
 * they take a reference that keeps it alive as long as ptsim runs.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim.h"

int sim_error(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	s->errors++;
	fflush(stdout);
	fputs("ptsim: ", stderr);
	if (s->src)
		fprintf(stderr, "%s:%u: ", s->src, s->line);
	if (s->cmd)
		fprintf(stderr, "%s: ", s->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

const char *err_text(enum pt_err err, char buf[128])
{
	snprintf(buf, 128, "%s (%s)", pt_strerror(err), pt_errname(err));
	return buf;
}

/* The session a space belongs to: its vm_env is the session's env. */
static struct sim *space_sim(const struct space *sp)
{
	return (struct sim *)((char *)sp->vs.env - offsetof(struct sim, env));
}

uint64_t space_limit(const struct pt_format *f)
{
	return (uint64_t)1 << (f->va_bits - 1);
}

uint64_t space_user_end(const struct space *sp)
{
	return (sp->vs.size + PT_PAGE_SIZE - 1) & ~(PT_PAGE_SIZE - 1);
}

/* lib/vm's user pages are 4 KiB; anything else in user memory was forged with poke and owns
 * nothing (releasing it would also walk every 4 KiB of it: 2^36 steps for an Sv57 leaf). */
void space_release_leaf(void *space, const struct pt_leaf *leaf)
{
	struct space *sp = space;

	if (leaf->va < space_user_end(sp) && leaf->size == PT_PAGE_SIZE &&
	    !frame_is_table(space_sim(sp), leaf->pa))
		vm_release_leaf(sp->vs.env, leaf);
}

const char *space_kind_name(enum space_kind kind)
{
	switch (kind) {
	case SPACE_KMAP_RISCV:
		return "kernel map xv6-riscv";
	case SPACE_KMAP_X86:
		return "kernel map xv6-x86";
	case SPACE_USER:
		break;
	}
	return "user";
}

pt_label_fn space_labels(struct space *sp, struct vm_kmap_names *names)
{
	if (!sp->nregions)
		return NULL;
	names->regions = sp->regions;
	names->n = sp->nregions;
	return vm_kmap_name;
}

void space_free(struct sim *s, struct space *sp)
{
	(void)s;
	if (!sp->used)
		return;
	/* vm_space_free, with the release rule above. */
	pt_destroy(&sp->vs.pt, space_release_leaf, sp, NULL);
	memset(sp, 0, sizeof(*sp));
}

int space_create(struct sim *s, unsigned slot, const struct pt_format *fmt, enum space_kind kind)
{
	struct space *sp = &s->spaces[slot];
	char buf[128];
	enum pt_err err;

	/* Free the old space first, so that the new root takes the frame it gives back. */
	space_free(s, sp);
	err = vm_space_init(&sp->vs, &s->env, fmt, space_limit(fmt));
	if (err)
		return sim_error(s, "cannot create a %s space: %s", fmt->name, err_text(err, buf));
	sp->used = true;
	sp->kind = kind;
	return 0;
}

int space_free_slot(const struct sim *s)
{
	for (unsigned i = 0; i < PTSIM_MAX_SPACES; i++)
		if (!s->spaces[i].used)
			return (int)i;
	return -1;
}

static size_t frame_index_of(const struct sim *s, pa_t pa)
{
	return (size_t)((pa - s->ram.base) >> 12);
}

bool frame_is_table(const struct sim *s, pa_t pa)
{
	return host_ram_ptr(&s->ram, pa, 1) && s->is_table[frame_index_of(s, pa)];
}

static void *tables_ptr(void *ctx, pa_t pa)
{
	struct sim *s = ctx;

	return s->ram_mem.ptr(s->ram_mem.ctx, pa);
}

static enum pt_err tables_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	struct sim *s = ctx;
	enum pt_err err = s->ram_mem.alloc(s->ram_mem.ctx, bytes, pa);

	if (!err)
		s->is_table[frame_index_of(s, *pa)] = 1;
	return err;
}

static void tables_free(void *ctx, pa_t pa, uint64_t bytes)
{
	struct sim *s = ctx;

	/* A table that a poked pointer also reaches holds one more reference: it stays. */
	if (frame_refs_at(s, pa) <= 1 && host_ram_ptr(&s->ram, pa, 1))
		s->is_table[frame_index_of(s, pa)] = 0;
	s->ram_mem.free(s->ram_mem.ctx, pa, bytes);
}

static bool tables_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	struct sim *s = ctx;

	return s->ram_mem.contains(s->ram_mem.ctx, pa, bytes);
}

struct space *sim_space(struct sim *s)
{
	return &s->spaces[s->cur];
}

int sim_init(struct sim *s, const struct pt_format *fmt)
{
	memset(s, 0, sizeof(*s));
	if (host_ram_init(&s->ram, PTSIM_RAM_BASE, PTSIM_RAM_SIZE) != PT_OK) {
		fprintf(stderr, "ptsim: cannot simulate %llu MiB of RAM\n",
			(unsigned long long)(PTSIM_RAM_SIZE >> 20));
		return -1;
	}
	/* Hand frames out from the top of RAM down, as xv6's kalloc does after freerange: take
	 * them all (lowest first) and give them back lowest first, so the highest is on top of the
	 * free list. Tables and user frames then stay clear of the PAs one types into map. */
	for (uint32_t i = 0; i < s->ram.frames.nframes; i++) {
		pa_t pa;

		frame_alloc(&s->ram.frames, &pa);
	}
	for (uint32_t i = 0; i < s->ram.frames.nframes; i++)
		frame_put(&s->ram.frames, s->ram.base + ((pa_t)i << 12));
	s->env = host_ram_vm_env(&s->ram);
	s->ram_mem = s->env.mem;
	s->env.mem = (struct pt_mem){tables_ptr, tables_alloc, tables_free, tables_contains, s};
	s->is_table = calloc(s->ram.frames.nframes, 1);
	if (!s->is_table) {
		host_ram_fini(&s->ram);
		fprintf(stderr, "ptsim: out of memory\n");
		return -1;
	}
	s->first_fmt = fmt;
	cpu_defaults(&s->cpu);
	return space_create(s, 0, fmt, SPACE_USER);
}

void sim_fini(struct sim *s)
{
	for (unsigned i = 0; i < PTSIM_MAX_SPACES; i++)
		space_free(s, &s->spaces[i]);
	host_ram_fini(&s->ram);
	free(s->is_table);
}

int check_va(struct sim *s, const struct pt_format *f, va_t va)
{
	uint64_t top;

	if (!f->sign_extended) {
		if (f->va_bits < 64 && (va >> f->va_bits))
			return sim_error(s, "0x%llx: beyond %s's %u-bit address space",
					 (unsigned long long)va, f->name, f->va_bits);
		return 0;
	}
	top = va >> (f->va_bits - 1);
	if (top != 0 && top != (~(uint64_t)0 >> (f->va_bits - 1)))
		return sim_error(s, "0x%llx: not canonical for %s (bits 63:%u must copy bit %u)",
				 (unsigned long long)va, f->name, f->va_bits - 1, f->va_bits - 1);
	return 0;
}

unsigned va_index(const struct pt_format *f, va_t va, unsigned level)
{
	return (unsigned)(va >> f->shift[level]) & ((1u << f->index_bits[level]) - 1u);
}

bool pte_read(struct sim *s, const struct pt_format *f, pa_t pa, uint64_t *v)
{
	const void *p = host_ram_ptr(&s->ram, pa, f->pte_size);

	if (!p)
		return false;
	if (f->pte_size == 8) {
		uint64_t x;

		memcpy(&x, p, 8);
		*v = x;
	} else {
		uint32_t x;

		memcpy(&x, p, 4);
		*v = x;
	}
	return true;
}

bool pte_write(struct sim *s, const struct pt_format *f, pa_t pa, uint64_t v)
{
	void *p = host_ram_ptr(&s->ram, pa, f->pte_size);

	if (!p)
		return false;
	if (f->pte_size == 8) {
		memcpy(p, &v, 8);
	} else {
		uint32_t x = (uint32_t)v;

		memcpy(p, &x, 4);
	}
	return true;
}

static int stop_at_leaf(void *ctx, const struct pt_leaf *leaf)
{
	(void)leaf;
	*(bool *)ctx = true;
	return 1;
}

bool range_has_leaf(const struct pt *pt, va_t va, uint64_t size)
{
	bool found = false;
	struct pt_visitor v = {NULL, stop_at_leaf, NULL, NULL, &found};

	if (size)
		pt_visit(pt, va, size, &v);
	return found;
}

uint32_t frame_refs_at(struct sim *s, pa_t pa)
{
	if (!frame_owns(&s->ram.frames, pa))
		return 0;
	return frame_refs(&s->ram.frames, pa);
}

struct frames_check {
	struct sim *s;
	uint64_t user_end;
	uint64_t start, end;     /* the pages lib/vm may touch */
	const char *bad;
	struct pt_leaf leaf;
};

/* Whether a page of the leaf that lib/vm may touch holds a page table. */
static bool maps_table(const struct frames_check *c, const struct pt_leaf *leaf)
{
	uint64_t from = leaf->va > c->start ? leaf->va : c->start;
	uint64_t to = leaf->va + leaf->size < c->end ? leaf->va + leaf->size : c->end;

	for (uint64_t va = from; va < to; va += PT_PAGE_SIZE)
		if (frame_is_table(c->s, leaf->pa + (va - leaf->va)))
			return true;
	return false;
}

static int leaf_in_ram(void *ctx, const struct pt_leaf *leaf)
{
	struct frames_check *c = ctx;

	/* lib/vm touches user memory, and pages with u anywhere below the limit. */
	if (leaf->va >= c->user_end && !(leaf->perms & PT_U))
		return 0;
	if (!host_ram_ptr(&c->s->ram, leaf->pa, leaf->size))
		c->bad = "outside the simulated RAM: lib/vm would reach it through a NULL pointer";
	else if (leaf->va < c->user_end && leaf->size != PT_PAGE_SIZE)
		c->bad = "as a superpage in user memory, where lib/vm expects 4 KiB pages only";
	else if (maps_table(c, leaf))
		c->bad = "where a page table lives: lib/vm could write into it or free it";
	else
		return 0;
	c->leaf = *leaf;
	return 1;
}

int check_frames(struct sim *s, struct space *sp, va_t va, uint64_t len)
{
	struct frames_check c = {s, space_user_end(sp), 0, 0, NULL, {0, 0, 0, 0, 0, 0, 0}};
	struct pt_visitor v = {NULL, leaf_in_ram, NULL, NULL, &c};
	uint64_t start = va & ~(PT_PAGE_SIZE - 1);
	uint64_t end = va + len;

	/* lib/vm refuses everything at or above the limit before touching a page. */
	if (end < va || end > sp->vs.limit)
		end = sp->vs.limit;
	end = (end + PT_PAGE_SIZE - 1) & ~(PT_PAGE_SIZE - 1);
	if (start >= end)
		return 0;
	c.start = start;
	c.end = end;
	pt_visit(&sp->vs.pt, start, end - start, &v);
	if (!c.bad)
		return 0;
	return sim_error(s, "the page at 0x%llx maps 0x%llx %s (made by map or poke? unmap it "
			    "first)", (unsigned long long)c.leaf.va, (unsigned long long)c.leaf.pa,
			 c.bad);
}
