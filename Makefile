# SPDX-License-Identifier: GPL-2.0
#
# x86 memory protection keys (PKU and PKS): the patch series against Linux
# 6.12 and the harness that builds, boots and tests it under QEMU.
# `make help` lists the targets; README.md explains them.

SHELL := /bin/bash
S := scripts

.DEFAULT_GOAL := help

# BASE=DIR: the series on a kernel tree of the user's (scripts/base.sh).
export BASE
.PHONY: help run shell check tree tree-reset export rebase kernel kernel-debug kernel-distro guest \
	bisect bench profile fuzz stress deb deps clean control docs

help:
	@echo "make run           build the patched kernel, boot it under QEMU -cpu max, demonstrate keys"
	@echo "make check         lint, apply, build, W=1, boot matrix and tests (what CI runs)"
	@echo "make shell         boot the same guest to an interactive shell"
	@echo "make tree          build/linux: git tree of the base with the series as commits"
	@echo "make tree-reset    apply the series to the base again, dropping the tree's commits"
	@echo "make export        rewrite patches/ and patches/series from build/linux"
	@echo "make rebase        carry the series over to the installed base (stops at a conflict), export, record base-version"
	@echo "make bench         the series against the base in guest instruction counts, with budgets"
	@echo "make profile       one bench figure by kernel function, base against series (FIGURE=exec COMPARE=series|pgtable|distro|cred)"
	@echo "make fuzz          trinity and fuzz-pkeys against the debug kernel as an unprivileged user (FUZZ_MINUTES=10)"
	@echo "make stress        user and supervisor keys under threads, forks, signals, CPU hotplug (STRESS_SECONDS=180)"
	@echo "make bisect        build every step of the series (x86_64; arm64/powerpc files it touches)"
	@echo "make control       the distribution config without the series on the same guest lines (build/control/)"
	@echo "make kernel | kernel-debug | kernel-distro | guest   build one part (distro: Debian's cloud-amd64 config)"
	@echo "make deb           Debian packages of the distribution flavor, modules included (build/*.deb)"
	@echo "make docs          write the patch table and the latest results into README.md and docs/"
	@echo "make clean         remove build/"
	@echo "BASE=DIR           (any target) a 6.12.y kernel tree or checkout instead of Debian's linux-source-6.12"

deps:
	@$(S)/deps.sh

tree: deps
	@$(S)/tree.sh sync

tree-reset: deps
	@$(S)/tree.sh reset

export:
	@$(S)/tree.sh export

rebase: deps
	@$(S)/tree.sh rebase

kernel: tree
	@$(S)/kernel.sh -f normal bzImage headers

kernel-debug: tree
	@$(S)/kernel.sh -f debug bzImage

# Debian packages (linux-image, linux-headers, linux-libc-dev) of the
# distribution flavor, every module of its config included: the kernel's
# own bindeb-pkg, into build/.
deb: deps tree
	@$(S)/kernel.sh -f distro bindeb-pkg
	@ls -1 $(CURDIR)/build/*.deb

kernel-distro: tree
	@$(S)/kernel.sh -f distro bzImage
	@$(S)/kernel.sh -f distro modules-pkeys

guest: kernel
	@$(S)/guest.sh

run: guest
	@$(S)/qemu.sh -m run -c max
	@$(S)/provenance.sh >build/run/provenance

# The parts of README.md and docs/ that the commands above measured.
docs:
	@python3 $(S)/docs.py

shell: guest
	@$(S)/qemu.sh -m shell -c max

check: deps
	@$(S)/check.sh

bisect: tree
	@$(S)/bisect.sh

# Control boots: Debian's distribution configuration built from the base
# alone, booted on the distribution flavor's lines (build/control/).
control: guest
	@$(S)/check.sh -b

bench: deps
	@$(S)/bench.sh

# Where a figure's instructions go, by kernel function (FIGURE=exec,
# COMPARE=series: base against series, pgtable: off against keyed, distro:
# the same on the distribution flavor, cred: credentials off against keyed).
FIGURE ?= exec
COMPARE ?= series
profile: deps
	@$(S)/profile.sh -c $(COMPARE) $(FIGURE)

# The long reliability runs, outside make check; both boot the debug kernel.
FUZZ_MINUTES ?= 10
STRESS_SECONDS ?= 180

fuzz: kernel-debug
	@FUZZ_MINUTES=$(FUZZ_MINUTES) $(S)/fuzz.sh

stress: kernel-debug
	@STRESS_SECONDS=$(STRESS_SECONDS) $(S)/stress.sh

clean:
	rm -rf build
