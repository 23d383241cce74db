#!/usr/bin/env bash
# Boot a test kernel under QEMU without a terminal, let it run the VM test suite and power the
# machine off, and pass only if QEMU exits 0 and the suite reports no failure.
# Usage: [QEMU_SUCCESS=status] scripts/qemu-test.sh TIMEOUT_SECONDS LOG QEMU_COMMAND...
# QEMU_SUCCESS is QEMU's exit status when the kernel powers off with code 0 (default 0; 1 for
# x86's isa-debug-exit, which exits with (code << 1) | 1).
set -uo pipefail
limit=$1
log=$2
shift 2
start=$(date +%s.%N)
timeout --foreground -k 5 "$limit" "$@" </dev/null 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
end=$(date +%s.%N)
printf 'qemu-test: QEMU exited with %s after %.1f s\n' "$status" "$(echo "$end - $start" | bc)"
if [ "$status" -eq 124 ]; then
	echo "qemu-test: timed out after ${limit} s"
	exit 1
fi
summary=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | tr -d '\r')
if [ "$status" -ne "${QEMU_SUCCESS:-0}" ] || [ -z "$summary" ] || ! echo "$summary" | grep -q ' 0 failed'; then
	echo "qemu-test: FAILED (${summary:-no summary line})"
	exit 1
fi
echo "qemu-test: passed ($summary)"
