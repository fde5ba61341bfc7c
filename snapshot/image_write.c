/*
 * image_write.c - the image writer (image_write.h, format image_wire.h).
 *
 * Pages arrive one at a time.  Zero pages become zero runs in the page
 * map and are not written (issue 10); the others are copied into the
 * block buffer.  A group (page map, then the block of its data pages) is
 * emitted when the block is full or the map has no room for another run.
 * Records are assembled in the output buffer and leave it in whole
 * IMG_ALIGN units, so the sink sees large aligned writes; the body
 * checksum is taken over exactly the bytes the sink receives.
 */
#include "image_write.h"

#include <string.h>

#include "image_csum.h"

/* Debian's lz4 source (scripts/lz4.sh), only its extState entry point:
 * the default ones keep a 16 KiB state on the stack (issue 10). */
#include "lz4.h"

struct writer {
	const struct img_sink *sink;
	const struct img_write_mem *mem;
	void *lz4_state;		/* in mem->work, after this struct */
	uint8_t *block;			/* IMG_BLOCK_PAGES pages, after it */
	const struct img_progress *progress;
	uint8_t *out;
	size_t used;			/* bytes in out */
	uint64_t flushed;		/* body bytes already given to the sink */
	struct img_csum body;
	struct img_header h;		/* counts kept in it as we go */
	/* The group being filled. */
	struct img_map_entry map[IMG_MAP_MAX];
	uint32_t nmap;
	uint32_t block_pages;		/* data pages in mem->block */
	uint64_t group_first;		/* image index of the group's first page */
	uint64_t pages;			/* pages taken so far */
	uint64_t raw_blocks;
};

/* mem->work: struct writer | LZ4 state | block. */
#define ROUND8(n)	(((n) + 7) & ~(size_t)7)

size_t img_write_work_size(void)
{
	return ROUND8(sizeof(struct writer)) + ROUND8((size_t)LZ4_sizeofState()) +
	       IMG_BLOCK_BYTES;
}

uint64_t img_write_bound(uint64_t npages)
{
	/* Each page at most a page of data and a run of its own; each group
	 * (>= IMG_BLOCK_PAGES pages, or the last) two padded record headers. */
	uint64_t groups = npages / IMG_BLOCK_PAGES + 1;
	uint64_t rec = sizeof(struct img_record) + IMG_REC_ALIGN;
	return IMG_HEADER_AREA + npages * (IMG_PAGE + sizeof(struct img_map_entry)) +
	       groups * 2 * rec + IMG_ALIGN;
}

static int is_zero_page(const void *page)
{
	const uint64_t *w = page;
	uint64_t acc = 0;
	for (size_t i = 0; i < IMG_PAGE / 8; i++)
		acc |= w[i];
	return acc == 0;
}

/* Give the sink the first n bytes of out (n a multiple of IMG_ALIGN). */
static int sink_out(struct writer *w, size_t n)
{
	uint64_t off = w->h.body_offset + w->flushed;
	if (n == 0)
		return 0;
	if (off + n > w->sink->capacity)
		return IMG_W_ENOSPC;
	img_csum_add(&w->body, w->out, n);
	if (w->sink->write(w->sink->ctx, off, w->out, n) != 0)
		return IMG_W_EIO;
	w->flushed += n;
	memmove(w->out, w->out + n, w->used - n);
	w->used -= n;
	if (w->progress && w->progress->report)
		w->progress->report(w->progress->ctx, w->pages, w->progress->pages_total,
				    w->h.body_offset + w->flushed);
	return 0;
}

/* Room for one more record of any size, by writing out whole units. */
static int make_room(struct writer *w)
{
	if (w->mem->out_size - w->used >= IMG_REC_MAX + IMG_REC_ALIGN)
		return 0;
	return sink_out(w, w->used / IMG_ALIGN * IMG_ALIGN);
}

/* Seal the record whose header is at out+at, payload after it, and pad. */
static void seal(struct writer *w, size_t at)
{
	struct img_record r;
	memcpy(&r, w->out + at, sizeof(r));
	r.seq = (uint32_t)w->h.records++;
	r.csum = img_record_csum(&r, w->out + at + sizeof(r));
	memcpy(w->out + at, &r, sizeof(r));
	w->used = at + sizeof(r) + r.len;
	while (w->used % IMG_REC_ALIGN)
		w->out[w->used++] = 0;
}

static int emit_map(struct writer *w)
{
	int rc = make_room(w);
	if (rc)
		return rc;
	size_t at = w->used;
	struct img_record r = {
		.type = IMG_REC_MAP, .len = w->nmap * (uint32_t)sizeof(struct img_map_entry),
		.count = w->nmap, .first = w->group_first,
	};
	memcpy(w->out + at, &r, sizeof(r));
	memcpy(w->out + at + sizeof(r), w->map, r.len);
	seal(w, at);
	w->h.maps++;
	return 0;
}

static int emit_block(struct writer *w)
{
	int rc = make_room(w);
	if (rc)
		return rc;
	size_t at = w->used;
	uint32_t raw = w->block_pages * IMG_PAGE;
	char *dst = (char *)w->out + at + sizeof(struct img_record);
	/* Capacity raw - 1: LZ4 gives up (returns 0) unless it saves a byte. */
	int n = LZ4_compress_fast_extState(w->lz4_state, (const char *)w->block, dst,
					   (int)raw, (int)raw - 1, 1);
	struct img_record r = {
		.type = IMG_REC_LZ4, .len = (uint32_t)n, .count = w->block_pages,
		.first = w->h.data_pages,
	};
	if (n <= 0) {
		r.type = IMG_REC_RAW;
		r.len = raw;
		memcpy(dst, w->block, raw);
		w->raw_blocks++;
	}
	memcpy(w->out + at, &r, sizeof(r));
	seal(w, at);
	w->h.blocks++;
	w->h.data_pages += w->block_pages;
	return 0;
}

static int emit_group(struct writer *w)
{
	if (w->nmap == 0)
		return 0;
	int rc = emit_map(w);
	if (rc == 0 && w->block_pages)
		rc = emit_block(w);
	w->group_first = w->pages;
	w->nmap = 0;
	w->block_pages = 0;
	return rc;
}

/* Add a page to the group: extend the last run or start one. */
static int add_page(struct writer *w, uint64_t pfn, const void *page)
{
	uint32_t kind = is_zero_page(page) ? IMG_PAGES_ZERO : IMG_PAGES_DATA;
	struct img_map_entry *last = w->nmap ? &w->map[w->nmap - 1] : NULL;

	if (!(last && last->kind == kind && last->pfn + last->count == pfn &&
	      last->count < UINT32_MAX)) {
		if (w->nmap == IMG_MAP_MAX) {
			int rc = emit_group(w);
			if (rc)
				return rc;
		}
		w->map[w->nmap++] = (struct img_map_entry){ .pfn = pfn, .count = 0, .kind = kind };
		last = &w->map[w->nmap - 1];
	}
	last->count++;
	w->pages++;
	if (kind == IMG_PAGES_ZERO) {
		w->h.zero_pages++;
		return 0;
	}
	memcpy(w->block + (size_t)w->block_pages * IMG_PAGE, page, IMG_PAGE);
	if (++w->block_pages == IMG_BLOCK_PAGES)
		return emit_group(w);
	return 0;
}

static int check_args(const struct img_header *ident, const struct img_source *src,
		      const struct img_sink *sink, const struct img_write_mem *mem)
{
	if (!ident || !src || !src->next || !sink || !sink->write || !mem ||
	    !mem->work || !mem->out)
		return IMG_W_EARG;
	if (mem->work_size < img_write_work_size() || (uintptr_t)mem->work % 8 ||
	    mem->out_size < IMG_WRITE_OUT_MIN || mem->out_size % IMG_ALIGN ||
	    ident->vmbus_count > IMG_VMBUS_MAX)
		return IMG_W_EARG;
	if (sink->capacity < IMG_HEADER_AREA)
		return IMG_W_ENOSPC;
	return 0;
}

static int sink_flush(const struct img_sink *sink)
{
	return sink->flush && sink->flush(sink->ctx) != 0 ? IMG_W_EIO : 0;
}

/* The header area: the header, zeros after it, the checksum last. */
static int write_header(struct writer *w)
{
	memset(w->out, 0, IMG_HEADER_AREA);
	memcpy(w->out, &w->h, sizeof(w->h));
	uint64_t c = img_header_csum(w->out);
	memcpy(w->out + offsetof(struct img_header, header_csum), &c, sizeof(c));
	if (w->sink->write(w->sink->ctx, 0, w->out, IMG_HEADER_AREA) != 0)
		return IMG_W_EIO;
	return sink_flush(w->sink);
}

static int write_body(struct writer *w, const struct img_source *src)
{
	uint64_t prev = 0;
	int rc;
	for (;;) {
		uint64_t pfn;
		const void *page;
		int more = src->next(src->ctx, &pfn, &page);
		if (more < 0 || (more > 0 && (!page || (w->pages && pfn <= prev))))
			return IMG_W_ESOURCE;
		if (more == 0)
			break;
		if ((rc = add_page(w, pfn, page)) != 0)
			return rc;
		prev = pfn;
	}
	if ((rc = emit_group(w)) != 0)
		return rc;
	/* Zeros up to the next unit; the body ends on it. */
	size_t pad = (IMG_ALIGN - w->used % IMG_ALIGN) % IMG_ALIGN;
	memset(w->out + w->used, 0, pad);
	w->used += pad;
	return sink_out(w, w->used);
}

int img_write(const struct img_header *ident, const struct img_source *src,
	      const struct img_sink *sink, const struct img_write_mem *mem,
	      const struct img_progress *progress, struct img_write_stats *stats)
{
	int rc = check_args(ident, src, sink, mem);
	if (rc)
		return rc;

	/* The state lives in the caller's memory (a volatile frame in the
	 * kernel), not in .bss, which is owned and already snapshotted. */
	struct writer *w = mem->work;
	memset(w, 0, sizeof(*w));
	w->lz4_state = (uint8_t *)mem->work + ROUND8(sizeof(struct writer));
	w->block = (uint8_t *)w->lz4_state + ROUND8((size_t)LZ4_sizeofState());
	w->sink = sink;
	w->mem = mem;
	w->progress = progress;
	w->out = mem->out;
	w->h = *ident;
	memcpy(w->h.magic, IMG_MAGIC, sizeof(w->h.magic));
	w->h.version = IMG_VERSION;
	w->h.header_size = sizeof(struct img_header);
	w->h.header_csum = w->h.body_csum = 0;
	w->h.reserved0 = 0;
	w->h.body_offset = IMG_HEADER_AREA;
	w->h.body_bytes = w->h.total_bytes = 0;
	w->h.records = w->h.maps = w->h.blocks = w->h.data_pages = w->h.zero_pages = 0;
	w->h.block_pages = IMG_BLOCK_PAGES;
	img_csum_init(&w->body);

	/* No header while the body is incomplete: an old image stops here. */
	memset(w->out, 0, IMG_HEADER_AREA);
	if (sink->write(sink->ctx, 0, w->out, IMG_HEADER_AREA) != 0)
		return IMG_W_EIO;
	if ((rc = sink_flush(sink)) != 0)
		return rc;

	if ((rc = write_body(w, src)) != 0)
		return rc;
	if ((rc = sink_flush(sink)) != 0)
		return rc;
	w->h.body_bytes = w->flushed;
	w->h.total_bytes = w->h.body_offset + w->flushed;
	w->h.body_csum = img_csum_end(&w->body);
	if ((rc = write_header(w)) != 0)
		return rc;
	if (stats)
		*stats = (struct img_write_stats){
			.total_bytes = w->h.total_bytes, .data_pages = w->h.data_pages,
			.zero_pages = w->h.zero_pages, .blocks = w->h.blocks,
			.raw_blocks = w->raw_blocks,
		};
	return 0;
}
