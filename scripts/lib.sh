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

# Kernel release of the tree in $1, e.g. 6.12.117.
kernel_version() {
	make -s -C "$1" kernelversion 2>/dev/null
}

# Hash paths under the repository relative to it, so that a clone in
# another directory (CI) reuses the compiler cache.
export CCACHE_BASEDIR=$TOP
