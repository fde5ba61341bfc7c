/*
 * aml.h - find the \_Sx sleep-type package in a DSDT or SSDT (aml.c).
 *
 * dormant does not interpret AML.  For the sleep states it needs only the
 * SLP_TYPa / SLP_TYPb values, which firmware declares as a named package:
 * Name (_S5, Package () { a, b, ... }) (ACPI 6.x section 7.4.2).  Their
 * presence is also how Hyper-V tells a guest that hibernation ("virtual
 * S4") is allowed, so "_S4 absent" is a result, not an error.
 */
#ifndef DORMANT_AML_H
#define DORMANT_AML_H

#include <stddef.h>
#include <stdint.h>

enum aml_result {
	AML_FOUND = 0,
	AML_ABSENT = -1,	/* no Name(_Sx) object in the table */
	AML_MALFORMED = -2,	/* name present but not a usable package */
	AML_BAD_TABLE = -3,	/* header length inconsistent */
};

struct aml_sleep_type {
	uint8_t typ_a;
	uint8_t typ_b;
};

/* table: a whole ACPI table (36-byte header first); len: bytes readable. */
enum aml_result aml_sleep_type(const uint8_t *table, size_t len, int state,
			       struct aml_sleep_type *out);

#endif
