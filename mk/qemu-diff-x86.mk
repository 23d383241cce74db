# The QEMU differential check of lib/mmu on x86 targets (see tests/qemu-diff/README.md).
