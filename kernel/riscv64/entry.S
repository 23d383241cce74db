# Every hart starts here in machine mode (QEMU -bios none loads the kernel at 0x80000000).
# Give each a 4 KiB boot stack, stack0 + (hartid + 1) * 4096, and go to start() in C.
.section .text.entry
.globl _entry
_entry:
        la sp, stack0
        li a0, 4096
        csrr a1, mhartid
        addi a1, a1, 1
        mul a0, a0, a1
        add sp, sp, a0
        call start
1:      wfi
        j 1b
