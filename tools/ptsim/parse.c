/*
 * Command parsing: lines into commands (';' separates, '#' starts a comment, quotes group), words
 * into numbers and permissions, the command table, and help.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ptsim.h"

static int cmd_help(struct sim *s, const struct args *a);
static int cmd_echo(struct sim *s, const struct args *a);
static int cmd_quit(struct sim *s, const struct args *a);

/* A heading in the table has no run function. */
const struct command ptsim_commands[] = {
	{"Tables", NULL, NULL, NULL, 0, 0, NULL},
	{"format", "NAME", "a new empty space of format NAME, in place of the current one",
	 "Formats: sv32 sv39 sv48 sv57 (RISC-V), x86-32 (two levels, 4 MiB pages), x86-pae,\n"
	 "x86-64, x86-64-la57. The space is a user space: user memory [0, size) starts empty,\n"
	 "user addresses end at the middle of the VA space. Other spaces are kept.",
	 1, 1, cmd_format},
	{"map", "VA PA SIZE PERMS [4k]", "map [VA, VA+SIZE) to PA with PERMS, largest pages that fit",
	 "PA is taken as given: a raw mapping that owns no frame (alloc and grow take frames from\n"
	 "the simulated RAM). 4k forbids superpages. Raw mappings stay out of user memory\n"
	 "[0, size), which holds frames the space owns. PERMS: letters r w x u g a d, c (the\n"
	 "copy-on-write mark, a software bit) and s (software bit 1); '-' is ignored.",
	 4, 5, cmd_map},
	{"unmap", "VA SIZE", "remove the mappings in [VA, VA+SIZE) (superpages at edges split)",
	 "Holes are fine. Frames of user memory are given back (freed at their last reference);\n"
	 "tables left empty are freed.",
	 2, 2, cmd_unmap},
	{"protect", "VA SIZE PERMS", "give every page in [VA, VA+SIZE) exactly PERMS",
	 "Superpages straddling an edge are split; holes are skipped. PERMS replaces everything,\n"
	 "the a, d and c bits included.",
	 3, 3, cmd_protect},
	{"query", "VA", "what VA maps to: VA -> PA PERMS SIZE, or VA unmapped",
	 "PA is the physical address of VA itself; PERMS lists r w x u g a d in that order with '-'\n"
	 "for absent ones, followed by cow (and sw1) when a software bit is set. A malformed entry\n"
	 "on the way gives: VA malformed entry at level N: why.",
	 1, 1, cmd_query},
	{"walk", "VA", "the walk to VA, one line per level, then the result",
	 "Each line: level, index, the entry's physical address, the raw entry, and what it means\n"
	 "(a pointer to the next table, a leaf with its permissions, invalid, or malformed): the\n"
	 "trace of xv6's walk(). Levels count as RISC-V does: 0 maps 4 KiB, the root is highest.",
	 1, 1, cmd_walk},
	{"poke", "VA LEVEL VALUE", "write the raw entry VALUE at LEVEL on VA's path",
	 "Tables above LEVEL are created as needed (empty, linked with ordinary pointer entries).\n"
	 "Nothing the entry replaces is freed, and VALUE is not checked, except that a pointer\n"
	 "into the simulated RAM must point at a page table (a table reachable twice is fine):\n"
	 "for hand-made and deliberately broken tables (see check, walk and translate).",
	 3, 3, cmd_poke},
	{"kmap", "riscv|x86", "build xv6's kernel map in place of the current space",
	 "riscv: vm_kmap_xv6_riscv on Sv39 (etext 0x80008000, trampoline 0x80007000, phystop\n"
	 "0x88000000). x86: vm_kmap_xv6_x86 on x86-32 with 4 MiB pages (data 0x80108000, phystop\n"
	 "0xe000000). dump ranges labels each line with its region.",
	 1, 1, cmd_kmap},
	{"check", "", "verify the table's invariants: ok, or the first violation", NULL, 0, 0,
	 cmd_check},
	{"stats", "", "tables per level, pages per size, memory used by tables", NULL, 0, 0,
	 cmd_stats},
	{"dump", "[FORM] [all] [-o FILE]", "print the table: ranges (default), vmprint, dot, json, svg",
	 "ranges: one line per run of pages (pt_dump_ranges); vmprint: xv6's vmprint form\n"
	 "(pt_dump_vmprint); dot: Graphviz, tables as nodes, entries as edges, pages coloured by\n"
	 "permission; json: the tree of tables and entries for other tools; svg: dot rendered by\n"
	 "Graphviz's dot -Tsvg. all: every space (dot and svg then show shared frames once).\n"
	 "-o FILE writes to FILE instead of standard output.",
	 0, 4, cmd_dump},
	{"User memory and fork", NULL, NULL, NULL, 0, 0, NULL},
	{"grow", "SIZE [PERMS] [lazy]", "grow user memory by SIZE with fresh zeroed frames (rwu)",
	 "xv6's sbrk(SIZE) through vm_grow: the frames come from the simulated RAM, one reference\n"
	 "each. lazy only reserves the pages: each is allocated on its first touch (fault, read,\n"
	 "write). PERMS defaults to rwu.",
	 1, 3, cmd_grow},
	{"shrink", "SIZE", "shrink user memory by SIZE, giving its frames back", NULL, 1, 1,
	 cmd_shrink},
	{"alloc", "VA SIZE PERMS", "map fresh zeroed frames at VA; user memory grows to cover them",
	 "Like grow, but at a chosen place: user memory [0, size) is raised to VA+SIZE, leaving a\n"
	 "hole between the old size and VA (not allowed while a lazy window is open).",
	 3, 3, cmd_alloc},
	{"write", "VA DATA", "store DATA in user memory through vm_copyout",
	 "DATA is a string (quote it for spaces; \\n \\t \\0 \\xHH \\\\ \\\" escapes in double\n"
	 "quotes; no terminator is added) or a number, stored as 8 bytes, little-endian. Lazy and\n"
	 "copy-on-write pages are resolved as the hardware would fault them.",
	 2, 2, cmd_write},
	{"read", "VA LEN", "print LEN bytes of user memory read through vm_copyin", NULL, 2, 2,
	 cmd_read},
	{"fault", "VA r|w|x", "what vm_fault decides for that access, and does it",
	 "Prints one of: lazy alloc PA, cow copy OLD -> NEW, cow reuse PA, ok (already allowed),\n"
	 "fault: EFAULT (or ENOMEM).",
	 2, 2, cmd_fault},
	{"fork", "[cow|copy]", "copy the current space into a new one and switch to it",
	 "vm_copy of user memory [0, size): cow (default) shares the frames read-only with the\n"
	 "copy-on-write mark, copy copies every page. Raw mappings above size are not copied.\n"
	 "The new space takes the lowest free number.",
	 0, 1, cmd_fork},
	{"switch", "N", "make space N the current one", NULL, 1, 1, cmd_switch},
	{"drop", "N", "free space N (not the current one) and its frames", NULL, 1, 1, cmd_drop},
	{"spaces", "", "list the spaces and the simulated RAM", NULL, 0, 0, cmd_spaces},
	{"Software MMU", NULL, NULL, NULL, 0, 0, NULL},
	{"cpu", "[KEY=VALUE ...]", "set the software MMU's state, or show it",
	 "priv=u|s|m  sum=0|1 mxr=0|1  ad=update|fault   (RISC-V)\n"
	 "wp=0|1 nxe=0|1 smep=0|1 smap=0|1 ac=0|1 pse=0|1  (x86; priv u is CPL 3, s is CPL 0)\n"
	 "asid=N (satp.ASID)  model=spec|qemu (the architecture specifications, or QEMU 7.2)\n"
	 "Defaults: priv=s sum=0 mxr=0 ad=update wp=1 nxe=1 smep=0 smap=0 ac=0 pse=1 asid=0\n"
	 "model=spec. The MMU has no TLB here: every translate walks the current tables.",
	 0, PTSIM_MAX_ARGS - 1, cmd_cpu},
	{"translate", "VA r|w|x", "translate through the software MMU: pa 0x..., or the fault",
	 "RISC-V: fault load-page-fault cause=13 tval=0x... (12, 15; access faults 1, 5, 7);\n"
	 "x86: fault #PF err=0x... cr2=0x..., or fault #GP. As the hardware, a successful walk\n"
	 "sets A (and D on a write) in the leaf unless ad=fault.",
	 2, 2, cmd_translate},
	{"Session", NULL, NULL, NULL, 0, 0, NULL},
	{"reset", "", "back to one empty space of the current format and cpu defaults",
	 NULL, 0, 0, cmd_reset},
	{"echo", "[TEXT ...]", "print TEXT", NULL, 0, PTSIM_MAX_ARGS - 1, cmd_echo},
	{"help", "[COMMAND]", "this list, or more about one command", NULL, 0, 1, cmd_help},
	{"quit", "", "stop (so does the end of the input; exit works too)", NULL, 0, 0, cmd_quit},
	{NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct command *ptsim_find_command(const char *name)
{
	if (!strcmp(name, "exit"))
		name = "quit";
	for (const struct command *c = ptsim_commands; c->name; c++)
		if (c->run && !strcmp(c->name, name))
			return c;
	return NULL;
}

void ptsim_print_help(FILE *out)
{
	fprintf(out, "Commands (numbers in C syntax: 0x1000, 4096; sizes may end in K, M, G or T;\n"
		     "';' separates commands, '#' starts a comment):\n");
	for (const struct command *c = ptsim_commands; c->name; c++) {
		char head[64];

		if (!c->run) {
			fprintf(out, "%s\n", c->name);
			continue;
		}
		snprintf(head, sizeof(head), "%s%s%s", c->name, *c->usage ? " " : "", c->usage);
		fprintf(out, "  %-27s %s\n", head, c->summary);
	}
	fprintf(out, "PERMS: letters r w x u g a d, c (copy-on-write mark), s (software bit 1), or -.\n"
		     "Formats: sv32 sv39 sv48 sv57 x86-32 x86-pae x86-64 x86-64-la57.\n"
		     "help COMMAND says more about one.\n");
}

int ptsim_help_command(FILE *out, const char *name)
{
	const struct command *c = ptsim_find_command(name);

	if (!c)
		return -1;
	fprintf(out, "%s%s%s\n  %s\n", c->name, *c->usage ? " " : "", c->usage, c->summary);
	if (c->help) {
		const char *p = c->help;

		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			fprintf(out, "  %.*s\n", (int)n, p);
			p += n + (nl ? 1 : 0);
		}
	}
	return 0;
}

static int cmd_help(struct sim *s, const struct args *a)
{
	if (a->n == 1) {
		ptsim_print_help(stdout);
		return 0;
	}
	if (ptsim_help_command(stdout, a->v[1]))
		return sim_error(s, "no command '%s'", a->v[1]);
	return 0;
}

static int cmd_echo(struct sim *s, const struct args *a)
{
	(void)s;
	for (int i = 1; i < a->n; i++) {
		if (i > 1)
			putchar(' ');
		fwrite(a->v[i], 1, a->len[i], stdout);
	}
	putchar('\n');
	return 0;
}

static int cmd_quit(struct sim *s, const struct args *a)
{
	(void)s;
	(void)a;
	return 1;
}

/* ---- words ------------------------------------------------------------------------------ */

static bool num_value(const char *text, uint64_t *out, bool *too_big)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	*too_big = false;
	if (!isdigit((unsigned char)text[0]))
		return false;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno == ERANGE) {
		*too_big = true;
		return false;
	}
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (*end)
		return false;
	if (shift && v > (UINT64_MAX >> shift)) {
		*too_big = true;
		return false;
	}
	*out = (uint64_t)v << shift;
	return true;
}

int parse_num(struct sim *s, const char *text, const char *what, uint64_t *out)
{
	bool too_big;

	if (num_value(text, out, &too_big))
		return 0;
	if (too_big)
		return sim_error(s, "%s '%s' does not fit in 64 bits", what, text);
	return sim_error(s, "%s '%s' is not a number (C syntax, e.g. 0x1000, 4096, 2M)", what, text);
}

bool ptsim_word_number(const char *text, uint64_t *out)
{
	bool too_big;

	return num_value(text, out, &too_big);
}

int parse_perms(struct sim *s, const char *text, unsigned *out)
{
	static const char letters[] = "rwxugadcs";
	unsigned perms = 0;

	if (!*text)
		return sim_error(s, "empty permissions (use - for none)");
	for (const char *p = text; *p; p++) {
		const char *at = strchr(letters, *p);

		if (*p == '-')
			continue;
		if (!at)
			return sim_error(s, "'%c' in '%s' is not a permission (r w x u g a d c s, or -)",
					 *p, text);
		perms |= 1u << (at - letters);
	}
	*out = perms;
	return 0;
}

int parse_access(struct sim *s, const char *text, unsigned *mmu_access, unsigned *vm_access)
{
	if (!strcmp(text, "r")) {
		*mmu_access = MMU_LOAD;
		*vm_access = VM_READ;
	} else if (!strcmp(text, "w")) {
		*mmu_access = MMU_STORE;
		*vm_access = VM_WRITE;
	} else if (!strcmp(text, "x")) {
		*mmu_access = MMU_FETCH;
		*vm_access = VM_EXEC;
	} else {
		return sim_error(s, "access '%s' is not r, w or x", text);
	}
	return 0;
}

/* ---- lines ------------------------------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read the words of one command from *pp into a (their text goes to buf, which has room for
 * the whole line plus a terminator per word). Stops after ';' or at the end of the line or at
 * a comment. Returns 0, or -1 with *why set.
 */
static int next_command(const char **pp, char *buf, struct args *a, const char **why)
{
	const char *p = *pp;
	char *w = buf;

	a->n = 0;
	for (;;) {
		char *start;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#') {
			while (*p)
				p++;
			break;
		}
		if (*p == ';') {
			p++;
			break;
		}
		if (a->n == PTSIM_MAX_ARGS) {
			*why = "too many words in one command";
			return -1;
		}
		start = w;
		a->quoted[a->n] = false;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != ';') {
			char q = *p;

			if (q != '"' && q != '\'') {
				*w++ = *p++;
				continue;
			}
			a->quoted[a->n] = true;
			p++;
			while (*p && *p != q) {
				if (q == '"' && *p == '\\') {
					int h, l;

					p++;
					switch (*p) {
					case 'n': *w++ = '\n'; p++; break;
					case 't': *w++ = '\t'; p++; break;
					case 'r': *w++ = '\r'; p++; break;
					case '0': *w++ = '\0'; p++; break;
					case '\\': case '"': case '\'': *w++ = *p++; break;
					case 'x':
						h = hex_digit(p[1]);
						l = h < 0 ? -1 : hex_digit(p[2]);
						if (l < 0) {
							*why = "\\x needs two hex digits";
							return -1;
						}
						*w++ = (char)(h * 16 + l);
						p += 3;
						break;
					default:
						*why = "unknown escape in a quoted string "
						       "(\\n \\t \\r \\0 \\xHH \\\\ \\\")";
						return -1;
					}
					continue;
				}
				*w++ = *p++;
			}
			if (*p != q) {
				*why = "unterminated quote";
				return -1;
			}
			p++;
		}
		a->v[a->n] = start;
		a->len[a->n] = (size_t)(w - start);
		*w++ = 0;
		a->n++;
	}
	*pp = p;
	return 0;
}

static int run_command(struct sim *s, const struct args *a)
{
	const struct command *c = ptsim_find_command(a->v[0]);
	int nargs = a->n - 1;
	int r;

	if (!c)
		return sim_error(s, "unknown command '%s' (help lists them)", a->v[0]);
	s->cmd = c->name;
	if (nargs < c->min || nargs > c->max)
		r = sim_error(s, "usage: %s%s%s", c->name, *c->usage ? " " : "", c->usage);
	else
		r = c->run(s, a);
	s->cmd = NULL;
	return r;
}

int ptsim_run_line(struct sim *s, const char *line, bool keep_going)
{
	size_t n = strlen(line);
	char *buf = malloc(2 * n + 2);
	const char *p = line;
	int status = 0;

	if (!buf)
		return sim_error(s, "out of memory");
	while (*p) {
		struct args a;
		const char *why = NULL;
		int r;

		if (next_command(&p, buf, &a, &why)) {
			sim_error(s, "%s", why);
			status = -1;
			break;
		}
		if (a.n == 0)
			continue;
		r = run_command(s, &a);
		if (r > 0) {
			status = 1;
			break;
		}
		if (r < 0) {
			status = -1;
			if (!keep_going)
				break;
		}
	}
	free(buf);
	return status;
}

/* ---- completion words ------------------------------------------------------------------ */

static const char *const formats[] = {"sv32", "sv39", "sv48", "sv57", "x86-32", "x86-pae",
				      "x86-64", "x86-64-la57", NULL};
static const char *const kmaps[] = {"riscv", "x86", NULL};
static const char *const dumps[] = {"ranges", "vmprint", "dot", "json", "svg", "all", "-o", NULL};
static const char *const accesses[] = {"r", "w", "x", NULL};
static const char *const forks[] = {"cow", "copy", NULL};
static const char *const lazy[] = {"lazy", NULL};
static const char *const map4k[] = {"4k", NULL};
static const char *const cpus[] = {"priv=u", "priv=s", "priv=m", "sum=0", "sum=1", "mxr=0",
				   "mxr=1", "ad=update", "ad=fault", "wp=0", "wp=1", "nxe=0",
				   "nxe=1", "smep=0", "smep=1", "smap=0", "smap=1", "ac=0",
				   "ac=1", "pse=0", "pse=1", "asid=", "model=spec", "model=qemu",
				   NULL};

const char *const *ptsim_completions(const char *cmd, int argi)
{
	static const char *names[64];

	if (!strcmp(cmd, "format") && argi == 1)
		return formats;
	if (!strcmp(cmd, "kmap") && argi == 1)
		return kmaps;
	if (!strcmp(cmd, "dump"))
		return dumps;
	if (!strcmp(cmd, "cpu"))
		return cpus;
	if ((!strcmp(cmd, "translate") || !strcmp(cmd, "fault")) && argi == 2)
		return accesses;
	if (!strcmp(cmd, "fork") && argi == 1)
		return forks;
	if (!strcmp(cmd, "grow") && argi >= 2)
		return lazy;
	if (!strcmp(cmd, "map") && argi == 5)
		return map4k;
	if (!strcmp(cmd, "help") && argi == 1) {
		size_t n = 0;

		for (const struct command *c = ptsim_commands; c->name && n + 1 < 64; c++)
			if (c->run)
				names[n++] = c->name;
		names[n] = NULL;
		return names;
	}
	return NULL;
}
