/* Host tests for drivers/crc32.c, drivers/gpt.c and drivers/gpt_scan.c.  The tables are made
 * in memory by a small writer here (with its own bitwise CRC), not by the
 * code under test; damage is then done to the bytes, and the parser must
 * say which copy it used and why it refused the other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../drivers/blk.h"
#include "../../drivers/crc32.h"
#include "../../drivers/gpt.h"
#include "../../kernel/kernel.h"

/* ---- the writer ------------------------------------------------------- */

static uint32_t ref_crc(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

struct disk {
	uint32_t ss;
	uint64_t sectors;
	uint8_t *data;
	uint64_t fail_lba;	/* a read of it fails; 0: none */
	bool out_of_range;	/* the parser asked for a sector past the end */
};

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct disk *d = ctx;
	if (lba >= d->sectors || count > d->sectors - lba) {
		d->out_of_range = true;
		return -1;
	}
	if (d->fail_lba && d->fail_lba >= lba && d->fail_lba < lba + count)
		return -1;
	memcpy(buf, d->data + lba * d->ss, (size_t)count * d->ss);
	return 0;
}

struct wpart {
	uint32_t slot;		/* entry number, from 1 */
	uint8_t type[16];
	uint64_t first, last;
	const char *name;
};

static const uint8_t T_ESP[16] = GPT_TYPE_ESP;
static const uint8_t T_HIB[16] = DORMANT_HIBERNATE_TYPE;
/* 0FC63DAF-8483-4772-8E79-3D69D8477DE4, Linux filesystem data */
static const uint8_t T_LINUX[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
				     0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };
/* EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, Microsoft basic data */
static const uint8_t T_WIN[16] = { 0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44,
				   0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7 };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Header offsets, written out from UEFI 2.10 table 5.5 (not the struct). */
enum { H_SIG = 0, H_REV = 8, H_SIZE = 12, H_CRC = 16, H_MY = 24, H_ALT = 32, H_FIRST = 40,
       H_LAST = 48, H_GUID = 56, H_ENTRIES = 72, H_COUNT = 80, H_ESIZE = 84, H_ECRC = 88 };

static uint8_t *sector(struct disk *d, uint64_t lba)
{
	return d->data + lba * d->ss;
}

/* The header CRC again, after a field was changed on purpose. */
static void reseal(struct disk *d, uint64_t lba)
{
	uint8_t *h = sector(d, lba);
	uint32_t size = get32(h + H_SIZE);
	if (size < 92 || size > d->ss)
		size = 92;
	put32(h + H_CRC, 0);
	put32(h + H_CRC, ref_crc(h, size));
}

static struct disk *disk_new(uint32_t ss, uint64_t sectors)
{
	struct disk *d = calloc(1, sizeof(*d));
	d->ss = ss;
	d->sectors = sectors;
	d->data = calloc(sectors, ss);
	return d;
}

static void disk_free(struct disk *d)
{
	free(d->data);
	free(d);
}

static uint64_t array_sectors(struct disk *d, uint32_t count, uint32_t esize)
{
	return ((uint64_t)count * esize + d->ss - 1) / d->ss;
}

/* Primary at LBA 1 with its array at 2, backup at the last LBA with its
 * array just before it, as sgdisk lays them out.  Bytes 128.. of a wider
 * entry are filled with a pattern, which the entries CRC covers. */
static void write_gpt(struct disk *d, uint32_t count, uint32_t esize,
		      const struct wpart *parts, unsigned nparts)
{
	uint64_t n = array_sectors(d, count, esize);
	uint64_t last = d->sectors - 1;
	size_t bytes = (size_t)count * esize;
	uint8_t *arr = calloc(1, bytes ? bytes : 1);

	for (unsigned i = 0; i < nparts; i++) {
		uint8_t *e = arr + (size_t)(parts[i].slot - 1) * esize;
		memcpy(e, parts[i].type, 16);
		for (int k = 0; k < 16; k++)
			e[16 + k] = (uint8_t)(0x40 + parts[i].slot + k);
		put64(e + 32, parts[i].first);
		put64(e + 40, parts[i].last);
		put64(e + 48, 0);
		for (size_t k = 0; parts[i].name && parts[i].name[k]; k++)
			put16(e + 56 + 2 * k, (uint8_t)parts[i].name[k]);
		for (uint32_t k = 128; k < esize; k++)
			e[k] = (uint8_t)k;
	}
	uint32_t ecrc = ref_crc(arr, bytes);
	const uint64_t where[2][3] = { { 1, last, 2 }, { last, 1, last - n } };
	for (int c = 0; c < 2; c++) {
		uint8_t *h = sector(d, where[c][0]);
		memset(h, 0, d->ss);
		memcpy(h + H_SIG, "EFI PART", 8);
		put32(h + H_REV, 0x00010000);
		put32(h + H_SIZE, 92);
		put64(h + H_MY, where[c][0]);
		put64(h + H_ALT, where[c][1]);
		put64(h + H_FIRST, 2 + n);
		put64(h + H_LAST, last - 1 - n);
		for (int k = 0; k < 16; k++)
			h[H_GUID + k] = (uint8_t)(0xd0 + k);
		put64(h + H_ENTRIES, where[c][2]);
		put32(h + H_COUNT, count);
		put32(h + H_ESIZE, esize);
		put32(h + H_ECRC, ecrc);
		reseal(d, where[c][0]);
		memcpy(sector(d, where[c][2]), arr, bytes);
	}
	free(arr);
}

static struct gpt_table T;

static int parse(struct disk *d)
{
	d->out_of_range = false;
	memset(&T, 0xa5, sizeof(T));
	int rc = gpt_parse(disk_read, d, d->ss, d->sectors, &T);
	assert_false(d->out_of_range);
	return rc;
}

/* 4 MiB of 512-byte sectors, 128 entries: usable 34 .. 8158. */
#define SECTORS		8192
#define FIRST_USABLE	34
#define LAST_USABLE	8158

static const struct wpart two[] = {
	{ 1, GPT_TYPE_ESP, 2048, 4095, "EFI system partition" },
	{ 2, DORMANT_HIBERNATE_TYPE, 4096, 8158, "dormant hibernation" },
};

static struct disk *standard(void)
{
	struct disk *d = disk_new(512, SECTORS);
	write_gpt(d, 128, 128, two, 2);
	return d;
}

static void check_two(void)
{
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.nrefused, 0);
	assert_int_equal(T.parts[0].index, 1);
	assert_memory_equal(T.parts[0].type, T_ESP, 16);
	assert_int_equal(T.parts[0].first_lba, 2048);
	assert_int_equal(T.parts[0].last_lba, 4095);
	assert_string_equal(T.parts[0].name, "EFI system partition");
	assert_int_equal(T.parts[1].index, 2);
	assert_memory_equal(T.parts[1].type, T_HIB, 16);
	assert_int_equal(T.parts[1].first_lba, 4096);
	assert_int_equal(T.parts[1].last_lba, 8158);
	assert_string_equal(T.parts[1].name, "dormant hibernation");
	assert_int_equal(T.parts[1].guid[0], 0x42);
}

/* ---- CRC-32 ------------------------------------------------------------ */

static void crc32_vectors(void **state)
{
	(void)state;
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t buf[1000];

	assert_int_equal(crc32("123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32("", 0), 0);
	assert_int_equal(crc32(fox, strlen(fox)), 0x414fa339u);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(crc32(buf, sizeof(buf)), ref_crc(buf, sizeof(buf)));
	uint32_t c = crc32_update(0, buf, 333);
	c = crc32_update(c, buf + 333, sizeof(buf) - 333);
	assert_int_equal(c, crc32(buf, sizeof(buf)));
	assert_int_equal(crc32_update(0, "", 0), 0);
}

/* ---- good tables ------------------------------------------------------- */

static void good_table(void **state)
{
	(void)state;
	struct disk *d = standard();
	char text[GPT_GUID_TEXT];

	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);
	assert_null(T.primary_reason);
	assert_null(T.backup_reason);
	assert_int_equal(T.header_lba, 1);
	assert_int_equal(T.first_usable, FIRST_USABLE);
	assert_int_equal(T.last_usable, LAST_USABLE);
	assert_int_equal(T.num_entries, 128);
	assert_int_equal(T.disk_guid[0], 0xd0);
	check_two();
	assert_string_equal(gpt_type_name(T.parts[0].type), "ESP");
	assert_string_equal(gpt_type_name(T.parts[1].type), "hibernate");
	gpt_guid_text(T_ESP, text);
	assert_string_equal(text, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
	gpt_guid_text(T_HIB, text);
	assert_string_equal(text, DORMANT_HIBERNATE_TYPE_TEXT);
	assert_string_equal(text, "5C2566B4-219A-44AE-B8C6-768E279AF5E1");
	disk_free(d);
}

/* Unused entries between used ones keep the numbering; names that are
 * not ASCII come out as '?'. */
static void slots_and_names(void **state)
{
	(void)state;
	struct disk *d = disk_new(512, SECTORS);
	const struct wpart p[] = {
		{ 3, GPT_TYPE_ESP, 100, 199, "a\x80z" },
		{ 7, GPT_TYPE_ESP, 200, 299, "" },
	};
	write_gpt(d, 128, 128, p, 2);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.parts[0].index, 3);
	assert_string_equal(T.parts[0].name, "a?z");
	assert_int_equal(T.parts[1].index, 7);
	assert_string_equal(T.parts[1].name, "");
	disk_free(d);
}

static void foreign_partitions(void **state)
{
	(void)state;
	struct disk *d = disk_new(512, SECTORS);
	struct wpart p[3] = {
		{ 1, {0}, 40, 1000, "linux" },
		{ 2, {0}, 1001, 2000, "windows" },
		{ 3, GPT_TYPE_ESP, 2001, 3000, "esp" },
	};
	char text[GPT_GUID_TEXT];

	memcpy(p[0].type, T_LINUX, 16);
	memcpy(p[1].type, T_WIN, 16);
	write_gpt(d, 128, 128, p, 3);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.nparts, 3);
	assert_memory_equal(T.parts[0].type, T_LINUX, 16);
	assert_null(gpt_type_name(T.parts[0].type));
	gpt_guid_text(T.parts[0].type, text);
	assert_string_equal(text, "0FC63DAF-8483-4772-8E79-3D69D8477DE4");
	assert_memory_equal(T.parts[1].type, T_WIN, 16);
	assert_null(gpt_type_name(T.parts[1].type));
	gpt_guid_text(T.parts[1].type, text);
	assert_string_equal(text, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7");
	assert_string_equal(gpt_type_name(T.parts[2].type), "ESP");
	disk_free(d);
}

/* ---- a damaged primary: the backup --------------------------------------- */

struct damage {
	const char *what;
	unsigned off, width;	/* header field; width 0: the array's first byte */
	uint64_t value;
	bool reseal;		/* a valid CRC over the changed header */
	const char *reason;
};

static const struct damage header_damage[] = {
	{ "signature", H_SIG, 1, 'X', false, "bad signature" },
	{ "signature, resealed", H_SIG + 7, 1, 'X', true, "bad signature" },
	{ "revision", H_REV, 4, 0x00010001, true, "unsupported revision" },
	{ "revision 2.0", H_REV, 4, 0x00020000, true, "unsupported revision" },
	{ "header size 91", H_SIZE, 4, 91, true, "bad header size" },
	{ "header size 513", H_SIZE, 4, 513, true, "bad header size" },
	{ "header CRC", H_CRC, 4, 0x12345678, false, "header CRC mismatch" },
	{ "a field, CRC not updated", H_LAST, 8, 5000, false, "header CRC mismatch" },
	{ "my LBA", H_MY, 8, 2, true, "MyLBA is not where the header is" },
	{ "usable order", H_FIRST, 8, 8158 + 1, true, "first usable LBA after last usable LBA" },
	{ "last usable past the end", H_LAST, 8, SECTORS, true, "usable range outside the disk" },
	{ "first usable 1", H_FIRST, 8, 1, true, "usable range outside the disk" },
	{ "entry size 100", H_ESIZE, 4, 100, true, "bad partition entry size" },
	{ "entry size 384", H_ESIZE, 4, 384, true, "bad partition entry size" },
	{ "entry size 64", H_ESIZE, 4, 64, true, "bad partition entry size" },
	{ "entry size 8192", H_ESIZE, 4, 8192, true, "bad partition entry size" },
	{ "entry size 0", H_ESIZE, 4, 0, true, "bad partition entry size" },
	{ "129 entries", H_COUNT, 4, 129, true, "more than 128 partition entries" },
	{ "2^32-1 entries", H_COUNT, 4, 0xffffffff, true, "more than 128 partition entries" },
	{ "entries at LBA 0", H_ENTRIES, 8, 0, true, "partition entry array outside the disk" },
	{ "entries at LBA 1", H_ENTRIES, 8, 1, true, "partition entry array outside the disk" },
	{ "entries past the end", H_ENTRIES, 8, SECTORS - 31, true,
	  "partition entry array outside the disk" },
	{ "entries at 2^64-1", H_ENTRIES, 8, UINT64_MAX, true,
	  "partition entry array outside the disk" },
	{ "entries in the usable range", H_ENTRIES, 8, 3, true,
	  "partition entry array overlaps the usable range" },
	{ "entries CRC field", H_ECRC, 4, 0, true, "partition entry array CRC mismatch" },
	{ "an entry byte", 0, 0, 0x5a, false, "partition entry array CRC mismatch" },
};

static void apply(struct disk *d, uint64_t lba, const struct damage *m)
{
	uint8_t *h = sector(d, lba);
	if (m->width == 0) {
		uint64_t at = ((uint64_t)h[H_ENTRIES] | (uint64_t)h[H_ENTRIES + 1] << 8);
		sector(d, at)[40] ^= (uint8_t)m->value;	/* entry 1's last LBA */
		return;
	}
	for (unsigned k = 0; k < m->width; k++)
		h[m->off + k] = (uint8_t)(m->value >> (8 * k));
	if (m->reseal)
		reseal(d, lba);
}

static void damaged_primary_uses_backup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(header_damage) / sizeof(header_damage[0]); i++) {
		const struct damage *m = &header_damage[i];
		struct disk *d = standard();
		print_message("# primary: %s\n", m->what);
		apply(d, 1, m);
		assert_int_equal(parse(d), 0);
		assert_int_equal(T.copy, GPT_COPY_BACKUP);
		assert_string_equal(T.primary_reason, m->reason);
		assert_null(T.backup_reason);
		assert_int_equal(T.header_lba, SECTORS - 1);
		check_two();
		disk_free(d);
	}
}

static void damaged_both_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(header_damage) / sizeof(header_damage[0]); i++) {
		const struct damage *m = &header_damage[i];
		const struct damage sig = { "signature", H_SIG, 1, 'X', false, "bad signature" };
		struct disk *d = standard();
		print_message("# backup: %s\n", m->what);
		apply(d, 1, &sig);
		apply(d, SECTORS - 1, m);
		assert_int_equal(parse(d), -1);
		assert_int_equal(T.copy, GPT_COPY_NONE);
		assert_string_equal(T.primary_reason, "bad signature");
		assert_string_equal(T.backup_reason, m->reason);
		assert_int_equal(T.nparts, 0);
		disk_free(d);
	}
}

/* Damage only the backup could show: its array over its header, its
 * usable range over its header. */
static void damaged_backup_layout(void **state)
{
	(void)state;
	const struct damage sig = { "signature", H_SIG, 1, 'X', false, "bad signature" };
	const struct damage over_header = { "entries over the header", H_ENTRIES, 8, SECTORS - 32,
					    true, "partition entry array overlaps the header" };
	const struct damage usable_header = { "usable over the header", H_LAST, 8, SECTORS - 1,
					      true, "usable range contains the header" };
	const struct damage *cases[] = { &over_header, &usable_header };

	for (size_t i = 0; i < 2; i++) {
		struct disk *d = standard();
		apply(d, 1, &sig);
		apply(d, SECTORS - 1, cases[i]);
		assert_int_equal(parse(d), -1);
		assert_string_equal(T.backup_reason, cases[i]->reason);
		disk_free(d);
	}
}

static void unreadable_primary(void **state)
{
	(void)state;
	struct disk *d = standard();
	d->fail_lba = 1;
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_BACKUP);
	assert_string_equal(T.primary_reason, "cannot read the header");
	d->fail_lba = 20;	/* in the primary's array */
	assert_int_equal(parse(d), 0);
	assert_string_equal(T.primary_reason, "cannot read the partition entries");
	check_two();
	disk_free(d);
}

/* A disk grown after partitioning: the backup is no longer at the end.
 * An authentic primary's AlternateLBA finds it; a primary whose header
 * is damaged cannot be trusted, and the last LBA has nothing. */
static void grown_disk(void **state)
{
	(void)state;
	struct disk *d = standard();
	d->data = realloc(d->data, (SECTORS + 1000) * 512);
	memset(d->data + SECTORS * 512, 0, 1000 * 512);
	d->sectors = SECTORS + 1000;
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);

	sector(d, 2)[0] ^= 1;		/* primary entries */
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_BACKUP);
	assert_int_equal(T.header_lba, SECTORS - 1);
	assert_string_equal(T.primary_reason, "partition entry array CRC mismatch");
	check_two();

	sector(d, 1)[H_CRC] ^= 1;	/* and now the primary header */
	assert_int_equal(parse(d), -1);
	assert_string_equal(T.primary_reason, "header CRC mismatch");
	assert_string_equal(T.backup_reason, "bad signature");
	disk_free(d);
}

static void no_table(void **state)
{
	(void)state;
	struct disk *d = disk_new(512, SECTORS);
	assert_int_equal(parse(d), -1);
	assert_string_equal(T.primary_reason, "bad signature");
	assert_string_equal(T.backup_reason, "bad signature");
	assert_int_equal(gpt_parse(disk_read, d, 1024 + 512, SECTORS, &T), -1);
	assert_string_equal(T.primary_reason, "unsupported sector size");
	assert_null(T.backup_reason);
	assert_int_equal(gpt_parse(disk_read, d, 256, SECTORS, &T), -1);
	assert_string_equal(T.primary_reason, "unsupported sector size");
	assert_int_equal(gpt_parse(disk_read, d, 8192, SECTORS, &T), -1);
	assert_string_equal(T.primary_reason, "unsupported sector size");
	assert_int_equal(gpt_parse(disk_read, d, 512, 2, &T), -1);
	assert_string_equal(T.primary_reason, "disk too small for a GPT");
	disk_free(d);
}

/* ---- entries ----------------------------------------------------------- */

static void exact_fit_and_one_past(void **state)
{
	(void)state;
	struct disk *d = disk_new(512, SECTORS);
	const struct wpart p[] = {
		{ 1, GPT_TYPE_ESP, FIRST_USABLE, 99, "first" },
		{ 2, GPT_TYPE_ESP, 100, LAST_USABLE, "exact fit" },
	};
	write_gpt(d, 128, 128, p, 2);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.parts[1].last_lba, LAST_USABLE);
	disk_free(d);

	d = disk_new(512, SECTORS);
	const struct wpart q[] = {
		{ 1, GPT_TYPE_ESP, FIRST_USABLE - 1, 99, "one before" },
		{ 2, GPT_TYPE_ESP, 100, LAST_USABLE + 1, "one past" },
		{ 3, GPT_TYPE_ESP, 2000, 2000, "one sector" },
	};
	write_gpt(d, 128, 128, q, 3);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);
	assert_int_equal(T.nparts, 1);
	assert_int_equal(T.parts[0].index, 3);
	assert_int_equal(T.nrefused, 2);
	assert_int_equal(T.refused[0].index, 1);
	assert_string_equal(T.refused[0].reason, "outside the usable range");
	assert_int_equal(T.refused[1].index, 2);
	assert_string_equal(T.refused[1].reason, "outside the usable range");
	assert_int_equal(T.refused[1].other, 0);
	disk_free(d);
}

static void zero_length_and_overlap(void **state)
{
	(void)state;
	struct disk *d = disk_new(512, SECTORS);
	const struct wpart p[] = {
		{ 1, GPT_TYPE_ESP, 100, 99, "zero length" },
		{ 2, GPT_TYPE_ESP, 100, 199, "kept" },
		{ 3, GPT_TYPE_ESP, 199, 300, "overlaps the end of 2" },
		{ 4, GPT_TYPE_ESP, 50, 100, "overlaps the start of 2" },
		{ 5, GPT_TYPE_ESP, 120, 130, "inside 2" },
		{ 6, GPT_TYPE_ESP, 200, 300, "kept: 3 was refused" },
		{ 7, GPT_TYPE_ESP, 500, 400, "backwards" },
	};
	write_gpt(d, 128, 128, p, 7);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.parts[0].index, 2);
	assert_int_equal(T.parts[1].index, 6);
	assert_int_equal(T.nrefused, 5);
	static const struct { uint32_t index, other; const char *reason; } want[] = {
		{ 1, 0, "last LBA before first LBA" },
		{ 3, 2, "overlaps another partition" },
		{ 4, 2, "overlaps another partition" },
		{ 5, 2, "overlaps another partition" },
		{ 7, 0, "last LBA before first LBA" },
	};
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(T.refused[i].index, want[i].index);
		assert_int_equal(T.refused[i].other, want[i].other);
		assert_string_equal(T.refused[i].reason, want[i].reason);
	}
	disk_free(d);
}

static void entry_counts(void **state)
{
	(void)state;
	struct disk *d = disk_new(512, SECTORS);
	write_gpt(d, 0, 128, NULL, 0);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);
	assert_int_equal(T.num_entries, 0);
	assert_int_equal(T.nparts, 0);
	disk_free(d);

	d = disk_new(512, SECTORS);
	const struct wpart last[] = { { 128, GPT_TYPE_ESP, 1000, 1999, "slot 128" } };
	write_gpt(d, 128, 128, last, 1);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.nparts, 1);
	assert_int_equal(T.parts[0].index, 128);
	disk_free(d);

	d = disk_new(512, SECTORS);
	write_gpt(d, 129, 128, last, 1);
	assert_int_equal(parse(d), -1);
	assert_string_equal(T.primary_reason, "more than 128 partition entries");
	assert_string_equal(T.backup_reason, "more than 128 partition entries");
	disk_free(d);

	/* Fewer entries than a sector holds: the CRC is over 5 entries only. */
	d = disk_new(512, SECTORS);
	const struct wpart five[] = { { 5, GPT_TYPE_ESP, 1000, 1999, "slot 5" } };
	write_gpt(d, 5, 128, five, 1);
	sector(d, 2)[5 * 128] = 0xee;	/* past the array: not covered */
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);
	assert_int_equal(T.nparts, 1);
	assert_int_equal(T.first_usable, 4);
	disk_free(d);
}

static void entry_size_256(void **state)
{
	(void)state;
	/* 64 sectors of entries: usable 66 .. 8126 */
	struct disk *d = disk_new(512, SECTORS);
	const struct wpart w[] = {
		{ 1, GPT_TYPE_ESP, 2048, 4095, "EFI system partition" },
		{ 2, DORMANT_HIBERNATE_TYPE, 4096, 8126, "dormant hibernation" },
	};
	write_gpt(d, 128, 256, w, 2);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);
	assert_int_equal(T.first_usable, 66);
	assert_int_equal(T.last_usable, 8126);
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.nrefused, 0);
	assert_string_equal(T.parts[1].name, "dormant hibernation");
	assert_int_equal(T.parts[1].last_lba, 8126);
	/* the bytes past 128 are covered by the CRC */
	sector(d, 2)[200] ^= 1;
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_BACKUP);
	assert_string_equal(T.primary_reason, "partition entry array CRC mismatch");
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.parts[0].first_lba, 2048);
	disk_free(d);

	/* 4096-byte entries in 512-byte sectors: each entry spans 8 sectors */
	d = disk_new(512, 4096);
	const struct wpart p[] = {
		{ 1, GPT_TYPE_ESP, 2100, 2199, "wide" },
		{ 3, DORMANT_HIBERNATE_TYPE, 2200, 2299, "wide too" },
	};
	write_gpt(d, 128, 4096, p, 2);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.first_usable, 2 + 1024);
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.parts[1].index, 3);
	assert_string_equal(T.parts[1].name, "wide too");
	disk_free(d);
}

static void sector_4096(void **state)
{
	(void)state;
	/* 64 MiB of 4 KiB sectors: 128 entries fill 4 sectors, usable 6 .. 16378 */
	struct disk *d = disk_new(4096, 16384);
	const struct wpart p[] = {
		{ 1, GPT_TYPE_ESP, 256, 8447, "EFI system partition" },
		{ 2, DORMANT_HIBERNATE_TYPE, 8448, 16378, "dormant hibernation" },
	};
	write_gpt(d, 128, 128, p, 2);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);
	assert_int_equal(T.first_usable, 6);
	assert_int_equal(T.last_usable, 16378);
	assert_int_equal(T.nparts, 2);
	assert_int_equal(T.parts[1].last_lba, 16378);

	/* header size up to the sector size */
	put32(sector(d, 1) + H_SIZE, 4096);
	reseal(d, 1);
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_PRIMARY);

	sector(d, 3)[7] ^= 0x10;	/* primary entries, second sector */
	assert_int_equal(parse(d), 0);
	assert_int_equal(T.copy, GPT_COPY_BACKUP);
	assert_int_equal(T.header_lba, 16383);
	assert_string_equal(T.primary_reason, "partition entry array CRC mismatch");
	assert_int_equal(T.nparts, 2);
	assert_string_equal(T.parts[0].name, "EFI system partition");
	disk_free(d);
}

/* ---- gpt_scan: partitions as block devices ---------------------------- */

/* The kernel services blk.c and gpt_scan.c use. */
static char klog[4096];
static size_t klog_len;

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(klog + klog_len, sizeof(klog) - klog_len, fmt, ap);
	va_end(ap);
	klog_len += (size_t)n;
	if (klog_len >= sizeof(klog))
		klog_len = sizeof(klog) - 1;
}
uint64_t time_ns(void) { return 0; }
bool irqs_enabled(void) { return false; }
void cpu_idle(void) {}
void cpu_relax(void) {}
uint64_t irq_save(void) { return 0; }
void irq_restore(uint64_t state) { (void)state; }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }

/* A disk that completes every request at once, and remembers the last. */
static struct blk_req last_req;

static int ram_submit(struct blk_dev *dev, struct blk_req *r)
{
	struct disk *d = dev->priv;
	uint8_t *at = d->data + r->sector * d->ss;
	last_req = *r;
	if (r->op == BLK_READ)
		memcpy(r->buf, at, (size_t)r->count * d->ss);
	else if (r->op == BLK_WRITE)
		memcpy(at, r->buf, (size_t)r->count * d->ss);
	r->done(r, BLK_OK);
	return BLK_OK;
}

static const struct blk_ops ram_ops = { .submit = ram_submit };

static void ram_dev(struct blk_dev *dev, struct disk *d)
{
	memset(dev, 0, sizeof(*dev));
	strcpy(dev->name, "vda");
	dev->driver = "ram";
	dev->sector_size = d->ss;
	dev->sectors = d->sectors;
	dev->max_sectors = 256;
	dev->align = 512;
	dev->ops = &ram_ops;
	dev->priv = d;
	assert_int_equal(blk_register(dev), 0);
}

static void unregister_all(void)
{
	while (blk_count()) {
		struct blk_dev *b = blk_get(0);
		blk_unregister(b);
		if (b->parent)
			free(b);
	}
	klog_len = 0;
	klog[0] = '\0';
}

/* after a failed test too, so that the next starts with no devices */
static int scan_teardown(void **state)
{
	(void)state;
	unregister_all();
	return 0;
}

static void scan_registers_partitions(void **state)
{
	(void)state;
	/* the layout mkimage.sh makes, scaled down: ESP 2048..+1 MiB, then
	 * the hibernation partition and a foreign one */
	struct disk *d = disk_new(512, 16384);
	struct wpart p[] = {
		{ 1, GPT_TYPE_ESP, 2048, 4095, "EFI system partition" },
		{ 2, DORMANT_HIBERNATE_TYPE, 4096, 4096 + 2 * 2048 - 1, "dormant hibernation" },
		{ 4, {0}, 8192, 8199, "small" },
	};
	struct blk_dev vda;
	static uint8_t buf[1024] __attribute__((aligned(512)));

	memcpy(p[2].type, T_LINUX, 16);
	write_gpt(d, 128, 128, p, 3);
	ram_dev(&vda, d);
	assert_int_equal(gpt_scan(&vda), 3);
	assert_string_equal(klog,
		"gpt: vda1: 1 MiB at sector 2048, type ESP\n"
		"gpt: vda2: 2 MiB at sector 4096, type hibernate\n"
		"gpt: vda4: 4 KiB at sector 8192, type 0FC63DAF-8483-4772-8E79-3D69D8477DE4\n");
	assert_int_equal(blk_count(), 4);
	struct blk_dev *hib = blk_find("vda2");
	assert_non_null(hib);
	assert_ptr_equal(hib->parent, &vda);
	assert_int_equal(hib->start, 4096);
	assert_int_equal(hib->sectors, 4096);
	assert_int_equal(hib->sector_size, 512);
	assert_int_equal(hib->align, 512);
	assert_string_equal(hib->driver, "gpt");
	assert_memory_equal(hib->part_type, T_HIB, 16);
	assert_int_equal(hib->part_guid[0], 0x42);

	/* I/O is shifted by the start and stays inside the partition */
	memset(d->data + 4097 * 512, 0x77, 1024);
	assert_int_equal(blk_read(hib, 1, 2, buf), BLK_OK);
	assert_int_equal(last_req.sector, 4097);
	assert_int_equal(buf[0], 0x77);
	assert_int_equal(buf[1023], 0x77);
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(blk_write(hib, 4095, 1, buf), BLK_OK);
	assert_int_equal(d->data[(4096 + 4095) * 512], 0x11);
	assert_int_equal(blk_write(hib, 4095, 2, buf), BLK_E_RANGE);
	assert_int_equal(blk_read(blk_find("vda4"), 8, 1, buf), BLK_E_RANGE);
	unregister_all();
	disk_free(d);
}

static void scan_damaged_and_missing(void **state)
{
	(void)state;
	struct disk *d = standard();
	struct blk_dev vda;

	sector(d, 1)[H_CRC] ^= 1;
	ram_dev(&vda, d);
	assert_int_equal(gpt_scan(&vda), 2);
	assert_string_equal(klog,
		"gpt: vda: primary GPT damaged (header CRC mismatch); using the backup\n"
		"gpt: vda1: 1 MiB at sector 2048, type ESP\n"
		"gpt: vda2: 1 MiB at sector 4096, type hibernate\n");
	unregister_all();

	sector(d, SECTORS - 1)[0] = 'X';
	ram_dev(&vda, d);
	assert_int_equal(gpt_scan(&vda), -1);
	assert_string_equal(klog,
		"gpt: vda: no valid GPT (primary: header CRC mismatch; backup: bad signature)\n");
	assert_int_equal(blk_count(), 1);
	unregister_all();
	disk_free(d);

	/* refused entries are logged, the rest registered */
	d = disk_new(512, SECTORS);
	const struct wpart p[] = {
		{ 1, GPT_TYPE_ESP, 100, 199, "kept" },
		{ 2, GPT_TYPE_ESP, 150, 300, "overlaps" },
		{ 3, GPT_TYPE_ESP, 100, 99, "zero length" },
	};
	write_gpt(d, 128, 128, p, 3);
	ram_dev(&vda, d);
	assert_int_equal(gpt_scan(&vda), 1);
	assert_string_equal(klog,
		"gpt: vda: entry 2 refused (overlaps another partition, 1)\n"
		"gpt: vda: entry 3 refused (last LBA before first LBA)\n"
		"gpt: vda1: 50 KiB at sector 100, type ESP\n");
	unregister_all();
	disk_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32_vectors),
		cmocka_unit_test(good_table),
		cmocka_unit_test(slots_and_names),
		cmocka_unit_test(foreign_partitions),
		cmocka_unit_test(damaged_primary_uses_backup),
		cmocka_unit_test(damaged_both_refused),
		cmocka_unit_test(damaged_backup_layout),
		cmocka_unit_test(unreadable_primary),
		cmocka_unit_test(grown_disk),
		cmocka_unit_test(no_table),
		cmocka_unit_test(exact_fit_and_one_past),
		cmocka_unit_test(zero_length_and_overlap),
		cmocka_unit_test(entry_counts),
		cmocka_unit_test(entry_size_256),
		cmocka_unit_test(sector_4096),
		cmocka_unit_test_teardown(scan_registers_partitions, scan_teardown),
		cmocka_unit_test_teardown(scan_damaged_and_missing, scan_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
