/*
 * bootmem.c - UEFI memory map to the kernel's memory ranges.
 *
 * Pure code: the loader runs it between GetMemoryMap and ExitBootServices
 * (so it must not allocate), and host unit tests run it on captured maps.
 * The descriptor layout is UEFI 2.x section 7.2 (EFI_MEMORY_DESCRIPTOR);
 * firmware may use a larger desc_size, so we always step by that.
 */
#include "bootinfo.h"

#include <string.h>

/* UEFI 2.x table 7-5, EFI_MEMORY_TYPE. */
enum {
	EFI_RESERVED = 0, EFI_LOADER_CODE, EFI_LOADER_DATA, EFI_BS_CODE,
	EFI_BS_DATA, EFI_RT_CODE, EFI_RT_DATA, EFI_CONVENTIONAL,
	EFI_UNUSABLE, EFI_ACPI_RECLAIM, EFI_ACPI_NVS, EFI_MMIO,
	EFI_MMIO_PORT, EFI_PAL_CODE, EFI_PERSISTENT, EFI_UNACCEPTED,
	EFI_NTYPES
};
#define EFI_MEMORY_RUNTIME	(1ull << 63)
#define EFI_PAGE_SIZE		4096ull

struct efi_memdesc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t npages;
	uint64_t attribute;
};
_Static_assert(sizeof(struct efi_memdesc) == 40, "EFI_MEMORY_DESCRIPTOR size");
_Static_assert(offsetof(struct efi_memdesc, phys_start) == 8, "PhysicalStart");
_Static_assert(offsetof(struct efi_memdesc, npages) == 24, "NumberOfPages");
_Static_assert(offsetof(struct efi_memdesc, attribute) == 32, "Attribute");

static const uint8_t efi_to_bootmem[EFI_NTYPES] = {
	[EFI_RESERVED] = BOOTMEM_RESERVED,
	[EFI_LOADER_CODE] = BOOTMEM_LOADER,
	[EFI_LOADER_DATA] = BOOTMEM_LOADER,
	[EFI_BS_CODE] = BOOTMEM_USABLE,
	[EFI_BS_DATA] = BOOTMEM_USABLE,
	[EFI_RT_CODE] = BOOTMEM_RUNTIME,
	[EFI_RT_DATA] = BOOTMEM_RUNTIME,
	[EFI_CONVENTIONAL] = BOOTMEM_USABLE,
	[EFI_UNUSABLE] = BOOTMEM_UNUSABLE,
	[EFI_ACPI_RECLAIM] = BOOTMEM_ACPI_RECLAIM,
	[EFI_ACPI_NVS] = BOOTMEM_ACPI_NVS,
	[EFI_MMIO] = BOOTMEM_MMIO,
	[EFI_MMIO_PORT] = BOOTMEM_MMIO,
	[EFI_PAL_CODE] = BOOTMEM_RESERVED,
	[EFI_PERSISTENT] = BOOTMEM_PERSISTENT,
	/* Unaccepted memory must be accepted before use; we do not. */
	[EFI_UNACCEPTED] = BOOTMEM_UNUSABLE,
};

static const char *const type_names[BOOTMEM_NTYPES] = {
	[BOOTMEM_USABLE] = "usable",
	[BOOTMEM_LOADER] = "loader",
	[BOOTMEM_ACPI_RECLAIM] = "acpi",
	[BOOTMEM_ACPI_NVS] = "acpi-nvs",
	[BOOTMEM_RUNTIME] = "runtime",
	[BOOTMEM_RESERVED] = "reserved",
	[BOOTMEM_MMIO] = "mmio",
	[BOOTMEM_PERSISTENT] = "persistent",
	[BOOTMEM_UNUSABLE] = "unusable",
};

const char *bootmem_type_name(uint32_t type)
{
	if (type < BOOTMEM_NTYPES && type_names[type])
		return type_names[type];
	return "?";
}

static uint32_t convert_type(const struct efi_memdesc *d)
{
	/* Anything the firmware must keep mapped at runtime stays reserved
	 * for us, whatever its type says (UEFI 2.x 7.2: EFI_MEMORY_RUNTIME). */
	if (d->attribute & EFI_MEMORY_RUNTIME)
		return BOOTMEM_RUNTIME;
	if (d->type >= EFI_NTYPES)
		return BOOTMEM_RESERVED;	/* OEM / OS-reserved types */
	return efi_to_bootmem[d->type];
}

/* Insertion sort: maps are at most a few hundred entries and nearly sorted. */
static void sort_ranges(struct bootmem_range *r, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		struct bootmem_range key = r[i];
		uint32_t j = i;
		while (j > 0 && r[j - 1].base > key.base) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = key;
	}
}

int bootmem_from_efi(const void *map, size_t map_size, size_t desc_size,
		     struct bootmem_range *out, uint32_t cap)
{
	const uint8_t *p = map;
	uint32_t n = 0;

	if (desc_size < sizeof(struct efi_memdesc))
		return -1;
	for (size_t off = 0; off + desc_size <= map_size; off += desc_size) {
		struct efi_memdesc d;
		memcpy(&d, p + off, sizeof(d));
		if (d.npages == 0)
			continue;
		if (n == cap)
			return -1;
		out[n].base = d.phys_start;
		out[n].len = d.npages * EFI_PAGE_SIZE;
		out[n].type = convert_type(&d);
		out[n].reserved = 0;
		n++;
	}
	sort_ranges(out, n);

	/* Merge touching ranges of the same type. */
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (m > 0 && out[m - 1].type == out[i].type &&
		    out[m - 1].base + out[m - 1].len == out[i].base) {
			out[m - 1].len += out[i].len;
			continue;
		}
		out[m++] = out[i];
	}
	return (int)m;
}

static int overwritable(uint32_t type)
{
	return type == BOOTMEM_USABLE || type == BOOTMEM_LOADER;
}

int bootmem_check_free(const struct bootmem_range *r, uint32_t n,
		       uint64_t lo, uint64_t hi, struct bootmem_range *bad)
{
	uint64_t at = lo;	/* everything below 'at' is known good */

	for (uint32_t i = 0; i < n && at < hi; i++) {
		uint64_t end = r[i].base + r[i].len;
		if (end <= at || r[i].base >= hi)
			continue;
		if (r[i].base > at)
			break;		/* hole before this range */
		if (!overwritable(r[i].type)) {
			*bad = r[i];
			return -1;
		}
		at = end;
	}
	if (at < hi) {
		bad->base = at;
		bad->len = 0;
		bad->type = 0;
		bad->reserved = 0;
		return -1;
	}
	return 0;
}
