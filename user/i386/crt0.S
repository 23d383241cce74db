/*
 * The entry point of every user program on x86. The kernel starts it with eax = argc,
 * ebx = argv (NULL-terminated, on the user stack) and esp at the top of the stack.
 */
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	xorl	%ebp, %ebp	/* no caller: ends backtraces */
	pushl	%ebx		/* argv */
	pushl	%eax		/* argc */
	call	main
	pushl	%eax
	call	exit		/* exit(main's return value); does not return */
1:	jmp	1b
	.size _start, . - _start
