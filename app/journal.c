/*
 * journal.c - acknowledged writes for fault tests (journal.h).
 *
 * A record is acknowledged when its write and the flush after it both
 * returned success: from then on it must survive anything a test does
 * to the host (a rescind, a failed hibernation, a power cut after the
 * flush).  `journal verify` reads every acknowledged record back.
 *
 * The records live in the 8 MiB just below `disk test`'s scratch area
 * (the last 8 MiB of the hibernation partition), so neither clobbers the
 * other; an image large enough to reach them would overwrite them, which
 * the fault tests (small images) never do.  Each record's words depend
 * on its number and on an epoch drawn at the first `journal add`, so a
 * record left by an earlier run never verifies by accident.  The count
 * and the epoch are ordinary state: a hibernation keeps them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dormant.h"
#include "journal.h"

#define REC_BYTES	4096
#define AREA_MIB	8	/* the journal's area */
#define SCRATCH_MIB	8	/* disk test's area, above it */
#define ADD_MAX		256

static struct {
	unsigned long acked;	/* records 0 .. acked-1 are acknowledged */
	uint64_t epoch;
} jn;

static uint32_t word(unsigned long rec, unsigned w)
{
	uint64_t x = jn.epoch ^ ((uint64_t)rec << 20) ^ w;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* The partition and the journal's first sector; -1 (said why) if none. */
static int area(struct dormant_disk *d, uint64_t *first, unsigned long *cap)
{
	int i;
	for (i = 0; dormant_disk_info(i, d) == 0; i++)
		if (d->hibernation)
			break;
	if (dormant_disk_info(i, d) != 0) {
		printf("journal: refused: no hibernation partition on any disk\n");
		return -1;
	}
	uint64_t per_mib = (1u << 20) / d->sector_size;
	if (REC_BYTES % d->sector_size || d->sectors < per_mib * (AREA_MIB + SCRATCH_MIB) * 2) {
		printf("journal: refused: %s is too small or has %u-byte sectors\n", d->name,
		       d->sector_size);
		return -1;
	}
	*first = d->sectors - per_mib * (AREA_MIB + SCRATCH_MIB);
	*cap = (unsigned long)AREA_MIB * (1u << 20) / REC_BYTES;
	return 0;
}

static void add(unsigned long n)
{
	struct dormant_disk d;
	uint64_t first;
	unsigned long cap;
	if (area(&d, &first, &cap) != 0)
		return;
	if (n > cap - jn.acked) {
		printf("journal: refused: %lu more records would pass the %lu the area holds\n", n,
		       cap);
		return;
	}
	if (!jn.epoch)
		jn.epoch = (uint64_t)dormant_wall_ns() | 1;
	uint32_t *buf = malloc(REC_BYTES);
	if (!buf) {
		printf("journal: refused: no memory for a record\n");
		return;
	}
	uint32_t per = REC_BYTES / d.sector_size;
	unsigned long end = jn.acked + n;
	while (jn.acked < end) {
		for (unsigned w = 0; w < REC_BYTES / 4; w++)
			buf[w] = word(jn.acked, w);
		int st = dormant_disk_write(d.name, first + (uint64_t)jn.acked * per, per, buf);
		const char *what = "write";
		if (!st) {
			what = "flush";
			st = dormant_disk_flush(d.name);
		}
		if (st) {
			printf("journal: record %lu not acknowledged: %s: %s; %lu acknowledged\n",
			       jn.acked, what, dormant_disk_error(st), jn.acked);
			free(buf);
			return;
		}
		jn.acked++;
	}
	free(buf);
	printf("journal: %lu acknowledged\n", jn.acked);
}

static void verify(void)
{
	struct dormant_disk d;
	uint64_t first;
	unsigned long cap;
	if (area(&d, &first, &cap) != 0)
		return;
	uint32_t *buf = malloc(REC_BYTES);
	if (!buf) {
		printf("journal: refused: no memory for a record\n");
		return;
	}
	uint32_t per = REC_BYTES / d.sector_size;
	unsigned long bad = 0;
	for (unsigned long r = 0; r < jn.acked; r++) {
		int st = dormant_disk_read(d.name, first + (uint64_t)r * per, per, buf);
		if (st) {
			printf("journal: record %lu: read: %s\n", r, dormant_disk_error(st));
			bad++;
			continue;
		}
		for (unsigned w = 0; w < REC_BYTES / 4; w++)
			if (buf[w] != word(r, w)) {
				printf("journal: record %lu lost: word %u differs\n", r, w);
				bad++;
				break;
			}
	}
	free(buf);
	if (bad)
		printf("journal: verify FAILED: %lu of %lu acknowledged records lost\n", bad,
		       jn.acked);
	else
		printf("journal: %lu of %lu acknowledged records verified\n", jn.acked, jn.acked);
}

void journal_cmd(const char *arg)
{
	const char *usage = "usage: journal [add N | verify], N from 1 to 256";
	if (!*arg) {
		printf("journal: %lu acknowledged\n", jn.acked);
	} else if (strcmp(arg, "verify") == 0) {
		verify();
	} else if (strncmp(arg, "add ", 4) == 0) {
		char *end;
		unsigned long n = strtoul(arg + 4, &end, 10);
		if (end == arg + 4 || *end || n < 1 || n > ADD_MAX)
			printf("journal: refused: '%s': %s\n", arg, usage);
		else
			add(n);
	} else {
		printf("%s\n", usage);
	}
}
