# The kernels and their user programs. Included by the top-level Makefile.
# make run [ARCH=riscv64] [CPUS=N]     boot with the shell on this terminal
# make qemu-test [ARCH=...] [CPUS=N]    boot headless, run the VM test suite, exit 0 if it passed
# make qemu-gdb                         boot and wait for a debugger on localhost:26000

ARCH ?= riscv64
CPUS ?= 1
K := $(BUILD)/$(ARCH)
QEMU_TIMEOUT ?= 300

ifeq ($(ARCH),riscv64)
KCC := riscv64-unknown-elf-gcc
KLD := riscv64-unknown-elf-ld --no-warn-rwx-segments
KARCH := -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax
KPTR := .dword
QEMU := qemu-system-riscv64
QEMU_RUN = -machine virt -bios none -m 128M -smp $(CPUS) -nographic -kernel
QEMU_TEST = -machine virt -bios none -m 128M -smp $(CPUS) -nographic -monitor none -kernel
endif

ifeq ($(ARCH),i386)
KCC := gcc
KLD := ld -m elf_i386 -z noexecstack
KARCH := -m32 -march=i686 -fno-pic
KPTR := .long
QEMU := qemu-system-i386
QEMU_X86 = -m 256M -display none -vga none -no-reboot -net none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel
QEMU_RUN = -serial mon:stdio $(QEMU_X86)
QEMU_TEST = -serial stdio -monitor none $(QEMU_X86)
# isa-debug-exit: poweroff(0) makes QEMU exit with status 1.
QEMU_SUCCESS := 1
endif
QEMU_SUCCESS ?= 0

KCFLAGS := $(KARCH) -std=gnu11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-builtin \
	-nostdlib -fno-pie -fno-stack-protector -fno-omit-frame-pointer -fno-common \
	-Iinclude -Ikernel/include -Ikernel/$(ARCH)
UCFLAGS := $(KARCH) -std=gnu11 -Wall -Wextra -Werror -O2 -ffreestanding -fno-builtin \
	-nostdlib -fno-pie -fno-stack-protector -Ikernel/include -Iuser
LIBGCC = $(shell $(KCC) $(KARCH) -print-libgcc-file-name)

# The kernels use the engine, the frame allocator and the address spaces (not lib/mmu).
KLIB_SRC := $(wildcard lib/pt/*.c lib/pt/formats/*.c lib/frame/*.c lib/vm/*.c)
KSRC := $(wildcard kernel/*.c kernel/$(ARCH)/*.c kernel/$(ARCH)/*.S) $(KLIB_SRC)
KOBJ := $(patsubst %,$(K)/obj/%.o,$(KSRC))
KHDR := $(wildcard kernel/include/*.h kernel/$(ARCH)/*.h) $(LIB_HDR)

UPROGS := $(filter-out ulib,$(basename $(notdir $(wildcard user/*.c))))
ULIB := $(K)/uobj/user/$(ARCH)/crt0.S.o $(K)/uobj/user/$(ARCH)/usys.S.o $(K)/uobj/user/ulib.c.o
UHDR := $(wildcard user/*.h) kernel/include/syscall.h

$(K)/obj/%.o: % $(KHDR)
	@mkdir -p $(dir $@)
	$(KCC) $(KCFLAGS) -c $< -o $@

$(K)/uobj/%.o: % $(UHDR)
	@mkdir -p $(dir $@)
	$(KCC) $(UCFLAGS) -c $< -o $@

$(K)/uobj/init-test.o: user/init.c $(UHDR)
	@mkdir -p $(dir $@)
	$(KCC) $(UCFLAGS) -DINIT_TEST -c $< -o $@

$(K)/user/%: $(K)/uobj/user/%.c.o $(ULIB) user/$(ARCH)/user.ld
	@mkdir -p $(dir $@)
	$(KLD) -T user/$(ARCH)/user.ld -o $@ $(ULIB) $< $(LIBGCC)

$(K)/user/init-test: $(K)/uobj/init-test.o $(ULIB) user/$(ARCH)/user.ld
	@mkdir -p $(dir $@)
	$(KLD) -T user/$(ARCH)/user.ld -o $@ $(ULIB) $< $(LIBGCC)

UBINS := $(patsubst %,$(K)/user/%,$(UPROGS))

# Two images: one whose init starts the shell, one whose init runs the test suite.
$(K)/programs-run.S: $(UBINS) scripts/embed-programs.sh
	scripts/embed-programs.sh $@ $(KPTR) $(foreach p,$(UPROGS),$(p)=$(K)/user/$(p))
$(K)/programs-test.S: $(UBINS) $(K)/user/init-test scripts/embed-programs.sh
	scripts/embed-programs.sh $@ $(KPTR) $(foreach p,$(filter-out init,$(UPROGS)),$(p)=$(K)/user/$(p)) \
		init=$(K)/user/init-test

$(K)/%.o: $(K)/%.S
	$(KCC) $(KCFLAGS) -c $< -o $@

$(K)/kernel: $(KOBJ) $(K)/programs-run.o kernel/$(ARCH)/kernel.ld
	$(KLD) -z max-page-size=4096 -T kernel/$(ARCH)/kernel.ld -o $@ $(KOBJ) $(K)/programs-run.o $(LIBGCC)

$(K)/kernel-test: $(KOBJ) $(K)/programs-test.o kernel/$(ARCH)/kernel.ld
	$(KLD) -z max-page-size=4096 -T kernel/$(ARCH)/kernel.ld -o $@ $(KOBJ) $(K)/programs-test.o $(LIBGCC)

.PHONY: kernel run qemu-test qemu-gdb
kernel: $(K)/kernel $(K)/kernel-test

run: deps-kernel $(K)/kernel
	@echo "*** booting $(ARCH) on QEMU ($(CPUS) CPU(s)); quit with Ctrl-A X"
	$(QEMU) $(QEMU_RUN) $(K)/kernel

qemu-test: deps-kernel $(K)/kernel-test
	QEMU_SUCCESS=$(QEMU_SUCCESS) scripts/qemu-test.sh $(QEMU_TIMEOUT) $(K)/qemu-test-$(CPUS).log \
		$(QEMU) $(QEMU_TEST) $(K)/kernel-test

qemu-gdb: deps-kernel $(K)/kernel
	@echo "*** QEMU waits for gdb: gdb-multiarch $(K)/kernel -ex 'target remote :26000'"
	$(QEMU) $(QEMU_RUN) $(K)/kernel -S -gdb tcp::26000

deps-kernel:
	@scripts/deps.sh kernel
