#!/bin/sh
# Run the x86 images of the QEMU differential check (see tests/qemu-diff/README.md).
#
#   tests/qemu-diff/run-x86.sh OUTDIR      (OUTDIR holds qemu-diff-{i386,x86_64,la57}.elf)
#
# Each configuration boots one image under QEMU with one CPU model; the image prints one
# "qemu-diff <format>: N probes, M mismatches ..." line per paging format and leaves through
# isa-debug-exit: QEMU status 1 = every probe agreed, 3 = mismatches, 5 = harness failure.
# Exit status 0 only if every configuration ran to the end and agreed.
# Environment: QD_SEED, QD_ROUNDS, QD_PROBES (per round), QD_TIMEOUT (seconds per run, 60),
# QD_X86_ONLY (a configuration name: run only that one).
set -u

out=${1:?usage: run-x86.sh OUTDIR}
timeout_s=${QD_TIMEOUT:-60}
args="report=4"
[ -n "${QD_SEED:-}" ] && args="$args seed=$QD_SEED"
[ -n "${QD_ROUNDS:-}" ] && args="$args rounds=$QD_ROUNDS"
[ -n "${QD_PROBES:-}" ] && args="$args probes=$QD_PROBES"

for tool in qemu-system-i386 qemu-system-x86_64 timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "qemu-diff-x86: $tool not found (Debian: qemu-system-x86, coreutils)" >&2
		exit 2
	fi
done

# name | QEMU | CPU model | -machine | -m | image | formats it must report
# i386: RAM below 4 GiB is 1 GiB, 256 MiB sit at 4 GiB (PSE-36 and PAE frames up there).
# x86-64: 2 GiB below 4 GiB (the 1 GiB frame is [1 GiB, 2 GiB)), 256 MiB at 4 GiB.
configs="
i386-max|qemu-system-i386|max|pc,max-ram-below-4g=1G|1280M|i386|x86-32 x86-pae
i386-qemu32|qemu-system-i386|qemu32|pc,max-ram-below-4g=1G|1280M|i386|x86-32 x86-pae
x86_64-max|qemu-system-x86_64|max|pc,max-ram-below-4g=2G|2304M|x86_64|x86-64
x86_64-qemu64|qemu-system-x86_64|qemu64|pc,max-ram-below-4g=2G|2304M|x86_64|x86-64
la57-max|qemu-system-x86_64|max|pc,max-ram-below-4g=2G|2304M|la57|x86-64-la57
la57-qemu64|qemu-system-x86_64|qemu64,+la57|pc,max-ram-below-4g=2G|2304M|la57|x86-64-la57
"

failed=""
runs=0
probes=0
start=$(date +%s.%N)
echo "$configs" | {
	while IFS='|' read -r name qemu cpu machine mem image formats; do
		[ -z "$name" ] && continue
		[ -n "${QD_X86_ONLY:-}" ] && [ "$QD_X86_ONLY" != "$name" ] && continue
		log=$out/$name.log
		t0=$(date +%s.%N)
		timeout "$timeout_s" "$qemu" -machine "$machine" -cpu "$cpu" -m "$mem" \
			-kernel "$out/qemu-diff-$image.elf" -append "$args" -display none -vga none \
			-serial stdio -monitor none -no-reboot -net none \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$log" 2>&1
		rc=$?
		t1=$(date +%s.%N)
		runs=$((runs + 1))
		echo "== $name ($qemu -cpu $cpu, $(echo "$t1 - $t0" | bc | sed 's/^\./0./') s)"
		# Summaries and mismatch details (a mismatch block is its line and the indented
		# lines under it).
		grep -v '^probe ' "$log" | grep -E '^(qemu-diff|MISMATCH|    )' | head -400
		case $rc in
		1) verdict=agreed ;;
		3) verdict="MISMATCHES" ;;
		124) verdict="TIMEOUT after ${timeout_s}s" ;;
		5) verdict="HARNESS FAILURE" ;;
		*) verdict="QEMU exit status $rc" ;;
		esac
		for f in $formats; do
			line=$(grep "^qemu-diff $f: [0-9]* probes" "$log")
			if [ -z "$line" ]; then
				[ "$verdict" = agreed ] && verdict="no summary for $f"
				continue
			fi
			n=$(echo "$line" | sed 's/^[^:]*: \([0-9]*\) probes.*/\1/')
			probes=$((probes + n))
		done
		if [ "$verdict" != agreed ]; then
			echo "-- $name: $verdict (log: $log)"
			[ "$rc" -ne 1 ] && [ "$rc" -ne 3 ] && tail -n 20 "$log"
			failed="$failed $name"
		fi
	done
	end=$(date +%s.%N)
	secs=$(echo "$end - $start" | bc | sed 's/^\./0./')
	if [ -z "$failed" ] && [ "$runs" -gt 0 ]; then
		echo "qemu-diff-x86: PASS: $probes probes in $runs QEMU runs agreed with lib/mmu ($secs s)"
		exit 0
	fi
	echo "qemu-diff-x86: FAIL:${failed:- nothing ran} ($probes probes in $runs runs, $secs s)"
	exit 1
}
