/* Host tests for drivers/scsi.c: CDB bytes written from SPC-4/SBC-3
 * tables, and the parsers of disk answers at their edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../drivers/scsi.h"

static void cdbs_match_the_standard(void **state)
{
	(void)state;
	uint8_t c[16];
	/* WRITE(16) with FUA, LBA 0x0102030405060708, 0x00000800 blocks. */
	static const uint8_t w16[16] = { 0x8a, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x08, 0, 0, 0 };
	assert_int_equal(scsi_cdb_rw16(c, true, 0x0102030405060708ull, 0x800, true), 16);
	assert_memory_equal(c, w16, 16);
	static const uint8_t r16[16] = { 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 };
	assert_int_equal(scsi_cdb_rw16(c, false, 0xff, 0xffffffffu, false), 16);
	assert_memory_equal(c, r16, 16);
	static const uint8_t rc16[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 };
	assert_int_equal(scsi_cdb_read_capacity16(c, 32), 16);
	assert_memory_equal(c, rc16, 16);
	static const uint8_t rl[16] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x08, 0, 0 };
	assert_int_equal(scsi_cdb_report_luns(c, 0x208), 12);
	assert_memory_equal(c, rl, 16);
	static const uint8_t inq[16] = { 0x12, 0, 0, 0, 96, 0 };
	assert_int_equal(scsi_cdb_inquiry(c, 96), 6);
	assert_memory_equal(c, inq, 16);
	static const uint8_t rc10[16] = { 0x25 };
	assert_int_equal(scsi_cdb_read_capacity10(c), 10);
	assert_memory_equal(c, rc10, 16);
	static const uint8_t sc[16] = { 0x35 };
	assert_int_equal(scsi_cdb_sync_cache(c), 10);
	assert_memory_equal(c, sc, 16);
	static const uint8_t tur[16] = { 0 };
	memset(c, 0xee, sizeof(c));
	assert_int_equal(scsi_cdb_test_unit_ready(c), 6);
	assert_memory_equal(c, tur, 16);
}

static void sense_fixed_and_descriptor(void **state)
{
	(void)state;
	struct scsi_sense s;
	char text[96];
	uint8_t fixed[18] = { 0xf0, 0, 0x03, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0x00 };
	assert_null(scsi_sense_parse(fixed, 18, &s));
	assert_int_equal(s.key, SCSI_SK_MEDIUM_ERROR);
	assert_int_equal(s.asc, 0x11);
	assert_false(s.deferred);
	scsi_sense_describe(&s, text, sizeof(text));
	assert_string_equal(text, "medium error: unrecovered read error (11/00)");
	/* Exactly 14 bytes is enough; 13 is not. */
	assert_null(scsi_sense_parse(fixed, 14, &s));
	assert_string_equal(scsi_sense_parse(fixed, 13, &s),
			    "fixed-format sense shorter than 14 bytes");
	uint8_t desc[8] = { 0x73, 0x06, 0x2a, 0x09 };
	assert_null(scsi_sense_parse(desc, 4, &s));
	assert_int_equal(s.key, SCSI_SK_UNIT_ATTENTION);
	assert_true(s.deferred);
	scsi_sense_describe(&s, text, sizeof(text));
	assert_string_equal(text, "unit attention: capacity data has changed (2a/09), deferred");
	assert_string_equal(scsi_sense_parse(desc, 3, &s),
			    "descriptor-format sense shorter than 4 bytes");
	uint8_t other[4] = { 0x7f, 0, 0, 0 };
	assert_string_equal(scsi_sense_parse(other, 4, &s), "unknown sense response code");
	assert_string_equal(scsi_sense_parse(other, 0, &s), "no sense bytes");
	/* An unknown ASC keeps its numbers; a tiny buffer is cut, terminated. */
	struct scsi_sense u = { SCSI_SK_ILLEGAL_REQUEST, 0x99, 0x01, false };
	scsi_sense_describe(&u, text, sizeof(text));
	assert_string_equal(text, "illegal request (99/01)");
	scsi_sense_describe(&u, text, 8);
	assert_string_equal(text, "illegal");
}

static void capacities(void **state)
{
	(void)state;
	struct scsi_capacity c;
	uint8_t b10[8] = { 0x00, 0x01, 0xff, 0xff, 0, 0, 0x02, 0 };	/* last 131071, 512 */
	assert_null(scsi_capacity10_parse(b10, 8, &c));
	assert_int_equal(c.blocks, 131072);
	assert_int_equal(c.block_size, 512);
	assert_false(c.need_16);
	assert_string_equal(scsi_capacity10_parse(b10, 7, &c),
			    "READ CAPACITY(10) data shorter than 8 bytes");
	uint8_t big[8] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0 };
	assert_null(scsi_capacity10_parse(big, 8, &c));
	assert_true(c.need_16);
	uint8_t b16[32] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x10, 0 };	/* 2^32 blocks - ... */
	assert_null(scsi_capacity16_parse(b16, 32, &c));
	assert_true(c.blocks == 0x100000001ull);
	assert_int_equal(c.block_size, 4096);
	assert_null(scsi_capacity16_parse(b16, 12, &c));
	assert_string_equal(scsi_capacity16_parse(b16, 11, &c),
			    "READ CAPACITY(16) data shorter than 12 bytes");
	const uint32_t bad[] = { 0, 256, 513, 131072, 0x600 };
	for (unsigned i = 0; i < 5; i++) {
		uint8_t b[8] = { 0, 0, 0, 9 };
		b[4] = (uint8_t)(bad[i] >> 24);
		b[5] = (uint8_t)(bad[i] >> 16);
		b[6] = (uint8_t)(bad[i] >> 8);
		b[7] = (uint8_t)bad[i];
		assert_string_equal(scsi_capacity10_parse(b, 8, &c),
				    "block size not a power of two from 512 to 65536");
	}
	uint8_t all[12];
	memset(all, 0xff, 8);
	memcpy(all + 8, "\0\0\x02\0", 4);
	assert_string_equal(scsi_capacity16_parse(all, 12, &c),
			    "READ CAPACITY(16) reports 2^64 blocks");
}

static void report_luns(void **state)
{
	(void)state;
	uint16_t luns[4];
	unsigned n = 99;
	/* 3 entries: LUN 0, flat LUN 5 (0x4005), a two-level address (skipped). */
	uint8_t b[8 + 24] = { 0, 0, 0, 24, 0, 0, 0, 0,
			      0, 0, 0, 0, 0, 0, 0, 0,
			      0x40, 0x05, 0, 0, 0, 0, 0, 0,
			      0, 1, 0, 2, 0, 0, 0, 0 };
	assert_null(scsi_report_luns_parse(b, sizeof(b), luns, 4, &n));
	assert_int_equal(n, 2);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 5);
	/* Cut short by the allocation length: what is there is parsed. */
	assert_null(scsi_report_luns_parse(b, 8 + 8, luns, 4, &n));
	assert_int_equal(n, 1);
	/* The caller's array limits it. */
	assert_null(scsi_report_luns_parse(b, sizeof(b), luns, 1, &n));
	assert_int_equal(n, 1);
	/* An empty list, a short header, a length not a multiple of 8. */
	uint8_t empty[8] = { 0 };
	assert_null(scsi_report_luns_parse(empty, 8, luns, 4, &n));
	assert_int_equal(n, 0);
	assert_string_equal(scsi_report_luns_parse(empty, 7, luns, 4, &n),
			    "REPORT LUNS data shorter than its 8-byte header");
	b[3] = 20;
	assert_string_equal(scsi_report_luns_parse(b, sizeof(b), luns, 4, &n),
			    "REPORT LUNS list length not a multiple of 8");
	assert_int_equal(n, 0);
}

static void inquiry(void **state)
{
	(void)state;
	struct scsi_inquiry q;
	uint8_t b[36] = { 0x00, 0x00, 0x05, 0x02, 31 };
	memcpy(b + 8, "Msft    Virtual Disk    1.0 ", 28);
	assert_null(scsi_inquiry_parse(b, 36, &q));
	assert_int_equal(q.type, SCSI_TYPE_DISK);
	assert_int_equal(q.qualifier, 0);
	assert_string_equal(q.vendor, "Msft");
	assert_string_equal(q.product, "Virtual Disk");
	assert_string_equal(q.revision, "1.0");
	/* An absent LUN (as OpenVMM answers): qualifier 3, type 0x1f. */
	uint8_t absent[36] = { 0x7f };
	assert_null(scsi_inquiry_parse(absent, 36, &q));
	assert_int_equal(q.qualifier, SCSI_QUALIFIER_ABSENT);
	assert_int_equal(q.type, 0x1f);
	assert_string_equal(q.vendor, "");
	/* 5 bytes: the type but no names; 4: refused.  Control characters in
	 * the names are not passed on. */
	assert_null(scsi_inquiry_parse(b, 5, &q));
	assert_string_equal(q.vendor, "");
	assert_string_equal(scsi_inquiry_parse(b, 4, &q), "INQUIRY data shorter than 5 bytes");
	b[8] = 0x1b;
	assert_null(scsi_inquiry_parse(b, 36, &q));
	assert_string_equal(q.vendor, "?sft");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cdbs_match_the_standard),
		cmocka_unit_test(sense_fixed_and_descriptor),
		cmocka_unit_test(capacities),
		cmocka_unit_test(report_luns),
		cmocka_unit_test(inquiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
