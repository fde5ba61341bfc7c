/*
 * fuzz_balloon.c - libFuzzer harness for the Dynamic Memory driver's
 * host-message path (drivers/balloon.c balloon_packet and balloon_ops.c):
 * any bytes as one inbound packet's payload, to a running device with or
 * without ACPI S4, on a small frame map with some RAM held back for
 * hot-add.
 *
 * Input: byte 0 bit 0 = S4 present, bit 1 = descriptor in-band or not,
 * bits 2-4 extra data offset (8-byte units), bits 5-6 the device's state
 * (running; awaiting the version response; awaiting the capabilities
 * response; running); the rest is the payload.  After each input the
 * frame counts must add up, the lent count must be the driver's, frame 0
 * must still be absent and the owned frames owned, and every message sent
 * must fit 4 KiB with its header's size right; a device not running
 * handles no request (nothing lent or added) and takes as its answer
 * only the response it awaits.
 *
 * Byte 0 bit 7 instead runs the driver's probe (start: open, version
 * negotiation, capabilities) with the input as the host: each message
 * the guest sends before it runs is answered by the next [length byte,
 * payload] of the input, an in-band packet; an input that ends answers
 * nothing.  What is left is the host's messages to the running device,
 * one per interrupt through the ring and the deferred work (reports go
 * out every second of a clock that moves 0.4 s a message); a length of
 * 0xff resumes instead (the handshake again).  Then the bus removes the
 * device.  A probe that succeeds leaves it running with a version it
 * offered.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/balloon.h"
#include "../../kernel/initcall.h"
#include "../../kernel/kernel.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)
#define NFRAMES		1024
#define POOL		768	/* frames 768.. held back for hot-add */
#define NOCOV		__attribute__((no_sanitize("coverage"), noinline))

struct frame_map frames;
struct acpi_info acpi;
static uint8_t states[NFRAMES];

void kprintf(const char *fmt, ...) { (void)fmt; }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }
static void (*poll_fn)(void);
static uint64_t now_ns;
void poll_add(void (*fn)(void)) { poll_fn = fn; }
uint64_t time_ns(void) { return now_ns; }
int vmbus_open(struct vmbus_channel *ch, uint32_t o, uint32_t i)
{
	(void)o; (void)i;
	ch->state = VMBUS_CH_OPEN;
	return 0;
}
void vmbus_close(struct vmbus_channel *ch) { ch->state = VMBUS_CH_OFFERED; }
void vmbus_recv_done(struct vmbus_channel *ch) { (void)ch; }
static bool next_packet(uint8_t *buf, uint32_t cap, uint32_t *len);
static bool one_ready;		/* probe mode: one packet in the ring */
int vmbus_recv(struct vmbus_channel *ch, void *b, uint32_t c, uint32_t *l)
{
	(void)ch;
	if (!one_ready || !next_packet(b, c, l))
		return VMBUS_RING_EMPTY;
	one_ready = false;
	return VMBUS_RING_OK;
}
bool vmbus_wait(bool (*cond)(void *), void *arg, uint64_t t) { (void)t; return cond(arg); }
static const struct vmbus_driver *drv;
int vmbus_register_driver(const struct vmbus_driver *d) { drv = d; return 0; }
extern const struct initcall __start_host_initcall[], __stop_host_initcall[];

/* Probe mode: the host's answers, [length, payload] after byte 0. */
static const uint8_t *ans;
static size_t nans;
static bool probing;

/* One in-band packet of the next chunk of the input into buf. */
static bool next_packet(uint8_t *buf, uint32_t cap, uint32_t *len)
{
	if (!nans)
		return false;
	uint32_t n = ans[0];
	ans++, nans--;
	if (n > nans)
		n = (uint32_t)nans;
	*len = (uint32_t)(sizeof(struct vmbus_pkt_desc) + n + 7) & ~7u;
	CHECK(*len <= cap);
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2,
				    .len8 = (uint16_t)(*len / 8) };
	memset(buf, 0, *len);
	memcpy(buf, &d, sizeof(d));
	memcpy(buf + sizeof(d), ans, n);
	ans += n, nans -= n;
	return true;
}

uint64_t mem_hot_add(uint64_t base, uint64_t n)
{
	uint64_t done = 0;
	while (done < n && (base >> FRAME_SHIFT) + done >= POOL &&
	       frame_add_absent(&frames, base + done * FRAME_SIZE, 1) == 0)
		done++;
	return done;
}

int vmbus_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t xid,
	       const void *data, uint32_t len)
{
	struct dm_hdr h;
	(void)xid;
	CHECK(type == VMBUS_PKT_DATA_INBAND && flags == 0);
	CHECK(len >= sizeof(h) && len <= DM_MSG_MAX);
	memcpy(&h, data, sizeof(h));
	CHECK(h.size == len);
	struct balloon_dev *b = ch->priv;
	uint32_t plen;
	if (probing && b && b->state != BAL_RUNNING && next_packet(b->in, sizeof(b->in), &plen))
		balloon_packet(b, plen);	/* the host's answer, at once */
	return 0;
}

/* Frame 0 still absent and the owned frames still owned: the driver
 * gave back only what it lent or hot-added (a harness helper: not
 * instrumented for coverage). */
NOCOV static int kept_apart(void)
{
	if (frames.state[0] != FRAME_ABSENT)
		return 0;
	for (uint64_t f = 100; f < 150; f++)
		if (frames.state[f] != FRAME_OWNED)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

/* The frame map's invariants, with 'lent0' frames lent before. */
static void check_frames(const struct balloon_dev *b, uint64_t lent0)
{
	uint64_t sum = 0;
	for (int s = 0; s < FRAME_NSTATES; s++)
		sum += frames.count[s];
	CHECK(sum == NFRAMES);
	CHECK(frames.count[FRAME_LENT] == b->lent);
	CHECK(frames.count[FRAME_OWNED] == 50);
	CHECK(kept_apart());
	if (b->hibernation || b->state != BAL_RUNNING)
		CHECK(b->lent == lent0 && frames.count[FRAME_FREE] == POOL - 1 - 50 - lent0);
}

static void frames_up(uint64_t lent)
{
	frame_init(&frames, states, NFRAMES);
	frame_add_free(&frames, FRAME_SIZE, (POOL - 1) * FRAME_SIZE);
	frame_claim(&frames, 100 * FRAME_SIZE, 50, FRAME_OWNED);
	if (lent)
		frame_lend(&frames, 200 * FRAME_SIZE, lent);	/* as if lent earlier */
}

static void probe_mode(const uint8_t *in, size_t n)
{
	struct vmbus_channel ch;
	memset(&ch, 0, sizeof(ch));
	strcpy(ch.name, "balloon");
	ch.state = VMBUS_CH_OFFERED;
	now_ns = 0;
	frames_up(0);
	acpi.s4 = in[0] & 1;
	ans = in + 1;
	nans = n - 1;
	probing = true;
	int r = drv->probe(&ch);
	probing = false;
	if (r != 0) {
		CHECK(!ch.priv);
		return;
	}
	struct balloon_dev *b = ch.priv;
	CHECK(b && b->state == BAL_RUNNING && b->hibernation == acpi.s4);
	CHECK(b->version == DM_VERSION_WIN10 || b->version == DM_VERSION_WIN8 ||
	      b->version == DM_VERSION_WIN7);
	/* The host's messages through the ring, one per interrupt, each
	 * read by the deferred work (which also sends the status report
	 * every second); a length byte of 0xff instead resumes, as after a
	 * hibernation (the handshake again, answered from the input). */
	while (nans) {
		if (ans[0] == 0xff) {
			ans++, nans--;
			vmbus_close(&ch);
			probing = true;
			r = drv->resume(&ch);
			probing = false;
			if (r != 0)
				break;
			CHECK(b->state == BAL_RUNNING);
		} else {
			one_ready = true;
			drv->on_event(&ch);
			poll_fn();
			CHECK(!one_ready);	/* the packet was read */
		}
		now_ns += 400000000;
		check_frames(b, 0);
	}
	drv->remove(&ch);
	CHECK(!ch.priv);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static const enum balloon_state states_of[4] = {
		BAL_RUNNING, BAL_VERSION, BAL_CAPS, BAL_RUNNING,
	};
	if (!drv)
		for (const struct initcall *c = __start_host_initcall; c < __stop_host_initcall; c++)
			c->fn();
	CHECK(drv);
	if (n < 1 || n - 1 > DM_MSG_MAX)
		return 0;
	if (in[0] & 0x80) {
		probe_mode(in, n);
		return 0;
	}
	frames_up(20);
	struct vmbus_channel ch;
	memset(&ch, 0, sizeof(ch));
	strcpy(ch.name, "balloon");
	ch.state = VMBUS_CH_OPEN;
	struct balloon_dev *b = calloc(1, sizeof(*b));
	b->ch = &ch;
	b->fm = &frames;
	b->hot_add = mem_hot_add;
	b->hibernation = in[0] & 1;
	b->state = states_of[(in[0] >> 5) & 3];
	b->lent = 20;
	uint32_t payload = (uint32_t)(n - 1);
	uint32_t len = (uint32_t)(sizeof(struct vmbus_pkt_desc) + payload + 7) & ~7u;
	uint32_t off8 = 2 + ((in[0] >> 2) & 7);
	if (off8 > len / 8)
		off8 = len / 8;
	struct vmbus_pkt_desc d = {
		.type = in[0] & 2 ? VMBUS_PKT_DATA_INBAND : VMBUS_PKT_COMP,
		.offset8 = (uint16_t)off8, .len8 = (uint16_t)(len / 8),
	};
	memcpy(b->in, &d, sizeof(d));
	memcpy(b->in + sizeof(d), in + 1, payload);
	balloon_packet(b, len);
	check_frames(b, 20);
	if (b->answered) {	/* only by the response it awaited */
		struct dm_hdr h;
		CHECK(b->state != BAL_RUNNING && d.type == VMBUS_PKT_DATA_INBAND);
		memcpy(&h, b->in + off8 * 8, sizeof(h));
		CHECK(h.type == (b->state == BAL_VERSION ? DM_VERSION_RESPONSE : DM_CAPS_RESPONSE));
	}
	free(b);
	return 0;
}
