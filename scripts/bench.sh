#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the series against the base, in deterministic instruction
# counts.  Builds the base kernel without the series (build/bench/kernel-base)
# and with it (build/kernel), from the same config fragments (the series'
# own options simply do not exist in the base), boots each under QEMU
# -cpu max with one vCPU and the same guest, once with
# -icount shift=0,sleep=off (a guest nanosecond is then one instruction)
# and once without (emulator time), runs guest/bench.c in each, and hands
# the four console logs to scripts/bench-report.py, which prints the table,
# writes build/bench/results.md and results.svg, and checks the budgets.
#
# Usage: scripts/bench.sh [-r]
#   -r   report only: use the console logs of the last run
# Exit status: non-zero when a build or boot fails or a budget is missed.
set -eu
. "$(dirname "$0")/lib.sh"

D=$B/bench
report_only=""
while getopts "r" opt; do
	case $opt in
	r) report_only=1 ;;
	*) sed -n '14,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

# stage NAME COMMAND...: one line with the wall time; the log on failure.
stage() {
	local name=$1 start=$SECONDS log=$D/$1.log
	shift
	if "$@" >"$log" 2>&1; then
		printf '%-24s ok     %4d s\n' "$name" $((SECONDS - start))
	else
		printf '%-24s FAILED %4d s  (log: %s)\n' "$name" $((SECONDS - start)) "${log#"$TOP"/}"
		tail -n 20 "$log" | sed 's/^/    /'
		exit 1
	fi
}

boot() {
	local kernel=$1 dir=$2
	shift 2
	"$TOP/scripts/qemu.sh" -q -m bench -c max -n 1 -k "$kernel" -d "$dir" -t 900 \
		-a kunit.enable=0 "$@"
	grep -q '^bench done' "$dir/console.log" || { echo "no 'bench done' in $dir/console.log"; return 1; }
}

mkdir -p "$D"
if [ -z "$report_only" ]; then
	base=$("$TOP/scripts/base.sh")
	stage tree "$TOP/scripts/tree.sh" sync
	stage kernel-series "$TOP/scripts/kernel.sh" -f normal bzImage headers
	stage kernel-base "$TOP/scripts/kernel.sh" -f normal -l -s "$base" -o "$D/kernel-base" bzImage
	stage guest "$TOP/scripts/guest.sh"
	start=$SECONDS
	stage boot-base-icount boot "$D/kernel-base/arch/x86/boot/bzImage" "$D/base-icount" -I
	stage boot-series-icount boot "$B/kernel/arch/x86/boot/bzImage" "$D/series-icount" -I
	stage boot-base-tcg boot "$D/kernel-base/arch/x86/boot/bzImage" "$D/base-tcg"
	stage boot-series-tcg boot "$B/kernel/arch/x86/boot/bzImage" "$D/series-tcg"
	echo "benchmark boots: $((SECONDS - start)) s"
fi
python3 "$TOP/scripts/bench-report.py" "$D"
