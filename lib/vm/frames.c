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
	if (!frame_alloc(env->frames, pa))
		return false;
	vm_bytes_zero(vm_frame_ptr(env, *pa), VM_PAGE);
	return true;
}

void vm_frames_put(struct vm_env *env, pa_t pa, uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += VM_PAGE)
		frame_put(env->frames, pa + off); /* false for device memory: not ours to free */
}

void vm_release_leaf(void *env, const struct pt_leaf *leaf)
{
	vm_frames_put(env, leaf->pa, leaf->size);
}
