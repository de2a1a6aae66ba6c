#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest userspace and pack it as build/guest/initramfs.cpio:
# busybox-static, guest/init as /init, the tests of guest/list and
# guest/list.system in /tests (static binaries, except sanity which proves
# dynamically linked glibc programs run), and what the base's pkeys selftests need (/etc/passwd,
# hugetlbfs and debugfs mount points).
# Usage: scripts/guest.sh
set -eu
. "$(dirname "$0")/lib.sh"

G=$B/guest
R=$G/root
KH=$B/kernel/usr/include
SELFTESTS=$TREE/tools/testing/selftests
CFLAGS="-O2 -Wall -I$SELFTESTS -isystem $KH"

[ -d "$KH" ] || die "$KH missing: scripts/kernel.sh headers"
mkdir -p "$G/bin" "$G/mm"

# cc OUT SRC [FLAGS...]: compile when SRC, a header of guest/ or the
# kselftest header is newer.
cc_if_newer() {
	local out=$1 src=$2 h newer=""
	shift 2
	for h in "$TOP"/guest/*.h "$SELFTESTS/kselftest.h"; do
		[ "$h" -nt "$out" ] && newer=1
	done
	if [ ! -e "$out" ] || [ "$src" -nt "$out" ] || [ -n "$newer" ]; then
		echo "  CC      ${out#"$TOP"/}"
		# shellcheck disable=SC2086
		gcc $CFLAGS "$@" -o "$out" "$src"
	fi
}

cc_if_newer "$G/bin/pkeys-demo" "$TOP/guest/pkeys-demo.c" -static -pthread
cc_if_newer "$G/bin/sanity" "$TOP/guest/sanity.c" -pthread
cc_if_newer "$G/bin/runtest" "$TOP/guest/runtest.c" -static
cc_if_newer "$G/bin/bench" "$TOP/guest/bench.c" -static
cc_if_newer "$G/bin/bpf-jit" "$TOP/guest/bpf-jit.c" -static
cc_if_newer "$G/bin/node-touch" "$TOP/guest/node-touch.c" -static
cc_if_newer "$G/bin/pressure" "$TOP/guest/pressure.c" -static

# The base's pkeys selftests, built by their own Makefile, statically,
# 64-bit and 32-bit (gcc-multilib; the 32-bit ones run where the kernel
# has IA32_EMULATION).
MM_TESTS="protection_keys pkey_sighandler_tests pkey_kernel_access"
make -s -C "$SELFTESTS/mm" OUTPUT="$G/mm" KHDR_INCLUDES="-isystem $KH" \
	EXTRA_CFLAGS=-static $(for t in $MM_TESTS; do echo "$G/mm/${t}_64 $G/mm/${t}_32"; done) \
	>"$G/selftests.log" 2>&1 || { cat "$G/selftests.log"; die "building the mm selftests failed"; }
# The series' selftests, by the x86 selftests' Makefile, 64-bit and 32-bit.
X86_TESTS="test_pks test_pkeys_proc test_pkeys_strict test_pkeys_signal test_pks_pgtable test_pkeys_bad_input test_pkeys_hostile test_pks_cred"
mkdir -p "$G/x86"
make -s -C "$SELFTESTS/x86" OUTPUT="$G/x86" KHDR_INCLUDES="-isystem $KH" \
	EXTRA_CFLAGS=-static $(for t in $X86_TESTS; do echo "$G/x86/${t}_64 $G/x86/${t}_32"; done) \
	>>"$G/selftests.log" 2>&1 || { cat "$G/selftests.log"; die "building the x86 selftests failed"; }

guest_root "$R"
cp "$TOP/guest/list" "$TOP/guest/list.system" "$TOP/guest/system" "$TOP/guest/lkdtm" "$R/tests/"
# What each LKDTM test must report (guest/lkdtm reads it).
cp "$SELFTESTS/lkdtm/tests.txt" "$R/tests/lkdtm-tests.txt"
cp "$G/bin/pkeys-demo" "$G/bin/sanity" "$G/bin/runtest" "$G/bin/bench" "$G/bin/bpf-jit" "$G/bin/node-touch" "$G/bin/pressure" \
	$(for t in $MM_TESTS; do echo "$G/mm/${t}_64 $G/mm/${t}_32"; done) \
	$(for t in $X86_TESTS; do echo "$G/x86/${t}_64 $G/x86/${t}_32"; done) "$R/tests/"
# e2fsprogs' chattr, which busybox-static lacks: the EFI variable test
# clears the immutable flag efivarfs sets.
cp /usr/bin/chattr "$R/usr/bin/chattr"
# Debian's kexec-tools, for the kexec line of the distribution flavor
# (check.sh adds the kernel to load as /boot/bzImage).
cp /usr/sbin/kexec "$R/usr/sbin/kexec"
# The shared libraries of the dynamically linked programs.
guest_libs "$R" "$G/bin/sanity" /usr/bin/chattr /usr/sbin/kexec
guest_cpio "$G" "$R"
