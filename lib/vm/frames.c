/* User frames: allocation, release, and the byte moves lib/ needs without libc. */
#include "vm_internal.h"

void vm_bytes_copy(void *dst, const void *src, uint64_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
}

void vm_bytes_zero(void *dst, uint64_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = 0;
}

bool vm_frame_alloc(struct vm_env *env, pa_t *pa)
{
	if (!env->frames.alloc(env->frames.ctx, pa))
		return false;
	vm_bytes_zero(vm_frame_ptr(env, *pa), VM_PAGE);
	return true;
}

void vm_frames_put(struct vm_env *env, pa_t pa, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += VM_PAGE)
		env->frames.put(env->frames.ctx, pa + off);
}

/* lib/vm maps user memory in 4 KiB pages only: a larger leaf there was not made by it (a
 * hand-made table), and its frames are not ours to release. */
void vm_release_leaf(void *env, const struct pt_leaf *leaf)
{
	if (leaf->size == VM_PAGE)
		vm_frames_put(env, leaf->pa, VM_PAGE);
}

static bool pool_alloc(void *fp, pa_t *pa)
{
	return frame_alloc(fp, pa);
}

static bool pool_get(void *fp, pa_t pa)
{
	return frame_get(fp, pa);
}

static void pool_put(void *fp, pa_t pa)
{
	frame_put(fp, pa); /* false for memory outside the pool (a device): not ours to free */
}

static uint32_t pool_refs(void *fp, pa_t pa)
{
	return frame_refs(fp, pa);
}

struct vm_frame_ops vm_frame_pool_ops(struct frame_pool *fp)
{
	struct vm_frame_ops ops = {pool_alloc, pool_get, pool_put, pool_refs, fp};

	return ops;
}
