#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The base the series applies to: Debian's linux-source-6.12 (unpacked
# into build/base once), or, when BASE is set, a 6.12.y source tree or git
# checkout of the user's.  Prints the path of the pristine base tree, its
# version on stderr, and a warning when it is not the one the series was
# last tested on (the file base-version): the series then applies with
# drift (offsets, fuzz), which make tree reports and make rebase removes.
#
# Usage: scripts/base.sh         the path of the pristine base tree
#        scripts/base.sh -d      one line naming the base (version, origin)
#        scripts/base.sh -s      exit 0 when the base is the recorded one,
#                                where the series must apply exactly
#        scripts/base.sh -v      the version to record in base-version
#        scripts/base.sh -f      -d and a line that changes with the base's
#                                content (a tree of the user's may change in
#                                place): what build/linux records
# Environment: BASE=DIR  a kernel tree to use instead of Debian's package.
set -eu
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '5,19s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

mode=path
case "${1:-}" in
"") ;;
-d) mode=desc ;;
-s) mode=strict ;;
-v) mode=version ;;
-f) mode=fingerprint ;;
*) usage ;;
esac

tested=$(cat "$TOP/base-version")

if [ -n "${BASE:-}" ]; then
	src=$(cd "$BASE" 2>/dev/null && pwd) || die "BASE=$BASE: no such directory"
	[ -f "$src/Makefile" ] && [ -d "$src/arch/x86" ] ||
		die "BASE=$BASE is not a kernel source tree (no Makefile, no arch/x86)"
	kver=$(kernel_version "$src")
	case $kver in
	6.12|6.12.*) ;;
	*) die "BASE=$BASE is Linux $kver: the series is for 6.12.y" ;;
	esac
	ver="Linux $kver"
	desc="Linux $kver from $src"
	if [ -d "$src/.git" ]; then
		stamp="git $(git -C "$src" describe --always --dirty 2>/dev/null)"
	else
		stamp="newest file $(find "$src" -type f -printf '%T@\n' | sort -n | tail -n 1)"
	fi
	# A tree of the user's is never the recorded base: Debian's carries
	# its own patches.
	strict=1
else
	tarball=/usr/src/$BASE_PKG.tar.xz
	[ -f "$tarball" ] || die "$tarball missing: run scripts/deps.sh (package $BASE_PKG)"
	ver=$(base_pkg_version)
	dir=$BASE_DIR/$(echo "$ver" | tr "~:" "__")
	src=$dir/$BASE_PKG
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		note "unpacking $tarball ($ver)"
		tar -C "$dir" -xf "$tarball"
		touch "$dir/.unpacked"
	fi
	kver=$(kernel_version "$src")
	desc="Linux $kver from Debian $BASE_PKG $ver"
	stamp="unpacked $(stat -c %Y "$dir/.unpacked")"
	strict=0
	[ "$ver" = "$tested" ] || strict=1
fi

case $mode in
desc) echo "$desc"; exit 0 ;;
strict) exit $strict ;;
version) echo "$ver"; exit 0 ;;
fingerprint) printf '%s\n%s\n' "$desc" "$stamp"; exit 0 ;;
esac

echo "base: $desc" >&2
if [ $strict != 0 ]; then
	if [ -z "${BASE:-}" ] && dpkg --compare-versions "$ver" gt "$tested"; then
		echo "note: the series was last tested on $BASE_PKG $tested; this base is newer: it applies with drift (make rebase refreshes it)" >&2
	elif [ -n "${BASE:-}" ]; then
		echo "note: the series was last tested on $BASE_PKG $tested; on BASE=$BASE (Linux $kver) hunks may apply with drift, which is reported" >&2
	else
		echo "warning: the series was last tested on $BASE_PKG $tested, this is $ver: hunks may apply with drift, which is reported" >&2
	fi
fi
echo "$src"
