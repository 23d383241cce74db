#!/usr/bin/env bash
# Install what the build needs, if it is missing (Debian). Usage: scripts/deps.sh [test|run|bench]
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
want() { have_pkg "$1" || need+=("$1"); }

want make
want gcc
kernel() {
	want gcc-riscv64-unknown-elf  # the RISC-V kernel, and riscv64/riscv32 builds of lib/
	want qemu-system-misc         # qemu-system-riscv64
	want qemu-system-x86          # qemu-system-i386
	want gcc-multilib             # -m32 builds: lib/ for i386, the x86 kernel
	want bc
}
case "${1:-test}" in
test)
	want libcmocka-dev
	want clang
	want libclang-rt-14-dev       # sanitizer and fuzzer runtimes for clang
	want libedit-dev              # ptsim's line editing
	want graphviz                 # ptsim's dump svg (its golden tests render one)
	kernel
	;;
kernel) kernel ;;
bench) ;;
esac

[ ${#need[@]} -eq 0 ] && exit 0
echo "deps: installing ${need[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
