#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host's half of the memory hotplug line (scripts/check.sh).

Usage: hotplug-host.py DIR

Watches DIR/console.log of a guest started by scripts/qemu.sh in check
mode: on "pkeys-hotplug: add" it plugs a DIMM (pc-dimm of the memory
backend pkeys-ram, on NUMA node 1) through the monitor socket
DIR/monitor.sock, on "pkeys-hotplug: remove" it unplugs it.  Prints what
the monitor answered; ends when the guest's console says it is done, or
after 900 s.
"""
import socket
import sys
import time

d = sys.argv[1]


def monitor(cmd):
    s = socket.socket(socket.AF_UNIX)
    s.connect(d + '/monitor.sock')
    time.sleep(0.3)
    s.recv(65536)
    s.sendall((cmd + '\n').encode())
    time.sleep(1)
    out = s.recv(65536).decode(errors='replace')
    s.close()
    lines = [l.strip() for l in out.splitlines()[1:] if l.strip() not in ('', '(qemu)')]
    print('monitor: %s: %s' % (cmd, '; '.join(lines) or 'ok'), flush=True)


def wait_for(marker, deadline):
    while time.time() < deadline:
        try:
            text = open(d + '/console.log', errors='replace').read()
        except FileNotFoundError:
            text = ''
        if marker in text:
            return True
        if 'pkeys-harness: exit' in text:
            return False
        time.sleep(1)
    return False


deadline = time.time() + 900
if wait_for('pkeys-hotplug: add', deadline):
    monitor('device_add pc-dimm,id=pkeys-dimm,memdev=pkeys-ram,node=1')
    if wait_for('pkeys-hotplug: remove', deadline):
        monitor('device_del pkeys-dimm')
