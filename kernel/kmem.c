/*
 * Physical memory: one vmkit frame pool over the RAM between the end of the kernel and PHYSTOP,
 * serving page-table pages, user pages, kernel stacks and trap frames alike, with reference
 * counts for copy-on-write. Every lib/vm and lib/pt call on it happens under vm_lock.
 */
#include "kernel.h"

#define MAX_FRAMES ((PHYSTOP - RAM_BASE) / PGSIZE)

static struct frame_pool pool;
static struct frame_info pool_info[MAX_FRAMES];
struct spinlock vm_lock;
struct vm_env kvm;

/* Whether pa lies in [RAM_BASE, PHYSTOP) (RAM_BASE may be 0: one unsigned compare). */
static bool in_ram(pa_t pa)
{
	return pa - RAM_BASE < PHYSTOP - RAM_BASE;
}

static void *mem_ptr(void *ctx, pa_t pa)
{
	(void)ctx;
	if (!in_ram(pa))
		return 0;
	return arch_p2v(pa);
}

static enum pt_err mem_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	(void)ctx;
	if (bytes > PGSIZE || !frame_alloc(&pool, pa))
		return PT_ENOMEM;
	memset(arch_p2v(*pa), 0, PGSIZE);
	return PT_OK;
}

static void mem_free(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	(void)bytes;
	frame_put(&pool, pa);
}

static bool mem_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	return in_ram(pa) && bytes <= PHYSTOP - pa;
}

void kmem_init(pa_t start, pa_t end)
{
	start = PGROUNDUP(start);
	spin_init(&vm_lock, "vm");
	frame_pool_init(&pool, start, (uint32_t)((end - start) / PGSIZE), pool_info);
	kvm.mem = (struct pt_mem){mem_ptr, mem_alloc, mem_free, mem_contains, 0};
	kvm.frames = vm_frame_pool_ops(&pool);
}

/* A zeroed frame for the kernel's own use (kernel stacks, trap frames). */
bool kalloc_page(pa_t *pa)
{
	bool ok;

	acquire(&vm_lock);
	ok = mem_alloc(0, PGSIZE, pa) == PT_OK;
	release(&vm_lock);
	return ok;
}

void kfree_page(pa_t pa)
{
	acquire(&vm_lock);
	frame_put(&pool, pa);
	release(&vm_lock);
}

uint32_t kmem_free_frames(void)
{
	return frame_free_count(&pool);
}

uint32_t kmem_total_frames(void)
{
	return pool.nframes;
}
