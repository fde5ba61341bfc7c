#!/usr/bin/env python3
"""mkstorseed.py DIR - seeds for fuzz_storvsc_chan (the input format is
described at the top of tests/fuzz/fuzz_storvsc_chan.c): a host that
answers the handshake and a scan of one 1 MiB disk with a GPT of two
partitions, then I/O, a rescan, a suspend and resume, and a rescind; and
a host that accepts only the pre-WIN8 protocol."""
import os
import struct
import sys
import zlib

GOOD, RAW, NONE, ERROR = 0, 1, 2, 3
WHOLE = 0x08            # answer bit 3: status/properties, or all transferred


def good_step():
    return bytes([GOOD])


def refused_step():
    # bit 3: the status follows (not SUCCESS)
    return bytes([GOOD | WHOLE]) + struct.pack('<I', 0xc0000059)


def properties(max_transfer):
    return bytes([GOOD | WHOLE]) + struct.pack('<II', 0, max_transfer)


def data(b):
    return bytes([GOOD]) + struct.pack('<H', len(b)) + b


def done_write():
    return bytes([GOOD | WHOLE])


def handshake(refusals=0):
    return (good_step() + refused_step() * refusals + good_step() +
            properties(256 << 10) + good_step())


SECTORS = 2048
LINUX = bytes.fromhex('af3dc60f838472478e793d69d8477de4')   # wire order


def gpt_sectors():
    entries = bytearray(512)
    for i, (first, last) in enumerate(((34, 1023), (1024, 2014))):
        name = ('part%d' % (i + 1)).encode('utf-16-le')
        struct.pack_into('<16s16sQQQ72s', entries, 128 * i, LINUX,
                         bytes([i + 1]) * 16, first, last, 0, name)
    hdr = bytearray(struct.pack('<8sIIIIQQQQ16sQIII', b'EFI PART', 0x10000, 92, 0, 0,
                                1, SECTORS - 1, 34, SECTORS - 34, b'\x42' * 16, 2, 4,
                                128, zlib.crc32(bytes(entries))))
    struct.pack_into('<I', hdr, 16, zlib.crc32(bytes(hdr)))
    return bytes(hdr) + bytes(512 - len(hdr)), bytes(entries)


def scan():
    luns = struct.pack('>II', 8, 0) + bytes(8)
    inquiry = bytes([0, 0, 5, 2, 31, 0, 0, 0]) + b'Msft    Virtual Disk    1.0 '
    capacity = struct.pack('>QI', SECTORS - 1, 512) + bytes(20)
    header, entries = gpt_sectors()
    return data(luns) + data(inquiry) + data(capacity) + data(header) + data(entries)


def check_disks():
    luns = struct.pack('>II', 8, 0) + bytes(8)
    capacity = struct.pack('>QI', SECTORS - 1, 512) + bytes(20)
    return data(luns) + data(capacity)


def action_read(dev, sector, count, payload=b''):
    return bytes([0, dev]) + struct.pack('<I', sector) + bytes([count - 1]) + \
        bytes([GOOD | WHOLE]) + struct.pack('<H', len(payload)) + payload


def action_write(dev, sector, count):
    return bytes([1, dev]) + struct.pack('<I', sector) + bytes([count - 1]) + done_write()


def action_flush(dev):
    return bytes([2, dev]) + bytes([GOOD])


def action_many(dev, n):
    return bytes([3, dev, n - 1]) + (bytes([GOOD | WHOLE]) + b'\0\0') * n


def action_enumerate():
    packet = struct.pack('<III', 11, 0, 0) + bytes(52)
    luns = struct.pack('>II', 8, 0) + bytes(8)
    return bytes([4, 0, 0, len(packet)]) + packet + data(luns)


def action_suspend_resume():
    return bytes([6, 0]) + handshake() + check_disks()


def action_error_read(dev):
    # UNIT ATTENTION twice (retried), then success
    sense = bytes([0x70, 0, 6, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29, 0, 0, 0, 0, 0])
    err = bytes([ERROR, 0x80 | 0x04, 2, len(sense)]) + sense
    return bytes([0, dev]) + struct.pack('<I', 0) + bytes([0]) + err + err + \
        bytes([GOOD | WHOLE, 0, 0])


def report_luns(*luns):
    return data(struct.pack('>II', 8 * len(luns), 0) +
                b''.join(struct.pack('>HHI', lun, 0, 0) for lun in luns))


INQUIRY_DISK = bytes([0, 0, 5, 2, 31, 0, 0, 0]) + b'Msft    Virtual Disk    1.0 '


def capacity(block_size, sectors=SECTORS):
    return data(struct.pack('>QI', sectors - 1, block_size) + bytes(20))


# Regression inputs for what this harness found (each leaked memory or a
# registration before its fix):
#   handshake-fails   struct storvsc kept after a failed handshake
#   block-too-large   a disk whose block exceeds the host's transfer size
#                     was neither registered nor freed
#   gone-disk-slot    a disk an I/O error found gone lost its slot to the
#                     next LUN while still registered (its name too)
def regressions():
    no_device = bytes([ERROR, 0x08, 0, 0])      # SRB NO_DEVICE, no sense
    return {
        'handshake-fails': bytes([0]) + refused_step(),
        'block-too-large': bytes([0]) + good_step() + good_step() + properties(4096) +
        good_step() + report_luns(0) + data(INQUIRY_DISK) + capacity(8192),
        'gone-disk-slot': bytes([0]) + handshake() + report_luns(0, 1) + data(INQUIRY_DISK) +
        capacity(512) + no_device + data(INQUIRY_DISK) + capacity(512) + bytes([NONE]) * 2,
    }


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        'full': bytes([0]) + handshake() + scan() + action_read(0, 5, 2, b'\x5a' * 16) +
        action_write(1, 0, 1) + action_flush(2) + action_many(0, 4) + action_error_read(0) +
        action_enumerate() + action_suspend_resume() + bytes([7, 3]) + bytes([5]),
        'polled': bytes([4]) + handshake() + scan() + action_read(1, 3, 1) +
        action_write(0, 7, 3) + action_many(2, 3),
        'pre-win8': bytes([1]) + handshake(refusals=3) + scan(),
    }
    seeds.update(regressions())
    for name, b in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(b)


if __name__ == '__main__':
    main()
