/*
 * kbd_wire.h - the synthetic keyboard protocol on the wire
 * (hv-vsc-protocols.md section 4).  A raw channel: each message is the
 * whole payload of one in-band packet, no pipe header, and starts with a
 * u32 type.
 */
#ifndef DORMANT_KBD_WIRE_H
#define DORMANT_KBD_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define KBD_PACKED	__attribute__((packed))

#define KBD_VERSION_1_0		0x00010000u	/* major << 16 | minor */

#define KBD_PROTOCOL_REQUEST	1u	/* REQ guest->host */
#define KBD_PROTOCOL_RESPONSE	2u	/* RESP host->guest */
#define KBD_EVENT		3u	/* NOTE host->guest: a keystroke */
#define KBD_SET_LED		4u	/* NOTE guest->host */

struct kbd_protocol_request {
	uint32_t type;
	uint32_t version;
} KBD_PACKED;
_Static_assert(sizeof(struct kbd_protocol_request) == 8, "4 PROTOCOL_REQUEST 8");

struct kbd_protocol_response {
	uint32_t type;
	uint32_t status;		/* KBD_ACCEPTED */
} KBD_PACKED;
_Static_assert(sizeof(struct kbd_protocol_response) == 8, "4 PROTOCOL_RESPONSE 8");
#define KBD_ACCEPTED		0x1u

struct kbd_event {
	uint32_t type;
	uint16_t make_code;		/* scan code set 1, without prefix */
	uint16_t reserved;
	uint32_t info;			/* KBD_INFO_* */
} KBD_PACKED;
_Static_assert(sizeof(struct kbd_event) == 12, "4 EVENT 12");
_Static_assert(offsetof(struct kbd_event, make_code) == 4, "4 make_code @4");
_Static_assert(offsetof(struct kbd_event, info) == 8, "4 info @8");
#define KBD_INFO_UNICODE	0x1u
#define KBD_INFO_BREAK		0x2u
#define KBD_INFO_E0		0x4u
#define KBD_INFO_E1		0x8u

/* Linux: VMBUS_RING_SIZE(36 KiB) = 40 KiB a direction, control page in */
#define KBD_RING_PAGES		10u
#define KBD_MSG_MAX		64u	/* more than any message above */

#endif
