/*
 * blk.c - the block-device registry, request checks and the synchronous
 * helpers (blk.h).
 *
 * A partition is a device of its own whose submit shifts the sector by
 * its start and passes the request to its parent disk; the checks here
 * keep every request inside the device it names, so a partition's
 * request never reaches outside the partition.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "blk.h"

/* Longer than any driver's own bound: a driver completes every request it
 * accepted, with BLK_E_TIMEOUT when the device does not answer in time,
 * so the request (on the waiter's stack) is never touched after this. */
#define SYNC_TIMEOUT_NS	(60ull * 1000 * 1000 * 1000)

static struct blk_dev *devs[BLK_MAX_DEVS];
static unsigned ndevs;

int blk_register(struct blk_dev *d)
{
	if (ndevs == BLK_MAX_DEVS || !d->sector_size || !d->ops || !d->ops->submit)
		return -1;
	if (!d->align)
		d->align = 1;
	if (!d->queue_depth)
		d->queue_depth = 1;
	devs[ndevs++] = d;
	return 0;
}

void blk_unregister(struct blk_dev *d)
{
	for (unsigned i = 0; i < ndevs; i++) {
		if (devs[i] != d)
			continue;
		memmove(&devs[i], &devs[i + 1], (ndevs - i - 1) * sizeof(devs[0]));
		ndevs--;
		return;
	}
}

void blk_unregister_disk(struct blk_dev *d)
{
	for (unsigned i = ndevs; i-- > 0;)
		if (devs[i]->parent == d)
			blk_unregister(devs[i]);
	blk_unregister(d);
}

void blk_set_max_sectors(struct blk_dev *d, uint32_t n)
{
	d->max_sectors = n;
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i]->parent == d)
			devs[i]->max_sectors = n;
}

unsigned blk_count(void)
{
	return ndevs;
}

struct blk_dev *blk_get(unsigned i)
{
	return i < ndevs ? devs[i] : NULL;
}

struct blk_dev *blk_find(const char *name)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (strcmp(devs[i]->name, name) == 0)
			return devs[i];
	return NULL;
}

static const char *const status_names[] = {
	[0] = "ok", [1] = "I/O error", [2] = "sector out of range",
	[3] = "invalid request", [4] = "queue full", [5] = "device gone",
	[6] = "timed out", [7] = "read-only device", [8] = "medium error",
};

const char *blk_status_name(int status)
{
	unsigned i = status <= 0 ? (unsigned)-status : 99;
	return i < ARRAY_SIZE(status_names) && status_names[i] ? status_names[i] : "unknown";
}

int blk_submit(struct blk_dev *d, struct blk_req *r)
{
	if (r->op == BLK_FLUSH) {
		if (r->count)
			return BLK_E_INVAL;
	} else {
		if (r->op != BLK_READ && r->op != BLK_WRITE)
			return BLK_E_INVAL;
		if (r->count == 0 || r->count > d->max_sectors || !r->buf ||
		    ((uintptr_t)r->buf & (d->align - 1)))
			return BLK_E_INVAL;
		if (r->sector >= d->sectors || r->count > d->sectors - r->sector)
			return BLK_E_RANGE;
		if (r->op == BLK_WRITE && d->read_only)
			return BLK_E_READONLY;
	}
	return d->ops->submit(d, r);
}

void blk_poll(struct blk_dev *d)
{
	while (d->parent)
		d = d->parent;
	if (d->ops->poll)
		d->ops->poll(d);
}

struct sync {
	volatile bool done;
	volatile int status;
	struct blk_dev *dev;
};

static void sync_done(struct blk_req *r, int status)
{
	struct sync *s = r->ctx;
	s->status = status;
	s->done = true;
}

static bool sync_finished(void *arg)
{
	return ((struct sync *)arg)->done;
}

static void sync_poll(void *arg)
{
	blk_poll(((struct sync *)arg)->dev);
}

static int sync_io(struct blk_dev *d, enum blk_op op, uint64_t sector, uint32_t count, void *buf)
{
	struct sync s = { false, 0, d };
	struct blk_req r;
	int st;
	memset(&r, 0, sizeof(r));
	r.op = op;
	r.sector = sector;
	r.count = count;
	r.buf = buf;
	r.done = sync_done;
	r.ctx = &s;
	uint64_t end = time_ns() + SYNC_TIMEOUT_NS;
	while ((st = blk_submit(d, &r)) == BLK_E_BUSY) {
		blk_poll(d);
		if (time_ns() > end)
			return BLK_E_TIMEOUT;
		cpu_relax();	/* a spin-wait (and the host tests' clock moves) */
	}
	if (st != BLK_OK)
		return st;
	if (!wait_until(sync_finished, sync_poll, &s, end)) {
		kprintf("blk: %s: no completion for sector %lu within %llu s\n", d->name,
			sector, SYNC_TIMEOUT_NS / 1000000000ull);
		return BLK_E_TIMEOUT;
	}
	return s.status;
}

int blk_read(struct blk_dev *d, uint64_t sector, uint32_t count, void *buf)
{
	return sync_io(d, BLK_READ, sector, count, buf);
}

int blk_write(struct blk_dev *d, uint64_t sector, uint32_t count, const void *buf)
{
	return sync_io(d, BLK_WRITE, sector, count, (void *)buf);
}

int blk_flush(struct blk_dev *d)
{
	return sync_io(d, BLK_FLUSH, 0, 0, NULL);
}
