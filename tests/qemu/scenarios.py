"""scenarios.py - the QEMU boot scenarios of `make test`.

Each scenario boots the built image with its own command line and QEMU
options and checks what the guest printed on COM1 and the status it left
QEMU with (isa-debug-exit: a failing guest exits with (status << 1) | 1;
an ACPI power-off exits 0)."""
import os
import re
import struct

import make_run

TRAP_STATUS = 0x7e    # kernel/trap.c: fatal exception under test mode
PANIC_STATUS = 0x7f   # kernel/panic.c


class Scenario:
    """A boot with its check; or, with custom=fn(build, log) -> problems,
    a test that drives QEMU its own way."""

    def __init__(self, name, check=None, prepare=None, custom=None, **boot):
        self.name = name
        self.check_fn = check
        self.prepare = prepare
        self.custom = custom
        self.boot = boot

    def check(self, b):
        return self.check_fn(b)


def need(text, *needles):
    return ['missing %r' % n for n in needles if n not in text]


def clean_boot(b, status=0):
    p = need(b.serial, 'boot: ready in ')
    for bad in ('trap: ', 'panic: '):
        if bad in b.serial:
            p.append('unexpected %r' % bad.strip())
    if b.guest_status != status:
        p.append('guest status %r, expected %r' % (b.guest_status, status))
    return p


def usable_mib(b):
    m = re.search(r'mem: (\d+) MiB usable', b.serial)
    return int(m.group(1)) if m else None


def memory(lo, hi):
    def check(b):
        p = clean_boot(b) + need(b.serial, 'demo: ran for 1 s', 'S5 yes',
                                  'hv: not running on Hyper-V (TCGTCGTCGTCG)',
                                  'tick 100 Hz (lapic timer)')
        mib = usable_mib(b)
        if mib is None or not lo <= mib <= hi:
            p.append('usable memory %r MiB not in [%d, %d]' % (mib, lo, hi))
        return p
    return check


def smp2(b):
    return clean_boot(b) + need(b.serial, '2 CPUs (BSP only)', 'demo: ran for 1 s')


def ktap(b):
    """KTAP version 1: a plan 1..N and exactly N 'ok' lines, none 'not ok'."""
    p = clean_boot(b) + need(b.serial, 'KTAP version 1')
    lines = [l.strip() for l in b.serial.splitlines()]
    plan = [l for l in lines if re.fullmatch(r'1\.\.\d+', l)]
    oks = [l for l in lines if re.match(r'ok \d+ ', l)]
    bad = [l for l in lines if l.startswith('not ok')]
    if not plan:
        return p + ['no KTAP plan']
    n = int(plan[0][3:])
    if n < 10 or len(oks) != n or bad:
        p.append('plan %d, %d ok, failed: %s' % (n, len(oks), bad))
    return p


def s4_disabled(b):
    return clean_boot(b) + need(b.serial, 'S4 no', 'S5 yes')


def s4_enabled(b):
    return clean_boot(b) + need(b.serial, 'S4 yes', 'S5 yes')


def loader_error(*why):
    def check(b):
        p = need(b.serial, 'dormant loader: error: ', 'returning to firmware', *why)
        if 'dormant 0.' in b.serial:
            p.append('the kernel started')
        return p
    return check


def loadable_end(data):
    """End of the last PT_LOAD's file data (ELF-64 program headers)."""
    phoff, = struct.unpack_from('<Q', data, 32)
    phentsize, phnum = struct.unpack_from('<HH', data, 54)
    end = 0
    for i in range(phnum):
        ptype, _, off, _, _, filesz = struct.unpack_from('<IIQQQQ', data, phoff + i * phentsize)
        if ptype == 1:
            end = max(end, off + filesz)
    return end


def truncated_kernel(build):
    """The kernel cut in the middle of its loadable data (debug sections
    follow it, so cutting a fraction of the file would miss it)."""
    src = os.path.join(build, 'dormant.elf')
    dst = os.path.join(build, 'test-data', 'truncated.elf')
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    data = open(src, 'rb').read()
    with open(dst, 'wb') as f:
        f.write(data[:loadable_end(data) // 2])
    return {'kernel': dst}


def corrupt_kernel(build):
    """The kernel with one byte flipped in the middle of its loadable data
    (past the ELF and program headers): only the checksum can tell."""
    src = os.path.join(build, 'dormant.elf')
    dst = os.path.join(build, 'test-data', 'corrupt.elf')
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    data = bytearray(open(src, 'rb').read())
    data[loadable_end(data) // 2] ^= 0x10
    with open(dst, 'wb') as f:
        f.write(data)
    return {'kernel': dst}


def fatal(status, *needles):
    def check(b):
        p = need(b.serial, *needles)
        if 'backtrace:' not in b.serial:
            p.append('no backtrace')
        if b.guest_status != status:
            p.append('guest status %r, expected %r' % (b.guest_status, status))
        return p
    return check


def console(b):
    return clean_boot(b) + need(b.serial, 'counter is now', 'note: hello there',
                                'events logged', 'unknown command \'frob\'')


def app_status(b):
    return need(b.serial, "demo: unknown argument '--bogus'") + \
        ([] if b.guest_status == 2 else ['guest status %r, expected 2' % b.guest_status])


def unknown_option(b):
    return clean_boot(b) + need(b.serial, "cmdline: unknown option 'frobnicate' ignored")


BAD_OPTIONS = 'test hz=50x stack=12Q test=1 crash ' + 'nofb ' * 225 + 'end'


def bad_kernel_options(b):
    """Each rejected option with its own reason; the command line past 1023
    characters reported (the rest of it is lost, so the demo runs on); its
    echo whole on its line, not glued to the next message."""
    n = len(BAD_OPTIONS)
    p = need(b.serial, 'demo: dormant demo running')
    if 'trap: ' in b.serial or 'panic: ' in b.serial:
        p.append('trap or panic')
    p += need(
        b.serial,
        'time: hz=50x is not a number; usage: hz=N with N a whole number from 10 to 10000; '
        'using 100',
        'appstack: stack=12Q is not a size',
        "cmdline: option 'test=1' ignored: a flag takes no value",
        "cmdline: option 'crash' ignored: needs a value (NAME=VALUE)",
        'cmdline: the command line has %d characters; only the first 1023 were read' % n,
        'dormant loader: command line has %d characters; only the first 1023 are used' % n,
        'tick 100 Hz')
    m = re.search(r'command line: "([^"\n]*)"\r?\n', b.serial)
    if not m or len(m.group(1)) != 1023:
        p.append('command line echo not whole on one line: %r' %
                 (m.group(1)[-40:] if m else None))
    return p


def hz_out_of_range(b):
    return clean_boot(b) + need(b.serial, 'time: hz=10001 is out of range', 'tick 100 Hz')


def hz_valid(b):
    return clean_boot(b) + need(b.serial, 'tick 250 Hz')


def stack_overflow(kib):
    def check(b):
        return fatal(TRAP_STATUS, 'appstack: %d KiB at' % kib,
                     'trap: #PF page fault (vector 14)',
                     'trap: stack overflow: the application\'s stack of %d KiB is exhausted' % kib,
                     'crash_recurse')(b)
    return check


KSTACK_GUARDS = 'kstack: guard pages below the main stack (64 KiB) and the #DF, NMI, #MC, irq ' \
    'and #PF stacks (16 KiB each)'


def kernel_stack_overflow(name, kib):
    """A kernel stack (kernel/kstack.c) run out: one line naming it, from
    the #PF in its guard page, and a fatal trap (no triple fault, which
    would reset the VM instead)."""
    def check(b):
        return fatal(TRAP_STATUS, KSTACK_GUARDS, 'trap: #PF page fault (vector 14)',
                     'trap: stack overflow: kernel stack \'%s\' (%d KiB) exhausted' % (name, kib),
                     'crash_recurse')(b)
    return check


def no_gp(b):
    return ['the guest did something Hyper-V would #GP'] if 'hvsim: #GP' in b.serial else []


def hvsim_ktap(*needles):
    def check(b):
        return ktap(b) + need(b.serial, *needles) + no_gp(b)
    return check


def hvsim_crash(b):
    return need(b.serial, 'panic: deliberate panic',
                'hvsim: guest crash reported: P0=0x646f726d',
                'message "deliberate panic requested on the command line (crash=panic)"') + \
        ([] if b.guest_status == PANIC_STATUS else ['guest status %r' % b.guest_status])


def hvsim_demo(b):
    return clean_boot(b) + no_gp(b) + need(
        b.serial, 'demo: ran for 2 s',
        'hvsim: at power-off: no overlay page, SynIC off, SINTs masked, timers off, guest id clear')


def hvsim_small(b):
    """128 MiB holds the host's 16 MiB at 64 MiB and the 16 MiB it holds
    back for hot-add at 48 MiB; the guest's usable figure leaves both out
    (boot/mem-128M sees at least 100 MiB)."""
    p = hvsim_ktap('hvsim: host memory 0x4000000-0x5000000, outside the guest\'s RAM',
                   'ok 20 hvsim_host_memory', 'ok 21 hv_teardown')(b)
    mib = usable_mib(b)
    if mib is None or not 68 <= mib <= 96:
        p.append('usable memory %r MiB not in [68, 96]' % mib)
    return p


RUN1 = 'test -- --run-for 1'
HVSIM = 'dormant-hvsim.img'

ALL = [
    Scenario('boot/mem-128M', memory(100, 128), cmdline=RUN1, mem='128M'),
    Scenario('boot/mem-512M', memory(480, 512), cmdline=RUN1, mem='512M'),
    Scenario('boot/mem-4G', memory(3968, 4096), cmdline=RUN1, mem='4G', timeout=120),
    Scenario('boot/smp2', smp2, cmdline=RUN1, smp=2),
    Scenario('selftest/ktap', ktap, cmdline='selftest'),
    Scenario('acpi/s4-enabled', s4_enabled, cmdline=RUN1),
    Scenario('acpi/s4-disabled', s4_disabled, cmdline=RUN1,
             extra=['-global', 'ICH9-LPC.disable_s4=1']),
    Scenario('loader/no-kernel', loader_error('kernel file not found'), kernel='-',
             until='returning to firmware'),
    Scenario('loader/truncated-kernel', loader_error('truncated'),
             prepare=truncated_kernel, until='returning to firmware'),
    Scenario('loader/corrupt-kernel', loader_error('kernel checksum mismatch: XXH64 of the '
                                                   'loaded contents is'),
             prepare=corrupt_kernel, until='returning to firmware'),
    # 48 MiB is too little when OVMF boots from IDE (the loader's measured
    # threshold); from virtio-blk OVMF leaves enough for the kernel to start.
    Scenario('loader/too-little-memory', loader_error('not enough memory'), mem='48M',
             until='returning to firmware', disk_bus='ide'),
    Scenario('trap/page-fault', fatal(TRAP_STATUS, 'trap: #PF page fault (vector 14)',
                                      'cr2 0000000000000000', 'crash_pf+0x',
                                      'deliberate_crash', 'kmain+0x'),
             cmdline='test crash=pf'),
    Scenario('trap/invalid-opcode', fatal(TRAP_STATUS, 'trap: #UD invalid opcode (vector 6)',
                                          'crash_ud+0x', 'kmain+0x'),
             cmdline='test crash=ud'),
    Scenario('trap/panic', fatal(PANIC_STATUS, 'panic: deliberate panic', 'crash_panic+0x'),
             cmdline='test crash=panic'),
    Scenario('trap/stack-overflow', stack_overflow(1024), cmdline='test crash=stack'),
    # The stack protector: a frame written past its buffer panics on return.
    Scenario('trap/stack-protector', fatal(PANIC_STATUS, 'crash: wrote 64 bytes into a 16-byte buffer',
                                           'panic: stack protector: a function\'s stack frame was overwritten',
                                           'crash_smash_frame+0x'),
             cmdline='test crash=smash'),
    Scenario('trap/stack-overflow-4M', stack_overflow(4096), cmdline='test stack=4M crash=stack'),
    Scenario('trap/kernel-stack-overflow', kernel_stack_overflow('main', 64),
             cmdline='test crash=kstack'),
    Scenario('trap/irq-stack-overflow', kernel_stack_overflow('irq', 16),
             cmdline='test crash=irqstack'),
    # The #PF stack itself: the fault in its guard page re-enters it from the top.
    Scenario('trap/pf-stack-overflow', kernel_stack_overflow('#PF', 16),
             cmdline='test crash=pfstack'),
    Scenario('make/run-keeps-its-disk', custom=make_run.check),
    Scenario('app/console-commands', console, cmdline='test -- --run-for 4',
             inputs=[('demo running', 'count 5\r'), ('counter is now', 'log hello there\r'),
                     ('logged', 'frob\r'), ('unknown command', 'show\r')]),
    Scenario('app/exit-status', app_status, cmdline='test -- --bogus'),
    Scenario('cmdline/unknown-option', unknown_option,
             cmdline='test frobnicate -- --run-for 0'),
    Scenario('cmdline/bad-options', bad_kernel_options, cmdline=BAD_OPTIONS,
             until='demo: dormant demo running'),
    Scenario('cmdline/hz-range', hz_out_of_range, cmdline='test hz=10001 -- --run-for 0'),
    Scenario('cmdline/hz-valid', hz_valid, cmdline='test hz=250 -- --run-for 0'),
    Scenario('hvsim/current-host', hvsim_ktap(
        'hvsim: emulated Hyper-V host, profile current',
        'hv: Microsoft Hv 10.0 build 26100',
        'SynIC on (SINT2 vector', 'clock tsc page, frequencies from MSRs, crash MSRs on',
        '(from hyper-v), clock hyper-v tsc page, tick 100 Hz (hyper-v stimer0, direct)',
        'ok 21 hv_teardown'),
        cmdline='selftest', image=HVSIM),
    Scenario('hvsim/old-host', hvsim_ktap(
        'hvsim: emulated Hyper-V host, profile old',
        'hv: Microsoft Hv 6.3 build 9600', ', AutoEOI)',
        'clock TIME_REF_COUNT, frequencies calibrated',
        '(from hyper-v TIME_REF_COUNT), clock hyper-v TIME_REF_COUNT, '
        'tick 100 Hz (hyper-v stimer0, message)'),
        cmdline='selftest hvsim=old', image=HVSIM),
    Scenario('hvsim/mem-128M', hvsim_small, cmdline='selftest', image=HVSIM, mem='128M'),
    Scenario('hvsim/host-memory-not-ram', fatal(
        PANIC_STATUS, 'panic: memres: hvsim host range 0x4000000-0x5000000 is not RAM'),
        cmdline='test', image=HVSIM, mem='64M'),
    Scenario('hvsim/panic-in-crash-msrs', hvsim_crash, cmdline='test crash=panic', image=HVSIM),
    Scenario('hvsim/demo-and-teardown', hvsim_demo, cmdline='test -- --run-for 2', image=HVSIM),
]

import console_scenarios    # noqa: E402  (it imports this module's helpers)
ALL += console_scenarios.ALL
import vmbus_scenarios      # noqa: E402  (it imports this module's helpers)
ALL += vmbus_scenarios.ALL
import dm_scenarios         # noqa: E402  (it imports this module's helpers)
ALL += dm_scenarios.ALL
import disk_scenarios       # noqa: E402  (it imports this module's helpers)
ALL += disk_scenarios.ALL
import hib_scenarios        # noqa: E402  (it imports this module's helpers)
ALL += hib_scenarios.ALL
import campaign             # noqa: E402  (it imports this module's helpers)
ALL += campaign.ALL
import fault_scenarios      # noqa: E402  (it imports this module's helpers)
ALL += fault_scenarios.ALL
