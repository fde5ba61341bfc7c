"""console_scenarios.py - the demo's console and COM1 under stress: the
status line within the terminal width, input parsing and its refusals, and
a COM1 that nobody drains.  scenarios.py appends ALL to its own list at
its end, so import scenarios (not this module) first."""
import re

from scenarios import Scenario, clean_boot, need

ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
STATUS = re.compile(r'^\[up +\d+\.\d s\] .*\| counter \d+ \| log \d+ > ')


def draw(piece):
    """The columns a terminal writes for a piece of output that starts at
    the left margin: backspace moves left, anything else overwrites."""
    cells, col = [], 0
    for ch in piece:
        if ch == '\b':
            col = max(0, col - 1)
            continue
        if col == len(cells):
            cells.append(ch)
        else:
            cells[col] = ch
        col += 1
    return ''.join(cells)


def segments(serial):
    """What the terminal draws between carriage returns and newlines,
    ANSI escapes left out."""
    return [draw(ANSI.sub('', s)) for s in re.split(r'[\r\n]', serial)]


def exited_with(b, status):
    return [] if b.guest_status == status else \
        ['guest status %r, expected %r' % (b.guest_status, status)]


# --- The live status line ------------------------------------------------

TAIL = 'the-end-of-it'
LONG_LOG = 'log ' + 'x' * 100 + TAIL       # 117 characters, all kept


def status_width(columns, typed=LONG_LOG):
    """Everything the demo draws fits in columns - 1 (the last column would
    wrap on many terminals); once the whole long line is typed its end is
    on screen; with nothing typed the status line has its documented form."""
    def check(b):
        p = clean_boot(b) + need(b.serial, 'logged')
        if p:
            return p
        segs = segments(b.serial.split('demo running')[1])
        wide = [s for s in segs if len(s) > columns - 1]
        if wide:
            p.append('%d segments wider than %d columns, e.g. %r'
                     % (len(wide), columns - 1, wide[-1]))
        if not any(s.rstrip().endswith(typed[-len(TAIL):]) for s in segs):
            p.append('the end of the typed line never shown on the status line')
        if not any(STATUS.match(s) and s.rstrip().endswith(' | log 2 >') for s in segs):
            p.append('no status line in the documented form after the log command')
        return p
    return check


def type_long_line(args):
    """Type the long line, let two status ticks redraw it, Enter, and leave
    after a tick with nothing typed."""
    return dict(cmdline='test -- --run-for 30' + args, serial='pipe', steps=[
        ('wait', 'demo running'), ('type', LONG_LOG), ('wait', TAIL),
        ('sleep', 2.2), ('type', '\r'), ('wait', 'logged'),
        ('sleep', 1.2), ('type', 'exit 0\r')])


# --- Input parsing -------------------------------------------------------

TOO_LONG = 'log ' + 'y' * 200


def refusals(b):
    p = clean_boot(b) + need(
        b.serial,
        "count: 'abc' is not a number",
        "count: '99999999999999999999' is out of range",
        'usage: count [N], N from 0 to 1000000000',
        'line too long (204 characters, at most 119): ignored',
        "exit: '256' is out of range",
        'usage: exit [CODE], CODE from 0 to 255')
    if p:
        return p
    # Each refusal changed nothing, and its usage line came right after it.
    lines = [ANSI.sub('', l).split('\r')[-1] for l in b.serial.split('\n')]
    for i, l in enumerate(lines):
        if l.startswith('count: ') and not lines[i + 1].startswith('usage: count [N]'):
            p.append('no usage line after %r' % l)
    m = re.search(r'counter is now (\d+)', b.serial)
    if not m:
        p.append('the command typed after leading spaces did not run')
    elif not 1000000 <= int(m.group(1)) < 1000100:
        p.append('counter %s after count 1000000' % m.group(1))
    if 'y' * 100 in b.serial.split('line too long')[-1]:
        p.append('the cut line was logged')
    return p


REFUSALS = dict(cmdline='test -- --run-for 30', inputs=[
    ('demo running', 'count abc\r'),
    ('is not a number', 'count 99999999999999999999\r'),
    ('is out of range', '   count   1000000\r'),
    ('counter is now', TOO_LONG + '\r'),
    ('line too long', 'exit 256\r'),
    ("exit: '256'", 'show\r'),
    ('events logged', 'exit 0\r')])


def arg_refused(*needles):
    def check(b):
        return need(b.serial, *needles,
                    'usage: dormant -- [--run-for SECONDS] [--columns N]') + exited_with(b, 2)
    return check


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
    Scenario('console/status-width-80', status_width(80), **type_long_line('')),
    Scenario('console/status-width-columns-50', status_width(50),
             **type_long_line(' --columns 50')),
    Scenario('console/input-refusals', refusals, **REFUSALS),
    Scenario('console/run-for-not-a-number',
             arg_refused("demo: --run-for 'abc' is not a number"),
             cmdline='test -- --run-for abc', timeout=20),
    Scenario('console/run-for-negative',
             arg_refused("demo: --run-for '-1' is out of range"),
             cmdline='test -- --run-for -1', timeout=20),
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
