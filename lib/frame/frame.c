/* The frame allocator: a free list threaded through the per-frame bookkeeping array. */
#include "vmkit/frame.h"

void frame_pool_init(struct frame_pool *fp, pa_t base, uint32_t nframes, struct frame_info *info)
{
	fp->base = base;
	fp->nframes = nframes;
	fp->info = info;
	fp->nfree = nframes;
	fp->free_head = nframes ? 0 : nframes;
	fp->allocs = 0;
	fp->fail_at = 0;
	for (uint32_t i = 0; i < nframes; i++) {
		info[i].refs = 0;
		info[i].next = i + 1;
	}
}

/* Index of the frame at pa, or nframes if pa is not a frame of this pool. */
static uint32_t frame_index(const struct frame_pool *fp, pa_t pa)
{
	uint64_t off = pa - fp->base;

	if (pa < fp->base || (pa & (FRAME_SIZE - 1)) || (off >> 12) >= fp->nframes)
		return fp->nframes;
	return (uint32_t)(off >> 12);
}

bool frame_alloc(struct frame_pool *fp, pa_t *pa)
{
	uint32_t i = fp->free_head;

	fp->allocs++;
	if (fp->fail_at && fp->allocs == fp->fail_at)
		return false;
	if (i >= fp->nframes)
		return false;
	fp->free_head = fp->info[i].next;
	fp->info[i].refs = 1;
	fp->nfree--;
	*pa = fp->base + ((pa_t)i << 12);
	return true;
}

bool frame_owns(const struct frame_pool *fp, pa_t pa)
{
	return frame_index(fp, pa) < fp->nframes;
}

bool frame_get(struct frame_pool *fp, pa_t pa)
{
	uint32_t i = frame_index(fp, pa);

	if (i >= fp->nframes || fp->info[i].refs == 0 || fp->info[i].refs == UINT32_MAX)
		return false;
	fp->info[i].refs++;
	return true;
}

bool frame_put(struct frame_pool *fp, pa_t pa)
{
	uint32_t i = frame_index(fp, pa);

	if (i >= fp->nframes || fp->info[i].refs == 0)
		return false;
	if (--fp->info[i].refs == 0) {
		fp->info[i].next = fp->free_head;
		fp->free_head = i;
		fp->nfree++;
	}
	return true;
}

uint32_t frame_refs(const struct frame_pool *fp, pa_t pa)
{
	uint32_t i = frame_index(fp, pa);

	return i < fp->nframes ? fp->info[i].refs : 0;
}

uint32_t frame_free_count(const struct frame_pool *fp)
{
	return fp->nfree;
}

void frame_fail_nth(struct frame_pool *fp, uint64_t n)
{
	fp->fail_at = n ? fp->allocs + n : 0;
}
