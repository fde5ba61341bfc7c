/*
 * aml.c - sleep-type package scan; see aml.h.
 * Encodings from ACPI 6.x section 20 (AML specification): NameOp 0x08,
 * PackageOp 0x12, PkgLength (20.2.4), integer constants (20.2.3).
 */
#include "aml.h"

#include <string.h>

#define ACPI_HEADER_LEN	36
#define AML_NAME_OP	0x08
#define AML_ROOT_CHAR	0x5c
#define AML_PACKAGE_OP	0x12
#define AML_ZERO_OP	0x00
#define AML_ONE_OP	0x01
#define AML_ONES_OP	0xff
#define AML_BYTE_PREFIX	0x0a
#define AML_WORD_PREFIX	0x0b
#define AML_DWORD_PREFIX 0x0c

/* PkgLength: bits 7:6 of the lead byte count the bytes that follow. */
static int skip_pkglength(const uint8_t *p, size_t avail)
{
	if (avail < 1)
		return -1;
	int follow = p[0] >> 6;
	return (size_t)(1 + follow) <= avail ? 1 + follow : -1;
}

/* One integer element; returns bytes consumed or -1. */
static int read_integer(const uint8_t *p, size_t avail, uint32_t *v)
{
	if (avail < 1)
		return -1;
	switch (p[0]) {
	case AML_ZERO_OP:
		*v = 0;
		return 1;
	case AML_ONE_OP:
		*v = 1;
		return 1;
	case AML_ONES_OP:
		*v = 0xffffffff;
		return 1;
	case AML_BYTE_PREFIX:
		if (avail < 2)
			return -1;
		*v = p[1];
		return 2;
	case AML_WORD_PREFIX:
		if (avail < 3)
			return -1;
		*v = p[1] | (uint32_t)p[2] << 8;
		return 3;
	case AML_DWORD_PREFIX:
		if (avail < 5)
			return -1;
		*v = p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
		return 5;
	default:
		return -1;
	}
}

static enum aml_result parse_package(const uint8_t *p, size_t avail,
				     struct aml_sleep_type *out)
{
	uint32_t a, b = 0;
	size_t at = 0;

	if (avail < 1 || p[0] != AML_PACKAGE_OP)
		return AML_MALFORMED;
	at = 1;
	int n = skip_pkglength(p + at, avail - at);
	if (n < 0)
		return AML_MALFORMED;
	at += (size_t)n;
	if (at >= avail)
		return AML_MALFORMED;
	uint8_t nelem = p[at++];
	if (nelem < 1)
		return AML_MALFORMED;
	n = read_integer(p + at, avail - at, &a);
	if (n < 0)
		return AML_MALFORMED;
	at += (size_t)n;
	if (nelem >= 2 && read_integer(p + at, avail - at, &b) < 0)
		return AML_MALFORMED;
	out->typ_a = (uint8_t)(a & 7);	/* SLP_TYPx is a 3-bit field */
	out->typ_b = (uint8_t)(b & 7);
	return AML_FOUND;
}

enum aml_result aml_sleep_type(const uint8_t *table, size_t len, int state,
			       struct aml_sleep_type *out)
{
	char name[4] = { '_', 'S', (char)('0' + state), '_' };
	uint32_t tlen;

	if (state < 0 || state > 5 || len < ACPI_HEADER_LEN)
		return AML_BAD_TABLE;
	memcpy(&tlen, table + 4, sizeof(tlen));
	if (tlen < ACPI_HEADER_LEN || tlen > len)
		return AML_BAD_TABLE;

	enum aml_result res = AML_ABSENT;
	for (size_t i = ACPI_HEADER_LEN + 1; i + 4 <= tlen; i++) {
		if (memcmp(table + i, name, 4) != 0)
			continue;
		int named = table[i - 1] == AML_NAME_OP ||
			    (table[i - 1] == AML_ROOT_CHAR && i >= ACPI_HEADER_LEN + 2 &&
			     table[i - 2] == AML_NAME_OP);
		if (!named)
			continue;	/* a reference to the name, not its definition */
		res = parse_package(table + i + 4, tlen - i - 4, out);
		if (res == AML_FOUND)
			return res;
	}
	return res;
}
