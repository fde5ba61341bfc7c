/*
 * image_read.c - the two streaming passes over an image (image_read.h).
 *
 * Both passes walk the records in order through one window: the window
 * always starts on an IMG_ALIGN boundary of the partition, keeps the
 * unread tail of what it holds and appends whole units after it, so every
 * body byte is read exactly once per pass (pass 1 hashes the reads).
 */
#include "image_read.h"

#include <string.h>

#include "bitmap.h"
#include "lz4.h"	/* Debian's lz4 source (scripts/lz4.sh) */

#define ALIGN_DOWN(x)	((x) / IMG_ALIGN * IMG_ALIGN)
#define PAD8(n)		(((n) + IMG_REC_ALIGN - 1) / IMG_REC_ALIGN * IMG_REC_ALIGN)

static void report(struct img_reader *r)
{
	if (r->progress)
		r->progress(r->ctx, r->win_off + r->win_len, r->h.total_bytes);
}

/* Read the next units after the window, as many as fit, into it. */
static enum img_reason fill(struct img_reader *r)
{
	uint64_t end = r->win_off + r->win_len;
	uint64_t len = r->buf_size - r->win_len;
	if (len > r->h.total_bytes - end)
		len = r->h.total_bytes - end;
	if (len == 0)
		return IMG_R_RECORD;		/* a record runs past the end */
	if (r->read(r->ctx, end, r->buf + r->win_len, (size_t)len) != 0)
		return IMG_R_READ;
	if (r->hashing)
		img_csum_add(&r->body, r->buf + r->win_len, (size_t)len);
	r->win_len += len;
	report(r);
	return IMG_OK;
}

/* Make [pos, pos + n) readable at r->buf + (pos - win_off). */
static enum img_reason ensure(struct img_reader *r, uint64_t n)
{
	if (n > r->h.total_bytes - r->pos)
		return IMG_R_RECORD;
	if (r->pos + n <= r->win_off + r->win_len)
		return IMG_OK;
	uint64_t from = ALIGN_DOWN(r->pos);
	uint64_t keep = r->win_off + r->win_len - from;	/* pos never passes the window */
	memmove(r->buf, r->buf + (from - r->win_off), (size_t)keep);
	r->win_off = from;
	r->win_len = keep;
	while (r->pos + n > r->win_off + r->win_len) {
		enum img_reason e = fill(r);
		if (e)
			return e;
	}
	return IMG_OK;
}

/* Shape rules per type: runs, or pages and payload bytes. */
static enum img_reason shape(const struct img_record *rec)
{
	switch (rec->type) {
	case IMG_REC_MAP:
		return rec->count >= 1 && rec->count <= IMG_MAP_MAX &&
		       rec->len == rec->count * sizeof(struct img_map_entry) ? IMG_OK : IMG_R_MAP;
	case IMG_REC_LZ4:
		return rec->count >= 1 && rec->count <= IMG_BLOCK_PAGES && rec->len >= 1 &&
		       rec->len < rec->count * IMG_PAGE ? IMG_OK : IMG_R_BLOCK;
	case IMG_REC_RAW:
		return rec->count >= 1 && rec->count <= IMG_BLOCK_PAGES &&
		       rec->len == rec->count * IMG_PAGE ? IMG_OK : IMG_R_BLOCK;
	}
	return IMG_R_RECORD;
}

/* The next record, its shape and checksum checked; *payload points into
 * the window until the next call. */
static enum img_reason next_record(struct img_reader *r, struct img_record *rec,
				   const uint8_t **payload)
{
	enum img_reason e = ensure(r, sizeof(*rec));
	if (e)
		return e;
	memcpy(rec, r->buf + (r->pos - r->win_off), sizeof(*rec));
	if (rec->seq != r->seq)
		return IMG_R_RECORD;
	if ((e = shape(rec)) != IMG_OK)
		return e;
	uint64_t size = PAD8(sizeof(*rec) + (uint64_t)rec->len);
	if ((e = ensure(r, size)) != IMG_OK)
		return e;
	*payload = r->buf + (r->pos - r->win_off) + sizeof(*rec);
	if (img_record_csum(rec, *payload) != rec->csum)
		return rec->type == IMG_REC_MAP ? IMG_R_MAP_CSUM : IMG_R_BLOCK_CSUM;
	r->pos += size;
	r->seq++;
	return IMG_OK;
}

/* Check and keep a page map's runs; *data gets its data pages. */
static enum img_reason take_map(struct img_reader *r, const struct img_record *rec,
				const uint8_t *payload, int pass, uint64_t *data,
				uint64_t *zero)
{
	*data = *zero = 0;
	memcpy(r->map, payload, rec->len);
	r->nmap = rec->count;
	for (uint32_t i = 0; i < r->nmap; i++) {
		const struct img_map_entry *m = &r->map[i];
		if ((m->kind != IMG_PAGES_DATA && m->kind != IMG_PAGES_ZERO) || m->count == 0)
			return IMG_R_MAP;
		if (m->pfn >= r->nframes || m->count > r->nframes - m->pfn)
			return IMG_R_PFN_RANGE;
		for (uint64_t p = m->pfn; p < m->pfn + m->count; p++) {
			if (r->ram && !bm_test(r->ram, p))
				return IMG_R_PFN_RANGE;
			if (pass == 1) {
				if (bm_test(r->targets, p))
					return IMG_R_PFN_DUP;
				bm_set(r->targets, p);
			}
		}
		if (m->kind == IMG_PAGES_DATA)
			*data += m->count;
		else
			*zero += m->count;
	}
	return *data <= IMG_BLOCK_PAGES ? IMG_OK : IMG_R_MAP;
}

/* A block's pages in r->pages (or, raw, in the window): *out. */
static enum img_reason take_block(struct img_reader *r, const struct img_record *rec,
				  const uint8_t *payload, const uint8_t **out)
{
	if (rec->type == IMG_REC_RAW) {
		*out = payload;
		return IMG_OK;
	}
	int want = (int)(rec->count * IMG_PAGE);
	int n = LZ4_decompress_safe((const char *)payload, (char *)r->pages,
				    (int)rec->len, want);
	*out = r->pages;
	return n == want ? IMG_OK : IMG_R_BLOCK;
}

/* Pass 2: every page of the kept map, zero pages as NULL. */
static enum img_reason deliver(struct img_reader *r, const uint8_t *data,
			       img_page_fn page, void *ctx)
{
	for (uint32_t i = 0; i < r->nmap; i++) {
		const struct img_map_entry *m = &r->map[i];
		for (uint64_t p = m->pfn; p < m->pfn + m->count; p++) {
			const uint8_t *d = NULL;
			if (m->kind == IMG_PAGES_DATA) {
				d = data;
				data += IMG_PAGE;
			}
			if (page(ctx, p, d) != 0)
				return IMG_R_RESTORE;
		}
	}
	return r->delivered && r->delivered(ctx) != 0 ? IMG_R_RESTORE : IMG_OK;
}

static enum img_reason walk(struct img_reader *r, int pass, img_page_fn page, void *ctx)
{
	uint64_t pages = 0, data = 0, zero = 0, maps = 0, blocks = 0;
	uint64_t want_block = 0;	/* data pages of the map before */
	enum img_reason e;

	if (!r->read || !r->buf || !r->pages || r->buf_size < IMG_READ_BUF_MIN ||
	    r->buf_size % IMG_ALIGN || (pass == 1 && !r->targets) ||
	    r->h.body_offset != IMG_HEADER_AREA || r->h.total_bytes < r->h.body_offset ||
	    r->h.total_bytes % IMG_ALIGN)
		return IMG_R_MEMORY;
	r->win_off = r->pos = r->h.body_offset;
	r->win_len = 0;
	r->seq = 0;
	r->nmap = 0;
	r->hashing = pass == 1;
	img_csum_init(&r->body);
	if (pass == 1)
		memset(r->targets, 0, BITMAP_BYTES(r->nframes));

	for (uint64_t i = 0; i < r->h.records; i++) {
		struct img_record rec;
		const uint8_t *payload, *out;
		if ((e = next_record(r, &rec, &payload)) != IMG_OK)
			return e;
		if (rec.type == IMG_REC_MAP) {
			uint64_t d, z;
			if (want_block)
				return IMG_R_RECORD;	/* a map where its block belongs */
			if (rec.first != pages)
				return IMG_R_MAP;
			if ((e = take_map(r, &rec, payload, pass, &d, &z)) != IMG_OK)
				return e;
			pages += d + z;
			zero += z;
			maps++;
			want_block = d;
			if (d == 0 && pass == 2 && (e = deliver(r, NULL, page, ctx)) != IMG_OK)
				return e;
			continue;
		}
		if (rec.count != want_block || rec.first != data)
			return IMG_R_BLOCK;
		if ((e = take_block(r, &rec, payload, &out)) != IMG_OK)
			return e;
		if (pass == 2 && (e = deliver(r, out, page, ctx)) != IMG_OK)
			return e;
		data += rec.count;
		blocks++;
		want_block = 0;
	}
	if (want_block || maps != r->h.maps || blocks != r->h.blocks ||
	    data != r->h.data_pages || zero != r->h.zero_pages)
		return IMG_R_COUNTS;
	if (pass == 2)
		return IMG_OK;
	/* The rest of the body (padding) still counts in its checksum. */
	while (r->win_off + r->win_len < r->h.total_bytes) {
		r->win_off += r->win_len;
		r->win_len = 0;
		if ((e = fill(r)) != IMG_OK)
			return e;
	}
	return img_csum_end(&r->body) == r->h.body_csum ? IMG_OK : IMG_R_BODY_CSUM;
}

enum img_reason img_read_pass1(struct img_reader *r)
{
	return walk(r, 1, NULL, NULL);
}

enum img_reason img_read_pass2(struct img_reader *r, img_page_fn page, void *ctx)
{
	if (!page)
		return IMG_R_MEMORY;
	return walk(r, 2, page, ctx);
}
