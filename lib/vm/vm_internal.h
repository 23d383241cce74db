/* Private helpers of lib/vm. */
#ifndef VMKIT_VM_INTERNAL_H
#define VMKIT_VM_INTERNAL_H

#include "vmkit/vm.h"

#define VM_PAGE PT_PAGE_SIZE

static inline uint64_t vm_round_up(uint64_t x)
{
	return (x + VM_PAGE - 1) & ~(VM_PAGE - 1);
}

static inline uint64_t vm_round_down(uint64_t x)
{
	return x & ~(VM_PAGE - 1);
}

/* Host pointer to the frame at pa. */
static inline uint8_t *vm_frame_ptr(const struct vm_env *env, pa_t pa)
{
	return env->mem.ptr(env->mem.ctx, pa);
}

/* Whether perms allow every access type in access (enum vm_access bits). */
static inline bool vm_perms_allow(unsigned perms, unsigned access)
{
	return (!(access & VM_READ) || (perms & PT_R)) && (!(access & VM_WRITE) || (perms & PT_W)) &&
	       (!(access & VM_EXEC) || (perms & PT_X));
}

/* Take a zeroed frame; false when none is left. */
bool vm_frame_alloc(struct vm_env *env, pa_t *pa);

/* Drop one reference to each frame of [pa, pa + bytes). */
void vm_frames_put(struct vm_env *env, pa_t pa, uint64_t bytes);

void vm_bytes_copy(void *dst, const void *src, uint64_t n);
void vm_bytes_zero(void *dst, uint64_t n);

#endif
