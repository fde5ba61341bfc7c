/*
 * storvsp_defs.h - the emulated host's own reading of the synthetic SCSI
 * protocol (hv-vsc-protocols.md section 1) and of the SCSI commands it
 * serves (SPC-4, SBC-3).
 *
 * Written apart from the guest's drivers/storvsc_wire.h and scsi.h, as
 * vmbus_defs.h is from the guest's VMBus headers: a wrong offset on one
 * side fails the tests instead of being shared.  Packets are byte arrays
 * with the offsets of the reference tables.
 */
#ifndef HVSIM_STORVSP_DEFS_H
#define HVSIM_STORVSP_DEFS_H

/* 1.2 operations */
enum {
	SP_OP_COMPLETE_IO = 1, SP_OP_REMOVE_DEVICE = 2, SP_OP_EXECUTE_SRB = 3,
	SP_OP_RESET_LUN = 4, SP_OP_RESET_ADAPTER = 5, SP_OP_RESET_BUS = 6,
	SP_OP_BEGIN_INIT = 7, SP_OP_END_INIT = 8, SP_OP_QUERY_VERSION = 9,
	SP_OP_QUERY_PROPERTIES = 10, SP_OP_ENUMERATE_BUS = 11, SP_OP_FCHBA = 12,
	SP_OP_CREATE_SUBCHANNELS = 13, SP_OPS = 14,
};

/* 1.3 vstor_packet: operation, flags, status, then the payload at 12 */
#define SP_PKT_OP		0
#define SP_PKT_FLAGS		4
#define SP_PKT_STATUS		8
#define SP_PKT_PAYLOAD		12
#define SP_PKT_SIZE		64	/* WIN8 and later */
#define SP_PKT_SIZE_PRE8	48

/* 1.4 SRB, at packet offset 12 */
#define SP_SRB			12
#define SP_SRB_LENGTH		(SP_SRB + 0)
#define SP_SRB_SRB_STATUS	(SP_SRB + 2)
#define SP_SRB_SCSI_STATUS	(SP_SRB + 3)
#define SP_SRB_PATH		(SP_SRB + 5)
#define SP_SRB_TARGET		(SP_SRB + 6)
#define SP_SRB_LUN		(SP_SRB + 7)
#define SP_SRB_CDB_LEN		(SP_SRB + 8)
#define SP_SRB_SENSE_LEN	(SP_SRB + 9)
#define SP_SRB_DATA_IN		(SP_SRB + 10)
#define SP_SRB_XFER_LEN		(SP_SRB + 12)
#define SP_SRB_CDB		(SP_SRB + 16)	/* and the sense, in the answer */
#define SP_SENSE_MAX		20
#define SP_SENSE_MAX_PRE8	18
#define SP_DATA_OUT		0
#define SP_DATA_IN		1

/* 1.5 version payload and properties, at packet offset 12 */
#define SP_VER_MAJOR_MINOR	12
#define SP_PROP_MAX_CHANNELS	(12 + 4)
#define SP_PROP_FLAGS		(12 + 8)
#define SP_PROP_MAX_XFER	(12 + 12)
#define SP_V(maj, min)		((uint16_t)((maj) << 8 | (min)))
#define SP_V_WIN8		SP_V(5, 1)

/* 1.6 NTSTATUS */
#define SP_ST_SUCCESS			0x00000000u
#define SP_ST_BUFFER_OVERFLOW		0x80000005u
#define SP_ST_DEVICE_BUSY		0x80000011u
#define SP_ST_INVALID_PARAMETER		0xc000000du
#define SP_ST_REVISION_MISMATCH		0xc0000059u
#define SP_ST_DEVICE_DOES_NOT_EXIST	0xc00000c0u
#define SP_ST_INVALID_DEVICE_STATE	0xc0000184u
#define SP_ST_IO_DEVICE_ERROR		0xc0000185u

/* 1.6 SRB status */
#define SP_SRB_SUCCESS		0x01
#define SP_SRB_ERROR		0x04
#define SP_SRB_BUSY		0x05
#define SP_SRB_INVALID_REQUEST	0x06
#define SP_SRB_DATA_OVERRUN	0x12
#define SP_SRB_INVALID_LUN	0x20
#define SP_SRB_INVALID_TARGET	0x21
#define SP_SRB_AUTOSENSE	0x80

/* 1.8 GPA-direct packet: after the 16-byte descriptor */
#define SP_GPA_RANGE_COUNT	20
#define SP_GPA_BYTE_COUNT	24
#define SP_GPA_BYTE_OFFSET	28
#define SP_GPA_PFNS		32
#define SP_PKT_GPA_DIRECT	9

/* SCSI (SPC-4, SBC-3) */
#define SC_TEST_UNIT_READY	0x00
#define SC_REQUEST_SENSE	0x03
#define SC_INQUIRY		0x12
#define SC_READ_CAPACITY_10	0x25
#define SC_READ_10		0x28
#define SC_WRITE_10		0x2a
#define SC_SYNC_CACHE_10	0x35
#define SC_READ_16		0x88
#define SC_WRITE_16		0x8a
#define SC_RW_FUA		0x08	/* byte 1 of READ/WRITE(10)/(16) (SBC-3 5.35) */
#define SC_SYNC_CACHE_16	0x91
#define SC_SERVICE_ACTION_IN	0x9e
#define SC_SAI_READ_CAPACITY	0x10
#define SC_REPORT_LUNS		0xa0
#define SC_GOOD			0x00
#define SC_CHECK_CONDITION	0x02
#define SC_SK_MEDIUM_ERROR	0x3
#define SC_SK_ILLEGAL_REQUEST	0x5

#endif
