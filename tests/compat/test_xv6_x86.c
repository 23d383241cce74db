/*
 * Hosted test of the xv6-x86 drop-in (the generated build/compat/xv6-x86/vm.c), driven the way
 * xv6's kernel drives its vm.c: boot (kvmalloc, seginit), the first process, exec, sbrk, fork,
 * exit, and out-of-memory at every kalloc.
 *
 * xv6-x86 reaches physical memory at KERNBASE + PA, so this is a 32-bit process (-m32) with
 * the RAM xv6 uses, [0, PHYSTOP), simulated at [KERNBASE, KERNBASE + PHYSTOP). This file
 * supplies what the rest of xv6 would: kalloc/kfree over that RAM from `end` up, memset and
 * memmove (renamed xv6_*, Makefile), cprintf, panic, readi over an in-memory file, the CPU
 * table with cpuid/mycpu/pushcli/popcli, and the x86.h instructions, which it records. The
 * linker symbol `data` (kernel.ld's start of kernel data) is set by the Makefile.
 *
 * cmocka has no 32-bit build here, so a small harness below prints cmocka's result lines.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "types.h"
#include "param.h"
#include "x86.h"
#include "memlayout.h"
#include "mmu.h"
#include "proc.h"
#include "elf.h"
#define memset xv6_memset
#define memmove xv6_memmove
#include "defs.h"
#undef memset
#undef memmove

_Static_assert(sizeof(void *) == 4, "the xv6-x86 test runs as a 32-bit process");

#define END (KERNBASE + 0x200000) /* kalloc's memory starts here (xv6's `end`, rounded up) */
#define MIB4 0x400000u            /* one page-directory entry's span */
#define NOT_MAPPED 0xffffffffu    /* hw_pa of an address the MMU would fault on */

extern char data[];
extern pde_t *kpgdir;

/* ---- the harness: cmocka's output, a failed check ends the test ---------------------------- */

static jmp_buf test_abort;
static int test_failed;

static void test_fail(int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "[  ERROR   ] --- ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n[   LINE   ] --- %s:%d: error: Failure!\n", __FILE__, line);
	test_failed = 1;
	longjmp(test_abort, 1);
}

#define check(cond)                                                                          \
	do {                                                                                 \
		if (!(cond))                                                                 \
			test_fail(__LINE__, "%s", #cond);                                    \
	} while (0)

#define check_eq(a, b)                                                                       \
	do {                                                                                 \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_)                                                                \
			test_fail(__LINE__, "%s == %s: 0x%llx != 0x%llx", #a, #b, a_, b_);   \
	} while (0)

#define check_mem(a, b, n)                                                                   \
	do {                                                                                 \
		if (memcmp((a), (b), (n)) != 0)                                              \
			test_fail(__LINE__, "%s and %s differ", #a, #b);                     \
	} while (0)

#define check_str(a, b)                                                                      \
	do {                                                                                 \
		if (strcmp((a), (b)) != 0)                                                   \
			test_fail(__LINE__, "\"%s\" != \"%s\"", (a), (b));                   \
	} while (0)

/* ---- the rest of xv6, as far as vm.c needs it ---------------------------------------------- */

struct run {
	struct run *next;
};
static struct run *freelist;
static long nfree;
static long kalloc_budget = -1;           /* allocations left before kalloc fails (-1: no limit) */
static uchar page_used[PHYSTOP / PGSIZE]; /* 1 while kalloc's caller owns the page */

char *kalloc(void)
{
	struct run *r = freelist;

	if (!r || kalloc_budget == 0)
		return 0;
	if (kalloc_budget > 0)
		kalloc_budget--;
	freelist = r->next;
	nfree--;
	page_used[V2P(r) / PGSIZE] = 1;
	memset(r, 5, PGSIZE); /* junk: the layer must zero what it needs zeroed */
	return (char *)r;
}

void kfree(char *v)
{
	struct run *r = (struct run *)v;

	if ((uint)v % PGSIZE || (uint)v < END || V2P(v) >= PHYSTOP)
		panic("kfree");
	if (!page_used[V2P(v) / PGSIZE])
		panic("kfree: double free");
	page_used[V2P(v) / PGSIZE] = 0;
	memset(v, 1, PGSIZE); /* junk, as xv6's kfree leaves it */
	r->next = freelist;
	freelist = r;
	nfree++;
}

static jmp_buf *panic_target; /* where an expected panic goes */
static char panic_message[128];

void panic(char *s)
{
	snprintf(panic_message, sizeof(panic_message), "%s", s);
	if (panic_target)
		longjmp(*panic_target, 1);
	test_fail(__LINE__, "unexpected panic: %s", s);
	abort();
}

/* Run stmt, which must panic with message msg. */
#define check_panics(msg, stmt)                                                              \
	do {                                                                                 \
		jmp_buf on_panic_;                                                           \
		panic_target = &on_panic_;                                                   \
		if (setjmp(on_panic_) == 0) {                                                \
			stmt;                                                                \
			panic_target = 0;                                                    \
			test_fail(__LINE__, "%s did not panic", #stmt);                      \
		}                                                                            \
		panic_target = 0;                                                            \
		check_str(panic_message, msg);                                               \
	} while (0)

static int printed;
static char last_print[128];

void cprintf(char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_print, sizeof(last_print), fmt, ap);
	va_end(ap);
	printed++;
}

void *xv6_memset(void *dst, int c, uint n)
{
	return memset(dst, c, n);
}

void *xv6_memmove(void *dst, const void *src, uint n)
{
	return memmove(dst, src, n);
}

/* An inode is a file held in memory. */
struct inode {
	const uchar *bytes;
	uint size;
};

/* xv6's readi for a regular file: at most n bytes from off, -1 if off is past the end. */
int readi(struct inode *ip, char *dst, uint off, uint n)
{
	if (off > ip->size || off + n < off)
		return -1;
	if (off + n > ip->size)
		n = ip->size - off;
	memmove(dst, ip->bytes + off, n);
	return (int)n;
}

struct cpu cpus[NCPU];
int ncpu = 1;
static int ncli, pushes;

int cpuid(void)
{
	return 0;
}

/* xv6's mycpu panics unless interrupts are off; here that is pushcli's job. */
struct cpu *mycpu(void)
{
	if (ncli == 0)
		panic("mycpu called with interrupts enabled");
	return &cpus[0];
}

void pushcli(void)
{
	ncli++;
	pushes++;
}

void popcli(void)
{
	if (--ncli < 0)
		panic("popcli");
}

static uint cr3, tr;
static int cr3_loads;
static struct segdesc *gdt_base;
static int gdt_size;

void lcr3(uint val)
{
	cr3 = val;
	cr3_loads++;
}

void ltr(ushort sel)
{
	tr = sel;
}

void lgdt(struct segdesc *p, int size)
{
	gdt_base = p;
	gdt_size = size;
}

/* Simulated RAM at KERNBASE, a fresh kalloc free list over it, and a fresh CPU. */
static int ram_setup(void)
{
	static void *ram;

	if (!ram) {
		ram = mmap((void *)KERNBASE, PHYSTOP, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
		if (ram != (void *)KERNBASE)
			return -1;
	}
	freelist = 0;
	nfree = 0;
	kalloc_budget = -1;
	for (uint pa = PHYSTOP - PGSIZE; pa >= V2P(END); pa -= PGSIZE) {
		page_used[pa / PGSIZE] = 1;
		kfree(P2V(pa));
	}
	memset(cpus, 0, sizeof(cpus));
	ncli = pushes = 0;
	cr3 = tr = 0;
	cr3_loads = 0;
	gdt_base = 0;
	gdt_size = 0;
	printed = 0;
	last_print[0] = 0;
	panic_target = 0;
	kpgdir = 0;
	return 0;
}

/* ---- reading page tables as the MMU does ---------------------------------------------------- */

/* The entry that maps va: the directory entry of a 4 MiB page, else the page-table entry (0 if
 * there is none). */
static uint hw_entry(pde_t *pgdir, uint va)
{
	pde_t pde = pgdir[PDX(va)];

	if (!(pde & PTE_P))
		return 0;
	if (pde & PTE_PS)
		return pde;
	return ((pte_t *)P2V(PTE_ADDR(pde)))[PTX(va)];
}

/* The PA va translates to, or NOT_MAPPED. */
static uint hw_pa(pde_t *pgdir, uint va)
{
	uint e = hw_entry(pgdir, va);

	if (!(e & PTE_P))
		return NOT_MAPPED;
	if (e & PTE_PS)
		return (e & ~(MIB4 - 1)) | (va & (MIB4 - 1));
	return PTE_ADDR(e) | (va & (PGSIZE - 1));
}

/* PTE_P, PTE_W and PTE_U as they apply to va: both levels must grant W and U. */
static uint hw_flags(pde_t *pgdir, uint va)
{
	pde_t pde = pgdir[PDX(va)];
	uint e = hw_entry(pgdir, va);

	if (!(e & PTE_P))
		return 0;
	if (!(e & PTE_PS))
		e &= pde;
	return e & (PTE_P | PTE_W | PTE_U);
}

/* The kernel address of va's byte, through the page table (any mapped page, user or not). */
static char *hw_ka(pde_t *pgdir, uint va)
{
	uint pa = hw_pa(pgdir, va);

	check(pa != NOT_MAPPED);
	return P2V(pa);
}

/* Copy n bytes of user memory at va to dst through the page table. */
static void hw_read(pde_t *pgdir, uint va, void *dst, uint n)
{
	for (uint i = 0; i < n; i++)
		((char *)dst)[i] = *hw_ka(pgdir, va + i);
}

/* Page-table pages in pgdir: the directory and every page table it points at. */
static int table_pages(pde_t *pgdir)
{
	int n = 1;

	for (int i = 0; i < NPDENTRIES; i++)
		if ((pgdir[i] & PTE_P) && !(pgdir[i] & PTE_PS))
			n++;
	return n;
}

/* Fields of a segment descriptor. */
static uint seg_base(const struct segdesc *d)
{
	return d->base_15_0 | d->base_23_16 << 16 | (uint)d->base_31_24 << 24;
}

static uint seg_limit(const struct segdesc *d)
{
	return d->lim_15_0 | d->lim_19_16 << 16;
}

/* A flat 4 GiB segment of type with privilege dpl, as seginit makes them. */
static void check_flat_segment(const struct segdesc *d, uint type, uint dpl)
{
	check_eq(d->type, type);
	check_eq(d->dpl, dpl);
	check_eq(d->s, 1);
	check_eq(d->p, 1);
	check_eq(d->db, 1);
	check_eq(d->g, 1);
	check_eq(seg_base(d), 0);
	check_eq(seg_limit(d), 0xfffff);
}

/* ---- a program to exec ---------------------------------------------------------------------- */

/* The file: text at VA 0 (two pages and a bit), data at 3 pages with bss after it. */
static uchar program[3 * PGSIZE];
static struct inode program_ip = {program, sizeof(program)};
static const struct proghdr program_ph[] = {
	{ELF_PROG_LOAD, 0x80, 0, 0, 2 * PGSIZE + 100, 2 * PGSIZE + 100, ELF_PROG_FLAG_EXEC, PGSIZE},
	{ELF_PROG_LOAD, 0x80 + 2 * PGSIZE + 100, 3 * PGSIZE, 0, 300, 2 * PGSIZE + 50,
	 ELF_PROG_FLAG_WRITE, PGSIZE},
};

static void program_init(void)
{
	for (uint i = 0; i < sizeof(program); i++)
		program[i] = (uchar)(i * 7 + 3);
}

/* exec's memory work: a fresh page directory, the segments, a guard page and a stack page,
 * and the arguments on the stack. Sets *szp and *spp; returns the page directory. */
static pde_t *exec_image(char **argv, uint *szp, uint *spp)
{
	uint ustack[3 + MAXARG + 1];
	uint sz = 0, sp, argc;
	pde_t *pgdir = setupkvm();

	check(pgdir != 0);
	for (uint i = 0; i < NELEM(program_ph); i++) {
		const struct proghdr *ph = &program_ph[i];

		check(ph->vaddr % PGSIZE == 0);
		sz = allocuvm(pgdir, sz, ph->vaddr + ph->memsz);
		check_eq(sz, ph->vaddr + ph->memsz);
		check_eq(loaduvm(pgdir, (char *)ph->vaddr, &program_ip, ph->off, ph->filesz), 0);
	}
	sz = PGROUNDUP(sz);
	check_eq(allocuvm(pgdir, sz, sz + 2 * PGSIZE), sz + 2 * PGSIZE);
	sz += 2 * PGSIZE;
	clearpteu(pgdir, (char *)(sz - 2 * PGSIZE));
	sp = sz;
	for (argc = 0; argv[argc]; argc++) {
		sp = (sp - (strlen(argv[argc]) + 1)) & ~3u;
		check_eq(copyout(pgdir, sp, argv[argc], strlen(argv[argc]) + 1), 0);
		ustack[3 + argc] = sp;
	}
	ustack[3 + argc] = 0;
	ustack[0] = 0xffffffff; // fake return PC
	ustack[1] = argc;
	ustack[2] = sp - (argc + 1) * 4; // argv
	sp -= (3 + argc + 1) * 4;
	check_eq(copyout(pgdir, sp, ustack, (3 + argc + 1) * 4), 0);
	*szp = sz;
	*spp = sp;
	return pgdir;
}

/* What exec_image built: the segments' bytes and bss, the guard page, the stack. sz is the
 * size exec_image returned. */
static void check_image(pde_t *pgdir, uint sz, uint sp, char **argv)
{
	char buf[64];
	uint ustack[4];

	for (uint i = 0; i < NELEM(program_ph); i++) {
		const struct proghdr *ph = &program_ph[i];

		for (uint off = 0; off < ph->memsz; off++) {
			uchar want = off < ph->filesz ? program[ph->off + off] : 0;

			check_eq((uchar)*hw_ka(pgdir, ph->vaddr + off), want);
		}
	}
	/* Pages are writable user pages (xv6-x86 has no read-only text), except the guard. */
	for (uint va = 0; va < sz; va += PGSIZE)
		check_eq(hw_flags(pgdir, va), va == sz - 2 * PGSIZE ? PTE_P | PTE_W :
								      PTE_P | PTE_W | PTE_U);
	hw_read(pgdir, sp, ustack, sizeof(ustack));
	check_eq(ustack[0], 0xffffffff);
	check_eq(ustack[1], 2);
	check_eq(ustack[2], sp + 12);
	hw_read(pgdir, ustack[3], buf, strlen(argv[0]) + 1);
	check_str(buf, argv[0]);
	hw_read(pgdir, sp + 16, &ustack[3], 4);
	hw_read(pgdir, ustack[3], buf, strlen(argv[1]) + 1);
	check_str(buf, argv[1]);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_kvmalloc_maps_the_kernel(void)
{
	long start = nfree;

	kvmalloc();
	check(kpgdir != 0);
	check_eq(cr3, V2P(kpgdir));
	check_eq(cr3_loads, 1);
	/* The directory and one page table: 4 MiB pages everywhere else. */
	check_eq(start - nfree, 2);
	check_eq(table_pages(kpgdir), 2);
	/* Nothing in the user half. */
	for (uint i = 0; i < PDX(KERNBASE); i++)
		check_eq(kpgdir[i], 0);
	/* I/O space: 4 KiB pages (CGA memory, the BIOS), writable, kernel only. */
	check_eq(hw_pa(kpgdir, KERNBASE), 0);
	check_eq(hw_pa(kpgdir, KERNBASE + 0xB8010), 0xB8010);
	check_eq(hw_flags(kpgdir, KERNBASE + 0xB8000), PTE_P | PTE_W);
	check_eq(hw_flags(kpgdir, KERNBASE + EXTMEM - 1), PTE_P | PTE_W);
	check_eq(hw_entry(kpgdir, KERNBASE) & PTE_PS, 0);
	/* Kernel text and rodata: read-only. */
	for (uint va = KERNLINK; va < (uint)data; va += PGSIZE) {
		check_eq(hw_pa(kpgdir, va), V2P(va));
		check_eq(hw_flags(kpgdir, va), PTE_P);
	}
	/* Kernel data and free memory: writable, 4 KiB pages up to the first 4 MiB boundary. */
	check_eq(hw_pa(kpgdir, (uint)data), V2P(data));
	check_eq(hw_flags(kpgdir, (uint)data), PTE_P | PTE_W);
	check_eq(hw_pa(kpgdir, KERNBASE + MIB4 - 1), MIB4 - 1);
	check_eq(hw_flags(kpgdir, KERNBASE + MIB4 - 1), PTE_P | PTE_W);
	/* ... then 4 MiB pages up to PHYSTOP, and nothing from there to DEVSPACE. */
	for (uint va = KERNBASE + MIB4; va < KERNBASE + PHYSTOP; va += MIB4)
		check_eq(kpgdir[PDX(va)], V2P(va) | PTE_P | PTE_W | PTE_PS);
	check_eq(hw_pa(kpgdir, KERNBASE + PHYSTOP - 1), PHYSTOP - 1);
	for (uint va = KERNBASE + PHYSTOP; va < DEVSPACE; va += MIB4)
		check_eq(kpgdir[PDX(va)], 0);
	/* Devices: VA == PA up to 4 GiB, writable, kernel only, in 4 MiB pages. */
	for (uint va = DEVSPACE; va != 0; va += MIB4)
		check_eq(kpgdir[PDX(va)], va | PTE_P | PTE_W | PTE_PS);
	check_eq(hw_pa(kpgdir, 0xFEE000B0), 0xFEE000B0); /* the local APIC's EOI register */
	/* The user half is not mapped, the kernel half has no user access. */
	check_eq(hw_pa(kpgdir, 0), NOT_MAPPED);
	check(uva2ka(kpgdir, (char *)KERNLINK) == 0);
	switchkvm();
	check_eq(cr3, V2P(kpgdir));
	check_eq(cr3_loads, 2);
	freevm(kpgdir);
	check_eq(nfree, start);
}

static void test_setupkvm_per_process_cost(void)
{
	long start = nfree;
	pde_t *a = setupkvm(), *b = setupkvm();

	/* Each process gets its own directory and first page table, with the same contents;
	 * the 4 MiB entries are the same too (xv6 would spend 65 pages on each). */
	check(a != 0 && b != 0 && a != b);
	check_eq(start - nfree, 4);
	check(PTE_ADDR(a[PDX(KERNBASE)]) != PTE_ADDR(b[PDX(KERNBASE)]));
	check_mem(P2V(PTE_ADDR(a[PDX(KERNBASE)])), P2V(PTE_ADDR(b[PDX(KERNBASE)])), PGSIZE);
	for (uint i = PDX(KERNBASE) + 1; i < NPDENTRIES; i++)
		check_eq(a[i], b[i]);
	freevm(a);
	freevm(b);
	check_eq(nfree, start);
}

static void test_seginit_and_switchuvm(void)
{
	struct cpu *c = &cpus[0];
	struct segdesc *tss = &c->gdt[SEG_TSS];
	long start = nfree;
	struct proc p;

	seginit();
	check(gdt_base == c->gdt);
	check_eq(gdt_size, sizeof(c->gdt));
	check_flat_segment(&c->gdt[SEG_KCODE], STA_X | STA_R, 0);
	check_flat_segment(&c->gdt[SEG_KDATA], STA_W, 0);
	check_flat_segment(&c->gdt[SEG_UCODE], STA_X | STA_R, DPL_USER);
	check_flat_segment(&c->gdt[SEG_UDATA], STA_W, DPL_USER);
	kvmalloc();

	memset(&p, 0, sizeof(p));
	p.kstack = kalloc();
	p.pgdir = setupkvm();
	check(p.kstack != 0 && p.pgdir != 0);
	inituvm(p.pgdir, "\x90\x90", 2);
	p.sz = PGSIZE;
	switchuvm(&p);
	/* The TSS: ring-0 stack at the top of the kernel stack, no I/O ports for user mode. */
	check_eq(c->ts.ss0, SEG_KDATA << 3);
	check_eq(c->ts.esp0, (uint)p.kstack + KSTACKSIZE);
	check_eq(c->ts.iomb, 0xFFFF);
	/* Its descriptor: an available 32-bit TSS, byte-granular, covering exactly the TSS. */
	check_eq(tss->type, STS_T32A);
	check_eq(tss->s, 0);
	check_eq(tss->dpl, 0);
	check_eq(tss->p, 1);
	check_eq(tss->g, 0);
	check_eq(seg_base(tss), (uint)&c->ts);
	check_eq(seg_limit(tss), sizeof(c->ts) - 1);
	check_eq(tr, SEG_TSS << 3);
	check_eq(cr3, V2P(p.pgdir));
	check_eq(pushes, 1);
	check_eq(ncli, 0);
	/* The other segments are untouched. */
	check_flat_segment(&c->gdt[SEG_UDATA], STA_W, DPL_USER);
	/* Back to the scheduler. */
	switchkvm();
	check_eq(cr3, V2P(kpgdir));

	freevm(p.pgdir);
	kfree(p.kstack);
	freevm(kpgdir);
	check_eq(nfree, start);
}

static void test_switchuvm_panics_on_a_bad_proc(void)
{
	struct proc p;

	memset(&p, 0, sizeof(p));
	check_panics("switchuvm: no process", switchuvm(0));
	check_panics("switchuvm: no kstack", switchuvm(&p));
	p.kstack = (char *)END;
	check_panics("switchuvm: no pgdir", switchuvm(&p));
	/* No half-done switch. */
	check_eq(cr3_loads, 0);
	check_eq(tr, 0);
	check_eq(ncli, 0);
}

static void test_userinit(void)
{
	static const uchar initcode[] = {0x68, 0x24, 0x00, 0x00, 0x00, 0x68, 0x1c, 0x00, 0xb8};
	long start = nfree;
	pde_t *pgdir = setupkvm();
	char *ka;

	check(pgdir != 0);
	inituvm(pgdir, (char *)initcode, sizeof(initcode));
	ka = uva2ka(pgdir, 0);
	check(ka != 0);
	check_mem(ka, initcode, sizeof(initcode));
	for (uint i = sizeof(initcode); i < PGSIZE; i++)
		check_eq(ka[i], 0);
	check_eq(hw_pa(pgdir, 0), V2P(ka));
	check_eq(hw_flags(pgdir, 0), PTE_P | PTE_W | PTE_U);
	check_eq(hw_pa(pgdir, PGSIZE), NOT_MAPPED);
	/* Traps run on the process's page directory: the kernel is mapped there too. */
	check_eq(hw_pa(pgdir, (uint)data), V2P(data));
	check_eq(hw_pa(pgdir, DEVSPACE), DEVSPACE);
	check_panics("inituvm: more than a page", inituvm(pgdir, (char *)initcode, PGSIZE));
	freevm(pgdir);
	check_eq(nfree, start);
}

static void test_exec(void)
{
	char *argv[] = {"echo", "hello", 0};
	long start = nfree;
	pde_t *old, *pgdir;
	uint sz, sp;

	/* The image exec replaces. */
	old = setupkvm();
	check(old != 0);
	inituvm(old, "init", 4);

	program_init();
	pgdir = exec_image(argv, &sz, &sp);
	check_eq(sz, 8 * PGSIZE);
	check_image(pgdir, sz, sp, argv);
	check_eq(hw_pa(pgdir, sz), NOT_MAPPED);
	/* The guard page is no user memory. */
	check(uva2ka(pgdir, (char *)(sz - 2 * PGSIZE)) == 0);
	check_eq(copyout(pgdir, sz - 2 * PGSIZE, "x", 1), -1);
	check(uva2ka(pgdir, (char *)(sz - PGSIZE)) != 0);
	/* exec commits: the old image goes. */
	freevm(old);
	freevm(pgdir);
	check_eq(nfree, start);
	check_eq(printed, 0);
}

static void test_loaduvm_errors(void)
{
	static const uchar small[100] = {1, 2, 3};
	struct inode ip = {small, sizeof(small)};
	long start = nfree;
	pde_t *pgdir = setupkvm();

	check(pgdir != 0);
	check_eq(allocuvm(pgdir, 0, 2 * PGSIZE), 2 * PGSIZE);
	/* A short file: exec gives up and frees the new image. */
	check_eq(loaduvm(pgdir, 0, &ip, 0, 200), -1);
	check_eq(loaduvm(pgdir, 0, &ip, 200, 10), -1);
	check_eq(loaduvm(pgdir, 0, &ip, 0, 100), 0);
	check_mem(uva2ka(pgdir, 0), small, sizeof(small));
	/* Kernel bugs panic, as in xv6. */
	check_panics("loaduvm: addr must be page aligned", loaduvm(pgdir, (char *)10, &ip, 0, 10));
	check_panics("loaduvm: address should exist",
		     loaduvm(pgdir, (char *)PGSIZE, &program_ip, 0, PGSIZE + 1));
	check_panics("loaduvm: address should exist",
		     loaduvm(pgdir, (char *)(64 * PGSIZE), &ip, 0, 10));
	check_panics("loaduvm: address should exist", loaduvm(pgdir, (char *)KERNBASE, &ip, 0, 10));
	freevm(pgdir);
	check_eq(nfree, start);
}

static void test_sbrk(void)
{
	long start = nfree, before;
	pde_t *pgdir = setupkvm();
	uint sz;

	check(pgdir != 0);
	sz = allocuvm(pgdir, 0, PGSIZE);
	check_eq(sz, PGSIZE);
	/* Grow by a number of bytes that is no multiple of a page: the last page is whole. */
	sz = allocuvm(pgdir, sz, sz + 10 * PGSIZE + 7);
	check_eq(sz, 11 * PGSIZE + 7);
	for (uint va = PGSIZE; va < 12 * PGSIZE; va += PGSIZE) {
		check_eq(hw_flags(pgdir, va), PTE_P | PTE_W | PTE_U);
		for (uint i = 0; i < PGSIZE; i++)
			check_eq(*hw_ka(pgdir, va + i), 0);
	}
	check_eq(hw_pa(pgdir, 12 * PGSIZE), NOT_MAPPED);
	check_eq(copyout(pgdir, 12 * PGSIZE - 4, "heap", 4), 0);
	/* Growing onto what is there, or to nothing new, changes nothing. */
	before = nfree;
	check_eq(allocuvm(pgdir, sz, PGSIZE), sz);
	check_eq(allocuvm(pgdir, sz, sz), sz);
	check_eq(allocuvm(pgdir, sz, sz + 1), sz + 1);
	check_eq(nfree, before);
	/* Not into the kernel's half: 0, with nothing allocated. */
	check_eq(allocuvm(pgdir, sz, KERNBASE), 0);
	check_eq(allocuvm(pgdir, sz, KERNBASE + 5 * PGSIZE), 0);
	check_eq(allocuvm(pgdir, sz, 0xFFFFFFFF), 0);
	check_eq(nfree, before);
	check_eq(printed, 0);
	/* Shrink: the pages above the new size go back, the partial page stays. */
	check_eq(deallocuvm(pgdir, sz, sz + PGSIZE), sz);
	check_eq(deallocuvm(pgdir, sz, 3 * PGSIZE + 1), 3 * PGSIZE + 1);
	check_eq(nfree - before, 8);
	check(uva2ka(pgdir, (char *)(3 * PGSIZE)) != 0);
	check(uva2ka(pgdir, (char *)(4 * PGSIZE)) == 0);
	check_eq(copyout(pgdir, 4 * PGSIZE, "x", 1), -1);
	sz = 3 * PGSIZE + 1;
	/* xv6's freevm passes an oldsz beyond what is mapped: holes are skipped. */
	check_eq(deallocuvm(pgdir, KERNBASE, sz), sz);
	check(uva2ka(pgdir, (char *)(3 * PGSIZE)) != 0);
	/* The kernel half is never freed, whatever oldsz says. */
	check_eq(deallocuvm(pgdir, 0xFFFFFFFF, sz), sz);
	check_eq(hw_pa(pgdir, (uint)data), V2P(data));
	/* Down to nothing: the emptied page table goes too. */
	check_eq(deallocuvm(pgdir, sz, 0), 0);
	check_eq(pgdir[0], 0);
	check_eq(table_pages(pgdir), 2);
	freevm(pgdir);
	check_eq(nfree, start);
}

static void test_fork(void)
{
	char *argv[] = {"sh", "-c", 0};
	long start = nfree, before;
	pde_t *parent, *child;
	uint sz, sp;
	char buf[8];

	program_init();
	parent = exec_image(argv, &sz, &sp);
	before = nfree;
	child = copyuvm(parent, sz);
	check(child != 0 && child != parent);
	/* The kernel map, one user page table, and a copy of each of the 8 pages. */
	check_eq(before - nfree, 2 + 1 + 8);
	for (uint va = 0; va < sz; va += PGSIZE) {
		check(hw_pa(child, va) != hw_pa(parent, va));
		check_mem(hw_ka(child, va), hw_ka(parent, va), PGSIZE);
		check_eq(hw_flags(child, va), hw_flags(parent, va)); /* the guard page too */
	}
	check_eq(hw_pa(child, sz), NOT_MAPPED);
	check_image(child, sz, sp, argv);
	/* Both kernel halves map the same memory. */
	for (uint i = PDX(KERNBASE) + 1; i < NPDENTRIES; i++)
		check_eq(child[i], parent[i]);
	check_mem(P2V(PTE_ADDR(child[PDX(KERNBASE)])), P2V(PTE_ADDR(parent[PDX(KERNBASE)])),
		  PGSIZE);
	/* Writes stay private, both ways. */
	check_eq(copyout(child, 10, "child", 6), 0);
	check_eq(copyout(parent, 3 * PGSIZE, "parent", 7), 0);
	hw_read(parent, 10, buf, 6);
	check(memcmp(buf, "child", 6) != 0);
	check_mem(buf, &program[0x80 + 10], 6);
	hw_read(child, 3 * PGSIZE, buf, 7);
	check(memcmp(buf, "parent", 7) != 0);
	/* exit and wait: the child's memory goes back, then the parent's. */
	freevm(child);
	check_eq(nfree, before);
	freevm(parent);
	check_eq(nfree, start);
}

static void test_process_lifecycle_returns_every_page(void)
{
	char *argv[] = {"ls", "/", 0};
	long boot, start, forked;
	pde_t *init, *child, *img, *grandchild;
	uint sz, sp;

	program_init();
	kvmalloc();
	boot = nfree;
	/* userinit, then init forks */
	init = setupkvm();
	inituvm(init, "\x6a\x00", 2);
	start = nfree;
	child = copyuvm(init, PGSIZE);
	check(child != 0);
	check(uva2ka(child, 0) != 0);
	check_eq(*uva2ka(child, 0), 0x6a);
	/* the child execs: the new image, then the old one goes */
	img = exec_image(argv, &sz, &sp);
	freevm(child);
	/* sbrk up and down */
	check_eq(allocuvm(img, sz, sz + 40 * PGSIZE), sz + 40 * PGSIZE);
	check_eq(copyout(img, sz + 39 * PGSIZE, "top", 4), 0);
	check_eq(deallocuvm(img, sz + 40 * PGSIZE, sz + 5), sz + 5);
	sz += 5;
	/* it forks, and the grandchild exits */
	forked = nfree;
	grandchild = copyuvm(img, sz);
	check(grandchild != 0);
	check_image(grandchild, sz - 5, sp, argv);
	freevm(grandchild);
	check_eq(nfree, forked);
	/* the child exits; init waits */
	freevm(img);
	check_eq(nfree, start);
	freevm(init);
	check_eq(nfree, boot);
	check_eq(printed, 0);
}

static void test_allocuvm_out_of_memory(void)
{
	long start = nfree, before;
	pde_t *pgdir = setupkvm();
	uint sz, newsz = MIB4 + 2 * PGSIZE, r;
	long budget;

	check(pgdir != 0);
	/* Two pages short of the first page table's end: growing needs a second one. */
	sz = allocuvm(pgdir, 0, MIB4 - 2 * PGSIZE);
	check_eq(sz, MIB4 - 2 * PGSIZE);
	for (budget = 0; budget < 100; budget++) {
		before = nfree;
		printed = 0;
		kalloc_budget = budget;
		r = allocuvm(pgdir, sz, newsz);
		kalloc_budget = -1;
		if (r != 0)
			break;
		/* xv6's promise: 0, a message, and nothing left behind. */
		check_eq(nfree, before);
		check_eq(printed, 1);
		check_str(last_print, "allocuvm out of memory\n");
		check_eq(hw_pa(pgdir, sz), NOT_MAPPED);
		check_eq(pgdir[1], 0);
	}
	/* Four pages and one page table. */
	check_eq(budget, 5);
	check_eq(r, newsz);
	check_eq(before - nfree, 5);
	check(uva2ka(pgdir, (char *)(MIB4 + PGSIZE)) != 0);
	freevm(pgdir);
	check_eq(nfree, start);
}

static void test_copyuvm_out_of_memory(void)
{
	char *argv[] = {"cat", "README", 0};
	long start = nfree, before;
	pde_t *parent, *child;
	uint sz, sp;
	long budget;

	program_init();
	parent = exec_image(argv, &sz, &sp);
	for (budget = 0; budget < 100; budget++) {
		before = nfree;
		kalloc_budget = budget;
		child = copyuvm(parent, sz);
		kalloc_budget = -1;
		if (child != 0)
			break;
		check_eq(nfree, before); /* the failed copy freed all it took */
	}
	/* The kernel map (2), a user page table, 8 pages. */
	check_eq(budget, 11);
	check_image(child, sz, sp, argv);
	check_image(parent, sz, sp, argv); /* the parent was never touched */
	freevm(child);
	freevm(parent);

	/* A parent spanning two page tables: fail on either side of the second one. */
	parent = setupkvm();
	check(parent != 0);
	check_eq(allocuvm(parent, 0, MIB4 + PGSIZE), MIB4 + PGSIZE);
	for (budget = 1023; budget < 1040; budget++) {
		before = nfree;
		kalloc_budget = budget;
		child = copyuvm(parent, MIB4 + PGSIZE);
		kalloc_budget = -1;
		if (child != 0)
			break;
		check_eq(nfree, before);
	}
	check_eq(budget, 2 + 2 + 1025);
	check_eq(hw_pa(child, MIB4) != NOT_MAPPED, 1);
	freevm(child);
	freevm(parent);
	check_eq(nfree, start);
}

static void test_setupkvm_out_of_memory(void)
{
	long start = nfree, before;
	pde_t *pgdir = 0;
	long budget;

	for (budget = 0; budget < 10; budget++) {
		before = nfree;
		kalloc_budget = budget;
		pgdir = setupkvm();
		kalloc_budget = -1;
		if (pgdir != 0)
			break;
		check_eq(nfree, before);
	}
	check_eq(budget, 2);
	freevm(pgdir);
	check_eq(nfree, start);
	/* At boot there is nothing to fall back on. */
	kalloc_budget = 1;
	check_panics("kvmalloc: out of memory", kvmalloc());
	kalloc_budget = -1;
	check_eq(nfree, start);
	check_eq(cr3_loads, 0);
}

static void test_uva2ka(void)
{
	long start = nfree;
	pde_t *pgdir = setupkvm();

	check(pgdir != 0);
	check_eq(allocuvm(pgdir, 0, 3 * PGSIZE), 3 * PGSIZE);
	clearpteu(pgdir, (char *)PGSIZE);
	/* A user page: its kernel address, page-aligned whatever the offset. */
	check(uva2ka(pgdir, 0) == (char *)P2V(hw_pa(pgdir, 0)));
	check(uva2ka(pgdir, (char *)(2 * PGSIZE + 123)) == (char *)P2V(hw_pa(pgdir, 2 * PGSIZE)));
	/* A page without PTE_U, a missing page, a missing page table (where xv6 itself would
	 * dereference a null PTE), and kernel addresses: 0. */
	check(uva2ka(pgdir, (char *)PGSIZE) == 0);
	check(uva2ka(pgdir, (char *)(3 * PGSIZE)) == 0);
	check(uva2ka(pgdir, (char *)0x40000000) == 0);
	check(uva2ka(pgdir, (char *)KERNBASE) == 0);
	check(uva2ka(pgdir, data) == 0);
	check(uva2ka(pgdir, (char *)DEVSPACE) == 0);
	check(uva2ka(pgdir, (char *)0xFFFFF000) == 0);
	freevm(pgdir);
	check_eq(nfree, start);
}

static void test_copyout(void)
{
	long start = nfree;
	pde_t *pgdir = setupkvm();
	char buf[8], kernel_byte = data[0];

	check(pgdir != 0);
	check_eq(allocuvm(pgdir, 0, 3 * PGSIZE), 3 * PGSIZE);
	clearpteu(pgdir, (char *)(2 * PGSIZE));
	/* Across a page boundary. */
	check_eq(copyout(pgdir, PGSIZE - 3, "abcdef", 7), 0);
	hw_read(pgdir, PGSIZE - 3, buf, 7);
	check_str(buf, "abcdef");
	/* Nothing to copy succeeds anywhere, as in xv6. */
	check_eq(copyout(pgdir, KERNBASE, buf, 0), 0);
	/* Into the guard page: the bytes before it are written, none in it. */
	check_eq(copyout(pgdir, 2 * PGSIZE - 2, "wxyz", 4), -1);
	hw_read(pgdir, 2 * PGSIZE - 2, buf, 2);
	check_mem(buf, "wx", 2);
	check_eq(*hw_ka(pgdir, 2 * PGSIZE), 0);
	/* Past the end of user memory, into the kernel, around the top of the address space. */
	check_eq(copyout(pgdir, 3 * PGSIZE, "a", 1), -1);
	check_eq(copyout(pgdir, 0x40000000, "a", 1), -1);
	check_eq(copyout(pgdir, KERNBASE, "a", 1), -1);
	check_eq(copyout(pgdir, (uint)data, "a", 1), -1);
	check_eq(copyout(pgdir, 0xFFFFFFF0, buf, 0x20), -1);
	check_eq(data[0], kernel_byte);
	freevm(pgdir);
	check_eq(nfree, start);
}

static void test_kernel_bugs_panic(void)
{
	long start = nfree;
	pde_t *pgdir = setupkvm();

	check(pgdir != 0);
	check_eq(allocuvm(pgdir, 0, PGSIZE), PGSIZE);
	check_panics("clearpteu", clearpteu(pgdir, (char *)(5 * PGSIZE)));
	check_panics("clearpteu", clearpteu(pgdir, (char *)0x40000000));
	check_panics("freevm: no pgdir", freevm(0));
	/* A second first process on the same page directory is a remap. */
	check_panics("remap", inituvm(pgdir, "x", 1));
	freevm(pgdir);
	check_eq(nfree, start);
}

/* ---- main ----------------------------------------------------------------------------------- */

struct test {
	const char *name;
	void (*fn)(void);
};

#define TEST(fn) {#fn, fn}

int main(void)
{
	static const struct test tests[] = {
		TEST(test_kvmalloc_maps_the_kernel),
		TEST(test_setupkvm_per_process_cost),
		TEST(test_seginit_and_switchuvm),
		TEST(test_switchuvm_panics_on_a_bad_proc),
		TEST(test_userinit),
		TEST(test_exec),
		TEST(test_loaduvm_errors),
		TEST(test_sbrk),
		TEST(test_fork),
		TEST(test_process_lifecycle_returns_every_page),
		TEST(test_allocuvm_out_of_memory),
		TEST(test_copyuvm_out_of_memory),
		TEST(test_setupkvm_out_of_memory),
		TEST(test_uva2ka),
		TEST(test_copyout),
		TEST(test_kernel_bugs_panic),
	};
	const size_t n = NELEM(tests);
	const char *failed[NELEM(tests)];
	size_t nfailed = 0;

	printf("[==========] Running %zu test(s).\n", n);
	for (size_t i = 0; i < n; i++) {
		printf("[ RUN      ] %s\n", tests[i].name);
		test_failed = 0;
		if (ram_setup() != 0) {
			fflush(stdout);
			fprintf(stderr, "[  ERROR   ] --- cannot map RAM at KERNBASE\n");
			test_failed = 1;
		} else if (setjmp(test_abort) == 0) {
			tests[i].fn();
		}
		if (test_failed)
			failed[nfailed++] = tests[i].name;
		printf("[%s] %s\n", test_failed ? "  FAILED  " : "       OK ", tests[i].name);
	}
	printf("[==========] %zu test(s) run.\n", n);
	printf("[  PASSED  ] %zu test(s).\n", n - nfailed);
	if (nfailed) {
		printf("[  FAILED  ] %zu test(s), listed below:\n", nfailed);
		for (size_t i = 0; i < nfailed; i++)
			printf("[  FAILED  ] %s\n", failed[i]);
		printf("\n %zu FAILED TEST(S)\n", nfailed);
	}
	return nfailed != 0;
}
