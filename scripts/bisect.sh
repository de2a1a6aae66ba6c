#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bisect: build the tree at the base and at every patch of the series,
# incrementally (ccache), in a worktree of build/linux at build/bisect/src:
# the normal x86_64 kernel and an i386 tinyconfig kernel (32-bit x86, where
# PKU and PKS do not exist, so that stubs and generic changes build there).
# A step fails when it does not build or when its build prints a warning
# that the base build did not.  When a patch touches arm64 or powerpc files,
# or .c files of mm/ (which both build), its arch .c files and the generic
# .c files it touches are also compiled with Debian's cross compilers
# (defconfig, ppc64le_defconfig).
# A step whose source tree (git tree hash, tools/testing left out) built
# before with no new warning is not built again
# (build/bisect/built-x86_64-i386): an interrupted run resumes, and after
# a change to patch N the steps before it are skipped.
# Usage: scripts/bisect.sh
set -eu
. "$(dirname "$0")/lib.sh"

D=$B/bisect
SRC=$D/src
CROSS_arm64="aarch64-linux-gnu- defconfig"
CROSS_powerpc="powerpc64le-linux-gnu- ppc64le_defconfig"

[ -d "$TREE/.git" ] || die "no tree at $TREE: make tree"
mkdir -p "$D"
if [ ! -d "$SRC" ]; then
	git -C "$TREE" worktree add -q -f --detach "$SRC" base
fi

warnings() {
	grep -E '(warning|error):' "$1" | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u
}

# cross ARCH FILE...: compile the given .c files for ARCH.
cross() {
	local arch=$1 out=$D/cross-$1 cc cfg f objs="" log
	shift
	eval "set -- \$CROSS_$arch \"\$@\""
	cc=$1 cfg=$2
	shift 2
	for f in "$@"; do
		objs="$objs ${f%.c}.o"
	done
	log=$D/cross-$arch.log
	cmake() {
		make -C "$SRC" O="$out" ARCH="$arch" CROSS_COMPILE="$cc" \
			CC="ccache ${cc}gcc" -j"$(nproc)" "$@"
	}
	[ -f "$out/.config" ] || cmake -s "$cfg" >"$log" 2>&1
	# shellcheck disable=SC2086
	if ! cmake prepare $objs >"$log" 2>&1; then
		grep -E 'error|No rule' "$log" | head -20
		echo "  $arch: FAILED ($log)"
		return 1
	fi
	if [ -n "$(warnings "$log")" ]; then
		warnings "$log"
		echo "  $arch: warnings ($log)"
		return 1
	fi
	echo "  $arch ($cfg): built${objs:- prepare}"
}

# build_key COMMIT: the hash of what the kernel builds from, the tree
# without tools/testing (a selftest change does not change the kernel).
build_key() {
	{
		git -C "$TREE" ls-tree "$1" | grep -v -P '\ttools$'
		git -C "$TREE" ls-tree "$1:tools" | grep -v -P '\ttesting$'
	} | git hash-object --stdin
}

base_warnings=$D/base-warnings
base_warnings_i386=$D/base-warnings-i386

# i386 STEP: the i386 tinyconfig kernel of the checked-out step, its log
# in $D/step-STEP-i386.log.
i386() {
	local log=$D/step-$1-i386.log
	im() {
		make -C "$SRC" O="$D/obj-i386" ARCH=i386 CC="ccache gcc" -j"$(nproc)" "$@"
	}
	[ -f "$D/obj-i386/.config" ] || im -s tinyconfig >"$log" 2>&1
	im olddefconfig >"$log" 2>&1 && im bzImage >>"$log" 2>&1
}
built=$D/built-x86_64-i386
touch "$built"
fail=0
n=0
for c in $(git -C "$TREE" rev-parse base) $(git -C "$TREE" rev-list --reverse base..HEAD); do
	tree=$(build_key "$c")
	subj=$(git -C "$TREE" log -1 --format=%s "$c")
	if grep -qx "$tree" "$built" && { [ $n != 0 ] || [ -f "$base_warnings_i386" ]; }; then
		echo "step $n built before (same source tree), skipped: $subj"
		n=$((n + 1))
		continue
	fi
	git -C "$SRC" checkout -q --detach "$c"
	log=$D/step-$n.log
	SECONDS=0
	if ! "$TOP/scripts/kernel.sh" -l -s "$SRC" -o "$D/obj" bzImage >"$log" 2>&1; then
		echo "step $n FAILED to build: $subj ($log)"
		fail=1
		break
	fi
	if ! i386 $n; then
		echo "step $n FAILED to build for i386 (tinyconfig): $subj ($D/step-$n-i386.log)"
		fail=1
		break
	fi
	if [ $n = 0 ]; then
		warnings "$log" >"$base_warnings"
		warnings "$D/step-$n-i386.log" >"$base_warnings_i386"
		echo "$tree" >>"$built"
		echo "step 0 (base) built in $SECONDS s, $(wc -l <"$base_warnings") warnings"
	else
		new=$(comm -23 <(warnings "$log") "$base_warnings")
		new=$new$(comm -23 <(warnings "$D/step-$n-i386.log") "$base_warnings_i386" | sed 's/^/i386: /')
		if [ -n "$new" ]; then
			echo "step $n adds warnings: $subj"
			echo "$new" | sed 's/^/  /'
			fail=1
		else
			echo "step $n built in $SECONDS s, no new warning: $subj"
		fi
		cross_ok=1
		for arch in arm64 powerpc; do
			files=$(git -C "$SRC" diff --name-only --diff-filter=AM "$c~1" "$c")
			echo "$files" | grep -q -e "^arch/$arch/" -e '^mm/.*\.c$' || continue
			generic=$(echo "$files" | grep -v '^arch/' | grep '\.c$' || true)
			archc=$(echo "$files" | grep "^arch/$arch/.*\.c$" || true)
			# shellcheck disable=SC2086
			cross "$arch" $archc $generic || { fail=1; cross_ok=0; }
		done
		[ -n "$new" ] || [ $cross_ok = 0 ] || echo "$tree" >>"$built"
	fi
	n=$((n + 1))
done
[ $fail = 0 ] && echo "bisect: all $((n - 1)) patches build on their own (x86_64, i386 tinyconfig)"
exit $fail
