#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print what a measurement is made on (lib.sh's provenance): the date, the
# base package's version and the number of patches of build/linux.
set -eu
. "$(dirname "$0")/lib.sh"
provenance
