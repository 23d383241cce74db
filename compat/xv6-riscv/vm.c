/*
 * vmkit's drop-in for xv6-riscv's kernel/vm.c: the same functions with the same signatures,
 * built on the vmkit library. `make compat` turns this file and the library into one
 * self-contained vm.c; docs/xv6.md says how to use it and what changes.
 *
 * xv6's direct map (PA == kernel VA) is the memory interface; page-table pages and user pages
 * come from kalloc and go back to kfree.
 */
#include "param.h"
#include "types.h"
#include "memlayout.h"
#include "elf.h"
#include "riscv.h"
#include "defs.h"
#include "fs.h"

#include "vmkit/vm.h"

/*
 * the kernel's page table.
 */
pagetable_t kernel_pagetable;

extern char etext[];      // kernel.ld sets this to end of kernel code.
extern char trampoline[]; // trampoline.S

/* ---- xv6's memory as vmkit sees it --------------------------------------------------------- */

#define XV6_P2V(pa) ((void *)(uintptr_t)(pa))
#define XV6_V2P(va) ((uint64)(uintptr_t)(va))
#include "xv6_env.h"

/* The engine's view of pagetable. */
static struct pt as_pt(pagetable_t pagetable)
{
	struct pt pt = {&pt_format_sv39, xv6_env.mem, (uint64)pagetable};

	return pt;
}

/* A user space around pagetable with size bytes of user memory. env holds its counters. */
static void as_space(struct vm_space *s, struct vm_env *env, pagetable_t pagetable, uint64 size)
{
	struct pt pt = as_pt(pagetable);

	*env = xv6_env;
	vm_space_adopt(s, env, &pt, size, TRAPFRAME);
}

/* xv6 PTE_* flags as vmkit permissions. */
static unsigned perms_of(int perm)
{
	static const struct {
		int pte;
		unsigned perm;
	} bits[] = {
		{PTE_R, PT_R}, {PTE_W, PT_W}, {PTE_X, PT_X}, {PTE_U, PT_U},   {1 << 5, PT_G},
		{1 << 6, PT_A}, {1 << 7, PT_D}, {1 << 8, PT_SW0}, {1 << 9, PT_SW1},
	};
	unsigned perms = 0;

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (perm & bits[i].pte)
			perms |= bits[i].perm;
	return perms;
}

/* ---- the kernel page table ------------------------------------------------------------------ */

// Make a direct-map page table for the kernel, with 2 MiB pages where the layout allows.
pagetable_t
kvmmake(void)
{
	struct vm_region map[VM_XV6_RISCV_NREGIONS];
	struct pt kpt;

	if (pt_init(&kpt, &pt_format_sv39, &xv6_env.mem) != PT_OK)
		panic("kvmmake: out of memory");
	vm_kmap_xv6_riscv(map, (uint64)etext, (uint64)trampoline, PHYSTOP);
	if (vm_kmap_build(&kpt, map, VM_XV6_RISCV_NREGIONS, 0) != PT_OK)
		panic("kvmmake: kernel map");
	proc_mapstacks((pagetable_t)kpt.root);
	return (pagetable_t)kpt.root;
}

// Initialize the one kernel_pagetable.
void
kvminit(void)
{
	kernel_pagetable = kvmmake();
}

// Switch the hart's page-table register to the kernel's page table and enable paging.
void
kvminithart(void)
{
	sfence_vma(); // order earlier page-table writes before the switch
	w_satp(MAKE_SATP(kernel_pagetable));
	sfence_vma(); // drop stale translations
}

// Add a mapping to the kernel page table; only used when booting.
void
kvmmap(pagetable_t kpgtbl, uint64 va, uint64 pa, uint64 sz, int perm)
{
	if (mappages(kpgtbl, va, sz, pa, perm) != 0)
		panic("kvmmap");
}

/* ---- xv6's primitives ------------------------------------------------------------------- */

// The address of the PTE for va, creating page-table pages if alloc != 0; 0 if missing or out
// of memory. For a VA inside a superpage (the kernel map has some) it is that superpage's PTE.
pte_t *
walk(pagetable_t pagetable, uint64 va, int alloc)
{
	struct pt pt = as_pt(pagetable);
	struct pt_slot slot;

	if (va >= MAXVA)
		panic("walk");
	if (pt_walk(&pt, va, alloc ? PT_WALK_CREATE : 0, &slot) != PT_OK)
		return 0;
	return (pte_t *)slot.entry;
}

// The physical address of the user page holding va, or 0 if it is not a mapped user page.
uint64
walkaddr(pagetable_t pagetable, uint64 va)
{
	struct vm_space s;
	struct vm_env env;
	pa_t pa;

	if (va >= MAXVA)
		return 0;
	as_space(&s, &env, pagetable, 0);
	if (vm_user_pa(&s, va, &pa) != PT_OK)
		return 0;
	return PGROUNDDOWN(pa);
}

// Map the pages covering [va, va+size) to pa onward with perm. 0 on success, -1 when out of
// memory, in which case nothing was mapped. Panics on a remap, as xv6 does.
int
mappages(pagetable_t pagetable, uint64 va, uint64 size, uint64 pa, int perm)
{
	struct pt pt = as_pt(pagetable);
	uint64 first, last;
	enum pt_err err;

	if (size == 0)
		panic("mappages: size");
	first = PGROUNDDOWN(va);
	last = PGROUNDDOWN(va + size - 1);
	err = pt_map(&pt, first, PGROUNDDOWN(pa), last - first + PGSIZE, perms_of(perm), 0);
	if (err == PT_EEXIST)
		panic("mappages: remap");
	return err == PT_OK ? 0 : -1;
}

// Remove npages of mappings from va (page-aligned), freeing the memory if do_free. Pages that
// are not mapped are skipped; page-table pages left empty are freed.
void
uvmunmap(pagetable_t pagetable, uint64 va, uint64 npages, int do_free)
{
	struct pt pt = as_pt(pagetable);
	struct vm_env env = xv6_env;

	if ((va % PGSIZE) != 0)
		panic("uvmunmap: not aligned");
	if (npages == 0)
		return;
	if (pt_unmap(&pt, va, npages * PGSIZE, do_free ? vm_release_leaf : 0, &env) != PT_OK)
		panic("uvmunmap");
}

/* ---- user address spaces ---------------------------------------------------------------- */

// An empty user page table, or 0 if out of memory.
pagetable_t
uvmcreate(void)
{
	struct pt pt;

	if (pt_init(&pt, &pt_format_sv39, &xv6_env.mem) != PT_OK)
		return 0;
	return (pagetable_t)pt.root;
}

// Load the user initcode into address 0 of pagetable, for the very first process.
void
uvmfirst(pagetable_t pagetable, uchar *src, uint sz)
{
	struct vm_space s;
	struct vm_env env;

	if (sz >= PGSIZE)
		panic("uvmfirst: more than a page");
	as_space(&s, &env, pagetable, 0);
	if (vm_load_first(&s, src, sz, PT_R | PT_W | PT_X | PT_U) != PT_OK)
		panic("uvmfirst: out of memory");
}

// Grow the process from oldsz to newsz (need not be page-aligned) with zeroed pages readable,
// user-accessible and xperm. Returns newsz, or 0 with nothing changed on failure.
uint64
uvmalloc(pagetable_t pagetable, uint64 oldsz, uint64 newsz, int xperm)
{
	struct vm_space s;
	struct vm_env env;

	if (newsz < oldsz)
		return oldsz;
	as_space(&s, &env, pagetable, oldsz);
	if (vm_grow(&s, newsz, PT_R | PT_U | perms_of(xperm), 0) != PT_OK)
		return 0;
	return newsz;
}

// Shrink the process from oldsz to newsz, freeing the pages above. Returns the new size.
uint64
uvmdealloc(pagetable_t pagetable, uint64 oldsz, uint64 newsz)
{
	struct vm_space s;
	struct vm_env env;

	if (newsz >= oldsz)
		return oldsz;
	as_space(&s, &env, pagetable, oldsz);
	if (vm_shrink(&s, newsz) != PT_OK)
		panic("uvmdealloc");
	return newsz;
}

// Free every page-table page. Leaves still mapped are reported and left alone (xv6 panics).
void
freewalk(pagetable_t pagetable)
{
	struct pt pt = as_pt(pagetable);
	uint64_t leaves;

	pt_destroy(&pt, 0, 0, &leaves);
	if (leaves != 0)
		printf("freewalk: %d leaves were still mapped\n", (int)leaves);
}

// Free the user memory [0, sz), then every page-table page.
void
uvmfree(pagetable_t pagetable, uint64 sz)
{
	struct vm_space s;
	struct vm_env env;

	as_space(&s, &env, pagetable, sz);
	vm_space_free(&s);
}

// Copy the parent's memory [0, sz) into the child's page table. 0 on success; -1 when out of
// memory, with everything the copy allocated freed again.
int
uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
	struct vm_space parent, child;
	struct vm_env penv, cenv;

	as_space(&parent, &penv, old, sz);
	as_space(&child, &cenv, new, 0);
	return vm_copy(&child, &parent, VM_COPY_FULL) == PT_OK ? 0 : -1;
}

// Mark the page at va invalid for user access (the stack guard page).
void
uvmclear(pagetable_t pagetable, uint64 va)
{
	struct vm_space s;
	struct vm_env env;

	as_space(&s, &env, pagetable, 0);
	if (vm_clear_user(&s, va) != PT_OK)
		panic("uvmclear");
}

/* ---- copying between kernel and user ------------------------------------------------------ */

// Copy len bytes from src to user address dstva. 0 on success, -1 if a page is not writable
// user memory (nothing is written past it).
int
copyout(pagetable_t pagetable, uint64 dstva, char *src, uint64 len)
{
	struct vm_space s;
	struct vm_env env;

	as_space(&s, &env, pagetable, 0);
	return vm_copyout(&s, dstva, src, len) == PT_OK ? 0 : -1;
}

// Copy len bytes from user address srcva to dst. 0 on success, -1 on a bad address.
int
copyin(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len)
{
	struct vm_space s;
	struct vm_env env;

	as_space(&s, &env, pagetable, 0);
	return vm_copyin(&s, dst, srcva, len) == PT_OK ? 0 : -1;
}

// Copy a NUL-terminated string of at most max bytes from user address srcva to dst.
// 0 on success, -1 on a bad address or if there is no terminator within max.
int
copyinstr(pagetable_t pagetable, char *dst, uint64 srcva, uint64 max)
{
	struct vm_space s;
	struct vm_env env;

	as_space(&s, &env, pagetable, 0);
	return vm_copyinstr(&s, dst, srcva, max) == PT_OK ? 0 : -1;
}
