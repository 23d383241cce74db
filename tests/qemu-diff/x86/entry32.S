# The i386 image: multiboot entry, trap stubs, the probe trampoline and the user-mode
# trampolines. QEMU's multiboot loader enters _start in 32-bit protected mode, paging off,
# EBX = the multiboot information. The C harness (main.c) takes over at qd_main.
#include "qd_x86.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0

.section .multiboot, "a"
.align 4
.long MB_MAGIC
.long MB_FLAGS
.long -(MB_MAGIC + MB_FLAGS)

.text
.globl _start
_start:
        cli
        cld
        movl $qd_boot_stack_top, %esp
        pushl %ebx
        call qd_main
1:      hlt
        jmp 1b

# ---- traps ----------------------------------------------------------------------------------
# One stub per vector: push a zero error code where the CPU pushes none, then the vector.
.altmacro
.macro stub n
qd_vec\n:
.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
.else
        pushl $0
.endif
        pushl $\n
        jmp trap_common
.endm
.macro address n
        .long qd_vec\n
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
# Stack: vector, error code, EIP, CS, EFLAGS (+ ESP, SS from ring 3).
trap_common:
        movw $QD_KDATA, %ax
        movw %ax, %ds
        movw %ax, %es
        cmpl $0, qd_probing
        je trap_fatal
        movl qd_probe_io_ptr, %edi
        movl (%esp), %eax
        cmpl $QD_VEC_USER_DONE, %eax
        je user_done
        movl %eax, QD_IO_VECTOR(%edi)
        movl 4(%esp), %eax
        movl %eax, QD_IO_ERR(%edi)
        movl %cr2, %eax
        movl %eax, QD_IO_CR2(%edi)
        movl 8(%esp), %eax
        movl %eax, QD_IO_IP(%edi)
        movl $1, QD_IO_TRAPPED(%edi)
        jmp probe_return
user_done:
        # The user trampoline's access worked: EDX:ECX hold what it read.
        movl %edx, QD_IO_OUT0(%edi)
        movl %ecx, QD_IO_OUT1(%edi)
        movl $0, QD_IO_TRAPPED(%edi)
        jmp probe_return
trap_fatal:
        pushl %esp
        call qd_fatal_trap
1:      hlt
        jmp 1b

# ---- void qd_probe_asm(struct qd_probe_io *io) ----------------------------------------------
# CPL 0 kinds access the address here; CPL 3 kinds (io->user_ip set) iret to a trampoline in
# the user page. Every way out (success, exception, the user trampoline's int) ends at
# probe_return, which restores the stack and callee-saved registers saved on entry.
.globl qd_probe_asm
qd_probe_asm:
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl 20(%esp), %edi
        movl %esp, qd_probe_saved_sp
        movl %edi, qd_probe_io_ptr
        movl $1, qd_probing
        movl QD_IO_VA(%edi), %eax
        movl QD_IO_WVAL(%edi), %ebx
        movl QD_IO_KIND(%edi), %esi
        cmpl $0, QD_IO_USER_IP(%edi)
        jne to_user
        pushl QD_IO_FLAGS(%edi)
        popfl
        cmpl $QD_KIND_WRITE, %esi
        je 1f
        cmpl $QD_KIND_FETCH, %esi
        je 2f
        movl (%eax), %edx
        movl 4(%eax), %ecx
        jmp kernel_done
1:      movl %ebx, (%eax)
        xorl %edx, %edx
        xorl %ecx, %ecx
        jmp kernel_done
2:      call *%eax
        movl %eax, %edx
        xorl %ecx, %ecx
kernel_done:
        movl %edx, QD_IO_OUT0(%edi)
        movl %ecx, QD_IO_OUT1(%edi)
        movl $0, QD_IO_TRAPPED(%edi)
        jmp probe_return
to_user:
        movw $QD_UDATA, %cx
        movw %cx, %ds
        movw %cx, %es
        pushl $QD_UDATA
        pushl QD_IO_USER_SP(%edi)
        pushl QD_IO_FLAGS(%edi)
        pushl $QD_UCODE
        pushl QD_IO_USER_IP(%edi)
        iretl
probe_return:
        pushl $2
        popfl
        movw $QD_KDATA, %ax
        movw %ax, %ds
        movw %ax, %es
        movl $0, qd_probing
        movl qd_probe_saved_sp, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

# ---- user-mode trampolines (mapped at QD_USER_CODE_VA, U=1) ----------------------------------
# EAX = address, EBX = value to write; the result goes back in EDX:ECX through int 0x81.
.section .usertext, "ax"
.balign 4096
.globl qd_usertext_start
qd_usertext_start:
.globl qd_user_read
qd_user_read:
        movl (%eax), %edx
        movl 4(%eax), %ecx
        int $QD_VEC_USER_DONE
.globl qd_user_write
qd_user_write:
        movl %ebx, (%eax)
        xorl %edx, %edx
        xorl %ecx, %ecx
        int $QD_VEC_USER_DONE
.globl qd_user_fetch
qd_user_fetch:
        call *%eax
        movl %eax, %edx
        xorl %ecx, %ecx
        int $QD_VEC_USER_DONE
.globl qd_usertext_end
qd_usertext_end:
.balign 4096

.data
.globl qd_probing
qd_probing: .long 0
qd_probe_io_ptr: .long 0
qd_probe_saved_sp: .long 0

.bss
.balign 4096
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
