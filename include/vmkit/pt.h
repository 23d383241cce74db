/*
 * The page-table engine: build, walk, change and free multi-level page tables of any format.
 *
 * Addresses: VAs are what the processor uses (canonical for RV64 and x86-64); PAs are physical.
 * Ranges are [va, va + size), page-aligned, non-empty, inside one canonical half.
 *
 * Every operation that changes a table is all-or-nothing: it first checks the whole range and
 * reserves every table it will need, then commits. On any error the table is exactly as it was
 * and every page it allocated has been given back.
 *
 * Tables are reached only through the caller's struct pt_mem. The engine never flushes a TLB:
 * after changing a live table the caller issues sfence.vma / invlpg / a CR3 reload.
 */
#ifndef VMKIT_PT_H
#define VMKIT_PT_H

#include "vmkit/pt_err.h"
#include "vmkit/pt_format.h"
#include "vmkit/types.h"

/* How the engine reaches physical memory. */
struct pt_mem {
	/* Pointer through which the table at pa can be read and written. */
	void *(*ptr)(void *ctx, pa_t pa);
	/* Allocate `bytes` (a power of two <= 4096) of zeroed memory aligned to `bytes`. */
	enum pt_err (*alloc)(void *ctx, uint64_t bytes, pa_t *pa);
	/* Give back what alloc returned. */
	void (*free)(void *ctx, pa_t pa, uint64_t bytes);
	/* Optional, for pt_check: whether [pa, pa + bytes) is memory tables may live in. */
	bool (*contains)(void *ctx, pa_t pa, uint64_t bytes);
	void *ctx;
};

/* A page table: its format, its memory and its root. Owned by the caller; no hidden state. */
struct pt {
	const struct pt_format *fmt;
	struct pt_mem mem;
	pa_t root;
};

/* One leaf: a page or superpage mapping. */
struct pt_leaf {
	va_t va;          /* first VA it maps */
	pa_t pa;          /* first PA it maps */
	uint64_t size;    /* bytes: 4K, 2M, 4M, 1G, ... */
	unsigned level;   /* 0 for 4 KiB pages */
	unsigned perms;   /* enum pt_perm bits, implied ones included */
	uint64_t pte;     /* the raw entry */
	unsigned index;   /* its index in its table */
};

/* Receives each removed (unmap) or remaining (destroy) leaf. */
typedef void (*pt_leaf_fn)(void *ctx, const struct pt_leaf *leaf);

/* Flags of pt_map. */
#define PT_MAP_4K 0x1u /* use 4 KiB pages only, even where a superpage would fit */

/* Flags of pt_walk. */
#define PT_WALK_CREATE 0x1u /* create missing intermediate tables on the way down */

/* The entry a walk ended at. */
struct pt_slot {
	void *entry;       /* pointer to the raw entry (4 or 8 bytes, see fmt->pte_size) */
	pa_t entry_pa;     /* its physical address */
	unsigned level;    /* level of the table holding it */
	uint64_t pte;      /* its value when the walk read it */
};

/* Create an empty table: allocate the root. */
enum pt_err pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_mem *mem);

/* Free every table, root included. Leaves still mapped go to on_leaf (may be NULL); their number
 * is stored in *leaves (may be NULL). Malformed entries are dropped, not followed. */
void pt_destroy(struct pt *pt, pt_leaf_fn on_leaf, void *ctx, uint64_t *leaves);

/* Find the entry for va down to level 0, or to the first leaf or malformed entry above it, as
 * xv6's walk does. Without PT_WALK_CREATE a missing table gives PT_ENOENT with *slot describing
 * the invalid entry where the walk stopped; with it, missing tables are created (all or none). */
enum pt_err pt_walk(struct pt *pt, va_t va, unsigned flags, struct pt_slot *slot);

/* Map [va, va + size) to [pa, pa + size) with perms, using the largest pages that fit unless
 * flags has PT_MAP_4K. PT_EEXIST if anything in the range is already mapped. */
enum pt_err pt_map(struct pt *pt, va_t va, pa_t pa, uint64_t size, unsigned perms,
		   unsigned flags);

/* Remove every mapping in [va, va + size). Superpages straddling an edge are split (which may
 * need tables: PT_ENOMEM); emptied tables are freed. Each removed leaf, or the removed part of a
 * split one, goes to on_leaf (may be NULL). Unmapped holes are fine. Cost follows what is mapped,
 * not the length of the range. */
enum pt_err pt_unmap(struct pt *pt, va_t va, uint64_t size, pt_leaf_fn on_leaf, void *ctx);

/* Give every leaf in [va, va + size) exactly perms (A, D and software bits included), splitting
 * superpages at the edges. Holes are skipped. */
enum pt_err pt_protect(struct pt *pt, va_t va, uint64_t size, unsigned perms);

/* For every leaf in [va, va + size): perms = (perms & ~clear) | set. Fails with PT_EPERM, changing
 * nothing, if any leaf would end up with permissions the format cannot express. */
enum pt_err pt_update(struct pt *pt, va_t va, uint64_t size, unsigned set, unsigned clear);

/* pt_update restricted to the leaves that have every permission in `when` (copy-on-write marks
 * only the writable pages of a space). Superpages straddling an edge are split whether or not
 * they match. */
enum pt_err pt_update_where(struct pt *pt, va_t va, uint64_t size, unsigned when, unsigned set,
			    unsigned clear);

/* Replace the leaf that starts at va by one mapping pa with perms, in place: same level, no
 * allocation, so it cannot fail for want of memory (copy-on-write uses it). PT_ENOENT if no
 * leaf starts at va; PT_EALIGN if pa does not suit the leaf's size. */
enum pt_err pt_remap(struct pt *pt, va_t va, pa_t pa, unsigned perms);

/* What va maps to: PT_ENOENT if nothing, PT_ECORRUPT if a malformed entry is in the way. On
 * success *out describes the leaf and *pa_out (may be NULL) is the PA of va itself. */
enum pt_err pt_query(const struct pt *pt, va_t va, struct pt_leaf *out, pa_t *pa_out);

/* A table met by pt_visit. */
struct pt_table {
	va_t va;          /* first VA it covers */
	uint64_t span;    /* bytes it covers */
	unsigned level;   /* its level (the root is fmt->levels - 1) */
	pa_t pa;          /* where it lives */
	uint64_t pte;     /* the entry pointing at it (0 for the root) */
	unsigned index;   /* that entry's index in the parent (0 for the root) */
};

/* A malformed entry met by pt_visit. */
struct pt_bad {
	va_t va;
	unsigned level;
	unsigned index;
	uint64_t pte;
	pa_t entry_pa;    /* where the entry lives */
	const char *why;
};

/* Callbacks of pt_visit; any may be NULL. A nonzero return stops the visit (PT_ESTOPPED). */
struct pt_visitor {
	int (*table_pre)(void *ctx, const struct pt_table *table);
	int (*leaf)(void *ctx, const struct pt_leaf *leaf);
	int (*bad)(void *ctx, const struct pt_bad *bad);
	int (*table_post)(void *ctx, const struct pt_table *table);
	void *ctx;
};

/* Call v for every table (pre and post order), leaf and malformed entry that meets
 * [va, va + size), in address order, starting with the root. */
enum pt_err pt_visit(const struct pt *pt, va_t va, uint64_t size, const struct pt_visitor *v);

/* The same over the whole address space (both canonical halves). */
enum pt_err pt_visit_all(const struct pt *pt, const struct pt_visitor *v);

/* xv6's vmprint form: "page table 0x...", then " .." per depth, "N: pte 0x... pa 0x...". */
enum pt_err pt_dump_vmprint(const struct pt *pt, vk_write_fn write, void *ctx);

/* Names a VA for pt_dump_ranges (e.g. the kernel region it belongs to), or NULL. */
typedef const char *(*pt_label_fn)(void *ctx, va_t va);

/* One line per run of contiguous pages of one size with the same permissions:
 * "0x0000000000001000-0x0000000000003fff -> 0x80001000 r-xu 4K x3", plus the label if any. */
enum pt_err pt_dump_ranges(const struct pt *pt, pt_label_fn label, void *label_ctx,
			   vk_write_fn write, void *ctx);

/* Permissions as text: "rwxu" when none of g, a, d and the software bits is set, else
 * "rwxugad" with "+s0"/"+s1" appended for software bits. buf needs 16 bytes. */
const char *pt_perms_str(unsigned perms, char buf[16]);

/* Size as text: "4K", "2M", "1G", "512G", ... buf needs 16 bytes. */
const char *pt_size_str(uint64_t size, char buf[16]);

/* The first invariant that pt_check found broken. */
struct pt_violation {
	va_t va;           /* VA covered by the offending entry */
	unsigned level;    /* level of the table holding it */
	uint64_t pte;      /* the entry */
	const char *what;  /* what is wrong */
};

/* Verify every entry: no reserved bits, leaves only at levels that allow them, superpages
 * aligned, tables inside memory (mem.contains, or the PA width), no table reachable twice.
 * scratch holds the table addresses seen (one slot per table, twice as many is faster);
 * PT_ENOSPC if too small. Returns PT_OK, or PT_ECORRUPT with *out set. */
enum pt_err pt_check(const struct pt *pt, pa_t *scratch, size_t scratch_len,
		     struct pt_violation *out);

/* Counts over a whole table. */
struct pt_stats {
	uint64_t tables[PT_MAX_LEVELS];  /* tables at each level (root included) */
	uint64_t leaves[PT_MAX_LEVELS];  /* leaves at each level */
	uint64_t bad;                    /* malformed entries */
	uint64_t table_bytes;            /* memory used by tables */
	uint64_t mapped_bytes;           /* bytes mapped by leaves */
};

/* Fill *out with counts over the whole table. */
enum pt_err pt_stats(const struct pt *pt, struct pt_stats *out);

/* The canonical VA for an index into the format's VA space (sign-extends where needed). */
va_t pt_canonical(const struct pt_format *f, uint64_t iva);

#endif
