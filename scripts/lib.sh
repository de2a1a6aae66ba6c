# SPDX-License-Identifier: GPL-2.0
# Common helpers for the harness scripts: paths, logging, errors.
# Sourced, never run.

TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$TOP/build
BASE_PKG=linux-source-6.12
BASE_DIR=$B/base
TREE=$B/linux

die() {
	echo "error: $*" >&2
	exit 1
}

note() {
	echo "$(basename "$0"): $*" >&2
}

# The version of the Debian package the base comes from, as dpkg knows it.
base_pkg_version() {
	dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null
}

# Kernel release of the tree in $1, e.g. 6.12.118, from its Makefile.
kernel_version() {
	awk -F' = ' '
		$1 == "VERSION" { v = $2 }
		$1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 }
		/^NAME/ { exit }
		END { printf "%s.%s%s\n", v, p, (s == "" || s == "0") ? "" : "." s }
	' "$1/Makefile"
}

# Hash paths under the repository relative to it, so that a clone in
# another directory (CI) reuses the compiler cache.
export CCACHE_BASEDIR=$TOP
# The normal, debug, bench and bisect builds together take more than
# ccache's 5 GB default, and evicted each other.
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}

# guest_root ROOT: a fresh guest root file system in ROOT: busybox with its
# applets, guest/init as /init, users root and nobody (65534).
guest_root() {
	local r=$1 app
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,tests,lib64}
	cp /bin/busybox "$r/bin/busybox"
	for app in $("$r/bin/busybox" --list-full); do
		[ -e "$r/$app" ] || ln -s /bin/busybox "$r/$app"
	done
	install -m 755 "$TOP/guest/init" "$r/init"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
}

# guest_libs ROOT PROGRAM...: the shared libraries of the dynamically
# linked PROGRAMs into ROOT, where ldd finds them.
guest_libs() {
	local r=$1 f lib
	shift
	for f in "$@"; do
		ldd "$f" >/dev/null 2>&1 || continue
		for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
			mkdir -p "$r$(dirname "$lib")"
			cp -L "$lib" "$r$lib"
		done
	done
}

# guest_cpio DIR ROOT: ROOT packed as DIR/initramfs.cpio.
guest_cpio() {
	local dir=$1 r=$2
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$dir/initramfs.cpio.tmp"
	mv "$dir/initramfs.cpio.tmp" "$dir/initramfs.cpio"
	echo "  CPIO    ${dir#"$TOP"/}/initramfs.cpio ($(du -k "$dir/initramfs.cpio" | cut -f1) KiB)"
}

# The modules the distribution flavor builds (configs/distro.modules).
distro_modules() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/configs/distro.modules"
}

# provenance: what a measurement was made on, for the summaries that make
# docs copies into docs/: the date, the base package's version and the
# number of patches of the tree (with its last commit).
provenance() {
	local n head
	n=$(git -C "$TREE" rev-list --count base..HEAD 2>/dev/null || echo "?")
	head=$(git -C "$TREE" rev-parse --short=12 HEAD 2>/dev/null || echo "?")
	echo "measured $(date -u '+%Y-%m-%d %H:%M') UTC on Debian $BASE_PKG $(base_pkg_version) with $n patches (tree $head)"
}
