/* Host tests for vmbus/vmbus_wire.h and vmbus/msg.c.  The golden byte
 * sequences below were written by hand from the tables of
 * hv-core-protocol.md 6 and 9 (offsets in the comments), not produced by
 * the structs: a field that moves, or a wrong constant, changes bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* storvsc_wire.h is not used by a driver yet: compiling it here checks
 * its _Static_asserts against hv-vsc-protocols.md section 1. */
#include "../../drivers/storvsc_wire.h"
#include "../../vmbus/vmbus_wire.h"
#include "../../vmbus/msg.h"

/* ---- 6.5 INITIATE_CONTACT for 5.3 ------------------------------------- */

static void initiate_contact_5_3(void **state)
{
	(void)state;
	static const uint8_t golden[40] = {
		/*  0 */ 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* type 14, padding */
		/*  8 */ 0x03, 0x00, 0x05, 0x00,				/* version 5.3 */
		/* 12 */ 0x00, 0x00, 0x00, 0x00,				/* target_vcpu 0 */
		/* 16 */ 0x02, 0x00, 0x00, 0x00,				/* msg_sint 2, msg_vtl 0, reserved */
		/* 20 */ 0x00, 0x00, 0x00, 0x00,				/* feature_flags 0 */
		/* 24 */ 0x00, 0x50, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00,	/* monitor_page1 0x12345000 */
		/* 32 */ 0x00, 0x60, 0x34, 0x12, 0x01, 0x00, 0x00, 0x00,	/* monitor_page2 0x112346000 */
	};
	struct vmbus_msg_initiate_contact m;

	memset(&m, 0xff, sizeof(m));
	m.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
	m.hdr.padding = 0;
	m.version = VMBUS_VERSION_WIN10_V5_3;
	m.target_vcpu = 0;
	m.msg_sint = VMBUS_MESSAGE_SINT;
	m.msg_vtl = 0;
	m.reserved[0] = m.reserved[1] = 0;
	m.feature_flags = 0;
	m.monitor_page1 = 0x12345000;
	m.monitor_page2 = 0x112346000ull;
	assert_int_equal(sizeof(m), sizeof(golden));
	assert_memory_equal(&m, golden, sizeof(golden));

	/* Below 5.0 the same bytes 16..23 are the interrupt page GPA. */
	m.interrupt_page = 0x0102030405060708ull;
	const uint8_t ip[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	assert_memory_equal((uint8_t *)&m + 16, ip, 8);
}

/* ---- 6.6 VERSION_RESPONSE ---------------------------------------------- */

static void version_response_decode(void **state)
{
	(void)state;
	static const uint8_t wire[16] = {
		0x0f, 0, 0, 0, 0, 0, 0, 0,	/* type 15 */
		0x01,				/*  8 version_supported */
		0x00,				/*  9 connection_state */
		0xaa, 0xbb,			/* 10 padding */
		0x04, 0x00, 0x00, 0x00,		/* 12 msg_conn_id 4 */
	};
	struct vmbus_msg_version_response m;
	uint32_t type;

	assert_int_equal(vmbus_msg_check(wire, sizeof(wire), &type), VMBUS_MSG_OK);
	assert_int_equal(type, VMBUS_MSG_VERSION_RESPONSE);
	memcpy(&m, wire, sizeof(m));
	assert_int_equal(m.version_supported, 1);
	assert_int_equal(m.connection_state, VMBUS_CONNECTION_STATE_SUCCESS);
	assert_int_equal(m.msg_conn_id, VMBUS_CONNID_MESSAGE_4);
}

/* ---- 6.7 OFFERCHANNEL -------------------------------------------------- */

static void offer_channel_decode(void **state)
{
	(void)state;
	/* SCSI controller, instance 12345678-9abc-def0-1122-334455667788,
	 * sub-channel 2, relid 15, monitor 34 allocated, dedicated
	 * interrupt, connection 0x10023.  Unlisted bytes are 0. */
	static const uint8_t wire[196] = {
		[0] = 0x01,					/* type 1 */
		/* 8: interface type, wire order of 9.1's example */
		[8] = 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
		      0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f,
		/* 24: interface instance */
		[24] = 0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
		       0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		[40] = 0x10, 0x27,				/* reserved (latency) */
		[56] = 0x01, 0x04,				/* flags 0x0401 */
		[58] = 0x08, 0x00,				/* MMIO 8 MB */
		[60] = 0x04, 0x00, 0x00, 0x00,			/* user data: pipe type 4 */
		[179] = 0xee,					/* last user-data byte */
		[180] = 0x02, 0x00,				/* sub_channel_index 2 */
		[184] = 0x0f, 0x00, 0x00, 0x00,			/* child_relid 15 */
		[188] = 0x22,					/* monitor_id 34 */
		[189] = 0x01,					/* monitor allocated */
		[190] = 0x01, 0x00,				/* dedicated interrupt */
		[192] = 0x23, 0x00, 0x01, 0x00,			/* connection_id 0x10023 */
	};
	static const struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
	static const struct vmbus_guid inst = VMBUS_GUID(0x12345678, 0x9abc, 0xdef0,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88);
	struct vmbus_msg_offer_channel m;
	uint32_t type, pipe;

	assert_int_equal(vmbus_msg_check(wire, sizeof(wire), &type), VMBUS_MSG_OK);
	assert_int_equal(type, VMBUS_MSG_OFFERCHANNEL);
	assert_int_equal(vmbus_msg_check(wire, 195, &type), VMBUS_MSG_SHORT);
	assert_int_equal(vmbus_msg_check(wire, 190, &type), VMBUS_MSG_SHORT);	/* pre-1.1 layout */

	memcpy(&m, wire, sizeof(m));
	assert_int_equal(m.hdr.type, VMBUS_MSG_OFFERCHANNEL);
	assert_memory_equal(&m.if_type, &scsi, 16);
	assert_memory_equal(&m.if_instance, &inst, 16);
	assert_int_equal(m.reserved1, 10000);
	assert_int_equal(m.chan_flags, VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE |
				       VMBUS_OFFER_FLAG_REQUEST_MONITORED_NOTIFICATION);
	assert_int_equal(m.mmio_megabytes, 8);
	memcpy(&pipe, m.user_data, 4);
	assert_int_equal(pipe, VMBUS_PIPE_TYPE_MESSAGE);
	assert_int_equal(m.user_data[VMBUS_OFFER_USER_DATA_SIZE - 1], 0xee);
	assert_int_equal(m.sub_channel_index, 2);
	assert_int_equal(m.reserved4, 0);
	assert_int_equal(m.child_relid, 15);
	assert_int_equal(m.monitor_id, 34);
	assert_int_equal(m.monitor_id >> VMBUS_MONITOR_GROUP_SHIFT, 1);
	assert_int_equal(m.monitor_id & VMBUS_MONITOR_BIT_MASK, 2);
	assert_int_equal(m.monitor_flags & VMBUS_OFFER_MONITOR_ALLOCATED, 1);
	assert_int_equal(m.interrupt_flags & VMBUS_OFFER_DEDICATED_INTERRUPT, 1);
	assert_int_equal(m.connection_id, 0x10023);
}

/* ---- 6.9 GPADL for 30 pages: one header (26 PFNs) and one body (4) ---- */

/* PFN i of the test GPADL: 0x12340 + i, little-endian at p. */
static void put_pfn_le(uint8_t *p, uint32_t i)
{
	uint32_t pfn = 0x12340 + i;
	p[0] = (uint8_t)pfn;
	p[1] = (uint8_t)(pfn >> 8);
	p[2] = (uint8_t)(pfn >> 16);
	memset(p + 3, 0, 5);
}

static void gpadl_30_pages(void **state)
{
	(void)state;
	uint8_t golden_h[236], golden_b[48];
	static const uint8_t head_h[28] = {
		/*  0 */ 0x08, 0, 0, 0, 0, 0, 0, 0,		/* type 8 */
		/*  8 */ 0x07, 0x00, 0x00, 0x00,		/* child_relid 7 */
		/* 12 */ 0x10, 0x1e, 0x0e, 0x00,		/* gpadl 0xe1e10 */
		/* 16 */ 0xf8, 0x00,				/* range_buflen 8 + 8 x 30 = 248 */
		/* 18 */ 0x01, 0x00,				/* rangecount 1 */
		/* 20 */ 0x00, 0xe0, 0x01, 0x00,		/* byte_count 30 x 4096 = 0x1e000 */
		/* 24 */ 0x00, 0x00, 0x00, 0x00,		/* byte_offset 0 */
	};
	static const uint8_t head_b[16] = {
		/*  0 */ 0x09, 0, 0, 0, 0, 0, 0, 0,		/* type 9 */
		/*  8 */ 0x00, 0x00, 0x00, 0x00,		/* msgnumber 0 */
		/* 12 */ 0x10, 0x1e, 0x0e, 0x00,		/* gpadl 0xe1e10 */
	};
	memcpy(golden_h, head_h, 28);
	for (uint32_t i = 0; i < 26; i++)
		put_pfn_le(golden_h + 28 + 8 * i, i);
	memcpy(golden_b, head_b, 16);
	for (uint32_t i = 0; i < 4; i++)
		put_pfn_le(golden_b + 16 + 8 * i, 26 + i);

	struct vmbus_msg_gpadl_header h;
	struct vmbus_msg_gpadl_body b;
	memset(&h, 0xff, sizeof(h));
	memset(&b, 0xff, sizeof(b));
	h.hdr.type = VMBUS_MSG_GPADL_HEADER;
	h.hdr.padding = 0;
	h.child_relid = 7;
	h.gpadl = 0xe1e10;
	h.range_buflen = (uint16_t)VMBUS_GPADL_RANGE_BUFLEN(30);
	h.rangecount = 1;
	h.range.byte_count = 30 * VMBUS_PAGE_SIZE;
	h.range.byte_offset = 0;
	for (uint32_t i = 0; i < VMBUS_GPADL_HEADER_MAX_PFN; i++)
		h.pfn[i] = 0x12340 + i;
	b.hdr.type = VMBUS_MSG_GPADL_BODY;
	b.hdr.padding = 0;
	b.msgnumber = 0;
	b.gpadl = 0xe1e10;
	for (uint32_t i = 0; i < 30 - VMBUS_GPADL_HEADER_MAX_PFN; i++)
		b.pfn[i] = 0x12340 + VMBUS_GPADL_HEADER_MAX_PFN + i;

	assert_int_equal(VMBUS_GPADL_HEADER_SIZE(26), 236);
	assert_int_equal(VMBUS_GPADL_BODY_SIZE(4), 48);
	assert_memory_equal(&h, golden_h, VMBUS_GPADL_HEADER_SIZE(26));
	assert_memory_equal(&b, golden_b, VMBUS_GPADL_BODY_SIZE(4));
	assert_int_equal(VMBUS_GPADL_HEADER_MAX_PFN, 26);
	assert_int_equal(VMBUS_GPADL_BODY_MAX_PFN, 28);
}

/* ---- 6.10 OPENCHANNEL ------------------------------------------------- */

static void open_channel(void **state)
{
	(void)state;
	uint8_t golden[148] = {
		/*  0 */ 0x05, 0, 0, 0, 0, 0, 0, 0,		/* type 5 */
		/*  8 */ 0x07, 0x00, 0x00, 0x00,		/* child_relid 7 */
		/* 12 */ 0x07, 0x00, 0x00, 0x00,		/* openid 7 */
		/* 16 */ 0x10, 0x1e, 0x0e, 0x00,		/* ring GPADL 0xe1e10 */
		/* 20 */ 0x01, 0x00, 0x00, 0x00,		/* target_vp 1 */
		/* 24 */ 0x04, 0x00, 0x00, 0x00,		/* inbound ring at page 4 */
		/* 28..147: user data, first and last byte marked */
		[28] = 0xab, [147] = 0xcd,
	};
	struct vmbus_msg_open_channel m;

	memset(&m, 0xff, sizeof(m));
	m.hdr.type = VMBUS_MSG_OPENCHANNEL;
	m.hdr.padding = 0;
	m.child_relid = 7;
	m.openid = 7;
	m.ring_gpadl = 0xe1e10;
	m.target_vp = 1;
	m.downstream_ring_pageoffset = 4;
	memset(m.user_data, 0, sizeof(m.user_data));
	m.user_data[0] = 0xab;
	m.user_data[VMBUS_OPEN_USER_DATA_SIZE - 1] = 0xcd;
	assert_int_equal(sizeof(m), 148);
	assert_memory_equal(&m, golden, sizeof(golden));
}

/* ---- smaller host messages (6.7, 6.9-6.12) ------------------------------ */

static void small_host_messages_decode(void **state)
{
	(void)state;
	uint32_t type;
	static const uint8_t rescind[12] = { 2, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0, 0, 0 };
	static const uint8_t created[20] = { 10, 0, 0, 0, 0, 0, 0, 0,
		0x07, 0, 0, 0, 0x10, 0x1e, 0x0e, 0, 0x01, 0x00, 0x00, 0xc0 };
	static const uint8_t torndown[12] = { 12, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x1e, 0x0e, 0 };
	static const uint8_t result[20] = { 6, 0, 0, 0, 0, 0, 0, 0,
		0x07, 0, 0, 0, 0x09, 0, 0, 0, 0x05, 0, 0, 0 };
	struct vmbus_msg_rescind_offer r;
	struct vmbus_msg_gpadl_created c;
	struct vmbus_msg_gpadl_torndown t;
	struct vmbus_msg_open_result o;

	assert_int_equal(vmbus_msg_check(rescind, 12, &type), VMBUS_MSG_OK);
	memcpy(&r, rescind, sizeof(r));
	assert_int_equal(r.child_relid, 15);
	assert_int_equal(vmbus_msg_check(created, 20, &type), VMBUS_MSG_OK);
	memcpy(&c, created, sizeof(c));
	assert_int_equal(c.child_relid, 7);
	assert_int_equal(c.gpadl, 0xe1e10);
	assert_int_equal(c.creation_status, 0xc0000001u);
	assert_int_equal(vmbus_msg_check(torndown, 12, &type), VMBUS_MSG_OK);
	memcpy(&t, torndown, sizeof(t));
	assert_int_equal(t.gpadl, 0xe1e10);
	assert_int_equal(vmbus_msg_check(result, 20, &type), VMBUS_MSG_OK);
	memcpy(&o, result, sizeof(o));
	assert_int_equal(o.child_relid, 7);
	assert_int_equal(o.openid, 9);
	assert_int_equal(o.status, 5);
}

/* ---- 9 GUIDs ------------------------------------------------------------ */

/* Wire bytes of a GUID from its text form, by the rule of 9.1 (written
 * independently of VMBUS_GUID). */
static void guid_from_text(const char *s, uint8_t out[16])
{
	unsigned int f1, f2, f3, f4, n[6];
	assert_int_equal(sscanf(s, "%8x-%4x-%4x-%4x-%2x%2x%2x%2x%2x%2x", &f1, &f2, &f3, &f4,
				&n[0], &n[1], &n[2], &n[3], &n[4], &n[5]), 10);
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(f1 >> (8 * i));
	out[4] = (uint8_t)f2;
	out[5] = (uint8_t)(f2 >> 8);
	out[6] = (uint8_t)f3;
	out[7] = (uint8_t)(f3 >> 8);
	out[8] = (uint8_t)(f4 >> 8);
	out[9] = (uint8_t)f4;
	for (int i = 0; i < 6; i++)
		out[10 + i] = (uint8_t)n[i];
}

static void class_guids(void **state)
{
	(void)state;
	/* 9.1's worked example, byte for byte. */
	static const uint8_t scsi_wire[16] = { 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
		0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f };
	static const struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
	assert_memory_equal(&scsi, scsi_wire, 16);

	/* Every class constant against the text of 9.2. */
	static const struct { struct vmbus_guid g; const char *text; } table[] = {
		{ VMBUS_CLASS_SCSI, "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f" },
		{ VMBUS_CLASS_SHUTDOWN, "0e0b6031-5213-4934-818b-38d90ced39db" },
		{ VMBUS_CLASS_TIMESYNC, "9527e630-d0ae-497b-adce-e80ab0175caf" },
		{ VMBUS_CLASS_HEARTBEAT, "57164f39-9115-4e78-ab55-382f3bd5422d" },
		{ VMBUS_CLASS_KVP, "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6" },
		{ VMBUS_CLASS_VSS, "35fa2e29-ea23-4236-96ae-3a6ebacba440" },
		{ VMBUS_CLASS_BALLOON, "525074dc-8985-46e2-8057-a307dc18a502" },
		{ VMBUS_CLASS_KEYBOARD, "f912ad6d-2b17-48ea-bd65-f927a61c7684" },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint8_t want[16];
		guid_from_text(table[i].text, want);
		assert_memory_equal(&table[i].g, want, 16);
	}
}

/* ---- 6.4 versions ------------------------------------------------------- */

static void version_list(void **state)
{
	(void)state;
	static const uint32_t v[] = VMBUS_VERSIONS_NEWEST_FIRST;
	static const uint32_t want[] = { 0x00050003, 0x00050002, 0x00050001, 0x00050000,
					 0x00040001, 0x00040000, 0x00030000 };
	assert_int_equal(sizeof(v) / sizeof(v[0]), VMBUS_VERSIONS_COUNT);
	assert_memory_equal(v, want, sizeof(want));
	assert_int_equal(VMBUS_VERSION_MAJOR(VMBUS_VERSION_WIN8), 2);
	assert_int_equal(VMBUS_VERSION_MINOR(VMBUS_VERSION_WIN8), 4);
}

/* ---- vmbus_msg_check ---------------------------------------------------- */

static void msg_check_table(void **state)
{
	(void)state;
	/* 6.3: every host-to-guest type with the size of its layout. */
	static const struct { uint32_t type, size; } h2g[] = {
		{ 1, 196 }, { 2, 12 }, { 4, 8 }, { 6, 20 }, { 10, 20 }, { 12, 12 },
		{ 15, 16 }, { 17, 8 }, { 24, 16 },
	};
	static const uint32_t g2h[] = { 3, 5, 7, 8, 9, 11, 13, 14, 16, 18, 19, 21, 22, 25, 27, 29 };
	uint8_t msg[256];
	uint32_t type;

	memset(msg, 0, sizeof(msg));
	for (size_t i = 0; i < sizeof(h2g) / sizeof(h2g[0]); i++) {
		memcpy(msg, &h2g[i].type, 4);
		assert_int_equal(vmbus_msg_min_size(h2g[i].type), h2g[i].size);
		assert_int_equal(vmbus_msg_check(msg, h2g[i].size, &type), VMBUS_MSG_OK);
		assert_int_equal(type, h2g[i].type);
		assert_int_equal(vmbus_msg_check(msg, 240, &type), VMBUS_MSG_OK);	/* longer is fine */
		if (h2g[i].size > 8)
			assert_int_equal(vmbus_msg_check(msg, h2g[i].size - 1, &type), VMBUS_MSG_SHORT);
	}
	for (size_t i = 0; i < sizeof(g2h) / sizeof(g2h[0]); i++) {
		memcpy(msg, &g2h[i], 4);
		assert_int_equal(vmbus_msg_check(msg, 240, &type), VMBUS_MSG_WRONG_DIRECTION);
		assert_int_equal(vmbus_msg_min_size(g2h[i]), 0);
	}
	const uint32_t unknown[] = { 0, 30, 31, 0x100, 0x80000001u, 0xffffffffu };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		memcpy(msg, &unknown[i], 4);
		assert_int_equal(vmbus_msg_check(msg, 100, &type), VMBUS_MSG_UNKNOWN_TYPE);
		assert_int_equal(type, unknown[i]);
	}
	memcpy(msg, &h2g[0].type, 4);
	assert_int_equal(vmbus_msg_check(msg, 241, &type), VMBUS_MSG_OVERSIZE);
	assert_int_equal(vmbus_msg_check(msg, 7, &type), VMBUS_MSG_NO_HEADER);
	assert_int_equal(type, 0);
	assert_int_equal(vmbus_msg_check(NULL, 100, &type), VMBUS_MSG_NO_HEADER);
	assert_string_equal(vmbus_msg_name(VMBUS_MSG_GPADL_TORNDOWN), "GPADL_TORNDOWN");
	assert_string_equal(vmbus_msg_name(30), "unknown");
	assert_string_equal(vmbus_msg_verdict_name(VMBUS_MSG_SHORT), "shorter than its type's layout");
	assert_string_equal(vmbus_msg_verdict_name(VMBUS_MSG_VERDICT_COUNT), "unknown verdict");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initiate_contact_5_3),
		cmocka_unit_test(version_response_decode),
		cmocka_unit_test(offer_channel_decode),
		cmocka_unit_test(gpadl_30_pages),
		cmocka_unit_test(open_channel),
		cmocka_unit_test(small_host_messages_decode),
		cmocka_unit_test(class_guids),
		cmocka_unit_test(version_list),
		cmocka_unit_test(msg_check_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
