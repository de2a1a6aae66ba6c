#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Find numbers the series allocates that the base already uses.

A stable update can take a free slot the series had taken too (6.12.118 put
X86_FEATURE_ZEN6 at 21*32+7, the bit of an earlier version of the series'
page-table feature).  Such a clash applies cleanly and builds; only the
values show it.  For each shared namespace the series adds to, this script
computes the value of every definition in the patched tree, takes those the
series added (absent from the base, or with another value there) and fails
when one shares its value with another definition, naming both.  The base's
own aliases (two names for one MSR) are not the series' business.

Usage: scripts/collisions.py [-o OVERLAY] [-n NAMESPACE]... BASE TREE
  BASE      the pristine base tree
  TREE      the base with the series applied
  -o DIR    files under DIR replace TREE's (the mutation test)
  -n NAME   check only this namespace (repeatable; -l lists them)
  -l        list the namespaces and exit
Exit status 1 on a collision, or on a definition of the series whose value
cannot be computed.
"""

import argparse
import glob
import os
import re
import subprocess
import sys

DEFINE = re.compile(r'^\s*#\s*define\s+(\w+)[ \t]+(.*?)\s*(/\*.*)?$')


class Def:
    """One definition: a name, its value, where it is and how it reads."""

    def __init__(self, name, value, path, line, text):
        self.name, self.value, self.path, self.line = name, value, path, line
        self.text = text.strip()

    def where(self):
        return f'{self.path}:{self.line}: {self.text}'


class Tree:
    """A source tree, with an optional overlay of replaced files."""

    def __init__(self, root, overlay=None):
        self.root, self.overlay = root, overlay

    def path(self, rel):
        if self.overlay and os.path.exists(os.path.join(self.overlay, rel)):
            return os.path.join(self.overlay, rel)
        return os.path.join(self.root, rel)

    def read(self, rel):
        try:
            with open(self.path(rel), encoding='utf-8', errors='replace') as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def glob(self, pattern):
        return sorted(os.path.relpath(p, self.root)
                      for p in glob.glob(os.path.join(self.root, pattern),
                                         recursive=True))


def c_eval(expr, env):
    """The value of a C constant expression of the kind headers use, or
    None: integer literals with suffixes, + - * << | & ~ ( ), BIT(),
    _BITUL(), _AC(), and names already in env."""
    e = re.sub(r'/\*.*?\*/', '', expr).strip()
    e = re.sub(r'\b(0[xX][0-9a-fA-F]+|\d+)([uUlL]+)\b', r'\1', e)
    e = re.sub(r'\b(?:BIT|BIT_ULL|_BITUL|_BITULL)\(', '(1<<', e)
    e = re.sub(r'\b_AC\(([^,]+),\s*\w+\)', r'(\1)', e)
    e = re.sub(r'\(\s*(?:unsigned\s+)?(?:int|long|u32|u64)\s*\)', '', e)

    def name(m):
        if m.group(0) in env:
            return '(%d)' % env[m.group(0)]
        raise KeyError(m.group(0))
    try:
        e = re.sub(r'\b[A-Za-z_]\w*\b', name, e)
    except KeyError:
        return None
    if not re.fullmatch(r'[0-9a-fA-Fx()+\-*<>|&~ \t]*', e) or not e:
        return None
    try:
        return int(eval(e, {'__builtins__': {}}))  # only digits and operators
    except Exception:  # noqa: BLE001 - anything unparsable has no value
        return None


def header_defs(tree, files, want, env=None, funcs=None):
    """#define NAME VALUE lines of files whose NAME matches want, with
    computed values (None when not computable).  Every computable define of
    the files goes into env, so that later ones can use earlier ones."""
    env = dict(env or {})
    out = []
    for rel in files:
        for n, line in enumerate(tree.read(rel), 1):
            m = DEFINE.match(line)
            if not m:
                continue
            name, expr = m.group(1), m.group(2)
            if funcs:
                for fn, f in funcs.items():
                    expr = re.sub(r'\b%s\(([^()]*)\)' % fn,
                                  lambda mm, f=f: f(mm.group(1), env), expr)
            value = c_eval(expr, env)
            if value is not None:
                env[name] = value
            if want(name):
                out.append(Def(name, value, rel, n, line))
    return out


def line_defs(tree, files, pattern, name, value):
    """Definitions one per line: in each of files, every line matching
    pattern (a regex, searched) gives Def(name(m), value(m))."""
    pat = re.compile(pattern)
    out = []
    for rel in files:
        for n, line in enumerate(tree.read(rel), 1):
            m = pat.search(line)
            if m:
                out.append(Def(name(m, rel), value(m), rel, n, line))
    return out


def ns_cpufeatures(tree):
    files = ['arch/x86/include/asm/cpufeatures.h']

    def bug(arg, env):
        v = c_eval(arg, env)
        return 'NONE' if v is None or 'NCAPINTS' not in env else \
            str(env['NCAPINTS'] * 32 + v)
    return header_defs(tree, files,
                       lambda n: re.match(r'X86_(FEATURE|BUG)_\w+$', n),
                       funcs={'X86_BUG': bug})


def ns_cpuinfo_names(tree):
    """The quoted /proc/cpuinfo names of capability bits."""
    return line_defs(tree, ['arch/x86/include/asm/cpufeatures.h'],
                     r'^\s*#\s*define\s+(X86_(?:FEATURE|BUG)_\w+)\s.*?/\*\s*"([^"]+)"',
                     lambda m, rel: m.group(1), lambda m: m.group(2))


def sys_prctl_options(tree):
    """The PR_* names kernel/sys.c's prctl() switches on: the options, as
    opposed to their arguments, which prctl.h defines alongside."""
    names = set()
    for line in tree.read('kernel/sys.c'):
        m = re.match(r'^\s*case\s+(PR_\w+)\s*:', line)
        if m:
            names.add(m.group(1))
    return names


def ns_prctl(tree):
    options = sys_prctl_options(tree)
    return header_defs(tree, ['include/uapi/linux/prctl.h'],
                       lambda n: n in options)


MMF_NOT_BITS = re.compile(r'MMF_\w*(_MASK|_BITS|_SHIFT|_DEFAULT)$')


def ns_mmf(tree):
    files = ['include/linux/sched/coredump.h', 'include/linux/mm_types.h']
    defs = header_defs(tree, files,
                       lambda n: n.startswith('MMF_') and not MMF_NOT_BITS.match(n))
    return [d for d in defs if d.value is None or 0 <= d.value < 64]


def ns_pkey_alloc_flags(tree):
    files = ['include/uapi/asm-generic/mman-common.h'] + \
        tree.glob('arch/*/include/uapi/asm/mman.h')
    return header_defs(tree, files, lambda n: n.startswith('PKEY_ALLOC_'))


def ns_msr(tree):
    """MSR numbers: MSR_* defined as a hex literal of three digits or more
    (bit masks and fields of the registers are named alike)."""
    defs = header_defs(tree, ['arch/x86/include/asm/msr-index.h'],
                       lambda n: n.startswith('MSR_'))
    return [d for d in defs
            if re.match(r'^\s*#\s*define\s+\w+\s+0x[0-9a-fA-F]{3,}\s*(/\*.*)?$', d.text)]


def ns_cr4(tree):
    return header_defs(tree, ['arch/x86/include/uapi/asm/processor-flags.h'],
                       lambda n: re.match(r'X86_CR4_\w+_BIT$', n))


def ns_syscalls(tree):
    out = line_defs(tree, ['arch/x86/entry/syscalls/syscall_64.tbl',
                           'arch/x86/entry/syscalls/syscall_32.tbl'],
                    r'^(\d+)\s+(\w+)\s+(\w+)',
                    lambda m, rel: f'{rel}:{m.group(3)}', lambda m: int(m.group(1)))
    out += header_defs(tree, ['include/uapi/asm-generic/unistd.h'],
                       lambda n: re.match(r'__NR(3264)?_\w+$', n) and
                       n != '__NR_syscalls')
    return out


def ns_kconfig(tree):
    files = [rel for rel in tree.glob('**/Kconfig*')
             if not rel.startswith(('debian/', 'tools/', 'scripts/kconfig/tests/'))]
    return line_defs(tree, files, r'^\s*(?:menu)?config\s+(\w+)\s*$',
                     lambda m, rel: m.group(1), lambda m: m.group(1))


def ns_boot_params(tree):
    """Names of early_param() and __setup() in the files that define any
    (found with grep: the whole tree is large)."""
    return line_defs(tree, grep_files(tree, r'\(early_param\|__setup\)("'),
                     r'\b(?:early_param|__setup)\(\s*"([^"]+)"',
                     lambda m, rel: m.group(1).rstrip('='),
                     lambda m: m.group(1).rstrip('='))


def grep_files(tree, pattern):
    """The .c files of the tree's kernel directories that match pattern."""
    dirs = [d for d in ('arch', 'drivers', 'fs', 'init', 'kernel', 'lib',
                        'mm', 'net', 'security', 'block', 'crypto', 'virt',
                        'sound', 'io_uring', 'ipc')
            if os.path.isdir(os.path.join(tree.root, d))]
    r = subprocess.run(['grep', '-rl', '--include=*.c', pattern] + dirs,
                       cwd=tree.root, capture_output=True, text=True)
    files = set(r.stdout.split())
    if tree.overlay:
        for p in glob.glob(os.path.join(tree.overlay, '**/*.c'), recursive=True):
            files.add(os.path.relpath(p, tree.overlay))
    return sorted(files)


# name: (function, how values clash: 'equal' or 'overlap' for flag masks)
NAMESPACES = {
    'cpufeatures': (ns_cpufeatures, 'equal'),
    'cpuinfo-names': (ns_cpuinfo_names, 'equal'),
    'prctl': (ns_prctl, 'equal'),
    'mmf': (ns_mmf, 'equal'),
    'pkey-alloc-flags': (ns_pkey_alloc_flags, 'overlap'),
    'msr': (ns_msr, 'equal'),
    'cr4': (ns_cr4, 'equal'),
    'syscalls': (ns_syscalls, 'syscall'),
    'kconfig': (ns_kconfig, 'name'),
    'boot-params': (ns_boot_params, 'name'),
}


def clash(kind, a, b):
    if a.value is None or b.value is None:
        return False
    if kind == 'overlap':
        return a.value & b.value != 0
    if kind == 'syscall':
        # a table's numbers among themselves, unistd.h's among themselves
        if a.path != b.path:
            return False
    return a.value == b.value


def check_names(ns, fn, base, tree):
    """Namespaces of names (Kconfig symbols, boot parameters): a name the
    series defines once more than the base does, defined more than once."""
    in_base = {}
    for d in fn(base):
        in_base[d.name] = in_base.get(d.name, 0) + 1
    by_name = {}
    for d in fn(tree):
        by_name.setdefault(d.name, []).append(d)
    added, errors = [], []
    for name, defs in by_name.items():
        if len(defs) <= in_base.get(name, 0):
            continue
        added.append(defs[-1])
        if len(defs) > 1:
            errors.append(f'{ns}: {name} defined {len(defs)} times '
                          f'({in_base.get(name, 0)} in the base):\n' +
                          '\n'.join(f'  {d.where()}' for d in defs))
    return added, errors


def check(ns, base, tree):
    fn, kind = NAMESPACES[ns]
    if kind == 'name':
        return check_names(ns, fn, base, tree)
    base_defs = {}
    for d in fn(base):
        base_defs.setdefault(d.name, set()).add(d.value)
    defs = fn(tree)
    added = [d for d in defs
             if d.name not in base_defs or d.value not in base_defs[d.name]]
    errors = []
    for a in added:
        if a.value is None:
            errors.append(f'{ns}: cannot compute the value of {a.name}, which the series adds:\n'
                          f'  {a.where()}')
            continue
        for b in defs:
            if b is a or b.name == a.name or not clash(kind, a, b):
                continue
            if b in added and (b.path, b.line) < (a.path, a.line):
                continue  # two of the series': reported once
            errors.append(f'{ns}: {a.name} and {b.name} share the value '
                          f'{fmt(a.value)}\n'
                          f'  added by the series: {a.where()}\n'
                          f'  {"also added by the series" if b in added else "already in the tree"}: '
                          f'{b.where()}')
    return added, errors


def fmt(v):
    return f'{v} ({v:#x})' if isinstance(v, int) and v > 9 else str(v)


def main():
    ap = argparse.ArgumentParser(add_help=True)
    ap.add_argument('-o', dest='overlay')
    ap.add_argument('-n', dest='only', action='append')
    ap.add_argument('-l', dest='list', action='store_true')
    ap.add_argument('-v', dest='verbose', action='store_true')
    ap.add_argument('base', nargs='?')
    ap.add_argument('tree', nargs='?')
    args = ap.parse_args()
    if args.list:
        print('\n'.join(NAMESPACES))
        return 0
    if not args.base or not args.tree:
        print(__doc__.split('\n\n', 2)[2], file=sys.stderr)
        return 2
    for n in args.only or []:
        if n not in NAMESPACES:
            print(f'error: no namespace {n} (-l lists them)', file=sys.stderr)
            return 2
    base = Tree(args.base)
    tree = Tree(args.tree, args.overlay)
    nadded = nerr = 0
    names = args.only or list(NAMESPACES)
    for ns in names:
        added, errors = check(ns, base, tree)
        nadded += len(added)
        nerr += len(errors)
        if args.verbose:
            for a in added:
                print(f'{ns}: added {a.name} = {fmt(a.value)}')
        for e in errors:
            print(e)
    print(f'collisions: {len(names)} namespaces, {nadded} definitions added by '
          f'the series, {nerr} collisions')
    return 1 if nerr else 0


if __name__ == '__main__':
    sys.exit(main())
