#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The list of make profile: kernel instructions by function, two boots.

Usage: profile-report.py [-n LINES] DIR FIGURE NAME1 KERNEL_DIR1 NAME2 KERNEL_DIR2

Reads DIR/FIGURE-NAME.txt (address and instructions of each translation
block, from scripts/tbprof/tbprof.c: in the figure's measured repeats
when its first line is "# measured", else in the whole boot) and
DIR/FIGURE-NAME/console.log (the figure, and how many operations the
repeats or the boot ran) of both boots, gives every block to the function
of KERNEL_DIR/vmlinux that holds its address (nm -n), and prints the
functions whose counts differ most between the two, per operation when
the boot says how many ran.
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys


def symbols(vmlinux):
    addrs, names = [], []
    out = subprocess.run(["nm", "-n", vmlinux], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            addrs.append(int(f[0], 16))
            names.append(f[2])
    return addrs, names


def profile(path, vmlinux):
    """(counts by function, whether they cover the measured repeats only)."""
    addrs, names = symbols(vmlinux)
    counts = collections.Counter()
    measured = False
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                measured = measured or line.strip() == "# measured"
                continue
            pc, n = line.split()
            i = bisect.bisect_right(addrs, int(pc, 16)) - 1
            counts[names[i] if i >= 0 else "?"] += int(n)
    return counts, measured


def figure_of(console, figure):
    """(median, operations in the boot, operations in the measured repeats)."""
    value = ops = measured_ops = None
    with open(console, errors="replace") as f:
        for line in f:
            m = re.match(r"bench %s (-?[0-9.]+)" % re.escape(figure), line)
            if m:
                value = float(m.group(1))
            m = re.match(r"# %s: ([0-9]+) operations in all" % re.escape(figure), line)
            if m:
                ops = int(m.group(1))
            m = re.match(r"# bucket [0-9]+ %s ([0-9]+)$" % re.escape(figure), line)
            if m:
                measured_ops = int(m.group(1))
    return value, ops, measured_ops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("dir")
    ap.add_argument("figure")
    ap.add_argument("runs", nargs=4)
    a = ap.parse_args()
    (n1, k1, n2, k2) = a.runs
    p1, m1 = profile("%s/%s-%s.txt" % (a.dir, a.figure, n1), k1 + "/vmlinux")
    p2, m2 = profile("%s/%s-%s.txt" % (a.dir, a.figure, n2), k2 + "/vmlinux")
    v1, ops1, mops1 = figure_of("%s/%s-%s/console.log" % (a.dir, a.figure, n1), a.figure)
    v2, ops2, mops2 = figure_of("%s/%s-%s/console.log" % (a.dir, a.figure, n2), a.figure)
    measured = m1 and m2 and mops1 and mops2
    if measured:
        ops1, ops2 = mops1, mops2
    if ops1 and ops2:
        per = "per operation (%s: %d operations, %s: %d)" % (n1, ops1, n2, ops2)
        d1, d2 = float(ops1), float(ops2)
    else:
        per = "in the whole boot"
        d1 = d2 = 1.0

    print("# make profile: %s, %s against %s" % (a.figure, n2, n1))
    print()
    if v1 is not None and v2 is not None:
        print("Figure (instructions per operation, median): %s %.1f, %s %.1f, %+.1f (%+.2f%%)"
              % (n1, v1, n2, v2, v2 - v1, 100.0 * (v2 - v1) / v1 if v1 else 0))
    where = "the measured repeats" if measured else "the whole boot"
    print("Kernel instructions of %s: %s %d, %s %d" %
          (where, n1, sum(p1.values()), n2, sum(p2.values())))
    print()
    if measured:
        print("Functions that differ most, %s, in the measured repeats only:" % per)
    else:
        print("Functions that differ most, %s; the whole boot counts, so" % per)
        print("boot-time functions differ too:")
    print()
    print("| function | %s | %s | difference |" % (n1, n2))
    print("|---|---:|---:|---:|")
    diff = {k: p2[k] / d2 - p1[k] / d1 for k in set(p1) | set(p2)}
    for k, d in sorted(diff.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:a.n]:
        print("| %s | %.1f | %.1f | %+.1f |" % (k, p1[k] / d1, p2[k] / d2, d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
