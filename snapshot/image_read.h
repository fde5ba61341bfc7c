/*
 * image_read.h - read a hibernation image in two streaming passes
 * (issue 10: "validate in a first pass and restore in a second").
 *
 * Pass 1 reads the whole body once and checks every record checksum, every
 * page map (PFNs inside RAM, no page twice, counts as the header says),
 * that every block decompresses to its pages, and the body checksum; it
 * leaves the set of target frames in a bitmap.  Pass 2 reads the body
 * again, checks each record again (the disk is not trusted to return the
 * same bytes twice) and hands every page to a callback.  Memory is bounded
 * and the caller's: one read window and one block of pages.
 *
 * Nothing read from the disk is trusted: no length, offset or count is
 * used before it is checked against the buffers and the header.
 */
#ifndef DORMANT_IMAGE_READ_H
#define DORMANT_IMAGE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "image_check.h"
#include "image_csum.h"
#include "image_wire.h"

/* The read window: IMG_ALIGN-aligned reads up to its size. */
#define IMG_READ_BUF_MIN \
	((IMG_REC_MAX + IMG_REC_ALIGN + 2 * IMG_ALIGN - 1) / IMG_ALIGN * IMG_ALIGN)

struct img_reader {
	/* Set by the caller (img_read_init). */
	struct img_header h;		/* from img_check_header */
	/* Read len bytes at byte offset off of the partition (both
	 * multiples of IMG_ALIGN, never past h.total_bytes).  0 on success. */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
	uint8_t *buf;			/* the window, buf_size bytes */
	size_t buf_size;		/* >= IMG_READ_BUF_MIN, multiple of IMG_ALIGN */
	uint8_t *pages;			/* IMG_BLOCK_BYTES: one decompressed block */
	uint64_t nframes;		/* every PFN must be below */
	const uint8_t *ram;		/* bit per frame it may restore, or NULL: all */
	uint8_t *targets;		/* nframes bits: pass 1 sets the image's PFNs */
	/* Called with bytes read so far in this pass; may be NULL. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	/* Pass 2, may be NULL: called with the page callback's ctx after the
	 * pages of each record; the data handed to the page callback since
	 * the last call stays valid until this returns.  Non-zero stops the
	 * pass (IMG_R_RESTORE). */
	int (*delivered)(void *ctx);
	/* Internal. */
	uint64_t win_off, win_len, pos;
	int hashing;
	struct img_csum body;
	uint32_t seq, nmap;
	struct img_map_entry map[IMG_MAP_MAX];
};

/* Pass 2 hands each page here: data is its 4 KiB, NULL for a zero page.
 * Non-zero stops the pass (IMG_R_RESTORE). */
typedef int (*img_page_fn)(void *ctx, uint64_t pfn, const void *data);

enum img_reason img_read_pass1(struct img_reader *r);
enum img_reason img_read_pass2(struct img_reader *r, img_page_fn page, void *ctx);

#endif
