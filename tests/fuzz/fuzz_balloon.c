/*
 * fuzz_balloon.c - libFuzzer harness for the Dynamic Memory driver's
 * host-message path (drivers/balloon.c balloon_packet and balloon_ops.c):
 * any bytes as one inbound packet's payload, to a running device with or
 * without ACPI S4, on a small frame map with some RAM held back for
 * hot-add.
 *
 * Input: byte 0 bit 0 = S4 present, bit 1 = descriptor in-band or not,
 * bits 2-4 extra data offset (8-byte units); the rest is the payload.
 * After each input the frame counts must add up, the lent count must be
 * the driver's, frame 0 must still be absent and the owned frames owned,
 * and every message sent must fit 4 KiB with its header's size right.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/balloon.h"
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
void poll_add(void (*fn)(void)) { (void)fn; }
uint64_t time_ns(void) { return 0; }
int vmbus_open(struct vmbus_channel *ch, uint32_t o, uint32_t i) { (void)ch; (void)o; (void)i; return 0; }
void vmbus_close(struct vmbus_channel *ch) { (void)ch; }
void vmbus_recv_done(struct vmbus_channel *ch) { (void)ch; }
int vmbus_recv(struct vmbus_channel *ch, void *b, uint32_t c, uint32_t *l)
{
	(void)ch; (void)b; (void)c; (void)l;
	return VMBUS_RING_EMPTY;
}
bool vmbus_wait(bool (*cond)(void *), void *arg, uint64_t t) { (void)t; return cond(arg); }
int vmbus_register_driver(const struct vmbus_driver *d) { (void)d; return 0; }

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
	(void)ch; (void)xid;
	CHECK(type == VMBUS_PKT_DATA_INBAND && flags == 0);
	CHECK(len >= sizeof(h) && len <= DM_MSG_MAX);
	memcpy(&h, data, sizeof(h));
	CHECK(h.size == len);
	return 0;
}

/* Frame 0 still absent and the owned frames still owned: the driver
 * gave back only what it lent or hot-added (a harness helper: not
 * instrumented for coverage, it runs over every frame). */
NOCOV static int kept_apart(void)
{
	for (uint64_t f = 0; f < NFRAMES; f++)
		if ((f == 0 && frames.state[f] != FRAME_ABSENT) ||
		    (f >= 100 && f < 150 && frames.state[f] != FRAME_OWNED))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	if (n < 1 || n - 1 > DM_MSG_MAX)
		return 0;
	frame_init(&frames, states, NFRAMES);
	frame_add_free(&frames, FRAME_SIZE, (POOL - 1) * FRAME_SIZE);
	frame_claim(&frames, 100 * FRAME_SIZE, 50, FRAME_OWNED);
	frame_lend(&frames, 200 * FRAME_SIZE, 20);	/* as if lent earlier */
	struct vmbus_channel ch;
	memset(&ch, 0, sizeof(ch));
	strcpy(ch.name, "balloon");
	ch.state = VMBUS_CH_OPEN;
	struct balloon_dev *b = calloc(1, sizeof(*b));
	b->ch = &ch;
	b->fm = &frames;
	b->hot_add = mem_hot_add;
	b->hibernation = in[0] & 1;
	b->state = BAL_RUNNING;
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
	uint64_t sum = 0;
	for (int s = 0; s < FRAME_NSTATES; s++)
		sum += frames.count[s];
	CHECK(sum == NFRAMES);
	CHECK(frames.count[FRAME_LENT] == b->lent);
	CHECK(frames.count[FRAME_OWNED] == 50);
	CHECK(kept_apart());
	if (b->hibernation)
		CHECK(b->lent == 20 && frames.count[FRAME_FREE] == POOL - 1 - 50 - 20);
	free(b);
	return 0;
}
