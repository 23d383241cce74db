/* Stand-in for xv6-riscv's kernel/elf.h: the drop-in includes it but uses nothing from it. */
