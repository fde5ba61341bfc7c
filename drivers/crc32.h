/*
 * crc32.h - CRC-32 as IEEE 802.3 and the UEFI GPT use it (UEFI 2.10
 * 5.3.2 names it): reflected, polynomial 0x04C11DB7 (0xEDB88320
 * reflected), initial value and final XOR 0xFFFFFFFF.  "123456789" gives
 * 0xCBF43926.  Pure: no kernel dependencies (crc32.c).
 */
#ifndef DORMANT_CRC32_H
#define DORMANT_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of n bytes. */
uint32_t crc32(const void *buf, size_t n);
/* Incrementally: crc = crc32_update(0, a, na); crc = crc32_update(crc, b, nb)
 * gives crc32() of a followed by b. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t n);

#endif
