"""vmbus_scenarios.py - VMBus and the util services on the emulated
Hyper-V host (build/dormant-hvsim.img), driven through the host's
administrator console on COM2 where a Hyper-V administrator would use
PowerShell.

Imported by scenarios.py (it uses that module's helpers)."""
import re

import scenarios as sc

HVSIM = 'dormant-hvsim.img'
DEVICES = ('heartbeat', 'shutdown', 'timesync', 'kvp')
CLASS = {
    'heartbeat': '57164f39-9115-4e78-ab55-382f3bd5422d',
    'shutdown': '0e0b6031-5213-4934-818b-38d90ced39db',
    'timesync': '9527e630-d0ae-497b-adce-e80ab0175caf',
    'kvp': 'a9a0f4e7-5a45-4d96-b827-8a841e8c03e6',
}


def bound(text):
    """{device: relid} from the guest's bound-device lines."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r'vmbus: (\w+): class [0-9a-f-]{36} instance [0-9a-f-]{36} relid (\d+)\r?\n', text)}


def heartbeats(text):
    m = re.search(r'hvsim: vmbus host: (\d+) heartbeats answered', text)
    return int(m.group(1)) if m else None


def util_devices_bound(b):
    p = []
    got = bound(b.serial)
    for d in DEVICES:
        if d not in got:
            p.append('%s not bound' % d)
        elif not re.search(r'vmbus: %s: class %s ' % (d, CLASS[d]), b.serial):
            p.append('%s bound with the wrong class' % d)
    if len(set(got.values())) != len(got):
        p.append('relids not unique: %r' % got)
    return p


def clean_vmbus_exit(b, status=0):
    return sc.clean_boot(b, status) + sc.no_gp(b) + sc.need(
        b.serial, 'vmbus: unloaded',
        'hvsim: at power-off: no overlay page, SynIC off, SINTs masked, timers off, guest id clear')


def current_host(b):
    p = clean_vmbus_exit(b) + util_devices_bound(b) + sc.need(
        b.serial, 'vmbus: connected, version 5.3', 'vmbus: all offers bound, 7 channels open',
        'ic: shutdown: framework 3.0, service 3.2', 'ic: timesync: framework 3.0, service 4.0',
        'timesync: wall clock set from the host (sync)', 'hvsim: vmbus host: guest connected')
    if 'refused version' in b.serial:
        p.append('a version was refused on the current host')
    n = heartbeats(b.serial)
    if n is None or n < 2:
        p.append('heartbeats answered: %r, expected at least 2 in 4 s' % n)
    return p


def old_host(b):
    p = clean_vmbus_exit(b) + util_devices_bound(b) + sc.need(b.serial, 'vmbus: connected, version 4.0')
    refused = re.findall(r'vmbus: host refused version (\d+\.\d+), trying an older one', b.serial)
    if refused != ['5.3', '5.2', '5.1', '5.0', '4.1']:
        p.append('fallback went %r' % refused)
    if b.serial.find('host refused version 4.1') > b.serial.find('vmbus: connected, version 4.0'):
        p.append('connected line before the fallback lines')
    return p


def older_host(b):
    p = clean_vmbus_exit(b) + util_devices_bound(b) + sc.need(b.serial, 'vmbus: connected, version 3.0')
    refused = re.findall(r'vmbus: host refused version (\d+\.\d+)', b.serial)
    if refused != ['5.3', '5.2', '5.1', '5.0', '4.1', '4.0']:
        p.append('fallback went %r' % refused)
    return p


def newvm_host(b):
    """hvsim=current,newvm: the host plays another VM: the SCSI controller
    with another instance GUID, every relid from 501 up."""
    p = clean_vmbus_exit(b) + util_devices_bound(b) + sc.need(
        b.serial, 'hvsim: emulated Hyper-V host, profile current, a new VM',
        'vmbus: storvsc: class ba6163d9-04a1-4d29-b605-72e2ffb1dc7f instance '
        '3c57e1d4-9a02-4f6b-8e47-d1286a05bf93', 'vmbus: all offers bound, 7 channels open')
    low = {d: r for d, r in bound(b.serial).items() if r <= 500}
    if low:
        p.append('relids of a normal boot on the new VM: %r' % low)
    return p


def admin_poweroff(b):
    """`shutdown hibernate` refused without S4, then `shutdown poweroff`:
    the guest answers, unloads VMBus, tears SynIC down, QEMU exits 0."""
    p = clean_vmbus_exit(b) + sc.need(
        b.serial, 'shutdown: the host asks to hibernate',
        'shutdown: hibernate request refused: ACPI S4 is not offered by this VM',
        'hvsim: vmbus host: shutdown: the guest answered status 0x80004005',
        'shutdown: the host asks to power off', 'hvsim: vmbus host: shutdown: the guest accepted',
        'shutdown: powering off as the host asked')
    p += sc.need(b.com2, 'hvsim: administrator console', 'heartbeat: ', 'device shutdown: relid',
                 'shutdown: request sent (flags 0x4)', 'shutdown: request sent (flags 0x0)')
    if 'demo: ran for' in b.serial:
        p.append('the demo ran out its time instead of powering off')
    return p


def admin_reboot(b):
    p = sc.need(b.serial, 'shutdown: the host asks to restart',
                'shutdown: restarting as the host asked', 'vmbus: unloaded') + sc.no_gp(b)
    if 'demo: ran for' in b.serial:
        p.append('the demo ran out its time instead of restarting')
    if b.rc != 0:       # -no-reboot: a reset ends QEMU with 0
        p.append('QEMU exit %r' % b.rc)
    return p


def dates(text):
    return [int(x) for x in re.findall(r'date: [-0-9: ]+ UTC \(unix (\d+)\)', text)]


def admin_console(b):
    """Hibernate refused (the VM has no ACPI S4 here), time +3600,
    rescind and re-offer, and hostile host messages, all survived."""
    p = clean_vmbus_exit(b) + sc.need(
        b.serial,
        'shutdown: hibernate request refused: ACPI S4 is not offered by this VM',
        'timesync: wall clock set from the host (sync), moved +3',
        'vmbus: timesync (relid', 'rescinded by the host', 'released',
        'dropped',                              # the hostile messages
        'counter is now')
    p += sc.need(b.com2, 'shutdown: request sent (flags 0x4)', 'time: sync sent',
                 'rescind: timesync rescinded', 'offer: timesync offered',
                 'fault: unknown-type injected', 'fault: oversize-message injected',
                 'fault: wrong-relid injected', 'unknown command \'frob\'')
    d = dates(b.serial)
    if len(d) != 2 or not 3595 <= d[1] - d[0] <= 3660:
        p.append('wall clock did not move by an hour: %r' % d)
    n_ts = len(re.findall(r'vmbus: timesync: class ', b.serial))
    if n_ts != 2:
        p.append('timesync bound %d times, expected 2 (boot and re-offer)' % n_ts)
    relids = [int(x) for x in re.findall(
        r'vmbus: timesync: class \S+ instance \S+ relid (\d+)', b.serial)]
    first, second = (relids + [0, 0])[:2]
    if first == second:
        p.append('the re-offer kept relid %d' % first)
    return p


def ring_fault(b):
    """A host->guest write_index past the ring: that channel is closed,
    the kernel and the other channels go on.  Then a host that never
    answers UNLOAD: the power-off goes on after a bounded wait."""
    return sc.clean_boot(b) + sc.no_gp(b) + sc.need(
        b.serial, 'vmbus: heartbeat (relid', 'channel closed', 'counter is now',
        'vmbus: unload: no UNLOAD_RESPONSE from the host; going on',
        'hvsim: at power-off: no overlay page, SynIC off, SINTs masked, timers off, guest id clear') + \
        sc.need(b.com2, 'fault: ring-index injected', 'fault: silent injected')


def rescind_while_opening(fault):
    """The host rescinds a re-offered device while the guest opens it (at
    the GPADL or at OPENCHANNEL): the open fails, the relid is released,
    the kernel goes on."""
    def check(b):
        p = clean_vmbus_exit(b) + sc.need(
            b.serial, 'rescinded while opening', 'released')
        p += sc.need(b.com2, 'fault: %s injected' % fault, 'offer: kvp offered')
        if len(re.findall(r'vmbus: kvp \(relid \d+\) released', b.serial)) != 2:
            p.append('kvp not released twice (rescind, then rescind while opening)')
        return p
    return check


DEMO = 'demo: dormant demo running'

ALL = [
    sc.Scenario('hvsim/vmbus-current-host', current_host, cmdline='test -- --run-for 4',
                image=HVSIM),
    sc.Scenario('hvsim/vmbus-old-host', old_host, cmdline='test hvsim=old -- --run-for 2',
                image=HVSIM),
    sc.Scenario('hvsim/vmbus-older-host', older_host, cmdline='test hvsim=older -- --run-for 2',
                image=HVSIM),
    sc.Scenario('hvsim/vmbus-newvm-host', newvm_host,
                cmdline='test hvsim=current,newvm -- --run-for 2', image=HVSIM),
    sc.Scenario('hvsim/admin-shutdown-poweroff', admin_poweroff, image=HVSIM, com2=True,
                cmdline='test -- --run-for 60', timeout=90,
                extra=['-global', 'ICH9-LPC.disable_s4=1'],
                steps=[('wait', DEMO), ('admin', 'status\r'), ('wait2', 'heartbeat: '),
                       ('admin', 'shutdown hibernate\r'), ('wait', 'refused: ACPI S4'),
                       ('admin', 'shutdown poweroff\r')]),
    sc.Scenario('hvsim/admin-shutdown-reboot', admin_reboot, image=HVSIM, com2=True,
                cmdline='test -- --run-for 60', timeout=90,
                steps=[('wait', DEMO), ('admin', 'shutdown reboot\r')]),
    sc.Scenario('hvsim/admin-console', admin_console, image=HVSIM, com2=True,
                cmdline='test -- --run-for 60', timeout=90,
                extra=('-global', 'ICH9-LPC.disable_s4=1'),
                steps=[('wait', DEMO), ('type', 'date\r'), ('wait', 'date: '),
                       ('admin', 'frob\r'), ('admin', 'shutdown hibernate\r'),
                       ('wait', 'ACPI S4 is not offered'),
                       ('admin', 'time +3600\r'), ('wait', 'moved +3'),
                       ('type', 'date\r'), ('wait', 'date: '),
                       ('admin', 'rescind timesync\r'), ('wait', 'released'),
                       ('admin', 'offer timesync\r'), ('wait', 'vmbus: timesync: class'),
                       ('admin', 'fault unknown-type\r'), ('wait2', 'injected'),
                       ('admin', 'fault oversize-message\r'), ('wait2', 'injected'),
                       ('admin', 'fault wrong-relid\r'), ('wait2', 'injected'),
                       ('type', 'count 7\r'), ('wait', 'counter is now'),
                       ('type', 'exit 0\r')]),
    sc.Scenario('hvsim/fault-ring-index', ring_fault, image=HVSIM, com2=True,
                cmdline='test -- --run-for 60', timeout=90,
                steps=[('wait', DEMO), ('admin', 'fault ring-index\r'),
                       ('wait', 'channel closed'), ('type', 'count 2\r'),
                       ('wait', 'counter is now'), ('admin', 'fault silent\r'),
                       ('wait2', 'fault: silent injected'), ('type', 'exit 0\r')]),
    sc.Scenario('hvsim/rescind-while-opening-gpadl', rescind_while_opening('rescind-on-gpadl'),
                image=HVSIM, com2=True, cmdline='test -- --run-for 60', timeout=90,
                steps=[('wait', DEMO), ('admin', 'rescind kvp\r'), ('wait', 'released'),
                       ('admin', 'fault rescind-on-gpadl\r'), ('wait2', 'injected'),
                       ('admin', 'offer kvp\r'), ('wait', 'rescinded while opening'),
                       ('wait', 'released'), ('type', 'exit 0\r')]),
    sc.Scenario('hvsim/rescind-while-opening-channel', rescind_while_opening('rescind-on-open'),
                image=HVSIM, com2=True, cmdline='test -- --run-for 60', timeout=90,
                steps=[('wait', DEMO), ('admin', 'rescind kvp\r'), ('wait', 'released'),
                       ('admin', 'fault rescind-on-open\r'), ('wait2', 'injected'),
                       ('admin', 'offer kvp\r'), ('wait', 'rescinded while opening'),
                       ('wait', 'released'), ('type', 'exit 0\r')]),
]
