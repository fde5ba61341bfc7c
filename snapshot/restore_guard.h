/*
 * restore_guard.h - the one way the restore path writes a frame
 * (restore_guard.c; issue 11: "no owned frame is ever written by the
 * restore path outside its plan").
 *
 * A guard holds a set of frames, the plan's (restore_plan.h), and writes
 * a page only into one of them: the frame is checked against the set,
 * and the copy itself runs under page tables of the guard's, which map
 * RAM read-only except that set (and the interrupt stacks, where the CPU
 * pushes a fault).  The second check does not trust the first: a copy
 * that ran past its page, or a write aimed at another frame than the one
 * checked, faults and is refused like a frame outside the set.  A refused
 * write changes nothing; the guard remembers the first.
 *
 * Switching page tables costs two TLB flushes, so writes that pass the
 * frame check wait in a queue and are copied together, under one switch,
 * when the queue is full or the caller flushes it.  The caller keeps the
 * source pages as they are until then.
 */
#ifndef DORMANT_SNAPSHOT_RESTORE_GUARD_H
#define DORMANT_SNAPSHOT_RESTORE_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#define GUARD_NONE	UINT64_MAX
#define GUARD_QUEUE	32

/* One page to copy: restore_copy.S reads these. */
struct guard_copy {
	uint64_t dst;		/* frame address */
	const void *src;	/* NULL: zeros */
};

struct restore_guard {
	const uint8_t *allowed;	/* bitmap over frames 0 .. nframes-1 */
	uint64_t nframes;
	uint64_t cr3;		/* the guard's tables; 0: only the frame check */
	uint64_t tables, ntables;	/* their frames */
	struct guard_copy queue[GUARD_QUEUE];
	uint32_t queued;
	uint64_t refused;	/* the first refused write's frame, or GUARD_NONE */
	bool by_mmu;		/* ... refused by the tables, not the frame check */
};

/* Start guarding writes into the frames of allowed (which must stay as
 * it is until restore_guard_end).  0, or -1 when the tables do not fit
 * in free memory: then only the frames are checked. */
int restore_guard_begin(struct restore_guard *g, const uint8_t *allowed, uint64_t nframes);

/* Write the page at src (NULL: zeros) into frame pfn, now or at the next
 * flush: 0, or -1 refused (this write, or one the queue held). */
int restore_guard_write(struct restore_guard *g, uint64_t pfn, const void *src);

/* Copy what the queue holds: 0, or -1 refused.  After a refusal the
 * guard takes no more writes. */
int restore_guard_flush(struct restore_guard *g);

/* Flush, and give the tables back: 0, or -1 when any write was refused
 * (g->refused says which; it stays). */
int restore_guard_end(struct restore_guard *g);

/* restore_copy.S: with cr3 loaded, copy n pages as the list says, then
 * load the CR3 there was again; 0, or 1 when a write faulted (CR2 has
 * its address; the copies before it are done).  Interrupts off.  For the
 * self-test too, which calls it directly. */
int restore_copy(uint64_t cr3, const struct guard_copy *list, uint64_t n);

#endif
