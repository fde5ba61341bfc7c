/*
 * ic_wire.h - the Integration Components protocol on the wire
 * (hv-vsc-protocols.md section 2): heartbeat, shutdown, time sync, and
 * what KVP and VSS need to be declined.
 *
 * Every IC message is one in-band VMBus packet whose payload is a pipe
 * header (the channels are offered in message-pipe mode), an icmsg
 * header and the message body.
 */
#ifndef DORMANT_IC_WIRE_H
#define DORMANT_IC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define IC_PACKED	__attribute__((packed))

/* 2.1 pipe header: flags is always 1 (data) */
struct ic_pipe_hdr {
	uint32_t flags;
	uint32_t msgsize;	/* bytes after this header */
} IC_PACKED;
_Static_assert(sizeof(struct ic_pipe_hdr) == 8, "2.1 pipe header");
#define IC_PIPE_DATA	1u

struct ic_version {
	uint16_t major;
	uint16_t minor;
} IC_PACKED;
_Static_assert(sizeof(struct ic_version) == 4, "2.3 version entry");

/* 2.1 icmsg_hdr, 20 bytes */
struct ic_msg_hdr {
	struct ic_version framework;	/* in use */
	uint16_t type;			/* IC_MSG_* */
	struct ic_version service;	/* in use */
	uint16_t size;			/* bytes of the body that follows */
	uint32_t status;		/* IC_S_* / IC_E_*, set by the responder */
	uint8_t transaction_id;		/* echoed */
	uint8_t flags;			/* IC_FLAG_* */
	uint16_t reserved;
} IC_PACKED;
_Static_assert(sizeof(struct ic_msg_hdr) == 20, "2.1 icmsg_hdr");
_Static_assert(offsetof(struct ic_msg_hdr, type) == 4, "2.1 icmsgtype @4");
_Static_assert(offsetof(struct ic_msg_hdr, size) == 10, "2.1 icmsgsize @10");
_Static_assert(offsetof(struct ic_msg_hdr, status) == 12, "2.1 status @12");
_Static_assert(offsetof(struct ic_msg_hdr, transaction_id) == 16, "2.1 xid @16");
_Static_assert(offsetof(struct ic_msg_hdr, flags) == 17, "2.1 flags @17");

/* The whole IC header at the start of the packet payload: 28 bytes. */
struct ic_hdr {
	struct ic_pipe_hdr pipe;
	struct ic_msg_hdr msg;
} IC_PACKED;
_Static_assert(sizeof(struct ic_hdr) == 28, "2.1 body at payload offset 28");

#define IC_MSG_NEGOTIATE	0u
#define IC_MSG_HEARTBEAT	1u
#define IC_MSG_KVP		2u
#define IC_MSG_SHUTDOWN		3u
#define IC_MSG_TIMESYNC		4u
#define IC_MSG_VSS		5u

#define IC_FLAG_TRANSACTION	0x1u
#define IC_FLAG_REQUEST		0x2u
#define IC_FLAG_RESPONSE	0x4u

#define IC_S_OK			0x00000000u
#define IC_E_FAIL		0x80004005u

/* 2.3 NEGOTIATE body: counts, then F framework and M service versions */
struct ic_negotiate {
	uint16_t framework_count;
	uint16_t service_count;
	uint32_t reserved;
	struct ic_version versions[];
} IC_PACKED;
_Static_assert(sizeof(struct ic_negotiate) == 8, "2.3 negotiate header");
#define IC_NEGOTIATE_MAX_VERSIONS	100u	/* per list, as Linux checks */

/* 2.4 heartbeat */
struct ic_heartbeat {
	uint64_t seq;
	uint32_t reserved[8];
} IC_PACKED;
_Static_assert(offsetof(struct ic_heartbeat, seq) == 0, "2.4 seq @0");
#define IC_HEARTBEAT_MIN	8u	/* only seq must be there */

/* 2.5 shutdown */
struct ic_shutdown {
	uint32_t reason;
	uint32_t timeout_s;
	uint32_t flags;		/* IC_SHUTDOWN_* */
	uint8_t message[2048];
} IC_PACKED;
_Static_assert(sizeof(struct ic_shutdown) == 2060, "2.5 body 2060");
_Static_assert(offsetof(struct ic_shutdown, flags) == 8, "2.5 flags @8");
#define IC_SHUTDOWN_MIN		12u	/* the fixed part, as FreeBSD */
#define IC_SHUTDOWN_FORCE	0x1u
#define IC_SHUTDOWN_RESTART	0x2u
#define IC_SHUTDOWN_HIBERNATE	0x4u

/* 2.6 time sync, service version 4.0 */
struct ic_timesync4 {
	uint64_t parent_time;		/* 100 ns since 1601-01-01 UTC */
	uint64_t vm_reference_time;	/* reference counter at that moment */
	uint8_t flags;			/* IC_TIMESYNC_* */
	uint8_t leap;
	uint8_t stratum;
	uint8_t reserved[3];
} IC_PACKED;
_Static_assert(sizeof(struct ic_timesync4) == 22, "2.6 v4 body 22");
_Static_assert(offsetof(struct ic_timesync4, flags) == 16, "2.6 v4 flags @16");

/* 2.6 time sync, service versions 1.0 and 3.0 */
struct ic_timesync3 {
	uint64_t parent_time;
	uint64_t child_time;
	uint64_t round_trip;
	uint8_t flags;
} IC_PACKED;
_Static_assert(sizeof(struct ic_timesync3) == 25, "2.6 v3 body 25");
_Static_assert(offsetof(struct ic_timesync3, flags) == 24, "2.6 v3 flags @24");

#define IC_TIMESYNC_SYNC	0x1u
#define IC_TIMESYNC_SAMPLE	0x2u
/* 100 ns units from 1601-01-01 to 1970-01-01 (Linux WLTIMEDELTA) */
#define IC_FILETIME_TO_UNIX	116444736000000000ull

#endif
