/* vmstat: prints the kernel's virtual-memory counters. */
#include "user.h"

static struct vmstat st;

static void frames(const char *what, unsigned long n)
{
	printf("  %-14s %8lu frames  %6lu KiB\n", what, n, n * 4);
}

int main(void)
{
	if (vmstat(&st) < 0) {
		fprintf(2, "vmstat: vmstat failed\n");
		return 1;
	}
	printf("memory:\n");
	frames("total", st.total_frames);
	frames("free", st.free_frames);
	frames("used", st.total_frames - st.free_frames);
	printf("faults:\n");
	printf("  %-14s %8lu\n", "page faults", st.page_faults);
	printf("  %-14s %8lu\n", "lazy allocs", st.lazy_allocs);
	printf("  %-14s %8lu\n", "cow copies", st.cow_copies);
	printf("  %-14s %8lu\n", "cow reuses", st.cow_reuses);
	printf("  %-14s %8lu\n", "bad faults", st.bad_faults);
	return 0;
}
