#!/usr/bin/env python3
"""bench.py - boot-time benchmark under QEMU (software CPU, OVMF).

Boots the demo N times and reports, from the kernel's own TSC-based boot
line, the loader's time (efi_main to the jump), the kernel's (entry to
app_main) and loader entry to app_main; plus QEMU wall time to power-off,
which is mostly firmware; and on the emulated Hyper-V host, the time from
kernel entry to all VMBus offers bound.  Medians of one run; compare
numbers from the same run only."""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'qemu'))
import harness  # noqa: E402

BOUND_LINE = re.compile(r'vmbus: all offers bound, \d+ channels open, (\d+) ms after kernel entry')
BOOT_LINE = re.compile(r'boot: ready in (\d+) ms after kernel entry \(loader ran (\d+) ms; '
                       r'(\d+) ms after loader entry')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default='build')
    ap.add_argument('--ovmf-code', default='/usr/share/OVMF/OVMF_CODE_4M.fd')
    ap.add_argument('--ovmf-vars', default='/usr/share/OVMF/OVMF_VARS_4M.fd')
    ap.add_argument('-n', type=int, default=5)
    ap.add_argument('--mem', default='512M')
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    rows = []
    for _ in range(args.n):
        b = harness.boot(build, args.ovmf_code, args.ovmf_vars, cmdline='-- --run-for 0',
                         mem=args.mem, timeout=60)
        m = BOOT_LINE.search(b.serial)
        if not m or b.rc != 0:
            sys.exit('bench: boot failed (status %r)' % b.guest_status)
        rows.append((int(m.group(2)), int(m.group(1)), int(m.group(3)), b.seconds))
    med = [statistics.median(c) for c in zip(*rows)]
    bound = []
    for _ in range(args.n):
        b = harness.boot(build, args.ovmf_code, args.ovmf_vars, cmdline='-- --run-for 0',
                         mem=args.mem, timeout=60, image='dormant-hvsim.img')
        m = BOUND_LINE.search(b.serial)
        if not m or b.rc != 0:
            sys.exit('bench: hvsim boot failed (status %r)' % b.guest_status)
        bound.append(int(m.group(1)))
    print('boot benchmark: %d boots, MEM=%s, TCG' % (args.n, args.mem))
    print('  loader (efi_main to kernel jump):   %6.0f ms' % med[0])
    print('  kernel (entry to app_main):         %6.0f ms' % med[1])
    print('  loader entry to app_main:           %6.0f ms' % med[2])
    print('  QEMU start to power-off (wall):     %6.1f s' % med[3])
    print('  hvsim: kernel entry to all VMBus offers bound: %.0f ms (median of %d)' % (
        statistics.median(bound), len(bound)))
    elf = os.path.getsize(os.path.join(build, 'dormant.elf'))
    print('  dormant.elf %d KiB, BOOTX64.EFI %d KiB, dormant.img %d MiB' % (
        elf >> 10, os.path.getsize(os.path.join(build, 'BOOTX64.EFI')) >> 10,
        os.path.getsize(os.path.join(build, 'dormant.img')) >> 20))


if __name__ == '__main__':
    main()
