"""bench_hib.py - hibernate and resume timings for `make bench` (issue 10).

For N MiB of `fill` state: time from typing `hibernate` to QEMU's exit,
the kernel's own write time and image size, then time from QEMU start to
the application running again and, within it, from loader entry (the
kernel's resume line); checksums before and after must agree.  Medians."""
import os
import re
import shutil
import statistics
import tempfile

import harness

WRITTEN = re.compile(r'hibernate: image written: (\d+) KiB for \d+ pages .* in (\d+) ms')
RESUMED = re.compile(r'resume: resumed: image of (\d+) KiB read in (\d+) ms; (\d+) ms after '
                     r'loader entry')
CHECK = re.compile(r'check: ([0-9a-f]{16})')


def one(build, code, vars_, mem, mib, image):
    w = tempfile.mkdtemp(prefix='dormant-bench-')
    try:
        disk = harness.make_image(build, w, 'test -- --run-for 600', image=image)
        b = harness.boot(build, code, vars_, disk=disk, mem=mem, serial='pipe', timeout=300,
                         steps=[('wait', 'demo running'), ('type', 'fill %d\r' % mib),
                                ('wait', 'MiB done'), ('type', 'check\r'), ('wait', 'check: '),
                                ('type', 'hibernate\r')])
        typed = [t for t, s in b.events if s == ('type', 'hibernate\r')]
        m = WRITTEN.search(b.serial)
        c1 = CHECK.findall(b.serial)
        if b.rc is None or not typed or not m:
            raise SystemExit('bench: hibernate of %d MiB on %s failed' % (mib, image))
        hib_s = b.seconds - typed[0]
        img_kib, write_ms = int(m.group(1)), int(m.group(2))
        b = harness.boot(build, code, vars_, disk=disk, mem=mem, serial='pipe', timeout=300,
                         steps=[('wait', 'demo: resumed'), ('type', 'check\r'),
                                ('wait', 'check: '), ('type', 'exit 0\r')])
        m = RESUMED.search(b.serial)
        back = [t for t, s in b.events if s == ('wait', 'demo: resumed')]
        c2 = CHECK.findall(b.serial)
        if not m or not back or not c1 or c2[:1] != c1[-1:]:
            raise SystemExit('bench: resume of %d MiB on %s failed (%r %r)' % (mib, image,
                                                                           c1, c2))
        return (hib_s, write_ms, img_kib, back[0], int(m.group(3)), int(m.group(2)))
    finally:
        shutil.rmtree(w, ignore_errors=True)


def bench(build, code, vars_, mem, n, disk_mbs):
    print('hibernation benchmark: MEM=%s, TCG, medians of %d' % (mem, n))
    print('  %-8s %5s | %10s %9s %9s %8s | %10s %9s %8s %8s' % (
        'host', 'MiB', 'trigger->', 'write', 'image', 'write', 'QEMU start', 'loader',
        'read', 'read'))
    print('  %-8s %5s | %10s %9s %9s %8s | %10s %9s %8s %8s' % (
        '', 'fill', 'QEMU exit', 'ms', 'KiB', 'MB/s', '->app s', '->app ms', 'ms', 'MB/s'))
    for image, name in (('dormant.img', 'qemu'), ('dormant-hvsim.img', 'hvsim')):
        for mib in (16, 64):
            rows = [one(build, code, vars_, mem, mib, image) for _ in range(n)]
            med = [statistics.median(c) for c in zip(*rows)]
            wmbs = med[2] * 1024 / 1e6 / (med[1] / 1000) if med[1] else 0
            # The reader reads the image twice (check, then load).
            rmbs = 2 * med[2] * 1024 / 1e6 / (med[5] / 1000) if med[5] else 0
            print('  %-8s %5d | %10.2f %9.0f %9.0f %8.0f | %10.1f %9.0f %8.0f %8.0f' % (
                name, mib, med[0], med[1], med[2], wmbs, med[3], med[4], med[5], rmbs))
    if disk_mbs:
        print('  (the disk benchmark above: virtio-blk write %d MB/s, read %d MB/s; storvsc '
              'write %d MB/s, read %d MB/s)' % disk_mbs)
