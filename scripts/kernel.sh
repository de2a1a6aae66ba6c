#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the kernel of the working tree (build/linux).
#
# Usage: scripts/kernel.sh [-f FLAVOR] [-o OUTDIR] [-s SRCDIR] [-l] [MAKE-TARGET...]
#   -f normal  tinyconfig + configs/base.config and pkeys.config (default)
#   -f debug   the same + configs/debug.config
#   -f distro  Debian's cloud-amd64 config (package linux-config-6.12) +
#              configs/pkeys.config and distro.config
#   -o OUTDIR  build directory (default build/kernel, build/kernel-FLAVOR)
#   -s SRCDIR  kernel source (default build/linux)
#   -l         lenient: options that did not survive are listed, not fatal
#              (make bisect: early steps lack the symbols later patches add)
# Default target: bzImage.  modules-pkeys (distro flavor, after bzImage):
# the modules of configs/distro.modules, with modpost.  The configuration
# is made again only when a fragment or the source tree's HEAD changed;
# kbuild does the rest incrementally, through ccache.
#
# Configuration: `make tinyconfig` (distro: Debian's config), merge the
# fragments with the tree's scripts/kconfig/merge_config.sh, `make
# olddefconfig`, then every option a fragment asks for must be in .config
# as asked, or the script stops and lists the ones that did not survive.
set -eu
. "$(dirname "$0")/lib.sh"

flavor=normal
out=""
src=$TREE
lenient=""
while getopts "f:o:s:l" opt; do
	case $opt in
	f) flavor=$OPTARG ;;
	o) out=$OPTARG ;;
	s) src=$OPTARG ;;
	l) lenient=1 ;;
	*) sed -n '5,14s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

fragments() {
	case $flavor in
	distro) echo "$TOP/configs/pkeys.config" "$TOP/configs/distro.config" ;;
	debug) echo "$TOP/configs/base.config" "$TOP/configs/pkeys.config" "$TOP/configs/debug.config" ;;
	*) echo "$TOP/configs/base.config" "$TOP/configs/pkeys.config" ;;
	esac
}

# The configuration the fragments are merged into.
DISTRO_CONFIG=/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz
start_config() {
	if [ "$flavor" = distro ]; then
		[ -f "$DISTRO_CONFIG" ] || die "$DISTRO_CONFIG missing: make deps (linux-config-6.12)"
		xzcat "$DISTRO_CONFIG" >"$out/.config"
	else
		kmake -s tinyconfig >/dev/null
	fi
}

case $flavor in
normal) : "${out:=$B/kernel}" ;;
debug | distro) : "${out:=$B/kernel-$flavor}" ;;
*) die "unknown flavor '$flavor' (normal, debug or distro)" ;;
esac
[ $# -gt 0 ] || set -- bzImage
# modules-pkeys: the modules of configs/distro.modules, with modpost
# against vmlinux.o (build bzImage first).
if [ "$*" = modules-pkeys ]; then
	[ "$flavor" = distro ] || die "modules-pkeys is for the distribution flavor"
	set -- $(distro_modules)
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)

kmake() {
	make -C "$src" O="$out" CC="ccache gcc" HOSTCC="ccache gcc" \
		KBUILD_BUILD_USER=pkeys KBUILD_BUILD_HOST=qemu \
		-j"$(nproc)" "$@"
}

# Every option a fragment sets must be in .config with that value; an option
# a fragment turns off may also be absent (its dependencies are off).
verify_config() {
	local bad="" line sym
	while read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$out/.config" || bad="$bad
  $line  (.config: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo absent))"
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$out/.config" && bad="$bad
  $line  (.config: $(grep "^$sym=" "$out/.config"))"
			;;
		esac
	done < <(cat $(fragments))
	[ -z "$bad" ] && return 0
	if [ -n "$lenient" ]; then
		echo "note: options of configs/ not in $out/.config:$bad" >&2
		return 0
	fi
	echo "error: options of configs/ that did not survive into $out/.config:$bad" >&2
	rm -f "$out/.config-stamp"
	exit 1
}

stamp=$( (cat $(fragments); [ "$flavor" != distro ] || xzcat "$DISTRO_CONFIG"
	git -C "$src" rev-parse HEAD 2>/dev/null || echo "$src") | sha1sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.config-stamp" 2>/dev/null)" != "$stamp" ]; then
	note "configuring $flavor kernel in $out"
	start_config
	# shellcheck disable=SC2046
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config $(fragments)) >"$out/merge_config.log"
	kmake -s olddefconfig
	verify_config
	echo "$stamp" >"$out/.config-stamp"
fi

kmake "$@"
