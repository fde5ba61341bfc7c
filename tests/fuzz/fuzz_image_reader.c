/*
 * fuzz_image_reader.c - libFuzzer harness for the hibernation image
 * reader (snapshot/image_check.c, image_read.c) and the restore plan made
 * from what it read (restore_plan.c): any bytes as the hibernation
 * partition (issue 10: "Add the image reader to the fuzz harnesses").
 *
 * Input: one flags byte, then the partition, cut to whole 4 KiB units
 * (at least the header area, at most 4 MiB):
 *	bit 0	before reading, make the checksums right: every record's
 *		(as far as the records lie in the input), the body's and the
 *		header's, so that mutations reach the checks behind them
 *	bit 1	check against a fixed machine instead of the image's own
 *		identity (reaches the identity refusals)
 *	bit 2	every 8th frame is not RAM
 *	bits 3-5 m - 2: the resuming kernel uses every m-th frame (not free)
 *	bits 6-7 routine frames - 1
 * The header is checked, and img_header_valid must agree (an image
 * refused only for a mismatch is well-formed); a header that passes is
 * read in pass 1, and pass 2 runs whatever pass 1 said (it must stand on
 * its own).  Every read must stay inside the partition and every page
 * handed out inside RAM; a pass 1 that accepts must be followed by a pass
 * 2 that accepts and hands out each target page once.  Between them, as
 * restore.c does, the staging plan: refused only when the spare frames do
 * not suffice; otherwise one move per colliding target, in target order,
 * to distinct spare frames, the routine's frames spare and apart, and in
 * pass 2 every page's destination free now and taken once.  The partition and the bitmaps are blocks
 * AddressSanitizer sees as exactly their size (fuzz_buf.h), so it
 * reports any access outside them.
 *
 * Seeds (tests/fuzz/corpus/image_reader) are real images from
 * build/tools/mkimgseed (tests/fuzz/mkimgseed.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../snapshot/bitmap.h"
#include "../../snapshot/image_check.h"
#include "../../snapshot/image_csum.h"
#include "../../snapshot/image_read.h"
#include "../../snapshot/restore_plan.h"
#include "fuzz_buf.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)
#define NOCOV		__attribute__((no_sanitize("coverage"), noinline))

#define F_RESEAL	0x01
#define F_FIXED_ID	0x02
#define F_HOLES		0x04
#define MAX_DISK	(4u << 20)
#define MAX_FRAMES	(1u << 16)

struct disk {
	uint8_t *data;
	uint64_t size;
};

NOCOV static int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct disk *d = ctx;
	CHECK(off % IMG_ALIGN == 0 && len % IMG_ALIGN == 0 && len > 0);
	CHECK(off <= d->size && len <= d->size - off);
	memcpy(buf, d->data + off, len);
	return 0;
}

/* Seal every whole record in order, then the body and the header. */
static void reseal(uint8_t *disk, uint64_t size)
{
	struct img_header h;
	memcpy(&h, disk, sizeof(h));
	uint64_t end = h.total_bytes <= size && h.total_bytes >= IMG_HEADER_AREA ?
		       h.total_bytes : size;
	uint64_t off = IMG_HEADER_AREA;
	for (uint64_t i = 0; i < h.records && off + sizeof(struct img_record) <= end; i++) {
		struct img_record r;
		memcpy(&r, disk + off, sizeof(r));
		if (r.len > end - off - sizeof(r))
			break;
		r.csum = img_record_csum(&r, disk + off + sizeof(r));
		memcpy(disk + off, &r, sizeof(r));
		off += (sizeof(r) + r.len + 7) / 8 * 8;
	}
	h.body_csum = img_hash(disk + IMG_HEADER_AREA, end - IMG_HEADER_AREA, 0);
	memcpy(disk, &h, sizeof(h));
	uint64_t c = img_header_csum(disk);
	memcpy(disk + offsetof(struct img_header, header_csum), &c, sizeof(c));
}

struct pass2 {
	uint64_t nframes, pages;
	const uint8_t *ram, *targets;
	uint8_t *seen;		/* NULL unless pass 1 accepted */
	uint8_t sink;
	const struct restore_plan *plan;	/* NULL unless one was made */
	uint8_t *dests;		/* destinations taken */
};

NOCOV static int take_page(void *ctx, uint64_t pfn, const void *data)
{
	struct pass2 *p = ctx;
	CHECK(pfn < p->nframes);
	CHECK(!p->ram || bm_test(p->ram, pfn));
	if (data) {		/* all 4 KiB must be readable */
		const uint8_t *d = data;
		p->sink ^= d[0] ^ d[IMG_PAGE - 1];
	}
	if (p->seen) {
		CHECK(bm_test(p->targets, pfn) && !bm_test(p->seen, pfn));
		bm_set(p->seen, pfn);
	}
	if (p->plan) {
		uint64_t dest = restore_plan_dest(p->plan, pfn);
		CHECK(dest < p->nframes && bm_test(p->plan->free, dest));
		CHECK(dest == pfn || !bm_test(p->targets, dest));
		CHECK(!bm_test(p->dests, dest));
		bm_set(p->dests, dest);
	}
	p->pages++;
	return 0;
}

/* What restore_plan_make promises (restore_plan.h), for the plan it
 * made or refused.  A harness helper: not instrumented for coverage. */
NOCOV static void check_plan(const struct restore_plan *pl, int rc, uint8_t *used,
			     uint64_t collide, uint64_t spare)
{
	if (rc != 0) {
		CHECK(spare < collide + pl->routine_frames);
		return;
	}
	CHECK(pl->nmoves == collide);
	for (uint64_t i = 0; i < pl->nmoves; i++) {
		const struct restore_move *m = &pl->moves[i];
		CHECK(m->target < pl->nframes && m->staging < pl->nframes);
		CHECK(bm_test(pl->target, m->target) && !bm_test(pl->free, m->target));
		CHECK(bm_test(pl->free, m->staging) && !bm_test(pl->target, m->staging));
		CHECK(i == 0 || m->target > pl->moves[i - 1].target);
		CHECK(!bm_test(used, m->staging));
		bm_set(used, m->staging);
	}
	for (uint32_t i = 0; i < pl->routine_frames; i++) {
		uint64_t f = pl->routine[i];
		CHECK(f < pl->nframes && bm_test(pl->free, f) && !bm_test(pl->target, f));
		CHECK(!bm_test(used, f));
		bm_set(used, f);
	}
	CHECK(restore_plan_dest(pl, pl->nframes) == RESTORE_NOWHERE);
}

/* The resuming kernel's free frames: RAM but every m-th. */
NOCOV static void free_frames(uint8_t *fr, size_t bm, uint64_t nframes, unsigned m,
			      const uint8_t *ram)
{
	memset(fr, 0, bm);
	for (uint64_t f = 0; f < nframes; f++)
		if (f % m && (!ram || bm_test(ram, f)))
			bm_set(fr, f);
}

static struct fbuf disk_buf = { .cap = MAX_DISK };
static struct fbuf targets_buf = { .cap = BITMAP_BYTES(MAX_FRAMES) + 1 };
static struct fbuf seen_buf = { .cap = BITMAP_BYTES(MAX_FRAMES) + 1 };
static struct fbuf ram_buf = { .cap = BITMAP_BYTES(MAX_FRAMES) + 1 };
static struct fbuf free_buf = { .cap = BITMAP_BYTES(MAX_FRAMES) + 1 };
static struct fbuf used_buf = { .cap = BITMAP_BYTES(MAX_FRAMES) + 1 };
static struct fbuf dests_buf = { .cap = BITMAP_BYTES(MAX_FRAMES) + 1 };
static struct fbuf moves_buf = { .cap = MAX_FRAMES * sizeof(struct restore_move) };

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static uint8_t rbuf[IMG_READ_BUF_MIN], pages[IMG_BLOCK_BYTES];
	if (n < 1 + IMG_HEADER_AREA)
		return 0;
	uint8_t flags = in[0];
	uint64_t size = (n - 1) / IMG_ALIGN * IMG_ALIGN;
	if (size > MAX_DISK)
		size = MAX_DISK;
	struct disk d = { fbuf_get(&disk_buf, size), size };
	memcpy(d.data, in + 1, size);
	if (flags & F_RESEAL)
		reseal(d.data, size);

	struct img_header now;
	memcpy(&now, d.data, sizeof(now));
	if (flags & F_FIXED_ID) {
		memset(&now, 0, sizeof(now));
		now.kernel_checksum = 0x1234567890abcdefull;
		now.ram_bytes = 64 * IMG_PAGE;
		memcpy(now.cpu_vendor, "GenuineIntel", 12);
		now.cpu_feat_value[IMG_CPU_1_EDX] = 0x07000000;
		now.hv_present = 1;
		now.hv_feat_value[0] = 0x27e;
	}
	struct img_header h;
	unsigned notes;
	enum img_reason why = img_check_header(d.data, &now, size, &h, &notes);
	CHECK(img_reason_str(why) != NULL);
	CHECK(img_header_valid(d.data, size) ==
	      (why == IMG_OK || img_reason_class(why) == IMG_C_KEEP));
	if (why != IMG_OK) {
		CHECK(why == IMG_R_NONE || img_reason_class(why) != IMG_C_NONE);
		return 0;
	}
	CHECK(h.total_bytes <= size);

	uint64_t nframes = h.ram_bytes / IMG_PAGE;
	if (nframes > MAX_FRAMES)
		nframes = MAX_FRAMES;
	size_t bm = BITMAP_BYTES(nframes) + 1;
	uint8_t *targets = fbuf_get(&targets_buf, bm);
	memset(targets, 0xbe, bm);	/* garbage, as from malloc */
	uint8_t *seen = fbuf_get(&seen_buf, bm);
	memset(seen, 0, bm);
	uint8_t *ram = NULL;
	if (flags & F_HOLES) {
		ram = fbuf_get(&ram_buf, bm);
		memset(ram, 0xfe, bm);	/* frame 8k is not RAM */
	}
	struct img_reader r = {
		.h = h, .read = disk_read, .ctx = &d, .buf = rbuf, .buf_size = sizeof(rbuf),
		.pages = pages, .nframes = nframes, .ram = ram, .targets = targets,
	};
	enum img_reason p1 = img_read_pass1(&r);
	struct pass2 p = { nframes, 0, ram, targets, p1 == IMG_OK ? seen : NULL, 0, NULL, NULL };
	struct restore_plan pl;
	uint64_t routine[4];
	if (p1 == IMG_OK) {
		uint8_t *fr = fbuf_get(&free_buf, bm);
		free_frames(fr, bm, nframes, 2 + ((flags >> 3) & 7), ram);
		pl = (struct restore_plan){ .nframes = nframes, .target = targets, .free = fr,
					    .routine_frames = 1 + (flags >> 6), .routine = routine };
		uint64_t collide, spare;
		restore_plan_count(&pl, &collide, &spare);
		pl.moves_cap = collide ? collide : 1;
		pl.moves = (struct restore_move *)fbuf_get(&moves_buf,
							   pl.moves_cap * sizeof(struct restore_move));
		uint8_t *used = fbuf_get(&used_buf, bm);
		memset(used, 0, bm);
		int rc = restore_plan_make(&pl);
		check_plan(&pl, rc, used, collide, spare);
		if (rc == 0) {
			p.plan = &pl;
			p.dests = fbuf_get(&dests_buf, bm);
			memset(p.dests, 0, bm);
		}
	}
	enum img_reason p2 = img_read_pass2(&r, take_page, &p);
	if (p1 == IMG_OK) {
		CHECK(p2 == IMG_OK);
		CHECK(p.pages == h.data_pages + h.zero_pages);
		CHECK(memcmp(seen, targets, BITMAP_BYTES(nframes)) == 0);
	}
	return 0;
}
