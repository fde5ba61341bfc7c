#!/usr/bin/env python3
"""bench.py - boot-time benchmark under QEMU (software CPU, OVMF).

Boots the demo N times and reports, from the kernel's own TSC-based boot
line, the loader's time (efi_main to the jump), the kernel's (entry to
app_main) and loader entry to app_main; plus QEMU wall time to power-off,
which is mostly firmware; on the emulated Hyper-V host, the time from
kernel entry to all VMBus offers bound; and the demo's `disk test` on the
virtio-blk boot disk and on the hvsim image's storvsc disk, beside what the host does with the same transfer on a
file (the read comes from the page cache: it is an upper bound); and
hibernate/resume of 16 and 64 MiB of state (bench_hib.py).  Medians of
one run; compare numbers from the same run only."""
import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'qemu'))
import harness  # noqa: E402
import bench_hib  # noqa: E402

DISK_LINE = re.compile(r'disk test: \S+: 8 MiB verified; write (\d+) MB/s, read (\d+) MB/s; '
                       r'4 KiB read latency (\d+) us')
BOUND_LINE = re.compile(r'vmbus: all offers bound, \d+ channels open, (\d+) ms after kernel entry')
BOOT_LINE = re.compile(r'boot: ready in (\d+) ms after kernel entry \(loader ran (\d+) ms; '
                       r'(\d+) ms after loader entry')


def host_disk_mbs(build):
    """What the host does with the same transfer: 8 MiB written (synced)
    and read back in 1 MiB blocks on a file beside the image."""
    path = os.path.join(build, 'bench-disk.tmp')
    data = os.urandom(1 << 20)
    t0 = time.monotonic()
    with open(path, 'wb') as f:
        for _ in range(8):
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    t1 = time.monotonic()
    with open(path, 'rb') as f:
        while f.read(1 << 20):
            pass
    t2 = time.monotonic()
    os.remove(path)
    return (8 * 1.048576 / (t1 - t0), 8 * 1.048576 / max(t2 - t1, 1e-6))


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
    disk = []
    for _ in range(args.n):
        b = harness.boot(build, args.ovmf_code, args.ovmf_vars, cmdline='test -- --run-for 120',
                         mem=args.mem, timeout=150,
                         inputs=[('demo running', 'disk test\r'), ('MiB verified', 'exit 0\r')])
        m = DISK_LINE.search(b.serial)
        if not m:
            sys.exit('bench: disk test failed')
        disk.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    # The same on the emulated Hyper-V host: storvsc in the guest, storvsp
    # and the host's own virtio-blk instance behind it.
    sdisk = []
    for _ in range(args.n):
        b = harness.boot(build, args.ovmf_code, args.ovmf_vars, cmdline='test -- --run-for 120',
                         mem=args.mem, timeout=150, image='dormant-hvsim.img',
                         inputs=[('demo running', 'disk test\r'), ('MiB verified', 'exit 0\r')])
        m = DISK_LINE.search(b.serial)
        if not m:
            sys.exit('bench: disk test on hvsim failed')
        sdisk.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    host = host_disk_mbs(build)
    print('boot benchmark: %d boots, MEM=%s, TCG' % (args.n, args.mem))
    print('  loader (efi_main to kernel jump):   %6.0f ms' % med[0])
    print('  kernel (entry to app_main):         %6.0f ms' % med[1])
    print('  loader entry to app_main:           %6.0f ms' % med[2])
    print('  QEMU start to power-off (wall):     %6.1f s' % med[3])
    print('  hvsim: kernel entry to all VMBus offers bound: %.0f ms (median of %d)' % (
        statistics.median(bound), len(bound)))
    wmed = statistics.median(d[0] for d in disk)
    rmed = statistics.median(d[1] for d in disk)
    print('  virtio-blk `disk test` (8 MiB, 1 MiB requests, one at a time): write %d MB/s, '
          'read %d MB/s; 4 KiB read latency %d us' % (wmed, rmed,
                                                     statistics.median(d[2] for d in disk)))
    swmed = statistics.median(d[0] for d in sdisk)
    srmed = statistics.median(d[1] for d in sdisk)
    print('  storvsc on hvsim `disk test` (same): write %d MB/s, read %d MB/s; '
          '4 KiB read latency %d us; ratio to host %.2f / %.2f' % (
              swmed, srmed, statistics.median(d[2] for d in sdisk), swmed / host[0],
              srmed / host[1]))
    print('  host, same 8 MiB on a file beside the image (1 MiB writes + fsync, reads): write %d MB/s, read %d MB/s; '
          'ratio %.2f / %.2f' % (host[0], host[1], wmed / host[0], rmed / host[1]))
    elf = os.path.getsize(os.path.join(build, 'dormant.elf'))
    print('  dormant.elf %d KiB, BOOTX64.EFI %d KiB, dormant.img %d MiB' % (
        elf >> 10, os.path.getsize(os.path.join(build, 'BOOTX64.EFI')) >> 10,
        os.path.getsize(os.path.join(build, 'dormant.img')) >> 20))
    bench_hib.bench(build, args.ovmf_code, args.ovmf_vars, args.mem, args.n,
                    (wmed, rmed, swmed, srmed))


if __name__ == '__main__':
    main()
