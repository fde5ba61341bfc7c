/*
 * ic_host.c - the host's side of the util Integration Components
 * (hv-vsc-protocols.md section 2): it speaks first on every IC channel
 * (NEGOTIATE), then sends heartbeats every second, a time SYNC after
 * negotiation and SAMPLEs every 5 s, and shutdown requests when the
 * administrator asks.  It checks the guest's answers as OpenVMM's host
 * does: transaction id echoed, TRANSACTION and RESPONSE both set.
 */
#include <string.h>

#include "hvsim.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"
#include "devhost.h"

#define SECOND		10000000ull	/* reference time: 100 ns units */
#define HEARTBEAT_EVERY	SECOND
#define SAMPLE_EVERY	(5 * SECOND)

/* The period, or the administrator's `icstorm` one. */
static uint64_t every(uint64_t normal)
{
	return vbhost->ic_every ? vbhost->ic_every : normal;
}


/* A request: pipe header, icmsg_hdr, body; one in-band packet. */
static int send_ic(struct vbh_chan *c, uint16_t type, const void *body, uint16_t n)
{
	uint8_t p[IC_BODY + IC_KVP_BODY];
	if (n > sizeof(p) - IC_BODY)
		return -1;
	memset(p, 0, IC_BODY);
	vbh_put32(p, IC_PIPE_FLAGS, 1);
	vbh_put32(p, IC_PIPE_SIZE, (uint32_t)(IC_BODY - IC_HDR + n));
	if (c->ic.negotiated) {
		vbh_put16(p, IC_FRAME_MAJ, c->ic.frame[0]);
		vbh_put16(p, IC_FRAME_MIN, c->ic.frame[1]);
		vbh_put16(p, IC_MSG_MAJ, c->ic.svc[0]);
		vbh_put16(p, IC_MSG_MIN, c->ic.svc[1]);
	}
	vbh_put16(p, IC_TYPE, type);
	vbh_put16(p, IC_SIZE, n);
	p[IC_XID] = ++c->ic.next_xid;
	p[IC_FLAGS] = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
	memcpy(p + IC_BODY, body, n);
	if (vbh_ring_write(c, VB_PKT_INBAND, 0, c->ic.next_xid, p, IC_BODY + n) != 0)
		return -1;
	c->ic.pending++;
	return 0;
}

int ic_send(struct vbh_chan *c, uint16_t type, const void *body, uint16_t n)
{
	return send_ic(c, type, body, n);
}

static void ic_opened(struct vbh_chan *c)
{
	const struct vbh_device *d = c->dev;
	uint8_t b[8 + 4 * 6];
	unsigned n = 0;
	static const uint16_t frames[][2] = { { 1, 0 }, { 3, 0 } };

	if (d->ic_type < 0)
		return;
	memset(b, 0, sizeof(b));
	vbh_put16(b, 0, 2);
	vbh_put16(b, 2, (uint16_t)d->nsvc);
	for (unsigned i = 0; i < 2; i++, n++) {
		vbh_put16(b, 8 + 4 * n, frames[i][0]);
		vbh_put16(b, 10 + 4 * n, frames[i][1]);
	}
	for (int i = 0; i < d->nsvc; i++, n++) {
		vbh_put16(b, 8 + 4 * n, d->svc_versions[i][0]);
		vbh_put16(b, 10 + 4 * n, d->svc_versions[i][1]);
	}
	send_ic(c, IC_NEGOTIATE, b, (uint16_t)(8 + 4 * n));
}

static uint64_t filetime_now(void)
{
	return vbhost->wall_base + hvsim_ref_time() +
	       (uint64_t)(vbhost->wall_offset * (int64_t)SECOND);
}

static int send_time(struct vbh_chan *c, uint8_t flags)
{
	uint8_t b[28];
	uint64_t ref = hvsim_ref_time(), wall = filetime_now();
	memset(b, 0, sizeof(b));
	memcpy(b, &wall, 8);
	if (c->ic.svc[0] >= 4) {
		memcpy(b + 8, &ref, 8);		/* vm_reference_time */
		b[16] = flags;
		return send_ic(c, IC_TIMESYNC, b, IC_TS_V4_BODY);
	}
	b[24] = flags;			/* the pre-4.0 layout */
	return send_ic(c, IC_TIMESYNC, b, 25);
}

/* Which versions did the guest pick?  Counts 1 and 1, then the two. */
static void negotiated(struct vbh_chan *c, const uint8_t *p, uint32_t n)
{
	if (n < IC_BODY + 16 || vbh_get16(p, IC_BODY) != 1 || vbh_get16(p, IC_BODY + 2) != 1 ||
	    vbh_get32(p, IC_STATUS) != IC_S_OK) {
		c->ic.refused++;
		if (vbhost->log)
			vbhost->log("vmbus host: %s: the guest found no common version",
				    c->dev->name);
		return;
	}
	c->ic.frame[0] = vbh_get16(p, IC_BODY + 8);
	c->ic.frame[1] = vbh_get16(p, IC_BODY + 10);
	c->ic.svc[0] = vbh_get16(p, IC_BODY + 12);
	c->ic.svc[1] = vbh_get16(p, IC_BODY + 14);
	c->ic.negotiated = true;
	uint64_t now = hvsim_ref_time();
	if (c->dev->ic_type == IC_HEARTBEAT)
		c->ic.next_due = now + every(HEARTBEAT_EVERY);
	if (c->dev->ic_type == IC_TIMESYNC) {
		send_time(c, IC_TS_SYNC);
		c->ic.next_due = now + every(SAMPLE_EVERY);
	}
	if (c->dev->ic_type == IC_KVP)
		kvp_host_negotiated(c);
}

static void ic_packet(struct vbh_chan *c, const uint8_t *pkt, uint32_t len)
{
	uint16_t off8;
	memcpy(&off8, pkt + 2, 2);
	uint32_t off = (uint32_t)off8 * 8;
	const uint8_t *p = pkt + off;
	uint32_t n = len - off;
	uint8_t xid;

	if (n < IC_BODY || vbh_get32(p, IC_PIPE_FLAGS) != 1) {
		c->bad_packets++;
		return;
	}
	xid = p[IC_XID];
	if ((p[IC_FLAGS] & (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE)) !=
	    (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE) || xid != c->ic.next_xid ||
	    n < IC_BODY + (uint32_t)vbh_get16(p, IC_SIZE)) {
		c->bad_packets++;
		if (vbhost->log)
			vbhost->log("vmbus host: %s: bad IC response (flags 0x%x, xid %u of %u)",
				    c->dev->name, p[IC_FLAGS], xid, c->ic.next_xid);
		return;
	}
	if (c->ic.pending)
		c->ic.pending--;
	c->ic.last_status = vbh_get32(p, IC_STATUS);
	switch (vbh_get16(p, IC_TYPE)) {
	case IC_NEGOTIATE:
		negotiated(c, p, n);
		return;
	case IC_KVP:
		kvp_host_response(c, p, n);
		return;
	case IC_HEARTBEAT: {
		uint64_t seq;
		memcpy(&seq, p + IC_BODY, 8);
		if (seq == c->ic.seq + 1 && c->ic.last_status == IC_S_OK) {
			c->ic.answered++;
			vbhost->heartbeats++;
		}
		else
			c->bad_packets++;
		return;
	}
	default:
		if (c->ic.last_status == IC_S_OK) {
			c->ic.answered++;
			/* The administrator sees what the guest said to a request. */
			if (c->dev->ic_type == IC_SHUTDOWN && vbhost->log)
				vbhost->log("vmbus host: shutdown: the guest accepted the request");
		} else {
			c->ic.refused++;
			if (vbhost->log)
				vbhost->log("vmbus host: %s: the guest answered status 0x%08x",
					    c->dev->name, c->ic.last_status);
		}
	}
}

static void ic_timer(struct vbh_chan *c, uint64_t now)
{
	if (!c->ic.negotiated || !c->ic.next_due || now < c->ic.next_due)
		return;
	/* A storm sends as fast as the guest answers: one transaction at a
	 * time (the xid check above expects the latest). */
	if (vbhost->ic_every && c->ic.pending) {
		c->ic.next_due = now + vbhost->ic_every;
		return;
	}
	if (c->dev->ic_type == IC_HEARTBEAT) {
		uint8_t b[40];
		memset(b, 0, sizeof(b));
		c->ic.seq += 100;
		memcpy(b, &c->ic.seq, 8);
		send_ic(c, IC_HEARTBEAT, b, sizeof(b));
		c->ic.next_due = now + every(HEARTBEAT_EVERY);
	} else if (c->dev->ic_type == IC_TIMESYNC) {
		send_time(c, IC_TS_SAMPLE);
		c->ic.next_due = now + every(SAMPLE_EVERY);
	} else if (c->dev->ic_type == IC_KVP) {
		kvp_host_timer(c);
	}
}

static uint64_t ic_due(const struct vbh_chan *c)
{
	return c->ic.next_due;
}

const struct vbh_ops ic_ops = {
	.opened = ic_opened,
	.packet = ic_packet,
	.timer = ic_timer,
	.due = ic_due,
};

static struct vbh_chan *ic_chan(int type)
{
	for (unsigned i = 0; i < VBH_CHANNELS; i++) {
		struct vbh_chan *c = &vbhost->chan[i];
		if (c->state == VBH_OPEN && c->dev->ic_type == type && c->ic.negotiated)
			return c;
	}
	return NULL;
}

int ic_shutdown(unsigned flags)
{
	struct vbh_chan *c = ic_chan(IC_SHUTDOWN);
	uint8_t b[IC_SHUTDOWN_BODY];
	if (!c)
		return -1;
	memset(b, 0, sizeof(b));
	vbh_put32(b, 0, 0x80000000u);	/* SHTDN_REASON_FLAG_PLANNED, as OpenVMM */
	vbh_put32(b, 8, flags);
	return send_ic(c, IC_SHUTDOWN, b, sizeof(b));
}

int ic_time_sync(void)
{
	struct vbh_chan *c = ic_chan(IC_TIMESYNC);
	return c ? send_time(c, IC_TS_SYNC) : -1;
}

uint64_t ic_heartbeats_answered(void)
{
	return vbhost->heartbeats;
}
