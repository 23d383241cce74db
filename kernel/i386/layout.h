/* The x86 (QEMU pc) kernel's memory layout; usable from C and assembly. */
#ifndef KERNEL_I386_LAYOUT_H
#define KERNEL_I386_LAYOUT_H

#define KERNBASE 0x80000000            /* kernel VA = PA + KERNBASE */
#define EXTMEM 0x100000                /* the kernel is loaded at 1 MiB ... */
#define KERNLINK (KERNBASE + EXTMEM)   /* ... and linked here */
#define PHYSTOP 0xE000000              /* RAM the kernel uses: 224 MiB (QEMU -m 256M) */
#define DEVSPACE 0xFE000000            /* memory-mapped devices, up to 4 GiB */
/* Kernel stacks: one page each, every one below an unmapped guard page, in a region of their
 * own between the direct map's end and the device space. */
#define KSTACK_BASE 0xF0000000
#define KSTACK(i) (KSTACK_BASE + ((i) * 2 + 1) * 4096)

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4           /* QEMU isa-debug-exit: exit status (v << 1) | 1 */

#define T_SYSCALL 64                   /* int $64: a system call */
#define T_IRQ0 32                      /* hardware interrupts from here */
#define IRQ_TIMER 0

/* GDT selectors */
#define SEG_KCODE 1
#define SEG_KDATA 2
#define SEG_UCODE 3
#define SEG_UDATA 4
#define SEG_TSS 5
#define DPL_USER 3

#endif
