#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where the instructions of one make bench figure go, by
# kernel function, the series against the base.  Boots the kernels of make
# bench under -icount with a TCG plugin (scripts/tbprof/tbprof.c) that
# counts the kernel instructions of every translation block, runs only the
# figure (guest/bench.c NAME), and lists the functions whose counts differ
# most, per operation of the figure, with the figure itself.  The counts
# cover the figure's measured repeats only (the guest marks them), not
# the boot or the warm-up.
#
# Usage: scripts/profile.sh [-c series|pgtable|distro|cred] [-n LINES] FIGURE
#   FIGURE       a figure of make bench (exec, fork_exit_wait, interrupt,
#                ...), or "kernel" for the kernel's figures in all
#   -c series    the base against the series with pks_pgtable=off (default)
#   -c pgtable   the series with pks_pgtable=off against it with page
#                tables under their key
#   -c distro    the same on the distribution flavor (build/kernel-distro,
#                booted through UEFI, nokaslr), as make bench boots it
#   -c cred      the series with pks_cred=off against it with credentials
#                under their key (page tables off in both), as make bench's
#                credentials boots
#   -n LINES     functions to list (default 30)
# Writes build/profile/FIGURE-NAME.txt (address counts of each boot) and
# FIGURE-COMPARE.md (the list).
set -eu
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '13,27s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

D=$B/profile
compare=series
lines=30
while getopts "c:n:" opt; do
	case $opt in
	c) compare=$OPTARG ;;
	n) lines=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || usage
figure=$1
case $figure in *[!a-z_]*) die "figure names are lower case letters and _: $figure" ;; esac
case $compare in series | pgtable | distro | cred) ;; *) die "-c series, pgtable, distro or cred, not $compare" ;; esac

mkdir -p "$D"
gcc -O2 -Wall -shared -fPIC -o "$D/tbprof.so" "$TOP/scripts/tbprof/tbprof.c"
base=$("$TOP/scripts/base.sh")
"$TOP/scripts/tree.sh" sync
if [ "$compare" = distro ]; then
	"$TOP/scripts/kernel.sh" -f distro bzImage >"$D/kernel-distro.log" 2>&1 ||
		die "distribution kernel build failed: $D/kernel-distro.log"
else
	"$TOP/scripts/kernel.sh" -f normal bzImage >"$D/kernel-series.log" 2>&1 ||
		die "series kernel build failed: $D/kernel-series.log"
	"$TOP/scripts/kernel.sh" -f normal -l -s "$base" -o "$B/bench/kernel-base" bzImage \
		>"$D/kernel-base.log" 2>&1 || die "base kernel build failed: $D/kernel-base.log"
fi
"$TOP/scripts/guest.sh" >/dev/null

# run NAME KERNEL_DIR [QEMU.SH OPTIONS] [KERNEL ARGS]: one boot of the
# figure under the plugin.
run() {
	local name=$1 kdir=$2 uefi=
	shift 2
	[ "${1:-}" != -U ] || { uefi=-U; shift; }
	"$TOP/scripts/qemu.sh" -q -m bench -c max -n 1 -I -t 900 $uefi -k "$kdir/arch/x86/boot/bzImage" \
		-d "$D/$figure-$name" -a "kunit.enable=0 pkeys_bench=$figure $*" \
		-P "$D/tbprof.so,out=$D/$figure-$name.txt" 2>/dev/null ||
		die "the $name boot failed: $D/$figure-$name/console.log"
	grep -q '^bench done' "$D/$figure-$name/console.log" ||
		die "no 'bench done' in $D/$figure-$name/console.log"
}

if [ "$compare" = series ]; then
	run base "$B/bench/kernel-base"
	run series "$B/kernel" pks_pgtable=off pks_cred=off
	set -- base "$B/bench/kernel-base" series "$B/kernel"
elif [ "$compare" = pgtable ]; then
	run series "$B/kernel" pks_pgtable=off pks_cred=off
	run pgtable "$B/kernel" pks_cred=off
	set -- series "$B/kernel" pgtable "$B/kernel"
elif [ "$compare" = cred ]; then
	run series "$B/kernel" pks_pgtable=off pks_cred=off
	run cred "$B/kernel" pks_pgtable=off
	set -- series "$B/kernel" cred "$B/kernel"
else
	run distro "$B/kernel-distro" -U nokaslr pks_cred=off pks_pgtable=off
	run distro-pgtable "$B/kernel-distro" -U nokaslr pks_cred=off
	set -- distro "$B/kernel-distro" distro-pgtable "$B/kernel-distro"
fi
python3 "$TOP/scripts/profile-report.py" -n "$lines" "$D" "$figure" "$@" |
	tee "$D/$figure-$compare.md"
