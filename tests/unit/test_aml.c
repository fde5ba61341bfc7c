/* Host tests for kernel/aml.c on DSDTs captured from QEMU q35
 * (tests/qemu/capture_dsdt.py) and on hand-made tables. */
#define _GNU_SOURCE	/* memmem */
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

/* Cut the table at every length: before the whole name the object is
 * absent, before the end of its two elements it is malformed, after that
 * it is found with its values.  (Exact size: ASan also catches overreads.) */
static void every_truncation_is_safe(void **state)
{
	(void)state;
	size_t len;
	uint8_t *full = load("dsdt-q35.aml", &len);
	const uint8_t def[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x08, 0x04, 0x0a, 0x02, 0x0a, 0x02 };
	const uint8_t *at = memmem(full, len, def, sizeof(def));
	assert_non_null(at);
	size_t name_end = (size_t)(at - full) + 5, elems_end = name_end + 7;
	for (size_t cut = 36; cut <= len; cut++) {
		uint8_t *t = malloc(cut);
		memcpy(t, full, cut);
		uint32_t l = (uint32_t)cut;
		memcpy(t + 4, &l, 4);
		struct aml_sleep_type st = { 9, 9 };
		enum aml_result r = aml_sleep_type(t, cut, 4, &st);
		if (cut < name_end) {
			assert_int_equal(r, AML_ABSENT);
		} else if (cut < elems_end) {
			assert_int_equal(r, AML_MALFORMED);
		} else {
			assert_int_equal(r, AML_FOUND);
			assert_int_equal(st.typ_a, 2);
			assert_int_equal(st.typ_b, 2);
		}
		free(t);
	}
	free(full);
}

static enum aml_result scan(const uint8_t *body, size_t blen, int state,
			    struct aml_sleep_type *st)
{
	size_t len;
	uint8_t *t = make_table(body, blen, &len);
	st->typ_a = st->typ_b = 0xee;
	enum aml_result r = aml_sleep_type(t, len, state, st);
	free(t);
	return r;
}

static void edge_cases(void **state)
{
	(void)state;
	struct aml_sleep_type st;
	/* A package of zero elements holds no sleep type. */
	const uint8_t empty[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00, 0x0a, 0x05 };
	assert_int_equal(scan(empty, sizeof(empty), 5, &st), AML_MALFORMED);
	/* A Name that is not a package, then nothing else: malformed, not absent. */
	const uint8_t notpkg[] = { 0x08, '_', 'S', '5', '_', 0x0b, 0x05, 0x00, 0x70, '_', 'S', '5', '_' };
	assert_int_equal(scan(notpkg, sizeof(notpkg), 5, &st), AML_MALFORMED);
	/* ... and a later proper definition still wins. */
	const uint8_t later[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x05,
				  0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x00 };
	assert_int_equal(scan(later, sizeof(later), 5, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 1);
	assert_int_equal(st.typ_b, 0);
	/* SLP_TYP is 3 bits: larger values keep their low three bits. */
	const uint8_t big[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x05, 0x02, 0x0a, 0x0d, 0xff };
	assert_int_equal(scan(big, sizeof(big), 3, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 5);
	assert_int_equal(st.typ_b, 7);
	const uint8_t word[] = { 0x08, '_', 'S', '3', '_', 0x12, 0x08, 0x02,
				 0x0c, 0x0e, 0x01, 0x00, 0x80, 0x0b, 0x09, 0x01 };
	assert_int_equal(scan(word, sizeof(word), 3, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 6);
	assert_int_equal(st.typ_b, 1);
	/* Another state's package is not this one's. */
	assert_int_equal(scan(big, sizeof(big), 4, &st), AML_ABSENT);
	/* Second element present but not an integer. */
	const uint8_t bad_b[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x01, 0x0d, 0x00 };
	assert_int_equal(scan(bad_b, sizeof(bad_b), 5, &st), AML_MALFORMED);
	/* Truncated element encodings at the very end of the table. */
	const uint8_t cut_byte[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0a };
	assert_int_equal(scan(cut_byte, sizeof(cut_byte), 5, &st), AML_MALFORMED);
	const uint8_t cut_word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0b, 0x01 };
	assert_int_equal(scan(cut_word, sizeof(cut_word), 5, &st), AML_MALFORMED);
	const uint8_t cut_dword[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x01, 0x0c, 1, 2, 3 };
	assert_int_equal(scan(cut_dword, sizeof(cut_dword), 5, &st), AML_MALFORMED);
	const uint8_t cut_pkglen[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x80, 0x00 };
	assert_int_equal(scan(cut_pkglen, sizeof(cut_pkglen), 5, &st), AML_MALFORMED);
	const uint8_t no_count[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x01 };
	assert_int_equal(scan(no_count, sizeof(no_count), 5, &st), AML_MALFORMED);
	/* A NameOp in the header's last byte does not count: the body starts at 36. */
	const uint8_t at_start[] = { '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x01 };
	size_t len;
	uint8_t *t = make_table(at_start, sizeof(at_start), &len);
	t[35] = 0x08;
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_ABSENT);
	/* A root prefix right after the header's end. */
	t[35] = 0;
	free(t);
	const uint8_t rooted_first[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x01 };
	assert_int_equal(scan(rooted_first, sizeof(rooted_first), 5, &st), AML_FOUND);
	assert_int_equal(st.typ_a, 1);
	/* A root prefix without a NameOp before it is a reference. */
	const uint8_t rooted_ref[] = { 0x70, '\\', '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x01 };
	assert_int_equal(scan(rooted_ref, sizeof(rooted_ref), 5, &st), AML_ABSENT);
	/* States 0 and 5 are the range; -1 and 6 are not. */
	const uint8_t s0[] = { 0x08, '_', 'S', '0', '_', 0x12, 0x03, 0x01, 0x00 };
	assert_int_equal(scan(s0, sizeof(s0), 0, &st), AML_FOUND);
	assert_int_equal(scan(s0, sizeof(s0), -1, &st), AML_BAD_TABLE);
	assert_int_equal(scan(s0, sizeof(s0), 6, &st), AML_BAD_TABLE);
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
	assert_int_equal(aml_sleep_type(t, 36, 5, &st), AML_BAD_TABLE);	/* header says more */
	assert_int_equal(aml_sleep_type(t, 35, 5, &st), AML_BAD_TABLE);	/* not even a header */
	uint32_t small = 35;
	memcpy(t + 4, &small, 4);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_BAD_TABLE);	/* length < header */
	small = 36;
	memcpy(t + 4, &small, 4);
	assert_int_equal(aml_sleep_type(t, len, 5, &st), AML_ABSENT);	/* empty body */
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
		cmocka_unit_test(edge_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
