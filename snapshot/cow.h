/*
 * cow.h - one consistent copy of the owned frames, kept by copy-on-write
 * while the kernel goes on running to write it (snapshot/cow.c; issue 10,
 * "Consistency").
 *
 * At the snapshot instant cow_start() records which frames are owned,
 * switches to page tables of its own (volatile frames) in which every
 * writable owned frame is read-only, and installs a page-fault hook.  The
 * first write to such a frame afterwards (a timer interrupt, the image
 * writer's stack, a driver's state, the host writing a buffer through the
 * CPU) faults; the hook copies the frame as it was into a shadow frame
 * and lets the write go on.  cow_page() then gives every owned frame as it
 * was at the instant, whoever wrote it since.  The owned set and the CPU
 * context at that one instant are what the image holds.
 *
 * Device DMA does not go through the page tables: after the instant a
 * device may write only volatile frames (rings, queues, bounce buffers)
 * or memory allocated after the instant.
 *
 * Everything cow_start() and the hook touch is volatile and allocated by
 * cow_prepare() beforehand; the interrupt stacks (kstack.c) are copied at
 * the instant so that the CPU can push exception frames on them.  When the
 * shadow pool runs out, the hook lets the write through and marks the copy
 * torn: the image must then not be written (cow_torn()).
 */
#ifndef DORMANT_SNAPSHOT_COW_H
#define DORMANT_SNAPSHOT_COW_H

#include <stdbool.h>
#include <stdint.h>

/* What the fault hook changes: in a volatile frame, since a write to an
 * owned one would fault inside the fault handler. */
struct cow_live {
	uint32_t pool_used, tables_used;
	uint64_t faults;
	bool torn;		/* a write went through uncopied */
};

/* Set up before the instant (owned: a restored kernel frees what these
 * point at, whose contents are gone). */
struct cow {
	struct cow_live *lv;	/* one volatile frame */
	uint64_t nframes;
	uint8_t *owned;		/* bitmap: owned at the instant */
	uint32_t *shadow_of;	/* per frame: 0, or 1 + its shadow's index */
	uint8_t *pool;		/* shadow frames */
	uint32_t pool_cap;
	uint64_t tables;	/* a run of frames for the page tables */
	uint32_t tables_cap;
	uint64_t cr3, old_cr3;
	uint64_t owned_pages;	/* at the instant */
	bool active;
};

/* Allocate (volatile frames) for a copy with up to pool_pages frames
 * written after the instant.  0, or -1 when memory is short (nothing
 * kept). */
int cow_prepare(struct cow *c, uint32_t pool_pages);
/* The instant: interrupts must be off. */
void cow_start(struct cow *c);
/* Back to the kernel's page tables (which saw every write: the running
 * state), hook off. */
void cow_stop(struct cow *c);
/* Frame pfn (owned at the instant) as it was then. */
const void *cow_page(const struct cow *c, uint64_t pfn);
bool cow_torn(const struct cow *c);
/* Free what cow_prepare took; after cow_stop, or in a kernel restored
 * from an image (where the struct's pointers are the writer's). */
void cow_release(struct cow *c);

#endif
