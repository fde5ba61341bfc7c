/*
 * channel.c - opening and closing channels (6.10), and moving packets
 * through their rings with the signalling rules (6.8, 7.2, 7.3).
 *
 * The two rings are one allocation of volatile frames (shared with the
 * host, rebuilt after resume, never saved), outbound ring first, covered
 * by one GPADL.  Signals to the host are HvSignalEvent on the channel's
 * connection id (no monitor pages were given at contact).
 */
#include <string.h>

#include "../hv/hv.h"
#include "../kernel/kernel.h"
#include "vmbus.h"

static void free_rings(struct vmbus_channel *ch)
{
	if (ch->ring_pa)
		page_free(ch->ring_pa, ch->ring_pages);
	ch->ring_pa = 0;
	ch->ring_pages = 0;
}

int vmbus_open(struct vmbus_channel *ch, uint32_t out_pages, uint32_t in_pages)
{
	/* Each ring: a control page and at least one data page (7.1). */
	if (ch->state != VMBUS_CH_OFFERED || ch->dead || out_pages < 2 || in_pages < 2)
		return -1;
	ch->ring_pages = out_pages + in_pages;
	ch->out_pages = out_pages;
	ch->ring_pa = page_alloc(ch->ring_pages, FRAME_VOLATILE);
	uint8_t *base = (uint8_t *)ch->ring_pa;
	uint8_t *inb = base + (uint64_t)out_pages * PAGE_SIZE;
	vmbus_ring_ctl_prepare((struct vmbus_ring_ctl *)base, VMBUS_RING_FEAT_PENDING_SEND_SZ);
	vmbus_ring_ctl_prepare((struct vmbus_ring_ctl *)inb, VMBUS_RING_FEAT_PENDING_SEND_SZ);
	if (vmbus_ring_init(&ch->out, (struct vmbus_ring_ctl *)base, base + PAGE_SIZE,
			    (out_pages - 1) * (uint32_t)PAGE_SIZE, false) != VMBUS_RING_OK ||
	    vmbus_ring_init(&ch->in, (struct vmbus_ring_ctl *)inb, inb + PAGE_SIZE,
			    (in_pages - 1) * (uint32_t)PAGE_SIZE, true) != VMBUS_RING_OK)
		goto no_gpadl;
	int g = vmbus_gpadl_create(ch, ch->ring_pa, ch->ring_pages, &ch->gpadl);
	if (g == VMBUS_GPADL_REFUSED) {
		ch->gpadl = 0;
		goto no_gpadl;
	}
	if (g != 0)
		goto give_back;		/* the host may hold the GPADL */

	struct vmbus_msg_open_channel m;
	memset(&m, 0, sizeof(m));
	m.hdr.type = VMBUS_MSG_OPENCHANNEL;
	m.child_relid = ch->relid;
	m.openid = ch->relid;
	m.ring_gpadl = ch->gpadl;
	m.target_vp = 0;
	m.downstream_ring_pageoffset = out_pages;
	/* The state goes to OPEN before the answer: the host may send the
	 * first packet (ICs do) right behind OPENCHANNEL_RESULT. */
	ch->state = VMBUS_CH_OPEN;
	if (vmbus_request(&m, sizeof(m), VMBUS_MSG_OPENCHANNEL_RESULT, ch->relid, ch) != 0) {
		/* No answer, or a rescind: the host may have opened it. */
		struct vmbus_msg_close_channel c;
		memset(&c, 0, sizeof(c));
		c.hdr.type = VMBUS_MSG_CLOSECHANNEL;
		c.child_relid = ch->relid;
		vmbus_post(&c, sizeof(c));
		goto give_back;
	}
	const struct vmbus_msg_open_result *r = (const void *)vmbus.reply.msg;
	if (r->status != 0) {
		kprintf("vmbus: %s (relid %u): the host refused to open it (status 0x%x)\n",
			ch->name, ch->relid, r->status);
		goto give_back;
	}
	return 0;
give_back:
	ch->state = VMBUS_CH_OFFERED;
	vmbus_put_rings(ch);
	return -1;
no_gpadl:
	free_rings(ch);
	return -1;
}

/* The ring GPADL goes, then the pages: only after GPADL_TORNDOWN are
 * they ours again (6.9).  Without it they stay allocated and ch->gpadl
 * keeps the handle (a leak is safer than a page the host still writes). */
void vmbus_put_rings(struct vmbus_channel *ch)
{
	if (ch->gpadl) {
		if (vmbus_gpadl_teardown(ch, ch->gpadl) != 0)
			return;
		ch->gpadl = 0;
	}
	free_rings(ch);
}

/* CLOSECHANNEL has no answer; then the ring GPADL goes (6.10).  Only
 * after GPADL_TORNDOWN are the pages ours again; without it they stay
 * allocated (a leak is safer than a page the host still writes). */
void vmbus_close(struct vmbus_channel *ch)
{
	if (ch->state != VMBUS_CH_OPEN && ch->state != VMBUS_CH_FAILED)
		return;
	struct vmbus_msg_close_channel m;
	memset(&m, 0, sizeof(m));
	m.hdr.type = VMBUS_MSG_CLOSECHANNEL;
	m.child_relid = ch->relid;
	vmbus_post(&m, sizeof(m));
	ch->state = VMBUS_CH_OFFERED;
	vmbus_put_rings(ch);
}

void vmbus_channel_fail(struct vmbus_channel *ch, const char *why)
{
	if (ch->dead)
		return;
	kprintf("vmbus: %s (relid %u): %s; channel closed\n", ch->name, ch->relid, why);
	ch->dead = true;
	ch->bad_packets++;
	if (ch->state == VMBUS_CH_OPEN)
		ch->state = VMBUS_CH_FAILED;
	vmbus.work = true;	/* closing waits for the host: vmbus_poll does it */
}

static void signal_host(struct vmbus_channel *ch)
{
	int st = hv_signal_event(ch->conn_id, 0);
	if (st != HV_STATUS_SUCCESS)
		kprintf("vmbus: %s: HvSignalEvent(0x%x): %s\n", ch->name, ch->conn_id,
			hv_status_name(st));
}

/* Header and payload into the outbound ring, then the signal 7.2 asks
 * for: 0; -1 when the channel is unusable; -2 when the ring is full now
 * (the caller may retry later). */
static int send_pieces(struct vmbus_channel *ch, const void *hdr, uint32_t hdr_len,
		       const void *data, uint32_t len)
{
	bool sig;
	struct vmbus_ring_piece pieces[2] = { { hdr, hdr_len }, { data, len } };
	uint64_t f = irq_save();	/* one writer: the interrupt path sends too */
	int r = vmbus_ring_write(&ch->out, pieces, 2, false, &sig);
	irq_restore(f);
	if (vmbus_ring_corrupt(r)) {
		vmbus_channel_fail(ch, vmbus_ring_strerror(r));
		return -1;
	}
	if (r != VMBUS_RING_OK)
		return -2;
	ch->packets_out++;
	if (sig)
		signal_host(ch);
	return 0;
}

int vmbus_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t xid,
	       const void *data, uint32_t len)
{
	struct vmbus_pkt_desc d;
	if (ch->state != VMBUS_CH_OPEN || ch->dead)
		return -1;
	int r = type == VMBUS_PKT_COMP ? vmbus_pkt_completion(&d, xid, len)
				       : vmbus_pkt_inband(&d, xid, flags, len);
	if (r != VMBUS_RING_OK)
		return -1;
	return send_pieces(ch, &d, sizeof(d), data, len);
}

/* One GPA-direct packet (8.3): the descriptor and range list are built
 * in the caller's scratch (hdr, cap bytes), then data follows them. */
int vmbus_send_gpa(struct vmbus_channel *ch, uint64_t xid, const struct vmbus_gpa_buf *buf,
		   void *hdr, uint32_t cap, const void *data, uint32_t len)
{
	uint32_t hdr_len;
	if (ch->state != VMBUS_CH_OPEN || ch->dead)
		return -1;
	int r = vmbus_pkt_gpa_direct(hdr, cap, xid, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, buf, 1,
				     len, &hdr_len);
	if (r != VMBUS_RING_OK)
		return -1;
	return send_pieces(ch, hdr, hdr_len, data, len);
}

int vmbus_recv(struct vmbus_channel *ch, void *buf, uint32_t cap, uint32_t *len)
{
	if (ch->state != VMBUS_CH_OPEN || ch->dead)
		return VMBUS_RING_EMPTY;
	int r = vmbus_ring_read(&ch->in, buf, cap, len);
	if (vmbus_ring_corrupt(r)) {
		vmbus_channel_fail(ch, vmbus_ring_strerror(r));
		return -1;
	}
	if (r == VMBUS_RING_NOSPACE) {
		/* Larger than any packet this driver takes: skip it whole. */
		kprintf("vmbus: %s: %u-byte packet larger than its %u-byte buffer\n",
			ch->name, *len, cap);
		vmbus_channel_fail(ch, "oversized packet from the host");
		return -1;
	}
	if (r == VMBUS_RING_OK)
		ch->packets_in++;
	return r;
}

void vmbus_recv_done(struct vmbus_channel *ch)
{
	if (ch->state == VMBUS_CH_OPEN && vmbus_ring_commit_read(&ch->in))
		signal_host(ch);
}

/* SIEF bit 'relid' was set: that channel's inbound ring has data. */
void vmbus_on_event(unsigned relid)
{
	struct vmbus_channel *ch = vmbus_by_relid(relid);
	if (!ch || ch->state != VMBUS_CH_OPEN || ch->dead || !ch->drv || !ch->drv->on_event)
		return;		/* spurious bits are allowed (6.8) */
	ch->drv->on_event(ch);
}
