#!/usr/bin/env bash
# Run the RISC-V differential check of lib/mmu against QEMU in every CPU configuration, one QEMU
# run each (through tests/qemu-diff/run.sh), and pass only if every run agreed on every probe.
#
# Usage: tests/qemu-diff/riscv/run-all.sh OUTDIR   (OUTDIR holds qemu-diff-rv32.elf and
#        qemu-diff-rv64.elf; the logs are written next to them)
# Environment (empty means the default):
#   QD_SEED      seed of the random tables and probes (default 1)
#   QD_ROUNDS    tables per format (default: the image's, 24)
#   QD_PROBES    probes per table (default: the image's, 1000)
#   QD_TIMEOUT   seconds per QEMU run (default 60)
#   QD_CONFIGS   space-separated subset of the configurations below (default: all)
#   QD_SMP       harts given to QEMU (default 1; 2 switches QEMU's AMOs to its parallel path)
#   QD_AMO_SPLIT 1 (the default with one hart): expect AMOs to be translated as a load then a
#                store, as QEMU's single-vCPU TCG executes them (mmu.h Q18); 0: as one store
set -uo pipefail
out=${1:?usage: $0 OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
runner=$here/../run.sh
seed=${QD_SEED:-1}
timeout=${QD_TIMEOUT:-60}
smp=${QD_SMP:-1}
configs=${QD_CONFIGS:-"rv32 rv64 rv64-napot-pbmt rv64-pbmt-nopbmte rv64-napot"}

# name -> QEMU binary, image, -cpu, formats, extra boot arguments, expected "svnapot=N svpbmt=N"
config() {
	case "$1" in
	rv32) echo "qemu-system-riscv32|rv32|rv32|sv32||svnapot=0 svpbmt=0" ;;
	rv64) echo "qemu-system-riscv64|rv64|rv64|sv39,sv48,sv57||svnapot=0 svpbmt=0" ;;
	rv64-napot-pbmt)
		echo "qemu-system-riscv64|rv64|rv64,svnapot=on,svpbmt=on|sv39,sv48,sv57||svnapot=1 svpbmt=1" ;;
	rv64-pbmt-nopbmte)
		echo "qemu-system-riscv64|rv64|rv64,svpbmt=on|sv39,sv48,sv57|qemu-diff-pbmte=0|svnapot=0 svpbmt=1" ;;
	rv64-napot) echo "qemu-system-riscv64|rv64|rv64,svnapot=on|sv39,sv48,sv57||svnapot=1 svpbmt=0" ;;
	*) return 1 ;;
	esac
}

args="qemu-diff-seed=$seed"
[ -n "${QD_ROUNDS:-}" ] && args="$args qemu-diff-rounds=$QD_ROUNDS"
[ -n "${QD_PROBES:-}" ] && args="$args qemu-diff-probes=$QD_PROBES"
amo_default=0
[ "$smp" = 1 ] && amo_default=1
[ "${QD_AMO_SPLIT:-$amo_default}" = 1 ] && args="$args qemu-diff-amo-split=1"

start=$(date +%s.%N)
summary=()
failed=0
for name in $configs; do
	if ! spec=$(config "$name"); then
		echo "qemu-diff-riscv: unknown configuration '$name'" >&2
		exit 2
	fi
	IFS='|' read -r qemu image cpu formats extra expect <<<"$spec"
	log=$out/$name.log
	echo "=== qemu-diff-riscv $name: $qemu -cpu $cpu, $formats, boot args: $args $extra"
	QEMU_SUCCESS=0 "$runner" "$timeout" "$log" "$formats" \
		"$qemu" -machine virt -cpu "$cpu" -smp "$smp" -m 128M -bios none -nographic \
		-monitor none -kernel "$out/qemu-diff-$image.elf" -append "$args $extra"
	status=$?
	# The image reads svnapot/svpbmt from the device tree: make sure it saw what we asked for.
	if ! grep -aq "^qemu-diff: RV[0-9]*, $expect" "$log"; then
		echo "qemu-diff-riscv $name: the image did not report '$expect'"
		status=1
	fi
	line=$(grep -aE '^qemu-diff sv[0-9]+: ' "$log" | sed -E 's/^qemu-diff (sv[0-9]+): ([0-9]+ probes, [0-9]+ mismatches).*/\1 \2/' |
		paste -sd ';' - | sed 's/;/; /g')
	if [ $status -eq 0 ]; then
		summary+=("  ok    $name: $line")
	else
		summary+=("  FAIL  $name: ${line:-no summary} (log $log)")
		failed=1
	fi
done
end=$(date +%s.%N)
echo "=== qemu-diff-riscv summary (seed $seed, $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s)"
printf '%s\n' "${summary[@]}"
if [ $failed -ne 0 ]; then
	echo "qemu-diff-riscv: FAILED"
	exit 1
fi
echo "qemu-diff-riscv: passed"
