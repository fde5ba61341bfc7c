/*
 * vmbus_wire.h - the VMBus protocol on the wire: control-message types,
 * protocol versions, connection ids, every control message the client
 * sends or receives, the ring-buffer control page, packet descriptors and
 * their type-specific headers, GUIDs and the device class GUIDs.
 *
 * Source: shared/docs/hv-core-protocol.md sections 6 (control messages),
 * 7 (ring buffers), 8 (packets) and 9 (GUIDs); section numbers below are
 * that document's.  Constants and layouts only: no client state lives
 * here.  All fields are little-endian (x86), every struct is packed, and
 * every size and offset the reference states is checked below its struct.
 *
 * Direction tags on message types: G->H = guest to host (we send it),
 * H->G = host to guest (we receive it, check it with vmbus_msg_check()).
 */
#ifndef DORMANT_VMBUS_WIRE_H
#define DORMANT_VMBUS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define VMBUS_PACKED	__attribute__((packed))

/* ---- 6.1, 6.2 Transport and fixed identifiers -------------------------- */

#define VMBUS_MESSAGE_SINT		2u	/* SINT for messages and channel events */
#define VMBUS_SYNIC_MESSAGE_TYPE	1u	/* HvCallPostMessage message type */
#define VMBUS_MSG_MAX_SIZE		240u	/* one SynIC message payload */

#define VMBUS_CONNID_MESSAGE		1u	/* control messages, versions < 5.0 */
#define VMBUS_CONNID_EVENT		2u	/* HvSignalEvent, version 0.13 only */
#define VMBUS_CONNID_MONITOR		3u	/* reserved for MNF; never signalled */
#define VMBUS_CONNID_MESSAGE_4		4u	/* INITIATE_CONTACT asking for >= 5.0 */

/* ---- 6.3 Channel message header and types ------------------------------ */

struct vmbus_msg_header {
	uint32_t type;			/* VMBUS_MSG_* */
	uint32_t padding;		/* 0 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_header) == 8, "6.3 header is 8 bytes");

#define VMBUS_MSG_INVALID			0u
#define VMBUS_MSG_OFFERCHANNEL			1u	/* H->G */
#define VMBUS_MSG_RESCIND_CHANNELOFFER		2u	/* H->G */
#define VMBUS_MSG_REQUESTOFFERS			3u	/* G->H */
#define VMBUS_MSG_ALLOFFERS_DELIVERED		4u	/* H->G */
#define VMBUS_MSG_OPENCHANNEL			5u	/* G->H */
#define VMBUS_MSG_OPENCHANNEL_RESULT		6u	/* H->G */
#define VMBUS_MSG_CLOSECHANNEL			7u	/* G->H */
#define VMBUS_MSG_GPADL_HEADER			8u	/* G->H */
#define VMBUS_MSG_GPADL_BODY			9u	/* G->H */
#define VMBUS_MSG_GPADL_CREATED			10u	/* H->G */
#define VMBUS_MSG_GPADL_TEARDOWN		11u	/* G->H */
#define VMBUS_MSG_GPADL_TORNDOWN		12u	/* H->G */
#define VMBUS_MSG_RELID_RELEASED		13u	/* G->H */
#define VMBUS_MSG_INITIATE_CONTACT		14u	/* G->H */
#define VMBUS_MSG_VERSION_RESPONSE		15u	/* H->G */
#define VMBUS_MSG_UNLOAD			16u	/* G->H */
#define VMBUS_MSG_UNLOAD_RESPONSE		17u	/* H->G, from 1.1 */
#define VMBUS_MSG_OPEN_RESERVED_CHANNEL		18u	/* G->H, 4.0; not used */
#define VMBUS_MSG_CLOSE_RESERVED_CHANNEL	19u	/* G->H; not used */
#define VMBUS_MSG_CLOSE_RESERVED_RESPONSE	20u	/* H->G, 4.0; not used */
#define VMBUS_MSG_TL_CONNECT_REQUEST		21u	/* G->H, 4.0; hvsock, not used */
#define VMBUS_MSG_MODIFYCHANNEL			22u	/* G->H, 4.1 */
#define VMBUS_MSG_TL_CONNECT_RESULT		23u	/* H->G, 4.1; hvsock, not used */
#define VMBUS_MSG_MODIFYCHANNEL_RESPONSE	24u	/* H->G, 5.3 */
#define VMBUS_MSG_MODIFY_CONNECTION		25u	/* G->H, 6.0 feature 0x4; not used */
#define VMBUS_MSG_MODIFY_CONNECTION_RESPONSE	26u	/* H->G, 6.0 feature 0x4; not used */
#define VMBUS_MSG_PAUSE				27u	/* G->H, 6.0 feature 0x20; not used */
#define VMBUS_MSG_PAUSE_RESPONSE		28u	/* H->G, 6.0 feature 0x20; not used */
#define VMBUS_MSG_RESUME			29u	/* G->H, 6.0 feature 0x20; not used */
#define VMBUS_MSG_COUNT				30u	/* types 0..29 are named */

/* ---- 6.4 Protocol versions ---------------------------------------------- */

#define VMBUS_VERSION(major, minor)	(((uint32_t)(major) << 16) | (uint32_t)(minor))
#define VMBUS_VERSION_MAJOR(v)		((uint32_t)(v) >> 16)
#define VMBUS_VERSION_MINOR(v)		((uint32_t)(v) & 0xffffu)

#define VMBUS_VERSION_WS2008		0x0000000du	/* 0.13 */
#define VMBUS_VERSION_WIN7		0x00010001u	/* 1.1 */
#define VMBUS_VERSION_WIN8		0x00020004u	/* 2.4 */
#define VMBUS_VERSION_WIN8_1		0x00030000u	/* 3.0 */
#define VMBUS_VERSION_WIN10		0x00040000u	/* 4.0 */
#define VMBUS_VERSION_WIN10_V4_1	0x00040001u	/* 4.1 */
#define VMBUS_VERSION_WIN10_V5		0x00050000u	/* 5.0 */
#define VMBUS_VERSION_WIN10_V5_1	0x00050001u	/* 5.1 */
#define VMBUS_VERSION_WIN10_V5_2	0x00050002u	/* 5.2 */
#define VMBUS_VERSION_WIN10_V5_3	0x00050003u	/* 5.3 */
#define VMBUS_VERSION_WIN10_V6_0	0x00060000u	/* 6.0: not offered */

/*
 * The versions the client offers, newest first (6.4 "Negotiation"):
 *	static const uint32_t versions[] = VMBUS_VERSIONS_NEWEST_FIRST;
 * 2.4 and older are not offered: they need the interrupt page, and
 * UNLOAD/reconnect (hibernation) is only usable from 3.0.
 */
#define VMBUS_VERSIONS_NEWEST_FIRST { \
	VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V5_2, \
	VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5, \
	VMBUS_VERSION_WIN10_V4_1, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN8_1 }
#define VMBUS_VERSIONS_COUNT		7u

_Static_assert(VMBUS_VERSION(5, 3) == VMBUS_VERSION_WIN10_V5_3, "version word");
_Static_assert(VMBUS_VERSION(0, 13) == VMBUS_VERSION_WS2008, "version word");
_Static_assert(sizeof((uint32_t[])VMBUS_VERSIONS_NEWEST_FIRST) ==
	       VMBUS_VERSIONS_COUNT * sizeof(uint32_t), "version list count");

/* ---- 6.5 INITIATE_CONTACT (14), G->H ------------------------------------ */

/* Sent to VMBUS_CONNID_MESSAGE_4 when asking for >= 5.0, else to
 * VMBUS_CONNID_MESSAGE.  Below 5.0 bytes 16..23 are interrupt_page; from
 * 5.0 on they are msg_sint / msg_vtl / reserved / feature_flags. */
struct vmbus_msg_initiate_contact {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_INITIATE_CONTACT */
	uint32_t version;		/* VMBUS_VERSION_* requested */
	uint32_t target_vcpu;		/* VP index receiving host messages */
	union {
		uint64_t interrupt_page;	/* < 5.0: GPA, 0 allowed from 2.4 */
		struct {
			uint8_t msg_sint;	/* >= 5.0: VMBUS_MESSAGE_SINT */
			uint8_t msg_vtl;	/* >= 5.0: 0 */
			uint8_t reserved[2];
			uint32_t feature_flags;	/* 6.0 only; 0 below */
		} VMBUS_PACKED;
	} VMBUS_PACKED;
	uint64_t monitor_page1;		/* parent->child MNF page GPA, or 0 */
	uint64_t monitor_page2;		/* child->parent MNF page GPA, or 0 */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == 40, "6.5 size 40");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, version) == 8, "6.5 version @8");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, target_vcpu) == 12, "6.5 target_vcpu @12");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, interrupt_page) == 16, "6.5 interrupt_page @16");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_sint) == 16, "6.5 msg_sint @16");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_vtl) == 17, "6.5 msg_vtl @17");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, reserved) == 18, "6.5 reserved @18");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, feature_flags) == 20, "6.5 feature_flags @20");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page1) == 24, "6.5 monitor_page1 @24");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page2) == 32, "6.5 monitor_page2 @32");

/* ---- 6.6 VERSION_RESPONSE (15), H->G ------------------------------------ */

struct vmbus_msg_version_response {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_VERSION_RESPONSE */
	uint8_t version_supported;	/* 1 accepted, 0 try a lower version */
	uint8_t connection_state;	/* VMBUS_CONNECTION_STATE_* */
	uint16_t padding;
	uint32_t msg_conn_id;		/* >= 5.0: connection id for later messages */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "6.6 size 16");
_Static_assert(offsetof(struct vmbus_msg_version_response, version_supported) == 8, "6.6 @8");
_Static_assert(offsetof(struct vmbus_msg_version_response, connection_state) == 9, "6.6 @9");
_Static_assert(offsetof(struct vmbus_msg_version_response, padding) == 10, "6.6 @10");
_Static_assert(offsetof(struct vmbus_msg_version_response, msg_conn_id) == 12, "6.6 @12");

#define VMBUS_CONNECTION_STATE_SUCCESS		0u
#define VMBUS_CONNECTION_STATE_LOW_RESOURCES	1u
#define VMBUS_CONNECTION_STATE_UNKNOWN_FAILURE	2u

/* ---- 6.7 Offers ---------------------------------------------------------- */

/* REQUESTOFFERS (3), G->H: header only. */
struct vmbus_msg_request_offers {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_REQUESTOFFERS */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_request_offers) == 8, "6.7 REQUESTOFFERS 8");

/* ALLOFFERS_DELIVERED (4), H->G: header only. */
struct vmbus_msg_all_offers_delivered {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_ALLOFFERS_DELIVERED */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_all_offers_delivered) == 8, "6.7 ALLOFFERS 8");

/* 16 bytes in the Microsoft GUID wire order (9.1); see VMBUS_GUID(). */
struct vmbus_guid {
	uint8_t b[16];
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_guid) == 16, "9.1 GUID is 16 bytes");

#define VMBUS_OFFER_USER_DATA_SIZE	120u

/* OFFERCHANNEL (1), H->G, 196 bytes (190 before 1.1, never negotiated). */
struct vmbus_msg_offer_channel {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_OFFERCHANNEL */
	struct vmbus_guid if_type;	/* device class (9.2) */
	struct vmbus_guid if_instance;	/* per device, stable */
	uint64_t reserved1;		/* FreeBSD/mu_msvm: interrupt latency */
	uint32_t reserved2;		/* FreeBSD/mu_msvm: interface revision */
	uint32_t reserved3;		/* FreeBSD/mu_msvm: server context size */
	uint16_t chan_flags;		/* VMBUS_OFFER_FLAG_* */
	uint16_t mmio_megabytes;
	uint8_t user_data[VMBUS_OFFER_USER_DATA_SIZE];	/* pipe mode: u32 pipe type first */
	uint16_t sub_channel_index;	/* 0 = primary */
	uint16_t reserved4;		/* OpenVMM/mu_msvm: optional MMIO megabytes */
	uint32_t child_relid;		/* channel id in later messages and event bits */
	uint8_t monitor_id;		/* MNF slot */
	uint8_t monitor_flags;		/* VMBUS_OFFER_MONITOR_ALLOCATED */
	uint16_t interrupt_flags;	/* VMBUS_OFFER_DEDICATED_INTERRUPT */
	uint32_t connection_id;		/* HvSignalEvent connection for this channel */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_offer_channel) == 196, "6.7 OFFERCHANNEL 196");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, if_type) == 8, "6.7 type GUID @8");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, if_instance) == 24, "6.7 instance GUID @24");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, reserved1) == 40, "6.7 reserved @40");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, reserved2) == 48, "6.7 reserved @48");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, reserved3) == 52, "6.7 reserved @52");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, chan_flags) == 56, "6.7 flags @56");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, mmio_megabytes) == 58, "6.7 MMIO MB @58");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, user_data) == 60, "6.7 user data @60");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, sub_channel_index) == 180, "6.7 sub_channel_index @180");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, reserved4) == 182, "6.7 reserved @182");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, child_relid) == 184, "6.7 child_relid @184");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, monitor_id) == 188, "6.7 monitor_id @188");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, monitor_flags) == 189, "6.7 monitor_allocated @189");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, interrupt_flags) == 190, "6.7 dedicated interrupt @190");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, connection_id) == 192, "6.7 connection_id @192");
_Static_assert(sizeof(struct vmbus_msg_offer_channel) <= VMBUS_MSG_MAX_SIZE, "offer fits a message");

/* chan_flags (u16 @56) */
#define VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE	0x0001u
#define VMBUS_OFFER_FLAG_SERVER_SUPPORTS_TRANSFER_PAGES	0x0002u	/* 6.0 confidential: encrypted ring */
#define VMBUS_OFFER_FLAG_SERVER_SUPPORTS_GPADLS		0x0004u	/* 6.0 confidential: encrypted external memory */
#define VMBUS_OFFER_FLAG_PIN_EXTERNAL_MEMORY		0x0008u	/* 6.0 (OpenVMM) */
#define VMBUS_OFFER_FLAG_NAMED_PIPE_MODE		0x0010u
#define VMBUS_OFFER_FLAG_LOOPBACK_OFFER			0x0100u
#define VMBUS_OFFER_FLAG_PARENT_OFFER			0x0200u
#define VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFICATION	0x0400u
#define VMBUS_OFFER_FLAG_TLNPI_PROVIDER_OFFER		0x2000u	/* hvsock */

/* monitor_flags (u8 @189), interrupt_flags (u16 @190) */
#define VMBUS_OFFER_MONITOR_ALLOCATED		0x01u
#define VMBUS_OFFER_DEDICATED_INTERRUPT		0x0001u

/* Named-pipe mode: u32 pipe type at the start of user_data (offer byte 60). */
#define VMBUS_PIPE_TYPE_BYTE		0u
#define VMBUS_PIPE_TYPE_MESSAGE		4u

/* A channel's monitor id m: trigger group m / 32, bit m % 32 (4.5, 6.8). */
#define VMBUS_MONITOR_GROUP_SHIFT	5
#define VMBUS_MONITOR_BIT_MASK		0x1fu

/* RESCIND_CHANNELOFFER (2), H->G. */
struct vmbus_msg_rescind_offer {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_RESCIND_CHANNELOFFER */
	uint32_t child_relid;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_rescind_offer) == 12, "6.7 RESCIND 12");
_Static_assert(offsetof(struct vmbus_msg_rescind_offer, child_relid) == 8, "6.7 RESCIND relid @8");

/* ---- 6.9 GPADL ----------------------------------------------------------- */

#define VMBUS_PAGE_SIZE		4096u	/* GPADL and ring pages are always 4 KiB */
#define VMBUS_PAGE_SHIFT	12

/* One range of a page list: byte_count bytes starting byte_offset into
 * the first page; followed on the wire by its PFNs (GPADL_HEADER and
 * GPA-direct packets, 8.3). */
struct vmbus_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "range header 8");

#define VMBUS_GPADL_HEADER_MAX_PFN	26u	/* (240 - 28) / 8 */
#define VMBUS_GPADL_BODY_MAX_PFN	28u	/* (240 - 16) / 8 */
/* range_buflen is a u16: 8 + 8 x PFNs <= 65535 (derived, 6.9). */
#define VMBUS_GPADL_MAX_PFN		8190u

/* GPADL_HEADER (8), G->H; the payload size sent is
 * VMBUS_GPADL_HEADER_SIZE(PFNs in this message). */
struct vmbus_msg_gpadl_header {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_GPADL_HEADER */
	uint32_t child_relid;
	uint32_t gpadl;			/* guest-chosen handle, non-zero */
	uint16_t range_buflen;		/* VMBUS_GPADL_RANGE_BUFLEN(all PFNs) */
	uint16_t rangecount;		/* 1 */
	struct vmbus_gpa_range range;	/* byte_count = pages x 4096, offset 0 */
	uint64_t pfn[VMBUS_GPADL_HEADER_MAX_PFN];
} VMBUS_PACKED;
#define VMBUS_GPADL_HEADER_SIZE(npfn)	(28u + 8u * (uint32_t)(npfn))
#define VMBUS_GPADL_RANGE_BUFLEN(npfn)	(8u + 8u * (uint32_t)(npfn))
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, child_relid) == 8, "6.9 relid @8");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, gpadl) == 12, "6.9 gpadl @12");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range_buflen) == 16, "6.9 range_buflen @16");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, rangecount) == 18, "6.9 rangecount @18");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range) + offsetof(struct vmbus_gpa_range, byte_count) == 20, "6.9 byte_count @20");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range) + offsetof(struct vmbus_gpa_range, byte_offset) == 24, "6.9 byte_offset @24");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, pfn) == 28, "6.9 pfn[] @28");
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == VMBUS_GPADL_HEADER_SIZE(VMBUS_GPADL_HEADER_MAX_PFN), "6.9 header size");
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) <= VMBUS_MSG_MAX_SIZE &&
	       VMBUS_GPADL_HEADER_SIZE(VMBUS_GPADL_HEADER_MAX_PFN + 1) > VMBUS_MSG_MAX_SIZE, "26 PFNs fill a header");
_Static_assert(VMBUS_GPADL_RANGE_BUFLEN(VMBUS_GPADL_MAX_PFN) <= 0xffffu &&
	       VMBUS_GPADL_RANGE_BUFLEN(VMBUS_GPADL_MAX_PFN + 1) > 0xffffu, "range_buflen bound");

/* GPADL_BODY (9), G->H; payload size VMBUS_GPADL_BODY_SIZE(PFNs). */
struct vmbus_msg_gpadl_body {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_GPADL_BODY */
	uint32_t msgnumber;		/* 0: the host relies on message order */
	uint32_t gpadl;
	uint64_t pfn[VMBUS_GPADL_BODY_MAX_PFN];
} VMBUS_PACKED;
#define VMBUS_GPADL_BODY_SIZE(npfn)	(16u + 8u * (uint32_t)(npfn))
_Static_assert(offsetof(struct vmbus_msg_gpadl_body, msgnumber) == 8, "6.9 msgnumber @8");
_Static_assert(offsetof(struct vmbus_msg_gpadl_body, gpadl) == 12, "6.9 body gpadl @12");
_Static_assert(offsetof(struct vmbus_msg_gpadl_body, pfn) == 16, "6.9 body pfn[] @16");
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == VMBUS_MSG_MAX_SIZE, "28 PFNs fill a body");

/* GPADL_CREATED (10), H->G. */
struct vmbus_msg_gpadl_created {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_GPADL_CREATED */
	uint32_t child_relid;
	uint32_t gpadl;
	uint32_t creation_status;	/* 0 = success */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "6.9 GPADL_CREATED 20");
_Static_assert(offsetof(struct vmbus_msg_gpadl_created, child_relid) == 8, "6.9 @8");
_Static_assert(offsetof(struct vmbus_msg_gpadl_created, gpadl) == 12, "6.9 @12");
_Static_assert(offsetof(struct vmbus_msg_gpadl_created, creation_status) == 16, "6.9 @16");

/* GPADL_TEARDOWN (11), G->H. */
struct vmbus_msg_gpadl_teardown {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_GPADL_TEARDOWN */
	uint32_t child_relid;
	uint32_t gpadl;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "6.9 GPADL_TEARDOWN 16");
_Static_assert(offsetof(struct vmbus_msg_gpadl_teardown, child_relid) == 8, "6.9 @8");
_Static_assert(offsetof(struct vmbus_msg_gpadl_teardown, gpadl) == 12, "6.9 @12");

/* GPADL_TORNDOWN (12), H->G. */
struct vmbus_msg_gpadl_torndown {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_GPADL_TORNDOWN */
	uint32_t gpadl;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "6.9 GPADL_TORNDOWN 12");
_Static_assert(offsetof(struct vmbus_msg_gpadl_torndown, gpadl) == 8, "6.9 @8");

/* ---- 6.10 Opening and closing a channel --------------------------------- */

#define VMBUS_OPEN_USER_DATA_SIZE	120u
#define VMBUS_TARGET_VP_NONE		0xffffffffu	/* OpenVMM/mu_msvm only [1] */

/* OPENCHANNEL (5), G->H, 148 bytes (the 6.0 extension is not used). */
struct vmbus_msg_open_channel {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_OPENCHANNEL */
	uint32_t child_relid;
	uint32_t openid;		/* echoed in OPENCHANNEL_RESULT */
	uint32_t ring_gpadl;		/* GPADL covering both rings */
	uint32_t target_vp;		/* VP whose SIEF gets the channel's events */
	uint32_t downstream_ring_pageoffset;	/* pages of the outbound ring incl. its control page */
	uint8_t user_data[VMBUS_OPEN_USER_DATA_SIZE];
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_channel) == 148, "6.10 OPENCHANNEL 148");
_Static_assert(offsetof(struct vmbus_msg_open_channel, child_relid) == 8, "6.10 @8");
_Static_assert(offsetof(struct vmbus_msg_open_channel, openid) == 12, "6.10 @12");
_Static_assert(offsetof(struct vmbus_msg_open_channel, ring_gpadl) == 16, "6.10 @16");
_Static_assert(offsetof(struct vmbus_msg_open_channel, target_vp) == 20, "6.10 @20");
_Static_assert(offsetof(struct vmbus_msg_open_channel, downstream_ring_pageoffset) == 24, "6.10 @24");
_Static_assert(offsetof(struct vmbus_msg_open_channel, user_data) == 28, "6.10 @28");

/* OPENCHANNEL_RESULT (6), H->G. */
struct vmbus_msg_open_result {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_OPENCHANNEL_RESULT */
	uint32_t child_relid;
	uint32_t openid;
	uint32_t status;		/* 0 = open */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "6.10 OPENCHANNEL_RESULT 20");
_Static_assert(offsetof(struct vmbus_msg_open_result, child_relid) == 8, "6.10 @8");
_Static_assert(offsetof(struct vmbus_msg_open_result, openid) == 12, "6.10 @12");
_Static_assert(offsetof(struct vmbus_msg_open_result, status) == 16, "6.10 @16");

/* CLOSECHANNEL (7), G->H; no reply. */
struct vmbus_msg_close_channel {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_CLOSECHANNEL */
	uint32_t child_relid;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_close_channel) == 12, "6.10 CLOSECHANNEL 12");
_Static_assert(offsetof(struct vmbus_msg_close_channel, child_relid) == 8, "6.10 @8");

/* MODIFYCHANNEL (22), G->H, >= 4.1. */
struct vmbus_msg_modify_channel {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_MODIFYCHANNEL */
	uint32_t child_relid;
	uint32_t target_vp;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_modify_channel) == 16, "6.10 MODIFYCHANNEL 16");
_Static_assert(offsetof(struct vmbus_msg_modify_channel, child_relid) == 8, "6.10 @8");
_Static_assert(offsetof(struct vmbus_msg_modify_channel, target_vp) == 12, "6.10 @12");

/* MODIFYCHANNEL_RESPONSE (24), H->G, >= 5.3. */
struct vmbus_msg_modify_channel_response {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_MODIFYCHANNEL_RESPONSE */
	uint32_t child_relid;
	uint32_t status;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_modify_channel_response) == 16, "6.10 MODIFYCHANNEL_RESPONSE 16");
_Static_assert(offsetof(struct vmbus_msg_modify_channel_response, child_relid) == 8, "6.10 @8");
_Static_assert(offsetof(struct vmbus_msg_modify_channel_response, status) == 12, "6.10 @12");

/* ---- 6.11 Rescind and relid release ------------------------------------- */

/* RELID_RELEASED (13), G->H. */
struct vmbus_msg_relid_released {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_RELID_RELEASED */
	uint32_t child_relid;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_relid_released) == 12, "6.11 RELID_RELEASED 12");
_Static_assert(offsetof(struct vmbus_msg_relid_released, child_relid) == 8, "6.11 @8");

/* ---- 6.12 UNLOAD --------------------------------------------------------- */

/* UNLOAD (16), G->H: header only. */
struct vmbus_msg_unload {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_UNLOAD */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_unload) == 8, "6.12 UNLOAD 8");

/* UNLOAD_RESPONSE (17), H->G: header only. */
struct vmbus_msg_unload_response {
	struct vmbus_msg_header hdr;	/* VMBUS_MSG_UNLOAD_RESPONSE */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_msg_unload_response) == 8, "6.12 UNLOAD_RESPONSE 8");

/* ---- 7.1 Ring buffer control page --------------------------------------- */

/* Each direction: this 4 KiB page, then N x 4 KiB of data (circular).
 * Indices are byte offsets into the data area, multiples of 8, < size. */
struct vmbus_ring_ctl {
	uint32_t write_index;		/* producer only */
	uint32_t read_index;		/* consumer only */
	uint32_t interrupt_mask;	/* consumer: non-zero = do not signal me */
	uint32_t pending_send_sz;	/* producer: bytes it waits for; 0 = not waiting */
	uint32_t reserved1[12];
	uint32_t feature_bits;		/* producer: VMBUS_RING_FEAT_* */
	uint8_t reserved2[VMBUS_PAGE_SIZE - 68];
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_ring_ctl) == 4096, "7.1 control page is 4096");
_Static_assert(offsetof(struct vmbus_ring_ctl, write_index) == 0, "7.1 write_index @0");
_Static_assert(offsetof(struct vmbus_ring_ctl, read_index) == 4, "7.1 read_index @4");
_Static_assert(offsetof(struct vmbus_ring_ctl, interrupt_mask) == 8, "7.1 interrupt_mask @8");
_Static_assert(offsetof(struct vmbus_ring_ctl, pending_send_sz) == 12, "7.1 pending_send_sz @12");
_Static_assert(offsetof(struct vmbus_ring_ctl, reserved1) == 16, "7.1 reserved @16");
_Static_assert(offsetof(struct vmbus_ring_ctl, feature_bits) == 64, "7.1 feature_bits @64");

#define VMBUS_RING_FEAT_PENDING_SEND_SZ	0x1u	/* producer supports pending_send_sz */
#define VMBUS_RING_TRAILER_SIZE		8u	/* u64 after every packet: start << 32 */
#define VMBUS_RING_TRAILER_SHIFT	32

/* ---- 8.1 Packet descriptor ---------------------------------------------- */

struct vmbus_pkt_desc {
	uint16_t type;			/* VMBUS_PKT_* */
	uint16_t offset8;		/* payload offset, 8-byte units */
	uint16_t len8;			/* packet length, 8-byte units, no trailer */
	uint16_t flags;			/* VMBUS_PKT_FLAG_* */
	uint64_t trans_id;		/* echoed in the completion */
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_pkt_desc) == 16, "8.1 descriptor 16");
_Static_assert(offsetof(struct vmbus_pkt_desc, type) == 0, "8.1 type @0");
_Static_assert(offsetof(struct vmbus_pkt_desc, offset8) == 2, "8.1 offset8 @2");
_Static_assert(offsetof(struct vmbus_pkt_desc, len8) == 4, "8.1 len8 @4");
_Static_assert(offsetof(struct vmbus_pkt_desc, flags) == 6, "8.1 flags @6");
_Static_assert(offsetof(struct vmbus_pkt_desc, trans_id) == 8, "8.1 trans_id @8");

#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED	0x0001u
#define VMBUS_PKT_ALIGN			8u
#define VMBUS_PKT_MAX_LEN		(0xffffu * 8u)	/* len8 is a u16 */

/* ---- 8.2 Packet types ---------------------------------------------------- */

#define VMBUS_PKT_INVALID			0x0u
#define VMBUS_PKT_SYNCH				0x1u
#define VMBUS_PKT_ADD_XFER_PAGESET		0x2u
#define VMBUS_PKT_RM_XFER_PAGESET		0x3u
#define VMBUS_PKT_ESTABLISH_GPADL		0x4u
#define VMBUS_PKT_TEARDOWN_GPADL		0x5u
#define VMBUS_PKT_DATA_INBAND			0x6u
#define VMBUS_PKT_DATA_USING_XFER_PAGES		0x7u
#define VMBUS_PKT_DATA_USING_GPADL		0x8u
#define VMBUS_PKT_DATA_USING_GPA_DIRECT		0x9u
#define VMBUS_PKT_CANCEL_REQUEST		0xau
#define VMBUS_PKT_COMP				0xbu
#define VMBUS_PKT_DATA_USING_ADDITIONAL_PKT	0xcu
#define VMBUS_PKT_ADDITIONAL_DATA		0xdu

/* ---- 8.3 Type-specific headers ------------------------------------------ */

/* In-band (6) and completion (0xb): the descriptor alone, offset8 = 2. */
#define VMBUS_PKT_INBAND_OFFSET8	2u

/* GPA direct (9): this header, then range_count ranges, each a
 * struct vmbus_gpa_range followed by ceil((byte_offset + byte_count) /
 * 4096) u64 PFNs; the in-band payload starts at offset8 x 8. */
struct vmbus_pkt_gpa_direct {
	struct vmbus_pkt_desc desc;	/* type VMBUS_PKT_DATA_USING_GPA_DIRECT */
	uint32_t reserved;
	uint32_t range_count;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_pkt_gpa_direct) == 24, "8.3 GPA direct header 24");
_Static_assert(offsetof(struct vmbus_pkt_gpa_direct, reserved) == 16, "8.3 reserved @16");
_Static_assert(offsetof(struct vmbus_pkt_gpa_direct, range_count) == 20, "8.3 range count @20");

/* Transfer-page packet (7), H->G: this header, then range_count ranges
 * into the guest's receive buffer. */
struct vmbus_pkt_xfer_pages {
	struct vmbus_pkt_desc desc;	/* type VMBUS_PKT_DATA_USING_XFER_PAGES */
	uint16_t xfer_pageset_id;
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_count;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_pkt_xfer_pages) == 24, "8.3 transfer-page header 24");
_Static_assert(offsetof(struct vmbus_pkt_xfer_pages, xfer_pageset_id) == 16, "8.3 @16");
_Static_assert(offsetof(struct vmbus_pkt_xfer_pages, sender_owns_set) == 18, "8.3 @18");
_Static_assert(offsetof(struct vmbus_pkt_xfer_pages, reserved) == 19, "8.3 @19");
_Static_assert(offsetof(struct vmbus_pkt_xfer_pages, range_count) == 20, "8.3 @20");

struct vmbus_xfer_page_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} VMBUS_PACKED;
_Static_assert(sizeof(struct vmbus_xfer_page_range) == 8, "8.3 transfer range 8");

/* ---- 9. GUIDs ------------------------------------------------------------- */

/*
 * A GUID constant from its text form aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee:
 *	VMBUS_GUID(0xaaaaaaaa, 0xbbbb, 0xcccc, 0xdd, 0xdd, 0xee, 0xee, 0xee,
 *		   0xee, 0xee, 0xee)
 * expands to a struct vmbus_guid initialiser in wire order (9.1): the
 * first three fields little-endian, the last eight bytes as written.
 */
#define VMBUS_GUID(d1, d2, d3, b0, b1, b2, b3, b4, b5, b6, b7) { { \
	(uint8_t)((d1) & 0xff), (uint8_t)(((d1) >> 8) & 0xff), \
	(uint8_t)(((d1) >> 16) & 0xff), (uint8_t)(((d1) >> 24) & 0xff), \
	(uint8_t)((d2) & 0xff), (uint8_t)(((d2) >> 8) & 0xff), \
	(uint8_t)((d3) & 0xff), (uint8_t)(((d3) >> 8) & 0xff), \
	(b0), (b1), (b2), (b3), (b4), (b5), (b6), (b7) } }

/* 9.2 class (interface type) GUIDs of the devices dormant drives. */
#define VMBUS_CLASS_SCSI	VMBUS_GUID(0xba6163d9, 0x04a1, 0x4d29, \
	0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)
#define VMBUS_CLASS_SHUTDOWN	VMBUS_GUID(0x0e0b6031, 0x5213, 0x4934, \
	0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb)
#define VMBUS_CLASS_TIMESYNC	VMBUS_GUID(0x9527e630, 0xd0ae, 0x497b, \
	0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf)
#define VMBUS_CLASS_HEARTBEAT	VMBUS_GUID(0x57164f39, 0x9115, 0x4e78, \
	0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
#define VMBUS_CLASS_KVP		VMBUS_GUID(0xa9a0f4e7, 0x5a45, 0x4d96, \
	0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6)
#define VMBUS_CLASS_VSS		VMBUS_GUID(0x35fa2e29, 0xea23, 0x4236, \
	0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40)
#define VMBUS_CLASS_BALLOON	VMBUS_GUID(0x525074dc, 0x8985, 0x46e2, \
	0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02)
#define VMBUS_CLASS_KEYBOARD	VMBUS_GUID(0xf912ad6d, 0x2b17, 0x48ea, \
	0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84)

#endif
