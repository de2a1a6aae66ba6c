#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: boot a kernel under QEMU -cpu max (PKU and PKS), 2 vCPUs,
# and run guest/stress.c for a bounded time: threads and processes
# switching, allocating, attaching and freeing user keys while forking
# and taking signals (each thread's PKRU must stay exactly what it set),
# strict mode (no key freed while a mapping carries it, checked against
# /proc/self/smaps and /proc/self/status), and user threads and kernel
# threads (pks_test's "kthreads") taking and dropping PKS rights while
# they migrate, sleep, are preempted and interrupted and CPU 1 goes
# offline and online (the rights read back must be the thread's).
# Any violation, kernel warning, BUG, lockdep, KASAN or oops report fails
# the run; the console log stays in build/stress/console.log.  Writes the
# stress section of build/reliability/summary.md.
#
# Usage: scripts/stress.sh [-k BZIMAGE] [-s SECONDS]
#   -k BZIMAGE  kernel (default the debug flavor,
#               build/kernel-debug/arch/x86/boot/bzImage)
#   -s SECONDS  stress time (default $STRESS_SECONDS or 180; at most 3600)
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuzz-stress-lib.sh"

S=$B/stress
MAX_SECONDS=3600
kernel=$B/kernel-debug/arch/x86/boot/bzImage
seconds=${STRESS_SECONDS:-180}

while getopts "k:s:" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	s) seconds=$OPTARG ;;
	*) sed -n '16,19s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
rel_bounded "STRESS_SECONDS/-s" "$seconds" $MAX_SECONDS seconds
[ -f "$kernel" ] || die "kernel $kernel missing: make kernel-debug"

mkdir -p "$S/bin"
rel_cc "$S/bin/stress" "$TOP/guest/stress.c"
rel_initramfs "$S" "$S/bin/stress"

# The guest's clock is jiffies (no ACPI, no HPET, TSCs unsynchronized
# between the sockets): its time advances with the timer ticks QEMU gets
# to deliver, at a third of the host's speed when the host is busy
# (measured while kernels were building).  Four times the run, plus boot
# and wind-down, before the guest counts as hung.
limit=$((4 * seconds + 300))
echo "stress: $seconds s; console log: $S/console.log"
SECONDS=0
rc=0
"$TOP/scripts/qemu.sh" -q -k "$kernel" -i "$S/initramfs.cpio" -c max -n 2 -m stress -d "$S" \
	-t "$limit" -a "kunit.enable=0 stress_seconds=$seconds" || rc=$?
took=$SECONDS
# The guest's report, from the second serial port (its lines end in CR LF).
log=$S/report.txt
tr -d '\r' <"$S/results.ktap" >"$log" 2>/dev/null || : >"$log"

# counter NAME: the guest's count, 0 when absent.
counter() {
	local n
	n=$(sed -n "s/^stress: $1 \([0-9]*\)\$/\1/p" "$log" | tail -n 1)
	echo "${n:-0}"
}
violations=$(counter violations)
found=$(grep -ac '^stress: violations ' "$log" || true)
reports=$(rel_scan "$S/console.log")
nreports=$(echo -n "$reports" | grep -c . || true)

problems=""
[ "$rc" = 0 ] || problems="$problems guest status $rc;"
[ "$found" != 0 ] || problems="$problems no counts from the guest;"
[ "$violations" = 0 ] || problems="$problems $violations violations;"
[ "$nreports" = 0 ] || problems="$problems $nreports kernel report lines;"
verdict=ok
[ -z "$problems" ] || verdict="FAILED:$problems"

{
	echo "## make stress"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(basename "$kernel"), -cpu max, 2 vCPUs."
	echo
	echo "| figure | value |"
	echo "|---|---:|"
	echo "| stress time | $seconds s |"
	echo "| run time, boot included | $took s |"
	grep -a '^stress: [a-z_0-9]* [0-9]*$' "$log" | grep -v ' violations ' |
		sed 's/^stress: \([a-z_0-9]*\) \([0-9]*\)$/| \1 | \2 |/' || true
	echo "| violations (must be 0) | $violations |"
	echo "| kernel warnings (must be 0) | $nreports |"
	echo "| verdict | $verdict |"
	grep -a '^stress: .*skipped\|^stress: no ' "$log" | sed 's/^stress: /\n/' || true
	if [ "$violations" != 0 ]; then
		echo
		echo "Violations (the first 50):"
		echo
		echo '```'
		grep -a '^stress: VIOLATION' "$log" | head -n 50
		echo '```'
	fi
	if [ "$nreports" != 0 ]; then
		echo
		echo "Kernel reports (console log: build/stress/console.log):"
		echo
		echo '```'
		echo "$reports" | head -n 40
		echo '```'
	fi
} >"$S/summary.md"
rel_summary stress "$S/summary.md"

echo "stress: $(grep -a '^stress: [a-z_0-9]* [0-9]*$' "$log" | sed 's/^stress: //' | paste -sd, - | sed 's/,/, /g')"
echo "stress: $seconds s ($took s with boot), $violations violations, $nreports kernel warnings: $verdict"
if [ "$verdict" != ok ]; then
	grep -a '^stress: VIOLATION' "$log" | head -n 20 >&2 || true
	[ -z "$reports" ] || echo "$reports" | head -n 40 >&2
	echo "stress: console log: $S/console.log" >&2
	exit 1
fi
