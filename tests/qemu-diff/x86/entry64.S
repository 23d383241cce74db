# The x86-64 image: multiboot entry in 32-bit code, the switch to long mode, trap stubs, the
# probe trampoline and the user-mode trampolines.
#
# QEMU 7.2's multiboot loader refuses ELF64 kernels, so this file is assembled into a 64-bit
# object whose first code is .code32, the image is linked as elf_x86_64 and then converted
# with objcopy -O elf32-i386 (the program headers and entry point survive; the loader only
# needs them). Everything is linked below 2 GiB and runs at VA = PA.
#
# Long mode: identity tables mapping [0, 5 GiB) with 2 MiB pages (4-level, or 5-level with
# CR4.LA57 when QD_LA57 is 1: LA57 must be set before paging is turned on), CR4.PAE,
# EFER.LME, CR0.PG, then a far jump to the 64-bit code segment.
#include "qd_x86.h"

#ifndef QD_LA57
#define QD_LA57 0
#endif

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0

.section .multiboot, "a"
.align 4
.long MB_MAGIC
.long MB_FLAGS
.long -(MB_MAGIC + MB_FLAGS)

.text
.code32
.globl _start
_start:
        cli
        cld
        movl %ebx, qd_mb_info
        movl $qd_boot_stack_top, %esp
        # The CPU must do long mode (and LA57 for the 5-level image).
        movl $0x80000000, %eax
        cpuid
        cmpl $0x80000001, %eax
        jb no_cpu
        movl $0x80000001, %eax
        cpuid
        btl $29, %edx
        jnc no_cpu
#if QD_LA57
        movl $7, %eax
        xorl %ecx, %ecx
        cpuid
        btl $16, %ecx
        jnc no_cpu
#endif
        # Page directories: pd[i] maps [i GiB, i+1 GiB) with 2 MiB pages, i = 0..4.
        movl $boot_pd, %edi
        xorl %ecx, %ecx         # entry number, 0 .. 5*512-1
1:      movl %ecx, %eax
        shll $21, %eax
        orl $0x83, %eax         # P | RW | PS
        movl %ecx, %edx
        shrl $11, %edx          # PA bits 63:32 = ecx * 2 MiB >> 32
        movl %eax, (%edi,%ecx,8)
        movl %edx, 4(%edi,%ecx,8)
        incl %ecx
        cmpl $(5 * 512), %ecx
        jb 1b
        # pdpt[i] -> pd[i]; pml4[0] -> pdpt; pml5[0] -> pml4.
        xorl %ecx, %ecx
2:      movl %ecx, %eax
        shll $12, %eax
        addl $(boot_pd + 3), %eax
        movl %eax, boot_pdpt(,%ecx,8)
        incl %ecx
        cmpl $5, %ecx
        jb 2b
        movl $(boot_pdpt + 3), boot_pml4
        movl $(boot_pml4 + 3), boot_pml5
#if QD_LA57
        movl $boot_pml5, %eax
#else
        movl $boot_pml4, %eax
#endif
        movl %eax, qd_boot_root
        movl %eax, %cr3
        movl %cr4, %eax
#if QD_LA57
        orl $((1 << 5) | (1 << 12)), %eax   # PAE | LA57
#else
        orl $(1 << 5), %eax                 # PAE
#endif
        movl %eax, %cr4
        movl $0xC0000080, %ecx          # EFER
        rdmsr
        orl $(1 << 8), %eax                 # LME
        wrmsr
        movl %cr0, %eax
        orl $0x80000001, %eax               # PG | PE
        movl %eax, %cr0
        lgdt boot_gdtr
        ljmp $QD_KCODE, $start64
no_cpu:
        # "no long mode / LA57": say so on COM1 and leave through isa-debug-exit with 2.
        movl $no_cpu_msg, %esi
3:      movb (%esi), %al
        testb %al, %al
        jz 4f
        movw $0x3f8, %dx
        outb %al, %dx
        incl %esi
        jmp 3b
4:      movb $2, %al
        outb %al, $0xf4
        hlt
        jmp 4b

.code64
start64:
        movw $QD_KDATA, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorl %eax, %eax
        movw %ax, %fs
        movw %ax, %gs
        movq $qd_boot_stack_top, %rsp
        movl qd_mb_info, %edi
        call qd_main
5:      hlt
        jmp 5b

# ---- traps ----------------------------------------------------------------------------------
.altmacro
.macro stub n
qd_vec\n:
.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
.else
        pushq $0
.endif
        pushq $\n
        jmp trap_common
.endm
.macro address n
        .quad qd_vec\n
.endm

.set i, 0
.rept 256
        stub %i
        .set i, i + 1
.endr

.data
.globl qd_vectors
qd_vectors:
.set i, 0
.rept 256
        address %i
        .set i, i + 1
.endr

.text
# Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS.
trap_common:
        cmpq $0, qd_probing
        je trap_fatal
        movq qd_probe_io_ptr, %rdi
        movq (%rsp), %rax
        cmpq $QD_VEC_USER_DONE, %rax
        je user_done
        movq %rax, QD_IO_VECTOR(%rdi)
        movq 8(%rsp), %rax
        movq %rax, QD_IO_ERR(%rdi)
        movq %cr2, %rax
        movq %rax, QD_IO_CR2(%rdi)
        movq 16(%rsp), %rax
        movq %rax, QD_IO_IP(%rdi)
        movq $1, QD_IO_TRAPPED(%rdi)
        jmp probe_return
user_done:
        movq %rdx, QD_IO_OUT0(%rdi)
        movq %rcx, QD_IO_OUT1(%rdi)
        movq $0, QD_IO_TRAPPED(%rdi)
        jmp probe_return
trap_fatal:
        movq %rsp, %rdi
        andq $-16, %rsp
        call qd_fatal_trap
6:      hlt
        jmp 6b

# ---- void qd_probe_asm(struct qd_probe_io *io) ----------------------------------------------
.globl qd_probe_asm
qd_probe_asm:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, qd_probe_saved_sp
        movq %rdi, qd_probe_io_ptr
        movq $1, qd_probing
        movq QD_IO_VA(%rdi), %rax
        movq QD_IO_WVAL(%rdi), %rbx
        movq QD_IO_KIND(%rdi), %rsi
        cmpq $0, QD_IO_USER_IP(%rdi)
        jne to_user
        pushq QD_IO_FLAGS(%rdi)
        popfq
        cmpq $QD_KIND_WRITE, %rsi
        je 1f
        cmpq $QD_KIND_FETCH, %rsi
        je 2f
        movq (%rax), %rdx
        xorl %ecx, %ecx
        jmp kernel_done
1:      movq %rbx, (%rax)
        xorl %edx, %edx
        xorl %ecx, %ecx
        jmp kernel_done
2:      call *%rax
        movq %rax, %rdx
        xorl %ecx, %ecx
kernel_done:
        movq %rdx, QD_IO_OUT0(%rdi)
        movq %rcx, QD_IO_OUT1(%rdi)
        movq $0, QD_IO_TRAPPED(%rdi)
        jmp probe_return
to_user:
        pushq $QD_UDATA
        pushq QD_IO_USER_SP(%rdi)
        pushq QD_IO_FLAGS(%rdi)
        pushq $QD_UCODE
        pushq QD_IO_USER_IP(%rdi)
        iretq
probe_return:
        pushq $2
        popfq
        movw $QD_KDATA, %ax
        movw %ax, %ds
        movw %ax, %es
        movq $0, qd_probing
        movq qd_probe_saved_sp, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret

# ---- user-mode trampolines (mapped at QD_USER_CODE_VA, U=1) ----------------------------------
# RAX = address, RBX = value to write; the result goes back in RDX (RCX = 0) through int 0x81.
.section .usertext, "ax"
.balign 4096
.globl qd_usertext_start
qd_usertext_start:
.globl qd_user_read
qd_user_read:
        movq (%rax), %rdx
        xorl %ecx, %ecx
        int $QD_VEC_USER_DONE
.globl qd_user_write
qd_user_write:
        movq %rbx, (%rax)
        xorl %edx, %edx
        xorl %ecx, %ecx
        int $QD_VEC_USER_DONE
.globl qd_user_fetch
qd_user_fetch:
        call *%rax
        movq %rax, %rdx
        xorl %ecx, %ecx
        int $QD_VEC_USER_DONE
.globl qd_usertext_end
qd_usertext_end:
.balign 4096

.data
.balign 8
boot_gdt:
        .quad 0
        .quad 0x00209A0000000000        # 0x08 kernel code, 64-bit
        .quad 0x00CF92000000FFFF        # 0x10 kernel data
boot_gdt_end:
boot_gdtr:
        .word boot_gdt_end - boot_gdt - 1
        .long boot_gdt
no_cpu_msg:
        .asciz "qemu-diff x86: this CPU model lacks long mode or LA57\n"
.balign 8
.globl qd_probing
qd_probing: .quad 0
qd_probe_io_ptr: .quad 0
qd_probe_saved_sp: .quad 0
.globl qd_boot_root
qd_boot_root: .quad 0
qd_mb_info: .long 0

.bss
.balign 4096
boot_pml5: .space 4096
boot_pml4: .space 4096
boot_pdpt: .space 4096
boot_pd: .space 5 * 4096
.globl qd_ustack
qd_ustack:
        .space 4096
qd_boot_stack:
        .space 65536
.globl qd_boot_stack_top
qd_boot_stack_top:
        .space 16384
.globl qd_trap_stack_top
qd_trap_stack_top:
        .space 64
