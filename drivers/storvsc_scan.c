/*
 * storvsc_scan.c - the disks behind a synthetic SCSI controller
 * (hv-vsc-protocols.md 1.10): REPORT LUNS (Linux asks it of every
 * Hyper-V device), or INQUIRY of LUNs 0..63 when the host will not
 * answer it; then INQUIRY and READ CAPACITY(16), with (10) as the
 * fallback, for each disk.  A disk becomes blk device sda, sdb, ... and
 * its GPT partitions devices of their own.
 *
 * A rescan (ENUMERATE_BUS, 1.9) adds new LUNs and drops the ones the host
 * no longer reports; a disk's struct stays allocated after it is
 * dropped, so a request or a holder that still names it gets "device
 * gone" instead of freed memory.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "gpt.h"
#include "scsi.h"
#include "storvsc.h"

#define REPORT_LUNS_BYTES	(8 + 8 * STORVSC_SCAN_LUNS)
#define INQUIRY_BYTES		96

static bool letter_used[26];

static void drop_disk(struct storvsc *s, unsigned i, const char *why, bool free_it);

static int cmd(struct storvsc *s, uint8_t lun, const uint8_t *cdb, unsigned n, void *buf,
	       uint32_t len, bool short_ok, uint32_t *got, const char *what)
{
	struct storvsc_result res;
	int st = storvsc_exec(s, lun, cdb, n, buf, len, false, &res);
	if (st != BLK_OK) {
		kprintf("storvsc: %s: LUN %u: %s: %s\n", s->ch->name, lun, what,
			blk_status_name(st));
		return st;
	}
	char why[96];
	st = storvsc_decode(&res, len, short_ok, got, why, sizeof(why));
	if (st != BLK_OK && st != BLK_E_GONE)
		kprintf("storvsc: %s: LUN %u: %s: %s\n", s->ch->name, lun, what, why);
	return st;
}

/* The LUNs the host reports, or every LUN when it will not say. */
static unsigned list_luns(struct storvsc *s, uint8_t *buf, uint16_t *luns)
{
	uint8_t cdb[16];
	uint32_t got;
	unsigned n = 0;
	unsigned len = scsi_cdb_report_luns(cdb, REPORT_LUNS_BYTES);
	if (cmd(s, 0, cdb, len, buf, REPORT_LUNS_BYTES, true, &got, "REPORT LUNS") == BLK_OK) {
		const char *bad = scsi_report_luns_parse(buf, got, luns, STORVSC_SCAN_LUNS, &n);
		if (!bad)
			return n;
		kprintf("storvsc: %s: REPORT LUNS: %s; scanning LUNs 0-%u\n", s->ch->name, bad,
			STORVSC_SCAN_LUNS - 1);
	}
	for (n = 0; n < STORVSC_SCAN_LUNS; n++)
		luns[n] = (uint16_t)n;
	return n;
}

static struct storvsc_disk *known(struct storvsc *s, uint16_t lun)
{
	for (unsigned i = 0; i < STORVSC_MAX_DISKS; i++)
		if (s->disk[i] && !s->disk[i]->gone && s->disk[i]->lun == lun)
			return s->disk[i];
	return NULL;
}

static int capacity(struct storvsc *s, uint8_t lun, uint8_t *buf, struct scsi_capacity *c)
{
	uint8_t cdb[16];
	uint32_t got;
	unsigned n = scsi_cdb_read_capacity16(cdb, 32);
	if (cmd(s, lun, cdb, n, buf, 32, true, &got, "READ CAPACITY(16)") == BLK_OK &&
	    !scsi_capacity16_parse(buf, got, c))
		return 0;
	n = scsi_cdb_read_capacity10(cdb);
	const char *bad = "no answer";
	if (cmd(s, lun, cdb, n, buf, 8, true, &got, "READ CAPACITY(10)") == BLK_OK &&
	    !(bad = scsi_capacity10_parse(buf, got, c)) && !c->need_16)
		return 0;
	kprintf("storvsc: %s: LUN %u: capacity unknown (%s)\n", s->ch->name, lun,
		bad ? bad : "too large for READ CAPACITY(10)");
	return -1;
}

static void add_disk(struct storvsc *s, uint8_t lun, uint8_t *buf)
{
	uint8_t cdb[16];
	uint32_t got;
	struct scsi_inquiry inq;
	unsigned n = scsi_cdb_inquiry(cdb, INQUIRY_BYTES);
	/* 1.11: real hosts end INQUIRY with DATA_OVERRUN; the count holds. */
	if (cmd(s, lun, cdb, n, buf, INQUIRY_BYTES, true, &got, "INQUIRY") != BLK_OK)
		return;
	const char *bad = scsi_inquiry_parse(buf, got, &inq);
	if (bad) {
		kprintf("storvsc: %s: LUN %u: INQUIRY: %s\n", s->ch->name, lun, bad);
		return;
	}
	if (inq.qualifier == SCSI_QUALIFIER_ABSENT)
		return;		/* 1.10: nothing at this LUN */
	if (inq.type != SCSI_TYPE_DISK) {
		kprintf("storvsc: %s: LUN %u: %s %s is device type %u, not a disk; ignored\n",
			s->ch->name, lun, inq.vendor, inq.product, inq.type);
		return;
	}
	struct scsi_capacity c;
	if (capacity(s, lun, buf, &c) != 0)
		return;
	unsigned slot = 0, letter = 0;
	while (slot < STORVSC_MAX_DISKS && s->disk[slot] && !s->disk[slot]->gone)
		slot++;
	/* A disk an I/O error found gone (SRB NO_DEVICE...) still holds its
	 * slot, its name and its registration: let go of them first. */
	if (slot < STORVSC_MAX_DISKS && s->disk[slot])
		drop_disk(s, slot, "it stopped answering", false);
	while (letter < 26 && letter_used[letter])
		letter++;
	if (slot == STORVSC_MAX_DISKS || letter == 26) {
		kprintf("storvsc: %s: LUN %u: too many disks; ignored\n", s->ch->name, lun);
		return;
	}
	/* A gone disk's struct is not reused: someone may still hold it. */
	struct storvsc_disk *d = kmalloc(sizeof(*d));
	memset(d, 0, sizeof(*d));
	d->ctl = s;
	d->lun = lun;
	memcpy(d->vendor, inq.vendor, sizeof(d->vendor));
	memcpy(d->product, inq.product, sizeof(d->product));
	ksnprintf(d->blk.name, sizeof(d->blk.name), "sd%c", 'a' + letter);
	d->blk.driver = "storvsc";
	d->blk.sector_size = c.block_size;
	d->blk.sectors = c.blocks;
	d->blk.max_sectors = s->max_transfer / c.block_size;
	d->blk.queue_depth = STORVSC_DEPTH;
	d->blk.align = 1;
	d->blk.ops = &storvsc_blk_ops;
	d->blk.priv = d;
	if (!d->blk.max_sectors || blk_register(&d->blk) != 0) {
		/* (a block larger than the host's transfer size, or no room) */
		kprintf("storvsc: %s: LUN %u: not registered\n", s->ch->name, lun);
		kfree(d);
		return;
	}
	letter_used[letter] = true;
	s->disk[slot] = d;
	kprintf("storvsc: %s: LUN %u, %s %s, %lu sectors of %u bytes (%lu MiB)\n", d->blk.name,
		lun, inq.vendor, inq.product, c.blocks, c.block_size,
		c.blocks * c.block_size / MiB);
	gpt_scan(&d->blk);
}

/* A disk dropped by a rescan keeps its struct (a request may still name
 * it); the controller's own end frees them (nothing is in flight then). */
static void drop_disk(struct storvsc *s, unsigned i, const char *why, bool free_it)
{
	struct storvsc_disk *d = s->disk[i];
	if (!d->gone)
		kprintf("storvsc: %s: LUN %u removed (%s)\n", d->blk.name, d->lun, why);
	d->gone = true;
	blk_unregister_disk(&d->blk);
	letter_used[d->blk.name[2] - 'a'] = false;
	s->disk[i] = NULL;
	if (free_it)
		kfree(d);
}

void storvsc_scan(struct storvsc *s)
{
	uint8_t *buf = kmalloc(REPORT_LUNS_BYTES);
	uint16_t luns[STORVSC_SCAN_LUNS];
	unsigned n = list_luns(s, buf, luns);
	for (unsigned i = 0; i < STORVSC_MAX_DISKS; i++) {
		if (!s->disk[i])
			continue;
		bool listed = false;
		for (unsigned k = 0; k < n; k++)
			listed |= luns[k] == s->disk[i]->lun;
		if (!listed || s->disk[i]->gone)
			drop_disk(s, i, listed ? "it stopped answering" : "no longer reported", false);
	}
	for (unsigned k = 0; k < n && !s->dead; k++)
		if (luns[k] < 256 && !known(s, luns[k]))
			add_disk(s, (uint8_t)luns[k], buf);
	kfree(buf);
}

void storvsc_forget_disks(struct storvsc *s)
{
	for (unsigned i = 0; i < STORVSC_MAX_DISKS; i++)
		if (s->disk[i])
			drop_disk(s, i, "controller gone", true);
}

/* After a resume the controller may be a new VM's: a disk is the same one
 * only if its LUN is still reported with the same size.  A disk that is
 * not goes (requests on it answer "device gone"); the others keep their
 * blk devices, which the application and the image writer hold, with the
 * largest request this host takes. */
void storvsc_check_disks(struct storvsc *s)
{
	uint8_t *buf = kmalloc(REPORT_LUNS_BYTES);
	uint16_t luns[STORVSC_SCAN_LUNS];
	unsigned n = list_luns(s, buf, luns);
	for (unsigned i = 0; i < STORVSC_MAX_DISKS && !s->dead; i++) {
		struct storvsc_disk *d = s->disk[i];
		if (!d)
			continue;
		bool listed = false;
		for (unsigned k = 0; k < n; k++)
			listed |= luns[k] == d->lun;
		struct scsi_capacity c;
		if (!listed || capacity(s, d->lun, buf, &c) != 0) {
			drop_disk(s, i, "not there after resume", false);
			continue;
		}
		if (c.blocks != d->blk.sectors || c.block_size != d->blk.sector_size) {
			kprintf("storvsc: %s: LUN %u now has %lu sectors of %u bytes, had %lu of %u\n",
				d->blk.name, d->lun, c.blocks, c.block_size, d->blk.sectors,
				d->blk.sector_size);
			drop_disk(s, i, "its size changed over the hibernation", false);
			continue;
		}
		blk_set_max_sectors(&d->blk, s->max_transfer / c.block_size);
	}
	for (unsigned k = 0; k < n && !s->dead; k++)
		if (luns[k] < 256 && !known(s, luns[k]))
			add_disk(s, (uint8_t)luns[k], buf);
	kfree(buf);
}
