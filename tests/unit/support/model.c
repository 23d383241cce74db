/* The reference model of a page table: see model.h. Deliberately plain; no lib/pt code. */
#include "model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t run_end(const struct model_run *r)
{
	return r->vpn + r->pages;
}

static void *xrealloc(void *p, size_t bytes)
{
	void *q = realloc(p, bytes ? bytes : 1);

	if (!q) {
		fprintf(stderr, "model: out of host memory\n");
		abort();
	}
	return q;
}

void model_init(struct model *m)
{
	m->runs = NULL;
	m->n = 0;
	m->cap = 0;
}

void model_fini(struct model *m)
{
	free(m->runs);
	model_init(m);
}

void model_clear(struct model *m)
{
	m->n = 0;
}

static void reserve(struct model *m, size_t n)
{
	if (n <= m->cap)
		return;
	m->cap = m->cap ? m->cap * 2 : 64;
	while (m->cap < n)
		m->cap *= 2;
	m->runs = xrealloc(m->runs, m->cap * sizeof(*m->runs));
}

/* Index of the first run that ends after vpn (m->n if none). */
static size_t first_after(const struct model *m, uint64_t vpn)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (run_end(&m->runs[mid]) <= vpn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index one past the last run that starts before end, given runs from i on end after vpn. */
static size_t last_before(const struct model *m, size_t i, uint64_t end)
{
	while (i < m->n && m->runs[i].vpn < end)
		i++;
	return i;
}

bool model_lookup(const struct model *m, uint64_t vpn, uint64_t *ppn, unsigned *perms)
{
	size_t i = first_after(m, vpn);
	const struct model_run *r;

	if (i == m->n || m->runs[i].vpn > vpn)
		return false;
	r = &m->runs[i];
	if (ppn)
		*ppn = r->ppn + (vpn - r->vpn);
	if (perms)
		*perms = r->perms;
	return true;
}

bool model_any(const struct model *m, uint64_t vpn, uint64_t pages)
{
	size_t i = first_after(m, vpn);

	return i < m->n && m->runs[i].vpn < vpn + pages;
}

static uint64_t overlap(const struct model_run *r, uint64_t vpn, uint64_t end)
{
	uint64_t a = r->vpn > vpn ? r->vpn : vpn;
	uint64_t b = run_end(r) < end ? run_end(r) : end;

	return b > a ? b - a : 0;
}

uint64_t model_count(const struct model *m, uint64_t vpn, uint64_t pages)
{
	uint64_t end = vpn + pages, total = 0;

	for (size_t i = first_after(m, vpn); i < m->n && m->runs[i].vpn < end; i++)
		total += overlap(&m->runs[i], vpn, end);
	return total;
}

uint64_t model_total(const struct model *m)
{
	uint64_t total = 0;

	for (size_t i = 0; i < m->n; i++)
		total += m->runs[i].pages;
	return total;
}

/* Whether b continues a: the next virtual page, the next physical page, the same perms. */
static bool continues(const struct model_run *a, const struct model_run *b)
{
	return run_end(a) == b->vpn && a->ppn + a->pages == b->ppn && a->perms == b->perms;
}

/* Replace runs [i, j) by the k runs in repl, then merge neighbours around them. */
static void splice(struct model *m, size_t i, size_t j, const struct model_run *repl, size_t k)
{
	size_t tail = m->n - j;
	size_t lo, hi;

	reserve(m, m->n - (j - i) + k);
	memmove(&m->runs[i + k], &m->runs[j], tail * sizeof(*m->runs));
	memcpy(&m->runs[i], repl, k * sizeof(*repl));
	m->n = m->n - (j - i) + k;

	/* Merge what may now continue each other: from run i - 1 up to run i + k. */
	lo = i > 0 ? i - 1 : 0;
	hi = i + k;
	for (size_t x = lo; x < hi && x + 1 < m->n;) {
		if (continues(&m->runs[x], &m->runs[x + 1])) {
			m->runs[x].pages += m->runs[x + 1].pages;
			memmove(&m->runs[x + 1], &m->runs[x + 2],
				(m->n - x - 2) * sizeof(*m->runs));
			m->n--;
			hi--;
		} else {
			x++;
		}
	}
}

void model_insert(struct model *m, uint64_t vpn, uint64_t pages, uint64_t ppn, unsigned perms)
{
	struct model_run r = {vpn, pages, ppn, perms};
	size_t i = first_after(m, vpn);

	if (pages == 0)
		return;
	if (i < m->n && m->runs[i].vpn < vpn + pages) {
		fprintf(stderr, "model_insert over mapped pages\n");
		abort();
	}
	splice(m, i, i, &r, 1);
}

/*
 * Rewrite the runs meeting [vpn, end): the parts outside the range are kept as they are, the
 * parts inside are dropped (remove) or get new perms (change).
 */
static void rewrite(struct model *m, uint64_t vpn, uint64_t pages, bool remove, unsigned set,
		    unsigned clear)
{
	uint64_t end = vpn + pages;
	size_t i = first_after(m, vpn);
	size_t j = last_before(m, i, end);
	struct model_run *repl;
	size_t k = 0;

	if (i == j)
		return;
	repl = xrealloc(NULL, (j - i + 2) * sizeof(*repl));
	for (size_t x = i; x < j; x++) {
		struct model_run r = m->runs[x];
		uint64_t a = r.vpn > vpn ? r.vpn : vpn;
		uint64_t b = run_end(&r) < end ? run_end(&r) : end;

		if (r.vpn < a)
			repl[k++] = (struct model_run){r.vpn, a - r.vpn, r.ppn, r.perms};
		if (!remove)
			repl[k++] = (struct model_run){a, b - a, r.ppn + (a - r.vpn),
						       (r.perms & ~clear) | set};
		if (b < run_end(&r))
			repl[k++] = (struct model_run){b, run_end(&r) - b, r.ppn + (b - r.vpn),
						       r.perms};
	}
	splice(m, i, j, repl, k);
	free(repl);
}

void model_remove(struct model *m, uint64_t vpn, uint64_t pages)
{
	rewrite(m, vpn, pages, true, 0, 0);
}

void model_change(struct model *m, uint64_t vpn, uint64_t pages, unsigned set, unsigned clear)
{
	rewrite(m, vpn, pages, false, set, clear);
}

void model_extract(const struct model *m, uint64_t vpn, uint64_t pages, struct model_run **out,
		   size_t *n)
{
	uint64_t end = vpn + pages;
	size_t i = first_after(m, vpn);
	size_t j = last_before(m, i, end);

	*out = NULL;
	*n = 0;
	if (i == j)
		return;
	*out = xrealloc(NULL, (j - i) * sizeof(**out));
	for (size_t x = i; x < j; x++) {
		const struct model_run *r = &m->runs[x];
		uint64_t a = r->vpn > vpn ? r->vpn : vpn;
		uint64_t b = run_end(r) < end ? run_end(r) : end;

		(*out)[(*n)++] = (struct model_run){a, b - a, r->ppn + (a - r->vpn), r->perms};
	}
}

bool model_well_formed(const struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->runs[i].pages == 0 || run_end(&m->runs[i]) < m->runs[i].vpn)
			return false;
		if (i > 0 && run_end(&m->runs[i - 1]) > m->runs[i].vpn)
			return false;
	}
	return true;
}

bool model_runs_same(const struct model_run *a, size_t na, const struct model_run *b, size_t nb,
		     char *why, size_t why_len)
{
	size_t i = 0, j = 0;
	uint64_t oa = 0, ob = 0; /* pages of a[i] / b[j] already compared */
	char dummy[8];

	if (!why) {
		why = dummy;
		why_len = sizeof(dummy);
	}
	for (size_t x = 0; x < nb; x++) {
		if (b[x].pages == 0 || (x > 0 && run_end(&b[x - 1]) > b[x].vpn)) {
			snprintf(why, why_len, "second list not sorted/disjoint at item %zu (vpn 0x%" PRIx64 ")",
				 x, b[x].vpn);
			return false;
		}
	}
	while (i < na && j < nb) {
		uint64_t va = a[i].vpn + oa, vb = b[j].vpn + ob;
		uint64_t pa = a[i].ppn + oa, pb = b[j].ppn + ob;
		uint64_t left_a = a[i].pages - oa, left_b = b[j].pages - ob;
		uint64_t chunk = left_a < left_b ? left_a : left_b;

		if (va != vb) {
			uint64_t v = va < vb ? va : vb;

			snprintf(why, why_len, "page 0x%" PRIx64 " (VA index 0x%" PRIx64 ") mapped only in the %s",
				 v, v * MODEL_PAGE, va < vb ? "first" : "second");
			return false;
		}
		if (pa != pb || a[i].perms != b[j].perms) {
			snprintf(why, why_len,
				 "page 0x%" PRIx64 " (VA index 0x%" PRIx64 "): first has PA 0x%" PRIx64 " perms 0x%x, "
				 "second has PA 0x%" PRIx64 " perms 0x%x",
				 va, va * MODEL_PAGE, pa * MODEL_PAGE, a[i].perms, pb * MODEL_PAGE,
				 b[j].perms);
			return false;
		}
		oa += chunk;
		ob += chunk;
		if (oa == a[i].pages) {
			i++;
			oa = 0;
		}
		if (ob == b[j].pages) {
			j++;
			ob = 0;
		}
	}
	if (i < na || j < nb) {
		uint64_t v = i < na ? a[i].vpn + oa : b[j].vpn + ob;

		snprintf(why, why_len, "page 0x%" PRIx64 " (VA index 0x%" PRIx64 ") mapped only in the %s", v,
			 v * MODEL_PAGE, i < na ? "first" : "second");
		return false;
	}
	return true;
}

/* ---- format facts ----------------------------------------------------------------------- */

uint64_t model_space(const struct pt_format *f)
{
	return (uint64_t)1 << f->va_bits;
}

uint64_t model_level_size(const struct pt_format *f, unsigned level)
{
	return (uint64_t)1 << f->shift[level];
}

unsigned model_top_leaf(const struct pt_format *f)
{
	unsigned top = 0;

	for (unsigned l = 0; l < f->levels; l++)
		if (f->leaf_levels & (1u << l))
			top = l;
	return top;
}

uint64_t model_iva(const struct pt_format *f, uint64_t va)
{
	return va & (model_space(f) - 1);
}

uint64_t model_va(const struct pt_format *f, uint64_t iva)
{
	uint64_t space = model_space(f);

	if (f->sign_extended && iva >= space / 2)
		return iva | ~(space - 1);
	return iva;
}

bool model_perms_ok(const struct pt_format *f, unsigned perms)
{
	if (perms & ~(unsigned)PT_PERM_ALL)
		return false;
	if (strcmp(f->arch, "riscv") == 0) {
		/* XWR = 000 is a pointer, 010 and 110 are reserved. */
		if (!(perms & (PT_R | PT_X)))
			return false;
		return !(perms & PT_W) || (perms & PT_R);
	}
	/* x86: a present page is always readable. */
	return (perms & PT_R) != 0;
}

unsigned model_effective(const struct pt_format *f, unsigned perms)
{
	/* 32-bit x86 paging has no XD bit. */
	if (strcmp(f->arch, "x86") == 0 && f->pte_size == 4)
		return perms | PT_X;
	return perms;
}

/* ---- text capture ----------------------------------------------------------------------- */

void model_text_write(void *ctx, const char *s, size_t len)
{
	struct model_text *t = ctx;

	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;

		while (cap < t->len + len + 1)
			cap *= 2;
		t->s = xrealloc(t->s, cap);
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, len);
	t->len += len;
	t->s[t->len] = 0;
}

void model_text_free(struct model_text *t)
{
	free(t->s);
	t->s = NULL;
	t->len = 0;
	t->cap = 0;
}
