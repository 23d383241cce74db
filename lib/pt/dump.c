/* Text output: xv6's vmprint form and the compact ranges form, both visitors over pt_visit. */
#include "pt_internal.h"

void pt_line_str(struct pt_line *l, const char *s)
{
	while (*s && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = *s++;
}

/* "0x" and at least `digits` hex digits (more if the value needs them). */
void pt_line_hex(struct pt_line *l, uint64_t v, unsigned digits)
{
	char tmp[16];
	unsigned n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n < digits && n < sizeof(tmp))
		tmp[n++] = '0';
	pt_line_str(l, "0x");
	while (n > 0 && l->len < sizeof(l->buf) - 1)
		l->buf[l->len++] = tmp[--n];
}

static const uint64_t powers_of_ten[20] = {
	10000000000000000000ull, 1000000000000000000ull, 100000000000000000ull,
	10000000000000000ull, 1000000000000000ull, 100000000000000ull, 10000000000000ull,
	1000000000000ull, 100000000000ull, 10000000000ull, 1000000000ull, 100000000ull,
	10000000ull, 1000000ull, 100000ull, 10000ull, 1000ull, 100ull, 10ull, 1ull,
};

/* Decimal by subtraction: a 64-bit division would need a libgcc helper on 32-bit targets. */
void pt_line_dec(struct pt_line *l, uint64_t v)
{
	bool started = false;

	for (unsigned i = 0; i < 20; i++) {
		char digit = '0';

		while (v >= powers_of_ten[i]) {
			v -= powers_of_ten[i];
			digit++;
		}
		started = started || digit != '0' || i == 19;
		if (started && l->len < sizeof(l->buf) - 1)
			l->buf[l->len++] = digit;
	}
}

void pt_line_flush(struct pt_line *l, vk_write_fn write, void *ctx)
{
	l->buf[l->len++] = '\n';
	write(ctx, l->buf, l->len);
	l->len = 0;
}

const char *pt_perms_str(unsigned perms, char buf[16])
{
	static const char letters[] = "rwxugad";
	unsigned n = (perms & (PT_G | PT_A | PT_D | PT_SW0 | PT_SW1)) ? 7 : 4;
	unsigned len = 0;

	for (unsigned i = 0; i < n; i++)
		buf[len++] = (perms & (1u << i)) ? letters[i] : '-';
	if (perms & PT_SW0) {
		buf[len++] = '+';
		buf[len++] = 's';
		buf[len++] = '0';
	}
	if (perms & PT_SW1) {
		buf[len++] = '+';
		buf[len++] = 's';
		buf[len++] = '1';
	}
	buf[len] = 0;
	return buf;
}

const char *pt_size_str(uint64_t size, char buf[16])
{
	static const char units[] = "KMGTPE";
	struct pt_line l = {.len = 0};
	unsigned u = 0;

	size >>= 10;
	while (size >= 1024 && (size & 1023) == 0 && u < sizeof(units) - 2) {
		size >>= 10;
		u++;
	}
	pt_line_dec(&l, size);
	l.buf[l.len++] = units[u];
	for (size_t i = 0; i < l.len && i < 15; i++)
		buf[i] = l.buf[i];
	buf[l.len < 15 ? l.len : 15] = 0;
	return buf;
}

/* ---- vmprint ---------------------------------------------------------------------------- */

struct vmprint {
	const struct pt_format *f;
	vk_write_fn write;
	void *ctx;
};

/* Digits for printing entries and PAs: xv6's %p width for 8-byte formats, 8 for 4-byte ones. */
static unsigned vmprint_digits(const struct pt_format *f)
{
	return f->pte_size * 2;
}

static void vmprint_line(const struct vmprint *p, unsigned level, unsigned index,
			 uint64_t pte, pa_t pa)
{
	struct pt_line l = {.len = 0};

	for (unsigned depth = p->f->levels - level; depth > 0; depth--)
		pt_line_str(&l, " ..");
	pt_line_dec(&l, index);
	pt_line_str(&l, ": pte ");
	pt_line_hex(&l, pte, vmprint_digits(p->f));
	pt_line_str(&l, " pa ");
	pt_line_hex(&l, pa, vmprint_digits(p->f));
	pt_line_flush(&l, p->write, p->ctx);
}

static int vmprint_table(void *ctx, const struct pt_table *t)
{
	const struct vmprint *p = ctx;
	struct pt_line l = {.len = 0};

	if (t->level == p->f->levels - 1u) {
		pt_line_str(&l, "page table ");
		pt_line_hex(&l, t->pa, vmprint_digits(p->f));
		pt_line_flush(&l, p->write, p->ctx);
	} else {
		vmprint_line(p, t->level + 1, t->index, t->pte, t->pa);
	}
	return 0;
}

static int vmprint_leaf(void *ctx, const struct pt_leaf *leaf)
{
	vmprint_line(ctx, leaf->level, leaf->index, leaf->pte, leaf->pa);
	return 0;
}

static int vmprint_bad(void *ctx, const struct pt_bad *bad)
{
	const struct vmprint *p = ctx;
	struct pt_decoded d;

	p->f->decode(p->f, bad->pte, bad->level, &d);
	vmprint_line(p, bad->level, bad->index, bad->pte, d.pa);
	return 0;
}

enum pt_err pt_dump_vmprint(const struct pt *pt, vk_write_fn write, void *ctx)
{
	struct vmprint p = {pt ? pt->fmt : 0, write, ctx};
	struct pt_visitor v = {vmprint_table, vmprint_leaf, vmprint_bad, 0, &p};

	if (!pt || !write)
		return PT_EINVAL;
	return pt_visit_all(pt, &v);
}

/* ---- ranges ----------------------------------------------------------------------------- */

struct ranges {
	const struct pt_format *f;
	pt_label_fn label;
	void *label_ctx;
	vk_write_fn write;
	void *ctx;
	bool open;          /* a run is being gathered */
	struct pt_leaf run; /* its first leaf */
	uint64_t count;     /* leaves in it */
	const char *name;   /* its label */
};

static bool same_label(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static void ranges_flush(struct ranges *r)
{
	struct pt_line l = {.len = 0};
	unsigned digits = r->f->va_bits > 32 ? 16 : 8;
	char buf[16];

	if (!r->open)
		return;
	pt_line_hex(&l, r->run.va, digits);
	pt_line_str(&l, "-");
	pt_line_hex(&l, r->run.va + r->run.size * r->count - 1, digits);
	pt_line_str(&l, " -> ");
	pt_line_hex(&l, r->run.pa, 0);
	pt_line_str(&l, " ");
	pt_line_str(&l, pt_perms_str(r->run.perms, buf));
	pt_line_str(&l, " ");
	pt_line_str(&l, pt_size_str(r->run.size, buf));
	pt_line_str(&l, " x");
	pt_line_dec(&l, r->count);
	if (r->name) {
		pt_line_str(&l, " ");
		pt_line_str(&l, r->name);
	}
	pt_line_flush(&l, r->write, r->ctx);
	r->open = false;
}

static int ranges_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct ranges *r = ctx;
	const char *name = r->label ? r->label(r->label_ctx, leaf->va) : 0;
	uint64_t run_bytes = r->run.size * r->count;

	if (r->open && leaf->size == r->run.size && leaf->perms == r->run.perms &&
	    leaf->va == r->run.va + run_bytes && leaf->pa == r->run.pa + run_bytes &&
	    same_label(name, r->name)) {
		r->count++;
		return 0;
	}
	ranges_flush(r);
	r->open = true;
	r->run = *leaf;
	r->count = 1;
	r->name = name;
	return 0;
}

static int ranges_bad(void *ctx, const struct pt_bad *bad)
{
	struct ranges *r = ctx;
	struct pt_line l = {.len = 0};

	ranges_flush(r);
	pt_line_hex(&l, bad->va, r->f->va_bits > 32 ? 16 : 8);
	pt_line_str(&l, " level ");
	pt_line_dec(&l, bad->level);
	pt_line_str(&l, ": malformed entry ");
	pt_line_hex(&l, bad->pte, r->f->pte_size * 2);
	pt_line_str(&l, " (");
	pt_line_str(&l, bad->why);
	pt_line_str(&l, ")");
	pt_line_flush(&l, r->write, r->ctx);
	return 0;
}

enum pt_err pt_dump_ranges(const struct pt *pt, pt_label_fn label, void *label_ctx,
			   vk_write_fn write, void *ctx)
{
	struct ranges r = {0};
	struct pt_visitor v = {0, ranges_leaf, ranges_bad, 0, &r};
	enum pt_err err;

	if (!pt || !pt->fmt || !write)
		return PT_EINVAL;
	r.f = pt->fmt;
	r.label = label;
	r.label_ctx = label_ctx;
	r.write = write;
	r.ctx = ctx;
	err = pt_visit_all(pt, &v);
	ranges_flush(&r);
	return err;
}
