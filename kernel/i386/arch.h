/* The x86 (32-bit paging, QEMU pc) side of the kernel: what the arch-neutral code needs. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>

#include "layout.h"

#define ARCH_NAME "i386"
#define USER_LIMIT KERNBASE
#define RAM_BASE 0 /* physical RAM: [RAM_BASE, PHYSTOP) */

/* Registers swtch saves live on the switched-from stack; the context is that stack pointer. */
struct context {
	uint32_t esp;
};

/* The frame trap entry pushes on the kernel stack (hardware part last). */
struct trapframe {
	uint32_t edi, esi, ebp, oesp, ebx, edx, ecx, eax; /* pushal */
	uint16_t gs, pad1, fs, pad2, es, pad3, ds, pad4;
	uint32_t trapno;
	uint32_t err; /* pushed by the CPU for some exceptions, by the stub for the rest */
	uint32_t eip;
	uint16_t cs, pad5;
	uint32_t eflags;
	uint32_t esp; /* from user mode only */
	uint16_t ss, pad6;
};

static inline uint32_t read_eflags(void)
{
	uint32_t f;
	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

#define FL_IF 0x200

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "d"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "d"(port));
	return v;
}

/* One CPU on x86 (the BIOS MP table is not read). */
static inline int arch_cpuid(void)
{
	return 0;
}

static inline void arch_intr_on(void)
{
	__asm__ volatile("sti");
}

static inline void arch_intr_off(void)
{
	__asm__ volatile("cli");
}

static inline int arch_intr_get(void)
{
	return (read_eflags() & FL_IF) != 0;
}

static inline void arch_wait_for_interrupt(void)
{
	__asm__ volatile("hlt");
}

static inline void arch_flush_page(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"((uint32_t)va) : "memory");
}

static inline void arch_flush_all(void)
{
	uint32_t cr3;

	__asm__ volatile("movl %%cr3, %0; movl %0, %%cr3" : "=r"(cr3) : : "memory");
}

static inline void *arch_p2v(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + KERNBASE);
}

static inline uint64_t arch_v2p(const void *va)
{
	return (uint64_t)((uintptr_t)va - KERNBASE);
}

/* System calls: eax = number; ebx, ecx, edx, esi, edi = arguments; eax = result. */
#define TF_ARG(tf, n)                                                                        \
	((n) == 0 ? (tf)->ebx                                                                \
		  : (n) == 1 ? (tf)->ecx : (n) == 2 ? (tf)->edx : (n) == 3 ? (tf)->esi : (tf)->edi)
#define TF_SYSNUM(tf) ((tf)->eax)
#define TF_RET(tf) ((tf)->eax)

#endif
