# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Helpers shared by scripts/fuzz.sh and scripts/stress.sh: their own guest
# initramfs, the console scan and build/reliability/summary.md.
# Sourced after lib.sh, never run.

REL=$B/reliability

# Console patterns that fail a run: those of scripts/check.sh.
BAD='WARNING:|(^|[^A-Z_])BUG[: ]|Oops|general protection fault|Kernel panic|Call Trace:|possible recursive locking|circular locking|inconsistent lock state|KASAN:|UBSAN:|INFO: task .* blocked|rcu.*stall|sleeping function called from invalid context'

# rel_cc OUT SRC: a static guest program, rebuilt when SRC or a header
# of guest/ is newer.
rel_cc() {
	local out=$1 src=$2 h
	for h in "$src" "$TOP"/guest/*.h; do
		if [ ! -e "$out" ] || [ "$h" -nt "$out" ]; then
			echo "  CC      ${out#"$TOP"/}"
			gcc -O2 -Wall -I"$TOP/guest" -static -pthread -o "$out" "$src"
			return
		fi
	done
}

# rel_initramfs DIR FILE...: DIR/initramfs.cpio with busybox-static,
# guest/init as /init, /etc/passwd and /etc/group (root and nobody), each
# FILE in /tests and, for a dynamically linked FILE, its shared libraries
# where ldd finds them.
rel_initramfs() {
	local dir=$1 r=$1/root f lib app
	shift
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,tests,lib64}
	cp /bin/busybox "$r/bin/busybox"
	for app in $("$r/bin/busybox" --list-full); do
		[ -e "$r/$app" ] || ln -s /bin/busybox "$r/$app"
	done
	install -m 755 "$TOP/guest/init" "$r/init"
	: >"$r/tests/list"
	for f in "$@"; do
		cp "$f" "$r/tests/"
		ldd "$f" >/dev/null 2>&1 || continue
		for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
			mkdir -p "$r$(dirname "$lib")"
			cp -L "$lib" "$r$lib"
		done
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$dir/initramfs.cpio.tmp"
	mv "$dir/initramfs.cpio.tmp" "$dir/initramfs.cpio"
	echo "  CPIO    ${dir#"$TOP"/}/initramfs.cpio ($(du -k "$dir/initramfs.cpio" | cut -f1) KiB)"
}

# rel_scan LOG: the kernel reports in a console log, one per line.
rel_scan() {
	grep -aE "$BAD" "$1" || true
}

# rel_summary NAME FILE: FILE becomes NAME's section of
# build/reliability/summary.md; the other sections stay.
rel_summary() {
	local name=$1 file=$2 part
	mkdir -p "$REL"
	cp "$file" "$REL/$name.md"
	{
		echo "# Reliability: make fuzz, make stress and the bad-input table"
		echo
		echo "Latest results of each target; each run rewrites its own section."
		for part in fuzz stress bad-input; do
			[ -f "$REL/$part.md" ] || continue
			echo
			cat "$REL/$part.md"
		done
	} >"$REL/summary.md.tmp"
	mv "$REL/summary.md.tmp" "$REL/summary.md"
}
