/* vm_copy: duplicate a user address space for fork, by copying or by sharing copy-on-write. */
#include "vm_internal.h"

struct copy {
	struct vm_space *dst;
	enum vm_copy_mode mode;
	enum pt_err err;
};

/* Give dst a private copy of each page of the leaf. */
static enum pt_err copy_pages(struct copy *c, const struct pt_leaf *leaf)
{
	struct vm_env *env = c->dst->env;

	for (uint64_t off = 0; off < leaf->size; off += VM_PAGE) {
		enum pt_err err;
		pa_t pa;

		if (!vm_frame_ptr(env, leaf->pa + off))
			return PT_EFAULT; /* a user page outside memory: a corrupt table */
		if (!vm_frame_alloc(env, &pa))
			return PT_ENOMEM;
		vm_bytes_copy(vm_frame_ptr(env, pa), vm_frame_ptr(env, leaf->pa + off), VM_PAGE);
		err = pt_map(&c->dst->pt, leaf->va + off, pa, VM_PAGE, leaf->perms, PT_MAP_4K);
		if (err) {
			vm_frames_put(env, pa, VM_PAGE);
			return err;
		}
	}
	return PT_OK;
}

/* Map the leaf's frames into dst too, read-only and marked VM_COW if they were writable. */
static enum pt_err share_pages(struct copy *c, const struct pt_leaf *leaf)
{
	struct vm_env *env = c->dst->env;
	unsigned perms = leaf->perms;
	enum pt_err err;

	if (perms & PT_W)
		perms = (perms & ~PT_W) | VM_COW;
	err = pt_map(&c->dst->pt, leaf->va, leaf->pa, leaf->size, perms, PT_MAP_4K);
	if (err)
		return err;
	for (uint64_t off = 0; off < leaf->size; off += VM_PAGE)
		env->frames.get(env->frames.ctx, leaf->pa + off);
	return PT_OK;
}

static int copy_leaf(void *ctx, const struct pt_leaf *leaf)
{
	struct copy *c = ctx;

	if (leaf->size != VM_PAGE) {
		c->err = PT_ECORRUPT; /* user memory is 4 KiB pages: this table was made by hand */
		return 1;
	}
	c->err = c->mode == VM_COPY_FULL ? copy_pages(c, leaf) : share_pages(c, leaf);
	return c->err != PT_OK;
}

enum pt_err vm_copy(struct vm_space *dst, struct vm_space *src, enum vm_copy_mode mode)
{
	struct copy c = {dst, mode, PT_OK};
	struct pt_visitor v = {0, copy_leaf, 0, 0, &c};
	uint64_t span = vm_round_up(src->size);
	enum pt_err err = PT_OK;

	if (dst->size != 0 || dst->pt.fmt != src->pt.fmt || (mode != VM_COPY_FULL && mode != VM_COPY_COW))
		return PT_EINVAL;
	if (mode == VM_COPY_COW && !src->env->frames.get)
		return PT_EINVAL;
	if (span) {
		err = pt_visit(&src->pt, 0, span, &v);
		if (err == PT_ESTOPPED)
			err = c.err;
	}
	/* Write-protect the parent last: until here it is untouched, and this cannot fail for
	 * want of memory since user pages are 4 KiB and nothing needs splitting. */
	if (!err && span && mode == VM_COPY_COW)
		err = pt_update_where(&src->pt, 0, span, PT_W, VM_COW, PT_W);
	if (err) {
		if (span)
			pt_unmap(&dst->pt, 0, span, vm_release_leaf, dst->env);
		return err;
	}
	dst->size = src->size;
	dst->limit = src->limit;
	dst->lazy_from = src->lazy_from;
	dst->lazy_perms = src->lazy_perms;
	return PT_OK;
}
