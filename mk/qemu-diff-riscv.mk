# The QEMU differential check of lib/mmu on RISC-V targets (see tests/qemu-diff/README.md).
#
# make qemu-diff-riscv          build the RV32 (Sv32) and RV64 (Sv39/48/57) images and run them
#                               under QEMU in every CPU configuration; exit 0 only if lib/mmu
#                               (MMU_MODEL_QEMU72) and QEMU agreed on every probe
# make qemu-diff-riscv-images   only build the images
# Knobs: QD_SEED=N (default 1), QD_ROUNDS=N, QD_PROBES=N (per round), QD_TIMEOUT=seconds per run,
# QD_CONFIGS="rv32 rv64 ..." (a subset), QD_SMP=N, QD_AMO_SPLIT=0|1 (default 1 on one hart, mmu.h Q18): see
# tests/qemu-diff/riscv/run-all.sh and tests/qemu-diff/README.md.

QD_RV_DIR := tests/qemu-diff/riscv
QD_COMMON_DIR := tests/qemu-diff/common
QD_RV_OUT := $(BUILD)/qemu-diff/riscv
QD_RV_CC := riscv64-unknown-elf-gcc
QD_RV_ARCH_rv64 := -march=rv64gc -mabi=lp64d
# zicsr spelled out for the assembler; libgcc from the rv32imac/ilp32 multilib.
QD_RV_ARCH_rv32 := -march=rv32imac_zicsr_zifencei -mabi=ilp32
QD_RV_MULTILIB_rv64 := -march=rv64gc -mabi=lp64d
QD_RV_MULTILIB_rv32 := -march=rv32imac -mabi=ilp32
QD_RV_CFLAGS := $(STD) $(WARN) -Iinclude -I$(QD_RV_DIR) -I$(QD_COMMON_DIR) -ffreestanding \
	-fno-builtin -nostdlib -O2 -g -mcmodel=medany -fno-pie -fno-stack-protector -fno-common
# The library as the images link it: the engine and the software MMU, built with the image's flags.
QD_RV_LIB := $(filter lib/pt/% lib/mmu/%,$(LIB_SRC))
QD_RV_SRC := $(QD_RV_DIR)/start.S $(QD_RV_DIR)/main.c $(QD_COMMON_DIR)/qd_fmt.c \
	$(QD_COMMON_DIR)/qd_string.c $(QD_RV_LIB)
QD_RV_HDR := $(LIB_HDR) $(wildcard $(QD_RV_DIR)/*.h $(QD_COMMON_DIR)/*.h)
QD_RV_IMAGES := $(QD_RV_OUT)/qemu-diff-rv32.elf $(QD_RV_OUT)/qemu-diff-rv64.elf

define qd_rv_rules
$(QD_RV_OUT)/$(1)/%.o: % $(QD_RV_HDR)
	@mkdir -p $$(dir $$@)
	$(QD_RV_CC) $(QD_RV_ARCH_$(1)) $(QD_RV_CFLAGS) -c $$< -o $$@
$(QD_RV_OUT)/qemu-diff-$(1).elf: $(patsubst %,$(QD_RV_OUT)/$(1)/%.o,$(QD_RV_SRC)) $(QD_RV_DIR)/link.ld
	$(QD_RV_CC) $(QD_RV_ARCH_$(1)) -nostdlib -static -Wl,--no-warn-rwx-segments \
		-T $(QD_RV_DIR)/link.ld -o $$@ $(patsubst %,$(QD_RV_OUT)/$(1)/%.o,$(QD_RV_SRC)) \
		$$(shell $(QD_RV_CC) $(QD_RV_MULTILIB_$(1)) -print-libgcc-file-name)
endef
$(foreach x,rv32 rv64,$(eval $(call qd_rv_rules,$(x))))

.PHONY: qemu-diff-riscv qemu-diff-riscv-images
qemu-diff-riscv-images: $(QD_RV_IMAGES)

qemu-diff-riscv: deps-kernel $(QD_RV_IMAGES)
	QD_SEED=$(QD_SEED) QD_ROUNDS=$(QD_ROUNDS) QD_PROBES=$(QD_PROBES) QD_TIMEOUT=$(QD_TIMEOUT) \
		QD_CONFIGS="$(QD_CONFIGS)" QD_SMP=$(QD_SMP) QD_AMO_SPLIT=$(QD_AMO_SPLIT) \
		$(QD_RV_DIR)/run-all.sh $(QD_RV_OUT)
