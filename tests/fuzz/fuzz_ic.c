/*
 * fuzz_ic.c - libFuzzer harness for the IC framework's packet handling
 * (drivers/ic.c ic_handle_packet) with the real services (heartbeat,
 * shutdown, time sync, KVP answering, VSS declined): any bytes as the payload of
 * one inbound packet, on a channel of any service, negotiated or not.
 *
 * Input: byte 0 picks the service (low 3 bits), whether NEGOTIATE has
 * happened (bit 7) and whether hibernation is possible (bit 6); byte 1 the descriptor's type (bit 0: in-band or
 * not) and its data offset (bits 1-3, in 8-byte units past 16, clamped to
 * the packet as the ring guarantees); the rest is the payload.  The
 * answer must stay inside the channel's buffer and IC_BUF.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/ic.h"
#include "../../kernel/initcall.h"
#include "../../kernel/kernel.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

extern const struct initcall __start_host_initcall[], __stop_host_initcall[];

static const struct vmbus_driver *drivers[8];
static unsigned ndrivers;
static struct ic_dev *cur;
struct acpi_info acpi;
static volatile uint64_t sink;

/* ---- what drivers/ needs ---- */

void kprintf(const char *fmt, ...) { (void)fmt; }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }
void poll_add(void (*fn)(void)) { (void)fn; }
void power_off(void) { abort(); }
void power_reset(void) { abort(); }
uint64_t hv_ref_time(void) { return 123456789; }
uint64_t kernel_build_id(void) { return 0x0123456789abcdefull; }
int64_t time_wall_ns(void) { return 0; }
void time_set_wall_ns(int64_t ns) { sink = (uint64_t)ns; }
int vmbus_open(struct vmbus_channel *ch, uint32_t out, uint32_t in)
{
	(void)ch; (void)out; (void)in;
	return 0;
}
int vmbus_recv(struct vmbus_channel *ch, void *buf, uint32_t cap, uint32_t *len)
{
	(void)ch; (void)buf; (void)cap; (void)len;
	return VMBUS_RING_EMPTY;
}
void vmbus_recv_done(struct vmbus_channel *ch) { (void)ch; }
/* snapshot/hibernate.h: either answer, by bit 6 of the input's byte 0 */
static bool hibernate_ok;
bool hibernate_possible(const char **why)
{
	*why = "fuzzing";
	return hibernate_ok;
}
void hibernate_request(const char *source) { (void)source; }
int vmbus_register_driver(const struct vmbus_driver *drv)
{
	if (ndrivers < sizeof(drivers) / sizeof(drivers[0]))
		drivers[ndrivers++] = drv;
	return 0;
}

/* The answer: inside the channel's buffer, a whole IC header at least. */
int vmbus_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t xid,
	       const void *data, uint32_t len)
{
	const uint8_t *p = data;
	(void)ch; (void)xid;
	CHECK(type == VMBUS_PKT_DATA_INBAND && flags == 0);
	CHECK(p >= cur->buf && p + len <= cur->buf + sizeof(cur->buf));
	CHECK(len >= sizeof(struct ic_hdr) && len <= IC_BUF);
	struct ic_hdr h;
	memcpy(&h, p, sizeof(h));
	CHECK(h.pipe.msgsize + sizeof(h.pipe) == len);
	CHECK(sizeof(h) + h.msg.size <= len);
	CHECK(h.msg.flags == (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	if (!ndrivers)
		for (const struct initcall *c = __start_host_initcall; c < __stop_host_initcall; c++)
			c->fn();
	CHECK(ndrivers == 5);
	if (n < 2 || n - 2 > IC_BUF - sizeof(struct vmbus_pkt_desc))
		return 0;
	struct vmbus_channel ch;
	memset(&ch, 0, sizeof(ch));
	ch.drv = drivers[(in[0] & 7) % ndrivers];
	ch.state = VMBUS_CH_OPEN;
	strcpy(ch.name, ch.drv->name);
	CHECK(ic_probe(&ch) == 0);
	struct ic_dev *d = ch.priv;
	cur = d;
	hibernate_ok = in[0] & 0x40;
	if (in[0] & 0x80) {
		d->negotiated = true;
		d->framework = (struct ic_version){ 3, 0 };
		d->service = d->svc->versions[(in[0] >> 3) % d->svc->nversions];
	}
	/* The ring's guarantees (vmbus_ring_read): len = len8 x 8, the
	 * descriptor copied in, 16 <= offset <= len. */
	uint32_t payload = (uint32_t)(n - 2);
	uint32_t len = (uint32_t)(sizeof(struct vmbus_pkt_desc) + payload + 7) & ~7u;
	uint32_t off8 = 2 + ((in[1] >> 1) & 7);
	if (off8 > len / 8)
		off8 = len / 8;
	struct vmbus_pkt_desc desc = {
		.type = in[1] & 1 ? VMBUS_PKT_DATA_INBAND : VMBUS_PKT_COMP,
		.offset8 = (uint16_t)off8, .len8 = (uint16_t)(len / 8), .trans_id = 7,
	};
	memset(d->buf, 0, len);
	memcpy(d->buf, &desc, sizeof(desc));
	memcpy(d->buf + sizeof(desc), in + 2, payload);
	ic_handle_packet(&ch, d, len);
	ic_remove(&ch);
	return 0;
}
