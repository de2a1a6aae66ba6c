#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel and the guest initramfs under QEMU (TCG) and return the
# guest's status.
#
# Usage: scripts/qemu.sh [options]
#   -k BZIMAGE   kernel (default build/kernel/arch/x86/boot/bzImage)
#   -i INITRD    initramfs (default build/guest/initramfs.cpio)
#   -c CPU       QEMU -cpu model (default max: PKU and PKS emulated;
#                max,-pks: PKU only; max,-pku,-pks: neither)
#   -m MODE      run, check, violate, bench, fuzz, stress or shell (default
#                run): what the guest's /init does
#   -d DIR       write DIR/console.log (and DIR/results.ktap in check and
#                violate modes; the guest's report in fuzz and stress modes)
#                (default build/run)
#   -t SECONDS   time limit (default 300; none for shell)
#   -a ARGS      more kernel command line
#   -n CPUS      vCPUs (default 2), one per socket: SeaBIOS lists only one
#                CPU per socket in the MP table this kernel (no ACPI) reads
#   -I           deterministic instruction counts: -icount shift=0,sleep=off
#                (guest time advances 1 ns per guest instruction)
#   -q           quiet: console only into the log, not on the terminal
#   -P PLUGIN    load a TCG plugin (QEMU -plugin PLUGIN), e.g. a profiler
#   -U           UEFI: machine q35 with Debian's OVMF (package ovmf), its
#                variable store a copy in DIR (kept across boots of DIR:
#                remove DIR/efivars.fd for a fresh one); 2 GiB of memory;
#                a PCI device with a 4 MiB memory BAR (ivshmem-plain)
#   -X ARGS      more QEMU arguments (devices), split at spaces
#
# Exit status: the guest's ("pkeys-harness: exit N" on its console), or 1
# when the guest crashed, hung or overran its time limit (the console log
# says why).
set -eu
. "$(dirname "$0")/lib.sh"

kernel=$B/kernel/arch/x86/boot/bzImage
initrd=$B/guest/initramfs.cpio
cpu=max
mode=run
dir=$B/run
limit=300
append=""
cpus=2
plugin=()
icount=""
quiet=""
uefi=""
extra=""

while getopts "k:i:c:m:d:t:a:n:IqP:UX:" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	c) cpu=$OPTARG ;;
	m) mode=$OPTARG ;;
	d) dir=$OPTARG ;;
	t) limit=$OPTARG ;;
	a) append=$OPTARG ;;
	n) cpus=$OPTARG ;;
	I) icount="-icount shift=0,sleep=off" ;;
	P) plugin=(-plugin "$OPTARG") ;;
	q) quiet=1 ;;
	U) uefi=1 ;;
	X) extra=$OPTARG ;;
	*) sed -n '7,27s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

[ -f "$kernel" ] || die "kernel $kernel missing: make kernel"
[ -f "$initrd" ] || die "initramfs $initrd missing: make guest"
mkdir -p "$dir"
log=$dir/console.log
rm -f "$log" "$dir/results.ktap"

cmdline="console=ttyS0 panic=-1 pkeys_harness=$mode pkeys_cpus=$cpus"
[ "$mode" = run ] && cmdline="$cmdline quiet"
cmdline="$cmdline $append"

machine=(-machine pc -m 1G)
if [ -n "$uefi" ]; then
	# OVMF boots the kernel QEMU hands it (fw_cfg) through its EFI stub.
	ovmf=/usr/share/OVMF
	[ -f $ovmf/OVMF_CODE_4M.fd ] || die "$ovmf/OVMF_CODE_4M.fd missing: make deps (ovmf)"
	[ -f "$dir/efivars.fd" ] || cp $ovmf/OVMF_VARS_4M.fd "$dir/efivars.fd"
	# ivshmem-plain: a PCI memory BAR of 4 MiB, for KUnit's huge
	# ioremap() case (pks_pgtable_huge_ioremap_of_a_bar).
	machine=(-machine q35,smm=off -m 2G
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf/OVMF_CODE_4M.fd"
		-drive "if=pflash,format=raw,unit=1,file=${dir//,/,,}/efivars.fd"
		-object memory-backend-ram,id=pkeys-bar,size=4M -device ivshmem-plain,memdev=pkeys-bar)
fi
# QEMU 7.2's TCG computes CMPXCHG16B's flags from a stale record of how
# the flags were last set (scripts/qemu-cx16.c shows it): EFLAGS then
# holds bits of an earlier operand, TF and DF among them, and a later
# PUSHF or interrupt frame hands them on: a #DB or #GP in the kernel, or
# memory corrupted by a string instruction run backwards (seen after
# SLUB's this_cpu_cmpxchg16b).  Without the feature SLUB takes its
# locked path.  Guests keep it only on a QEMU that computes them right;
# the benchmark (-I) always does: its counts were measured with it.
if [ -z "$icount" ] && ! "$TOP/scripts/qemu-cx16.sh" -q; then
	cpu="$cpu,-cx16"
fi
# shellcheck disable=SC2206
qemu=(qemu-system-x86_64 "${machine[@]}" -accel tcg -cpu "$cpu" -smp "$cpus,sockets=$cpus"
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" -no-reboot $icount "${plugin[@]}" $extra)

case $mode in
shell)
	exec "${qemu[@]}" -nographic -serial mon:stdio
	;;
check | violate | fuzz | stress)
	# A monitor on a socket, for a guest that hangs: info registers -a
	# shows where each vCPU is, gdbserver opens a gdb stub.  QEMU takes
	# a comma in the path doubled (the check guests' -cpu is in theirs).
	rm -f "$dir/monitor.sock"
	"${qemu[@]}" -display none -monitor "unix:${dir//,/,,}/monitor.sock,server=on,wait=off" \
		-serial "file:$log" \
		-serial "file:$dir/results.ktap" </dev/null &
	;;
*)
	if [ -n "$quiet" ]; then
		"${qemu[@]}" -display none -monitor none -serial "file:$log" </dev/null &
	else
		"${qemu[@]}" -display none -monitor none -serial stdio </dev/null | tee "$log" &
	fi
	;;
esac
pid=$!

# Wait for QEMU, up to the time limit: counted in seconds slept, not on
# the clock, which was seen to jump.
waited=0
while kill -0 $pid 2>/dev/null; do
	if [ $waited -ge "$limit" ]; then
		pkill -P $pid 2>/dev/null || true
		kill $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		echo "error: guest (-cpu $cpu) overran its limit of $limit s; console log: $log" >&2
		exit 1
	fi
	sleep 1
	waited=$((waited + 1))
done
wait $pid || true

status=$(sed -n 's/^pkeys-harness: exit \([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ -z "$status" ]; then
	echo "error: guest (-cpu $cpu) stopped without reporting its status (crash or panic?); console log: $log" >&2
	exit 1
fi
exit "$status"
