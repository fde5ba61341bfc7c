"""harness.py - boot a dormant disk image under QEMU (software CPU, OVMF)
and collect what it printed on COM1.

Each boot gets its own copy of the disk image (with its own command line
written into \\dormant\\cmdline.txt by mtools) and of the OVMF variable
store, so scenarios are independent and can run in parallel."""
import fcntl
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ESP_OFFSET = '@@1M'   # scripts/mkimage.sh puts the ESP at 1 MiB
F_SETPIPE_SZ = 1031   # linux/fcntl.h
PIPE_SIZE = 4096      # the smallest pipe Linux allows: one page


class Boot:
    """One QEMU run: .serial (text), .rc (QEMU exit status, None if killed),
    .timed_out, .seconds, and .events: (seconds, step) for each step done."""

    def __init__(self, serial, rc, timed_out, seconds, events=()):
        self.serial = serial
        self.rc = rc
        self.timed_out = timed_out
        self.seconds = seconds
        self.events = list(events)

    @property
    def guest_status(self):
        """Status the guest passed to isa-debug-exit, 0 for an ACPI
        power-off, None when QEMU was killed."""
        if self.rc is None:
            return None
        if self.rc == 0:
            return 0
        return self.rc >> 1


def make_image(build, workdir, cmdline, kernel='default', image='dormant.img'):
    """Copy build/IMAGE (or make one with another kernel file, or none:
    kernel='-') and set its command line."""
    img = os.path.join(workdir, 'disk.img')
    if kernel == 'default':
        # sparse: the hibernation partition is hundreds of MiB of holes
        subprocess.run(['cp', '--sparse=always', os.path.join(build, image), img],
                       check=True)
    else:
        subprocess.run(['sh', os.path.join(ROOT, 'scripts/mkimage.sh'), img,
                        os.path.join(build, 'BOOTX64.EFI'), kernel, cmdline],
                       check=True)
    cfile = os.path.join(workdir, 'cmdline.txt')
    with open(cfile, 'w') as f:
        f.write(cmdline + '\n')
    subprocess.run(['mcopy', '-o', '-i', img + ESP_OFFSET, cfile,
                    '::/dormant/cmdline.txt'], check=True)
    return img


class PipeSerial:
    """COM1 on a QEMU pipe chardev (FIFOs PATH.in and PATH.out) whose output
    side the test can stop reading: stall() fills the 4 KiB pipe with NUL
    bytes, which the guest never prints, so QEMU's 16550 cannot send and
    keeps THRE clear, like a COM port nobody drains; drain() reads again
    and the NULs are dropped from the text."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, 'com1')
        os.mkfifo(self.path + '.in')
        os.mkfifo(self.path + '.out')
        # O_RDWR: neither open waits for the other end, and the test can
        # write into the output pipe itself.
        self.fd_in = os.open(self.path + '.in', os.O_RDWR)
        self.fd_out = os.open(self.path + '.out', os.O_RDWR | os.O_NONBLOCK)
        fcntl.fcntl(self.fd_out, F_SETPIPE_SZ, PIPE_SIZE)
        self.reading = threading.Event()
        self.reading.set()
        self.closed = False

    def qemu_args(self):
        return ['-chardev', 'pipe,id=com1,path=' + self.path, '-serial', 'chardev:com1']

    def read_loop(self, sink):
        while not self.closed:
            if not self.reading.is_set():
                time.sleep(0.02)
                continue
            r, _, _ = select.select([self.fd_out], [], [], 0.05)
            if r and self.reading.is_set():
                try:
                    sink(os.read(self.fd_out, 4096).replace(b'\0', b''))
                except BlockingIOError:
                    pass

    def read_rest(self, sink):
        """What QEMU left in the pipe, unless the test stopped reading."""
        while self.reading.is_set():
            try:
                b = os.read(self.fd_out, 4096)
            except BlockingIOError:
                break
            if not b:
                break
            sink(b.replace(b'\0', b''))

    def write(self, data):
        os.write(self.fd_in, data)

    def stall(self):
        self.reading.clear()
        time.sleep(0.05)        # let a read under way finish
        for chunk in (4096, 512, 64, 8, 1):
            try:
                while True:
                    os.write(self.fd_out, b'\0' * chunk)
            except BlockingIOError:
                pass

    def drain(self):
        self.reading.set()

    def close(self):
        self.closed = True
        os.close(self.fd_in)
        os.close(self.fd_out)


def disk_args(img, bus, extra_disks):
    """QEMU arguments for the boot disk and the extra virtio-blk disks."""
    if bus == 'ide':
        args = ['-drive', 'file=%s,format=raw,if=ide' % img]
    else:
        args = ['-drive', 'file=%s,format=raw,if=none,id=disk0' % img,
                '-device', 'virtio-blk-pci,drive=disk0,bootindex=1']
    for i, d in enumerate(extra_disks, 1):
        path, props = (d, '') if isinstance(d, str) else d
        args += ['-drive', 'file=%s,format=raw,if=none,id=disk%d' % (path, i),
                 '-device', 'virtio-blk-pci,drive=disk%d%s' % (i, ',' + props if props else '')]
    return args


def boot(build, ovmf_code, ovmf_vars, cmdline='', mem='512M', smp=1,
         extra=(), kernel='default', timeout=60, until=None, inputs=(),
         log=None, image='dormant.img', serial='stdio', steps=(), com2=False,
         disk_bus=None, extra_disks=(), patch=None, disk=None, monitor=False):
    """Boot and wait for QEMU to exit, for the regex-free substring 'until'
    to appear on the serial port, or for the timeout.  'inputs' is a list of
    (after_substring, text) pairs typed on the serial console.

    serial='pipe' puts COM1 on PipeSerial and runs 'steps' in order:
    ('wait', S) until S appears after the previous wait's match,
    ('type', TEXT), ('sleep', SECONDS), ('stall',), ('drain',) and
    ('kill',) (SIGKILL now: a power cut).

    com2=True puts COM2 (the emulated Hyper-V host's administrator console)
    on a Unix socket: steps ('admin', TEXT) type on it and ('wait2', S)
    waits for S there; what it printed is Boot.com2.

    monitor=True puts QEMU's human monitor on a Unix socket: steps
    ('monitor', COMMAND) send it a command (e.g. system_powerdown).

    disk: boot this image file as it is (made with make_image, kept by the
    caller across boots) instead of a fresh copy.

    disk_bus: how the boot disk is attached, 'virtio' (virtio-blk-pci,
    OVMF boots from it) or 'ide'; virtio by default.  On the hvsim image
    the emulated host owns every virtio-blk disk and serves them to the
    guest as SCSI LUNs 0, 1, ... (sda, sdb, ...), so its guest sees no
    PCI disk.  extra_disks: raw files (or (path, 'prop=value,...') pairs
    for more virtio-blk-pci properties) attached as further virtio-blk
    disks, vdb, vdc, ... (sdb, sdc, ... on hvsim) in order."""
    workdir = tempfile.mkdtemp(prefix='dormant-test-')
    port = None
    try:
        # disk: an image that lives on between boots (hibernation tests);
        # else a fresh copy of the built one with this command line.
        img = disk or make_image(build, workdir, cmdline, kernel, image)
        if patch:
            patch(img)      # the test changes the disk before QEMU starts
        vars_copy = os.path.join(workdir, 'vars.fd')
        shutil.copyfile(ovmf_vars, vars_copy)
        cmd = ['qemu-system-x86_64', '-machine', 'q35', '-accel', 'tcg',
               '-m', mem, '-smp', str(smp),
               '-drive', 'if=pflash,format=raw,readonly=on,file=' + ovmf_code,
               '-drive', 'if=pflash,format=raw,file=' + vars_copy,
               *disk_args(img, disk_bus or 'virtio',
                          extra_disks),
               '-display', 'none', '-net', 'none', '-no-reboot',
               '-monitor', ('unix:%s,server=on,wait=off' % os.path.join(workdir, 'mon.sock')
                            if monitor else 'none'),
               '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
        if serial == 'pipe':
            port = PipeSerial(workdir)
            cmd += port.qemu_args()
        else:
            cmd += ['-serial', 'stdio']
        com2_path = os.path.join(workdir, 'com2.sock')
        if com2:
            cmd += ['-chardev', 'socket,id=com2,path=%s,server=on,wait=off' % com2_path,
                    '-serial', 'chardev:com2']
        cmd += list(extra)
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        out = bytearray()
        lock = threading.Lock()

        def sink(b):
            with lock:
                out.extend(b)

        def reader():
            while True:
                b = p.stdout.read1(4096)
                if not b:
                    break
                sink(b)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        out2 = bytearray()
        sock2 = None
        if com2:
            for _ in range(100):
                try:
                    sock2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    sock2.connect(com2_path)
                    break
                except OSError:
                    sock2.close()
                    sock2 = None
                    time.sleep(0.05)

            def reader2():
                while True:
                    try:
                        b = sock2.recv(4096)
                    except OSError:
                        break
                    if not b:
                        break
                    with lock:
                        out2.extend(b)
            if sock2:
                t2 = threading.Thread(target=reader2, daemon=True)
                t2.start()
        if port:
            pt = threading.Thread(target=port.read_loop, args=(sink,), daemon=True)
            pt.start()

        def type_text(text):
            if port:
                port.write(text.encode())
            else:
                p.stdin.write(text.encode())
                p.stdin.flush()

        pending = list(inputs)
        todo = list(steps)
        events = []
        seen = 0            # where the next ('wait', S) starts looking
        seen2 = 0
        sleep_until = None
        timed_out = False
        while p.poll() is None:
            with lock:
                text = out.decode('latin-1')
                text2 = out2.decode('latin-1')
            if until and until in text:
                break
            if pending and pending[0][0] in text:
                type_text(pending[0][1])
                # Consume the trigger so the next input waits for new output.
                pending.pop(0)
            while todo:
                step, now = todo[0], time.monotonic()
                if step[0] == 'wait':
                    i = text.find(step[1], seen)
                    if i < 0:
                        break
                    seen = i + len(step[1])
                elif step[0] == 'sleep':
                    if sleep_until is None:
                        sleep_until = now + step[1]
                    if now < sleep_until:
                        break
                    sleep_until = None
                elif step[0] == 'type':
                    type_text(step[1])
                elif step[0] == 'wait2':
                    i = text2.find(step[1], seen2)
                    if i < 0:
                        break
                    seen2 = i + len(step[1])
                elif step[0] == 'admin':
                    if sock2:
                        sock2.sendall(step[1].encode())
                elif step[0] == 'monitor':
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as m:
                        m.connect(os.path.join(workdir, 'mon.sock'))
                        m.sendall(step[1].encode() + b'\n')
                        time.sleep(0.2)
                elif step[0] == 'kill':
                    p.kill()        # a power cut: nothing more reaches the disk
                    p.wait()
                    events.append((now - start, step))
                    todo.clear()
                    break
                elif step[0] == 'stall':
                    port.stall()
                elif step[0] == 'drain':
                    port.drain()
                events.append((now - start, step))
                todo.pop(0)
            if time.monotonic() - start > timeout:
                timed_out = True
                break
            time.sleep(0.05)
        rc = p.poll()
        seconds = time.monotonic() - start
        if rc is None:
            p.kill()
            p.wait()
        t.join(timeout=5)
        if port:
            port.closed = True
            pt.join(timeout=5)
            port.read_rest(sink)
        serial = out.decode('latin-1')
        if sock2:
            sock2.close()
        admin = out2.decode('latin-1')
        if log:
            os.makedirs(os.path.dirname(log), exist_ok=True)
            with open(log, 'w') as f:
                f.write(serial)
                if com2:
                    f.write('\n======== COM2 (administrator console) ========\n' + admin)
        b = Boot(serial, rc, timed_out, seconds, events)
        b.com2 = admin
        return b
    finally:
        if port:
            port.close()
        shutil.rmtree(workdir, ignore_errors=True)
