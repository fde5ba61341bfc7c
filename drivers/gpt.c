/*
 * gpt.c - the GPT parser (gpt.h), pure: sectors come through a callback,
 * nothing here needs the kernel.  UEFI 2.10 section 5.3.2 "GPT Header"
 * lists the checks; the order below follows it.
 *
 * The entry array is read one sector at a time (the scratch sector in the
 * table), its CRC accumulated as it goes and each used entry decoded into
 * out->parts; the entries are judged only once the whole array's CRC has
 * matched.  Entry size and sector size are both powers of two, so an
 * entry's first 128 bytes never straddle a sector.
 *
 * Disk input is little-endian; so are the machines dormant runs on and
 * the hosts its tests run on, and the fields are read as such.
 */
#include <string.h>

#include "crc32.h"
#include "gpt.h"

/* Every refusal has its own reason; the tests compare these strings. */
#define R_SECTOR_SIZE	"unsupported sector size"
#define R_DISK_SMALL	"disk too small for a GPT"
#define R_READ_HEADER	"cannot read the header"
#define R_SIGNATURE	"bad signature"
#define R_REVISION	"unsupported revision"
#define R_HEADER_SIZE	"bad header size"
#define R_HEADER_CRC	"header CRC mismatch"
#define R_MY_LBA	"MyLBA is not where the header is"
#define R_USABLE_ORDER	"first usable LBA after last usable LBA"
#define R_USABLE_DISK	"usable range outside the disk"
#define R_USABLE_HEADER	"usable range contains the header"
#define R_ENTRY_SIZE	"bad partition entry size"
#define R_ENTRY_COUNT	"more than 128 partition entries"
#define R_ARRAY_DISK	"partition entry array outside the disk"
#define R_ARRAY_HEADER	"partition entry array overlaps the header"
#define R_ARRAY_USABLE	"partition entry array overlaps the usable range"
#define R_READ_ENTRIES	"cannot read the partition entries"
#define R_ENTRIES_CRC	"partition entry array CRC mismatch"
/* one entry */
#define R_PART_ORDER	"last LBA before first LBA"
#define R_PART_RANGE	"outside the usable range"
#define R_PART_OVERLAP	"overlaps another partition"

/* LBA 0 (protective MBR), the primary header, the backup header. */
#define GPT_MIN_SECTORS	3

static const uint8_t type_esp[16] = GPT_TYPE_ESP;
static const uint8_t type_hibernate[16] = DORMANT_HIBERNATE_TYPE;

static const struct {
	const uint8_t *type;
	const char *name;
} type_names[] = {
	{ type_esp, "ESP" },
	{ type_hibernate, "hibernate" },
};

bool gpt_guid_equal(const uint8_t a[16], const uint8_t b[16])
{
	return memcmp(a, b, 16) == 0;
}

const char *gpt_type_name(const uint8_t type[16])
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (gpt_guid_equal(type, type_names[i].type))
			return type_names[i].name;
	return NULL;
}

/* Appendix A: the first three fields are little-endian, the rest bytes. */
void gpt_guid_text(const uint8_t g[16], char out[GPT_GUID_TEXT])
{
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const char hex[] = "0123456789ABCDEF";
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[g[order[i]] >> 4];
		*p++ = hex[g[order[i]] & 0xf];
	}
	*p = '\0';
}

static bool pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* [a, a+na) and [b, b+nb) share a sector. */
static bool ranges_overlap(uint64_t a, uint64_t na, uint64_t b, uint64_t nb)
{
	return na && nb && a < b + nb && b < a + na;
}

static uint64_t array_sectors(const struct gpt_header *h, uint32_t ss)
{
	uint64_t bytes = (uint64_t)h->num_entries * h->entry_size;
	return (bytes + ss - 1) / ss;
}

/* 5.3.2: the header at lba, into *h.  *authentic is set once its CRC has
 * matched, so that the caller may trust its AlternateLBA. */
static const char *check_header(gpt_read_fn read, void *ctx, uint32_t ss, uint64_t sectors,
				uint64_t lba, struct gpt_table *t, struct gpt_header *h,
				bool *authentic)
{
	uint8_t *s = t->sector;
	uint32_t zero = 0;

	*authentic = false;
	if (read(ctx, lba, 1, s) != 0)
		return R_READ_HEADER;
	memcpy(h, s, sizeof(*h));
	if (memcmp(h->signature, GPT_SIGNATURE, GPT_SIGNATURE_LEN) != 0)
		return R_SIGNATURE;
	if (h->revision != GPT_REVISION_1_0)
		return R_REVISION;
	if (h->header_size < GPT_HEADER_SIZE_MIN || h->header_size > ss)
		return R_HEADER_SIZE;
	memcpy(s + offsetof(struct gpt_header, header_crc32), &zero, sizeof(zero));
	if (crc32(s, h->header_size) != h->header_crc32)
		return R_HEADER_CRC;
	*authentic = true;
	if (h->my_lba != lba)
		return R_MY_LBA;
	if (h->first_usable_lba > h->last_usable_lba)
		return R_USABLE_ORDER;
	if (h->first_usable_lba < 2 || h->last_usable_lba >= sectors)
		return R_USABLE_DISK;
	if (lba >= h->first_usable_lba && lba <= h->last_usable_lba)
		return R_USABLE_HEADER;
	if (!pow2(h->entry_size) || h->entry_size < GPT_ENTRY_SIZE_MIN ||
	    h->entry_size > GPT_ENTRY_SIZE_MAX)
		return R_ENTRY_SIZE;
	if (h->num_entries > GPT_MAX_ENTRIES)
		return R_ENTRY_COUNT;
	uint64_t n = array_sectors(h, ss);
	if (h->entries_lba < 2 || h->entries_lba >= sectors || n > sectors - h->entries_lba)
		return R_ARRAY_DISK;
	if (ranges_overlap(h->entries_lba, n, lba, 1))
		return R_ARRAY_HEADER;
	if (ranges_overlap(h->entries_lba, n, h->first_usable_lba,
			   h->last_usable_lba - h->first_usable_lba + 1))
		return R_ARRAY_USABLE;
	return NULL;
}

static void decode_entry(const uint8_t *raw, uint32_t index, struct gpt_part *p)
{
	struct gpt_entry e;
	int i;

	memcpy(&e, raw, sizeof(e));
	p->index = index;
	memcpy(p->type, e.type_guid, 16);
	memcpy(p->guid, e.unique_guid, 16);
	p->first_lba = e.first_lba;
	p->last_lba = e.last_lba;
	p->attributes = e.attributes;
	for (i = 0; i < GPT_NAME_UNITS && e.name[i]; i++)
		p->name[i] = e.name[i] >= 0x20 && e.name[i] < 0x7f ? (char)e.name[i] : '?';
	p->name[i] = '\0';
}

/* Read the array the header describes: its CRC, and the used entries
 * into t->parts (not yet judged). */
static const char *read_entries(gpt_read_fn read, void *ctx, uint32_t ss,
				const struct gpt_header *h, struct gpt_table *t)
{
	static const uint8_t unused[16];
	uint64_t total = (uint64_t)h->num_entries * h->entry_size;
	uint64_t n = array_sectors(h, ss);
	uint32_t crc = 0;

	t->nparts = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t base = i * ss;
		uint64_t len = total - base < ss ? total - base : ss;
		if (read(ctx, h->entries_lba + i, 1, t->sector) != 0)
			return R_READ_ENTRIES;
		crc = crc32_update(crc, t->sector, len);
		/* the entries that start in this sector */
		uint64_t e = (base + h->entry_size - 1) / h->entry_size;
		for (; e * h->entry_size < base + len; e++) {
			const uint8_t *raw = t->sector + (e * h->entry_size - base);
			if (!gpt_guid_equal(raw, unused))
				decode_entry(raw, (uint32_t)e + 1, &t->parts[t->nparts++]);
		}
	}
	if (crc != h->entries_crc32)
		return R_ENTRIES_CRC;
	return NULL;
}

static void refuse(struct gpt_table *t, const struct gpt_part *p, const char *why, uint32_t other)
{
	struct gpt_refusal *r = &t->refused[t->nrefused++];
	r->index = p->index;
	r->other = other;
	r->reason = why;
}

/* Keep the entries that lie inside the usable range and overlap no
 * partition kept before them. */
static void judge_entries(struct gpt_table *t)
{
	unsigned kept = 0;

	t->nrefused = 0;
	for (unsigned i = 0; i < t->nparts; i++) {
		struct gpt_part *p = &t->parts[i];
		uint32_t other = 0;
		if (p->last_lba < p->first_lba) {
			refuse(t, p, R_PART_ORDER, 0);
			continue;
		}
		if (p->first_lba < t->first_usable || p->last_lba > t->last_usable) {
			refuse(t, p, R_PART_RANGE, 0);
			continue;
		}
		for (unsigned k = 0; k < kept && !other; k++)
			if (p->first_lba <= t->parts[k].last_lba && t->parts[k].first_lba <= p->last_lba)
				other = t->parts[k].index;
		if (other) {
			refuse(t, p, R_PART_OVERLAP, other);
			continue;
		}
		if (kept != i)
			t->parts[kept] = *p;
		kept++;
	}
	t->nparts = kept;
}

static const char *try_copy(gpt_read_fn read, void *ctx, uint32_t ss, uint64_t sectors,
			    uint64_t lba, struct gpt_table *t, bool *authentic,
			    uint64_t *alternate)
{
	struct gpt_header h;
	const char *why;

	memset(&h, 0, sizeof(h));
	why = check_header(read, ctx, ss, sectors, lba, t, &h, authentic);
	*alternate = h.alternate_lba;
	if (!why)
		why = read_entries(read, ctx, ss, &h, t);
	if (why) {
		t->nparts = 0;
		return why;
	}
	t->header_lba = lba;
	t->first_usable = h.first_usable_lba;
	t->last_usable = h.last_usable_lba;
	memcpy(t->disk_guid, h.disk_guid, 16);
	t->num_entries = h.num_entries;
	judge_entries(t);
	return NULL;
}

int gpt_parse(gpt_read_fn read, void *ctx, uint32_t sector_size, uint64_t sectors,
	      struct gpt_table *out)
{
	bool authentic;
	uint64_t alt, backup;

	out->copy = GPT_COPY_NONE;
	out->primary_reason = out->backup_reason = NULL;
	out->nparts = out->nrefused = 0;
	out->num_entries = 0;
	if (sector_size < 512 || sector_size > GPT_MAX_SECTOR || !pow2(sector_size)) {
		out->primary_reason = R_SECTOR_SIZE;
		return -1;
	}
	if (sectors < GPT_MIN_SECTORS) {
		out->primary_reason = R_DISK_SMALL;
		return -1;
	}
	out->primary_reason = try_copy(read, ctx, sector_size, sectors, GPT_PRIMARY_LBA, out,
				       &authentic, &alt);
	if (!out->primary_reason) {
		out->copy = GPT_COPY_PRIMARY;
		return 0;
	}
	/* 5.3.2: the backup, where an authentic primary says, else at the end. */
	backup = sectors - 1;
	if (authentic && alt > GPT_PRIMARY_LBA && alt < sectors)
		backup = alt;
	out->backup_reason = try_copy(read, ctx, sector_size, sectors, backup, out,
				      &authentic, &alt);
	if (out->backup_reason)
		return -1;
	out->copy = GPT_COPY_BACKUP;
	return 0;
}

bool gpt_type_is_hibernation(const uint8_t type[16])
{
	return memcmp(type, type_hibernate, 16) == 0;
}
