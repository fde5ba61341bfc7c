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
static uint8_t img[DATA + 128];

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

/* Each refusal with its own reason: a check that gave some other reason
 * (or the right one for the wrong cause) fails here. */
static void refused(size_t size, const char *why)
{
	struct elfimage e;
	const char *got = elfimage_check(img, size, &e);
	assert_non_null(got);
	assert_string_equal(got, why);
}

static void refusals(void **state)
{
	build(state);
	refused(63, "file too short for an ELF header");
	assert_null(elfimage_check(img, sizeof(img), &(struct elfimage){ 0 }));
	img[1] = 'X';
	refused(sizeof(img), "not an ELF file (bad magic)");
	build(state);
	img[4] = 1;						/* ELFCLASS32 */
	refused(sizeof(img), "not a little-endian ELF64 file");
	build(state);
	img[5] = 2;						/* big-endian */
	refused(sizeof(img), "not a little-endian ELF64 file");
	build(state);
	put16(18, 3);						/* i386 */
	refused(sizeof(img), "not an x86-64 file (e_machine is not EM_X86_64)");
	build(state);
	put16(16, 3);						/* ET_DYN: PIE */
	refused(sizeof(img), "a position-independent executable (ET_DYN); the kernel must "
		"be linked at its fixed address (ET_EXEC, -no-pie)");
	build(state);
	put16(16, 1);						/* ET_REL */
	refused(sizeof(img), "not an executable (e_type is not ET_EXEC)");
	build(state);
	put16(54, 32);						/* wrong phentsize */
	refused(sizeof(img), "bad program header table");
	build(state);
	put16(56, 0);						/* no phdrs */
	refused(sizeof(img), "bad program header table");
	build(state);
	put16(56, 65);						/* absurd count */
	refused(sizeof(img), "bad program header table");
	build(state);
	refused(EH + 10, "program headers lie past the end of the file (truncated?)");
	refused(DATA - 1, "program headers lie past the end of the file (truncated?)");
	build(state);
	put64(32, sizeof(img) + 8);				/* phoff past the end */
	refused(sizeof(img), "program headers lie past the end of the file (truncated?)");
	build(state);
	/* The data of segment 1 ends at DATA + 48: one byte less is truncated,
	 * the exact size is enough. */
	refused(DATA + 47, "segment data lies past the end of the file (truncated?)");
	assert_null(elfimage_check(img, DATA + 48, &(struct elfimage){ 0 }));
	build(state);
	phdr(1, 6, sizeof(img) + 1, 0x1002000, 0, 0x3000);	/* offset past the end */
	refused(sizeof(img), "segment data lies past the end of the file (truncated?)");
	build(state);
	put64(24, 0x1002000);					/* entry in data */
	refused(sizeof(img), "entry point is not in an executable segment");
	build(state);
	put64(24, 0x1000000 + 32);				/* entry at text's end */
	refused(sizeof(img), "entry point is not in an executable segment");
	build(state);
	put64(24, 0x1000000 + 31);				/* its last byte is fine */
	assert_null(elfimage_check(img, sizeof(img), &(struct elfimage){ 0 }));
	build(state);
	phdr(1, 6, DATA + 32, 0x1002000, 0x4000, 0x3000);	/* filesz > memsz */
	refused(sizeof(img), "segment file size exceeds memory size");
	build(state);
	phdr(1, 6, DATA + 32, 0xfffffffffffff000ull, 16, 0x3000);	/* wraps */
	refused(sizeof(img), "segment address wraps");
	build(state);
	phdr(1, 6, DATA + 32, 0x80000000, 16, 16);		/* span too large */
	refused(sizeof(img), "loadable span too large");
	build(state);
	phdr(0, 5, DATA, 0x1000000, 0, 0);			/* both empty */
	phdr(1, 6, DATA + 32, 0x1002000, 0, 0);
	refused(sizeof(img), "no loadable segments");
}

static void span_is_page_aligned_both_ends(void **state)
{
	(void)state;
	struct elfimage e;
	/* Segments that start and end off page boundaries. */
	phdr(0, 5, DATA, 0x1000010, 32, 32);
	phdr(1, 6, DATA + 32, 0x1002008, 16, 0x1ff8);
	put64(24, 0x1000010);
	assert_null(elfimage_check(img, sizeof(img), &e));
	assert_int_equal(e.lo, 0x1000000);
	assert_int_equal(e.hi, 0x1004000);		/* 0x1004000 exactly: no extra page */
	phdr(1, 6, DATA + 32, 0x1002008, 16, 0x1ff9);	/* one byte more */
	assert_null(elfimage_check(img, sizeof(img), &e));
	assert_int_equal(e.hi, 0x1005000);
	uint8_t *dst = malloc(e.hi - e.lo);
	memset(dst, 0xcc, e.hi - e.lo);
	elfimage_stage(img, &e, dst);
	assert_int_equal(dst[0x0f], 0);
	assert_int_equal(dst[0x10], 1);
	assert_int_equal(dst[0x2008], 33);
	assert_int_equal(dst[0x2008 + 16], 0);
	assert_int_equal(dst[0x4fff], 0);
	free(dst);
}

/* ---- the build-id record and the checksum ---- */

/* Segment 1 gets 48 bytes of data: 16 before the record, the record's
 * 24 (magic, then the field at DATA + 64), 8 after it. */
static void with_record(void)
{
	build(NULL);
	phdr(1, 6, DATA + 32, 0x1002000, 48, 0x3000);
	memcpy(img + DATA + 32 + 16, "dormant-buildid", 16);
}

static uint64_t sum_of(uint64_t *field)
{
	struct elfimage e;
	struct elfimage_sum sum;
	assert_null(elfimage_check(img, sizeof(img), &e));
	assert_null(elfimage_checksum(img, sizeof(img), &sum));
	if (field)
		*field = sum.field_off;
	return sum.computed;
}

static void checksum_covers_loaded_contents(void **state)
{
	(void)state;
	with_record();
	uint64_t field;
	uint64_t base = sum_of(&field);
	assert_int_equal(field, DATA + 64);
	/* The field itself does not count: writing the sum keeps it valid. */
	put64(field, base);
	assert_true(sum_of(NULL) == base);
	struct elfimage_sum sum;
	assert_null(elfimage_checksum(img, sizeof(img), &sum));
	assert_true(sum.stored == base && sum.computed == base);
	/* A byte of the ELF header or of the program headers (ones that
	 * elfimage_check does not reject), or of the loaded data (first and
	 * last of each segment, and next to the field): each changes it. */
	const size_t covered[] = { 8, 24, EH - 1, EH + 48, EH + PH + 48, DATA - 1, DATA, DATA + 31,
				   DATA + 32, DATA + 32 + 15, field + 8, DATA + 32 + 47 };
	for (size_t i = 0; i < sizeof(covered) / sizeof(covered[0]); i++) {
		size_t at = covered[i];
		if (at >= field && at < field + 8)
			continue;
		img[at] ^= 0x01;
		struct elfimage e;
		assert_null(elfimage_check(img, sizeof(img), &e));
		assert_null(elfimage_checksum(img, sizeof(img), &sum));
		assert_true(sum.computed != base);
		img[at] ^= 0x01;
	}
	/* The magic's own bytes are loaded data too. */
	img[field - 1] ^= 1;
	assert_non_null(elfimage_checksum(img, sizeof(img), &sum));
	img[field - 1] ^= 1;
	/* Bytes past the loaded data (debug sections) do not count. */
	img[sizeof(img) - 1] ^= 0xff;
	assert_true(sum_of(NULL) == base);
}

static void checksum_needs_exactly_one_record(void **state)
{
	(void)state;
	struct elfimage_sum sum;
	build(NULL);
	assert_string_equal(elfimage_checksum(img, sizeof(img), &sum),
			    "no build-id record in the kernel (not a dormant kernel?)");
	with_record();
	memcpy(img + DATA, "dormant-buildid", 16);	/* a second one in text */
	assert_string_equal(elfimage_checksum(img, sizeof(img), &sum),
			    "more than one build-id record in the kernel");
	/* A record not on an 8-byte boundary is not a record. */
	with_record();
	memmove(img + DATA + 32 + 17, img + DATA + 32 + 16, 16);
	img[DATA + 32 + 16] = 0;
	assert_string_equal(elfimage_checksum(img, sizeof(img), &sum),
			    "no build-id record in the kernel (not a dormant kernel?)");
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
	/* kcsum wrote the checksum at build time. */
	struct elfimage_sum sum;
	assert_null(elfimage_checksum(buf, n, &sum));
	assert_true(sum.stored == sum.computed);
	assert_true(sum.stored != 0);
	free(buf);
}

int main(int argc, char **argv)
{
	real_kernel = argc > 1 ? argv[1] : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(accepts_and_stages, build),
		cmocka_unit_test_setup(refusals, build),
		cmocka_unit_test_setup(span_is_page_aligned_both_ends, build),
		cmocka_unit_test(checksum_covers_loaded_contents),
		cmocka_unit_test(checksum_needs_exactly_one_record),
		cmocka_unit_test(the_built_kernel_passes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
