#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The working kernel tree: a git repository of the base in build/linux,
# tagged `base`, with every patch of patches/series applied as a commit.
# The base is what scripts/base.sh gives: Debian's linux-source-6.12, or
# BASE=DIR.  On the base recorded in base-version the series applies
# exactly; on another (a newer Debian release, a tree of the user's) hunks
# may apply at an offset or with fuzz, which is reported (drift).
#
# Usage: scripts/tree.sh sync     create the tree if missing (again when the
#                                 base changed), else check that its commits
#                                 are exactly the series
#        scripts/tree.sh reset    throw the tree's commits away and apply the
#                                 series again
#        scripts/tree.sh export   rewrite patches/ and patches/series from the
#                                 commits base..HEAD
#        scripts/tree.sh rebase   carry the series over to the base: stop at
#                                 a conflict for git am --continue, then
#                                 export and record the base in base-version
#        scripts/tree.sh check-apply  apply the series to a copy of the base's
#                                 files with GNU patch: no offset and no fuzz
#                                 on the recorded base, the drift reported
#                                 and only refused hunks fatal on another
#
# The cover letter's subject and text live in the tree as the description of
# the branch (git branch --edit-description); export regenerates
# patches/0000-cover-letter.patch from it with a fresh shortlog and diffstat.
#
# The series is posted in parts (postings), in order, each on the ones
# before it: patches/postings/list names each posting and its first patch by
# subject, and a posting runs to the next one's first patch.  A posting of
# more than one patch has its cover letter's headers and text in
# patches/postings/NAME.txt; export writes the letter as it would be sent,
# with the posting's shortlog and diffstat, to patches/postings/NAME.cover,
# and the table of postings into the cover letter of the whole series.
set -eu
. "$(dirname "$0")/lib.sh"

P=$TOP/patches
COVER=$P/0000-cover-letter.patch

usage() {
	sed -n '4,27s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

git_tree() {
	git -C "$TREE" "$@"
}

series() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$P/series" 2>/dev/null || true
}

# Set the branch description from the committed cover letter: its subject
# without the [PATCH 0/N] prefix, a blank line, and the text before the
# shortlog.
cover_to_description() {
	[ -f "$COVER" ] || return 0
	awk '
		!body && /^Subject: / { sub(/^Subject: (\[[^]]*\] )?/, ""); subj = $0; insubj = 1; next }
		!body && insubj && /^ / { subj = subj $0; next }
		!body { insubj = 0 }
		!body && /^$/ { body = 1; print subj; print ""; next }
		body && /^[^ ].* \([0-9]+\):$/ { exit }
		body && /^Postings \(written by make export\)$/ { exit }
		body { print }
	' "$COVER" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$TREE/.git/description-cover"
	git_tree config branch.main.description "$(cat "$TREE/.git/description-cover")"
}

# The base the tree was made from, as base.sh -d names it.
tree_base() {
	head -n 1 "$TREE/.git/pkeys-base" 2>/dev/null || echo "an unknown base"
}

# Whether the tree is still made from the base base.sh gives now.
same_base() {
	[ "$(cat "$TREE/.git/pkeys-base" 2>/dev/null)" = "$("$TOP/scripts/base.sh" -f)" ]
}

# make_tree DIR SRC: DIR, a git repository of the base tree SRC (without
# SRC's own .git, if it is a checkout), its one commit tagged `base`.
make_tree() {
	local dir=$1 src=$2 desc
	desc=$("$TOP/scripts/base.sh" -d)
	rm -rf "$dir"
	mkdir -p "$dir"
	note "copying the base to $dir ($desc)"
	tar -C "$src" --exclude=./.git -cf - . | tar -C "$dir" -xf -
	git -C "$dir" init -q -b main
	git -C "$dir" config user.name "$(git -C "$TOP" config user.name)"
	git -C "$dir" config user.email "$(git -C "$TOP" config user.email)"
	git -C "$dir" config core.abbrev 12
	git -C "$dir" add -A -f .
	git -C "$dir" commit -q -m "$desc"
	git -C "$dir" tag base
	"$TOP/scripts/base.sh" -f >"$dir/.git/pkeys-base"
	: >"$dir/.git/pkeys-drift"
}

create() {
	local src
	src=$("$TOP/scripts/base.sh")
	make_tree "$TREE.tmp" "$src"
	TREE=$TREE.tmp apply_series || {
		echo "the tree is left at $TREE.tmp, stopped at that patch" >&2
		exit 1
	}
	rm -rf "$TREE"
	mv "$TREE.tmp" "$TREE"
	report_drift
}

# The files a patch touches (both sides of every diff).
patch_files() {
	sed -n -e 's|^--- a/||p' -e 's|^+++ b/||p' "$1" | sort -u
}

# show_rejects PATCH: the hunks of PATCH that git apply --reject left in
# .rej files, for the person who resolves them.
show_rejects() {
	local f
	for f in $(patch_files "$1"); do
		[ -f "$TREE/$f.rej" ] || continue
		echo "  refused hunks of $f (kept in $TREE/$f.rej):" >&2
		sed 's/^/    /' "$TREE/$f.rej" >&2
	done
}

# apply_patch FILE: one patch of the series as a commit: with git am
# where its context matches (exactly, or at an offset); else with GNU patch
# and the fuzz quilt allows (FUZZ, default 2), after which git am
# --continue keeps the patch's author and message.  The drift (offsets,
# fuzz) goes to the tree's .git/pkeys-drift.  A hunk that cannot apply
# leaves git am stopped, the other hunks applied, the refused ones in .rej
# files (git apply --reject), and returns 1.
apply_patch() {
	local p=$1 name out rc=0 f
	name=$(basename "$p")
	out=$(cd "$TREE" && patch -p1 -F"${FUZZ:-2}" -N --dry-run --no-backup-if-mismatch <"$p" 2>&1) || rc=1
	if [ $rc = 0 ] && ! git_tree am -q --keep-cr "$p" >/dev/null 2>&1; then
		# shellcheck disable=SC2046
		(cd "$TREE" && patch -p1 -F"${FUZZ:-2}" -N --no-backup-if-mismatch <"$p" >/dev/null) &&
			git_tree add -A -f -- $(patch_files "$p") &&
			git_tree am --continue -q >/dev/null || rc=1
	fi
	echo "$out" | grep -E 'offset -?[0-9]+ line|with fuzz' |
		sed "s/^/$name: /" >>"$TREE/.git/pkeys-drift"
	[ $rc = 0 ] && return 0
	# Refused: the hunks that fit, applied; the others in .rej files.
	[ -d "$TREE/.git/rebase-apply" ] || git_tree am -q --keep-cr "$p" >/dev/null 2>&1
	git_tree apply --reject "$p" >/dev/null 2>&1
	# The files whose hunks all applied are staged; the rest wait.
	for f in $(patch_files "$p"); do
		[ -f "$TREE/$f.rej" ] || git_tree add -A -f -- "$f" 2>/dev/null || true
	done
	echo "error: patches/$name does not apply to $(tree_base):" >&2
	echo "$out" | grep -vE '^(checking|patching) file|succeeded at|^$' | sed 's/^/  /' >&2
	show_rejects "$p"
	echo "  the files whose hunks all applied are staged; resolve the others in $TREE, git add them, git am --continue" >&2
	return 1
}

# report_drift: what the last application of the series had to adjust.
report_drift() {
	local d=$TREE/.git/pkeys-drift n
	[ -s "$d" ] || return 0
	n=$(cut -d: -f1 "$d" | sort -u | wc -l)
	echo "drift: $n patches of the series apply to $(tree_base) only with offset or fuzz ($(grep -c 'with fuzz' "$d") hunks with fuzz, $(grep -c -v 'with fuzz' "$d") at an offset); make rebase refreshes them:" >&2
	cut -d: -f1 "$d" | sort | uniq -c | while read -r c p; do
		echo "  $p: $c hunks ($(grep "^$p:" "$d" | grep -c 'with fuzz') with fuzz)" >&2
	done
}

# apply_series [FIRST]: the patches of the series from number FIRST (1)
# on, each a commit.
apply_series() {
	local p i=0 first=${1:-1}
	for p in $(series); do
		i=$((i + 1))
		[ $i -ge "$first" ] || continue
		apply_patch "$P/$p" || {
			cat >&2 <<-EOM
			  patch $i of $(series | wc -l) conflicts with this base.  To carry the series over:
			    make rebase      stops here in $TREE: resolve, git add, git am --continue,
			                     then make rebase again finishes and exports
			EOM
			return 1
		}
	done
	cover_to_description
	record_applied
	note "tree at ${TREE%.tmp}: $(tree_base) + $(series | wc -l) patches"
}

# Files in the tree that are in no commit although git does not list them as
# untracked: Debian's .gitignore ignores every top-level entry ('/*'), so a
# new file must be added with `git add -f`.  (local_config.* is written into
# the tree by the mm selftests' Makefile when the guest is built.)
ignored_new_files() {
	git_tree ls-files --others --ignored --exclude-standard |
		grep -v -e '^debian/' -e '^\.' -e '^tools/testing/selftests/[^/]*/local_config\.' || true
}

patch_ids_tree() {
	local c
	for c in $(git_tree rev-list --reverse base..HEAD); do
		git_tree show "$c" | git patch-id --stable | cut -d' ' -f1
	done
}

patch_ids_series() {
	local p
	for p in $(series); do
		# Blank context lines: a space as git writes them; empty in patches
		# exported before that was kept.
		sed 's/^$/ /' "$P/$p" | git patch-id --stable | cut -d' ' -f1
	done
}

# The series' patch ids and the tree's, once the series is applied: with
# drift (fuzz, offsets that moved a hunk) the commits differ from the
# patches, and are still what the series gives on this base.
record_applied() {
	printf '%s\n--\n%s\n' "$(patch_ids_series)" "$(patch_ids_tree)" >"$TREE/.git/pkeys-applied"
}

# Whether the tree's commits are the series: the same patches, or what
# they gave when applied with drift, neither changed since.
in_sync() {
	local s t
	s=$(patch_ids_series)
	t=$(patch_ids_tree)
	[ "$s" = "$t" ] && return 0
	[ "$(cat "$TREE/.git/pkeys-applied" 2>/dev/null)" = "$(printf '%s\n--\n%s' "$s" "$t")" ]
}

sync() {
	local want
	if [ ! -d "$TREE/.git" ]; then
		create
		return
	fi
	[ ! -d "$TREE/.git/rebase-apply" ] ||
		die "$TREE is in the middle of git am (make rebase): finish it (git am --continue, then make rebase) or make tree-reset"
	want=$("$TOP/scripts/base.sh" -d)
	if ! same_base; then
		if ! in_sync; then
			die "$TREE was made from $(tree_base), the base is now $want, and its commits are not patches/series: make export to keep them first, or make tree-reset"
		fi
		note "the base changed ($(tree_base) -> $want): making the tree again"
		create
		return
	fi
	report_drift
	if ! in_sync; then
		cat >&2 <<-EOM
		error: the commits in $TREE (base..HEAD) differ from patches/series.
		  make export      keep the tree's commits: rewrite patches/ from them
		  make tree-reset  keep patches/: apply the series to the base again
		EOM
		exit 1
	fi
	if [ -n "$(git_tree status --porcelain --untracked-files=no)" ]; then
		echo "warning: $TREE has uncommitted changes; they are built but are in no patch" >&2
	fi
	if [ -n "$(ignored_new_files)" ]; then
		echo "warning: new files in $TREE that are in no commit (ignored by the base's .gitignore; git add -f):" >&2
		ignored_new_files | sed 's/^/  /' >&2
	fi
}

reset() {
	[ -d "$TREE/.git" ] || { create; return; }
	if ! same_base; then
		create
		return
	fi
	git_tree am --abort >/dev/null 2>&1 || true
	git_tree rebase --abort >/dev/null 2>&1 || true
	git_tree checkout -q -f main
	git_tree reset -q --hard base
	git_tree clean -q -f -- '*.rej' '*.orig'
	: >"$TREE/.git/pkeys-drift"
	apply_series
	report_drift
}

# make rebase: carry the series over to the installed base (or BASE).  The
# tree is made from that base and the patches applied one by one; at the
# first that does not apply, stop in $TREE with git am stopped and the
# refused hunks shown.  Resolve there, git add, git am --continue, and run
# make rebase again: it goes on from the next patch.  Once every patch is
# in, export them (fresh context, no drift) and record the base in
# base-version.
rebase() {
	local want n
	want=$("$TOP/scripts/base.sh" -d)
	if [ -d "$TREE/.git/rebase-apply" ]; then
		die "$TREE: git am is stopped at $(cat "$TREE/.git/rebase-apply/final-commit" 2>/dev/null | head -n 1): resolve it, git add, git am --continue, then make rebase again"
	fi
	if [ ! -d "$TREE/.git" ] || ! same_base; then
		if [ -d "$TREE/.git" ] && ! in_sync; then
			die "$TREE (on $(tree_base)) has commits that are not patches/series: make export first"
		fi
		[ ! -d "$TREE" ] || mv "$TREE" "$TREE.old"
		rm -rf "$TREE.old"
		make_tree "$TREE" "$("$TOP/scripts/base.sh")"
	fi
	n=$(git_tree rev-list --count base..HEAD)
	if [ "$n" -lt "$(series | wc -l)" ]; then
		[ "$n" = 0 ] || note "$n patches in, going on from patch $((n + 1))"
		git_tree clean -q -f -- '*.rej' '*.orig'
		apply_series $((n + 1)) || exit 1
	fi
	report_drift
	export_series
	"$TOP/scripts/base.sh" -v >"$TOP/base-version"
	: >"$TREE/.git/pkeys-drift"
	note "base-version: $(cat "$TOP/base-version"); next: make check"
}

postings() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$P/postings/list"
}

# posting_ranges: one line per posting, NAME FIRST LAST (numbers in the
# series, from 1).
posting_ranges() {
	local name first i n found last
	local -a subjects=() names=() starts=()
	mapfile -t subjects < <(git_tree log --reverse --format=%s base..HEAD)
	while read -r name first; do
		found=""
		for i in "${!subjects[@]}"; do
			[ "${subjects[$i]}" = "$first" ] && { found=$((i + 1)); break; }
		done
		[ -n "$found" ] || die "patches/postings/list: no patch \"$first\" in $TREE"
		[ ${#starts[@]} = 0 ] || [ "$found" -gt "${starts[-1]}" ] ||
			die "patches/postings/list: \"$name\" does not start after the posting before it"
		names+=("$name")
		starts+=("$found")
	done < <(postings)
	[ "${starts[0]:-}" = 1 ] || die "patches/postings/list: the first posting does not start at patch 1"
	n=${#subjects[@]}
	for i in "${!names[@]}"; do
		last=$n
		[ $((i + 1)) = ${#names[@]} ] || last=$((starts[i + 1] - 1))
		echo "${names[$i]} ${starts[$i]} $last"
	done
}

# header NAME FIELD: a header line of patches/postings/NAME.txt.
posting_header() {
	sed -n "/^\$/q; s/^$2: //p" "$P/postings/$1.txt"
}

# write_postings DIR: DIR/NAME.cover for each posting with a NAME.txt, and
# DIR/table, the table of postings for the cover letter of the series.
write_postings() {
	local dir=$1 name a b k range subj i=0 total from to cc ranges
	local -a commits
	mapfile -t commits < <(git_tree rev-list --reverse base..HEAD)
	ranges=$(posting_ranges) || exit 1
	total=$(echo "$ranges" | wc -l)
	{
		echo "Postings (written by make export)"
		echo "---------------------------------"
		echo "The series is posted in $total parts, in this order, each applying on"
		echo "the ones before it; patches/postings/ holds their cover letters."
		echo
	} >"$dir/table"
	while read -r name a b; do
		i=$((i + 1))
		k=$((b - a + 1))
		range="${commits[$((a - 1))]}~1..${commits[$((b - 1))]}"
		if [ ! -f "$P/postings/$name.txt" ]; then
			[ $k = 1 ] || die "patches/postings/$name.txt: missing (a posting of $k patches needs a cover letter)"
			subj="$(git_tree log -1 --format=%s "${commits[$((a - 1))]}")"
			printf '  %d. %-8s patch %d, sent alone\n     %s\n' $i "$name" "$a" "$subj" >>"$dir/table"
			continue
		fi
		subj=$(posting_header "$name" Subject)
		[ -n "$subj" ] || die "patches/postings/$name.txt: no Subject: header"
		printf '  %d. %-8s patches %d-%d (%d)\n     [PATCH 0/%d] %s\n' $i "$name" "$a" "$b" $k $k "$subj" >>"$dir/table"
		from=$(git_tree log -1 --format='%an <%ae>' HEAD)
		to=$(posting_header "$name" To)
		cc=$(posting_header "$name" Cc)
		{
			echo "From: $from"
			echo "Date: $(git_tree log -1 --format=%aD "${commits[$((b - 1))]}")"
			echo "Subject: [PATCH 0/$k] $subj"
			[ -z "$to" ] || echo "To: $to"
			[ -z "$cc" ] || echo "Cc: $cc"
			echo
			sed '1,/^$/d' "$P/postings/$name.txt"
			echo
			if [ $i = 1 ]; then
				echo "Based on Debian's linux-source-6.12 $(cat "$TOP/base-version") (Linux 6.12 LTS; its"
				echo "upstream commit is not recorded in the package)."
			else
				echo "Based on Debian's linux-source-6.12 $(cat "$TOP/base-version") with postings 1-$((i - 1))"
				echo "of this series applied (patches 1-$((a - 1)))."
			fi
			echo
			git_tree shortlog --no-merges "$range" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
			echo
			git_tree diff --stat=72 --summary "$range"
			echo
		} >"$dir/$name.cover"
	done <<<"$ranges"
	echo >>"$dir/table"
}

export_series() {
	local n subj
	[ -d "$TREE/.git" ] || die "no tree at $TREE: run make tree"
	[ -z "$(git_tree status --porcelain --untracked-files=no)" ] ||
		die "$TREE has uncommitted changes: commit them first"
	[ -z "$(ignored_new_files)" ] ||
		die "new files in $TREE are in no commit (the base's .gitignore ignores them; git add -f): $(ignored_new_files | tr '\n' ' ')"
	n=$(git_tree rev-list --count base..HEAD)
	[ "$n" -gt 0 ] || die "no commits between base and HEAD in $TREE"
	# A tree whose series stopped half-way (make rebase) has no
	# description yet: take it from the committed cover letter.
	git_tree config branch.main.description >/dev/null || cover_to_description
	tmp=$(mktemp -d)  # global: the EXIT trap needs it
	trap 'rm -rf "$tmp"' EXIT
	git_tree format-patch -q --zero-commit --no-signature --cover-letter \
		--cover-from-description=subject --encode-email-headers \
		-o "$tmp" base..HEAD
	# format-patch stamps the cover letter with the current time; use the
	# date of the last commit so that an unchanged series exports unchanged.
	sed -i "s/^Date: .*/Date: $(git_tree log -1 --format=%aD HEAD)/" "$tmp"/0000-cover-letter.patch
	# The table of postings goes before the shortlog of the whole series.
	mkdir "$tmp/postings"
	write_postings "$tmp/postings"
	awk -v table="$tmp/postings/table" '
		!done && /^[^ ].* \([0-9]+\):$/ { while ((getline l < table) > 0) print l; done = 1 }
		{ print }' "$tmp/0000-cover-letter.patch" >"$tmp/cover" && mv "$tmp/cover" "$tmp/0000-cover-letter.patch"
	# Blank context lines without their single space: checkpatch, given a
	# relative path in this repository, takes that space for trailing
	# whitespace.  git apply and GNU patch read an empty line as a blank
	# context line; the comparison with the tree puts the space back
	# before git patch-id.
	sed -i 's/^ $//' "$tmp"/[0-9]*.patch
	if grep -q '\*\*\* SUBJECT HERE \*\*\*' "$tmp/0000-cover-letter.patch"; then
		echo "warning: the cover letter has no text: git -C $TREE branch --edit-description" >&2
	fi
	rm -f "$P"/*.patch "$P"/postings/*.cover
	cp "$tmp"/*.patch "$P"/
	cp "$tmp"/postings/*.cover "$P"/postings/ 2>/dev/null || true
	(cd "$tmp" && ls -1 [0-9]*.patch | grep -v '^0000-') >"$P/series"
	record_applied
	subj=$(sed -n 's/^Subject: //p' "$P/0000-cover-letter.patch")
	note "exported $n patches to patches/ ($subj)"
}

# check-apply: apply the series with GNU patch to a copy of the files it
# touches in the pristine base, and report every offset and fuzz.  On the
# base recorded in base-version each of them fails; on another base only a
# hunk that does not apply does (make rebase refreshes the rest).
check_apply() {
	local src work p out bad=0 f strict=1 drift=0 rc
	src=$("$TOP/scripts/base.sh" 2>/dev/null) || die "no base"
	"$TOP/scripts/base.sh" -s || strict=0
	work=$B/apply-check
	rm -rf "$work"
	mkdir -p "$work"
	for f in $(cat $(series | sed "s|^|$P/|") | sed -n 's|^--- a/||p' | sort -u); do
		# Files a patch of the series creates are not in the base.
		[ -f "$src/$f" ] || continue
		mkdir -p "$work/$(dirname "$f")"
		cp "$src/$f" "$work/$f"
	done
	for p in $(series); do
		if [ $strict = 1 ]; then
			rc=0
			out=$(cd "$work" && patch -p1 -F0 -N --no-backup-if-mismatch <"$P/$p" 2>&1) || rc=$?
			if [ $rc != 0 ] || echo "$out" | grep -qE 'with fuzz|offset -?[0-9]+ line|FAILED|saving rejects|malformed'; then
				echo "$p:"
				echo "$out"
				bad=$((bad + 1))
			fi
			continue
		fi
		rc=0
		out=$(cd "$work" && patch -p1 -F"${FUZZ:-2}" -N --no-backup-if-mismatch <"$P/$p" 2>&1) || rc=$?
		if [ $rc != 0 ] || echo "$out" | grep -qE 'FAILED|saving rejects|malformed'; then
			echo "$p: does not apply (make rebase stops there in $TREE):"
			echo "$out" | sed 's/^/  /'
			bad=$((bad + 1))
		elif echo "$out" | grep -qE 'with fuzz|offset -?[0-9]+ line'; then
			echo "$p: drifted:"
			echo "$out" | grep -E 'with fuzz|offset -?[0-9]+ line' | sed 's/^/  /'
			drift=$((drift + 1))
		fi
	done
	if [ $strict = 1 ]; then
		echo "$(series | wc -l) patches apply to the base with no fuzz and no offset$([ $bad = 0 ] || echo ": $bad do not")"
	else
		echo "$(series | wc -l) patches on $("$TOP/scripts/base.sh" -d), not the recorded $(cat "$TOP/base-version"): $drift drifted (offset/fuzz; make rebase refreshes them), $bad do not apply"
	fi
	[ $bad = 0 ]
}

case "${1:-}" in
sync) sync ;;
reset) reset ;;
rebase) rebase ;;
check-apply) check_apply ;;
export) export_series ;;
*) usage ;;
esac
