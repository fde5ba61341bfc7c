/*
 * resume_scan.c - on every boot, once the disks are up and before the
 * application starts: look at every hibernation partition (dormant's own
 * GPT type, on any disk: found by scanning, not by controller identity)
 * for an image, and say what it is (issue 10, "Resume").
 *
 * A refused image gets one line `resume: refused: REASON (DEVICE)`.  A
 * corrupt, truncated or unknown-format one is then invalidated (its
 * header area zeroed and flushed) so no later boot trips on it; one
 * refused for a mismatch the user can fix (another build, memory size,
 * CPU, hypervisor) is kept, and the line after says what to change.
 *
 * A header that matches this machine goes to restore.c, which checks the
 * whole image before it writes any page and, all being well, never
 * returns; when it does, the reason is refused like a header's.  A
 * restore stopped from writing outside its plan names the frame; the
 * image is kept, since the plan, not the image, was at fault.
 */
#include <string.h>

#include "../drivers/blk.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "blkio.h"
#include "ident.h"
#include "image_check.h"
#include "restore.h"

static void invalidate(struct blk_dev *d)
{
	if (snap_invalidate(d) == 0)
		kprintf("resume: %s: image invalidated\n", d->name);
	else
		kprintf("resume: %s: could not invalidate the image\n", d->name);
}

static void refuse(struct blk_dev *d, enum img_reason r)
{
	if (r == IMG_R_PLAN)
		kprintf("resume: refused: %s at frame 0x%lx (%s)\n", img_reason_str(r),
			snap_restore_outside(), d->name);
	else
		kprintf("resume: refused: %s (%s)\n", img_reason_str(r), d->name);
	if (img_reason_class(r) == IMG_C_INVALIDATE)
		invalidate(d);
	else if (img_reason_hint(r)[0])
		kprintf("resume: %s: image kept; %s\n", d->name, img_reason_hint(r));
	else
		kprintf("resume: %s: image kept\n", d->name);
}

static void look_at(struct blk_dev *d, const struct img_header *now, uint8_t *area)
{
	uint64_t cap = d->sectors * d->sector_size;
	if (IMG_HEADER_AREA % d->sector_size || cap < IMG_HEADER_AREA)
		return;
	int st = snap_blk_read(d, 0, area, IMG_HEADER_AREA);
	if (st != BLK_OK) {
		kprintf("resume: %s: its first sectors cannot be read (%s); booting fresh\n",
			d->name, blk_status_name(st));
		return;
	}
	struct img_header h;
	unsigned notes;
	enum img_reason r = img_check_header(area, now, cap, &h, &notes);
	if (r == IMG_R_NONE)
		return;
	if (r != IMG_OK) {
		refuse(d, r);
		return;
	}
	for (unsigned bit = 1; bit <= notes; bit <<= 1)
		if (notes & bit)
			kprintf("resume: note: %s\n", img_note_str(bit));
	refuse(d, snap_restore(d, &h));
}

static void resume_scan(void)
{
	struct img_header now;
	uint8_t *area = NULL;
	for (unsigned i = 0; i < blk_count(); i++) {
		struct blk_dev *d = blk_get(i);
		if (!snap_is_partition(d))
			continue;
		if (!area) {
			area = kmalloc(IMG_HEADER_AREA);
			snap_identity(&now);
		}
		look_at(d, &now, area);
	}
	kfree(area);
}
INITCALL(resume_scan, INIT_LATE);
