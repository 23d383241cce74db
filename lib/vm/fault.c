/* vm_fault: the one place that decides between lazy allocation, copy-on-write and a real fault. */
#include "vm_internal.h"

static enum pt_err real_fault(struct vm_space *s)
{
	s->env->stats.bad_faults++;
	return PT_EFAULT;
}

/* No page at `page`: allocate it if the space reserved it lazily and allows the access. */
static enum pt_err fault_lazy(struct vm_space *s, va_t page, unsigned access)
{
	unsigned perms = pt_effective_perms(s->pt.fmt, s->lazy_perms);
	enum pt_err err;
	pa_t pa;

	if (page < s->lazy_from || page >= s->size || !vm_perms_allow(perms, access))
		return real_fault(s);
	if (!vm_frame_alloc(s->env, &pa))
		return PT_ENOMEM;
	err = pt_map(&s->pt, page, pa, VM_PAGE, s->lazy_perms, PT_MAP_4K);
	if (err) {
		vm_frames_put(s->env, pa, VM_PAGE);
		return err;
	}
	s->env->stats.lazy_allocs++;
	return PT_OK;
}

/* A write to a shared page: the last sharer takes it back, the others get a copy. */
static enum pt_err fault_cow(struct vm_space *s, va_t page, const struct pt_leaf *leaf)
{
	unsigned perms = (leaf->perms | PT_W) & ~VM_COW;
	enum pt_err err;
	pa_t copy;

	if (!vm_frame_ptr(s->env, leaf->pa))
		return real_fault(s); /* a shared page outside memory: a corrupt table */
	if (s->env->frames.refs(s->env->frames.ctx, leaf->pa) <= 1) {
		s->env->stats.cow_reuses++;
		return pt_remap(&s->pt, page, leaf->pa, perms);
	}
	if (!vm_frame_alloc(s->env, &copy))
		return PT_ENOMEM;
	vm_bytes_copy(vm_frame_ptr(s->env, copy), vm_frame_ptr(s->env, leaf->pa), VM_PAGE);
	err = pt_remap(&s->pt, page, copy, perms);
	if (err) {
		vm_frames_put(s->env, copy, VM_PAGE);
		return err;
	}
	vm_frames_put(s->env, leaf->pa, VM_PAGE);
	s->env->stats.cow_copies++;
	return PT_OK;
}

enum pt_err vm_fault(struct vm_space *s, va_t va, unsigned access)
{
	va_t page = vm_round_down(va);
	struct pt_leaf leaf;
	enum pt_err err;

	s->env->stats.faults++;
	if (va >= s->limit || !access || (access & ~(VM_READ | VM_WRITE | VM_EXEC)))
		return real_fault(s);
	err = pt_query(&s->pt, page, &leaf, 0);
	if (err == PT_ENOENT)
		return fault_lazy(s, page, access);
	if (err || !(leaf.perms & PT_U))
		return real_fault(s); /* malformed, guard page or kernel page */
	if (vm_perms_allow(leaf.perms, access))
		return PT_OK; /* already resolved (another hart, a stale TLB entry) */
	if ((access & VM_WRITE) && (leaf.perms & VM_COW) && leaf.size == VM_PAGE &&
	    vm_perms_allow(leaf.perms | PT_W, access))
		return fault_cow(s, page, &leaf);
	return real_fault(s);
}
