/*
 * RISC-V Sv32, Sv39, Sv48 and Sv57 (privileged specification, "Supervisor-level ISA").
 *
 * One codec serves all four: an entry is V R W X U G A D, two software bits, then the PPN at
 * bit 10. RV64 entries reserve bits 63:54 (Svpbmt and Svnapot are not used by the engine).
 */
#include "vmkit/pt_format.h"

#define RV_V (1u << 0)
#define RV_R (1u << 1)
#define RV_W (1u << 2)
#define RV_X (1u << 3)
#define RV_U (1u << 4)
#define RV_A (1u << 6)
#define RV_D (1u << 7)
#define RV_PPN_SHIFT 10
#define RV64_RESERVED (~(uint64_t)0 << 54)

/*
 * The abstract permissions are laid out in RISC-V order (R W X U G A D SW0 SW1 = bits 0..8), so
 * the entry's bits 9:1 are the permissions themselves.
 */
static uint64_t rv_perm_bits(unsigned perms)
{
	return (uint64_t)(perms & PT_PERM_ALL) << 1;
}

static unsigned rv_perms_of(uint64_t pte)
{
	return (unsigned)(pte >> 1) & PT_PERM_ALL;
}

static uint64_t rv_pa_field(pa_t pa)
{
	return (pa >> 12) << RV_PPN_SHIFT;
}

static pa_t rv_pa_of(const struct pt_format *f, uint64_t pte)
{
	unsigned ppn_bits = f->pa_bits - 12;
	return ((pte >> RV_PPN_SHIFT) & (((uint64_t)1 << ppn_bits) - 1)) << 12;
}

static uint64_t rv_make_leaf(const struct pt_format *f, pa_t pa, unsigned perms, unsigned level)
{
	(void)f;
	(void)level;
	return RV_V | rv_perm_bits(perms) | rv_pa_field(pa);
}

/* A pointer to the next level: V alone, since A, D and U must be clear on non-leaf entries. */
static uint64_t rv_make_table(const struct pt_format *f, pa_t table_pa, unsigned level)
{
	(void)f;
	(void)level;
	return RV_V | rv_pa_field(table_pa);
}

static void rv_decode(const struct pt_format *f, uint64_t pte, unsigned level,
		      struct pt_decoded *out)
{
	unsigned xwr = (unsigned)(pte >> 1) & 7u;

	out->pa = rv_pa_of(f, pte);
	out->perms = 0;
	out->why = 0;
	if (!(pte & RV_V)) {
		out->kind = PT_ENTRY_INVALID;
		return;
	}
	out->kind = PT_ENTRY_BAD;
	if (f->pte_size == 8 && (pte & RV64_RESERVED)) {
		out->why = "reserved bits 63:54 set";
		return;
	}
	if (xwr == 0) {
		if (level == 0)
			out->why = "pointer entry at level 0";
		else if (pte & (RV_A | RV_D | RV_U))
			out->why = "A, D or U set on a pointer entry";
		else
			out->kind = PT_ENTRY_TABLE;
		return;
	}
	if ((pte & RV_W) && !(pte & RV_R)) {
		out->why = "reserved encoding: W without R";
		return;
	}
	if (out->pa & (((uint64_t)1 << f->shift[level]) - 1)) {
		out->why = "misaligned superpage";
		return;
	}
	out->perms = rv_perms_of(pte);
	out->kind = PT_ENTRY_LEAF;
}

/* A leaf needs R or X (XWR=000 is a pointer) and W needs R (XWR=010 and 110 are reserved). */
static enum pt_err rv_check_perms(const struct pt_format *f, unsigned perms)
{
	(void)f;
	if (perms & ~PT_PERM_ALL)
		return PT_EPERM;
	if (!(perms & (PT_R | PT_X)))
		return PT_EPERM;
	if ((perms & PT_W) && !(perms & PT_R))
		return PT_EPERM;
	return PT_OK;
}

#define RV_CODEC                                                                             \
	.arch = "riscv", .pte_pa_shift = 2, .present_bit = RV_V,      \
	.perms_implied = 0, .make_leaf = rv_make_leaf, .make_table = rv_make_table,          \
	.decode = rv_decode, .check_perms = rv_check_perms

const struct pt_format pt_format_sv32 = {
	.name = "sv32", RV_CODEC, .sign_extended = false,
	.levels = 2, .pte_size = 4, .va_bits = 32, .pa_bits = 34,
	.index_bits = {10, 10}, .shift = {12, 22}, .leaf_levels = 0x3,
};

const struct pt_format pt_format_sv39 = {
	.name = "sv39", RV_CODEC, .sign_extended = true,
	.levels = 3, .pte_size = 8, .va_bits = 39, .pa_bits = 56,
	.index_bits = {9, 9, 9}, .shift = {12, 21, 30}, .leaf_levels = 0x7,
};

const struct pt_format pt_format_sv48 = {
	.name = "sv48", RV_CODEC, .sign_extended = true,
	.levels = 4, .pte_size = 8, .va_bits = 48, .pa_bits = 56,
	.index_bits = {9, 9, 9, 9}, .shift = {12, 21, 30, 39}, .leaf_levels = 0xf,
};

const struct pt_format pt_format_sv57 = {
	.name = "sv57", RV_CODEC, .sign_extended = true,
	.levels = 5, .pte_size = 8, .va_bits = 57, .pa_bits = 56,
	.index_bits = {9, 9, 9, 9, 9}, .shift = {12, 21, 30, 39, 48}, .leaf_levels = 0x1f,
};
