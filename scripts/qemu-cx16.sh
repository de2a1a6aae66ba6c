#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Does this machine's QEMU compute CMPXCHG16B's flags right under TCG?
# Runs scripts/qemu-cx16.c under qemu-x86_64 (Debian's qemu-user, the same
# TCG front end as qemu-system-x86_64) and prints the verdict; the result
# is kept in build/qemu-cx16.txt for this QEMU version.  qemu.sh boots
# its guests without CMPXCHG16B unless this says "right".
#
# Usage: scripts/qemu-cx16.sh [-q]
#   -q  print nothing
# Exit status: 0 right, 1 wrong, 2 not known (no qemu-x86_64 or compiler).
set -u
. "$(dirname "$0")/lib.sh"

quiet=""
[ "${1:-}" = -q ] && quiet=1
out=$B/qemu-cx16.txt
ver=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)
key="$ver; $(sha1sum "$TOP/scripts/qemu-cx16.c" | cut -c1-12)"

if [ ! -f "$out" ] || [ "$(head -n 1 "$out")" != "$key" ]; then
	mkdir -p "$B"
	if ! command -v qemu-x86_64 >/dev/null; then
		verdict="not known: no qemu-x86_64 (make deps: qemu-user)"
	elif ! gcc -O2 -o "$B/qemu-cx16" "$TOP/scripts/qemu-cx16.c"; then
		verdict="not known: scripts/qemu-cx16.c did not build"
	else
		verdict=$(qemu-x86_64 -cpu max "$B/qemu-cx16" 2>&1 | head -n 1)
	fi
	printf '%s\n%s\n' "$key" "$verdict" >"$out.$$"
	mv "$out.$$" "$out"
fi
verdict=$(sed -n 2p "$out")
[ -n "$quiet" ] || echo "${ver%% (*}, TCG CMPXCHG16B flags $verdict"
case $verdict in
right:*) exit 0 ;;
wrong:*) exit 1 ;;
*) exit 2 ;;
esac
