/*
 * virtio_blk.c - virtio block devices over the modern PCI transport
 * (virtio 1.1 §5.2), each registered as a blk_dev vda, vdb, ...
 *
 * One request queue.  Each request is a descriptor chain (§5.2.6): the
 * 16-byte header, the data in segments no longer than the device's
 * SIZE_MAX and no more than its SEG_MAX, and the status byte.  With
 * VIRTIO_F_INDIRECT_DESC the chain sits in the request slot's own table
 * and takes one ring descriptor (§2.6.5.3); without it, slot i owns ring
 * descriptors [i * CHAIN, (i + 1) * CHAIN).  Either way the head
 * descriptor names the slot, which is how a used element finds its
 * request.
 *
 * Completions: the queue's MSI-X vector interrupts, and the handler
 * drains the used ring; blk_ops.poll drains it the same way with
 * interrupts off (hibernation, early boot).  Without MSI-X the device
 * runs polled only.  Everything the device hands back (used index,
 * element id and length, status byte) is checked; a bad value is logged
 * with the device and sector and fails the request or, for a used index
 * that cannot be, the device (reset, every request failed).  A request
 * the device does not complete in VBLK_TIMEOUT_NS is found by the next
 * poll and fails the device the same way, so no buffer is written after
 * its request has completed.
 */
#include <string.h>

#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../kernel/pm.h"
#include "../kernel/trap.h"
#include "blk.h"
#include "gpt.h"
#include "virtio_blk.h"

static struct vblk vblks[VBLK_MAX_DEVS];
static unsigned nvblks;

/* The device's status byte as a blk status (§5.2.6). */
static const struct {
	int status;
	const char *why;
} dev_status[] = {
	[VIRTIO_BLK_S_OK] = { BLK_OK, "ok" },
	[VIRTIO_BLK_S_IOERR] = { BLK_E_IO, "I/O error" },
	[VIRTIO_BLK_S_UNSUPP] = { BLK_E_IO, "unsupported request" },
};

static const char *const op_names[] = {
	[BLK_READ] = "read", [BLK_WRITE] = "write", [BLK_FLUSH] = "flush",
};

static void complete(struct vblk *v, unsigned i, int status)
{
	struct blk_req *r = v->slot[i].req;
	v->slot[i].req = NULL;
	v->inflight--;
	v->completed++;
	r->done(r, status);
}

/* Stop the device and fail everything in flight: after the reset it
 * touches no buffer (§4.1.4.3.1), so the requests may complete.  A device
 * that does not finish its reset may still write into them: those
 * requests are never completed (their waiters time out), so no buffer is
 * reused under a DMA. */
static void fail_device(struct vblk *v, int status)
{
	bool stopped = virtio_pci_reset(&v->vp);
	virtio_pci_failed(&v->vp);
	v->broken = true;
	if (!stopped) {
		kprintf("virtio-blk: %s: the device did not reset; its %u requests in flight are "
			"abandoned\n", v->blk.name, v->inflight);
		return;
	}
	for (unsigned i = 0; i < v->nslots; i++)
		if (v->slot[i].req)
			complete(v, i, status);
}

static void report(struct vblk *v, struct blk_req *r, const char *what)
{
	kprintf("virtio-blk: %s: %s of %u sectors at sector %lu: %s\n", v->blk.name,
		op_names[r->op], r->count, r->sector, what);
}

/* The slot a used element's id names, or -1. */
static int slot_of(struct vblk *v, uint32_t id)
{
	uint32_t per = v->indirect ? 1 : VBLK_CHAIN;
	if (id % per || id / per >= v->nslots || !v->slot[id / per].req)
		return -1;
	return (int)(id / per);
}

/* Complete what the device finished; interrupts off. */
static void reap(struct vblk *v)
{
	uint32_t id, len;
	uint16_t pending;
	enum virtq_pop_result res;
	while (!v->broken && (res = virtq_pop(&v->q, &id, &len, &pending)) != VIRTQ_EMPTY) {
		if (res == VIRTQ_BAD_INDEX || pending > v->inflight) {
			kprintf("virtio-blk: %s: the used index says %u completions, %u requests "
				"are in flight: device reset, requests failed\n", v->blk.name,
				pending, v->inflight);
			v->bad++;
			fail_device(v, BLK_E_IO);
			return;
		}
		int i = slot_of(v, id);
		if (i < 0) {
			kprintf("virtio-blk: %s: used element names descriptor %u, not a request "
				"in flight; ignored\n", v->blk.name, id);
			v->bad++;
			continue;
		}
		struct blk_req *r = v->slot[i].req;
		uint8_t st = v->dma[i].status;
		int status;
		if (len > v->slot[i].writable) {
			char why[64];
			ksnprintf(why, sizeof(why), "device wrote %u bytes, at most %u expected",
				  len, v->slot[i].writable);
			report(v, r, why);
			v->bad++;
			status = BLK_E_IO;
		} else if (st >= ARRAY_SIZE(dev_status) || !dev_status[st].why) {
			char why[40];
			ksnprintf(why, sizeof(why), "unknown device status %u", st);
			report(v, r, why);
			status = BLK_E_IO;
		} else {
			status = dev_status[st].status;
			if (status != BLK_OK)
				report(v, r, dev_status[st].why);
		}
		complete(v, (unsigned)i, status);
	}
}

static void vblk_poll(struct blk_dev *d)
{
	struct vblk *v = d->priv;
	uint64_t s = irq_save();
	reap(v);
	uint64_t now = time_ns();
	for (unsigned i = 0; i < v->nslots && !v->broken; i++) {
		struct vblk_slot *sl = &v->slot[i];
		if (sl->req && now - sl->started_ns > VBLK_TIMEOUT_NS) {
			report(v, sl->req, "no completion within 30 s; device reset, requests failed");
			fail_device(v, BLK_E_TIMEOUT);
		}
	}
	irq_restore(s);
}

static void vblk_irq(struct trap_frame *f, void *ctx)
{
	(void)f;
	reap(ctx);
}

/* Lay the chain for request r in slot i out in 'd' (the indirect table,
 * or the slot's run of ring descriptors starting at index 'base'). */
static unsigned build_chain(struct vblk *v, unsigned i, struct blk_req *r,
			    volatile struct virtq_desc *d, uint16_t base)
{
	struct vblk_dma *m = &v->dma[i];
	static const uint32_t types[] = {
		[BLK_READ] = VIRTIO_BLK_T_IN, [BLK_WRITE] = VIRTIO_BLK_T_OUT,
		[BLK_FLUSH] = VIRTIO_BLK_T_FLUSH,
	};
	m->hdr.type = types[r->op];
	m->hdr.reserved = 0;
	m->hdr.sector = r->op == BLK_FLUSH ? 0 : r->sector * v->sector_mult;
	m->status = 0xff;
	unsigned n = 0;
	d[n].addr = (uint64_t)&m->hdr;
	d[n].len = sizeof(m->hdr);
	d[n].flags = VIRTQ_DESC_F_NEXT;
	d[n].next = (uint16_t)(base + n + 1);
	n++;
	uint64_t addr = (uint64_t)r->buf;
	uint64_t left = (uint64_t)r->count * v->blk.sector_size;
	uint16_t dir = r->op == BLK_READ ? VIRTQ_DESC_F_WRITE : 0;
	v->slot[i].writable = 1 + (r->op == BLK_READ ? (uint32_t)left : 0);
	while (left) {
		uint32_t len = left < v->seg_bytes ? (uint32_t)left : v->seg_bytes;
		d[n].addr = addr;
		d[n].len = len;
		d[n].flags = VIRTQ_DESC_F_NEXT | dir;
		d[n].next = (uint16_t)(base + n + 1);
		n++;
		addr += len;
		left -= len;
	}
	d[n].addr = (uint64_t)&m->status;
	d[n].len = 1;
	d[n].flags = VIRTQ_DESC_F_WRITE;
	d[n].next = 0;
	return n + 1;
}

static int vblk_submit(struct blk_dev *d, struct blk_req *r)
{
	struct vblk *v = d->priv;
	if (v->suspended)
		return BLK_E_GONE;	/* hibernating: pm_suspend drained it */
	if (r->op == BLK_FLUSH && !v->has_flush) {
		/* §5.2.6.2: without FLUSH the device writes through. */
		r->done(r, BLK_OK);
		return BLK_OK;
	}
	uint64_t s = irq_save();
	int st = BLK_OK;
	unsigned i = 0;
	if (v->broken) {
		st = BLK_E_GONE;
		goto out;
	}
	while (i < v->nslots && v->slot[i].req)
		i++;
	if (i == v->nslots) {
		st = BLK_E_BUSY;
		goto out;
	}
	uint16_t head;
	if (v->indirect) {
		unsigned n = build_chain(v, i, r, v->dma[i].ind, 0);
		head = (uint16_t)i;
		v->q.desc[head].addr = (uint64_t)v->dma[i].ind;
		v->q.desc[head].len = n * sizeof(struct virtq_desc);
		v->q.desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		v->q.desc[head].next = 0;
	} else {
		head = (uint16_t)(i * VBLK_CHAIN);
		build_chain(v, i, r, &v->q.desc[head], head);
	}
	v->slot[i].req = r;
	v->slot[i].started_ns = time_ns();
	v->inflight++;
	virtq_publish(&v->q, head);
	if (virtq_needs_notify(&v->q))
		*v->notify = 0;		/* the queue index (§4.1.5.2) */
out:
	irq_restore(s);
	return st;
}

static const struct blk_ops vblk_ops = { vblk_submit, vblk_poll };

/* The configuration fields we use, read until the generation holds
 * still (§2.4.1). */
static void read_config(struct vblk *v, struct virtio_blk_config *c)
{
	uint8_t gen;
	do {
		gen = virtio_pci_config_generation(&v->vp);
		c->capacity = virtio_pci_cfg64(&v->vp, offsetof(struct virtio_blk_config, capacity));
		c->size_max = virtio_pci_cfg32(&v->vp, offsetof(struct virtio_blk_config, size_max));
		c->seg_max = virtio_pci_cfg32(&v->vp, offsetof(struct virtio_blk_config, seg_max));
		c->blk_size = virtio_pci_cfg32(&v->vp, offsetof(struct virtio_blk_config, blk_size));
	} while (gen != virtio_pci_config_generation(&v->vp));
}

/* Features we take when offered; VERSION_1 is required. */
static const uint64_t wanted = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
	VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
	VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
	VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);

static bool vblk_setup(struct vblk *v, struct pci_dev *pd, uint8_t *mem, bool irq)
{
	const char *name = v->blk.name;
	if (!virtio_pci_init(&v->vp, pd, name))
		return false;
	uint64_t offered = virtio_pci_device_features(&v->vp);
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		kprintf("virtio-blk: %s: device does not offer VIRTIO_F_VERSION_1\n", name);
		goto failed;
	}
	if (!virtio_pci_set_features(&v->vp, offered & wanted)) {
		kprintf("virtio-blk: %s: device refused features %#lx\n", name, offered & wanted);
		goto failed;
	}
	uint64_t f = v->vp.features;
	struct virtio_blk_config c;
	read_config(v, &c);

	v->sector_mult = 1;
	v->blk.sector_size = VIRTIO_BLK_SECTOR;
	if (f & VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE)) {
		if (c.blk_size < 512 || c.blk_size > 65536 || (c.blk_size & (c.blk_size - 1))) {
			kprintf("virtio-blk: %s: block size %u is not a power of two from 512 to "
				"65536\n", name, c.blk_size);
			goto failed;
		}
		v->blk.sector_size = c.blk_size;
		v->sector_mult = c.blk_size / VIRTIO_BLK_SECTOR;
	}
	if (c.capacity == 0 || c.capacity > (UINT64_MAX >> 10)) {
		kprintf("virtio-blk: %s: capacity %lu sectors is not usable\n", name, c.capacity);
		goto failed;
	}
	v->blk.sectors = c.capacity / v->sector_mult;
	v->seg_bytes = VBLK_SEG_DEFAULT;
	if ((f & VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX)) && c.size_max < v->seg_bytes)
		v->seg_bytes = (uint32_t)ALIGN_DOWN(c.size_max, v->blk.sector_size);
	v->segs_max = VBLK_SEGS_MAX;
	if ((f & VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX)) && c.seg_max < v->segs_max)
		v->segs_max = c.seg_max;
	if (v->seg_bytes == 0 || v->segs_max == 0) {
		kprintf("virtio-blk: %s: size_max %u, seg_max %u leave no room for data\n", name,
			c.size_max, c.seg_max);
		goto failed;
	}
	uint64_t max_bytes = (uint64_t)v->seg_bytes * v->segs_max;
	if (max_bytes > VBLK_REQ_MAX_BYTES)
		max_bytes = VBLK_REQ_MAX_BYTES;
	v->blk.max_sectors = (uint32_t)(max_bytes / v->blk.sector_size);
	v->blk.read_only = f & VIRTIO_BIT(VIRTIO_BLK_F_RO);
	v->has_flush = f & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	v->indirect = f & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);

	/* The queue: the largest power of two the device allows, up to
	 * VBLK_QUEUE_MAX (§2.6: a split queue's size is a power of two). */
	uint16_t qmax = virtio_pci_queue_max(&v->vp, 0);
	if (qmax == 0) {
		kprintf("virtio-blk: %s: device has no request queue\n", name);
		goto failed;
	}
	uint16_t qsize = VBLK_QUEUE_MAX;
	while (qsize > qmax)
		qsize >>= 1;
	unsigned per = v->indirect ? 1 : VBLK_CHAIN;
	v->nslots = qsize / per;
	if (v->nslots > VBLK_DEPTH_MAX)
		v->nslots = VBLK_DEPTH_MAX;
	if (v->nslots == 0) {
		kprintf("virtio-blk: %s: queue of %u entries is too small for one request of "
			"%u descriptors\n", name, qsize, per);
		goto failed;
	}
	v->blk.queue_depth = v->nslots;
	/* desc (16-aligned) and avail in one page, used (4-aligned) in the next. */
	_Static_assert(VIRTQ_DESC_BYTES(VBLK_QUEUE_MAX) + VIRTQ_AVAIL_BYTES(VBLK_QUEUE_MAX) <= 4096,
		       "ring layout");
	_Static_assert(VIRTQ_USED_BYTES(VBLK_QUEUE_MAX) <= 4096, "ring layout");
	memset(mem, 0, VBLK_MEM_BYTES);
	uint64_t ring = (uint64_t)mem;
	uint64_t avail = ring + VIRTQ_DESC_BYTES(qsize), used = ring + PAGE_SIZE;
	virtq_init(&v->q, qsize, (void *)ring, (void *)avail, (void *)used);
	v->dma = (struct vblk_dma *)(mem + 2 * PAGE_SIZE);

	if (irq && !v->vector)
		v->vector = irq_alloc_vector(vblk_irq, v);
	v->msix = irq && pci_msix_enable(pd, 0, v->vector);
	v->notify = virtio_pci_queue_setup(&v->vp, 0, qsize, ring, avail, used,
					   v->msix ? 0 : VIRTIO_MSI_NO_VECTOR, name);
	if (!v->notify)
		goto failed;
	virtio_pci_driver_ok(&v->vp);
	if (virtio_pci_status(&v->vp) & VIRTIO_STATUS_NEEDS_RESET) {
		kprintf("virtio-blk: %s: device needs a reset right after DRIVER_OK\n", name);
		goto failed;
	}
	return true;
failed:
	/* The ring and slot frames, if any, stay allocated: a device that
	 * saw their addresses may still hold them. */
	virtio_pci_failed(&v->vp);
	return false;
}

bool vblk_attach(struct vblk *v, struct pci_dev *pd, void *mem, bool irq)
{
	v->blk.driver = "virtio-blk";
	v->blk.ops = &vblk_ops;
	v->blk.priv = v;
	v->blk.align = 1;
	v->pd = pd;
	v->mem = mem;
	v->irq = irq;
	return vblk_setup(v, pd, mem, irq);
}

int vblk_suspend(struct vblk *v)
{
	if (v->broken || v->suspended)
		return 0;
	vblk_poll(&v->blk);
	if (v->inflight) {
		kprintf("virtio-blk: %s: %u requests still in flight; cannot suspend\n",
			v->blk.name, v->inflight);
		return -1;
	}
	if (!virtio_pci_reset(&v->vp))
		kprintf("virtio-blk: %s: the device did not finish its reset\n", v->blk.name);
	v->suspended = true;
	return 0;
}

/* The device may have changed under a restored kernel (another disk of
 * another size): what the setup reads from it now is what counts. */
bool vblk_resume(struct vblk *v)
{
	if (!v->suspended)
		return true;
	v->suspended = false;
	uint64_t sectors = v->blk.sectors;
	if (!vblk_setup(v, v->pd, v->mem, v->irq)) {
		fail_device(v, BLK_E_GONE);
		v->broken = true;
		kprintf("virtio-blk: %s: could not be set up again after suspend\n", v->blk.name);
		return false;
	}
	if (v->blk.sectors != sectors)
		kprintf("virtio-blk: %s: capacity changed from %lu to %lu sectors\n",
			v->blk.name, sectors, v->blk.sectors);
	return true;
}

bool is_virtio_blk(const struct pci_dev *d)
{
	return d->vendor == VIRTIO_PCI_VENDOR &&
	       (d->device == VIRTIO_PCI_DEVICE_MODERN(VIRTIO_ID_BLOCK) ||
		d->device == VIRTIO_PCI_DEVICE_BLK_TRANS);
}

static int vblk_pm_suspend(void)
{
	for (unsigned i = 0; i < nvblks; i++)
		if (vblk_suspend(&vblks[i]) != 0) {
			while (i-- > 0)
				vblk_resume(&vblks[i]);
			return -1;
		}
	return 0;
}

static void vblk_pm_resume(bool restored)
{
	(void)restored;
	for (unsigned i = 0; i < nvblks; i++)
		vblk_resume(&vblks[i]);
}

static const struct pm_ops vblk_pm = { "virtio-blk", vblk_pm_suspend, vblk_pm_resume };

static void virtio_blk_init(void)
{
	char pname[16];
	for (unsigned i = 0; i < pci_count(); i++) {
		struct pci_dev *pd = pci_get(i);
		if (!is_virtio_blk(pd) || pd->owner)
			continue;	/* not a disk, or the emulated host's */
		if (nvblks == VBLK_MAX_DEVS) {
			kprintf("virtio-blk: more than %u disks; %s ignored\n", VBLK_MAX_DEVS,
				pci_name(pd, pname));
			continue;
		}
		struct vblk *v = &vblks[nvblks];
		memset(v, 0, sizeof(*v));
		ksnprintf(v->blk.name, sizeof(v->blk.name), "vd%c", 'a' + nvblks);
		void *mem = (void *)page_alloc(VBLK_MEM_BYTES / PAGE_SIZE, FRAME_VOLATILE);
		if (!vblk_attach(v, pd, mem, true) || blk_register(&v->blk) != 0) {
			kprintf("virtio-blk: %s at %s not used\n", v->blk.name, pci_name(pd, pname));
			continue;
		}
		nvblks++;
		kprintf("virtio-blk: %s at %s: %lu sectors of %u bytes (%lu MiB)%s, "
			"queue %u, %u in flight, %u KiB per request, %s, %s%s\n",
			v->blk.name, pci_name(pd, pname), v->blk.sectors, v->blk.sector_size,
			v->blk.sectors * v->blk.sector_size / MiB, v->blk.read_only ? " read-only" : "",
			v->q.size, v->nslots, v->blk.max_sectors * v->blk.sector_size / 1024,
			v->indirect ? "indirect descriptors" : "chained descriptors",
			v->msix ? "MSI-X" : "polled (no MSI-X)", v->has_flush ? ", flush" : "");
		gpt_scan(&v->blk);	/* its partitions become devices too */
	}
	if (nvblks)
		pm_register(&vblk_pm);
}
INITCALL(virtio_blk_init, INIT_DRIVERS);
