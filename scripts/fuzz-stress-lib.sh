# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Helpers shared by scripts/fuzz.sh and scripts/stress.sh: their own guest
# initramfs, the console scan and build/reliability/summary.md.
# Sourced after lib.sh, never run.

REL=$B/reliability

# Console patterns that fail a run: those of scripts/check.sh.
BAD='WARNING:|(^|[^A-Z_])BUG[: ]|Oops|general protection fault|Kernel panic|Call Trace:|possible recursive locking|circular locking|inconsistent lock state|KASAN:|UBSAN:|INFO: task .* blocked|rcu.*stall|sleeping function called from invalid context|was open on return to user space'

# rel_cc OUT SRC: a static guest program, rebuilt when SRC or a header
# of guest/ is newer.
rel_cc() {
	local out=$1 src=$2 h
	for h in "$src" "$TOP"/guest/*.h; do
		if [ ! -e "$out" ] || [ "$h" -nt "$out" ]; then
			echo "  CC      ${out#"$TOP"/}"
			gcc -O2 -Wall -I"$TOP/guest" -static -pthread -o "$out" "$src"
			return
		fi
	done
}

# rel_initramfs DIR FILE...: DIR/initramfs.cpio with busybox-static,
# guest/init as /init, /etc/passwd and /etc/group (root and nobody), each
# FILE in /tests and, for a dynamically linked FILE, its shared libraries
# where ldd finds them.
rel_initramfs() {
	local dir=$1 r=$1/root
	shift
	guest_root "$r"
	: >"$r/tests/list"
	cp "$@" "$r/tests/"
	guest_libs "$r" "$@"
	guest_cpio "$dir" "$r"
}

# rel_bounded WHAT VALUE MAX UNIT: die unless VALUE is a whole number of
# UNIT from 1 to MAX.
rel_bounded() {
	case $2 in
	'' | *[!0-9]*) die "$1: a whole number of $4, not '$2'" ;;
	esac
	if [ "$2" -lt 1 ] || [ "$2" -gt "$3" ]; then
		die "$1: 1 to $3 $4, not $2"
	fi
}

# rel_scan LOG: the kernel reports in a console log, one per line.
rel_scan() {
	grep -aE "$BAD" "$1" || true
}

# rel_summary NAME FILE: FILE becomes NAME's section of
# build/reliability/summary.md; the other sections stay.
rel_summary() {
	local name=$1 file=$2 part
	mkdir -p "$REL"
	# The section's heading, then what it was measured on.
	{
		sed -n '1p' "$file"
		echo
		echo "_$(provenance)_"
		sed '1d' "$file"
	} >"$REL/$name.md"
	{
		echo "# Reliability: make fuzz, make stress and the bad-input table"
		echo
		echo "Latest results of each target; each run rewrites its own section."
		for part in fuzz stress bad-input; do
			[ -f "$REL/$part.md" ] || continue
			echo
			cat "$REL/$part.md"
		done
	} >"$REL/summary.md.tmp"
	mv "$REL/summary.md.tmp" "$REL/summary.md"
}
