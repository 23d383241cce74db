/* User address spaces: create, load the first program, grow, shrink, free, query. */
#include "vm_internal.h"

void vm_space_adopt(struct vm_space *s, struct vm_env *env, const struct pt *pt, uint64_t size,
		    uint64_t limit)
{
	s->pt = *pt;
	s->env = env;
	s->size = size;
	s->limit = limit;
	s->lazy_from = UINT64_MAX;
	s->lazy_perms = 0;
}

enum pt_err vm_space_init(struct vm_space *s, struct vm_env *env, const struct pt_format *f,
			  uint64_t limit)
{
	struct pt pt;
	enum pt_err err;

	if (!s || !env || !env->frames.alloc || !env->frames.put || !env->frames.refs ||
	    (limit & (VM_PAGE - 1)))
		return PT_EINVAL;
	err = pt_init(&pt, f, &env->mem);
	if (!err)
		vm_space_adopt(s, env, &pt, 0, limit);
	return err;
}

/* pt_leaf_fn for vm_space_free: user pages (below size) are freed, the kernel's are not. */
static void free_user_leaf(void *space, const struct pt_leaf *leaf)
{
	struct vm_space *s = space;

	if (leaf->va < vm_round_up(s->size))
		vm_release_leaf(s->env, leaf);
}

void vm_space_free(struct vm_space *s)
{
	pt_destroy(&s->pt, free_user_leaf, s, 0);
	s->size = 0;
}

enum pt_err vm_load_first(struct vm_space *s, const void *code, uint64_t len, unsigned perms)
{
	enum pt_err err;
	pa_t pa;

	if (len > VM_PAGE || s->size != 0)
		return PT_EINVAL;
	if (!vm_frame_alloc(s->env, &pa))
		return PT_ENOMEM;
	vm_bytes_copy(vm_frame_ptr(s->env, pa), code, len);
	err = pt_map(&s->pt, 0, pa, VM_PAGE, perms, PT_MAP_4K);
	if (err) {
		vm_frames_put(s->env, pa, VM_PAGE);
		return err;
	}
	s->size = VM_PAGE;
	return PT_OK;
}

/* Pages allocated for a grow but not mapped yet: [va, va + len) -> [pa, pa + len). */
struct grow_run {
	va_t va;
	pa_t pa;
	uint64_t len;
};

/* Map [start, end) to fresh zeroed frames, one pt_map per run of contiguous frames. */
static enum pt_err grow_eager(struct vm_space *s, uint64_t start, uint64_t end, unsigned perms)
{
	struct grow_run run = {start, 0, 0};
	enum pt_err err = PT_OK;

	for (va_t va = start; va < end; va += VM_PAGE) {
		pa_t pa;

		if (!vm_frame_alloc(s->env, &pa)) {
			err = PT_ENOMEM;
			break;
		}
		if (run.len && pa == run.pa + run.len) {
			run.len += VM_PAGE;
			continue;
		}
		if (run.len)
			err = pt_map(&s->pt, run.va, run.pa, run.len, perms, PT_MAP_4K);
		if (err) {
			vm_frames_put(s->env, pa, VM_PAGE);
			break;
		}
		run = (struct grow_run){va, pa, VM_PAGE};
	}
	if (!err && run.len)
		err = pt_map(&s->pt, run.va, run.pa, run.len, perms, PT_MAP_4K);
	if (!err)
		return PT_OK;
	/* Roll back: the pending run was never mapped; everything below it was. */
	vm_frames_put(s->env, run.pa, run.len);
	if (run.va > start)
		pt_unmap(&s->pt, start, run.va - start, vm_release_leaf, s->env);
	return err;
}

enum pt_err vm_grow(struct vm_space *s, uint64_t newsize, unsigned perms, unsigned flags)
{
	uint64_t start = vm_round_up(s->size);
	uint64_t end = vm_round_up(newsize);
	enum pt_err err;

	if (flags & ~VM_GROW_LAZY)
		return PT_EINVAL;
	if (newsize <= s->size)
		return PT_OK;
	if (end < newsize || end > s->limit)
		return PT_ERANGE;
	err = s->pt.fmt->check_perms(s->pt.fmt, perms);
	if (err)
		return err;
	if (flags & VM_GROW_LAZY) {
		/* One window, one set of permissions: an open window cannot change them. */
		if (s->lazy_from < start && perms != s->lazy_perms)
			return PT_EINVAL;
		if (start < s->lazy_from)
			s->lazy_from = start;
		s->lazy_perms = perms;
	} else if (start < end) {
		err = grow_eager(s, start, end, perms);
		if (err)
			return err;
	}
	s->size = newsize;
	return PT_OK;
}

enum pt_err vm_shrink(struct vm_space *s, uint64_t newsize)
{
	uint64_t start = vm_round_up(newsize);
	uint64_t end = vm_round_up(s->size);
	enum pt_err err;

	if (newsize >= s->size)
		return PT_OK;
	if (start < end) {
		err = pt_unmap(&s->pt, start, end - start, vm_release_leaf, s->env);
		if (err)
			return err;
	}
	if (start <= s->lazy_from)
		s->lazy_from = UINT64_MAX; /* the lazy window is gone */
	s->size = newsize;
	return PT_OK;
}

enum pt_err vm_clear_user(struct vm_space *s, va_t va)
{
	struct pt_leaf leaf;
	enum pt_err err;

	if (va >= s->limit)
		return PT_EFAULT;
	err = pt_query(&s->pt, va, &leaf, 0);
	if (err)
		return err;
	return pt_update(&s->pt, vm_round_down(va), VM_PAGE, 0, PT_U);
}

enum pt_err vm_user_pa(const struct vm_space *s, va_t va, pa_t *pa)
{
	struct pt_leaf leaf;

	if (va >= s->limit || pt_query(&s->pt, va, &leaf, pa) != PT_OK || !(leaf.perms & PT_U))
		return PT_EFAULT;
	return PT_OK;
}
