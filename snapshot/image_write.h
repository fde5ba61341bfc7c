/*
 * image_write.h - write a hibernation image (format: image_wire.h).
 *
 * The caller supplies the pages (in increasing PFN order, as the frame
 * allocator enumerates the owned set), a sink for 4 KiB-aligned writes at
 * byte offsets of the partition, and all memory (issue 10: the LZ4 state
 * and buffers in volatile frames; nothing large on the stack).  The writer
 * zeroes the header area first, writes the body, flushes, then writes the
 * header and flushes again.
 */
#ifndef DORMANT_IMAGE_WRITE_H
#define DORMANT_IMAGE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "image_wire.h"

/* Errors (negative); 0 is success. */
enum {
	IMG_W_EARG = -1,	/* bad parameters or buffers too small */
	IMG_W_ESOURCE = -2,	/* the page source failed or went backwards */
	IMG_W_ENOSPC = -3,	/* the image would not fit in capacity */
	IMG_W_EIO = -4,		/* the sink failed */
};

struct img_sink {
	/* Write len bytes at byte offset off; both multiples of IMG_ALIGN. */
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);	/* may be NULL */
	void *ctx;
	uint64_t capacity;		/* partition bytes */
};

struct img_source {
	/* The next page: 1 with *pfn and *page (4 KiB, valid until the next
	 * call), 0 at the end, negative on error.  PFNs strictly increase. */
	int (*next)(void *ctx, uint64_t *pfn, const void **page);
	void *ctx;
};

/* All of the writer's memory: its state, the LZ4 state and the block in
 * work; the records on their way to the sink in out.  In the kernel both
 * are volatile frames: nothing owned changes after the snapshot instant. */
struct img_write_mem {
	void *work;		/* work_size >= img_write_work_size(), 8-aligned */
	size_t work_size;
	void *out;		/* out_size bytes: a multiple of IMG_ALIGN, */
	size_t out_size;	/* at least IMG_WRITE_OUT_MIN; larger is faster */
};
#define IMG_WRITE_OUT_MIN \
	((IMG_REC_MAX + IMG_REC_ALIGN + 2 * IMG_ALIGN - 1) / IMG_ALIGN * IMG_ALIGN)

/* Called after every write to the sink and at the end. */
struct img_progress {
	void (*report)(void *ctx, uint64_t pages_done, uint64_t pages_total,
		       uint64_t bytes_written);
	void *ctx;
	uint64_t pages_total;	/* the caller's count of owned pages */
};

struct img_write_stats {
	uint64_t total_bytes;	/* image bytes on the disk */
	uint64_t data_pages, zero_pages, blocks, raw_blocks;
};

size_t img_write_work_size(void);
/* The largest image npages pages can make: check it fits before writing. */
uint64_t img_write_bound(uint64_t npages);

/*
 * Write the image.  ident holds what image_check.c compares and the
 * snapshot instant (kernel_checksum .. resume_context, vmbus_count, vmbus);
 * the writer fills the rest.  progress may be NULL; stats may be NULL.
 */
int img_write(const struct img_header *ident, const struct img_source *src,
	      const struct img_sink *sink, const struct img_write_mem *mem,
	      const struct img_progress *progress, struct img_write_stats *stats);

#endif
