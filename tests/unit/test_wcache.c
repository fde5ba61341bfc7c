/*
 * Host tests for tests/hvsim/wcache.c: the emulated host disks' volatile
 * write cache that the power-cut campaign relies on (issue 11).  A write
 * is not on the disk until a write back; reads see it at once; a flush
 * writes everything back in sector order; a full cache, an overlapping
 * write and a write larger than the cache write back first; a failed
 * write back keeps the data for the next flush.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../hvsim/wcache.h"

#define SECTORS	(3 * WCACHE_BYTES / 512)

static struct wcache c;
static struct vbh_disk disk, other;
static uint8_t platter[SECTORS * 512];
static uint64_t writes_seen[64];	/* sectors of the raw writes, in order */
static unsigned nwrites;
static int fail_raw;

static int raw(struct vbh_disk *d, uint64_t sector, uint32_t count, void *buf)
{
	if (fail_raw)
		return -1;
	if (nwrites < 64)
		writes_seen[nwrites] = sector + (d == &other ? 1000000 : 0);
	nwrites++;
	if (d == &disk)
		memcpy(platter + sector * 512, buf, (size_t)count * 512);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&c, 0, sizeof(c));
	memset(platter, 0, sizeof(platter));
	c.raw = raw;
	disk.sector_size = other.sector_size = 512;
	disk.sectors = other.sectors = SECTORS;
	nwrites = 0;
	fail_raw = 0;
	return 0;
}

static void fill(uint8_t *b, size_t n, uint8_t v)
{
	memset(b, v, n);
}

static void read_back(uint64_t sector, uint32_t count, uint8_t *buf)
{
	memcpy(buf, platter + sector * 512, (size_t)count * 512);
	wcache_overlay(&c, &disk, sector, count, buf);
}

static void cached_until_flush(void **state)
{
	(void)state;
	uint8_t b[4 * 512], r[4 * 512];
	fill(b, sizeof(b), 0xa5);
	assert_int_equal(wcache_write(&c, &disk, 10, 4, b), 0);
	assert_int_equal(nwrites, 0);			/* acknowledged, not durable */
	assert_int_equal(platter[10 * 512], 0);
	read_back(8, 4, r);				/* a read sees it at once */
	assert_int_equal(r[0], 0);
	assert_int_equal(r[2 * 512], 0xa5);
	assert_int_equal(r[4 * 512 - 1], 0xa5);
	assert_int_equal(wcache_destage(&c), 0);
	assert_int_equal(nwrites, 1);
	assert_int_equal(platter[10 * 512], 0xa5);
	assert_int_equal(platter[14 * 512], 0);		/* not a sector more */
	assert_int_equal(c.n, 0);
	assert_int_equal(c.used, 0);
	assert_int_equal(wcache_destage(&c), 0);	/* an empty flush writes nothing */
	assert_int_equal(nwrites, 1);
}

static void written_back_in_sector_order(void **state)
{
	(void)state;
	uint8_t b[512];
	uint64_t at[] = { 40, 7, 99, 0, 12 };
	for (unsigned i = 0; i < 5; i++) {
		fill(b, sizeof(b), (uint8_t)(i + 1));
		assert_int_equal(wcache_write(&c, &disk, at[i], 1, b), 0);
	}
	assert_int_equal(wcache_write(&c, &other, 3, 1, b), 0);
	assert_int_equal(wcache_destage(&c), 0);
	assert_int_equal(nwrites, 6);
	uint64_t want[] = { 0, 7, 12, 40, 99 };
	unsigned k = 0;
	for (unsigned i = 0; i < 6; i++) {
		if (writes_seen[i] >= 1000000)
			continue;
		assert_int_equal(writes_seen[i], want[k++]);
	}
	assert_int_equal(k, 5);
}

static void overlapping_write_writes_back_first(void **state)
{
	(void)state;
	uint8_t a[8 * 512], b[2 * 512], r[8 * 512];
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	assert_int_equal(wcache_write(&c, &disk, 4, 2, b), 0);	/* newer data lower... */
	assert_int_equal(nwrites, 0);
	assert_int_equal(wcache_write(&c, &disk, 0, 8, a), 0);	/* ...overlapped by a later one */
	assert_int_equal(nwrites, 1);				/* the first went back first */
	assert_int_equal(wcache_destage(&c), 0);
	read_back(0, 8, r);
	assert_int_equal(r[4 * 512], 1);			/* the later write wins */
	/* Adjacent, not overlapping: stays cached. */
	assert_int_equal(wcache_write(&c, &disk, 8, 2, b), 0);
	assert_int_equal(nwrites, 2);
	assert_int_equal(c.n, 1);
}

static void exact_fit_then_full(void **state)
{
	(void)state;
	static uint8_t big[WCACHE_BYTES];
	fill(big, sizeof(big), 7);
	/* Exactly the cache's size: cached whole. */
	assert_int_equal(wcache_write(&c, &disk, 0, WCACHE_BYTES / 512, big), 0);
	assert_int_equal(nwrites, 0);
	assert_int_equal(c.used, WCACHE_BYTES);
	/* One sector more does not fit: the cache is written back first. */
	assert_int_equal(wcache_write(&c, &disk, WCACHE_BYTES / 512, 1, big), 0);
	assert_int_equal(nwrites, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.used, 512);
	assert_int_equal(platter[WCACHE_BYTES - 1], 7);
}

static void bigger_than_the_cache_goes_through(void **state)
{
	(void)state;
	static uint8_t big[WCACHE_BYTES + 512];
	uint8_t b[512];
	fill(b, sizeof(b), 3);
	fill(big, sizeof(big), 9);
	assert_int_equal(wcache_write(&c, &disk, 0, 1, b), 0);
	assert_int_equal(wcache_write(&c, &disk, 1, sizeof(big) / 512, big), 0);
	assert_int_equal(nwrites, 2);		/* the cached one first, then straight through */
	assert_int_equal(writes_seen[0], 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(platter[0], 3);
	assert_int_equal(platter[sizeof(big)], 9);
}

static void extent_table_full(void **state)
{
	(void)state;
	uint8_t b[512];
	fill(b, sizeof(b), 4);
	for (unsigned i = 0; i < WCACHE_EXTENTS; i++)
		assert_int_equal(wcache_write(&c, &disk, 2 * i, 1, b), 0);
	assert_int_equal(nwrites, 0);
	assert_int_equal(wcache_write(&c, &disk, 2 * WCACHE_EXTENTS, 1, b), 0);
	assert_int_equal(nwrites, WCACHE_EXTENTS);
	assert_int_equal(c.n, 1);
}

static void failed_write_back_keeps_the_data(void **state)
{
	(void)state;
	uint8_t b[512], r[512];
	fill(b, sizeof(b), 5);
	assert_int_equal(wcache_write(&c, &disk, 3, 1, b), 0);
	fail_raw = 1;
	assert_int_equal(wcache_destage(&c), -1);
	assert_int_equal(c.n, 1);			/* still held */
	read_back(3, 1, r);
	assert_int_equal(r[0], 5);
	fail_raw = 0;
	assert_int_equal(wcache_destage(&c), 0);
	assert_int_equal(platter[3 * 512], 5);
}

static void write_through_when_off(void **state)
{
	(void)state;
	uint8_t b[512];
	fill(b, sizeof(b), 6);
	c.through = true;
	assert_int_equal(wcache_write(&c, &disk, 1, 1, b), 0);
	assert_int_equal(nwrites, 1);
	assert_int_equal(c.n, 0);
	assert_int_equal(platter[512], 6);
}

static jmp_buf cut_jmp;

static void cut(void)
{
	longjmp(cut_jmp, 1);
}

/* `cut N`: the power goes right after the Nth write reaches the disk, in
 * the middle of a write back; what was still cached is lost. */
static void cut_after_the_nth_write(void **state)
{
	(void)state;
	uint8_t b[512];
	c.cut = cut;
	for (unsigned i = 0; i < 3; i++) {
		fill(b, sizeof(b), (uint8_t)(0x10 + i));
		assert_int_equal(wcache_write(&c, &disk, 30 - 10 * i, 1, b), 0);
	}
	c.cut_at = c.reached + 2;
	if (setjmp(cut_jmp) == 0) {
		wcache_destage(&c);
		fail_msg("no power cut");
	}
	assert_int_equal(c.reached, 2);
	assert_int_equal(platter[10 * 512], 0x12);	/* sector order: 10, 20 made it */
	assert_int_equal(platter[20 * 512], 0x11);
	assert_int_equal(platter[30 * 512], 0);		/* written first, lost */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(cached_until_flush, setup),
		cmocka_unit_test_setup(written_back_in_sector_order, setup),
		cmocka_unit_test_setup(overlapping_write_writes_back_first, setup),
		cmocka_unit_test_setup(exact_fit_then_full, setup),
		cmocka_unit_test_setup(bigger_than_the_cache_goes_through, setup),
		cmocka_unit_test_setup(extent_table_full, setup),
		cmocka_unit_test_setup(failed_write_back_keeps_the_data, setup),
		cmocka_unit_test_setup(write_through_when_off, setup),
		cmocka_unit_test_setup(cut_after_the_nth_write, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
