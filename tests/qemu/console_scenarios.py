"""console_scenarios.py - the demo's console and COM1 under stress: the
status line within the terminal width, input parsing and its refusals, and
a COM1 that nobody drains.  scenarios.py appends ALL to its own list at
its end, so import scenarios (not this module) first."""
import re

from scenarios import Scenario, clean_boot, need

ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
STATUS = re.compile(r'^\[up +\d+\.\d s\] .*\| counter \d+ \| log \d+ > ')


def segments(serial):
    """What the terminal shows between carriage returns and newlines,
    without ANSI escapes."""
    return [ANSI.sub('', s) for s in re.split(r'[\r\n]', serial)]


def exited_with(b, status):
    return [] if b.guest_status == status else \
        ['guest status %r, expected %r' % (b.guest_status, status)]


# --- COM1 that nobody drains ---------------------------------------------

STALL_S = 3


def stuck_then_exit(b):
    """While COM1 cannot send, the guest still answers at once: 'exit 3'
    typed into the stuck console powers it off within 2 s."""
    p = exited_with(b, 3)
    typed = [t for t, step in b.events if step[0] == 'type']
    if not typed:
        return p + ['never got to type']
    took = b.seconds - typed[-1]
    if took > 2:
        p.append('the guest took %.1f s to act on input while COM1 was stuck' % took)
    return p


def stuck_then_drained(b):
    """Output dropped while stuck, counted once when COM1 drains; input
    typed meanwhile was acted on; output after the drain is whole."""
    p = clean_boot(b) + need(b.serial, 'counter += 5', 'events logged')
    m = re.findall(r'serial: (\d+) characters dropped while COM1 was not draining', b.serial)
    if len(m) != 1 or int(m[0]) < 100:
        p.append('dropped-count lines: %r (expected one, 100 or more)' % m)
    return p


STALL_STEPS = [('wait', 'demo running'), ('wait', '| log 1 > '), ('stall',),
               ('sleep', STALL_S)]

ALL = [
    Scenario('serial/stuck-com1-guest-responsive', stuck_then_exit,
             cmdline='test -- --run-for 120', serial='pipe',
             steps=STALL_STEPS + [('type', 'exit 3\r')], timeout=60),
    Scenario('serial/stuck-com1-drains', stuck_then_drained,
             cmdline='test -- --run-for 120', serial='pipe',
             steps=STALL_STEPS + [('type', 'count 5\r'), ('sleep', 1), ('drain',),
                                  ('wait', 'characters dropped'), ('type', 'show\r'),
                                  ('wait', 'events logged'), ('type', 'exit 0\r')],
             timeout=40),
]
