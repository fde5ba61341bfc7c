/*
 * hostdisk.c - the emulated host's physical disks (hostdisk.h).
 *
 * The host claims the virtio-blk functions before the guest's drivers
 * look at the bus (pci_enumerated_hook), so the guest sees no PCI disk,
 * as a Gen2 VM sees none: its disks are LUNs of the synthetic SCSI
 * controller.  Each disk is driven polled, synchronously, from inside
 * the guest's SignalEvent hypercall; the guest's interrupts play no part.
 * Writes land in a volatile cache (wcache.h) until a flush, as a real
 * disk's do.
 */
#include <string.h>

#include "../../kernel/kernel.h"
#include "hostdisk.h"

#define HOST_IO_TIMEOUT_NS	(35ull * 1000 * 1000 * 1000)	/* past virtio-blk's own 30 s */

static void io_done(struct blk_req *r, int status)
{
	*(volatile int *)r->ctx = status;
}

static int wait_req(struct hostdisk *h, struct blk_req *r, volatile int *st)
{
	int s = blk_submit(&h->v.blk, r);
	if (s != BLK_OK)
		return -1;
	uint64_t end = time_ns() + HOST_IO_TIMEOUT_NS;
	while (*st == 1 && time_ns() < end)
		h->v.blk.ops->poll(&h->v.blk);
	return *st == BLK_OK ? 0 : -1;
}

static int raw_io(struct vbh_disk *d, bool write, uint64_t sector, uint32_t count, void *buf)
{
	struct hostdisk *h = d->priv;
	volatile int st = 1;
	struct blk_req r;
	memset(&r, 0, sizeof(r));
	r.op = write ? BLK_WRITE : BLK_READ;
	r.sector = sector;
	r.count = count;
	r.buf = buf;
	r.done = io_done;
	r.ctx = (void *)&st;
	return wait_req(h, &r, &st);
}

static int raw_write(struct vbh_disk *d, uint64_t sector, uint32_t count, void *buf)
{
	return raw_io(d, true, sector, count, buf);
}

static int hd_io(struct vbh_disk *d, bool write, uint64_t sector, uint32_t count, void *buf)
{
	struct hostdisk *h = d->priv;
	if (write)
		return wcache_write(h->cache, d, sector, count, buf);
	if (raw_io(d, false, sector, count, buf) != 0)
		return -1;
	wcache_overlay(h->cache, d, sector, count, buf);
	return 0;
}

static int hd_flush(struct vbh_disk *d)
{
	struct hostdisk *h = d->priv;
	if (wcache_destage(h->cache) != 0)
		return -1;
	volatile int st = 1;
	struct blk_req r;
	memset(&r, 0, sizeof(r));
	r.op = BLK_FLUSH;
	r.done = io_done;
	r.ctx = (void *)&st;
	return wait_req(h, &r, &st);
}

unsigned hostdisk_claim(struct hostdisk *hd, unsigned n, struct wcache *c)
{
	c->raw = raw_write;
	unsigned k = 0;
	char pname[16];
	for (unsigned i = 0; i < pci_count(); i++) {
		struct pci_dev *pd = pci_get(i);
		if (!is_virtio_blk(pd) || pd->owner)
			continue;
		pd->owner = "the emulated host";
		if (k == n) {
			kprintf("hvsim: host disk at %s: more than %u disks; not served\n",
				pci_name(pd, pname), n);
			continue;
		}
		struct hostdisk *h = &hd[k];
		memset(h, 0, sizeof(*h));
		ksnprintf(h->v.blk.name, sizeof(h->v.blk.name), "hd%u", k);
		if (!vblk_attach(&h->v, pd, h->mem, false)) {
			kprintf("hvsim: host disk at %s not usable\n", pci_name(pd, pname));
			continue;
		}
		struct vbh_disk *d = &h->d;
		memcpy(d->name, h->v.blk.name, sizeof(d->name) - 1);
		d->sector_size = h->v.blk.sector_size;
		d->sectors = h->v.blk.sectors;
		d->max_bytes = h->v.blk.max_sectors * h->v.blk.sector_size;
		d->io = hd_io;
		d->flush = hd_flush;
		d->priv = h;
		h->cache = c;
		if (vbh_add_disk(d) != 0)
			continue;
		kprintf("hvsim: host disk %s at %s: %lu MiB, served as SCSI LUN %u\n", d->name,
			pci_name(pd, pname), d->sectors * d->sector_size / MiB, k);
		k++;
	}
	return k;
}
