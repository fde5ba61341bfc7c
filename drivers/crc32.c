/*
 * crc32.c - table-driven CRC-32 (crc32.h).  The 256-entry table (the
 * remainder of each byte value) is built on first use: 1 KiB, and no
 * locking, since every builder writes the same values.
 */
#include <stdbool.h>

#include "crc32.h"

#define CRC32_POLY_REFLECTED	0xEDB88320u
#define CRC32_INIT		0xFFFFFFFFu
#define CRC32_XOROUT		0xFFFFFFFFu

static uint32_t table[256];
static volatile bool table_ready;

static void table_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32_POLY_REFLECTED : c >> 1;
		table[i] = c;
	}
	table_ready = true;
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	if (!table_ready)
		table_build();
	crc ^= CRC32_XOROUT;	/* undo the previous final XOR (or: init) */
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc ^ CRC32_XOROUT;
}

uint32_t crc32(const void *buf, size_t n)
{
	return crc32_update(CRC32_INIT ^ CRC32_XOROUT, buf, n);
}
