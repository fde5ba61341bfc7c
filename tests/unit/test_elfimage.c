/* Host tests for boot/elfimage.c: what the loader accepts as a kernel.
 * A hand-built ELF covers each refusal; the real build/dormant.elf, when
 * given as argv[1], must pass and land at the link address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elfimage.h"

static const char *real_kernel;

/* ELF64 header + 2 program headers + data, offsets per the ELF-64 spec. */
#define EH	64
#define PH	56
#define DATA	(EH + 2 * PH)
static uint8_t img[DATA + 64];

static void put16(size_t off, uint16_t v) { memcpy(img + off, &v, 2); }
static void put32(size_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put64(size_t off, uint64_t v) { memcpy(img + off, &v, 8); }

static void phdr(int i, uint32_t flags, uint64_t off, uint64_t pa, uint64_t fsz, uint64_t msz)
{
	size_t p = EH + (size_t)i * PH;
	put32(p, 1);		/* PT_LOAD */
	put32(p + 4, flags);
	put64(p + 8, off);
	put64(p + 16, pa);
	put64(p + 24, pa);
	put64(p + 32, fsz);
	put64(p + 40, msz);
	put64(p + 48, 4096);
}

static int build(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 2;		/* ELFCLASS64 */
	img[5] = 1;		/* little-endian */
	img[6] = 1;
	put16(16, 2);		/* ET_EXEC */
	put16(18, 62);		/* EM_X86_64 */
	put32(20, 1);
	put64(24, 0x1000000);	/* entry */
	put64(32, EH);		/* phoff */
	put16(52, EH);
	put16(54, PH);
	put16(56, 2);		/* phnum */
	phdr(0, 5, DATA, 0x1000000, 32, 32);		/* text: R+X */
	phdr(1, 6, DATA + 32, 0x1002000, 16, 0x3000);	/* data + bss: R+W */
	for (int i = 0; i < 48; i++)
		img[DATA + i] = (uint8_t)(i + 1);
	return 0;
}

static void accepts_and_stages(void **state)
{
	(void)state;
	struct elfimage e;
	assert_null(elfimage_check(img, sizeof(img), &e));
	assert_int_equal(e.lo, 0x1000000);
	assert_int_equal(e.hi, 0x1005000);
	assert_int_equal(e.entry, 0x1000000);
	assert_int_equal(e.nload, 2);
	uint8_t *dst = malloc(e.hi - e.lo);
	memset(dst, 0xcc, e.hi - e.lo);
	elfimage_stage(img, &e, dst);
	assert_int_equal(dst[0], 1);
	assert_int_equal(dst[31], 32);
	assert_int_equal(dst[32], 0);		/* gap between segments zeroed */
	assert_int_equal(dst[0x2000], 33);
	assert_int_equal(dst[0x2000 + 15], 48);
	assert_int_equal(dst[0x2000 + 16], 0);	/* bss zeroed */
	assert_int_equal(dst[0x4fff], 0);
	free(dst);
}

static void refusals(void **state)
{
	struct elfimage e;
	build(state);
	assert_non_null(elfimage_check(img, 10, &e));		/* too short */
	img[1] = 'X';
	assert_non_null(elfimage_check(img, sizeof(img), &e));	/* magic */
	build(state);
	put16(18, 3);						/* i386 */
	assert_non_null(elfimage_check(img, sizeof(img), &e));
	build(state);
	assert_non_null(elfimage_check(img, DATA + 40, &e));	/* truncated data */
	assert_non_null(elfimage_check(img, EH + 10, &e));	/* truncated phdrs */
	build(state);
	put64(24, 0x1002000);					/* entry in data */
	assert_non_null(elfimage_check(img, sizeof(img), &e));
	build(state);
	phdr(1, 6, DATA + 32, 0x1002000, 0x4000, 0x3000);	/* filesz > memsz */
	assert_non_null(elfimage_check(img, sizeof(img), &e));
	build(state);
	phdr(1, 6, DATA + 32, 0xfffffffffffff000ull, 16, 0x3000);	/* wraps */
	assert_non_null(elfimage_check(img, sizeof(img), &e));
	build(state);
	phdr(1, 6, DATA + 32, 0x80000000, 16, 16);		/* span too large */
	assert_non_null(elfimage_check(img, sizeof(img), &e));
	build(state);
	put16(56, 0);						/* no phdrs */
	assert_non_null(elfimage_check(img, sizeof(img), &e));
}

static void the_built_kernel_passes(void **state)
{
	(void)state;
	if (!real_kernel)
		skip();
	FILE *f = fopen(real_kernel, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size_t n = (size_t)ftell(f);
	rewind(f);
	uint8_t *buf = malloc(n);
	assert_int_equal(fread(buf, 1, n, f), n);
	fclose(f);
	struct elfimage e;
	const char *why = elfimage_check(buf, n, &e);
	assert_null(why);
	assert_int_equal(e.lo, 0x1000000);	/* linker.ld KERNEL_PHYS */
	assert_int_equal(e.entry, 0x1000000);	/* .text.entry first */
	free(buf);
}

int main(int argc, char **argv)
{
	real_kernel = argc > 1 ? argv[1] : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(accepts_and_stages, build),
		cmocka_unit_test_setup(refusals, build),
		cmocka_unit_test(the_built_kernel_passes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
