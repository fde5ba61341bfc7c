/* Host tests for drivers/storvsc_status.c: what a storvsc completion
 * means (hv-vsc-protocols.md 1.6, 1.8, 1.11), from packets laid out with
 * the reference's offsets rather than the driver's structs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../drivers/storvsc.h"

/* A completion: operation at 0, status at 8, SRB at 12 (1.3, 1.4). */
static void completion(uint8_t p[64], uint32_t nt, uint8_t srb, uint8_t scsi, uint32_t xfer)
{
	memset(p, 0, 64);
	p[0] = 1;				/* COMPLETE_IO */
	memcpy(p + 8, &nt, 4);
	p[12 + 2] = srb;
	p[12 + 3] = scsi;
	memcpy(p + 12 + 12, &xfer, 4);
}

static void with_sense(uint8_t p[64], uint8_t key, uint8_t asc, uint8_t ascq)
{
	p[12 + 9] = 18;				/* sense_info_length */
	uint8_t *s = p + 12 + 16;		/* the sense shares the CDB's bytes */
	s[0] = 0x70;
	s[2] = key;
	s[7] = 10;
	s[12] = asc;
	s[13] = ascq;
}

static int decode(const uint8_t *p, uint32_t len, uint32_t want, bool short_ok, uint32_t *done,
		  char *why)
{
	struct storvsc_result r;
	assert_null(storvsc_result_parse(p, len, 20, &r));
	return storvsc_decode(&r, want, short_ok, done, why, 96);
}

static void success_moves_everything(void **state)
{
	(void)state;
	uint8_t p[64];
	char why[96];
	uint32_t done;
	completion(p, 0, 0x01, 0, 1 << 20);
	assert_int_equal(decode(p, 64, 1 << 20, false, &done, why), BLK_OK);
	assert_int_equal(done, 1 << 20);
	/* A host that claims more than was asked is clamped (1.11 step 4). */
	completion(p, 0, 0x01, 0, 0xffffffffu);
	assert_int_equal(decode(p, 64, 4096, false, &done, why), BLK_OK);
	assert_int_equal(done, 4096);
	/* Zero length (SYNCHRONIZE CACHE). */
	completion(p, 0, 0x01, 0, 0);
	assert_int_equal(decode(p, 64, 0, false, &done, why), BLK_OK);
	assert_int_equal(done, 0);
}

static void short_transfers(void **state)
{
	(void)state;
	uint8_t p[64];
	char why[96];
	uint32_t done;
	/* DATA_OVERRUN on INQUIRY is what real hosts say: fine when allowed. */
	completion(p, 0x80000005u, 0x12, 0, 36);
	assert_int_equal(decode(p, 64, 96, true, &done, why), BLK_OK);
	assert_int_equal(done, 36);
	/* The same on a READ is an error naming both counts. */
	assert_int_equal(decode(p, 64, 96, false, &done, why), BLK_E_IO);
	assert_string_equal(why, "short transfer: 36 of 96 bytes");
	/* SUCCESS with fewer bytes is short too; exactly all is not. */
	completion(p, 0, 0x01, 0, 4095);
	assert_int_equal(decode(p, 64, 4096, false, &done, why), BLK_E_IO);
	completion(p, 0, 0x01, 0, 4096);
	assert_int_equal(decode(p, 64, 4096, false, &done, why), BLK_OK);
}

static void sense_keys_become_statuses(void **state)
{
	(void)state;
	static const struct {
		uint8_t key, asc;
		int status;
		const char *text;
	} cases[] = {
		{ 0x3, 0x11, BLK_E_MEDIUM, "medium error: unrecovered read error (11/00)" },
		{ 0x3, 0x0c, BLK_E_MEDIUM, "medium error: write error (0c/00)" },
		{ 0x7, 0x27, BLK_E_READONLY, NULL },
		{ 0x6, 0x29, STORVSC_RETRY, NULL },	/* unit attention: again */
		{ 0xb, 0x00, STORVSC_RETRY, NULL },	/* aborted command: again */
		{ 0x5, 0x21, BLK_E_IO, NULL },
		{ 0x1, 0x00, BLK_OK, NULL },		/* recovered: the data is there */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t p[64];
		char why[96];
		uint32_t done = 77;
		completion(p, 0xc0000185u, 0x04 | 0x80, 0x02, 512);
		with_sense(p, cases[i].key, cases[i].asc, 0);
		assert_int_equal(decode(p, 64, 512, false, &done, why), cases[i].status);
		if (cases[i].text)
			assert_string_equal(why, cases[i].text);
		assert_int_equal(done, cases[i].status == BLK_OK ? 512 : 0);
	}
	/* RECOVERED with fewer bytes than asked is still a short transfer. */
	uint8_t p[64];
	char why[96];
	uint32_t done;
	completion(p, 0, 0x84, 0x02, 256);
	with_sense(p, 0x1, 0x00, 0);
	assert_int_equal(decode(p, 64, 512, false, &done, why), BLK_E_IO);
	assert_string_equal(why, "short transfer: 256 of 512 bytes");
}

static void sense_needs_both_flags(void **state)
{
	(void)state;
	uint8_t p[64];
	char why[96];
	uint32_t done;
	/* 1.8: sense counts only with CHECK CONDITION and AUTOSENSE_VALID.
	 * Medium-error sense bytes without AUTOSENSE_VALID: not believed. */
	completion(p, 0xc0000185u, 0x04, 0x02, 0);
	with_sense(p, 0x3, 0x11, 0);
	assert_int_equal(decode(p, 64, 512, false, &done, why), BLK_E_IO);
	assert_string_equal(why, "CHECK CONDITION without sense, SRB status error");
	/* AUTOSENSE_VALID with GOOD status: no sense either. */
	completion(p, 0, 0x01 | 0x80, 0x00, 512);
	with_sense(p, 0x3, 0x11, 0);
	assert_int_equal(decode(p, 64, 512, false, &done, why), BLK_OK);
	/* A sense length past the version's area is clamped, not followed. */
	completion(p, 0xc0000185u, 0x84, 0x02, 0);
	with_sense(p, 0x3, 0x11, 0);
	p[12 + 9] = 255;
	struct storvsc_result r;
	assert_null(storvsc_result_parse(p, 64, 18, &r));
	assert_int_equal(r.sense_len, 18);
	/* Unreadable sense (response code 0) is an error that says so. */
	p[12 + 16] = 0;
	assert_int_equal(decode(p, 64, 512, false, &done, why), BLK_E_IO);
	assert_non_null(strstr(why, "unreadable sense"));
}

static void srb_codes(void **state)
{
	(void)state;
	static const struct {
		uint8_t srb, scsi;
		int status;
	} cases[] = {
		{ 0x20, 0x02, BLK_E_GONE },	/* INVALID_LUN: 1.10 */
		{ 0x21, 0x00, BLK_E_GONE },
		{ 0x08, 0x00, BLK_E_GONE },
		{ 0x0a, 0x00, BLK_E_GONE },
		{ 0x09, 0x00, BLK_E_TIMEOUT },
		{ 0x0b, 0x00, BLK_E_TIMEOUT },
		{ 0x05, 0x00, STORVSC_RETRY },	/* SRB BUSY */
		{ 0x01, 0x08, STORVSC_RETRY },	/* SCSI BUSY */
		{ 0x02, 0x00, BLK_E_IO },	/* aborted, no sense */
		{ 0x3f, 0x00, BLK_E_IO },	/* unknown code */
		{ 0x00, 0x00, BLK_E_IO },	/* PENDING in a completion */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t p[64];
		char why[96];
		uint32_t done;
		completion(p, 0xc0000185u, cases[i].srb, cases[i].scsi, 512);
		assert_int_equal(decode(p, 64, 512, false, &done, why), cases[i].status);
		assert_int_equal(done, 0);
		assert_true(why[0] != 0);
	}
}

static void malformed_completions(void **state)
{
	(void)state;
	uint8_t p[64];
	struct storvsc_result r;
	completion(p, 0, 0x01, 0, 0);
	/* Shorter than the smallest (pre-WIN8) packet: refused. */
	assert_non_null(storvsc_result_parse(p, 47, 20, &r));
	/* Exactly the pre-WIN8 size: taken. */
	assert_null(storvsc_result_parse(p, 48, 18, &r));
	/* Not COMPLETE_IO: refused. */
	p[0] = 3;
	assert_non_null(storvsc_result_parse(p, 64, 20, &r));
	assert_string_equal(storvsc_srb_name(0x92), "data overrun");	/* flags ignored */
	assert_string_equal(storvsc_srb_name(0x3e), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(success_moves_everything),
		cmocka_unit_test(short_transfers),
		cmocka_unit_test(sense_keys_become_statuses),
		cmocka_unit_test(sense_needs_both_flags),
		cmocka_unit_test(srb_codes),
		cmocka_unit_test(malformed_completions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
