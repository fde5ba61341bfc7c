/*
 * blktest.c - the kernel option blktest=DISK: a write-read-verify run on
 * a scratch disk, then power-off with the verdict as the exit status
 * (test mode).  It destroys what the disk held.
 *
 * Every byte written is a function of its byte offset on the disk (an
 * 8-byte word per 8 bytes, pattern()), so tests/qemu can check from the
 * host that each region landed where it was sent, and that nothing
 * landed elsewhere.  The regions, in the disk's sectors (S = the disk's
 * size), are listed in regions[] and printed as "blktest: region" lines,
 * which the host check reads.
 */
#include <string.h>

#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "blk.h"

#define BT_BATCH	16		/* requests in flight at once */
#define BT_BATCH_SECT	128		/* 64 KiB each */
#define BT_BATCH_START	16384
#define BT_BENCH_BYTES	(32 * MiB)

static int failures;

#define BT_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			kprintf("blktest: FAIL: " __VA_ARGS__);		\
			failures++;					\
		}							\
	} while (0)

static uint64_t pattern(uint64_t word)
{
	return word * 0x9e3779b97f4a7c15ull ^ 0x646f726d616e7421ull;	/* "dormant!" */
}

static void fill(uint8_t *buf, const struct blk_dev *d, uint64_t sector, uint32_t count)
{
	uint64_t off = sector * d->sector_size;
	for (uint64_t i = 0; i < (uint64_t)count * d->sector_size; i += 8) {
		uint64_t w = pattern((off + i) / 8);
		memcpy(buf + i, &w, 8);
	}
}

/* The first wrong byte offset within the region, or -1. */
static int64_t verify(const uint8_t *buf, const struct blk_dev *d, uint64_t sector, uint32_t count)
{
	uint64_t off = sector * d->sector_size;
	for (uint64_t i = 0; i < (uint64_t)count * d->sector_size; i += 8) {
		uint64_t w = pattern((off + i) / 8);
		if (memcmp(buf + i, &w, 8) != 0)
			return (int64_t)i;
	}
	return -1;
}

struct region {
	const char *what;
	int64_t sector;			/* negative: from the end */
	uint32_t count;
	uint32_t misalign;		/* buffer offset from a page */
	bool irqs_off;			/* polled, interrupts off */
};

static const struct region regions[] = {
	{ "512 B", 1, 1, 0, false },
	{ "4 KiB unaligned", 8, 8, 1, false },
	{ "64 KiB unaligned", 100, 128, 3, false },
	{ "1 MiB", 2048, 2048, 0, false },
	{ "1 MiB unaligned, polled with interrupts off", 5001, 2048, 7, true },
	{ "last sector", -1, 1, 0, false },
	{ "64 KiB ending at the last sector", -129, 128, 0, false },
};

static void one_region(struct blk_dev *d, const struct region *g, uint8_t *wbuf, uint8_t *rbuf)
{
	uint64_t sector = g->sector < 0 ? d->sectors + (uint64_t)g->sector : (uint64_t)g->sector;
	uint8_t *w = wbuf + g->misalign, *r = rbuf + g->misalign;
	kprintf("blktest: region %lu %u (%s)\n", sector, g->count, g->what);
	fill(w, d, sector, g->count);
	memset(r, 0, (size_t)g->count * d->sector_size);
	uint64_t s = g->irqs_off ? irq_save() : 0;
	int ws = blk_write(d, sector, g->count, w);
	int rs = blk_read(d, sector, g->count, r);
	if (g->irqs_off)
		irq_restore(s);
	BT_CHECK(ws == BLK_OK, "%s: write: %s\n", g->what, blk_status_name(ws));
	BT_CHECK(rs == BLK_OK, "%s: read: %s\n", g->what, blk_status_name(rs));
	int64_t bad = verify(r, d, sector, g->count);
	BT_CHECK(bad < 0, "%s: read back differs at byte %ld\n", g->what, bad);
}

struct batch {
	struct blk_req req[BT_BATCH];
	volatile int status[BT_BATCH];
	volatile unsigned done;
};

static void batch_done(struct blk_req *r, int status)
{
	struct batch *b = r->ctx;
	b->status[r - b->req] = status;
	b->done++;
}

/* n requests in flight at once; false when one was refused or failed. */
static bool run_batch(struct blk_dev *d, struct batch *b, unsigned n, enum blk_op op,
		      uint64_t sector, uint32_t count, uint8_t *buf, bool quiet)
{
	memset(b, 0, sizeof(*b));
	unsigned submitted = 0, max_out = 0;
	bool ok = true;
	for (unsigned i = 0; i < n; i++) {
		struct blk_req *r = &b->req[i];
		r->op = op;
		r->sector = sector + (uint64_t)i * count;
		r->count = count;
		r->buf = buf + (size_t)i * count * d->sector_size;
		r->done = batch_done;
		r->ctx = b;
		b->status[i] = 1;
		int st;
		while ((st = blk_submit(d, r)) == BLK_E_BUSY)
			blk_poll(d);
		if (st != BLK_OK) {
			kprintf("blktest: FAIL: %s submit %u: %s\n", op == BLK_READ ? "read" : "write",
				i, blk_status_name(st));
			failures++;
			ok = false;
			break;
		}
		submitted++;
		if (submitted - b->done > max_out)
			max_out = submitted - b->done;
	}
	uint64_t end = time_ns() + 30ull * 1000 * 1000 * 1000;
	while (b->done < submitted && time_ns() < end) {
		blk_poll(d);
		cpu_relax();
	}
	BT_CHECK(b->done == submitted, "batch: %u of %u completed\n", b->done, submitted);
	for (unsigned i = 0; i < submitted; i++)
		if (b->status[i] != BLK_OK) {
			BT_CHECK(false, "batch request %u: %s\n", i, blk_status_name(b->status[i]));
			ok = false;
		}
	if (!quiet)
		kprintf("blktest: %u %s requests, up to %u in flight at once\n", submitted,
			op == BLK_READ ? "read" : "write", max_out);
	return ok && b->done == submitted;
}

static void throughput(struct blk_dev *d, struct batch *b, uint8_t *buf)
{
	uint32_t count = (uint32_t)(MiB / d->sector_size);
	unsigned n = (unsigned)(BT_BENCH_BYTES / MiB), depth = d->queue_depth < 4 ? d->queue_depth : 4;
	if (d->sectors < (uint64_t)n * count)
		return;
	uint64_t t0 = time_ns();
	for (unsigned i = 0; i < n; i += depth)
		run_batch(d, b, depth, BLK_READ, (uint64_t)i * count, count, buf, true);
	uint64_t ns = time_ns() - t0;
	kprintf("blktest: read %lu MiB in 1 MiB requests, %u in flight: %lu ms, %lu MiB/s\n",
		BT_BENCH_BYTES / MiB, depth, ns / 1000000, ns ? BT_BENCH_BYTES * 1000000000 / MiB / ns : 0);
}

static void blktest_run(void)
{
	if (!kopts.blktest[0])
		return;
	struct blk_dev *d = blk_find(kopts.blktest);
	if (!d) {
		kprintf("blktest: no disk named %s\n", kopts.blktest);
		kernel_exit(1);
	}
	kprintf("blktest: %s (%s): %lu sectors of %u bytes, %u per request, %u in flight\n",
		d->name, d->driver, d->sectors, d->sector_size, d->max_sectors, d->queue_depth);
	uint64_t need_sect = (uint64_t)BT_BATCH_START + BT_BATCH * BT_BATCH_SECT;
	if (d->sector_size != 512 || d->sectors < need_sect || d->max_sectors < 2048 ||
	    d->read_only) {
		kprintf("blktest: %s must be writable, have 512-byte sectors, at least %lu of "
			"them and take 1 MiB requests\n", d->name, need_sect);
		kernel_exit(1);
	}
	uint64_t pages = (4 * MiB + PAGE_SIZE) / PAGE_SIZE;
	uint8_t *wbuf = (uint8_t *)page_alloc(pages, FRAME_OWNED);
	uint8_t *rbuf = (uint8_t *)page_alloc(pages, FRAME_OWNED);
	struct batch *b = kmalloc(sizeof(*b));

	for (size_t i = 0; i < ARRAY_SIZE(regions); i++)
		one_region(d, &regions[i], wbuf, rbuf);

	/* Several in flight: BT_BATCH writes of 64 KiB, then reads of them. */
	unsigned n = d->queue_depth < BT_BATCH ? d->queue_depth : BT_BATCH;
	kprintf("blktest: region %u %u (batch of %u)\n", BT_BATCH_START, n * BT_BATCH_SECT, n);
	fill(wbuf, d, BT_BATCH_START, n * BT_BATCH_SECT);
	memset(rbuf, 0, (size_t)n * BT_BATCH_SECT * d->sector_size);
	if (run_batch(d, b, n, BLK_WRITE, BT_BATCH_START, BT_BATCH_SECT, wbuf, false) &&
	    run_batch(d, b, n, BLK_READ, BT_BATCH_START, BT_BATCH_SECT, rbuf, false)) {
		int64_t bad = verify(rbuf, d, BT_BATCH_START, n * BT_BATCH_SECT);
		BT_CHECK(bad < 0, "batch: read back differs at byte %ld\n", bad);
	}

	int st = blk_flush(d);
	BT_CHECK(st == BLK_OK, "flush: %s\n", blk_status_name(st));
	st = blk_read(d, d->sectors, 1, rbuf);
	BT_CHECK(st == BLK_E_RANGE, "read at sector %lu (the end): %s, expected %s\n",
		 d->sectors, blk_status_name(st), blk_status_name(BLK_E_RANGE));
	st = blk_write(d, d->sectors - 1, 2, wbuf);
	BT_CHECK(st == BLK_E_RANGE, "write across the end: %s, expected %s\n",
		 blk_status_name(st), blk_status_name(BLK_E_RANGE));
	st = blk_read(d, 0, d->max_sectors + 1, rbuf);
	BT_CHECK(st == BLK_E_INVAL, "read of max_sectors + 1: %s, expected %s\n",
		 blk_status_name(st), blk_status_name(BLK_E_INVAL));

	throughput(d, b, wbuf);
	kfree(b);
	page_free((uint64_t)wbuf, pages);
	page_free((uint64_t)rbuf, pages);
	if (failures) {
		kprintf("blktest: %s: %d checks failed\n", d->name, failures);
		kernel_exit(1);
	}
	kprintf("blktest: %s: all checks passed\n", d->name);
	kernel_exit(0);
}
INITCALL(blktest_run, INIT_LATE);
