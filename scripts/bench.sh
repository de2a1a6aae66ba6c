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
# the console logs to scripts/bench-report.py, which prints the table,
# writes build/bench/results.md and results.svg, and checks the budgets.
# The -icount boots run under a TCG plugin (scripts/tbprof/regwrites.c)
# that counts, in each figure's measured stretch, the writes to IA32_PKRS
# and PKRU, the calls that open the page-table key, and the kernel's
# instructions (build/bench/KERNEL-icount.regwrites; the report reads the
# kernels' code from build/bench/vmlinux-base and vmlinux-series).
# The series boots twice: with pks_pgtable=off ("series": PKS compiled in
# and unused, against the base) and with page tables under their key
# ("pgtable", against the same kernel with it off); both with pks_cred=off,
# so that each figure measures one user of PKS.  A fourth boot, with
# -icount only, has credentials under their key and page tables off
# ("cred", against "series").  When the distribution flavor is built
# (build/kernel-distro), two more -icount boots give its figures with page
# tables under their key against pks_pgtable=off ("distro").
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

# boot KERNEL DIR [QEMU.SH OPTIONS]: one run of guest/bench.c.  KUnit is off:
# its suites allocate keys, and the figures are for a kernel with none.
boot() {
	local kernel=$1 dir=$2
	shift 2
	"$TOP/scripts/qemu.sh" -q -m bench -c max -n 1 -k "$kernel" -d "$dir" -t 900 "$@"
	grep -q '^bench done' "$dir/console.log" || { echo "no 'bench done' in $dir/console.log"; return 1; }
}

# Without -icount, TCG's TSC is the host's, which the guest cannot
# calibrate (no HPET or PM timer here): tell it the host's frequency, in
# kHz, so that guest time is host time.
host_tsc_khz() {
	cat >"$D/tsc-khz.c" <<'C'
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>
int main(void)
{
	struct timespec a, b, d = { 0, 200000000 };
	unsigned long long t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	nanosleep(&d, NULL);
	t1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.0f\n", (t1 - t0) / ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) * 1e6);
	return 0;
}
C
	gcc -O2 -o "$D/tsc-khz" "$D/tsc-khz.c" && "$D/tsc-khz"
}

# watch VMLINUX: the plugin arguments that count calls of the functions
# that open the page-table key, when the kernel has them.
watch() {
	nm "$1" | awk '$3 ~ /^(pks_pgtable_(batch_begin|open)|pks_(set|xchg|try_cmpxchg)_(pte|pmd|pud|p4d|pgd))$/ {
		printf ",watch=%s", $1 }'
}

mkdir -p "$D"
if [ -z "$report_only" ]; then
	rm -rf "$D"/*-irq* "$D"/*.regwrites
	base=$("$TOP/scripts/base.sh")
	stage tree "$TOP/scripts/tree.sh" sync
	stage kernel-series "$TOP/scripts/kernel.sh" -f normal bzImage headers
	stage kernel-base "$TOP/scripts/kernel.sh" -f normal -l -s "$base" -o "$D/kernel-base" bzImage
	stage guest "$TOP/scripts/guest.sh"
	stage plugin gcc -O2 -Wall -shared -fPIC -o "$D/regwrites.so" "$TOP/scripts/tbprof/regwrites.c"
	cp "$D/kernel-base/vmlinux" "$D/vmlinux-base"
	cp "$B/kernel/vmlinux" "$D/vmlinux-series"
	start=$SECONDS
	khz=$(host_tsc_khz) || die "could not measure the host's TSC frequency"
	kbase=$D/kernel-base/arch/x86/boot/bzImage
	kseries=$B/kernel/arch/x86/boot/bzImage
	for mode in icount tcg; do
		args="kunit.enable=0"
		[ $mode = tcg ] && args="$args tsc_early_khz=$khz"
		icount=()
		for k in base series pgtable cred; do
			# Credentials under their key: instruction counts only.
			[ $k = cred ] && [ $mode != icount ] && continue
			vmlinux=$D/vmlinux-series
			[ $k = base ] && vmlinux=$D/vmlinux-base
			[ $mode = icount ] && icount=(-I -P "$D/regwrites.so,out=$D/$k-icount.regwrites$(watch "$vmlinux")")
			kernel=$kseries
			kargs="$args pks_pgtable=off pks_cred=off"
			[ $k = base ] && kernel=$kbase kargs=$args
			[ $k = pgtable ] && kargs="$args pks_cred=off"
			[ $k = cred ] && kargs="$args pks_pgtable=off"
			stage boot-$k-$mode boot "$kernel" "$D/$k-$mode" "${icount[@]}" -a "$kargs"
		done
	done
	# The interrupt figure: a short boot that measures only it, so
	# that no work left by the other figures runs in the timer ticks.
	stage boot-base-irq boot "$kbase" "$D/base-irq" -I -a "kunit.enable=0 pkeys_bench=interrupt"
	stage boot-series-irq boot "$kseries" "$D/series-irq" -I \
		-a "kunit.enable=0 pkeys_bench=interrupt pks_pgtable=off pks_cred=off"
	stage boot-pgtable-irq boot "$kseries" "$D/pgtable-irq" -I \
		-a "kunit.enable=0 pkeys_bench=interrupt pks_cred=off"
	# The distribution flavor (Debian's configuration: PTI compiled in,
	# PARAVIRT_XXL, KASLR, booted through UEFI as make check boots it),
	# when make check or make kernel-distro has built it: its figures with
	# page tables under their key against pks_pgtable=off, -icount only.
	# nokaslr: the same layout in both boots.
	kdistro=$B/kernel-distro/arch/x86/boot/bzImage
	rm -rf "$D"/distro-*
	if [ -f "$kdistro" ]; then
		cp "$B/kernel-distro/vmlinux" "$D/vmlinux-distro"
		for k in distro distro-pgtable; do
			kargs="kunit.enable=0 nokaslr pks_cred=off"
			[ $k = distro ] && kargs="$kargs pks_pgtable=off"
			stage boot-$k-icount boot "$kdistro" "$D/$k-icount" -U -I \
				-P "$D/regwrites.so,out=$D/$k-icount.regwrites$(watch "$D/vmlinux-distro")" \
				-a "$kargs"
		done
	else
		echo "no distribution kernel (make kernel-distro): its figures are left out"
	fi
	echo "benchmark boots: $((SECONDS - start)) s"
fi
rc=0
python3 "$TOP/scripts/bench-report.py" "$D" || rc=$?
# What the figures were measured on, under the title (make docs copies
# results.md into docs/bench.md).
[ ! -f "$D/results.md" ] || sed -i "1a\\
\\
_$(provenance); make bench took $(((SECONDS + 30) / 60)) min_" "$D/results.md"
exit $rc
