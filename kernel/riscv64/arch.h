/* The RISC-V (rv64, Sv39, QEMU virt) side of the kernel: what the arch-neutral code needs. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>

#define ARCH_NAME "riscv64"
#define ARCH_FORMAT pt_format_sv39

#include "layout.h"

#define USER_LIMIT TRAPFRAME
#define RAM_BASE KERNBASE /* physical RAM: [RAM_BASE, PHYSTOP) */

/* Registers saved by swtch: the callee-saved ones. */
struct context {
	uint64_t ra, sp;
	uint64_t s[12];
};

/* The page the trampoline saves user registers in; offsets are used by trampoline.S. */
struct trapframe {
	uint64_t kernel_satp;   /*   0 */
	uint64_t kernel_sp;     /*   8 */
	uint64_t kernel_trap;   /*  16 */
	uint64_t epc;           /*  24 */
	uint64_t kernel_hartid; /*  32 */
	uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1;     /*  40 ..  104 */
	uint64_t a0, a1, a2, a3, a4, a5, a6, a7;         /* 112 ..  168 */
	uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11; /* 176 .. 248 */
	uint64_t t3, t4, t5, t6;                         /* 256 ..  280 */
};

static inline uint64_t r_tp(void)
{
	uint64_t x;
	__asm__ volatile("mv %0, tp" : "=r"(x));
	return x;
}

static inline uint64_t r_sstatus(void)
{
	uint64_t x;
	__asm__ volatile("csrr %0, sstatus" : "=r"(x));
	return x;
}

static inline void w_sstatus(uint64_t x)
{
	__asm__ volatile("csrw sstatus, %0" : : "r"(x));
}

#define SSTATUS_SPP (1ull << 8)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SIE (1ull << 1)

/* This hart's number (kept in tp). Call with interrupts off. */
static inline int arch_cpuid(void)
{
	return (int)r_tp();
}

static inline void arch_intr_on(void)
{
	w_sstatus(r_sstatus() | SSTATUS_SIE);
}

static inline void arch_intr_off(void)
{
	w_sstatus(r_sstatus() & ~SSTATUS_SIE);
}

static inline int arch_intr_get(void)
{
	return (r_sstatus() & SSTATUS_SIE) != 0;
}

static inline void arch_wait_for_interrupt(void)
{
	__asm__ volatile("wfi");
}

/* Forget this hart's translations for one page, or all. */
static inline void arch_flush_page(uint64_t va)
{
	__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

static inline void arch_flush_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

/* The kernel reaches RAM through the direct map: on QEMU virt a PA is its own kernel VA. */
static inline void *arch_p2v(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static inline uint64_t arch_v2p(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

/* The first user argument registers and the result register of a trap frame. */
#define TF_ARG(tf, n) ((&(tf)->a0)[n])
#define TF_SYSNUM(tf) ((tf)->a7)
#define TF_RET(tf) ((tf)->a0)

#endif
