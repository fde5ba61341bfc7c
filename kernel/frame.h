/*
 * frame.h - the physical frame allocator (frame.c).
 *
 * Every 4 KiB frame of RAM is in one of three states (DESIGN.md, Memory):
 *   free      - nobody uses it;
 *   owned     - holds kernel or application state; a hibernation image
 *               saves exactly the owned set;
 *   volatile  - in use but never saved: overlay pages, ring buffers,
 *               bounce buffers, scratch that is rebuilt after resume.
 * Frames that are not RAM (or that the kernel never manages) are absent.
 * A fourth state records frames the balloon driver gave to the host
 * (hv-vsc-protocols.md 3.6): lent - absent for every purpose of the
 * allocator and never saved, but remembered, so that only those frames
 * come back when the host returns pages, and a hibernation can check
 * that none is out.
 *
 * Rules: only free frames can be claimed or allocated; only owned or
 * volatile frames can be freed; owned and volatile may be converted into
 * each other; only free frames can be lent and only lent frames returned;
 * absent frames never change except through frame_add_free() and
 * frame_add_absent().
 * Breaking a rule returns an error and changes nothing.
 *
 * The state array lives in memory the caller provides (one byte a frame),
 * so the same code runs in the kernel and in host tests.
 */
#ifndef DORMANT_FRAME_H
#define DORMANT_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define FRAME_SIZE	((uint64_t)4096)
#define FRAME_SHIFT	12

enum frame_state {
	FRAME_ABSENT = 0,
	FRAME_FREE,
	FRAME_OWNED,
	FRAME_VOLATILE,
	FRAME_LENT,
	FRAME_NSTATES
};

struct frame_map {
	uint8_t *state;		/* one byte per frame */
	uint64_t nframes;	/* frames 0 .. nframes-1 are described */
	uint64_t count[FRAME_NSTATES];	/* frames in each state */
};

void frame_init(struct frame_map *fm, uint8_t *state, uint64_t nframes);
/* Make the whole frames inside [base, base+len) free (only absent ones). */
void frame_add_free(struct frame_map *fm, uint64_t base, uint64_t len);
/* Claim n frames at addr: each must be free.  0 or -1. */
int frame_claim(struct frame_map *fm, uint64_t addr, uint64_t n, enum frame_state to);
/* n contiguous free frames, searched from the top of memory down, so that
 * growth from the bottom of a large range (the heap) meets it last.
 * Returns the physical address, or 0 when no run is long enough. */
uint64_t frame_alloc(struct frame_map *fm, uint64_t n, enum frame_state to);
/* Owned or volatile frames back to free.  0 or -1. */
int frame_free(struct frame_map *fm, uint64_t addr, uint64_t n);
/* Owned <-> volatile.  0 or -1. */
int frame_convert(struct frame_map *fm, uint64_t addr, uint64_t n, enum frame_state to);
/* Free -> lent (the balloon gives them to the host) and back.  All n
 * frames must be in the starting state; 0, or -1 and nothing changed. */
int frame_lend(struct frame_map *fm, uint64_t addr, uint64_t n);
int frame_unlend(struct frame_map *fm, uint64_t addr, uint64_t n);
/* Absent -> free for memory added while running (hot-add): all n frames
 * must be absent and inside the map; 0, or -1 and nothing changed. */
int frame_add_absent(struct frame_map *fm, uint64_t addr, uint64_t n);
/* The highest run of free frames below frame 'below', at most max long:
 * its first frame's address and length in *len (0 when none). */
uint64_t frame_free_run_below(const struct frame_map *fm, uint64_t below, uint64_t max,
			      uint64_t *len);
enum frame_state frame_get(const struct frame_map *fm, uint64_t addr);

/* Enumerate runs of owned frames in address order.  Start with
 * *cursor = 0; each call returns true with the next run [*base, *base+*len). */
bool frame_owned_next(const struct frame_map *fm, uint64_t *cursor,
		      uint64_t *base, uint64_t *len);
/* The longest run of free frames (first of equals).  len 0 if none. */
void frame_largest_free(const struct frame_map *fm, uint64_t *base, uint64_t *len);

#endif
