#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The working kernel tree: a git repository of the base in build/linux,
# tagged `base`, with every patch of patches/series applied as a commit.
#
# Usage: scripts/tree.sh sync     create the tree if missing, else check that
#                                 its commits are exactly the series
#        scripts/tree.sh reset    throw the tree's commits away and apply the
#                                 series again
#        scripts/tree.sh export   rewrite patches/ and patches/series from the
#                                 commits base..HEAD
#
# The cover letter's subject and text live in the tree as the description of
# the branch (git branch --edit-description); export regenerates
# patches/0000-cover-letter.patch from it with a fresh shortlog and diffstat.
set -eu
. "$(dirname "$0")/lib.sh"

P=$TOP/patches
COVER=$P/0000-cover-letter.patch

usage() {
	sed -n '5,17s/^# \{0,1\}//p' "$0" >&2
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
		body { print }
	' "$COVER" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$TREE/.git/description-cover"
	git_tree config branch.main.description "$(cat "$TREE/.git/description-cover")"
}

create() {
	local src
	src=$("$TOP/scripts/base.sh")
	rm -rf "$TREE.tmp"
	note "copying the base to $TREE"
	cp -a "$src" "$TREE.tmp"
	git -C "$TREE.tmp" init -q -b main
	git -C "$TREE.tmp" config user.name "$(git -C "$TOP" config user.name)"
	git -C "$TREE.tmp" config user.email "$(git -C "$TOP" config user.email)"
	git -C "$TREE.tmp" config core.abbrev 12
	git -C "$TREE.tmp" add -A -f .
	git -C "$TREE.tmp" commit -q -m "Linux $(kernel_version "$src") from Debian $BASE_PKG $(base_pkg_version)"
	git -C "$TREE.tmp" tag base
	mv "$TREE.tmp" "$TREE"
	apply_series
}

apply_series() {
	local p
	for p in $(series); do
		git_tree am -q --keep-cr "$P/$p" || {
			git_tree am --abort || true
			die "patches/$p does not apply to the tree (git am failed)"
		}
	done
	cover_to_description
	note "tree at $TREE: base + $(series | wc -l) patches"
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
		# Blank context lines are empty in patches/ (export): as git wrote them.
		sed 's/^$/ /' "$P/$p" | git patch-id --stable | cut -d' ' -f1
	done
}

sync() {
	if [ ! -d "$TREE/.git" ]; then
		create
		return
	fi
	if [ "$(patch_ids_tree)" != "$(patch_ids_series)" ]; then
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
	git_tree am --abort >/dev/null 2>&1 || true
	git_tree rebase --abort >/dev/null 2>&1 || true
	git_tree checkout -q -f main
	git_tree reset -q --hard base
	apply_series
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
	# Blank context lines as empty lines, as GNU diff --suppress-blank-empty
	# writes them (git am and patch read both): a line of one space is
	# trailing whitespace to checkpatch when it reads a patch that git
	# tracks, as it does given a relative path in this repository.
	sed -i 's/^ $//' "$tmp"/[0-9]*.patch
	if grep -q '\*\*\* SUBJECT HERE \*\*\*' "$tmp/0000-cover-letter.patch"; then
		echo "warning: the cover letter has no text: git -C $TREE branch --edit-description" >&2
	fi
	rm -f "$P"/*.patch
	cp "$tmp"/*.patch "$P"/
	(cd "$tmp" && ls -1 [0-9]*.patch | grep -v '^0000-') >"$P/series"
	subj=$(sed -n 's/^Subject: //p' "$P/0000-cover-letter.patch")
	note "exported $n patches to patches/ ($subj)"
}

case "${1:-}" in
sync) sync ;;
reset) reset ;;
export) export_series ;;
*) usage ;;
esac
