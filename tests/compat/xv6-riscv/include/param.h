/* Stand-in for xv6-riscv's kernel/param.h (the values the drop-in and its tests use). */
#define NPROC 64
#define NCPU 8
