/*
 * The frame allocator: 4 KiB physical frames with reference counts, over one contiguous range
 * of physical memory. Pure bookkeeping: it never touches the frames themselves, so the caller
 * decides how (and whether) to zero them. Freestanding; not locked (kernels lock around it).
 */
#ifndef VMKIT_FRAME_H
#define VMKIT_FRAME_H

#include "vmkit/types.h"

#define FRAME_SIZE 4096u

/* Bookkeeping for one frame; the caller provides an array of them, one per frame. */
struct frame_info {
	uint32_t refs; /* 0 when free */
	uint32_t next; /* next free frame's index, while free */
};

struct frame_pool {
	pa_t base;               /* PA of frame 0 */
	uint32_t nframes;
	struct frame_info *info; /* nframes entries */
	uint32_t free_head;      /* index of the first free frame, nframes if none */
	uint32_t nfree;
	uint64_t allocs;         /* successful and failed allocations so far */
	uint64_t fail_at;        /* the allocation with this number fails (0: none) */
};

/* Manage frames [base, base + nframes * 4096), all free. base must be page-aligned. */
void frame_pool_init(struct frame_pool *fp, pa_t base, uint32_t nframes, struct frame_info *info);

/* Take a free frame (reference count 1); false if none is left. Lowest addresses go first. */
bool frame_alloc(struct frame_pool *fp, pa_t *pa);

/* Whether pa is the start of a frame of this pool. */
bool frame_owns(const struct frame_pool *fp, pa_t pa);

/* Add a reference to an allocated frame; false if pa is not one. */
bool frame_get(struct frame_pool *fp, pa_t pa);

/* Drop a reference; the frame is free again when none is left. False (and nothing changes) if
 * pa is not an allocated frame of this pool: a double free is reported, never followed. */
bool frame_put(struct frame_pool *fp, pa_t pa);

/* References to the frame at pa (0 if free or not in the pool). */
uint32_t frame_refs(const struct frame_pool *fp, pa_t pa);

/* Frames free now. */
uint32_t frame_free_count(const struct frame_pool *fp);

/* Make the nth allocation from now fail (n = 1: the next one); 0 turns this off. For tests. */
void frame_fail_nth(struct frame_pool *fp, uint64_t n);

#endif
