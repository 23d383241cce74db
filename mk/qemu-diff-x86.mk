# The QEMU differential check of lib/mmu on x86 targets (see tests/qemu-diff/README.md).
#
# make qemu-diff-x86          build the i386 image (x86-32 and PAE) and the x86-64 images
#                             (4-level, 5-level) and run them under QEMU 7.2 with several CPU
#                             models; exit 0 only if lib/mmu (MMU_MODEL_QEMU72) and QEMU agreed
#                             on every probe of every format
# make qemu-diff-x86-images   only build the images
# Knobs (shared with qemu-diff-riscv): QD_SEED=N, QD_ROUNDS=N, QD_PROBES=N (per round),
# QD_TIMEOUT=seconds per QEMU run.

QDX_DIR := tests/qemu-diff/x86
QDX_COMMON := tests/qemu-diff/common
QDX_OUT := $(BUILD)/qemu-diff/x86
# The library as the images link it: the engine and the software MMU, built with the images'
# flags (no SSE, no red zone: interrupts arrive on the harness's stack).
QDX_LIB := $(filter lib/pt/% lib/mmu/%,$(LIB_SRC))
QDX_SRC := $(QDX_DIR)/main.c $(QDX_DIR)/gen.c $(QDX_DIR)/cpu.c $(QDX_COMMON)/qd_fmt.c \
	$(QDX_COMMON)/qd_string.c
QDX_HDR := $(LIB_HDR) $(wildcard $(QDX_DIR)/*.h $(QDX_COMMON)/*.h)
QDX_FLAGS := -ffreestanding -fno-builtin -nostdlib -O2 -g -fno-pic -fno-pie \
	-fno-stack-protector -fno-common -mgeneral-regs-only -Iinclude -I$(QDX_DIR) -I$(QDX_COMMON)
QDX_ARCH_i386 := -m32 -march=i686
QDX_ARCH_x86_64 := -m64 -mno-red-zone -mcmodel=small
QDX_ARCH_la57 := $(QDX_ARCH_x86_64) -DQD_LA57=1
QDX_LD_i386 := -m elf_i386
QDX_LD_x86_64 := -m elf_x86_64
QDX_LD_la57 := -m elf_x86_64
QDX_ENTRY_i386 := entry32.S
QDX_ENTRY_x86_64 := entry64.S
QDX_ENTRY_la57 := entry64.S
QDX_VARIANTS := i386 x86_64 la57
QDX_IMAGES := $(foreach v,$(QDX_VARIANTS),$(QDX_OUT)/qemu-diff-$(v).elf)

# One variant: objects, a linked ELF, and (x86-64) the ELF32 container QEMU's multiboot loader
# accepts: objcopy -O elf32-i386 of the 64-bit executable (its entry code is 32-bit).
define qdx_rules
$(QDX_OUT)/$(1)/obj/%.c.o: %.c $(QDX_HDR)
	@mkdir -p $$(dir $$@)
	gcc $(QDX_ARCH_$(1)) $(STD) $(WARN) $(QDX_FLAGS) -c $$< -o $$@
$(QDX_OUT)/$(1)/obj/%.S.o: %.S $(QDX_HDR)
	@mkdir -p $$(dir $$@)
	gcc $(QDX_ARCH_$(1)) $(QDX_FLAGS) -c $$< -o $$@
$(QDX_OUT)/$(1)/image.elf: $(patsubst %,$(QDX_OUT)/$(1)/obj/%.o,$(QDX_DIR)/$(QDX_ENTRY_$(1)) \
		$(QDX_SRC) $(QDX_LIB)) $(QDX_DIR)/image.ld
	ld $(QDX_LD_$(1)) -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
		-T $(QDX_DIR)/image.ld -o $$@ \
		$(patsubst %,$(QDX_OUT)/$(1)/obj/%.o,$(QDX_DIR)/$(QDX_ENTRY_$(1)) $(QDX_SRC) \
		$(QDX_LIB)) $$(shell gcc $(QDX_ARCH_$(1)) -print-libgcc-file-name)
$(QDX_OUT)/qemu-diff-$(1).elf: $(QDX_OUT)/$(1)/image.elf
	objcopy -O elf32-i386 $$< $$@
endef
$(foreach v,$(QDX_VARIANTS),$(eval $(call qdx_rules,$(v))))

.PHONY: qemu-diff-x86 qemu-diff-x86-images
qemu-diff-x86-images: $(QDX_IMAGES)

qemu-diff-x86: $(QDX_IMAGES)
	QD_SEED=$(QD_SEED) QD_ROUNDS=$(QD_ROUNDS) QD_PROBES=$(QD_PROBES) QD_TIMEOUT=$(QD_TIMEOUT) \
		tests/qemu-diff/run-x86.sh $(QDX_OUT)
