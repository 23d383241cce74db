/*
 * lib/vm under memory exhaustion: every allocating operation is run with its 1st, 2nd, 3rd ...
 * frame allocation failing (host_ram_fail_nth; tables and user pages come from the same
 * frames) until it succeeds. Each failing run must return PT_ENOMEM and leave everything as it
 * was: the vmprint dump, the leaves with their reference counts, size and lazy window of every
 * space involved, and the number of free frames. The run that succeeds is then checked too.
 */
#include "support/vmtest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define RAM_SIZE (16ull << 20)
#define P VT_PAGE
#define LIMIT (64ull << 20)
#define MAX_TRIES 10000u

#define FOR_EACH_FORMAT(f)                                                                  \
	for (unsigned fi_ = 0; fi_ < VT_NFORMATS; fi_++)                                     \
		for (const struct pt_format *f = vt_formats[fi_]; f; f = 0)

/* Span of one last-level table: growing across a multiple of it needs a new table. */
static uint64_t table_span(const struct pt_format *f)
{
	return pt_level_size(f, 1);
}

static void put(struct vm_space *s, va_t va, uint64_t len, uint32_t seed)
{
	uint8_t *buf = vt_alloc(len);

	vt_pattern(buf, len, seed);
	VT_OK(vm_copyout(s, va, buf, len));
	vt_dealloc(buf);
}

static void expect(struct vm_space *s, va_t va, uint64_t len, uint32_t seed)
{
	uint8_t *want = vt_alloc(len), *got = vt_alloc(len);

	if (seed)
		vt_pattern(want, len, seed);
	VT_OK(vm_copyin(s, got, va, len));
	VT_MEM(got, want, len);
	vt_dealloc(want);
	vt_dealloc(got);
}

static pa_t pa_at(const struct vm_space *s, va_t va)
{
	pa_t pa;

	if (!vt_leaf(s, va, 0, &pa))
		vt_fail(__FILE__, __LINE__, "va 0x%" PRIx64 " is not mapped", va);
	return pa;
}

/* Arm the failure of the nth allocation from now. */
static void arm(struct vt_env *e, uint64_t n)
{
	host_ram_fail_nth(&e->ram, n);
}

static void disarm(struct vt_env *e)
{
	host_ram_fail_nth(&e->ram, 0);
}

/*
 * A parent with several pages across two last-level tables and a lazily reserved region:
 * page 0 text (read-only), pages [span - 3, span + 2) read-write with data, a lazy region up
 * to span + 10 pages with page span + 6 touched.
 */
static void make_parent(struct vt_env *e, struct vm_space *s, const struct pt_format *f)
{
	uint64_t span = table_span(f);

	vt_space(e, s, f, LIMIT);
	VT_OK(vm_load_first(s, "text", 5, VT_RX));
	VT_OK(vm_grow(s, span - 3 * P, VT_RW, VM_GROW_LAZY));
	VT_OK(vm_grow(s, span + 2 * P, VT_RW, 0));
	put(s, span - 3 * P, 5 * P, 1);
	VT_OK(vm_grow(s, span + 10 * P, VT_RW, VM_GROW_LAZY));
	put(s, span + 6 * P, 100, 2);
}

/* ---- vm_grow -------------------------------------------------------------------------------- */

static void test_grow_eager_enomem(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		uint64_t span = table_span(f);
		struct {
			const char *what;
			uint64_t from, to;
			unsigned min_fail;
		} cases[] = {
			{"empty space, 3 pages", 0, 3 * P + 10, 3},
			{"across a table boundary", span - 2 * P, span + 3 * P, 5},
		};

		for (unsigned c = 0; c < 2; c++) {
			struct vt_env e;
			struct vm_space s;
			unsigned n;
			enum pt_err err;

			vt_env_init(&e, RAM_SIZE);
			vt_space(&e, &s, f, LIMIT);
			if (cases[c].from) {
				VT_OK(vm_grow(&s, P, VT_RW, 0));
				put(&s, 0, P, 3);
				VT_OK(vm_grow(&s, cases[c].from, VT_RW, VM_GROW_LAZY));
			}
			for (n = 1;; n++) {
				struct vt_snap snap;

				vt_ctx("%s: %s, allocation %u fails", f->name, cases[c].what, n);
				VT_LE(n, MAX_TRIES);
				vt_snap_take(&snap, &e, &s);
				arm(&e, n);
				err = vm_grow(&s, cases[c].to, VT_RW, 0);
				disarm(&e);
				if (err == PT_OK) {
					vt_snap_free(&snap);
					break;
				}
				VT_ERR(err, PT_ENOMEM);
				VT_UNCHANGED(&snap, &e, &s);
			}
			vt_ctx("%s: %s, after %u failures", f->name, cases[c].what, n - 1);
			VT_LE(cases[c].min_fail, n - 1);
			VT_EQ(s.size, cases[c].to);
			for (va_t va = cases[c].from ? cases[c].from : 0; va < cases[c].to; va += P)
				VT_TRUE(vt_leaf(&s, va, 0, 0));
			expect(&s, cases[c].from, cases[c].to - cases[c].from, 0);
			if (cases[c].from)
				expect(&s, 0, P, 3);
			vm_space_free(&s);
			vt_env_fini(&e);
		}
	}
}

/* Lazy growth allocates nothing, so it cannot run out of memory. */
static void test_grow_lazy_needs_no_memory(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		uint32_t f0;
		uint64_t allocs;

		vt_ctx("%s", f->name);
		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		f0 = vt_free(&e);
		allocs = e.ram.frames.allocs;
		arm(&e, 1);
		VT_OK(vm_grow(&s, 4 * table_span(f), VT_RW, VM_GROW_LAZY));
		VT_EQ(e.ram.frames.allocs, allocs); /* not even tried */
		disarm(&e);
		VT_EQ(vt_free(&e), f0);
		VT_EQ(s.size, 4 * table_span(f));
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

/* ---- vm_copy -------------------------------------------------------------------------------- */

static void copy_enomem(enum vm_copy_mode mode)
{
	FOR_EACH_FORMAT(f)
	{
		uint64_t span = table_span(f);
		struct vt_env e;
		struct vm_space parent, child;
		struct vm_space *both[2] = {&parent, &child};
		char *child_empty;
		unsigned n;
		enum pt_err err;

		vt_env_init(&e, RAM_SIZE);
		make_parent(&e, &parent, f);
		vt_space(&e, &child, f, LIMIT);
		child_empty = vt_vmprint(&child.pt);
		vt_defer(free, child_empty);

		for (n = 1;; n++) {
			struct vt_snap ps, cs;

			vt_ctx("%s: %s copy, allocation %u fails", f->name,
			       mode == VM_COPY_COW ? "copy-on-write" : "full", n);
			VT_LE(n, MAX_TRIES);
			vt_snap_take(&ps, &e, &parent);
			vt_snap_take(&cs, &e, &child);
			arm(&e, n);
			err = vm_copy(&child, &parent, mode);
			disarm(&e);
			if (err == PT_OK) {
				vt_snap_free(&ps);
				vt_snap_free(&cs);
				break;
			}
			VT_ERR(err, PT_ENOMEM);
			VT_UNCHANGED(&ps, &e, &parent);
			VT_UNCHANGED(&cs, &e, &child);
			VT_EQ(child.size, 0);
			VT_TEXT(vt_vmprint(&child.pt), vt_strdup(child_empty)); /* empty again */
			vt_check_frames(&e, both, 2);
		}
		vt_ctx("%s: %s copy, after %u failures", f->name,
		       mode == VM_COPY_COW ? "copy-on-write" : "full", n - 1);
		/* Tables at least (root's children down to two last-level tables), and for a
		 * full copy every mapped page. */
		VT_LE((mode == VM_COPY_FULL ? 7u : 0u) + (f->levels - 1u), n - 1);
		VT_EQ(child.size, parent.size);
		{
			uint8_t a[5 * 4096], b[5 * 4096];

			VT_OK(vm_copyin(&parent, a, span - 3 * P, 5 * P));
			VT_OK(vm_copyin(&child, b, span - 3 * P, 5 * P));
			VT_MEM(b, a, 5 * P);
			VT_OK(vm_copyin(&child, b, span + 6 * P, 100));
			VT_OK(vm_copyin(&parent, a, span + 6 * P, 100));
			VT_MEM(b, a, 100);
			VT_OK(vm_copyin(&child, b, 0, 5));
			VT_MEM(b, "text", 5);
		}
		if (mode == VM_COPY_COW)
			VT_EQ(pa_at(&child, span), pa_at(&parent, span));
		else
			VT_NE(pa_at(&child, span), pa_at(&parent, span));
		vt_check_frames(&e, both, 2);
		vm_space_free(&child);
		vm_space_free(&parent);
		vt_undefer(child_empty);
		free(child_empty);
		vt_env_fini(&e);
	}
}

static void test_copy_full_enomem(void **state)
{
	(void)state;
	copy_enomem(VM_COPY_FULL);
}

static void test_copy_cow_enomem(void **state)
{
	(void)state;
	copy_enomem(VM_COPY_COW);
}

/* ---- vm_fault ------------------------------------------------------------------------------- */

/* A first touch of a lazy page in a part of the space with no tables yet. */
static void test_fault_lazy_enomem(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		uint64_t span = table_span(f);
		static const unsigned kinds[3] = {0, 1, 2}; /* vm_fault, copyout, copyin */

		for (unsigned k = 0; k < 3; k++) {
			struct vt_env e;
			struct vm_space s;
			struct vm_stats st;
			unsigned n;
			enum pt_err err;
			uint8_t byte = 0x5c;

			vt_env_init(&e, RAM_SIZE);
			vt_space(&e, &s, f, LIMIT);
			VT_OK(vm_grow(&s, 4 * span, VT_RW, VM_GROW_LAZY));
			put(&s, 10, 1, 4); /* tables for the first part only */
			for (n = 1;; n++) {
				struct vt_snap snap;

				vt_ctx("%s: lazy page by %s, allocation %u fails", f->name,
				       k == 0 ? "vm_fault" : k == 1 ? "copyout" : "copyin", n);
				VT_LE(n, MAX_TRIES);
				vt_snap_take(&snap, &e, &s);
				st = e.env.stats;
				arm(&e, n);
				if (kinds[k] == 0)
					err = vm_fault(&s, 2 * span + 5 * P + 3, VM_WRITE);
				else if (kinds[k] == 1)
					err = vm_copyout(&s, 2 * span + 5 * P + 3, &byte, 1);
				else
					err = vm_copyin(&s, &byte, 2 * span + 5 * P + 3, 1);
				disarm(&e);
				if (err == PT_OK) {
					vt_snap_free(&snap);
					break;
				}
				VT_ERR(err, PT_ENOMEM);
				VT_UNCHANGED(&snap, &e, &s);
				VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs);
			}
			VT_LE(2, n - 1); /* a frame and at least a last-level table */
			VT_EQ(e.env.stats.lazy_allocs, st.lazy_allocs + 1);
			VT_TRUE(vt_leaf(&s, 2 * span + 5 * P, 0, 0));
			byte = 0;
			VT_OK(vm_copyin(&s, &byte, 2 * span + 5 * P + 3, 1));
			VT_EQ(byte, kinds[k] == 1 ? 0x5c : 0);
			vm_space_free(&s);
			vt_env_fini(&e);
		}
	}
}

/* A write to a page shared copy-on-write needs one frame for the copy. */
static void test_fault_cow_enomem(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		for (unsigned k = 0; k < 2; k++) {
			struct vt_env e;
			struct vm_space parent, child;
			struct vm_space *both[2] = {&parent, &child};
			struct vm_stats st;
			unsigned n;
			enum pt_err err;
			pa_t shared;
			uint8_t bytes[2 * 4096];

			vt_env_init(&e, RAM_SIZE);
			vt_space(&e, &parent, f, LIMIT);
			VT_OK(vm_grow(&parent, 4 * P, VT_RW, 0));
			put(&parent, 0, 4 * P, 5);
			vt_space(&e, &child, f, LIMIT);
			VT_OK(vm_copy(&child, &parent, VM_COPY_COW));
			shared = pa_at(&parent, P);
			vt_pattern(bytes, sizeof(bytes), 6);
			for (n = 1;; n++) {
				struct vt_snap ps, cs;

				vt_ctx("%s: copy-on-write by %s, allocation %u fails", f->name,
				       k == 0 ? "vm_fault" : "copyout", n);
				VT_LE(n, MAX_TRIES);
				vt_snap_take(&ps, &e, &parent);
				vt_snap_take(&cs, &e, &child);
				st = e.env.stats;
				arm(&e, n);
				err = k == 0 ? vm_fault(&child, P + 8, VM_WRITE)
					     : vm_copyout(&child, P + 8, bytes, 100);
				disarm(&e);
				if (err == PT_OK) {
					vt_snap_free(&ps);
					vt_snap_free(&cs);
					break;
				}
				VT_ERR(err, PT_ENOMEM);
				VT_UNCHANGED(&ps, &e, &parent);
				VT_UNCHANGED(&cs, &e, &child);
				VT_EQ(e.env.stats.cow_copies, st.cow_copies);
				VT_EQ(vt_refs(&e, shared), 2);
				expect(&child, 0, 4 * P, 5); /* not a byte written */
			}
			VT_EQ(n, 2); /* exactly one allocation: the copy */
			VT_EQ(e.env.stats.cow_copies, st.cow_copies + 1);
			VT_EQ(vt_refs(&e, shared), 1);
			VT_NE(pa_at(&child, P), shared);
			expect(&parent, 0, 4 * P, 5);
			vt_check_frames(&e, both, 2);
			vm_space_free(&child);
			vm_space_free(&parent);
			vt_env_fini(&e);
		}
	}
}

/* ---- vm_load_first -------------------------------------------------------------------------- */

static void test_load_first_enomem(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vt_env e;
		struct vm_space s;
		uint8_t code[1000];
		unsigned n;
		enum pt_err err;

		vt_env_init(&e, RAM_SIZE);
		vt_space(&e, &s, f, LIMIT);
		vt_pattern(code, sizeof(code), 7);
		for (n = 1;; n++) {
			struct vt_snap snap;

			vt_ctx("%s: allocation %u fails", f->name, n);
			VT_LE(n, MAX_TRIES);
			vt_snap_take(&snap, &e, &s);
			arm(&e, n);
			err = vm_load_first(&s, code, sizeof(code), VT_RX);
			disarm(&e);
			if (err == PT_OK) {
				vt_snap_free(&snap);
				break;
			}
			VT_ERR(err, PT_ENOMEM);
			VT_UNCHANGED(&snap, &e, &s);
		}
		VT_LE(f->levels, n - 1); /* the page and one table per level below the root */
		VT_EQ(s.size, P);
		expect(&s, 0, sizeof(code), 7);
		vm_space_free(&s);
		vt_env_fini(&e);
	}
}

/* ---- vm_kmap_build -------------------------------------------------------------------------- */

static void test_kmap_build_enomem(void **state)
{
	(void)state;
	FOR_EACH_FORMAT(f)
	{
		struct vm_region r[8];
		size_t nr;
		struct vt_env e;
		struct pt pt, ref;
		char *want;
		unsigned n;
		enum pt_err err;

		if (f == &pt_format_x86_32)
			nr = vm_kmap_xv6_x86(r, 0x80108000ull, 0xE000000ull);
		else
			nr = vm_kmap_xv6_riscv(r, 0x80008000ull, 0x80007000ull, 0x88000000ull);

		vt_env_init(&e, RAM_SIZE);
		/* What a build without failures gives. */
		VT_OK(pt_init(&ref, f, &e.env.mem));
		VT_OK(pt_map(&ref, 0x40000000ull, 0x1000, P, PT_R, 0));
		VT_OK(vm_kmap_build(&ref, r, nr, 0));
		want = vt_ranges(&ref, 0, 0);
		vt_defer(free, want);
		pt_destroy(&ref, 0, 0, 0);

		VT_OK(pt_init(&pt, f, &e.env.mem));
		VT_OK(pt_map(&pt, 0x40000000ull, 0x1000, P, PT_R, 0)); /* something there already */
		for (n = 1;; n++) {
			char *before = vt_vmprint(&pt);
			uint32_t free_before = vt_free(&e);
			size_t bad = 99;

			vt_ctx("%s: allocation %u fails", f->name, n);
			VT_LE(n, MAX_TRIES);
			arm(&e, n);
			err = vm_kmap_build(&pt, r, nr, &bad);
			disarm(&e);
			if (err == PT_OK) {
				free(before);
				break;
			}
			VT_ERR(err, PT_ENOMEM);
			VT_LT(bad, nr);
			VT_TEXT(vt_vmprint(&pt), before);
			VT_EQ(vt_free(&e), free_before);
		}
		VT_LE(1, n - 1); /* (xv6-x86 needs one table: its 4 KiB part lies in one 4 MiB span) */
		vt_undefer(want);
		VT_TEXT(vt_ranges(&pt, 0, 0), want);
		pt_destroy(&pt, 0, 0, 0);
		vt_env_fini(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_grow_eager_enomem, vt_teardown),
		cmocka_unit_test_teardown(test_grow_lazy_needs_no_memory, vt_teardown),
		cmocka_unit_test_teardown(test_copy_full_enomem, vt_teardown),
		cmocka_unit_test_teardown(test_copy_cow_enomem, vt_teardown),
		cmocka_unit_test_teardown(test_fault_lazy_enomem, vt_teardown),
		cmocka_unit_test_teardown(test_fault_cow_enomem, vt_teardown),
		cmocka_unit_test_teardown(test_load_first_enomem, vt_teardown),
		cmocka_unit_test_teardown(test_kmap_build_enomem, vt_teardown),
	};

	return cmocka_run_group_tests_name("vm_faults", tests, NULL, NULL);
}
