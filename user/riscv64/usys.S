/*
 * The system-call stubs: the number in a7, the arguments already in a0..a5, the result in a0.
 */
#include "syscall.h"

	.macro SYSCALL name, number
	.globl \name
	.type \name, @function
\name:
	li	a7, \number
	ecall
	ret
	.size \name, . - \name
	.endm

	.text
	SYSCALL fork, SYS_fork
	SYSCALL exit, SYS_exit
	SYSCALL wait, SYS_wait
	SYSCALL getpid, SYS_getpid
	SYSCALL sbrk, SYS_sbrk
	SYSCALL exec, SYS_exec
	SYSCALL kill, SYS_kill
	SYSCALL uptime, SYS_uptime
	SYSCALL vmstat, SYS_vmstat
	SYSCALL write, SYS_write
	SYSCALL read, SYS_read
	SYSCALL sleep, SYS_sleep
	SYSCALL poweroff, SYS_poweroff
