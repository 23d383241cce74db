/*
 * sh: a small shell. Reads a line after the prompt "$ ", splits it into words, and runs the
 * program named by the first word with fork/exec/wait. A trailing '&' runs it in the
 * background. Built-ins: exit, help.
 */
#include "user.h"

#define MAXLINE 256
#define MAXARGS 16

/* The programs built into the kernel (keep in step with the kernel's list). */
static const char *const programs[] = {
	"echo", "forkbomb", "hello", "init", "sh", "vmstat", "vmtest",
};

static char line[MAXLINE];
static char *args[MAXARGS + 1];

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Splits line into args in place; returns the number of words, or -1 if there are too many.
 * *background is set if the line ends with '&' (alone or stuck to the last word). */
static int parse(char *s, int *background)
{
	int n = 0;
	size_t len = strlen(s);

	*background = 0;
	while (len > 0 && is_space(s[len - 1]))
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '&') {
		*background = 1;
		s[--len] = '\0';
	}
	for (;;) {
		while (is_space(*s))
			*s++ = '\0';
		if (!*s)
			break;
		if (n == MAXARGS)
			return -1;
		args[n++] = s;
		while (*s && !is_space(*s))
			s++;
	}
	args[n] = 0;
	return n;
}

static void help(void)
{
	printf("built-ins: exit [status], help\n");
	printf("programs:");
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		printf(" %s", programs[i]);
	printf("\nrun one with: NAME [ARGS...] [&]\n");
}

/* Reports a background child that finished. */
static void report_done(int pid, int status)
{
	printf("[%d] done, status %d\n", pid, status);
}

static void run(int background)
{
	int pid = fork();

	if (pid < 0) {
		fprintf(2, "sh: fork failed\n");
		return;
	}
	if (pid == 0) {
		exec(args[0], args);
		fprintf(2, "sh: %s: not found\n", args[0]);
		exit(127);
	}
	if (background) {
		printf("[%d]\n", pid);
		return;
	}
	for (;;) {
		int status = 0;
		int w = wait(&status);
		if (w < 0) {
			fprintf(2, "sh: wait failed\n");
			return;
		}
		if (w == pid) {
			if (status == -1)
				printf("sh: %s: killed\n", args[0]);
			return;
		}
		report_done(w, status); /* an earlier background job */
	}
}

int main(void)
{
	for (;;) {
		int background, argc;

		write(1, "$ ", 2);
		gets(line, sizeof(line));
		if (line[0] == '\0')
			exit(0); /* end of input */
		argc = parse(line, &background);
		if (argc < 0) {
			fprintf(2, "sh: too many words (at most %d)\n", MAXARGS);
			continue;
		}
		if (argc == 0)
			continue;
		if (strcmp(args[0], "exit") == 0)
			exit(argc > 1 ? atoi(args[1]) : 0);
		if (strcmp(args[0], "help") == 0) {
			help();
			continue;
		}
		run(background);
	}
}
