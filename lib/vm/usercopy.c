/* copyout, copyin, copyinstr: move bytes between the kernel and a user space, page by page. */
#include "vm_internal.h"

/* Host pointer to va, in a user page that allows `access`, resolving a fault once if needed. */
static enum pt_err user_ptr(struct vm_space *s, va_t va, unsigned access, uint8_t **p)
{
	struct pt_leaf leaf;
	pa_t pa;

	if (va >= s->limit)
		return PT_EFAULT;
	for (int attempt = 0;; attempt++) {
		if (pt_query(&s->pt, va, &leaf, &pa) == PT_OK && (leaf.perms & PT_U) &&
		    vm_perms_allow(leaf.perms, access)) {
			uint8_t *page = vm_frame_ptr(s->env, vm_round_down(pa));

			if (!page)
				return PT_EFAULT; /* a user page outside memory: a corrupt table */
			*p = page + (va & (VM_PAGE - 1));
			return PT_OK;
		}
		if (attempt > 0)
			return PT_EFAULT;
		enum pt_err err = vm_fault(s, va, access);
		if (err)
			return err;
	}
}

/* Bytes from va to the end of its page, at most n. */
static uint64_t page_chunk(va_t va, uint64_t n)
{
	uint64_t left = VM_PAGE - (va & (VM_PAGE - 1));

	return n < left ? n : left;
}

enum pt_err vm_copyout(struct vm_space *s, va_t dst, const void *src, uint64_t len)
{
	const uint8_t *from = src;

	if (dst + len < dst)
		return PT_EFAULT;
	while (len > 0) {
		uint64_t n = page_chunk(dst, len);
		uint8_t *to;
		enum pt_err err = user_ptr(s, dst, VM_WRITE, &to);

		if (err)
			return err;
		vm_bytes_copy(to, from, n);
		from += n;
		dst += n;
		len -= n;
	}
	return PT_OK;
}

enum pt_err vm_copyin(struct vm_space *s, void *dst, va_t src, uint64_t len)
{
	uint8_t *to = dst;

	if (src + len < src)
		return PT_EFAULT;
	while (len > 0) {
		uint64_t n = page_chunk(src, len);
		uint8_t *from;
		enum pt_err err = user_ptr(s, src, VM_READ, &from);

		if (err)
			return err;
		vm_bytes_copy(to, from, n);
		to += n;
		src += n;
		len -= n;
	}
	return PT_OK;
}

enum pt_err vm_copyinstr(struct vm_space *s, char *dst, va_t src, uint64_t max)
{
	while (max > 0) {
		uint64_t n = page_chunk(src, max);
		uint8_t *from;
		enum pt_err err = user_ptr(s, src, VM_READ, &from);

		if (err)
			return err;
		for (uint64_t i = 0; i < n; i++) {
			*dst++ = (char)from[i];
			if (from[i] == 0)
				return PT_OK;
		}
		src += n;
		max -= n;
	}
	return PT_ETOOLONG;
}
