"""hib_scenarios.py - hibernate and resume (issue 10), on disks that live
on between boots.

Each scenario drives several boots of one disk image (harness.boot with
disk=): the demo builds state (count, log, fill), prints its checksum
(`check`), hibernates; the next boot must resume it with the same checksum
and the clocks right, or refuse it with its reason.  Refusal variants boot
sparse copies of one hibernated disk, so one hibernation serves many.
"""
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time

import harness
from scenarios import Scenario

OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd'
OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd'
HVSIM = 'dormant-hvsim.img'
PART = 133120 * 512         # the hibernation partition (scripts/mkimage.sh)
CHECK = re.compile(r'check: ([0-9a-f]{16})\r?\n')
POWERED_OFF = 'hibernate: powering off (ACPI S4)'
RESUMED = 'demo: resumed after sleeping'
RUNNING = 'demo running'
NO_S4 = '-global ICH9-LPC.disable_s4=1'


class Run:
    """The boots of one scenario: a disk, its logs, the problems found."""

    def __init__(self, build, log, image='dormant.img', cmdline='test -- --run-for 300'):
        self.build, self.log = build, log
        self.dir = tempfile.mkdtemp(prefix='dormant-hib-')
        self.disk = harness.make_image(build, self.dir, cmdline, image=image)
        self.problems = []
        self.logs = []
        self.n = 0

    def copy(self, name):
        path = os.path.join(self.dir, name + '.img')
        subprocess.run(['cp', '--sparse=always', self.disk, path], check=True)
        return path

    def boot(self, steps, disk=None, until=None, timeout=150, **kw):
        self.n += 1
        b = harness.boot(self.build, OVMF_CODE, OVMF_VARS, disk=disk or self.disk,
                         serial='pipe', steps=steps, until=until, timeout=timeout, **kw)
        self.logs.append('======== boot %d ========\n%s' % (self.n, b.serial))
        if b.com2:
            self.logs.append('-------- COM2 --------\n' + b.com2)
        return b

    def need(self, b, what, *needles):
        for n in needles:
            if n not in b.serial:
                self.problems.append('%s: missing %r' % (what, n))
        for bad in ('trap: ', 'panic: '):
            if bad in b.serial:
                self.problems.append('%s: unexpected %r' % (what, bad.strip()))

    def finish(self):
        with open(self.log, 'w') as f:
            f.write('\n'.join(self.logs))
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.problems


def checks(b):
    return CHECK.findall(b.serial)


def mutate(count, text, fill):
    return [('type', 'count %d\r' % count), ('type', 'log %s\r' % text),
            ('type', 'show\r'), ('wait', 'note: %s' % text),
            ('type', 'fill %d\r' % fill), ('wait', 'fill: %d MiB done' % fill),
            ('type', 'check\r'), ('wait', 'check: ')]


def hibernate_boot(run, first, count=41, text='hello', fill=16, what='hibernate', **kw):
    """A boot that builds state and hibernates; returns (boot, checksum)."""
    steps = [('wait', first)] + mutate(count, text, fill) + [('type', 'hibernate\r')]
    b = run.boot(steps, **kw)
    run.need(b, what, POWERED_OFF)
    if b.rc is None:
        run.problems.append('%s: QEMU did not power off' % what)
    c = checks(b)
    return b, (c[-1] if c else None)


def uptime_of_log(b, text):
    m = re.search(r'\[\s*(\d+)\.(\d{3})\] note: %s' % re.escape(text), b.serial)
    return int(m.group(1)) + int(m.group(2)) / 1000 if m else None


def three_cycles(build, log):
    """Three hibernate/resume cycles in a row on plain QEMU: the state
    (fill data and event log) comes back with its checksum each time, the
    counter where it was, the monotonic clock continuing from the instant
    (the seconds the VM was off are not in it) and the wall clock current;
    the image is invalidated after each resume."""
    run = Run(build, log)
    b, want = hibernate_boot(run, RUNNING, what='boot 1')
    before = uptime_of_log(b, 'hello')
    for cycle, (count, text, fill) in enumerate([(5, 'two', 8), (7, 'three', 24), (None, None, None)], 2):
        time.sleep(2)       # off for a while: the monotonic clock must not see it
        steps = [('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: '),
                 ('type', 'log after%d\r' % cycle), ('wait', 'logged'),
                 ('type', 'show\r'), ('wait', 'note: after%d' % cycle),
                 ('type', 'date\r'), ('wait', 'unix ')]
        if count is None:
            steps += [('type', 'exit 0\r')]
        else:
            steps += mutate(count, text, fill) + [('type', 'hibernate\r')]
        host_now = time.time()
        b = run.boot(steps)
        what = 'boot %d' % cycle
        run.need(b, what, 'resume: vda2: image invalidated', 'resume: resumed: image of ')
        got = checks(b)
        if not got or got[0] != want:
            run.problems.append('%s: checksum after resume %r, at hibernation %r' %
                                (what, got[:1], want))
        after = uptime_of_log(b, 'after%d' % cycle)
        if before is None or after is None or not before <= after <= before + 4:
            run.problems.append('%s: monotonic clock went from %r to %r across the resume '
                                '(must continue, without the time off)' % (what, before, after))
        m = re.search(r'UTC \(unix (\d+)\)', b.serial)
        if not m:
            run.problems.append('%s: no date after the resume' % what)
        elif abs(int(m.group(1)) - host_now) > 30:
            run.problems.append('%s: wall clock %s s off the host\'s' %
                                (what, int(m.group(1)) - host_now))
        if count is None:
            if b.guest_status != 0:
                run.problems.append('%s: exit status %r' % (what, b.guest_status))
        else:
            run.need(b, what, POWERED_OFF)
            c = checks(b)
            want = c[-1] if c else None
            before = uptime_of_log(b, text)
    return run.finish()


def large_state(build, log):
    """fill 300 at 512 MiB: the state is more than half of RAM, so the
    image cannot be a copy in memory; it resumes with its checksum, and
    the pages changed while it was written (the tick, the writer) did not
    tear it."""
    run = Run(build, log)
    b, want = hibernate_boot(run, RUNNING, fill=300, what='hibernate')
    m = re.search(r'(\d+) pages changed meanwhile', b.serial)
    if not m or int(m.group(1)) == 0:
        run.problems.append('no page changed after the instant: the copy-on-write was not '
                            'exercised')
    b = run.boot([('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: '),
                  ('type', 'exit 0\r')], timeout=200)
    run.need(b, 'resume', 'resume: resumed: image of ')
    got = checks(b)
    if not got or got[0] != want:
        run.problems.append('checksum after resume %r, at hibernation %r' % (got[:1], want))
    return run.finish()


def records(disk):
    """(offset, type, len) of the image's records, from its header."""
    with open(disk, 'rb') as f:
        f.seek(PART)
        h = f.read(4096)
        total = struct.unpack_from('<Q', h, 208)[0]
        out, off = [], 4096
        while off + 32 <= total:
            f.seek(PART + off)
            typ, seq, ln = struct.unpack('<III', f.read(12))
            if typ not in (0x50414d50, 0x345a4c42, 0x57415242):
                break
            out.append((off, typ, ln))
            off += (32 + ln + 7) & ~7
    return out


def flip(disk, off):
    with open(disk, 'r+b') as f:
        f.seek(PART + off)
        b = f.read(1)
        f.seek(PART + off)
        f.write(bytes([b[0] ^ 0x40]))


def refused(run, disk, what, reason, kept, **kw):
    b = run.boot([('wait', RUNNING), ('type', 'check\r'), ('wait', 'check: '),
                  ('type', 'exit 0\r')], disk=disk, **kw)
    run.need(b, what, 'resume: refused: %s (vda2)' % reason,
             'resume: vda2: image kept' if kept else 'resume: vda2: image invalidated')
    if 'resume: resumed' in b.serial:
        run.problems.append('%s: resumed a refused image' % what)
    return b


def corrupt_images(build, log):
    """A corrupted last block, a corrupted page map and a truncated body:
    each refused with its reason, invalidated, and the VM boots fresh."""
    run = Run(build, log)
    hibernate_boot(run, RUNNING, fill=8)
    recs = records(run.disk)
    blocks = [r for r in recs if r[1] != 0x50414d50]
    if not recs or not blocks:
        run.problems.append('no records found in the image')
        return run.finish()
    last = run.copy('last-block')
    flip(last, blocks[-1][0] + 32 + blocks[-1][2] // 2)
    refused(run, last, 'last block', 'block checksum', kept=False)
    pmap = run.copy('page-map')
    flip(pmap, recs[0][0] + 32 + 5)
    refused(run, pmap, 'page map', 'page map checksum', kept=False)
    cut = run.copy('truncated')
    with open(cut, 'r+b') as f:     # the second half of the body never made it
        f.seek(PART + recs[len(recs) // 2][0])
        f.write(bytes(blocks[-1][0] - recs[len(recs) // 2][0] + 4096))
    b = run.boot([('wait', RUNNING), ('type', 'exit 0\r')], disk=cut)
    run.need(b, 'truncated', 'resume: refused: ', 'resume: vda2: image invalidated')
    return run.finish()


def machine_mismatch(build, log):
    """An image meets another machine: a different -m and a CPU without a
    feature the kernel relies on (NX) are refused and the image kept, with
    what to change; the right machine then resumes it; a CPU that differs
    only in its model resumes with a note."""
    run = Run(build, log)
    _, want = hibernate_boot(run, RUNNING, fill=4)
    refused(run, run.disk, '-m 640M', 'memory size differs', kept=True, mem='640M')
    refused(run, run.disk, '-cpu without NX', 'CPU features missing', kept=True,
            extra=('-cpu', 'qemu64,-nx'))
    b = run.boot([('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: '),
                  ('type', 'exit 0\r')], extra=('-cpu', 'qemu64,model=2'))
    run.need(b, 'other CPU model', 'resume: note: CPU model differs', 'resume: resumed: ')
    got = checks(b)
    if not got or got[0] != want:
        run.problems.append('checksum after resume %r, at hibernation %r' % (got[:1], want))
    return run.finish()


def write_outside_the_plan(build, log):
    """crash=resume-plan makes pass 2 send its first staged page to a frame
    the resuming kernel uses: the restore stops that write (resume:
    refused: write outside the plan at frame 0x...), keeps the image and
    boots fresh, its memory intact; the next boot, without the fault,
    resumes the same image with its checksum."""
    run = Run(build, log)
    _, want = hibernate_boot(run, RUNNING, fill=4)
    set_cmdline(run.disk, 'test crash=resume-plan -- --run-for 300')
    b = run.boot([('wait', RUNNING), ('type', 'check\r'), ('wait', 'check: '),
                  ('type', 'exit 0\r')])
    run.need(b, 'fault', 'resume: the frame check stopped a write to frame 0x',
             'resume: vda2: image kept')
    stopped = re.search(r'stopped a write to frame (0x[0-9a-f]+)', b.serial)
    refused_at = re.search(r'resume: refused: write outside the plan at frame (0x[0-9a-f]+) '
                           r'\(vda2\)', b.serial)
    if not stopped or not refused_at or stopped.group(1) != refused_at.group(1):
        run.problems.append('fault: no refusal naming the frame stopped')
    if 'resume: resumed' in b.serial or b.guest_status != 0:
        run.problems.append('fault: resumed, or the fresh boot failed (exit %r)' % b.guest_status)
    set_cmdline(run.disk, 'test -- --run-for 300')
    b = run.boot([('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: '),
                  ('type', 'exit 0\r')])
    run.need(b, 'kept image', 'resume: resumed: image of ')
    got = checks(b)
    if not got or got[0] != want:
        run.problems.append('checksum after resume %r, at hibernation %r' % (got[:1], want))
    return run.finish()


def refusals_before_writing(build, log):
    """No ACPI S4, and an image that might not fit: hibernation is refused
    before anything is written and the VM keeps running (its state
    intact); the next boot finds nothing to resume."""
    run = Run(build, log)
    b = run.boot([('wait', RUNNING)] + mutate(1, 'x', 4) +
                 [('type', 'hibernate\r'), ('wait', 'hibernate: failed: '),
                  ('type', 'check\r'), ('wait', 'check: '), ('type', 'exit 0\r')],
                 extra=tuple(NO_S4.split()))
    run.need(b, 'no S4', 'hibernate: refused: ACPI S4 is not offered by this VM',
             'hibernate: failed: this VM cannot hibernate; still running')
    c = checks(b)
    if len(c) != 2 or c[0] != c[1]:
        run.problems.append('no S4: state changed by the refusal: %r' % c)
    # 768 MiB of RAM, 700 of them filled, and a 576 MiB partition.
    b = run.boot([('wait', RUNNING), ('type', 'fill 700\r'), ('wait', 'fill: 700 MiB done'),
                  ('type', 'hibernate\r'), ('wait', 'hibernate: failed: '),
                  ('type', 'exit 0\r')], mem='768M', timeout=200)
    run.need(b, 'too big', 'hibernate: refused: the image could take',
             'hibernate: failed: the image would not fit the hibernation partition')
    b = run.boot([('wait', RUNNING), ('type', 'exit 0\r')])
    if 'resume: ' in b.serial:
        run.problems.append('a refused hibernation left something to resume')
    return run.finish()


def killed_during_write(build, log):
    """QEMU killed while the image is written (right at the start, at some
    percent, at the last progress line before the header): the next boot
    never resumes a partial image and boots fresh."""
    run = Run(build, log)
    for at in ('hibernate: writing ', '%), ', '(100 %)'):
        disk = run.copy('kill')
        steps = [('wait', RUNNING), ('type', 'fill 48\r'), ('wait', 'fill: 48 MiB done'),
                 ('type', 'hibernate\r')]
        b = run.boot(steps, disk=disk, until=at)
        if at not in b.serial:
            run.problems.append('never reached %r' % at)
            continue
        # (a resumed kernel prints no boot line: wait for what both print)
        b = run.boot([('wait', 'gpt: vda2'), ('sleep', 3), ('type', 'exit 0\r')], disk=disk)
        fresh = RUNNING in b.serial and 'resume: resumed' not in b.serial
        # After the last progress line the header may already be on the
        # disk: then the whole image resumes, which is right too.
        whole = at == '(100 %)' and 'resume: resumed: image of ' in b.serial
        if not (fresh or whole) or b.guest_status != 0:
            run.problems.append('killed at %r: neither a fresh boot nor a whole image '
                                'resumed (exit %r)' % (at, b.guest_status))
        run.need(b, 'after a kill at %r' % at)
    return run.finish()


def power_button(build, log):
    """powerbutton=hibernate: QEMU's system_powerdown (the ACPI power
    button) hibernates the demo while it computes without calling the
    kernel (`spin 8`): the request is taken from the tick, and the resumed
    demo finishes its computation and has its state."""
    run = Run(build, log, cmdline='test powerbutton=hibernate -- --run-for 300')
    steps = [('wait', RUNNING)] + mutate(3, 'button', 4) + [
        ('type', 'spin 8\r'), ('wait', 'spin 8'), ('sleep', 2),
        ('monitor', 'system_powerdown')]
    b = run.boot(steps, monitor=True)
    run.need(b, 'power button', 'powerbutton: hibernates (powerbutton=hibernate)',
             'powerbutton: pressed: hibernating', 'hibernate: the power button asked',
             POWERED_OFF)
    # The press must be taken while the spin runs (8 s from its start),
    # not when it is over and the demo calls the kernel again.
    began = re.search(r'\[up\s+([\d.]+) s\][^\n]*> spin 8', b.serial)
    asked = re.search(r'hibernate: the power button asked at ([\d.]+) s', b.serial)
    if not began or not asked or float(asked.group(1)) - float(began.group(1)) > 6:
        run.problems.append('the power button was taken at %s s, the spin began at %s s: not '
                            'from the tick while the application computed' %
                            (asked and asked.group(1), began and began.group(1)))
    c = checks(b)
    b = run.boot([('wait', RESUMED), ('wait', 'spin: 8 s done'), ('type', 'check\r'),
                  ('wait', 'check: '), ('type', 'exit 0\r')])
    got = checks(b)
    if not c or not got or got[0] != c[-1]:
        run.problems.append('checksum after resume %r, at hibernation %r' % (got[:1], c[-1:]))
    return run.finish()


def set_cmdline(disk, cmdline):
    path = disk + '.cmdline'
    with open(path, 'w') as f:
        f.write(cmdline + '\n')
    subprocess.run(['mcopy', '-o', '-i', disk + harness.ESP_OFFSET, path,
                    '::/dormant/cmdline.txt'], check=True)


def hvsim_cycles(build, log):
    """On the emulated Hyper-V host, through storvsc: the host's Shutdown
    service asks for hibernation (`shutdown hibernate` on COM2), the guest
    accepts, writes its image and powers off; the next boot meets a fresh
    host and resumes, every VMBus device rebound; then `hibernate` again
    and a resume on "a new VM" (another SCSI instance GUID, other relids):
    the controller is matched by class and the state comes back."""
    run = Run(build, log, image=HVSIM)
    steps = [('wait', RUNNING)] + mutate(41, 'hello', 16) + [
        ('admin', 'shutdown hibernate\r')]
    b = run.boot(steps, com2=True)
    run.need(b, 'shutdown service', 'hibernate: shutdown service asked', POWERED_OFF,
             'vmbus: suspended, 7 devices closed')
    if b.rc is None:
        run.problems.append('shutdown service: QEMU did not power off')
    c = checks(b)
    want = c[-1] if c else None
    steps = [('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: ')] + \
        mutate(2, 'again', 8) + [('type', 'hibernate\r')]
    b = run.boot(steps)
    run.need(b, 'resume on hvsim', 'vmbus: resumed, 7 devices rebound',
             'resume: sda2: image invalidated', POWERED_OFF)
    got = checks(b)
    if not got or got[0] != want:
        run.problems.append('hvsim: checksum after resume %r, at hibernation %r' %
                            (got[:1], want))
    want = got[-1] if got else None
    set_cmdline(run.disk, 'test hvsim=current,newvm -- --run-for 300')
    b = run.boot([('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: '),
                  ('type', 'disk test\r'), ('wait', 'disk test: '), ('type', 'exit 0\r')])
    run.need(b, 'new VM', 'vmbus: resumed, 7 devices rebound', 'vmbus: scsi rebound',
             'new instance', 'resume: sda2: image invalidated', 'MiB verified')
    got = checks(b)
    if not got or got[0] != want:
        run.problems.append('new VM: checksum after resume %r, at hibernation %r' %
                            (got[:1], want))
    return run.finish()


ALL = [
    Scenario('hib/hvsim-shutdown-service-and-new-vm', custom=hvsim_cycles),
    Scenario('hib/power-button', custom=power_button),
    Scenario('hib/three-cycles', custom=three_cycles),
    Scenario('hib/state-larger-than-half-of-ram', custom=large_state),
    Scenario('hib/corrupt-images-refused', custom=corrupt_images),
    Scenario('hib/other-machine', custom=machine_mismatch),
    Scenario('hib/write-outside-the-plan-refused', custom=write_outside_the_plan),
    Scenario('hib/refused-before-writing', custom=refusals_before_writing),
    Scenario('hib/killed-during-write', custom=killed_during_write),
]
