#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the harness needs, when they are missing.
# Usage: scripts/deps.sh [--list]
#   --list  print the package list and exit
set -eu

# gcc-12-multilib and libc6-dev-i386 rather than gcc-multilib, which
# conflicts with the cross compilers (apt would swap them on every run).
PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
git ccache perl python3 python3-ply python3-git python3-sphinx python3-sphinx-rtd-theme
linux-source-6.12 linux-config-6.12 qemu-system-x86 qemu-user ovmf busybox-static gnuplot-nox
gcc-12-multilib libc6-dev-i386 e2fsprogs kexec-tools dpkg-dev debhelper kmod rsync
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
# The base follows Debian's security updates: no pin, no hold.  When apt
# knows a newer linux-source-6.12 than the one installed, install it (the
# tree is then made again from it; the series applies with drift until
# make rebase records it).
base_upgrade() {
	local inst cand
	inst=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) || return 0
	cand=$(apt-cache policy linux-source-6.12 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ -n "$inst" ] && [ -n "$cand" ] && [ "$cand" != "(none)" ] || return 0
	dpkg --compare-versions "$cand" gt "$inst" || return 0
	echo "deps: upgrading linux-source-6.12 $inst -> $cand"
	[ "$(id -u)" = 0 ] || { echo "warning: need root to upgrade linux-source-6.12" >&2; return 0; }
	# Debian's configuration of the same version, for the distro flavor.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade linux-source-6.12 \
		linux-config-6.12 >/dev/null
}

if [ -z "$missing" ]; then
	base_upgrade
	exit 0
fi

echo "deps: installing Debian packages:$missing"
[ "$(id -u)" = 0 ] || { echo "error: need root to apt-get install:$missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
