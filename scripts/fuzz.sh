#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: boot the debug kernel (lockdep, KASAN, DEBUG_VM, DEBUG_ENTRY,
# page poisoning) under QEMU -cpu max, 2 vCPUs, and fuzz the memory and
# protection key system calls as an unprivileged user (uid 65534) for a
# bounded time: trinity (-c pkey_alloc pkey_free pkey_mprotect mprotect
# mmap munmap mremap madvise rt_sigaction sigaltstack prctl, and the
# writers of credentials: the set*id family, setgroups, capset, keyctl,
# add_key, unshare, faccessat and faccessat2; it refuses fork and clone,
# but its children fork and exit all the time) beside
# guest/fuzz-pkeys.c (the series' prctl options and pkey_alloc flag, WRPKRU,
# fork, threads, signals).  Any kernel warning, BUG, lockdep, KASAN or
# oops report on the console fails the run; the console log stays in
# build/fuzz/console.log.  Writes the fuzz section of
# build/reliability/summary.md.
#
# Usage: scripts/fuzz.sh [-k BZIMAGE] [-m MINUTES] [-s SEED]
#   -k BZIMAGE  kernel (default build/kernel-debug/arch/x86/boot/bzImage)
#   -m MINUTES  fuzzing time (default $FUZZ_MINUTES or 10; at most 120)
#   -s SEED     random seed for both fuzzers (default: the time)
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fuzz-stress-lib.sh"

F=$B/fuzz
MAX_MINUTES=120
kernel=$B/kernel-debug/arch/x86/boot/bzImage
minutes=${FUZZ_MINUTES:-10}
seed=$(date +%s)

while getopts "k:m:s:" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	m) minutes=$OPTARG ;;
	s) seed=$OPTARG ;;
	*) sed -n '18,21s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
rel_bounded "FUZZ_MINUTES/-m" "$minutes" $MAX_MINUTES minutes
[ -f "$kernel" ] || die "kernel $kernel missing: make kernel-debug"
TRINITY=$(command -v trinity) || die "trinity missing: scripts/deps.sh installs it"

mkdir -p "$F/bin"
rel_cc "$F/bin/fuzz-pkeys" "$TOP/guest/fuzz-pkeys.c"
rel_initramfs "$F" "$TRINITY" "$F/bin/fuzz-pkeys"

seconds=$((minutes * 60))
# The guest's clock is jiffies (no ACPI, no HPET, TSCs unsynchronized
# between the sockets): its time advances with the timer ticks QEMU gets
# to deliver, at a third of the host's speed when the host is busy
# (measured while kernels were building).  Four times the run, plus boot
# and wind-down, before the guest counts as hung.
limit=$((4 * seconds + 300))
echo "fuzz: $minutes min of trinity and fuzz-pkeys as uid 65534, seed $seed; console log: $F/console.log"
SECONDS=0
rc=0
"$TOP/scripts/qemu.sh" -q -k "$kernel" -i "$F/initramfs.cpio" -c max -n 2 -m fuzz -d "$F" \
	-t "$limit" -a "kunit.enable=0 fuzz_seconds=$seconds fuzz_seed=$seed" || rc=$?
took=$SECONDS
# The guest's report, from the second serial port (its lines end in CR LF).
log=$F/report.txt
tr -d '\r' <"$F/results.ktap" >"$log" 2>/dev/null || : >"$log"

# Trinity's own count at its exit ("Ran N syscalls"), else its last
# progress line ("N iterations").
trinity_n=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' "$log" | tail -n 1)
[ -n "$trinity_n" ] || trinity_n=$(sed -n 's/.* \([0-9]*\) iterations\. .*/\1/p' "$log" | tail -n 1)
trinity_n=${trinity_n:-0}
pk_line=$(grep -a '^fuzz-pkeys: syscalls' "$log" | tail -n 1 || true)
pk_n=$(echo "$pk_line" | sed -n 's/.*syscalls \([0-9]*\).*/\1/p')
pk_n=${pk_n:-0}
# Fuzzer processes still there a minute after the end, with their stacks.
hangs=$(grep -a '^fuzz-hang:' "$log" || true)
nhangs=$(echo -n "$hangs" | grep -c '^fuzz-hang: pid' || true)
# Credentials under their key (pks_cred): writes refused in the run.
cred_viol=$(sed -n 's/^fuzz-cred: violations: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
reports=$(rel_scan "$F/console.log")
nreports=$(echo -n "$reports" | grep -c . || true)

verdict=ok
problems=""
[ "$rc" = 0 ] || problems="$problems guest status $rc;"
[ "$nreports" = 0 ] || problems="$problems $nreports kernel report lines;"
[ "$nhangs" = 0 ] || problems="$problems $nhangs fuzzer processes hung;"
[ "$trinity_n" -gt 0 ] || problems="$problems trinity ran no syscall;"
[ "$pk_n" -gt 0 ] || problems="$problems fuzz-pkeys ran no syscall;"
[ "${cred_viol:-0}" = 0 ] || problems="$problems $cred_viol writes to credentials refused;"
[ -z "$problems" ] || verdict="FAILED:$problems"

{
	echo "## make fuzz"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(basename "$kernel") (debug flavor:"
	echo "lockdep, KASAN, DEBUG_VM, DEBUG_ENTRY, page poisoning), -cpu max, 2 vCPUs, seed $seed."
	echo
	echo "| figure | value |"
	echo "|---|---:|"
	echo "| fuzzing time | $minutes min |"
	echo "| run time, boot included | $took s |"
	echo "| trinity syscalls executed | $trinity_n |"
	echo "| fuzz-pkeys syscalls executed | $pk_n |"
	echo "| syscalls executed, total | $((trinity_n + pk_n)) |"
	echo "| kernel warnings (must be 0) | $nreports |"
	echo "| writes to credentials refused (must be 0; - without the key) | ${cred_viol:--} |"
	echo "| verdict | $verdict |"
	echo
	echo "fuzz-pkeys: \`${pk_line#fuzz-pkeys: }\`"
	# Processes still there after the grace period, which SIGKILL then
	# ended: they came back to user space (a fuzzer process that loops,
	# or sleeps), unlike the hung ones above.
	grep -a '^fuzz-pkeys: .* process groups still had' "$log" | sed 's/^/\n/' || true
	echo
	echo "Trinity per system call (attempted / succeeded / failed):"
	echo
	grep -aE '^[a-z_0-9]+: \(attempted:' "$log" |
		sed 's/^\([a-z_0-9]*\): (attempted:\([0-9]*\)\. success:\([0-9]*\)\. failures:\([0-9]*\)\..*/- \1: \2 \/ \3 \/ \4/' || true
	if [ "$nhangs" != 0 ]; then
		echo
		echo "Processes that did not end (state, wchan, kernel stack):"
		echo
		echo '```'
		echo "$hangs" | head -n 60
		echo '```'
	fi
	if [ "$nreports" != 0 ]; then
		echo
		echo "Kernel reports (console log: build/fuzz/console.log):"
		echo
		echo '```'
		echo "$reports" | head -n 40
		echo '```'
	fi
} >"$F/summary.md"
rel_summary fuzz "$F/summary.md"

echo "fuzz: $trinity_n trinity syscalls + $pk_n fuzz-pkeys syscalls in $minutes min ($took s with boot), $nreports kernel warnings: $verdict"
grep -a '^fuzz-pkeys: .* process groups still had' "$log" || true
if [ "$verdict" != ok ]; then
	[ -z "$hangs" ] || echo "$hangs" | head -n 60 >&2
	[ -z "$reports" ] || echo "$reports" | head -n 40 >&2
	echo "fuzz: console log: $F/console.log" >&2
	exit 1
fi
