/*
 * msg.h - checks on VMBus control messages from the host, before any
 * field of them is used (hv-core-protocol.md 6.1: read payload_size, check
 * the minimum size per message type, ignore extra bytes).
 *
 * The client copies a SynIC message payload out of the SIMP slot first
 * (payload_size bytes, at most 240), then calls vmbus_msg_check() on its
 * copy; on VMBUS_MSG_OK the buffer holds at least the full struct of
 * vmbus_wire.h for that type.  Pure code, like ring.c.
 */
#ifndef DORMANT_VMBUS_MSG_H
#define DORMANT_VMBUS_MSG_H

#include <stdint.h>

#include "vmbus_wire.h"

enum vmbus_msg_verdict {
	VMBUS_MSG_OK = 0,
	VMBUS_MSG_NO_HEADER,		/* shorter than the 8-byte header */
	VMBUS_MSG_OVERSIZE,		/* longer than a SynIC payload (240) */
	VMBUS_MSG_UNKNOWN_TYPE,		/* type 0 or not in 6.3 */
	VMBUS_MSG_WRONG_DIRECTION,	/* a guest-to-host type */
	VMBUS_MSG_SHORT,		/* shorter than its type's layout */
	VMBUS_MSG_VERDICT_COUNT
};

/*
 * Check a host-to-guest message of size bytes.  *type (always set, 0 when
 * there is no header) gets the header's type for dispatch and logging.
 * Types whose layout dormant does not use (hvsock, reserved channels, 6.0)
 * only need the header: the caller ignores them.
 */
enum vmbus_msg_verdict vmbus_msg_check(const void *msg, uint32_t size, uint32_t *type);

/* Minimum size of a host-to-guest message type; 0 for guest-to-host or
 * unknown types. */
uint32_t vmbus_msg_min_size(uint32_t type);

/* "OFFERCHANNEL", ... or "unknown"; and the verdict's text. */
const char *vmbus_msg_name(uint32_t type);
const char *vmbus_msg_verdict_name(enum vmbus_msg_verdict v);

#endif
