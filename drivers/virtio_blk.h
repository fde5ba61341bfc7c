/*
 * virtio_blk.h - one virtio-blk device instance (virtio_blk.c).
 *
 * The kernel's own disks are instances in virtio_blk.c's table, their
 * memory from volatile frames.  The emulated Hyper-V host
 * (tests/hvsim/hostdisk.c) drives the disks QEMU gives it with instances
 * of its own, their state and queue memory in the host's region, so that
 * nothing of them is guest RAM (a resumed guest meets a fresh host).
 */
#ifndef DORMANT_VIRTIO_BLK_H
#define DORMANT_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "blk.h"
#include "pci.h"
#include "virtio_pci.h"
#include "virtio_wire.h"
#include "virtq.h"

#define VBLK_MAX_DEVS		8
#define VBLK_QUEUE_MAX		128	/* ring entries */
#define VBLK_DEPTH_MAX		32	/* requests in flight */
#define VBLK_SEGS_MAX		16	/* data segments per request */
#define VBLK_CHAIN		(VBLK_SEGS_MAX + 2)
#define VBLK_SEG_DEFAULT	(4u << 20)	/* without SIZE_MAX */
#define VBLK_REQ_MAX_BYTES	(4u << 20)
#define VBLK_TIMEOUT_NS		(30ull * 1000 * 1000 * 1000)

/* What the device reads and writes besides the data, per slot. */
struct vblk_dma {
	struct virtio_blk_req_hdr hdr;
	uint8_t status;
	uint8_t pad[15];
	struct virtq_desc ind[VBLK_CHAIN];	/* the indirect table */
} __attribute__((packed, aligned(16)));
_Static_assert(sizeof(struct vblk_dma) % 16 == 0, "descriptor tables are 16-aligned (§2.6)");

/* Queue memory of one instance: two ring pages, then the slots' DMA
 * areas; page aligned, physically contiguous, identity mapped. */
#define VBLK_MEM_BYTES	(2 * 4096 + ((VBLK_DEPTH_MAX * sizeof(struct vblk_dma) + 4095) & ~4095ul))

struct vblk_slot {
	struct blk_req *req;		/* NULL: free */
	uint64_t started_ns;
	uint32_t writable;		/* bytes the device may write */
};

struct vblk {
	struct blk_dev blk;
	struct virtio_pci vp;
	struct virtq q;
	volatile uint16_t *notify;
	struct vblk_dma *dma;		/* nslots of them */
	struct vblk_slot slot[VBLK_DEPTH_MAX];
	unsigned nslots, inflight;
	bool indirect, has_flush, broken, msix;
	uint32_t seg_bytes, segs_max;
	uint32_t sector_mult;		/* 512-byte units per blk sector */
	struct pci_dev *pd;		/* for suspend and resume */
	uint8_t *mem;			/* the queue memory (VBLK_MEM_BYTES) */
	uint8_t vector;			/* MSI-X vector, 0 until allocated */
	bool irq, suspended;
	uint64_t completed, bad;
};

bool is_virtio_blk(const struct pci_dev *d);
/* Set up v (its blk name already filled) on device pd with queue memory
 * mem (VBLK_MEM_BYTES); interrupts by MSI-X when irq, else polled only
 * (blk.ops->poll).  false, having said why, when the device is unusable. */
bool vblk_attach(struct vblk *v, struct pci_dev *pd, void *mem, bool irq);
/* Hibernation (kernel/pm.h): reset the device with nothing in flight
 * (-1 and a line when a request is), and set it up again on the same
 * memory, vector and blk device. */
int vblk_suspend(struct vblk *v);
bool vblk_resume(struct vblk *v);

#endif
