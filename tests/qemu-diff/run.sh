#!/usr/bin/env bash
# Run one image of a QEMU differential check (tests/qemu-diff/<arch>/) under a time limit, keep
# its log, and pass only if
#   - QEMU exits with the success status (QEMU_SUCCESS, default 0),
#   - the image printed "qemu-diff: PASS", and
#   - every format named in FORMATS printed "qemu-diff <format>: N probes, 0 mismatches", N > 0.
# Architecture-neutral: the image's side of the protocol is described in common/qd.h.
#
# Usage: [QEMU_SUCCESS=status] tests/qemu-diff/run.sh TIMEOUT_SECONDS LOG FORMATS QEMU_COMMAND...
#   FORMATS: comma-separated format names, e.g. sv39,sv48,sv57
# The log is printed as it is produced, then one verdict line "qemu-diff-run: ...".
set -uo pipefail
if [ $# -lt 4 ]; then
	echo "usage: $0 TIMEOUT LOG FORMATS QEMU_COMMAND..." >&2
	exit 2
fi
limit=$1
log=$2
formats=$3
shift 3
mkdir -p "$(dirname "$log")"
start=$(date +%s.%N)
timeout --foreground -k 5 "$limit" "$@" </dev/null 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
fail=""
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	fail="timed out after ${limit} s"
elif [ "$status" -ne "${QEMU_SUCCESS:-0}" ]; then
	fail="QEMU exited with $status"
fi
if ! grep -aq '^qemu-diff: PASS' "$log"; then
	fail="${fail:+$fail; }no 'qemu-diff: PASS'"
fi
IFS=, read -r -a fmts <<<"$formats"
for f in "${fmts[@]}"; do
	line=$(grep -aE "^qemu-diff $f: [0-9]+ probes, [0-9]+ mismatches" "$log" | tail -n 1 | tr -d '\r')
	if [ -z "$line" ]; then
		fail="${fail:+$fail; }$f: no summary"
	elif ! echo "$line" | grep -qE ": [1-9][0-9]* probes, 0 mismatches"; then
		fail="${fail:+$fail; }$f: $(echo "$line" | sed -E 's/^qemu-diff [^:]*: ([0-9]+ probes, [0-9]+ mismatches).*/\1/')"
	fi
done
if [ -n "$fail" ]; then
	echo "qemu-diff-run: FAILED after $secs s ($fail), log $log"
	exit 1
fi
echo "qemu-diff-run: passed after $secs s ($formats), log $log"
