# The QEMU differential check of lib/mmu on RISC-V targets (see tests/qemu-diff/README.md).
