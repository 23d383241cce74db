/* Shared helpers for the unit tests; see testlib.h. */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- failure context and assertions ----------------------------------------------------- */

static char tl_where_buf[256];

void tl_where(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tl_where_buf, sizeof(tl_where_buf), fmt, ap);
	va_end(ap);
}

const char *tl_where_str(void)
{
	return tl_where_buf;
}

static void tl_print_where(void)
{
	if (tl_where_buf[0])
		print_error("  [where: %s]\n", tl_where_buf);
}

void tl_fail_u64(const char *file, int line, const char *what, const char *a_expr, uint64_t a,
		 const char *b_expr, uint64_t b)
{
	print_error("%s:%d: expected %s %s %s\n  %s = 0x%llx (%llu)\n  %s = 0x%llx (%llu)\n", file,
		    line, a_expr, what, b_expr, a_expr, (unsigned long long)a,
		    (unsigned long long)a, b_expr, (unsigned long long)b, (unsigned long long)b);
	tl_print_where();
	_fail(file, line);
}

void tl_fail_err(const char *file, int line, const char *a_expr, enum pt_err a,
		 const char *b_expr, enum pt_err b)
{
	print_error("%s:%d: %s returned %s (%d), expected %s (%s)\n", file, line, a_expr,
		    pt_errname(a), (int)a, pt_errname(b), b_expr);
	tl_print_where();
	_fail(file, line);
}

void tl_fail_str(const char *file, int line, const char *a_expr, const char *a,
		 const char *b_expr, const char *b)
{
	print_error("%s:%d: strings differ\n--- %s:\n%s\n--- %s:\n%s\n---\n", file, line, a_expr,
		    a ? a : "(null)", b_expr, b ? b : "(null)");
	tl_print_where();
	_fail(file, line);
}

void tl_fail_msg(const char *file, int line, const char *msg)
{
	print_error("%s:%d: %s\n", file, line, msg);
	tl_print_where();
	_fail(file, line);
}

/* ---- heap blocks a failed test would leak ------------------------------------------------- */

#define TL_HEAP_MAX 64
static void *tl_heap[TL_HEAP_MAX];

/* The slot holding block p (NULL: a free slot), or TL_HEAP_MAX if none. */
static unsigned tl_heap_slot(const void *p)
{
	unsigned i = 0;

	while (i < TL_HEAP_MAX && tl_heap[i] != p)
		i++;
	return i;
}

static void *tl_realloc(void *old, size_t bytes)
{
	unsigned slot = tl_heap_slot(old);
	void *p = realloc(old, bytes);

	assert_non_null(p);
	if (slot < TL_HEAP_MAX)
		tl_heap[slot] = p;
	return p;
}

void tl_free(void *p)
{
	unsigned slot = p ? tl_heap_slot(p) : TL_HEAP_MAX;

	if (slot < TL_HEAP_MAX)
		tl_heap[slot] = NULL;
	free(p);
}

/* ---- environment --------------------------------------------------------------------------- */

/*
 * RAM of environments not yet finished, so that tl_teardown can release it after a failed test
 * (the tl_env itself lived on that test's stack, so a copy of the host_ram is kept here).
 */
#define TL_LIVE_MAX 16
static struct {
	const struct tl_env *owner;
	struct host_ram ram;
} tl_live[TL_LIVE_MAX];

static void tl_live_add(const struct tl_env *e)
{
	for (unsigned i = 0; i < TL_LIVE_MAX; i++) {
		if (!tl_live[i].owner) {
			tl_live[i].owner = e;
			tl_live[i].ram = e->ram;
			return;
		}
	}
}

static void tl_live_remove(const struct tl_env *e)
{
	for (unsigned i = 0; i < TL_LIVE_MAX; i++)
		if (tl_live[i].owner == e)
			tl_live[i].owner = NULL;
}

int tl_teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TL_LIVE_MAX; i++) {
		if (tl_live[i].owner)
			host_ram_fini(&tl_live[i].ram);
		tl_live[i].owner = NULL;
	}
	for (unsigned i = 0; i < TL_HEAP_MAX; i++) {
		free(tl_heap[i]);
		tl_heap[i] = NULL;
	}
	tl_where("");
	return 0;
}

void tl_env_init(struct tl_env *e, const struct pt_format *f)
{
	memset(e, 0, sizeof(*e));
	TL_OK(host_ram_init(&e->ram, TL_RAM_BASE, TL_RAM_SIZE));
	tl_live_add(e);
	e->mem = host_ram_pt_mem(&e->ram);
	e->free_before = host_ram_free_frames(&e->ram);
	TL_EQ(e->free_before, TL_RAM_SIZE / TL_PAGE);
	TL_OK(pt_init(&e->pt, f, &e->mem));
	e->free_after_init = host_ram_free_frames(&e->ram);
	TL_EQ(e->free_after_init, e->free_before - 1);
}

void tl_env_fini(struct tl_env *e)
{
	uint32_t free_now;

	if (e->pt.fmt)
		pt_destroy(&e->pt, NULL, NULL, NULL);
	free_now = host_ram_free_frames(&e->ram);
	tl_live_remove(e);
	host_ram_fini(&e->ram);
	TL_EQ(free_now, e->free_before);
}

/* ---- text capture ---------------------------------------------------------------------- */

void tl_text_write(void *ctx, const char *s, size_t len)
{
	struct tl_text *t = ctx;

	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;

		while (t->len + len + 1 > cap)
			cap *= 2;
		t->s = tl_realloc(t->s, cap);
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, len);
	t->len += len;
	t->s[t->len] = 0;
}

void tl_text_free(struct tl_text *t)
{
	tl_free(t->s);
	memset(t, 0, sizeof(*t));
}

/* An empty dump still gives a string. */
static char *tl_text_take(struct tl_text *t)
{
	if (!t->s)
		tl_text_write(t, "", 0);
	return t->s;
}

char *tl_vmprint(const struct pt *pt)
{
	struct tl_text t = {0};

	TL_OK(pt_dump_vmprint(pt, tl_text_write, &t));
	return tl_text_take(&t);
}

char *tl_ranges(const struct pt *pt, pt_label_fn label, void *label_ctx)
{
	struct tl_text t = {0};

	TL_OK(pt_dump_ranges(pt, label, label_ctx, tl_text_write, &t));
	return tl_text_take(&t);
}

/* ---- snapshots ------------------------------------------------------------------------------ */

void tl_snap_take(struct tl_snap *s, const struct tl_env *e)
{
	s->dump = tl_vmprint(&e->pt);
	s->free = host_ram_free_frames(&e->ram);
}

void tl_snap_check(struct tl_snap *s, const struct tl_env *e, const char *file, int line)
{
	char *now = tl_vmprint(&e->pt);
	uint32_t free_now = host_ram_free_frames(&e->ram);
	char *before = s->dump;

	s->dump = NULL;
	if (strcmp(now, before) != 0) {
		print_error("%s:%d: the table changed\n--- before:\n%s--- after:\n%s---\n", file,
			    line, before, now);
		tl_free(now);
		tl_free(before);
		tl_print_where();
		_fail(file, line);
	}
	tl_free(now);
	tl_free(before);
	if (free_now != s->free)
		tl_fail_u64(file, line, "==", "free frames now", free_now, "free frames before",
			    s->free);
}

/* ---- leaf recorder -------------------------------------------------------------------------- */

void tl_leaves_add(void *ctx, const struct pt_leaf *leaf)
{
	struct tl_leaves *l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = tl_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *leaf;
}

void tl_leaves_free(struct tl_leaves *l)
{
	tl_free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- counting memory ------------------------------------------------------------------------ */

static void *tl_cm_ptr(void *ctx, pa_t pa)
{
	struct tl_count_mem *c = ctx;

	c->ptr_calls++;
	return c->inner.ptr(c->inner.ctx, pa);
}

static enum pt_err tl_cm_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	struct tl_count_mem *c = ctx;

	c->alloc_calls++;
	return c->inner.alloc(c->inner.ctx, bytes, pa);
}

static void tl_cm_free(void *ctx, pa_t pa, uint64_t bytes)
{
	struct tl_count_mem *c = ctx;

	c->free_calls++;
	c->inner.free(c->inner.ctx, pa, bytes);
}

static bool tl_cm_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	struct tl_count_mem *c = ctx;

	c->contains_calls++;
	return c->inner.contains ? c->inner.contains(c->inner.ctx, pa, bytes) : true;
}

struct pt_mem tl_count_mem(struct tl_count_mem *c, const struct pt_mem *inner)
{
	struct pt_mem m = {tl_cm_ptr, tl_cm_alloc, tl_cm_free, tl_cm_contains, c};

	c->inner = *inner;
	tl_count_reset(c);
	return m;
}

void tl_count_reset(struct tl_count_mem *c)
{
	c->ptr_calls = c->alloc_calls = c->free_calls = c->contains_calls = 0;
}

/* ---- format helpers ---------------------------------------------------------------------- */

uint64_t tl_space(const struct pt_format *f)
{
	return (uint64_t)1 << f->va_bits;
}

unsigned tl_top_leaf_level(const struct pt_format *f)
{
	unsigned top = 0;

	for (unsigned l = 0; l < f->levels; l++)
		if (f->leaf_levels & (1u << l))
			top = l;
	return top;
}

bool tl_is_riscv(const struct pt_format *f)
{
	return strcmp(f->arch, "riscv") == 0;
}

bool tl_perms_valid(const struct pt_format *f, unsigned perms)
{
	if (perms & ~PT_PERM_ALL)
		return false;
	if (tl_is_riscv(f))
		return (perms & (PT_R | PT_X)) && (!(perms & PT_W) || (perms & PT_R));
	return (perms & PT_R) != 0;
}

uint64_t tl_entry_read(const struct pt_format *f, const void *entry)
{
	if (f->pte_size == 8) {
		uint64_t v;

		memcpy(&v, entry, 8);
		return v;
	} else {
		uint32_t v;

		memcpy(&v, entry, 4);
		return v;
	}
}

void tl_entry_write(const struct pt_format *f, void *entry, uint64_t pte)
{
	if (f->pte_size == 8) {
		memcpy(entry, &pte, 8);
	} else {
		uint32_t v = (uint32_t)pte;

		TL_EQ(pte >> 32, 0);
		memcpy(entry, &v, 4);
	}
}

uint64_t tl_count_leaves(const struct pt *pt)
{
	struct pt_stats st;
	uint64_t n = 0;

	TL_OK(pt_stats(pt, &st));
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++)
		n += st.leaves[l];
	return n;
}

uint64_t tl_count_tables(const struct pt *pt)
{
	struct pt_stats st;
	uint64_t n = 0;

	TL_OK(pt_stats(pt, &st));
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++)
		n += st.tables[l];
	return n;
}
