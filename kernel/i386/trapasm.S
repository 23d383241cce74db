# Trap entry: one stub per vector pushes (a zero error code where the CPU does not push one
# and) the vector number, then alltraps builds struct trapframe and calls trap(tf).
#include "layout.h"

.altmacro
.macro stub n
.globl vector\n
vector\n:
.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17)
.else
        pushl $0
.endif
        pushl $\n
        jmp alltraps
.endm

.macro address n
        .long vector\n
.endm

.text
.set i, 0
.rept 256
        stub %i
        .set i, i + 1
.endr

.data
.globl vectors
vectors:
.set i, 0
.rept 256
        address %i
        .set i, i + 1
.endr

.text
.globl alltraps
alltraps:
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        pushal
        movw $(SEG_KDATA << 3), %ax
        movw %ax, %ds
        movw %ax, %es
        pushl %esp
        call trap
        addl $4, %esp

# Also where a new process's first switch returns to, with its trap frame on the stack.
.globl trapret
trapret:
        popal
        popl %gs
        popl %fs
        popl %es
        popl %ds
        addl $8, %esp   # trapno and error code
        iret
