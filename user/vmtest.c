/*
 * vmtest: the virtual-memory test suite, run in user mode.
 *
 * Prints `PASS name` or `FAIL name: reason` for each test, then `N passed, N failed`, and
 * exits 0 if every test passed, else 1.
 *
 *   vmtest              run every test
 *   vmtest NAME...      run the named tests only
 *   vmtest -l           list the tests
 *
 * Every test that expects a process to be killed runs the bad access in a forked child and
 * checks that wait() reports status -1. Every test gives back the memory it took (the heap
 * returns to where it was), so the last test can check that the number of free frames is the
 * same as at the start.
 */
#include "user.h"
#include "arch.h"

extern char etext[], end[]; /* from the linker script: end of text+rodata, end of bss */

/* ---- the harness ------------------------------------------------------------------------ */

static const char *cur_test;
static int cur_failed;
static char msg[320];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (cur_failed)
		return; /* report the first reason only */
	cur_failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAIL %s: %s\n", cur_test, msg);
}

/* A line of information that is not a verdict. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("  %s: %s\n", cur_test, msg);
}

#define CHECK(cond, ...)                                                                     \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fail(__VA_ARGS__);                                                   \
			return;                                                              \
		}                                                                            \
	} while (0)

static void stats(struct vmstat *s)
{
	if (vmstat(s) < 0) {
		fail("vmstat failed");
		memset(s, 0, sizeof(*s));
	}
}

static unsigned long free_frames(void)
{
	struct vmstat s;

	stats(&s);
	return s.free_frames;
}

/* Waits (up to about 100 ticks) until want frames are free; returns the last count. */
static unsigned long settle(unsigned long want)
{
	unsigned long now = free_frames();

	for (int i = 0; now != want && i < 100; i++) {
		sleep(1);
		now = free_frames();
	}
	return now;
}

/* Fails unless the free frames come back to want. */
static void check_frames(unsigned long want, const char *when)
{
	unsigned long now = settle(want);

	if (now != want)
		fail("%s: %lu frames free, %lu before (%ld frames %s)", when, now, want,
		     (long)(now > want ? now - want : want - now), now > want ? "too many" : "lost");
}

static unsigned long heap_end(void)
{
	return (unsigned long)sbrk(0);
}

/* Moves the end of the heap to addr; returns 0, or -1 if sbrk failed. */
static int heap_set(unsigned long addr)
{
	return sbrk((long)(addr - heap_end())) == -1 ? -1 : 0;
}

/* The stack page (the kernel gives one page; sp starts at its top) and the guard below it. */
static unsigned long stack_page(void)
{
	volatile char here;

	return PGROUNDDOWN(&here);
}

#define SURVIVED 77 /* exit status of a child whose bad access did not kill it */

/* Runs fn in a child and fails unless the child is killed (wait status -1). */
static void expect_killed(const char *what, void (*fn)(void))
{
	volatile int status = 12345;
	int pid, w;

	if (cur_failed)
		return;
	pid = fork();
	if (pid < 0) {
		fail("%s: fork failed", what);
		return;
	}
	if (pid == 0) {
		fn();
		exit(SURVIVED);
	}
	w = wait((int *)&status);
	if (w != pid)
		fail("%s: wait returned %d, not the child %d", what, w, pid);
	else if (status == SURVIVED)
		fail("%s: the child was not killed", what);
	else if (status != -1)
		fail("%s: child's status is %d, not -1", what, status);
}

/* Runs fn in a child and returns its exit status (-1 if killed, -2 if fork/wait failed).
 * The child functions return CHILD_OK for success, not 0, so that a child that vanished
 * with status 0 some other way is not taken for one that passed. */
#define CHILD_OK 33
static int in_child(int (*fn)(void))
{
	volatile int status = 12345;
	int pid = fork();

	if (pid < 0)
		return -2;
	if (pid == 0)
		exit(fn());
	if (wait((int *)&status) != pid)
		return -2;
	return status;
}

/* Something in the text segment to read, and to try to write. */
__attribute__((noinline)) int text_target(int x)
{
	return x * 3 + 1;
}

static const volatile unsigned char *text_bytes(void)
{
	return (const volatile unsigned char *)(unsigned long)&text_target;
}

/* Read-only data (in the R-X segment) that reads into read-only memory aim at: a kernel that
 * wrongly writes it does not wreck code the test still runs. */
static const unsigned char ro_victim[256] = "read-only victim: reads into this must fail";

/* ---- fork, wait, getpid, sleep, uptime -------------------------------------------------- */

static void t_fork_wait(void)
{
	int pids[3], seen[3] = { 0, 0, 0 };

	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0, "fork %d failed", i);
		if (pids[i] == 0) {
			/* the child: exit with its own pid's low bits plus i, checked below */
			exit((getpid() & 0xff) * 4 + i);
		}
		CHECK(pids[i] != getpid(), "fork returned the parent's own pid %d", pids[i]);
	}
	for (int n = 0; n < 3; n++) {
		int status = -5, i;
		int w = wait(&status);
		for (i = 0; i < 3 && pids[i] != w; i++)
			;
		CHECK(i < 3, "wait returned %d, not one of the children", w);
		CHECK(!seen[i], "wait returned child %d twice", w);
		seen[i] = 1;
		CHECK(status == (w & 0xff) * 4 + i,
		      "child %d: status %d, expected %d (getpid in the child disagrees?)", w, status,
		      (w & 0xff) * 4 + i);
	}
	CHECK(wait(0) == -1, "wait with no children did not return -1");
}

static void t_sleep_uptime(void)
{
	long t0 = uptime(), t1;

	CHECK(t0 >= 0, "uptime returned %ld", t0);
	CHECK(sleep(3) == 0, "sleep(3) did not return 0");
	t1 = uptime();
	CHECK(t1 >= t0 + 3, "uptime went from %ld to %ld over sleep(3)", t0, t1);
}

/* ---- sbrk -------------------------------------------------------------------------------- */

#define SBRK_PAGES 64

static void t_sbrk(void)
{
	struct vmstat a, b;
	long old = sbrk(0), p, r;
	volatile unsigned char *m;

	stats(&a);
	p = sbrk(SBRK_PAGES * PGSIZE);
	CHECK(p == old, "sbrk(%lu) returned %ld, not the old size %ld", SBRK_PAGES * PGSIZE, p,
	      old);
	CHECK(sbrk(0) == old + (long)(SBRK_PAGES * PGSIZE), "sbrk(0) after growing is %ld",
	      sbrk(0));
	stats(&b);
	CHECK(a.free_frames - b.free_frames <= 8,
	      "growing by %d pages took %lu frames at once (should be lazy)", SBRK_PAGES,
	      a.free_frames - b.free_frames);

	m = (volatile unsigned char *)(unsigned long)p;
	for (unsigned long i = 0; i < SBRK_PAGES; i++) {
		m[i * PGSIZE] = (unsigned char)i;
		m[i * PGSIZE + PGSIZE - 1] = (unsigned char)~i;
	}
	for (unsigned long i = 0; i < SBRK_PAGES; i++)
		CHECK(m[i * PGSIZE] == (unsigned char)i &&
			      m[i * PGSIZE + PGSIZE - 1] == (unsigned char)~i,
		      "page %lu does not read back what was written", i);
	stats(&b);
	CHECK(b.lazy_allocs - a.lazy_allocs == SBRK_PAGES,
	      "touching %d new pages made %lu lazy allocations", SBRK_PAGES,
	      b.lazy_allocs - a.lazy_allocs);
	CHECK(a.free_frames - b.free_frames >= SBRK_PAGES,
	      "touching %d pages took only %lu frames", SBRK_PAGES,
	      a.free_frames - b.free_frames);

	r = sbrk(-(long)(SBRK_PAGES * PGSIZE));
	CHECK(r == old + (long)(SBRK_PAGES * PGSIZE), "sbrk(-n) returned %ld", r);
	CHECK(sbrk(0) == old, "sbrk(0) after shrinking is %ld, not %ld", sbrk(0), old);
	stats(&b);
	CHECK(b.free_frames == a.free_frames,
	      "after sbrk(-n): %lu frames free, %lu before (sbrk(-n) must free the pages)",
	      b.free_frames, a.free_frames);

	/* sizes that are not page multiples */
	r = sbrk(100);
	CHECK(r == old, "sbrk(100) returned %ld, not %ld", r, old);
	CHECK(sbrk(0) == old + 100, "sbrk(0) after sbrk(100) is %ld, not %ld", sbrk(0), old + 100);
	m = (volatile unsigned char *)(unsigned long)old;
	for (int i = 0; i < 100; i++)
		m[i] = (unsigned char)i;
	for (int i = 0; i < 100; i++)
		CHECK(m[i] == (unsigned char)i, "byte %d of sbrk(100) reads back wrong", i);
	r = sbrk(-100);
	CHECK(r == old + 100, "sbrk(-100) returned %ld, not %ld", r, old + 100);
	CHECK(sbrk(0) == old, "sbrk(0) is %ld, not %ld", sbrk(0), old);

	/* requests the kernel must refuse, leaving the size as it was (if it does not, put the
	 * size back so that the tests after this one can run) */
	r = sbrk(-(old + (long)PGSIZE));
	if (r != -1)
		heap_set((unsigned long)old);
	CHECK(r == -1, "shrinking below 0 returned %ld, not -1", r);
	r = sbrk((long)(USER_VA_END - (unsigned long)old + PGSIZE));
	if (r != -1)
		heap_set((unsigned long)old);
	CHECK(r == -1, "growing beyond the user address space (to %p) returned %ld, not -1",
	      (void *)(USER_VA_END + PGSIZE), r);
	r = sbrk((long)(~0UL >> 1));
	if (r != -1)
		heap_set((unsigned long)old);
	CHECK(r == -1, "sbrk(LONG_MAX) returned %ld, not -1", r);
	CHECK(sbrk(0) == old, "sbrk(0) after refused calls is %ld, not %ld", sbrk(0), old);
	stats(&b);
	CHECK(b.free_frames == a.free_frames, "%lu frames free at the end, %lu at the start",
	      b.free_frames, a.free_frames);
}

static void touch_freed_page(void)
{
	long p = sbrk(2 * PGSIZE);
	volatile char *m = (volatile char *)(unsigned long)p;

	if (p == -1)
		exit(SURVIVED + 1);
	m[0] = 1;
	m[PGSIZE] = 2;
	if (m[PGSIZE] != 2)
		exit(SURVIVED + 2);
	sbrk(-(long)PGSIZE); /* the page at m + PGSIZE is gone (or partly, if sz was unaligned) */
	m = (volatile char *)PGROUNDUP(heap_end());
	(void)*m;
}

static void touch_beyond_heap(void)
{
	volatile char *m = (volatile char *)(PGROUNDUP(heap_end()) + 4 * PGSIZE);

	*m = 1;
}

static void t_sbrk_unmaps(void)
{
	expect_killed("reading a page freed by sbrk(-n)", touch_freed_page);
	expect_killed("writing above the heap", touch_beyond_heap);
}

/* ---- lazy allocation --------------------------------------------------------------------- */

#define LAZY_SIZE (16UL << 20)
#define LAZY_PAGES (LAZY_SIZE / PGSIZE)

static void t_lazy(void)
{
	struct vmstat a, b, c, d;
	long p;
	unsigned long touched = LAZY_PAGES / 2, words = PGSIZE / sizeof(long);
	volatile unsigned long *m;

	stats(&a);
	p = sbrk((long)LAZY_SIZE);
	CHECK(p != -1, "sbrk(16 MiB) failed");
	stats(&b);
	if (a.free_frames - b.free_frames > 16) {
		heap_set((unsigned long)p);
		fail("sbrk(16 MiB) took %lu frames at once (should be lazy)",
		     a.free_frames - b.free_frames);
		return;
	}
	m = (volatile unsigned long *)(unsigned long)p;

	/* read the even pages: zeros, and one lazy allocation each */
	for (unsigned long pg = 0; pg < LAZY_PAGES; pg += 2)
		for (unsigned long w = 0; w < words; w++)
			if (m[pg * words + w] != 0) {
				heap_set((unsigned long)p);
				fail("page %lu of fresh memory is not zero at word %lu", pg, w);
				return;
			}
	stats(&c);
	if (c.lazy_allocs - b.lazy_allocs != touched) {
		heap_set((unsigned long)p);
		fail("reading %lu untouched pages made %lu lazy allocations", touched,
		     c.lazy_allocs - b.lazy_allocs);
		return;
	}
	if (b.free_frames - c.free_frames < touched || b.free_frames - c.free_frames > touched + 32) {
		heap_set((unsigned long)p);
		fail("touching %lu of %lu pages used %lu frames", touched, LAZY_PAGES,
		     b.free_frames - c.free_frames);
		return;
	}

	/* write them, read them back: no more allocations */
	for (unsigned long pg = 0; pg < LAZY_PAGES; pg += 2)
		for (unsigned long w = 0; w < words; w++)
			m[pg * words + w] = pg * 1000003UL + w;
	for (unsigned long pg = 0; pg < LAZY_PAGES; pg += 2)
		for (unsigned long w = 0; w < words; w++)
			if (m[pg * words + w] != pg * 1000003UL + w) {
				heap_set((unsigned long)p);
				fail("page %lu word %lu does not read back", pg, w);
				return;
			}
	stats(&d);
	if (d.lazy_allocs != c.lazy_allocs || d.free_frames != c.free_frames) {
		heap_set((unsigned long)p);
		fail("writing pages already touched made %lu lazy allocations, took %ld frames",
		     d.lazy_allocs - c.lazy_allocs, (long)(c.free_frames - d.free_frames));
		return;
	}

	/* an odd page is still untouched: touching it allocates exactly one page */
	if (m[words * 3 + 5] != 0) {
		heap_set((unsigned long)p);
		fail("page 3 is not zero");
		return;
	}
	stats(&d);
	if (d.lazy_allocs - c.lazy_allocs != 1) {
		heap_set((unsigned long)p);
		fail("touching one more page made %lu lazy allocations",
		     d.lazy_allocs - c.lazy_allocs);
		return;
	}

	CHECK(sbrk(-(long)LAZY_SIZE) == p + (long)LAZY_SIZE, "sbrk(-16 MiB) failed");
	stats(&d);
	CHECK(d.free_frames == a.free_frames,
	      "after sbrk(-16 MiB): %lu frames free, %lu before", d.free_frames, a.free_frames);
}

/* ---- copy-on-write ------------------------------------------------------------------------ */

#define COW_PAGES 32  /* touched before the fork */
#define COW_LAZY 8    /* grown but untouched before the fork */

/* Checks that every byte of page i of m is v; returns 0 if so. */
static int page_is(volatile unsigned char *m, unsigned long i, unsigned char v)
{
	for (unsigned long j = 0; j < PGSIZE; j++)
		if (m[i * PGSIZE + j] != v)
			return -1;
	return 0;
}

static void page_fill(volatile unsigned char *m, unsigned long i, unsigned char v)
{
	for (unsigned long j = 0; j < PGSIZE; j++)
		m[i * PGSIZE + j] = v;
}

static void t_cow_fork(void)
{
	struct vmstat a, b;
	unsigned long heap0 = heap_end(), free0 = free_frames();
	volatile unsigned char *m;
	volatile int status = -5;
	long p;
	int pid;

	p = sbrk((long)((COW_PAGES + COW_LAZY) * PGSIZE));
	CHECK(p != -1, "sbrk failed");
	m = (volatile unsigned char *)(unsigned long)p;
	for (unsigned long i = 0; i < COW_PAGES; i++)
		page_fill(m, i, (unsigned char)(i + 1));
	stats(&a);

	pid = fork();
	if (pid < 0) {
		heap_set(heap0);
		fail("fork failed");
		return;
	}
	if (pid == 0) {
		for (unsigned long i = 0; i < COW_PAGES; i++)
			if (page_is(m, i, (unsigned char)(i + 1)))
				exit(1); /* did not inherit the parent's data */
		for (unsigned long i = 0; i < COW_PAGES + COW_LAZY; i++)
			page_fill(m, i, (unsigned char)(i + 101));
		for (unsigned long i = 0; i < COW_PAGES + COW_LAZY; i++)
			if (page_is(m, i, (unsigned char)(i + 101)))
				exit(2); /* its own writes did not stick */
		exit(0);
	}
	status = -5;
	for (unsigned long i = 0; i < COW_PAGES; i++)
		page_fill(m, i, (unsigned char)(i + 201));
	for (unsigned long i = 0; i < COW_PAGES; i++)
		if (page_is(m, i, (unsigned char)(i + 201))) {
			fail("parent's page %lu does not read back its own writes", i);
			break;
		}
	if (wait((int *)&status) != pid)
		fail("wait failed");
	else if (status == 1)
		fail("the child did not see the parent's data");
	else if (status == 2)
		fail("the child's writes did not read back");
	else if (status != 0)
		fail("the child's status is %d", status);
	for (unsigned long i = 0; i < COW_PAGES && !cur_failed; i++)
		if (page_is(m, i, (unsigned char)(i + 201)))
			fail("parent's page %lu changed: the child's writes leaked into it", i);
	for (unsigned long i = COW_PAGES; i < COW_PAGES + COW_LAZY && !cur_failed; i++)
		if (page_is(m, i, 0))
			fail("page %lu, untouched before the fork, is not zero in the parent after "
			     "the child wrote it", i);
	stats(&b);
	if (!cur_failed && b.cow_copies - a.cow_copies < COW_PAGES)
		fail("parent and child wrote %d shared pages: only %lu COW copies", COW_PAGES,
		     b.cow_copies - a.cow_copies);
	if (!cur_failed &&
	    (b.cow_copies - a.cow_copies) + (b.cow_reuses - a.cow_reuses) < 2 * COW_PAGES)
		fail("%lu COW copies + %lu reuses for %d pages written on both sides",
		     b.cow_copies - a.cow_copies, b.cow_reuses - a.cow_reuses, COW_PAGES);
	heap_set(heap0);
	check_frames(free0, "after the fork");
}

static void t_cow_reuse(void)
{
	struct vmstat a, b;
	unsigned long heap0 = heap_end(), free0 = free_frames();
	volatile unsigned char *m;
	volatile int status = -5;
	long p;
	int pid;

	p = sbrk((long)(COW_PAGES * PGSIZE));
	CHECK(p != -1, "sbrk failed");
	m = (volatile unsigned char *)(unsigned long)p;
	for (unsigned long i = 0; i < COW_PAGES; i++)
		m[i * PGSIZE] = (unsigned char)i;
	pid = fork();
	if (pid < 0) {
		heap_set(heap0);
		fail("fork failed");
		return;
	}
	if (pid == 0)
		exit(0);
	status = -5;
	if (wait((int *)&status) != pid || status != 0) {
		heap_set(heap0);
		fail("wait for the child failed (status %d)", status);
		return;
	}
	/* the child is gone: the parent is the last owner of every shared page */
	stats(&a);
	for (unsigned long i = 0; i < COW_PAGES; i++)
		m[i * PGSIZE + 1] = (unsigned char)i;
	stats(&b);
	for (unsigned long i = 0; i < COW_PAGES && !cur_failed; i++)
		if (m[i * PGSIZE] != (unsigned char)i || m[i * PGSIZE + 1] != (unsigned char)i)
			fail("page %lu lost its data", i);
	if (!cur_failed && b.cow_copies != a.cow_copies)
		fail("writing %d pages no one else holds made %lu COW copies (expected 0)",
		     COW_PAGES, b.cow_copies - a.cow_copies);
	if (!cur_failed && b.cow_reuses - a.cow_reuses < COW_PAGES)
		fail("writing %d pages no one else holds: only %lu COW reuses", COW_PAGES,
		     b.cow_reuses - a.cow_reuses);
	if (!cur_failed && b.free_frames != a.free_frames)
		fail("reusing pages took %ld frames", (long)(a.free_frames - b.free_frames));
	heap_set(heap0);
	check_frames(free0, "at the end");
}

/* copyout into a page the parent still shares must copy it, not write through. */
static void t_cow_copyout(void)
{
	static const char parent_text[] = "the parent's page";
	static const char child_text[] = "written by the child's read()";
	unsigned long heap0 = heap_end(), free0 = free_frames();
	char *m;
	long p;
	int pid;
	volatile int status = -5;

	p = sbrk((long)PGSIZE);
	CHECK(p != -1, "sbrk failed");
	m = (char *)(unsigned long)p;
	strcpy(m, parent_text);
	pid = fork();
	if (pid < 0) {
		heap_set(heap0);
		fail("fork failed");
		return;
	}
	if (pid == 0) {
		/* no user-mode write to the page before the kernel's copyout */
		if (write(FD_LOOP, child_text, sizeof(child_text)) != sizeof(child_text))
			exit(1);
		if (read(FD_LOOP, m, sizeof(child_text)) != sizeof(child_text))
			exit(2);
		exit(strcmp(m, child_text) == 0 ? 0 : 3);
	}
	status = -5;
	if (wait((int *)&status) != pid)
		fail("wait failed");
	else if (status != 0)
		fail("child: %s (status %d)",
		     status == 1   ? "write to fd 3 failed"
		     : status == 2 ? "read from fd 3 into a shared page failed"
				   : "read did not store the data",
		     status);
	else if (strcmp(m, parent_text) != 0)
		fail("the child's read() changed the parent's page: \"%s\"", m);
	heap_set(heap0);
	check_frames(free0, "at the end");
}

/* ---- the user library's heap --------------------------------------------------------------- */

static int malloc_child(void)
{
	enum { N = 64 };
	static unsigned char *blocks[N];
	static size_t sizes[N];
	unsigned char *big, *z;
	long top;

	for (int i = 0; i < N; i++) {
		sizes[i] = (size_t)(1 + (i * 37) % 700);
		blocks[i] = malloc(sizes[i]);
		if (!blocks[i] || ((unsigned long)blocks[i] & 15))
			return 1;
		memset(blocks[i], i, sizes[i]);
	}
	for (int i = 0; i < N; i += 2) {
		free(blocks[i]);
		blocks[i] = 0;
	}
	for (int i = 1; i < N; i += 2) {
		for (size_t j = 0; j < sizes[i]; j++)
			if (blocks[i][j] != (unsigned char)i)
				return 2;
		blocks[i] = realloc(blocks[i], sizes[i] * 3);
		if (!blocks[i])
			return 3;
		for (size_t j = 0; j < sizes[i]; j++)
			if (blocks[i][j] != (unsigned char)i)
				return 4;
	}
	big = malloc(1 << 20);
	if (!big)
		return 5;
	memset(big, 0xab, 1 << 20);
	free(big);
	z = calloc(1000, 4);
	if (!z)
		return 6;
	for (int j = 0; j < 4000; j++)
		if (z[j])
			return 7;
	for (int i = 1; i < N; i += 2)
		free(blocks[i]);
	free(z);
	/* everything is free and coalesced: a block bigger than any single one fits again,
	 * without growing the heap */
	top = sbrk(0);
	big = malloc((1 << 20) + 4096);
	if (!big)
		return 8;
	if (sbrk(0) != top)
		return 9;
	free(big);
	return CHILD_OK;
}

static void t_malloc(void)
{
	unsigned long free0 = free_frames();
	int st = in_child(malloc_child);

	CHECK(st == CHILD_OK, "malloc/free/realloc/calloc check %d failed in the child", st);
	check_frames(free0, "after the child");
}

/* ---- copyin and copyout through the loop device (fd 3) ----------------------------------- */

static unsigned char small[512];
static unsigned char drain_buf[LOOP_SIZE];

/* Empties the loop device (one read of LOOP_SIZE bytes takes everything). */
static void loop_drain(void)
{
	read(FD_LOOP, drain_buf, LOOP_SIZE);
}

/* Stores n bytes of the pattern in the loop device (from small). */
static int loop_fill(long n)
{
	memset(small, 0x3c, sizeof(small));
	return write(FD_LOOP, small, n) == n ? 0 : -1;
}

static void t_loopdev(void)
{
	struct vmstat a, b;
	unsigned long heap0 = heap_end(), free0 = free_frames();
	unsigned long q, guard, stack, k;
	unsigned char *src, *dst, text_copy[64];
	long len = (long)PGSIZE + 200, r;
	volatile unsigned char *stack_low;

	/* the layout this test relies on: bss, the guard page, the stack page */
	guard = stack_page() - PGSIZE;
	CHECK(PGROUNDUP(end) == guard,
	      "layout: the page below the stack page is at %p, but bss ends at %p", (void *)guard,
	      (void *)end);
	k = guard - (unsigned long)end; /* bytes of the last bss page past the end of bss */
	if (k > 100)
		k = 100;
	loop_drain();

	/* the simple case */
	CHECK(write(FD_LOOP, "hello", 5) == 5, "write of 5 bytes to fd 3 did not return 5");
	r = read(FD_LOOP, small, sizeof(small));
	CHECK(r == 5 && memcmp(small, "hello", 5) == 0, "read back %ld bytes, not \"hello\"", r);
	CHECK(read(FD_LOOP, small, sizeof(small)) == 0, "second read did not return 0 (empty)");

	/* buffers that span three pages, in memory never touched (lazy) */
	q = PGROUNDUP(heap_end());
	CHECK(heap_set(q + 6 * PGSIZE) == 0, "sbrk failed");
	src = (unsigned char *)(q + PGSIZE - 100);
	dst = (unsigned char *)(q + 4 * PGSIZE - 50);
	stats(&a);
	r = write(FD_LOOP, src, len);
	if (r == len)
		r = read(FD_LOOP, dst, len);
	stats(&b);
	if (r != len) {
		heap_set(heap0);
		fail("moving %ld bytes between untouched pages: %ld", len, r);
		return;
	}
	for (long i = 0; i < len && !cur_failed; i++)
		if (dst[i] != 0)
			fail("untouched memory copied through fd 3 is not zero at %ld", i);
	if (!cur_failed && b.lazy_allocs - a.lazy_allocs != 6)
		fail("copyin/copyout over 6 untouched pages made %lu lazy allocations",
		     b.lazy_allocs - a.lazy_allocs);

	/* and with data in them */
	for (long i = 0; i < len; i++)
		src[i] = (unsigned char)(i * 7 + 3);
	memset(dst, 0, (size_t)len);
	r = write(FD_LOOP, src, len);
	if (!cur_failed && r != len)
		fail("write of %ld bytes spanning pages returned %ld", len, r);
	r = read(FD_LOOP, dst, len);
	if (!cur_failed && r != len)
		fail("read of %ld bytes spanning pages returned %ld", len, r);
	if (!cur_failed && memcmp(src, dst, (size_t)len) != 0)
		fail("data spanning pages did not come back intact");

	/* LOOP_SIZE bytes fit; a longer write is either cut to LOOP_SIZE or refused (-1) */
	for (unsigned long i = 0; i < 3 * PGSIZE; i++)
		((unsigned char *)q)[i] = (unsigned char)(i * 13 + 1);
	for (int longer = 0; longer < 2 && !cur_failed; longer++) {
		r = write(FD_LOOP, (void *)q, LOOP_SIZE + (longer ? 1000 : 0));
		if (longer && r == -1)
			break; /* refused: fine */
		if (r != LOOP_SIZE) {
			fail("write of %d bytes returned %ld, not %d%s", LOOP_SIZE + (longer ? 1000 : 0),
			     r, LOOP_SIZE, longer ? " or -1" : "");
			break;
		}
		memset((void *)(q + 3 * PGSIZE), 0, LOOP_SIZE);
		r = read(FD_LOOP, (void *)(q + 3 * PGSIZE), LOOP_SIZE);
		if (r != LOOP_SIZE)
			fail("read after a full write returned %ld, not %d", r, LOOP_SIZE);
		else if (memcmp((void *)q, (void *)(q + 3 * PGSIZE), LOOP_SIZE) != 0)
			fail("LOOP_SIZE bytes did not come back intact");
		else if (read(FD_LOOP, small, sizeof(small)) != 0)
			fail("the loop device is not empty after a read");
	}
	loop_drain();
	if (cur_failed) {
		heap_set(heap0);
		return;
	}

	/* reading from a read-only page (text) is allowed */
	memcpy(text_copy, (const void *)text_bytes(), sizeof(text_copy));
	r = write(FD_LOOP, (const void *)text_bytes(), 64);
	if (r != 64) {
		fail("write from the text segment (readable) returned %ld, not 64", r);
	} else {
		r = read(FD_LOOP, small, sizeof(small));
		if (r != 64 || memcmp(small, text_copy, 64) != 0)
			fail("text written to fd 3 did not come back (%ld bytes)", r);
	}
	loop_drain();

	/* bad buffers for write: every one returns -1 */
	{
		static const char *const what[] = {
			"kernel space",
			"unmapped, above the heap",
			"spanning the end of the heap",
			"the guard page",
			"a range running into KERNEL_ADDR",
			"bss into the guard page",
			"an address range that wraps around",
			"KERNEL_ADDR2 (kernel page in the user table)",
		};
		unsigned long addrs[8], ns[8];
		addrs[0] = KERNEL_ADDR, ns[0] = 16;
		addrs[1] = q + 8 * PGSIZE, ns[1] = 16;
		addrs[2] = q + 6 * PGSIZE - 100, ns[2] = 200;
		addrs[3] = guard, ns[3] = 16;
		addrs[4] = KERNEL_ADDR - 8, ns[4] = 16;
		addrs[5] = guard - k, ns[5] = k + PGSIZE + 100;
		addrs[6] = ~0UL - 15, ns[6] = 32;
		addrs[7] = KERNEL_ADDR2, ns[7] = 16;
		for (int i = 0; i < 8 && !cur_failed; i++) {
			r = write(FD_LOOP, (const void *)addrs[i], (long)ns[i]);
			if (r != -1)
				fail("write from %s (%p, %lu bytes) returned %ld, not -1", what[i],
				     (void *)addrs[i], ns[i], r);
			loop_drain();
		}
		for (int i = 0; i < 4 && !cur_failed; i++) {
			/* the same through the console */
			r = write(1, (const void *)addrs[i], (long)ns[i]);
			if (r != -1)
				fail("write(1) from %s returned %ld, not -1", what[i], r);
		}
	}
	if (cur_failed) {
		heap_set(heap0);
		return;
	}

	/* bad buffers for read: -1, and nothing written past the failure */
	{
		static const char *const what[] = {
			"kernel space",
			"unmapped, above the heap",
			"spanning the end of the heap",
			"the guard page",
			"read-only data in the text segment",
			"the text segment",
			"KERNEL_ADDR2 (kernel page in the user table)",
		};
		unsigned long addrs[7], ns[7];
		addrs[0] = KERNEL_ADDR, ns[0] = 200;
		addrs[1] = q + 8 * PGSIZE, ns[1] = 200;
		addrs[2] = q + 6 * PGSIZE - 100, ns[2] = 200;
		addrs[3] = guard, ns[3] = 200;
		addrs[4] = (unsigned long)ro_victim, ns[4] = sizeof(ro_victim);
		/* only 4 bytes of code: if the kernel writes them, they are the start of
		 * text_target, which runs only in text_readonly (and fails there) */
		addrs[5] = (unsigned long)text_bytes(), ns[5] = 4;
		addrs[6] = KERNEL_ADDR2, ns[6] = 200;
		for (int i = 0; i < 7 && !cur_failed; i++) {
			if (loop_fill((long)ns[i]) < 0) {
				fail("write of %lu bytes to fd 3 failed", ns[i]);
				break;
			}
			r = read(FD_LOOP, (void *)addrs[i], (long)ns[i]);
			if (r != -1)
				fail("read into %s (%p) returned %ld, not -1", what[i], (void *)addrs[i],
				     r);
			loop_drain();
		}
		for (unsigned long i = 0; i < sizeof(text_copy) && !cur_failed; i++)
			if (text_bytes()[i] != text_copy[i])
				fail("read() changed the text segment at byte %lu", i);
		if (!cur_failed && strcmp((const char *)ro_victim,
					  "read-only victim: reads into this must fail") != 0)
			fail("read() changed read-only data");
	}
	if (cur_failed) {
		heap_set(heap0);
		return;
	}

	/* a read that fails at the guard page must not write the stack page beyond it */
	stack = stack_page();
	stack_low = (volatile unsigned char *)stack;
	for (int i = 0; i < 100; i++)
		stack_low[i] = 0xa5;
	r = (long)(k + PGSIZE + 100);
	for (unsigned long i = 0; i < 3 * PGSIZE; i++)
		((unsigned char *)q)[i] = 0x5a;
	if (write(FD_LOOP, (void *)q, r) != r) {
		heap_set(heap0);
		fail("write of %ld bytes to fd 3 failed", r);
		return;
	}
	r = read(FD_LOOP, (void *)(guard - k), r);
	loop_drain();
	if (r != -1)
		fail("read into bss, the guard page and the stack returned %ld, not -1", r);
	for (int i = 0; i < 100 && !cur_failed; i++)
		if (stack_low[i] != 0xa5)
			fail("a read that failed at the guard page wrote the stack page beyond it "
			     "(byte %d)", i);

	heap_set(heap0);
	check_frames(free0, "at the end");
}

/* ---- bad pointers to system calls -------------------------------------------------------- */

static int wait_bad_child(void)
{
	volatile int status = -5;
	int pid = fork(), w;

	if (pid < 0)
		return 10;
	if (pid == 0)
		exit(7);
	if (wait((int *)KERNEL_ADDR) != -1)
		return 1;
	if (wait((int *)(unsigned long)ro_victim) != -1)
		return 2;
	if (wait((int *)(PGROUNDUP(heap_end()) + PGSIZE)) != -1)
		return 3;
	if (wait((int *)KERNEL_ADDR2) != -1)
		return 5;
	w = wait((int *)&status);
	if (w == pid && status == 7)
		return CHILD_OK; /* the failed calls left the child to be waited for */
	if (w == -1)
		return 20; /* the first failed call reaped the child */
	return 4;
}

static void t_bad_pointers(void)
{
	unsigned long unmapped = PGROUNDUP(heap_end()) + PGSIZE;
	unsigned long guard = stack_page() - PGSIZE;
	unsigned long k = guard - (unsigned long)end; /* unused bytes before the guard page */
	int st;

	if (k > 8)
		k = 8;

	CHECK(write(1, (const void *)KERNEL_ADDR, 8) == -1, "write(1, kernel address) is not -1");
	CHECK(write(2, (const void *)unmapped, 8) == -1, "write(2, unmapped) is not -1");
	CHECK(write(1, (const void *)guard, 8) == -1, "write(1, guard page) is not -1");
	CHECK(write(1, (const void *)KERNEL_ADDR2, 8) == -1, "write(1, KERNEL_ADDR2) is not -1");
	CHECK(vmstat((struct vmstat *)KERNEL_ADDR) == -1, "vmstat(kernel address) is not -1");
	CHECK(vmstat((struct vmstat *)KERNEL_ADDR2) == -1, "vmstat(KERNEL_ADDR2) is not -1");
	CHECK(vmstat((struct vmstat *)unmapped) == -1, "vmstat(unmapped) is not -1");
	CHECK(vmstat((struct vmstat *)(unsigned long)ro_victim) == -1,
	      "vmstat(read-only data) is not -1");
	CHECK(vmstat((struct vmstat *)(guard - k)) == -1,
	      "vmstat(bss spanning into the guard page) is not -1");
	st = in_child(wait_bad_child);
	CHECK(st == CHILD_OK || st == 20,
	      "wait with a bad status pointer: %s (%d)",
	      st == 1   ? "wait(kernel address) did not return -1"
	      : st == 2 ? "wait(read-only address) did not return -1"
	      : st == 3 ? "wait(unmapped) did not return -1"
	      : st == 4 ? "the child could not be waited for afterwards"
	      : st == 5 ? "wait(KERNEL_ADDR2) did not return -1"
			: "the test child failed",
	      st);
	if (st == 20)
		note("wait with a bad pointer reaped the child (its status is lost)");
}

/* ---- exec ----------------------------------------------------------------------------------- */

static int data_marker = 12345; /* .data: a fresh image has this value */
static int bss_marker;          /* .bss: a fresh image has 0 */

#define EXEC_HELPER_OK 42

/* Run as `vmtest --exec-helper PID`: checks what exec promised and exits 42. */
static int exec_helper(int argc, char **argv)
{
	unsigned long stack = stack_page();

	if (argc != 3 || argv[3] != 0)
		return 1;
	if (strcmp(argv[0], "vmtest") != 0)
		return 2;
	if (data_marker != 12345 || bss_marker != 0)
		return 3; /* not a fresh image */
	if (atoi(argv[2]) != getpid())
		return 4; /* exec must keep the pid */
	if (PGROUNDDOWN(argv) != stack)
		return 5; /* argv is on the stack page */
	for (int i = 0; i < argc; i++)
		if (PGROUNDDOWN(argv[i]) != stack)
			return 6;
	return EXEC_HELPER_OK;
}

static char pidbuf[16];

static int exec_child_helper(void)
{
	char *argv[4];

	data_marker = 1;
	bss_marker = 1;
	snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
	argv[0] = "vmtest";
	argv[1] = "--exec-helper";
	argv[2] = pidbuf;
	argv[3] = 0;
	exec("vmtest", argv);
	return 100;
}

static int exec_child_echo(void)
{
	char *argv[] = { "echo", "  exec: echo", "runs,", "with", "arguments", 0 };

	exec("echo", argv);
	return 100;
}

static int exec_child_unknown(void)
{
	char *argv[] = { "no-such-program", 0 };

	data_marker = 777;
	if (exec("no-such-program", argv) != -1)
		return 1;
	if (exec("", argv) != -1)
		return 2;
	if (data_marker != 777)
		return 3; /* the failed exec changed the image */
	return CHILD_OK;
}

static void t_exec(void)
{
	unsigned long free0 = free_frames();
	int st;

	st = in_child(exec_child_echo);
	CHECK(st == 0, "child that execs echo: status %d%s", st,
	      st == 100 ? " (exec returned)" : "");
	st = in_child(exec_child_helper);
	CHECK(st == EXEC_HELPER_OK, "child that execs vmtest --exec-helper: status %d (%s)", st,
	      st == 100 ? "exec returned"
	      : st == 1 ? "wrong argc or argv not NULL-terminated"
	      : st == 2 ? "wrong argv[0]"
	      : st == 3 ? "data/bss not fresh"
	      : st == 4 ? "pid changed"
	      : st == 5 ? "argv not on the stack page"
	      : st == 6 ? "argv strings not on the stack page"
			: "?");
	st = in_child(exec_child_unknown);
	CHECK(st == CHILD_OK, "exec of an unknown program: %s (status %d)",
	      st == 1   ? "did not return -1"
	      : st == 2 ? "exec(\"\") did not return -1"
	      : st == 3 ? "the image changed"
			: "the child failed",
	      st);
	check_frames(free0, "at the end");
}

/* Each case must make exec return -1 (else the child exits EXEC_BAD + case); if exec goes
 * ahead instead, the new vmtest sees arguments it does not take and exits with a small status
 * (2, or the helper's 1..6). */
#define EXEC_BAD 100
static int exec_bad_child(void)
{
	char *argv[] = { "vmtest", "--exec-helper", "0", 0 };
	char *bad_arg[] = { "vmtest", (char *)KERNEL_ADDR, 0 };
	unsigned long q = PGROUNDUP(heap_end());
	char *name;
	char **long_argv;

	if (exec((const char *)KERNEL_ADDR, argv) != -1)
		return EXEC_BAD + 1;
	if (exec((const char *)(q + 4 * PGSIZE), argv) != -1)
		return EXEC_BAD + 2;
	if (exec("vmtest", (char **)KERNEL_ADDR) != -1)
		return EXEC_BAD + 3;
	if (exec("vmtest", (char **)(q + 4 * PGSIZE)) != -1)
		return EXEC_BAD + 4;
	if (exec("vmtest", bad_arg) != -1)
		return EXEC_BAD + 5;
	/* a name that runs off the end of memory without a NUL */
	if (heap_set(q + PGSIZE) < 0)
		return EXEC_BAD + 9;
	name = (char *)q;
	memset(name, 'v', PGSIZE);
	if (exec(name, argv) != -1)
		return EXEC_BAD + 6;
	/* an argv that runs off the end of memory without a NULL */
	long_argv = (char **)q;
	for (unsigned long i = 0; i < PGSIZE / sizeof(char *); i++)
		long_argv[i] = "vmtest";
	if (exec("vmtest", long_argv) != -1)
		return EXEC_BAD + 7;
	if (exec((const char *)(unsigned long)text_bytes() + 1, argv) != -1)
		return EXEC_BAD + 8; /* machine code is no program's name */
	if (exec((const char *)KERNEL_ADDR2, argv) != -1)
		return EXEC_BAD + 10;
	return CHILD_OK;
}

static void t_exec_bad(void)
{
	unsigned long free0 = free_frames();
	int st = in_child(exec_bad_child);
	static const char *const what[] = {
		"exec(kernel address, argv)",
		"exec(unmapped name, argv)",
		"exec(name, kernel address)",
		"exec(name, unmapped argv)",
		"exec(name, argv with a kernel address in it)",
		"exec(name without NUL up to the end of memory)",
		"exec(name, argv without NULL up to the end of memory)",
		"exec(text bytes as the name)",
		"sbrk",
		"exec(KERNEL_ADDR2, argv)",
	};

	if (st == EXEC_BAD + 9)
		fail("sbrk failed");
	else if (st > EXEC_BAD && st <= EXEC_BAD + 10)
		fail("%s did not return -1", what[st - EXEC_BAD - 1]);
	else if (st != CHILD_OK)
		fail("an exec with a bad pointer ran the program, or the child failed (status %d)",
		     st);
	check_frames(free0, "at the end");
}

/* ---- accesses that kill ------------------------------------------------------------------- */

static void write_guard(void)
{
	*(volatile char *)(stack_page() - 1) = 1;
}

static void read_guard(void)
{
	(void)*(volatile char *)(stack_page() - PGSIZE);
}

static void t_stack_guard(void)
{
	expect_killed("writing the page below the stack", write_guard);
	expect_killed("reading the page below the stack", read_guard);
}

static int recurse(int n)
{
	volatile char frame[256];

	frame[0] = (char)n;
	frame[255] = (char)n;
	if (n > 1000000)
		return 0;
	return recurse(n + 1) + frame[0] + frame[255];
}

static void overflow_stack(void)
{
	recurse(0);
}

static void t_stack_overflow(void)
{
	expect_killed("recursing past the 4 KiB stack", overflow_stack);
}

static void write_text(void)
{
	*(volatile unsigned char *)(unsigned long)&text_target = 0;
}

static const char rodata_target[] = "read-only data";

static void write_rodata(void)
{
	*(volatile char *)(unsigned long)rodata_target = 'R';
}

static void t_text_readonly(void)
{
	unsigned char before = text_bytes()[0];

	expect_killed("writing a function's code", write_text);
	expect_killed("writing read-only data", write_rodata);
	CHECK(text_bytes()[0] == before, "the parent's text changed");
	CHECK(text_target(2) == 7, "the parent's text no longer runs");
	CHECK(strcmp(rodata_target, "read-only data") == 0, "the parent's read-only data changed");
}

static void read_kernel(void)
{
	(void)*(volatile char *)KERNEL_ADDR;
}

static void write_kernel(void)
{
	*(volatile char *)(KERNEL_ADDR + 0x1000) = 0;
}

static void jump_kernel(void)
{
	((void (*)(void))KERNEL_ADDR)();
}

static void read_kernel2(void)
{
	(void)*(volatile char *)KERNEL_ADDR2;
}

static void write_kernel2(void)
{
	*(volatile char *)KERNEL_ADDR2 = 0;
}

static void jump_kernel2(void)
{
	((void (*)(void))KERNEL_ADDR2)();
}

static void t_kernel_memory(void)
{
	expect_killed("reading kernel memory", read_kernel);
	expect_killed("writing kernel memory", write_kernel);
	expect_killed("jumping into kernel memory", jump_kernel);
	expect_killed("reading KERNEL_ADDR2", read_kernel2);
	expect_killed("writing KERNEL_ADDR2", write_kernel2);
	expect_killed("jumping to KERNEL_ADDR2", jump_kernel2);
}

#if ARCH_HAS_NX
static unsigned char nx_code[16] __attribute__((aligned(16))) = ARCH_RET_INSN;

static void run_code(void *p)
{
	ARCH_SYNC_ICACHE();
	((void (*)(void))(unsigned long)p)();
}

static void exec_data(void)
{
	run_code(nx_code);
}

static void exec_heap(void)
{
	static const unsigned char code[] = ARCH_RET_INSN;
	long p = sbrk((long)PGSIZE);

	if (p == -1)
		exit(SURVIVED + 1);
	memcpy((void *)(unsigned long)p, code, sizeof(code));
	run_code((void *)(unsigned long)p);
}

static void exec_stack(void)
{
	unsigned char code[16] __attribute__((aligned(16))) = ARCH_RET_INSN;

	run_code(code);
}

static void t_nx(void)
{
	expect_killed("executing from a data page", exec_data);
	expect_killed("executing from a heap page", exec_heap);
	expect_killed("executing from the stack page", exec_stack);
}
#endif

/* ---- kill ----------------------------------------------------------------------------------- */

static void t_kill(void)
{
	unsigned long free0 = free_frames();

	for (int spin = 0; spin < 2 && !cur_failed; spin++) {
		volatile int status = -5;
		int pid = fork(), w;

		CHECK(pid >= 0, "fork failed");
		if (pid == 0) {
			/* wait to be killed, but not forever */
			long t0 = uptime();
			if (spin)
				while (uptime() < t0 + 300)
					;
			else
				for (int i = 0; i < 300; i++)
					sleep(1);
			exit(0);
		}
		sleep(2);
		CHECK(kill(pid) == 0, "kill(%d) did not return 0", pid);
		w = wait((int *)&status);
		CHECK(w == pid, "wait returned %d, not %d", w, pid);
		CHECK(status != 0, "a %s child survived kill()", spin ? "running" : "sleeping");
	}
	CHECK(kill(100000) == -1, "kill of a pid that does not exist did not return -1");
	check_frames(free0, "at the end");
}

/* ---- fork bombs ----------------------------------------------------------------------------- */

static void t_fork_table(void)
{
	unsigned long free0 = free_frames();
	int n = 0, pid;
	volatile int status;

	for (;;) {
		pid = fork();
		if (pid < 0)
			break;
		if (pid == 0)
			exit(7); /* a zombie keeps its slot until we wait */
		if (++n > 200)
			break;
	}
	note("fork failed after %d children", n);
	if (n == 0)
		fail("the first fork failed");
	else if (n > 64)
		fail("more than 64 processes: fork never failed");
	for (int i = 0; i < n; i++) {
		status = -5;
		int w = wait((int *)&status);
		if (w < 0) {
			fail("wait failed after %d of %d children", i, n);
			break;
		}
		if (status != 7 && !cur_failed)
			fail("child %d: status %d, not 7", w, status);
	}
	if (!cur_failed && wait(0) != -1)
		fail("wait after the last child did not return -1");
	if (cur_failed)
		return;
	/* the slots came back */
	pid = fork();
	CHECK(pid >= 0, "fork failed after all children were waited for");
	if (pid == 0)
		exit(0);
	CHECK(wait(0) == pid, "wait for the last child failed");
	check_frames(free0, "after waiting for all children");
}

/*
 * A chain of processes: each grows the heap by CHAIN_CHUNK, touches every page, forks the
 * next and waits for it. Memory runs out (a touch fails and the kernel kills that process, or
 * fork or sbrk fails); then the chain unwinds. The exit status says how deep it got and why
 * it stopped: depth * 8 + reason.
 */
#define CHAIN_CHUNK (8UL << 20)
#define CHAIN_MAX 31 /* 31 * 8 MiB is far more than the machine has; keeps statuses < 256 */
enum { END_DEPTH, END_FORK, END_KILLED, END_SBRK, END_BAD };

static void chain(int depth) __attribute__((noreturn));
static void chain(int depth)
{
	volatile unsigned char *m;
	volatile int status;
	long p;
	int pid, w;

	p = sbrk((long)CHAIN_CHUNK);
	if (p == -1)
		exit(depth * 8 + END_SBRK);
	m = (volatile unsigned char *)(unsigned long)p;
	for (unsigned long off = 0; off < CHAIN_CHUNK; off += PGSIZE)
		m[off] = (unsigned char)depth; /* the kernel may kill us here */
	if (depth >= CHAIN_MAX)
		exit(depth * 8 + END_DEPTH);
	pid = fork();
	if (pid < 0)
		exit(depth * 8 + END_FORK);
	if (pid == 0)
		chain(depth + 1);
	status = -5; /* own the stack page again before wait writes to it */
	w = wait((int *)&status);
	for (unsigned long off = 0; off < CHAIN_CHUNK; off += PGSIZE)
		if (m[off] != (unsigned char)depth)
			exit(depth * 8 + END_BAD);
	if (w != pid)
		exit(depth * 8 + END_BAD);
	if (status == -1)
		exit((depth + 1) * 8 + END_KILLED);
	exit(status);
}

static void t_forkbomb_oom(void)
{
	static const char *const why[] = {
		"reached the maximum depth", "fork failed", "out of memory: the kernel killed it",
		"sbrk failed", "data was corrupted or wait failed",
	};
	unsigned long free0 = free_frames();
	volatile int status = -5;
	int pid, depth, reason;

	pid = fork();
	CHECK(pid >= 0, "fork failed");
	if (pid == 0)
		chain(1);
	CHECK(wait((int *)&status) == pid, "wait failed");
	CHECK(status >= 0, "the first process of the chain was killed (status %d)", status);
	depth = status / 8;
	reason = status % 8;
	CHECK(reason <= END_BAD, "strange status %d", status);
	note("a chain of %d processes touching %lu MiB each; the last one: %s", depth,
	     CHAIN_CHUNK >> 20, why[reason]);
	CHECK(reason != END_BAD, "a process of the chain found its memory corrupted");
	CHECK(reason != END_DEPTH, "memory never ran out (%d x %lu MiB)", depth,
	      CHAIN_CHUNK >> 20);
	check_frames(free0, "after the chain unwound");
}

/* ---- the list ----------------------------------------------------------------------------- */

static unsigned long free_at_start;

static void t_frames_balance(void)
{
	check_frames(free_at_start, "at the end of the run");
}

static const struct test {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "fork_wait", t_fork_wait },
	{ "sleep_uptime", t_sleep_uptime },
	{ "sbrk", t_sbrk },
	{ "sbrk_unmaps", t_sbrk_unmaps },
	{ "lazy_16mib", t_lazy },
	{ "cow_fork", t_cow_fork },
	{ "cow_reuse", t_cow_reuse },
	{ "cow_copyout", t_cow_copyout },
	{ "malloc", t_malloc },
	{ "copy_loopdev", t_loopdev },
	{ "bad_pointers", t_bad_pointers },
	{ "exec", t_exec },
	{ "exec_bad_pointers", t_exec_bad },
	{ "stack_guard", t_stack_guard },
	{ "stack_overflow", t_stack_overflow },
	{ "text_readonly", t_text_readonly },
	{ "kernel_memory", t_kernel_memory },
#if ARCH_HAS_NX
	{ "nx_data", t_nx },
#endif
	{ "kill", t_kill },
	{ "fork_table_full", t_fork_table },
	{ "forkbomb_oom", t_forkbomb_oom },
	{ "frames_balance", t_frames_balance },
};
#define NTESTS (int)(sizeof(tests) / sizeof(tests[0]))

/* Makes sure everything the program itself uses is in place before the first count of free
 * frames: every data/bss page touched, the loop device's buffer used once. */
static void warm_up(void)
{
	for (unsigned long a = PGROUNDUP(etext); a < (unsigned long)end; a += PGSIZE) {
		volatile unsigned char *b = (volatile unsigned char *)a;
		*b = *b;
	}
	write(FD_LOOP, "x", 1);
	loop_drain();
	free_frames();
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, selected = argc > 1;

	if (argc > 1 && strcmp(argv[1], "--exec-helper") == 0)
		return exec_helper(argc, argv);
	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		for (int i = 0; i < NTESTS; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	for (int j = 1; j < argc; j++) {
		int i;
		for (i = 0; i < NTESTS && strcmp(tests[i].name, argv[j]) != 0; i++)
			;
		if (i == NTESTS) {
			fprintf(2, "vmtest: no test %s (vmtest -l lists them)\n", argv[j]);
			return 2;
		}
	}

	warm_up();
	free_at_start = free_frames();
	printf("vmtest: %s, pid %d, %lu frames free\n", ARCH_NAME, getpid(), free_at_start);
	for (int i = 0; i < NTESTS; i++) {
		if (selected) {
			int j;
			for (j = 1; j < argc && strcmp(tests[i].name, argv[j]) != 0; j++)
				;
			if (j == argc)
				continue;
		}
		cur_test = tests[i].name;
		cur_failed = 0;
		tests[i].fn();
		if (cur_failed) {
			failed++;
		} else {
			passed++;
			printf("PASS %s\n", cur_test);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
