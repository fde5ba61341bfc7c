/*
 * hv_kbd.c - the Hyper-V synthetic keyboard VSC (hv-vsc-protocols.md
 * section 4): a Gen2 VM's keyboard, since it has no PS/2.  The guest asks
 * for protocol 1.0, the host accepts with an in-band PROTOCOL_RESPONSE
 * and then sends one EVENT per key press and release; the decoder
 * (kbd_decode.c) turns them into characters for the console input queue
 * (kernel/input.c), so they reach dormant_getc() beside COM1's.
 *
 * Events are read in the interrupt (or polled with interrupts off): the
 * input queue takes bytes from there.  Packets are copied out of the
 * ring before they are looked at; a bad one is logged with the channel
 * and dropped.
 */
#include <string.h>

#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../vmbus/vmbus.h"
#include "kbd.h"
#include "kbd_wire.h"

#define KBD_WAIT_NS	(5000ull * 1000 * 1000)	/* Linux waits 10 s; 5 is ample */

struct kbd_dev {
	struct vmbus_channel *ch;
	struct kbd_state keys;
	volatile bool answered, accepted;
	uint64_t events, chars, dropped;
	uint8_t buf[sizeof(struct vmbus_pkt_desc) + KBD_MSG_MAX];
};

static void drop(struct kbd_dev *k, const char *why, uint32_t a)
{
	k->dropped++;
	k->ch->bad_packets++;
	kprintf("keyboard: %s (relid %u): %s (%u); dropped\n", k->ch->name, k->ch->relid, why, a);
}

/* What each host message needs at least, and who handles it. */
static void on_response(struct kbd_dev *k, const uint8_t *m);
static void on_event(struct kbd_dev *k, const uint8_t *m);
static const struct {
	uint32_t min;
	void (*fn)(struct kbd_dev *k, const uint8_t *m);
} handlers[] = {
	[KBD_PROTOCOL_RESPONSE] = { sizeof(struct kbd_protocol_response), on_response },
	[KBD_EVENT] = { sizeof(struct kbd_event), on_event },
};

static void on_response(struct kbd_dev *k, const uint8_t *m)
{
	struct kbd_protocol_response r;
	memcpy(&r, m, sizeof(r));
	if (k->answered) {
		drop(k, "a second PROTOCOL_RESPONSE", r.status);
		return;
	}
	k->accepted = r.status & KBD_ACCEPTED;
	k->answered = true;
}

static void on_event(struct kbd_dev *k, const uint8_t *m)
{
	struct kbd_event e;
	memcpy(&e, m, sizeof(e));
	if (!k->accepted) {
		drop(k, "keystroke before the protocol was accepted", e.make_code);
		return;
	}
	k->events++;
	/* 4: IS_UNICODE's meaning is unconfirmed; Linux treats the code as
	 * a scan code regardless, and so does this driver. */
	int c = kbd_decode_event(&k->keys, e.make_code, e.info);
	if (c >= 0) {
		input_push((char)c);
		k->chars++;
	}
}

static void packet(struct kbd_dev *k, uint32_t len)
{
	struct vmbus_pkt_desc desc;
	uint32_t type;
	memcpy(&desc, k->buf, sizeof(desc));
	uint32_t off = (uint32_t)desc.offset8 * 8;	/* checked by the ring */
	const uint8_t *m = k->buf + off;
	uint32_t plen = len - off;

	if (desc.type == VMBUS_PKT_COMP)
		return;		/* 4: completions are ignored */
	if (desc.type != VMBUS_PKT_DATA_INBAND) {
		drop(k, "packet not in-band", desc.type);
		return;
	}
	if (plen < sizeof(type)) {
		drop(k, "packet without a message type", plen);
		return;
	}
	memcpy(&type, m, sizeof(type));
	if (type >= ARRAY_SIZE(handlers) || !handlers[type].fn) {
		drop(k, "unknown or guest-to-host message type", type);
		return;
	}
	/* The packet is padded to 8 bytes, so only a shortfall is wrong. */
	if (plen < handlers[type].min) {
		drop(k, "message shorter than its type", plen);
		return;
	}
	handlers[type].fn(k, m);
}

/* Exposed for the fuzz harness: any bytes as one packet's payload. */
void hv_kbd_packet(struct vmbus_channel *ch, const void *pkt, uint32_t len);
void hv_kbd_packet(struct vmbus_channel *ch, const void *pkt, uint32_t len)
{
	struct kbd_dev *k = ch->priv;
	if (len > sizeof(k->buf))
		return;
	memcpy(k->buf, pkt, len);
	packet(k, len);
}

static void event(struct vmbus_channel *ch)
{
	struct kbd_dev *k = ch->priv;
	uint32_t len;
	int r;
	if (!k)
		return;
	while ((r = vmbus_recv(ch, k->buf, sizeof(k->buf), &len)) == VMBUS_RING_OK)
		packet(k, len);
	if (r >= 0)
		vmbus_recv_done(ch);
}

static bool answered(void *arg)
{
	struct kbd_dev *k = arg;
	return k->answered || k->ch->dead;
}

/* Open the channel and ask for protocol 1.0 (4); 0 once the host
 * accepted it, else -1 (the channel may stay open: the bus closes it). */
static int start(struct kbd_dev *k)
{
	struct vmbus_channel *ch = k->ch;
	k->answered = k->accepted = false;
	if (vmbus_open(ch, KBD_RING_PAGES, KBD_RING_PAGES) != 0)
		return -1;
	struct kbd_protocol_request q = { KBD_PROTOCOL_REQUEST, KBD_VERSION_1_0 };
	/* 4: in-band, completion requested (as Linux), any transaction id */
	if (vmbus_send(ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 1, &q,
		       sizeof(q)) != 0)
		return -1;
	vmbus_wait(answered, k, KBD_WAIT_NS);
	if (!k->accepted) {
		kprintf("keyboard: %s: the host %s protocol 1.0\n", ch->name,
			k->answered ? "refused" : "did not answer for");
		return -1;
	}
	return 0;
}

static int probe(struct vmbus_channel *ch)
{
	struct kbd_dev *k = kmalloc(sizeof(*k));
	memset(k, 0, sizeof(*k));
	k->ch = ch;
	ch->priv = k;
	if (start(k) != 0) {
		ch->priv = NULL;
		kfree(k);
		return -1;
	}
	kprintf("keyboard: protocol 1.0 accepted; keys go to the console input\n");
	return 0;
}

/* Hibernation: nothing in flight, so no suspend.  Resume asks for the
 * protocol again; keys held down at the snapshot are forgotten (their
 * releases went to a host that is gone). */
static int resume(struct vmbus_channel *ch)
{
	struct kbd_dev *k = ch->priv;
	if (!k)
		return -1;
	memset(&k->keys, 0, sizeof(k->keys));
	return start(k);
}

static void remove(struct vmbus_channel *ch)
{
	struct kbd_dev *k = ch->priv;
	ch->priv = NULL;
	kfree(k);
}

static const struct vmbus_driver keyboard = {
	.name = "keyboard", .class_id = VMBUS_CLASS_KEYBOARD, .probe = probe,
	.remove = remove, .resume = resume, .on_event = event,
};

static void kbd_init(void)
{
	vmbus_register_driver(&keyboard);
}
INITCALL(kbd_init, INIT_DRIVERS);
