/*
 * Address spaces: the part of the VM system a kernel calls.
 *
 * - Kernel maps built from a declarative table of regions (xv6's kmap[] idea).
 * - User address spaces: [0, size) is user memory, as xv6's `sz`. Grow (eagerly or lazily),
 *   shrink, copy for fork (full copy or copy-on-write), free.
 * - One fault handler deciding between lazy allocation, copy-on-write and a real fault.
 * - copyin / copyout / copyinstr that resolve faults as the hardware would.
 *
 * User pages are 4 KiB frames from a struct frame_pool with reference counts: a frame shared
 * copy-on-write is freed when its last mapping goes. Nothing here flushes a TLB: after vm_fault,
 * vm_copy (which write-protects the parent) or a shrink, the kernel flushes what it must.
 * Nothing here locks: the kernel serialises calls on one space and on the frame pool.
 */
#ifndef VMKIT_VM_H
#define VMKIT_VM_H

#include "vmkit/frame.h"
#include "vmkit/pt.h"

/* The software PTE bit that marks a page shared copy-on-write. */
#define VM_COW PT_SW0

/* Counters a kernel can report. */
struct vm_stats {
	uint64_t faults;      /* vm_fault calls */
	uint64_t lazy_allocs; /* pages allocated on first touch */
	uint64_t cow_copies;  /* shared pages copied on a write */
	uint64_t cow_reuses;  /* last sharer made writable without a copy */
	uint64_t bad_faults;  /* faults that were real errors */
};

/* Where user pages come from. vm_frame_pool_ops() serves them from lib/frame with reference
 * counts; xv6's drop-in serves them from kalloc/kfree, with no sharing (get == NULL). */
struct vm_frame_ops {
	bool (*alloc)(void *ctx, pa_t *pa);     /* one frame, reference count 1 */
	bool (*get)(void *ctx, pa_t pa);        /* one reference more (NULL: no sharing) */
	void (*put)(void *ctx, pa_t pa);        /* one reference less; free at zero */
	uint32_t (*refs)(void *ctx, pa_t pa);   /* references now */
	void *ctx;
};

/* Frame operations over a frame pool (put ignores addresses outside the pool). */
struct vm_frame_ops vm_frame_pool_ops(struct frame_pool *fp);

/* What the VM system needs from its host: memory for tables, frames for user pages (mem.ptr
 * must reach every frame: user pages are zeroed and copied through it), and counters. */
struct vm_env {
	struct pt_mem mem;
	struct vm_frame_ops frames;
	struct vm_stats stats;
};

/* ---- kernel maps ---------------------------------------------------------------------------- */

/* One region of a kernel map: [va, va + size) -> [pa, pa + size) with perms. */
struct vm_region {
	const char *name;
	va_t va;
	pa_t pa;
	uint64_t size;
	unsigned perms;
};

/* Map every region into pt, with superpages wherever alignment allows. Regions must be
 * page-aligned, non-empty and must not overlap each other (PT_EEXIST) or what pt maps already.
 * All or nothing: on failure every region mapped by this call is removed again and *bad (may
 * be NULL) is the index of the offending region. */
enum pt_err vm_kmap_build(struct pt *pt, const struct vm_region *regions, size_t n, size_t *bad);

/* The name of the region holding va, or NULL: a pt_label_fn for pt_dump_ranges (ctx is a
 * struct vm_kmap_names). */
struct vm_kmap_names {
	const struct vm_region *regions;
	size_t n;
};
const char *vm_kmap_name(void *names, va_t va);

/* xv6-riscv's Sv39 kernel map (memlayout.h): UART0, VIRTIO0, PLIC, kernel text R-X from
 * KERNBASE to etext, data and free RAM R-W up to phystop, and the trampoline page (whose
 * physical copy is at trampoline) at the top of the VA space. Fills out[0..5], returns 6. */
#define VM_XV6_RISCV_NREGIONS 6
size_t vm_kmap_xv6_riscv(struct vm_region *out, pa_t etext, pa_t trampoline, pa_t phystop);

/* xv6-x86's kernel map (vm.c's kmap[]): I/O space, kernel text and rodata read-only, kernel
 * data and memory up to phystop writable, device space from 0xFE000000 to 4 GiB, all at
 * KERNBASE 0x80000000 (VA = PA + KERNBASE). `data` is the VA where kernel data starts. Fills
 * out[0..3], returns 4. */
#define VM_XV6_X86_NREGIONS 4
#define VM_XV6_X86_KERNBASE 0x80000000ull
size_t vm_kmap_xv6_x86(struct vm_region *out, va_t data, pa_t phystop);

/* ---- user address spaces -------------------------------------------------------------------- */

struct vm_space {
	struct pt pt;
	struct vm_env *env;
	uint64_t size;        /* user memory is [0, size) */
	uint64_t limit;       /* user addresses end here (e.g. below xv6's trapframe) */
	uint64_t lazy_from;   /* unmapped pages in [lazy_from, size) come on first touch */
	unsigned lazy_perms;  /* ... with these permissions */
};

/* Flags of vm_grow. */
#define VM_GROW_LAZY 0x1u /* reserve the pages; allocate each on its first touch */

/* Access types of vm_fault. */
enum vm_access {
	VM_READ = 1,
	VM_WRITE = 2,
	VM_EXEC = 4,
};

/* How vm_copy shares memory. */
enum vm_copy_mode {
	VM_COPY_FULL, /* every page copied now (xv6's uvmcopy) */
	VM_COPY_COW,  /* frames shared read-only, copied on the first write */
};

/* An empty space of format f whose user addresses stay below limit. */
enum pt_err vm_space_init(struct vm_space *s, struct vm_env *env, const struct pt_format *f,
			  uint64_t limit);

/* Make s a space around an existing table pt (a kernel that keeps bare tables, like xv6, wraps
 * one for a call), with user memory [0, size) below limit and no lazy region. */
void vm_space_adopt(struct vm_space *s, struct vm_env *env, const struct pt *pt, uint64_t size,
		    uint64_t limit);

/* A pt_leaf_fn (ctx: the struct vm_env) dropping the frame of a removed 4 KiB leaf (user memory
 * is made of 4 KiB pages; larger leaves are not lib/vm's and are left alone). */
void vm_release_leaf(void *env, const struct pt_leaf *leaf);

/* Free every user page in [0, size) and every table. Leaves above size (a kernel's trampoline,
 * trapframe) are the kernel's and are dropped, not freed. */
void vm_space_free(struct vm_space *s);

/* Load the first program (len <= 4096 bytes) into a fresh page at VA 0 with perms (xv6's
 * uvmfirst / inituvm); size becomes 4096. */
enum pt_err vm_load_first(struct vm_space *s, const void *code, uint64_t len, unsigned perms);

/* Grow to newsize (need not be page-aligned) with zeroed pages of perms (xv6's uvmalloc /
 * allocuvm). With VM_GROW_LAZY the pages are only reserved, in the space's one lazy window,
 * which has one set of permissions: growing it with others gives PT_EINVAL. All or nothing. */
enum pt_err vm_grow(struct vm_space *s, uint64_t newsize, unsigned perms, unsigned flags);

/* Shrink to newsize, freeing the pages above it (xv6's uvmdealloc / deallocuvm). */
enum pt_err vm_shrink(struct vm_space *s, uint64_t newsize);

/* Make dst, an empty space, a copy of src's user memory (fork). With VM_COPY_COW the writable
 * pages of both become read-only and marked VM_COW (PT_EINVAL if the frames cannot be shared).
 * All or nothing: on failure dst is empty again and src untouched. */
enum pt_err vm_copy(struct vm_space *dst, struct vm_space *src, enum vm_copy_mode mode);

/* Remove user access from the page at va (the stack guard page, xv6's uvmclear). */
enum pt_err vm_clear_user(struct vm_space *s, va_t va);

/* The PA of va if it lies in a mapped user page (xv6's walkaddr, plus the offset), else
 * PT_EFAULT. Does not resolve faults. */
enum pt_err vm_user_pa(const struct vm_space *s, va_t va, pa_t *pa);

/* Handle a fault of type `access` at va: allocate a lazy page, copy (or reclaim) a
 * copy-on-write page, or report a real fault (PT_EFAULT: guard page, kernel page, no such
 * page, no permission) or PT_ENOMEM. PT_OK means the access can be retried. */
enum pt_err vm_fault(struct vm_space *s, va_t va, unsigned access);

/* Copy len bytes from kernel memory to user address dst, resolving lazy and copy-on-write
 * pages. PT_EFAULT at the first page that is not writable user memory; bytes before it have
 * been written, none after. */
enum pt_err vm_copyout(struct vm_space *s, va_t dst, const void *src, uint64_t len);

/* Copy len bytes from user address src to kernel memory. PT_EFAULT as above. */
enum pt_err vm_copyin(struct vm_space *s, void *dst, va_t src, uint64_t len);

/* Copy a NUL-terminated string of at most max bytes (terminator included) from user address
 * src. PT_ETOOLONG if no terminator within max, PT_EFAULT on a bad address. */
enum pt_err vm_copyinstr(struct vm_space *s, char *dst, va_t src, uint64_t max);

#endif
