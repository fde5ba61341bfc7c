"""fault_scenarios.py - host faults during hibernation on the emulated
Hyper-V host (issue 11): the SCSI controller rescinded with an image
write outstanding, SRB errors and BUSY on image writes, a write never
completed, no UNLOAD_RESPONSE, heartbeats and time samples every 2 ms
while the image is written, and a flood of malformed control messages
while the resumed kernel reconnects.

In each, the demo's acknowledged writes (`journal add`, each record
written and flushed) are read back afterwards (`journal verify`), and a
hibernation that fails leaves the VM running with its state and no image
header (`disk test` refuses a disk that holds one); the next hibernation
then succeeds and resumes with the state of its `check`.
"""
import re

import hib_scenarios as hs
from hib_scenarios import Run, RUNNING, RESUMED, POWERED_OFF, checks, set_cmdline
from scenarios import Scenario

FAILED = 'still running'
NO_HEADER = 'no header was written'


def journal(n):
    return [('type', 'journal add %d\r' % n), ('wait', 'acknowledged\r')]


VERIFY = [('type', 'journal verify\r'), ('wait', 'journal: ')]


def verified(b, n):
    return 'journal: %d of %d acknowledged records verified' % (n, n)


def resume_boot(run, what, want, acked, more=()):
    """The boot after a successful hibernation: the state of the last
    `check` before it, every acknowledged record, a working disk."""
    b = run.boot([('wait', RESUMED), ('type', 'check\r'), ('wait', 'check: ')] + VERIFY +
                 list(more) + [('type', 'disk test\r'), ('wait', 'disk test: '),
                               ('type', 'exit 0\r')])
    run.need(b, what, 'resume: resumed: ', 'vmbus: resumed, 7 devices rebound',
             verified(b, acked), 'disk test: sda2: 8 MiB verified', 'dormant: exit status 0')
    got = checks(b)
    if not got or got[0] != want:
        run.problems.append('%s: checksum after resume %r, at hibernation %r' %
                            (what, got[:1], want))
    return b


def failed_then_kept(run, b, what, n_checks_before):
    """A failed hibernation: the state of the check before it, no header."""
    c = checks(b)
    if len(c) < n_checks_before + 1 or c[n_checks_before] != c[n_checks_before - 1]:
        run.problems.append('%s: state changed by the failed hibernation: %r' % (what, c))
    if 'holds a hibernation image' in b.serial:
        run.problems.append('%s: a header was written after a failed block' % what)


def image_write_errors(build, log):
    """An SRB error (medium error sense) on the 3rd image write: the
    hibernation fails cleanly, the VM runs on with its state and its
    acknowledged records, no header is on the disk (`disk test` would
    refuse it); then BUSY on the 3rd write of the next attempt: the guest
    retries, the image is complete and resumes."""
    run = Run(build, log, image=hs.HVSIM)
    steps = [('wait', RUNNING)] + journal(16) + hs.mutate(5, 'srb', 8) + [
        ('admin', 'fault srb-error 2\r'), ('wait2', 'armed after 2'),
        ('type', 'hibernate\r'), ('wait', FAILED),
        ('type', 'check\r'), ('wait', 'check: ')] + VERIFY + [
        ('type', 'disk test\r'), ('wait', 'disk test: ')] + journal(4) + \
        hs.mutate(6, 'busy', 4) + [
        ('admin', 'fault busy 2\r'), ('wait2', 'armed after 2'), ('type', 'hibernate\r')]
    b = run.boot(steps, com2=True)
    run.need(b, 'SRB error', 'medium error: write error (0c/00)', NO_HEADER,
             'hibernate: the VM keeps running', verified(b, 16),
             'disk test: sda2: 8 MiB verified', 'journal: 20 acknowledged', POWERED_OFF)
    failed_then_kept(run, b, 'SRB error', 1)
    resume_boot(run, 'after BUSY', checks(b)[-1] if checks(b) else None, 20)
    return run.finish()


def no_completion(build, log):
    """A host that never completes an image write: the guest's timeout
    (iotimeout=3) ends it with a clear line, the hibernation fails and the
    VM runs on; the controller, stopped by the timeout, comes back when
    the host offers it again, and the next hibernation resumes."""
    run = Run(build, log, image=hs.HVSIM, cmdline='test iotimeout=3 -- --run-for 300')
    steps = [('wait', RUNNING)] + journal(8) + hs.mutate(5, 'stuck', 8) + [
        ('admin', 'fault no-completion 2\r'), ('wait2', 'armed after 2'),
        ('type', 'hibernate\r'), ('wait', FAILED),
        ('type', 'check\r'), ('wait', 'check: '),
        ('admin', 'rescind scsi\r'), ('sleep', 1),
        ('admin', 'offer scsi\r'), ('wait', 'gpt: sda2: 576 MiB')] + VERIFY + journal(2) + [
        ('type', 'disk test\r'), ('wait', 'disk test: ')] + hs.mutate(6, 'again', 4) + [
        ('type', 'hibernate\r')]
    b = run.boot(steps, com2=True, timeout=240)
    run.need(b, 'no completion', 'no completion within 3 s', NO_HEADER, verified(b, 8),
             'journal: 10 acknowledged', 'disk test: sda2: 8 MiB verified', POWERED_OFF)
    failed_then_kept(run, b, 'no completion', 1)
    resume_boot(run, 'after no completion', checks(b)[-1] if checks(b) else None, 10)
    return run.finish()


def rescind_with_io(build, log):
    """The SCSI controller rescinded with the 3rd image write
    outstanding: the write fails, the hibernation fails and the VM runs
    on; the host offers the controller again, the disk comes back with
    every acknowledged record, and the next hibernation resumes."""
    run = Run(build, log, image=hs.HVSIM)
    steps = [('wait', RUNNING)] + journal(8) + hs.mutate(5, 'rescind', 8) + [
        ('admin', 'fault rescind-with-io 2\r'), ('wait2', 'armed after 2'),
        ('type', 'hibernate\r'), ('wait', FAILED),
        ('type', 'check\r'), ('wait', 'check: '),
        ('admin', 'offer scsi\r'), ('wait', 'gpt: sda2: 576 MiB')] + VERIFY + journal(3) + [
        ('type', 'disk test\r'), ('wait', 'disk test: ')] + hs.mutate(6, 'back', 4) + [
        ('type', 'hibernate\r')]
    b = run.boot(steps, com2=True)
    run.need(b, 'rescind', 'controller stopped: rescinded by the host', NO_HEADER,
             verified(b, 8), 'journal: 11 acknowledged', 'disk test: sda2: 8 MiB verified',
             POWERED_OFF)
    failed_then_kept(run, b, 'rescind', 1)
    resume_boot(run, 'after rescind', checks(b)[-1] if checks(b) else None, 11)
    return run.finish()


def unload_storm_flood(build, log):
    """The host never answers UNLOAD (the guest goes on after its wait),
    sends heartbeats and time samples every 2 ms while the image is
    written, and the resume meets a host (hvsim=current,flood) that sends
    four malformed control messages after each of the guest's first 64:
    the image is complete, the resume rebinds every device, drops each
    bad message with a line, and the state and records are intact."""
    run = Run(build, log, image=hs.HVSIM)
    steps = [('wait', RUNNING)] + journal(8) + hs.mutate(5, 'storm', 16) + [
        ('admin', 'icstorm 2\r'), ('wait2', 'every 2 ms'),
        ('admin', 'fault silent\r'), ('wait2', 'silent injected'),
        ('type', 'hibernate\r')]
    b = run.boot(steps, com2=True)
    run.need(b, 'no UNLOAD_RESPONSE', 'vmbus: unload: no UNLOAD_RESPONSE from the host; going on',
             POWERED_OFF)
    m = re.search(r'hvsim: vmbus host: (\d+) heartbeats answered', b.serial)
    if not m or int(m.group(1)) < 20:
        run.problems.append('icstorm: %s heartbeats answered in the boot that hibernated; '
                            'the storm did not happen' % (m and m.group(1)))
    want = checks(b)[-1] if checks(b) else None
    set_cmdline(run.disk, 'test hvsim=current,flood -- --run-for 300')
    b = resume_boot(run, 'resume with a flood', want, 8,
                    more=[('type', 'date\r'), ('wait', 'unix ')])
    run.need(b, 'flood', 'hvsim: flood: 4 malformed control messages')
    if b.serial.count('vmbus: ') < 64:
        run.problems.append('flood: the bad messages were not reported')
    return run.finish()


ALL = [
    Scenario('fault/hvsim-image-write-srb-error-then-busy', custom=image_write_errors),
    Scenario('fault/hvsim-image-write-never-completed', custom=no_completion),
    Scenario('fault/hvsim-rescind-with-image-write-outstanding', custom=rescind_with_io),
    Scenario('fault/hvsim-no-unload-ic-storm-resume-flood', custom=unload_storm_flood),
]
