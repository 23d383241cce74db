# void swtch(struct context *old, struct context *new)
# Push the callee-saved registers on the current stack and save its pointer in old->esp; load
# new->esp, pop the registers saved there, and return on that stack.
.globl swtch
swtch:
        movl 4(%esp), %eax
        movl 8(%esp), %edx
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, (%eax)
        movl (%edx), %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret
