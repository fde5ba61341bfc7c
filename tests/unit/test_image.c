/*
 * Host tests for the image writer and the streaming reader
 * (snapshot/image_write.c, image_read.c): a synthetic machine (image_env.c)
 * is written to a disk in memory, read back in two passes and compared;
 * then bytes of the image are damaged and each damage must be refused with
 * its reason before pass 2 hands out a page (issue 10, tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image_env.h"
#include "../../snapshot/bitmap.h"

#define NFRAMES 1024

static struct ienv env;
static uint8_t *out;

static int setup(void **state)
{
	(void)state;
	ienv_init(&env, NFRAMES, 1);
	/* A run of random pages: incompressible, stored raw. */
	for (uint64_t f = 500; f < 560; f++)
		ienv_fill_page(env.ram + f * IMG_PAGE, 1, f);
	out = malloc(NFRAMES * IMG_PAGE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ienv_free(&env);
	free(out);
	return 0;
}

static void write_ok(struct img_write_stats *st)
{
	assert_int_equal(ienv_write(&env, st), 0);
}

/* Owned pages come back exactly; nothing else is written. */
static void assert_restored(void)
{
	for (uint64_t f = 0; f < NFRAMES; f++) {
		const uint8_t *o = out + f * IMG_PAGE;
		if (env.owned[f]) {
			assert_memory_equal(o, env.ram + f * IMG_PAGE, IMG_PAGE);
		} else {
			assert_int_equal(o[0], 0xa5);
			assert_int_equal(o[IMG_PAGE - 1], 0xa5);
		}
	}
}

static void round_trip(void **state)
{
	struct img_write_stats st;
	uint64_t pages;
	(void)state;
	write_ok(&st);
	assert_int_equal(st.data_pages + st.zero_pages, env.nowned);
	assert_true(st.zero_pages > 0);
	assert_true(st.raw_blocks > 0 && st.raw_blocks < st.blocks);
	/* Compressed: text and half-zero pages shrink, zero pages vanish. */
	assert_true(st.total_bytes < env.nowned * IMG_PAGE * 7 / 10);
	assert_int_equal(ienv_restore(&env, out, &pages), IMG_OK);
	assert_int_equal(pages, env.nowned);
	assert_restored();
	/* Pass 1 left exactly the owned set as the targets. */
	for (uint64_t f = 0; f < NFRAMES; f++)
		assert_int_equal(bm_test(env.targets, f), env.owned[f]);
}

/* The header area is zeroed by the first write and written by the last. */
static void header_first_zeroed_and_written_last(void **state)
{
	struct img_header h;
	(void)state;
	write_ok(NULL);
	assert_int_equal(env.first_off, 0);
	assert_int_equal(env.last_off, 0);
	assert_int_equal(env.header_writes, 2);
	assert_true(env.flushes >= 2);
	assert_int_equal(ienv_check(&env, &h), IMG_OK);
}

/* A write cut short leaves no image, even over an older complete one. */
static void interrupted_write_leaves_no_image(void **state)
{
	struct img_header h;
	(void)state;
	write_ok(NULL);
	uint64_t full = env.writes;
	for (int at = 2; at <= (int)full; at++) {
		env.writes = 0;
		env.fail_write_at = at;
		assert_int_equal(ienv_write(&env, NULL), IMG_W_EIO);
		assert_int_equal(ienv_check(&env, &h), IMG_R_NONE);
		write_ok(NULL);		/* a complete one again for the next round */
		env.fail_write_at = 0;
		env.writes = 0;
	}
}

static enum img_reason restore(void)
{
	uint64_t pages;
	return ienv_restore(&env, out, &pages);
}

static void damage(uint64_t off)
{
	env.disk[off] ^= 0x40;
}

static void corrupted_last_block(void **state)
{
	struct img_header h;
	struct img_record rec;
	(void)state;
	write_ok(NULL);
	memcpy(&h, env.disk, sizeof(h));
	uint64_t off = ienv_record(&env, h.records - 1, &rec);
	assert_true(rec.type == IMG_REC_LZ4 || rec.type == IMG_REC_RAW);
	damage(off + sizeof(rec) + rec.len - 1);
	assert_int_equal(restore(), IMG_R_BLOCK_CSUM);
	assert_int_equal(img_reason_class(IMG_R_BLOCK_CSUM), IMG_C_INVALIDATE);
}

static void corrupted_page_map(void **state)
{
	struct img_record rec;
	(void)state;
	write_ok(NULL);
	uint64_t off = ienv_record(&env, 2, &rec);
	assert_int_equal(rec.type, IMG_REC_MAP);
	damage(off + sizeof(rec) + 3);		/* a PFN */
	assert_int_equal(restore(), IMG_R_MAP_CSUM);
	assert_int_equal(img_reason_class(IMG_R_MAP_CSUM), IMG_C_INVALIDATE);
}

/* A record header's own bytes are in its checksum too. */
static void corrupted_record_header(void **state)
{
	struct img_record rec;
	(void)state;
	write_ok(NULL);
	uint64_t off = ienv_record(&env, 3, &rec);
	damage(off + offsetof(struct img_record, first) + 7);
	assert_int_not_equal(restore(), IMG_OK);
	write_ok(NULL);
	off = ienv_record(&env, 3, &rec);
	damage(off + offsetof(struct img_record, seq));
	assert_int_equal(restore(), IMG_R_RECORD);
}

/* The zeros after the last record are covered by the body checksum. */
static void corrupted_padding(void **state)
{
	struct img_header h;
	(void)state;
	write_ok(NULL);
	memcpy(&h, env.disk, sizeof(h));
	damage(h.total_bytes - 1);
	assert_int_equal(restore(), IMG_R_BODY_CSUM);
	write_ok(NULL);
	damage(IMG_HEADER_AREA - 1);		/* the header area's zeros */
	assert_int_equal(restore(), IMG_R_HEADER_CSUM);
}

static void truncated_image(void **state)
{
	struct img_header h;
	(void)state;
	write_ok(NULL);
	memcpy(&h, env.disk, sizeof(h));
	/* A partition smaller than the image. */
	uint64_t cap = env.capacity;
	env.capacity = h.total_bytes - IMG_ALIGN;
	assert_int_equal(restore(), IMG_R_TOO_BIG);
	env.capacity = cap;
	/* The end of the image lost (never written, or overwritten). */
	memset(env.disk + h.total_bytes - 3 * IMG_ALIGN, 0, 3 * IMG_ALIGN);
	enum img_reason why = restore();
	assert_true(why == IMG_R_RECORD || why == IMG_R_BLOCK_CSUM || why == IMG_R_MAP_CSUM);
	assert_int_equal(img_reason_class(why), IMG_C_INVALIDATE);
	/* A header that claims one group less than there is. */
	struct img_record rec;
	write_ok(NULL);
	memcpy(&h, env.disk, sizeof(h));
	ienv_record(&env, h.records - 1, &rec);
	h.records -= 2;
	h.blocks--;
	h.maps--;
	h.data_pages -= rec.count;
	memcpy(env.disk, &h, sizeof(h));
	ienv_reseal_header(&env);
	assert_int_equal(restore(), IMG_R_COUNTS);
	/* Or one zero page less. */
	write_ok(NULL);
	memcpy(&h, env.disk, sizeof(h));
	h.zero_pages--;
	memcpy(env.disk, &h, sizeof(h));
	ienv_reseal_header(&env);
	assert_int_equal(restore(), IMG_R_COUNTS);
}

static void wrong_version(void **state)
{
	struct img_header h;
	(void)state;
	write_ok(NULL);
	memcpy(&h, env.disk, sizeof(h));
	h.version = IMG_VERSION + 1;
	memcpy(env.disk, &h, sizeof(h));
	ienv_reseal_header(&env);
	assert_int_equal(restore(), IMG_R_VERSION);
	assert_int_equal(img_reason_class(IMG_R_VERSION), IMG_C_INVALIDATE);
}

static void read_error_is_kept(void **state)
{
	(void)state;
	write_ok(NULL);
	env.fail_read = 1;
	assert_int_equal(restore(), IMG_R_READ);
	assert_int_equal(img_reason_class(IMG_R_READ), IMG_C_KEEP);
	env.fail_read = 0;
}

/* Pass 2 checks every record again: the disk may change in between. */
static int count_page(void *ctx, uint64_t pfn, const void *data)
{
	(void)pfn;
	(void)data;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* Checksums right, meaning wrong: the structural checks of pass 1. */
static struct img_map_entry *map_entry(uint64_t rec_index, uint32_t i)
{
	struct img_record rec;
	uint64_t off = ienv_record(&env, rec_index, &rec);
	assert_int_equal(rec.type, IMG_REC_MAP);
	return (struct img_map_entry *)(env.disk + off + sizeof(rec)) + i;
}

static void duplicate_pfn(void **state)
{
	(void)state;
	write_ok(NULL);
	struct img_map_entry *a = map_entry(0, 0), *b = map_entry(2, 0);
	b->pfn = a->pfn;
	ienv_reseal_all(&env);
	assert_int_equal(restore(), IMG_R_PFN_DUP);
}

static void pfn_outside_ram(void **state)
{
	(void)state;
	write_ok(NULL);
	map_entry(2, 0)->pfn = NFRAMES - 1;	/* its run goes past the end */
	map_entry(2, 0)->count = 2;
	ienv_reseal_all(&env);
	assert_int_equal(restore(), IMG_R_PFN_RANGE);
	write_ok(NULL);
	map_entry(0, 0)->pfn = UINT64_MAX;
	ienv_reseal_all(&env);
	assert_int_equal(restore(), IMG_R_PFN_RANGE);
}

/* A frame the kernel says is not RAM (a hole in the memory map). */
static void pfn_not_ram(void **state)
{
	struct img_header h;
	struct img_reader r;
	uint8_t ram[NFRAMES / 8];
	(void)state;
	write_ok(NULL);
	memset(ram, 0xff, sizeof(ram));
	ram[300 / 8] &= (uint8_t)~(1u << (300 % 8));
	assert_true(env.owned[300]);
	assert_int_equal(ienv_check(&env, &h), IMG_OK);
	ienv_reader(&env, &r, &h);
	r.ram = ram;
	assert_int_equal(img_read_pass1(&r), IMG_R_PFN_RANGE);
	assert_int_equal(img_read_pass2(&r, count_page, &(uint64_t){ 0 }), IMG_R_PFN_RANGE);
}

static void bad_run_kind(void **state)
{
	(void)state;
	write_ok(NULL);
	map_entry(0, 0)->kind = 7;
	ienv_reseal_all(&env);
	assert_int_equal(restore(), IMG_R_MAP);
}

/* A data run one page longer: the block no longer matches its map. */
static void block_does_not_match_map(void **state)
{
	(void)state;
	write_ok(NULL);
	struct img_map_entry *m = map_entry(0, 0);
	m->kind = m->kind == IMG_PAGES_DATA ? IMG_PAGES_ZERO : IMG_PAGES_DATA;
	ienv_reseal_all(&env);
	enum img_reason why = restore();
	assert_true(why == IMG_R_BLOCK || why == IMG_R_MAP || why == IMG_R_COUNTS);
}

/* An LZ4 block that does not decode to its pages. */
static void block_does_not_decode(void **state)
{
	struct img_header h;
	struct img_record rec;
	(void)state;
	write_ok(NULL);
	memcpy(&h, env.disk, sizeof(h));
	uint64_t i, off = 0;
	for (i = 0; i < h.records; i++) {
		off = ienv_record(&env, i, &rec);
		if (rec.type == IMG_REC_LZ4)
			break;
	}
	assert_true(i < h.records);
	env.disk[off + sizeof(rec)] ^= 0x10;	/* the first token's literal length */
	ienv_reseal_all(&env);
	assert_int_equal(restore(), IMG_R_BLOCK);
}

static void pass2_checks_again(void **state)
{
	struct img_header h;
	struct img_reader r;
	struct img_record rec;
	uint64_t pages = 0;
	(void)state;
	write_ok(NULL);
	assert_int_equal(ienv_check(&env, &h), IMG_OK);
	ienv_reader(&env, &r, &h);
	assert_int_equal(img_read_pass1(&r), IMG_OK);
	uint64_t off = ienv_record(&env, h.records - 1, &rec);
	damage(off + sizeof(rec));
	assert_int_equal(img_read_pass2(&r, count_page, &pages), IMG_R_BLOCK_CSUM);
	assert_true(pages < env.nowned);
}

static int stop_page(void *ctx, uint64_t pfn, const void *data)
{
	(void)ctx;
	(void)pfn;
	(void)data;
	return -1;
}

static void pass2_callback_stops(void **state)
{
	struct img_header h;
	struct img_reader r;
	(void)state;
	write_ok(NULL);
	assert_int_equal(ienv_check(&env, &h), IMG_OK);
	ienv_reader(&env, &r, &h);
	assert_int_equal(img_read_pass2(&r, stop_page, NULL), IMG_R_RESTORE);
}

/* The delivered callback: after each record's pages, with their data
 * still in place; non-zero stops the pass. */
static struct {
	uint64_t pfn[NFRAMES];
	const void *data[NFRAMES];
	uint64_t n, pages, calls, stop_at;
} dl;

static int note_page(void *ctx, uint64_t pfn, const void *data)
{
	(void)ctx;
	assert_true(dl.n < NFRAMES);
	dl.pfn[dl.n] = pfn;
	dl.data[dl.n++] = data;
	dl.pages++;
	return 0;
}

static int check_delivered(void *ctx)
{
	static const uint8_t zero[IMG_PAGE];
	(void)ctx;
	for (uint64_t i = 0; i < dl.n; i++)
		assert_memory_equal(dl.data[i] ? dl.data[i] : zero, env.ram + dl.pfn[i] * IMG_PAGE,
				    IMG_PAGE);
	dl.n = 0;
	return ++dl.calls == dl.stop_at ? -1 : 0;
}

static void pass2_delivered(void **state)
{
	struct img_header h;
	struct img_reader r;
	struct img_write_stats st;
	(void)state;
	memset(env.ram + 40 * IMG_PAGE, 0, 100 * IMG_PAGE);	/* a run of zero pages */
	write_ok(&st);
	assert_int_equal(ienv_check(&env, &h), IMG_OK);
	ienv_reader(&env, &r, &h);
	r.delivered = check_delivered;
	assert_int_equal(img_read_pass1(&r), IMG_OK);
	memset(&dl, 0, sizeof(dl));
	assert_int_equal(img_read_pass2(&r, note_page, NULL), IMG_OK);
	assert_int_equal(dl.pages, st.data_pages + st.zero_pages);
	assert_int_equal(dl.n, 0);			/* the last pages were delivered too */
	assert_true(dl.calls >= st.blocks && dl.calls <= h.records);
	memset(&dl, 0, sizeof(dl));
	dl.stop_at = 2;
	assert_int_equal(img_read_pass2(&r, note_page, NULL), IMG_R_RESTORE);
	assert_int_equal(dl.calls, 2);
}

/* Only zero pages: page maps and no block. */
static void all_zero_pages(void **state)
{
	struct img_write_stats st;
	(void)state;
	memset(env.ram, 0, NFRAMES * IMG_PAGE);
	write_ok(&st);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(st.zero_pages, env.nowned);
	assert_true(st.total_bytes <= 2 * IMG_ALIGN);
	assert_int_equal(restore(), IMG_OK);
	assert_restored();
}

/* No page at all: an empty, valid image. */
static void no_pages(void **state)
{
	uint64_t pages;
	(void)state;
	memset(env.owned, 0, NFRAMES);
	env.nowned = 0;
	write_ok(NULL);
	assert_int_equal(ienv_restore(&env, out, &pages), IMG_OK);
	assert_int_equal(pages, 0);
}

static int backwards_next(void *ctx, uint64_t *pfn, const void **page)
{
	int *n = ctx;
	static uint8_t p[IMG_PAGE];
	*pfn = (uint64_t)(10 - *n);
	*page = p;
	return (*n)++ < 2;
}

static int null_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx; (void)off; (void)buf; (void)len;
	return 0;
}

static void writer_refusals(void **state)
{
	int n = 0;
	struct img_source src = { backwards_next, &n };
	struct img_sink sink = { null_write, NULL, NULL, 1 << 20 };
	(void)state;
	assert_int_equal(img_write(&env.ident, &src, &sink, &env.wmem, NULL, NULL), IMG_W_ESOURCE);
	/* Not enough room: refused, and the sink was never written past it. */
	env.capacity = 5 * IMG_ALIGN;
	assert_int_equal(ienv_write(&env, NULL), IMG_W_ENOSPC);
	/* Buffers too small. */
	struct img_write_mem m = env.wmem;
	m.out_size = IMG_WRITE_OUT_MIN - IMG_ALIGN;
	assert_int_equal(img_write(&env.ident, &src, &sink, &m, NULL, NULL), IMG_W_EARG);
	m = env.wmem;
	m.work_size--;
	assert_int_equal(img_write(&env.ident, &src, &sink, &m, NULL, NULL), IMG_W_EARG);
}

/* The bound holds for the worst case: every other page zero, none compressible. */
static void bound_holds(void **state)
{
	struct img_write_stats st;
	(void)state;
	memset(env.owned, 1, NFRAMES);
	env.nowned = NFRAMES;
	for (uint64_t f = 0; f < NFRAMES; f++)
		ienv_fill_page(env.ram + f * IMG_PAGE, f % 2, f);
	env.capacity = img_write_bound(NFRAMES);
	write_ok(&st);
	assert_true(st.total_bytes <= img_write_bound(NFRAMES));
	assert_int_equal(st.raw_blocks, st.blocks);
	assert_int_equal(restore(), IMG_OK);
}

struct prog {
	uint64_t calls, last_done, last_bytes, total;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct prog *p = ctx;
	assert_true(done >= p->last_done && bytes > p->last_bytes && done <= total);
	p->calls++;
	p->last_done = done;
	p->last_bytes = bytes;
	p->total = total;
}

static int next_owned(void *ctx, uint64_t *pfn, const void **page)
{
	uint64_t *f = ctx;
	while (*f < NFRAMES && !env.owned[*f])
		(*f)++;
	if (*f >= NFRAMES)
		return 0;
	*pfn = *f;
	*page = env.ram + *f * IMG_PAGE;
	(*f)++;
	return 1;
}

static void progress_reported(void **state)
{
	struct prog p = { 0 };
	uint64_t f = 0;
	struct img_source src = { next_owned, &f };
	struct img_sink sink = { null_write, NULL, NULL, env.capacity };
	struct img_progress pr = { on_progress, &p, env.nowned };
	(void)state;
	assert_int_equal(img_write(&env.ident, &src, &sink, &env.wmem, &pr, NULL), 0);
	assert_true(p.calls >= 2);
	assert_int_equal(p.last_done, env.nowned);
	assert_int_equal(p.total, env.nowned);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(round_trip),
		T(header_first_zeroed_and_written_last),
		T(interrupted_write_leaves_no_image),
		T(corrupted_last_block),
		T(corrupted_page_map),
		T(corrupted_record_header),
		T(corrupted_padding),
		T(truncated_image),
		T(wrong_version),
		T(read_error_is_kept),
		T(duplicate_pfn),
		T(pfn_outside_ram),
		T(pfn_not_ram),
		T(bad_run_kind),
		T(block_does_not_match_map),
		T(block_does_not_decode),
		T(pass2_checks_again),
		T(pass2_callback_stops),
		T(pass2_delivered),
		T(all_zero_pages),
		T(no_pages),
		T(writer_refusals),
		T(bound_holds),
		T(progress_reported),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
