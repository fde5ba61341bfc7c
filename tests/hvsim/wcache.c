/*
 * wcache.c - the host disks' volatile write cache (wcache.h).
 *
 * A log of extents: a write is copied in and acknowledged; a read from
 * the disk gets the cached sectors laid over it.  When a write does not
 * fit, or on a flush (SYNCHRONIZE CACHE, a FUA write), every extent is
 * written back and the log starts again.  The write back goes in sector
 * order, not in the order the guest wrote, as a disk's elevator does: a
 * power cut while it runs leaves a later write on the platter and an
 * earlier one lost, so only a flush orders writes.  A write that
 * overlaps a cached one writes the cache back first (sector order
 * would otherwise let the older data land last).
 */
#include <string.h>

#include "wcache.h"

/* A write to the disk beneath; the power may go right after it. */
static int put(struct wcache *c, struct vbh_disk *d, uint64_t sector, uint32_t count, void *buf)
{
	if (c->raw(d, sector, count, buf) != 0)
		return -1;
	c->reached++;
	if (c->cut_at && c->reached >= c->cut_at && c->cut)
		c->cut();
	return 0;
}

static bool before(const struct wcache_extent *a, const struct wcache_extent *b)
{
	return a->d != b->d ? (uintptr_t)a->d < (uintptr_t)b->d : a->sector < b->sector;
}

int wcache_destage(struct wcache *c)
{
	uint16_t order[WCACHE_EXTENTS];
	for (unsigned i = 0; i < c->n; i++) {	/* insertion sort: n is small */
		unsigned j = i;
		for (; j > 0 && before(&c->ext[i], &c->ext[order[j - 1]]); j--)
			order[j] = order[j - 1];
		order[j] = (uint16_t)i;
	}
	for (unsigned i = 0; i < c->n; i++) {
		struct wcache_extent *e = &c->ext[order[i]];
		if (put(c, e->d, e->sector, e->count, c->data + e->off) != 0)
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
		return put(c, d, sector, count, (void *)buf);
	}
	bool overlap = false;
	for (unsigned i = 0; i < c->n && !overlap; i++)
		overlap = c->ext[i].d == d && c->ext[i].sector < sector + count &&
			  sector < c->ext[i].sector + c->ext[i].count;
	if (overlap || c->n == WCACHE_EXTENTS || bytes > WCACHE_BYTES - c->used)
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

/* Extents never overlap (an overlapping write destages first). */
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
