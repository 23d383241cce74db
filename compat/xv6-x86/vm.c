/*
 * vmkit's drop-in for xv6-x86's (xv6-public's) vm.c: the same functions with the same
 * signatures, built on the vmkit library. `make compat` turns this file and the library into
 * one self-contained vm.c; docs/xv6.md says how to use it and what changes.
 *
 * The kernel reaches physical memory through its window at KERNBASE (P2V/V2P); page-table
 * pages and user pages come from kalloc and go back to kfree. Every page directory holds the
 * user half below KERNBASE and its own copy of the kernel map above it.
 */
#include "param.h"
#include "types.h"
#include "defs.h"
#include "x86.h"
#include "memlayout.h"
#include "mmu.h"
#include "proc.h"
#include "elf.h"

#include "vmkit/vm.h"

extern char data[]; // kernel.ld sets this to the start of kernel data.

/*
 * the page directory used when no process runs (the scheduler's).
 */
pde_t *kpgdir;

/* ---- xv6's memory as vmkit sees it --------------------------------------------------------- */

#define XV6_P2V(pa) ((void *)P2V((uint)(pa)))
#define XV6_V2P(va) ((pa_t)V2P(va))
#include "xv6_env.h"

/* The engine's view of pgdir (a kernel virtual address). */
static struct pt as_pt(pde_t *pgdir)
{
	struct pt pt = {&pt_format_x86_32, xv6_env.mem, V2P(pgdir)};

	return pt;
}

/* A user space around pgdir with size bytes of user memory; user addresses end at KERNBASE.
 * env holds its counters. */
static void as_space(struct vm_space *s, struct vm_env *env, pde_t *pgdir, uint size)
{
	struct pt pt = as_pt(pgdir);

	*env = xv6_env;
	vm_space_adopt(s, env, &pt, size, KERNBASE);
}

/* x86 PTE_* flags as vmkit permissions. Every present page is readable; PWT and PCD have no
 * vmkit equivalent and are dropped. */
static unsigned perms_of(int perm)
{
	static const struct {
		int pte;
		unsigned perm;
	} bits[] = {
		{PTE_W, PT_W}, {PTE_U, PT_U},     {1 << 5, PT_A},    {1 << 6, PT_D},
		{1 << 8, PT_G}, {1 << 9, PT_SW0}, {1 << 10, PT_SW1},
	};
	unsigned perms = PT_R;

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (perm & bits[i].pte)
			perms |= bits[i].perm;
	return perms;
}

/* ---- segments ------------------------------------------------------------------------------ */

// Load this CPU's GDT: flat 4 GiB code and data segments for the kernel and for user mode.
// Kernel and user code need separate descriptors: an interrupt may not go from CPL 0 to code
// with DPL 3. The TSS slot is filled by switchuvm. Run once per CPU, at boot.
void
seginit(void)
{
	struct cpu *c = &cpus[cpuid()];

	c->gdt[SEG_KCODE] = SEG(STA_X | STA_R, 0, 0xffffffff, 0);
	c->gdt[SEG_KDATA] = SEG(STA_W, 0, 0xffffffff, 0);
	c->gdt[SEG_UCODE] = SEG(STA_X | STA_R, 0, 0xffffffff, DPL_USER);
	c->gdt[SEG_UDATA] = SEG(STA_W, 0, 0xffffffff, DPL_USER);
	lgdt(c->gdt, sizeof(c->gdt));
}

/* ---- xv6's primitives ------------------------------------------------------------------- */

// The address of the entry for va in pgdir, creating the page table if alloc != 0; 0 if it is
// missing or out of memory. For a VA inside a 4 MiB page (the kernel map has many) it is that
// page's directory entry, with PTE_PS set.
static pte_t *
walkpgdir(pde_t *pgdir, const void *va, int alloc)
{
	struct pt pt = as_pt(pgdir);
	struct pt_slot slot;

	if (pt_walk(&pt, (uint)va, alloc ? PT_WALK_CREATE : 0, &slot) != PT_OK)
		return 0;
	return (pte_t *)slot.entry;
}

// Map the pages covering [va, va+size) to pa onward with perm. 0 on success, -1 when out of
// memory, in which case nothing was mapped. Panics on a remap, as xv6 does. xv6 calls it only
// from functions that now go through vmkit; it stays, file-local, for code added to this file.
static int __attribute__((unused))
mappages(pde_t *pgdir, void *va, uint size, uint pa, int perm)
{
	struct pt pt = as_pt(pgdir);
	uint first, last;
	enum pt_err err;

	if (size == 0)
		panic("mappages: size");
	first = PGROUNDDOWN((uint)va);
	last = PGROUNDDOWN((uint)va + size - 1);
	err = pt_map(&pt, first, PGROUNDDOWN(pa), (uint64_t)(last - first) + PGSIZE, perms_of(perm),
		     0);
	if (err == PT_EEXIST)
		panic("remap");
	return err == PT_OK ? 0 : -1;
}

/* ---- the kernel map ------------------------------------------------------------------------- */

// A page directory holding only the kernel map (kmap[] in xv6): I/O space, kernel text and
// rodata read-only, kernel data and free memory up to PHYSTOP writable, devices from DEVSPACE
// to 4 GiB; all at KERNBASE + PA. vmkit uses 4 MiB pages wherever the layout allows: xv6's
// entry.S (and entryother.S on the other CPUs) sets CR4.PSE before turning paging on, for
// entrypgdir's own 4 MiB page, and never clears it. So one page directory and one page table
// (for the first 4 MiB, which hold the kernel) do the work of xv6's 65 pages (with its PHYSTOP
// of 224 MiB), in every process. 0 if out of memory.
pde_t*
setupkvm(void)
{
	struct vm_region map[VM_XV6_X86_NREGIONS];
	struct pt pt;

	if (P2V(PHYSTOP) > (void *)DEVSPACE)
		panic("PHYSTOP too high");
	if (pt_init(&pt, &pt_format_x86_32, &xv6_env.mem) != PT_OK)
		return 0;
	vm_kmap_xv6_x86(map, (uint)data, PHYSTOP);
	if (vm_kmap_build(&pt, map, VM_XV6_X86_NREGIONS, 0) != PT_OK) {
		pt_destroy(&pt, 0, 0, 0); // the failed build left only empty tables
		return 0;
	}
	return (pde_t *)P2V((uint)pt.root);
}

// Make kpgdir, the page directory for when no process runs, and switch to it.
void
kvmalloc(void)
{
	kpgdir = setupkvm();
	if (kpgdir == 0)
		panic("kvmalloc: out of memory");
	switchkvm();
}

// Switch the page-table register to kpgdir.
void
switchkvm(void)
{
	lcr3(V2P(kpgdir)); // also drops the TLB's user entries
}

// Switch the TSS and the page-table register to process p.
void
switchuvm(struct proc *p)
{
	struct cpu *c;

	if (p == 0)
		panic("switchuvm: no process");
	if (p->kstack == 0)
		panic("switchuvm: no kstack");
	if (p->pgdir == 0)
		panic("switchuvm: no pgdir");
	pushcli(); // stay on this CPU
	c = mycpu();
	c->gdt[SEG_TSS] = SEG16(STS_T32A, &c->ts, sizeof(c->ts) - 1, 0);
	c->gdt[SEG_TSS].s = 0; // a system descriptor
	c->ts.ss0 = SEG_KDATA << 3;
	c->ts.esp0 = (uint)p->kstack + KSTACKSIZE;
	// An I/O map base past the TSS limit, with IOPL 0, denies user mode every I/O port.
	c->ts.iomb = (ushort)0xFFFF;
	ltr(SEG_TSS << 3);
	lcr3(V2P(p->pgdir));
	popcli();
}

/* ---- user address spaces ---------------------------------------------------------------- */

// Load the user initcode into address 0 of pgdir, for the very first process.
void
inituvm(pde_t *pgdir, char *init, uint sz)
{
	struct vm_space s;
	struct vm_env env;
	enum pt_err err;

	if (sz >= PGSIZE)
		panic("inituvm: more than a page");
	as_space(&s, &env, pgdir, 0);
	err = vm_load_first(&s, init, sz, PT_R | PT_W | PT_U);
	if (err == PT_EEXIST)
		panic("remap");
	if (err != PT_OK)
		panic("inituvm: out of memory");
}

// Read sz bytes of ip from offset into the user pages at addr (page-aligned, already
// allocated). 0 on success, -1 if the file is short. Panics if a page is not a user page.
int
loaduvm(pde_t *pgdir, char *addr, struct inode *ip, uint offset, uint sz)
{
	uint i, n;
	pte_t *pte;

	if ((uint)addr % PGSIZE != 0)
		panic("loaduvm: addr must be page aligned");
	for (i = 0; i < sz; i += PGSIZE) {
		pte = walkpgdir(pgdir, (void *)((uint)addr + i), 0);
		if (pte == 0 || (*pte & (PTE_P | PTE_U | PTE_PS)) != (PTE_P | PTE_U))
			panic("loaduvm: address should exist");
		n = sz - i < PGSIZE ? sz - i : PGSIZE;
		if (readi(ip, P2V(PTE_ADDR(*pte)), offset + i, n) != (int)n)
			return -1;
	}
	return 0;
}

// Grow the process from oldsz to newsz (need not be page-aligned) with zeroed, writable user
// pages. Returns newsz, or 0 with nothing changed if out of memory or newsz reaches KERNBASE.
int
allocuvm(pde_t *pgdir, uint oldsz, uint newsz)
{
	struct vm_space s;
	struct vm_env env;

	if (newsz >= KERNBASE)
		return 0;
	if (newsz < oldsz)
		return oldsz;
	as_space(&s, &env, pgdir, oldsz);
	if (vm_grow(&s, newsz, PT_R | PT_W | PT_U, 0) != PT_OK) {
		cprintf("allocuvm out of memory\n");
		return 0;
	}
	return newsz;
}

// Shrink the process from oldsz to newsz, freeing the user pages above. Neither need be
// page-aligned; oldsz may exceed what is mapped (pages not mapped are skipped) but the
// kernel's half is never freed. Returns the new size.
int
deallocuvm(pde_t *pgdir, uint oldsz, uint newsz)
{
	struct vm_space s;
	struct vm_env env;

	if (newsz >= oldsz)
		return oldsz;
	if (oldsz > KERNBASE)
		oldsz = KERNBASE;
	as_space(&s, &env, pgdir, oldsz);
	if (vm_shrink(&s, newsz) != PT_OK)
		panic("deallocuvm");
	return newsz;
}

// Free every user page below KERNBASE and every page-table page, the page directory
// included. The kernel map's pages are shared physical memory and stay.
void
freevm(pde_t *pgdir)
{
	struct vm_space s;
	struct vm_env env;

	if (pgdir == 0)
		panic("freevm: no pgdir");
	as_space(&s, &env, pgdir, KERNBASE);
	vm_space_free(&s);
}

// Take user access away from the page at uva (the guard page below the user stack).
void
clearpteu(pde_t *pgdir, char *uva)
{
	struct vm_space s;
	struct vm_env env;

	as_space(&s, &env, pgdir, 0);
	if (vm_clear_user(&s, (uint)uva) != PT_OK)
		panic("clearpteu");
}

// A new page directory with the kernel map and a copy of the parent's memory [0, sz), for
// fork. 0 when out of memory, with everything the copy allocated freed again.
pde_t*
copyuvm(pde_t *pgdir, uint sz)
{
	struct vm_space parent, child;
	struct vm_env penv, cenv;
	pde_t *d;

	if ((d = setupkvm()) == 0)
		return 0;
	as_space(&parent, &penv, pgdir, sz);
	as_space(&child, &cenv, d, 0);
	if (vm_copy(&child, &parent, VM_COPY_FULL) != PT_OK) {
		freevm(d);
		return 0;
	}
	return d;
}

/* ---- copying between kernel and user ------------------------------------------------------ */

// The kernel address of the user page holding uva, or 0 if uva is not in a mapped user page.
char*
uva2ka(pde_t *pgdir, char *uva)
{
	struct vm_space s;
	struct vm_env env;
	pa_t pa;

	as_space(&s, &env, pgdir, 0);
	if (vm_user_pa(&s, (uint)uva, &pa) != PT_OK)
		return 0;
	return P2V(PGROUNDDOWN((uint)pa));
}

// Copy len bytes from p to user address va in pgdir, which need not be the current page
// directory. 0 on success, -1 if a page is not writable user memory (nothing is written past
// it).
int
copyout(pde_t *pgdir, uint va, void *p, uint len)
{
	struct vm_space s;
	struct vm_env env;

	as_space(&s, &env, pgdir, 0);
	return vm_copyout(&s, va, p, len) == PT_OK ? 0 : -1;
}
