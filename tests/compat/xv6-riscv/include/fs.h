/* Stand-in for xv6-riscv's kernel/fs.h: the drop-in includes it but uses nothing from it. */
