/*
 * image_wire.h - the hibernation image as it lies on the disk (issue 10).
 *
 * The image fills the start of the hibernation partition.  Offsets are
 * bytes from the partition's first byte; all integers are little-endian.
 * Every region starts and ends on IMG_ALIGN (4 KiB), a whole number of
 * sectors on 512-byte and 4 KiB disks alike.
 *
 *   [0, 4096)              the header area: struct img_header, then zeros.
 *                          Written last (and zeroed first), so a write cut
 *                          short leaves no header (or an old header whose
 *                          body checksum no longer matches).
 *   [4096, total_bytes)    the body: records back to back, each 8-byte
 *                          aligned, then zeros up to total_bytes.
 *
 * Records come in groups: a page map (IMG_REC_MAP) lists up to IMG_MAP_MAX
 * runs of pages in image order, each run either data pages or zero pages
 * (recorded, not written).  When the map holds data pages, the next record
 * is the block with their contents: IMG_REC_LZ4 (one LZ4 block, format of
 * lz4's doc/lz4_Block_format.md) or IMG_REC_RAW (the pages as they are,
 * when LZ4 would not make them smaller).  A block holds at most
 * IMG_BLOCK_PAGES pages, so a reader needs one record and one block of
 * decompressed pages at a time: it can check the whole image in a first
 * pass and restore in a second without keeping the pages (streaming).
 *
 * Checksums (XXH64, image_csum.c) cover every byte:
 *   - each record: its 24 header bytes before csum, then its payload;
 *   - the body: all of [4096, total_bytes), padding included;
 *   - the header: all of the header area, with header_csum read as 0.
 * They detect corruption, not tampering (issue 10, threat model).
 */
#ifndef DORMANT_IMAGE_WIRE_H
#define DORMANT_IMAGE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define IMG_PAGE		4096u
#define IMG_ALIGN		4096u		/* unit of every read and write */
#define IMG_HEADER_AREA		4096u
#define IMG_MAGIC		"DRMNTHIB"	/* 8 bytes, no NUL */
#define IMG_VERSION		1u
#define IMG_BLOCK_PAGES		16u		/* 64 KiB: LZ4's window */
#define IMG_MAP_MAX		64u		/* runs in one page map */
#define IMG_VMBUS_MAX		32u
#define IMG_REC_ALIGN		8u

/* CPUID words whose feature bits the kernel may rely on (mask + values). */
enum img_cpu_word {
	IMG_CPU_1_ECX,		/* CPUID.1:ECX */
	IMG_CPU_1_EDX,		/* CPUID.1:EDX */
	IMG_CPU_7_EBX,		/* CPUID.(7,0):EBX */
	IMG_CPU_7_ECX,		/* CPUID.(7,0):ECX */
	IMG_CPU_X1_ECX,		/* CPUID.80000001h:ECX */
	IMG_CPU_X1_EDX,		/* CPUID.80000001h:EDX */
	IMG_CPU_WORDS
};

/* Hyper-V feature words (TLFS: CPUID 0x40000003 EAX..EDX). */
#define IMG_HV_WORDS		4

struct img_vmbus_dev {
	uint8_t class_guid[16];
	uint8_t instance_guid[16];
} __attribute__((packed));
_Static_assert(sizeof(struct img_vmbus_dev) == 32, "img_vmbus_dev size");

struct img_header {
	uint8_t magic[8];		/* IMG_MAGIC; all zero: no image */
	uint32_t version;		/* IMG_VERSION */
	uint32_t header_size;		/* sizeof(struct img_header) */
	uint64_t header_csum;		/* header area, this field as 0 */
	uint64_t body_csum;		/* [body_offset, total_bytes) */
	/* What must match for a resume (image_check.c). */
	uint64_t kernel_checksum;	/* the loader's build identity */
	uint64_t ram_bytes;		/* RAM the kernel manages */
	uint64_t ram_digest;		/* img_ram_digest() of its ranges */
	uint8_t cpu_vendor[12];		/* CPUID.0 EBX, EDX, ECX */
	uint32_t cpu_signature;		/* CPUID.1:EAX (family/model/stepping): logged */
	uint32_t cpu_feat_mask[IMG_CPU_WORDS];	/* bits the kernel relies on */
	uint32_t cpu_feat_value[IMG_CPU_WORDS];	/* their values at the snapshot */
	uint32_t hv_present;		/* 1: "Microsoft Hv", 0: none */
	uint32_t hv_build;		/* CPUID 0x40000002:EAX: logged */
	uint32_t hv_version;		/* CPUID 0x40000002:EBX: logged */
	uint32_t reserved0;		/* 0 */
	uint32_t hv_feat_mask[IMG_HV_WORDS];
	uint32_t hv_feat_value[IMG_HV_WORDS];
	/* The snapshot instant. */
	int64_t wall_ns;		/* Unix time */
	uint64_t mono_ns;		/* the monotonic clock */
	uint64_t resume_context;	/* the sequencing code's: where its CPU context is */
	/* Layout (image_read.c trusts none of it). */
	uint64_t body_offset;		/* IMG_HEADER_AREA */
	uint64_t body_bytes;		/* multiple of IMG_ALIGN */
	uint64_t total_bytes;		/* body_offset + body_bytes */
	uint64_t records;
	uint64_t maps;
	uint64_t blocks;
	uint64_t data_pages;
	uint64_t zero_pages;
	uint32_t block_pages;		/* IMG_BLOCK_PAGES */
	uint32_t vmbus_count;		/* <= IMG_VMBUS_MAX */
	struct img_vmbus_dev vmbus[IMG_VMBUS_MAX];	/* the devices bound */
} __attribute__((packed));

#define IMG_OFF(f, o) _Static_assert(offsetof(struct img_header, f) == (o), "img_header." #f)
IMG_OFF(magic, 0);		IMG_OFF(version, 8);
IMG_OFF(header_size, 12);	IMG_OFF(header_csum, 16);
IMG_OFF(body_csum, 24);		IMG_OFF(kernel_checksum, 32);
IMG_OFF(ram_bytes, 40);		IMG_OFF(ram_digest, 48);
IMG_OFF(cpu_vendor, 56);	IMG_OFF(cpu_signature, 68);
IMG_OFF(cpu_feat_mask, 72);	IMG_OFF(cpu_feat_value, 96);
IMG_OFF(hv_present, 120);	IMG_OFF(hv_build, 124);
IMG_OFF(hv_version, 128);	IMG_OFF(reserved0, 132);
IMG_OFF(hv_feat_mask, 136);	IMG_OFF(hv_feat_value, 152);
IMG_OFF(wall_ns, 168);		IMG_OFF(mono_ns, 176);
IMG_OFF(resume_context, 184);	IMG_OFF(body_offset, 192);
IMG_OFF(body_bytes, 200);	IMG_OFF(total_bytes, 208);
IMG_OFF(records, 216);		IMG_OFF(maps, 224);
IMG_OFF(blocks, 232);		IMG_OFF(data_pages, 240);
IMG_OFF(zero_pages, 248);	IMG_OFF(block_pages, 256);
IMG_OFF(vmbus_count, 260);	IMG_OFF(vmbus, 264);
#undef IMG_OFF
_Static_assert(sizeof(struct img_header) == 1288, "img_header size");
_Static_assert(sizeof(struct img_header) <= IMG_HEADER_AREA, "header fits its area");

/* Record types: four ASCII letters, little-endian. */
#define IMG_REC_MAP	0x50414d50u	/* "PMAP": page map */
#define IMG_REC_LZ4	0x345a4c42u	/* "BLZ4": LZ4-compressed block */
#define IMG_REC_RAW	0x57415242u	/* "BRAW": uncompressed block */

struct img_record {
	uint32_t type;		/* IMG_REC_* */
	uint32_t seq;		/* 0, 1, 2 ... in body order */
	uint32_t len;		/* payload bytes after this header */
	uint32_t count;		/* MAP: runs; block: pages */
	uint64_t first;		/* MAP: image index of its first page;
				 * block: index of its first data page */
	uint64_t csum;		/* the 24 bytes above, then the payload */
} __attribute__((packed));
_Static_assert(sizeof(struct img_record) == 32, "img_record size");
_Static_assert(offsetof(struct img_record, seq) == 4, "img_record.seq");
_Static_assert(offsetof(struct img_record, len) == 8, "img_record.len");
_Static_assert(offsetof(struct img_record, count) == 12, "img_record.count");
_Static_assert(offsetof(struct img_record, first) == 16, "img_record.first");
_Static_assert(offsetof(struct img_record, csum) == 24, "img_record.csum");

#define IMG_PAGES_DATA	1u
#define IMG_PAGES_ZERO	2u

/* One run of a page map: count pages from pfn. */
struct img_map_entry {
	uint64_t pfn;
	uint32_t count;
	uint32_t kind;		/* IMG_PAGES_DATA or IMG_PAGES_ZERO */
} __attribute__((packed));
_Static_assert(sizeof(struct img_map_entry) == 16, "img_map_entry size");
_Static_assert(offsetof(struct img_map_entry, count) == 8, "img_map_entry.count");
_Static_assert(offsetof(struct img_map_entry, kind) == 12, "img_map_entry.kind");

/* The largest record: a raw block of IMG_BLOCK_PAGES pages. */
#define IMG_BLOCK_BYTES	(IMG_BLOCK_PAGES * IMG_PAGE)
#define IMG_REC_MAX	(sizeof(struct img_record) + IMG_BLOCK_BYTES)
_Static_assert(IMG_MAP_MAX * sizeof(struct img_map_entry) < IMG_REC_MAX - 32, "maps are smaller");

#endif
