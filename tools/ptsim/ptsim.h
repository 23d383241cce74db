/*
 * ptsim: explore, script and picture page tables (see docs/ptsim.md).
 *
 * One session holds one simulated RAM (host/ram.c) and up to PTSIM_MAX_SPACES address spaces
 * over it (lib/vm user spaces sharing the RAM's frames and reference counts), the state of the
 * software MMU (lib/mmu) that `translate` uses, and where the command being run came from.
 *
 * Files: main.c (options, input, line editing), parse.c (tokens, numbers, the command table,
 * help), space.c (the session and its spaces, frame ownership), cmd_table.c (commands on one
 * table), cmd_space.c (user memory, fork, faults), cmd_cpu.c (the software MMU), output.c
 * (dump forms and text helpers).
 */
#ifndef PTSIM_H
#define PTSIM_H

#include <stdio.h>

#include "ram.h"
#include "vmkit/mmu.h"
#include "vmkit/vm.h"

#define PTSIM_MAX_SPACES 16
#define PTSIM_MAX_ARGS 32
#define PTSIM_RAM_BASE 0x80000000ull
#define PTSIM_RAM_SIZE (128ull << 20)

enum space_kind {
	SPACE_USER,        /* format, fork, or the initial space */
	SPACE_KMAP_RISCV,  /* kmap riscv */
	SPACE_KMAP_X86,    /* kmap x86 */
};

struct space {
	bool used;
	enum space_kind kind;
	struct vm_space vs;
	struct vm_region regions[VM_XV6_RISCV_NREGIONS]; /* kernel maps: region names */
	size_t nregions;
};

/* The software MMU's state as `cpu` sets it; applied to a fresh struct mmu per translation. */
struct cpu {
	unsigned priv;        /* enum mmu_priv: U, S or M (x86: U is CPL 3, S is CPL 0) */
	bool sum, mxr;        /* RISC-V mstatus.SUM, MXR */
	bool svade;           /* RISC-V: true = A/D faults (ad=fault), false = hardware update */
	bool wp, nxe, smep, smap, ac, pse; /* x86 CR0.WP, EFER.NXE, CR4.SMEP/SMAP, EFLAGS.AC, CR4.PSE */
	uint32_t asid;        /* satp.ASID / PCID */
	enum mmu_model model;
};

struct sim {
	struct host_ram ram;
	struct pt_mem ram_mem;    /* the RAM's own memory interface, which env.mem wraps */
	uint8_t *is_table;        /* per frame: 1 while it holds a page table (see space.c) */
	struct vm_env env;
	struct space spaces[PTSIM_MAX_SPACES];
	unsigned cur;
	const struct pt_format *first_fmt; /* the format reset returns to */
	struct cpu cpu;
	/* Error context: source name (NULL: interactive) and line, and the command's name. */
	const char *src;
	unsigned line;
	const char *cmd;
	unsigned errors;      /* errors reported so far */
};

/* One command's words. v[0] is the command name; len[i] is the length of v[i] (which may hold
 * NUL bytes from escapes); quoted[i] says whether the word was written in quotes. */
struct args {
	int n;
	char *v[PTSIM_MAX_ARGS];
	size_t len[PTSIM_MAX_ARGS];
	bool quoted[PTSIM_MAX_ARGS];
};

struct command {
	const char *name;
	const char *usage;    /* the arguments, as help shows them */
	const char *summary;  /* one line */
	const char *help;     /* more, for `help NAME` (may be NULL) */
	int min, max;         /* number of arguments after the name */
	int (*run)(struct sim *s, const struct args *a);
};

extern const struct command ptsim_commands[];

/* ---- parse.c ---- */

/* Outcome of running text: 0 fine, -1 a command failed (and was reported), 1 quit. */
int ptsim_run_line(struct sim *s, const char *line, bool keep_going);
const struct command *ptsim_find_command(const char *name);
void ptsim_print_help(FILE *out);
int ptsim_help_command(FILE *out, const char *name);
/* Words that may follow `cmd` as argument number argi (1-based), NULL-terminated, or NULL. */
const char *const *ptsim_completions(const char *cmd, int argi);

/* Numbers: C syntax (0x1000, 4096, 010), optionally followed by K, M, G or T. */
int parse_num(struct sim *s, const char *text, const char *what, uint64_t *out);
/* Whether text reads as a number (no message). */
bool ptsim_word_number(const char *text, uint64_t *out);
/* Permission letters r w x u g a d, c (copy-on-write mark, VM_COW) and s (software bit 1);
 * '-' anywhere is ignored, so "rw-u---" and "-" work. */
int parse_perms(struct sim *s, const char *text, unsigned *out);
/* "r", "w" or "x". */
int parse_access(struct sim *s, const char *text, unsigned *mmu_access, unsigned *vm_access);

/* ---- space.c ---- */

int sim_init(struct sim *s, const struct pt_format *fmt);
void sim_fini(struct sim *s);
/* Print "ptsim: [SRC:LINE: ]CMD: message" on stderr; returns -1. */
int sim_error(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct space *sim_space(struct sim *s);
/* Replace space slot with a new empty one of fmt (the old one, if any, is freed). */
int space_create(struct sim *s, unsigned slot, const struct pt_format *fmt, enum space_kind kind);
void space_free(struct sim *s, struct space *sp);
/* First unused slot, or -1. */
int space_free_slot(const struct sim *s);
/* User memory of a space: [0, space_user_end) holds frames the space owns a reference to. */
uint64_t space_user_end(const struct space *sp);
/* User addresses of a space of format f end here: the lower half of its VA space. */
uint64_t space_limit(const struct pt_format *f);
/* pt_leaf_fn (ctx: the struct space) dropping the frames of 4 KiB leaves in user memory. */
void space_release_leaf(void *space, const struct pt_leaf *leaf);
const char *space_kind_name(enum space_kind kind);
/* The label pt_dump_ranges should use for a space, or NULL. */
pt_label_fn space_labels(struct space *sp, struct vm_kmap_names *names);

/* Whether va is an address of the format (in range, canonical); else an error naming it. */
int check_va(struct sim *s, const struct pt_format *f, va_t va);
unsigned va_index(const struct pt_format *f, va_t va, unsigned level);
/* Read / write an entry of width f->pte_size in simulated RAM; false if not in RAM. */
bool pte_read(struct sim *s, const struct pt_format *f, pa_t pa, uint64_t *v);
bool pte_write(struct sim *s, const struct pt_format *f, pa_t pa, uint64_t v);
/* Whether any leaf lies in [va, va + size) (for keeping raw mappings out of user memory). */
bool range_has_leaf(const struct pt *pt, va_t va, uint64_t size);
/* Whether every page lib/vm may touch in [va, va + len) (clipped to the user limit) has its
 * frames in the simulated RAM, and is a 4 KiB page if it lies in user memory: a raw or poked
 * mapping otherwise would make lib/vm dereference a NULL frame pointer, or walk a superpage one
 * frame at a time. Reports and returns -1 if not. */
int check_frames(struct sim *s, struct space *sp, va_t va, uint64_t len);
/* Whether the frame holding pa is a page table of some space. */
bool frame_is_table(const struct sim *s, pa_t pa);
/* Reference count of the frame at pa (0 for free frames and addresses outside the RAM). */
uint32_t frame_refs_at(struct sim *s, pa_t pa);
/* "PT_EEXIST" -> "range overlaps an existing mapping (PT_EEXIST)" */
const char *err_text(enum pt_err err, char buf[128]);

/* ---- output.c ---- */

/* "rw-u---": r w x u g a d, '-' for each absent one. buf needs 8 bytes. */
const char *perms7(unsigned perms, char buf[8]);
/* " cow", " sw1", " cow sw1" or "" for the software bits. */
const char *perms_soft(unsigned perms);
/* "4K", "2M", ...; "4128 bytes" when not a whole number of KiB; "0" for 0. */
const char *bytes_str(uint64_t v, char buf[32]);
/* Print "VA -> PA PERMS SIZE[ cow]" for the leaf covering va (pa: the PA of va itself). */
void print_mapping(FILE *out, va_t va, pa_t pa, const struct pt_leaf *leaf);

enum dump_form { DUMP_VMPRINT, DUMP_RANGES, DUMP_DOT, DUMP_JSON, DUMP_SVG };
int dump_text(struct sim *s, enum dump_form form, bool all, FILE *out);
int dump_dot(struct sim *s, bool all, FILE *out);
int dump_json(struct sim *s, bool all, FILE *out);
/* Render through Graphviz: dot -Tsvg, to file (NULL: standard output). */
int dump_svg(struct sim *s, bool all, const char *file);

/* ---- commands ---- */

int cmd_format(struct sim *s, const struct args *a);
int cmd_map(struct sim *s, const struct args *a);
int cmd_unmap(struct sim *s, const struct args *a);
int cmd_protect(struct sim *s, const struct args *a);
int cmd_query(struct sim *s, const struct args *a);
int cmd_walk(struct sim *s, const struct args *a);
int cmd_poke(struct sim *s, const struct args *a);
int cmd_dump(struct sim *s, const struct args *a);
int cmd_check(struct sim *s, const struct args *a);
int cmd_stats(struct sim *s, const struct args *a);
int cmd_reset(struct sim *s, const struct args *a);
int cmd_kmap(struct sim *s, const struct args *a);

int cmd_grow(struct sim *s, const struct args *a);
int cmd_shrink(struct sim *s, const struct args *a);
int cmd_alloc(struct sim *s, const struct args *a);
int cmd_fork(struct sim *s, const struct args *a);
int cmd_switch(struct sim *s, const struct args *a);
int cmd_drop(struct sim *s, const struct args *a);
int cmd_spaces(struct sim *s, const struct args *a);
int cmd_write(struct sim *s, const struct args *a);
int cmd_read(struct sim *s, const struct args *a);
int cmd_fault(struct sim *s, const struct args *a);

int cmd_cpu(struct sim *s, const struct args *a);
int cmd_translate(struct sim *s, const struct args *a);
void cpu_defaults(struct cpu *c);

#endif
