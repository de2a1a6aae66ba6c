#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything that proves the series, one line per stage with
# its wall time, and a last line "N passed, N failed, N skipped".
#
#   base     the base kernel package, its version against base-version
#   tree     build/linux: the base with the series as commits
#   lint     checkpatch.pl --strict on every patch (exceptions, each with its
#            reason, in scripts/checkpatch-exceptions)
#   docs     kernel-doc -Wall on the C files the series touches, and the
#            Sphinx books of the Documentation it touches: no new warning
#   apply    the series applies to the pristine base with no fuzz, no offset
#            (on the base recorded in base-version; on a newer one, or
#            BASE=DIR, offsets and fuzz are reported and a refused hunk fails)
#   collisions  no number the series allocates (CPU feature and bug bits,
#            prctl options, MMF bits, pkey_alloc flags, MSRs, CR4 bits,
#            syscalls, Kconfig symbols, boot parameters) is one the tree
#            already uses (scripts/collisions.py)
#   harness  the harness's own tests (scripts/test-harness.sh): the
#            collision check catches planted collisions, and a synthetic
#            newer base drives the drift, conflict and rebase paths
#   build    the normal, debug and distro kernels and the guest userspace
#   exports  (with distro) the series' exports in the distribution
#            flavor's Module.symvers: nothing that opens the page-table
#            key around the caller's code (pks_pgtable_open/close, the
#            lazy MMU batch) outside the KUnit namespace; the typed
#            page-table writers and the cred write section GPL-only
#   W=1      the .c files the series touches build with W=1 and no warning
#            the base did not already have
#   boot     every flavor (normal, debug: tinyconfig-based, machine pc;
#            distro: Debian's cloud-amd64 config, UEFI on machine q35)
#            on every CPU model (max: PKU+PKS, max,-pks: PKU only,
#            max,-pku,-pks: neither, and for normal and debug the minimal
#            PKU CPU qemu64,+pku,+xsave,+xsaveopt), 2 vCPUs each:
#            KUnit at boot and the guest's tests (guest/list), both parsed
#            by the tree's kunit.py; any WARNING, BUG, oops, lockdep, KASAN
#            report in the console log fails the guest
#   warn     normal and debug on CPU model max booted with pks_pgtable=warn
#            pks_cred=warn (the modes are fixed at boot): KUnit's warn-mode
#            cases run there, and every test must pass in that mode too
#   violation  with CPU model max: boots of each flavor for the deliberate
#            PKS violations, LKDTM's PKS_WRITE_PGTABLE (a stray write to
#            a page table) and PKS_WRITE_CRED (one to the task's
#            credentials), whose oops must name the key; it is the only
#            kernel report allowed there
#   distro   the distribution flavor's own lines, CPU model max, each a
#            boot of its own: EFI variables through efivarfs, code
#            patching (function tracer, kprobe, BPF JIT), pti=on,
#            4-level paging (no5lvl), the 32-bit programs, three S3
#            suspend/resume cycles, kexec into the same kernel, which
#            runs the tests, kdump (PKS_WRITE_PGTABLE's oops
#            panics into a crash kernel, which runs the tests: the oops
#            is the one report allowed), memory hotplug (a DIMM added on
#            a NUMA node of its own, used, offlined, removed),
#            modules (test_vmalloc.ko loaded: kernel page tables
#            written from a module; dns_resolver.ko and overlay.ko, which
#            write creds they prepared through the cred write section,
#            loaded, an overlay mounted and written; the flavor builds the
#            modules of configs/distro.modules with modpost), memory
#            pressure (page tables under a hog that leaves no 2 MiB
#            block: untagged tables counted, nothing hangs), hibernation
#            to a swap disk and resume
#
# Usage: scripts/check.sh [-f FLAVORS] [-c CPUS] [-b]
#   -f "normal debug distro"   flavors to build and boot (default all)
#   -c "max max,-pks max,-pku,-pks qemu64,+pku,+xsave,+xsaveopt"   CPU
#            models (default all four)
#   -b       control boots (make control): the distribution flavor's
#            configuration built from the base alone (build/kernel-distro-base)
#            and booted on its boot and distro lines, logs in build/control/,
#            kernel reports listed per line, not failed.  make check then
#            counts a report as the base's, listed but not failed, only
#            when the same line's control boot shows the same report
#            (numbers and addresses aside)
# Results and logs: build/check/.  Exit status non-zero on any failure.
set -u
. "$(dirname "$0")/lib.sh"

FLAVORS="normal debug distro"
# qemu64,+pku,+xsave without +xsaveopt does not boot under QEMU 7.2 TCG:
# QEMU takes CR4.OSXSAVE for reserved when CPUID.(0xD,1).EAX is 0 and
# retries the kernel's write to CR4 forever (see README.md).
CPUS="max max,-pks max,-pku,-pks qemu64,+pku,+xsave,+xsaveopt"
CONTROL=""
while getopts "f:c:b" opt; do
	case $opt in
	f) FLAVORS=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	b) CONTROL=1 FLAVORS=distro CPUS="max max,-pks max,-pku,-pks" ;;
	*) sed -n '/^# Usage/,/^# Results/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

C=$B/check
[ -z "$CONTROL" ] || C=$B/control
KUNIT=$TREE/tools/testing/kunit/kunit.py
TIME_LIMIT_normal=300
TIME_LIMIT_debug=900
TIME_LIMIT_distro=900
mkdir -p "$C"

passed=0 failed=0 skipped=0
failures=""
fail_details=""
rows=""
built=1

# table_row NAME STATUS SECONDS SUMMARY: a row of build/check/summary.md.
table_row() {
	local st=ok
	[ "$2" = 0 ] || st=FAILED
	rows="$rows| $1 | $st | $3 s | ${4//|//} |"$'\n'
}

# stage NAME FUNCTION: run FUNCTION, time it, print one line.  FUNCTION
# prints its summary as the last line of its output (kept in
# build/check/NAME.log) and returns non-zero on failure.
stage() {
	local name=$1 fn=$2 log start rc summary
	log=$C/$(echo "$name" | tr '/ ,' '___').log
	start=$SECONDS
	$fn >"$log" 2>&1
	rc=$?
	summary=$(tail -n 1 "$log")
	table_row "$name" $rc $((SECONDS - start)) "$summary"
	if [ $rc = 0 ]; then
		printf '%-26s ok     %4d s  %s\n' "$name" $((SECONDS - start)) "$summary"
	else
		printf '%-26s FAILED %4d s  %s\n' "$name" $((SECONDS - start)) "$summary"
		sed -n '1,40p' "$log" | grep -v "^$summary\$" | sed 's/^/    /'
		echo "    full log: $log"
		failures="$failures $name"
	fi
	return $rc
}

# A stage that is one test of its own.
count_stage() {
	if stage "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		return 1
	fi
}

st_base() {
	"$TOP/scripts/base.sh" >/dev/null || return 1
	echo "$("$TOP/scripts/base.sh" -d) (tested: $(cat "$TOP/base-version"))"
}

st_tree() {
	local drift
	"$TOP/scripts/tree.sh" sync || return 1
	drift=$(cut -d: -f1 "$TREE/.git/pkeys-drift" 2>/dev/null | sort -u | wc -l)
	echo "base + $(git -C "$TREE" rev-list --count base..HEAD) patches at $TREE$([ "$drift" = 0 ] || echo "; $drift patches drifted (offset/fuzz)")"
}

series() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series"
}

# checkpatch --strict on each patch; a report passes only when
# scripts/checkpatch-exceptions lists its patch (by name; the number may
# differ) and type.
st_lint() {
	local p n=0 bad=0 excused=0 line type
	for p in $(series); do
		n=$((n + 1))
		while IFS= read -r line; do
			type=$(echo "$line" | sed -n 's/^[^:]*:[0-9]*: \(ERROR\|WARNING\|CHECK\):\([A-Z_0-9]*\):.*/\2/p')
			[ -n "$type" ] || continue
			# By name without the number, which inserting a patch shifts.
			if grep -q "^[0-9]\{4\}-${p#[0-9][0-9][0-9][0-9]-} $type " \
				"$TOP/scripts/checkpatch-exceptions" 2>/dev/null; then
				excused=$((excused + 1))
			else
				echo "$line"
				bad=$((bad + 1))
			fi
		# Absolute path: checkpatch checks a relative path that git
		# tracks as a source file.  Debian's python3 first: the SPDX
		# check needs its python3-ply.
		done < <(PATH=/usr/bin:$PATH "$TREE/scripts/checkpatch.pl" --strict \
			--terse --show-types "$TOP/patches/$p" 2>&1)
	done
	echo "checkpatch --strict: $n patches, $bad reports, $excused excused by scripts/checkpatch-exceptions"
	[ $bad = 0 ]
}

# kernel-doc warnings of the files at $1 (line numbers dropped, so that the
# base and the tree compare).
kdoc_warnings() {
	local dir=$1 f
	shift
	for f in "$@"; do
		[ -f "$dir/$f" ] || continue
		(cd "$dir" && PATH=/usr/bin:$PATH scripts/kernel-doc -none -Wall "$f" 2>&1)
	done | sed 's/:[0-9]*: /: /' | sort -u
}

# Documentation: kernel-doc -Wall on the C files the series touches (no
# warning the base did not have), and the Sphinx books of the
# Documentation directories it touches (no warning naming a file it
# touches).
st_docs() {
	local files base new dirs warn rc table
	files=$(git -C "$TREE" diff --name-only base..HEAD)
	# shellcheck disable=SC2046
	set -- $(echo "$files" | grep -E '\.[ch]$' | grep -v '^tools/')
	base=$("$TOP/scripts/base.sh" 2>/dev/null) || return 1
	new=$(comm -23 <(kdoc_warnings "$TREE" "$@") <(kdoc_warnings "$base" "$@"))
	[ -z "$new" ] || echo "$new"
	dirs=$(echo "$files" | sed -n 's|^Documentation/\([^/]*\)/.*\.rst$|\1|p' | sort -u | tr '\n' ' ')
	dirs=${dirs% }
	warn=""
	if [ -n "$dirs" ]; then
		PATH=/usr/bin:$PATH make -C "$TREE" O="$C/docs" SPHINXDIRS="$dirs" \
			htmldocs >"$C/htmldocs.log" 2>&1
		rc=$?
		# htmldocs generates the netlink spec pages in the source tree.
		git -C "$TREE" clean -fdXq -- Documentation/networking/netlink_spec
		if [ $rc != 0 ]; then
			echo "htmldocs failed: $C/htmldocs.log"
			return 1
		fi
		warn=$(grep -E 'WARNING|ERROR' "$C/htmldocs.log" | grep -F "$files")
		[ -z "$warn" ] || echo "$warn"
	fi
	# README.md's patch table must be the series' (make docs writes it).
	table=$(python3 "$TOP/scripts/docs.py" --check 2>&1)
	rc=$?
	[ $rc = 0 ] || echo "$table"
	echo "kernel-doc: $# files, $(echo -n "$new" | grep -c .) new warnings; htmldocs ${dirs:-(none)}: $(echo -n "$warn" | grep -c .) warnings on the series' files; README patch table: $([ $rc = 0 ] && echo current || echo STALE)"
	[ -z "$new" ] && [ -z "$warn" ] && [ $rc = 0 ]
}

# The series on a copy of the pristine base's files (tree.sh check-apply).
st_apply() {
	"$TOP/scripts/tree.sh" check-apply
}

# The numbers the series allocates against those of the patched tree.
st_collisions() {
	local src
	src=$("$TOP/scripts/base.sh" 2>/dev/null) || return 1
	python3 "$TOP/scripts/collisions.py" -v "$src" "$TREE"
}

st_harness() {
	"$TOP/scripts/test-harness.sh"
}

# What this machine's QEMU gets wrong that the guests work around: the
# verdict of scripts/qemu-cx16.sh (fails only when it cannot tell).
st_qemu() {
	local v rc
	v=$("$TOP/scripts/qemu-cx16.sh")
	rc=$?
	case $rc in
	0) echo "$v; guests keep CMPXCHG16B" ;;
	1) echo "$v; guests run without it (-cx16), the benchmark with it" ;;
	*) echo "$v" ;;
	esac
	[ $rc != 2 ]
}

# The normal kernel always: the guest is built against its headers.
st_build() {
	local f
	"$TOP/scripts/kernel.sh" -f normal bzImage headers || return 1
	for f in $FLAVORS; do
		[ "$f" = normal ] || "$TOP/scripts/kernel.sh" -f "$f" bzImage || return 1
		[ "$f" != distro ] || "$TOP/scripts/kernel.sh" -f distro modules-pkeys || return 1
	done
	"$TOP/scripts/guest.sh" || return 1
	echo "kernels ($FLAVORS) and guest userspace built"
}

# What the series exports to modules (the distribution flavor's symbol
# table, written by modpost): nothing that opens the page-table key around
# the caller's code (pks_pgtable_open/close, the lazy MMU batch) but to the
# KUnit namespace, and the typed page-table writers and the cred write
# section GPL-only.
st_exports() {
	local sv ours bad
	sv=$(kernel_dir distro)/Module.symvers
	[ -f "$sv" ] || { echo "no $sv: the distribution flavor is not built"; return 1; }
	# symbol, export type, namespace of the series' key symbols
	ours=$(awk -F'\t' '$3 == "vmlinux" && $2 ~ /^(pks_|__cred_write|cred_.*keyed)/ {
		print $2, $4, $5 }' "$sv")
	echo "$ours"
	bad=$(echo "$ours" | awk '
		($1 ~ /^pks_pgtable_(open|close|batch_begin|batch_end)$/ &&
		 $3 != "EXPORTED_FOR_KUNIT_TESTING") ||
		($1 ~ /^(pks_(set|xchg|try_cmpxchg)_(pte|pmd|pud|p4d|pgd)|__cred_write_(begin|end))$/ &&
		 $2 != "EXPORT_SYMBOL_GPL")')
	[ -z "$bad" ] || echo "exported as they must not be:"$'\n'"$bad"
	echo "exports: $(echo "$ours" | grep -c .) of the series' key symbols exported by vmlinux (distro), $(echo "$bad" | grep -c .) not as they must be"
	[ -z "$bad" ]
}

# W=1 warnings of one object, without line numbers and without the path of
# the source tree (the base's is another worktree), for comparison.
w1_warnings() {
	local src=$1 out=$2 obj=$3
	# Built again every time: an object already up to date prints nothing.
	rm -f "$out/$obj"
	make -C "$src" O="$out" CC="ccache gcc" -j"$(nproc)" W=1 "$obj" 2>&1 |
		grep -E '(warning|error):' |
		sed -E 's#^[^ :]*/(linux|w1-base-src)/##; s/:[0-9]+(:[0-9]+)?: /: /' | sort -u
}

st_w1() {
	local files f obj n=0 new=0 w base_w out=$B/w1 bout=$B/w1-base
	files=$(git -C "$TREE" diff --name-only --diff-filter=AM base..HEAD -- '*.c')
	mkdir -p "$out"
	cp "$B/kernel/.config" "$out/.config"
	make -s -C "$TREE" O="$out" CC="ccache gcc" olddefconfig || return 1
	for f in $files; do
		obj=${f%.c}.o
		# only what this configuration builds
		[ -f "$B/kernel/$obj" ] || { echo "$f: not built in this configuration"; continue; }
		n=$((n + 1))
		w=$(w1_warnings "$TREE" "$out" "$obj")
		[ -z "$w" ] && continue
		# The file has W=1 warnings: compare with the same file in the base.
		if [ ! -d "$B/w1-base-src" ]; then
			git -C "$TREE" worktree add -q -f --detach "$B/w1-base-src" base || return 1
			mkdir -p "$bout"
			cp "$B/kernel/.config" "$bout/.config"
		fi
		if [ -f "$B/w1-base-src/$f" ]; then
			base_w=$(w1_warnings "$B/w1-base-src" "$bout" "$obj")
		else
			base_w=""
		fi
		w=$(comm -23 <(echo "$w") <(echo "$base_w"))
		[ -z "$w" ] && continue
		echo "$w"
		new=$((new + $(echo "$w" | wc -l)))
	done
	echo "W=1: $n touched .c files built, $new new warnings"
	[ $new = 0 ]
}

# Console patterns that fail a guest.
BAD='WARNING:|(^|[^A-Z_])BUG[: ]|Oops|general protection fault|Kernel panic|Call Trace:|possible recursive locking|circular locking|inconsistent lock state|KASAN:|UBSAN:|INFO: task .* blocked|rcu.*stall|sleeping function called from invalid context|was open on return to user space'
# The one key left open on purpose: test_pks's "leak".
BAD_OK='pks_test leak.? was open on return to user space'

# A report without its time stamp, numbers and addresses, for comparison
# with the control boots'.
report_key() {
	sed -E 's/^\[[ 0-9.]+\] *//; s/0x[0-9a-f]+/0x_/g; s/[0-9a-f]{8,}/_/g; s/[0-9]+/N/g'
}

# bad_lines FILE: the kernel reports in FILE.  Those the same line's
# control boot (build/control/, make control) shows too are the base's:
# appended to build/check/base-reports.txt instead.
bad_lines() {
	local ctl=$B/control/${1#"$C"/} line
	if [ -n "$CONTROL" ] || [ ! -f "$ctl" ]; then
		grep -E "$BAD" "$1" | grep -vE "$BAD_OK"
		return
	fi
	grep -E "$BAD" "$1" | grep -vE "$BAD_OK" | while IFS= read -r line; do
		if grep -E "$BAD" "$ctl" | report_key | grep -qxF "$(echo "$line" | report_key)"; then
			echo "${1#"$C"/}: $line" >>"$C/base-reports.txt"
		else
			echo "$line"
		fi
	done
}

# bad_lines_besides_oops FILE END: the same, but for the one expected
# oops, from its BUG line to the first line matching END (the end of its
# trace, or the crash kernel's banner); at most 20.
bad_lines_besides_oops() {
	awk -v bad="$BAD" -v ok="$BAD_OK" -v end="$2" '
		/BUG: unable to handle page fault/ { oops++; if (oops == 1) { inside = 1; next } }
		inside && $0 ~ end { inside = 0; next }
		!inside && $0 ~ bad && $0 !~ ok' "$1" | head -n 20
}

# kunit_results NAME FILE: parse FILE with kunit.py, add to the counts.
kunit_results() {
	local name=$1 file=$2 json counts rc
	json=${file%.*}.$name.json
	python3 "$KUNIT" parse --json="$json" "$file" >"${file%.*}.$name.txt" 2>&1
	rc=$?
	[ -f "$json" ] || { echo "$name: kunit.py parse wrote no results"; g_f=$((g_f + 1)); return; }
	counts=$("$TOP/scripts/ktap-count.py" "$json")
	read -r p f s <<<"$(echo "$counts" | head -n 1)"
	if [ "$p$f$s" = 000 ]; then
		if [ "$name" = kunit ] && ! grep -qE '^CONFIG_[A-Z0-9_]*KUNIT_TEST=y' "$kdir/.config"; then
			echo "kunit: this kernel has no KUnit suites"
			return
		fi
		echo "$name: no test results in $file"
		g_f=$((g_f + 1))
		return
	fi
	# kunit.py also fails on a broken plan (a test missing or crashed).
	if [ $rc != 0 ] && [ "$f" = 0 ]; then
		echo "$name: kunit.py parse reports errors (${file%.*}.$name.txt)"
		f=1
	fi
	echo "$counts" | tail -n +2 | grep '^FAIL' | sed "s/^/$name: /"
	# kunit.py's account of each failure: the expectation that failed.
	[ "$f" = 0 ] || grep -B 6 -F '[FAILED]' "${file%.*}.$name.txt" | head -n 24 |
		sed -E 's/\x1b\[[0-9;]*m//g; s/^/    /'
	g_p=$((g_p + p)) g_f=$((g_f + f)) g_s=$((g_s + s))
}

# kernel_dir FLAVOR: its build; in control boots, the base's.
kernel_dir() {
	local k=$B/kernel
	[ "$1" = normal ] || k=$B/kernel-$1
	echo "$k${CONTROL:+-base}"
}

# guest_setup FLAVOR: the flavor's kernel ($kdir) and time limit ($limit);
# the guest's counts start at 0.
guest_setup() {
	kdir=$(kernel_dir "$1")
	eval "limit=\$TIME_LIMIT_$1"
	g_p=0 g_f=0 g_s=0
}

# guest_bad WHAT LINES: kernel reports found in a console log fail the guest.
guest_bad() {
	[ -n "$2" ] || return 0
	echo "$1"
	echo "$2"
	g_f=$((g_f + 1))
}

# guest_done DIR RC: the guest's own KTAP results, its exit status, the
# summary line; add to the totals.  Status 0 when the guest passed.
guest_done() {
	local dir=$1 rc=$2
	if [ -s "$dir/results.ktap" ]; then
		grep -h '# SKIP' "$dir/results.ktap" | sed 's/^ *\(not \)*ok [0-9]* /skip: /'
		kunit_results tests "$dir/results.ktap"
	elif [ "$rc" = 0 ]; then
		echo "no test results from the guest: $dir/results.ktap"
		g_f=$((g_f + 1))
	fi
	[ "$rc" = 0 ] || g_f=$((g_f + 1))
	echo "$g_p passed, $g_f failed, $g_s skipped"
	passed=$((passed + g_p)) failed=$((failed + g_f)) skipped=$((skipped + g_s))
	[ "$rc" = 0 ] && [ $g_f = 0 ]
}

# qemu_args FLAVOR: how the flavor boots (distro: through UEFI).
qemu_args() {
	[ "$1" = distro ] && echo -U
	return 0
}

# Boot one guest: flavor $1, CPU model $2; optionally $3 a name for the
# guest's directory, $4 more kernel command line, $5 more QEMU arguments.
boot_guest() {
	local flavor=$1 cpu=$2 name=${3:-} append=${4:-} extra=${5:-} dir rc
	dir=$C/$flavor-$cpu${name:+-$name}
	guest_setup "$flavor"
	rm -f "$dir/efivars.fd"
	# shellcheck disable=SC2046
	"$TOP/scripts/qemu.sh" -q -m check -k "$kdir/arch/x86/boot/bzImage" \
		-i "${GUEST_INITRD:-$B/guest/initramfs.cpio}" \
		-c "$cpu" -d "$dir" -t "$limit" $(qemu_args "$flavor") \
		-a "$append" -X "$extra"
	rc=$?
	guest_bad "kernel reports in $dir/console.log:" "$(bad_lines "$dir/console.log" | head -n 20)"
	# KUnit off (kunit.enable=0): the line runs other tests only.
	if [ -f "$dir/console.log" ] && [ "${append#*kunit.enable=0}" = "$append" ]; then
		# KUnit runs before init: its part of the console, without the
		# guest's own "ok N name" lines that follow, and only its KTAP
		# lines: a driver's message between a suite's "KTAP version 1"
		# and its "# Subtest:" line breaks kunit.py's parser.
		sed '/Run \/init as init process/q' "$dir/console.log" |
			grep -E '^\[[ 0-9.]+\] *(KTAP version|# |ok |not ok |Expected |[0-9]+\.\.[0-9]+)' \
			>"$dir/kunit.log"
		grep -h '# SKIP' "$dir/kunit.log" | sed 's/^\[[ 0-9.]*\] *\(not \)*ok [0-9]* /skip: kunit /'
		kunit_results kunit "$dir/kunit.log"
	fi
	guest_done "$dir" $rc
}

# A deliberate PKS violation, flavor $1, in a boot of its own on the CPU
# with PKS: $2 "pgtable" (LKDTM's stray write to a page table) or "cred"
# (its stray write to the task's credentials).  guest/lkdtm must see the
# report, the console must show one oops, naming the key, and no other
# kernel report.
boot_violation() {
	local flavor=$1 what=$2 dir rc name="page tables"
	dir=$C/$flavor-violation$what
	[ "$what" = cred ] && name="credentials"
	guest_setup "$flavor"
	rm -f "$dir/efivars.fd"
	# shellcheck disable=SC2046
	"$TOP/scripts/qemu.sh" -q -m violate -k "$kdir/arch/x86/boot/bzImage" \
		-c max -d "$dir" -t "$limit" -a "kunit.enable=0 pkeys_violate=$what" \
		$(qemu_args "$flavor")
	rc=$?
	if grep -qE "#PF: PKS key [0-9]+ \\($name\\) refused the write" "$dir/console.log"; then
		grep -E '#PF: PKS key|Oops' "$dir/console.log"
	else
		echo "no oops naming the key in $dir/console.log"
		g_f=$((g_f + 1))
	fi
	# Kernel reports outside the one expected oops (its BUG line to its end).
	guest_bad "kernel reports besides the expected oops in $dir/console.log:" \
		"$(bad_lines_besides_oops "$dir/console.log" '---\[ end trace')"
	guest_done "$dir" $rc
}

# Hibernation (distribution flavor, CPU model max): a first boot writes
# its image to a swap disk and powers off, a second with resume= on the
# same disk carries on where the first stopped and runs the checks.
boot_hibernate() {
	local dir=$C/distro-max-hibernate rc disk
	guest_setup distro
	mkdir -p "$dir/save"
	rm -f "$dir/swap.img" "$dir/efivars.fd" "$dir/save/efivars.fd"
	truncate -s 2G "$dir/swap.img"
	disk="-drive file=$dir/swap.img,format=raw,if=virtio"
	# It reports no status: it powers off.
	"$TOP/scripts/qemu.sh" -q -m check -U -k "$kdir/arch/x86/boot/bzImage" -c max \
		-d "$dir/save" -t "$limit" -a "kunit.enable=0 pkeys_tests=sys_hibernate" -X "$disk" \
		>"$dir/save/qemu.log" 2>&1
	if ! grep -q 'reboot: Power down' "$dir/save/console.log"; then
		echo "the first boot did not power off after hibernating: $dir/save/console.log"
		grep -E '^(not )?ok |PM: ' "$dir/save/console.log" | tail -n 20
		g_f=$((g_f + 1))
	fi
	guest_bad "kernel reports in $dir/save/console.log:" \
		"$(bad_lines "$dir/save/console.log" | head -n 20)"
	"$TOP/scripts/qemu.sh" -q -m check -U -k "$kdir/arch/x86/boot/bzImage" -c max \
		-d "$dir" -t "$limit" -a "kunit.enable=0 pkeys_tests=sys_hibernate resume=/dev/vda" \
		-X "$disk"
	rc=$?
	rm -f "$dir/swap.img"
	guest_bad "kernel reports in $dir/console.log:" "$(bad_lines "$dir/console.log" | head -n 20)"
	guest_done "$dir" $rc
}

# kexec (distribution flavor, CPU model max): the guest's initramfs with
# the same kernel as /boot/bzImage, which it loads with kexec and runs;
# the second kernel runs the tests and reports.
boot_kexec_initrd() {
	local r=$C/kexec-root
	rm -rf "$r"
	mkdir -p "$r/boot"
	cp "$(kernel_dir distro)/arch/x86/boot/bzImage" "$r/boot/bzImage"
	(cd "$r" && find . | cpio -o -H newc --quiet) | cat "$B/guest/initramfs.cpio" - \
		>"$C/initramfs-kexec.cpio"
}

boot_kexec() {
	boot_kexec_initrd
	GUEST_INITRD=$C/initramfs-kexec.cpio boot_guest distro max kexec \
		"pkeys_tests=sys_kexec kunit.enable=0"
}

# kdump (distribution flavor, CPU model max): a crash kernel loaded with
# kexec -p, LKDTM's stray write to a page table oopses and panics into
# it, and the crash kernel runs the tests.  The oops, from its BUG line to the crash
# kernel's banner, is the one kernel report allowed, and must name the key.
boot_kdump() {
	local dir=$C/distro-max-kdump rc
	boot_kexec_initrd
	guest_setup distro
	rm -f "$dir/efivars.fd"
	"$TOP/scripts/qemu.sh" -q -m check -U -k "$kdir/arch/x86/boot/bzImage" \
		-i "$C/initramfs-kexec.cpio" -c max -d "$dir" -t "$limit" \
		-a "pkeys_tests=sys_kdump kunit.enable=0 crashkernel=384M"
	rc=$?
	if grep -qE '#PF: PKS key [0-9]+ \(page tables\) refused the write' "$dir/console.log"; then
		grep -E '#PF: PKS key|Kernel panic' "$dir/console.log" | head -n 3
	else
		echo "no oops naming the key in $dir/console.log"
		g_f=$((g_f + 1))
	fi
	guest_bad "kernel reports besides the expected oops in $dir/console.log:" \
		"$(bad_lines_besides_oops "$dir/console.log" 'Linux version')"
	guest_done "$dir" $rc
}

# Modules (distribution flavor, CPU model max): the guest's initramfs with
# the modules of configs/distro.modules in /lib/modules/pkeys, signed with
# the build's key as modules_install would.
boot_modules_initrd() {
	local r=$C/modules-root k m
	k=$(kernel_dir distro)
	rm -rf "$r"
	mkdir -p "$r/lib/modules/pkeys"
	for m in $(distro_modules); do
		case $m in *.ko) ;; *) continue ;; esac
		cp "$k/$m" "$r/lib/modules/pkeys/" || return 1
		"$k/scripts/sign-file" sha256 "$k/certs/signing_key.pem" "$k/certs/signing_key.x509" \
			"$r/lib/modules/pkeys/${m##*/}" || return 1
	done
	(cd "$r" && find . | cpio -o -H newc --quiet) | cat "$B/guest/initramfs.cpio" - \
		>"$C/initramfs-modules.cpio"
}

boot_modules() {
	boot_modules_initrd || return 1
	GUEST_INITRD=$C/initramfs-modules.cpio boot_guest distro max modules \
		"pkeys_tests=sys_modules kunit.enable=0"
}

# Memory hotplug (distribution flavor, CPU model max): NUMA node 1 has no
# memory at boot (SRAT: a hotplug range); scripts/hotplug-host.py plugs a
# 512 MiB DIMM there through the monitor when the guest asks, and unplugs
# it once the guest has used and offlined it.
boot_hotplug() {
	local dir=$C/distro-max-hotplug rc host
	guest_setup distro
	mkdir -p "$dir"
	rm -f "$dir/efivars.fd" "$dir/console.log"
	python3 "$TOP/scripts/hotplug-host.py" "$dir" >"$dir/host.log" 2>&1 &
	host=$!
	"$TOP/scripts/qemu.sh" -q -m check -U -k "$kdir/arch/x86/boot/bzImage" -c max \
		-d "$dir" -t "$limit" \
		-a "pkeys_tests=sys_hotplug kunit.enable=0 memhp_default_state=online_movable" \
		-X "-m 2G,slots=2,maxmem=3G -object memory-backend-ram,id=ram0,size=2G
		-numa node,nodeid=0,cpus=0-1,memdev=ram0 -numa node,nodeid=1
		-object memory-backend-ram,id=pkeys-ram,size=512M"
	rc=$?
	kill $host 2>/dev/null
	wait $host 2>/dev/null
	cat "$dir/host.log"
	guest_bad "kernel reports in $dir/console.log:" "$(bad_lines "$dir/console.log" | head -n 20)"
	guest_done "$dir" $rc
}

# boot_stage NAME LOG CONSOLE FUNCTION ARGS...: one line for a boot.
boot_stage() {
	local name=$1 log=$2 console=$3 start
	shift 3
	start=$SECONDS
	# run in this shell: the boot functions add to the counts
	if "$@" >"$log" 2>&1; then
		table_row "$name" 0 $((SECONDS - start)) "$(tail -n 1 "$log")"
		printf '%-26s ok     %4d s  %s\n' "$name" $((SECONDS - start)) "$(tail -n 1 "$log")"
		grep '^skip: ' "$log" | sed 's/^/    /'
	else
		table_row "$name" 1 $((SECONDS - start)) "$(tail -n 1 "$log")"
		printf '%-26s FAILED %4d s  %s\n' "$name" $((SECONDS - start)) "$(tail -n 1 "$log")"
		head -n 40 "$log" | sed 's/^/    /'
		echo "    full log: $log; console: $console"
		failures="$failures ${name// /-}"
		# Repeated at the end, where a truncated CI log still shows it.
		fail_details="$fail_details$name:"$'\n'"$(grep -v -e '^skip: ' "$log" | sed '$d' | head -n 30 | sed 's/^/    /')"$'\n'
	fi
}

# One line each, on the distribution flavor with CPU model max: NAME,
# the tests (pkeys_tests=), more kernel command line, more QEMU arguments.
distro_line() {
	local name=$1 tests=$2 append=$3 extra=${4:-} dir
	# QEMU takes no '=' in the paths of its options.
	dir=${name//=/-}
	boot_stage "distro $name/max" "$C/distro-$dir.log" "$C/distro-max-$dir/console.log" \
		boot_guest distro max "$dir" "pkeys_tests=$tests $append" "$extra"
}

distro_lines() {
	distro_line efivars sys_efivars kunit.enable=0
	distro_line code-patching sys_codepatch,test_pks_pgtable kunit.enable=0
	distro_line pti=on test_pks_pgtable,test_pks pti=on
	distro_line 4-level sanity,pkey_kernel_access,test_pks,test_pks_pgtable no5lvl
	# The base's 32-bit pkeys tests and the series' own.
	local t32=protection_keys_32,pkey_sighandler_tests_32,pkey_kernel_access_32
	t32=$t32,test_pks_32,test_pkeys_proc_32,test_pkeys_strict_32,test_pkeys_signal_32
	t32=$t32,test_pks_pgtable_32,test_pkeys_bad_input_32,test_pkeys_hostile_32,test_pks_cred_32
	distro_line 32-bit "$t32" kunit.enable=0
	distro_line suspend sys_suspend,test_pks kunit.enable=0 "-global ICH9-LPC.disable_s3=0"
	distro_line memory-pressure sys_pressure kunit.enable=0 "-m 512M"
	boot_stage "distro kexec/max" "$C/distro-kexec.log" "$C/distro-max-kexec/console.log" \
		boot_kexec
	boot_stage "distro kdump/max" "$C/distro-kdump.log" "$C/distro-max-kdump/console.log" \
		boot_kdump
	boot_stage "distro modules/max" "$C/distro-modules.log" "$C/distro-max-modules/console.log" \
		boot_modules
	boot_stage "distro hotplug/max" "$C/distro-hotplug.log" \
		"$C/distro-max-hotplug/console.log" boot_hotplug
	boot_stage "distro hibernate/max" "$C/distro-hibernate.log" \
		"$C/distro-max-hibernate/console.log" boot_hibernate
}

# Control boots: the base's build of the distribution flavor.
st_control_build() {
	local base
	base=$("$TOP/scripts/base.sh") || return 1
	"$TOP/scripts/kernel.sh" -f distro -l -s "$base" -o "$(kernel_dir distro)" bzImage ||
		return 1
	"$TOP/scripts/kernel.sh" -f distro -l -s "$base" -o "$(kernel_dir distro)" modules-pkeys ||
		return 1
	[ -f "$B/guest/initramfs.cpio" ] || "$TOP/scripts/guest.sh" || return 1
	echo "the base's distro kernel: $(kernel_dir distro)"
}

# Control boots: each guest's kernel reports, by line.
control_summary() {
	local log n=0 r
	for log in "$C"/*/console.log; do
		r=$(bad_lines "$log")
		[ -n "$r" ] || continue
		echo "${log#"$C"/}:"
		echo "$r" | sed 's/^/    /'
		n=$((n + $(echo "$r" | wc -l)))
	done >"$C/reports.txt"
	echo "control boots: $n kernel reports in $(ls -d "$C"/*/console.log | wc -l) boots of the base (build/control/reports.txt)"
	cat "$C/reports.txt"
}

total_start=$SECONDS
if [ -n "$CONTROL" ]; then
	echo "make control: the base without the series, logs in ${C#"$TOP"/}/"
	count_stage "build base" st_control_build || exit 1
	for cpu in $CPUS; do
		boot_stage "boot distro/$cpu" "$C/boot-distro-${cpu//,/_}.log" \
			"$C/distro-$cpu/console.log" boot_guest distro "$cpu"
	done
	distro_lines
	echo "total $((SECONDS - total_start)) s"
	control_summary
	exit 0
fi
rm -f "$C/base-reports.txt"
echo "make check: logs in ${C#"$TOP"/}/"
count_stage base st_base || true
count_stage tree st_tree || built=0
if [ $built = 1 ]; then
	count_stage lint st_lint
	count_stage docs st_docs
	count_stage apply st_apply
	count_stage collisions st_collisions
	count_stage harness st_harness
	count_stage qemu st_qemu
	count_stage build st_build || built=0
fi
if [ $built = 1 ]; then
	case " $FLAVORS " in
	*" distro "*) count_stage exports st_exports ;;
	esac
	count_stage "W=1" st_w1
	for flavor in $FLAVORS; do
		for cpu in $CPUS; do
			# The distribution flavor boots through UEFI on the
			# three models of -cpu max.
			[ "$flavor" = distro ] && [ "${cpu%%,*}" != max ] && continue
			boot_stage "boot $flavor/$cpu" "$C/boot-$flavor-${cpu//,/_}.log" \
				"$C/$flavor-$cpu/console.log" boot_guest "$flavor" "$cpu"
		done
	done
	case " $FLAVORS " in
	*" distro "*) distro_lines ;;
	esac
	case " $CPUS " in
	*" max "*)
		for flavor in $FLAVORS; do
			[ "$flavor" = distro ] && continue
			boot_stage "boot $flavor/max warn" "$C/boot-$flavor-max-warn.log" \
				"$C/$flavor-max-warn/console.log" \
				boot_guest "$flavor" max warn "pks_pgtable=warn pks_cred=warn"
		done
		for flavor in $FLAVORS; do
			boot_stage "violation pgtable $flavor/max" \
				"$C/violation-pgtable-$flavor.log" \
				"$C/$flavor-violationpgtable/console.log" \
				boot_violation "$flavor" pgtable
			boot_stage "violation cred $flavor/max" \
				"$C/violation-cred-$flavor.log" \
				"$C/$flavor-violationcred/console.log" \
				boot_violation "$flavor" cred
		done
		;;
	esac
fi

# The bad-input table of each guest (test_pkeys_bad_input): its rows, in
# build/reliability/summary.md.
bad_input_summary() {
	local d rows f md=$B/bad-input.md
	. "$TOP/scripts/fuzz-stress-lib.sh"
	{
		echo "## Bad-input table (make check, test_pkeys_bad_input)"
		echo
		echo "$(date -u '+%Y-%m-%d %H:%M') UTC; each row is one invalid argument with its expected errno."
		echo
		echo "| guest | bad inputs tried | rows with another errno (must be 0) |"
		echo "|---|---:|---:|"
		for d in "$C"/normal-max* "$C"/debug-max*; do
			[ -f "$d/results.ktap" ] || continue
			rows=$(grep -c '(expected ' "$d/results.ktap" || true)
			f=$(grep -c ':Expected expect (' "$d/results.ktap" || true)
			echo "| $(basename "$d") | $rows | $f |"
		done
	} >"$md"
	rel_summary bad-input "$md"
}
[ -d "$C/normal-max" ] && bad_input_summary

if [ -s "$C/base-reports.txt" ]; then
	echo "kernel reports the same lines' control boots of the base show too (not counted):"
	sed 's/^/    /' "$C/base-reports.txt"
fi
if [ -n "$fail_details" ]; then
	echo "what failed, per failed boot:"
	printf '%s' "$fail_details"
fi
echo "total $((SECONDS - total_start)) s${failures:+; failed:$failures}"
echo "$passed passed, $failed failed, $skipped skipped"
# The summary make docs copies into docs/check.md: a whole run only.
if [ "$FLAVORS" = "normal debug distro" ] && [ $built = 1 ]; then
	{
		echo "## Latest make check"
		echo
		echo "_$(provenance)_"
		echo
		echo "$passed passed, $failed failed, $skipped skipped in $(((SECONDS - total_start + 30) / 60)) min${failures:+; failed:$failures}."
		echo
		echo "| stage | result | time | summary |"
		echo "|---|---|---:|---|"
		printf '%s' "$rows"
	} >"$C/summary.md"
fi
[ -z "$failures" ] && [ $failed = 0 ]
