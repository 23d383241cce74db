# vmkit: see README.md. Main targets: run (mk/kernel.mk), test, bench, demo, compat, cross, clean.

CC       ?= gcc
BUILD    := build
WARN     := -Wall -Wextra -Werror
STD      := -std=c11
INC      := -Iinclude -Ihost
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_CFLAGS  := $(STD) $(WARN) $(INC) -g -O1 $(SAN)
BENCH_CFLAGS := $(STD) $(WARN) $(INC) -O2 -DNDEBUG
LIB_FREESTANDING := $(STD) $(WARN) -Iinclude -ffreestanding -fno-builtin -O2

LIB_SRC  := $(wildcard lib/*/*.c lib/*/*/*.c)
HOST_SRC := $(wildcard host/*.c)
LIB_HDR  := $(wildcard include/vmkit/*.h lib/*/*.h host/*.h)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/test/%,$(wildcard tests/unit/test_*.c))
TEST_SUPPORT := $(wildcard tests/unit/support/*.c)

.PHONY: all lib cross compat test unit-tests ptsim bench demo deps deps-kernel clean fuzz fuzz-short
.SECONDARY:
all: lib $(UNIT_TESTS) $(BUILD)/bench/bench_pt $(BUILD)/bench/bench_mmu $(BUILD)/examples/kmap_demo $(BUILD)/ptsim $(BUILD)/examples/quickstart

deps:
	@scripts/deps.sh test

# ---- host builds ---------------------------------------------------------------------------
$(BUILD)/test/obj/%.o: %.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

$(BUILD)/bench/obj/%.o: %.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -c $< -o $@

TEST_OBJ  := $(patsubst %.c,$(BUILD)/test/obj/%.o,$(LIB_SRC) $(HOST_SRC) $(TEST_SUPPORT))
BENCH_OBJ := $(patsubst %.c,$(BUILD)/bench/obj/%.o,$(LIB_SRC) $(HOST_SRC))

lib: $(BUILD)/libvmkit.a
$(BUILD)/libvmkit.a: $(BENCH_OBJ)
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(BUILD)/test/%: $(BUILD)/test/obj/tests/unit/%.o $(TEST_OBJ)
	$(CC) $(TEST_CFLAGS) $^ -lcmocka -o $@

$(BUILD)/bench/bench_pt: $(BUILD)/bench/obj/bench/bench_pt.o $(BENCH_OBJ)
	$(CC) $(BENCH_CFLAGS) $^ -o $@

$(BUILD)/bench/bench_mmu: $(BUILD)/bench/obj/bench/bench_mmu.o $(BENCH_OBJ)
	$(CC) $(BENCH_CFLAGS) $^ -o $@

$(BUILD)/examples/%: $(BUILD)/bench/obj/examples/%.o $(BENCH_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $^ -o $@

# ---- ptsim: explore, script and picture page tables (tools/ptsim, docs/ptsim.md) ------------
PTSIM_SRC := $(wildcard tools/ptsim/*.c)
PTSIM_HDR := $(wildcard tools/ptsim/*.h)
PTSIM_OBJ := $(patsubst %.c,$(BUILD)/ptsim-obj/%.o,$(PTSIM_SRC))
PTSIM_CFLAGS := $(STD) $(WARN) $(INC) -O2 -g

ptsim: $(BUILD)/ptsim

$(BUILD)/ptsim-obj/%.o: %.c $(PTSIM_HDR) $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(PTSIM_CFLAGS) -c $< -o $@

$(BUILD)/ptsim: $(PTSIM_OBJ) $(BENCH_OBJ)
	$(CC) $(PTSIM_CFLAGS) $^ -ledit -o $@

# ---- fuzzing: the software MMU against a reference walker (clang's libFuzzer) ---------------
# `make fuzz` runs it for FUZZ_TIME seconds; `make fuzz-short` is the bounded run that
# scripts/run-tests.sh makes. New inputs go to $(BUILD)/fuzz/corpus; the seeds in
# tests/fuzz/corpus are only read. A difference from the reference aborts and leaves the
# input in $(BUILD)/fuzz/crash-*.
FUZZ_CC := clang
FUZZ_CFLAGS := $(STD) $(WARN) -Iinclude -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
FUZZ_SRC := $(wildcard lib/mmu/*.c) lib/pt/format.c $(wildcard lib/pt/formats/*.c)
FUZZ_TIME ?= 240
FUZZ_SHORT_TIME ?= 30
FUZZ_RUN = $(BUILD)/fuzz/fuzz_mmu -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
	$(BUILD)/fuzz/corpus tests/fuzz/corpus

$(BUILD)/fuzz/fuzz_mmu: tests/fuzz/fuzz_mmu.c $(FUZZ_SRC) $(LIB_HDR)
	@mkdir -p $(dir $@) $(BUILD)/fuzz/corpus
	$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_mmu.c $(FUZZ_SRC) -o $@

fuzz: deps $(BUILD)/fuzz/fuzz_mmu
	$(FUZZ_RUN) -max_total_time=$(FUZZ_TIME)

fuzz-short: $(BUILD)/fuzz/fuzz_mmu
	$(FUZZ_RUN) -max_total_time=$(FUZZ_SHORT_TIME)

# ---- freestanding cross builds of lib/ -------------------------------------------------------
CROSS_TARGETS := riscv64 riscv32 i386 host
CROSS_riscv64 := riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -mcmodel=medany
CROSS_riscv32 := riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32
CROSS_i386    := gcc -m32 -fno-pic
CROSS_host    := $(CC)

cross: $(foreach t,$(CROSS_TARGETS),$(BUILD)/cross/$(t)/libvmkit.a)

define cross_rules
$(BUILD)/cross/$(1)/obj/%.o: %.c $(LIB_HDR)
	@mkdir -p $$(dir $$@)
	$(CROSS_$(1)) $(LIB_FREESTANDING) -c $$< -o $$@
$(BUILD)/cross/$(1)/libvmkit.a: $(patsubst %.c,$(BUILD)/cross/$(1)/obj/%.o,$(LIB_SRC))
	ar rcs $$@ $$^
endef
$(foreach t,$(CROSS_TARGETS),$(eval $(call cross_rules,$(t))))

# ---- xv6 drop-in layers -----------------------------------------------------------------------
# `make compat` writes each layer and the library as one self-contained vm.c.
COMPAT_LAYERS := xv6-riscv xv6-x86
COMPAT_OUT := $(foreach l,$(COMPAT_LAYERS),$(BUILD)/compat/$(l)/vm.c)
XV6_RISCV_CFLAGS := -Wall -Werror -O -fno-omit-frame-pointer -ggdb -gdwarf-2 -mcmodel=medany \
	-ffreestanding -fno-common -nostdlib -mno-relax -fno-stack-protector -fno-pie
# xv6-public's own flags (it passes neither -ffreestanding nor -nostdinc, so <stdint.h> comes
# from the 32-bit C library headers: gcc-multilib).
XV6_X86_CFLAGS := -fno-pic -static -fno-builtin -fno-strict-aliasing -O2 -Wall -MD -ggdb -m32 \
	-Werror -fno-omit-frame-pointer -fno-stack-protector

compat: $(COMPAT_OUT)

$(BUILD)/compat/%/vm.c: compat/%/vm.c compat/xv6_env.h $(LIB_SRC) $(LIB_HDR) scripts/amalgamate.sh
	scripts/amalgamate.sh $< $@

# The generated files compiled as xv6 compiles its kernel (against the test stand-ins for
# xv6's headers); run by scripts/run-tests.sh.
$(BUILD)/compat/xv6-riscv/vm.o: $(BUILD)/compat/xv6-riscv/vm.c
	riscv64-unknown-elf-gcc $(XV6_RISCV_CFLAGS) -Itests/compat/xv6-riscv/include -c $< -o $@
$(BUILD)/compat/xv6-x86/vm.o: $(BUILD)/compat/xv6-x86/vm.c
	gcc $(XV6_X86_CFLAGS) -Itests/compat/xv6-x86/include -c $< -o $@

# Hosted tests of the layers. xv6 needs PA == kernel VA, so RAM sits at its physical address
# in the test process: no AddressSanitizer there (its shadow memory occupies that range).
# (xv6's SATP_SV39 shifts into the sign bit, hence no shift-base check.)
COMPAT_TEST_CFLAGS := $(STD) $(WARN) -g -O1 -fsanitize=undefined -fno-sanitize=shift-base \
	-fno-sanitize-recover=all -no-pie
XV6_RENAMES := -Dprintf=xv6_printf -Dmemset=xv6_memset -Dmemmove=xv6_memmove
$(BUILD)/compat-test/xv6-riscv-vm.o: $(BUILD)/compat/xv6-riscv/vm.c
	@mkdir -p $(dir $@)
	$(CC) $(COMPAT_TEST_CFLAGS) -ffreestanding -fno-builtin $(XV6_RENAMES) \
		-Itests/compat/xv6-riscv/include -c $< -o $@
$(BUILD)/compat-test/test_xv6_riscv: tests/compat/test_xv6_riscv.c $(BUILD)/compat-test/xv6-riscv-vm.o
	$(CC) $(COMPAT_TEST_CFLAGS) -Itests/compat/xv6-riscv/include $^ -lcmocka \
		-Wl,--defsym,etext=0x80008000 -Wl,--defsym,trampoline=0x80007000 -o $@

# The x86 layer and its test run as a 32-bit process, where P2V (PA + KERNBASE) can be real.
# `data` (kernel.ld's start of kernel data) is placed where a small xv6 kernel puts it.
$(BUILD)/compat-test/xv6-x86-vm.o: $(BUILD)/compat/xv6-x86/vm.c
	@mkdir -p $(dir $@)
	$(CC) -m32 $(COMPAT_TEST_CFLAGS) -ffreestanding -fno-builtin $(XV6_RENAMES) \
		-Itests/compat/xv6-x86/include -c $< -o $@
$(BUILD)/compat-test/test_xv6_x86: tests/compat/test_xv6_x86.c $(BUILD)/compat-test/xv6-x86-vm.o
	$(CC) -m32 $(COMPAT_TEST_CFLAGS) -Itests/compat/xv6-x86/include $^ \
		-Wl,--defsym,data=0x80108000 -o $@

COMPAT_TESTS := $(BUILD)/compat-test/test_xv6_riscv $(BUILD)/compat-test/test_xv6_x86

# ---- commands --------------------------------------------------------------------------------
test: deps
	@$(MAKE) --no-print-directory unit-tests ptsim
	@scripts/run-tests.sh $(BUILD) $(UNIT_TESTS) $(COMPAT_TESTS)

unit-tests: $(UNIT_TESTS) $(COMPAT_TESTS)

bench: $(BUILD)/bench/bench_pt $(BUILD)/bench/bench_mmu
	$(BUILD)/bench/bench_pt
	$(BUILD)/bench/bench_mmu

demo: $(BUILD)/examples/kmap_demo
	$(BUILD)/examples/kmap_demo

include mk/kernel.mk
include mk/qemu-diff-riscv.mk
include mk/qemu-diff-x86.mk

clean:
	rm -rf $(BUILD)
