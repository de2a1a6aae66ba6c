#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack the base kernel (Debian's linux-source-6.12) into build/base once,
# print its version and warn when it is not the one the series was last
# tested on (the file base-version).
# Usage: scripts/base.sh     prints the path of the pristine base tree
set -eu
. "$(dirname "$0")/lib.sh"

tarball=/usr/src/$BASE_PKG.tar.xz
[ -f "$tarball" ] || die "$tarball missing: run scripts/deps.sh (package $BASE_PKG)"

ver=$(base_pkg_version)
tested=$(cat "$TOP/base-version")
dir=$BASE_DIR/$(echo "$ver" | tr "~:" "__")
src=$dir/$BASE_PKG

if [ ! -f "$dir/.unpacked" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	note "unpacking $tarball ($ver)"
	tar -C "$dir" -xf "$tarball"
	touch "$dir/.unpacked"
fi

echo "base: Debian $BASE_PKG $ver (Linux $(kernel_version "$src"))" >&2
if [ "$ver" != "$tested" ]; then
	echo "warning: the series was last tested on $BASE_PKG $tested, this is $ver" >&2
fi
echo "$src"
