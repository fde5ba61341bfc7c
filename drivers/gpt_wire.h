/*
 * gpt_wire.h - the GUID Partition Table on disk: UEFI Specification 2.10,
 * section 5.3 "GUID Partition Table (GPT) Disk Layout".  Constants and
 * layouts only; the parser is gpt.c.
 *
 * LBA 0 holds a protective MBR (5.2.3), LBA 1 the primary header
 * (table 5.5), followed by the partition entry array (table 5.6); the
 * backup header is normally the last LBA, with its own copy of the array
 * just before it.  All fields are little-endian.  A GUID on the wire
 * (appendix A, EFI_GUID) stores its first three fields little-endian and
 * the last eight bytes as written: C12A7328-F81F-11D2-BA4B-00A0C93EC93B
 * is 28 73 2a c1 1f f8 d2 11 ba 4b 00 a0 c9 3e c9 3b.
 */
#ifndef DORMANT_GPT_WIRE_H
#define DORMANT_GPT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define GPT_PRIMARY_LBA		1
#define GPT_SIGNATURE		"EFI PART"	/* 45 46 49 20 50 41 52 54 */
#define GPT_SIGNATURE_LEN	8
#define GPT_REVISION_1_0	0x00010000u
#define GPT_HEADER_SIZE_MIN	92		/* table 5.5: HeaderSize >= 92 */
/* 5.3.2: SizeOfPartitionEntry is 128 x 2^n.  We refuse more than 4096. */
#define GPT_ENTRY_SIZE_MIN	128
#define GPT_ENTRY_SIZE_MAX	4096
#define GPT_NAME_UNITS		36		/* UTF-16LE code units */

/* Table 5.5 GPT Header */
struct gpt_header {
	uint8_t signature[GPT_SIGNATURE_LEN];
	uint32_t revision;
	uint32_t header_size;
	uint32_t header_crc32;		/* over header_size bytes, this field 0 */
	uint32_t reserved;		/* must be zero */
	uint64_t my_lba;		/* the LBA this header is in */
	uint64_t alternate_lba;		/* the other copy's header */
	uint64_t first_usable_lba;
	uint64_t last_usable_lba;	/* inclusive */
	uint8_t disk_guid[16];
	uint64_t entries_lba;		/* PartitionEntryLBA */
	uint32_t num_entries;		/* NumberOfPartitionEntries */
	uint32_t entry_size;		/* SizeOfPartitionEntry */
	uint32_t entries_crc32;		/* over num_entries * entry_size bytes */
} __attribute__((packed));

_Static_assert(sizeof(struct gpt_header) == 92, "GPT header is 92 bytes");
_Static_assert(offsetof(struct gpt_header, revision) == 8, "revision at 8");
_Static_assert(offsetof(struct gpt_header, header_size) == 12, "header size at 12");
_Static_assert(offsetof(struct gpt_header, header_crc32) == 16, "header CRC at 16");
_Static_assert(offsetof(struct gpt_header, reserved) == 20, "reserved at 20");
_Static_assert(offsetof(struct gpt_header, my_lba) == 24, "my LBA at 24");
_Static_assert(offsetof(struct gpt_header, alternate_lba) == 32, "alternate LBA at 32");
_Static_assert(offsetof(struct gpt_header, first_usable_lba) == 40, "first usable at 40");
_Static_assert(offsetof(struct gpt_header, last_usable_lba) == 48, "last usable at 48");
_Static_assert(offsetof(struct gpt_header, disk_guid) == 56, "disk GUID at 56");
_Static_assert(offsetof(struct gpt_header, entries_lba) == 72, "entries LBA at 72");
_Static_assert(offsetof(struct gpt_header, num_entries) == 80, "entry count at 80");
_Static_assert(offsetof(struct gpt_header, entry_size) == 84, "entry size at 84");
_Static_assert(offsetof(struct gpt_header, entries_crc32) == 88, "entries CRC at 88");

/* Table 5.6 GPT Partition Entry (the first 128 bytes of each entry) */
struct gpt_entry {
	uint8_t type_guid[16];		/* all zero: the entry is unused */
	uint8_t unique_guid[16];
	uint64_t first_lba;
	uint64_t last_lba;		/* inclusive */
	uint64_t attributes;
	uint16_t name[GPT_NAME_UNITS];	/* UTF-16LE, NUL-padded */
} __attribute__((packed));

_Static_assert(sizeof(struct gpt_entry) == GPT_ENTRY_SIZE_MIN, "GPT entry is 128 bytes");
_Static_assert(offsetof(struct gpt_entry, unique_guid) == 16, "unique GUID at 16");
_Static_assert(offsetof(struct gpt_entry, first_lba) == 32, "first LBA at 32");
_Static_assert(offsetof(struct gpt_entry, last_lba) == 40, "last LBA at 40");
_Static_assert(offsetof(struct gpt_entry, attributes) == 48, "attributes at 48");
_Static_assert(offsetof(struct gpt_entry, name) == 56, "name at 56");

/* Table 5.7 Defined GPT Partition Entry - Partition Type GUIDs:
 * EFI System Partition, C12A7328-F81F-11D2-BA4B-00A0C93EC93B. */
#define GPT_TYPE_ESP { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, \
		       0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b }

/* dormant's own: the hibernation partition, which holds the saved image.
 * 5C2566B4-219A-44AE-B8C6-768E279AF5E1 (a random, version 4 GUID). */
#define DORMANT_HIBERNATE_TYPE_TEXT "5C2566B4-219A-44AE-B8C6-768E279AF5E1"
#define DORMANT_HIBERNATE_TYPE { 0xb4, 0x66, 0x25, 0x5c, 0x9a, 0x21, 0xae, 0x44, \
				 0xb8, 0xc6, 0x76, 0x8e, 0x27, 0x9a, 0xf5, 0xe1 }

#endif
