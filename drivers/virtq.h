/*
 * virtq.h - the driver's side of one split virtqueue (virtio 1.1 §2.6),
 * index arithmetic only (virtq.c).  Pure: the host unit test compiles it.
 *
 * Indices are free-running 16-bit counters that wrap at 65536; a ring
 * slot is index % size, and since size is a power of two that divides
 * 65536, the wrap needs no special case (§2.6.6, §2.6.8).  The used index
 * comes from the device: virtq_pop refuses one that claims more entries
 * than the ring holds.
 */
#ifndef DORMANT_VIRTQ_H
#define DORMANT_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_wire.h"

struct virtq {
	uint16_t size;			/* a power of two */
	volatile struct virtq_desc *desc;
	volatile struct virtq_avail *avail;
	volatile struct virtq_used *used;
	uint16_t avail_idx;		/* the next avail->idx we publish */
	uint16_t last_used;		/* the next used entry we read */
};

enum virtq_pop_result { VIRTQ_EMPTY, VIRTQ_GOT, VIRTQ_BAD_INDEX };

/* size must be a power of two; the memory zeroed. */
void virtq_init(struct virtq *q, uint16_t size, void *desc, void *avail, void *used);
/* Offer the chain starting at descriptor 'head' to the device. */
void virtq_publish(struct virtq *q, uint16_t head);
/* After publishing: does the device want a notification (§2.6.10.2)? */
bool virtq_needs_notify(const struct virtq *q);
/* The next used element.  VIRTQ_BAD_INDEX: the device's used index is
 * more than 'size' ahead of ours; *pending says by how much. */
enum virtq_pop_result virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len, uint16_t *pending);

#endif
