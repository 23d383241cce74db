/*
 * What the user programs need to know about the machine, in one place per architecture.
 */
#ifndef USER_ARCH_H
#define USER_ARCH_H

#define PGSIZE 4096UL
#define PGROUNDDOWN(a) ((unsigned long)(a) & ~(PGSIZE - 1))
#define PGROUNDUP(a) (((unsigned long)(a) + PGSIZE - 1) & ~(PGSIZE - 1))

#if defined(__riscv)
#define ARCH_NAME "riscv64"
/* The kernel's own memory: RAM starts here on QEMU's virt machine. User space stays below. */
#define KERNEL_ADDR 0x80000000UL
/* Pages without X really are not executable (data, heap, stack). */
#define ARCH_HAS_NX 1
/* One instruction that returns to the caller: `ret` (jalr x0, 0(ra)), little-endian. */
#define ARCH_RET_INSN { 0x67, 0x80, 0x00, 0x00 }
#define ARCH_SYNC_ICACHE() __asm__ volatile("fence.i" ::: "memory")
#elif defined(__i386__)
#define ARCH_NAME "i386"
/* The kernel is mapped at KERNBASE in every address space, without user access. */
#define KERNEL_ADDR 0x80000000UL
/* 32-bit paging without PAE has no NX bit: every readable page is executable. */
#define ARCH_HAS_NX 0
#define ARCH_RET_INSN { 0xc3 }
#define ARCH_SYNC_ICACHE() __asm__ volatile("" ::: "memory")
#else
#error "user/arch.h: unknown architecture"
#endif

#endif
