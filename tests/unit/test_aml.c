/* Host tests for kernel/aml.c on DSDTs captured from QEMU q35
 * (tests/qemu/capture_dsdt.py) and on hand-made tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aml.h"

static uint8_t *load(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/data/%s", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *buf = malloc(*len);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

/* A table: 36-byte header (signature, length) then the AML body. */
static uint8_t *make_table(const uint8_t *body, size_t blen, size_t *len)
{
	*len = 36 + blen;
	uint8_t *t = calloc(1, *len);
	memcpy(t, "DSDT", 4);
	uint32_t l = (uint32_t)*len;
	memcpy(t + 4, &l, 4);
	memcpy(t + 36, body, blen);
	return t;
}

static void q35_default_has_s4_and_s5(void **state)
{
	(void)state;
	size_t len;
	uint8_t *t = load("dsdt-q35.aml", &len);
	struct aml_sleep_type st;
	/* Values as iasl -d shows them: _S4 {2, 2}, _S5 {0, 0}, _S3 {1, 1}. */
	assert_int_equal(aml_sleep_type(t, len, 4, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 2);
	assert_int_equal(st.typ_b, 2);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 0);
	assert_int_equal(st.typ_b, 0);
	assert_int_equal(aml_sleep_type(t, len, 3, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 1);
	assert_int_equal(aml_sleep_type(t, len, 2, &st), AML_ABSENT);
	free(t);
}

static void q35_disable_s4_has_no_s4(void **state)
{
	(void)state;
	size_t len;
	uint8_t *t = load("dsdt-q35-nos4.aml", &len);
	struct aml_sleep_type st;
	assert_int_equal(aml_sleep_type(t, len, 4, &st), AML_ABSENT);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 0);
	free(t);
}

static void every_truncation_is_safe(void **state)
{
	(void)state;
	size_t len;
	uint8_t *full = load("dsdt-q35.aml", &len);
	for (size_t cut = 36; cut <= len; cut++) {
		uint8_t *t = malloc(cut);	/* exact size: ASan catches overreads */
		memcpy(t, full, cut);
		uint32_t l = (uint32_t)cut;
		memcpy(t + 4, &l, 4);
		struct aml_sleep_type st;
		enum aml_result r = aml_sleep_type(t, cut, 4, &st);
		assert_true(r == AML_FOUND || r == AML_ABSENT || r == AML_MALFORMED);
		free(t);
	}
	free(full);
}

static void header_length_is_checked(void **state)
{
	(void)state;
	size_t len;
	uint8_t *t = load("dsdt-q35.aml", &len);
	struct aml_sleep_type st;
	assert_int_equal(aml_sleep_type(t, len - 1, 5, &st), AML_BAD_TABLE);
	assert_int_equal(aml_sleep_type(t, 20, 5, &st), AML_BAD_TABLE);
	assert_int_equal(aml_sleep_type(t, len, 9, &st), AML_BAD_TABLE);
	free(t);
}

static void encodings(void **state)
{
	(void)state;
	struct aml_sleep_type st;
	size_t len;
	/* Name (\_S5, Package (2) { 0x0B 0x0007, One }) with a root prefix. */
	const uint8_t rooted[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x02,
				   0x0b, 0x07, 0x00, 0x01 };
	uint8_t *t = make_table(rooted, sizeof(rooted), &len);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 7);
	assert_int_equal(st.typ_b, 1);
	free(t);

	/* A single-element package: typ_b defaults to 0. */
	const uint8_t one[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
	t = make_table(one, sizeof(one), &len);
	assert_int_equal(aml_sleep_type(t, len, 4, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 5);
	assert_int_equal(st.typ_b, 0);
	free(t);

	/* A reference to _S4_ (no NameOp before it) is not a definition. */
	const uint8_t ref[] = { 0x70, '_', 'S', '4', '_', 0x60 };
	t = make_table(ref, sizeof(ref), &len);
	assert_int_equal(aml_sleep_type(t, len, 4, &st), AML_ABSENT);
	free(t);

	/* Named, but an integer instead of a package. */
	const uint8_t notpkg[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x05 };
	t = make_table(notpkg, sizeof(notpkg), &len);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_MALFORMED);
	free(t);

	/* Package whose first element is not an integer (a string). */
	const uint8_t str[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0d, 'a', 0x00 };
	t = make_table(str, sizeof(str), &len);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_MALFORMED);
	free(t);

	/* Multi-byte PkgLength (bits 7:6 = 1). */
	const uint8_t longpkg[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02,
				    0x0c, 0x03, 0x00, 0x00, 0x00, 0x00 };
	t = make_table(longpkg, sizeof(longpkg), &len);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 3);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(q35_default_has_s4_and_s5),
		cmocka_unit_test(q35_disable_s4_has_no_s4),
		cmocka_unit_test(every_truncation_is_safe),
		cmocka_unit_test(header_length_is_checked),
		cmocka_unit_test(encodings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
