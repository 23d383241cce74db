#!/usr/bin/env bash
# Run every unit test binary and the freestanding cross builds of lib/, then print the summary
# line "N passed, N failed". Usage: scripts/run-tests.sh BUILD_DIR TEST_BINARY...
set -u
build=$1
shift
passed=0
failed=0
failures=()

for t in "$@"; do
	name=$(basename "$t")
	log="$build/test/$name.log"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(awk '/^\[  PASSED  \] [0-9]+ test/ {s += $4} END {print s + 0}' "$log")
	f=$(awk '/^\[  FAILED  \] [0-9]+ test/ {s += $4} END {print s + 0}' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or a sanitizer stopped it
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -ne 0 ] && failures+=("$name")
done

for target in riscv64 riscv32 i386 host; do
	if make --no-print-directory -s "$build/cross/$target/libvmkit.a" >"$build/cross-$target.log" 2>&1; then
		echo "[       OK ] lib/ freestanding build for $target (-ffreestanding -Wall -Wextra -Werror)"
		passed=$((passed + 1))
	else
		cat "$build/cross-$target.log"
		echo "[  FAILED  ] lib/ freestanding build for $target"
		failed=$((failed + 1))
		failures+=("cross-$target")
	fi
done

# The xv6 drop-ins, generated as one file each, must compile without a warning under the flags
# xv6 builds its kernel with (against the test stand-ins for xv6's headers).
for layer in xv6-riscv xv6-x86; do
	if make --no-print-directory -s "$build/compat/$layer/vm.o" >"$build/compat-$layer.log" 2>&1; then
		echo "[       OK ] compat/$layer: generated vm.c builds under xv6's own flags"
		passed=$((passed + 1))
	else
		cat "$build/compat-$layer.log"
		echo "[  FAILED  ] compat/$layer: generated vm.c under xv6's own flags"
		failed=$((failed + 1))
		failures+=("compat-$layer")
	fi
done

# The kernels boot under QEMU, run the VM test suite in user mode and power off.
for config in "riscv64 1" "riscv64 2" "i386 1"; do
	set -- $config
	log="$build/qemu-test-$1-$2.log"
	if make --no-print-directory -s qemu-test ARCH="$1" CPUS="$2" >"$log" 2>&1; then
		grep -a "qemu-test:" "$log"
		echo "[       OK ] kernel $1 on QEMU, $2 CPU(s): VM test suite passed"
		passed=$((passed + 1))
	else
		cat "$log"
		echo "[  FAILED  ] kernel $1 on QEMU, $2 CPU(s)"
		failed=$((failed + 1))
		failures+=("qemu-$1-$2")
	fi
done

[ ${#failures[@]} -ne 0 ] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
