/*
 * The frame allocator (lib/frame) and the simulated RAM over it (host/ram.c).
 */
#include "support/testlib.h"

#include <stdlib.h>
#include <string.h>

#define BASE 0x10000000ull
#define N 16u

/* A fresh pool of N frames at BASE. */
static void pool_init(struct frame_pool *fp, struct frame_info *info)
{
	memset(info, 0xa5, N * sizeof(*info)); /* init must not rely on zeroed bookkeeping */
	frame_pool_init(fp, BASE, N, info);
}

static void test_alloc_lowest_first_and_counts(void **state)
{
	struct frame_info info[N];
	struct frame_pool fp;
	pa_t pa;

	(void)state;
	pool_init(&fp, info);
	TL_EQ(frame_free_count(&fp), N);
	for (unsigned i = 0; i < N; i++) {
		pa = 0;
		TL_TRUE(frame_alloc(&fp, &pa));
		TL_EQ(pa, BASE + (pa_t)i * FRAME_SIZE);
		TL_EQ(frame_refs(&fp, pa), 1);
		TL_EQ(frame_free_count(&fp), N - 1 - i);
		TL_TRUE(frame_owns(&fp, pa));
	}
}

static void test_exhaustion(void **state)
{
	struct frame_info info[N];
	struct frame_pool fp;
	pa_t pa, last = 0;

	(void)state;
	pool_init(&fp, info);
	for (unsigned i = 0; i < N; i++)
		TL_TRUE(frame_alloc(&fp, &last));
	TL_EQ(frame_free_count(&fp), 0);
	TL_FALSE(frame_alloc(&fp, &pa));
	TL_FALSE(frame_alloc(&fp, &pa));
	TL_EQ(frame_free_count(&fp), 0);
	/* One back, one out again: the same frame. */
	TL_TRUE(frame_put(&fp, BASE + 5 * FRAME_SIZE));
	TL_EQ(frame_free_count(&fp), 1);
	TL_EQ(frame_refs(&fp, BASE + 5 * FRAME_SIZE), 0);
	pa = 0;
	TL_TRUE(frame_alloc(&fp, &pa));
	TL_EQ(pa, BASE + 5 * FRAME_SIZE);
	TL_FALSE(frame_alloc(&fp, &pa));

	/* An empty pool. */
	frame_pool_init(&fp, BASE, 0, info);
	TL_EQ(frame_free_count(&fp), 0);
	TL_FALSE(frame_alloc(&fp, &pa));
	TL_FALSE(frame_owns(&fp, BASE));
}

static void test_refcounts(void **state)
{
	struct frame_info info[N];
	struct frame_pool fp;
	pa_t a, b;

	(void)state;
	pool_init(&fp, info);
	TL_TRUE(frame_alloc(&fp, &a));
	TL_TRUE(frame_alloc(&fp, &b));
	TL_TRUE(frame_get(&fp, a));
	TL_TRUE(frame_get(&fp, a));
	TL_EQ(frame_refs(&fp, a), 3);
	TL_EQ(frame_refs(&fp, b), 1);
	/* Dropping references frees the frame only at zero. */
	TL_TRUE(frame_put(&fp, a));
	TL_TRUE(frame_put(&fp, a));
	TL_EQ(frame_refs(&fp, a), 1);
	TL_EQ(frame_free_count(&fp), N - 2);
	TL_TRUE(frame_put(&fp, a));
	TL_EQ(frame_refs(&fp, a), 0);
	TL_EQ(frame_free_count(&fp), N - 1);
	/* A free frame cannot gain references. */
	TL_FALSE(frame_get(&fp, a));
	TL_EQ(frame_refs(&fp, a), 0);
	TL_EQ(frame_free_count(&fp), N - 1);
	TL_EQ(frame_refs(&fp, b), 1);
}

static void test_refcount_saturates(void **state)
{
	struct frame_info info[N];
	struct frame_pool fp;
	pa_t a;

	(void)state;
	pool_init(&fp, info);
	TL_TRUE(frame_alloc(&fp, &a));
	/* Reaching the maximum by hand (the caller owns the bookkeeping array). */
	info[0].refs = UINT32_MAX - 1;
	TL_TRUE(frame_get(&fp, a));
	TL_EQ(frame_refs(&fp, a), UINT32_MAX);
	TL_FALSE(frame_get(&fp, a));
	TL_EQ(frame_refs(&fp, a), UINT32_MAX);
	TL_TRUE(frame_put(&fp, a));
	TL_EQ(frame_refs(&fp, a), UINT32_MAX - 1);
}

static void test_double_put_is_reported_and_harmless(void **state)
{
	struct frame_info info[N];
	struct frame_pool fp;
	pa_t a, got[N];
	unsigned n = 0;

	(void)state;
	pool_init(&fp, info);
	TL_TRUE(frame_alloc(&fp, &a));
	TL_TRUE(frame_put(&fp, a));
	TL_EQ(frame_free_count(&fp), N);
	/* The second put is refused and changes nothing. */
	TL_FALSE(frame_put(&fp, a));
	TL_FALSE(frame_put(&fp, a));
	TL_EQ(frame_free_count(&fp), N);
	TL_EQ(frame_refs(&fp, a), 0);
	/* The free list holds every frame exactly once: N distinct allocations, then none. */
	while (frame_alloc(&fp, &got[n])) {
		for (unsigned k = 0; k < n; k++)
			TL_NE(got[k], got[n]);
		TL_TRUE(frame_owns(&fp, got[n]));
		n++;
		TL_TRUE(n <= N);
	}
	TL_EQ(n, N);
	TL_EQ(frame_free_count(&fp), 0);
}

static void test_foreign_addresses(void **state)
{
	static const pa_t foreign[] = {
		0,
		BASE - FRAME_SIZE,
		BASE + N * FRAME_SIZE,     /* just past the end */
		BASE + 100 * FRAME_SIZE,
		BASE + 1,                  /* inside a frame, not its start */
		BASE + FRAME_SIZE + 0x800,
		~(pa_t)0 & ~(pa_t)0xfff,
		BASE - ((pa_t)1 << 44),
	};
	struct frame_info info[N];
	struct frame_pool fp;
	pa_t a;

	(void)state;
	pool_init(&fp, info);
	TL_TRUE(frame_alloc(&fp, &a));
	TL_TRUE(frame_alloc(&fp, &a));
	for (unsigned i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		tl_where("pa 0x%llx", (unsigned long long)foreign[i]);
		TL_FALSE(frame_owns(&fp, foreign[i]));
		TL_FALSE(frame_get(&fp, foreign[i]));
		TL_FALSE(frame_put(&fp, foreign[i]));
		TL_EQ(frame_refs(&fp, foreign[i]), 0);
		TL_EQ(frame_free_count(&fp), N - 2);
	}
	tl_where("");
	TL_TRUE(frame_owns(&fp, BASE));
	TL_TRUE(frame_owns(&fp, BASE + (N - 1) * FRAME_SIZE));
	/* The allocated frames were not disturbed. */
	TL_EQ(frame_refs(&fp, BASE), 1);
	TL_EQ(frame_refs(&fp, BASE + FRAME_SIZE), 1);
	TL_EQ(frame_refs(&fp, BASE + 2 * FRAME_SIZE), 0);
}

static void test_fail_nth(void **state)
{
	struct frame_info info[N];
	struct frame_pool fp;
	pa_t pa;

	(void)state;
	pool_init(&fp, info);
	/* n = 1: the very next allocation fails, and only that one. */
	frame_fail_nth(&fp, 1);
	TL_FALSE(frame_alloc(&fp, &pa));
	TL_EQ(frame_free_count(&fp), N);
	TL_TRUE(frame_alloc(&fp, &pa));
	TL_EQ(pa, BASE);
	/* n = 3: two succeed, the third fails, then all is well again. */
	frame_fail_nth(&fp, 3);
	TL_TRUE(frame_alloc(&fp, &pa));
	TL_EQ(pa, BASE + FRAME_SIZE);
	TL_TRUE(frame_alloc(&fp, &pa));
	TL_EQ(pa, BASE + 2 * FRAME_SIZE);
	TL_FALSE(frame_alloc(&fp, &pa));
	TL_EQ(frame_free_count(&fp), N - 3);
	TL_TRUE(frame_alloc(&fp, &pa));
	TL_EQ(pa, BASE + 3 * FRAME_SIZE); /* the failure consumed no frame */
	TL_TRUE(frame_alloc(&fp, &pa));
	/* 0 turns it off. */
	frame_fail_nth(&fp, 2);
	frame_fail_nth(&fp, 0);
	for (unsigned i = 0; i < 4; i++)
		TL_TRUE(frame_alloc(&fp, &pa));
	TL_EQ(frame_free_count(&fp), N - 9);
	/* Counting starts from the call, not from the pool's creation. */
	frame_fail_nth(&fp, 2);
	TL_TRUE(frame_alloc(&fp, &pa));
	TL_FALSE(frame_alloc(&fp, &pa));
	TL_TRUE(frame_alloc(&fp, &pa));
}

/* ---- host RAM -------------------------------------------------------------------------------- */

static void test_host_ram_init_rules(void **state)
{
	struct host_ram ram;

	(void)state;
	TL_ERR(host_ram_init(&ram, TL_RAM_BASE, 0), PT_EINVAL);
	TL_ERR(host_ram_init(&ram, TL_RAM_BASE + 0x800, TL_RAM_SIZE), PT_EINVAL);
	TL_ERR(host_ram_init(&ram, TL_RAM_BASE, TL_RAM_SIZE + 0x800), PT_EINVAL);
	TL_OK(host_ram_init(&ram, TL_RAM_BASE, TL_RAM_SIZE));
	TL_EQ(ram.base, TL_RAM_BASE);
	TL_EQ(ram.size, TL_RAM_SIZE);
	TL_EQ(host_ram_free_frames(&ram), TL_RAM_SIZE / FRAME_SIZE);
	host_ram_fini(&ram);
	TL_TRUE(ram.bytes == NULL);
	/* Another base, a single frame. */
	TL_OK(host_ram_init(&ram, 0x1000, 0x1000));
	TL_EQ(host_ram_free_frames(&ram), 1);
	host_ram_fini(&ram);
}

static void test_host_ram_ptr_bounds(void **state)
{
	struct host_ram ram;
	uint8_t *b;
	const pa_t base = TL_RAM_BASE, end = TL_RAM_BASE + TL_RAM_SIZE;

	(void)state;
	TL_OK(host_ram_init(&ram, base, TL_RAM_SIZE));
	b = host_ram_ptr(&ram, base, 1);
	TL_TRUE(b != NULL);
	/* Inside: one linear mapping. */
	TL_TRUE(host_ram_ptr(&ram, base + 0x1234, 1) == b + 0x1234);
	TL_TRUE(host_ram_ptr(&ram, end - 1, 1) == b + TL_RAM_SIZE - 1);
	TL_TRUE(host_ram_ptr(&ram, base, TL_RAM_SIZE) == b);
	TL_TRUE(host_ram_ptr(&ram, end - 0x1000, 0x1000) == b + TL_RAM_SIZE - 0x1000);
	/* Any byte outside: NULL. */
	TL_TRUE(host_ram_ptr(&ram, base - 1, 1) == NULL);
	TL_TRUE(host_ram_ptr(&ram, base - 1, 2) == NULL);
	TL_TRUE(host_ram_ptr(&ram, end, 1) == NULL);
	TL_TRUE(host_ram_ptr(&ram, end - 1, 2) == NULL);
	TL_TRUE(host_ram_ptr(&ram, base, TL_RAM_SIZE + 1) == NULL);
	TL_TRUE(host_ram_ptr(&ram, base + 0x1000, UINT64_MAX) == NULL);
	TL_TRUE(host_ram_ptr(&ram, 0, 1) == NULL);
	TL_TRUE(host_ram_ptr(&ram, UINT64_MAX, 1) == NULL);
	TL_TRUE(host_ram_ptr(&ram, base - TL_RAM_SIZE, TL_RAM_SIZE + 1) == NULL);
	/* The engine's view agrees. */
	{
		struct pt_mem mem = host_ram_pt_mem(&ram);

		TL_TRUE(mem.ptr(mem.ctx, base + 0x5000) == b + 0x5000);
		TL_TRUE(mem.ptr(mem.ctx, end) == NULL);
		TL_TRUE(mem.ptr(mem.ctx, base - 0x1000) == NULL);
		TL_TRUE(mem.contains(mem.ctx, base, 4096));
		TL_TRUE(mem.contains(mem.ctx, end - 4096, 4096));
		TL_FALSE(mem.contains(mem.ctx, end - 2048, 4096));
		TL_FALSE(mem.contains(mem.ctx, end, 32));
		TL_FALSE(mem.contains(mem.ctx, 0x10000000, 4096));
	}
	host_ram_fini(&ram);
}

static void test_host_ram_pa_is_not_a_pointer(void **state)
{
	struct host_ram ram;
	struct pt_mem mem;

	(void)state;
	TL_OK(host_ram_init(&ram, TL_RAM_BASE, TL_RAM_SIZE));
	mem = host_ram_pt_mem(&ram);
	TL_NE((uintptr_t)host_ram_ptr(&ram, TL_RAM_BASE, 1), TL_RAM_BASE);
	for (unsigned i = 0; i < 64; i++) {
		pa_t pa = 0;

		TL_TRUE(host_ram_alloc_frame(&ram, &pa));
		TL_EQ(pa % FRAME_SIZE, 0);
		TL_TRUE(pa >= TL_RAM_BASE && pa < TL_RAM_BASE + TL_RAM_SIZE);
		TL_NE((uintptr_t)host_ram_ptr(&ram, pa, FRAME_SIZE), pa);
		TL_OK(mem.alloc(mem.ctx, 4096, &pa));
		TL_NE((uintptr_t)mem.ptr(mem.ctx, pa), pa);
	}
	host_ram_fini(&ram);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_host_ram_frames_are_zeroed(void **state)
{
	struct host_ram ram;
	struct pt_mem mem;
	pa_t a, b;
	uint8_t *p;

	(void)state;
	TL_OK(host_ram_init(&ram, TL_RAM_BASE, TL_RAM_SIZE));
	mem = host_ram_pt_mem(&ram);
	TL_TRUE(host_ram_alloc_frame(&ram, &a));
	p = host_ram_ptr(&ram, a, FRAME_SIZE);
	TL_TRUE(all_zero(p, FRAME_SIZE));
	memset(p, 0xa5, FRAME_SIZE);
	/* Freed and handed out again (the free list is last-in first-out): zero again. */
	TL_TRUE(frame_put(&ram.frames, a));
	TL_TRUE(host_ram_alloc_frame(&ram, &b));
	TL_EQ(b, a);
	TL_TRUE(all_zero(host_ram_ptr(&ram, b, FRAME_SIZE), FRAME_SIZE));
	/* The same through the engine's interface, including the 32-byte PAE root size. */
	memset(p, 0x5a, FRAME_SIZE);
	mem.free(mem.ctx, b, FRAME_SIZE);
	TL_EQ(frame_refs(&ram.frames, b), 0);
	TL_OK(mem.alloc(mem.ctx, 32, &a));
	TL_EQ(a, b);
	TL_TRUE(all_zero(host_ram_ptr(&ram, a, FRAME_SIZE), FRAME_SIZE));
	TL_ERR(mem.alloc(mem.ctx, 8192, &a), PT_EINVAL);
	host_ram_fini(&ram);
}

static void test_host_ram_counts_and_failures(void **state)
{
	struct host_ram ram;
	struct pt_mem mem;
	uint32_t total = 64;
	pa_t pa;

	(void)state;
	TL_OK(host_ram_init(&ram, TL_RAM_BASE, total * FRAME_SIZE));
	mem = host_ram_pt_mem(&ram);
	TL_EQ(host_ram_free_frames(&ram), total);
	TL_TRUE(host_ram_alloc_frame(&ram, &pa));
	TL_EQ(pa, TL_RAM_BASE);
	TL_EQ(host_ram_free_frames(&ram), total - 1);
	/* Injected failures, through both ways of allocating. */
	host_ram_fail_nth(&ram, 1);
	TL_FALSE(host_ram_alloc_frame(&ram, &pa));
	TL_EQ(host_ram_free_frames(&ram), total - 1);
	host_ram_fail_nth(&ram, 2);
	TL_OK(mem.alloc(mem.ctx, 4096, &pa));
	TL_ERR(mem.alloc(mem.ctx, 4096, &pa), PT_ENOMEM);
	TL_EQ(host_ram_free_frames(&ram), total - 2);
	host_ram_fail_nth(&ram, 0);
	/* Exhaustion. */
	while (host_ram_alloc_frame(&ram, &pa))
		;
	TL_EQ(host_ram_free_frames(&ram), 0);
	TL_ERR(mem.alloc(mem.ctx, 4096, &pa), PT_ENOMEM);
	mem.free(mem.ctx, TL_RAM_BASE + 7 * FRAME_SIZE, FRAME_SIZE);
	TL_EQ(host_ram_free_frames(&ram), 1);
	/* Freeing twice, or something never allocated, is harmless. */
	mem.free(mem.ctx, TL_RAM_BASE + 7 * FRAME_SIZE, FRAME_SIZE);
	mem.free(mem.ctx, 0x1000, FRAME_SIZE);
	TL_EQ(host_ram_free_frames(&ram), 1);
	TL_OK(mem.alloc(mem.ctx, 4096, &pa));
	TL_EQ(pa, TL_RAM_BASE + 7 * FRAME_SIZE);
	host_ram_fini(&ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_alloc_lowest_first_and_counts),
		TL_TEST(test_exhaustion),
		TL_TEST(test_refcounts),
		TL_TEST(test_refcount_saturates),
		TL_TEST(test_double_put_is_reported_and_harmless),
		TL_TEST(test_foreign_addresses),
		TL_TEST(test_fail_nth),
		TL_TEST(test_host_ram_init_rules),
		TL_TEST(test_host_ram_ptr_bounds),
		TL_TEST(test_host_ram_pa_is_not_a_pointer),
		TL_TEST(test_host_ram_frames_are_zeroed),
		TL_TEST(test_host_ram_counts_and_failures),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
