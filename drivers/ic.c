/*
 * ic.c - the Integration Components framework (hv-vsc-protocols.md 2.1-
 * 2.3): receiving requests, version negotiation, answering.
 *
 * Every packet is copied out of the ring (vmbus_recv) before it is looked
 * at; a malformed one is logged with the channel and dropped, and the
 * host gets no answer to it.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "ic.h"

/* 2.8: 3 data pages and a control page in each direction. */
#define IC_RING_PAGES	4

/* Framework versions, newest first (2.3: Linux offers 3.0 and 1.0). */
static const struct ic_version frameworks[] = { { 3, 0 }, { 1, 0 } };

const struct ic_service *ic_service_of(const struct vmbus_channel *ch)
{
	return (const struct ic_service *)ch->drv;
}

int ic_probe(struct vmbus_channel *ch)
{
	struct ic_dev *d = kmalloc(sizeof(*d));
	memset(d, 0, sizeof(*d));
	d->svc = ic_service_of(ch);
	ch->priv = d;
	if (vmbus_open(ch, IC_RING_PAGES, IC_RING_PAGES) != 0) {
		ch->priv = NULL;
		kfree(d);
		return -1;
	}
	return 0;
}

/* Hibernation: nothing is in flight (ICs only answer, and a request
 * not answered yet is asked again by the host), so there is no suspend.
 * Resume opens the channel again; the host speaks first on every open
 * and negotiates anew (hv-vsc-protocols.md 2.2, 2.3). */
int ic_resume(struct vmbus_channel *ch)
{
	struct ic_dev *d = ch->priv;
	if (!d)
		return -1;
	d->negotiated = false;
	return vmbus_open(ch, IC_RING_PAGES, IC_RING_PAGES);
}

/* Nothing is in flight (ICs only answer); the state goes.  priv is
 * cleared first: an event that comes meanwhile finds no state. */
void ic_remove(struct vmbus_channel *ch)
{
	struct ic_dev *d = ch->priv;
	ch->priv = NULL;
	kfree(d);
}

static bool find(const struct ic_version *have, unsigned n, struct ic_version want)
{
	for (unsigned i = 0; i < n; i++)
		if (have[i].major == want.major && have[i].minor == want.minor)
			return true;
	return false;
}

/* 2.3: the first of our versions, in preference order, that the host
 * lists; counts 1 and 1 and the two choices, or counts 0 on failure. */
static uint32_t negotiate(struct vmbus_channel *ch, struct ic_dev *d, uint8_t *body,
			  uint32_t len, uint32_t *reply_len)
{
	struct ic_negotiate n;
	if (len < sizeof(n))
		return IC_E_FAIL;
	memcpy(&n, body, sizeof(n));
	uint32_t f = n.framework_count, m = n.service_count;
	if (f > IC_NEGOTIATE_MAX_VERSIONS || m > IC_NEGOTIATE_MAX_VERSIONS ||
	    sizeof(n) + 4 * (f + m) > len) {
		kprintf("ic: %s (relid %u): NEGOTIATE with %u+%u versions in %u bytes; refused\n",
			ch->name, ch->relid, f, m, len);
		return IC_E_FAIL;
	}
	struct ic_version host[2 * IC_NEGOTIATE_MAX_VERSIONS];
	memcpy(host, body + sizeof(n), 4 * (f + m));
	bool fw_ok = false, sv_ok = false;
	for (unsigned i = 0; i < ARRAY_SIZE(frameworks) && !fw_ok; i++)
		if (find(host, f, frameworks[i])) {
			d->framework = frameworks[i];
			fw_ok = true;
		}
	for (unsigned i = 0; i < d->svc->nversions && !sv_ok; i++)
		if (find(host + f, m, d->svc->versions[i])) {
			d->service = d->svc->versions[i];
			sv_ok = true;
		}
	memset(&n, 0, sizeof(n));
	if (fw_ok && sv_ok) {
		n.framework_count = 1;
		n.service_count = 1;
	}
	memcpy(body, &n, sizeof(n));
	memcpy(body + sizeof(n), &d->framework, 4);
	memcpy(body + sizeof(n) + 4, &d->service, 4);
	*reply_len = sizeof(n) + 8;
	if (!fw_ok || !sv_ok) {
		kprintf("ic: %s (relid %u): no common %s version with the host\n", ch->name,
			ch->relid, fw_ok ? "service" : "framework");
		return IC_E_FAIL;
	}
	d->negotiated = true;
	kprintf("ic: %s: framework %u.%u, service %u.%u\n", ch->name, d->framework.major,
		d->framework.minor, d->service.major, d->service.minor);
	return IC_S_OK;
}

static void drop(struct vmbus_channel *ch, struct ic_dev *d, const char *why)
{
	d->dropped++;
	ch->bad_packets++;
	kprintf("ic: %s (relid %u): %s; dropped\n", ch->name, ch->relid, why);
}

void ic_handle_packet(struct vmbus_channel *ch, struct ic_dev *d, uint32_t len)
{
	struct vmbus_pkt_desc desc;
	struct ic_hdr h;
	memcpy(&desc, d->buf, sizeof(desc));
	uint32_t off = (uint32_t)desc.offset8 * 8;	/* checked by the ring */
	uint8_t *p = d->buf + off;
	uint32_t plen = len - off;

	if (desc.type != VMBUS_PKT_DATA_INBAND) {
		drop(ch, d, "packet not in-band");
		return;
	}
	if (plen < sizeof(h)) {
		drop(ch, d, "packet shorter than the IC header");
		return;
	}
	memcpy(&h, p, sizeof(h));
	if (h.pipe.flags != IC_PIPE_DATA || h.msg.size > plen - sizeof(h)) {
		drop(ch, d, "bad pipe header or message size");
		return;
	}
	if (!(h.msg.flags & IC_FLAG_REQUEST))
		return;		/* not a request: nothing to answer */
	d->requests++;
	uint8_t *body = p + sizeof(h);
	uint32_t blen = h.msg.size, reply_len = blen;
	uint32_t st;
	if (h.msg.type == IC_MSG_NEGOTIATE) {
		st = negotiate(ch, d, body, blen, &reply_len);
	} else if (!d->negotiated) {
		drop(ch, d, "request before NEGOTIATE");
		return;
	} else if (h.msg.type != d->svc->msg_type) {
		st = IC_E_FAIL;		/* another service's message: refuse */
	} else {
		st = d->svc->handle(ch, body, blen, &reply_len);
	}
	if (reply_len > IC_BUF - off - sizeof(h))
		reply_len = blen;
	h.msg.size = (uint16_t)reply_len;
	h.msg.status = st;
	h.msg.flags = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
	if (d->negotiated) {
		h.msg.framework = d->framework;
		h.msg.service = d->service;
	}
	/* Echo at least what the host sent (2.2): its pipe header's length,
	 * not the packet's, whose last bytes may be padding to 8. */
	uint32_t sent = h.pipe.msgsize < plen - sizeof(h.pipe) ?
			(uint32_t)sizeof(h.pipe) + h.pipe.msgsize : plen;
	uint32_t total = (uint32_t)sizeof(h) + reply_len;
	if (total < sent)
		total = sent;
	h.pipe.msgsize = total - (uint32_t)sizeof(h.pipe);
	memcpy(p, &h, sizeof(h));
	if (vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, desc.trans_id, p, total) == 0)
		d->answered++;
	else
		kprintf("ic: %s: could not answer (ring full or closed)\n", ch->name);
}

void ic_event(struct vmbus_channel *ch)
{
	struct ic_dev *d = ch->priv;
	uint32_t len;
	int r;
	if (!d)
		return;
	while ((r = vmbus_recv(ch, d->buf, IC_BUF, &len)) == VMBUS_RING_OK)
		ic_handle_packet(ch, d, len);
	if (r >= 0)
		vmbus_recv_done(ch);
}
