"""disk_scenarios.py - virtio-blk under QEMU: the kernel option blktest=vdb
(drivers/blktest.c) on a 64 MiB scratch disk the test creates, then a
check of that file from the host side.

The guest writes, at every 8-byte word of a region, pattern(byte offset
/ 8) and prints "blktest: region SECTOR COUNT (...)" for each region; the
host rebuilds the whole expected disk (zeros outside the regions) and
compares it with the file byte for byte, so a write that landed at the
wrong offset, or a region that never arrived, fails here even if the
guest's own read-back agreed with itself."""
import os
import re
import struct

from scenarios import Scenario, need

SCRATCH_BYTES = 64 << 20
SECTOR = 512
MASK = (1 << 64) - 1


def pattern_bytes(offset, length):
    """drivers/blktest.c pattern(): word * 0x9e3779b97f4a7c15 ^ "dormant!"."""
    first = offset // 8
    words = [((w * 0x9e3779b97f4a7c15) & MASK) ^ 0x646f726d616e7421
             for w in range(first, first + length // 8)]
    return struct.pack('<%dQ' % len(words), *words)


def host_check(serial, path):
    regions = [(int(s), int(c)) for s, c in
               re.findall(r'blktest: region (\d+) (\d+) \(', serial)]
    if not regions:
        return ['no "blktest: region" lines']
    expect = bytearray(SCRATCH_BYTES)
    for sector, count in regions:
        off, n = sector * SECTOR, count * SECTOR
        if off + n > SCRATCH_BYTES:
            return ['region %d+%d outside the scratch disk' % (sector, count)]
        expect[off:off + n] = pattern_bytes(off, n)
    with open(path, 'rb') as f:
        got = f.read()
    if len(got) != SCRATCH_BYTES:
        return ['scratch disk is %d bytes, not %d' % (len(got), SCRATCH_BYTES)]
    if got == expect:
        return []
    for off in range(0, SCRATCH_BYTES, SECTOR):
        if got[off:off + SECTOR] != expect[off:off + SECTOR]:
            where = [r for r in regions if r[0] <= off // SECTOR < r[0] + r[1]]
            return ['host side: sector %d differs from what the guest should have '
                    'written there (%s)' % (off // SECTOR, 'in region %d+%d' % where[0]
                                            if where else 'outside every region')]
    return ['host side: the file differs']


def blktest(name, props='', planted=False, hvsim=False, cmdline=''):
    """One blktest boot on a fresh scratch disk; props are extra
    virtio-blk-pci properties for it.  On the hvsim image the scratch
    disk is the emulated host's, served as SCSI LUN 1: the guest tests
    sdb through storvsc."""
    dev = 'sdb' if hvsim else 'vdb'
    state = {}

    def prepare(build):
        d = os.path.join(build, 'test-scratch')
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, name.replace('/', '_') + '.img')
        with open(path, 'wb') as f:
            f.truncate(SCRATCH_BYTES)
        state['path'] = path
        return {'extra_disks': [(path, props)]}

    def check(b):
        if hvsim:
            p = need(b.serial, 'hvsim: host disk hd0 at ', 'hvsim: host disk hd1 at ',
                     'storvsc: sda: LUN 0, Msft Virtual Disk', 'storvsc: sdb: LUN 1',
                     'blktest: sdb: all checks passed')
            if 'virtio-blk: vd' in b.serial:
                p.append('the guest drove a virtio-blk disk the host owns')
        else:
            p = need(b.serial, 'pci: ', 'virtio-blk: vda at ', 'virtio-blk: vdb at ',
                     'blktest: vdb: all checks passed')
        for bad in ('trap: ', 'panic: ', 'blktest: FAIL'):
            if bad in b.serial:
                p.append('unexpected %r' % bad.strip())
        if b.guest_status != 0:
            p.append('guest status %r, expected 0' % b.guest_status)
        p += host_check(b.serial, state['path'])
        if not p:
            os.remove(state['path'])
        return p

    return Scenario(name, check, prepare=prepare, cmdline=('blktest=%s %s' % (dev, cmdline)).strip(),
                    timeout=240, **({'image': 'dormant-hvsim.img'} if hvsim else {}))


def demo_disk(b):
    """The boot disk and its partitions found (GPT), listed by the demo's
    `disk`, and `disk test` verifying a scratch area of the hibernation
    partition through the application API."""
    p = need(b.serial, 'gpt: vda1: 64 MiB at sector 2048, type ESP',
             'gpt: vda2: 576 MiB at sector 133120, type hibernate',
             '  vda         642 MiB  virtio-blk',
             '  vda1         64 MiB  partition ESP on vda',
             '  vda2        576 MiB  partition hibernate on vda',
             'disk test: vda2: 8 MiB verified; write ', 'dormant: exit status 0')
    for bad in ('trap: ', 'panic: ', 'mismatch'):
        if bad in b.serial:
            p.append('unexpected %r' % bad)
    return p


def hvsim_storvsc(b):
    """The boot disk and a scratch disk as storvsc LUNs, listed; every
    storvsp fault gives its own clear error while the kernel keeps
    running; a detached LUN goes and comes back on ENUMERATE_BUS; a
    rescinded controller (with a write outstanding) and a controller
    stopped by the timeout come back when the host offers it again."""
    p = need(b.serial, 'storvsc: scsi: protocol 6.2, 1024 KiB per request',
             '  sda         642 MiB  storvsc',
             '  sda2        576 MiB  partition hibernate on sda',
             'medium error: write error (0c/00)',
             'short transfer: 524288 of 1048576 bytes',
             'storvsc: sdb: LUN 1 removed (no longer reported)',
             'controller stopped: rescinded by the host; 1 requests failed',
             'no completion within 3 s',
             'dormant: exit status 0')
    p += need(b.com2, 'LUN 0: hd0, 642 MiB', 'LUN 1: hd1, 8 MiB',
              'controller: protocol 6.2')
    verified = b.serial.count('disk test: sda2: 8 MiB verified')
    if verified != 3:
        p.append('disk test verified %d times, expected 3 (after busy and after each '
                 're-offer)' % verified)
    if b.serial.count('storvsc: sda: LUN 0, Msft Virtual Disk') != 3:
        p.append('sda found %d times, expected 3 (boot and two re-offers)'
                 % b.serial.count('storvsc: sda: LUN 0, Msft Virtual Disk'))
    for bad in ('trap: ', 'panic: ', 'mismatch'):
        if bad in b.serial:
            p.append('unexpected %r' % bad)
    return p


def scratch_disk(mib):
    def prepare(build):
        d = os.path.join(build, 'test-scratch')
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, 'hvsim-scratch-%d.img' % mib)
        with open(path, 'wb') as f:
            f.truncate(mib << 20)
        return {'extra_disks': [path]}
    return prepare


def plant_image(img, damage=False):
    """A well-formed hibernation image of another build (a fuzz seed made
    by tests/fuzz/mkimgseed.c, without its flags byte) at the start of the
    hibernation partition, sector 133120 of the built image; damage flips
    one byte of its header area."""
    seed = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fuzz', 'corpus',
                        'image_reader', 'mixed')
    with open(seed, 'rb') as f:
        image = bytearray(f.read()[1:])
    if damage:
        image[300] ^= 1
    with open(img, 'r+b') as f:
        f.seek(133120 * SECTOR)
        f.write(image)


def refuses_image(b):
    """An image of another build is refused at boot and kept, with what
    to do; `disk test` then leaves the partition alone."""
    p = need(b.serial, 'resume: refused: another kernel build (vda2)',
             'resume: vda2: image kept; boot the kernel that wrote it',
             'disk test: refused: vda2 holds a hibernation image; resume it first',
             'dormant: exit status 0')
    if 'MiB verified' in b.serial:
        p.append('disk test wrote over a hibernation image')
    return p


def invalidates_damaged_image(b):
    """A damaged image is refused at boot and invalidated: `disk test`
    may then use the partition."""
    p = need(b.serial, 'resume: refused: header checksum (vda2)',
             'resume: vda2: image invalidated', 'disk test: vda2: 8 MiB verified',
             'dormant: exit status 0')
    if 'holds a hibernation image' in b.serial:
        p.append('the invalidated image still counted')
    return p


VERIFIED = 'MiB verified'
FAILED = 'disk test: sda2: '

ALL = [
    Scenario('disk/resume-keeps-another-builds-image', refuses_image,
             cmdline='test -- --run-for 60', timeout=120,
             prepare=lambda build: {'patch': plant_image},
             inputs=[('demo running', 'disk test\r'), ('disk test: ', 'exit 0\r')]),
    Scenario('disk/resume-invalidates-a-damaged-image', invalidates_damaged_image,
             cmdline='test -- --run-for 60', timeout=120,
             prepare=lambda build: {'patch': lambda img: plant_image(img, damage=True)},
             inputs=[('demo running', 'disk test\r'), ('disk test: ', 'exit 0\r')]),
    Scenario('disk/hvsim-storvsc-faults', hvsim_storvsc, image='dormant-hvsim.img', com2=True,
             prepare=scratch_disk(8), cmdline='test iotimeout=3 -- --run-for 150', timeout=200,
             steps=[('wait', 'demo running'), ('type', 'disk\r'), ('wait', 'hibernate on sda'),
                    ('admin', 'disks\r'), ('wait2', 'controller: '),
                    ('admin', 'fault srb-error\r'), ('wait2', 'srb-error injected'),
                    ('type', 'disk test\r'), ('wait', 'medium error'), ('wait', FAILED),
                    ('admin', 'fault short-transfer\r'), ('wait2', 'short-transfer injected'),
                    ('type', 'disk test\r'), ('wait', 'short transfer'), ('wait', FAILED),
                    ('admin', 'fault busy\r'), ('wait2', 'busy injected'),
                    ('type', 'disk test\r'), ('wait', VERIFIED),
                    ('admin', 'detach 1\r'), ('wait', 'sdb: LUN 1 removed'),
                    ('admin', 'attach 1\r'), ('wait', 'storvsc: sdb: LUN 1,'),
                    ('admin', 'fault rescind-with-io\r'), ('wait2', 'rescind-with-io injected'),
                    ('type', 'disk test\r'), ('wait', 'rescinded by the host'), ('wait', FAILED),
                    ('admin', 'offer scsi\r'), ('wait', 'gpt: sda2: 576 MiB'),
                    ('type', 'disk test\r'), ('wait', VERIFIED),
                    ('admin', 'fault no-completion\r'), ('wait2', 'no-completion injected'),
                    ('type', 'disk test\r'), ('wait', 'no completion within'), ('wait', FAILED),
                    ('sleep', 1), ('admin', 'rescind scsi\r'), ('sleep', 1),
                    ('admin', 'offer scsi\r'), ('wait', 'gpt: sda2: 576 MiB'),
                    ('type', 'disk test\r'), ('wait', VERIFIED),
                    ('type', 'exit 0\r')]),
    Scenario('disk/demo-disk-command', demo_disk, cmdline='test -- --run-for 60', timeout=120,
             inputs=[('demo running', 'disk\r'), ('hibernate on vda', 'disk test\r'),
                     ('MiB verified', 'exit 0\r')]),
    blktest('disk/blktest-indirect'),
    # Without indirect descriptors each request is a chain in the ring.
    blktest('disk/blktest-chained', props='indirect_desc=off'),
    # The same checks through storvsc, on the emulated host's storvsp.
    blktest('disk/hvsim-blktest-storvsc', hvsim=True),
    # The oldest host: protocol 4.2, the pre-WIN8 packet and SRB sizes.
    blktest('disk/hvsim-blktest-storvsc-pre-win8', hvsim=True, cmdline='hvsim=older'),
]
