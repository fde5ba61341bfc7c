/*
 * blkio.c - hibernation image I/O on a block device (blkio.h).
 *
 * The writer and reader speak bytes in IMG_ALIGN units; a device takes
 * whole sectors, at most max_sectors a request.  An error is the device's
 * status, already logged by its driver with the device and sector.
 */
#include "../drivers/gpt.h"
#include "../kernel/kernel.h"
#include "blkio.h"

bool snap_is_partition(const struct blk_dev *d)
{
	return d->parent && gpt_type_is_hibernation(d->part_type);
}

struct blk_dev *snap_partition(void)
{
	for (unsigned i = 0; i < blk_count(); i++)
		if (snap_is_partition(blk_get(i)))
			return blk_get(i);
	return NULL;
}

static int xfer(struct blk_dev *d, bool write, uint64_t off, void *buf, size_t len)
{
	uint32_t ss = d->sector_size;
	if (off % ss || len % ss)
		return BLK_E_INVAL;
	uint8_t *p = buf;
	uint64_t sector = off / ss, left = len / ss;
	while (left) {
		uint32_t n = left < d->max_sectors ? (uint32_t)left : d->max_sectors;
		int st = write ? blk_write(d, sector, n, p) : blk_read(d, sector, n, p);
		if (st != BLK_OK)
			return st;
		sector += n;
		left -= n;
		p += (size_t)n * ss;
	}
	return BLK_OK;
}

static int sink_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	return xfer(ctx, true, off, (void *)buf, len);
}

static int sink_flush(void *ctx)
{
	return blk_flush(ctx);
}

int snap_blk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	return xfer(ctx, false, off, buf, len);
}

void snap_blk_sink(struct blk_dev *d, struct img_sink *out)
{
	out->write = sink_write;
	out->flush = sink_flush;
	out->ctx = d;
	out->capacity = d->sectors * d->sector_size;
}
