/*
 * image_check.h - may this image be resumed here?  (issue 10, Resume)
 *
 * Every refusal has one reason, printed as "resume: refused: REASON", and
 * a class: a corrupt, truncated or unknown-format image is invalidated; an
 * image refused for a mismatch the user can fix is kept, and the hint says
 * what to change.  A different CPU model or Hyper-V build is only a note.
 * The streaming checks of the body (image_read.c) use the same reasons.
 */
#ifndef DORMANT_IMAGE_CHECK_H
#define DORMANT_IMAGE_CHECK_H

#include <stdint.h>

#include <stdbool.h>

#include "image_wire.h"

enum img_reason {
	IMG_OK = 0,
	IMG_R_NONE,		/* no image (zero magic): nothing to say */
	/* header (img_check_header) */
	IMG_R_MAGIC,
	IMG_R_VERSION,
	IMG_R_HEADER_SIZE,
	IMG_R_HEADER_CSUM,
	IMG_R_LAYOUT,
	IMG_R_TOO_BIG,
	IMG_R_BUILD,
	IMG_R_RAM_SIZE,
	IMG_R_RAM_RANGES,
	IMG_R_CPU_VENDOR,
	IMG_R_CPU_FEATURES,
	IMG_R_HV_ABSENT,
	IMG_R_HV_PRESENT,
	IMG_R_HV_FEATURES,
	/* body (image_read.c) */
	IMG_R_READ,
	IMG_R_RECORD,
	IMG_R_MAP_CSUM,
	IMG_R_BLOCK_CSUM,
	IMG_R_MAP,
	IMG_R_PFN_RANGE,
	IMG_R_PFN_DUP,
	IMG_R_BLOCK,
	IMG_R_COUNTS,
	IMG_R_BODY_CSUM,
	IMG_R_MEMORY,		/* the caller's buffers do not fit this image */
	IMG_R_RESTORE,		/* the caller's page callback failed */
	IMG_R_PLAN,		/* the restore would write outside its plan (restore.c) */
	IMG_NREASONS
};

enum img_class {
	IMG_C_NONE,		/* IMG_OK, IMG_R_NONE */
	IMG_C_INVALIDATE,	/* corrupt, truncated, unknown format */
	IMG_C_KEEP,		/* a mismatch the user can fix, or a read error */
};

/* Notes: differences that are logged, not refused. */
#define IMG_NOTE_CPU_MODEL	0x1u	/* cpu_signature differs */
#define IMG_NOTE_HV_BUILD	0x2u	/* hv_build or hv_version differs */

const char *img_reason_str(enum img_reason r);	/* "another kernel build" */
const char *img_reason_hint(enum img_reason r);	/* what to change, or "" */
enum img_class img_reason_class(enum img_reason r);
const char *img_note_str(unsigned note);	/* one IMG_NOTE_* bit */

/*
 * Check the header area (IMG_HEADER_AREA bytes read from the partition's
 * start) against this machine: now holds this kernel's identity (the
 * fields img_write takes as ident).  capacity is the partition's size.
 * On IMG_OK, *h is the header; *notes gets the IMG_NOTE_* bits.
 */
enum img_reason img_check_header(const void *area, const struct img_header *now,
				 uint64_t capacity, struct img_header *h, unsigned *notes);

/* True when the area holds a well-formed header of an image that fits
 * capacity, whichever machine or build wrote it. */
bool img_header_valid(const void *area, uint64_t capacity);

/* The RAM ranges digest: XXH64 over n (base, length) pairs. */
uint64_t img_ram_digest(const uint64_t (*ranges)[2], uint32_t n);

#endif
