/*
 * storvsc_wire.h - the synthetic SCSI protocol on the wire
 * (hv-vsc-protocols.md section 1): vstor_packet, the SRB, the version
 * and properties payloads, operation codes and status values.
 *
 * Only layouts and constants; the driver (a later part of the disks
 * work) keeps its state elsewhere.  Every packet is sent as an in-band
 * VMBus packet of VSTOR_PACKET_SIZE bytes (WIN8+ layout: "send 64,
 * receive 64", 1.3); data travels in GPA-direct packets (1.8).
 */
#ifndef DORMANT_STORVSC_WIRE_H
#define DORMANT_STORVSC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define VSTOR_PACKED	__attribute__((packed))

/* 1.1 versions: (major << 8) | minor; newest first for negotiation. */
#define VSTOR_VERSION(maj, min)	((uint16_t)(((maj) << 8) | (min)))
#define VSTOR_VERSION_WIN6	VSTOR_VERSION(2, 0)	/* pre-WIN8 layout */
#define VSTOR_VERSION_WIN7	VSTOR_VERSION(4, 2)	/* pre-WIN8 layout */
#define VSTOR_VERSION_WIN8	VSTOR_VERSION(5, 1)
#define VSTOR_VERSION_WIN8_1	VSTOR_VERSION(6, 0)
#define VSTOR_VERSION_WIN10	VSTOR_VERSION(6, 2)
#define VSTOR_VERSIONS_NEWEST_FIRST { VSTOR_VERSION_WIN10, VSTOR_VERSION_WIN8_1, \
	VSTOR_VERSION_WIN8, VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN6 }

/* 1.2 operation codes (vstor_packet.operation) */
#define VSTOR_OP_COMPLETE_IO		1u	/* H->G */
#define VSTOR_OP_REMOVE_DEVICE		2u	/* H->G, unsolicited */
#define VSTOR_OP_EXECUTE_SRB		3u	/* G->H */
#define VSTOR_OP_RESET_LUN		4u
#define VSTOR_OP_RESET_ADAPTER		5u
#define VSTOR_OP_RESET_BUS		6u
#define VSTOR_OP_BEGIN_INITIALIZATION	7u	/* G->H */
#define VSTOR_OP_END_INITIALIZATION	8u	/* G->H */
#define VSTOR_OP_QUERY_PROTOCOL_VERSION	9u	/* G->H */
#define VSTOR_OP_QUERY_PROPERTIES	10u	/* G->H */
#define VSTOR_OP_ENUMERATE_BUS		11u	/* H->G, unsolicited: rescan */
#define VSTOR_OP_FCHBA_DATA		12u
#define VSTOR_OP_CREATE_SUB_CHANNELS	13u	/* G->H */

#define VSTOR_FLAG_REQUEST_COMPLETION	0x1u	/* on every guest packet */

/* 1.4 SRB (vmscsi_request); 36 bytes before WIN8, 52 from WIN8 on. */
#define VSTOR_CDB_MAX		16u
#define VSTOR_SENSE_MAX		20u	/* WIN8+; 18 before */
#define VSTOR_SENSE_MAX_PRE8	18u

struct vstor_srb {
	uint16_t length;		/* sizeof the SRB: 52 (36 pre-WIN8) */
	uint8_t srb_status;		/* VSTOR_SRB_* | flags, set by the host */
	uint8_t scsi_status;		/* SCSI status byte, set by the host */
	uint8_t port_number;
	uint8_t path_id;
	uint8_t target_id;
	uint8_t lun;
	uint8_t cdb_length;
	uint8_t sense_info_length;	/* guest: room; host: valid sense bytes */
	uint8_t data_in;		/* VSTOR_DATA_* */
	uint8_t reserved;
	uint32_t data_transfer_length;	/* guest: buffer; host: transferred */
	union {
		uint8_t cdb[VSTOR_CDB_MAX];
		uint8_t sense[VSTOR_SENSE_MAX];
	} VSTOR_PACKED;
	/* WIN8 extension */
	uint16_t reserve;
	uint8_t queue_tag;
	uint8_t queue_action;
	uint32_t srb_flags;		/* VSTOR_SRB_FLAG_* */
	uint32_t time_out_value;	/* seconds */
	uint32_t queue_sort_key;
} VSTOR_PACKED;
_Static_assert(sizeof(struct vstor_srb) == 52, "1.4 WIN8 SRB is 52 bytes");
_Static_assert(offsetof(struct vstor_srb, srb_status) == 2, "1.4 srb_status @2");
_Static_assert(offsetof(struct vstor_srb, scsi_status) == 3, "1.4 scsi_status @3");
_Static_assert(offsetof(struct vstor_srb, path_id) == 5, "1.4 path_id @5");
_Static_assert(offsetof(struct vstor_srb, target_id) == 6, "1.4 target_id @6");
_Static_assert(offsetof(struct vstor_srb, lun) == 7, "1.4 lun @7");
_Static_assert(offsetof(struct vstor_srb, cdb_length) == 8, "1.4 cdb_length @8");
_Static_assert(offsetof(struct vstor_srb, sense_info_length) == 9, "1.4 sense len @9");
_Static_assert(offsetof(struct vstor_srb, data_in) == 10, "1.4 data_in @10");
_Static_assert(offsetof(struct vstor_srb, data_transfer_length) == 12, "1.4 length @12");
_Static_assert(offsetof(struct vstor_srb, cdb) == 16, "1.4 cdb/sense @16");
_Static_assert(offsetof(struct vstor_srb, reserve) == 36, "1.4 pre-WIN8 SRB ends @36");
_Static_assert(offsetof(struct vstor_srb, queue_tag) == 38, "1.4 queue_tag @38");
_Static_assert(offsetof(struct vstor_srb, queue_action) == 39, "1.4 queue_action @39");
_Static_assert(offsetof(struct vstor_srb, srb_flags) == 40, "1.4 srb_flags @40");
_Static_assert(offsetof(struct vstor_srb, time_out_value) == 44, "1.4 timeout @44");
_Static_assert(offsetof(struct vstor_srb, queue_sort_key) == 48, "1.4 sort key @48");
#define VSTOR_SRB_SIZE_PRE8	36u

#define VSTOR_DATA_OUT		0u	/* write */
#define VSTOR_DATA_IN		1u	/* read */
#define VSTOR_DATA_NONE		2u

/* 1.5 protocol version payload */
struct vstor_version {
	uint16_t major_minor;
	uint16_t revision;		/* 0 */
} VSTOR_PACKED;
_Static_assert(sizeof(struct vstor_version) == 4, "1.5 version payload");

/* 1.5 channel properties (QUERY_PROPERTIES completion) */
struct vstor_properties {
	uint32_t reserved;
	uint16_t max_channel_count;	/* sub-channels the guest may ask for */
	uint16_t reserved1;
	uint32_t flags;			/* VSTOR_PROP_MULTI_CHANNEL */
	uint32_t max_transfer_bytes;	/* per SRB */
	uint64_t reserved2;
} VSTOR_PACKED;
_Static_assert(sizeof(struct vstor_properties) == 24, "1.5 properties are 24 bytes");
_Static_assert(offsetof(struct vstor_properties, max_channel_count) == 4, "1.5 @4");
_Static_assert(offsetof(struct vstor_properties, flags) == 8, "1.5 flags @8");
_Static_assert(offsetof(struct vstor_properties, max_transfer_bytes) == 12, "1.5 @12");
#define VSTOR_PROP_MULTI_CHANNEL	0x1u

/* 1.3 vstor_packet: 12-byte header, 52-byte payload union = 64 bytes */
#define VSTOR_PAYLOAD_SIZE	52u
struct vstor_packet {
	uint32_t operation;		/* VSTOR_OP_* */
	uint32_t flags;			/* VSTOR_FLAG_REQUEST_COMPLETION */
	uint32_t status;		/* NTSTATUS, host->guest (1.6) */
	union {
		struct vstor_srb srb;
		struct vstor_properties properties;
		struct vstor_version version;
		uint16_t sub_channel_count;
		uint8_t raw[VSTOR_PAYLOAD_SIZE];
	} VSTOR_PACKED;
} VSTOR_PACKED;
_Static_assert(sizeof(struct vstor_packet) == 64, "1.3 WIN8+ packet is 64 bytes");
_Static_assert(offsetof(struct vstor_packet, status) == 8, "1.3 status @8");
_Static_assert(offsetof(struct vstor_packet, srb) == 12, "1.3 payload @12");
#define VSTOR_PACKET_SIZE	64u
#define VSTOR_PACKET_SIZE_PRE8	48u	/* without the 16-byte WIN8 extension */

/* 1.6 vstor_packet.status (NTSTATUS), as OpenVMM produces them */
#define VSTOR_ST_SUCCESS		0x00000000u
#define VSTOR_ST_BUFFER_OVERFLOW	0x80000005u
#define VSTOR_ST_DEVICE_BUSY		0x80000011u
#define VSTOR_ST_UNSUCCESSFUL		0xc0000001u
#define VSTOR_ST_INVALID_PARAMETER	0xc000000du
#define VSTOR_ST_INVALID_DEVICE_REQUEST	0xc0000010u
#define VSTOR_ST_REVISION_MISMATCH	0xc0000059u
#define VSTOR_ST_DEVICE_NOT_CONNECTED	0xc000009du
#define VSTOR_ST_IO_TIMEOUT		0xc00000b5u
#define VSTOR_ST_DEVICE_DOES_NOT_EXIST	0xc00000c0u
#define VSTOR_ST_CANCELLED		0xc0000120u
#define VSTOR_ST_INVALID_DEVICE_STATE	0xc0000184u
#define VSTOR_ST_IO_DEVICE_ERROR	0xc0000185u

/* 1.6 srb_status: low 6 bits a code, two flag bits */
#define VSTOR_SRB_CODE_MASK		0x3fu
#define VSTOR_SRB_QUEUE_FROZEN		0x40u
#define VSTOR_SRB_AUTOSENSE_VALID	0x80u
#define VSTOR_SRB_PENDING		0x00u
#define VSTOR_SRB_SUCCESS		0x01u
#define VSTOR_SRB_ABORTED		0x02u
#define VSTOR_SRB_ERROR			0x04u
#define VSTOR_SRB_BUSY			0x05u
#define VSTOR_SRB_INVALID_REQUEST	0x06u
#define VSTOR_SRB_NO_DEVICE		0x08u
#define VSTOR_SRB_TIMEOUT		0x09u
#define VSTOR_SRB_SELECTION_TIMEOUT	0x0au
#define VSTOR_SRB_COMMAND_TIMEOUT	0x0bu
#define VSTOR_SRB_BUS_RESET		0x0eu
#define VSTOR_SRB_DATA_OVERRUN		0x12u	/* also underrun: count valid */
#define VSTOR_SRB_REQUEST_FLUSHED	0x16u
#define VSTOR_SRB_INVALID_LUN		0x20u
#define VSTOR_SRB_INVALID_TARGET_ID	0x21u
#define VSTOR_SRB_BAD_FUNCTION		0x22u

/* 1.6 srb_flags */
#define VSTOR_SRB_FLAG_QUEUE_ACTION_ENABLE	0x00000002u
#define VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER	0x00000008u
#define VSTOR_SRB_FLAG_DATA_IN			0x00000040u
#define VSTOR_SRB_FLAG_DATA_OUT			0x00000080u
#define VSTOR_SRB_FLAG_NO_QUEUE_FREEZE		0x00000100u

#endif
