/*
 * restore_plan.h - where each image page goes first, when the fresh
 * kernel that resumes is itself using some of the image's frames
 * (issue 10: "staging what collides and moving it from a routine in a page
 * outside both sets").
 *
 * Inputs are bitmaps (bitmap.h) over frames 0 .. nframes-1:
 *   target - the image's pages (img_read_pass1 leaves them);
 *   free   - frames the fresh kernel may overwrite now (free RAM, not its
 *            code, data, stack, heap or the reader's buffers).
 * A page whose target is free is loaded directly.  Otherwise its target
 * collides and the page goes to a staging frame that is free and not a
 * target; at the very end a routine copies each staging frame to its
 * target.  The routine, its stack, page tables and the move list must
 * survive those copies, so they live in routine frames: free, not a
 * target, not staging.  The caller says how many it needs.
 */
#ifndef DORMANT_RESTORE_PLAN_H
#define DORMANT_RESTORE_PLAN_H

#include <stdint.h>

struct restore_move {
	uint64_t staging;	/* PFN the page is loaded into */
	uint64_t target;	/* PFN it belongs at */
};

struct restore_plan {
	/* In. */
	uint64_t nframes;
	const uint8_t *target;
	const uint8_t *free;
	uint32_t routine_frames;	/* >= 1 */
	/* Out: moves in increasing target order, into the caller's arrays. */
	struct restore_move *moves;
	uint64_t moves_cap;
	uint64_t nmoves;
	uint64_t *routine;		/* routine_frames PFNs */
};

/* Targets that collide, and frames that may be staging or routine. */
void restore_plan_count(const struct restore_plan *p, uint64_t *collide,
			uint64_t *spare);

/* 0, or -1 when there are not enough spare frames (or moves_cap is too
 * small): then nothing may be restored and the kernel boots fresh. */
int restore_plan_make(struct restore_plan *p);

/* Where to load the page for target pfn: pfn itself, or its staging frame;
 * RESTORE_NOWHERE for a pfn that is not a planned target (stop restoring). */
#define RESTORE_NOWHERE	UINT64_MAX
uint64_t restore_plan_dest(const struct restore_plan *p, uint64_t pfn);

/*
 * What a made plan writes, for the restore to hold it to (restore.c):
 * pass 2 loads pages into the free targets and the staging frames, the
 * routine's own pages go into the routine frames, and the routine copies
 * each staging frame to its target.
 */
/* The frames pass 2 may write: free targets and staging frames.  bm has
 * BITMAP_BYTES(nframes) bytes and is cleared first. */
void restore_plan_loads(const struct restore_plan *p, uint8_t *bm);
/* Check a made plan against its inputs, before anything is written: each
 * move takes a spare frame (free, not a target) to a target this kernel
 * uses; every such target is moved once; targets and staging frames both
 * increase from move to move (restore_plan_dest searches them, and no
 * frame is taken twice); every routine frame is spare, not staging, and
 * its own.  RESTORE_NOWHERE when all holds, else the first frame found
 * at fault. */
uint64_t restore_plan_check(const struct restore_plan *p);

#endif
