/* Host tests for boot/bootmem.c: UEFI memory map conversion and the
 * loader's check that the kernel range may be overwritten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bootinfo.h"

/* Firmware may use descriptors larger than the 40 bytes of UEFI 2.x 7.2;
 * OVMF uses 48.  Lay them out by hand with that stride. */
#define DSIZE 48
#define RT (1ull << 63)
enum { RESERVED = 0, LOADER_CODE = 1, LOADER_DATA = 2, BS_CODE = 3, BS_DATA = 4,
       RT_CODE = 5, RT_DATA = 6, CONV = 7, UNUSABLE = 8, ACPI_RECLAIM = 9,
       ACPI_NVS = 10, MMIO = 11, PERSISTENT = 14, UNACCEPTED = 15 };

static uint8_t map[64 * DSIZE];
static size_t nmap;

static void add(uint32_t type, uint64_t base, uint64_t pages, uint64_t attr)
{
	uint8_t *d = map + nmap * DSIZE;
	memset(d, 0xee, DSIZE);	/* padding and VirtualStart: garbage */
	memcpy(d, &type, 4);
	memcpy(d + 8, &base, 8);
	memcpy(d + 24, &pages, 8);
	memcpy(d + 32, &attr, 8);
	nmap++;
}

static int reset(void **state)
{
	(void)state;
	nmap = 0;
	return 0;
}

static void converts_sorts_and_merges(void **state)
{
	(void)state;
	struct bootmem_range r[16];
	add(CONV, 0x100000, 16, 0);			/* out of order on purpose */
	add(BS_DATA, 0x0, 160, 0);
	add(BS_CODE, 0x110000, 16, 0);			/* merges with the CONV */
	add(LOADER_DATA, 0x120000, 4, 0);
	add(RT_DATA, 0x124000, 1, RT);
	add(CONV, 0x125000, 0, 0);			/* empty: dropped */
	add(ACPI_RECLAIM, 0x200000, 2, 0);
	add(MMIO, 0xfee00000, 1, RT);			/* runtime attribute wins */
	add(99, 0x300000, 1, 0);			/* OEM type: reserved */
	add(UNACCEPTED, 0x400000, 1, 0);
	int n = bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 16);
	assert_int_equal(n, 8);
	assert_int_equal(r[0].base, 0);
	assert_int_equal(r[0].len, 160 * 4096);
	assert_int_equal(r[0].type, BOOTMEM_USABLE);
	assert_int_equal(r[1].base, 0x100000);
	assert_int_equal(r[1].len, 32 * 4096);	/* CONV + BS_CODE merged */
	assert_int_equal(r[1].type, BOOTMEM_USABLE);
	assert_int_equal(r[2].type, BOOTMEM_LOADER);
	assert_int_equal(r[3].type, BOOTMEM_RUNTIME);
	assert_int_equal(r[4].type, BOOTMEM_ACPI_RECLAIM);
	assert_int_equal(r[5].type, BOOTMEM_RESERVED);
	assert_int_equal(r[6].type, BOOTMEM_UNUSABLE);
	assert_int_equal(r[7].type, BOOTMEM_RUNTIME);
	assert_int_equal(r[7].base, 0xfee00000);
	for (int i = 1; i < n; i++)
		assert_true(r[i - 1].base + r[i - 1].len <= r[i].base);
}

static void overflow_and_bad_stride(void **state)
{
	(void)state;
	struct bootmem_range r[2];
	add(CONV, 0x0, 1, 0);
	add(ACPI_NVS, 0x1000, 1, 0);
	add(MMIO, 0x2000, 1, 0);
	assert_int_equal(bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 2), -1);
	assert_int_equal(bootmem_from_efi(map, nmap * DSIZE, 16, r, 2), -1);
	/* A trailing partial descriptor is ignored, not read past. */
	assert_int_equal(bootmem_from_efi(map, 2 * DSIZE + 10, DSIZE, r, 2), 2);
}

static void kernel_range_check(void **state)
{
	(void)state;
	struct bootmem_range r[8], bad;
	add(CONV, 0x0, 0x1000, 0);		/* 0 - 16 MiB */
	add(BS_DATA, 0x1000000, 0x100, 0);	/* 16 MiB + 1 MiB */
	add(LOADER_CODE, 0x1100000, 0x100, 0);
	add(RT_CODE, 0x1200000, 0x10, RT);
	add(CONV, 0x1300000, 0x100, 0);		/* a hole after it */
	int n = bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 8);
	assert_int_equal(n, 4);

	/* Boot-services and loader memory may be overwritten after exit. */
	assert_int_equal(bootmem_check_free(r, (uint32_t)n, 0x1000000, 0x1200000, &bad), 0);
	assert_int_equal(bootmem_check_free(r, (uint32_t)n, 0xff0000, 0x1010000, &bad), 0);
	/* Runtime services stay in use. */
	assert_int_equal(bootmem_check_free(r, (uint32_t)n, 0x1000000, 0x1201000, &bad), -1);
	assert_int_equal(bad.type, BOOTMEM_RUNTIME);
	assert_int_equal(bad.base, 0x1200000);
	/* Past the end of RAM: undescribed. */
	assert_int_equal(bootmem_check_free(r, (uint32_t)n, 0x1300000, 0x1500000, &bad), -1);
	assert_int_equal(bad.type, 0);
	assert_int_equal(bad.base, 0x1400000);
}

#define MIB (1024 * 1024ull)

static void expect_bad(const struct bootmem_range *bad, uint64_t base, uint64_t len,
		       uint32_t type)
{
	assert_int_equal(bad->base, base);
	assert_int_equal(bad->len, len);
	assert_int_equal(bad->type, type);
}

/* A hole inside the kernel range, and reserved memory that ends exactly
 * where the range starts or starts exactly where it ends. */
static void kernel_range_edges(void **state)
{
	(void)state;
	struct bootmem_range r[8], bad;
	add(CONV, 0, 15 * MIB / 4096, 0);
	add(RESERVED, 15 * MIB, MIB / 4096, 0);		/* 15-16 MiB */
	add(CONV, 16 * MIB, 2 * MIB / 4096, 0);		/* 16-18 MiB */
	add(ACPI_NVS, 18 * MIB, MIB / 4096, 0);		/* 18-19 MiB */
	add(CONV, 20 * MIB, MIB / 4096, 0);		/* a hole at 19-20 MiB */
	int n = bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 8);
	assert_int_equal(n, 5);
	uint32_t u = (uint32_t)n;
	/* Touching reserved memory on either side is fine. */
	assert_int_equal(bootmem_check_free(r, u, 16 * MIB, 18 * MIB, &bad), 0);
	/* One byte more on either side is not. */
	assert_int_equal(bootmem_check_free(r, u, 16 * MIB - 1, 18 * MIB, &bad), -1);
	expect_bad(&bad, 15 * MIB, MIB, BOOTMEM_RESERVED);
	assert_int_equal(bootmem_check_free(r, u, 16 * MIB, 18 * MIB + 1, &bad), -1);
	expect_bad(&bad, 18 * MIB, MIB, BOOTMEM_ACPI_NVS);
	/* A hole inside the range is named by where it starts. */
	assert_int_equal(bootmem_check_free(r, u, 20 * MIB, 21 * MIB, &bad), 0);
	assert_int_equal(bootmem_check_free(r, u, 19 * MIB + 4096, 21 * MIB, &bad), -1);
	expect_bad(&bad, 19 * MIB + 4096, 0, 0);
	/* Usable on both sides of a hole: the hole still refuses. */
	struct bootmem_range holey[2] = {
		{ .base = 16 * MIB, .len = MIB, .type = BOOTMEM_USABLE },
		{ .base = 17 * MIB + 4096, .len = MIB, .type = BOOTMEM_LOADER },
	};
	assert_int_equal(bootmem_check_free(holey, 2, 16 * MIB, 18 * MIB, &bad), -1);
	expect_bad(&bad, 17 * MIB, 0, 0);
	assert_int_equal(bootmem_check_free(holey, 2, 17 * MIB + 4096, 18 * MIB, &bad), 0);
	/* Below all RAM, and an empty range. */
	assert_int_equal(bootmem_check_free(holey, 2, 8 * MIB, 16 * MIB + 1, &bad), -1);
	expect_bad(&bad, 8 * MIB, 0, 0);
	assert_int_equal(bootmem_check_free(holey, 0, 16 * MIB, 16 * MIB, &bad), 0);
}

/* Every UEFI type lands where the kernel expects it, and every name. */
static void every_type_and_name(void **state)
{
	(void)state;
	const uint32_t want[16] = {
		BOOTMEM_RESERVED, BOOTMEM_LOADER, BOOTMEM_LOADER, BOOTMEM_USABLE,
		BOOTMEM_USABLE, BOOTMEM_RUNTIME, BOOTMEM_RUNTIME, BOOTMEM_USABLE,
		BOOTMEM_UNUSABLE, BOOTMEM_ACPI_RECLAIM, BOOTMEM_ACPI_NVS, BOOTMEM_MMIO,
		BOOTMEM_MMIO, BOOTMEM_RESERVED, BOOTMEM_PERSISTENT, BOOTMEM_UNUSABLE,
	};
	struct bootmem_range r[20];
	/* Ranges with gaps between them, so that none merge. */
	for (uint32_t t = 0; t < 16; t++)
		add(t, (uint64_t)t * 0x10000, 1, 0);
	add(16, 0x100000, 1, 0);		/* the first type UEFI does not define */
	add(0x70000000, 0x110000, 1, 0);	/* OEM range */
	int n = bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 20);
	assert_int_equal(n, 18);
	for (uint32_t t = 0; t < 16; t++) {
		assert_int_equal(r[t].base, t * 0x10000);
		assert_int_equal(r[t].len, 4096);
		assert_int_equal(r[t].type, want[t]);
		assert_int_equal(r[t].reserved, 0);
	}
	assert_int_equal(r[16].type, BOOTMEM_RESERVED);
	assert_int_equal(r[17].type, BOOTMEM_RESERVED);

	const char *names[BOOTMEM_NTYPES] = { "?", "usable", "loader", "acpi", "acpi-nvs",
					      "runtime", "reserved", "mmio", "persistent",
					      "unusable" };
	for (uint32_t t = 0; t < BOOTMEM_NTYPES; t++)
		assert_string_equal(bootmem_type_name(t), names[t]);
	assert_string_equal(bootmem_type_name(BOOTMEM_NTYPES), "?");
	assert_string_equal(bootmem_type_name(UINT32_MAX), "?");
}

/* Merging needs the same type and touching ranges; sorting is by base. */
static void merge_rules_and_limits(void **state)
{
	(void)state;
	struct bootmem_range r[8];
	add(CONV, 0x3000, 1, 0);
	add(CONV, 0x1000, 1, 0);
	add(CONV, 0x2000, 1, 0);	/* 0x1000-0x4000: three become one */
	add(CONV, 0x5000, 1, 0);	/* a gap of one page: separate */
	add(ACPI_RECLAIM, 0x6000, 1, 0);	/* touching, other type: separate */
	add(CONV, 0x7000, 2, RT);	/* runtime attribute: separate */
	int n = bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 8);
	assert_int_equal(n, 4);
	assert_int_equal(r[0].base, 0x1000);
	assert_int_equal(r[0].len, 0x3000);
	assert_int_equal(r[1].base, 0x5000);
	assert_int_equal(r[1].len, 0x1000);
	assert_int_equal(r[2].type, BOOTMEM_ACPI_RECLAIM);
	assert_int_equal(r[3].type, BOOTMEM_RUNTIME);
	assert_int_equal(r[3].len, 0x2000);
	/* cap is checked before merging: six entries need six slots... */
	assert_int_equal(bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 5), -1);
	assert_int_equal(bootmem_from_efi(map, nmap * DSIZE, DSIZE, r, 6), 4);
	/* ...and the plain 40-byte descriptor is accepted, 39 is not. */
	nmap = 0;
	uint8_t plain[2 * 40];
	for (int i = 0; i < 2; i++) {
		uint32_t type = CONV;
		uint64_t base = 0x10000 * (uint64_t)(i + 1), pages = 1, attr = 0;
		memset(plain + i * 40, 0, 40);
		memcpy(plain + i * 40, &type, 4);
		memcpy(plain + i * 40 + 8, &base, 8);
		memcpy(plain + i * 40 + 24, &pages, 8);
		memcpy(plain + i * 40 + 32, &attr, 8);
	}
	assert_int_equal(bootmem_from_efi(plain, sizeof(plain), 40, r, 8), 2);
	assert_int_equal(r[1].base, 0x20000);
	assert_int_equal(bootmem_from_efi(plain, sizeof(plain), 39, r, 8), -1);
	assert_int_equal(bootmem_from_efi(plain, 0, 40, r, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(converts_sorts_and_merges, reset),
		cmocka_unit_test_setup(overflow_and_bad_stride, reset),
		cmocka_unit_test_setup(kernel_range_check, reset),
		cmocka_unit_test_setup(kernel_range_edges, reset),
		cmocka_unit_test_setup(every_type_and_name, reset),
		cmocka_unit_test_setup(merge_rules_and_limits, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
