/*
 * gpadl.c - guest physical address descriptor lists (6.9).
 *
 * A GPADL names a list of guest pages the host may map.  The header
 * message carries the first 26 page numbers, each body message up to 28
 * more; all go back to back, then the guest waits for GPADL_CREATED with
 * its handle.  Handles are the guest's choice: non-zero and unique among
 * live GPADLs (a counter).
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "vmbus.h"

int vmbus_gpadl_create(struct vmbus_channel *ch, uint64_t pa, uint32_t pages, uint32_t *handle)
{
	struct vmbus_msg_gpadl_header h;
	struct vmbus_msg_gpadl_body b;
	uint32_t first = pages < VMBUS_GPADL_HEADER_MAX_PFN ? pages : VMBUS_GPADL_HEADER_MAX_PFN;

	if (pages == 0 || pages > VMBUS_GPADL_MAX_PFN || (pa & (VMBUS_PAGE_SIZE - 1)))
		return -1;
	if (++vmbus.next_gpadl == 0)
		vmbus.next_gpadl = 1;
	uint32_t id = vmbus.next_gpadl;
	uint64_t pfn = pa >> VMBUS_PAGE_SHIFT;

	memset(&h, 0, sizeof(h));
	h.hdr.type = VMBUS_MSG_GPADL_HEADER;
	h.child_relid = ch->relid;
	h.gpadl = id;
	h.range_buflen = (uint16_t)VMBUS_GPADL_RANGE_BUFLEN(pages);
	h.rangecount = 1;
	h.range.byte_count = pages * VMBUS_PAGE_SIZE;
	h.range.byte_offset = 0;
	for (uint32_t i = 0; i < first; i++)
		h.pfn[i] = pfn + i;
	struct vmbus_reply *r = &vmbus.reply;
	r->ready = false;
	r->type = VMBUS_MSG_GPADL_CREATED;
	r->key = id;		/* GPADL_CREATED is matched on the handle */
	*handle = id;
	if (vmbus_post(&h, VMBUS_GPADL_HEADER_SIZE(first)) != 0) {
		r->type = 0;
		kprintf("vmbus: %s: posting the GPADL failed\n", ch->name);
		return VMBUS_GPADL_REFUSED;	/* nothing reached the host */
	}
	for (uint32_t done = first; done < pages;) {
		uint32_t n = pages - done < VMBUS_GPADL_BODY_MAX_PFN ? pages - done
								      : VMBUS_GPADL_BODY_MAX_PFN;
		memset(&b, 0, sizeof(b));
		b.hdr.type = VMBUS_MSG_GPADL_BODY;
		b.gpadl = id;
		for (uint32_t i = 0; i < n; i++)
			b.pfn[i] = pfn + done + i;
		if (vmbus_post(&b, VMBUS_GPADL_BODY_SIZE(n)) != 0) {
			r->type = 0;
			kprintf("vmbus: %s: posting the GPADL failed\n", ch->name);
			return VMBUS_GPADL_UNKNOWN;	/* the header went */
		}
		done += n;
	}
	if (!vmbus_wait(vmbus_reply_or_dead, ch, VMBUS_REQUEST_WAIT_NS) || !r->ready) {
		kprintf("vmbus: %s (relid %u): no GPADL_CREATED for handle %u%s\n", ch->name,
			ch->relid, id, ch->rescinded ? " (rescinded)" : "");
		r->type = 0;
		return VMBUS_GPADL_UNKNOWN;	/* it may still be created */
	}
	r->type = 0;
	const struct vmbus_msg_gpadl_created *c = (const void *)r->msg;
	if (c->child_relid != ch->relid || c->creation_status != 0) {
		kprintf("vmbus: %s (relid %u): GPADL %u refused by the host (status 0x%x)\n",
			ch->name, ch->relid, id, c->creation_status);
		return VMBUS_GPADL_REFUSED;
	}
	return 0;
}

int vmbus_gpadl_teardown(struct vmbus_channel *ch, uint32_t handle)
{
	struct vmbus_msg_gpadl_teardown m;
	memset(&m, 0, sizeof(m));
	m.hdr.type = VMBUS_MSG_GPADL_TEARDOWN;
	m.child_relid = ch->relid;
	m.gpadl = handle;
	/* GPADL_TORNDOWN carries the handle at offset 8. */
	int r = vmbus_request(&m, sizeof(m), VMBUS_MSG_GPADL_TORNDOWN, handle, NULL);
	if (r)
		kprintf("vmbus: %s (relid %u): GPADL %u not torn down; its pages stay "
			"unused\n", ch->name, ch->relid, handle);
	return r;
}
