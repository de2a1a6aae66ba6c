#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the harness needs, when they are missing.
# Usage: scripts/deps.sh [--list]
#   --list  print the package list and exit
set -eu

PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
git ccache perl python3 python3-ply python3-git python3-sphinx python3-sphinx-rtd-theme
linux-source-6.12 qemu-system-x86 busybox-static gnuplot-nox
gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu trinity"

if [ "${1:-}" = "--list" ]; then
	echo $PKGS
	exit 0
fi

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing Debian packages:$missing"
[ "$(id -u)" = 0 ] || { echo "error: need root to apt-get install:$missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
