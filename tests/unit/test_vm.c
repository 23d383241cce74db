/*
 * lib/vm: every function of include/vmkit/vm.h, on Sv39, x86 32-bit and x86-64.
 *
 * Kernel maps (vm_kmap_build, vm_kmap_name, the two xv6 maps) and user address spaces
 * (init, load_first, grow eager and lazy, shrink, copy full and copy-on-write, clear_user,
 * user_pa, fault, copyout / copyin / copyinstr, free). Every test loops over the three formats;
 * a failure prints the format and case through vt_ctx.
 */
#include "support/vmtest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define RAM_SIZE (16ull << 20)
#define P VT_PAGE
#define LIMIT (64ull << 20) /* user limit for most spaces */

/* Where the kernel-map tests put their regions: valid VA and PA on every format. */
#define KVA 0x40000000ull
#define KPA 0x40000000ull

#define FOR_EACH_FORMAT(f)                                                                  \
	for (unsigned fi_ = 0; fi_ < VT_NFORMATS; fi_++)                                     \
		for (const struct pt_format *f = vt_formats[fi_]; f; f = 0)

/* The smallest superpage: 2 MiB (Sv39, x86-64) or 4 MiB (x86 32-bit). */
static uint64_t big_page(const struct pt_format *f)
{
	return pt_level_size(f, 1);
}

static bool has_1g(const struct pt_format *f)
{
	return f->levels >= 3 && (f->leaf_levels & 4u) && f->shift[2] == 30;
}

static unsigned eff(const struct pt_format *f, unsigned perms)
{
	return pt_effective_perms(f, perms);
}

/* A page table over the environment's memory. */
static void kpt_init(struct vt_env *e, struct pt *pt, const struct pt_format *f)
{
	VT_OK(pt_init(pt, f, &e->env.mem));
}

/* The leaf mapping va in a kernel table; asserts it exists. */
static struct pt_leaf kleaf(const struct pt *pt, va_t va, pa_t *pa)
{
	struct pt_leaf leaf;
	enum pt_err err = pt_query(pt, va, &leaf, pa);

	if (err)
		vt_fail(__FILE__, __LINE__, "pt_query(0x%" PRIx64 "): %s", va, pt_errname(err));
	return leaf;
}

/* ==== kernel maps ============================================================================ */

static void test_kmap_build_superpages(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		uint64_t big = big_page(f);
		struct vm_region r[4] = {
			/* aligned start: one superpage then three 4 KiB pages */
			{"a", KVA, KPA, big + 3 * P, PT_R | PT_W},
			/* unaligned start: 4 KiB pages up to the boundary, a superpage, one page */
			{"b", KVA + 8 * big + P, KPA + 8 * big + P, 2 * big, PT_R | PT_X},
			/* VA aligned but PA not: 4 KiB pages only */
			{"c", KVA + 16 * big, KPA + 16 * big + P, big, PT_R},
			/* a 1 GiB page where the format has them */
			{"d", 0x100000000ull, 0xc0000000ull, 1ull << 30, PT_R | PT_W | PT_G},
		};
		size_t n = has_1g(f) ? 4 : 3;
		uint64_t expect_leaves = 4 + (big / P - 1) + 1 + 1 + big / P + (n == 4 ? 1 : 0);
		struct vt_env e;
		struct pt_leaf l;
		struct pt pt;
		size_t bad = 99;
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		kpt_init(&e, &pt, f);
		VT_OK(vm_kmap_build(&pt, r, n, &bad));
		VT_EQ(bad, 99); /* untouched on success */

		l = kleaf(&pt, KVA + 5, &pa);
		VT_EQ(l.size, big);
		VT_EQ(l.va, KVA);
		VT_EQ(l.pa, KPA);
		VT_EQ(pa, KPA + 5);
		VT_EQ(l.perms, eff(f, PT_R | PT_W));
		l = kleaf(&pt, KVA + big + 2 * P + 7, &pa);
		VT_EQ(l.size, P);
		VT_EQ(pa, KPA + big + 2 * P + 7);
		VT_EQ(pt_query(&pt, KVA + big + 3 * P, &l, 0), PT_ENOENT);

		l = kleaf(&pt, KVA + 8 * big + P, 0);
		VT_EQ(l.size, P);
		VT_EQ(l.perms, eff(f, PT_R | PT_X));
		l = kleaf(&pt, KVA + 9 * big - P, 0);
		VT_EQ(l.size, P);
		l = kleaf(&pt, KVA + 9 * big + 12345, &pa);
		VT_EQ(l.size, big);
		VT_EQ(pa, KPA + 9 * big + 12345);
		l = kleaf(&pt, KVA + 10 * big, 0);
		VT_EQ(l.size, P);
		VT_EQ(pt_query(&pt, KVA + 10 * big + P, &l, 0), PT_ENOENT);
		VT_EQ(pt_query(&pt, KVA + 8 * big, &l, 0), PT_ENOENT);

		l = kleaf(&pt, KVA + 16 * big, &pa);
		VT_EQ(l.size, P);
		VT_EQ(pa, KPA + 16 * big + P);
		l = kleaf(&pt, KVA + 17 * big - 1, &pa);
		VT_EQ(l.size, P);
		VT_EQ(pa, KPA + 17 * big + P - 1);

		if (n == 4) {
			l = kleaf(&pt, 0x100000000ull + 0x12345678, &pa);
			VT_EQ(l.size, 1ull << 30);
			VT_EQ(pa, 0xc0000000ull + 0x12345678);
			VT_EQ(l.perms, PT_R | PT_W | PT_G);
		}
		VT_EQ(vt_leaves(&pt), expect_leaves);
		pt_destroy(&pt, 0, 0, 0);
		vt_env_fini(&e);
	}
}

/* Regions that the checks reject before anything is mapped: *bad names the offender. */
static void test_kmap_build_rejects_bad_regions(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		uint64_t big = big_page(f);
		const struct vm_region ok0 = {"ok0", KVA, KPA, big, PT_R | PT_W};
		const struct vm_region ok1 = {"ok1", KVA + 4 * big, KPA + 4 * big, 3 * P, PT_R};
		const struct vm_region ok2 = {"ok2", KVA + 8 * big, KPA, 2 * P, PT_R};
		struct {
			const char *what;
			struct vm_region r[4];
			size_t n;
			enum pt_err err;
			size_t bad;
		} cases[] = {
			{"misaligned va",
			 {ok0, ok1, {"x", KVA + 12 * big + 0x800, KPA, P, PT_R}},
			 3, PT_EALIGN, 2},
			{"misaligned pa",
			 {ok0, {"x", KVA + 12 * big, KPA + 8, P, PT_R}, ok2},
			 3, PT_EALIGN, 1},
			{"misaligned size", {{"x", KVA + 12 * big, KPA, P + 1, PT_R}, ok0}, 2, PT_EALIGN, 0},
			{"va off by one page", {ok0, ok1, ok2, {"x", KVA + 12 * big + 1, KPA, P, PT_R}},
			 4, PT_EALIGN, 3},
			{"empty region", {ok0, {"x", KVA + 12 * big, KPA, 0, PT_R}, ok1}, 3, PT_EEMPTY, 1},
			{"wrapping around the top",
			 {ok0, {"x", 0xfffffffffffff000ull, KPA, 2 * P, PT_R}, ok1},
			 3, PT_EWRAP, 1},
			{"overlap: same region twice", {ok0, ok1, ok1}, 3, PT_EEXIST, 2},
			{"overlap: last page of an earlier region",
			 {ok0, ok1, {"x", KVA + 4 * big + 2 * P, KPA, 4 * P, PT_R}},
			 3, PT_EEXIST, 2},
			{"overlap: first page of a later region",
			 {{"x", KVA + 4 * big - P, KPA, 2 * P, PT_R}, ok1, ok2},
			 3, PT_EEXIST, 1},
			{"overlap: containing an earlier region",
			 {ok1, ok2, {"x", KVA, KPA, 16 * big, PT_R}},
			 3, PT_EEXIST, 2},
		};

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			struct vt_env e;
			struct pt pt;
			char *before;
			uint32_t free_before;
			size_t bad = 99;

			vt_ctx("%s: %s", f->name, cases[c].what);
			vt_env_init(&e, RAM_SIZE);
			kpt_init(&e, &pt, f);
			/* Something mapped already, so "unchanged" means more than an empty root. */
			VT_OK(pt_map(&pt, KVA + 20 * big, KPA, 2 * P, PT_R, 0));
			before = vt_vmprint(&pt);
			free_before = vt_free(&e);
			VT_ERR(vm_kmap_build(&pt, cases[c].r, cases[c].n, &bad), cases[c].err);
			VT_EQ(bad, cases[c].bad);
			VT_TEXT(vt_vmprint(&pt), before);
			VT_EQ(vt_free(&e), free_before);
			/* bad may be NULL */
			VT_ERR(vm_kmap_build(&pt, cases[c].r, cases[c].n, 0), cases[c].err);
			pt_destroy(&pt, 0, 0, 0);
			vt_env_fini(&e);
		}

		/* Touching regions do not overlap; n = 0 is a no-op. */
		{
			struct vm_region r[3] = {
				{"x", KVA, KPA, 2 * P, PT_R},
				{"y", KVA + 2 * P, KPA + 2 * P, P, PT_R | PT_W},
				{"z", KVA - P, KPA + 8 * P, P, PT_R},
			};
			struct vt_env e;
			struct pt pt;

			vt_ctx("%s: touching regions", f->name);
			vt_env_init(&e, RAM_SIZE);
			kpt_init(&e, &pt, f);
			VT_OK(vm_kmap_build(&pt, r, 0, 0));
			VT_EQ(vt_leaves(&pt), 0);
			VT_OK(vm_kmap_build(&pt, r, 3, 0));
			VT_EQ(vt_leaves(&pt), 4);
			pt_destroy(&pt, 0, 0, 0);
			vt_env_fini(&e);
		}
	}
}

/* A failure after some regions were mapped removes them again: table and frames unchanged. */
static void test_kmap_build_undoes_on_failure(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		uint64_t big = big_page(f);
		uint64_t top = (uint64_t)1 << f->va_bits; /* beyond the space (or non-canonical) */
		const struct vm_region r0 = {"r0", KVA + P, KPA + P, 3 * big, PT_R | PT_W};
		const struct vm_region r1 = {"r1", 0x8000000ull, KPA, big + 2 * P, PT_R | PT_X};
		const struct vm_region r3 = {"r3", 0x20000000ull, KPA, P, PT_R};
		struct {
			const char *what;
			struct vm_region r2;
			enum pt_err err;
			bool inject;
		} cases[] = {
			{"clash with an existing mapping",
			 {"r2", KVA + 20 * big - P, KPA, 4 * P, PT_R}, PT_EEXIST, false},
			{"clash inside an existing superpage",
			 {"r2", KVA + 24 * big + 5 * P, KPA, P, PT_R}, PT_EEXIST, false},
			{"inexpressible permissions", {"r2", KVA + 30 * big, KPA, P, PT_W}, PT_EPERM,
			 false},
			{"beyond the VA space", {"r2", top, KPA, P, PT_R},
			 f->sign_extended ? PT_ECANON : PT_ERANGE, false},
			{"PA beyond the format's width",
			 {"r2", KVA + 30 * big, (uint64_t)1 << f->pa_bits, P, PT_R}, PT_EPA, false},
			{"out of memory", {"r2", KVA + 30 * big + P, KPA + P, 2 * big, PT_R}, PT_ENOMEM,
			 true},
		};

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			struct vm_region r[4] = {r0, r1, cases[c].r2, r3};
			struct vt_env e;
			struct pt pt;
			char *before;
			uint32_t free_before;
			size_t bad = 99;
			enum pt_err err;

			vt_ctx("%s: %s", f->name, cases[c].what);
			vt_env_init(&e, RAM_SIZE);
			kpt_init(&e, &pt, f);
			VT_OK(pt_map(&pt, KVA + 20 * big, KPA, 2 * P, PT_R, 0));
			VT_OK(pt_map(&pt, KVA + 24 * big, KPA, big, PT_R | PT_W, 0));
			before = vt_vmprint(&pt);
			free_before = vt_free(&e);
			if (cases[c].inject) {
				/* Count the allocations r0 and r1 make, then those of r2 (on a
				 * scratch table set up the same way), and fail r2's last one. */
				struct pt scratch;
				uint32_t f0, a, b;

				kpt_init(&e, &scratch, f);
				VT_OK(pt_map(&scratch, KVA + 20 * big, KPA, 2 * P, PT_R, 0));
				VT_OK(pt_map(&scratch, KVA + 24 * big, KPA, big, PT_R | PT_W, 0));
				f0 = vt_free(&e);
				VT_OK(vm_kmap_build(&scratch, r, 2, 0));
				a = f0 - vt_free(&e);
				VT_OK(vm_kmap_build(&scratch, &r[2], 1, 0));
				b = f0 - vt_free(&e) - a;
				VT_LE(1, a);
				VT_LE(2, b); /* r2 needs tables of its own */
				pt_destroy(&scratch, 0, 0, 0);
				VT_EQ(vt_free(&e), free_before);
				host_ram_fail_nth(&e.ram, a + b);
			}
			err = vm_kmap_build(&pt, r, 4, &bad);
			host_ram_fail_nth(&e.ram, 0);
			VT_ERR(err, cases[c].err);
			VT_EQ(bad, 2);
			VT_TEXT(vt_vmprint(&pt), before);
			VT_EQ(vt_free(&e), free_before);
			/* The same table still takes the good regions afterwards. */
			r[2] = (struct vm_region){"r2", KVA + 40 * big, KPA, P, PT_R};
			VT_OK(vm_kmap_build(&pt, r, 4, 0));
			pt_destroy(&pt, 0, 0, 0);
			vt_env_fini(&e);
		}
	}
}

static void test_kmap_name(void **state)
{
	(void)state;
	const struct vm_region r[] = {
		{"low", 0x1000, 0, 0x3000, PT_R},
		{"high", 0x10000, 0, 0x1000, PT_R},
		{"top", 0xfffff000ull, 0, 0x1000, PT_R},
		{"same start as nothing", 0x20000, 0, 0x2000, PT_R},
	};
	struct vm_kmap_names names = {r, 4};
	struct vm_kmap_names none = {r, 0};

	VT_TRUE(vm_kmap_name(&names, 0) == NULL);
	VT_TRUE(vm_kmap_name(&names, 0xfff) == NULL);
	VT_TRUE(strcmp(vm_kmap_name(&names, 0x1000), "low") == 0);
	VT_TRUE(strcmp(vm_kmap_name(&names, 0x2abc), "low") == 0);
	VT_TRUE(strcmp(vm_kmap_name(&names, 0x3fff), "low") == 0);
	VT_TRUE(vm_kmap_name(&names, 0x4000) == NULL);
	VT_TRUE(strcmp(vm_kmap_name(&names, 0x10000), "high") == 0);
	VT_TRUE(strcmp(vm_kmap_name(&names, 0x10fff), "high") == 0);
	VT_TRUE(vm_kmap_name(&names, 0x11000) == NULL);
	VT_TRUE(strcmp(vm_kmap_name(&names, 0xffffffffull), "top") == 0);
	VT_TRUE(vm_kmap_name(&names, 0x100000000ull) == NULL);
	VT_TRUE(strcmp(vm_kmap_name(&names, 0x21fff), "same start as nothing") == 0);
	VT_TRUE(vm_kmap_name(&names, UINT64_MAX) == NULL);
	VT_TRUE(vm_kmap_name(&none, 0x1000) == NULL);

	/* As a pt_dump_ranges label on each format: runs split at region boundaries. */
	FOR_EACH_FORMAT(f)
	{
		const struct vm_region k[] = {
			{"one", KVA, KPA, 2 * P, PT_R},
			{"two", KVA + 2 * P, KPA + 2 * P, P, PT_R},
		};
		struct vm_kmap_names kn = {k, 2};
		struct vt_env e;
		struct pt pt;
		char *want;
		const char *fmt8 = "0x%08" PRIx64 "-0x%08" PRIx64 " -> 0x%" PRIx64 " %s 4K x%d %s\n";
		const char *fmt16 = "0x%016" PRIx64 "-0x%016" PRIx64 " -> 0x%" PRIx64 " %s 4K x%d %s\n";
		const char *fmt = f->va_bits > 32 ? fmt16 : fmt8;
		const char *perms = f->perms_implied & PT_X ? "r-x-" : "r---";
		char buf[512];
		int len;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		kpt_init(&e, &pt, f);
		VT_OK(vm_kmap_build(&pt, k, 2, 0));
		len = snprintf(buf, sizeof(buf), fmt, KVA, KVA + 2 * P - 1, KPA, perms, 2, "one");
		snprintf(buf + len, sizeof(buf) - (size_t)len, fmt, KVA + 2 * P, KVA + 3 * P - 1,
			 KPA + 2 * P, perms, 1, "two");
		want = vt_strdup(buf);
		VT_TEXT(vt_ranges(&pt, vm_kmap_name, &kn), want);
		pt_destroy(&pt, 0, 0, 0);
		vt_env_fini(&e);
	}
}

static void test_kmap_xv6_riscv(void **state)
{
	(void)state;
	const pa_t etext = 0x80008000ull, tramp = 0x80007000ull, phystop = 0x88000000ull;
	struct vm_region r[VM_XV6_RISCV_NREGIONS + 1];
	struct vm_kmap_names names = {r, VM_XV6_RISCV_NREGIONS};
	const char *want =
		"0x000000000c000000-0x000000000c3fffff -> 0xc000000 rw-- 2M x2 plic\n"
		"0x0000000010000000-0x0000000010000fff -> 0x10000000 rw-- 4K x1 uart0\n"
		"0x0000000010001000-0x0000000010001fff -> 0x10001000 rw-- 4K x1 virtio0\n"
		"0x0000000080000000-0x0000000080007fff -> 0x80000000 r-x- 4K x8 kernel text\n"
		"0x0000000080008000-0x00000000801fffff -> 0x80008000 rw-- 4K x504 kernel data\n"
		"0x0000000080200000-0x0000000087ffffff -> 0x80200000 rw-- 2M x63 kernel data\n"
		"0x0000003ffffff000-0x0000003fffffffff -> 0x80007000 r-x- 4K x1 trampoline\n";

	memset(r, 0xa5, sizeof(r));
	VT_EQ(vm_kmap_xv6_riscv(r, etext, tramp, phystop), 6);
	VT_EQ(r[6].va, 0xa5a5a5a5a5a5a5a5ull); /* nothing written past out[5] */
	VT_TRUE(strcmp(vm_kmap_name(&names, 0x3ffffff000ull), "trampoline") == 0);
	VT_EQ(r[5].va, 0x3ffffff000ull);
	VT_EQ(r[5].pa, tramp);
	VT_EQ(r[5].size, P);
	VT_EQ(r[5].perms, PT_R | PT_X);

	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct pt pt;
		size_t bad = 99;
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		kpt_init(&e, &pt, f);
		if (f->va_bits <= 32) {
			/* The trampoline's VA does not exist here: all or nothing. */
			char *before = vt_vmprint(&pt);
			uint32_t free_before = vt_free(&e);

			VT_ERR(vm_kmap_build(&pt, r, 6, &bad), PT_ERANGE);
			VT_EQ(bad, 5);
			VT_TEXT(vt_vmprint(&pt), before);
			VT_EQ(vt_free(&e), free_before);
		} else {
			VT_OK(vm_kmap_build(&pt, r, 6, &bad));
			VT_EQ(kleaf(&pt, 0x3ffffff123ull, &pa).size, P);
			VT_EQ(pa, tramp + 0x123);
			VT_EQ(kleaf(&pt, 0x80200000ull, &pa).size, 2ull << 20);
			VT_EQ(kleaf(&pt, 0x87ffffffull, &pa).size, 2ull << 20);
			VT_EQ(pa, 0x87ffffffull);
			VT_EQ(kleaf(&pt, 0x80008000ull, 0).size, P);
			VT_EQ(kleaf(&pt, 0x80008000ull, 0).perms, PT_R | PT_W);
			VT_EQ(kleaf(&pt, 0x80000000ull, 0).perms, PT_R | PT_X);
			if (f == &pt_format_sv39)
				VT_TEXT(vt_ranges(&pt, vm_kmap_name, &names), vt_strdup(want));
		}
		pt_destroy(&pt, 0, 0, 0);
		vt_env_fini(&e);
	}
}

static void test_kmap_xv6_x86(void **state)
{
	(void)state;
	struct vm_region r[VM_XV6_X86_NREGIONS + 1];
	struct vm_kmap_names names = {r, VM_XV6_X86_NREGIONS};
	const char *want =
		"0x80000000-0x800fffff -> 0x0 rwx- 4K x256 I/O space\n"
		"0x80100000-0x80107fff -> 0x100000 r-x- 4K x8 kernel text+rodata\n"
		"0x80108000-0x803fffff -> 0x108000 rwx- 4K x760 kernel data+memory\n"
		"0x80400000-0x8dffffff -> 0x400000 rwx- 4M x55 kernel data+memory\n"
		"0xfe000000-0xffffffff -> 0xfe000000 rwx- 4M x8 device space\n";

	memset(r, 0x5a, sizeof(r));
	VT_EQ(vm_kmap_xv6_x86(r, 0x80108000ull, 0xE000000ull), 4);
	VT_EQ(r[4].va, 0x5a5a5a5a5a5a5a5aull);
	VT_EQ(r[0].va, VM_XV6_X86_KERNBASE);
	VT_EQ(r[0].pa, 0);
	VT_EQ(r[2].va, 0x80108000ull);
	VT_EQ(r[2].pa, 0x108000ull);
	VT_EQ(r[2].size, 0xE000000ull - 0x108000ull);
	VT_EQ(r[3].va + r[3].size, 1ull << 32);

	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct pt pt;
		struct pt_leaf l;
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		kpt_init(&e, &pt, f);
		VT_OK(vm_kmap_build(&pt, r, 4, 0));
		l = kleaf(&pt, 0xffffffffull, &pa);
		VT_EQ(pa, 0xffffffffull);
		VT_EQ(l.size, big_page(f));
		l = kleaf(&pt, 0x80400000ull, &pa);
		VT_EQ(pa, 0x400000ull);
		VT_EQ(l.size, big_page(f));
		l = kleaf(&pt, 0x80107fffull, &pa);
		VT_EQ(pa, 0x107fffull);
		VT_EQ(l.perms, eff(f, PT_R | PT_X));
		VT_EQ(kleaf(&pt, 0x8dffffffull, &pa).perms, eff(f, PT_R | PT_W));
		VT_EQ(pa, 0xdffffffull);
		VT_EQ(pt_query(&pt, 0x8e000000ull, &l, 0), PT_ENOENT);
		VT_EQ(pt_query(&pt, 0xfdffffffull, &l, 0), PT_ENOENT);
		if (f == &pt_format_x86_32)
			VT_TEXT(vt_ranges(&pt, vm_kmap_name, &names), vt_strdup(want));
		pt_destroy(&pt, 0, 0, 0);
		vt_env_fini(&e);
	}
}

/* ==== user spaces: helpers =================================================================== */

/* Write len bytes of pattern seed at va through vm_copyout (asserts success). */
static void put(struct vm_space *s, va_t va, uint64_t len, uint32_t seed)
{
	uint8_t *buf = vt_alloc(len ? len : 1);

	vt_pattern(buf, len, seed);
	VT_OK(vm_copyout(s, va, buf, len));
	vt_dealloc(buf);
}

/* Assert [va, va + len) reads (through vm_copyin) as pattern seed, or zeros if seed is 0. */
static void expect(struct vm_space *s, va_t va, uint64_t len, uint32_t seed)
{
	uint8_t *want = vt_alloc(len ? len : 1), *got = vt_alloc(len ? len : 1);

	if (seed)
		vt_pattern(want, len, seed);
	VT_OK(vm_copyin(s, got, va, len));
	vt_check_mem(__FILE__, __LINE__, "user memory", got, want, len);
	vt_dealloc(want);
	vt_dealloc(got);
}

/* Assert [va, va + len) reads as bytes [skip, skip + len) of pattern seed. */
static void expect_part(struct vm_space *s, va_t va, uint64_t len, uint32_t seed, uint64_t skip)
{
	uint8_t *want = vt_alloc(skip + len), *got = vt_alloc(len ? len : 1);

	vt_pattern(want, skip + len, seed);
	VT_OK(vm_copyin(s, got, va, len));
	vt_check_mem(__FILE__, __LINE__, "user memory", got, want + skip, len);
	vt_dealloc(want);
	vt_dealloc(got);
}

/* Like expect, but looking at the frames directly (no fault is taken). */
static void expect_raw(struct vm_space *s, va_t va, uint64_t len, uint32_t seed)
{
	uint8_t *want = vt_alloc(len ? len : 1), *got = vt_alloc(len ? len : 1);

	if (seed)
		vt_pattern(want, len, seed);
	VT_TRUE(vt_peek(s, va, got, len));
	vt_check_mem(__FILE__, __LINE__, "user memory (raw)", got, want, len);
	vt_dealloc(want);
	vt_dealloc(got);
}

static struct pt_leaf leaf_at(const struct vm_space *s, va_t va)
{
	struct pt_leaf l;

	if (!vt_leaf(s, va, &l, 0))
		vt_fail(__FILE__, __LINE__, "va 0x%" PRIx64 " is not mapped", va);
	return l;
}

static pa_t pa_at(const struct vm_space *s, va_t va)
{
	pa_t pa;

	if (!vt_leaf(s, va, 0, &pa))
		vt_fail(__FILE__, __LINE__, "va 0x%" PRIx64 " is not mapped", va);
	return pa;
}

static bool mapped(const struct vm_space *s, va_t va)
{
	return vt_leaf(s, va, 0, 0);
}

/* Fill some frames with garbage and give them back, so that later allocations get dirty
 * frames and "zeroed" is really checked. */
static void dirty_frames(struct vt_env *e, const struct pt_format *f, unsigned pages)
{
	struct vm_space d;

	vt_space(e, &d, f, LIMIT);
	VT_OK(vm_grow(&d, pages * P, VT_RW, 0));
	for (unsigned i = 0; i < pages; i++)
		put(&d, i * P, P, 1000 + i);
	vm_space_free(&d);
}

/* A frame of the RAM mapped by hand into a space (a kernel's trampoline or trapframe). */
static pa_t map_extra(struct vt_env *e, struct vm_space *s, va_t va, unsigned perms, uint32_t seed)
{
	pa_t pa;

	VT_TRUE(host_ram_alloc_frame(&e->ram, &pa));
	vt_pattern(vt_host(e, pa), P, seed);
	VT_OK(pt_map(&s->pt, va, pa, P, perms, PT_MAP_4K));
	return pa;
}

/* ==== user spaces ============================================================================ */

static void test_space_init_and_free(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		uint32_t f0;
		pa_t tramp;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		f0 = vt_free(&e);

		VT_ERR(vm_space_init(&s, &e.env, f, LIMIT + 1), PT_EINVAL);
		VT_ERR(vm_space_init(&s, &e.env, f, LIMIT + 0x800), PT_EINVAL);
		VT_ERR(vm_space_init(&s, 0, f, LIMIT), PT_EINVAL);
		VT_ERR(vm_space_init(&s, &e.env, 0, LIMIT), PT_EINVAL);
		VT_ERR(vm_space_init(0, &e.env, f, LIMIT), PT_EINVAL);
		VT_EQ(vt_free(&e), f0);

		VT_OK(vm_space_init(&s, &e.env, f, LIMIT));
		VT_EQ(s.size, 0);
		VT_EQ(s.limit, LIMIT);
		VT_TRUE(s.env == &e.env);
		VT_TRUE(s.pt.fmt == f);
		VT_EQ(vt_tables(&s.pt), 1);
		VT_EQ(vt_leaves(&s.pt), 0);
		VT_EQ(vt_free(&e), f0 - 1);
		vm_space_free(&s);
		VT_EQ(vt_free(&e), f0);

		/* A space with user pages, a lazy part and a kernel page above size: the user
		 * frames and tables come back, the kernel's frame is dropped, not freed. */
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, 3 * P, VT_RW, 0));
		VT_OK(vm_grow(&s, 40 * P, VT_RW, VM_GROW_LAZY));
		put(&s, 20 * P, 2 * P, 7);
		tramp = map_extra(&e, &s, LIMIT, PT_R | PT_X, 8);
		vm_space_free(&s);
		VT_EQ(s.size, 0);
		VT_EQ(vt_refs(&e, tramp), 1);
		VT_EQ(vt_free(&e), f0 - 1);
		VT_TRUE(frame_put(&e.ram.frames, tramp));
		vt_env_fini(&e);
	}
}

static void test_load_first(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		uint8_t code[P + 1];
		struct vt_env e;
		struct vm_space s;
		struct vt_snap snap;
		struct pt_leaf l;
		uint32_t f0, f1;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		dirty_frames(&e, f, 8);
		vt_pattern(code, sizeof(code), 42);

		vt_space(&e, &s, f, LIMIT);
		f0 = vt_free(&e);
		VT_OK(vm_load_first(&s, code, 100, VT_RX));
		VT_EQ(s.size, P);
		VT_EQ(vt_leaves(&s.pt), 1);
		VT_EQ(f0 - vt_free(&e), 1 + (vt_tables(&s.pt) - 1));
		l = leaf_at(&s, 0);
		VT_EQ(l.va, 0);
		VT_EQ(l.size, P);
		VT_EQ(l.perms, eff(f, VT_RX));
		expect(&s, 0, 100, 42);
		{
			uint8_t got[P], zero[P] = {0};

			VT_OK(vm_copyin(&s, got, 100, P - 100));
			VT_MEM(got, zero, P - 100); /* the rest of the page is zeroed */
		}
		VT_OK(vm_fault(&s, 0, VM_READ));
		VT_OK(vm_fault(&s, 50, VM_EXEC));
		VT_ERR(vm_copyout(&s, 10, code, 1), PT_EFAULT); /* text is read-only */

		/* A second load into a non-empty space is refused and changes nothing. */
		vt_snap_take(&snap, &e, &s);
		VT_NE(vm_load_first(&s, code, 100, VT_RX), PT_OK);
		VT_UNCHANGED(&snap, &e, &s);
		vm_space_free(&s);

		/* A full page. */
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_load_first(&s, code, P, VT_RX | PT_W));
		expect(&s, 0, P, 42);
		VT_EQ(leaf_at(&s, 0).perms, eff(f, VT_RX | PT_W));
		vm_space_free(&s);

		/* Too long, or permissions the format cannot express: refused, nothing used. */
		vt_space(&e, &s, f, LIMIT);
		f1 = vt_free(&e);
		vt_snap_take(&snap, &e, &s);
		VT_NE(vm_load_first(&s, code, P + 1, VT_RX), PT_OK);
		VT_UNCHANGED(&snap, &e, &s);
		vt_snap_take(&snap, &e, &s);
		VT_ERR(vm_load_first(&s, code, 16, PT_W | PT_U), PT_EPERM);
		VT_UNCHANGED(&snap, &e, &s);
		VT_EQ(vt_free(&e), f1);
		VT_OK(vm_load_first(&s, code, 0, VT_RX)); /* empty program: a zeroed page */
		expect(&s, 0, P, 0);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

static void test_grow_eager(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s, small;
		struct vt_snap snap;
		uint32_t f0;
		uint64_t t0;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		dirty_frames(&e, f, 16);
		vt_space(&e, &s, f, LIMIT);
		f0 = vt_free(&e);
		t0 = vt_tables(&s.pt);

		VT_OK(vm_grow(&s, 3 * P + 100, VT_RW, 0));
		VT_EQ(s.size, 3 * P + 100);
		VT_EQ(vt_leaves(&s.pt), 4);
		VT_EQ(f0 - vt_free(&e), 4 + vt_tables(&s.pt) - t0);
		for (unsigned i = 0; i < 4; i++) {
			struct pt_leaf l = leaf_at(&s, i * P);

			VT_EQ(l.size, P);
			VT_EQ(l.perms, eff(f, VT_RW));
			VT_EQ(vt_refs(&e, l.pa), 1);
		}
		VT_FALSE(mapped(&s, 4 * P));
		expect_raw(&s, 0, 4 * P, 0); /* zeroed although the frames were dirty */

		/* Not growing is fine and changes nothing. */
		vt_snap_take(&snap, &e, &s);
		VT_OK(vm_grow(&s, P, VT_RW, 0));
		VT_OK(vm_grow(&s, 3 * P + 100, VT_RW, 0));
		VT_UNCHANGED(&snap, &e, &s);

		/* Growing inside the last page needs no frame. */
		f0 = vt_free(&e);
		VT_OK(vm_grow(&s, 4 * P, VT_RW, 0));
		VT_EQ(s.size, 4 * P);
		VT_EQ(vt_free(&e), f0);
		VT_OK(vm_grow(&s, 4 * P + 1, VT_RW, 0));
		VT_EQ(vt_free(&e), f0 - 1);
		VT_EQ(vt_leaves(&s.pt), 5);

		/* Pages given back and grown again come back zeroed. */
		put(&s, 0, 4 * P + 1, 5);
		VT_OK(vm_shrink(&s, P));
		VT_OK(vm_grow(&s, 5 * P, VT_RW, 0));
		expect(&s, 0, P, 5);
		expect(&s, P, 4 * P, 0);

		/* Beyond the limit, wrapping, inexpressible permissions, unknown flags. */
		vt_snap_take(&snap, &e, &s);
		VT_ERR(vm_grow(&s, LIMIT + 1, VT_RW, 0), PT_ERANGE);
		VT_ERR(vm_grow(&s, LIMIT + P, VT_RW, 0), PT_ERANGE);
		VT_ERR(vm_grow(&s, UINT64_MAX, VT_RW, 0), PT_ERANGE);
		VT_ERR(vm_grow(&s, UINT64_MAX - P + 2, VT_RW, 0), PT_ERANGE);
		VT_ERR(vm_grow(&s, 8 * P, PT_W | PT_U, 0), PT_EPERM);
		VT_ERR(vm_grow(&s, 8 * P, 1u << 12 | VT_RW, 0), PT_EPERM);
		VT_NE(vm_grow(&s, 8 * P, VT_RW, 0x80), PT_OK);
		VT_UNCHANGED(&snap, &e, &s);

		/* Up to the limit exactly. */
		vt_space(&e, &small, f, 16 * P);
		VT_OK(vm_grow(&small, 16 * P - 7, VT_RW, 0));
		VT_OK(vm_grow(&small, 16 * P, VT_RW, 0));
		VT_ERR(vm_grow(&small, 16 * P + 1, VT_RW, 0), PT_ERANGE);
		VT_EQ(small.size, 16 * P);
		VT_EQ(vt_leaves(&small.pt), 16);
		vm_space_free(&small);

		/* Read-only growth. */
		VT_OK(vm_grow(&s, 6 * P, VT_RO, 0));
		VT_EQ(leaf_at(&s, 5 * P).perms, eff(f, VT_RO));
		VT_ERR(vm_copyout(&s, 5 * P, "x", 1), PT_EFAULT);
		expect(&s, 5 * P, P, 0);

		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

static void test_grow_lazy(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		struct vt_snap snap;
		struct vm_stats st;
		uint32_t f0;
		uint64_t t0;
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		dirty_frames(&e, f, 16);
		vt_space(&e, &s, f, LIMIT);
		f0 = vt_free(&e);

		VT_OK(vm_grow(&s, 8 * P + 5, VT_RW, VM_GROW_LAZY));
		VT_EQ(s.size, 8 * P + 5);
		VT_EQ(vt_free(&e), f0); /* nothing allocated, not even a table */
		VT_EQ(vt_leaves(&s.pt), 0);
		VT_ERR(vm_user_pa(&s, 3 * P, &pa), PT_EFAULT); /* and querying does not allocate */
		VT_EQ(vt_free(&e), f0);

		/* First touch: one frame (and the tables on its path). */
		st = e.env.stats;
		t0 = vt_tables(&s.pt);
		VT_OK(vm_fault(&s, 3 * P + 17, VM_READ));
		VT_EQ(vt_leaves(&s.pt), 1);
		VT_EQ(f0 - vt_free(&e), 1 + vt_tables(&s.pt) - t0);
		VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 1);
		VT_EQ(e.env.stats.faults, st.faults + 1);
		VT_EQ(e.env.stats.bad_faults, st.bad_faults);
		VT_EQ(leaf_at(&s, 3 * P).perms, eff(f, VT_RW));
		expect_raw(&s, 3 * P, P, 0);

		/* Next touches: exactly one frame per page. */
		f0 = vt_free(&e);
		VT_OK(vm_fault(&s, 5 * P, VM_WRITE));
		VT_EQ(vt_free(&e), f0 - 1);
		VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 2);
		VT_OK(vm_fault(&s, 5 * P + 100, VM_WRITE | VM_READ)); /* resolved already */
		VT_EQ(vt_free(&e), f0 - 1);
		VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 2);
		VT_EQ(e.env.stats.faults, st.faults + 3);

		put(&s, 6 * P + 4000, 200, 9); /* copyout touches pages 6 and 7 */
		VT_EQ(vt_free(&e), f0 - 3);
		VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 4);
		expect(&s, 6 * P + 4000, 200, 9);
		expect_raw(&s, 6 * P, 4000, 0);
		expect_raw(&s, 7 * P + 104, P - 104, 0);

		expect(&s, 0, 10, 0); /* copyin touches page 0: a zeroed page */
		VT_EQ(vt_free(&e), f0 - 4);
		VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 5);
		VT_EQ(vt_leaves(&s.pt), 5);

		/* The page holding size is reserved; the one after it is not. */
		VT_OK(vm_fault(&s, 8 * P + 4095, VM_WRITE));
		VT_EQ(vt_free(&e), f0 - 5);
		vt_snap_take(&snap, &e, &s);
		VT_ERR(vm_fault(&s, 9 * P, VM_READ), PT_EFAULT);
		VT_EQ(e.env.stats.bad_faults, st.bad_faults + 1);
		VT_UNCHANGED(&snap, &e, &s);

		/* Refused lazy growth changes nothing. */
		vt_snap_take(&snap, &e, &s);
		VT_ERR(vm_grow(&s, LIMIT + 1, VT_RW, VM_GROW_LAZY), PT_ERANGE);
		VT_ERR(vm_grow(&s, 12 * P, PT_W | PT_U, VM_GROW_LAZY), PT_EPERM);
		VT_NE(vm_grow(&s, 12 * P, VT_RW, VM_GROW_LAZY | 0x40), PT_OK);
		VT_UNCHANGED(&snap, &e, &s);

		/* A big lazy reservation up to the limit costs nothing. */
		f0 = vt_free(&e);
		VT_OK(vm_grow(&s, LIMIT, VT_RW, VM_GROW_LAZY));
		VT_EQ(vt_free(&e), f0);
		put(&s, LIMIT - 3, 3, 11);
		expect(&s, LIMIT - 3, 3, 11);
		VT_ERR(vm_fault(&s, LIMIT, VM_READ), PT_EFAULT);
		vm_space_free(&s);

		/* Read-only lazy pages: reads allocate, writes are real faults. */
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, 4 * P, VT_RO, VM_GROW_LAZY));
		st = e.env.stats;
		f0 = vt_free(&e);
		VT_ERR(vm_fault(&s, P, VM_WRITE), PT_EFAULT);
		VT_EQ(e.env.stats.bad_faults, st.bad_faults + 1);
		VT_EQ(vt_free(&e), f0);
		VT_ERR(vm_copyout(&s, P, "x", 1), PT_EFAULT);
		VT_FALSE(mapped(&s, P));
		VT_OK(vm_fault(&s, P, VM_READ));
		VT_EQ(leaf_at(&s, P).perms, eff(f, VT_RO));
		VT_ERR(vm_copyout(&s, P, "x", 1), PT_EFAULT);
		expect(&s, P, P, 0);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

/* One lazy window has one set of permissions: a lazy grow with other permissions while the
 * window is open is refused, and the window keeps what it was reserved with. */
static void test_lazy_grow_with_other_perms_is_refused(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		static const unsigned first[2] = {VT_RW, VT_RO};
		static const unsigned second[2] = {VT_RO, VT_RW};

		for (int k = 0; k < 2; k++) {
			struct vt_env e;
			struct vm_space s;

			vt_ctx("%s: lazy %s [0, 2 pages) then lazy %s", f->name, k ? "RO" : "RW",
			       k ? "RW" : "RO");
			vt_env_init(&e, RAM_SIZE);
			vt_space(&e, &s, f, LIMIT);
			VT_OK(vm_grow(&s, 2 * P, first[k], VM_GROW_LAZY));
			VT_ERR(vm_grow(&s, 4 * P, second[k], VM_GROW_LAZY), PT_EINVAL);
			VT_EQ(s.size, 2 * P);
			VT_ERR(vm_fault(&s, 2 * P, VM_READ), PT_EFAULT); /* not reserved */
			if (first[k] == VT_RW) {
				VT_OK(vm_fault(&s, 0, VM_WRITE));
			} else {
				VT_ERR(vm_copyout(&s, 0, "x", 1), PT_EFAULT);
				VT_OK(vm_fault(&s, 0, VM_READ));
			}
			VT_EQ(leaf_at(&s, 0).perms, eff(f, first[k]));
			/* the same permissions extend the window */
			VT_OK(vm_grow(&s, 4 * P, first[k], VM_GROW_LAZY));
			VT_OK(vm_fault(&s, 3 * P, VM_READ));
			/* once the window is gone, a new one may have other permissions */
			VT_OK(vm_shrink(&s, 0));
			VT_OK(vm_grow(&s, 2 * P, second[k], VM_GROW_LAZY));
			VT_OK(vm_fault(&s, P, VM_READ));
			VT_EQ(leaf_at(&s, P).perms, eff(f, second[k]));
			vm_space_free(&s);
			vt_env_fini(&e);
		}
	}
}

/* A lazy page answers a fault as the same page grown eagerly would (on x86 32-bit every
 * page is executable, so an instruction fetch from a lazy read-write page must succeed). */
static void test_lazy_fault_matches_eager(void **state)
{
	(void)state;
	static const unsigned accesses[] = {VM_READ, VM_WRITE, VM_EXEC, VM_READ | VM_EXEC,
					    VM_READ | VM_WRITE | VM_EXEC};
	static const unsigned perms[] = {VT_RW, VT_RO, VT_RX};

	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;

		vt_env_init(&e, RAM_SIZE);
		for (unsigned p = 0; p < 3; p++) {
			for (unsigned a = 0; a < 5; a++) {
				struct vm_space eager, lazy;
				enum pt_err want, got;

				vt_ctx("%s: perms 0x%x, access %u", f->name, perms[p], accesses[a]);
				vt_space(&e, &eager, f, LIMIT);
				vt_space(&e, &lazy, f, LIMIT);
				VT_OK(vm_grow(&eager, P, perms[p], 0));
				VT_OK(vm_grow(&lazy, P, perms[p], VM_GROW_LAZY));
				want = vm_fault(&eager, 0, accesses[a]);
				got = vm_fault(&lazy, 0, accesses[a]);
				if (got != want)
					vt_fail(__FILE__, __LINE__,
						"vm_fault on a lazy page returned %s, on the same page "
						"grown eagerly %s",
						pt_errname(got), pt_errname(want));
				vm_space_free(&eager);
				vm_space_free(&lazy);
			}
		}
		vt_env_fini(&e);
	}
}

static void test_shrink(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		uint64_t big = big_page(f);
		struct vt_env e;
		struct vm_space s;
		struct vt_snap snap;
		uint32_t f0, f1, f_empty;
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		f_empty = vt_free(&e);
		VT_OK(vm_grow(&s, 8 * P, VT_RW, 0));
		for (unsigned i = 0; i < 8; i++)
			put(&s, i * P, P, 20 + i);
		f0 = vt_free(&e);

		VT_OK(vm_shrink(&s, 3 * P + 10));
		VT_EQ(s.size, 3 * P + 10);
		VT_EQ(vt_free(&e), f0 + 4); /* pages 4..7; the table is still in use */
		for (unsigned i = 4; i < 8; i++) {
			VT_FALSE(mapped(&s, i * P));
			VT_ERR(vm_user_pa(&s, i * P, &pa), PT_EFAULT);
		}
		expect(&s, 3 * P, P, 23); /* the page holding size keeps all its bytes */
		VT_ERR(vm_copyin(&s, &pa, 4 * P, 1), PT_EFAULT);

		/* Not shrinking is fine and changes nothing. */
		vt_snap_take(&snap, &e, &s);
		VT_OK(vm_shrink(&s, 3 * P + 10));
		VT_OK(vm_shrink(&s, 100 * P));
		VT_UNCHANGED(&snap, &e, &s);

		/* Shrinking inside the last page frees nothing. */
		VT_OK(vm_shrink(&s, 3 * P + 1));
		VT_EQ(vt_free(&e), f0 + 4);
		VT_OK(vm_shrink(&s, 3 * P));
		VT_EQ(vt_free(&e), f0 + 5);
		VT_OK(vm_shrink(&s, 0));
		VT_EQ(s.size, 0);
		VT_EQ(vt_free(&e), f_empty); /* every user frame and table is back */
		VT_EQ(vt_tables(&s.pt), 1);

		/* Lazy pages never touched cost nothing to give back; touched ones return. */
		VT_OK(vm_grow(&s, 100 * P, VT_RW, VM_GROW_LAZY));
		put(&s, 10 * P, 1, 3);
		put(&s, 90 * P + 7, 1, 4);
		VT_EQ(vt_leaves(&s.pt), 2);
		VT_OK(vm_shrink(&s, 50 * P));
		VT_EQ(vt_leaves(&s.pt), 1);
		VT_OK(vm_shrink(&s, 0));
		VT_EQ(vt_free(&e), f_empty);

		/* Shrinking below a table boundary frees the table above it. */
		VT_OK(vm_grow(&s, big + 4 * P, VT_RW, VM_GROW_LAZY));
		put(&s, big - 2 * P, 1, 5);
		f1 = vt_free(&e);
		put(&s, big + P, 1, 6);
		VT_EQ(vt_free(&e), f1 - 2); /* a page and its table */
		VT_OK(vm_shrink(&s, big - P));
		VT_EQ(vt_free(&e), f1);
		expect(&s, big - 2 * P, 1, 5);

		/* Growing again: zeroed pages (lazily) where the old ones were. */
		VT_OK(vm_grow(&s, big + 4 * P, VT_RW, VM_GROW_LAZY));
		expect(&s, big + P, 1, 0);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

/* A parent with a text page, eager data, a lazily reserved part with one page touched. */
static void make_parent(struct vt_env *e, struct vm_space *s, const struct pt_format *f)
{
	uint8_t code[300];

	vt_pattern(code, sizeof(code), 77);
	vt_space(e, s, f, LIMIT);
	VT_OK(vm_load_first(s, code, sizeof(code), VT_RX));
	VT_OK(vm_grow(s, 4 * P, VT_RW, 0));
	for (unsigned i = 1; i < 4; i++)
		put(s, i * P, P, 100 + i);
	VT_OK(vm_grow(s, 10 * P + 50, VT_RW, VM_GROW_LAZY));
	put(s, 6 * P, P, 106);
}

static void test_copy_full(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space parent, child, other, empty;
		struct vt_snap snap;
		const va_t pages[] = {0, P, 2 * P, 3 * P, 6 * P};
		uint32_t f0;
		uint64_t t0;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		make_parent(&e, &parent, f);
		vt_space(&e, &child, f, LIMIT);
		f0 = vt_free(&e);
		t0 = vt_tables(&child.pt);

		VT_OK(vm_copy(&child, &parent, VM_COPY_FULL));
		VT_EQ(child.size, parent.size);
		VT_EQ(vt_leaves(&child.pt), 5); /* untouched lazy pages are not copied */
		VT_EQ(f0 - vt_free(&e), 5 + vt_tables(&child.pt) - t0);
		for (unsigned i = 0; i < 5; i++) {
			struct pt_leaf pl = leaf_at(&parent, pages[i]), cl = leaf_at(&child, pages[i]);
			uint8_t a[P], b[P];

			VT_NE(cl.pa, pl.pa);
			VT_EQ(cl.perms, pl.perms);
			VT_EQ(vt_refs(&e, cl.pa), 1);
			VT_EQ(vt_refs(&e, pl.pa), 1);
			VT_TRUE(vt_peek(&parent, pages[i], a, P));
			VT_TRUE(vt_peek(&child, pages[i], b, P));
			VT_MEM(b, a, P);
		}
		VT_FALSE(mapped(&child, 8 * P));

		/* Writes are private both ways. */
		put(&child, P, P, 500);
		put(&parent, 2 * P, P, 501);
		expect(&parent, P, P, 101);
		expect(&child, P, P, 500);
		expect(&parent, 2 * P, P, 501);
		expect(&child, 2 * P, P, 102);
		expect(&child, 6 * P, P, 106);
		VT_ERR(vm_copyout(&child, 0, "x", 1), PT_EFAULT); /* text stays read-only */

		/* The child inherits the lazy reservation, separately. */
		VT_OK(vm_fault(&child, 8 * P, VM_WRITE));
		VT_FALSE(mapped(&parent, 8 * P));
		put(&parent, 8 * P, P, 502);
		expect(&child, 8 * P, P, 0);

		/* Refused: a non-empty destination, another format, an unknown mode. */
		vt_space(&e, &other, vt_formats[(fi_ + 1) % VT_NFORMATS], LIMIT);
		vt_space(&e, &empty, f, LIMIT);
		vt_snap_take(&snap, &e, &parent);
		VT_ERR(vm_copy(&child, &parent, VM_COPY_FULL), PT_EINVAL);
		VT_ERR(vm_copy(&child, &parent, VM_COPY_COW), PT_EINVAL);
		VT_ERR(vm_copy(&other, &parent, VM_COPY_FULL), PT_EINVAL);
		VT_ERR(vm_copy(&other, &parent, VM_COPY_COW), PT_EINVAL);
		VT_EQ(vt_leaves(&other.pt), 0);
		VT_ERR(vm_copy(&empty, &parent, (enum vm_copy_mode)7), PT_EINVAL);
		VT_EQ(vt_leaves(&empty.pt), 0);
		VT_EQ(empty.size, 0);
		VT_UNCHANGED(&snap, &e, &parent);
		vm_space_free(&other);
		vm_space_free(&empty);

		/* Copying an empty space gives an empty space. */
		{
			struct vm_space copy;

			vt_space(&e, &empty, f, LIMIT);
			vt_space(&e, &copy, f, LIMIT);
			VT_OK(vm_copy(&copy, &empty, VM_COPY_FULL));
			VT_EQ(copy.size, 0);
			VT_EQ(vt_leaves(&copy.pt), 0);
			vm_space_free(&copy);
			vm_space_free(&empty);
		}
		vm_space_free(&child);
		vm_space_free(&parent);
		vt_env_fini(&e);
	}
}

static void test_copy_cow(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space parent, child;
		struct vm_space *both[2] = {&parent, &child};
		const va_t data[] = {P, 2 * P, 3 * P, 6 * P};
		struct vm_stats st;
		uint32_t f0, f_start;
		uint64_t t0;
		pa_t text_pa, pa1;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		f_start = vt_free(&e);
		make_parent(&e, &parent, f);
		vt_space(&e, &child, f, LIMIT);
		f0 = vt_free(&e);
		t0 = vt_tables(&child.pt);
		text_pa = pa_at(&parent, 0);

		VT_OK(vm_copy(&child, &parent, VM_COPY_COW));
		VT_EQ(child.size, parent.size);
		VT_EQ(f0 - vt_free(&e), vt_tables(&child.pt) - t0); /* tables only */
		VT_EQ(vt_leaves(&child.pt), 5);
		vt_check_frames(&e, both, 2);

		/* Text: shared, still read-only, not marked. */
		VT_EQ(pa_at(&child, 0), text_pa);
		VT_EQ(vt_refs(&e, text_pa), 2);
		VT_EQ(leaf_at(&parent, 0).perms, eff(f, VT_RX));
		VT_EQ(leaf_at(&child, 0).perms, eff(f, VT_RX));
		/* Data: shared, read-only and VM_COW on both sides. */
		for (unsigned i = 0; i < 4; i++) {
			struct pt_leaf pl = leaf_at(&parent, data[i]), cl = leaf_at(&child, data[i]);

			VT_EQ(cl.pa, pl.pa);
			VT_EQ(vt_refs(&e, pl.pa), 2);
			VT_EQ(pl.perms, eff(f, (VT_RW & ~PT_W) | VM_COW));
			VT_EQ(cl.perms, eff(f, (VT_RW & ~PT_W) | VM_COW));
		}
		expect(&child, 0, 300, 77);
		expect(&child, P, P, 101);
		expect(&child, 6 * P, P, 106);

		/* Reading a shared page copies nothing. */
		st = e.env.stats;
		f0 = vt_free(&e);
		VT_OK(vm_fault(&child, P + 5, VM_READ));
		VT_EQ(e.env.stats.cow_copies, st.cow_copies);
		VT_EQ(vt_free(&e), f0);

		/* A write in the child copies the page. */
		pa1 = pa_at(&parent, P);
		VT_OK(vm_fault(&child, P + 5, VM_WRITE));
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 1);
		VT_EQ(e.env.stats.cow_reuses, st.cow_reuses);
		VT_EQ(vt_free(&e), f0 - 1);
		VT_NE(pa_at(&child, P), pa1);
		VT_EQ(pa_at(&parent, P), pa1);
		VT_EQ(vt_refs(&e, pa1), 1);
		VT_EQ(vt_refs(&e, pa_at(&child, P)), 1);
		VT_EQ(leaf_at(&child, P).perms, eff(f, VT_RW));
		VT_EQ(leaf_at(&parent, P).perms, eff(f, (VT_RW & ~PT_W) | VM_COW));
		expect_raw(&child, P, P, 101);

		/* The parent, now the last sharer, just regains W. */
		VT_OK(vm_fault(&parent, P + 4095, VM_WRITE));
		VT_EQ(e.env.stats.cow_reuses, st.cow_reuses + 1);
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 1);
		VT_EQ(vt_free(&e), f0 - 1);
		VT_EQ(pa_at(&parent, P), pa1);
		VT_EQ(leaf_at(&parent, P).perms, eff(f, VT_RW));
		vt_check_frames(&e, both, 2);

		/* copyout into a shared page copies it first; the other side does not see it. */
		put(&child, 2 * P, P, 600);
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 2);
		expect(&parent, 2 * P, P, 102);
		expect(&child, 2 * P, P, 600);
		put(&parent, 3 * P + 100, 10, 601); /* parent copies page 3 */
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 3);
		expect(&child, 3 * P, P, 103);
		put(&child, 3 * P, P, 602);        /* child is the last sharer: reuse */
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 3);
		VT_EQ(e.env.stats.cow_reuses, st.cow_reuses + 2);
		expect(&parent, 3 * P + 100, 10, 601);
		vt_check_frames(&e, both, 2);

		/* Read-only text stays read-only: a write is a real fault, in both. */
		st = e.env.stats;
		VT_ERR(vm_fault(&child, 0, VM_WRITE), PT_EFAULT);
		VT_ERR(vm_fault(&parent, 10, VM_WRITE), PT_EFAULT);
		VT_EQ(e.env.stats.bad_faults, st.bad_faults + 2);
		VT_ERR(vm_copyout(&child, 0, "x", 1), PT_EFAULT);
		VT_EQ(pa_at(&child, 0), text_pa);
		VT_EQ(vt_refs(&e, text_pa), 2);
		VT_EQ(e.env.stats.cow_copies, st.cow_copies);

		/* Lazily reserved pages: each side gets its own on first touch. */
		put(&child, 8 * P, 1, 603);
		VT_FALSE(mapped(&parent, 8 * P));
		expect(&parent, 8 * P, 1, 0);
		VT_NE(pa_at(&parent, 8 * P), pa_at(&child, 8 * P));

		/* After the child exits, the parent's remaining shared page is reused, not copied. */
		vm_space_free(&child);
		both[1] = 0;
		vt_check_frames(&e, both, 2);
		st = e.env.stats;
		f0 = vt_free(&e);
		put(&parent, 6 * P, 1, 604);
		VT_EQ(e.env.stats.cow_reuses, st.cow_reuses + 1);
		VT_EQ(e.env.stats.cow_copies, st.cow_copies);
		VT_EQ(vt_free(&e), f0);
		VT_EQ(vt_refs(&e, text_pa), 1);
		vm_space_free(&parent);
		VT_EQ(vt_free(&e), f_start);
		vt_env_fini(&e);
	}
}

/* Forks of forks, and full copies of spaces holding shared pages. */
static void test_copy_chains(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space a, b, c, d;
		struct vm_space *all[4] = {&a, &b, &c, &d};
		struct vm_stats st;
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		make_parent(&e, &a, f);
		vt_space(&e, &b, f, LIMIT);
		vt_space(&e, &c, f, LIMIT);
		vt_space(&e, &d, f, LIMIT);
		pa = pa_at(&a, 2 * P);
		VT_OK(vm_copy(&b, &a, VM_COPY_COW));
		VT_OK(vm_copy(&c, &b, VM_COPY_COW)); /* grandchild: shares the same frames */
		VT_EQ(pa_at(&c, 2 * P), pa);
		VT_EQ(vt_refs(&e, pa), 3);
		VT_EQ(leaf_at(&c, 2 * P).perms, eff(f, (VT_RW & ~PT_W) | VM_COW));
		VT_OK(vm_copy(&d, &b, VM_COPY_FULL)); /* private copies, still marked */
		VT_NE(pa_at(&d, 2 * P), pa);
		VT_EQ(vt_refs(&e, pa), 3);
		vt_check_frames(&e, all, 4);

		st = e.env.stats;
		put(&d, 2 * P, 1, 700); /* d's page is its own: reuse, no copy */
		VT_EQ(e.env.stats.cow_copies, st.cow_copies);
		VT_EQ(e.env.stats.cow_reuses, st.cow_reuses + 1);
		put(&b, 2 * P, 1, 701); /* b copies: a and c still share */
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 1);
		VT_EQ(vt_refs(&e, pa), 2);
		put(&a, 2 * P, 1, 702); /* a copies: c alone keeps it */
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 2);
		VT_EQ(vt_refs(&e, pa), 1);
		VT_EQ(pa_at(&c, 2 * P), pa);
		put(&c, 2 * P, 1, 703); /* c reuses */
		VT_EQ(e.env.stats.cow_reuses, st.cow_reuses + 2);
		VT_EQ(pa_at(&c, 2 * P), pa);
		expect(&a, 2 * P, 1, 702);
		expect(&b, 2 * P, 1, 701);
		expect(&c, 2 * P, 1, 703);
		expect(&d, 2 * P, 1, 700);
		/* the rest of each page came along with the copies */
		expect_part(&a, 2 * P + 1, P - 1, 102, 1);
		expect_part(&b, 2 * P + 1, P - 1, 102, 1);
		expect_part(&c, 2 * P + 1, P - 1, 102, 1);
		expect_part(&d, 2 * P + 1, P - 1, 102, 1);
		vt_check_frames(&e, all, 4);

		vm_space_free(&b);
		vm_space_free(&d);
		all[1] = all[3] = 0;
		vt_check_frames(&e, all, 4);
		vm_space_free(&a);
		vm_space_free(&c);
		vt_env_fini(&e);
	}
}

static void test_clear_user(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		struct vm_stats st;
		struct pt_leaf before, after;
		uint8_t buf[16];
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, 3 * P, VT_RW, 0));
		for (unsigned i = 0; i < 3; i++)
			put(&s, i * P, P, 30 + i);
		before = leaf_at(&s, P);

		VT_OK(vm_clear_user(&s, P + 123));
		after = leaf_at(&s, P);
		VT_EQ(after.pa, before.pa); /* still mapped, same frame */
		VT_EQ(after.perms, before.perms & ~PT_U);

		st = e.env.stats;
		VT_ERR(vm_copyin(&s, buf, P + 5, 1), PT_EFAULT);
		VT_ERR(vm_copyout(&s, P + 5, "xy", 2), PT_EFAULT);
		VT_ERR(vm_copyinstr(&s, (char *)buf, P, sizeof(buf)), PT_EFAULT);
		VT_ERR(vm_fault(&s, P, VM_READ), PT_EFAULT);
		VT_ERR(vm_fault(&s, 2 * P - 1, VM_WRITE), PT_EFAULT);
		VT_ERR(vm_user_pa(&s, P, &pa), PT_EFAULT);
		VT_LE(st.bad_faults + 2, e.env.stats.bad_faults);
		expect_raw(&s, P, P, 31); /* untouched */
		expect(&s, 0, P, 30);
		expect(&s, 2 * P, P, 32);
		put(&s, 2 * P, 1, 33);

		VT_NE(vm_clear_user(&s, 10 * P), PT_OK); /* nothing mapped there */
		vm_space_free(&s); /* the guard page's frame is freed too */
		vt_env_fini(&e);
	}
}

static void test_user_pa(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		uint32_t f0;
		pa_t pa, kpage, upage;
		uint8_t byte = 0xc3;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, 2 * P, VT_RW, 0));
		VT_OK(vm_user_pa(&s, 0x1234, &pa));
		VT_EQ(pa & (P - 1), 0x234);
		VT_EQ(pa, leaf_at(&s, 0x1000).pa + 0x234);
		VT_OK(vm_copyout(&s, 0x1234, &byte, 1));
		VT_EQ(*vt_host(&e, pa), 0xc3);
		VT_OK(vm_user_pa(&s, 0, &pa));
		VT_EQ(pa, leaf_at(&s, 0).pa);
		VT_OK(vm_user_pa(&s, 2 * P - 1, &pa));
		VT_EQ(pa, leaf_at(&s, P).pa + P - 1);

		VT_ERR(vm_user_pa(&s, 2 * P, &pa), PT_EFAULT); /* unmapped */
		kpage = map_extra(&e, &s, 8 * P, PT_R | PT_W, 1);
		VT_ERR(vm_user_pa(&s, 8 * P + 4, &pa), PT_EFAULT); /* not a user page */
		upage = map_extra(&e, &s, LIMIT, VT_RW, 2);
		VT_ERR(vm_user_pa(&s, LIMIT, &pa), PT_EFAULT); /* at the limit, mapped or not */
		VT_ERR(vm_user_pa(&s, LIMIT + 8, &pa), PT_EFAULT);
		VT_ERR(vm_user_pa(&s, UINT64_MAX, &pa), PT_EFAULT);

		/* A lazily reserved page is not mapped yet, and asking does not map it. */
		VT_OK(vm_grow(&s, 4 * P, VT_RW, VM_GROW_LAZY));
		f0 = vt_free(&e);
		VT_ERR(vm_user_pa(&s, 3 * P, &pa), PT_EFAULT);
		VT_EQ(vt_free(&e), f0);
		VT_FALSE(mapped(&s, 3 * P));

		vm_space_free(&s);
		/* pages above size were the kernel's: dropped, not freed */
		VT_EQ(vt_refs(&e, kpage), 1);
		VT_EQ(vt_refs(&e, upage), 1);
		VT_TRUE(frame_put(&e.ram.frames, kpage));
		VT_TRUE(frame_put(&e.ram.frames, upage));
		vt_env_fini(&e);
	}
}

static void test_fault_real(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		const uint64_t lim = 32 * P;
		const bool x32 = f == &pt_format_x86_32;
		struct {
			const char *what;
			va_t va;
			unsigned access;
			enum pt_err err;
		} cases[] = {
			{"unmapped page above size", 11 * P, VM_READ, PT_EFAULT},
			{"page just above size", 10 * P + 5, VM_WRITE, PT_EFAULT},
			{"guard page", 3 * P + 8, VM_READ, PT_EFAULT},
			{"guard page, write", 3 * P, VM_WRITE, PT_EFAULT},
			{"kernel page below the limit", 12 * P, VM_READ, PT_EFAULT},
			{"user page at the limit", lim, VM_READ, PT_EFAULT},
			{"above the limit", lim + 5, VM_WRITE, PT_EFAULT},
			{"top of the address space", UINT64_MAX, VM_READ, PT_EFAULT},
			{"write to read-only text", 0, VM_WRITE, PT_EFAULT},
			{"write to read-only text, unaligned", 100, VM_READ | VM_WRITE, PT_EFAULT},
			{"exec of a data page", P, VM_EXEC, x32 ? PT_OK : PT_EFAULT},
			{"exec of a lazy data page", 7 * P, VM_EXEC, x32 ? PT_OK : PT_EFAULT},
			{"no access type", P, 0, PT_EFAULT},
			{"unknown access type", P, 8, PT_EFAULT},
			{"unknown access bit with read", P, VM_READ | 16, PT_EFAULT},
			{"read of text", 0, VM_READ, PT_OK},
			{"exec of text", 5, VM_READ | VM_EXEC, PT_OK},
			{"read-write of data", 5 * P + 4095, VM_READ | VM_WRITE, PT_OK},
		};
		struct vt_env e;
		struct vm_space s;
		pa_t kpage, upage;

		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, lim);
		VT_OK(vm_load_first(&s, "code", 4, VT_RX));
		VT_OK(vm_grow(&s, 4 * P, VT_RW, 0));
		VT_OK(vm_clear_user(&s, 3 * P));
		VT_OK(vm_grow(&s, 6 * P, VT_RW, 0));
		VT_OK(vm_grow(&s, 10 * P, VT_RW, VM_GROW_LAZY));
		kpage = map_extra(&e, &s, 12 * P, PT_R | PT_W, 1);
		upage = map_extra(&e, &s, lim, VT_RW, 2);

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			struct vm_stats st = e.env.stats;
			struct vt_snap snap;

			if (x32 && c == 11)
				continue; /* see test_lazy_fault_matches_eager */
			vt_ctx("%s: %s", f->name, cases[c].what);
			vt_snap_take(&snap, &e, &s);
			VT_ERR(vm_fault(&s, cases[c].va, cases[c].access), cases[c].err);
			VT_EQ(e.env.stats.faults, st.faults + 1);
			VT_EQ(e.env.stats.bad_faults, st.bad_faults + (cases[c].err != PT_OK));
			VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs);
			VT_EQ(e.env.stats.cow_copies, st.cow_copies);
			VT_EQ(e.env.stats.cow_reuses, st.cow_reuses);
			VT_UNCHANGED(&snap, &e, &s);
		}
		vm_space_free(&s);
		VT_TRUE(frame_put(&e.ram.frames, kpage));
		VT_TRUE(frame_put(&e.ram.frames, upage));
		vt_env_fini(&e);
	}
}

/* copyout / copyin of many lengths and alignments, against a byte model. */
static void test_copy_lengths(void **state)
{
	(void)state;
	static const uint64_t lens[] = {0, 1, 2, 4095, 4096, 4097, 3 * 4096 + 123};
	static const uint64_t offs[] = {0, 1, 2000, 4095, 4096 + 7};
	const uint64_t npages = 6;

	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		uint8_t *model = vt_alloc(npages * P), *now = vt_alloc(npages * P);
		uint8_t src[4 * 4096], dst[4 * 4096 + 32];
		uint32_t seed = 1;

		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, npages * P, VT_RW, 0));
		vt_pattern(model, npages * P, 999);
		vt_poke(&s, 0, model, npages * P);

		for (unsigned o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			for (unsigned l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				uint64_t off = offs[o], len = lens[l];

				vt_ctx("%s: offset 0x%" PRIx64 ", length 0x%" PRIx64, f->name, off, len);
				vt_pattern(src, len, ++seed);
				VT_OK(vm_copyout(&s, off, src, len));
				memcpy(model + off, src, len);
				VT_TRUE(vt_peek(&s, 0, now, npages * P));
				VT_MEM(now, model, npages * P);

				/* Read back a window around it, and exactly it. */
				memset(dst, 0xee, sizeof(dst));
				VT_OK(vm_copyin(&s, dst, off, len));
				VT_MEM(dst, model + off, len);
				VT_EQ(dst[len], 0xee);
				VT_EQ(dst[len + 1], 0xee);
				if (off > 0) {
					VT_OK(vm_copyin(&s, dst, off - 1, len + 2));
					VT_MEM(dst, model + off - 1, len + 2);
				}
			}
		}
		/* Every page of the space in one go. */
		vt_ctx("%s: whole space", f->name);
		memset(now, 0, npages * P);
		VT_OK(vm_copyin(&s, now, 0, npages * P));
		VT_MEM(now, model, npages * P);
		VT_OK(vm_copyout(&s, 0, now, npages * P));
		VT_OK(vm_copyin(&s, 0, 5 * P, 0)); /* length 0: nothing to copy */
		VT_OK(vm_copyout(&s, 5 * P, 0, 0));

		vt_dealloc(model);
		vt_dealloc(now);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

static void test_copy_lazy_and_cow(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s, parent, child;
		struct vm_stats st;
		uint8_t buf[3 * 4096];
		uint32_t f0;
		uint64_t t0;

		vt_ctx("%s: lazy", f->name);
		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, 6 * P, VT_RW, VM_GROW_LAZY));
		st = e.env.stats;
		f0 = vt_free(&e);
		t0 = vt_tables(&s.pt);
		vt_pattern(buf, 2 * P + 50, 40);
		VT_OK(vm_copyout(&s, P + 100, buf, 2 * P + 50)); /* pages 1, 2, 3 */
		VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 3);
		VT_EQ(f0 - vt_free(&e), 3 + vt_tables(&s.pt) - t0);
		VT_FALSE(mapped(&s, 0));
		VT_FALSE(mapped(&s, 4 * P));
		expect(&s, P + 100, 2 * P + 50, 40);
		expect(&s, P, 100, 0);
		f0 = vt_free(&e);
		memset(buf, 0xee, sizeof(buf));
		VT_OK(vm_copyin(&s, buf, 4 * P - 10, 2 * P)); /* pages 3, 4, 5: two allocations */
		VT_EQ(vt_free(&e), f0 - 2);
		VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 5);
		for (unsigned i = 10; i < 2 * P; i++)
			VT_EQ(buf[i], 0);
		vm_space_free(&s);

		vt_ctx("%s: copy-on-write", f->name);
		vt_space(&e, &parent, f, LIMIT);
		VT_OK(vm_grow(&parent, 4 * P, VT_RW, 0));
		for (unsigned i = 0; i < 4; i++)
			put(&parent, i * P, P, 50 + i);
		vt_space(&e, &child, f, LIMIT);
		VT_OK(vm_copy(&child, &parent, VM_COPY_COW));
		st = e.env.stats;
		f0 = vt_free(&e);
		VT_OK(vm_copyin(&child, buf, P, 2 * P)); /* reading copies nothing */
		VT_EQ(vt_free(&e), f0);
		VT_EQ(e.env.stats.cow_copies, st.cow_copies);

		put(&child, P + 10, P, 60); /* pages 1 and 2 copied for the child */
		VT_EQ(e.env.stats.cow_copies, st.cow_copies + 2);
		VT_EQ(vt_free(&e), f0 - 2);
		expect(&parent, P, P, 51);
		expect(&parent, 2 * P, P, 52);
		expect(&child, P + 10, P, 60);
		expect_part(&child, P, 10, 51, 0);           /* the copy kept the old bytes */
		expect_part(&child, 2 * P + 10, P - 10, 52, 10);
		expect(&child, 3 * P, P, 53);
		vm_space_free(&child);
		vm_space_free(&parent);
		vt_env_fini(&e);
	}
}

/* Layout of the space test_copy_failures works on (limit 8 pages):
 * 0, 1 RW | 2 guard (no U) | 3 RW | 4 RO | 5, 6 RW | 7 unmapped | 8 (= limit) a user page. */
#define CF_PAGES 9

static void cf_check(const struct vm_space *s, const uint8_t *model)
{
	uint8_t page[4096];

	for (unsigned i = 0; i < CF_PAGES; i++) {
		if (i == 7) {
			VT_FALSE(mapped(s, 7 * P));
			continue;
		}
		VT_TRUE(vt_peek(s, i * P, page, P));
		vt_check_mem(__FILE__, __LINE__, "page after a failed copy", page, model + i * P, P);
	}
}

static void test_copy_failures(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		uint8_t *model = vt_alloc(CF_PAGES * P), *src = vt_alloc(3 * P), *dst = vt_alloc(3 * P);
		struct {
			const char *what;
			va_t va;
			uint64_t len;
			uint64_t ok_out; /* bytes copyout writes before failing */
			bool in_fails;   /* whether copyin fails too */
			uint64_t ok_in;  /* bytes copyin reads before failing */
		} cases[] = {
			{"into a guard page", P + 100, 2 * P, P - 100, true, P - 100},
			{"into a read-only page", 3 * P + 4000, 200, 96, false, 0},
			{"into an unmapped page", 6 * P + 10, 2 * P, P - 10, true, P - 10},
			{"starting at a guard page", 2 * P, 10, 0, true, 0},
			{"starting at an unmapped page", 7 * P + 5, 10, 0, true, 0},
			{"last byte before an unmapped page", 7 * P - 1, 2, 1, true, 1},
			{"at the limit", 8 * P, 10, 0, true, 0},
			{"wrapping around", UINT64_MAX - 9, 20, 0, true, 0},
			{"wrapping from the last page", UINT64_MAX - P + 1, 2 * P, 0, true, 0},
			{"huge", 5, UINT64_MAX - 2, 0, true, 0},
		};
		pa_t limit_page;

		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, 8 * P);
		VT_OK(vm_grow(&s, 3 * P, VT_RW, 0));
		VT_OK(vm_clear_user(&s, 2 * P));
		VT_OK(vm_grow(&s, 4 * P, VT_RW, 0));
		VT_OK(vm_grow(&s, 5 * P, VT_RO, 0));
		VT_OK(vm_grow(&s, 7 * P, VT_RW, 0));
		limit_page = map_extra(&e, &s, 8 * P, VT_RW, 3);
		vt_pattern(model, CF_PAGES * P, 4242);
		for (unsigned i = 0; i < CF_PAGES; i++)
			if (i != 7)
				vt_poke(&s, i * P, model + i * P, P);

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			uint64_t len = cases[c].len;
			uint64_t buflen = len < 3 * P ? len : 3 * P; /* what may be touched at all */

			vt_ctx("%s: copyout %s", f->name, cases[c].what);
			vt_pattern(src, 3 * P, 300 + (uint32_t)c);
			VT_ERR(vm_copyout(&s, cases[c].va, src, len), PT_EFAULT);
			if (cases[c].ok_out) /* the part before the bad page was written */
				memcpy(model + cases[c].va, src, cases[c].ok_out);
			cf_check(&s, model);

			vt_ctx("%s: copyin %s", f->name, cases[c].what);
			memset(dst, 0xee, 3 * P);
			VT_ERR(vm_copyin(&s, dst, cases[c].va, len),
			       cases[c].in_fails ? PT_EFAULT : PT_OK);
			if (cases[c].in_fails) {
				if (cases[c].ok_in)
					VT_MEM(dst, model + cases[c].va, cases[c].ok_in);
				for (uint64_t i = cases[c].ok_in; i < buflen; i++)
					if (dst[i] != 0xee)
						vt_fail(__FILE__, __LINE__,
							"copyin wrote byte %" PRIu64 " past the failure",
							i);
			} else {
				VT_MEM(dst, model + cases[c].va, len);
			}
		}
		vm_space_free(&s);
		VT_TRUE(frame_put(&e.ram.frames, limit_page));

		/* Across the limit into a user page mapped there (a trapframe, say). */
		vt_ctx("%s: across the limit", f->name);
		vt_space(&e, &s, f, 2 * P);
		VT_OK(vm_grow(&s, 2 * P, VT_RW, 0));
		limit_page = map_extra(&e, &s, 2 * P, VT_RW, 5);
		vt_pattern(model, 3 * P, 5);
		vt_poke(&s, 0, model, 3 * P);
		vt_pattern(src, 3 * P, 6);
		VT_ERR(vm_copyout(&s, 2 * P - 10, src, 20), PT_EFAULT);
		memcpy(model + 2 * P - 10, src, 10);
		VT_TRUE(vt_peek(&s, 0, dst, 3 * P));
		VT_MEM(dst, model, 3 * P); /* the limit page is untouched */
		memset(dst, 0xee, 3 * P);
		VT_ERR(vm_copyin(&s, dst, 2 * P - 10, 20), PT_EFAULT);
		VT_MEM(dst, model + 2 * P - 10, 10);
		for (unsigned i = 10; i < 20; i++)
			VT_EQ(dst[i], 0xee);
		VT_ERR(vm_copyinstr(&s, (char *)dst, 2 * P - 10, 20), PT_EFAULT);
		vm_space_free(&s);
		VT_TRUE(frame_put(&e.ram.frames, limit_page));
		vt_dealloc(model);
		vt_dealloc(src);
		vt_dealloc(dst);
		vt_env_fini(&e);
	}
}

static void test_copyinstr(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s, child;
		char buf[64], run[200];
		struct vm_stats st;
		uint32_t f0;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, 3 * P, VT_RW, 0));

		/* Within a page; bytes after the terminator are not written. */
		VT_OK(vm_copyout(&s, 100, "hello", 6));
		memset(buf, 'z', sizeof(buf));
		VT_OK(vm_copyinstr(&s, buf, 100, 64));
		VT_TRUE(strcmp(buf, "hello") == 0);
		VT_EQ(buf[6], 'z');
		VT_OK(vm_copyinstr(&s, buf, 105, 1)); /* the empty string */
		VT_EQ(buf[0], 0);

		/* Crossing a page boundary. */
		VT_OK(vm_copyout(&s, P - 3, "crossing!", 10));
		memset(buf, 'z', sizeof(buf));
		VT_OK(vm_copyinstr(&s, buf, P - 3, 64));
		VT_TRUE(strcmp(buf, "crossing!") == 0);

		/* A run of 100 non-zero bytes then the terminator at offset 100. */
		memset(run, 'a', sizeof(run));
		run[100] = 0;
		VT_OK(vm_copyout(&s, 2 * P - 50, run, 101));
		VT_ERR(vm_copyinstr(&s, buf, 2 * P - 50, 0), PT_ETOOLONG);
		{
			char big[128];

			VT_ERR(vm_copyinstr(&s, big, 2 * P - 50, 100), PT_ETOOLONG);
			memset(big, 'z', sizeof(big));
			VT_OK(vm_copyinstr(&s, big, 2 * P - 50, 101)); /* terminator at max exactly */
			VT_EQ(strlen(big), 100);
			VT_EQ(big[101], 'z');
			VT_OK(vm_copyinstr(&s, big, 2 * P - 50, 102));
			VT_EQ(strlen(big), 100);
			VT_ERR(vm_copyinstr(&s, big, 2 * P - 50, 1), PT_ETOOLONG);
		}

		/* Running into a page that is not there, or not the user's. */
		memset(run, 'b', sizeof(run));
		VT_OK(vm_copyout(&s, 3 * P - 5, run, 5));
		VT_ERR(vm_copyinstr(&s, buf, 3 * P - 5, 64), PT_EFAULT);
		VT_ERR(vm_copyinstr(&s, buf, 3 * P - 5, 5), PT_ETOOLONG); /* stops before it */
		VT_ERR(vm_copyinstr(&s, buf, 3 * P + 5, 64), PT_EFAULT);
		VT_ERR(vm_copyinstr(&s, buf, LIMIT, 64), PT_EFAULT);
		VT_ERR(vm_copyinstr(&s, buf, UINT64_MAX - 2, 64), PT_EFAULT);
		VT_OK(vm_copyout(&s, 2 * P - 8, "cccccccc" "d", 10)); /* crosses into page 2 */
		VT_OK(vm_copyout(&s, 2 * P - 20, "abc", 4));
		VT_OK(vm_copyinstr(&s, buf, 2 * P - 8, 64));
		VT_TRUE(strcmp(buf, "ccccccccd") == 0);
		VT_OK(vm_clear_user(&s, 2 * P));
		VT_ERR(vm_copyinstr(&s, buf, 2 * P - 8, 64), PT_EFAULT);
		VT_ERR(vm_copyinstr(&s, buf, 2 * P - 8, 8), PT_ETOOLONG); /* max ends before it */
		VT_OK(vm_copyinstr(&s, buf, 2 * P - 20, 64)); /* terminated before the guard */
		VT_TRUE(strcmp(buf, "abc") == 0);

		/* Lazy pages read as empty strings; shared pages are not copied to be read. */
		VT_OK(vm_shrink(&s, 2 * P));
		VT_OK(vm_grow(&s, 6 * P, VT_RW, VM_GROW_LAZY));
		f0 = vt_free(&e);
		VT_OK(vm_copyinstr(&s, buf, 4 * P + 8, 64));
		VT_EQ(buf[0], 0);
		VT_EQ(vt_free(&e), f0 - 1);
		VT_OK(vm_copyout(&s, 4 * P + 8, "cow", 4));
		vt_space(&e, &child, f, LIMIT);
		VT_OK(vm_copy(&child, &s, VM_COPY_COW));
		st = e.env.stats;
		f0 = vt_free(&e);
		VT_OK(vm_copyinstr(&child, buf, 4 * P + 8, 64));
		VT_TRUE(strcmp(buf, "cow") == 0);
		VT_EQ(e.env.stats.cow_copies, st.cow_copies);
		VT_EQ(vt_free(&e), f0);
		vm_space_free(&child);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

/* Many spaces sharing frames in every way, freed in different orders: every frame returns. */
static void test_space_free_returns_everything(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		for (unsigned order = 0; order < 3; order++) {
			struct vt_env e;
			struct vm_space sp[5];
			struct vm_space *all[5];
			static const unsigned orders[3][5] = {
				{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}};

			vt_ctx("%s: order %u", f->name, order);
			vt_env_init(&e, RAM_SIZE);
			make_parent(&e, &sp[0], f);
			VT_OK(vm_clear_user(&sp[0], 3 * P)); /* a guard page */
			VT_OK(vm_grow(&sp[0], big_page(f) + 3 * P, VT_RW, VM_GROW_LAZY));
			put(&sp[0], big_page(f) + P, 1, 1); /* a second last-level table */
			for (unsigned i = 1; i < 5; i++) {
				vt_space(&e, &sp[i], f, LIMIT);
				VT_OK(vm_copy(&sp[i], &sp[i == 4 ? 2 : i - 1],
					      i == 3 ? VM_COPY_FULL : VM_COPY_COW));
			}
			put(&sp[1], P, P, 2);
			put(&sp[2], 6 * P, 1, 3);
			put(&sp[4], 9 * P, 1, 4);
			VT_OK(vm_shrink(&sp[3], 2 * P));
			for (unsigned i = 0; i < 5; i++)
				all[i] = &sp[i];
			vt_check_frames(&e, all, 5);
			for (unsigned k = 0; k < 5; k++) {
				unsigned i = orders[order][k];

				vm_space_free(&sp[i]);
				all[i] = 0;
				vt_check_frames(&e, all, 5);
			}
			vt_env_fini(&e);
		}
	}
}

static void test_frame_pool_ops(void **state)
{
	(void)state;
	struct vt_env e;
	struct vm_frame_ops ops;
	uint32_t f0;
	pa_t a, b;

	vt_env_init(&e, RAM_SIZE);
	ops = vm_frame_pool_ops(&e.ram.frames);
	VT_TRUE(ops.ctx == &e.ram.frames);
	VT_TRUE(ops.alloc && ops.get && ops.put && ops.refs);
	f0 = vt_free(&e);
	VT_TRUE(ops.alloc(ops.ctx, &a));
	VT_TRUE(ops.alloc(ops.ctx, &b));
	VT_NE(a, b);
	VT_TRUE(frame_owns(&e.ram.frames, a));
	VT_EQ(vt_free(&e), f0 - 2);
	VT_EQ(ops.refs(ops.ctx, a), 1);
	VT_TRUE(ops.get(ops.ctx, a));
	VT_EQ(ops.refs(ops.ctx, a), 2);
	VT_EQ(vt_refs(&e, a), 2);
	ops.put(ops.ctx, a);
	VT_EQ(ops.refs(ops.ctx, a), 1);
	VT_EQ(vt_free(&e), f0 - 2);
	ops.put(ops.ctx, a);
	VT_EQ(ops.refs(ops.ctx, a), 0);
	VT_EQ(vt_free(&e), f0 - 1);
	VT_FALSE(ops.get(ops.ctx, a)); /* a free frame cannot gain a reference */
	ops.put(ops.ctx, a);           /* a double put is ignored */
	VT_EQ(vt_free(&e), f0 - 1);
	ops.put(ops.ctx, 0x10000000ull); /* device memory: not the pool's */
	ops.put(ops.ctx, b + 5);         /* not a frame start */
	VT_EQ(ops.refs(ops.ctx, 0x10000000ull), 0);
	VT_FALSE(ops.get(ops.ctx, 0x10000000ull));
	VT_EQ(ops.refs(ops.ctx, b), 1);
	VT_EQ(vt_free(&e), f0 - 1);
	host_ram_fail_nth(&e.ram, 1);
	VT_FALSE(ops.alloc(ops.ctx, &a));
	host_ram_fail_nth(&e.ram, 0);
	ops.put(ops.ctx, b);
	vt_env_fini(&e);
}

/* vm_space_adopt wraps a bare table, as xv6 keeps them. */
static void test_space_adopt(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s, child;
		struct pt pt;
		pa_t frames[3], tramp;
		uint32_t f0;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		f0 = vt_free(&e);
		VT_OK(pt_init(&pt, f, &e.env.mem));
		for (unsigned i = 0; i < 3; i++) {
			VT_TRUE(e.env.frames.alloc(e.env.frames.ctx, &frames[i]));
			vt_pattern(vt_host(&e, frames[i]), P, 80 + i);
			VT_OK(pt_map(&pt, i * P, frames[i], P, VT_RW, PT_MAP_4K));
		}
		VT_TRUE(host_ram_alloc_frame(&e.ram, &tramp));
		VT_OK(pt_map(&pt, LIMIT, tramp, P, PT_R | PT_X, PT_MAP_4K));

		vm_space_adopt(&s, &e.env, &pt, 3 * P - 100, LIMIT);
		VT_EQ(s.size, 3 * P - 100);
		VT_EQ(s.limit, LIMIT);
		VT_TRUE(s.env == &e.env);
		VT_TRUE(s.pt.fmt == f);
		VT_EQ(s.pt.root, pt.root);
		expect(&s, P, P, 81);
		expect(&s, 2 * P, P, 82);
		/* no lazy region: the page above is a real fault */
		VT_ERR(vm_fault(&s, 3 * P, VM_READ), PT_EFAULT);
		VT_OK(vm_grow(&s, 5 * P, VT_RW, 0));
		expect(&s, 3 * P, 2 * P, 0);
		VT_OK(vm_grow(&s, 8 * P, VT_RW, VM_GROW_LAZY));
		put(&s, 7 * P, 1, 83);

		vt_space(&e, &child, f, LIMIT);
		VT_OK(vm_copy(&child, &s, VM_COPY_COW));
		VT_EQ(vt_refs(&e, frames[1]), 2);
		VT_FALSE(mapped(&child, LIMIT)); /* only user memory is copied */
		expect(&child, 0, P, 80);
		vm_space_free(&child);
		vm_space_free(&s);
		VT_EQ(vt_refs(&e, tramp), 1); /* above size: the kernel's */
		VT_EQ(vt_free(&e), f0 - 1);
		VT_TRUE(frame_put(&e.ram.frames, tramp));

		/* An adopted empty table. */
		VT_OK(pt_init(&pt, f, &e.env.mem));
		vm_space_adopt(&s, &e.env, &pt, 0, 16 * P);
		VT_OK(vm_load_first(&s, "hi", 3, VT_RX));
		VT_ERR(vm_grow(&s, 17 * P, VT_RW, 0), PT_ERANGE);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

/* vm_release_leaf as the callback of a plain pt_unmap. */
static void test_release_leaf(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s, child;
		uint32_t f0;
		pa_t pa;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		VT_OK(vm_grow(&s, 4 * P, VT_RW, 0));
		vt_space(&e, &child, f, LIMIT);
		VT_OK(vm_copy(&child, &s, VM_COPY_COW));
		pa = pa_at(&child, 0);
		VT_EQ(vt_refs(&e, pa), 2);

		/* A shared frame loses one reference. */
		f0 = vt_free(&e);
		VT_OK(pt_unmap(&child.pt, 0, P, vm_release_leaf, &e.env));
		VT_EQ(vt_refs(&e, pa), 1);
		VT_EQ(vt_free(&e), f0);
		/* A private frame is freed. */
		VT_OK(vm_shrink(&s, 2 * P)); /* pages 2, 3 of s go; the child's copies stay */
		VT_EQ(vt_refs(&e, pa_at(&child, 2 * P)), 1);
		pa = pa_at(&child, 2 * P);
		VT_OK(pt_unmap(&child.pt, 2 * P, 2 * P, vm_release_leaf, &e.env));
		VT_EQ(vt_refs(&e, pa), 0);
		VT_EQ(vt_free(&e), f0 + 2);
		/* Device memory (outside the pool) is ignored. */
		VT_OK(pt_map(&child.pt, 2 * P, 0x10000000ull, P, PT_R | PT_W, PT_MAP_4K));
		f0 = vt_free(&e);
		VT_OK(pt_unmap(&child.pt, 2 * P, P, vm_release_leaf, &e.env));
		VT_EQ(vt_free(&e), f0);

		VT_OK(vm_shrink(&child, 2 * P));
		vm_space_free(&child);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

/* Frame operations without sharing (xv6's kalloc): copy-on-write is refused, full copies work. */
static void test_copy_cow_needs_sharing(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_env env;
		struct vm_space parent, child;
		struct vt_snap snap;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		env = e.env;
		env.frames.get = 0;
		VT_OK(vm_space_init(&parent, &env, f, LIMIT));
		VT_OK(vm_space_init(&child, &env, f, LIMIT));
		VT_OK(vm_grow(&parent, 3 * P, VT_RW, 0));
		put(&parent, 0, 3 * P, 90);
		vt_snap_take(&snap, &e, &parent);
		VT_ERR(vm_copy(&child, &parent, VM_COPY_COW), PT_EINVAL);
		VT_UNCHANGED(&snap, &e, &parent);
		VT_EQ(child.size, 0);
		VT_EQ(vt_leaves(&child.pt), 0);
		VT_OK(vm_copy(&child, &parent, VM_COPY_FULL));
		expect(&child, 0, 3 * P, 90);
		VT_NE(pa_at(&child, P), pa_at(&parent, P));
		vm_space_free(&child);
		vm_space_free(&parent);
		vt_env_fini(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kmap_build_superpages, vt_teardown),
		cmocka_unit_test_teardown(test_kmap_build_rejects_bad_regions, vt_teardown),
		cmocka_unit_test_teardown(test_kmap_build_undoes_on_failure, vt_teardown),
		cmocka_unit_test_teardown(test_kmap_name, vt_teardown),
		cmocka_unit_test_teardown(test_kmap_xv6_riscv, vt_teardown),
		cmocka_unit_test_teardown(test_kmap_xv6_x86, vt_teardown),
		cmocka_unit_test_teardown(test_frame_pool_ops, vt_teardown),
		cmocka_unit_test_teardown(test_space_init_and_free, vt_teardown),
		cmocka_unit_test_teardown(test_space_adopt, vt_teardown),
		cmocka_unit_test_teardown(test_release_leaf, vt_teardown),
		cmocka_unit_test_teardown(test_load_first, vt_teardown),
		cmocka_unit_test_teardown(test_grow_eager, vt_teardown),
		cmocka_unit_test_teardown(test_grow_lazy, vt_teardown),
		cmocka_unit_test_teardown(test_lazy_grow_with_other_perms_is_refused, vt_teardown),
		cmocka_unit_test_teardown(test_lazy_fault_matches_eager, vt_teardown),
		cmocka_unit_test_teardown(test_shrink, vt_teardown),
		cmocka_unit_test_teardown(test_copy_full, vt_teardown),
		cmocka_unit_test_teardown(test_copy_cow, vt_teardown),
		cmocka_unit_test_teardown(test_copy_chains, vt_teardown),
		cmocka_unit_test_teardown(test_copy_cow_needs_sharing, vt_teardown),
		cmocka_unit_test_teardown(test_clear_user, vt_teardown),
		cmocka_unit_test_teardown(test_user_pa, vt_teardown),
		cmocka_unit_test_teardown(test_fault_real, vt_teardown),
		cmocka_unit_test_teardown(test_copy_lengths, vt_teardown),
		cmocka_unit_test_teardown(test_copy_lazy_and_cow, vt_teardown),
		cmocka_unit_test_teardown(test_copy_failures, vt_teardown),
		cmocka_unit_test_teardown(test_copyinstr, vt_teardown),
		cmocka_unit_test_teardown(test_space_free_returns_everything, vt_teardown),
	};

	return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}
