"""harness.py - boot a dormant disk image under QEMU (software CPU, OVMF)
and collect what it printed on COM1.

Each boot gets its own copy of the disk image (with its own command line
written into \\dormant\\cmdline.txt by mtools) and of the OVMF variable
store, so scenarios are independent and can run in parallel."""
import os
import shutil
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ESP_OFFSET = '@@1M'   # scripts/mkimage.sh puts the ESP at 1 MiB


class Boot:
    """One QEMU run: .serial (text), .rc (QEMU exit status, None if killed),
    .timed_out, .seconds."""

    def __init__(self, serial, rc, timed_out, seconds):
        self.serial = serial
        self.rc = rc
        self.timed_out = timed_out
        self.seconds = seconds

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
        shutil.copyfile(os.path.join(build, image), img)
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


def boot(build, ovmf_code, ovmf_vars, cmdline='', mem='512M', smp=1,
         extra=(), kernel='default', timeout=60, until=None, inputs=(),
         log=None, image='dormant.img'):
    """Boot and wait for QEMU to exit, for the regex-free substring 'until'
    to appear on the serial port, or for the timeout.  'inputs' is a list of
    (after_substring, text) pairs typed on the serial console."""
    workdir = tempfile.mkdtemp(prefix='dormant-test-')
    try:
        img = make_image(build, workdir, cmdline, kernel, image)
        vars_copy = os.path.join(workdir, 'vars.fd')
        shutil.copyfile(ovmf_vars, vars_copy)
        cmd = ['qemu-system-x86_64', '-machine', 'q35', '-accel', 'tcg',
               '-m', mem, '-smp', str(smp),
               '-drive', 'if=pflash,format=raw,readonly=on,file=' + ovmf_code,
               '-drive', 'if=pflash,format=raw,file=' + vars_copy,
               '-drive', 'file=%s,format=raw,if=ide' % img,
               '-display', 'none', '-net', 'none', '-no-reboot',
               '-serial', 'stdio', '-monitor', 'none',
               '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'] + list(extra)
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        out = bytearray()
        lock = threading.Lock()

        def reader():
            while True:
                b = p.stdout.read1(4096)
                if not b:
                    break
                with lock:
                    out.extend(b)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        pending = list(inputs)
        timed_out = False
        while p.poll() is None:
            with lock:
                text = out.decode('latin-1')
            if until and until in text:
                break
            if pending and pending[0][0] in text:
                p.stdin.write(pending[0][1].encode())
                p.stdin.flush()
                # Consume the trigger so the next input waits for new output.
                pending.pop(0)
            if time.monotonic() - start > timeout:
                timed_out = True
                break
            time.sleep(0.05)
        rc = p.poll()
        if rc is None:
            p.kill()
            p.wait()
        t.join(timeout=5)
        seconds = time.monotonic() - start
        serial = out.decode('latin-1')
        if log:
            os.makedirs(os.path.dirname(log), exist_ok=True)
            with open(log, 'w') as f:
                f.write(serial)
        return Boot(serial, rc, timed_out, seconds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
