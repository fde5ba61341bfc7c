/*
 * blk_api.c - dormant.h's small synchronous block API for applications:
 * list the disks and partitions, read, write, flush by name.
 */
#include <string.h>

#include "dormant.h"	/* first: kernel.h defines noreturn */
#include "../kernel/kernel.h"
#include "../snapshot/image_check.h"
#include "blk.h"
#include "gpt.h"

int dormant_disk_count(void)
{
	return (int)blk_count();
}

int dormant_disk_info(int i, struct dormant_disk *out)
{
	struct blk_dev *d = i >= 0 ? blk_get((unsigned)i) : NULL;
	if (!d)
		return -1;
	memset(out, 0, sizeof(*out));
	ksnprintf(out->name, sizeof(out->name), "%s", d->name);
	out->sector_size = d->sector_size;
	out->sectors = d->sectors;
	if (d->parent) {
		const char *t = gpt_type_name(d->part_type);
		char g[GPT_GUID_TEXT];
		if (!t) {
			gpt_guid_text(d->part_type, g);
			t = g;
		}
		ksnprintf(out->kind, sizeof(out->kind), "partition %s", t);
		ksnprintf(out->parent, sizeof(out->parent), "%s", d->parent->name);
		out->hibernation = gpt_type_is_hibernation(d->part_type);
	} else {
		ksnprintf(out->kind, sizeof(out->kind), "%s", d->driver);
	}
	return 0;
}

static int io(const char *name, bool write, uint64_t sector, uint32_t count, void *buf)
{
	struct blk_dev *d = blk_find(name);
	if (!d)
		return BLK_E_GONE;
	return write ? blk_write(d, sector, count, buf) : blk_read(d, sector, count, buf);
}

int dormant_disk_read(const char *name, uint64_t sector, uint32_t count, void *buf)
{
	return io(name, false, sector, count, buf);
}

int dormant_disk_write(const char *name, uint64_t sector, uint32_t count, const void *buf)
{
	return io(name, true, sector, count, (void *)buf);
}

int dormant_disk_flush(const char *name)
{
	struct blk_dev *d = blk_find(name);
	return d ? blk_flush(d) : BLK_E_GONE;
}

const char *dormant_disk_error(int status)
{
	return blk_status_name(status);
}

/* Whether the device's first 4 KiB hold a well-formed hibernation image
 * header (snapshot/image_wire.h): 1 or 0, or a negative status. */
int dormant_disk_image(const char *name)
{
	struct blk_dev *d = blk_find(name);
	if (!d)
		return BLK_E_GONE;
	if (IMG_HEADER_AREA % d->sector_size || d->sectors * d->sector_size < IMG_HEADER_AREA)
		return 0;
	uint8_t *area = kmalloc(IMG_HEADER_AREA);
	int st = blk_read(d, 0, IMG_HEADER_AREA / d->sector_size, area);
	if (st == BLK_OK)
		st = img_header_valid(area, d->sectors * d->sector_size);
	kfree(area);
	return st;
}
