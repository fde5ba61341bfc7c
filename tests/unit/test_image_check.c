/*
 * Host tests for snapshot/image_check.c: every header field the resume
 * path checks is refused with its own reason and class, and the fields
 * that are only logged give notes (issue 10, Resume).  Format fields are
 * changed in the image (and the header resealed, so the checksum is not
 * what refuses it); identity fields are changed on "this machine".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "image_env.h"

static struct ienv env;

static int setup(void **state)
{
	(void)state;
	ienv_init(&env, 64, 2);
	assert_int_equal(ienv_write(&env, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ienv_free(&env);
	return 0;
}

static enum img_reason check(const struct img_header *now, unsigned *notes)
{
	struct img_header h;
	return img_check_header(env.disk, now, env.capacity, &h, notes);
}

/* ---- format fields, changed in the image ------------------------------- */

static struct img_header *img(void)
{
	return (struct img_header *)env.disk;
}

static void f_magic(void) { img()->magic[3] ^= 1; }
static void f_version(void) { img()->version = IMG_VERSION + 1; }
static void f_version0(void) { img()->version = 0; }
static void f_size(void) { img()->header_size = 1024; }
static void f_body_offset(void) { img()->body_offset = 8192; }
static void f_total(void) { img()->total_bytes += IMG_ALIGN; }
static void f_body_bytes(void) { img()->body_bytes = 100; }
static void f_block_pages(void) { img()->block_pages = 32; }
static void f_vmbus_count(void) { img()->vmbus_count = IMG_VMBUS_MAX + 1; }
static void f_reserved(void) { img()->reserved0 = 1; }
static void f_records(void) { img()->records++; }
static void f_blocks(void) { img()->blocks = img()->maps + 1; }
static void f_data_pages(void) { img()->data_pages = img()->blocks * IMG_BLOCK_PAGES + 1; }
static void f_zero_pages(void) { img()->zero_pages = img()->ram_bytes; }
static void f_too_big(void) { env.capacity = img()->total_bytes - IMG_ALIGN; }

static const struct {
	const char *name;
	void (*change)(void);
	enum img_reason want;
} format[] = {
	{ "magic", f_magic, IMG_R_MAGIC },
	{ "version", f_version, IMG_R_VERSION },
	{ "version 0", f_version0, IMG_R_VERSION },
	{ "header_size", f_size, IMG_R_HEADER_SIZE },
	{ "body_offset", f_body_offset, IMG_R_LAYOUT },
	{ "total_bytes", f_total, IMG_R_LAYOUT },
	{ "body_bytes", f_body_bytes, IMG_R_LAYOUT },
	{ "block_pages", f_block_pages, IMG_R_LAYOUT },
	{ "vmbus_count", f_vmbus_count, IMG_R_LAYOUT },
	{ "reserved0", f_reserved, IMG_R_LAYOUT },
	{ "records", f_records, IMG_R_LAYOUT },
	{ "blocks", f_blocks, IMG_R_LAYOUT },
	{ "data_pages", f_data_pages, IMG_R_LAYOUT },
	{ "zero_pages", f_zero_pages, IMG_R_LAYOUT },
	{ "partition smaller", f_too_big, IMG_R_TOO_BIG },
};

static void format_fields(void **state)
{
	unsigned notes;
	(void)state;
	uint8_t *good = malloc(IMG_HEADER_AREA);
	memcpy(good, env.disk, IMG_HEADER_AREA);
	uint64_t cap = env.capacity;
	for (size_t i = 0; i < sizeof(format) / sizeof(format[0]); i++) {
		memcpy(env.disk, good, IMG_HEADER_AREA);
		env.capacity = cap;
		format[i].change();
		ienv_reseal_header(&env);
		enum img_reason why = check(&env.ident, &notes);
		if (why != format[i].want)
			fail_msg("%s: %s, not %s", format[i].name, img_reason_str(why),
				 img_reason_str(format[i].want));
		assert_int_equal(img_reason_class(why), IMG_C_INVALIDATE);
	}
	memcpy(env.disk, good, IMG_HEADER_AREA);
	env.capacity = cap;
	free(good);
}

/* Any bit of the header area, header_csum included, is checked. */
static void header_checksum(void **state)
{
	unsigned notes;
	(void)state;
	const size_t at[] = { 16, 23, 40, 300, sizeof(struct img_header), IMG_HEADER_AREA - 1 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		env.disk[at[i]] ^= 0x80;
		assert_int_equal(check(&env.ident, &notes), IMG_R_HEADER_CSUM);
		env.disk[at[i]] ^= 0x80;
	}
	assert_int_equal(check(&env.ident, &notes), IMG_OK);
	assert_int_equal(img_reason_class(IMG_R_HEADER_CSUM), IMG_C_INVALIDATE);
}

static void no_image(void **state)
{
	unsigned notes;
	(void)state;
	memset(env.disk, 0, 8);
	assert_int_equal(check(&env.ident, &notes), IMG_R_NONE);
	assert_int_equal(img_reason_class(IMG_R_NONE), IMG_C_NONE);
}

/* img_header_valid: any well-formed image counts, whoever wrote it; a
 * damaged or absent one does not. */
static void header_valid_whoever_wrote_it(void **state)
{
	(void)state;
	assert_true(img_header_valid(env.disk, env.capacity));
	img()->kernel_checksum ^= 1;		/* another build ... */
	img()->ram_bytes *= 2;			/* ... on another machine */
	ienv_reseal_header(&env);
	assert_true(img_header_valid(env.disk, env.capacity));
	assert_false(img_header_valid(env.disk, img()->total_bytes - 1));	/* cut short */
	env.disk[300] ^= 1;
	assert_false(img_header_valid(env.disk, env.capacity));
	env.disk[300] ^= 1;
	memset(env.disk, 0, 8);
	assert_false(img_header_valid(env.disk, env.capacity));
}

/* ---- identity, changed on this machine --------------------------------- */

static void n_build(struct img_header *n) { n->kernel_checksum ^= 1; }
static void n_ram(struct img_header *n) { n->ram_bytes *= 2; }
static void n_ranges(struct img_header *n) { n->ram_digest ^= 1; }
static void n_vendor(struct img_header *n) { memcpy(n->cpu_vendor, "AuthenticAMD", 12); }
static void n_sse2(struct img_header *n) { n->cpu_feat_value[IMG_CPU_1_EDX] &= ~0x04000000u; }
static void n_hyper(struct img_header *n) { n->cpu_feat_value[IMG_CPU_1_ECX] &= ~0x80000000u; }
static void n_hv_absent(struct img_header *n) { n->hv_present = 0; }
static void n_hv_feat(struct img_header *n) { n->hv_feat_value[0] &= ~0x2u; }

static const struct {
	const char *name;
	void (*change)(struct img_header *);
	enum img_reason want;
} identity[] = {
	{ "kernel build", n_build, IMG_R_BUILD },
	{ "RAM size", n_ram, IMG_R_RAM_SIZE },
	{ "RAM ranges", n_ranges, IMG_R_RAM_RANGES },
	{ "CPU vendor", n_vendor, IMG_R_CPU_VENDOR },
	{ "CPU feature SSE2", n_sse2, IMG_R_CPU_FEATURES },
	{ "CPU feature hypervisor bit", n_hyper, IMG_R_CPU_FEATURES },
	{ "hypervisor absent", n_hv_absent, IMG_R_HV_ABSENT },
	{ "hypervisor features", n_hv_feat, IMG_R_HV_FEATURES },
};

static void identity_fields(void **state)
{
	unsigned notes;
	(void)state;
	for (size_t i = 0; i < sizeof(identity) / sizeof(identity[0]); i++) {
		struct img_header now = env.ident;
		identity[i].change(&now);
		enum img_reason why = check(&now, &notes);
		if (why != identity[i].want)
			fail_msg("%s: %s, not %s", identity[i].name, img_reason_str(why),
				 img_reason_str(identity[i].want));
		assert_int_equal(img_reason_class(why), IMG_C_KEEP);
		assert_true(img_reason_hint(why)[0] != '\0');
	}
}

/* An image written without a hypervisor meets one. */
static void hypervisor_present_now(void **state)
{
	unsigned notes;
	(void)state;
	struct img_header id = env.ident;
	env.ident.hv_present = 0;
	assert_int_equal(ienv_write(&env, NULL), 0);
	env.ident = id;
	assert_int_equal(check(&env.ident, &notes), IMG_R_HV_PRESENT);
	assert_int_equal(img_reason_class(IMG_R_HV_PRESENT), IMG_C_KEEP);
	/* Without a hypervisor on both sides its features do not matter. */
	struct img_header now = id;
	now.hv_present = 0;
	now.hv_feat_value[0] = 0;
	assert_int_equal(check(&now, &notes), IMG_OK);
}

/* Only relied-on bits that were set and are now clear refuse a resume. */
static void features_beyond_the_mask(void **state)
{
	unsigned notes;
	(void)state;
	struct img_header now = env.ident;
	now.cpu_feat_value[IMG_CPU_1_EDX] = 0x06000000;	/* only the relied-on bits */
	now.cpu_feat_value[IMG_CPU_1_ECX] = 0x80000000;
	now.cpu_feat_value[IMG_CPU_7_EBX] = 0xffffffff;	/* more than before */
	now.hv_feat_value[0] = 0x27e;
	assert_int_equal(check(&now, &notes), IMG_OK);
	assert_int_equal(notes, 0);
}

static void model_and_build_are_notes(void **state)
{
	struct img_header h;
	unsigned notes;
	(void)state;
	struct img_header now = env.ident;
	now.cpu_signature ^= 0x10;		/* another model */
	assert_int_equal(img_check_header(env.disk, &now, env.capacity, &h, &notes), IMG_OK);
	assert_int_equal(notes, IMG_NOTE_CPU_MODEL);
	assert_int_equal(h.mono_ns, env.ident.mono_ns);
	now = env.ident;
	now.hv_build++;				/* the host was patched */
	assert_int_equal(check(&now, &notes), IMG_OK);
	assert_int_equal(notes, IMG_NOTE_HV_BUILD);
	now.hv_version++;
	now.cpu_signature++;
	assert_int_equal(check(&now, &notes), IMG_OK);
	assert_int_equal(notes, IMG_NOTE_HV_BUILD | IMG_NOTE_CPU_MODEL);
	assert_string_equal(img_note_str(IMG_NOTE_CPU_MODEL), "CPU model differs");
	assert_string_equal(img_note_str(IMG_NOTE_HV_BUILD), "Hyper-V build differs");
}

/* A format problem is reported before an identity mismatch. */
static void format_before_identity(void **state)
{
	unsigned notes;
	(void)state;
	struct img_header now = env.ident;
	now.kernel_checksum ^= 1;
	img()->version++;
	ienv_reseal_header(&env);
	assert_int_equal(check(&now, &notes), IMG_R_VERSION);
}

/* Every reason has a distinct text; the table has no hole. */
static void reason_table(void **state)
{
	(void)state;
	for (int i = 0; i < IMG_NREASONS; i++) {
		const char *s = img_reason_str(i);
		assert_non_null(s);
		assert_true(s[0] != '\0' && strcmp(s, "?") != 0);
		assert_non_null(img_reason_hint(i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(s, img_reason_str(j));
		if (i != IMG_OK && i != IMG_R_NONE)
			assert_int_not_equal(img_reason_class(i), IMG_C_NONE);
	}
	assert_string_equal(img_reason_str(IMG_NREASONS), "?");
}

static void ram_digest(void **state)
{
	(void)state;
	uint64_t a[2][2] = { { 0, 0x9f000 }, { 0x100000, 0x1ff00000 } };
	uint64_t b[2][2] = { { 0, 0x9f000 }, { 0x100000, 0x1fe00000 } };
	assert_int_not_equal(img_ram_digest(a, 2), img_ram_digest(b, 2));
	assert_int_not_equal(img_ram_digest(a, 2), img_ram_digest(a, 1));
	assert_int_equal(img_ram_digest(a, 2), img_ram_digest(a, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(format_fields),
		T(header_checksum),
		T(no_image),
		T(header_valid_whoever_wrote_it),
		T(identity_fields),
		T(hypervisor_present_now),
		T(features_beyond_the_mask),
		T(model_and_build_are_notes),
		T(format_before_identity),
		T(reason_table),
		T(ram_digest),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
