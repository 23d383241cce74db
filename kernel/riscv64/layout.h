/* QEMU virt's memory layout as the RISC-V kernel uses it; usable from C and assembly. */
#ifndef KERNEL_RISCV64_LAYOUT_H
#define KERNEL_RISCV64_LAYOUT_H

#ifdef __ASSEMBLER__
#define U64(x) x
#else
#define U64(x) x##ull
#endif

#define KERNBASE U64(0x80000000)
#define PHYSTOP (KERNBASE + U64(128) * 1024 * 1024)
#define UART0 U64(0x10000000)
#define VIRT_TEST U64(0x100000) /* the test device: writes power the machine off */

/* The top of the VA space: one bit below Sv39's, so no VA here needs sign extension. */
#define MAXVA (U64(1) << 38)
#define TRAMPOLINE (MAXVA - 4096)
#define TRAPFRAME (TRAMPOLINE - 4096)
/* Kernel stacks sit below the trampoline, each with an unmapped guard page below it. */
#define KSTACK(i) (TRAMPOLINE - ((i) + 1) * 2 * 4096)

#define TIMER_INTERVAL 100000 /* cycles of QEMU virt's 10 MHz timer between ticks: 100 Hz */

#endif
