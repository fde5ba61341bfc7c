/*
 * bitmap.h - one bit per frame, bit i in byte i / 8 at position i % 8:
 * the sets image_read.c and restore_plan.c exchange with their callers.
 */
#ifndef DORMANT_SNAPSHOT_BITMAP_H
#define DORMANT_SNAPSHOT_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#define BITMAP_BYTES(n)	(((n) + 7) / 8)

static inline bool bm_test(const uint8_t *bm, uint64_t i)
{
	return (bm[i >> 3] >> (i & 7)) & 1;
}

static inline void bm_set(uint8_t *bm, uint64_t i)
{
	bm[i >> 3] |= (uint8_t)(1u << (i & 7));
}

#endif
