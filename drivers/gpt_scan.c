/*
 * gpt_scan.c - the kernel side of gpt.h: read a disk's GPT through
 * blk_read and register each partition as a struct blk_dev of its own.
 *
 * A partition's submit shifts the request's sector by the partition's
 * start and hands the request to the parent disk (blk_submit checks it
 * against the disk too).  The request completes with the disk's sector
 * in r->sector; a request the disk does not accept gets its own sector
 * back, so a retry after BLK_E_BUSY asks for the same sectors.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "blk.h"
#include "gpt.h"

struct scan_ctx {
	struct blk_dev *disk;
	uint8_t *bounce;	/* one sector, aligned as the disk wants */
};

static int scan_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
	struct scan_ctx *c = ctx;
	uint32_t ss = c->disk->sector_size;

	for (uint32_t i = 0; i < count; i++) {
		int st = blk_read(c->disk, lba + i, 1, c->bounce);
		if (st != BLK_OK) {
			kprintf("gpt: %s: sector %lu: %s\n", c->disk->name, lba + i,
				blk_status_name(st));
			return -1;
		}
		memcpy((uint8_t *)buf + (uint64_t)i * ss, c->bounce, ss);
	}
	return 0;
}

static int part_submit(struct blk_dev *d, struct blk_req *r)
{
	uint64_t sector = r->sector;
	int st;

	r->sector = sector + d->start;
	st = blk_submit(d->parent, r);
	if (st != BLK_OK)
		r->sector = sector;
	return st;
}

static const struct blk_ops part_ops = {
	.submit = part_submit,
	.poll = NULL,		/* blk_poll polls the parent */
};

static void log_part(const struct blk_dev *d)
{
	char guid[GPT_GUID_TEXT];
	const char *type = gpt_type_name(d->part_type);
	uint64_t bytes = d->sectors * d->sector_size;

	if (!type) {
		gpt_guid_text(d->part_type, guid);
		type = guid;
	}
	if (bytes >= MiB)
		kprintf("gpt: %s: %lu MiB at sector %lu, type %s\n", d->name, bytes / MiB,
			d->start, type);
	else
		kprintf("gpt: %s: %lu KiB at sector %lu, type %s\n", d->name, bytes >> 10,
			d->start, type);
}

static int register_part(struct blk_dev *disk, const struct gpt_part *p)
{
	struct blk_dev *d = kmalloc(sizeof(*d));

	if (!d)
		return -1;
	memset(d, 0, sizeof(*d));
	ksnprintf(d->name, sizeof(d->name), "%s%u", disk->name, p->index);
	d->driver = "gpt";
	d->sector_size = disk->sector_size;
	d->sectors = p->last_lba - p->first_lba + 1;
	d->max_sectors = disk->max_sectors;
	d->queue_depth = disk->queue_depth;
	d->align = disk->align;
	d->read_only = disk->read_only;
	d->ops = &part_ops;
	d->parent = disk;
	d->start = p->first_lba;
	memcpy(d->part_type, p->type, 16);
	memcpy(d->part_guid, p->guid, 16);
	if (blk_register(d) != 0) {
		kprintf("gpt: %s: no room to register it\n", d->name);
		kfree(d);
		return -1;
	}
	log_part(d);
	return 0;
}

int gpt_scan(struct blk_dev *disk)
{
	struct gpt_table *t = kmalloc(sizeof(*t));
	uint32_t align = disk->align ? disk->align : 1;
	uint8_t *raw = kmalloc(disk->sector_size + align);
	struct scan_ctx c = { disk, NULL };
	int n = -1;

	if (!t || !raw) {
		kprintf("gpt: %s: out of memory\n", disk->name);
		goto out;
	}
	c.bounce = (uint8_t *)ALIGN_UP((uintptr_t)raw, align);
	if (gpt_parse(scan_read, &c, disk->sector_size, disk->sectors, t) != 0) {
		if (t->backup_reason)
			kprintf("gpt: %s: no valid GPT (primary: %s; backup: %s)\n", disk->name,
				t->primary_reason, t->backup_reason);
		else
			kprintf("gpt: %s: no GPT (%s)\n", disk->name, t->primary_reason);
		goto out;
	}
	if (t->copy == GPT_COPY_BACKUP)
		kprintf("gpt: %s: primary GPT damaged (%s); using the backup\n", disk->name,
			t->primary_reason);
	for (unsigned i = 0; i < t->nrefused; i++) {
		const struct gpt_refusal *r = &t->refused[i];
		if (r->other)
			kprintf("gpt: %s: entry %u refused (%s, %u)\n", disk->name, r->index,
				r->reason, r->other);
		else
			kprintf("gpt: %s: entry %u refused (%s)\n", disk->name, r->index, r->reason);
	}
	n = 0;
	for (unsigned i = 0; i < t->nparts; i++)
		if (register_part(disk, &t->parts[i]) == 0)
			n++;
out:
	kfree(raw);
	kfree(t);
	return n;
}
