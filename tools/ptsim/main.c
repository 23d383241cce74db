/*
 * ptsim [-f FORMAT] [-k] [-e 'CMD; CMD'] [SCRIPT]: options, where commands come from (a
 * script, -e, standard input, or a terminal with libedit's line editing, history and
 * completion) and the exit status.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "ptsim.h"

#define MAX_E 64

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ptsim [-f FORMAT] [-k] [-e 'CMD; CMD'] [SCRIPT]\n"
		"Explore, script and picture page tables over simulated RAM.\n"
		"\n"
		"  -f FORMAT         the first space's format (default sv39)\n"
		"  -e CMDS           run CMDS (';' separates them); may be repeated\n"
		"  -k, --keep-going  after an error in a script, go on (the exit status is still 1)\n"
		"  -h, --help        this text\n"
		"\n"
		"Commands come from SCRIPT ('-': standard input), from -e, or from standard input;\n"
		"on a terminal ptsim is interactive. An error stops a script with exit status 1.\n"
		"\n");
	ptsim_print_help(out);
}

/* Run the lines of f. Returns -1 if a line failed and we stopped, 1 on quit, 0 at the end. */
static int run_stream(struct sim *s, FILE *f, const char *name, bool keep_going)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	s->src = name;
	s->line = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		s->line++;
		r = ptsim_run_line(s, line, keep_going);
		if (r > 0 || (r < 0 && !keep_going))
			break;
		r = 0;
	}
	free(line);
	return r;
}

/* ---- interactive --------------------------------------------------------------------- */

static const char *const *comp_words;
static size_t comp_next;

static char *word_generator(const char *text, int state)
{
	size_t len = strlen(text);

	if (!state)
		comp_next = 0;
	while (comp_words && comp_words[comp_next]) {
		const char *w = comp_words[comp_next++];

		if (!strncmp(w, text, len))
			return strdup(w);
	}
	return NULL;
}

static const char *command_names[64];

/* Complete the word at [start, end) of the line being edited. */
static char **complete(const char *text, int start, int end)
{
	const char *line = rl_line_buffer;
	const char *cmd_start = line, *p;
	char cmd[32] = "", prev[8] = "";
	int argi = 0;

	(void)end;
	rl_attempted_completion_over = 1;
	/* The command being typed begins after the last ';' before the cursor. */
	for (p = line; p < line + start; p++)
		if (*p == ';')
			cmd_start = p + 1;
	for (p = cmd_start; p < line + start;) {
		const char *w;

		while (p < line + start && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= line + start)
			break;
		w = p;
		while (p < line + start && *p != ' ' && *p != '\t')
			p++;
		if (argi == 0)
			snprintf(cmd, sizeof(cmd), "%.*s", (int)(p - w), w);
		snprintf(prev, sizeof(prev), "%.*s", (int)(p - w), w);
		argi++;
	}
	if (argi == 0) {
		size_t n = 0;

		for (const struct command *c = ptsim_commands; c->name && n + 1 < 64; c++)
			if (c->run)
				command_names[n++] = c->name;
		command_names[n] = NULL;
		comp_words = command_names;
	} else if (!strcmp(prev, "-o")) {
		return rl_completion_matches(text, rl_filename_completion_function);
	} else {
		comp_words = ptsim_completions(cmd, argi);
	}
	if (!comp_words)
		return NULL;
	return rl_completion_matches(text, word_generator);
}

static void history_path(char *buf, size_t len)
{
	const char *home = getenv("HOME");

	buf[0] = 0;
	if (home && *home)
		snprintf(buf, len, "%s/.ptsim_history", home);
}

static void interactive(struct sim *s)
{
	char hist[4096];
	char prompt[64];
	char *line;

	rl_readline_name = "ptsim";
	rl_attempted_completion_function = complete;
	using_history();
	stifle_history(1000);
	history_path(hist, sizeof(hist));
	if (hist[0])
		read_history(hist);
	printf("ptsim: page tables over %llu MiB of simulated RAM at 0x%llx. help lists the "
	       "commands; Tab completes.\n",
	       (unsigned long long)(s->ram.size >> 20), (unsigned long long)s->ram.base);
	s->src = NULL;
	for (;;) {
		snprintf(prompt, sizeof(prompt), "ptsim[%u %s]> ", s->cur,
			 sim_space(s)->vs.pt.fmt->name);
		line = readline(prompt);
		if (!line) {
			putchar('\n');
			break;
		}
		if (line[strspn(line, " \t")])
			add_history(line);
		if (ptsim_run_line(s, line, true) > 0) {
			free(line);
			break;
		}
		fflush(stdout);
		free(line);
	}
	if (hist[0])
		write_history(hist);
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *fmt_name = "sv39", *script = NULL;
	const char *e_cmds[MAX_E];
	const struct pt_format *fmt;
	bool keep_going = false, operands = false, stop = false;
	int ne = 0, r = 0;
	struct sim *s;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (operands || a[0] != '-' || !strcmp(a, "-")) {
			if (script) {
				fprintf(stderr, "ptsim: one script at most ('%s' and '%s')\n", script,
					a);
				return 2;
			}
			script = a;
		} else if (!strcmp(a, "--")) {
			operands = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-k") || !strcmp(a, "--keep-going")) {
			keep_going = true;
		} else if (!strcmp(a, "-f") || !strcmp(a, "-e")) {
			if (i + 1 == argc) {
				fprintf(stderr, "ptsim: %s needs an argument\n", a);
				return 2;
			}
			if (a[1] == 'f') {
				fmt_name = argv[++i];
			} else if (ne == MAX_E) {
				fprintf(stderr, "ptsim: too many -e\n");
				return 2;
			} else {
				e_cmds[ne++] = argv[++i];
			}
		} else {
			fprintf(stderr, "ptsim: unknown option '%s' (ptsim --help)\n", a);
			return 2;
		}
	}
	fmt = pt_format_by_name(fmt_name);
	if (!fmt) {
		fprintf(stderr, "ptsim: unknown format '%s' (sv32 sv39 sv48 sv57 x86-32 x86-pae "
				"x86-64 x86-64-la57)\n", fmt_name);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a reader that goes away (dot, head) is an error, not death */
	s = malloc(sizeof(*s));
	if (!s || sim_init(s, fmt)) {
		fprintf(stderr, "ptsim: cannot start\n");
		return 1;
	}
	s->src = "-e";
	for (int i = 0; i < ne && !stop; i++) {
		s->line = (unsigned)i + 1;
		r = ptsim_run_line(s, e_cmds[i], keep_going);
		stop = r > 0 || (r < 0 && !keep_going);
	}
	if (!stop && script) {
		FILE *f = strcmp(script, "-") ? fopen(script, "r") : stdin;

		if (!f) {
			fprintf(stderr, "ptsim: cannot read %s\n", script);
			sim_fini(s);
			free(s);
			return 2;
		}
		run_stream(s, f, strcmp(script, "-") ? script : "<stdin>", keep_going);
		if (f != stdin)
			fclose(f);
	} else if (!stop && ne == 0) {
		if (isatty(0)) {
			interactive(s);
			s->errors = 0; /* a mistake typed at the prompt is not a failure */
		} else {
			run_stream(s, stdin, "<stdin>", keep_going);
		}
	}
	r = s->errors ? 1 : 0;
	fflush(stdout);
	sim_fini(s);
	free(s);
	return r;
}
