/*
 * x86 paging (Intel SDM Vol. 3A, chapter 4): 32-bit two-level paging with 4 MiB pages
 * (CR4.PSE=1), PAE, and IA-32e 4-level and 5-level paging.
 *
 * Entries: P, R/W, U/S, PWT, PCD, A, D, PS (PAT in a 4 KiB entry), G, three ignored bits (the
 * first two are vmkit's software bits), the address, and in 8-byte entries XD at bit 63.
 * Every present page is readable, so a leaf must ask for R; 32-bit paging has no XD, so every
 * page there is executable whether asked or not (perms_implied).
 */
#include "vmkit/pt_format.h"

#define X86_P (1u << 0)
#define X86_RW (1u << 1)
#define X86_US (1u << 2)
#define X86_A (1u << 5)
#define X86_D (1u << 6)
#define X86_PS (1u << 7)
#define X86_G (1u << 8)
#define X86_SW0 (1u << 9)
#define X86_SW1 (1u << 10)
#define X86_XD ((uint64_t)1 << 63)
#define X86_ADDR64 0x000ffffffffff000ull /* bits 51:12 */
#define X86_ADDR32 0xfffff000ull

/*
 * Abstract permissions to entry bits and back, by shifts: W, A and D sit at the same positions
 * in both, U moves by one, G by four and the software bits by two.
 */
_Static_assert(PT_W == X86_RW && PT_A == X86_A && PT_D == X86_D, "shared bit positions");
_Static_assert(PT_U == X86_US << 1 && PT_G << 4 == X86_G && PT_SW0 << 2 == X86_SW0 &&
		       PT_SW1 << 2 == X86_SW1,
	       "shifted bit positions");

static uint64_t x86_perm_bits(unsigned perms)
{
	return (perms & (PT_W | PT_A | PT_D)) | ((perms & PT_U) >> 1) |
	       ((uint64_t)(perms & PT_G) << 4) | ((uint64_t)(perms & (PT_SW0 | PT_SW1)) << 2);
}

static unsigned x86_perms_of_bits(uint64_t pte)
{
	return (unsigned)((pte & (X86_RW | X86_A | X86_D)) | ((pte & X86_US) << 1) |
			  ((pte & X86_G) >> 4) | ((pte & (X86_SW0 | X86_SW1)) >> 2));
}

static bool has_xd(const struct pt_format *f)
{
	return f->pte_size == 8;
}

/* PAE's top level is the 4-entry PDPT, whose entries have only P and the address. */
static bool is_pdpte_register(const struct pt_format *f, unsigned level)
{
	return f->index_bits[level] == 2;
}

static uint64_t x86_make_leaf(const struct pt_format *f, pa_t pa, unsigned perms, unsigned level)
{
	uint64_t pte = X86_P | pa | x86_perm_bits(perms);

	if (level > 0)
		pte |= X86_PS;
	if (has_xd(f) && !(perms & PT_X))
		pte |= X86_XD;
	return pte;
}

/* Non-leaf entries grant everything; the leaf alone restricts (as xv6 and Linux do). */
static uint64_t x86_make_table(const struct pt_format *f, pa_t table_pa, unsigned level)
{
	if (is_pdpte_register(f, level))
		return X86_P | table_pa;
	return X86_P | X86_RW | X86_US | table_pa;
}

/* Bits that must be clear in a present entry at level; `leaf` for a PS=1 entry. */
static uint64_t x86_reserved(const struct pt_format *f, unsigned level, bool leaf)
{
	uint64_t r = 0;

	if (is_pdpte_register(f, level))
		return 0x1e6ull | (0xfffull << 52); /* 2:1, 8:5, 63:52 */
	if (f->pte_size == 8 && f->va_bits == 32)
		r |= 0x7ffull << 52; /* PAE: 62:52 reserved, not ignored */
	if (leaf && level > 0) {
		/* A large page's address bits below its size are reserved, except PAT at bit 12;
		 * in 32-bit paging bits 20:13 would be PA 39:32 (PSE-36), beyond pa_bits. */
		uint64_t below = ((uint64_t)1 << f->shift[level]) - 1;
		r |= below & ~0x1fffull;
	}
	return r;
}

static unsigned x86_perms_of(const struct pt_format *f, uint64_t pte)
{
	unsigned perms = PT_R | x86_perms_of_bits(pte);

	if (!has_xd(f) || !(pte & X86_XD))
		perms |= PT_X;
	return perms;
}

static void x86_decode(const struct pt_format *f, uint64_t pte, unsigned level,
		       struct pt_decoded *out)
{
	bool ps = level > 0 && (pte & X86_PS) && !is_pdpte_register(f, level);
	bool leaf = level == 0 || ps;
	uint64_t addr = f->pte_size == 8 ? X86_ADDR64 : X86_ADDR32;

	out->perms = 0;
	out->why = 0;
	out->kind = PT_ENTRY_BAD;
	out->pa = pte & addr & ~(((uint64_t)1 << f->shift[leaf ? level : 0]) - 1);
	if (!(pte & X86_P)) {
		out->kind = PT_ENTRY_INVALID;
		return;
	}
	if (pte & x86_reserved(f, level, leaf)) {
		out->why = "reserved bits set";
		return;
	}
	if (ps && !(f->leaf_levels & (1u << level))) {
		out->why = "PS set at a level without large pages";
		return;
	}
	if (!leaf) {
		out->kind = PT_ENTRY_TABLE;
		return;
	}
	out->perms = x86_perms_of(f, pte);
	out->kind = PT_ENTRY_LEAF;
}

/* Every present page is readable: a leaf must include R (no write-only, no execute-only). */
static enum pt_err x86_check_perms(const struct pt_format *f, unsigned perms)
{
	(void)f;
	if (perms & ~PT_PERM_ALL)
		return PT_EPERM;
	if (!(perms & PT_R))
		return PT_EPERM;
	return PT_OK;
}

#define X86_CODEC                                                                            \
	.arch = "x86", .pte_pa_shift = 0, .present_bit = X86_P, .make_leaf = x86_make_leaf,  \
	.make_table = x86_make_table, .decode = x86_decode, .check_perms = x86_check_perms

const struct pt_format pt_format_x86_32 = {
	.name = "x86-32", X86_CODEC, .sign_extended = false, .perms_implied = PT_X,
	.levels = 2, .pte_size = 4, .va_bits = 32, .pa_bits = 32,
	.index_bits = {10, 10}, .shift = {12, 22}, .leaf_levels = 0x3,
};

const struct pt_format pt_format_x86_pae = {
	.name = "x86-pae", X86_CODEC, .sign_extended = false, .perms_implied = 0,
	.levels = 3, .pte_size = 8, .va_bits = 32, .pa_bits = 52,
	.index_bits = {9, 9, 2}, .shift = {12, 21, 30}, .leaf_levels = 0x3,
};

const struct pt_format pt_format_x86_64 = {
	.name = "x86-64", X86_CODEC, .sign_extended = true, .perms_implied = 0,
	.levels = 4, .pte_size = 8, .va_bits = 48, .pa_bits = 52,
	.index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39}, .leaf_levels = 0x7,
};

const struct pt_format pt_format_x86_la57 = {
	.name = "x86-64-la57", X86_CODEC, .sign_extended = true, .perms_implied = 0,
	.levels = 5, .pte_size = 8, .va_bits = 57, .pa_bits = 52,
	.index_bits = {9, 9, 9, 9, 9}, .shift = {12, 21, 30, 39, 48}, .leaf_levels = 0x7,
};
