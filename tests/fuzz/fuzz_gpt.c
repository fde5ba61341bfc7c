/*
 * fuzz_gpt.c - libFuzzer harness for drivers/gpt.c: any bytes as a disk.
 *
 * Input: one flags byte, then the disk, a whole number of sectors (the
 * rest is dropped; at least 3 sectors, at most 1 MiB):
 *	bit 0	4096-byte sectors (else 512)
 *	bit 1	before parsing, make the CRCs right: the entry array CRC and
 *		then the header CRC of the header at LBA 1 and at the last
 *		LBA, wherever their fields put the array (when it is on the
 *		disk), so that mutations reach the checks past the CRCs
 * Every read must stay on the disk; a table the parser accepts must have
 * partitions inside its usable range, in entry order, not overlapping,
 * and no more accepted and refused entries than the header's count.
 * The disk is the input's own heap block (the resealed copy one that
 * looks the same, fuzz_buf.h), so AddressSanitizer sees any access
 * outside it.
 *
 * Seeds (tests/fuzz/corpus/gpt): a 512-byte-sector disk with 4 entries
 * and two partitions, the same with the primary header damaged, a 4 KiB
 * sector disk, and sgdisk's own layout (128 entries) of a 100-sector disk.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../drivers/crc32.h"
#include "../../drivers/gpt.h"
#include "fuzz_buf.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)
#define NOCOV		__attribute__((no_sanitize("coverage"), noinline))

#define F_4K		0x01
#define F_RESEAL	0x02
#define MAX_DISK	(1u << 20)

struct fake {
	const uint8_t *data;
	uint8_t *copy;		/* resealed copy, or NULL */
	uint32_t ss;
	uint64_t sectors;
};

NOCOV static int fake_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct fake *f = ctx;
	CHECK(count >= 1 && lba < f->sectors && count <= f->sectors - lba);
	memcpy(buf, (f->copy ? f->copy : f->data) + lba * f->ss, (size_t)count * f->ss);
	return 0;
}

static void reseal(uint8_t *disk, uint32_t ss, uint64_t sectors, uint64_t lba)
{
	struct gpt_header h;
	uint8_t *s = disk + lba * ss;

	memcpy(&h, s, sizeof(h));
	uint64_t bytes = (uint64_t)h.num_entries * h.entry_size;
	if (h.entries_lba < sectors && bytes <= (sectors - h.entries_lba) * ss)
		h.entries_crc32 = crc32(disk + h.entries_lba * ss, bytes);
	h.header_crc32 = 0;
	memcpy(s, &h, sizeof(h));
	uint32_t size = h.header_size >= GPT_HEADER_SIZE_MIN && h.header_size <= ss ?
		h.header_size : GPT_HEADER_SIZE_MIN;
	h.header_crc32 = crc32(s, size);
	memcpy(s, &h, sizeof(h));
}

static struct gpt_table t;
static struct fbuf copy_buf = { .cap = MAX_DISK };

/* The invariants of what gpt_parse said (a harness helper: not
 * instrumented for coverage, its loops are over every pair of parts). */
NOCOV static void check_table(int rc, uint64_t sectors)
{
	if (rc != 0) {
		CHECK(t.copy == GPT_COPY_NONE && t.primary_reason);
		return;
	}
	CHECK(t.copy == GPT_COPY_PRIMARY ? !t.primary_reason : t.copy == GPT_COPY_BACKUP);
	CHECK(t.copy != GPT_COPY_BACKUP || t.primary_reason);
	CHECK(t.first_usable <= t.last_usable && t.last_usable < sectors);
	CHECK(t.num_entries <= GPT_MAX_ENTRIES);
	CHECK(t.nparts + t.nrefused <= t.num_entries);
	for (unsigned i = 0; i < t.nparts; i++) {
		const struct gpt_part *p = &t.parts[i];
		CHECK(p->first_lba <= p->last_lba);
		CHECK(p->first_lba >= t.first_usable && p->last_lba <= t.last_usable);
		CHECK(p->index >= 1 && p->index <= t.num_entries);
		CHECK(strlen(p->name) <= GPT_NAME_UNITS);
		if (i)
			CHECK(p->index > t.parts[i - 1].index);
		for (unsigned k = 0; k < i; k++)
			CHECK(p->last_lba < t.parts[k].first_lba || p->first_lba > t.parts[k].last_lba);
	}
	for (unsigned i = 0; i < t.nrefused; i++)
		CHECK(t.refused[i].reason && t.refused[i].index >= 1 &&
		      t.refused[i].index <= t.num_entries);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	struct fake f;

	if (n < 1)
		return 0;
	f.ss = (in[0] & F_4K) ? 4096 : 512;
	f.sectors = (n - 1) / f.ss;
	f.data = in + 1;
	f.copy = NULL;
	if (f.sectors < 3 || f.sectors * f.ss > MAX_DISK)
		return 0;
	if (in[0] & F_RESEAL) {
		uint8_t *copy = fbuf_get(&copy_buf, f.sectors * f.ss);
		memcpy(copy, f.data, f.sectors * f.ss);
		reseal(copy, f.ss, f.sectors, 1);
		reseal(copy, f.ss, f.sectors, f.sectors - 1);
		f.copy = copy;
	}

	int rc = gpt_parse(fake_read, &f, f.ss, f.sectors, &t);
	check_table(rc, f.sectors);
	return 0;
}
