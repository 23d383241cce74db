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
/* The kernel's own memory: RAM starts here on QEMU's virt machine. The RISC-V kernel runs on
 * its own page table, so in a user space this is just an address far above the heap: any
 * access or system call on it must fail all the same. */
#define KERNEL_ADDR 0x80000000UL
/* A page that is mapped for the kernel in every user table of an xv6-style kernel: the top
 * page of Sv39's lower half (the trampoline, R-X without U). Unmapped is as good. */
#define KERNEL_ADDR2 ((1UL << 38) - PGSIZE)
/* No user space reaches this: the top of Sv39's lower half (2^38). sbrk to it must fail. */
#define USER_VA_END (1UL << 38)
/* Pages without X really are not executable (data, heap, stack). */
#define ARCH_HAS_NX 1
/* One instruction that returns to the caller: `ret` (jalr x0, 0(ra)), little-endian. */
#define ARCH_RET_INSN { 0x67, 0x80, 0x00, 0x00 }
#define ARCH_SYNC_ICACHE() __asm__ volatile("fence.i" ::: "memory")
#elif defined(__i386__)
#define ARCH_NAME "i386"
/* The kernel is mapped at KERNBASE in every address space, without user access. */
#define KERNEL_ADDR 0x80000000UL
/* The kernel's text (KERNBASE + 1 MiB in xv6), also mapped in every table without U. */
#define KERNEL_ADDR2 0x80100000UL
/* User space ends where the kernel starts. */
#define USER_VA_END KERNEL_ADDR
/* 32-bit paging without PAE has no NX bit: every readable page is executable. */
#define ARCH_HAS_NX 0
#define ARCH_RET_INSN { 0xc3 }
#define ARCH_SYNC_ICACHE() __asm__ volatile("" ::: "memory")
#else
#error "user/arch.h: unknown architecture"
#endif

#endif
