/*
 * Format descriptors and codecs (lib/pt/format.c, lib/pt/formats/riscv.c, lib/pt/formats/x86.c).
 *
 * Expected values come from the hardware specifications as summarised in the shared
 * mmu-rules.md (RISC-V: sections 1.1-1.3; x86: sections 2.1-2.3) and are written out by hand.
 */
#include "support/testlib.h"

#include <stdio.h>
#include <string.h>

#define NFORMATS 8

/* ---- geometry -------------------------------------------------------------------------------- */

/* The parameters of every format, copied by hand from the spec tables. */
static const struct expect_geom {
	const char *name;
	const char *arch;
	unsigned levels, pte_size, va_bits, pa_bits;
	bool sign_extended;
	unsigned index_bits[PT_MAX_LEVELS];
	unsigned leaf_levels;
	unsigned perms_implied;
	uint64_t present_bit;
} expect_geom[NFORMATS] = {
	{"sv32", "riscv", 2, 4, 32, 34, false, {10, 10}, 0x3, 0, 1},
	{"sv39", "riscv", 3, 8, 39, 56, true, {9, 9, 9}, 0x7, 0, 1},
	{"sv48", "riscv", 4, 8, 48, 56, true, {9, 9, 9, 9}, 0xf, 0, 1},
	{"sv57", "riscv", 5, 8, 57, 56, true, {9, 9, 9, 9, 9}, 0x1f, 0, 1},
	/* 32-bit paging with CR4.PSE=1: 4 KiB and 4 MiB pages, no XD, so every page executes. */
	{"x86-32", "x86", 2, 4, 32, 32, false, {10, 10}, 0x3, PT_X, 1},
	/* PAE: 4-entry PDPT (no leaves there), 2 MiB pages. */
	{"x86-pae", "x86", 3, 8, 32, 52, false, {9, 9, 2}, 0x3, 0, 1},
	/* IA-32e: 2 MiB and 1 GiB pages, never at the PML4/PML5 level. */
	{"x86-64", "x86", 4, 8, 48, 52, true, {9, 9, 9, 9}, 0x7, 0, 1},
	{"x86-64-la57", "x86", 5, 8, 57, 52, true, {9, 9, 9, 9, 9}, 0x7, 0, 1},
};

static unsigned count_formats(void)
{
	unsigned n = 0;

	while (pt_formats[n])
		n++;
	return n;
}

static void test_registry_lists_every_format_in_order(void **state)
{
	(void)state;
	TL_EQ(count_formats(), NFORMATS);
	TL_TRUE(pt_formats[0] == &pt_format_sv32);
	TL_TRUE(pt_formats[1] == &pt_format_sv39);
	TL_TRUE(pt_formats[2] == &pt_format_sv48);
	TL_TRUE(pt_formats[3] == &pt_format_sv57);
	TL_TRUE(pt_formats[4] == &pt_format_x86_32);
	TL_TRUE(pt_formats[5] == &pt_format_x86_pae);
	TL_TRUE(pt_formats[6] == &pt_format_x86_64);
	TL_TRUE(pt_formats[7] == &pt_format_x86_la57);
	TL_TRUE(pt_formats[8] == NULL);
}

static void test_descriptors_match_the_specs(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NFORMATS; i++) {
		const struct pt_format *f = pt_formats[i];
		const struct expect_geom *x = &expect_geom[i];

		tl_where("format %s", x->name);
		TL_STR(f->name, x->name);
		TL_STR(f->arch, x->arch);
		TL_EQ(f->levels, x->levels);
		TL_EQ(f->pte_size, x->pte_size);
		TL_EQ(f->va_bits, x->va_bits);
		TL_EQ(f->pa_bits, x->pa_bits);
		TL_EQ(f->sign_extended, x->sign_extended);
		TL_EQ(f->leaf_levels, x->leaf_levels);
		TL_EQ(f->perms_implied, x->perms_implied);
		TL_EQ(f->present_bit, x->present_bit);
		for (unsigned l = 0; l < x->levels; l++)
			TL_EQ(f->index_bits[l], x->index_bits[l]);
		TL_TRUE(f->make_leaf && f->make_table && f->decode && f->check_perms);
	}
	tl_where("");
}

static void test_geometry_is_consistent(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		const struct pt_format *f = pt_formats[i];
		unsigned top = f->levels - 1u;

		tl_where("format %s", f->name);
		TL_TRUE(f->levels >= 2 && f->levels <= PT_MAX_LEVELS);
		TL_EQ(f->shift[0], PT_PAGE_SHIFT);
		for (unsigned l = 0; l + 1 < f->levels; l++)
			TL_EQ(f->shift[l + 1], f->shift[l] + f->index_bits[l]);
		TL_EQ(f->va_bits, f->shift[top] + f->index_bits[top]);
		/* Leaves: level 0 allowed, and the allowed levels are 0..k without gaps. */
		TL_TRUE(f->leaf_levels & 1u);
		TL_EQ(f->leaf_levels & (f->leaf_levels + 1u), 0);
		TL_EQ(f->leaf_levels >> f->levels, 0);
		/* Sizes: every table a page except PAE's 32-byte PDPT. */
		for (unsigned l = 0; l < top; l++)
			TL_EQ(pt_table_bytes(f, l), 4096);
		if (f == &pt_format_x86_pae)
			TL_EQ(pt_table_bytes(f, top), 32);
		else
			TL_EQ(pt_table_bytes(f, top), 4096);
		for (unsigned l = 0; l < f->levels; l++)
			TL_EQ(pt_level_size(f, l), (uint64_t)1 << f->shift[l]);
		TL_EQ(f->pte_size == 4 || f->pte_size == 8, 1);
		TL_EQ(f->present_bit, 1);
	}
	tl_where("");
}

static void test_level_sizes_by_hand(void **state)
{
	(void)state;
	TL_EQ(pt_level_size(&pt_format_sv32, 1), 4 * TL_MIB);
	TL_EQ(pt_level_size(&pt_format_sv39, 1), 2 * TL_MIB);
	TL_EQ(pt_level_size(&pt_format_sv39, 2), TL_GIB);
	TL_EQ(pt_level_size(&pt_format_sv48, 3), 512 * TL_GIB);
	TL_EQ(pt_level_size(&pt_format_sv57, 4), 256 * TL_TIB);
	TL_EQ(pt_level_size(&pt_format_x86_32, 1), 4 * TL_MIB);
	TL_EQ(pt_level_size(&pt_format_x86_pae, 1), 2 * TL_MIB);
	TL_EQ(pt_level_size(&pt_format_x86_pae, 2), TL_GIB);
	TL_EQ(pt_level_size(&pt_format_x86_64, 2), TL_GIB);
	TL_EQ(pt_level_size(&pt_format_x86_la57, 4), 256 * TL_TIB);
}

static void test_format_by_name_round_trip(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		tl_where("format %s", pt_formats[i]->name);
		TL_TRUE(pt_format_by_name(pt_formats[i]->name) == pt_formats[i]);
		for (unsigned j = 0; j < i; j++)
			TL_TRUE(strcmp(pt_formats[i]->name, pt_formats[j]->name) != 0);
	}
	tl_where("");
	TL_TRUE(pt_format_by_name("sv39") == &pt_format_sv39);
	TL_TRUE(pt_format_by_name("x86-64-la57") == &pt_format_x86_la57);
	TL_TRUE(pt_format_by_name("x86-64") == &pt_format_x86_64);
	TL_TRUE(pt_format_by_name("sv3") == NULL);
	TL_TRUE(pt_format_by_name("sv390") == NULL);
	TL_TRUE(pt_format_by_name("SV39") == NULL);
	TL_TRUE(pt_format_by_name("") == NULL);
	TL_TRUE(pt_format_by_name(NULL) == NULL);
}

/* ---- codec round trips ------------------------------------------------------------------------ */

/* A few PAs aligned to `align` and inside the format's width. */
static unsigned sample_pas(const struct pt_format *f, uint64_t align, pa_t out[4])
{
	uint64_t limit = (uint64_t)1 << f->pa_bits;
	unsigned n = 0;

	out[n++] = 0;
	out[n++] = align;
	out[n++] = limit - align;                                  /* the highest one */
	out[n++] = (0x5a5a5a5a5a5a5a5aull & (limit - 1)) & ~(align - 1); /* a bit pattern */
	return n;
}

static void test_check_perms_follows_the_rules(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		const struct pt_format *f = pt_formats[i];

		tl_where("format %s", f->name);
		/* Every combination of the nine bits, plus an unknown bit. */
		for (unsigned perms = 0; perms < 0x400u; perms++) {
			enum pt_err want = tl_perms_valid(f, perms) ? PT_OK : PT_EPERM;

			tl_where("format %s perms 0x%x", f->name, perms);
			TL_ERR(f->check_perms(f, perms), want);
		}
	}
	tl_where("");
	/* The rules, spelled out. RISC-V: XWR=010 and 110 are reserved, XWR=000 is a pointer. */
	TL_ERR(pt_format_sv39.check_perms(&pt_format_sv39, PT_W), PT_EPERM);
	TL_ERR(pt_format_sv39.check_perms(&pt_format_sv39, PT_W | PT_X), PT_EPERM);
	TL_ERR(pt_format_sv39.check_perms(&pt_format_sv39, PT_U | PT_A | PT_D), PT_EPERM);
	TL_ERR(pt_format_sv39.check_perms(&pt_format_sv39, 0), PT_EPERM);
	TL_ERR(pt_format_sv39.check_perms(&pt_format_sv39, PT_X), PT_OK); /* execute-only */
	TL_ERR(pt_format_sv32.check_perms(&pt_format_sv32, PT_R), PT_OK);
	TL_ERR(pt_format_sv57.check_perms(&pt_format_sv57, PT_R | PT_W | PT_X | PT_U), PT_OK);
	/* x86: every present page is readable, so no execute-only and no write-only. */
	TL_ERR(pt_format_x86_64.check_perms(&pt_format_x86_64, PT_X), PT_EPERM);
	TL_ERR(pt_format_x86_64.check_perms(&pt_format_x86_64, PT_W), PT_EPERM);
	TL_ERR(pt_format_x86_64.check_perms(&pt_format_x86_64, PT_W | PT_X | PT_U), PT_EPERM);
	TL_ERR(pt_format_x86_pae.check_perms(&pt_format_x86_pae, PT_R), PT_OK);
	TL_ERR(pt_format_x86_32.check_perms(&pt_format_x86_32, PT_X), PT_EPERM);
	TL_ERR(pt_format_x86_32.check_perms(&pt_format_x86_32, PT_R | PT_W), PT_OK);
	/* Bits beyond PT_PERM_ALL. */
	TL_ERR(pt_format_sv39.check_perms(&pt_format_sv39, PT_R | 0x200u), PT_EPERM);
	TL_ERR(pt_format_x86_64.check_perms(&pt_format_x86_64, PT_R | 0x200u), PT_EPERM);
}

static void test_leaf_round_trip_every_level_and_perms(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		const struct pt_format *f = pt_formats[i];
		unsigned leaf_levels_seen = 0;

		for (unsigned level = 0; level < f->levels; level++) {
			uint64_t size = pt_level_size(f, level);
			unsigned accepted = 0;
			pa_t pas[4];
			unsigned npa;

			if (!(f->leaf_levels & (1u << level)))
				continue;
			leaf_levels_seen |= 1u << level;
			npa = sample_pas(f, size, pas);
			for (unsigned perms = 0; perms <= PT_PERM_ALL; perms++) {
				if (f->check_perms(f, perms) != PT_OK)
					continue;
				accepted++;
				for (unsigned k = 0; k < npa; k++) {
					uint64_t pte = f->make_leaf(f, pas[k], perms, level);
					struct pt_decoded d;

					tl_where("format %s level %u perms 0x%x pa 0x%llx pte 0x%llx",
						 f->name, level, perms, (unsigned long long)pas[k],
						 (unsigned long long)pte);
					TL_TRUE(pte & f->present_bit);
					if (f->pte_size == 4)
						TL_EQ(pte >> 32, 0);
					memset(&d, 0xa5, sizeof(d));
					f->decode(f, pte, level, &d);
					TL_EQ(d.kind, PT_ENTRY_LEAF);
					TL_EQ(d.pa, pas[k]);
					TL_EQ(d.perms, pt_effective_perms(f, perms));
				}
			}
			/* RISC-V: 2^9 sets, minus those without R or X, minus W-without-R. */
			tl_where("format %s level %u", f->name, level);
			TL_EQ(accepted, tl_is_riscv(f) ? 320 : 256);
		}
		TL_EQ(leaf_levels_seen, f->leaf_levels);
	}
	tl_where("");
}

static void test_table_round_trip_every_level(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		const struct pt_format *f = pt_formats[i];

		for (unsigned level = 1; level < f->levels; level++) {
			pa_t pas[4];
			unsigned npa = sample_pas(f, 4096, pas);

			for (unsigned k = 0; k < npa; k++) {
				uint64_t pte = f->make_table(f, pas[k], level);
				struct pt_decoded d;

				tl_where("format %s level %u pa 0x%llx pte 0x%llx", f->name, level,
					 (unsigned long long)pas[k], (unsigned long long)pte);
				TL_TRUE(pte & f->present_bit);
				if (f->pte_size == 4)
					TL_EQ(pte >> 32, 0);
				f->decode(f, pte, level, &d);
				TL_EQ(d.kind, PT_ENTRY_TABLE);
				TL_EQ(d.pa, pas[k]);
			}
		}
	}
	tl_where("");
}

static void test_zero_and_not_present_decode_as_invalid(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		const struct pt_format *f = pt_formats[i];

		for (unsigned level = 0; level < f->levels; level++) {
			uint64_t junk = f->pte_size == 8 ? 0xfedcba9876543210ull : 0x76543210ull;
			struct pt_decoded d;

			tl_where("format %s level %u", f->name, level);
			f->decode(f, 0, level, &d);
			TL_EQ(d.kind, PT_ENTRY_INVALID);
			/* With V/P clear every other bit belongs to software. */
			f->decode(f, junk & ~f->present_bit, level, &d);
			TL_EQ(d.kind, PT_ENTRY_INVALID);
		}
	}
	tl_where("");
}

/* ---- raw encodings, computed by hand --------------------------------------------------------- */

static uint64_t leaf(const struct pt_format *f, pa_t pa, unsigned perms, unsigned level)
{
	return f->make_leaf(f, pa, perms, level);
}

static uint64_t table(const struct pt_format *f, pa_t pa, unsigned level)
{
	return f->make_table(f, pa, level);
}

static void test_riscv_encodings(void **state)
{
	const struct pt_format *sv39 = &pt_format_sv39, *sv32 = &pt_format_sv32;

	(void)state;
	/* PPN at bit 10; V=0 R=1 W=2 X=3 U=4 G=5 A=6 D=7 RSW=9:8. */
	TL_EQ(leaf(sv39, 0x80001000, PT_R | PT_W | PT_X | PT_U, 0),
	      (0x80001000ull >> 12) << 10 | 0x1f);
	TL_EQ(leaf(sv39, 0x80001000, PT_R | PT_W | PT_X | PT_U, 0), 0x2000041full);
	TL_EQ(leaf(sv39, 0x80000000, PT_R, 0), 0x20000003ull);
	TL_EQ(leaf(sv39, 0x80000000, PT_X, 0), 0x20000009ull);
	/* 2 MiB: R W G A D = 0x2|0x4|0x20|0x40|0x80, plus V. */
	TL_EQ(leaf(sv39, 0x80200000, PT_R | PT_W | PT_G | PT_A | PT_D, 1), 0x200800e7ull);
	/* 1 GiB at PA 0xc0000000: PPN 0xc0000. */
	TL_EQ(leaf(sv39, 0xc0000000, PT_R | PT_X, 2), 0x3000000bull);
	/* Software bits land in RSW (9:8). */
	TL_EQ(leaf(sv39, 0x1000, PT_R | PT_SW0, 0), 0x503ull);
	TL_EQ(leaf(sv39, 0x1000, PT_R | PT_SW1, 0), 0x603ull);
	/* Highest PA of RV64: 56 bits, PPN bits 53:10 all ones. */
	TL_EQ(leaf(sv39, 0x00fffffffffff000ull, PT_R, 0), 0x003ffffffffffc03ull);
	/* A pointer: V alone and the PPN. */
	TL_EQ(table(sv39, 0x80002000, 2), 0x20000801ull);
	TL_EQ(table(&pt_format_sv48, 0x80002000, 3), 0x20000801ull);
	TL_EQ(table(&pt_format_sv57, 0x80002000, 4), 0x20000801ull);
	/* Sv32: 34-bit PA, PPN in 31:10. A 4 MiB page at PA 0x3_0000_0000. */
	TL_EQ(leaf(sv32, 0x300000000ull, PT_R | PT_X, 1), 0xc000000bull);
	TL_EQ(leaf(sv32, 0x3fffff000ull, PT_R | PT_W, 0), 0xfffffc07ull);
	TL_EQ(table(sv32, 0x80003000, 1), 0x20000c01ull);
}

static void test_riscv_decode_by_hand(void **state)
{
	const struct pt_format *sv39 = &pt_format_sv39;
	struct pt_decoded d;

	(void)state;
	/* xv6-style leaf 0x21fda807: PPN 0x87f6a, low bits 0x7 = V R W. */
	sv39->decode(sv39, 0x21fda807ull, 0, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.pa, 0x87f6a000ull);
	TL_EQ(d.perms, PT_R | PT_W);
	/* 0xdf: V R W X U (G=0) A D. */
	sv39->decode(sv39, 0x200000dfull | (0x123ull << 10), 0, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.perms, PT_R | PT_W | PT_X | PT_U | PT_A | PT_D);
	/* G on a pointer is allowed (it makes everything below global). */
	sv39->decode(sv39, 0x20000801ull | (1u << 5), 2, &d);
	TL_EQ(d.kind, PT_ENTRY_TABLE);
	TL_EQ(d.pa, 0x80002000ull);
}

static void test_x86_encodings(void **state)
{
	const struct pt_format *x64 = &pt_format_x86_64, *pae = &pt_format_x86_pae,
			       *x32 = &pt_format_x86_32, *la57 = &pt_format_x86_la57;
	struct pt_decoded d;

	(void)state;
	/* P=0 R/W=1 U/S=2 A=5 D=6 PS=7 G=8 ignored 11:9, XD=63. */
	TL_EQ(leaf(x64, 0x12345000, PT_R | PT_W | PT_X | PT_U, 0), 0x12345007ull);
	TL_EQ(leaf(x64, 0x12345000, PT_R, 0), 0x8000000012345001ull);
	/* 2 MiB leaf: PS (bit 7) and, when not executable, XD (bit 63). */
	TL_EQ(leaf(x64, 0x40200000, PT_R | PT_W, 1), 0x8000000040200083ull);
	TL_EQ(leaf(x64, 0x40200000, PT_R | PT_X, 1), 0x0000000040200081ull);
	/* 1 GiB leaf with G, A, D. */
	TL_EQ(leaf(x64, 0x40000000, PT_R | PT_W | PT_X | PT_G | PT_A | PT_D, 2), 0x400001e3ull);
	/* Software bits in the ignored bits 9 and 10. */
	TL_EQ(leaf(x64, 0x1000, PT_R | PT_X | PT_SW0 | PT_SW1, 0), 0x1601ull);
	/* The highest PA, 52 bits. */
	TL_EQ(leaf(x64, 0x000ffffffffff000ull, PT_R | PT_X, 0), 0x000ffffffffff001ull);
	/* Non-leaf entries grant everything: P, R/W, U/S. */
	TL_EQ(table(x64, 0x80003000, 3), 0x80003007ull);
	TL_EQ(table(x64, 0x80003000, 1), 0x80003007ull);
	TL_EQ(table(la57, 0x80003000, 4), 0x80003007ull);
	/* PAE: the PDPT entry has only P and the address; PD/PT entries as x86-64. */
	TL_EQ(table(pae, 0x80004000, 2), 0x80004001ull);
	TL_EQ(table(pae, 0x80005000, 1), 0x80005007ull);
	TL_EQ(leaf(pae, 0x00200000, PT_R, 1), 0x8000000000200081ull);
	TL_EQ(leaf(pae, 0xf12345000ull, PT_R | PT_W | PT_X, 0), 0xf12345003ull);
	/* x86-32: 4-byte entries, no XD; a 4 MiB leaf has PS. */
	TL_EQ(leaf(x32, 0xffc00000, PT_R | PT_W | PT_U, 1), 0xffc00087ull);
	TL_EQ(leaf(x32, 0x00400000, PT_R, 1), 0x00400081ull);
	TL_EQ(leaf(x32, 0xfffff000, PT_R, 0), 0xfffff001ull);
	TL_EQ(leaf(x32, 0x1000, PT_R | PT_G | PT_A | PT_D, 0), 0x1161ull);
	TL_EQ(table(x32, 0x80006000, 1), 0x80006007ull);

	/* x86-32 has no XD: a page asked without X still executes. */
	x32->decode(x32, 0xffc00087ull, 1, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.pa, 0xffc00000ull);
	TL_EQ(d.perms, PT_R | PT_W | PT_U | PT_X);
	TL_EQ(pt_effective_perms(x32, PT_R), PT_R | PT_X);
	TL_EQ(pt_effective_perms(x64, PT_R), PT_R);
	/* x86-64: XD clear means executable; every present page is readable. */
	x64->decode(x64, 0x40200083ull, 1, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.perms, PT_R | PT_W | PT_X);
	x64->decode(x64, 0x8000000012345005ull, 0, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.perms, PT_R | PT_U);
	/* PAT (bit 12) in a 2 MiB leaf is an attribute, not an address bit. */
	x64->decode(x64, 0x40201083ull, 1, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.pa, 0x40200000ull);
	/* PAT (bit 7) in a 4 KiB PTE is not PS. */
	x64->decode(x64, 0x12345081ull, 0, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.pa, 0x12345000ull);
	/* Bits 62:52 are ignored in IA-32e entries (not reserved as in PAE). */
	x64->decode(x64, 0x7ff0000012345001ull, 0, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.pa, 0x12345000ull);
	/* PWT/PCD (bits 3, 4) and the ignored bits 11:9 are allowed in a PAE PDPTE. */
	pae->decode(pae, 0x80004001ull | 0x18 | 0xe00, 2, &d);
	TL_EQ(d.kind, PT_ENTRY_TABLE);
	TL_EQ(d.pa, 0x80004000ull);
	/* PS in a PDPTE of x86-64 is a 1 GiB page. */
	x64->decode(x64, 0x40000081ull, 2, &d);
	TL_EQ(d.kind, PT_ENTRY_LEAF);
	TL_EQ(d.pa, 0x40000000ull);
}

/* ---- malformed entries ------------------------------------------------------------------------ */

static void expect_bad(const struct pt_format *f, uint64_t pte, unsigned level, const char *what)
{
	struct pt_decoded d;

	tl_where("format %s level %u pte 0x%llx: %s", f->name, level, (unsigned long long)pte,
		 what);
	memset(&d, 0, sizeof(d));
	f->decode(f, pte, level, &d);
	TL_EQ(d.kind, PT_ENTRY_BAD);
	TL_TRUE(d.why != NULL && d.why[0] != 0);
}

static void expect_kind(const struct pt_format *f, uint64_t pte, unsigned level,
			enum pt_entry_kind kind, const char *what)
{
	struct pt_decoded d;

	tl_where("format %s level %u pte 0x%llx: %s", f->name, level, (unsigned long long)pte,
		 what);
	f->decode(f, pte, level, &d);
	TL_EQ(d.kind, kind);
}

static void test_riscv_malformed_entries(void **state)
{
	(void)state;
	for (unsigned i = 0; pt_formats[i]; i++) {
		const struct pt_format *f = pt_formats[i];
		uint64_t leaf0, ptr1;

		if (!tl_is_riscv(f))
			continue;
		leaf0 = leaf(f, 0x80001000, PT_R | PT_W, 0);
		ptr1 = table(f, 0x80002000, 1);
		/* A pointer at level 0 (XWR=000 with V). */
		expect_bad(f, ptr1, 0, "pointer at level 0");
		expect_kind(f, ptr1, 1, PT_ENTRY_TABLE, "pointer at level 1");
		/* A, D and U are reserved on pointers. */
		expect_bad(f, ptr1 | (1u << 6), 1, "A on a pointer");
		expect_bad(f, ptr1 | (1u << 7), 1, "D on a pointer");
		expect_bad(f, ptr1 | (1u << 4), 1, "U on a pointer");
		/* XWR=010 and 110: W without R. */
		expect_bad(f, (leaf0 & ~0xeull) | 0x4, 0, "XWR=010");
		expect_bad(f, (leaf0 & ~0xeull) | 0xc, 0, "XWR=110");
		expect_kind(f, leaf0, 0, PT_ENTRY_LEAF, "XWR=011");
		/* Misaligned superpages: the PPN must be zero below the level. */
		expect_bad(f, leaf(f, 0x80201000, PT_R, 0), 1, "2/4 MiB leaf off by 4 KiB");
		expect_kind(f, leaf(f, 0x80000000, PT_R, 1), 1, PT_ENTRY_LEAF, "aligned");
		if (f->levels > 2) {
			expect_bad(f, leaf(f, 0x80200000, PT_R, 1), 2, "1 GiB leaf off by 2 MiB");
			expect_kind(f, leaf(f, 0xc0000000, PT_R, 2), 2, PT_ENTRY_LEAF, "aligned");
		}
		if (f->pte_size == 8) {
			/* RV64: bits 63:54 are reserved (no Svnapot, no Svpbmt). */
			for (unsigned b = 54; b < 64; b++) {
				expect_bad(f, leaf0 | ((uint64_t)1 << b), 0, "reserved bit, leaf");
				expect_bad(f, ptr1 | ((uint64_t)1 << b), 1, "reserved bit, pointer");
			}
			/* Bit 53 is the top PPN bit, not reserved. */
			expect_kind(f, leaf0 | ((uint64_t)1 << 53), 0, PT_ENTRY_LEAF, "PPN bit 53");
		} else {
			/* Sv32: bit 31 is the top PPN bit. */
			expect_kind(f, leaf0 | 0x80000000ull, 0, PT_ENTRY_LEAF, "PPN bit 31");
		}
	}
	tl_where("");
}

static void test_x86_malformed_entries(void **state)
{
	const struct pt_format *x64 = &pt_format_x86_64, *la57 = &pt_format_x86_la57,
			       *pae = &pt_format_x86_pae, *x32 = &pt_format_x86_32;
	uint64_t leaf2m = leaf(x64, 0x40200000, PT_R | PT_W, 1);
	uint64_t leaf1g = leaf(x64, 0x40000000, PT_R | PT_W, 2);
	uint64_t pae2m = leaf(pae, 0x40200000, PT_R | PT_W, 1);
	uint64_t x32_4m = leaf(x32, 0x40400000, PT_R | PT_W, 1);
	uint64_t pdpte = table(pae, 0x80004000, 2);

	(void)state;
	/* PS in a PML4E (and PML5E): no 512 GiB or 256 TiB pages on x86. */
	expect_bad(x64, table(x64, 0x80003000, 3) | 0x80, 3, "PS in a PML4E");
	expect_bad(x64, 0x8000000000000081ull, 3, "PS in a PML4E, zero address");
	expect_bad(la57, table(la57, 0x80003000, 3) | 0x80, 3, "PS in a PML4E");
	expect_bad(la57, table(la57, 0x80003000, 4) | 0x80, 4, "PS in a PML5E");
	/* Bits 20:13 of a 2 MiB leaf and 29:13 of a 1 GiB leaf are reserved. */
	for (unsigned b = 13; b <= 20; b++) {
		expect_bad(x64, leaf2m | ((uint64_t)1 << b), 1, "2 MiB leaf, bit 20:13");
		expect_bad(la57, leaf2m | ((uint64_t)1 << b), 1, "2 MiB leaf, bit 20:13");
		expect_bad(pae, pae2m | ((uint64_t)1 << b), 1, "PAE 2 MiB leaf, bit 20:13");
	}
	for (unsigned b = 13; b <= 29; b++)
		expect_bad(x64, leaf1g | ((uint64_t)1 << b), 2, "1 GiB leaf, bit 29:13");
	/* 32-bit paging, 4 MiB page: 20:13 (PSE-36 beyond 32-bit PA) and 21 are reserved. */
	for (unsigned b = 13; b <= 21; b++)
		expect_bad(x32, x32_4m | ((uint64_t)1 << b), 1, "4 MiB leaf, bit 21:13");
	expect_kind(x32, x32_4m | 0x1000, 1, PT_ENTRY_LEAF, "4 MiB leaf with PAT");
	/* The same bits are address bits in a 4 KiB PTE and in a pointer. */
	expect_kind(x64, leaf(x64, 0x40201000, PT_R, 0) | 0x1fe000, 0, PT_ENTRY_LEAF, "PTE");
	expect_kind(x64, table(x64, 0x801fe000, 1), 1, PT_ENTRY_TABLE, "PDE pointer");
	expect_kind(x32, table(x32, 0x803fe000, 1), 1, PT_ENTRY_TABLE, "PDE pointer");
	/* PAE PDPTE: bits 2:1, 8:5 and 63:52 are reserved. */
	for (unsigned b = 1; b <= 8; b++) {
		if (b == 3 || b == 4)
			continue; /* PWT, PCD */
		expect_bad(pae, pdpte | ((uint64_t)1 << b), 2, "PDPTE bit 2:1 or 8:5");
	}
	for (unsigned b = 52; b < 64; b++)
		expect_bad(pae, pdpte | ((uint64_t)1 << b), 2, "PDPTE bit 63:52");
	/* PAE PDE/PTE: 62:52 reserved (only XD at 63 is allowed). */
	for (unsigned b = 52; b < 63; b++) {
		expect_bad(pae, leaf(pae, 0x1000, PT_R, 0) | ((uint64_t)1 << b), 0, "PAE PTE 62:52");
		expect_bad(pae, pae2m | ((uint64_t)1 << b), 1, "PAE 2 MiB leaf 62:52");
	}
	expect_kind(pae, leaf(pae, 0x1000, PT_R, 0) | ((uint64_t)1 << 63), 0, PT_ENTRY_LEAF,
		    "PAE PTE with XD");
	tl_where("");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL_TEST(test_registry_lists_every_format_in_order),
		TL_TEST(test_descriptors_match_the_specs),
		TL_TEST(test_geometry_is_consistent),
		TL_TEST(test_level_sizes_by_hand),
		TL_TEST(test_format_by_name_round_trip),
		TL_TEST(test_check_perms_follows_the_rules),
		TL_TEST(test_leaf_round_trip_every_level_and_perms),
		TL_TEST(test_table_round_trip_every_level),
		TL_TEST(test_zero_and_not_present_decode_as_invalid),
		TL_TEST(test_riscv_encodings),
		TL_TEST(test_riscv_decode_by_hand),
		TL_TEST(test_x86_encodings),
		TL_TEST(test_riscv_malformed_entries),
		TL_TEST(test_x86_malformed_entries),
	};

	return cmocka_run_group_tests_name("formats", tests, NULL, NULL);
}
