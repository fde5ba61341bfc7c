/* Host tests for drivers/kvp_pool.c: the KVP answers compared with bytes
 * written from the layout (hv-vsc-protocols.md 2.7; Linux's and
 * FreeBSD's packed hv_kvp_msg): header 4, index 4, value_type 4,
 * key_size 4, value_size 4, key 512, value 2048, UTF-16LE with the
 * terminator counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../drivers/kvp.h"

uint64_t kernel_build_id(void) { return 0x8ecc486938f80cf6ull; }

static uint8_t body[4096];

static uint32_t u32(unsigned off)
{
	uint32_t v;
	memcpy(&v, body + off, 4);
	return v;
}

static uint32_t ask(uint8_t op, uint8_t pool, uint32_t index, uint32_t len, const char **bad)
{
	memset(body, 0xee, sizeof(body));
	memset(body, 0, len);
	body[0] = op;
	body[1] = pool;
	memcpy(body + 4, &index, 4);
	return kvp_answer(body, len, bad);
}

static void enumerate_os_name(void **state)
{
	(void)state;
	const char *bad;
	assert_int_equal(ask(3, 2, 5, 2580, &bad), 0);
	assert_null(bad);
	static const uint8_t want[] = {
		3, 2, 0, 0,			/* ENUMERATE, pool AUTO */
		5, 0, 0, 0,			/* index 5 */
		1, 0, 0, 0,			/* REG_SZ */
		14, 0, 0, 0,			/* "OSName" + NUL = 7 units */
		16, 0, 0, 0,			/* "dormant" + NUL = 8 units */
		'O', 0, 'S', 0, 'N', 0, 'a', 0, 'm', 0, 'e', 0, 0, 0,
	};
	assert_memory_equal(body, want, sizeof(want));
	static const uint8_t val[] = { 'd', 0, 'o', 0, 'r', 0, 'm', 0, 'a', 0, 'n', 0, 't', 0, 0, 0 };
	assert_memory_equal(body + 8 + 524, val, sizeof(val));
	/* the rest of key and value is zero, and nothing past the body moved */
	for (unsigned i = 8 + 12 + 14; i < 8 + 524; i++)
		assert_int_equal(body[i], 0);
	assert_int_equal(body[2580], 0xee);
}

static void every_auto_key_then_no_more(void **state)
{
	(void)state;
	static const char *const keys[] = {
		"FullyQualifiedDomainName", "IntegrationServicesVersion", "NetworkAddressIPv4",
		"NetworkAddressIPv6", "OSBuildNumber", "OSName", "OSMajorVersion", "OSMinorVersion",
		"OSVersion", "ProcessorArchitecture",
	};
	const char *bad;
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(ask(3, 2, i, 2580, &bad), 0);
		size_t n = strlen(keys[i]);
		assert_int_equal(u32(12), 2 * (n + 1));
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(body[20 + 2 * k], (uint8_t)keys[i][k]);
			assert_int_equal(body[21 + 2 * k], 0);
		}
	}
	/* index 4: the build id, 16 hex digits */
	ask(3, 2, 4, 2580, &bad);
	assert_int_equal(u32(16), 34);
	assert_int_equal(body[532], '8');
	assert_int_equal(body[532 + 30], '6');
	/* past the end, and any other pool: no more items */
	assert_int_equal(ask(3, 2, 10, 2580, &bad), 0x80070103u);
	assert_null(bad);
	assert_int_equal(ask(3, 0, 0, 2580, &bad), 0x80070103u);
	assert_int_equal(ask(3, 2, 0xffffffffu, 2580, &bad), 0x80070103u);
}

static void get_by_key(void **state)
{
	(void)state;
	const char *bad;
	memset(body, 0, 2576);
	body[0] = 0;
	body[1] = 2;
	uint32_t ks = 20;
	memcpy(body + 8, &ks, 4);
	const char *k = "OSVersion";
	for (int i = 0; k[i]; i++)
		body[16 + 2 * i] = (uint8_t)k[i];
	assert_int_equal(kvp_answer(body, 2576, &bad), 0);
	assert_int_equal(u32(12), 8);			/* value_size: "0.1" + NUL */
	assert_int_equal(body[4 + 524], '0');
	assert_int_equal(body[4 + 528], '1');
	/* a key that is a prefix of none: refused */
	body[16] = 'X';
	assert_int_equal(kvp_answer(body, 2576, &bad), 0x80004005u);
}

static void set_delete_refused_and_short_bodies(void **state)
{
	(void)state;
	const char *bad;
	assert_int_equal(ask(1, 0, 0, 2576, &bad), 0x80004005u);	/* SET */
	assert_null(bad);
	assert_int_equal(ask(2, 1, 0, 520, &bad), 0x80004005u);	/* DELETE */
	assert_null(bad);
	assert_int_equal(ask(4, 0, 0, 100, &bad), 0x80004005u);	/* GET_IP_INFO */
	/* malformed: named, and nothing written */
	assert_int_equal(ask(3, 2, 0, 3, &bad), 0x80004005u);
	assert_non_null(bad);
	assert_int_equal(ask(3, 2, 0, 2579, &bad), 0x80004005u);
	assert_non_null(bad);
	assert_int_equal(u32(8), 0);
	assert_int_equal(ask(0, 2, 0, 2575, &bad), 0x80004005u);
	assert_non_null(bad);
}

static void utf16_limits(void **state)
{
	(void)state;
	uint8_t out[8];
	assert_int_equal(kvp_utf16(out, 8, "abc"), 8);
	assert_int_equal(out[6], 0);
	assert_int_equal(kvp_utf16(out, 8, "abcd"), 0);		/* no room for NUL */
	assert_int_equal(kvp_utf16(out, 2, ""), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enumerate_os_name),
		cmocka_unit_test(every_auto_key_then_no_more),
		cmocka_unit_test(get_by_key),
		cmocka_unit_test(set_delete_refused_and_short_bodies),
		cmocka_unit_test(utf16_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
