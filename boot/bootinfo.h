/*
 * bootinfo.h - the one structure the UEFI loader hands to the kernel.
 *
 * This is the only header boot/ and kernel/ share.  The loader fills it in
 * memory it allocated as EfiLoaderData; the kernel copies it into its own
 * .bss before it reuses loader memory.  Bump BOOTINFO_VERSION whenever the
 * layout changes: the kernel refuses a version it does not know.
 */
#ifndef DORMANT_BOOTINFO_H
#define DORMANT_BOOTINFO_H

#include <stdint.h>
#include <stddef.h>

#define BOOTINFO_MAGIC        0x4f464e49544f4f42ull /* "BOOTINFO" */
#define BOOTINFO_VERSION      2
#define BOOTINFO_CMDLINE_MAX  1024
#define BOOTINFO_MEMMAP_MAX   512

/* The kernel's own memory types; the loader converts UEFI's into these. */
enum bootmem_type {
	BOOTMEM_USABLE = 1,	/* conventional and boot-services memory */
	BOOTMEM_LOADER,		/* loader code/data: usable once bootinfo is copied */
	BOOTMEM_ACPI_RECLAIM,	/* ACPI tables */
	BOOTMEM_ACPI_NVS,
	BOOTMEM_RUNTIME,	/* UEFI runtime services: stays in use */
	BOOTMEM_RESERVED,
	BOOTMEM_MMIO,
	BOOTMEM_PERSISTENT,
	BOOTMEM_UNUSABLE,
	BOOTMEM_NTYPES
};

struct bootmem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;		/* enum bootmem_type */
	uint32_t reserved;
};
_Static_assert(sizeof(struct bootmem_range) == 24, "bootmem_range size");

enum bootinfo_fb_format {
	BOOTINFO_FB_NONE = 0,
	BOOTINFO_FB_RGBX,	/* byte 0 red */
	BOOTINFO_FB_BGRX,	/* byte 0 blue */
};

struct bootinfo_fb {
	uint64_t base;
	uint64_t size;
	uint32_t width;
	uint32_t height;
	uint32_t stride;	/* pixels per scan line */
	uint32_t format;	/* enum bootinfo_fb_format */
};

struct bootinfo {
	uint64_t magic;
	uint32_t version;
	uint32_t size;			/* sizeof(struct bootinfo) */
	uint64_t rsdp;			/* physical address, 0 if none */
	uint64_t tsc_loader_entry;	/* rdtsc at efi_main */
	uint64_t tsc_loader_exit;	/* rdtsc just before the jump */
	int64_t wallclock;		/* Unix seconds from GetTime, 0 if unknown */
	uint64_t kernel_base;		/* physical range the kernel occupies */
	uint64_t kernel_end;
	struct bootinfo_fb fb;
	uint64_t kernel_checksum;	/* verified build identity (kernel_buildid) */
	uint32_t memmap_count;
	uint32_t cmdline_len;		/* characters in the file; > CMDLINE_MAX-1: cut */
	struct bootmem_range memmap[BOOTINFO_MEMMAP_MAX];
	char cmdline[BOOTINFO_CMDLINE_MAX];
};

/*
 * The kernel's build identity, kept in its read-only data: a 16-byte magic
 * and the XXH64 checksum of the kernel file's loaded contents (see
 * elfimage.h), written into the file after the link by tools/kcsum.  The
 * loader verifies it before the jump; hibernation records it.
 */
#define BUILDID_MAGIC	"dormant-buildid"	/* 15 characters and a NUL */
struct kernel_buildid {
	char magic[16];
	uint64_t checksum;
};
_Static_assert(sizeof(struct kernel_buildid) == 24, "kernel_buildid size");

/*
 * bootmem.c: convert a UEFI memory map (UEFI 2.x section 7.2, GetMemoryMap:
 * descriptors of desc_size bytes) into sorted, merged bootmem ranges.
 * Returns the number of ranges, or -1 if they do not fit in cap.
 */
int bootmem_from_efi(const void *map, size_t map_size, size_t desc_size,
		     struct bootmem_range *out, uint32_t cap);
const char *bootmem_type_name(uint32_t type);

/*
 * Check that [lo, hi) lies entirely in memory the kernel may overwrite once
 * boot services are gone (usable or loader memory).  Returns 0 if so, else
 * -1 with *bad set to the first offending range (type 0 and len 0 for a hole
 * that no range describes).
 */
int bootmem_check_free(const struct bootmem_range *r, uint32_t n,
		       uint64_t lo, uint64_t hi, struct bootmem_range *bad);

#endif
