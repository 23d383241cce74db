/*
 * Paging formats: one descriptor per hardware mode, plus a small codec.
 *
 * The engine (lib/pt) knows nothing about any architecture. Everything it needs to know about a
 * paging mode is here: how many levels, how many VA bits each level indexes, how wide an entry is,
 * where leaves may sit, and three functions that turn abstract mappings into raw entries and back.
 *
 * Levels are numbered as the RISC-V specification does: level 0 maps 4 KiB pages, the root is
 * level `levels - 1`.
 */
#ifndef VMKIT_PT_FORMAT_H
#define VMKIT_PT_FORMAT_H

#include "vmkit/pt_err.h"
#include "vmkit/types.h"

#define PT_MAX_LEVELS 5
#define PT_PAGE_SHIFT 12
#define PT_PAGE_SIZE ((uint64_t)1 << PT_PAGE_SHIFT)

/* Abstract permissions and attributes of a leaf. A format maps them to its own bits. */
enum pt_perm {
	PT_R = 1u << 0,   /* readable */
	PT_W = 1u << 1,   /* writable */
	PT_X = 1u << 2,   /* executable */
	PT_U = 1u << 3,   /* accessible from user mode */
	PT_G = 1u << 4,   /* global: survives an address-space switch in the TLB */
	PT_A = 1u << 5,   /* accessed, preset */
	PT_D = 1u << 6,   /* dirty, preset */
	PT_SW0 = 1u << 7, /* software bit 0 (vmkit's copy-on-write marker) */
	PT_SW1 = 1u << 8, /* software bit 1 (free for the caller) */
};
#define PT_PERM_ALL 0x1ffu

/* What a raw entry is. */
enum pt_entry_kind {
	PT_ENTRY_INVALID, /* not present */
	PT_ENTRY_TABLE,   /* points at the next-level table */
	PT_ENTRY_LEAF,    /* maps a page of this level's size */
	PT_ENTRY_BAD,     /* present but malformed: hardware would fault on it */
};

/* A decoded entry. For PT_ENTRY_BAD, `why` says what is wrong and pa is a best-effort reading. */
struct pt_decoded {
	enum pt_entry_kind kind;
	pa_t pa;          /* next table (TABLE) or page base (LEAF) */
	unsigned perms;   /* enum pt_perm bits (LEAF only) */
	const char *why;  /* reason (BAD only) */
};

/* The descriptor. Plain data, except for the four codec functions. */
struct pt_format {
	const char *name;       /* "sv39", "x86-pae", ... */
	const char *arch;       /* "riscv" or "x86" */
	uint8_t levels;         /* number of levels, root included */
	uint8_t pte_size;       /* bytes per entry: 4 or 8 */
	uint8_t va_bits;        /* translated VA bits */
	uint8_t pa_bits;        /* physical address width the entries can express */
	bool sign_extended;     /* VAs above va_bits must copy bit va_bits-1 (RV64, x86-64) */
	uint8_t pte_pa_shift;   /* an entry's address field holds pa >> pte_pa_shift */
	uint64_t present_bit;   /* the bit that makes an entry present (V or P) */
	uint8_t index_bits[PT_MAX_LEVELS]; /* VA bits indexed at each level */
	uint8_t shift[PT_MAX_LEVELS];      /* log2 of the span of one entry at each level */
	uint8_t leaf_levels;    /* bit i set: a leaf may sit at level i */
	unsigned perms_implied; /* permissions every leaf has whether asked or not */

	/* Raw leaf for a page at pa (aligned to the level) with valid perms. */
	uint64_t (*make_leaf)(const struct pt_format *f, pa_t pa, unsigned perms, unsigned level);
	/* Raw entry at `level` pointing at the table at table_pa. */
	uint64_t (*make_table)(const struct pt_format *f, pa_t table_pa, unsigned level);
	/* What the raw entry at `level` means. */
	void (*decode)(const struct pt_format *f, uint64_t pte, unsigned level,
		       struct pt_decoded *out);
	/* PT_OK if the format can express perms on a leaf, else PT_EPERM. */
	enum pt_err (*check_perms)(const struct pt_format *f, unsigned perms);
};

/* The built-in formats. */
extern const struct pt_format pt_format_sv32;
extern const struct pt_format pt_format_sv39;
extern const struct pt_format pt_format_sv48;
extern const struct pt_format pt_format_sv57;
extern const struct pt_format pt_format_x86_32;   /* two levels, 4 MiB pages (CR4.PSE=1) */
extern const struct pt_format pt_format_x86_pae;  /* 4-entry PDPT, 2 MiB pages, NX */
extern const struct pt_format pt_format_x86_64;   /* 4 levels, 2 MiB and 1 GiB pages, NX */
extern const struct pt_format pt_format_x86_la57; /* 5 levels */

/* Every built-in format, NULL-terminated, in the order above. */
extern const struct pt_format *const pt_formats[];

/* The built-in format called name, or NULL. */
const struct pt_format *pt_format_by_name(const char *name);

/* Bytes of a table at level (the PAE root is 32 bytes; every other table is one page). */
static inline uint64_t pt_table_bytes(const struct pt_format *f, unsigned level)
{
	return (uint64_t)f->pte_size << f->index_bits[level];
}

/* Bytes mapped by one entry at level. */
static inline uint64_t pt_level_size(const struct pt_format *f, unsigned level)
{
	return (uint64_t)1 << f->shift[level];
}

/* The permissions a leaf mapped with perms really has (perms plus what the format implies). */
static inline unsigned pt_effective_perms(const struct pt_format *f, unsigned perms)
{
	return perms | f->perms_implied;
}

#endif
