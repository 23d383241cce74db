#!/usr/bin/env bash
# Golden tests of ptsim. Usage: tests/ptsim/run.sh [--update] PTSIM [NAME...]
#
# Each test is NAME.ptsim in this folder, run in a fresh temporary folder as `ptsim NAME.ptsim`
# with standard input from /dev/null, or, if NAME.args exists, as `ptsim ARGS...` (one
# argument per line) with NAME.ptsim on standard input. NAME.env (KEY=VALUE lines) adds to the
# environment. Expected:
#   NAME.out          standard output, exactly
#   NAME.err          standard error, then a line "exit status N"; without it, standard error
#                     must be empty and the exit status 0
#   NAME.files/FILE   a file the test writes (dump -o), exactly; for *.svg only that it exists
#                     and holds an <svg> element (its bytes depend on Graphviz's version)
# Prints one "[       OK ] ptsim NAME" or "[  FAILED  ] ptsim NAME" line per test (with the
# differences), then "N passed, N failed". --update rewrites the expected outputs instead.
set -u
here=$(cd "$(dirname "$0")" && pwd)
update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
if [ $# -lt 1 ]; then
	echo "usage: $0 [--update] PTSIM [NAME...]" >&2
	exit 2
fi
ptsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
if [ ! -x "$ptsim" ]; then
	echo "$0: $ptsim is not built" >&2
	exit 2
fi
if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for t in "$here"/*.ptsim; do
		names+=("$(basename "$t" .ptsim)")
	done
fi

tmp_root=$(mktemp -d)
trap 'rm -rf "$tmp_root"' EXIT
passed=0
failed=0

for name in "${names[@]}"; do
	src="$here/$name"
	work="$tmp_root/$name"
	mkdir -p "$work"
	cp "$src.ptsim" "$work/"
	args=("$name.ptsim")
	input=/dev/null
	if [ -f "$src.args" ]; then
		mapfile -t args <"$src.args"
		input="$src.ptsim"
	fi
	envs=()
	if [ -f "$src.env" ]; then
		mapfile -t envs <"$src.env"
	fi
	(cd "$work" && env ${envs[@]+"${envs[@]}"} "$ptsim" ${args[@]+"${args[@]}"} <"$input" \
		>"$work/.stdout" 2>"$work/.stderr")
	rc=$?
	{ cat "$work/.stderr"; echo "exit status $rc"; } >"$work/.status"

	if [ "$update" -eq 1 ]; then
		cp "$work/.stdout" "$src.out"
		if [ "$rc" -ne 0 ] || [ -s "$work/.stderr" ]; then
			cp "$work/.status" "$src.err"
		else
			rm -f "$src.err"
		fi
		if [ -d "$src.files" ]; then
			for f in "$src.files"/*; do
				case "$f" in
				*.svg) ;;
				*) cp "$work/$(basename "$f")" "$f" ;;
				esac
			done
		fi
		echo "updated ptsim $name"
		continue
	fi

	report=""
	if ! d=$(diff -u "$src.out" "$work/.stdout" 2>&1); then
		report+="standard output differs from $name.out:"$'\n'"$d"$'\n'
	fi
	if [ -f "$src.err" ]; then
		if ! d=$(diff -u "$src.err" "$work/.status" 2>&1); then
			report+="standard error and exit status differ from $name.err:"$'\n'"$d"$'\n'
		fi
	elif [ "$rc" -ne 0 ] || [ -s "$work/.stderr" ]; then
		report+="expected no error output and exit status 0, got:"$'\n'"$(cat "$work/.status")"$'\n'
	fi
	if [ -d "$src.files" ]; then
		for f in "$src.files"/*; do
			b=$(basename "$f")
			case "$b" in
			*.svg)
				grep -q "<svg" "$work/$b" 2>/dev/null || report+="$b: no SVG written"$'\n'
				;;
			*)
				if ! d=$(diff -u "$f" "$work/$b" 2>&1); then
					report+="$b differs from $name.files/$b:"$'\n'"$d"$'\n'
				fi
				;;
			esac
		done
	fi
	if [ -z "$report" ]; then
		echo "[       OK ] ptsim $name"
		passed=$((passed + 1))
	else
		printf '%s' "$report"
		echo "[  FAILED  ] ptsim $name"
		failed=$((failed + 1))
	fi
done

[ "$update" -eq 1 ] && exit 0
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
