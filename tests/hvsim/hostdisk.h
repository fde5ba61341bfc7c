/*
 * hostdisk.h - the emulated host's physical disks (hostdisk.c): the
 * virtio-blk devices QEMU gives the VM, driven by the host with its own
 * instances of drivers/virtio_blk.c, and served to the guest as SCSI
 * LUNs by storvsp.c.  Everything here lives in the host's memory region.
 */
#ifndef HVSIM_HOSTDISK_H
#define HVSIM_HOSTDISK_H

#include "../../drivers/virtio_blk.h"
#include "vmbus_host.h"
#include "wcache.h"

struct hostdisk {
	uint8_t mem[VBLK_MEM_BYTES] __attribute__((aligned(4096)));
	struct vblk v;
	struct vbh_disk d;
	struct wcache *cache;		/* shared by the host's disks */
};

/* Claim every virtio-blk function on the bus (at most n) for the host;
 * their writes go through the volatile cache c. */
unsigned hostdisk_claim(struct hostdisk *hd, unsigned n, struct wcache *c);

#endif
