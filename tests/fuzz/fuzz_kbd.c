/*
 * fuzz_kbd.c - libFuzzer harness for the synthetic keyboard driver's
 * packet path (drivers/hv_kbd.c) and the scan-code decoder behind it:
 * any bytes as one inbound packet's payload, after the protocol was
 * accepted.  Input: byte 0 bit 0 = descriptor in-band or not, bits 1-3
 * extra data offset; the rest is the payload, which may also hold many
 * events' worth of bytes fed to the decoder one by one.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/kbd.h"
#include "../../drivers/kbd_wire.h"
#include "../../kernel/initcall.h"
#include "../../kernel/kernel.h"
#include "../../vmbus/vmbus.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

extern const struct initcall __start_host_initcall[], __stop_host_initcall[];
void hv_kbd_packet(struct vmbus_channel *ch, const void *pkt, uint32_t len);
static const struct vmbus_driver *drv;
static struct vmbus_channel ch;

void kprintf(const char *fmt, ...) { (void)fmt; }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }
int vmbus_open(struct vmbus_channel *c, uint32_t o, uint32_t i) { (void)c; (void)o; (void)i; return 0; }
void vmbus_recv_done(struct vmbus_channel *c) { (void)c; }
int vmbus_recv(struct vmbus_channel *c, void *b, uint32_t cap, uint32_t *l)
{
	(void)c; (void)b; (void)cap; (void)l;
	return VMBUS_RING_EMPTY;
}
bool vmbus_wait(bool (*cond)(void *), void *arg, uint64_t t) { (void)t; return cond(arg); }
int vmbus_register_driver(const struct vmbus_driver *d) { drv = d; return 0; }

/* The host accepts the protocol request at once. */
int vmbus_send(struct vmbus_channel *c, uint16_t type, uint16_t flags, uint64_t xid,
	       const void *data, uint32_t len)
{
	(void)type; (void)flags; (void)xid; (void)data;
	CHECK(len == sizeof(struct kbd_protocol_request));
	uint8_t p[24] = { VMBUS_PKT_DATA_INBAND, 0, 2, 0, 3 };
	struct kbd_protocol_response r = { KBD_PROTOCOL_RESPONSE, KBD_ACCEPTED };
	memcpy(p + 16, &r, sizeof(r));
	hv_kbd_packet(c, p, sizeof(p));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	if (!drv) {
		for (const struct initcall *c = __start_host_initcall; c < __stop_host_initcall; c++)
			c->fn();
		strcpy(ch.name, "keyboard");
		ch.state = VMBUS_CH_OPEN;
		CHECK(drv && drv->probe(&ch) == 0);
	}
	if (n < 1 || n - 1 > KBD_MSG_MAX)
		return 0;
	uint8_t p[sizeof(struct vmbus_pkt_desc) + KBD_MSG_MAX + 8];
	uint32_t payload = (uint32_t)(n - 1);
	uint32_t len = (uint32_t)(sizeof(struct vmbus_pkt_desc) + payload + 7) & ~7u;
	uint32_t off8 = 2 + ((in[0] >> 1) & 7);
	if (off8 > len / 8)
		off8 = len / 8;
	struct vmbus_pkt_desc d = {
		.type = in[0] & 1 ? VMBUS_PKT_DATA_INBAND : VMBUS_PKT_COMP,
		.offset8 = (uint16_t)off8, .len8 = (uint16_t)(len / 8),
	};
	memset(p, 0, sizeof(p));
	memcpy(p, &d, sizeof(d));
	memcpy(p + sizeof(d), in + 1, payload);
	hv_kbd_packet(&ch, p, len);
	/* the decoder on the raw bytes: any character is a byte value */
	struct kbd_state s;
	memset(&s, 0, sizeof(s));
	for (size_t i = 1; i < n; i++) {
		int c = kbd_decode_byte(&s, in[i]);
		CHECK(c >= -1 && c < 0x80);
	}
	while (input_pop() >= 0)
		;
	return 0;
}
