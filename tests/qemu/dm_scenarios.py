"""dm_scenarios.py - Dynamic Memory (balloon), the synthetic keyboard and
KVP on the emulated Hyper-V host (build/dormant-hvsim.img), driven from
the host's administrator console on COM2.  Two boots: with ACPI S4 (q35's
default: hibernation enabled, so memory is never given away) and without
(`-global ICH9-LPC.disable_s4=1`: ballooning and hot-add honoured).

Imported by scenarios.py (it uses that module's helpers)."""
import re

import scenarios as sc
import vmbus_scenarios as vs

HVSIM = 'dormant-hvsim.img'
DEMO = 'demo: dormant demo running'
HELP = 'print the counter and the event log'     # a line of the demo's `help`


def mems(text):
    """(usable MiB, free MiB) of each `mem` the demo printed."""
    return [(int(u), int(f)) for u, f in re.findall(
        r'usable (\d+) MiB, owned \d+ KiB, volatile \d+ KiB, free (\d+) MiB', text)]


def report_gaps(com2):
    m = re.search(r'interval between reports (\d+)\.\.(\d+) ms', com2)
    return (int(m.group(1)), int(m.group(2))) if m else None


def common(b):
    """Both boots: bound, pressure reported about once a second, `key
    help` ran the demo's help, `kvp` shows the OS name, the faults were
    logged and survived."""
    p = vs.clean_vmbus_exit(b) + sc.need(
        b.serial, 'vmbus: all offers bound, 7 channels open',
        'keyboard: protocol 1.0 accepted', 'balloon: protocol 2.0',
        HELP,
        'balloon: balloon (relid', 'message shorter than its type',   # balloon-short
        'UNBALLOON_REQUEST of 1000 ranges',                            # balloon-ranges
        'keyboard: keyboard (relid', 'unknown or guest-to-host message type (99)',
        'request shorter than the KVP header (3 bytes); refused',       # kvp-short
        'kvp host: SET answered with status 0x80004005',
        'counter is now')
    p += sc.need(b.com2, 'key: typed 4 characters and Enter', 'OSName=dormant',
                 'FullyQualifiedDomainName=dormant', 'OSVersion=0.1',
                 'ProcessorArchitecture=x86_64',
                 'fault: balloon-short injected', 'fault: balloon-ranges injected',
                 'fault: keyboard-short injected', 'fault: keyboard-type injected',
                 'fault: kvp-short injected')
    if not re.search(r'OSBuildNumber=[0-9a-f]{16}\r?\n', b.com2):
        p.append('OSBuildNumber is not the 16-digit build id')
    g = report_gaps(b.com2)
    if not g or g[0] < 900 or g[1] > 1600:
        p.append('status reports not about 1 s apart: %r ms' % (g,))
    m = re.search(r'pressure: (\d+) reports', b.com2)
    if not m or int(m.group(1)) < 3:
        p.append('fewer than 3 status reports: %r' % (m and m.group(1)))
    return p


def with_s4(b):
    """S4 present: balloon-up, balloon-down and hot-add refused with the
    protocol's answers, logged once, and no memory moved."""
    p = common(b) + sc.need(
        b.serial, 'ACPI S4 present: pressure reports only',
        'balloon-up refused: ACPI S4 is present',
        'balloon host: up: asked 16384 pages, got 0',
        'balloon host: hot-add: asked, added, result: 2048 0 1')
    if b.serial.count('(logged once)') > 2:      # one for the balloon, one for kvp
        p.append('a refusal logged more than once')
    if 'balloon: up:' in b.serial or 'hot-add: 2048' in b.serial:
        p.append('memory moved although S4 is present')
    m = mems(b.serial)
    if len(m) != 2 or m[0] != m[1]:
        p.append('memory changed with S4: %r' % m)
    p += sc.need(b.com2, 'balloon: up 64 MiB asked', 'hotadd: 8 MiB at 0x3000000 offered')
    return p


def without_s4(b):
    """S4 absent: 64 MiB out and back with exact counts, 8 MiB hot-added."""
    p = common(b) + sc.need(
        b.serial, 'ballooning and hot-add allowed (no ACPI S4)',
        'balloon: up: 16384 of 16384 pages given to the host',
        'balloon host: up: asked 16384 pages, got 16384',
        'balloon: down: 16384 pages back from the host',
        'balloon: hot-add: 2048 of 2048 pages at pfn 0x3000 added')
    m = mems(b.serial)
    if len(m) != 4:
        p.append('expected 4 mem lines, got %r' % m)
    else:
        (u0, f0), (u1, f1), (u2, f2), (u3, f3) = m
        if f0 - f1 != 64 or u1 != u0:
            p.append('balloon-up 64 MiB: free %d -> %d MiB' % (f0, f1))
        if f2 != f0:
            p.append('balloon-down: free %d MiB, before the balloon %d' % (f2, f0))
        if f3 - f2 != 8 or u3 - u2 != 8:
            p.append('hot-add 8 MiB: usable %d -> %d, free %d -> %d' % (u2, u3, f2, f3))
    t = re.search(r'balloon host: up: asked 16384 pages, got 16384 in (\d+) us', b.serial)
    if t:
        print('# balloon-up of 64 MiB: %s us' % t.group(1))
    return p


FAULTS = [step for f in ('balloon-short', 'balloon-ranges', 'keyboard-short',
                         'keyboard-type', 'kvp-short')
          for step in (('admin', 'fault %s\r' % f), ('wait2', 'fault: %s injected' % f))]
KEYS_KVP = [('admin', 'key help\r'), ('wait', HELP),
            ('admin', 'kvp\r'), ('wait2', 'ProcessorArchitecture=')]
END = [('type', 'count 2\r'), ('wait', 'counter is now'), ('sleep', 3),
       ('admin', 'pressure\r'), ('wait2', 'interval between reports'), ('type', 'exit 0\r')]

ALL = [
    sc.Scenario('hvsim/dm-kbd-kvp-with-s4', with_s4, image=HVSIM, com2=True,
                cmdline='test -- --run-for 90', timeout=120,
                steps=[('wait', DEMO), ('type', 'mem\r'), ('wait', 'usable'),
                       ('admin', 'balloon up 64\r'), ('wait', 'balloon host: up: asked'),
                       ('admin', 'balloon down 64\r'), ('wait2', 'balloon: cannot'),
                       ('admin', 'hotadd 8\r'), ('wait', 'hot-add: asked'),
                       ('type', 'mem\r'), ('wait', 'usable')] + KEYS_KVP + FAULTS + END),
    sc.Scenario('hvsim/dm-kbd-kvp-without-s4', without_s4, image=HVSIM, com2=True,
                cmdline='test -- --run-for 90', timeout=120,
                extra=['-global', 'ICH9-LPC.disable_s4=1'],
                steps=[('wait', DEMO), ('type', 'mem\r'), ('wait', 'usable'),
                       ('admin', 'balloon up 64\r'), ('wait', 'balloon host: up: asked'),
                       ('type', 'mem\r'), ('wait', 'usable'),
                       ('admin', 'balloon down 64\r'), ('wait', 'down: done'),
                       ('type', 'mem\r'), ('wait', 'usable'),
                       ('admin', 'hotadd 8\r'), ('wait', 'hot-add: asked'),
                       ('type', 'mem\r'), ('wait', 'usable')] + KEYS_KVP + FAULTS + END),
]
