#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make docs: write the parts of README.md and docs/ that commands measure.

Sections between "<!-- BEGIN NAME (make docs) -->" and "<!-- END NAME -->":
  patches      README.md: the table of the series, from patches/series, the
               postings of patches/postings/list and docs/patches.txt
  check        docs/check.md: build/check/summary.md (make check)
  run          README.md: the test lines of the last make run
  check        README.md: lines of make check's last summary
  bench        docs/bench.md: build/bench/results.md (make bench)
  reliability  docs/reliability.md: build/reliability/summary.md (make fuzz,
               make stress and the bad-input table of make check)
A summary that does not exist leaves its section as it is; each carries
the date, base version and patch count it was measured on.

Usage: scripts/docs.py [--check]
  --check  write nothing; fail when the patch table is not the series'
           (a patch without a line in docs/patches.txt, or a stale table)
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = os.path.join(TOP, 'patches')


def read(path):
    with open(path) as f:
        return f.read()


def subjects():
    out = []
    for line in read(os.path.join(P, 'series')).splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        text = read(os.path.join(P, line))
        m = re.search(r'^Subject: \[PATCH [0-9]+/[0-9]+\] (.*(?:\n .*)*)', text, re.M)
        out.append(re.sub(r'\n ', ' ', m.group(1)))
    return out


def postings():
    out = []
    for line in read(os.path.join(P, 'postings', 'list')).splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        name, first = line.split(None, 1)
        txt = os.path.join(P, 'postings', name + '.txt')
        subj = None
        if os.path.exists(txt):
            m = re.search(r'^Subject: (.*)$', read(txt), re.M)
            subj = m.group(1)
        out.append((name, first, subj))
    return out


def descriptions():
    d = {}
    for line in read(os.path.join(TOP, 'docs', 'patches.txt')).splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        f = [x.strip() for x in line.split(' :: ')]
        d[f[0]] = f[1:]
    return d


def md(s):
    return s.replace('|', '\\|')


def patch_table():
    subj = subjects()
    desc = descriptions()
    missing = [s for s in subj if s not in desc]
    if missing:
        sys.exit('docs/patches.txt has no line for: ' + '; '.join(missing))
    starts = {}
    for i, (name, first, psubj) in enumerate(postings()):
        if first not in subj:
            sys.exit(f'patches/postings/list: no patch "{first}"')
        starts[subj.index(first)] = (i + 1, name, psubj)
    rows = []
    for n, s in enumerate(subj):
        what, tests = desc[s][0], desc[s][1]
        if n in starts:
            i, name, psubj = starts[n]
            rows.append(['posting', i, name, psubj])
        if what == '^' and rows and rows[-1][0] == 'patch':
            rows[-1][2] = n + 1
            continue
        title = desc[s][2] if len(desc[s]) > 2 else s
        rows.append(['patch', n + 1, n + 1, title, what, tests])
    out = ['| # | patch | what it does | tests |', '|--:|---|---|---|']
    for r in rows:
        if r[0] == 'posting':
            out.append(f'| | **posting {r[1]}: {r[2]}**{"" if r[3] else " (sent alone)"} | | |')
            continue
        num = str(r[1]) if r[1] == r[2] else f'{r[1]}-{r[2]}'
        out.append(f'| {num} | {md(r[3])} | {md(r[4])} | {md(r[5])} |')
    return '\n'.join(out) + '\n'


def summary(path):
    """A summary file's text, its first heading dropped."""
    if not os.path.exists(path):
        return None
    text = read(path).strip('\n') + '\n'
    text = re.sub(r'\A# [^\n]*\n\n?', '', text)
    # Only figures that say what they were measured on: each "## " section
    # of the file must carry its own line, or it is left out.
    parts = re.split(r'(?m)^(?=## )', text)
    intro, sections = parts[0], parts[1:]
    prov = re.compile(r'^_measured [^_]*_$', re.M)
    if not sections:
        return text if prov.search(text) else None
    kept = [sec for sec in sections if prov.search(sec)]
    if not kept:
        return None
    # Under the page's own "## Latest results".
    return re.sub(r'(?m)^## ', '### ', intro + ''.join(kept))


def run_excerpt(b):
    """The test lines of the last make run, with what it ran on."""
    log, prov = os.path.join(b, 'run', 'console.log'), os.path.join(b, 'run', 'provenance')
    if not os.path.exists(log) or not os.path.exists(prov):
        return None
    keep = [l.rstrip() for l in read(log).splitlines()
            if re.match(r'(ok |not ok |# Totals)', l)]
    return ('```\n' + '\n'.join(keep) + '\n```\n\n_' +
            read(prov).strip().replace('measured', 'make run', 1) + '_\n')


def check_excerpt(path):
    """make check's last lines, as the terminal showed them, from its summary."""
    if not os.path.exists(path):
        return None
    text = read(path)
    rows = re.findall(r'^\| (.+?) \| (ok|FAILED) \| ([0-9]+) s \| (.*) \|$', text, re.M)
    want = ('base', 'tree', 'lint', 'build', 'boot normal/max', 'boot distro/max')
    lines = [f'{n:<26} {st:<6} {int(t):4d} s  {summ}' for n, st, t, summ in rows if n in want]
    m = re.search(r'^_(measured [^_]*)_$', text, re.M)
    r = re.search(r'^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped in ([0-9]+) min', text, re.M)
    if not lines or not m or not r:
        return None
    lines.append('...')
    lines.append(f'{r.group(1)} passed, {r.group(2)} failed, {r.group(3)} skipped')
    return ('```\n' + '\n'.join(lines) + '\n```\n\n_' + m.group(1).replace('measured', 'make check', 1) +
            f'; {r.group(4)} min with the kernels built; every stage in [docs/check.md](docs/check.md)_\n')


def replace(text, name, body, path):
    pat = re.compile(r'(<!-- BEGIN %s \(make docs\) -->\n)(.*?)(<!-- END %s -->)' % (re.escape(name), re.escape(name)), re.S)
    if not pat.search(text):
        sys.exit(f'{path}: no section {name}')
    return pat.sub(lambda m: m.group(1) + body + m.group(3), text)


def main():
    check = sys.argv[1:] == ['--check']
    b = os.path.join(TOP, 'build')
    jobs = {
        'README.md': [('patches', patch_table()),
                      ('run', run_excerpt(b)),
                      ('check', check_excerpt(os.path.join(b, 'check', 'summary.md')))],
        'docs/check.md': [('check', summary(os.path.join(b, 'check', 'summary.md')))],
        'docs/bench.md': [('bench', summary(os.path.join(b, 'bench', 'results.md')))],
        'docs/reliability.md': [('reliability', summary(os.path.join(b, 'reliability', 'summary.md')))],
    }
    stale = []
    for rel, sections in jobs.items():
        path = os.path.join(TOP, rel)
        old = read(path)
        new = old
        for name, body in sections:
            if check and name != 'patches':
                continue
            if body is not None:
                new = replace(new, name, body, rel)
        if new != old:
            if check:
                stale.append(rel)
            else:
                with open(path, 'w') as f:
                    f.write(new)
                print(f'docs: {rel} updated')
    if stale:
        sys.exit('the patch table of ' + ', '.join(stale) + ' is not the series\': make docs')
    if check:
        print(f'docs: the patch table is the series\' ({len(subjects())} patches)')


main()
