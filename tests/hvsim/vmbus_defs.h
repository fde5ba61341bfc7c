/*
 * vmbus_defs.h - the emulated host's own reading of the VMBus protocol
 * (hv-core-protocol.md sections 6-9) and of the Integration Components
 * (hv-vsc-protocols.md section 2).
 *
 * Deliberately separate from the guest's vmbus/vmbus_wire.h: every
 * constant and offset is written here again, so that a wrong number on
 * one side fails the tests instead of being shared by both.  Messages are
 * handled as byte arrays with the offsets of the reference tables.
 */
#ifndef HVSIM_VMBUS_DEFS_H
#define HVSIM_VMBUS_DEFS_H

/* 6.2 */
#define VB_CONN_LEGACY		1
#define VB_CONN_V5		4
#define VB_SINT			2
#define VB_SYNIC_MSG_TYPE	1

/* 6.3 message types */
enum {
	VB_OFFER = 1, VB_RESCIND = 2, VB_REQUEST_OFFERS = 3, VB_ALL_OFFERS = 4,
	VB_OPEN = 5, VB_OPEN_RESULT = 6, VB_CLOSE = 7, VB_GPADL_HEADER = 8,
	VB_GPADL_BODY = 9, VB_GPADL_CREATED = 10, VB_GPADL_TEARDOWN = 11,
	VB_GPADL_TORNDOWN = 12, VB_RELID_RELEASED = 13, VB_INITIATE = 14,
	VB_VERSION_RESPONSE = 15, VB_UNLOAD = 16, VB_UNLOAD_RESPONSE = 17,
	VB_MSG_TYPES = 30,
};

/* 6.4 version words */
#define VB_VER(maj, min)	((uint32_t)(maj) << 16 | (min))
#define VB_V3_0			VB_VER(3, 0)
#define VB_V4_0			VB_VER(4, 0)
#define VB_V5_0			VB_VER(5, 0)
#define VB_V5_3			VB_VER(5, 3)

/* 6.5 INITIATE_CONTACT */
#define VB_INIT_VERSION		8
#define VB_INIT_TARGET_VCPU	12
#define VB_INIT_MSG_SINT	16	/* >= 5.0 */
#define VB_INIT_INTERRUPT_PAGE	16	/* < 5.0 */
#define VB_INIT_MONITOR1	24
#define VB_INIT_MONITOR2	32
#define VB_INIT_SIZE		40

/* 6.6 VERSION_RESPONSE */
#define VB_VRESP_SUPPORTED	8
#define VB_VRESP_STATE		9
#define VB_VRESP_CONN_ID	12
#define VB_VRESP_SIZE		16

/* 6.7 OFFERCHANNEL */
#define VB_OFFER_TYPE_GUID	8
#define VB_OFFER_INST_GUID	24
#define VB_OFFER_FLAGS		56
#define VB_OFFER_USER_DEF	60
#define VB_OFFER_SUBCHAN	180
#define VB_OFFER_RELID		184
#define VB_OFFER_MONITOR_ID	188
#define VB_OFFER_MONITOR_ALLOC	189
#define VB_OFFER_DEDICATED	190
#define VB_OFFER_CONN_ID	192
#define VB_OFFER_SIZE		196
#define VB_OFFER_FLAG_ENUMERATE	0x0001
#define VB_OFFER_FLAG_PIPE	0x0010
#define VB_PIPE_MESSAGE_MODE	4

/* RESCIND, CLOSE, RELID_RELEASED: relid at 8, 12 bytes */
#define VB_RELID_OFF		8
#define VB_RELID_MSG_SIZE	12

/* 6.9 GPADL */
#define VB_GPADL_HDR_RELID	8
#define VB_GPADL_HDR_HANDLE	12
#define VB_GPADL_HDR_RANGE_LEN	16
#define VB_GPADL_HDR_RANGE_CNT	18
#define VB_GPADL_HDR_BYTE_COUNT	20
#define VB_GPADL_HDR_BYTE_OFF	24
#define VB_GPADL_HDR_PFN	28
#define VB_GPADL_BODY_MSGNUM	8
#define VB_GPADL_BODY_HANDLE	12
#define VB_GPADL_BODY_PFN	16
#define VB_GPADL_CREATED_SIZE	20	/* relid 8, handle 12, status 16 */
#define VB_GPADL_TEARDOWN_SIZE	16	/* relid 8, handle 12 */
#define VB_GPADL_TORNDOWN_SIZE	12	/* handle 8 */

/* 6.10 OPENCHANNEL */
#define VB_OPEN_RELID		8
#define VB_OPEN_OPENID		12
#define VB_OPEN_GPADL		16
#define VB_OPEN_TARGET_VP	20
#define VB_OPEN_DOWN_OFFSET	24
#define VB_OPEN_SIZE		148
#define VB_OPEN_RESULT_SIZE	20	/* relid 8, openid 12, status 16 */

/* 7.1 ring control page */
#define VB_RING_WRITE		0
#define VB_RING_READ		4
#define VB_RING_INTR_MASK	8
#define VB_RING_PENDING_SEND	12
#define VB_RING_FEATURES	64
#define VB_RING_FEAT_PENDING	1

/* 8.1, 8.2 packets */
#define VB_PKT_INBAND		6
#define VB_PKT_COMP		11
#define VB_PKT_HDR		16
#define VB_PKT_FLAG_COMPLETION	1

/* IC framing (hv-vsc-protocols.md 2.1-2.6), offsets in the packet payload */
#define IC_PIPE_FLAGS		0	/* always 1 */
#define IC_PIPE_SIZE		4
#define IC_HDR			8
#define IC_FRAME_MAJ		(IC_HDR + 0)
#define IC_FRAME_MIN		(IC_HDR + 2)
#define IC_TYPE			(IC_HDR + 4)
#define IC_MSG_MAJ		(IC_HDR + 6)
#define IC_MSG_MIN		(IC_HDR + 8)
#define IC_SIZE			(IC_HDR + 10)
#define IC_STATUS		(IC_HDR + 12)
#define IC_XID			(IC_HDR + 16)
#define IC_FLAGS		(IC_HDR + 17)
#define IC_BODY			28
#define IC_FLAG_TRANSACTION	0x1
#define IC_FLAG_REQUEST		0x2
#define IC_FLAG_RESPONSE	0x4
enum { IC_NEGOTIATE = 0, IC_HEARTBEAT = 1, IC_KVP = 2, IC_SHUTDOWN = 3, IC_TIMESYNC = 4 };
#define IC_S_OK			0x00000000u
#define IC_E_FAIL		0x80004005u
#define IC_SHUTDOWN_FORCE	0x1
#define IC_SHUTDOWN_RESTART	0x2
#define IC_SHUTDOWN_HIBERNATE	0x4
#define IC_SHUTDOWN_BODY	2060
#define IC_KVP_BODY		2580	/* 2.7: header 4, index 4, value 2572 */
#define IC_TS_SYNC		0x1
#define IC_TS_SAMPLE		0x2
#define IC_TS_V4_BODY		22
/* 100 ns units from 1601-01-01 to 1970-01-01 */
#define IC_FILETIME_UNIX	116444736000000000ull

#endif
