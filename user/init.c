/*
 * The first user process. Normally it keeps a shell running: fork, exec "sh", wait, and again
 * when the shell exits. Built with -DINIT_TEST it runs the VM test suite once instead and
 * powers the machine off with its verdict: QEMU exits 0 if every test passed, 1 otherwise.
 */
#include "user.h"

/* Forks a child that execs name; returns its pid, or -1. */
static int spawn(const char *name)
{
	char *argv[2];
	int pid;

	argv[0] = (char *)name;
	argv[1] = 0;
	pid = fork();
	if (pid == 0) {
		exec(name, argv);
		fprintf(2, "init: exec %s failed\n", name);
		exit(1);
	}
	return pid;
}

/* Waits for pid, reaping the orphans the kernel gives to init on the way. Returns its status,
 * or -1 if wait fails. */
static int wait_for(int pid)
{
	int status, w;

	for (;;) {
		status = -1;
		w = wait(&status);
		if (w == pid)
			return status;
		if (w < 0)
			return -1;
	}
}

#ifdef INIT_TEST
int main(void)
{
	int pid, status;

	printf("\ninit: vmkit user space (test build), pid %d, running vmtest\n", getpid());
	pid = spawn("vmtest");
	if (pid < 0) {
		fprintf(2, "init: fork failed\n");
		poweroff(1);
	}
	status = wait_for(pid);
	printf("init: vmtest exited with status %d, powering off\n", status);
	poweroff(status == 0 ? 0 : 1);
}
#else
int main(void)
{
	printf("\ninit: vmkit user space, pid %d; type help for the programs\n", getpid());
	for (;;) {
		int pid = spawn("sh");
		if (pid < 0) {
			fprintf(2, "init: fork failed, retrying\n");
			sleep(10);
			continue;
		}
		int status = wait_for(pid);
		if (status != 0)
			printf("init: sh exited with status %d, restarting it\n", status);
	}
}
#endif
