#!/usr/bin/env bash
# Run every test: the unit test binaries, ptsim's golden tests, the freestanding builds of lib/,
# the fuzz harness, the xv6 drop-ins, both kernels under QEMU and the QEMU differential checks;
# then print the summary line "N passed, N failed". Usage: scripts/run-tests.sh BUILD_DIR BINARY...
set -u
build=$1
shift
passed=0
failed=0
failures=()

# check NAME DESCRIPTION LOG COMMAND...: run COMMAND into LOG and count it as one check; on
# failure show the log. Prints the log's lines matching $CHECK_SHOW (if set) on success.
check() {
	local name=$1 what=$2 log=$3
	shift 3
	if "$@" >"$log" 2>&1; then
		[ -n "${CHECK_SHOW:-}" ] && grep -a "$CHECK_SHOW" "$log"
		echo "[       OK ] $what"
		passed=$((passed + 1))
	else
		cat "$log"
		echo "[  FAILED  ] $what"
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

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

# ptsim's golden tests (tests/ptsim): one check per script, each reported as OK or FAILED.
ptsim_log="$build/ptsim-tests.log"
if [ -x "$build/ptsim" ]; then
	tests/ptsim/run.sh "$build/ptsim" >"$ptsim_log" 2>&1
	grep -v '^[0-9]* passed, [0-9]* failed$' "$ptsim_log"
	passed=$((passed + $(grep -c '^\[       OK \] ptsim ' "$ptsim_log")))
	while read -r name; do
		failed=$((failed + 1))
		failures+=("ptsim-$name")
	done < <(sed -n 's/^\[  FAILED  \] ptsim //p' "$ptsim_log")
	if ! grep -q '^\[.*\] ptsim ' "$ptsim_log"; then
		echo "[  FAILED  ] ptsim: the golden tests did not run"
		failed=$((failed + 1))
		failures+=("ptsim")
	fi
else
	echo "[  FAILED  ] ptsim: $build/ptsim is not built (make ptsim)"
	failed=$((failed + 1))
	failures+=("ptsim")
fi

for target in riscv64 riscv32 i386 host; do
	check "cross-$target" "lib/ freestanding build for $target (-ffreestanding -Wall -Wextra -Werror)" \
		"$build/cross-$target.log" make --no-print-directory -s "$build/cross/$target/libvmkit.a"
done

# The software MMU against the fuzz harness's reference walker, for a bounded time (make
# fuzz-short). Skipped only if clang's libFuzzer runtime is missing (scripts/deps.sh installs
# clang and libclang-rt-14-dev); a harness that does not build, or any difference, fails.
fuzz_log="$build/fuzz-short.log"
mkdir -p "$build/fuzz"
if ! command -v clang >/dev/null 2>&1 ||
	! echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
	clang -x c -fsanitize=fuzzer - -o "$build/fuzz/probe" >/dev/null 2>&1; then
	echo "[  SKIPPED ] fuzz_mmu: clang or its libFuzzer runtime is missing (scripts/deps.sh installs clang, libclang-rt-14-dev)"
elif make --no-print-directory -s fuzz-short >"$fuzz_log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz_log")
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$fuzz_log")
	echo "[       OK ] fuzz_mmu: ${runs:-?} random machines in ${secs:-?} s, lib/mmu agrees with the reference walker"
	passed=$((passed + 1))
else
	tail -n 30 "$fuzz_log"
	echo "[  FAILED  ] fuzz_mmu (log: $fuzz_log; the input is in $build/fuzz/crash-*)"
	failed=$((failed + 1))
	failures+=("fuzz_mmu")
fi

# The xv6 drop-ins, generated as one file each, must compile without a warning under the flags
# xv6 builds its kernel with (against the test stand-ins for xv6's headers).
for layer in xv6-riscv xv6-x86; do
	check "compat-$layer" "compat/$layer: generated vm.c builds under xv6's own flags" \
		"$build/compat-$layer.log" make --no-print-directory -s "$build/compat/$layer/vm.o"
done

# The kernels boot under QEMU, run the VM test suite in user mode and power off.
for config in "riscv64 1" "riscv64 2" "i386 1"; do
	set -- $config
	CHECK_SHOW="qemu-test:" check "qemu-$1-$2" "kernel $1 on QEMU, $2 CPU(s): VM test suite passed" \
		"$build/qemu-test-$1-$2.log" make --no-print-directory -s qemu-test ARCH="$1" CPUS="$2"
done

# The software MMU against QEMU's own MMU, on bare-metal images for all eight formats.
for family in riscv x86; do
	CHECK_SHOW="^qemu-diff" check "qemu-diff-$family" "lib/mmu agrees with QEMU ($family formats)" \
		"$build/qemu-diff-$family.log" make --no-print-directory -s "qemu-diff-$family"
done

[ ${#failures[@]} -ne 0 ] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
