#!/usr/bin/env python3
"""capture_dsdt.py OUT.aml [QEMU ARG ...] - boot dormant with the acpidump
option and save the DSDT it prints.  Used to make tests/data/dsdt-*.aml:
    capture_dsdt.py tests/data/dsdt-q35.aml
    capture_dsdt.py tests/data/dsdt-q35-nos4.aml -global ICH9-LPC.disable_s4=1
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    out, extra = sys.argv[1], sys.argv[2:]
    b = harness.boot(os.path.join(harness.ROOT, 'build'),
                     '/usr/share/OVMF/OVMF_CODE_4M.fd',
                     '/usr/share/OVMF/OVMF_VARS_4M.fd',
                     cmdline='acpidump test -- --run-for 0', extra=extra,
                     timeout=60)
    hexdata, size = '', None
    for line in b.serial.splitlines():
        line = line.strip()
        if line.startswith('acpidump: DSDT '):
            size = int(line.split()[2])
        elif line.startswith('acpidump: ') and size is not None and line != 'acpidump: end':
            hexdata += line.split()[1]
    data = bytes.fromhex(hexdata)
    if size is None or len(data) != size:
        sys.exit('capture_dsdt: no complete DSDT in the output')
    with open(out, 'wb') as f:
        f.write(data)
    print('%s: %d bytes' % (out, len(data)))


if __name__ == '__main__':
    main()
