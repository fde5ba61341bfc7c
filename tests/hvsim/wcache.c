/*
 * wcache.c - the host disks' volatile write cache (wcache.h).
 *
 * An append-only log of extents: a write is copied in and acknowledged;
 * a read from the disk gets the cached sectors laid over it, oldest
 * extent first so the newest wins.  When a write does not fit, or on a
 * flush (SYNCHRONIZE CACHE, a FUA write), every extent is written back
 * oldest first and the log starts again: between two flushes a power cut
 * may lose any suffix of what was written since the last write back,
 * the way a disk's cache loses what it had not yet destaged.
 */
#include <string.h>

#include "wcache.h"

int wcache_destage(struct wcache *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct wcache_extent *e = &c->ext[i];
		if (c->raw(e->d, e->sector, e->count, c->data + e->off) != 0)
			return -1;	/* kept: a later flush tries again */
	}
	if (c->n)
		c->destages++;
	c->n = 0;
	c->used = 0;
	return 0;
}

int wcache_write(struct wcache *c, struct vbh_disk *d, uint64_t sector, uint32_t count,
		 const void *buf)
{
	uint64_t bytes = (uint64_t)count * d->sector_size;
	if (c->through || bytes > WCACHE_BYTES) {
		/* Older cached data of these sectors must not land after it. */
		if (wcache_destage(c) != 0)
			return -1;
		return c->raw(d, sector, count, (void *)buf);
	}
	if (c->n == WCACHE_EXTENTS || bytes > WCACHE_BYTES - c->used)
		if (wcache_destage(c) != 0)
			return -1;
	struct wcache_extent *e = &c->ext[c->n++];
	e->d = d;
	e->sector = sector;
	e->count = count;
	e->off = c->used;
	memcpy(c->data + c->used, buf, bytes);
	c->used += (uint32_t)bytes;
	c->cached++;
	return 0;
}

void wcache_overlay(const struct wcache *c, const struct vbh_disk *d, uint64_t sector,
		    uint32_t count, void *buf)
{
	uint32_t ss = d->sector_size;
	for (unsigned i = 0; i < c->n; i++) {
		const struct wcache_extent *e = &c->ext[i];
		if (e->d != d || e->sector >= sector + count || sector >= e->sector + e->count)
			continue;
		uint64_t from = e->sector > sector ? e->sector : sector;
		uint64_t to = e->sector + e->count < sector + count ? e->sector + e->count
								    : sector + count;
		memcpy((uint8_t *)buf + (from - sector) * ss,
		       c->data + e->off + (from - e->sector) * ss, (to - from) * ss);
	}
}
