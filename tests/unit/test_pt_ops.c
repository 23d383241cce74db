/*
 * Every operation of the page-table engine (include/vmkit/pt.h) on every built-in format.
 *
 * Each test loops over pt_formats[] and gives every format a fresh simulated RAM and a fresh
 * table (tl_env_init); tl_env_fini destroys the table and checks that every frame came back.
 */
#include "support/testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOR_EACH_FORMAT(f)                                                                   \
	for (unsigned fi_ = 0; ((f) = pt_formats[fi_]) != NULL; fi_++)

/* Permissions every format can express. */
#define RW (PT_R | PT_W)
#define RX (PT_R | PT_X)
#define RWX (PT_R | PT_W | PT_X)

/* Size of one entry at level. */
static uint64_t lsize(const struct pt_format *f, unsigned level)
{
	return pt_level_size(f, level);
}

/* Entries in a table at level. */
static uint64_t nentries(const struct pt_format *f, unsigned level)
{
	return (uint64_t)1 << f->index_bits[level];
}

/* The VA with its sign extension removed. */
static uint64_t iva_of(const struct pt_format *f, va_t va)
{
	return va & (tl_space(f) - 1);
}

/* Index of va in a table at level. */
static unsigned index_of(const struct pt_format *f, unsigned level, va_t va)
{
	return (unsigned)((iva_of(f, va) >> f->shift[level]) & (nentries(f, level) - 1));
}

/* ---- expectations with the caller's line ------------------------------------------------------ */

static void eq_at(const char *file, int line, const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		tl_fail_u64(file, line, "==", what, got, "expected", want);
}

#define EXPECT_LEAF(e, va, pa, level, perms)                                                 \
	expect_leaf_((e), (va), (pa), (level), (perms), __FILE__, __LINE__)

/* pt_query(va) finds a leaf at level with perms (effective) and va maps to pa. */
static void expect_leaf_(const struct tl_env *e, va_t va, pa_t pa, unsigned level, unsigned perms,
			 const char *file, int line)
{
	const struct pt_format *f = e->pt.fmt;
	uint64_t size = lsize(f, level);
	struct pt_leaf leaf;
	pa_t got = 0;
	char what[96];
	enum pt_err err;

	memset(&leaf, 0xa5, sizeof(leaf));
	err = pt_query(&e->pt, va, &leaf, &got);
	snprintf(what, sizeof(what), "pt_query(0x%llx)", (unsigned long long)va);
	if (err != PT_OK)
		tl_fail_err(file, line, what, err, "PT_OK", PT_OK);
	snprintf(what, sizeof(what), "pa of 0x%llx", (unsigned long long)va);
	eq_at(file, line, what, got, pa);
	snprintf(what, sizeof(what), "level of the leaf at 0x%llx", (unsigned long long)va);
	eq_at(file, line, what, leaf.level, level);
	eq_at(file, line, "leaf.size", leaf.size, size);
	eq_at(file, line, "leaf.va", leaf.va, va & ~(size - 1));
	eq_at(file, line, "leaf.pa", leaf.pa, pa & ~(size - 1));
	snprintf(what, sizeof(what), "perms of the leaf at 0x%llx", (unsigned long long)va);
	eq_at(file, line, what, leaf.perms, pt_effective_perms(f, perms));
	eq_at(file, line, "leaf.index", leaf.index, index_of(f, level, va));
}

#define EXPECT_MAPS(e, va, pa, perms) expect_maps_((e), (va), (pa), (perms), __FILE__, __LINE__)

/* pt_query(va) succeeds, va maps to pa with perms; the page size is not checked. */
static void expect_maps_(const struct tl_env *e, va_t va, pa_t pa, unsigned perms,
			 const char *file, int line)
{
	struct pt_leaf leaf;
	pa_t got = 0;
	char what[96];
	enum pt_err err = pt_query(&e->pt, va, &leaf, &got);

	snprintf(what, sizeof(what), "pt_query(0x%llx)", (unsigned long long)va);
	if (err != PT_OK)
		tl_fail_err(file, line, what, err, "PT_OK", PT_OK);
	snprintf(what, sizeof(what), "pa of 0x%llx", (unsigned long long)va);
	eq_at(file, line, what, got, pa);
	snprintf(what, sizeof(what), "perms of the leaf at 0x%llx", (unsigned long long)va);
	eq_at(file, line, what, leaf.perms, pt_effective_perms(e->pt.fmt, perms));
}

static uint64_t mapped_bytes(const struct pt *pt)
{
	struct pt_stats st;

	TL_OK(pt_stats(pt, &st));
	return st.mapped_bytes;
}

#define EXPECT_NONE(e, va) expect_none_((e), (va), __FILE__, __LINE__)

static void expect_none_(const struct tl_env *e, va_t va, const char *file, int line)
{
	struct pt_leaf leaf;
	char what[64];
	enum pt_err err = pt_query(&e->pt, va, &leaf, NULL);

	snprintf(what, sizeof(what), "pt_query(0x%llx)", (unsigned long long)va);
	if (err != PT_ENOENT)
		tl_fail_err(file, line, what, err, "PT_ENOENT", PT_ENOENT);
}

/* pt_map must fail with `code` and leave the table and the free frames exactly as they were. */
#define MAP_FAILS(e, va, pa, size, perms, flags, code)                                       \
	do {                                                                                 \
		struct tl_snap snap_;                                                        \
		tl_snap_take(&snap_, (e));                                                   \
		TL_ERR(pt_map(&(e)->pt, (va), (pa), (size), (perms), (flags)), (code));      \
		TL_UNCHANGED(&snap_, (e));                                                   \
	} while (0)

/* ---- init and destroy --------------------------------------------------------------------------- */

static void test_init_and_destroy_give_every_frame_back(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		struct host_ram ram;
		struct pt_mem mem, bad;
		struct pt pt;
		struct pt_stats st;
		uint32_t before;
		uint64_t leaves = 99;

		tl_where("format %s", f->name);
		TL_OK(host_ram_init(&ram, TL_RAM_BASE, TL_RAM_SIZE));
		mem = host_ram_pt_mem(&ram);
		before = host_ram_free_frames(&ram);

		TL_OK(pt_init(&pt, f, &mem));
		TL_TRUE(pt.fmt == f);
		TL_EQ(host_ram_free_frames(&ram), before - 1);
		TL_TRUE(pt.root >= TL_RAM_BASE && pt.root < TL_RAM_BASE + TL_RAM_SIZE);
		TL_OK(pt_stats(&pt, &st));
		TL_EQ(st.tables[f->levels - 1], 1);
		TL_EQ(st.table_bytes, pt_table_bytes(f, f->levels - 1u));
		TL_EQ(st.mapped_bytes, 0);
		pt_destroy(&pt, NULL, NULL, &leaves);
		TL_EQ(leaves, 0);
		TL_EQ(host_ram_free_frames(&ram), before);
		TL_TRUE(pt.fmt == NULL);

		/* With mappings at several levels, all tables come back. */
		TL_OK(pt_init(&pt, f, &mem));
		TL_OK(pt_map(&pt, 0x1000, 0x1000, 0x3000, RW, 0));
		TL_OK(pt_map(&pt, lsize(f, 1), lsize(f, 1), lsize(f, 1), RW, 0));
		TL_OK(pt_map(&pt, pt_canonical(f, tl_space(f) - 0x1000), 0x5000, 0x1000, RX, 0));
		TL_TRUE(host_ram_free_frames(&ram) < before - 1);
		pt_destroy(&pt, NULL, NULL, &leaves);
		TL_EQ(leaves, 5);
		TL_EQ(host_ram_free_frames(&ram), before);

		/* Bad arguments and a failing allocation. */
		TL_ERR(pt_init(&pt, NULL, &mem), PT_EINVAL);
		TL_ERR(pt_init(&pt, f, NULL), PT_EINVAL);
		TL_ERR(pt_init(NULL, f, &mem), PT_EINVAL);
		bad = mem;
		bad.alloc = NULL;
		TL_ERR(pt_init(&pt, f, &bad), PT_EINVAL);
		host_ram_fail_nth(&ram, 1);
		TL_ERR(pt_init(&pt, f, &mem), PT_ENOMEM);
		TL_EQ(host_ram_free_frames(&ram), before);
		host_ram_fail_nth(&ram, 0);
		/* Destroying a table that is not alive does nothing. */
		leaves = 7;
		pt_destroy(&pt, NULL, NULL, &leaves);
		TL_EQ(leaves, 0);
		TL_EQ(host_ram_free_frames(&ram), before);
		host_ram_fini(&ram);
	}
	tl_where("");
}

static void test_destroy_reports_remaining_leaves(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		struct tl_env e;
		struct tl_leaves got = {0};
		uint64_t s1 = lsize(f, 1), leaves = 0;
		va_t top = pt_canonical(f, tl_space(f) - 0x1000);

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x2000, 0x80002000, 0x2000, RW, 0));
		TL_OK(pt_map(&e.pt, 2 * s1, 4 * s1, s1, RX, 0));
		TL_OK(pt_map(&e.pt, top, 0x9000, 0x1000, PT_R, 0));
		pt_destroy(&e.pt, tl_leaves_add, &got, &leaves);
		TL_EQ(leaves, 4);
		TL_EQ(got.n, 4);
		/* In address order, as a visit sees them. */
		TL_EQ(got.v[0].va, 0x2000);
		TL_EQ(got.v[0].pa, 0x80002000);
		TL_EQ(got.v[0].size, 0x1000);
		TL_EQ(got.v[1].va, 0x3000);
		TL_EQ(got.v[1].pa, 0x80003000);
		TL_EQ(got.v[2].va, 2 * s1);
		TL_EQ(got.v[2].pa, 4 * s1);
		TL_EQ(got.v[2].size, s1);
		TL_EQ(got.v[2].level, 1);
		TL_EQ(got.v[2].perms, pt_effective_perms(f, RX));
		TL_EQ(got.v[3].va, top);
		TL_EQ(got.v[3].pa, 0x9000);
		TL_EQ(host_ram_free_frames(&e.ram), e.free_before);
		tl_leaves_free(&got);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- pt_map ------------------------------------------------------------------------------------ */

static void test_map_4k_pages(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		struct tl_env e;
		struct pt_stats st;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x3000, RW, 0));
		EXPECT_NONE(&e, 0x0);
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, RW);
		EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, RW);
		EXPECT_LEAF(&e, 0x3fff, 0x80003fff, 0, RW);
		EXPECT_NONE(&e, 0x4000);
		TL_OK(pt_stats(&e.pt, &st));
		TL_EQ(st.leaves[0], 3);
		TL_EQ(st.mapped_bytes, 0x3000);
		/* One table per level on the path. */
		for (unsigned l = 0; l < f->levels; l++)
			TL_EQ(st.tables[l], 1);
		TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init - (f->levels - 1u));
		/* A page elsewhere with other permissions. */
		TL_OK(pt_map(&e.pt, 0x7000, 0x1234000, 0x1000, PT_R | PT_U, 0));
		EXPECT_LEAF(&e, 0x7abc, 0x1234abc, 0, PT_R | PT_U);
		tl_env_fini(&e);
	}
	tl_where("");
}

/*
 * For each superpage level L: [2S - 4K, 3S + 8K) mapped from PA 2S - 4K must become one 4 KiB
 * page, one level-L page and two 4 KiB pages: the largest page wherever VA, PA and the range
 * line up.
 */
static void test_map_uses_the_largest_page_that_fits(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		for (unsigned level = 1; level < f->levels; level++) {
			uint64_t s = lsize(f, level);
			struct tl_env e;
			struct pt_stats st;

			if (!(f->leaf_levels & (1u << level)))
				continue;
			tl_where("format %s level %u", f->name, level);
			tl_env_init(&e, f);
			TL_OK(pt_map(&e.pt, 2 * s - 0x1000, 2 * s - 0x1000, s + 0x3000, RWX, 0));
			EXPECT_NONE(&e, 2 * s - 0x2000);
			EXPECT_LEAF(&e, 2 * s - 0x1000, 2 * s - 0x1000, 0, RWX);
			EXPECT_LEAF(&e, 2 * s, 2 * s, level, RWX);
			/* An address inside the superpage: the PA includes the offset. */
			EXPECT_LEAF(&e, 2 * s + s / 2 + 0x123, 2 * s + s / 2 + 0x123, level, RWX);
			EXPECT_LEAF(&e, 3 * s - 1, 3 * s - 1, level, RWX);
			EXPECT_LEAF(&e, 3 * s, 3 * s, 0, RWX);
			EXPECT_LEAF(&e, 3 * s + 0x1fff, 3 * s + 0x1fff, 0, RWX);
			EXPECT_NONE(&e, 3 * s + 0x2000);
			TL_OK(pt_stats(&e.pt, &st));
			for (unsigned l = 0; l < f->levels; l++)
				TL_EQ(st.leaves[l], l == 0 ? 3 : l == level ? 1 : 0);
			TL_EQ(st.mapped_bytes, s + 0x3000);
			tl_env_fini(&e);
		}

		/* A whole top-level superpage plus one of each smaller size below it. */
		{
			unsigned top = tl_top_leaf_level(f);
			uint64_t va = lsize(f, top), size = 0;
			struct tl_env e;
			struct pt_stats st;

			tl_where("format %s mixed sizes", f->name);
			tl_env_init(&e, f);
			for (unsigned l = top + 1; l-- > 0;)
				size += lsize(f, l);
			TL_OK(pt_map(&e.pt, va, va, size, RW, 0));
			for (unsigned l = top + 1; l-- > 0;) {
				EXPECT_LEAF(&e, va, va, l, RW);
				va += lsize(f, l);
			}
			EXPECT_NONE(&e, va);
			TL_OK(pt_stats(&e.pt, &st));
			for (unsigned l = 0; l <= top; l++)
				TL_EQ(st.leaves[l], 1);
			tl_env_fini(&e);
		}
	}
	tl_where("");
}

static void test_map_falls_back_to_small_pages(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1), n = s1 / 0x1000;
		struct tl_env e;
		struct pt_stats st;

		tl_where("format %s", f->name);
		/* PT_MAP_4K: 4 KiB pages even where a superpage fits. */
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 2 * s1, 2 * s1, 2 * s1, RW, PT_MAP_4K));
		EXPECT_LEAF(&e, 2 * s1, 2 * s1, 0, RW);
		EXPECT_LEAF(&e, 3 * s1 + 0x5000, 3 * s1 + 0x5000, 0, RW);
		TL_OK(pt_stats(&e.pt, &st));
		TL_EQ(st.leaves[0], 2 * n);
		TL_EQ(st.leaves[1], 0);
		TL_EQ(st.tables[0], 2);
		tl_env_fini(&e);

		/* The same range without the flag: two superpages. */
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 2 * s1, 2 * s1, 2 * s1, RW, 0));
		TL_OK(pt_stats(&e.pt, &st));
		TL_EQ(st.leaves[0], 0);
		TL_EQ(st.leaves[1], 2);
		TL_EQ(st.tables[0], 0);
		tl_env_fini(&e);

		/* VA aligned, PA 4 KiB off: no superpage can be used. */
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 2 * s1, 2 * s1 + 0x1000, s1, RW, 0));
		EXPECT_LEAF(&e, 2 * s1, 2 * s1 + 0x1000, 0, RW);
		EXPECT_LEAF(&e, 3 * s1 - 0x1000, 3 * s1, 0, RW);
		TL_OK(pt_stats(&e.pt, &st));
		TL_EQ(st.leaves[0], n);
		TL_EQ(st.leaves[1], 0);
		tl_env_fini(&e);

		/* PA aligned, VA range one page short of a superpage. */
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 2 * s1, 2 * s1, s1 - 0x1000, RW, 0));
		TL_OK(pt_stats(&e.pt, &st));
		TL_EQ(st.leaves[0], n - 1);
		TL_EQ(st.leaves[1], 0);
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_map_top_of_space_and_upper_half(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		unsigned top = tl_top_leaf_level(f);
		uint64_t st = lsize(f, top);
		va_t last = pt_canonical(f, tl_space(f) - 0x1000);
		va_t last_super = pt_canonical(f, tl_space(f) - st);
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		/* The last page of the address space. */
		TL_EQ(last, f->sign_extended ? 0xfffffffffffff000ull : 0xfffff000ull);
		TL_OK(pt_map(&e.pt, last, 0x80007000, 0x1000, RX, 0));
		EXPECT_LEAF(&e, last, 0x80007000, 0, RX);
		EXPECT_LEAF(&e, last + 0xfff, 0x80007fff, 0, RX);
		TL_OK(pt_unmap(&e.pt, last, 0x1000, NULL, NULL));
		/* The last superpage of the largest size. */
		TL_OK(pt_map(&e.pt, last_super, st, st, RW, 0));
		EXPECT_LEAF(&e, last_super, st, top, RW);
		EXPECT_LEAF(&e, last, 2 * st - 0x1000, top, RW);
		if (f->sign_extended) {
			va_t upper = pt_canonical(f, tl_space(f) / 2);

			/* The first upper-half address: bits 63:va_bits-1 all ones. */
			TL_EQ(upper, ~(uint64_t)0 << (f->va_bits - 1));
			if (f == &pt_format_sv39)
				TL_EQ(upper, 0xffffffc000000000ull);
			if (f == &pt_format_x86_64 || f == &pt_format_sv48)
				TL_EQ(upper, 0xffff800000000000ull);
			TL_OK(pt_map(&e.pt, upper, 2 * st, st, RW, 0));
			EXPECT_LEAF(&e, upper, 2 * st, top, RW);
			EXPECT_LEAF(&e, upper + st - 1, 3 * st - 1, top, RW);
			TL_OK(pt_map(&e.pt, upper + st, 0x80001000, 0x2000, RW, 0));
			EXPECT_LEAF(&e, upper + st + 0x1000, 0x80002000, 0, RW);
			/* The last lower-half page as well. */
			TL_OK(pt_map(&e.pt, tl_space(f) / 2 - 0x1000, 0x80003000, 0x1000, RW, 0));
			EXPECT_LEAF(&e, tl_space(f) / 2 - 0x1000, 0x80003000, 0, RW);
			EXPECT_NONE(&e, 0);
		}
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_map_errors_leave_the_table_unchanged(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1), space = tl_space(f);
		uint64_t pa_limit = (uint64_t)1 << f->pa_bits;
		va_t a = 0x5000, b = 2 * s1;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, a, 0x80005000, 0x1000, RW, 0));
		TL_OK(pt_map(&e.pt, b, 4 * s1, s1, RW, 0));
		EXPECT_LEAF(&e, b, 4 * s1, 1, RW);

		MAP_FAILS(&e, 0x10000, 0x10000, 0, RW, 0, PT_EEMPTY);
		/* Misaligned VA, PA, size. */
		MAP_FAILS(&e, 0x10800, 0x10000, 0x1000, RW, 0, PT_EALIGN);
		MAP_FAILS(&e, 0x10000, 0x10800, 0x1000, RW, 0, PT_EALIGN);
		MAP_FAILS(&e, 0x10000, 0x10000, 0x1800, RW, 0, PT_EALIGN);
		MAP_FAILS(&e, 0x10000, 0x10000, 0x1, RW, 0, PT_EALIGN);
		if (!f->sign_extended) {
			/* Beyond a 32-bit space. */
			MAP_FAILS(&e, 0x100000000ull, 0x10000, 0x1000, RW, 0, PT_ERANGE);
			MAP_FAILS(&e, 0xfffff000ull, 0x10000, 0x2000, RW, 0, PT_ERANGE);
			MAP_FAILS(&e, 0xfffffffffffff000ull, 0x10000, 0x1000, RW, 0, PT_ERANGE);
			/* A size that wraps around 2^64. */
			MAP_FAILS(&e, 0x2000, 0x10000, 0xfffffffffffff000ull, RW, 0, PT_EWRAP);
		} else {
			/* Non-canonical: the first address above the lower half, 2^va_bits, bit 63. */
			MAP_FAILS(&e, space / 2, 0x10000, 0x1000, RW, 0, PT_ECANON);
			MAP_FAILS(&e, space, 0x10000, 0x1000, RW, 0, PT_ECANON);
			MAP_FAILS(&e, 0x8000000000000000ull, 0x10000, 0x1000, RW, 0, PT_ECANON);
			MAP_FAILS(&e, ~(uint64_t)0 << f->va_bits, 0x10000, 0x1000, RW, 0, PT_ECANON);
			/* Crossing the canonical hole, and wrapping past the top. */
			MAP_FAILS(&e, space / 2 - 0x1000, 0x10000, 0x2000, RW, 0, PT_EWRAP);
			MAP_FAILS(&e, 0xfffffffffffff000ull, 0x10000, 0x2000, RW, 0, PT_EWRAP);
			MAP_FAILS(&e, 0x1000, 0x10000, space, RW, 0, PT_EWRAP);
		}
		/* PA beyond the format's width. */
		MAP_FAILS(&e, 0x10000, pa_limit, 0x1000, RW, 0, PT_EPA);
		MAP_FAILS(&e, 0x10000, pa_limit - 0x1000, 0x2000, RW, 0, PT_EPA);
		/* Permissions the format cannot express. */
		MAP_FAILS(&e, 0x10000, 0x10000, 0x1000, PT_W, 0, PT_EPERM);
		MAP_FAILS(&e, 0x10000, 0x10000, 0x1000, 0, 0, PT_EPERM);
		MAP_FAILS(&e, 0x10000, 0x10000, 0x1000, PT_W | PT_X | PT_U, 0, PT_EPERM);
		MAP_FAILS(&e, 0x10000, 0x10000, 0x1000, PT_R | 0x200u, 0, PT_EPERM);
		if (!tl_is_riscv(f))
			MAP_FAILS(&e, 0x10000, 0x10000, 0x1000, PT_X, 0, PT_EPERM);
		/* Unknown flags. */
		MAP_FAILS(&e, 0x10000, 0x10000, 0x1000, RW, 0x2, PT_EINVAL);
		/* Overlaps: the 4 KiB page, a range ending on it, a superpage over it. */
		MAP_FAILS(&e, a, 0x90000000, 0x1000, RW, 0, PT_EEXIST);
		MAP_FAILS(&e, a - 0x3000, 0x90000000, 0x4000, RW, 0, PT_EEXIST);
		MAP_FAILS(&e, a, 0x90000000, 0x3000, RW, 0, PT_EEXIST);
		MAP_FAILS(&e, 0, 0, s1, RW, 0, PT_EEXIST);
		/* ... and the superpage: itself, a page inside it, ranges overlapping either end. */
		MAP_FAILS(&e, b, 8 * s1, s1, RW, 0, PT_EEXIST);
		MAP_FAILS(&e, b + 0x5000, 0x90000000, 0x1000, RW, 0, PT_EEXIST);
		MAP_FAILS(&e, b - 0x1000, 0x90000000, 0x2000, RW, 0, PT_EEXIST);
		MAP_FAILS(&e, b + s1 - 0x1000, 0x90000000, 0x3000, RW, 0, PT_EEXIST);
		MAP_FAILS(&e, b - s1, 8 * s1, 3 * s1, RW, 0, PT_EEXIST);
		/* Out of memory for tables, at the first and at the last allocation. */
		{
			va_t far = pt_canonical(f, space - 0x1000);
			unsigned need = f->levels - 1u;

			host_ram_fail_nth(&e.ram, 1);
			MAP_FAILS(&e, far, 0x10000, 0x1000, RW, 0, PT_ENOMEM);
			host_ram_fail_nth(&e.ram, need);
			MAP_FAILS(&e, far, 0x10000, 0x1000, RW, 0, PT_ENOMEM);
			host_ram_fail_nth(&e.ram, 0);
			TL_OK(pt_map(&e.pt, far, 0x10000, 0x1000, RW, 0));
			EXPECT_LEAF(&e, far, 0x10000, 0, RW);
		}
		TL_ERR(pt_map(NULL, 0x10000, 0x10000, 0x1000, RW, 0), PT_EINVAL);
		/* The original mappings are intact. */
		EXPECT_LEAF(&e, a, 0x80005000, 0, RW);
		EXPECT_LEAF(&e, b + s1 - 1, 5 * s1 - 1, 1, RW);
		tl_env_fini(&e);
	}
	tl_where("");
}

/*
 * Tables created by pt_walk(PT_WALK_CREATE) and left empty hold no mapping: mapping a range over
 * them must succeed ("PT_EEXIST if anything in the range is already mapped").
 */
static void test_map_over_empty_tables_left_by_walk(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1);
		struct pt_slot slot;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_walk(&e.pt, s1, PT_WALK_CREATE, &slot));
		TL_EQ(slot.level, 0);
		EXPECT_NONE(&e, s1);
		/* 4 KiB pages into the empty table. */
		TL_OK(pt_map(&e.pt, s1, 0x80001000, 0x1000, RW, 0));
		TL_OK(pt_unmap(&e.pt, s1, 0x1000, NULL, NULL));
		/* Again, then a whole superpage over the empty table. */
		TL_OK(pt_walk(&e.pt, s1, PT_WALK_CREATE, &slot));
		TL_OK(pt_map(&e.pt, s1, 2 * s1, s1, RW, 0));
		/* Either as one superpage (the empty table freed) or as pages in the table. */
		EXPECT_MAPS(&e, s1, 2 * s1, RW);
		EXPECT_MAPS(&e, s1 + 0x3000, 2 * s1 + 0x3000, RW);
		EXPECT_MAPS(&e, 2 * s1 - 0x1000, 3 * s1 - 0x1000, RW);
		TL_EQ(mapped_bytes(&e.pt), s1);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- pt_query ----------------------------------------------------------------------------------- */

static void test_query(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1);
		struct pt_leaf leaf;
		struct pt_slot slot;
		struct tl_env e;
		pa_t pa = 0;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		EXPECT_NONE(&e, 0);
		EXPECT_NONE(&e, 0x3000);
		TL_OK(pt_map(&e.pt, 2 * s1, 6 * s1, s1, RX, 0));
		TL_OK(pt_map(&e.pt, 0x3000, 0x80003000, 0x1000, RW | PT_U, 0));
		/* Inside a superpage the PA carries the offset, the leaf describes the page. */
		EXPECT_LEAF(&e, 2 * s1 + 0x1234, 6 * s1 + 0x1234, 1, RX);
		EXPECT_LEAF(&e, 2 * s1 + s1 - 8, 6 * s1 + s1 - 8, 1, RX);
		EXPECT_LEAF(&e, 0x3ffc, 0x80003ffc, 0, RW | PT_U);
		/* pa_out may be NULL; leaf.pte is the raw entry the walk finds. */
		TL_OK(pt_query(&e.pt, 2 * s1 + 0x5000, &leaf, NULL));
		TL_EQ(leaf.pa, 6 * s1);
		TL_EQ(leaf.va, 2 * s1);
		TL_OK(pt_walk(&e.pt, 2 * s1 + 0x5000, 0, &slot));
		TL_EQ(leaf.pte, slot.pte);
		TL_EQ(leaf.pte, f->make_leaf(f, 6 * s1, RX, 1));
		/* Nothing there. */
		EXPECT_NONE(&e, 0x2000);
		EXPECT_NONE(&e, 0x4000);
		EXPECT_NONE(&e, 3 * s1);
		EXPECT_NONE(&e, 2 * s1 - 1);
		EXPECT_NONE(&e, pt_canonical(f, tl_space(f) - 0x1000));
		/* Addresses the format cannot have. */
		if (f->sign_extended) {
			TL_ERR(pt_query(&e.pt, tl_space(f) / 2, &leaf, &pa), PT_ECANON);
			TL_ERR(pt_query(&e.pt, 0x8000000000000000ull, &leaf, &pa), PT_ECANON);
			EXPECT_NONE(&e, ~(uint64_t)0);
		} else {
			TL_ERR(pt_query(&e.pt, 0x100000000ull, &leaf, &pa), PT_ERANGE);
		}
		TL_ERR(pt_query(&e.pt, 0x3000, NULL, &pa), PT_EINVAL);
		TL_ERR(pt_query(NULL, 0x3000, &leaf, &pa), PT_EINVAL);
		/* Gone after unmap. */
		TL_OK(pt_unmap(&e.pt, 2 * s1, s1, NULL, NULL));
		EXPECT_NONE(&e, 2 * s1 + 0x1234);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- pt_walk ------------------------------------------------------------------------------------ */

/* The slot's pointer and PA name the same entry, and the entry holds slot->pte. */
static void check_slot(const struct tl_env *e, const struct pt_slot *slot)
{
	const struct pt_format *f = e->pt.fmt;

	TL_TRUE(slot->entry == host_ram_ptr(&e->ram, slot->entry_pa, f->pte_size));
	TL_EQ(slot->entry_pa % f->pte_size, 0);
	TL_EQ(tl_entry_read(f, slot->entry), slot->pte);
}

static void test_walk_without_create(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		unsigned top = f->levels - 1u;
		uint64_t s1 = lsize(f, 1);
		va_t x = 0x12345000;
		struct pt_leaf leaf;
		struct pt_slot slot;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		/* Empty table: the walk stops at the invalid root entry. */
		memset(&slot, 0xa5, sizeof(slot));
		TL_ERR(pt_walk(&e.pt, x, 0, &slot), PT_ENOENT);
		TL_EQ(slot.level, top);
		TL_EQ(slot.pte, 0);
		TL_EQ(slot.entry_pa, e.pt.root + (pa_t)index_of(f, top, x) * f->pte_size);
		check_slot(&e, &slot);
		TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init);

		/* A mapped page: the walk reaches its level-0 entry. */
		TL_OK(pt_map(&e.pt, x, 0x80042000, 0x1000, RW, 0));
		TL_OK(pt_query(&e.pt, x, &leaf, NULL));
		TL_OK(pt_walk(&e.pt, x + 0x123, 0, &slot));
		TL_EQ(slot.level, 0);
		TL_EQ(slot.pte, leaf.pte);
		TL_EQ(slot.entry_pa % 4096, (pa_t)index_of(f, 0, x) * f->pte_size);
		check_slot(&e, &slot);
		/* Its neighbour: the level-0 table exists, the entry is invalid (as xv6's walk). */
		TL_OK(pt_walk(&e.pt, x + 0x1000, 0, &slot));
		TL_EQ(slot.level, 0);
		TL_EQ(slot.pte, 0);
		check_slot(&e, &slot);
		/* The next level-1 entry is missing its table: stop at level 1. */
		TL_ERR(pt_walk(&e.pt, x + s1, 0, &slot), PT_ENOENT);
		TL_EQ(slot.level, 1);
		TL_EQ(slot.pte, 0);
		check_slot(&e, &slot);

		/* Errors. */
		TL_ERR(pt_walk(&e.pt, x, 0x2, &slot), PT_EINVAL);
		TL_ERR(pt_walk(&e.pt, x, 0, NULL), PT_EINVAL);
		TL_ERR(pt_walk(NULL, x, 0, &slot), PT_EINVAL);
		if (f->sign_extended)
			TL_ERR(pt_walk(&e.pt, tl_space(f) / 2, PT_WALK_CREATE, &slot), PT_ECANON);
		else
			TL_ERR(pt_walk(&e.pt, 0x100000000ull, PT_WALK_CREATE, &slot), PT_ERANGE);
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_walk_stops_at_superpages(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		for (unsigned level = 1; level < f->levels; level++) {
			uint64_t s = lsize(f, level);
			struct pt_decoded d;
			struct pt_slot slot;
			struct tl_env e;
			uint32_t free_now;

			if (!(f->leaf_levels & (1u << level)))
				continue;
			tl_where("format %s level %u", f->name, level);
			tl_env_init(&e, f);
			TL_OK(pt_map(&e.pt, 2 * s, 3 * s, s, RW, 0));
			free_now = host_ram_free_frames(&e.ram);
			TL_OK(pt_walk(&e.pt, 2 * s + s / 2 + 0x7000, 0, &slot));
			TL_EQ(slot.level, level);
			TL_EQ(slot.pte, f->make_leaf(f, 3 * s, RW, level));
			check_slot(&e, &slot);
			f->decode(f, slot.pte, slot.level, &d);
			TL_EQ(d.kind, PT_ENTRY_LEAF);
			TL_EQ(d.pa, 3 * s);
			/* PT_WALK_CREATE does not go below a leaf either, and allocates nothing. */
			TL_OK(pt_walk(&e.pt, 2 * s + 0x1000, PT_WALK_CREATE, &slot));
			TL_EQ(slot.level, level);
			check_slot(&e, &slot);
			TL_EQ(host_ram_free_frames(&e.ram), free_now);
			EXPECT_LEAF(&e, 2 * s + 0x1000, 3 * s + 0x1000, level, RW);
			tl_env_fini(&e);
		}
	}
	tl_where("");
}

static void test_walk_create(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1);
		va_t x = 0x12345000, far = pt_canonical(f, tl_space(f) - 0x1000);
		struct pt_slot slot, again;
		struct pt_stats st;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_walk(&e.pt, x, PT_WALK_CREATE, &slot));
		TL_EQ(slot.level, 0);
		TL_EQ(slot.pte, 0);
		check_slot(&e, &slot);
		TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init - (f->levels - 1u));
		TL_OK(pt_stats(&e.pt, &st));
		for (unsigned l = 0; l < f->levels; l++)
			TL_EQ(st.tables[l], 1);
		TL_EQ(st.mapped_bytes, 0);
		EXPECT_NONE(&e, x);
		/* The slot really is the entry for x: a leaf stored through it is found. */
		tl_entry_write(f, slot.entry, f->make_leaf(f, 0x80042000, RW, 0));
		EXPECT_LEAF(&e, x + 0x10, 0x80042010, 0, RW);
		TL_OK(pt_walk(&e.pt, x, 0, &again));
		TL_EQ(again.entry_pa, slot.entry_pa);
		TL_TRUE(again.entry == slot.entry);
		TL_EQ(again.pte, f->make_leaf(f, 0x80042000, RW, 0));
		/* Only the missing level-0 table is created for the next level-1 entry. */
		TL_OK(pt_walk(&e.pt, x + s1, PT_WALK_CREATE, &slot));
		TL_EQ(slot.level, 0);
		check_slot(&e, &slot);
		TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init - f->levels);
		/* All or nothing when memory runs out on the last table of a path. */
		{
			struct tl_snap snap;

			tl_snap_take(&snap, &e);
			host_ram_fail_nth(&e.ram, f->levels - 1u);
			TL_ERR(pt_walk(&e.pt, far, PT_WALK_CREATE, &slot), PT_ENOMEM);
			TL_UNCHANGED(&snap, &e);
			host_ram_fail_nth(&e.ram, 0);
		}
		TL_OK(pt_walk(&e.pt, far, PT_WALK_CREATE, &slot));
		tl_entry_write(f, slot.entry, f->make_leaf(f, 0x80043000, RX, 0));
		EXPECT_LEAF(&e, far, 0x80043000, 0, RX);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- pt_unmap ----------------------------------------------------------------------------------- */

static void expect_removed(const struct tl_leaves *got, size_t i, va_t va, pa_t pa, uint64_t size,
			   unsigned level, unsigned perms, const struct pt_format *f)
{
	TL_TRUE(i < got->n);
	TL_EQ(got->v[i].va, va);
	TL_EQ(got->v[i].pa, pa);
	TL_EQ(got->v[i].size, size);
	TL_EQ(got->v[i].level, level);
	TL_EQ(got->v[i].perms, pt_effective_perms(f, perms));
}

static void test_unmap_removes_and_reports(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		struct tl_leaves got = {0};
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x3000, RW, 0));
		TL_OK(pt_unmap(&e.pt, 0x2000, 0x1000, tl_leaves_add, &got));
		TL_EQ(got.n, 1);
		expect_removed(&got, 0, 0x2000, 0x80002000, 0x1000, 0, RW, f);
		TL_EQ(got.v[0].pte, f->make_leaf(f, 0x80002000, RW, 0));
		EXPECT_NONE(&e, 0x2000);
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, RW);
		EXPECT_LEAF(&e, 0x3000, 0x80003000, 0, RW);
		/* The rest, in address order; the emptied tables go back. */
		got.n = 0;
		TL_OK(pt_unmap(&e.pt, 0x1000, 0x3000, tl_leaves_add, &got));
		TL_EQ(got.n, 2);
		expect_removed(&got, 0, 0x1000, 0x80001000, 0x1000, 0, RW, f);
		expect_removed(&got, 1, 0x3000, 0x80003000, 0x1000, 0, RW, f);
		EXPECT_NONE(&e, 0x1000);
		TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init);
		TL_EQ(tl_count_tables(&e.pt), 1);
		/* Nothing mapped: fine, nothing reported; the callback may be NULL. */
		got.n = 0;
		TL_OK(pt_unmap(&e.pt, 0, 0x10000, tl_leaves_add, &got));
		TL_EQ(got.n, 0);
		TL_OK(pt_map(&e.pt, 0x5000, 0x5000, 0x1000, RW, 0));
		TL_OK(pt_unmap(&e.pt, 0x5000, 0x1000, NULL, NULL));
		EXPECT_NONE(&e, 0x5000);
		/* Bad ranges change nothing. */
		TL_OK(pt_map(&e.pt, 0x5000, 0x5000, 0x1000, RW, 0));
		{
			struct tl_snap snap;

			tl_snap_take(&snap, &e);
			TL_ERR(pt_unmap(&e.pt, 0x5000, 0, NULL, NULL), PT_EEMPTY);
			TL_ERR(pt_unmap(&e.pt, 0x5800, 0x1000, NULL, NULL), PT_EALIGN);
			TL_ERR(pt_unmap(&e.pt, 0x5000, 0x800, NULL, NULL), PT_EALIGN);
			if (f->sign_extended) {
				TL_ERR(pt_unmap(&e.pt, tl_space(f) / 2, 0x1000, NULL, NULL),
				       PT_ECANON);
				TL_ERR(pt_unmap(&e.pt, tl_space(f) / 2 - 0x1000, 0x2000, NULL, NULL),
				       PT_EWRAP);
			} else {
				TL_ERR(pt_unmap(&e.pt, 0xfffff000ull, 0x2000, NULL, NULL), PT_ERANGE);
			}
			TL_ERR(pt_unmap(NULL, 0x5000, 0x1000, NULL, NULL), PT_EINVAL);
			TL_UNCHANGED(&snap, &e);
		}
		tl_leaves_free(&got);
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_unmap_whole_superpages_and_holes(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		for (unsigned level = 1; level < f->levels; level++) {
			uint64_t s = lsize(f, level);
			struct tl_leaves got = {0};
			struct tl_env e;

			if (!(f->leaf_levels & (1u << level)))
				continue;
			tl_where("format %s level %u", f->name, level);
			tl_env_init(&e, f);
			TL_OK(pt_map(&e.pt, 2 * s, 3 * s, s, RX, 0));
			TL_OK(pt_map(&e.pt, 2 * s - 0x2000, 0x80000000, 0x1000, RW, 0));
			/* A range with holes on both sides and between. */
			TL_OK(pt_unmap(&e.pt, 2 * s - 0x3000, s + 0x8000, tl_leaves_add, &got));
			TL_EQ(got.n, 2);
			expect_removed(&got, 0, 2 * s - 0x2000, 0x80000000, 0x1000, 0, RW, f);
			expect_removed(&got, 1, 2 * s, 3 * s, s, level, RX, f);
			EXPECT_NONE(&e, 2 * s);
			TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init);
			tl_leaves_free(&got);
			tl_env_fini(&e);
		}
	}
	tl_where("");
}

static void test_unmap_splits_superpages(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		for (unsigned level = 1; level < f->levels; level++) {
			uint64_t s = lsize(f, level), total = 0;
			unsigned perms = RW | PT_U;
			va_t mid = 2 * s + s / 2;
			struct tl_leaves got = {0};
			struct pt_stats st;
			struct tl_env e;

			if (!(f->leaf_levels & (1u << level)))
				continue;
			tl_where("format %s level %u", f->name, level);
			tl_env_init(&e, f);
			TL_OK(pt_map(&e.pt, 2 * s, 3 * s, s, perms, 0));
			/* One page out of the middle. */
			TL_OK(pt_unmap(&e.pt, mid, 0x1000, tl_leaves_add, &got));
			TL_EQ(got.n, 1);
			expect_removed(&got, 0, mid, 3 * s + s / 2, 0x1000, 0, perms, f);
			EXPECT_NONE(&e, mid);
			/* The rest is still mapped, same PAs and permissions, in pieces one level
			 * down (and 4 KiB pages around the hole). */
			EXPECT_LEAF(&e, 2 * s, 3 * s, level - 1, perms);
			EXPECT_LEAF(&e, 3 * s - 1, 4 * s - 1, level - 1, perms);
			/* mid starts a piece one level down: the piece before it is whole. */
			EXPECT_LEAF(&e, mid - 0x1000, 3 * s + s / 2 - 0x1000,
				    level == 1 ? 0 : level - 1, perms);
			EXPECT_LEAF(&e, mid + 0x1000, 3 * s + s / 2 + 0x1000, 0, perms);
			TL_OK(pt_stats(&e.pt, &st));
			TL_EQ(st.mapped_bytes, s - 0x1000);
			for (unsigned l = 0; l < f->levels; l++)
				TL_EQ(st.leaves[l], l < level ? nentries(f, l) - 1 : 0);
			TL_OK(pt_check(&e.pt, (pa_t[64]){0}, 64, &(struct pt_violation){0}));

			/* Cut the end, overhanging into the hole after it. */
			got.n = 0;
			TL_OK(pt_unmap(&e.pt, 3 * s - 0x2000, 0x5000, tl_leaves_add, &got));
			for (size_t i = 0; i < got.n; i++)
				total += got.v[i].size;
			TL_EQ(total, 0x2000);
			EXPECT_NONE(&e, 3 * s - 0x2000);
			EXPECT_LEAF(&e, 3 * s - 0x3000, 4 * s - 0x3000, 0, perms);
			TL_EQ(mapped_bytes(&e.pt), s - 0x3000);

			/* The rest goes piece by piece; the tables the splits made are freed. */
			got.n = 0;
			total = 0;
			TL_OK(pt_unmap(&e.pt, 2 * s, s, tl_leaves_add, &got));
			for (size_t i = 0; i < got.n; i++) {
				TL_TRUE(i == 0 || got.v[i].va > got.v[i - 1].va);
				TL_EQ(got.v[i].pa, got.v[i].va - 2 * s + 3 * s);
				total += got.v[i].size;
			}
			TL_EQ(total, s - 0x3000);
			TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init);
			tl_leaves_free(&got);
			tl_env_fini(&e);
		}
	}
	tl_where("");
}

static void test_unmap_frees_emptied_tables(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		struct tl_env e;
		va_t vas[PT_MAX_LEVELS + 2];
		unsigned n = 0;
		uint32_t free_now;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		/* One page under a different entry at every level, and one at the top. */
		for (unsigned l = 1; l < f->levels; l++)
			vas[n++] = 3 * lsize(f, l) + 0x1000;
		vas[n++] = pt_canonical(f, tl_space(f) - 0x1000);
		for (unsigned i = 0; i < n; i++)
			TL_OK(pt_map(&e.pt, vas[i], 0x80000000 + i * 0x1000, 0x1000, RW, 0));
		/* Two pages sharing their tables: removing one frees nothing. */
		TL_OK(pt_map(&e.pt, vas[0] + 0x1000, 0x90000000, 0x1000, RW, 0));
		free_now = host_ram_free_frames(&e.ram);
		TL_OK(pt_unmap(&e.pt, vas[0] + 0x1000, 0x1000, NULL, NULL));
		TL_EQ(host_ram_free_frames(&e.ram), free_now);
		for (unsigned i = 0; i < n; i++) {
			TL_OK(pt_unmap(&e.pt, vas[i], 0x1000, NULL, NULL));
			TL_TRUE(host_ram_free_frames(&e.ram) > free_now);
			free_now = host_ram_free_frames(&e.ram);
		}
		TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init);
		TL_EQ(tl_count_tables(&e.pt), 1);
		tl_env_fini(&e);
	}
	tl_where("");
}

/*
 * Unmapping the whole lower half (or the whole 32-bit space) holding ten scattered pages must
 * cost what is mapped: the root and the tables on the ten paths, not 2^35 page slots.
 */
static void test_unmap_cost_follows_what_is_mapped(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t span = f->sign_extended ? tl_space(f) / 2 : tl_space(f);
		struct tl_leaves got = {0};
		struct tl_count_mem cm;
		struct tl_env e;
		uint64_t tables;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		e.pt.mem = tl_count_mem(&cm, &e.mem);
		for (uint64_t k = 0; k < 10; k++) {
			va_t va = ((span / 10) * k + k * 0x5000 + 0x1000) & ~(uint64_t)0xfff;

			TL_OK(pt_map(&e.pt, va, 0x80000000 + k * 0x1000, 0x1000, RW, 0));
		}
		tables = tl_count_tables(&e.pt);
		tl_count_reset(&cm);
		TL_OK(pt_unmap(&e.pt, 0, span, tl_leaves_add, &got));
		TL_EQ(got.n, 10);
		TL_EQ(cm.alloc_calls, 0);
		TL_EQ(cm.free_calls, tables - 1);
		/* A few reads per table on the paths; a per-page walk would be billions. */
		TL_LE(cm.ptr_calls, 3 * tables);
		TL_EQ(host_ram_free_frames(&e.ram), e.free_after_init);
		if (f == &pt_format_sv48) {
			TL_EQ(span, 128 * TL_TIB);
			TL_EQ(tables, 31);
		}
		e.pt.mem = e.mem;
		tl_leaves_free(&got);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- pt_protect and pt_update ------------------------------------------------------------------ */

static void test_protect(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1);
		/* A, D, G and a software bit included; not executable. */
		unsigned p2 = PT_R | PT_A | PT_D | PT_G | PT_SW0;
		struct tl_snap snap;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, s1, 8 * s1, 2 * s1, RW, 0));
		TL_OK(pt_map(&e.pt, 3 * s1 + 0x2000, 0x80002000, 0x1000, RW, 0));
		/* From the middle of the first superpage, over the second, a hole and a page. */
		TL_OK(pt_protect(&e.pt, s1 + s1 / 2, s1 + s1 / 2 + 0x3000, p2));
		EXPECT_LEAF(&e, s1, 8 * s1, 0, RW);
		EXPECT_LEAF(&e, s1 + s1 / 2 - 0x1000, 8 * s1 + s1 / 2 - 0x1000, 0, RW);
		EXPECT_LEAF(&e, s1 + s1 / 2, 8 * s1 + s1 / 2, 0, p2);
		EXPECT_LEAF(&e, 2 * s1 - 0x1000, 9 * s1 - 0x1000, 0, p2);
		EXPECT_LEAF(&e, 2 * s1, 9 * s1, 1, p2);
		EXPECT_LEAF(&e, 3 * s1 - 1, 10 * s1 - 1, 1, p2);
		EXPECT_NONE(&e, 3 * s1);
		EXPECT_NONE(&e, 3 * s1 + 0x1000);
		EXPECT_LEAF(&e, 3 * s1 + 0x2000, 0x80002000, 0, p2);
		TL_EQ(mapped_bytes(&e.pt), 2 * s1 + 0x1000);
		/* On x86-64 and PAE a page without X has XD set. */
		if (f->pte_size == 8 && !tl_is_riscv(f)) {
			struct pt_leaf leaf;

			TL_OK(pt_query(&e.pt, 2 * s1, &leaf, NULL));
			TL_EQ(leaf.pte >> 63, 1);
		}
		/* Back to RW everywhere. */
		TL_OK(pt_protect(&e.pt, s1, 3 * s1 + 0x3000, RW));
		EXPECT_MAPS(&e, s1 + s1 / 2, 8 * s1 + s1 / 2, RW);
		EXPECT_LEAF(&e, 2 * s1, 9 * s1, 1, RW);
		EXPECT_LEAF(&e, 3 * s1 + 0x2000, 0x80002000, 0, RW);
		/* Only holes: fine. */
		TL_OK(pt_protect(&e.pt, 5 * s1, s1, RW));
		/* Inexpressible permissions, bad ranges, no memory for a split: nothing changes. */
		tl_snap_take(&snap, &e);
		TL_ERR(pt_protect(&e.pt, s1, s1, PT_W), PT_EPERM);
		TL_ERR(pt_protect(&e.pt, s1, s1, 0), PT_EPERM);
		TL_ERR(pt_protect(&e.pt, s1, s1, PT_R | 0x200u), PT_EPERM);
		if (!tl_is_riscv(f))
			TL_ERR(pt_protect(&e.pt, s1, s1, PT_X), PT_EPERM);
		TL_ERR(pt_protect(&e.pt, s1, 0, RW), PT_EEMPTY);
		TL_ERR(pt_protect(&e.pt, s1 + 0x800, 0x1000, RW), PT_EALIGN);
		TL_ERR(pt_protect(NULL, s1, s1, RW), PT_EINVAL);
		host_ram_fail_nth(&e.ram, 1);
		TL_ERR(pt_protect(&e.pt, 2 * s1 + 0x1000, 0x1000, PT_R), PT_ENOMEM);
		host_ram_fail_nth(&e.ram, 0);
		TL_UNCHANGED(&snap, &e);
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_update(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1);
		struct tl_snap snap;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x1000, PT_R, 0));
		TL_OK(pt_map(&e.pt, 0x2000, 0x80002000, 0x1000, RX, 0));
		TL_OK(pt_map(&e.pt, s1, 4 * s1, s1, RW, 0));
		/* Per leaf: perms = (perms & ~clear) | set. */
		TL_OK(pt_update(&e.pt, 0x1000, 0x2000, PT_W, 0));
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, RW);
		EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, RWX);
		TL_OK(pt_update(&e.pt, 0x1000, 0x2000, 0, PT_W));
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, PT_R);
		EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, RX);
		TL_OK(pt_update(&e.pt, 0x1000, 0x1000, PT_A | PT_D | PT_SW1, 0));
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, PT_R | PT_A | PT_D | PT_SW1);
		EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, RX);
		/* Holes are skipped. */
		TL_OK(pt_update(&e.pt, 0, 0x10000, PT_U, 0));
		EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, RX | PT_U);
		EXPECT_NONE(&e, 0x3000);
		/* A superpage covered in part is split at the edge. */
		TL_OK(pt_update(&e.pt, s1 + s1 / 2, s1, PT_U, PT_W));
		EXPECT_LEAF(&e, s1, 4 * s1, 0, RW);
		EXPECT_LEAF(&e, s1 + s1 / 2 - 0x1000, 4 * s1 + s1 / 2 - 0x1000, 0, RW);
		EXPECT_LEAF(&e, s1 + s1 / 2, 4 * s1 + s1 / 2, 0, PT_R | PT_U);
		EXPECT_LEAF(&e, 2 * s1 - 0x1000, 5 * s1 - 0x1000, 0, PT_R | PT_U);
		/* x86-32 cannot take X away: the leaf still executes. */
		if (f == &pt_format_x86_32) {
			TL_OK(pt_update(&e.pt, 0x2000, 0x1000, 0, PT_X));
			EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, RX | PT_U);
		}
		/* PT_EPERM changes nothing, even for the leaves that would have been fine. */
		if (tl_is_riscv(f)) {
			TL_OK(pt_map(&e.pt, 0x5000, 0x80005000, 0x1000, PT_X, 0));
			TL_OK(pt_map(&e.pt, 0x6000, 0x80006000, 0x1000, RW, 0));
		}
		tl_snap_take(&snap, &e);
		/* RISC-V: 0x5000 would become X (fine), 0x6000 W alone (reserved). x86: no R. */
		TL_ERR(pt_update(&e.pt, 0x1000, 0x6000, 0, PT_R), PT_EPERM);
		TL_ERR(pt_update(&e.pt, 0x1000, 0x6000, 0x200u, 0), PT_EPERM);
		TL_ERR(pt_update(&e.pt, 0x1000, 0x6000, 0, 0x400u), PT_EPERM);
		TL_ERR(pt_update(&e.pt, 0x1000, 0, PT_W, 0), PT_EEMPTY);
		TL_ERR(pt_update(NULL, 0x1000, 0x1000, PT_W, 0), PT_EINVAL);
		TL_UNCHANGED(&snap, &e);
		if (tl_is_riscv(f)) {
			/* Clearing R from the RW page alone is just as impossible. */
			tl_snap_take(&snap, &e);
			TL_ERR(pt_update(&e.pt, 0x6000, 0x1000, 0, PT_R), PT_EPERM);
			TL_UNCHANGED(&snap, &e);
			/* ... while clearing W and R together from it is not, since X is missing:
			 * no R and no X is not a leaf. */
			tl_snap_take(&snap, &e);
			TL_ERR(pt_update(&e.pt, 0x6000, 0x1000, 0, PT_R | PT_W), PT_EPERM);
			TL_UNCHANGED(&snap, &e);
			TL_OK(pt_update(&e.pt, 0x5000, 0x2000, PT_X, PT_R | PT_W));
			EXPECT_LEAF(&e, 0x5000, 0x80005000, 0, PT_X);
			EXPECT_LEAF(&e, 0x6000, 0x80006000, 0, PT_X);
		}
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_update_where(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1);
		struct tl_snap snap;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x1000, PT_R, 0));
		TL_OK(pt_map(&e.pt, 0x2000, 0x80002000, 0x1000, RW, 0));
		TL_OK(pt_map(&e.pt, 0x3000, 0x80003000, 0x1000, RWX, 0));
		TL_OK(pt_map(&e.pt, s1, 4 * s1, s1, RW, 0));
		/* Copy-on-write style: only the writable pages lose W and gain SW0. */
		TL_OK(pt_update_where(&e.pt, 0, 0x10000, PT_W, PT_SW0, PT_W));
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, PT_R);
		EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, PT_R | PT_SW0);
		EXPECT_LEAF(&e, 0x3000, 0x80003000, 0, RX | PT_SW0);
		/* when = 0 matches every leaf, as pt_update. */
		TL_OK(pt_update_where(&e.pt, 0x1000, 0x3000, 0, PT_U, 0));
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, PT_R | PT_U);
		EXPECT_LEAF(&e, 0x3000, 0x80003000, 0, RX | PT_SW0 | PT_U);
		/* An edge superpage is split even though it does not match. */
		TL_OK(pt_update_where(&e.pt, s1 + s1 / 2, s1, PT_G, PT_SW1, 0));
		EXPECT_LEAF(&e, s1, 4 * s1, 0, RW);
		EXPECT_LEAF(&e, s1 + s1 / 2, 4 * s1 + s1 / 2, 0, RW);
		TL_EQ(mapped_bytes(&e.pt), s1 + 0x3000);
		/* Unknown bits; and nothing changes on PT_EPERM. */
		tl_snap_take(&snap, &e);
		TL_ERR(pt_update_where(&e.pt, 0x1000, 0x1000, 0x200u, PT_W, 0), PT_EPERM);
		TL_ERR(pt_update_where(&e.pt, 0x1000, 0x3000, PT_R, 0, PT_R), PT_EPERM);
		TL_ERR(pt_update_where(NULL, 0x1000, 0x1000, 0, PT_W, 0), PT_EINVAL);
		TL_UNCHANGED(&snap, &e);
		if (tl_is_riscv(f)) {
			/* Leaves that do not match are not checked: only the X page loses R. */
			TL_OK(pt_update_where(&e.pt, 0x1000, 0x3000, PT_X, 0, PT_R));
			EXPECT_LEAF(&e, 0x3000, 0x80003000, 0, PT_X | PT_SW0 | PT_U);
			EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, PT_R | PT_SW0 | PT_U);
		}
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_remap(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1), pa_limit = (uint64_t)1 << f->pa_bits;
		struct tl_snap snap;
		struct tl_env e;
		uint32_t free_now;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x2000, RW, 0));
		TL_OK(pt_map(&e.pt, s1, 2 * s1, s1, RW, 0));
		free_now = host_ram_free_frames(&e.ram);
		/* In place, no allocation: works even when memory would fail. */
		host_ram_fail_nth(&e.ram, 1);
		TL_OK(pt_remap(&e.pt, 0x1000, 0x90000000, RX));
		TL_OK(pt_remap(&e.pt, s1, 5 * s1, PT_R));
		host_ram_fail_nth(&e.ram, 0);
		TL_EQ(host_ram_free_frames(&e.ram), free_now);
		EXPECT_LEAF(&e, 0x1000, 0x90000000, 0, RX);
		EXPECT_LEAF(&e, 0x2000, 0x80002000, 0, RW);
		EXPECT_LEAF(&e, s1 + 0x4321, 5 * s1 + 0x4321, 1, PT_R);
		/* Errors change nothing. */
		tl_snap_take(&snap, &e);
		TL_ERR(pt_remap(&e.pt, 0x3000, 0x90000000, RW), PT_ENOENT);     /* nothing mapped */
		TL_ERR(pt_remap(&e.pt, s1 + 0x1000, 0x90000000, RW), PT_ENOENT); /* not a leaf start */
		TL_ERR(pt_remap(&e.pt, s1, 5 * s1 + 0x1000, RW), PT_EALIGN);    /* PA vs. its size */
		TL_ERR(pt_remap(&e.pt, 0x1000, pa_limit, RW), PT_EPA);
		TL_ERR(pt_remap(&e.pt, 0x1000, 0x90000000, PT_W), PT_EPERM);
		TL_ERR(pt_remap(&e.pt, 0x1000, 0x90000000, PT_R | 0x200u), PT_EPERM);
		if (f->sign_extended)
			TL_ERR(pt_remap(&e.pt, tl_space(f) / 2, 0x90000000, RW), PT_ECANON);
		else
			TL_ERR(pt_remap(&e.pt, 0x100000000ull, 0x90000000, RW), PT_ERANGE);
		TL_ERR(pt_remap(NULL, 0x1000, 0x90000000, RW), PT_EINVAL);
		TL_UNCHANGED(&snap, &e);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- pt_visit --------------------------------------------------------------------------------- */

/* Records every callback as a line of text, optionally stopping at the nth call of a kind. */
struct rec {
	struct tl_text t;
	unsigned pre, leaf, bad, post;
	unsigned stop_pre, stop_leaf, stop_post; /* stop at this call (1-based), 0: never */
};

static void rec_line(struct rec *r, const char *what, unsigned level, va_t va)
{
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "%s %u 0x%llx\n", what, level, (unsigned long long)va);

	tl_text_write(&r->t, buf, (size_t)n);
}

static int rec_pre(void *ctx, const struct pt_table *t)
{
	struct rec *r = ctx;

	rec_line(r, "pre", t->level, t->va);
	return ++r->pre == r->stop_pre;
}

static int rec_leaf(void *ctx, const struct pt_leaf *l)
{
	struct rec *r = ctx;

	rec_line(r, "leaf", l->level, l->va);
	return ++r->leaf == r->stop_leaf;
}

static int rec_bad(void *ctx, const struct pt_bad *b)
{
	struct rec *r = ctx;

	rec_line(r, "bad", b->level, b->va);
	r->bad++;
	return 0;
}

static int rec_post(void *ctx, const struct pt_table *t)
{
	struct rec *r = ctx;

	rec_line(r, "post", t->level, t->va);
	return ++r->post == r->stop_post;
}

/* Visit [va, va + size) (size 0: everything) and return the record's text. */
static char *visit_text(const struct pt *pt, va_t va, uint64_t size, unsigned stop_pre,
			unsigned stop_leaf, unsigned stop_post, enum pt_err want)
{
	struct rec r = {{0}, 0, 0, 0, 0, stop_pre, stop_leaf, stop_post};
	struct pt_visitor v = {rec_pre, rec_leaf, rec_bad, rec_post, &r};

	if (size)
		TL_ERR(pt_visit(pt, va, size, &v), want);
	else
		TL_ERR(pt_visit_all(pt, &v), want);
	tl_text_write(&r.t, "", 0);
	return r.t.s;
}

/* The small Sv39 table used by the visit and dump tests. */
static void build_small_sv39(struct tl_env *e)
{
	tl_env_init(e, &pt_format_sv39);
	TL_OK(pt_map(&e->pt, 0x1000, 0x87654000, 0x1000, RW, 0));
	TL_OK(pt_map(&e->pt, 0x200000, 0x80200000, 0x200000, RX, 0));
	TL_OK(pt_map(&e->pt, 0x40000000, 0xc0000000, 0x40000000,
		     RWX | PT_U | PT_A | PT_D, 0));
	TL_OK(pt_map(&e->pt, 0xfffffffffffff000ull, 0x80007000, 0x1000, RX, 0));
}

static void test_visit_order_sv39(void **state)
{
	struct tl_env e;
	char *got;

	(void)state;
	build_small_sv39(&e);
	got = visit_text(&e.pt, 0, 0, 0, 0, 0, PT_OK);
	TL_STR(got, "pre 2 0x0\n"
		    "pre 1 0x0\n"
		    "pre 0 0x0\n"
		    "leaf 0 0x1000\n"
		    "post 0 0x0\n"
		    "leaf 1 0x200000\n"
		    "post 1 0x0\n"
		    "leaf 2 0x40000000\n"
		    "pre 1 0xffffffffc0000000\n"
		    "pre 0 0xffffffffffe00000\n"
		    "leaf 0 0xfffffffffffff000\n"
		    "post 0 0xffffffffffe00000\n"
		    "post 1 0xffffffffc0000000\n"
		    "post 2 0x0\n");
	tl_free(got);

	/* Range limits: only what meets the range (the root always). */
	got = visit_text(&e.pt, 0x200000, 0x200000, 0, 0, 0, PT_OK);
	TL_STR(got, "pre 2 0x0\npre 1 0x0\nleaf 1 0x200000\npost 1 0x0\npost 2 0x0\n");
	tl_free(got);
	got = visit_text(&e.pt, 0x1000, 0x1000, 0, 0, 0, PT_OK);
	TL_STR(got, "pre 2 0x0\npre 1 0x0\npre 0 0x0\nleaf 0 0x1000\npost 0 0x0\npost 1 0x0\n"
		    "post 2 0x0\n");
	tl_free(got);
	got = visit_text(&e.pt, 0x2000, 0x1000, 0, 0, 0, PT_OK);
	TL_STR(got, "pre 2 0x0\npre 1 0x0\npre 0 0x0\npost 0 0x0\npost 1 0x0\npost 2 0x0\n");
	tl_free(got);
	got = visit_text(&e.pt, 0x40001000, 0x1000, 0, 0, 0, PT_OK);
	TL_STR(got, "pre 2 0x0\nleaf 2 0x40000000\npost 2 0x0\n");
	tl_free(got);
	got = visit_text(&e.pt, 0x80000000, 0x40000000, 0, 0, 0, PT_OK);
	TL_STR(got, "pre 2 0x0\npost 2 0x0\n");
	tl_free(got);
	got = visit_text(&e.pt, 0xfffffffffffff000ull, 0x1000, 0, 0, 0, PT_OK);
	TL_STR(got, "pre 2 0x0\n"
		    "pre 1 0xffffffffc0000000\n"
		    "pre 0 0xffffffffffe00000\n"
		    "leaf 0 0xfffffffffffff000\n"
		    "post 0 0xffffffffffe00000\n"
		    "post 1 0xffffffffc0000000\n"
		    "post 2 0x0\n");
	tl_free(got);

	/* A nonzero return stops everything: no further callback, not even post. */
	got = visit_text(&e.pt, 0, 0, 0, 2, 0, PT_ESTOPPED);
	TL_STR(got, "pre 2 0x0\npre 1 0x0\npre 0 0x0\nleaf 0 0x1000\npost 0 0x0\n"
		    "leaf 1 0x200000\n");
	tl_free(got);
	got = visit_text(&e.pt, 0, 0, 3, 0, 0, PT_ESTOPPED);
	TL_STR(got, "pre 2 0x0\npre 1 0x0\npre 0 0x0\n");
	tl_free(got);
	got = visit_text(&e.pt, 0, 0, 0, 0, 1, PT_ESTOPPED);
	TL_STR(got, "pre 2 0x0\npre 1 0x0\npre 0 0x0\nleaf 0 0x1000\npost 0 0x0\n");
	tl_free(got);
	got = visit_text(&e.pt, 0xffffffffc0000000ull, 0x40000000, 1, 0, 0, PT_ESTOPPED);
	TL_STR(got, "pre 2 0x0\n");
	tl_free(got);
	/* The root's post-order call can stop too (nothing is left to skip). */
	got = visit_text(&e.pt, 0x80000000, 0x1000, 0, 0, 1, PT_ESTOPPED);
	TL_STR(got, "pre 2 0x0\npost 2 0x0\n");
	tl_free(got);
	tl_env_fini(&e);
}

/* Structural checks of a whole visit on any format. */
struct shape {
	const struct pt *pt;
	struct pt_table stack[PT_MAX_LEVELS];
	unsigned depth;
	unsigned pre, post, leaves;
	uint64_t last_leaf_end; /* in index space */
	bool any_leaf;
};

static int shape_pre(void *ctx, const struct pt_table *t)
{
	struct shape *s = ctx;
	const struct pt_format *f = s->pt->fmt;

	if (s->depth == 0) {
		TL_EQ(s->pre, 0);
		TL_EQ(t->level, f->levels - 1u);
		TL_EQ(t->pa, s->pt->root);
		TL_EQ(t->va, 0);
		TL_EQ(t->span, tl_space(f));
		TL_EQ(t->pte, 0);
		TL_EQ(t->index, 0);
	} else {
		const struct pt_table *parent = &s->stack[s->depth - 1];
		struct pt_decoded d;

		TL_EQ(t->level + 1, parent->level);
		TL_EQ(t->span, lsize(f, parent->level));
		TL_EQ(iva_of(f, t->va) % t->span, 0);
		TL_TRUE(iva_of(f, t->va) >= iva_of(f, parent->va));
		TL_TRUE(iva_of(f, t->va) < iva_of(f, parent->va) + parent->span);
		TL_EQ(t->index, index_of(f, parent->level, t->va));
		f->decode(f, t->pte, parent->level, &d);
		TL_EQ(d.kind, PT_ENTRY_TABLE);
		TL_EQ(d.pa, t->pa);
	}
	TL_TRUE(s->depth < PT_MAX_LEVELS);
	s->stack[s->depth++] = *t;
	s->pre++;
	return 0;
}

static int shape_leaf(void *ctx, const struct pt_leaf *l)
{
	struct shape *s = ctx;
	const struct pt_format *f = s->pt->fmt;
	const struct pt_table *parent = &s->stack[s->depth - 1];
	uint64_t iva = iva_of(f, l->va);

	TL_TRUE(s->depth > 0);
	TL_EQ(l->level, parent->level);
	TL_EQ(l->size, lsize(f, l->level));
	TL_TRUE(iva >= iva_of(f, parent->va) && iva < iva_of(f, parent->va) + parent->span);
	TL_EQ(l->index, index_of(f, l->level, l->va));
	/* In address order, never overlapping. */
	TL_TRUE(!s->any_leaf || iva >= s->last_leaf_end);
	s->last_leaf_end = iva + l->size;
	s->any_leaf = true;
	s->leaves++;
	return 0;
}

static int shape_post(void *ctx, const struct pt_table *t)
{
	struct shape *s = ctx;

	TL_TRUE(s->depth > 0);
	s->depth--;
	TL_EQ(t->pa, s->stack[s->depth].pa);
	TL_EQ(t->va, s->stack[s->depth].va);
	TL_EQ(t->level, s->stack[s->depth].level);
	s->post++;
	return 0;
}

static void test_visit_shape_every_format(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1);
		unsigned top_leaf = tl_top_leaf_level(f);
		struct shape sh;
		struct pt_visitor v = {shape_pre, shape_leaf, NULL, shape_post, &sh};
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x2000, RW, 0));
		TL_OK(pt_map(&e.pt, 3 * s1, 3 * s1, s1, RW, 0));
		TL_OK(pt_map(&e.pt, 2 * lsize(f, top_leaf), 0, lsize(f, top_leaf), RW, 0));
		TL_OK(pt_map(&e.pt, pt_canonical(f, tl_space(f) - 0x3000), 0x9000, 0x2000, RW, 0));
		if (f->sign_extended)
			TL_OK(pt_map(&e.pt, pt_canonical(f, tl_space(f) / 2), 0x5000, 0x1000, RW, 0));

		memset(&sh, 0, sizeof(sh));
		sh.pt = &e.pt;
		TL_OK(pt_visit_all(&e.pt, &v));
		TL_EQ(sh.depth, 0);
		TL_EQ(sh.pre, sh.post);
		TL_EQ(sh.pre, tl_count_tables(&e.pt));
		TL_EQ(sh.leaves, 6 + (f->sign_extended ? 1 : 0));

		/* A range: only the leaves in it, and only the tables on their paths. */
		memset(&sh, 0, sizeof(sh));
		sh.pt = &e.pt;
		TL_OK(pt_visit(&e.pt, 0x2000, 0x1000, &v));
		TL_EQ(sh.leaves, 1);
		TL_EQ(sh.pre, f->levels);
		TL_EQ(sh.post, f->levels);

		/* Bad arguments. */
		TL_ERR(pt_visit(&e.pt, 0x1000, 0, &v), PT_EEMPTY);
		TL_ERR(pt_visit(&e.pt, 0x1800, 0x1000, &v), PT_EALIGN);
		TL_ERR(pt_visit(&e.pt, 0x1000, 0x1000, NULL), PT_EINVAL);
		TL_ERR(pt_visit(NULL, 0x1000, 0x1000, &v), PT_EINVAL);
		TL_ERR(pt_visit_all(&e.pt, NULL), PT_EINVAL);
		if (f->sign_extended)
			TL_ERR(pt_visit(&e.pt, tl_space(f) / 2, 0x1000, &v), PT_ECANON);
		else
			TL_ERR(pt_visit(&e.pt, 0x100000000ull, 0x1000, &v), PT_ERANGE);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- dumps ------------------------------------------------------------------------------------ */

static void test_vmprint_sv39_exact(void **state)
{
	struct tl_env e;
	char *got;

	(void)state;
	tl_env_init(&e, &pt_format_sv39);
	got = tl_vmprint(&e.pt);
	TL_STR(got, "page table 0x0000000080000000\n");
	tl_free(got);
	tl_env_fini(&e);

	/*
	 * Frames are handed out lowest first from 0x80000000 (the root). pt_map reserves all its
	 * tables first and takes them last-reserved first, so for 0x1000 the level-1 table is
	 * 0x80002000 and the level-0 table 0x80001000; the last page's path gets 0x80004000
	 * (level 1) and 0x80003000 (level 0).
	 *   pointer to PA p: (p >> 12) << 10 | V           e.g. 0x80002000 -> 0x20000801
	 *   0x1000 -> 0x87654000 RW:     0x87654 << 10 | V R W = 0x21d95007
	 *   0x200000 -> 0x80200000 RX:   0x80200 << 10 | V R X = 0x2008000b
	 *   0x40000000 -> 0xc0000000 RWXUAD: 0xc0000 << 10 | 0xdf = 0x300000df
	 *   last page -> 0x80007000 RX:  0x80007 << 10 | 0xb = 0x20001c0b
	 */
	build_small_sv39(&e);
	got = tl_vmprint(&e.pt);
	TL_STR(got, "page table 0x0000000080000000\n"
		    " ..0: pte 0x0000000020000801 pa 0x0000000080002000\n"
		    " .. ..0: pte 0x0000000020000401 pa 0x0000000080001000\n"
		    " .. .. ..1: pte 0x0000000021d95007 pa 0x0000000087654000\n"
		    " .. ..1: pte 0x000000002008000b pa 0x0000000080200000\n"
		    " ..1: pte 0x00000000300000df pa 0x00000000c0000000\n"
		    " ..511: pte 0x0000000020001001 pa 0x0000000080004000\n"
		    " .. ..511: pte 0x0000000020000c01 pa 0x0000000080003000\n"
		    " .. .. ..511: pte 0x0000000020001c0b pa 0x0000000080007000\n");
	tl_free(got);
	TL_ERR(pt_dump_vmprint(&e.pt, NULL, NULL), PT_EINVAL);
	TL_ERR(pt_dump_vmprint(NULL, tl_text_write, NULL), PT_EINVAL);
	tl_env_fini(&e);
}

static void test_vmprint_sv32_exact(void **state)
{
	struct tl_env e;
	char *got;

	(void)state;
	/* 4-byte entries print with 8 digits. */
	tl_env_init(&e, &pt_format_sv32);
	TL_OK(pt_map(&e.pt, 0x1000, 0x87654000, 0x1000, RW, 0));
	TL_OK(pt_map(&e.pt, 0xffc00000, 0x300000000ull, 0x400000, RX, 0));
	got = tl_vmprint(&e.pt);
	TL_STR(got, "page table 0x80000000\n"
		    " ..0: pte 0x20000401 pa 0x80001000\n"
		    " .. ..1: pte 0x21d95007 pa 0x87654000\n"
		    " ..1023: pte 0xc000000b pa 0x300000000\n");
	tl_free(got);
	tl_env_fini(&e);
}

static const char *label_sv39(void *ctx, va_t va)
{
	(void)ctx;
	if (va < 0x3000)
		return "low";
	return va < 0x200000 ? NULL : "big";
}

static void build_runs_sv39(struct tl_env *e)
{
	tl_env_init(e, &pt_format_sv39);
	TL_OK(pt_map(&e->pt, 0x1000, 0x80001000, 0x3000, RX | PT_U, 0));
	TL_OK(pt_map(&e->pt, 0x4000, 0x80005000, 0x1000, RX | PT_U, 0)); /* PA jumps */
	TL_OK(pt_map(&e->pt, 0x5000, 0x80006000, 0x1000, RX | PT_U, 0)); /* continues it */
	TL_OK(pt_map(&e->pt, 0x6000, 0x80007000, 0x1000, PT_R, 0));      /* other perms */
	TL_OK(pt_map(&e->pt, 0x1ff000, 0x801ff000, 0x1000, RW, 0));
	TL_OK(pt_map(&e->pt, 0x200000, 0x80200000, 0x400000, RW, 0)); /* other size */
	TL_OK(pt_map(&e->pt, 0xffffffffffffe000ull, 0x80100000, 0x2000, RX | PT_A | PT_D, 0));
}

static void test_ranges_exact(void **state)
{
	struct tl_env e;
	char *got;

	(void)state;
	build_runs_sv39(&e);
	got = tl_ranges(&e.pt, NULL, NULL);
	TL_STR(got, "0x0000000000001000-0x0000000000003fff -> 0x80001000 r-xu 4K x3\n"
		    "0x0000000000004000-0x0000000000005fff -> 0x80005000 r-xu 4K x2\n"
		    "0x0000000000006000-0x0000000000006fff -> 0x80007000 r--- 4K x1\n"
		    "0x00000000001ff000-0x00000000001fffff -> 0x801ff000 rw-- 4K x1\n"
		    "0x0000000000200000-0x00000000005fffff -> 0x80200000 rw-- 2M x2\n"
		    "0xffffffffffffe000-0xffffffffffffffff -> 0x80100000 r-x--ad 4K x2\n");
	tl_free(got);
	/* A label is appended after a space, and a change of label ends a run. */
	got = tl_ranges(&e.pt, label_sv39, NULL);
	TL_STR(got, "0x0000000000001000-0x0000000000002fff -> 0x80001000 r-xu 4K x2 low\n"
		    "0x0000000000003000-0x0000000000003fff -> 0x80003000 r-xu 4K x1\n"
		    "0x0000000000004000-0x0000000000005fff -> 0x80005000 r-xu 4K x2\n"
		    "0x0000000000006000-0x0000000000006fff -> 0x80007000 r--- 4K x1\n"
		    "0x00000000001ff000-0x00000000001fffff -> 0x801ff000 rw-- 4K x1\n"
		    "0x0000000000200000-0x00000000005fffff -> 0x80200000 rw-- 2M x2 big\n"
		    "0xffffffffffffe000-0xffffffffffffffff -> 0x80100000 r-x--ad 4K x2 big\n");
	tl_free(got);
	TL_ERR(pt_dump_ranges(&e.pt, NULL, NULL, NULL, NULL), PT_EINVAL);
	tl_env_fini(&e);

	/* An empty table prints nothing. */
	tl_env_init(&e, &pt_format_sv39);
	got = tl_ranges(&e.pt, NULL, NULL);
	TL_STR(got, "");
	tl_free(got);
	tl_env_fini(&e);

	/* 32-bit formats print 8-digit VAs; x86-32 leaves always show x. */
	tl_env_init(&e, &pt_format_x86_32);
	TL_OK(pt_map(&e.pt, 0x1000, 0x1000, 0x1000, RW, 0));
	TL_OK(pt_map(&e.pt, 0x400000, 0x800000, 0x400000, PT_R | PT_G, 0));
	TL_OK(pt_map(&e.pt, 0xffffe000, 0x2000, 0x2000, PT_R | PT_SW0 | PT_SW1, 0));
	got = tl_ranges(&e.pt, NULL, NULL);
	TL_STR(got, "0x00001000-0x00001fff -> 0x1000 rwx- 4K x1\n"
		    "0x00400000-0x007fffff -> 0x800000 r-x-g-- 4M x1\n"
		    "0xffffe000-0xffffffff -> 0x2000 r-x----+s0+s1 4K x2\n");
	tl_free(got);
	tl_env_fini(&e);
}

static void test_perms_and_size_strings(void **state)
{
	char buf[16];

	(void)state;
	TL_STR(pt_perms_str(0, buf), "----");
	TL_STR(pt_perms_str(PT_R | PT_W | PT_X | PT_U, buf), "rwxu");
	TL_STR(pt_perms_str(PT_R | PT_X | PT_U, buf), "r-xu");
	TL_STR(pt_perms_str(PT_R | PT_G, buf), "r---g--");
	TL_STR(pt_perms_str(PT_PERM_ALL, buf), "rwxugad+s0+s1");
	TL_STR(pt_perms_str(PT_W | PT_SW1, buf), "-w-----+s1");
	TL_STR(pt_size_str(4096, buf), "4K");
	TL_STR(pt_size_str(2 * TL_MIB, buf), "2M");
	TL_STR(pt_size_str(4 * TL_MIB, buf), "4M");
	TL_STR(pt_size_str(TL_GIB, buf), "1G");
	TL_STR(pt_size_str(512 * TL_GIB, buf), "512G");
	TL_STR(pt_size_str(256 * TL_TIB, buf), "256T");
	TL_STR(pt_size_str(0x3000, buf), "12K");
}

/* ---- pt_check ------------------------------------------------------------------------------------ */

#define SCRATCH 256

/* pt_check finds the table good. */
static void expect_check_ok(const struct pt *pt)
{
	pa_t scratch[SCRATCH];
	struct pt_violation v = {0, 0, 0, NULL};

	TL_OK(pt_check(pt, scratch, SCRATCH, &v));
}

#define EXPECT_VIOLATION(e, va, level, pte) expect_violation_((e), (va), (level), (pte), __LINE__)

static void expect_violation_(const struct tl_env *e, va_t va, unsigned level, uint64_t pte,
			      int line)
{
	pa_t scratch[SCRATCH];
	struct pt_violation v = {0, 0, 0, NULL};
	enum pt_err err = pt_check(&e->pt, scratch, SCRATCH, &v);

	if (err != PT_ECORRUPT)
		tl_fail_err(__FILE__, line, "pt_check", err, "PT_ECORRUPT", PT_ECORRUPT);
	eq_at(__FILE__, line, "violation.va", v.va, va);
	eq_at(__FILE__, line, "violation.level", v.level, level);
	eq_at(__FILE__, line, "violation.pte", v.pte, pte);
	if (!v.what || !v.what[0])
		tl_fail_msg(__FILE__, line, "violation.what is empty");
}

/* The slot pt_walk ends at for va, which must be at level. */
static struct pt_slot slot_of(struct tl_env *e, va_t va, unsigned level, enum pt_err want)
{
	struct pt_slot slot;

	TL_ERR(pt_walk(&e->pt, va, 0, &slot), want);
	TL_EQ(slot.level, level);
	return slot;
}

static void test_check_good_tables(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		struct pt_violation v;
		pa_t scratch[SCRATCH];
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		expect_check_ok(&e.pt);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x3000, RW, 0));
		for (unsigned l = 1; l < f->levels; l++)
			if (f->leaf_levels & (1u << l))
				TL_OK(pt_map(&e.pt, 2 * lsize(f, l), 4 * lsize(f, l), lsize(f, l),
					     RX, 0));
		TL_OK(pt_map(&e.pt, pt_canonical(f, tl_space(f) - 0x1000), 0x1000, 0x1000, RW, 0));
		expect_check_ok(&e.pt);
		/* Splits keep it good. */
		TL_OK(pt_unmap(&e.pt, 2 * lsize(f, 1) + 0x5000, 0x1000, NULL, NULL));
		TL_OK(pt_protect(&e.pt, 2 * lsize(f, 1) + 0x9000, 0x2000, PT_R));
		expect_check_ok(&e.pt);
		TL_ERR(pt_check(&e.pt, NULL, SCRATCH, &v), PT_EINVAL);
		TL_ERR(pt_check(&e.pt, scratch, SCRATCH, NULL), PT_EINVAL);
		TL_ERR(pt_check(NULL, scratch, SCRATCH, &v), PT_EINVAL);
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_check_finds_reserved_bits(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1), bad;
		struct pt_slot slot;
		struct pt_leaf leaf;
		struct pt_stats st;
		struct tl_env e;
		va_t va;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x1000, RW, 0));
		TL_OK(pt_map(&e.pt, s1, 2 * s1, s1, RW, 0));
		if (tl_is_riscv(f) && f->pte_size == 8) {
			va = 0x1000; /* RV64: bit 54 is reserved */
			slot = slot_of(&e, va, 0, PT_OK);
			bad = slot.pte | (1ull << 54);
		} else if (tl_is_riscv(f)) {
			va = 0x1000; /* Sv32 has no reserved bits: W without R instead */
			slot = slot_of(&e, va, 0, PT_OK);
			bad = slot.pte & ~(uint64_t)0x2;
		} else if (f == &pt_format_x86_pae) {
			va = 0x1000; /* PAE: bits 62:52 are reserved */
			slot = slot_of(&e, va, 0, PT_OK);
			bad = slot.pte | (1ull << 52);
		} else {
			va = s1; /* 32-bit and IA-32e: bit 13 of a large page */
			slot = slot_of(&e, va, 1, PT_OK);
			bad = slot.pte | (1ull << 13);
		}
		tl_entry_write(f, slot.entry, bad);
		EXPECT_VIOLATION(&e, va, slot.level, bad);
		/* Everyone else sees it too. */
		TL_ERR(pt_query(&e.pt, va, &leaf, NULL), PT_ECORRUPT);
		{
			struct pt_slot at;

			TL_ERR(pt_walk(&e.pt, va, 0, &at), PT_ECORRUPT);
			TL_EQ(at.entry_pa, slot.entry_pa);
			TL_EQ(at.pte, bad);
		}
		TL_OK(pt_stats(&e.pt, &st));
		TL_EQ(st.bad, 1);
		{
			char *got = visit_text(&e.pt, va, 0x1000, 0, 0, 0, PT_OK);
			char want[64];

			snprintf(want, sizeof(want), "bad %u 0x%llx\n", slot.level,
				 (unsigned long long)va);
			TL_TRUE(strstr(got, want) != NULL);
			tl_free(got);
		}
		tl_entry_write(f, slot.entry, slot.pte);
		expect_check_ok(&e.pt);
		tl_env_fini(&e);
	}
	tl_where("");

	/* PS in a PML4E / PML5E, and reserved bits in a PAE PDPTE. */
	{
		const struct pt_format *fs[] = {&pt_format_x86_64, &pt_format_x86_la57,
						&pt_format_x86_pae};

		for (unsigned k = 0; k < 3; k++) {
			struct tl_env e;
			unsigned top;
			void *root0;
			uint64_t old, bad;

			f = fs[k];
			top = f->levels - 1u;
			tl_where("format %s", f->name);
			tl_env_init(&e, f);
			TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x1000, RW, 0));
			root0 = host_ram_ptr(&e.ram, e.pt.root, 8);
			old = tl_entry_read(f, root0);
			bad = f == &pt_format_x86_pae ? old | 0x2 : old | 0x80;
			tl_entry_write(f, root0, bad);
			EXPECT_VIOLATION(&e, 0, top, bad);
			tl_entry_write(f, root0, old);
			expect_check_ok(&e.pt);
			tl_env_fini(&e);
		}
	}
	tl_where("");
}

static void test_check_finds_misaligned_superpages(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		struct tl_env e;

		if (!tl_is_riscv(f))
			continue; /* x86 large-page alignment bits are reserved bits (above) */
		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		for (unsigned l = 1; l < f->levels; l++) {
			uint64_t s = lsize(f, l), bad;
			struct pt_slot slot;

			TL_OK(pt_map(&e.pt, s, 2 * s, s, RW, 0));
			slot = slot_of(&e, s, l, PT_OK);
			/* The PPN one step of the level below off: PA 2s + s/512 (or /1024). */
			bad = slot.pte + (lsize(f, l - 1) >> f->pte_pa_shift);
			tl_entry_write(f, slot.entry, bad);
			EXPECT_VIOLATION(&e, s, l, bad);
			tl_entry_write(f, slot.entry, slot.pte);
			expect_check_ok(&e.pt);
			TL_OK(pt_unmap(&e.pt, s, s, NULL, NULL));
		}
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_check_finds_tables_outside_memory(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		unsigned top = f->levels - 1u;
		va_t vx = lsize(f, top); /* the second root entry */
		struct pt_leaf leaf;
		struct pt_slot slot;
		struct tl_snap snap;
		struct tl_env e;
		uint64_t bad;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x1000, RW, 0));
		slot = slot_of(&e, vx, top, PT_ENOENT);
		bad = f->make_table(f, 0x10000000, top); /* below the RAM */
		tl_entry_write(f, slot.entry, bad);
		EXPECT_VIOLATION(&e, vx, top, bad);
		/* Nothing follows it. */
		TL_ERR(pt_query(&e.pt, vx + 0x1000, &leaf, NULL), PT_ECORRUPT);
		TL_ERR(pt_walk(&e.pt, vx + 0x1000, PT_WALK_CREATE, &slot), PT_ECORRUPT);
		tl_snap_take(&snap, &e);
		TL_ERR(pt_map(&e.pt, vx + 0x1000, 0x1000, 0x1000, RW, 0), PT_ECORRUPT);
		TL_ERR(pt_unmap(&e.pt, vx + 0x1000, 0x1000, NULL, NULL), PT_ECORRUPT);
		TL_ERR(pt_protect(&e.pt, vx + 0x1000, 0x1000, PT_R), PT_ECORRUPT);
		TL_ERR(pt_update(&e.pt, vx + 0x1000, 0x1000, PT_W, 0), PT_ECORRUPT);
		TL_UNCHANGED(&snap, &e);
		{
			struct pt_stats st;

			TL_OK(pt_stats(&e.pt, &st));
			TL_EQ(st.bad, 1);
			TL_EQ(st.tables[top], 1);
		}
		/* Unmapping everything the entry covers drops it. */
		TL_OK(pt_unmap(&e.pt, vx, lsize(f, top), NULL, NULL));
		expect_check_ok(&e.pt);
		EXPECT_LEAF(&e, 0x1000, 0x80001000, 0, RW);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* A pt_mem whose contains() rejects one table. */
struct reject_mem {
	struct pt_mem inner;
	pa_t reject;
};

static void *rj_ptr(void *ctx, pa_t pa)
{
	struct reject_mem *r = ctx;

	return r->inner.ptr(r->inner.ctx, pa);
}

static enum pt_err rj_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	struct reject_mem *r = ctx;

	return r->inner.alloc(r->inner.ctx, bytes, pa);
}

static void rj_free(void *ctx, pa_t pa, uint64_t bytes)
{
	struct reject_mem *r = ctx;

	r->inner.free(r->inner.ctx, pa, bytes);
}

static bool rj_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	struct reject_mem *r = ctx;

	return pa != r->reject && r->inner.contains(r->inner.ctx, pa, bytes);
}

/* PA of the level-1 table on va's path (va must have a level-0 table). */
static pa_t level1_table_of(struct tl_env *e, va_t va)
{
	const struct pt_format *f = e->pt.fmt;
	uint64_t s1 = lsize(f, 1);
	va_t other = index_of(f, 1, va) == 0 ? va + s1 : va - s1;
	struct pt_slot slot;

	if (f->levels == 2)
		return e->pt.root;
	/* A neighbour in the same level-1 table without a level-0 table stops at level 1. */
	slot = slot_of(e, other, 1, PT_ENOENT);
	return slot.entry_pa & ~(pa_t)0xfff;
}

static void test_check_uses_mem_contains(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		pa_t scratch[SCRATCH];
		struct pt_violation v;
		struct reject_mem rm;
		struct pt_slot leaf_slot;
		struct tl_env e;
		va_t va = 0x12345000;
		uint64_t pte1;
		pa_t l1;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, va, 0x80001000, 0x1000, RW, 0));
		leaf_slot = slot_of(&e, va, 0, PT_OK);
		/* The level-1 entry pointing at the level-0 table, read by hand. */
		l1 = level1_table_of(&e, va);
		pte1 = tl_entry_read(f, host_ram_ptr(&e.ram, l1 + (pa_t)index_of(f, 1, va) * f->pte_size,
						     f->pte_size));
		/* Memory that says the level-0 table is not somewhere tables may live. */
		rm.inner = e.mem;
		rm.reject = leaf_slot.entry_pa & ~(pa_t)0xfff;
		TL_EQ(pte1, f->make_table(f, rm.reject, 1));
		e.pt.mem = (struct pt_mem){rj_ptr, rj_alloc, rj_free, rj_contains, &rm};
		TL_ERR(pt_check(&e.pt, scratch, SCRATCH, &v), PT_ECORRUPT);
		TL_EQ(v.va, va & ~(lsize(f, 1) - 1));
		TL_EQ(v.level, 1);
		TL_EQ(v.pte, pte1);
		TL_TRUE(v.what != NULL);
		/* Without contains(), the PA width decides: fine. */
		e.pt.mem.contains = NULL;
		expect_check_ok(&e.pt);
		e.pt.mem = e.mem;
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_check_scratch_space(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		pa_t scratch[SCRATCH];
		struct pt_violation v;
		struct tl_env e;
		uint64_t tables;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x1000, RW, 0));
		TL_OK(pt_map(&e.pt, pt_canonical(f, tl_space(f) - 0x1000), 0x1000, 0x1000, RW, 0));
		tables = tl_count_tables(&e.pt);
		TL_EQ(tables, 2 * f->levels - 1u);
		TL_ERR(pt_check(&e.pt, scratch, 1, &v), PT_ENOSPC);
		TL_ERR(pt_check(&e.pt, scratch, tables - 1, &v), PT_ENOSPC);
		TL_OK(pt_check(&e.pt, scratch, 2 * tables, &v));
		/* "one slot per table": exactly as many slots as tables is enough. */
		TL_OK(pt_check(&e.pt, scratch, tables, &v));
		tl_env_fini(&e);
	}
	tl_where("");
}

static void test_check_finds_a_table_linked_twice(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t s1 = lsize(f, 1), bad;
		struct pt_slot slot, second;
		struct tl_env e;
		pa_t t0;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x1000, RW, 0));
		slot = slot_of(&e, 0x1000, 0, PT_OK);
		t0 = slot.entry_pa & ~(pa_t)0xfff; /* the level-0 table */
		second = slot_of(&e, s1, 1, PT_ENOENT);
		bad = f->make_table(f, t0, 1);
		tl_entry_write(f, second.entry, bad);
		/* Both paths now read the same page. */
		EXPECT_LEAF(&e, s1 + 0x1000, 0x80001000, 0, RW);
		EXPECT_VIOLATION(&e, s1, 1, bad);
		tl_entry_write(f, second.entry, 0);
		expect_check_ok(&e.pt);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- pt_stats ------------------------------------------------------------------------------------ */

static void test_stats(void **state)
{
	const struct pt_format *f;

	(void)state;
	FOR_EACH_FORMAT(f) {
		uint64_t mapped = 0x3000;
		struct pt_stats st;
		struct tl_env e;

		tl_where("format %s", f->name);
		tl_env_init(&e, f);
		TL_OK(pt_map(&e.pt, 0x1000, 0x80001000, 0x3000, RW, 0));
		for (unsigned l = 1; l < f->levels; l++) {
			if (!(f->leaf_levels & (1u << l)))
				continue;
			TL_OK(pt_map(&e.pt, 2 * lsize(f, l), 2 * lsize(f, l), lsize(f, l), RW, 0));
			mapped += lsize(f, l);
		}
		memset(&st, 0xa5, sizeof(st));
		TL_OK(pt_stats(&e.pt, &st));
		for (unsigned l = 0; l < PT_MAX_LEVELS; l++) {
			bool leafy = l < f->levels && (f->leaf_levels & (1u << l));

			/* Every mapping shares the one path of tables. */
			TL_EQ(st.tables[l], l < f->levels ? 1 : 0);
			TL_EQ(st.leaves[l], l == 0 ? 3 : leafy ? 1 : 0);
		}
		TL_EQ(st.bad, 0);
		TL_EQ(st.mapped_bytes, mapped);
		TL_EQ(st.table_bytes, (f->levels - 1u) * 4096 + pt_table_bytes(f, f->levels - 1u));
		if (f == &pt_format_x86_pae)
			TL_EQ(st.table_bytes, 2 * 4096 + 32);
		TL_ERR(pt_stats(&e.pt, NULL), PT_EINVAL);
		TL_ERR(pt_stats(NULL, &st), PT_EINVAL);
		tl_env_fini(&e);
	}
	tl_where("");
}

/* ---- errors and addresses -------------------------------------------------------------------- */

static void test_error_names_and_texts(void **state)
{
	/* Every code, by hand; a code added to pt_err.h must be added here too. */
	static const char *const names[] = {
		[PT_OK] = "PT_OK",
		[PT_EINVAL] = "PT_EINVAL",
		[PT_EEMPTY] = "PT_EEMPTY",
		[PT_EALIGN] = "PT_EALIGN",
		[PT_ERANGE] = "PT_ERANGE",
		[PT_ECANON] = "PT_ECANON",
		[PT_EWRAP] = "PT_EWRAP",
		[PT_EPA] = "PT_EPA",
		[PT_EPERM] = "PT_EPERM",
		[PT_EEXIST] = "PT_EEXIST",
		[PT_ENOMEM] = "PT_ENOMEM",
		[PT_ENOENT] = "PT_ENOENT",
		[PT_ECORRUPT] = "PT_ECORRUPT",
		[PT_ESTOPPED] = "PT_ESTOPPED",
		[PT_ENOSPC] = "PT_ENOSPC",
		[PT_EFAULT] = "PT_EFAULT",
		[PT_ETOOLONG] = "PT_ETOOLONG",
	};

	(void)state;
	TL_EQ(PT_OK, 0);
	TL_EQ(sizeof(names) / sizeof(names[0]), PT_ERR_COUNT);
	for (int e = 0; e < PT_ERR_COUNT; e++) {
		const char *text = pt_strerror((enum pt_err)e);

		tl_where("error %d", e);
		TL_STR(pt_errname((enum pt_err)e), names[e]);
		TL_TRUE(text != NULL && text[0] != 0);
		for (int k = 0; k < e; k++)
			TL_TRUE(strcmp(text, pt_strerror((enum pt_err)k)) != 0);
	}
	tl_where("");
	TL_STR(pt_strerror(PT_OK), "success");
	/* Never NULL, even for values that are no code. */
	TL_TRUE(pt_strerror(PT_ERR_COUNT) != NULL);
	TL_TRUE(pt_errname(PT_ERR_COUNT) != NULL);
	TL_TRUE(pt_strerror((enum pt_err)1000) != NULL);
	TL_TRUE(pt_errname((enum pt_err)-1) != NULL);
}

static void test_canonical(void **state)
{
	(void)state;
	TL_EQ(pt_canonical(&pt_format_sv39, 0x4000000000ull), 0xffffffc000000000ull);
	TL_EQ(pt_canonical(&pt_format_sv39, 0x3fffffffffull), 0x3fffffffffull);
	TL_EQ(pt_canonical(&pt_format_sv39, 0x7ffffff000ull), 0xfffffffffffff000ull);
	TL_EQ(pt_canonical(&pt_format_sv48, 0x800000000000ull), 0xffff800000000000ull);
	TL_EQ(pt_canonical(&pt_format_x86_64, 0x800000000000ull), 0xffff800000000000ull);
	TL_EQ(pt_canonical(&pt_format_x86_la57, 0x100000000000000ull), 0xff00000000000000ull);
	TL_EQ(pt_canonical(&pt_format_sv57, 0x1ffffffffffffffull), 0xffffffffffffffffull);
	TL_EQ(pt_canonical(&pt_format_sv57, 0xffffffffffffffull), 0xffffffffffffffull);
	TL_EQ(pt_canonical(&pt_format_sv32, 0xfffff000ull), 0xfffff000ull);
	TL_EQ(pt_canonical(&pt_format_x86_pae, 0x80000000ull), 0x80000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_init_and_destroy_give_every_frame_back),
		TL_TEST(test_destroy_reports_remaining_leaves),
		TL_TEST(test_map_4k_pages),
		TL_TEST(test_map_uses_the_largest_page_that_fits),
		TL_TEST(test_map_falls_back_to_small_pages),
		TL_TEST(test_map_top_of_space_and_upper_half),
		TL_TEST(test_map_errors_leave_the_table_unchanged),
		TL_TEST(test_map_over_empty_tables_left_by_walk),
		TL_TEST(test_query),
		TL_TEST(test_walk_without_create),
		TL_TEST(test_walk_stops_at_superpages),
		TL_TEST(test_walk_create),
		TL_TEST(test_unmap_removes_and_reports),
		TL_TEST(test_unmap_whole_superpages_and_holes),
		TL_TEST(test_unmap_splits_superpages),
		TL_TEST(test_unmap_frees_emptied_tables),
		TL_TEST(test_unmap_cost_follows_what_is_mapped),
		TL_TEST(test_protect),
		TL_TEST(test_update),
		TL_TEST(test_update_where),
		TL_TEST(test_remap),
		TL_TEST(test_visit_order_sv39),
		TL_TEST(test_visit_shape_every_format),
		TL_TEST(test_vmprint_sv39_exact),
		TL_TEST(test_vmprint_sv32_exact),
		TL_TEST(test_ranges_exact),
		TL_TEST(test_perms_and_size_strings),
		TL_TEST(test_check_good_tables),
		TL_TEST(test_check_finds_reserved_bits),
		TL_TEST(test_check_finds_misaligned_superpages),
		TL_TEST(test_check_finds_tables_outside_memory),
		TL_TEST(test_check_uses_mem_contains),
		TL_TEST(test_check_finds_a_table_linked_twice),
		TL_TEST(test_check_scratch_space),
		TL_TEST(test_stats),
		TL_TEST(test_error_names_and_texts),
		TL_TEST(test_canonical),
	};

	return cmocka_run_group_tests_name("pt_ops", tests, NULL, NULL);
}
