/*
 * kvp_host.c - the host's side of KVP (hv-vsc-protocols.md 2.7), as a
 * Hyper-V host reads a guest's intrinsic data: after negotiation it
 * enumerates the auto pool from index 0 until the guest answers "no more
 * items", one request at a time, and keeps the pairs for `kvp`.  Then it
 * tries one SET into the external pool, which dormant refuses.  The
 * guest's strings are UTF-16; the host keeps their ASCII, and '?' for
 * anything else.
 */
#include <string.h>

#include "devhost.h"
#include "hvsim.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"

/* The host's copy of the KVP body layout */
#define KV_OP_SET	1
#define KV_OP_ENUM	3
#define KV_POOL_EXT	0
#define KV_POOL_AUTO	2
#define KV_INDEX	4		/* enumerate: u32 index */
#define KV_DATA_ENUM	8		/* enumerate: the value struct */
#define KV_DATA_SET	4		/* set: the value struct */
#define KV_KEY_SIZE	4		/* in the value struct */
#define KV_VALUE_SIZE	8
#define KV_KEY		12
#define KV_VALUE	524
#define KV_KEY_MAX	512
#define KV_VALUE_MAX	2048
#define KV_S_CONT	0x80070103u
#define RETRY		10000		/* 1 ms of reference time */

#define V	(vbhost->kvp)

static void ascii(char *out, const uint8_t *u16, uint32_t size, uint32_t max)
{
	uint32_t n = 0;
	if (size > max)
		size = max;
	for (uint32_t i = 0; i + 1 < size && n < KH_TEXT - 1; i += 2) {
		uint16_t c = (uint16_t)(u16[i] | u16[i + 1] << 8);
		if (!c)
			break;
		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = 0;
}

static void try_set(struct vbh_chan *c);

static void enumerate(struct vbh_chan *c)
{
	uint8_t b[IC_KVP_BODY];
	memset(b, 0, sizeof(b));
	b[0] = KV_OP_ENUM;
	b[1] = KV_POOL_AUTO;
	vbh_put32(b, KV_INDEX, V.next_index);
	/* The guest commits its reads only after a batch, so a request sent
	 * while it answers the last may not fit yet: try again shortly. */
	if (ic_send(c, IC_KVP, b, sizeof(b)) != 0)
		c->ic.next_due = hvsim_ref_time() + RETRY;
}

void kvp_host_timer(struct vbh_chan *c)
{
	c->ic.next_due = 0;
	if (V.enumerating)
		enumerate(c);
	else if (V.set_pending)
		try_set(c);
}

static void try_set(struct vbh_chan *c)
{
	uint8_t b[IC_KVP_BODY];
	static const char key[] = "HostName", val[] = "hvsim";
	memset(b, 0, sizeof(b));
	b[0] = KV_OP_SET;
	b[1] = KV_POOL_EXT;
	vbh_put32(b, KV_DATA_SET, 1);
	vbh_put32(b, KV_DATA_SET + KV_KEY_SIZE, 2 * sizeof(key));
	vbh_put32(b, KV_DATA_SET + KV_VALUE_SIZE, 2 * sizeof(val));
	for (unsigned i = 0; i < sizeof(key); i++)
		b[KV_DATA_SET + KV_KEY + 2 * i] = (uint8_t)key[i];
	for (unsigned i = 0; i < sizeof(val); i++)
		b[KV_DATA_SET + KV_VALUE + 2 * i] = (uint8_t)val[i];
	/* a SET body has no index */
	V.set_pending = ic_send(c, IC_KVP, b, sizeof(b) - 4) != 0;
	if (V.set_pending)
		c->ic.next_due = hvsim_ref_time() + RETRY;
}

void kvp_host_negotiated(struct vbh_chan *c)
{
	V.npairs = 0;
	V.next_index = 0;
	V.enumerating = true;
	V.set_answered = false;
	enumerate(c);
}

void kvp_host_response(struct vbh_chan *c, const uint8_t *p, uint32_t n)
{
	uint32_t st = vbh_get32(p, IC_STATUS);
	const uint8_t *b = p + IC_BODY;
	if (!V.enumerating) {
		V.set_status = st;
		V.set_answered = true;
		if (vbhost->log)
			vbhost->log("kvp host: SET answered with status 0x%08x", st);
		return;
	}
	if (st == 0 && n >= IC_BODY + IC_KVP_BODY && V.npairs < KH_PAIRS) {
		const uint8_t *d = b + KV_DATA_ENUM;
		ascii(V.key[V.npairs], d + KV_KEY, vbh_get32(d, KV_KEY_SIZE), KV_KEY_MAX);
		ascii(V.value[V.npairs], d + KV_VALUE, vbh_get32(d, KV_VALUE_SIZE), KV_VALUE_MAX);
		V.npairs++;
		V.next_index++;
		enumerate(c);
		return;
	}
	V.enumerating = false;
	if (vbhost->log)
		vbhost->log("kvp host: enumeration of the auto pool ended after %u pairs (status "
			    "0x%08x)", V.npairs, st);
	if (st == KV_S_CONT)
		try_set(c);
}

/* Start again (the `kvp` command): 0, or -1 when the service is not up. */
int kvp_host_enumerate(void)
{
	struct vbh_chan *c = vbh_find("kvp");
	if (!c || c->state != VBH_OPEN || !c->ic.negotiated || V.enumerating)
		return -1;
	kvp_host_negotiated(c);
	return 0;
}

/* An ENUMERATE whose body is 3 bytes: shorter than the KVP header. */
void kvp_fault_short(void)
{
	struct vbh_chan *c = vbh_find("kvp");
	uint8_t b[4] = { KV_OP_ENUM, KV_POOL_AUTO, 0, 0 };
	if (c && c->state == VBH_OPEN && c->ic.negotiated && !V.enumerating)
		ic_send(c, IC_KVP, b, 3);
}
