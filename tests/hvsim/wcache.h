/*
 * wcache.h - the emulated host disks' volatile write cache (wcache.c).
 *
 * A real disk acknowledges a write once it is in its cache and makes it
 * durable on SYNCHRONIZE CACHE, on a forced-unit-access write, or when
 * it needs the room; a power cut loses the rest.  The host's disks do
 * the same, so a test that kills QEMU loses what the guest never
 * flushed.  The cache lives in the host's memory region: zeroed at power
 * on, gone at a cut.
 */
#ifndef HVSIM_WCACHE_H
#define HVSIM_WCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmbus_host.h"

#define WCACHE_BYTES	(4u << 20)
#define WCACHE_EXTENTS	1024

/* Writes a cached extent through to the disk beneath. */
typedef int (*wcache_raw_write)(struct vbh_disk *d, uint64_t sector, uint32_t count, void *buf);

struct wcache_extent {
	struct vbh_disk *d;
	uint64_t sector;
	uint32_t count;
	uint32_t off;			/* in data[] */
};

struct wcache {
	uint8_t data[WCACHE_BYTES];
	struct wcache_extent ext[WCACHE_EXTENTS];	/* oldest first; none overlap */
	unsigned n;
	uint32_t used;			/* bytes of data[] */
	bool through;			/* `cache off`: write-through */
	wcache_raw_write raw;
	uint64_t cached, destages;	/* writes cached, write backs */
	uint64_t reached;		/* writes that reached the disk beneath */
	/* A power cut at a chosen write (`cut N`): cut() runs once reached
	 * gets to cut_at (0: never) and does not return. */
	uint64_t cut_at;
	void (*cut)(void);
};

/* Keep a write in the cache (making room first); 0 or -1 (a write back
 * failed).  A write bigger than the whole cache goes straight through. */
int wcache_write(struct wcache *c, struct vbh_disk *d, uint64_t sector, uint32_t count,
		 const void *buf);
/* Lay what the cache holds of these sectors over a read from the disk. */
void wcache_overlay(const struct wcache *c, const struct vbh_disk *d, uint64_t sector,
		    uint32_t count, void *buf);
/* Write every cached extent back, in sector order; 0 or -1. */
int wcache_destage(struct wcache *c);

#endif
