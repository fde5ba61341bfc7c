/*
 * image_csum.h - the image's checksums, all XXH64 (issue 10: "checksums
 * are xxHash"), defined in one place (image_csum.c).  Which bytes each
 * covers is in image_wire.h.
 */
#ifndef DORMANT_IMAGE_CSUM_H
#define DORMANT_IMAGE_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "image_wire.h"

/* A running checksum over a byte stream (the body).  Opaque: xxhash.h
 * stays inside image_csum.c. */
struct img_csum {
	_Alignas(8) unsigned char state[96];
};

void img_csum_init(struct img_csum *c);
void img_csum_add(struct img_csum *c, const void *p, size_t n);
uint64_t img_csum_end(const struct img_csum *c);

/* XXH64 of one buffer. */
uint64_t img_hash(const void *p, size_t n, uint64_t seed);
/* A record's csum field: its first 24 bytes, then len payload bytes. */
uint64_t img_record_csum(const struct img_record *r, const void *payload);
/* The header_csum of a header area (IMG_HEADER_AREA bytes). */
uint64_t img_header_csum(const void *area);

#endif
