/*
 * blkio.h - the image writer's sink and the reader's source on a block
 * device (blkio.c): byte offsets of the hibernation partition turned into
 * sector requests no larger than the device takes.  Synchronous; polled
 * when interrupts are off, as the writer runs after the snapshot instant.
 */
#ifndef DORMANT_SNAPSHOT_BLKIO_H
#define DORMANT_SNAPSHOT_BLKIO_H

#include <stdbool.h>

#include "../drivers/blk.h"
#include "image_write.h"

/* Is d a hibernation partition (dormant's GPT type, on any disk: found
 * by type, not by controller, so the same on a new VM)? */
bool snap_is_partition(const struct blk_dev *d);
/* The first of them, or NULL. */
struct blk_dev *snap_partition(void);

/* The sink writes through d; ctx is d. */
void snap_blk_sink(struct blk_dev *d, struct img_sink *out);
/* img_reader.read for d (its ctx is d). */
int snap_blk_read(void *ctx, uint64_t off, void *buf, size_t len);

#endif
