"""make_run.py - `make run` boots a disk that persists between runs.

One scenario drives `make run` itself, four times, on a disk of its own
(RUN_IMG) and a variable store of its own (RUN_VARS):
  1. CMDLINE given: it reaches the disk that boots;
  2. CMDLINE omitted: the disk keeps its command line;
  3. the command line edited on the disk with mcopy, and a stale kernel
     file put on it: the edit survives, the kernel is refreshed;
  4. FRESH=1: a new disk from the build (a marker file on the old one is
     gone)."""
import os
import shutil
import subprocess
import tempfile

import harness

EXIT = '-device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot'


def make_run(build, img, vars_fd, cmdline=None, fresh=False, timeout=90):
    args = ['make', '-s', '--no-print-directory', 'run', 'BUILD=' + build,
            'RUN_IMG=' + img, 'RUN_VARS=' + vars_fd, 'QEMU_EXTRA=' + EXIT]
    if cmdline is not None:
        args.append('CMDLINE=' + cmdline)
    if fresh:
        args.append('FRESH=1')
    p = subprocess.run(args, cwd=harness.ROOT, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return p.stdout.decode('latin-1')


def mtools(*args):
    subprocess.run(list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def esp(img):
    return img + harness.ESP_OFFSET


def check(build, log):
    work = tempfile.mkdtemp(prefix='dormant-makerun-')
    img = os.path.join(work, 'run.img')
    vars_fd = os.path.join(work, 'vars.fd')
    out = []
    p = []
    try:
        # 1. A given command line boots.
        o = make_run(build, img, vars_fd, cmdline='test hz=250 -- --run-for 0')
        out.append(o)
        if 'run: new disk' not in o:
            p.append('run 1: no new disk made')
        if 'command line: "test hz=250 -- --run-for 0"' not in o or 'tick 250 Hz' not in o:
            p.append('run 1: CMDLINE did not reach the disk that booted')
        # 2. Omitted: the same command line again, same disk.
        o = make_run(build, img, vars_fd)
        out.append(o)
        if 'run: new disk' in o:
            p.append('run 2: the disk was made anew')
        if 'command line: "test hz=250 -- --run-for 0"' not in o:
            p.append('run 2: the disk lost its command line')
        # 3. An mcopy edit survives; a stale kernel is replaced.
        edit = os.path.join(work, 'cmdline.txt')
        with open(edit, 'w') as f:
            f.write('test hz=500 -- --run-for 0\n')
        mtools('mcopy', '-o', '-i', esp(img), edit, '::/dormant/cmdline.txt')
        mtools('mcopy', '-o', '-i', esp(img), os.path.join(build, 'dormant-hvsim.elf'),
               '::/dormant/kernel.elf')
        mtools('mcopy', '-o', '-i', esp(img), edit, '::/marker.txt')
        o = make_run(build, img, vars_fd)
        out.append(o)
        if 'command line: "test hz=500 -- --run-for 0"' not in o:
            p.append('run 3: the mcopy edit of the command line was lost')
        if 'run: kernel on' not in o or 'hvsim: emulated Hyper-V host' in o:
            p.append('run 3: the stale kernel on the disk was not refreshed')
        # 4. FRESH=1: a new disk (the marker is gone), CMDLINE given.
        o = make_run(build, img, vars_fd, cmdline='test -- --run-for 0', fresh=True)
        out.append(o)
        if 'run: new disk (FRESH=1)' not in o:
            p.append('run 4: FRESH=1 did not make a new disk')
        r = subprocess.run(['mdir', '-i', esp(img), '::/marker.txt'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            p.append('run 4: the old disk survived FRESH=1')
        for i, o in enumerate(out):
            if 'dormant: exit status 0' not in o:
                p.append('run %d: the demo did not exit cleanly' % (i + 1))
    except subprocess.TimeoutExpired:
        p.append('make run timed out')
    except subprocess.CalledProcessError as e:
        p.append('%s failed: no run disk where RUN_IMG says?' % ' '.join(e.cmd[:1]))
    finally:
        with open(log, 'w') as f:
            f.write('\n\n======== next make run ========\n\n'.join(out))
        shutil.rmtree(work, ignore_errors=True)
    return p
