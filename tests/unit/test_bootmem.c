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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(converts_sorts_and_merges, reset),
		cmocka_unit_test_setup(overflow_and_bad_stride, reset),
		cmocka_unit_test_setup(kernel_range_check, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
