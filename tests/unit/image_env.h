/*
 * image_env.h - a synthetic machine for the image tests (test_image.c,
 * test_image_check.c) and the seed tool (tests/fuzz/mkimgseed.c): RAM with
 * zero, pseudo-random, repetitive-text and half-zero pages, an identity,
 * and a disk in memory that the writer writes and the reader reads.
 */
#ifndef DORMANT_IMAGE_ENV_H
#define DORMANT_IMAGE_ENV_H

#include <stdint.h>

#include "../../snapshot/image_check.h"
#include "../../snapshot/image_read.h"
#include "../../snapshot/image_write.h"

struct ienv {
	uint64_t nframes;
	uint8_t *ram;		/* nframes pages */
	uint8_t *owned;		/* nframes bytes: 1 = in the image */
	uint64_t nowned;
	struct img_header ident;
	/* The disk. */
	uint8_t *disk;
	uint64_t capacity;
	uint64_t writes, flushes;
	uint64_t header_writes;	/* writes at offset 0 */
	uint64_t first_off, last_off;	/* of the first and the last write */
	int fail_write_at;	/* this write (from 1) fails; 0: none */
	int fail_read;		/* every read fails */
	/* The writer's and the reader's memory. */
	struct img_write_mem wmem;
	uint8_t *rbuf, *rpages, *targets;
	size_t rbuf_size;
};

/* A machine of nframes frames; seed picks the page contents.  Every
 * fourth page is not owned; owned pages cycle through the four kinds. */
void ienv_init(struct ienv *e, uint64_t nframes, uint64_t seed);
void ienv_free(struct ienv *e);
/* Fill page f with kind k (0 zero, 1 random, 2 text, 3 half zero). */
void ienv_fill_page(uint8_t *page, int kind, uint64_t seed);

int ienv_write(struct ienv *e, struct img_write_stats *st);
/* Recompute the header checksum after a test changed the header area. */
void ienv_reseal_header(struct ienv *e);
/* Check the header against the environment's identity; fills *h. */
enum img_reason ienv_check(struct ienv *e, struct img_header *h);
/* A reader over the disk for the header h. */
void ienv_reader(struct ienv *e, struct img_reader *r, const struct img_header *h);
/* Check, pass 1, pass 2 into out (nframes pages, poisoned first); the
 * first failing reason.  *pages counts the pages pass 2 delivered. */
enum img_reason ienv_restore(struct ienv *e, uint8_t *out, uint64_t *pages);

/* Recompute every record checksum, the body's and the header's, after a
 * test changed the meaning of some bytes (not their checksums). */
void ienv_reseal_all(struct ienv *e);

/* A record of the body: offset of the i-th record (body order), or 0. */
uint64_t ienv_record(struct ienv *e, uint64_t i, struct img_record *rec);

#endif
