/*
 * forkbomb: forks until fork fails (the process table is full, or memory is short). Each
 * child touches a few pages of heap and exits at once, so it stays a zombie until the parent
 * waits. Then the parent waits for all of them and checks that every frame came back.
 *
 * usage: forkbomb [pages per child]   (default 16)
 */
#include "user.h"

static struct vmstat st;

static unsigned long free_frames(void)
{
	if (vmstat(&st) < 0)
		return 0;
	return st.free_frames;
}

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atoi(argv[1]) : 16;
	unsigned long before, during, after;
	int n = 0, killed = 0, bad = 0;

	if (pages < 0)
		pages = 0;
	before = free_frames();
	printf("forkbomb: %lu frames free; forking until fork fails (%ld pages per child)\n",
	       before, pages);
	for (;;) {
		int pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			long p = sbrk(pages * 4096);
			if (p == -1)
				exit(2);
			for (long i = 0; i < pages; i++)
				((volatile char *)(unsigned long)p)[i * 4096] = (char)i;
			exit(0);
		}
		n++;
	}
	during = free_frames();
	printf("forkbomb: fork failed after %d children; %lu frames free\n", n, during);
	for (int i = 0; i < n; i++) {
		int status = 0;
		if (wait(&status) < 0) {
			printf("forkbomb: wait failed after %d children\n", i);
			bad = 1;
			break;
		}
		if (status == -1)
			killed++;
		else if (status != 0)
			bad = 1;
	}
	after = free_frames();
	for (int tries = 0; after < before && tries < 50; tries++) {
		sleep(1);
		after = free_frames();
	}
	printf("forkbomb: %d children exited (%d killed); %lu frames free before, %lu after: ", n,
	       killed, before, after);
	if (after == before)
		printf("every frame came back\n");
	else if (after > before) /* another process (e.g. a reaped background job) freed some */
		printf("every frame came back, and %lu more\n", after - before);
	else
		printf("%lu FRAMES MISSING\n", before - after);
	return after >= before && !bad && n > 0 ? 0 : 1;
}
