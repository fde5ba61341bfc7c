/*
 * restore.h - resuming an image found at boot (restore.c), and what the
 * boot kernel hands the restored one (issue 10, "Resume").
 */
#ifndef DORMANT_SNAPSHOT_RESTORE_H
#define DORMANT_SNAPSHOT_RESTORE_H

#include <stdint.h>

#include "../drivers/blk.h"
#include "context.h"
#include "image_check.h"
#include "image_wire.h"

/* Left by the boot kernel in a frame outside the image; the restored
 * kernel copies it before it allocates anything. */
struct snap_handoff {
	int64_t wall_ns;		/* the present, as the boot kernel knew it */
	uint64_t tsc_loader_entry;	/* this boot's loader entry (same TSC) */
	uint64_t image_bytes;
	uint64_t read_ns;		/* checking and loading the image */
};

/* The context the image's header must point at (hibernate.c). */
struct snap_cpu *snap_context(void);

/* Check the whole image on d (header h already checked against this
 * machine), load it and enter it: returns only when it cannot, with the
 * reason (a resume that fails before the jump leaves this kernel as it
 * was, and it boots on fresh). */
enum img_reason snap_restore(struct blk_dev *d, const struct img_header *h);

/* After snap_restore refused with IMG_R_PLAN: the address of the frame
 * written (or about to be) outside the plan. */
uint64_t snap_restore_outside(void);

/* Zero the header area and flush: 0, or the device's status. */
int snap_invalidate(struct blk_dev *d);

#endif
