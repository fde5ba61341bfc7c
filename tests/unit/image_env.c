/* image_env.c - the synthetic machine of image_env.h. */
#include "image_env.h"

#include <stdlib.h>
#include <string.h>

#include "../../snapshot/image_csum.h"

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void ienv_fill_page(uint8_t *page, int kind, uint64_t seed)
{
	static const char line[] =
		"dormant test line: the quick brown fox jumps over the lazy dog 0123456789\n";
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;

	memset(page, 0, IMG_PAGE);
	switch (kind) {
	case 1:
		for (size_t i = 0; i < IMG_PAGE; i += 8) {
			uint64_t v = xorshift(&s);
			memcpy(page + i, &v, 8);
		}
		break;
	case 2:
		for (size_t i = 0; i < IMG_PAGE; i++)
			page[i] = (uint8_t)line[(i + seed) % (sizeof(line) - 1)];
		break;
	case 3:
		for (size_t i = 0; i < IMG_PAGE / 2; i++)
			page[i] = (uint8_t)xorshift(&s);
		break;
	}
}

void ienv_init(struct ienv *e, uint64_t nframes, uint64_t seed)
{
	memset(e, 0, sizeof(*e));
	e->nframes = nframes;
	e->ram = malloc(nframes * IMG_PAGE);
	e->owned = calloc(nframes, 1);
	for (uint64_t f = 0; f < nframes; f++) {
		ienv_fill_page(e->ram + f * IMG_PAGE, (int)((f + seed) % 4), f ^ seed);
		if ((f + seed) % 7 != 3 && f != 0) {
			e->owned[f] = 1;
			e->nowned++;
		}
	}
	struct img_header *id = &e->ident;
	id->kernel_checksum = 0x1234567890abcdefull;
	id->ram_bytes = nframes * IMG_PAGE;
	uint64_t ranges[1][2] = { { 0, nframes * IMG_PAGE } };
	id->ram_digest = img_ram_digest(ranges, 1);
	memcpy(id->cpu_vendor, "GenuineIntel", 12);
	id->cpu_signature = 0x000806f8;
	id->cpu_feat_mask[IMG_CPU_1_EDX] = 0x06000000;	/* SSE, SSE2 */
	id->cpu_feat_value[IMG_CPU_1_EDX] = 0x078bfbff;
	id->cpu_feat_mask[IMG_CPU_1_ECX] = 0x80000000;
	id->cpu_feat_value[IMG_CPU_1_ECX] = 0x80000201;
	id->hv_present = 1;
	id->hv_build = 20348;
	id->hv_version = 0x000a0000;
	id->hv_feat_mask[0] = 0x0000027e;
	id->hv_feat_value[0] = 0x00002fff;
	id->wall_ns = 1700000000000000000ll;
	id->mono_ns = 123456789;
	id->vmbus_count = 2;
	memset(id->vmbus[0].class_guid, 0xd9, 16);
	memset(id->vmbus[0].instance_guid, 0x11, 16);
	memset(id->vmbus[1].class_guid, 0xba, 16);
	memset(id->vmbus[1].instance_guid, 0x22, 16);

	e->capacity = img_write_bound(e->nowned);
	e->disk = calloc(1, e->capacity);
	e->wmem.work_size = img_write_work_size();
	e->wmem.work = aligned_alloc(64, (e->wmem.work_size + 63) / 64 * 64);
	e->wmem.out_size = IMG_WRITE_OUT_MIN;
	e->wmem.out = malloc(e->wmem.out_size);
	e->rbuf_size = IMG_READ_BUF_MIN;
	e->rbuf = malloc(e->rbuf_size);
	e->rpages = malloc(IMG_BLOCK_BYTES);
	e->targets = malloc((nframes + 7) / 8);
}

void ienv_free(struct ienv *e)
{
	free(e->ram);
	free(e->owned);
	free(e->disk);
	free(e->wmem.work);
	free(e->wmem.out);
	free(e->rbuf);
	free(e->rpages);
	free(e->targets);
}

struct cursor {
	struct ienv *e;
	uint64_t next;
};

static int src_next(void *ctx, uint64_t *pfn, const void **page)
{
	struct cursor *c = ctx;
	while (c->next < c->e->nframes && !c->e->owned[c->next])
		c->next++;
	if (c->next >= c->e->nframes)
		return 0;
	*pfn = c->next;
	*page = c->e->ram + c->next * IMG_PAGE;
	c->next++;
	return 1;
}

static int sink_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct ienv *e = ctx;
	if (e->writes++ == 0)
		e->first_off = off;
	e->last_off = off;
	if (off == 0)
		e->header_writes++;
	if (e->fail_write_at && (int)e->writes == e->fail_write_at)
		return -1;
	if (off % IMG_ALIGN || len % IMG_ALIGN || off + len > e->capacity)
		abort();	/* the writer broke its contract */
	memcpy(e->disk + off, buf, len);
	return 0;
}

static int sink_flush(void *ctx)
{
	((struct ienv *)ctx)->flushes++;
	return 0;
}

int ienv_write(struct ienv *e, struct img_write_stats *st)
{
	struct cursor c = { e, 0 };
	struct img_source src = { src_next, &c };
	struct img_sink sink = { sink_write, sink_flush, e, e->capacity };
	return img_write(&e->ident, &src, &sink, &e->wmem, NULL, st);
}

void ienv_reseal_header(struct ienv *e)
{
	uint64_t c = img_header_csum(e->disk);
	memcpy(e->disk + offsetof(struct img_header, header_csum), &c, 8);
}

enum img_reason ienv_check(struct ienv *e, struct img_header *h)
{
	unsigned notes;
	return img_check_header(e->disk, &e->ident, e->capacity, h, &notes);
}

static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct ienv *e = ctx;
	if (e->fail_read)
		return -1;
	if (off % IMG_ALIGN || len % IMG_ALIGN || off > e->capacity || len > e->capacity - off)
		abort();	/* the reader broke its contract */
	memcpy(buf, e->disk + off, len);
	return 0;
}

void ienv_reader(struct ienv *e, struct img_reader *r, const struct img_header *h)
{
	memset(r, 0, sizeof(*r));
	r->h = *h;
	r->read = disk_read;
	r->ctx = e;
	r->buf = e->rbuf;
	r->buf_size = e->rbuf_size;
	r->pages = e->rpages;
	r->nframes = e->nframes;
	r->targets = e->targets;
}

struct sink2 {
	uint8_t *out;
	uint64_t nframes, pages;
};

static int put_page(void *ctx, uint64_t pfn, const void *data)
{
	struct sink2 *s = ctx;
	if (pfn >= s->nframes)
		abort();
	if (data)
		memcpy(s->out + pfn * IMG_PAGE, data, IMG_PAGE);
	else
		memset(s->out + pfn * IMG_PAGE, 0, IMG_PAGE);
	s->pages++;
	return 0;
}

enum img_reason ienv_restore(struct ienv *e, uint8_t *out, uint64_t *pages)
{
	struct img_header h;
	struct img_reader r;
	struct sink2 s = { out, e->nframes, 0 };
	enum img_reason why;

	memset(out, 0xa5, e->nframes * IMG_PAGE);
	*pages = 0;
	if ((why = ienv_check(e, &h)) != IMG_OK)
		return why;
	ienv_reader(e, &r, &h);
	if ((why = img_read_pass1(&r)) != IMG_OK)
		return why;
	why = img_read_pass2(&r, put_page, &s);
	*pages = s.pages;
	return why;
}

uint64_t ienv_record(struct ienv *e, uint64_t i, struct img_record *rec)
{
	uint64_t off = IMG_HEADER_AREA;
	for (uint64_t k = 0;; k++) {
		if (off + sizeof(*rec) > e->capacity)
			return 0;
		memcpy(rec, e->disk + off, sizeof(*rec));
		if (k == i)
			return off;
		off += (sizeof(*rec) + rec->len + 7) / 8 * 8;
	}
}

void ienv_reseal_all(struct ienv *e)
{
	struct img_header h;
	struct img_record rec;
	uint64_t off;

	memcpy(&h, e->disk, sizeof(h));
	for (uint64_t i = 0; i < h.records && (off = ienv_record(e, i, &rec)) != 0; i++) {
		if (off + sizeof(rec) + rec.len > h.total_bytes)
			break;
		rec.csum = img_record_csum(&rec, e->disk + off + sizeof(rec));
		memcpy(e->disk + off, &rec, sizeof(rec));
	}
	h.body_csum = img_hash(e->disk + IMG_HEADER_AREA, h.total_bytes - IMG_HEADER_AREA, 0);
	memcpy(e->disk, &h, sizeof(h));
	ienv_reseal_header(e);
}
