/*
 * gpt.h - reading the GUID Partition Table (UEFI 2.10 section 5.3).
 *
 * gpt.c is pure: gpt_parse() reads sectors through a callback, so the
 * host tests and the fuzzer compile it without the kernel.  gpt_scan.c
 * is the kernel side: it reads a struct blk_dev and registers each
 * partition as a device of its own.
 *
 * Validation follows 5.3.2: the primary header at LBA 1 is checked
 * (signature, revision, header size, header CRC32, MyLBA, the usable
 * range, the entry array's place, size and count), then its entry array
 * (CRC32).  If either is damaged the backup header is tried, at the
 * primary's AlternateLBA when the primary's header itself checked out and
 * that LBA is on the disk, else at the disk's last LBA.  Entries of a
 * valid table are then checked one by one; a bad entry is refused alone.
 * Every refusal has a reason of its own (a static string; the tests
 * compare them).
 */
#ifndef DORMANT_GPT_H
#define DORMANT_GPT_H

#include <stdbool.h>
#include <stdint.h>

#include "gpt_wire.h"

#define GPT_MAX_ENTRIES		128	/* entries read; a larger count is refused */
#define GPT_MAX_SECTOR		4096
#define GPT_GUID_TEXT		37	/* "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" + NUL */

/* Read count sectors from lba into buf; 0 on success. */
typedef int (*gpt_read_fn)(void *ctx, uint64_t lba, uint32_t count, void *buf);

enum gpt_copy { GPT_COPY_NONE, GPT_COPY_PRIMARY, GPT_COPY_BACKUP };

struct gpt_part {
	uint32_t index;			/* entry number, from 1 */
	uint8_t type[16];		/* wire order */
	uint8_t guid[16];
	uint64_t first_lba, last_lba;	/* inclusive */
	uint64_t attributes;
	char name[GPT_NAME_UNITS + 1];	/* ASCII; other characters as '?' */
};

struct gpt_refusal {
	uint32_t index;			/* entry number, from 1 */
	uint32_t other;			/* the partition it overlaps, or 0 */
	const char *reason;
};

struct gpt_table {
	enum gpt_copy copy;		/* the copy used; NONE: no valid table */
	const char *primary_reason;	/* why the primary was refused, or NULL */
	const char *backup_reason;	/* why the backup was refused, or NULL */
	uint64_t header_lba;		/* where the used header is */
	uint64_t first_usable, last_usable;
	uint8_t disk_guid[16];
	uint32_t num_entries;		/* as the header says */
	unsigned nparts;
	struct gpt_part parts[GPT_MAX_ENTRIES];
	unsigned nrefused;
	struct gpt_refusal refused[GPT_MAX_ENTRIES];
	/* scratch: one sector */
	uint8_t sector[GPT_MAX_SECTOR];
};

/* 0 when a valid table (primary or backup) was found: out->copy says
 * which, out->parts are the accepted partitions in entry order.  -1 when
 * neither copy is valid (out->primary_reason and out->backup_reason say
 * why) or the disk cannot hold a GPT (out->primary_reason).
 * sector_size is 512..4096, a power of two. */
int gpt_parse(gpt_read_fn read, void *ctx, uint32_t sector_size, uint64_t sectors,
	      struct gpt_table *out);

/* "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" from the wire order. */
void gpt_guid_text(const uint8_t guid[16], char out[GPT_GUID_TEXT]);
bool gpt_guid_equal(const uint8_t a[16], const uint8_t b[16]);
/* Whether a partition type is dormant's hibernation partition. */
bool gpt_type_is_hibernation(const uint8_t type[16]);
/* "ESP", "hibernate", or NULL for a type we have no name for. */
const char *gpt_type_name(const uint8_t type[16]);

/* gpt_scan.c (kernel): read disk's GPT and register its partitions as
 * devices named disk name + entry number ("vda2").  Returns the number
 * registered, or -1 when there is no valid table (logged). */
struct blk_dev;
int gpt_scan(struct blk_dev *disk);

#endif
