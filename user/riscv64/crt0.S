/*
 * The entry point of every user program. The kernel starts it with a0 = argc, a1 = argv
 * (NULL-terminated, on the user stack) and sp at the top of the stack.
 */
	.section .text.start, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	li	ra, 0		/* no caller: ends backtraces */
	li	s0, 0
	call	main		/* main(argc, argv) */
	call	exit		/* exit(main's return value); does not return */
1:	j	1b
	.size _start, . - _start
