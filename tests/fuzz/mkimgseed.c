/*
 * mkimgseed.c - write the seed images of fuzz_image_reader.c: real images
 * of a small machine (64 frames) made by snapshot/image_write.c, each
 * prefixed by the harness's flags byte.
 *	usage: mkimgseed DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../snapshot/image_write.h"

#define NFRAMES 64

static uint8_t ram[NFRAMES][IMG_PAGE];
static uint8_t owned[NFRAMES];
static uint8_t disk[64 * IMG_PAGE];
static uint64_t disk_end;

static int next(void *ctx, uint64_t *pfn, const void **page)
{
	uint64_t *f = ctx;
	while (*f < NFRAMES && !owned[*f])
		(*f)++;
	if (*f >= NFRAMES)
		return 0;
	*pfn = *f;
	*page = ram[*f];
	(*f)++;
	return 1;
}

static int put(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	memcpy(disk + off, buf, len);
	if (off + len > disk_end)
		disk_end = off + len;
	return 0;
}

static void text(uint8_t *p, unsigned shift)
{
	static const char line[] = "count 41; log hello; hibernate; resume where it stopped.\n";
	for (size_t i = 0; i < IMG_PAGE; i++)
		p[i] = (uint8_t)line[(i + shift) % (sizeof(line) - 1)];
}

static void noise(uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		p[i] = (uint8_t)(s >> 16);
	}
}

/* Write the image of the current ram/owned as DIR/NAME with flags. */
static int seed(const char *dir, const char *name, uint8_t flags)
{
	static uint8_t work[256 << 10], out[IMG_WRITE_OUT_MIN];
	uint64_t f = 0;
	struct img_header id = { .kernel_checksum = 0x1234567890abcdefull,
				 .ram_bytes = NFRAMES * IMG_PAGE, .hv_present = 1,
				 .mono_ns = 1, .vmbus_count = 1 };
	memcpy(id.cpu_vendor, "GenuineIntel", 12);
	id.cpu_feat_mask[IMG_CPU_1_EDX] = 0x06000000;
	id.cpu_feat_value[IMG_CPU_1_EDX] = 0x06000000;
	id.hv_feat_mask[0] = 0x27e;
	id.hv_feat_value[0] = 0x27e;
	struct img_source src = { next, &f };
	struct img_sink sink = { put, NULL, NULL, sizeof(disk) };
	struct img_write_mem mem = { work, sizeof(work), out, sizeof(out) };
	memset(disk, 0, sizeof(disk));
	disk_end = 0;
	if (img_write_work_size() > sizeof(work) || img_write(&id, &src, &sink, &mem, NULL, NULL)) {
		fprintf(stderr, "mkimgseed: img_write failed\n");
		return 1;
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(&flags, 1, 1, fp) != 1 || fwrite(disk, 1, disk_end, fp) != disk_end ||
	    fclose(fp) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkimgseed DIR\n");
		return 2;
	}
	/* Mixed: zero runs, text, half-noise pages, a gap. */
	for (unsigned i = 0; i < 20; i++)
		owned[i + 4] = 1;
	for (unsigned i = 8; i < 14; i++)
		text(ram[i], i);
	noise(ram[16], IMG_PAGE / 8, 7);
	owned[40] = owned[41] = 1;
	text(ram[41], 3);
	int rc = seed(argv[1], "mixed", 0);
	rc |= seed(argv[1], "mixed_reseal", 1);
	rc |= seed(argv[1], "mixed_fixed_id_holes", 6);
	/* A page of noise: a raw block. */
	memset(owned, 0, sizeof(owned));
	owned[30] = 1;
	noise(ram[30], IMG_PAGE, 11);
	rc |= seed(argv[1], "raw_block", 0);
	/* Zero pages only: maps, no block. */
	memset(owned, 0, sizeof(owned));
	owned[1] = owned[2] = owned[50] = 1;
	rc |= seed(argv[1], "zero_only", 1);
	return rc;
}
