/*
 * ktest_image.c - in-kernel self-test of the image code (issue 10): proves
 * that Debian's LZ4, built with the kernel's flags, links and runs, with
 * its state and every buffer in volatile frames, and that a few pages
 * survive the writer and both reading passes.  The host tests cover the
 * format itself (tests/unit/test_image.c).
 *
 * Linked into the plain kernel only: the hvsim scenarios name their
 * KTAP test numbers, which one more KTEST would shift.
 */
#include <stdint.h>
#include <string.h>

#include "dormant.h"	/* first: kernel.h defines noreturn */
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../drivers/blk.h"
#include "bitmap.h"
#include "blkio.h"
#include "ident.h"
#include "image_check.h"
#include "image_read.h"
#include "image_write.h"

#define CHECK KTEST_CHECK
#define NPAGES	8
#define PAGES(bytes)	(((bytes) + PAGE_SIZE - 1) / PAGE_SIZE)

struct kt {
	uint8_t *src, *disk, *back;
	uint64_t cap;
};

static struct kt kt;

static int kt_next_page(void *ctx, uint64_t *pfn, const void **page)
{
	uint64_t *i = ctx;
	if (*i >= NPAGES)
		return 0;
	*pfn = 100 + *i * 3;
	*page = kt.src + *i * PAGE_SIZE;
	(*i)++;
	return 1;
}

static int kt_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	if (off > kt.cap || len > kt.cap - off)
		return -1;
	memcpy(kt.disk + off, buf, len);
	return 0;
}

static int kt_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > kt.cap || len > kt.cap - off)
		return -1;
	memcpy(buf, kt.disk + off, len);
	return 0;
}

static int kt_page(void *ctx, uint64_t pfn, const void *data)
{
	uint64_t i = (pfn - 100) / 3;
	(void)ctx;
	if (pfn < 100 || i >= NPAGES || (pfn - 100) % 3)
		return -1;
	if (data)
		memcpy(kt.back + i * PAGE_SIZE, data, PAGE_SIZE);
	else
		memset(kt.back + i * PAGE_SIZE, 0, PAGE_SIZE);
	return 0;
}

static void *vpages(uint64_t bytes)
{
	return (void *)(uintptr_t)page_alloc(PAGES(bytes), FRAME_VOLATILE);
}

static bool t_image_lz4(void)
{
	static const char line[] = "dormant: count 41, log hello, hibernate\n";
	size_t work = img_write_work_size();
	struct img_write_mem mem = { vpages(work), work, vpages(IMG_WRITE_OUT_MIN),
				     IMG_WRITE_OUT_MIN };
	kt.cap = img_write_bound(NPAGES);
	kt.src = vpages(NPAGES * PAGE_SIZE);
	kt.back = vpages(NPAGES * PAGE_SIZE);
	kt.disk = vpages(kt.cap);
	uint8_t *rbuf = vpages(IMG_READ_BUF_MIN), *rpages = vpages(IMG_BLOCK_BYTES);
	uint8_t *targets = vpages(PAGE_SIZE);

	/* Text pages, a zero page, a page of noise. */
	uint64_t x = 0x243f6a8885a308d3ull;
	for (size_t i = 0; i < NPAGES * PAGE_SIZE; i++)
		kt.src[i] = (uint8_t)line[i % (sizeof(line) - 1)];
	memset(kt.src + 2 * PAGE_SIZE, 0, PAGE_SIZE);
	for (size_t i = 5 * PAGE_SIZE; i < 6 * PAGE_SIZE; i += 8) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(kt.src + i, &x, 8);
	}

	uint64_t cursor = 0;
	struct img_header id = { .kernel_checksum = 1, .ram_bytes = 1024 * PAGE_SIZE };
	struct img_source src = { kt_next_page, &cursor };
	struct img_sink sink = { kt_write, NULL, NULL, kt.cap };
	struct img_write_stats st;
	CHECK(img_write(&id, &src, &sink, &mem, NULL, &st) == 0);
	CHECK(st.zero_pages == 1 && st.data_pages == NPAGES - 1 && st.blocks == 1);
	/* Six text pages and one of noise: well under the raw 28 KiB. */
	CHECK(st.total_bytes <= IMG_HEADER_AREA + 2 * PAGE_SIZE);

	struct img_header h;
	unsigned notes;
	CHECK(img_check_header(kt.disk, &id, kt.cap, &h, &notes) == IMG_OK);
	struct img_reader r = {
		.h = h, .read = kt_read, .buf = rbuf, .buf_size = IMG_READ_BUF_MIN,
		.pages = rpages, .nframes = 1024, .targets = targets,
	};
	CHECK(img_read_pass1(&r) == IMG_OK);
	CHECK(bm_test(targets, 100) && bm_test(targets, 121) && !bm_test(targets, 101));
	CHECK(img_read_pass2(&r, kt_page, NULL) == IMG_OK);
	CHECK(memcmp(kt.src, kt.back, NPAGES * PAGE_SIZE) == 0);

	kt.disk[IMG_HEADER_AREA + 300] ^= 1;	/* the block (after a 160-byte map) */
	CHECK(img_read_pass1(&r) == IMG_R_BLOCK_CSUM);

	page_free((uint64_t)(uintptr_t)mem.work, PAGES(work));
	page_free((uint64_t)(uintptr_t)mem.out, PAGES(IMG_WRITE_OUT_MIN));
	page_free((uint64_t)(uintptr_t)kt.src, NPAGES);
	page_free((uint64_t)(uintptr_t)kt.back, NPAGES);
	page_free((uint64_t)(uintptr_t)kt.disk, PAGES(kt.cap));
	page_free((uint64_t)(uintptr_t)rbuf, PAGES(IMG_READ_BUF_MIN));
	page_free((uint64_t)(uintptr_t)rpages, PAGES(IMG_BLOCK_BYTES));
	page_free((uint64_t)(uintptr_t)targets, 1);
	return true;
}
KTEST("snapshot_image_lz4", t_image_lz4);

/* The same pages through the real disk path: this machine's identity,
 * the writer's sink on the hibernation partition (virtio-blk here), the
 * header checked against this machine, both passes reading the disk; then
 * the image invalidated, as a resume will (header area zeroed, flushed). */
static bool t_image_on_disk(void)
{
	struct blk_dev *d = snap_partition();
	CHECK(d != NULL);
	size_t work = img_write_work_size();
	struct img_write_mem mem = { vpages(work), work, vpages(4 * IMG_WRITE_OUT_MIN),
				     4 * IMG_WRITE_OUT_MIN };
	kt.src = vpages(NPAGES * PAGE_SIZE);
	kt.back = vpages(NPAGES * PAGE_SIZE);
	uint8_t *rbuf = vpages(IMG_READ_BUF_MIN), *rpages = vpages(IMG_BLOCK_BYTES);
	uint8_t *targets = vpages(PAGE_SIZE), *area = vpages(IMG_HEADER_AREA);
	for (size_t i = 0; i < NPAGES * PAGE_SIZE; i++)
		kt.src[i] = (uint8_t)(i * 7 + i / PAGE_SIZE);
	memset(kt.src + 4 * PAGE_SIZE, 0, PAGE_SIZE);

	struct img_header id;
	snap_identity(&id);
	kprintf("# identity: RAM %lu MiB, digest %016lx, CPU %.12s signature %x, hypervisor %s\n",
		id.ram_bytes >> 20, id.ram_digest, (const char *)id.cpu_vendor, id.cpu_signature,
		id.hv_present ? "present" : "absent");
	CHECK(id.kernel_checksum == kernel_build_id() && id.ram_bytes >= mem_usable_bytes);
	/* The features relied on that every x86-64 CPU has are there now. */
	CHECK((id.cpu_feat_value[IMG_CPU_1_EDX] & id.cpu_feat_mask[IMG_CPU_1_EDX]) ==
	      id.cpu_feat_mask[IMG_CPU_1_EDX]);
	CHECK(id.cpu_feat_value[IMG_CPU_X1_EDX] & id.cpu_feat_mask[IMG_CPU_X1_EDX] & 1u << 29);

	uint64_t cursor = 0;
	struct img_source src = { kt_next_page, &cursor };
	struct img_sink sink;
	snap_blk_sink(d, &sink);
	struct img_write_stats st;
	CHECK(img_write(&id, &src, &sink, &mem, NULL, &st) == 0);
	CHECK(dormant_disk_image(d->name) == 1);

	CHECK(snap_blk_read(d, 0, area, IMG_HEADER_AREA) == 0);
	struct img_header h, now;
	unsigned notes;
	snap_identity(&now);
	CHECK(img_check_header(area, &now, sink.capacity, &h, &notes) == IMG_OK && notes == 0);
	CHECK(h.total_bytes == st.total_bytes);
	struct img_reader r = {
		.h = h, .read = snap_blk_read, .ctx = d, .buf = rbuf, .buf_size = IMG_READ_BUF_MIN,
		.pages = rpages, .nframes = 1024, .targets = targets,
	};
	CHECK(img_read_pass1(&r) == IMG_OK);
	CHECK(img_read_pass2(&r, kt_page, NULL) == IMG_OK);
	CHECK(memcmp(kt.src, kt.back, NPAGES * PAGE_SIZE) == 0);

	/* Another build's image is refused, and kept (a fixable mismatch). */
	now.kernel_checksum ^= 1;
	CHECK(img_check_header(area, &now, sink.capacity, &h, &notes) == IMG_R_BUILD);
	CHECK(img_reason_class(IMG_R_BUILD) == IMG_C_KEEP);

	memset(area, 0, IMG_HEADER_AREA);
	CHECK(sink.write(d, 0, area, IMG_HEADER_AREA) == 0 && sink.flush(d) == 0);
	CHECK(dormant_disk_image(d->name) == 0);

	page_free((uint64_t)(uintptr_t)mem.work, PAGES(work));
	page_free((uint64_t)(uintptr_t)mem.out, PAGES(4 * IMG_WRITE_OUT_MIN));
	page_free((uint64_t)(uintptr_t)kt.src, NPAGES);
	page_free((uint64_t)(uintptr_t)kt.back, NPAGES);
	page_free((uint64_t)(uintptr_t)rbuf, PAGES(IMG_READ_BUF_MIN));
	page_free((uint64_t)(uintptr_t)rpages, PAGES(IMG_BLOCK_BYTES));
	page_free((uint64_t)(uintptr_t)targets, 1);
	page_free((uint64_t)(uintptr_t)area, 1);
	return true;
}
KTEST("snapshot_image_on_disk", t_image_on_disk);
