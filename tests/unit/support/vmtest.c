/* Helpers for the lib/vm tests; see vmtest.h. */
#include "vmtest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct pt_format *const vt_formats[VT_NFORMATS] = {
	&pt_format_sv39,
	&pt_format_x86_32,
	&pt_format_x86_64,
};

/* ---- failure context and assertions ------------------------------------------------------ */

static char vt_ctx_buf[512];

void vt_ctx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vt_ctx_buf, sizeof(vt_ctx_buf), fmt, ap);
	va_end(ap);
}

const char *vt_ctx_str(void)
{
	return vt_ctx_buf;
}

static void vt_print_ctx(void)
{
	if (vt_ctx_buf[0])
		print_error("  [context: %s]\n", vt_ctx_buf);
}

void vt_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s:%d: %s\n", file, line, msg);
	vt_print_ctx();
	_fail(file, line);
}

void vt_fail_u64(const char *file, int line, const char *op, const char *a_expr, uint64_t a,
		 const char *b_expr, uint64_t b)
{
	vt_fail(file, line,
		"expected %s %s %s\n  %s = 0x%" PRIx64 " (%" PRIu64 ")\n  %s = 0x%" PRIx64
		" (%" PRIu64 ")",
		a_expr, op, b_expr, a_expr, a, a, b_expr, b, b);
}

void vt_fail_err(const char *file, int line, const char *expr, enum pt_err got,
		 enum pt_err want)
{
	vt_fail(file, line, "%s returned %s, expected %s", expr, pt_errname(got),
		pt_errname(want));
}

void vt_check_mem(const char *file, int line, const char *what, const void *got,
		  const void *want, uint64_t n)
{
	const uint8_t *g = got, *w = want;

	for (uint64_t i = 0; i < n; i++)
		if (g[i] != w[i])
			vt_fail(file, line,
				"%s: bytes differ at offset 0x%" PRIx64 " of 0x%" PRIx64
				": got 0x%02x, expected 0x%02x",
				what, i, n, g[i], w[i]);
}

void vt_check_text(const char *file, int line, const char *what, char *got, char *want)
{
	if (got && want && strcmp(got, want) == 0) {
		free(got);
		free(want);
		return;
	}
	print_error("%s:%d: %s: texts differ\n--- got:\n%s--- expected:\n%s---\n", file, line,
		    what, got ? got : "(null)\n", want ? want : "(null)\n");
	free(got);
	free(want);
	vt_fail(file, line, "%s: texts differ (shown above)", what);
}

/* ---- cleanup ----------------------------------------------------------------------------- */

/* A failing assertion longjmps out of the test, so nothing here may point into the test's
 * stack: deferred arguments are heap objects, and each environment's RAM is remembered by a
 * heap copy of its struct host_ram (whose fields do not change after init). */
#define VT_DEFER_MAX 64

static struct {
	void (*fn)(void *);
	void *arg;
	const void *key; /* compared, never dereferenced */
} vt_deferred[VT_DEFER_MAX];

static void vt_defer_key(void (*fn)(void *), void *arg, const void *key)
{
	for (unsigned i = 0; i < VT_DEFER_MAX; i++) {
		if (!vt_deferred[i].fn) {
			vt_deferred[i].fn = fn;
			vt_deferred[i].arg = arg;
			vt_deferred[i].key = key;
			return;
		}
	}
	vt_fail(__FILE__, __LINE__, "more than %d deferred cleanups", VT_DEFER_MAX);
}

/* Forget the cleanup fn registered under key; returns its argument. */
static void *vt_undefer_key(void (*fn)(void *), const void *key)
{
	for (unsigned i = 0; i < VT_DEFER_MAX; i++) {
		if (vt_deferred[i].fn == fn && vt_deferred[i].key == key) {
			vt_deferred[i].fn = 0;
			return vt_deferred[i].arg;
		}
	}
	return 0;
}

void vt_defer(void (*fn)(void *), void *arg)
{
	vt_defer_key(fn, arg, arg);
}

void vt_undefer(void *arg)
{
	for (unsigned i = 0; i < VT_DEFER_MAX; i++)
		if (vt_deferred[i].fn && vt_deferred[i].arg == arg)
			vt_deferred[i].fn = 0;
}

void *vt_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	vt_defer(free, p);
	return p;
}

void vt_dealloc(void *p)
{
	vt_undefer(p);
	free(p);
}

int vt_teardown(void **state)
{
	(void)state;
	for (unsigned i = VT_DEFER_MAX; i-- > 0;) {
		if (vt_deferred[i].fn) {
			void (*fn)(void *) = vt_deferred[i].fn;

			vt_deferred[i].fn = 0;
			fn(vt_deferred[i].arg);
		}
	}
	vt_ctx("%s", "");
	return 0;
}

/* ---- environment ------------------------------------------------------------------------- */

static void vt_ram_release(void *copy)
{
	host_ram_fini(copy);
	free(copy);
}

void vt_env_init(struct vt_env *e, uint64_t ram_size)
{
	enum pt_err err = host_ram_init(&e->ram, VT_RAM_BASE, ram_size);
	struct host_ram *copy;

	if (err)
		vt_fail(__FILE__, __LINE__, "host_ram_init: %s", pt_errname(err));
	copy = malloc(sizeof(*copy));
	if (!copy)
		abort();
	*copy = e->ram;
	vt_defer_key(vt_ram_release, copy, e);
	e->env = host_ram_vm_env(&e->ram);
	e->free0 = host_ram_free_frames(&e->ram);
}

void vt_env_fini(struct vt_env *e)
{
	uint32_t now = host_ram_free_frames(&e->ram);

	if (now != e->free0)
		vt_fail(__FILE__, __LINE__, "frames leaked: %u free at the end, %u at the start",
			now, e->free0);
	free(vt_undefer_key(vt_ram_release, e));
	host_ram_fini(&e->ram);
}

uint32_t vt_free(const struct vt_env *e)
{
	return host_ram_free_frames(&e->ram);
}

uint32_t vt_refs(const struct vt_env *e, pa_t pa)
{
	return frame_refs(&e->ram.frames, pa);
}

uint8_t *vt_host(const struct vt_env *e, pa_t pa)
{
	uint8_t *p = host_ram_ptr(&e->ram, pa, 1);

	if (!p)
		vt_fail(__FILE__, __LINE__, "PA 0x%" PRIx64 " is outside the simulated RAM", pa);
	return p;
}

void vt_space(struct vt_env *e, struct vm_space *s, const struct pt_format *f, uint64_t limit)
{
	enum pt_err err = vm_space_init(s, &e->env, f, limit);

	if (err)
		vt_fail(__FILE__, __LINE__, "vm_space_init(%s, limit 0x%" PRIx64 "): %s", f->name,
			limit, pt_errname(err));
}

/* ---- looking at a space ------------------------------------------------------------------ */

bool vt_leaf(const struct vm_space *s, va_t va, struct pt_leaf *leaf, pa_t *pa)
{
	struct pt_leaf l;
	pa_t p;

	if (pt_query(&s->pt, va, &l, &p) != PT_OK)
		return false;
	if (leaf)
		*leaf = l;
	if (pa)
		*pa = p;
	return true;
}

bool vt_peek(const struct vm_space *s, va_t va, void *buf, uint64_t len)
{
	uint8_t *out = buf;

	while (len > 0) {
		uint64_t n = VT_PAGE - (va & (VT_PAGE - 1));
		uint8_t *from;
		pa_t pa;

		if (n > len)
			n = len;
		if (!vt_leaf(s, va, 0, &pa))
			return false;
		from = s->env->mem.ptr(s->env->mem.ctx, pa);
		if (!from)
			vt_fail(__FILE__, __LINE__, "va 0x%" PRIx64 " maps PA 0x%" PRIx64
				" outside the RAM", va, pa);
		memcpy(out, from, n);
		out += n;
		va += n;
		len -= n;
	}
	return true;
}

void vt_poke(const struct vm_space *s, va_t va, const void *buf, uint64_t len)
{
	const uint8_t *in = buf;

	while (len > 0) {
		uint64_t n = VT_PAGE - (va & (VT_PAGE - 1));
		uint8_t *to;
		pa_t pa;

		if (n > len)
			n = len;
		if (!vt_leaf(s, va, 0, &pa))
			vt_fail(__FILE__, __LINE__, "vt_poke: va 0x%" PRIx64 " is not mapped", va);
		to = s->env->mem.ptr(s->env->mem.ctx, pa);
		memcpy(to, in, n);
		in += n;
		va += n;
		len -= n;
	}
}

static int vt_count_leaf(void *ctx, const struct pt_leaf *leaf)
{
	(void)leaf;
	(*(uint64_t *)ctx)++;
	return 0;
}

static int vt_count_table(void *ctx, const struct pt_table *t)
{
	(void)t;
	(*(uint64_t *)ctx)++;
	return 0;
}

uint64_t vt_leaves(const struct pt *pt)
{
	uint64_t n = 0;
	struct pt_visitor v = {0, vt_count_leaf, 0, 0, &n};

	VT_OK(pt_visit_all(pt, &v));
	return n;
}

uint64_t vt_tables(const struct pt *pt)
{
	uint64_t n = 0;
	struct pt_visitor v = {vt_count_table, 0, 0, 0, &n};

	VT_OK(pt_visit_all(pt, &v));
	return n;
}

/* ---- text -------------------------------------------------------------------------------- */

struct vt_text {
	char *s;
	size_t len, cap;
};

static void vt_text_write(void *ctx, const char *s, size_t len)
{
	struct vt_text *t = ctx;

	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;

		while (cap < t->len + len + 1)
			cap *= 2;
		t->s = realloc(t->s, cap);
		if (!t->s)
			abort();
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, len);
	t->len += len;
	t->s[t->len] = 0;
}

static char *vt_text_take(struct vt_text *t)
{
	if (!t->s)
		vt_text_write(t, "", 0);
	return t->s;
}

char *vt_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (!p)
		abort();
	memcpy(p, s, n);
	return p;
}

char *vt_vmprint(const struct pt *pt)
{
	struct vt_text t = {0, 0, 0};
	enum pt_err err = pt_dump_vmprint(pt, vt_text_write, &t);

	if (err) {
		free(t.s);
		vt_fail(__FILE__, __LINE__, "pt_dump_vmprint: %s", pt_errname(err));
	}
	return vt_text_take(&t);
}

char *vt_ranges(const struct pt *pt, pt_label_fn label, void *label_ctx)
{
	struct vt_text t = {0, 0, 0};
	enum pt_err err = pt_dump_ranges(pt, label, label_ctx, vt_text_write, &t);

	if (err) {
		free(t.s);
		vt_fail(__FILE__, __LINE__, "pt_dump_ranges: %s", pt_errname(err));
	}
	return vt_text_take(&t);
}

struct vt_desc {
	const struct vm_space *s;
	struct vt_text t;
};

static int vt_desc_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct vt_desc *d = ctx;
	char line[160], perms[16];

	snprintf(line, sizeof(line), "%016" PRIx64 " -> %" PRIx64 " size %" PRIx64
		 " %s refs %u\n", leaf->va, leaf->pa, leaf->size, pt_perms_str(leaf->perms, perms),
		 d->s->env->frames.refs(d->s->env->frames.ctx, leaf->pa));
	vt_text_write(&d->t, line, strlen(line));
	return 0;
}

char *vt_space_desc(const struct vm_space *s)
{
	struct vt_desc d = {s, {0, 0, 0}};
	struct pt_visitor v = {0, vt_desc_leaf, 0, 0, &d};
	enum pt_err err = pt_visit_all(&s->pt, &v);

	if (err) {
		free(d.t.s);
		vt_fail(__FILE__, __LINE__, "pt_visit_all: %s", pt_errname(err));
	}
	return vt_text_take(&d.t);
}

void vt_snap_take(struct vt_snap *snap, const struct vt_env *e, const struct vm_space *s)
{
	snap->dump = vt_vmprint(&s->pt);
	snap->desc = vt_space_desc(s);
	snap->size = s->size;
	snap->limit = s->limit;
	snap->lazy_from = s->lazy_from;
	snap->lazy_perms = s->lazy_perms;
	snap->free = vt_free(e);
}

void vt_snap_free(struct vt_snap *snap)
{
	free(snap->dump);
	free(snap->desc);
	snap->dump = snap->desc = 0;
}

void vt_snap_check(struct vt_snap *snap, const struct vt_env *e, const struct vm_space *s,
		   const char *file, int line)
{
	struct vt_snap now;

	vt_snap_take(&now, e, s);
	if (now.size != snap->size || now.limit != snap->limit ||
	    now.lazy_from != snap->lazy_from || now.lazy_perms != snap->lazy_perms ||
	    now.free != snap->free) {
		char msg[512];

		snprintf(msg, sizeof(msg),
			 "space changed: size 0x%" PRIx64 " -> 0x%" PRIx64 ", limit 0x%" PRIx64
			 " -> 0x%" PRIx64 ", lazy_from 0x%" PRIx64 " -> 0x%" PRIx64
			 ", lazy_perms 0x%x -> 0x%x, free frames %u -> %u",
			 snap->size, now.size, snap->limit, now.limit, snap->lazy_from,
			 now.lazy_from, snap->lazy_perms, now.lazy_perms, snap->free, now.free);
		vt_snap_free(snap);
		vt_snap_free(&now);
		vt_fail(file, line, "%s", msg);
	}
	vt_check_text(file, line, "vmprint dump (now vs before)", now.dump, snap->dump);
	vt_check_text(file, line, "leaves and reference counts (now vs before)", now.desc,
		      snap->desc);
	snap->dump = snap->desc = 0;
}

/* ---- whole-RAM accounting ---------------------------------------------------------------- */

struct vt_account {
	const struct vt_env *e;
	uint32_t *count;
	const char *bad;
	va_t bad_va;
	pa_t bad_pa;
};

static int vt_account_table(void *ctx, const struct pt_table *t)
{
	struct vt_account *a = ctx;
	const struct frame_pool *fp = &a->e->ram.frames;

	if (frame_owns(fp, t->pa))
		a->count[(t->pa - fp->base) >> 12]++;
	return 0;
}

static int vt_account_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct vt_account *a = ctx;
	const struct frame_pool *fp = &a->e->ram.frames;

	for (uint64_t off = 0; off < leaf->size; off += VT_PAGE)
		if (frame_owns(fp, leaf->pa + off))
			a->count[(leaf->pa + off - fp->base) >> 12]++;
	return 0;
}

static int vt_account_bad(void *ctx, const struct pt_bad *bad)
{
	struct vt_account *a = ctx;

	a->bad = bad->why;
	a->bad_va = bad->va;
	return 0;
}

/* Second pass: writable user leaves must not map a shared frame. */
static int vt_account_writable(void *ctx, const struct pt_leaf *leaf)
{
	struct vt_account *a = ctx;
	const struct frame_pool *fp = &a->e->ram.frames;

	if (!(leaf->perms & PT_W) || !frame_owns(fp, leaf->pa))
		return 0;
	for (uint64_t off = 0; off < leaf->size; off += VT_PAGE) {
		if (a->count[(leaf->pa + off - fp->base) >> 12] > 1 && !a->bad) {
			a->bad = "a writable leaf maps a frame shared with another mapping";
			a->bad_va = leaf->va + off;
			a->bad_pa = leaf->pa + off;
		}
	}
	return 0;
}

void vt_check_frames(const struct vt_env *e, struct vm_space *const *spaces, size_t n)
{
	const struct frame_pool *fp = &e->ram.frames;
	uint32_t *count = calloc(fp->nframes, sizeof(*count));
	struct vt_account a = {e, count, 0, 0, 0};
	struct pt_visitor v = {vt_account_table, vt_account_leaf, vt_account_bad, 0, &a};
	struct pt_visitor w = {0, vt_account_writable, 0, 0, &a};
	uint32_t nfree = 0;
	char msg[256] = "";

	if (!count)
		abort();
	for (size_t i = 0; i < n; i++)
		if (spaces[i])
			VT_OK(pt_visit_all(&spaces[i]->pt, &v));
	for (size_t i = 0; i < n && !a.bad; i++)
		if (spaces[i])
			VT_OK(pt_visit_all(&spaces[i]->pt, &w));
	if (a.bad)
		snprintf(msg, sizeof(msg), "%s at va 0x%" PRIx64 " pa 0x%" PRIx64, a.bad, a.bad_va,
			 a.bad_pa);
	for (uint32_t i = 0; i < fp->nframes && !msg[0]; i++) {
		if (fp->info[i].refs == 0)
			nfree++;
		if (fp->info[i].refs != count[i])
			snprintf(msg, sizeof(msg),
				 "frame 0x%" PRIx64 " has %u references but %u mappings/tables use it",
				 fp->base + ((uint64_t)i << 12), fp->info[i].refs, count[i]);
	}
	if (!msg[0] && nfree != fp->nfree)
		snprintf(msg, sizeof(msg), "pool says %u frames free, %u have no reference",
			 fp->nfree, nfree);
	free(count);
	if (msg[0])
		vt_fail(__FILE__, __LINE__, "frame accounting: %s", msg);
}

/* ---- data -------------------------------------------------------------------------------- */

void vt_pattern(uint8_t *buf, uint64_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 0x9e3779b9u;

	for (uint64_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x | 1); /* never 0, so that copies of it are never mistaken for zeroed memory */
	}
}
