# The x86 kernel's first instructions. QEMU's multiboot loader (-kernel) loads the ELF at its
# physical addresses (1 MiB up) and jumps to _start in 32-bit protected mode, paging off.
# Turn on paging with entry_pgdir (4 MiB pages mapping the first 8 MiB both at 0 and at
# KERNBASE), then continue at the kernel's linked (high) addresses in kmain.
#include "layout.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0
#define CR0_PG 0x80000000
#define CR0_WP 0x00010000
#define CR4_PSE 0x00000010

.section .multiboot
.align 4
.long MB_MAGIC
.long MB_FLAGS
.long -(MB_MAGIC + MB_FLAGS)

.text
.globl _start
_start = entry - KERNBASE

.globl entry
entry:
        movl %cr4, %eax
        orl $CR4_PSE, %eax
        movl %eax, %cr4
        movl $(entry_pgdir - KERNBASE), %eax
        movl %eax, %cr3
        movl %cr0, %eax
        orl $(CR0_PG | CR0_WP), %eax
        movl %eax, %cr0
        movl $(boot_stack + 4096), %esp
        movl $kmain, %eax
        jmp *%eax

.bss
.align 4096
.globl boot_stack
boot_stack:
        .space 4096
