"""campaign.py - the reliability campaign's long runs (issue 11): soak
cycles and power cuts, on plain QEMU (virtio-blk) and on the emulated
Hyper-V host (storvsc, with the host disk's volatile write cache).

`make soak CYCLES=N` and `make powercut RUNS=N` run them at length
(tests/reliability.py); `make test` runs a few of each through the
Scenarios at the end of this file.  Both use hib_scenarios.Run: several
boots of one disk image.
"""
import random
import re
import statistics
import threading
import time

import harness
import hib_scenarios as hs
from hib_scenarios import Run, RUNNING, RESUMED, POWERED_OFF, checks, set_cmdline
from scenarios import Scenario

IMAGES = {'qemu': 'dormant.img', 'hvsim': hs.HVSIM}
PART = {'qemu': 'vda2', 'hvsim': 'sda2'}
CMDLINE = 'test -- --run-for 900'
NEWVM = 'test hvsim=current,newvm -- --run-for 900'
STATE = re.compile(r'check: (\d+ MiB filled, \d+ events logged)')
AFTER_LOADER = re.compile(r'resume: resumed: image of \d+ KiB read in \d+ ms; (\d+) ms after '
                          r'loader entry')
_print_lock = threading.Lock()


def say(out, line):
    with _print_lock:
        out(line)


def state(b):
    """(checksum, 'N MiB filled, N events logged') of each `check`."""
    return list(zip(checks(b), STATE.findall(b.serial)))


def cycle_steps(i, first):
    """What the application does in cycle i before it hibernates: the
    counter, a log line and the fill data all change every cycle."""
    fill = 1 + (i * 7) % 16
    return ([('wait', first)] + hs.mutate(i, 'cycle%d' % i, fill) +
            [('type', 'hibernate\r')])


def soak(build, host, cycles, log, out=print, newvm_every=10):
    """cycles hibernate/resume cycles on one disk: each resume must bring
    back exactly the state of the `check` before its hibernation and
    invalidate the image; on hvsim every newvm_every-th resume is on "a
    new VM" (hvsim=current,newvm: another SCSI instance, other relids).
    Returns (verified, failures, hibernate seconds, resume ms)."""
    run = Run(build, log, image=IMAGES[host], cmdline=CMDLINE)
    verified, failed, hib_s, res_ms = 0, [], [], []
    want, first = None, RUNNING
    i = 1
    while i <= cycles:
        last = i == cycles
        newvm = host == 'hvsim' and newvm_every and i % newvm_every == 0
        problems_before = len(run.problems)
        if want is None:        # a fresh chain: build state and hibernate
            b = run.boot(cycle_steps(i, RUNNING))
            got = state(b)
            if b.rc is None or POWERED_OFF not in b.serial or not got:
                failed.append('cycle %d: the first hibernation did not power off' % i)
                say(out, 'soak: %s cycle %d/%d: FAILED to hibernate' % (host, i, cycles))
                i += 1
                continue
            want = got[-1]
            hib_s.append(b.seconds - [t for t, s in b.events if s[0] == 'type'][-1])
        if newvm:
            set_cmdline(run.disk, NEWVM)
        steps = [('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: ')]
        steps += [('type', 'exit 0\r')] if last else cycle_steps(i + 1, 'MiB filled')
        b = run.boot(steps)
        if newvm:
            set_cmdline(run.disk, CMDLINE)
        got = state(b)
        why = None
        if RESUMED not in b.serial:
            why = 'did not resume'
        elif not got or got[0] != want:
            why = 'state after resume %r, at hibernation %r' % (got[:1], want)
        elif 'resume: %s: image invalidated' % PART[host] not in b.serial:
            why = 'image not invalidated'
        elif newvm and 'new instance' not in b.serial:
            why = 'the new VM\'s controller was not rebound by class'
        elif not last and (b.rc is None or POWERED_OFF not in b.serial):
            why = 'the next hibernation did not power off'
        run.need(b, 'cycle %d' % i)
        if not why and len(run.problems) > problems_before:
            why = run.problems[-1]
        m = AFTER_LOADER.search(b.serial)
        if m:
            res_ms.append(int(m.group(1)))
        note = ' (new VM)' if newvm else ''
        if why:
            failed.append('cycle %d%s: %s' % (i, note, why))
            say(out, 'soak: %s cycle %d/%d%s: FAILED: %s' % (host, i, cycles, note, why))
            want = None         # start a fresh chain
        else:
            verified += 1
            say(out, 'soak: %s cycle %d/%d%s: verified; hibernate %.2f s, resume %s ms after '
                'loader entry' % (host, i, cycles, note, hib_s[-1] if hib_s else 0,
                                  m.group(1) if m else '?'))
            if not last:
                want = got[-1]
                hib_s.append(b.seconds - [t for t, s in b.events if s[0] == 'type'][-1])
        i += 1
    run.finish()
    return verified, failed, hib_s, res_ms


REACHED = re.compile(r'(\d+) writes reached the disks')


def powercut(build, host, runs, log, out=print, seed=None, fill=24, pick_write=None):
    """runs power cuts: a fresh VM builds state, hibernates, and the power
    goes at a random moment between the trigger and the power-off: QEMU
    killed after a delay drawn uniformly over the time from `hibernate` to
    `powering off` that a first, measuring run took on this host.  On hvsim
    every second run cuts at a disk write instead: the host's `cut K`, K
    drawn from the writes that reached its disks in the measuring run, so
    the power goes in the middle of a write back of its volatile cache.
    The next boot must either resume the complete image (its checksum
    equal) or boot fresh; a partial resume, an image header durable
    without its body (refused by its checksums), a crash or a hang is a
    failure.  pick_write(writes) chooses K instead of chance.
    Returns (resumed, fresh, failures)."""
    rnd = random.Random(seed)
    run = Run(build, log, image=IMAGES[host], cmdline=CMDLINE)
    hv = host == 'hvsim'
    resumed, fresh, failed = 0, 0, []
    pre = [('wait', RUNNING)] + hs.mutate(3, 'cut', fill)
    before = [('admin', 'disks\r'), ('wait2', 'writes reached the disks')] if hv else []
    # How long a hibernation takes here, and how many disk writes it makes.
    disk = run.copy('measure')
    b = run.boot(pre + before + [('type', 'hibernate\r'), ('wait', POWERED_OFF)], disk=disk,
                 com2=hv)
    typed = [t for t, s in b.events if s == ('type', 'hibernate\r')]
    # (QEMU may be gone before the harness has looked at the line)
    off = [t for t, s in b.events if s == ('wait', POWERED_OFF)] or \
        ([b.seconds] if POWERED_OFF in b.serial else [])
    if b.rc is None or not typed or not off:
        run.finish()
        return 0, 0, ['the measuring hibernation did not power off']
    span = off[0] - typed[0]
    writes = 0
    if hv:
        r1, r2 = REACHED.findall(b.com2), REACHED.findall(b.serial)
        writes = int(r2[-1]) - int(r1[0]) if r1 and r2 else 0
        if writes < 2:
            run.finish()
            return 0, 0, ['the measuring hibernation wrote %d times to the disks' % writes]
    for n in range(1, runs + 1):
        disk = run.copy('cut')
        if hv and n % 2 == 0:
            k = pick_write(writes) if pick_write else rnd.randint(1, writes)
            where = 'write %d of %d' % (k, writes)
            steps = pre + [('admin', 'cut %d\r' % k), ('wait2', 'power cut armed'),
                           ('type', 'hibernate\r')]
        else:
            delay = rnd.uniform(0, span)
            where = '%.2f of %.2f s' % (delay, span)
            steps = pre + [('type', 'hibernate\r'), ('sleep', delay), ('kill',)]
        b = run.boot(steps, disk=disk, com2=hv)
        c = state(b)
        want = c[-1] if c else None
        # How far it got when the cut came.
        stage = 'before writing'
        for key, name in (('hibernate: writing ', 'writing'), ('hibernate: image written', 'written'),
                          (POWERED_OFF, 'powering off')):
            if key in b.serial:
                stage = name
        if 'hvsim: power cut after write' in b.serial:
            pass
        elif hv and n % 2 == 0:
            stage = 'no cut: powered off first'
        elif not any(s == ('kill',) for _, s in b.events):
            stage = 'after power-off'       # it was off before the cut came
        b2 = run.boot([('wait', 'gpt: %s' % PART[host]), ('sleep', 3), ('type', 'check\r'),
                       ('wait', 'check: '), ('type', 'exit 0\r')], disk=disk)
        got = state(b2)
        why = outcome = None
        if 'resume: resumed: ' in b2.serial:
            if not got or got[0] != want:
                why = 'PARTIAL: resumed state %r, at hibernation %r' % (got[:1], want)
            else:
                resumed += 1
                outcome = 'resumed complete image'
        elif 'resume: refused: ' in b2.serial:
            # Safe (the checksums caught it) but wrong: a header may only
            # become durable after its whole body.
            why = 'TORN: an image header without its body (%s)' % \
                re.search(r'resume: refused: [^\r\n]*', b2.serial).group(0)
        elif RUNNING in b2.serial:
            fresh += 1
            outcome = 'fresh boot'
        else:
            why = 'neither resumed nor booted fresh'
        if not why and b2.guest_status != 0:
            why = 'exit status %r after %s' % (b2.guest_status, outcome)
        for bad in ('trap: ', 'panic: '):
            if not why and bad in b2.serial:
                why = '%r after %s' % (bad.strip(), outcome)
        if why:
            failed.append('run %d (cut at %s, %s): %s' % (n, where, stage, why))
            say(out, 'powercut: %s run %d/%d: cut at %s (%s): FAILED: %s' %
                (host, n, runs, where, stage, why))
        else:
            say(out, 'powercut: %s run %d/%d: cut at %s (%s): %s' %
                (host, n, runs, where, stage, outcome))
    run.finish()
    return resumed, fresh, failed


# ---- short versions for `make test` ----------------------------------------

def short_soak(build, log):
    """Three cycles on the emulated Hyper-V host, the second on a new VM:
    each resume brings back the state of its hibernation (plain QEMU's
    cycles are hib/three-cycles)."""
    v, failed, _, _ = soak(build, 'hvsim', 3, log, out=lambda s: None, newvm_every=2)
    return failed + ([] if v == 3 else ['%d of 3 cycles verified' % v])


def short_powercut(build, log):
    """Two power cuts on each host (storvsc behind a volatile write
    cache on hvsim): never a partial resume, a torn image, a crash or a
    hang.  hvsim's second cut comes just before the last write a
    hibernation makes reaches the disk: in the write back of the final
    flush, where a header written before its body was flushed would be
    on the disk without it."""
    problems = []
    for host in ('qemu', 'hvsim'):
        r, f, failed = powercut(build, host, 2, '%s.%s' % (log, host), out=lambda s: None,
                                seed=11, pick_write=lambda w: w - 1)
        problems += ['%s: %s' % (host, p) for p in failed]
        if r + f + len(failed) != 2:
            problems.append('%s: %d runs ended, 2 expected' % (host, r + f + len(failed)))
    return problems


ALL = [
    Scenario('rel/soak-hvsim-3-cycles-new-vm', custom=short_soak),
    Scenario('rel/powercut-2-runs-each', custom=short_powercut),
]
