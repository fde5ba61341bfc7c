/*
 * balloon.c - the Dynamic Memory VSC (hv-vsc-protocols.md section 3):
 * version negotiation newest first (3.1, 3.4), the capabilities report,
 * then a status report every second (3.5) from the frame allocator's
 * counts: free frames are available, owned and volatile ones committed.
 * The host's requests are handled in balloon_ops.c.
 *
 * Host messages are copied out of the ring (vmbus_recv) before they are
 * looked at, checked against the size their type needs, and dropped with
 * a log line naming the channel when they are wrong.  The interrupt only
 * notes that packets wait; the kernel's context reads them (balloon.h).
 */
#include <string.h>

#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "balloon.h"

/* 3.4: 2.0, then 1.0, then 0.3 as the last attempt. */
static const uint32_t versions[] = { DM_VERSION_WIN10, DM_VERSION_WIN8, DM_VERSION_WIN7 };
#define DM_WAIT_NS	(5000ull * 1000 * 1000)	/* 3.4: Linux waits 5 s */

/* One device: Hyper-V offers one Dynamic Memory channel per VM. */
static struct balloon_dev *dev;

struct balloon_dev *balloon_device(void)
{
	return dev;
}

int balloon_send(struct balloon_dev *b, void *msg, uint16_t type, uint32_t size)
{
	struct dm_hdr h = { .type = type, .size = (uint16_t)size, .trans_id = ++b->next_trans };
	memcpy(msg, &h, sizeof(h));
	/* 3.4: in-band, no completion, VMBus transaction id 0 */
	int r = vmbus_send(b->ch, VMBUS_PKT_DATA_INBAND, 0, 0, msg, size);
	if (r != 0)
		kprintf("balloon: %s: could not send message type %u (%s)\n", b->ch->name, type,
			r == -2 ? "ring full" : "channel closed");
	return r;
}

/* Free frames are available; owned and volatile ones are committed
 * (the rule; Linux also counts ballooned pages as committed). */
void balloon_report(struct balloon_dev *b)
{
	struct dm_status *s = (struct dm_status *)b->out;
	memset(s, 0, sizeof(*s));
	s->num_avail = b->fm->count[FRAME_FREE];
	s->num_committed = b->fm->count[FRAME_OWNED] + b->fm->count[FRAME_VOLATILE];
	if (balloon_send(b, s, DM_STATUS_REPORT, sizeof(*s)) == 0)
		b->reports++;
}

static void drop(struct balloon_dev *b, const char *why, uint32_t a)
{
	b->bad++;
	b->ch->bad_packets++;
	kprintf("balloon: %s (relid %u): %s (%u); dropped\n", b->ch->name, b->ch->relid, why, a);
}

/* VERSION_RESPONSE or CAPS_RESPONSE while one is awaited. */
static void response(struct balloon_dev *b, const uint8_t *m, uint32_t len, uint16_t type)
{
	struct dm_accept a;
	uint16_t want = b->state == BAL_VERSION ? DM_VERSION_RESPONSE : DM_CAPS_RESPONSE;
	if (type != want || b->answered || len < sizeof(a)) {
		drop(b, "unexpected or short response", type);
		return;
	}
	memcpy(&a, m, sizeof(a));
	b->accepted = a.flags & DM_ACCEPTED;
	b->answered = true;
}

static void info(struct balloon_dev *b, const uint8_t *m, uint32_t len, uint16_t type)
{
	(void)m;
	(void)len;
	(void)type;
	(void)b;	/* 3.6: INFO_MESSAGE is only informative */
}

/* Requests need a running device; responses an awaited answer. */
static const struct {
	uint32_t min;
	bool running;
	void (*fn)(struct balloon_dev *b, const uint8_t *m, uint32_t len, uint16_t type);
} handlers[DM_NTYPES] = {
	[DM_VERSION_RESPONSE] = { sizeof(struct dm_accept), false, response },
	[DM_CAPS_RESPONSE] = { sizeof(struct dm_accept), false, response },
	[DM_BALLOON_REQUEST] = { sizeof(struct dm_balloon_request), true, NULL },
	[DM_UNBALLOON_REQUEST] = { sizeof(struct dm_unballoon_request), true, NULL },
	[DM_HOT_ADD_REQUEST] = { DM_HOT_ADD_MIN, true, NULL },
	[DM_INFO_MESSAGE] = { sizeof(struct dm_info), true, info },
};

static void request(struct balloon_dev *b, const uint8_t *m, uint32_t len, uint16_t type)
{
	if (type == DM_BALLOON_REQUEST)
		balloon_up(b, m, len);
	else if (type == DM_UNBALLOON_REQUEST)
		balloon_down(b, m, len);
	else
		balloon_hot_add(b, m, len);
}

void balloon_packet(struct balloon_dev *b, uint32_t len)
{
	struct vmbus_pkt_desc desc;
	struct dm_hdr h;
	memcpy(&desc, b->in, sizeof(desc));
	uint32_t off = (uint32_t)desc.offset8 * 8;	/* checked by the ring */
	const uint8_t *m = b->in + off;
	uint32_t plen = len - off;

	if (desc.type == VMBUS_PKT_COMP)
		return;		/* completions carry nothing for this protocol */
	if (desc.type != VMBUS_PKT_DATA_INBAND) {
		drop(b, "packet not in-band", desc.type);
		return;
	}
	if (plen < sizeof(h)) {
		drop(b, "packet shorter than the DM header", plen);
		return;
	}
	memcpy(&h, m, sizeof(h));
	/* The header's size is the message; the packet may be padded to 8. */
	if (h.size < sizeof(h) || h.size > plen) {
		drop(b, "DM header size outside the packet", h.size);
		return;
	}
	if (h.type >= DM_NTYPES || !handlers[h.type].min) {
		drop(b, "unknown or guest-to-host message type", h.type);
		return;
	}
	if (h.size < handlers[h.type].min) {
		drop(b, "message shorter than its type", h.size);
		return;
	}
	if (handlers[h.type].running != (b->state == BAL_RUNNING)) {
		drop(b, "message out of order", h.type);
		return;
	}
	if (handlers[h.type].fn)
		handlers[h.type].fn(b, m, h.size, h.type);
	else
		request(b, m, h.size, h.type);
}

void balloon_drain(struct balloon_dev *b)
{
	uint32_t len;
	int r;
	b->work = false;
	while ((r = vmbus_recv(b->ch, b->in, sizeof(b->in), &len)) == VMBUS_RING_OK)
		balloon_packet(b, len);
	if (r >= 0)
		vmbus_recv_done(b->ch);
}

/* vmbus_wait condition: read what came (the kernel's context), stop when
 * the awaited answer is there or the channel died. */
static bool answered(void *arg)
{
	struct balloon_dev *b = arg;
	if (b->work)
		balloon_drain(b);
	return b->answered || b->ch->dead;
}

static bool ask(struct balloon_dev *b, void *msg, uint16_t type, uint32_t size)
{
	b->answered = b->accepted = false;
	if (balloon_send(b, msg, type, size) != 0)
		return false;
	vmbus_wait(answered, b, DM_WAIT_NS);
	return b->answered && b->accepted;
}

static bool negotiate(struct balloon_dev *b)
{
	for (unsigned i = 0; i < ARRAY_SIZE(versions); i++) {
		struct dm_version_request *q = (struct dm_version_request *)b->out;
		b->version = versions[i];
		q->version = versions[i];
		q->flags = i + 1 == ARRAY_SIZE(versions) ? DM_VERSION_LAST_ATTEMPT : 0;
		if (ask(b, q, DM_VERSION_REQUEST, sizeof(*q)))
			return true;
		if (!b->answered)
			return false;
		kprintf("balloon: host refused version %u.%u\n", versions[i] >> 16,
			versions[i] & 0xffff);
	}
	return false;
}

/* 3.4, 3.7: balloon and hot-add advertised even with S4 (the older VSP
 * rejects a report without them) and refused per request instead;
 * alignment 2^7 MiB as Linux without memory-block information; the
 * page limits are what Windows sends ("the host does not use them"). */
static bool report_caps(struct balloon_dev *b)
{
	struct dm_caps_report *c = (struct dm_caps_report *)b->out;
	b->state = BAL_CAPS;
	c->caps = DM_CAP_BALLOON | DM_CAP_HOT_ADD | (7ull << DM_CAP_ALIGN_SHIFT);
	c->min_page_count = 0;
	c->max_page_number = ~0ull;
	return ask(b, c, DM_CAPS_REPORT, sizeof(*c));
}

/* Open the channel and run the handshake (3.4): versions, capabilities.
 * 0 with the device running, or -1 with the channel closed again. */
static int start(struct balloon_dev *b)
{
	struct vmbus_channel *ch = b->ch;
	b->state = BAL_VERSION;
	b->work = false;
	if (vmbus_open(ch, DM_RING_PAGES, DM_RING_PAGES) != 0)
		return -1;
	if (!negotiate(b)) {
		kprintf("balloon: %s: no protocol version the host accepts\n", ch->name);
		goto fail;
	}
	if (!report_caps(b)) {
		/* 3.4: not accepted, the guest must shut the service down */
		kprintf("balloon: %s: the host did not accept the capabilities\n", ch->name);
		goto fail;
	}
	b->state = BAL_RUNNING;
	b->next_report_ns = time_ns();
	return 0;
fail:
	vmbus_close(ch);
	return -1;
}

static int probe(struct vmbus_channel *ch)
{
	struct balloon_dev *b = kmalloc(sizeof(*b));
	memset(b, 0, sizeof(*b));
	b->ch = ch;
	b->fm = &frames;
	b->hot_add = mem_hot_add;
	b->hibernation = acpi.s4;
	ch->priv = b;
	if (start(b) != 0) {
		ch->priv = NULL;
		kfree(b);
		return -1;
	}
	dev = b;
	kprintf("balloon: protocol %u.%u, %s\n", b->version >> 16, b->version & 0xffff,
		b->hibernation ? "ACPI S4 present: pressure reports only, no ballooning or hot-add"
			       : "ballooning and hot-add allowed (no ACPI S4)");
	return 0;
}

/* Hibernation: nothing is in flight (requests are answered in the
 * kernel's context, one at a time), so there is no suspend; the reports
 * stop while the channel is closed (balloon_poll).  Resume runs the
 * handshake again: the host (maybe a new one) starts from nothing. */
static int resume(struct vmbus_channel *ch)
{
	struct balloon_dev *b = ch->priv;
	if (!b)
		return -1;
	b->unballooning = false;
	return start(b);
}

static void remove(struct vmbus_channel *ch)
{
	struct balloon_dev *b = ch->priv;
	ch->priv = NULL;
	if (dev == b)
		dev = NULL;
	/* Lent frames stay lent: the host still has them. */
	kfree(b);
}

static void event(struct vmbus_channel *ch)
{
	struct balloon_dev *b = ch->priv;
	if (b)
		b->work = true;
}

/* Deferred work: the host's messages, then the report when it is due. */
static void balloon_poll(void)
{
	struct balloon_dev *b = dev;
	if (!b || b->ch->dead || b->ch->state != VMBUS_CH_OPEN)
		return;		/* gone, or closed for hibernation */
	if (b->work)
		balloon_drain(b);
	uint64_t now = time_ns();
	if (now >= b->next_report_ns) {
		balloon_report(b);
		/* Never two within a second (3.5), and no burst after a stall. */
		b->next_report_ns += BALLOON_REPORT_NS;
		if (b->next_report_ns <= now)
			b->next_report_ns = now + BALLOON_REPORT_NS;
	}
}

static const struct vmbus_driver balloon = {
	.name = "balloon", .class_id = VMBUS_CLASS_BALLOON, .probe = probe,
	.remove = remove, .resume = resume, .on_event = event,
};

static void balloon_init(void)
{
	poll_add(balloon_poll);
	vmbus_register_driver(&balloon);
}
INITCALL(balloon_init, INIT_DRIVERS);
