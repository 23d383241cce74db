/* Commands on the current space's table: format, map, unmap, protect, query, walk, poke, kmap,
 * check, stats, dump, reset. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim.h"

static struct pt *cur_pt(struct sim *s)
{
	return &sim_space(s)->vs.pt;
}

/* Report a library error for the address va. */
static int pt_fail(struct sim *s, va_t va, enum pt_err err)
{
	char buf[128];

	return sim_error(s, "0x%llx: %s", (unsigned long long)va, err_text(err, buf));
}

int cmd_format(struct sim *s, const struct args *a)
{
	const struct pt_format *f = pt_format_by_name(a->v[1]);

	if (!f)
		return sim_error(s, "unknown format '%s' (sv32 sv39 sv48 sv57 x86-32 x86-pae x86-64 "
				    "x86-64-la57)", a->v[1]);
	return space_create(s, s->cur, f, SPACE_USER);
}

int cmd_map(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	uint64_t va, pa, size, end = space_user_end(sp);
	unsigned perms, flags = 0;
	enum pt_err err;

	if (parse_num(s, a->v[1], "VA", &va) || parse_num(s, a->v[2], "PA", &pa) ||
	    parse_num(s, a->v[3], "SIZE", &size) || parse_perms(s, a->v[4], &perms))
		return -1;
	if (a->n == 6) {
		if (strcmp(a->v[5], "4k") && strcmp(a->v[5], "4K"))
			return sim_error(s, "'%s': the only option is 4k", a->v[5]);
		flags = PT_MAP_4K;
	}
	if (va < end)
		return sim_error(s, "0x%llx: inside user memory [0, 0x%llx), whose pages own their "
				    "frames: use alloc or grow there, or map above it",
				 (unsigned long long)va, (unsigned long long)end);
	err = pt_map(&sp->vs.pt, va, pa, size, perms, flags);
	return err ? pt_fail(s, va, err) : 0;
}

int cmd_unmap(struct sim *s, const struct args *a)
{
	struct space *sp = sim_space(s);
	uint64_t va, size;
	enum pt_err err;

	if (parse_num(s, a->v[1], "VA", &va) || parse_num(s, a->v[2], "SIZE", &size))
		return -1;
	err = pt_unmap(&sp->vs.pt, va, size, space_release_leaf, sp);
	return err ? pt_fail(s, va, err) : 0;
}

int cmd_protect(struct sim *s, const struct args *a)
{
	uint64_t va, size;
	unsigned perms;
	enum pt_err err;

	if (parse_num(s, a->v[1], "VA", &va) || parse_num(s, a->v[2], "SIZE", &size) ||
	    parse_perms(s, a->v[3], &perms))
		return -1;
	err = pt_protect(cur_pt(s), va, size, perms);
	return err ? pt_fail(s, va, err) : 0;
}

/* ---- the walk, step by step ------------------------------------------------------------ */

enum walk_end { WALK_LEAF, WALK_INVALID, WALK_BAD };

struct walk_result {
	enum walk_end end;
	unsigned level;          /* where it ended */
	struct pt_leaf leaf;     /* WALK_LEAF */
	pa_t pa;                 /* WALK_LEAF: the PA of va */
	char why[96];            /* WALK_BAD */
};

static unsigned digits10(unsigned v)
{
	unsigned n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Follow va from the root as xv6's walk does, printing one line per level if out is set. */
static void trace_walk(struct sim *s, const struct pt *pt, va_t va, FILE *out,
		       struct walk_result *r)
{
	const struct pt_format *f = pt->fmt;
	unsigned width = 1;
	pa_t table = pt->root;
	char pbuf[8], sbuf[32];

	for (unsigned l = 0; l < f->levels; l++)
		if (digits10((1u << f->index_bits[l]) - 1) > width)
			width = digits10((1u << f->index_bits[l]) - 1);
	memset(r, 0, sizeof(*r));
	for (unsigned level = f->levels - 1u;; level--) {
		unsigned idx = va_index(f, va, level);
		pa_t entry = table + (pa_t)idx * f->pte_size;
		struct pt_decoded d;
		uint64_t pte;

		r->level = level;
		if (!pte_read(s, f, entry, &pte)) {
			/* Only a pointer already reported as outside the RAM leads here. */
			r->end = WALK_BAD;
			snprintf(r->why, sizeof(r->why), "table outside simulated RAM");
			return;
		}
		if (out)
			fprintf(out, "level %u  index %*u  entry 0x%llx  pte 0x%0*llx  ", level,
				(int)width, idx, (unsigned long long)entry, f->pte_size * 2,
				(unsigned long long)pte);
		f->decode(f, pte, level, &d);
		switch (d.kind) {
		case PT_ENTRY_INVALID:
			if (out)
				fprintf(out, "invalid\n");
			r->end = WALK_INVALID;
			return;
		case PT_ENTRY_BAD:
			if (out)
				fprintf(out, "malformed: %s\n", d.why);
			r->end = WALK_BAD;
			snprintf(r->why, sizeof(r->why), "%s", d.why);
			return;
		case PT_ENTRY_TABLE:
			if (level == 0 || !host_ram_ptr(&s->ram, d.pa, pt_table_bytes(f, level - 1))) {
				if (out)
					fprintf(out, "table 0x%llx, outside simulated RAM\n",
						(unsigned long long)d.pa);
				r->end = WALK_BAD;
				snprintf(r->why, sizeof(r->why), "table 0x%llx outside simulated RAM",
					 (unsigned long long)d.pa);
				return;
			}
			if (out)
				fprintf(out, "table 0x%llx\n", (unsigned long long)d.pa);
			table = d.pa;
			continue;
		case PT_ENTRY_LEAF:
			r->end = WALK_LEAF;
			r->leaf.size = pt_level_size(f, level);
			r->leaf.va = va & ~(r->leaf.size - 1);
			r->leaf.pa = d.pa;
			r->leaf.level = level;
			r->leaf.perms = d.perms;
			r->leaf.pte = pte;
			r->leaf.index = idx;
			r->pa = d.pa + (va & (r->leaf.size - 1));
			if (out)
				fprintf(out, "leaf 0x%llx %s %s%s\n", (unsigned long long)d.pa,
					perms7(d.perms, pbuf), pt_size_str(r->leaf.size, sbuf),
					perms_soft(d.perms));
			return;
		}
	}
}

static void print_result(FILE *out, va_t va, const struct walk_result *r)
{
	switch (r->end) {
	case WALK_LEAF:
		print_mapping(out, va, r->pa, &r->leaf);
		break;
	case WALK_INVALID:
		fprintf(out, "0x%llx unmapped\n", (unsigned long long)va);
		break;
	case WALK_BAD:
		fprintf(out, "0x%llx malformed entry at level %u: %s\n", (unsigned long long)va,
			r->level, r->why);
		break;
	}
}

int cmd_query(struct sim *s, const struct args *a)
{
	struct pt *pt = cur_pt(s);
	struct walk_result r;
	struct pt_leaf leaf;
	enum pt_err err;
	uint64_t va;
	pa_t pa;

	if (parse_num(s, a->v[1], "VA", &va) || check_va(s, pt->fmt, va))
		return -1;
	err = pt_query(pt, va, &leaf, &pa);
	if (err == PT_OK) {
		print_mapping(stdout, va, pa, &leaf);
		return 0;
	}
	if (err == PT_ENOENT) {
		printf("0x%llx unmapped\n", (unsigned long long)va);
		return 0;
	}
	if (err != PT_ECORRUPT)
		return pt_fail(s, va, err);
	trace_walk(s, pt, va, NULL, &r);
	print_result(stdout, va, &r);
	return 0;
}

int cmd_walk(struct sim *s, const struct args *a)
{
	struct pt *pt = cur_pt(s);
	struct walk_result r;
	uint64_t va;

	if (parse_num(s, a->v[1], "VA", &va) || check_va(s, pt->fmt, va))
		return -1;
	trace_walk(s, pt, va, stdout, &r);
	print_result(stdout, va, &r);
	return 0;
}

int cmd_poke(struct sim *s, const struct args *a)
{
	struct pt *pt = cur_pt(s);
	const struct pt_format *f = pt->fmt;
	uint64_t va, level, value;
	pa_t table = pt->root;
	struct pt_decoded target;
	char buf[128];

	if (parse_num(s, a->v[1], "VA", &va) || parse_num(s, a->v[2], "LEVEL", &level) ||
	    parse_num(s, a->v[3], "VALUE", &value) || check_va(s, f, va))
		return -1;
	if (level >= f->levels)
		return sim_error(s, "level %llu: %s has levels 0 to %u", (unsigned long long)level,
				 f->name, f->levels - 1u);
	if (f->pte_size == 4 && (value >> 32))
		return sim_error(s, "0x%llx does not fit in a 4-byte %s entry",
				 (unsigned long long)value, f->name);
	/* A pointer into RAM lets the engine write where the table is: it must be a table
	 * already, and the new pointer holds a reference to it (see space.c). */
	f->decode(f, value, (unsigned)level, &target);
	if (target.kind == PT_ENTRY_TABLE && host_ram_ptr(&s->ram, target.pa, 1) &&
	    !frame_is_table(s, target.pa))
		return sim_error(s, "0x%llx would point at 0x%llx as a table, but that frame of the "
				    "simulated RAM is %s, not a page table: the engine would write into "
				    "it", (unsigned long long)value, (unsigned long long)target.pa,
				 frame_refs_at(s, target.pa) ? "in use" : "free");
	for (unsigned l = f->levels - 1u; l > level; l--) {
		pa_t entry = table + (pa_t)va_index(f, va, l) * f->pte_size;
		struct pt_decoded d;
		uint64_t pte;
		pa_t child;
		enum pt_err err;

		if (!pte_read(s, f, entry, &pte))
			return sim_error(s, "the level %u table is outside simulated RAM", l);
		f->decode(f, pte, l, &d);
		if (d.kind == PT_ENTRY_TABLE) {
			if (!host_ram_ptr(&s->ram, d.pa, pt_table_bytes(f, l - 1)))
				return sim_error(s, "the level %u entry points outside simulated RAM "
						    "(0x%llx)", l, (unsigned long long)d.pa);
			table = d.pa;
			continue;
		}
		if (d.kind == PT_ENTRY_LEAF)
			return sim_error(s, "the level %u entry on the path is a leaf (%s page): poke "
					    "level %u, or unmap it first", l,
					 pt_size_str(pt_level_size(f, l), buf), l);
		if (d.kind == PT_ENTRY_BAD)
			return sim_error(s, "the level %u entry on the path is malformed (%s): poke "
					    "level %u first", l, d.why, l);
		err = pt->mem.alloc(pt->mem.ctx, pt_table_bytes(f, l - 1), &child);
		if (err)
			return sim_error(s, "no memory for a level %u table: %s", l - 1,
					 err_text(err, buf));
		pte_write(s, f, entry, f->make_table(f, child, l));
		table = child;
	}
	if (!pte_write(s, f, table + (pa_t)va_index(f, va, (unsigned)level) * f->pte_size, value))
		return sim_error(s, "the level %llu table is outside simulated RAM",
				 (unsigned long long)level);
	if (target.kind == PT_ENTRY_TABLE && frame_is_table(s, target.pa))
		frame_get(&s->ram.frames, target.pa & ~(PT_PAGE_SIZE - 1));
	return 0;
}

/* ---- kernel maps ------------------------------------------------------------------------- */

#define KMAP_RV_ETEXT 0x80008000ull
#define KMAP_RV_TRAMPOLINE 0x80007000ull
#define KMAP_RV_PHYSTOP 0x88000000ull
#define KMAP_X86_DATA 0x80108000ull
#define KMAP_X86_PHYSTOP 0xe000000ull

int cmd_kmap(struct sim *s, const struct args *a)
{
	struct vm_region regions[VM_XV6_RISCV_NREGIONS];
	const struct pt_format *f;
	enum space_kind kind;
	struct space *sp;
	size_t n, bad = 0;
	enum pt_err err;
	char buf[128];

	if (!strcmp(a->v[1], "riscv")) {
		n = vm_kmap_xv6_riscv(regions, KMAP_RV_ETEXT, KMAP_RV_TRAMPOLINE, KMAP_RV_PHYSTOP);
		f = &pt_format_sv39;
		kind = SPACE_KMAP_RISCV;
	} else if (!strcmp(a->v[1], "x86")) {
		n = vm_kmap_xv6_x86(regions, KMAP_X86_DATA, KMAP_X86_PHYSTOP);
		f = &pt_format_x86_32;
		kind = SPACE_KMAP_X86;
	} else {
		return sim_error(s, "'%s' is not riscv or x86", a->v[1]);
	}
	if (space_create(s, s->cur, f, kind))
		return -1;
	sp = sim_space(s);
	memcpy(sp->regions, regions, n * sizeof(regions[0]));
	sp->nregions = n;
	err = vm_kmap_build(&sp->vs.pt, sp->regions, n, &bad);
	if (err)
		return sim_error(s, "region %s: %s", regions[bad].name, err_text(err, buf));
	return 0;
}

/* ---- check, stats --------------------------------------------------------------------- */

int cmd_check(struct sim *s, const struct args *a)
{
	struct pt *pt = cur_pt(s);
	struct pt_violation v;
	struct pt_stats st;
	size_t slots;
	pa_t *scratch;
	enum pt_err err;
	char buf[128];

	(void)a;
	pt_stats(pt, &st);
	slots = 16;
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++)
		slots += 2 * st.tables[l];
	scratch = malloc(slots * sizeof(*scratch));
	if (!scratch)
		return sim_error(s, "out of memory");
	err = pt_check(pt, scratch, slots, &v);
	free(scratch);
	if (err == PT_OK) {
		printf("ok\n");
		return 0;
	}
	if (err != PT_ECORRUPT)
		return sim_error(s, "%s", err_text(err, buf));
	printf("violation at 0x%llx level %u: %s (pte 0x%0*llx)\n", (unsigned long long)v.va,
	       v.level, v.what, pt->fmt->pte_size * 2, (unsigned long long)v.pte);
	return 0;
}

int cmd_stats(struct sim *s, const struct args *a)
{
	struct pt *pt = cur_pt(s);
	const struct pt_format *f = pt->fmt;
	uint64_t tables = 0, pages = 0;
	struct pt_stats st;
	char buf[32];

	(void)a;
	pt_stats(pt, &st);
	for (unsigned l = 0; l < f->levels; l++) {
		tables += st.tables[l];
		pages += st.leaves[l];
	}
	printf("tables: %llu (", (unsigned long long)tables);
	for (unsigned l = f->levels; l-- > 0;)
		printf("level %u: %llu%s", l, (unsigned long long)st.tables[l], l ? ", " : "");
	printf("), %s\n", bytes_str(st.table_bytes, buf));
	printf("pages: %llu (", (unsigned long long)pages);
	for (unsigned l = 0, first = 1; l < f->levels; l++) {
		if (!((f->leaf_levels >> l) & 1))
			continue;
		printf("%s%s: %llu", first ? "" : ", ", pt_size_str(pt_level_size(f, l), buf),
		       (unsigned long long)st.leaves[l]);
		first = 0;
	}
	printf("), %s mapped\n", bytes_str(st.mapped_bytes, buf));
	if (st.bad)
		printf("malformed entries: %llu\n", (unsigned long long)st.bad);
	return 0;
}

int cmd_reset(struct sim *s, const struct args *a)
{
	const struct pt_format *f = cur_pt(s)->fmt;

	(void)a;
	for (unsigned i = 0; i < PTSIM_MAX_SPACES; i++)
		space_free(s, &s->spaces[i]);
	s->cur = 0;
	cpu_defaults(&s->cpu);
	return space_create(s, 0, f, SPACE_USER);
}

/* ---- dump ---------------------------------------------------------------------------- */

int cmd_dump(struct sim *s, const struct args *a)
{
	static const struct {
		const char *name;
		enum dump_form form;
	} forms[] = {{"ranges", DUMP_RANGES}, {"vmprint", DUMP_VMPRINT}, {"dot", DUMP_DOT},
		     {"json", DUMP_JSON}, {"svg", DUMP_SVG}};
	enum dump_form form = DUMP_RANGES;
	const char *file = NULL;
	bool all = false, have_form = false;
	FILE *out = stdout;
	int r;

	for (int i = 1; i < a->n; i++) {
		bool known = false;

		if (!strcmp(a->v[i], "-o")) {
			if (i + 1 == a->n)
				return sim_error(s, "-o needs a file name");
			file = a->v[++i];
			continue;
		}
		if (!strcmp(a->v[i], "all")) {
			all = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
			if (!strcmp(a->v[i], forms[k].name) && !have_form) {
				form = forms[k].form;
				have_form = known = true;
			}
		}
		if (!known)
			return sim_error(s, "'%s': expected one form (ranges vmprint dot json svg), "
					    "all, or -o FILE", a->v[i]);
	}
	if (form == DUMP_SVG)
		return dump_svg(s, all, file);
	if (file) {
		out = fopen(file, "w");
		if (!out)
			return sim_error(s, "cannot write %s: %s", file, strerror(errno));
	}
	if (form == DUMP_DOT)
		r = dump_dot(s, all, out);
	else if (form == DUMP_JSON)
		r = dump_json(s, all, out);
	else
		r = dump_text(s, form, all, out);
	if (file && fclose(out) && !r)
		r = sim_error(s, "cannot write %s: %s", file, strerror(errno));
	return r;
}
