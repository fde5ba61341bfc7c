/*
 * ring.h - VMBus ring buffers, guest side (hv-core-protocol.md 7 and 8).
 *
 * A channel has two rings in guest memory shared with the host: the
 * outbound ring (we produce, the host consumes) and the inbound ring (the
 * host produces, we consume).  Each is a 4 KiB control page and a circular
 * data area.  This file knows nothing about channels, GPADLs or signalling
 * hypercalls: it moves packets and tells the caller when the protocol says
 * the host must be signalled.  Pure code (<stdint.h>, <string.h>), so the
 * host unit tests and the fuzzers compile ring.c as it is.
 *
 * Trust: the host may change anything in shared memory at any time.  The
 * functions keep their own copy of the index this side owns, load the
 * host's index once per call, copy descriptors out before checking them
 * and never read or write outside the data area whatever the host stores.
 * A broken host shows up as a negative result (vmbus_ring_corrupt()): the
 * caller should stop using the channel; nothing here asserts on host data.
 *
 * Concurrency: one ring, one caller at a time (the channel's lock).
 */
#ifndef DORMANT_VMBUS_RING_H
#define DORMANT_VMBUS_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "vmbus_wire.h"

/* Results.  >= 0: protocol-normal outcomes; < 0: the ring is corrupt. */
enum vmbus_ring_result {
	VMBUS_RING_OK = 0,
	VMBUS_RING_EMPTY = 1,		/* read: no packet */
	VMBUS_RING_FULL = 2,		/* write: not enough room now; nothing written */
	VMBUS_RING_NOSPACE = 3,		/* caller's buffer too small; nothing consumed */
	VMBUS_RING_TOO_BIG = 4,		/* write: the packet can never fit this ring */
	VMBUS_RING_INVAL = 5,		/* caller error: bad size, pieces or descriptor */

	VMBUS_RING_BAD_WRITE_INDEX = -1,	/* write_index unaligned or >= size */
	VMBUS_RING_BAD_READ_INDEX = -2,		/* read_index unaligned or >= size */
	VMBUS_RING_BAD_LEN = -3,		/* descriptor len8 < 2 */
	VMBUS_RING_BAD_OFFSET = -4,		/* descriptor offset8 < 2 or > len8 */
	VMBUS_RING_TRUNCATED = -5,		/* packet + trailer larger than the bytes available */
};

static inline bool vmbus_ring_corrupt(int rc)
{
	return rc < 0;
}

/* Name of a result, for log lines. */
const char *vmbus_ring_strerror(int rc);

/*
 * One direction of a channel.  Fields are private to ring.c; the struct
 * is public so callers can embed it.
 */
struct vmbus_ring {
	struct vmbus_ring_ctl *ctl;	/* shared control page */
	uint8_t *data;			/* shared data area */
	uint32_t size;			/* bytes in the data area */
	uint32_t pos;			/* our index: next write / next read */
	uint32_t committed;		/* inbound: read_index last published */
	uint64_t batch;			/* inbound: bytes read since the last commit */
	uint32_t pending;		/* outbound: pending_send_sz we stored, or 0 */
};

/* Smallest and largest data areas accepted.  The protocol uses whole
 * 4 KiB pages; smaller multiples of 8 are allowed for tests and fuzzing. */
#define VMBUS_RING_MIN_DATA	32u
#define VMBUS_RING_MAX_DATA	0x80000000u

/*
 * Prepare a ring's memory before it is shared (6.10, 7.1): zero the
 * control page and set feature_bits (VMBUS_RING_FEAT_PENDING_SEND_SZ to
 * announce that we honour pending_send_sz, as Linux does in both rings).
 * The data area needs no initialisation.
 */
void vmbus_ring_ctl_prepare(struct vmbus_ring_ctl *ctl, uint32_t feature_bits);

/*
 * Attach r to a control page and a data area of size bytes (a multiple of
 * 8 in [VMBUS_RING_MIN_DATA, VMBUS_RING_MAX_DATA]; N x 4096 on the wire).
 * inbound selects the role: our index is read_index (inbound) or
 * write_index (outbound), taken from the control page.  Returns OK, INVAL
 * (bad size) or BAD_READ_INDEX / BAD_WRITE_INDEX (our index is not valid).
 */
int vmbus_ring_init(struct vmbus_ring *r, struct vmbus_ring_ctl *ctl, void *data,
		    uint32_t size, bool inbound);

/* ---- writing (outbound ring) ------------------------------------------- */

/* A piece of a packet; pieces are written back to back. */
struct vmbus_ring_piece {
	const void *buf;
	uint32_t len;
};

/*
 * Write one packet (7.2): the concatenation of n pieces, the first of
 * which starts with the packet's descriptor (at least 16 bytes), zero
 * padding to a multiple of 8, then the 8-byte trailer; then publish
 * write_index.  The descriptor's len8 must equal the padded length / 8
 * and its offset8 lie in [2, len8] (INVAL otherwise).
 *
 * Free-space rule: the packet goes in only if padded length + 8 < free
 * bytes (strictly less; the ring is never completely full).  Otherwise
 * nothing is written and the result is FULL, or TOO_BIG if it could not
 * fit even an empty ring.  With set_pending, FULL also stores the needed
 * byte count in pending_send_sz (the host then signals when that much is
 * free) and checks once more, writing the packet if the host freed room
 * meanwhile; the next successful write clears pending_send_sz.
 *
 * *signal (always set) is true iff the host must be signalled: after the
 * write, interrupt_mask is 0 and the host's read_index equals the old
 * write_index (it had read everything and may be idle).
 * Corrupt: BAD_READ_INDEX when the host's read_index is invalid.
 */
int vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_ring_piece *pieces,
		     unsigned int n, bool set_pending, bool *signal);

/* ---- reading (inbound ring) -------------------------------------------- */

/*
 * Read the next packet (7.3) into buf: the whole packet, descriptor
 * included, len8 x 8 bytes without the trailer; *len gets that length.
 * The descriptor at the start of buf is the validated copy (the host
 * cannot change it between check and use); everything after it is the
 * host's data, to be checked by the caller (e.g. range counts).  The
 * payload starts at offset8 x 8, which is in [16, *len].
 *
 * Results: OK; EMPTY (no packet); NOSPACE when buflen < the packet length
 * (*len = needed; nothing consumed, so call again with a bigger buffer,
 * buflen 0 to just ask); corrupt: BAD_WRITE_INDEX, BAD_LEN, BAD_OFFSET,
 * TRUNCATED.  A read consumes the packet privately: the host sees the
 * space only after vmbus_ring_commit_read().
 */
int vmbus_ring_read(struct vmbus_ring *r, void *buf, uint32_t buflen, uint32_t *len);

/*
 * Publish read_index after one or more reads (7.3 steps 4-5).  Returns
 * true iff the host must be signalled: the inbound ring's feature bit 0 is
 * set, pending_send_sz p is non-zero and this batch moved the writer's
 * free space from <= p (before) to > p (now).  False when nothing was read.
 */
bool vmbus_ring_commit_read(struct vmbus_ring *r);

/*
 * Optional polling protocol (7.3 step 6): mask the host's signals while
 * draining; unmask returns true if data arrived meanwhile (drain again:
 * that data's signal was suppressed).
 */
void vmbus_ring_mask(struct vmbus_ring *r);
bool vmbus_ring_unmask(struct vmbus_ring *r);

/* ---- building packets (8.3) -------------------------------------------- */

/*
 * Descriptor of an in-band packet (type VMBUS_PKT_DATA_INBAND, or
 * VMBUS_PKT_COMP for vmbus_pkt_completion) with payload_len bytes after
 * it: offset8 = 2, len8 = (16 + payload_len + 7) / 8.  Write it as
 * pieces {d, 16}, {payload, payload_len}.  OK or TOO_BIG.
 */
int vmbus_pkt_inband(struct vmbus_pkt_desc *d, uint64_t trans_id, uint16_t flags,
		     uint32_t payload_len);
/* A completion answers a packet that had flags bit 0: its trans_id, flags 0. */
int vmbus_pkt_completion(struct vmbus_pkt_desc *d, uint64_t trans_id, uint32_t payload_len);

/* One buffer of a GPA-direct packet: byte_count bytes starting
 * byte_offset (< 4096) into the page pfns[0], continuing in pfns[1..]. */
struct vmbus_gpa_buf {
	uint32_t byte_count;
	uint32_t byte_offset;
	const uint64_t *pfns;		/* ceil((byte_offset + byte_count) / 4096) */
};

/* PFNs a buffer of byte_count bytes at byte_offset spans. */
static inline uint32_t vmbus_gpa_pfn_count(uint32_t byte_offset, uint32_t byte_count)
{
	return (uint32_t)(((uint64_t)byte_offset + byte_count + VMBUS_PAGE_SIZE - 1) >>
			  VMBUS_PAGE_SHIFT);
}

/*
 * Build the header of a GPA-direct packet (type 9) into hdr (cap bytes):
 * descriptor, reserved, range count, then each buffer as a struct
 * vmbus_gpa_range and its PFNs; the in-band payload of payload_len bytes
 * follows (offset8 = header length / 8).  *hdr_len gets the header length
 * (a multiple of 8).  Write it as pieces {hdr, *hdr_len}, {payload, len}.
 * INVAL: no buffers, a zero byte_count or byte_offset >= 4096; NOSPACE:
 * cap too small; TOO_BIG: offset8 or len8 would not fit 16 bits.
 */
int vmbus_pkt_gpa_direct(void *hdr, uint32_t cap, uint64_t trans_id, uint16_t flags,
			 const struct vmbus_gpa_buf *bufs, uint32_t nbufs,
			 uint32_t payload_len, uint32_t *hdr_len);

#endif
