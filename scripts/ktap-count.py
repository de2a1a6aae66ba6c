#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Count the results in the JSON that `kunit.py parse --json=FILE` wrote.
# Usage: scripts/ktap-count.py FILE.json
# Prints "PASSED FAILED SKIPPED", then one line per test that did not pass:
# "FAIL suite.test" or "SKIP suite.test".  Any status other than PASS and
# SKIP (FAIL, TEST_CRASHED, NO_TESTS, ...) counts as failed.
import json
import sys


def walk(group, prefix, out):
    name = group.get('name', '')
    here = prefix + [name] if prefix or name != 'KUnit Test Group' else prefix
    for case in group.get('test_cases', []):
        out.append(('.'.join(here + [case['name']]), case['status']))
    for sub in group.get('sub_groups', []):
        walk(sub, here, out)


def main():
    with open(sys.argv[1]) as f:
        results = []
        walk(json.load(f), [], results)
    passed = sum(1 for _, s in results if s == 'PASS')
    skipped = sum(1 for _, s in results if s == 'SKIP')
    print(passed, len(results) - passed - skipped, skipped)
    for name, status in results:
        if status != 'PASS':
            print('SKIP' if status == 'SKIP' else 'FAIL', name)


main()
