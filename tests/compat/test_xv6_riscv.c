/*
 * Hosted test of the xv6-riscv drop-in (the generated build/compat/xv6-riscv/vm.c), driven the
 * way xv6's kernel drives its vm.c: boot (kvminit), the first process, exec, sbrk, fork, exit.
 *
 * xv6 runs with PA == kernel VA, so RAM is simulated at its real physical place: 128 MiB at
 * KERNBASE in this process. (That is why this test runs without AddressSanitizer, whose shadow
 * memory sits there.) This file supplies what the rest of xv6 would: kalloc/kfree over that
 * RAM, memset/memmove, panic, printf, proc_mapstacks and the CSR writes. xv6's string and
 * printf functions clash with libc's, so vm.c is built with them renamed xv6_* (Makefile).
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#define printf xv6_printf
#define memset xv6_memset
#define memmove xv6_memmove
#include "defs.h"
#undef printf
#undef memset
#undef memmove


#define KERNEL_END (KERNBASE + 0x100000) /* kalloc's memory starts here */

extern pagetable_t kernel_pagetable;

/* ---- the rest of xv6, as far as vm.c needs it ---------------------------------------------- */

struct run {
	struct run *next;
};
static struct run *freelist;
static long nfree;
static long kalloc_budget = -1; /* allocations left before kalloc fails (-1: no limit) */

void *kalloc(void)
{
	struct run *r = freelist;

	if (!r || kalloc_budget == 0)
		return 0;
	if (kalloc_budget > 0)
		kalloc_budget--;
	freelist = r->next;
	nfree--;
	memset(r, 5, PGSIZE); /* junk, as xv6's kalloc leaves it */
	return r;
}

void kfree(void *pa)
{
	struct run *r = pa;

	if ((uint64)pa % PGSIZE || (uint64)pa < KERNEL_END || (uint64)pa >= PHYSTOP)
		fail_msg("kfree of a page kalloc never gave: %p", pa);
	memset(pa, 1, PGSIZE);
	r->next = freelist;
	freelist = r;
	nfree++;
}

static jmp_buf *panic_target;
static char panic_message[128];

void panic(char *s)
{
	snprintf(panic_message, sizeof(panic_message), "%s", s);
	if (panic_target)
		longjmp(*panic_target, 1);
	fail_msg("unexpected panic: %s", s);
	abort();
}

static int printed;

void *xv6_memset(void *dst, int c, uint n)
{
	return memset(dst, c, n);
}

void *xv6_memmove(void *dst, const void *src, uint n)
{
	return memmove(dst, src, n);
}

void xv6_printf(char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	printed++;
}

void proc_mapstacks(pagetable_t kpgtbl)
{
	for (int i = 0; i < NPROC; i++) {
		char *pa = kalloc();

		if (pa == 0)
			panic("kalloc");
		kvmmap(kpgtbl, KSTACK(i), (uint64)pa, PGSIZE, PTE_R | PTE_W);
	}
}

static uint64 satp;
static int fences;

void w_satp(uint64 x)
{
	satp = x;
}

void sfence_vma(void)
{
	fences++;
}

/* Simulated RAM at its physical address, and a fresh kalloc free list over it. */
static int ram_setup(void **state)
{
	static void *ram;

	(void)state;
	if (!ram) {
		ram = mmap((void *)KERNBASE, PHYSTOP - KERNBASE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (ram != (void *)KERNBASE)
			return -1;
	}
	freelist = 0;
	nfree = 0;
	kalloc_budget = -1;
	for (uint64 p = PHYSTOP - PGSIZE; p >= KERNEL_END; p -= PGSIZE)
		kfree((void *)p);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* A user page table with the trampoline and a trapframe, as proc_pagetable makes it. */
static pagetable_t new_proc_pagetable(char **trapframe)
{
	pagetable_t p = uvmcreate();

	assert_non_null(p);
	*trapframe = kalloc();
	assert_non_null(*trapframe);
	assert_int_equal(mappages(p, TRAMPOLINE, PGSIZE, KERNBASE + 0x7000, PTE_R | PTE_X), 0);
	assert_int_equal(mappages(p, TRAPFRAME, PGSIZE, (uint64)*trapframe, PTE_R | PTE_W), 0);
	return p;
}

/* proc_freepagetable and the trapframe's kfree, as xv6's freeproc does them. */
static void free_proc_pagetable(pagetable_t p, uint64 sz, char *trapframe)
{
	uvmunmap(p, TRAMPOLINE, 1, 0);
	uvmunmap(p, TRAPFRAME, 1, 0);
	uvmfree(p, sz);
	kfree(trapframe);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_kvminit_maps_the_kernel(void **state)
{
	pte_t *pte;

	(void)state;
	kvminit();
	kvminithart();
	assert_non_null(kernel_pagetable);
	assert_true(satp == MAKE_SATP(kernel_pagetable));
	assert_int_equal(fences, 2);
	/* UART: a 4 KiB read-write page, as walk sees it. */
	pte = walk(kernel_pagetable, UART0, 0);
	assert_non_null(pte);
	assert_true((*pte & (PTE_V | PTE_R | PTE_W | PTE_X | PTE_U)) == (PTE_V | PTE_R | PTE_W));
	assert_true(PTE2PA(*pte) == UART0);
	/* The trampoline at the top, pointing at the trampoline code, R-X. */
	pte = walk(kernel_pagetable, TRAMPOLINE, 0);
	assert_non_null(pte);
	assert_true(PTE2PA(*pte) == KERNBASE + 0x7000);
	assert_true((*pte & (PTE_R | PTE_W | PTE_X)) == (PTE_R | PTE_X));
	/* Every kernel stack is mapped, with the guard page below it left unmapped. */
	for (int i = 0; i < NPROC; i++) {
		pte = walk(kernel_pagetable, KSTACK(i), 0);
		assert_non_null(pte);
		assert_true(*pte & PTE_V);
		pte = walk(kernel_pagetable, KSTACK(i) - PGSIZE, 0);
		assert_true(pte == 0 || !(*pte & PTE_V));
	}
}

static void test_kernel_map_uses_superpages(void **state)
{
	pte_t *pte;

	(void)state;
	kvminit();
	/* RAM above the first 2 MiB boundary after etext is mapped with 2 MiB pages: walk stops
	 * at the level-1 entry, whose PA is the 2 MiB-aligned base. */
	pte = walk(kernel_pagetable, KERNBASE + 0x400123, 0);
	assert_non_null(pte);
	assert_true((*pte & (PTE_R | PTE_W)) == (PTE_R | PTE_W));
	assert_true(PTE2PA(*pte) == KERNBASE + 0x400000);
	/* The kernel text below etext stays 4 KiB and R-X. */
	pte = walk(kernel_pagetable, KERNBASE + 0x1000, 0);
	assert_non_null(pte);
	assert_true(PTE2PA(*pte) == KERNBASE + 0x1000);
	assert_true((*pte & (PTE_R | PTE_W | PTE_X)) == (PTE_R | PTE_X));
}

static void test_process_lifecycle_returns_every_page(void **state)
{
	static const uchar initcode[] = {0x17, 0x05, 0x00, 0x00, 0x13, 0x05, 0x45, 0x02, 0x97};
	char *tf1, *tf2, *tf3;
	uint64 sz, argp;
	char buf[64];
	long start;

	(void)state;
	start = nfree;
	/* userinit */
	pagetable_t init = new_proc_pagetable(&tf1);
	uvmfirst(init, (uchar *)initcode, sizeof(initcode));
	assert_int_equal(copyin(init, buf, 0, sizeof(initcode)), 0);
	assert_memory_equal(buf, initcode, sizeof(initcode));
	assert_true(walkaddr(init, 0) != 0);

	/* exec: text R-X, data R-W, then two pages for the guard and the stack */
	pagetable_t img = new_proc_pagetable(&tf2);
	sz = uvmalloc(img, 0, 3 * PGSIZE + 100, PTE_X);
	assert_true(sz == 3 * PGSIZE + 100);
	sz = uvmalloc(img, sz, 6 * PGSIZE, PTE_W);
	assert_true(sz == 6 * PGSIZE);
	sz = uvmalloc(img, sz, sz + 2 * PGSIZE, PTE_W);
	assert_true(sz == 8 * PGSIZE);
	uvmclear(img, sz - 2 * PGSIZE);
	argp = sz - 16;
	assert_int_equal(copyout(img, argp, "hello", 6), 0);
	assert_int_equal(copyinstr(img, buf, argp, sizeof(buf)), 0);
	assert_string_equal(buf, "hello");
	/* the guard page and the text refuse writes from the kernel on the user's behalf */
	assert_int_equal(copyout(img, sz - 2 * PGSIZE, "x", 1), -1);
	assert_int_equal(copyout(img, 0, "x", 1), -1);
	assert_int_equal(copyin(img, buf, sz - 2 * PGSIZE, 1), -1);
	/* exec replaces init's image */
	free_proc_pagetable(init, PGSIZE, tf1);

	/* sbrk up and down */
	sz = uvmalloc(img, sz, sz + 10 * PGSIZE + 7, PTE_W);
	assert_true(sz == 18 * PGSIZE + 7);
	assert_int_equal(copyout(img, 17 * PGSIZE, "heap", 5), 0);
	sz = uvmdealloc(img, sz, 9 * PGSIZE);
	assert_true(sz == 9 * PGSIZE);
	assert_true(walkaddr(img, 10 * PGSIZE) == 0);

	/* fork: the child sees the parent's bytes, and writes stay private */
	pagetable_t child = new_proc_pagetable(&tf3);
	assert_int_equal(uvmcopy(img, child, sz), 0);
	assert_int_equal(copyinstr(child, buf, argp, sizeof(buf)), 0);
	assert_string_equal(buf, "hello");
	assert_int_equal(copyout(child, argp, "child", 6), 0);
	assert_int_equal(copyinstr(img, buf, argp, sizeof(buf)), 0);
	assert_string_equal(buf, "hello");
	/* the guard page is copied as it is: still no user access in the child */
	assert_int_equal(copyin(child, buf, sz - 3 * PGSIZE, 1), -1);

	/* exit and wait */
	free_proc_pagetable(child, sz, tf3);
	free_proc_pagetable(img, sz, tf2);
	assert_int_equal(nfree, start);
	assert_int_equal(printed, 0);
}

static void test_out_of_memory_leaves_nothing_behind(void **state)
{
	long start = nfree;
	char *tf;
	uint64 sz;
	long before;

	(void)state;
	pagetable_t p = new_proc_pagetable(&tf);
	sz = uvmalloc(p, 0, 4 * PGSIZE, PTE_W);
	assert_true(sz == 4 * PGSIZE);
	for (long budget = 0; budget < 40; budget++) {
		before = nfree;
		kalloc_budget = budget;
		uint64 r = uvmalloc(p, sz, sz + 32 * PGSIZE, PTE_W);
		kalloc_budget = -1;
		if (r != 0) {
			assert_true(r == sz + 32 * PGSIZE);
			sz = uvmdealloc(p, r, sz);
			break;
		}
		assert_int_equal(nfree, before);
		assert_true(walkaddr(p, sz) == 0);
	}
	for (long budget = 0; budget < 40; budget++) {
		char *tf2;
		pagetable_t c = new_proc_pagetable(&tf2);

		before = nfree;
		kalloc_budget = budget;
		int r = uvmcopy(p, c, sz);
		kalloc_budget = -1;
		if (r == 0) {
			free_proc_pagetable(c, sz, tf2);
			break;
		}
		assert_int_equal(r, -1);
		assert_true(walkaddr(c, 0) == 0);
		assert_int_equal(nfree, before); /* the failed copy freed all it took */
		free_proc_pagetable(c, 0, tf2);
	}
	free_proc_pagetable(p, sz, tf);
	assert_int_equal(nfree, start);
}

static void test_walk_and_mappages_semantics(void **state)
{
	jmp_buf on_panic;
	pagetable_t p = uvmcreate();
	char *page = kalloc();

	(void)state;
	assert_null(walk(p, 0x5000, 0));
	pte_t *pte = walk(p, 0x5000, 1);
	assert_non_null(pte);
	assert_true(*pte == 0);
	assert_true(walk(p, 0x5000, 0) == pte);
	/* unaligned va and size cover every page they touch */
	assert_int_equal(mappages(p, 0x5010, 0x1000, (uint64)page, PTE_R | PTE_U), 0);
	assert_true(walkaddr(p, 0x5000) == (uint64)page);
	assert_true(walkaddr(p, 0x6000) == (uint64)page + PGSIZE);
	/* a kernel-only page is no user page */
	assert_int_equal(mappages(p, 0x9000, PGSIZE, (uint64)page, PTE_R), 0);
	assert_true(walkaddr(p, 0x9000) == 0);
	assert_true(walkaddr(p, MAXVA) == 0);
	/* remapping panics, as in xv6 */
	panic_target = &on_panic;
	if (setjmp(on_panic) == 0) {
		mappages(p, 0x5000, PGSIZE, (uint64)page, PTE_R);
		fail_msg("remap did not panic");
	}
	assert_string_equal(panic_message, "mappages: remap");
	if (setjmp(on_panic) == 0) {
		walk(p, MAXVA, 0);
		fail_msg("walk beyond MAXVA did not panic");
	}
	panic_target = 0;
	uvmunmap(p, 0x5000, 2, 0);
	uvmunmap(p, 0x9000, 1, 0);
	assert_null(walk(p, 0x5000, 0)); /* emptied tables are gone */
	uvmfree(p, 0);
	kfree(page);
}

static void test_copyinstr_limits(void **state)
{
	char *tf;
	char buf[8];
	pagetable_t p = new_proc_pagetable(&tf);
	uint64 sz = uvmalloc(p, 0, 2 * PGSIZE, PTE_W);

	(void)state;
	/* a string crossing the page boundary */
	assert_int_equal(copyout(p, PGSIZE - 3, "abcdef", 7), 0);
	assert_int_equal(copyinstr(p, buf, PGSIZE - 3, sizeof(buf)), 0);
	assert_string_equal(buf, "abcdef");
	/* no terminator within max */
	assert_int_equal(copyinstr(p, buf, PGSIZE - 3, 6), -1);
	/* runs off the end of user memory */
	assert_int_equal(copyout(p, 2 * PGSIZE - 2, "xy", 2), 0);
	assert_int_equal(copyinstr(p, buf, 2 * PGSIZE - 2, sizeof(buf)), -1);
	assert_int_equal(copyin(p, buf, 2 * PGSIZE - 4, 8), -1);
	/* trapframe and trampoline are not user memory */
	assert_int_equal(copyin(p, buf, TRAPFRAME, 8), -1);
	assert_int_equal(copyout(p, TRAMPOLINE, "x", 1), -1);
	free_proc_pagetable(p, sz, tf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_kvminit_maps_the_kernel, ram_setup),
		cmocka_unit_test_setup(test_kernel_map_uses_superpages, ram_setup),
		cmocka_unit_test_setup(test_process_lifecycle_returns_every_page, ram_setup),
		cmocka_unit_test_setup(test_out_of_memory_leaves_nothing_behind, ram_setup),
		cmocka_unit_test_setup(test_walk_and_mappages_semantics, ram_setup),
		cmocka_unit_test_setup(test_copyinstr_limits, ram_setup),
	};

	return cmocka_run_group_tests_name("xv6-riscv drop-in", tests, NULL, NULL);
}
