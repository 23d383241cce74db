/*
 * System-call stubs for x86: the number in eax, up to five arguments in ebx, ecx, edx, esi,
 * edi (taken from the C caller's stack), `int $64`, the result in eax. ebx, esi and edi are
 * callee-saved in C, so the stub keeps them.
 */
#include "syscall.h"

#define SYSCALL(name)                   \
	.globl name;                    \
	.type name, @function;          \
name:                                   \
	pushl %ebx;                     \
	pushl %esi;                     \
	pushl %edi;                     \
	movl 16(%esp), %ebx;            \
	movl 20(%esp), %ecx;            \
	movl 24(%esp), %edx;            \
	movl 28(%esp), %esi;            \
	movl 32(%esp), %edi;            \
	movl $SYS_##name, %eax;         \
	int $64;                        \
	popl %edi;                      \
	popl %esi;                      \
	popl %ebx;                      \
	ret

SYSCALL(fork)
SYSCALL(exit)
SYSCALL(wait)
SYSCALL(getpid)
SYSCALL(sbrk)
SYSCALL(exec)
SYSCALL(kill)
SYSCALL(uptime)
SYSCALL(vmstat)
SYSCALL(write)
SYSCALL(read)
SYSCALL(sleep)
SYSCALL(poweroff)
