/*
 * Output forms: the engine's two text dumps, Graphviz DOT (and SVG through dot -Tsvg), JSON,
 * and the small text helpers the commands share.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptsim.h"

const char *perms7(unsigned perms, char buf[8])
{
	static const char letters[] = "rwxugad";

	for (unsigned i = 0; i < 7; i++)
		buf[i] = (perms & (1u << i)) ? letters[i] : '-';
	buf[7] = 0;
	return buf;
}

const char *perms_soft(unsigned perms)
{
	switch (perms & (PT_SW0 | PT_SW1)) {
	case PT_SW0:
		return " cow";
	case PT_SW1:
		return " sw1";
	case PT_SW0 | PT_SW1:
		return " cow sw1";
	}
	return "";
}

const char *bytes_str(uint64_t v, char buf[32])
{
	if (v == 0)
		snprintf(buf, 32, "0");
	else if (v & 1023)
		snprintf(buf, 32, "%llu bytes", (unsigned long long)v);
	else
		pt_size_str(v, buf);
	return buf;
}

void print_mapping(FILE *out, va_t va, pa_t pa, const struct pt_leaf *leaf)
{
	char pbuf[8], sbuf[32];

	fprintf(out, "0x%llx -> 0x%llx %s %s%s\n", (unsigned long long)va, (unsigned long long)pa,
		perms7(leaf->perms, pbuf), pt_size_str(leaf->size, sbuf), perms_soft(leaf->perms));
}

static void write_file(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, ctx);
}

/* The spaces a dump covers: the current one, or every one. */
static bool dumped(const struct sim *s, unsigned i, bool all)
{
	return s->spaces[i].used && (all || i == s->cur);
}

int dump_text(struct sim *s, enum dump_form form, bool all, FILE *out)
{
	char buf[128];

	for (unsigned i = 0; i < PTSIM_MAX_SPACES; i++) {
		struct space *sp = &s->spaces[i];
		struct vm_kmap_names names;
		enum pt_err err;

		if (!dumped(s, i, all))
			continue;
		if (all)
			fprintf(out, "== space %u: %s, %s ==\n", i, sp->vs.pt.fmt->name,
				space_kind_name(sp->kind));
		if (form == DUMP_VMPRINT)
			err = pt_dump_vmprint(&sp->vs.pt, write_file, out);
		else
			err = pt_dump_ranges(&sp->vs.pt, space_labels(sp, &names), &names, write_file,
					     out);
		if (err)
			return sim_error(s, "%s", err_text(err, buf));
	}
	return 0;
}

/* ---- Graphviz ---------------------------------------------------------------------------- */

/* Fill colours of pages, by what they allow; the legend lists those used. */
enum colour { C_RO, C_RW, C_RX, C_RWX, C_COW, C_NCOLOURS };
static const char *const colour_fill[C_NCOLOURS] = {"#a9cdf5", "#b7e4b0", "#f6b3a8", "#d7b5f0",
						     "#ffe08a"};
static const char *const colour_name[C_NCOLOURS] = {
	"read-only", "read-write", "executable", "writable and executable",
	"copy-on-write (read-only until written)"};

static enum colour colour_of(unsigned perms)
{
	if (perms & VM_COW)
		return C_COW;
	if ((perms & PT_W) && (perms & PT_X))
		return C_RWX;
	if (perms & PT_W)
		return C_RW;
	if (perms & PT_X)
		return C_RX;
	return C_RO;
}

/* A page node already written: one per physical range, shared by every space mapping it. */
struct page_id {
	pa_t pa;
	uint64_t bytes;
};

struct dot {
	struct sim *s;
	FILE *out;
	unsigned sid;
	struct space *sp;
	const struct pt_format *f;
	struct vm_kmap_names names;
	pt_label_fn label;
	pa_t table_at[PT_MAX_LEVELS];
	/* the run of leaves being gathered (one table, consecutive entries) */
	bool open;
	struct pt_leaf first;
	uint64_t count;
	unsigned last_index;
	uint32_t refs;
	const char *name;
	/* pages written, and what the legend needs */
	struct page_id *pages;
	size_t npages, cap;
	unsigned colours_used;
	bool supervisor_pages;
	bool failed;
};

static void dot_table_id(const struct dot *d, pa_t pa, char buf[48])
{
	snprintf(buf, 48, "s%u_t%llx", d->sid, (unsigned long long)pa);
}

static bool page_seen(struct dot *d, pa_t pa, uint64_t bytes)
{
	for (size_t i = 0; i < d->npages; i++)
		if (d->pages[i].pa == pa && d->pages[i].bytes == bytes)
			return true;
	if (d->npages == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct page_id *p = realloc(d->pages, cap * sizeof(*p));

		if (!p) {
			d->failed = true;
			return true;
		}
		d->pages = p;
		d->cap = cap;
	}
	d->pages[d->npages++] = (struct page_id){pa, bytes};
	return false;
}

static uint32_t leaf_refs(struct dot *d, const struct pt_leaf *leaf)
{
	if (leaf->va >= space_user_end(d->sp))
		return 0;
	return frame_refs_at(d->s, leaf->pa);
}

static void dot_flush(struct dot *d)
{
	const struct pt_leaf *l = &d->first;
	uint64_t bytes = l->size * d->count;
	char from[48], pbuf[8], sbuf[32];
	enum colour c = colour_of(l->perms);

	if (!d->open)
		return;
	d->open = false;
	dot_table_id(d, d->table_at[l->level], from);
	if (!page_seen(d, l->pa, bytes)) {
		fprintf(d->out, "\tp%llx_%llx [label=\"", (unsigned long long)l->pa,
			(unsigned long long)bytes);
		if (d->count == 1)
			fprintf(d->out, "0x%llx\\n%s", (unsigned long long)l->pa,
				pt_size_str(l->size, sbuf));
		else
			fprintf(d->out, "0x%llx-0x%llx\\n%llu x %s", (unsigned long long)l->pa,
				(unsigned long long)(l->pa + bytes - 1), (unsigned long long)d->count,
				pt_size_str(l->size, sbuf));
		fprintf(d->out, " %s%s", perms7(l->perms, pbuf), perms_soft(l->perms));
		if (d->refs)
			fprintf(d->out, "\\nrefs %u", d->refs);
		if (d->name)
			fprintf(d->out, "\\n%s", d->name);
		fprintf(d->out, "\", fillcolor=\"%s\"%s];\n", colour_fill[c],
			(l->perms & PT_U) ? "" : ", style=\"filled,dashed\"");
		d->colours_used |= 1u << c;
		if (!(l->perms & PT_U))
			d->supervisor_pages = true;
	}
	fprintf(d->out, "\t%s -> p%llx_%llx [label=\"", from, (unsigned long long)l->pa,
		(unsigned long long)bytes);
	if (d->count == 1)
		fprintf(d->out, "%u", l->index);
	else
		fprintf(d->out, "%u-%u", l->index, d->last_index);
	fprintf(d->out, "\"];\n");
}

static int dot_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct dot *d = ctx;
	const char *name = d->label ? d->label(&d->names, leaf->va) : NULL;
	uint32_t refs = leaf_refs(d, leaf);
	uint64_t run = d->first.size * d->count;

	if (d->open && leaf->level == d->first.level && leaf->index == d->last_index + 1 &&
	    leaf->size == d->first.size && leaf->perms == d->first.perms &&
	    leaf->va == d->first.va + run && leaf->pa == d->first.pa + run && refs == d->refs &&
	    name == d->name) {
		d->count++;
		d->last_index = leaf->index;
		return 0;
	}
	dot_flush(d);
	d->open = true;
	d->first = *leaf;
	d->count = 1;
	d->last_index = leaf->index;
	d->refs = refs;
	d->name = name;
	return 0;
}

/* Pass 1, inside the space's cluster: the table nodes. */
static int dot_table_node(void *ctx, const struct pt_table *t)
{
	struct dot *d = ctx;
	char id[48];

	dot_table_id(d, t->pa, id);
	if (t->level == d->f->levels - 1u)
		fprintf(d->out, "\t\t%s [label=\"level %u root\\n0x%llx\"];\n", id, t->level,
			(unsigned long long)t->pa);
	else
		fprintf(d->out, "\t\t%s [label=\"level %u table\\n0x%llx\\nva 0x%llx-0x%llx\"];\n", id,
			t->level, (unsigned long long)t->pa, (unsigned long long)t->va,
			(unsigned long long)(t->va + t->span - 1));
	return 0;
}

/* Pass 2: pointer entries as edges, leaves as edges to page nodes. */
static int dot_table_edge(void *ctx, const struct pt_table *t)
{
	struct dot *d = ctx;
	char from[48], to[48];

	dot_flush(d);
	d->table_at[t->level] = t->pa;
	if (t->level == d->f->levels - 1u)
		return 0;
	dot_table_id(d, d->table_at[t->level + 1], from);
	dot_table_id(d, t->pa, to);
	fprintf(d->out, "\t%s -> %s [label=\"%u\"];\n", from, to, t->index);
	return 0;
}

static int dot_table_post(void *ctx, const struct pt_table *t)
{
	(void)t;
	dot_flush(ctx);
	return 0;
}

static int dot_bad(void *ctx, const struct pt_bad *b)
{
	struct dot *d = ctx;
	char from[48];

	dot_flush(d);
	dot_table_id(d, d->table_at[b->level], from);
	fprintf(d->out,
		"\ts%u_bad%llx [label=\"malformed\\n%s\\npte 0x%0*llx\", fillcolor=\"#ff6666\"];\n",
		d->sid, (unsigned long long)b->entry_pa, b->why, d->f->pte_size * 2,
		(unsigned long long)b->pte);
	fprintf(d->out, "\t%s -> s%u_bad%llx [label=\"%u\"];\n", from, d->sid,
		(unsigned long long)b->entry_pa, b->index);
	return 0;
}

int dump_dot(struct sim *s, bool all, FILE *out)
{
	struct dot d;

	memset(&d, 0, sizeof(d));
	d.s = s;
	d.out = out;
	fprintf(out, "digraph ptsim {\n"
		     "\tgraph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.2, "
		     "ranksep=0.5];\n"
		     "\tnode [shape=box, style=filled, fillcolor=\"#eeeeee\", fontname=\"Helvetica\", "
		     "fontsize=10];\n"
		     "\tedge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.6];\n");
	for (unsigned i = 0; i < PTSIM_MAX_SPACES; i++) {
		struct pt_visitor nodes = {dot_table_node, NULL, NULL, NULL, &d};
		struct pt_visitor edges = {dot_table_edge, dot_leaf, dot_bad, dot_table_post, &d};
		struct space *sp = &s->spaces[i];
		const struct pt_format *f = sp->vs.pt.fmt;

		if (!dumped(s, i, all))
			continue;
		d.sid = i;
		d.sp = sp;
		d.f = f;
		d.label = space_labels(sp, &d.names);
		fprintf(out, "\tsubgraph cluster_s%u {\n\t\tlabel=\"space %u%s: %s, ", i, i,
			i == s->cur ? " (current)" : "", f->name);
		if (sp->kind == SPACE_USER)
			fprintf(out, "user memory 0x%llx\";\n", (unsigned long long)sp->vs.size);
		else
			fprintf(out, "%s\";\n", space_kind_name(sp->kind));
		fprintf(out, "\t\tstyle=rounded; color=\"#888888\";\n");
		fprintf(out, "\t\ts%u_reg [label=\"%s\", shape=cds, fillcolor=\"#dddddd\"];\n", i,
			strcmp(f->arch, "riscv") ? "CR3" : "satp");
		pt_visit_all(&sp->vs.pt, &nodes);
		fprintf(out, "\t}\n\ts%u_reg -> s%u_t%llx;\n", i, i, (unsigned long long)sp->vs.pt.root);
		pt_visit_all(&sp->vs.pt, &edges);
		dot_flush(&d);
	}
	if (d.npages) {
		/* Physical pages in one column, after every table. */
		fprintf(out, "\t{rank=sink;");
		for (size_t k = 0; k < d.npages; k++)
			fprintf(out, " p%llx_%llx;", (unsigned long long)d.pages[k].pa,
				(unsigned long long)d.pages[k].bytes);
		fprintf(out, "}\n");
	}
	if (d.colours_used || d.supervisor_pages) {
		fprintf(out, "\tlegend [shape=plaintext, style=\"\", label=<<table border=\"0\" "
			     "cellborder=\"1\" cellspacing=\"0\" cellpadding=\"3\">");
		for (unsigned c = 0; c < C_NCOLOURS; c++)
			if (d.colours_used & (1u << c))
				fprintf(out, "<tr><td bgcolor=\"%s\">%s</td></tr>", colour_fill[c],
					colour_name[c]);
		if (d.supervisor_pages)
			fprintf(out, "<tr><td style=\"dashed\">dashed: no u (supervisor only)"
				     "</td></tr>");
		fprintf(out, "</table>>];\n");
	}
	fprintf(out, "}\n");
	free(d.pages);
	if (d.failed)
		return sim_error(s, "out of memory");
	return 0;
}

int dump_svg(struct sim *s, bool all, const char *file)
{
	const char *path = getenv("PATH");
	char *text = NULL, *dir_list, *tok, *save = NULL;
	size_t len = 0, done = 0;
	bool found = false;
	int fds[2], status, r;
	FILE *mem;
	pid_t pid;

	dir_list = strdup(path ? path : "");
	if (!dir_list)
		return sim_error(s, "out of memory");
	for (tok = strtok_r(dir_list, ":", &save); tok && !found; tok = strtok_r(NULL, ":", &save)) {
		char exe[4096];

		snprintf(exe, sizeof(exe), "%s/dot", *tok ? tok : ".");
		found = access(exe, X_OK) == 0;
	}
	free(dir_list);
	if (!found)
		return sim_error(s, "Graphviz's dot is not installed (apt-get install graphviz); "
				    "dump dot -o FILE writes the graph for rendering elsewhere");
	mem = open_memstream(&text, &len);
	if (!mem)
		return sim_error(s, "out of memory");
	r = dump_dot(s, all, mem);
	fclose(mem);
	if (r) {
		free(text);
		return r;
	}
	fflush(stdout);
	if (pipe(fds)) {
		free(text);
		return sim_error(s, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		if (file)
			execlp("dot", "dot", "-Tsvg", "-o", file, (char *)NULL);
		else
			execlp("dot", "dot", "-Tsvg", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		free(text);
		return sim_error(s, "fork: %s", strerror(errno));
	}
	while (done < len) {
		ssize_t n = write(fds[1], text + done, len - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fds[1]);
	free(text);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return sim_error(s, "dot did not finish");
	if (WEXITSTATUS(status) == 127)
		return sim_error(s, "could not run Graphviz's dot");
	if (WEXITSTATUS(status))
		return sim_error(s, "dot -Tsvg failed (exit status %d)", WEXITSTATUS(status));
	return 0;
}

/* ---- JSON -------------------------------------------------------------------------------- */

struct json {
	struct sim *s;
	FILE *out;
	struct space *sp;
	const struct pt_format *f;
	struct vm_kmap_names names;
	pt_label_fn label;
	unsigned depth;                  /* tables open */
	bool first[PT_MAX_LEVELS + 1];   /* no entry written yet in the table at this depth */
};

static void json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void json_indent(struct json *j, unsigned extra)
{
	for (unsigned i = 0; i < 2 * (j->depth + 3) + extra; i++)
		fputc(' ', j->out);
}

/* Start an entry of the innermost open table. */
static void json_entry(struct json *j, unsigned index, uint64_t pte, const char *kind)
{
	fprintf(j->out, "%s\n", j->first[j->depth] ? "" : ",");
	j->first[j->depth] = false;
	json_indent(j, 0);
	fprintf(j->out, "{\"index\": %u, \"pte\": \"0x%0*llx\", \"kind\": \"%s\"", index,
		j->f->pte_size * 2, (unsigned long long)pte, kind);
}

static int json_table_pre(void *ctx, const struct pt_table *t)
{
	struct json *j = ctx;

	if (j->depth > 0) {
		json_entry(j, t->index, t->pte, "table");
		fprintf(j->out, ", \"table\": ");
	}
	fprintf(j->out, "{\"level\": %u, \"pa\": \"0x%llx\", \"va\": \"0x%llx\", \"span\": \"0x%llx\", "
			"\"entries\": [",
		t->level, (unsigned long long)t->pa, (unsigned long long)t->va,
		(unsigned long long)t->span);
	j->depth++;
	j->first[j->depth] = true;
	return 0;
}

static int json_table_post(void *ctx, const struct pt_table *t)
{
	struct json *j = ctx;
	bool empty = j->first[j->depth];

	(void)t;
	j->depth--;
	if (!empty) {
		fputc('\n', j->out);
		json_indent(j, 0);
	}
	fprintf(j->out, "]}%s", j->depth > 0 ? "}" : "");
	return 0;
}

static int json_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct json *j = ctx;
	const char *name = j->label ? j->label(&j->names, leaf->va) : NULL;
	char pbuf[8];

	json_entry(j, leaf->index, leaf->pte, "leaf");
	fprintf(j->out, ", \"va\": \"0x%llx\", \"pa\": \"0x%llx\", \"size\": %llu, \"perms\": \"%s\", "
			"\"cow\": %s, \"refs\": ",
		(unsigned long long)leaf->va, (unsigned long long)leaf->pa,
		(unsigned long long)leaf->size, perms7(leaf->perms, pbuf),
		(leaf->perms & VM_COW) ? "true" : "false");
	if (leaf->va < space_user_end(j->sp))
		fprintf(j->out, "%u", frame_refs_at(j->s, leaf->pa));
	else
		fprintf(j->out, "null");
	fprintf(j->out, ", \"label\": ");
	if (name)
		json_string(j->out, name);
	else
		fprintf(j->out, "null");
	fputc('}', j->out);
	return 0;
}

static int json_bad(void *ctx, const struct pt_bad *b)
{
	struct json *j = ctx;

	json_entry(j, b->index, b->pte, "malformed");
	fprintf(j->out, ", \"va\": \"0x%llx\", \"why\": ", (unsigned long long)b->va);
	json_string(j->out, b->why);
	fputc('}', j->out);
	return 0;
}

int dump_json(struct sim *s, bool all, FILE *out)
{
	bool first = true;

	fprintf(out, "{\n  \"ram\": {\"base\": \"0x%llx\", \"size\": \"0x%llx\", \"frames\": %u, "
		     "\"free\": %u},\n  \"current\": %u,\n  \"spaces\": [",
		(unsigned long long)s->ram.base, (unsigned long long)s->ram.size,
		s->ram.frames.nframes, host_ram_free_frames(&s->ram), s->cur);
	for (unsigned i = 0; i < PTSIM_MAX_SPACES; i++) {
		struct space *sp = &s->spaces[i];
		struct json j;
		struct pt_visitor v = {json_table_pre, json_leaf, json_bad, json_table_post, &j};

		if (!dumped(s, i, all))
			continue;
		memset(&j, 0, sizeof(j));
		j.s = s;
		j.out = out;
		j.sp = sp;
		j.f = sp->vs.pt.fmt;
		j.label = space_labels(sp, &j.names);
		fprintf(out, "%s\n    {\"id\": %u, \"format\": \"%s\", \"kind\": ", first ? "" : ",", i,
			j.f->name);
		json_string(out, space_kind_name(sp->kind));
		fprintf(out, ", \"size\": \"0x%llx\", \"limit\": \"0x%llx\", \"lazy_from\": ",
			(unsigned long long)sp->vs.size, (unsigned long long)sp->vs.limit);
		if (sp->vs.lazy_from < sp->vs.size)
			fprintf(out, "\"0x%llx\"", (unsigned long long)sp->vs.lazy_from);
		else
			fprintf(out, "null");
		fprintf(out, ",\n     \"root\": ");
		pt_visit_all(&sp->vs.pt, &v);
		fprintf(out, "}");
		first = false;
	}
	fprintf(out, "\n  ]\n}\n");
	return 0;
}
