/*
 * fuzz_storvsc_chan.c - libFuzzer harness for the synthetic SCSI
 * controller's channel (drivers/storvsc.c, storvsc_scan.c, and through
 * them gpt_scan.c and blk.c) with the fuzzer as the host: the answers to
 * the handshake, every completion and the data of every read (so also
 * the disks' REPORT LUNS, INQUIRY and READ CAPACITY data and the GPT the
 * scan registers), unsolicited packets, rescinds, suspend and resume.
 * The parsers under them have harnesses of their own (fuzz_storvsc for
 * storvsc_status.c, fuzz_scsi, fuzz_gpt); this one reaches the code that
 * acts on what they return.
 *
 * The channel is a stand-in, as in fuzz_ic.c: every packet the guest
 * sends is checked and answered at once from the input; the host's
 * packets are handed out by vmbus_recv with the ring's guarantees
 * (vmbus_ring_read: len a multiple of 8, at least 16, 2 <= offset8 <=
 * len8, an oversized packet fails the channel).  GPA-direct headers are
 * built by the real vmbus/ring.c.  Time is a number: an idle or a relax
 * moves it 100 ms (the driver's bounds are seconds); interrupts are
 * calls: an idle or an irq_restore to "on" with packets waiting runs the
 * driver's event handler.  The bus's part (pm.c, offer.c) is played by
 * the harness: a failed or rescinded channel is removed and closed.
 *
 * Input: byte 0 configures: bits 0-1 the iotimeout= option ("", "1",
 * "0", "x"), bit 2 the harness's own I/O with interrupts off (polled, as
 * hibernation writes), bit 3 the first vmbus_open fails.  Then probe
 * runs (handshake, scan) and actions follow until the input ends; each
 * packet the guest sends takes its answer from the input where it stands.
 *
 * An answer is one byte A, A & 7 choosing:
 *   0 good: COMPLETE_IO, status SUCCESS; a handshake step's status is
 *     the next 4 bytes when A bit 3 (QUERY_PROPERTIES: then the next 4
 *     are max_transfer_bytes); an SRB: SUCCESS (DATA_OVERRUN when A bit
 *     4), SCSI GOOD, for a read the next 2 bytes n (capped at the
 *     buffer) and n data bytes; transferred n, or the whole buffer when
 *     A bit 3;
 *   1 raw: the next byte L, then L bytes as the completion's payload;
 *   2 none: the host drops the request;
 *   3 error: srb_status, scsi_status, sense length (% 32) and the sense
 *     bytes from the input; NTSTATUS the next 4 bytes when A bit 3,
 *     transferred the next 4 when A bit 4;
 *   4 an unsolicited packet (as action 4 below) first, then another
 *     answer to this request;
 *   5 good (A bits 3-4 also as there), with an odd descriptor: A bits
 *     3-4 the type (completion, in-band, 0 or 11), bits 5-6 extra
 *     offset8, bit 7 the transaction id off by one;
 *   6 good, delivered twice;
 *   7 the next answer, held until the guest's next packet or idle.
 * A bit 5 (kinds 0, 1, 3, 6): the ring is full: the send fails with
 * "try later" and nothing is answered.  An input that has ended answers
 * nothing.
 *
 * An action is one byte C, C & 7 choosing (D a device, by the next byte
 * modulo the registered ones):
 *   0 read of D: sector by the next 4 bytes, count by the next byte;
 *   1 write of D, the same; the host must see exactly the caller's data;
 *   2 flush of D;
 *   3 1 + (next byte & 0x7f) % 40 reads of one sector of D at once
 *     (queue full, slot reuse), then polled until every accepted one
 *     completed, or, with bit 7 of that byte, left in flight;
 *   4 an unsolicited host packet: type (next byte: in-band, completion,
 *     or the byte), transaction id (next byte: 0, 1..40, or STEP), L and
 *     L payload bytes; then an interrupt and the deferred work (rescans);
 *   5 the host rescinds the channel;
 *   6 suspend, the bus closing the channel, resume (which opens it again
 *     and does the whole handshake and the disk check); the next byte:
 *     bit 0 a read of D (the byte after) in flight first, bit 1 the
 *     resume's open fails;
 *   7 time passes: 100 ms x (1 + next byte), then the deferred work.
 * At the end the bus removes the controller.
 *
 * Checked: every guest packet (its descriptor, size, operation, SRB
 * fields, transaction id not in flight twice, a GPA range that is one
 * contiguous live buffer, a write's data being the caller's); after
 * every action the slots (in flight = busy ones) and the disks and
 * partitions registered (sizes that fit the controller's transfer size,
 * partitions inside their disk, unique names); every request the
 * harness submitted completes exactly once, with a status from blk.h;
 * after removal no device is registered and every allocation is freed
 * but the structs of devices that were registered (partitions, and disks
 * dropped before the controller went): those are kept by design, since
 * an application may still hold one (test_vmbus_pm.c frees a dropped
 * disk the same way); the harness frees them.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/blk.h"
#include "../../drivers/storvsc.h"
#include "../../kernel/initcall.h"
#include "../../kernel/kernel.h"
#include "../../vmbus/ring.h"

#define CHECK(c)	do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); \
				__builtin_trap(); } } while (0)
#define NOCOV		__attribute__((no_sanitize("coverage"), noinline))

#define STEP_XID	0xfffffffffffffffdull	/* storvsc.c's */
#define TICK_NS		(100ull * 1000 * 1000)
#define MAX_PKT		512
#define MAX_QUEUED	64
#define MAX_BLOCKS	512
#define MAX_ASYNC	40
#define MAX_IO_BYTES	(64u << 10)

extern const struct initcall __start_host_initcall[], __stop_host_initcall[];

struct kopts kopts;

/* ---- the input ------------------------------------------------------------ */

static const uint8_t *in_p;
static size_t in_n, in_at;

static bool more(void)
{
	return in_at < in_n;
}

static uint8_t byte(void)
{
	return in_at < in_n ? in_p[in_at++] : 0;
}

static uint32_t le(unsigned n)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)byte() << (8 * i);
	return v;
}

/* ---- what the kernel gives the drivers ------------------------------------ */

static uint64_t now_ns = 1000000000ull;
static bool irq_off;
static struct vmbus_channel chan;
static const struct vmbus_driver *drv;
static void (*polls[4])(void);
static unsigned npolls;

/* Live kmalloc blocks, for the range checks and the leak check. */
static struct { void *p; size_t n; } blocks[MAX_BLOCKS];
static unsigned nblocks;

void *kmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	CHECK(p && nblocks < MAX_BLOCKS);
	blocks[nblocks].p = p;
	blocks[nblocks].n = n;
	nblocks++;
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < nblocks; i++)
		if (blocks[i].p == p) {
			blocks[i] = blocks[--nblocks];
			free(p);
			return;
		}
	CHECK(!"kfree of a block kmalloc did not hand out");
}

NOCOV void kprintf(const char *fmt, ...)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose) {
		va_list ap;
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
}

uint64_t time_ns(void)
{
	return now_ns;
}

void poll_add(void (*fn)(void))
{
	CHECK(npolls < sizeof(polls) / sizeof(polls[0]));
	polls[npolls++] = fn;
}

void kernel_poll(void)
{
	for (unsigned i = 0; i < npolls; i++)
		polls[i]();
}

static unsigned queued(void);

/* An interrupt: the channel's event handler, interrupts off inside. */
static void interrupt(void)
{
	if (irq_off || !queued() || chan.state != VMBUS_CH_OPEN || chan.dead || !chan.priv)
		return;
	irq_off = true;
	drv->on_event(&chan);
	irq_off = false;
}

uint64_t irq_save(void)
{
	bool was = irq_off;
	irq_off = true;
	return was;
}

void irq_restore(uint64_t was_off)
{
	irq_off = was_off;
	if (!was_off)
		interrupt();
}

bool irqs_enabled(void)
{
	return !irq_off;
}

static void release_held(void);

void cpu_idle(void)
{
	irq_off = false;
	now_ns += TICK_NS;
	release_held();
	interrupt();
}

void cpu_relax(void)
{
	now_ns += TICK_NS;
	release_held();
}

/* ---- the host's packets ---------------------------------------------------- */

struct pkt {
	uint32_t len;
	uint8_t b[MAX_PKT];
};
static struct pkt queue[MAX_QUEUED];
static unsigned q_head, q_len;
static struct pkt held[MAX_QUEUED];
static unsigned nheld;

static unsigned queued(void)
{
	return q_len;
}

/* A packet of 'payload' bytes after a descriptor; the ring's guarantees
 * hold for whatever descriptor fields the caller asks. */
static void host_packet(struct pkt *q, uint16_t type, uint64_t xid, unsigned extra8,
			const void *payload, uint32_t n)
{
	if (n > MAX_PKT - 16 - 8 * 7)
		n = MAX_PKT - 16 - 8 * 7;
	uint32_t off = 16 + 8 * extra8;
	uint32_t len = (off + n + 7) & ~7u;
	struct vmbus_pkt_desc d = {
		.type = type, .offset8 = (uint16_t)(off / 8), .len8 = (uint16_t)(len / 8),
		.trans_id = xid,
	};
	memset(q->b, 0, len);
	memcpy(q->b, &d, sizeof(d));
	memcpy(q->b + off, payload, n);
	q->len = len;
}

static void deliver(const struct pkt *p)
{
	if (q_len == MAX_QUEUED)
		return;		/* the host's ring is full: it waits, here it drops */
	queue[(q_head + q_len) % MAX_QUEUED] = *p;
	q_len++;
}

static void release_held(void)
{
	for (unsigned i = 0; i < nheld; i++)
		deliver(&held[i]);
	nheld = 0;
}

/* ---- the channel, as vmbus/channel.c gives it ----------------------------- */

/* Transaction ids the host holds: sent, no completion handed out yet. */
static bool in_flight[STORVSC_DEPTH + 1];

int vmbus_register_driver(const struct vmbus_driver *d)
{
	drv = d;
	return 0;
}

static bool open_fails;

int vmbus_open(struct vmbus_channel *ch, uint32_t out_pages, uint32_t in_pages)
{
	CHECK(ch == &chan && out_pages == STORVSC_RING_PAGES && in_pages == STORVSC_RING_PAGES);
	CHECK(ch->state == VMBUS_CH_OFFERED);
	if (open_fails) {
		open_fails = false;
		return -1;
	}
	ch->state = VMBUS_CH_OPEN;
	q_len = nheld = 0;
	memset(in_flight, 0, sizeof(in_flight));
	return 0;
}

void vmbus_close(struct vmbus_channel *ch)
{
	if (ch->state == VMBUS_CH_OPEN || ch->state == VMBUS_CH_FAILED)
		ch->state = VMBUS_CH_OFFERED;
	q_len = nheld = 0;
}

void vmbus_channel_fail(struct vmbus_channel *ch, const char *why)
{
	(void)why;
	if (ch->dead)
		return;
	ch->dead = true;
	if (ch->state == VMBUS_CH_OPEN)
		ch->state = VMBUS_CH_FAILED;
}

int vmbus_recv(struct vmbus_channel *ch, void *buf, uint32_t cap, uint32_t *len)
{
	if (ch->state != VMBUS_CH_OPEN || ch->dead || !q_len)
		return VMBUS_RING_EMPTY;
	const struct pkt *p = &queue[q_head];
	*len = p->len;
	if (p->len > cap) {
		vmbus_channel_fail(ch, "oversized packet from the host");
		return -1;
	}
	memcpy(buf, p->b, p->len);
	q_head = (q_head + 1) % MAX_QUEUED;
	q_len--;
	struct vmbus_pkt_desc d;
	memcpy(&d, p->b, sizeof(d));
	if (d.type == VMBUS_PKT_COMP && d.trans_id >= 1 && d.trans_id <= STORVSC_DEPTH)
		in_flight[d.trans_id] = false;
	return VMBUS_RING_OK;
}

void vmbus_recv_done(struct vmbus_channel *ch)
{
	(void)ch;
}

/* ---- answering ------------------------------------------------------------ */

struct sent {
	uint64_t xid;
	struct vstor_packet p;
	uint8_t *buf;		/* GPA data, or NULL */
	uint32_t len;
};

/* A live block of memory the data may be in: kmalloc'd, or the harness's
 * (the buffer of its synchronous request, those of its batches). */
static struct { const uint8_t *p; size_t n; } io_buf;

struct io {
	struct blk_req r;
	unsigned done;
	int status;
};

/* Requests submitted at once, maybe left in flight across actions. */
#define MAX_BATCHES	8
static struct batch {
	struct io io[MAX_ASYNC];
	bool accepted[MAX_ASYNC];
	unsigned n;
	uint8_t *buf;
	size_t bytes;
} batches[MAX_BATCHES];
static unsigned nbatches;

NOCOV static bool live(const uint8_t *p, size_t n)
{
	if (io_buf.p && p >= io_buf.p && p + n <= io_buf.p + io_buf.n)
		return true;
	for (unsigned i = 0; i < nbatches; i++)
		if (p >= batches[i].buf && p + n <= batches[i].buf + batches[i].bytes)
			return true;
	for (unsigned i = 0; i < nblocks; i++) {
		const uint8_t *b = blocks[i].p;
		if (p >= b && p + n <= b + blocks[i].n)
			return true;
	}
	return false;
}

static void answer(const struct sent *s, int depth);

static void unsolicited(struct pkt *q)
{
	uint8_t t = byte(), x = byte(), n = byte();
	uint16_t type = t % 3 == 0 ? VMBUS_PKT_DATA_INBAND : t % 3 == 1 ? VMBUS_PKT_COMP : t;
	uint64_t xid = x == 0xff ? STEP_XID : x % (STORVSC_DEPTH + 9);
	uint8_t payload[256];
	for (unsigned i = 0; i < n; i++)
		payload[i] = byte();
	host_packet(q, type, xid, 0, payload, n);
}

static void answer_to(const struct sent *s, struct pkt *q, uint8_t a)
{
	struct vstor_packet r;
	memset(&r, 0, sizeof(r));
	r.operation = VSTOR_OP_COMPLETE_IO;
	uint16_t type = VMBUS_PKT_COMP;
	uint64_t xid = s->xid;
	unsigned extra8 = 0;
	unsigned kind = a & 7;
	if (kind == 5) {
		static const uint16_t types[] = { VMBUS_PKT_COMP, VMBUS_PKT_DATA_INBAND, 0, 11 };
		type = types[(a >> 3) & 3];
		extra8 = (a >> 5) & 3;
		if (a & 0x80)
			xid++;
	}
	if (kind == 3) {
		r.srb.srb_status = byte();
		r.srb.scsi_status = byte();
		r.srb.sense_info_length = byte() % 32;
		for (unsigned i = 0; i < r.srb.sense_info_length && i < VSTOR_SENSE_MAX; i++)
			r.srb.sense[i] = byte();
		if (a & 0x08)
			r.status = le(4);
		if (a & 0x10)
			r.srb.data_transfer_length = le(4);
	} else if (s->p.operation != VSTOR_OP_EXECUTE_SRB) {
		if (a & 0x08)
			r.status = le(4);
		if (s->p.operation == VSTOR_OP_QUERY_PROPERTIES && (a & 0x08))
			r.properties.max_transfer_bytes = le(4);
	} else {
		r.srb = s->p.srb;
		r.srb.srb_status = a & 0x10 ? VSTOR_SRB_DATA_OVERRUN : VSTOR_SRB_SUCCESS;
		r.srb.scsi_status = 0;
		uint32_t n = 0;
		if (s->buf && s->p.srb.data_in == VSTOR_DATA_IN) {
			n = le(2);
			if (n > s->len)
				n = s->len;
			for (uint32_t i = 0; i < n; i++)
				s->buf[i] = byte();
		}
		r.srb.data_transfer_length = a & 0x08 ? s->len : n;
	}
	host_packet(q, type, xid, extra8, &r, sizeof(r));
}

static void answer(const struct sent *s, int depth)
{
	struct pkt q;
	if (!more())
		return;
	uint8_t a = byte();
	switch (a & 7) {
	case 1: {
		uint8_t n = byte(), raw[256];
		for (unsigned i = 0; i < n; i++)
			raw[i] = byte();
		host_packet(&q, VMBUS_PKT_COMP, s->xid, 0, raw, n);
		deliver(&q);
		return;
	}
	case 2:
		return;
	case 4:
		unsolicited(&q);
		deliver(&q);
		if (depth < 4)
			answer(s, depth + 1);
		return;
	case 7:
		if (depth < 4) {
			unsigned before = q_len;
			answer(s, depth + 1);
			/* what that answer queued waits for the next send or idle */
			while (q_len > before && nheld < MAX_QUEUED) {
				held[nheld++] = queue[(q_head + q_len - 1) % MAX_QUEUED];
				q_len--;
			}
		}
		return;
	default:
		answer_to(s, &q, a);
		deliver(&q);
		if ((a & 7) == 6)
			deliver(&q);
		return;
	}
}

/* A full ring: A bit 5 of a kind that takes it, peeked before answering. */
static bool ring_full(void)
{
	if (!more())
		return false;
	uint8_t a = in_p[in_at];
	unsigned k = a & 7;
	if ((a & 0x20) && (k == 0 || k == 1 || k == 3 || k == 6)) {
		in_at++;
		return true;
	}
	return false;
}

NOCOV static void check_sent(const struct sent *s, uint32_t len)
{
	const struct storvsc *sv = chan.priv;
	const struct vstor_packet *p = &s->p;
	CHECK(len == VSTOR_PACKET_SIZE || len == VSTOR_PACKET_SIZE_PRE8);
	CHECK(!sv || len == sv->pkt_size);
	CHECK(p->flags == VSTOR_FLAG_REQUEST_COMPLETION);
	if (p->operation != VSTOR_OP_EXECUTE_SRB) {
		CHECK(p->operation == VSTOR_OP_BEGIN_INITIALIZATION ||
		      p->operation == VSTOR_OP_END_INITIALIZATION ||
		      p->operation == VSTOR_OP_QUERY_PROTOCOL_VERSION ||
		      p->operation == VSTOR_OP_QUERY_PROPERTIES);
		CHECK(s->xid == STEP_XID && !s->buf);
		return;
	}
	CHECK(s->xid >= 1 && s->xid <= STORVSC_DEPTH);
	CHECK(!in_flight[s->xid]);	/* one request per transaction id */
	CHECK(sv && p->srb.length == sv->srb_size && p->srb.sense_info_length == sv->sense_size);
	CHECK(p->srb.cdb_length >= 6 && p->srb.cdb_length <= VSTOR_CDB_MAX);
	CHECK(p->srb.data_in <= VSTOR_DATA_NONE);
	CHECK((p->srb.data_in == VSTOR_DATA_NONE) == (p->srb.data_transfer_length == 0));
	CHECK((s->buf != NULL) == (p->srb.data_transfer_length != 0));
	if (s->buf) {
		CHECK(s->len == p->srb.data_transfer_length);
		CHECK(s->len <= sv->max_transfer && s->len <= STORVSC_MAX_BYTES);
		CHECK(live(s->buf, s->len));
	}
}

static void note_devices(void);

static void guest_sent(struct sent *s, uint32_t len)
{
	check_sent(s, len);
	note_devices();		/* (a disk may be dropped before the next check) */
	if (s->xid != STEP_XID)
		in_flight[s->xid] = true;
	release_held();
	answer(s, 0);
}

/* What the harness's write put in its buffer (checked as the host reads it). */
static const uint8_t *write_data;

int vmbus_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t xid,
	       const void *data, uint32_t len)
{
	struct sent s = { .xid = xid };
	CHECK(ch == &chan && type == VMBUS_PKT_DATA_INBAND);
	CHECK(flags == VMBUS_PKT_FLAG_COMPLETION_REQUESTED);	/* 1.7: every packet */
	CHECK(len <= sizeof(s.p));
	if (ch->state != VMBUS_CH_OPEN || ch->dead)
		return -1;
	if (ring_full())
		return -2;
	memcpy(&s.p, data, len);
	guest_sent(&s, len);
	return 0;
}

int vmbus_send_gpa(struct vmbus_channel *ch, uint64_t xid, const struct vmbus_gpa_buf *g,
		   void *hdr, uint32_t cap, const void *data, uint32_t len)
{
	struct sent s = { .xid = xid };
	uint32_t hdr_len;
	CHECK(ch == &chan && len <= sizeof(s.p));
	if (ch->state != VMBUS_CH_OPEN || ch->dead)
		return -1;
	CHECK(vmbus_pkt_gpa_direct(hdr, cap, xid, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, g, 1, len,
				   &hdr_len) == VMBUS_RING_OK);
	/* one range, contiguous pages from the buffer's own */
	CHECK(g->byte_count > 0 && g->byte_offset < 4096);
	uint32_t n = vmbus_gpa_pfn_count(g->byte_offset, g->byte_count);
	for (uint32_t k = 1; k < n; k++)
		CHECK(g->pfns[k] == g->pfns[0] + k);
	if (ring_full())
		return -2;
	memcpy(&s.p, data, len);
	s.buf = (uint8_t *)(uintptr_t)((g->pfns[0] << 12) + g->byte_offset);
	s.len = g->byte_count;
	if (write_data && s.p.srb.data_in == VSTOR_DATA_OUT)
		CHECK(s.buf == io_buf.p && s.len == io_buf.n && memcmp(s.buf, write_data, s.len) == 0);
	guest_sent(&s, len);
	return 0;
}

/* ---- the bus's part -------------------------------------------------------- */

static bool bound;		/* probe succeeded, remove not called yet */

/* vmbus_poll's: a failed or rescinded channel goes to its driver's
 * remove, then is closed. */
static void bus_poll(void)
{
	if (bound && (chan.state == VMBUS_CH_FAILED || chan.rescinded)) {
		drv->remove(&chan);
		vmbus_close(&chan);
		bound = false;
	}
}

/* ---- the harness's own I/O ------------------------------------------------- */

NOCOV static bool status_ok(int st)
{
	return st <= BLK_OK && st >= BLK_E_MEDIUM;
}

static void io_done(struct blk_req *r, int status)
{
	struct io *io = r->ctx;
	io->done++;
	io->status = status;
	CHECK(io->done == 1 && status_ok(status) && status != BLK_E_BUSY);
}

static struct blk_dev *pick(void)
{
	uint8_t k = byte();
	return blk_count() ? blk_get(k % blk_count()) : NULL;
}

static void sync_io(int op)
{
	struct blk_dev *d = pick();
	uint32_t sector = le(4);
	uint8_t c = byte();
	if (!d)
		return;
	uint32_t max = d->max_sectors;
	if (max * (uint64_t)d->sector_size > MAX_IO_BYTES)
		max = MAX_IO_BYTES / d->sector_size;
	uint32_t count = op == BLK_FLUSH ? 0 : 1 + c % (max ? max : 1);
	size_t bytes = (size_t)count * d->sector_size;
	uint8_t *buf = bytes ? malloc(bytes) : NULL, *pattern = NULL;
	if (op == BLK_WRITE) {
		pattern = malloc(bytes);
		for (size_t i = 0; i < bytes; i++)
			pattern[i] = (uint8_t)(i * 7 + sector);
		memcpy(buf, pattern, bytes);
		write_data = pattern;
	}
	io_buf.p = buf;
	io_buf.n = bytes;
	uint64_t f = irq_off ? 1 : 0;
	int st = op == BLK_READ ? blk_read(d, sector % (d->sectors ? d->sectors : 1), count, buf) :
		 op == BLK_WRITE ? blk_write(d, sector % (d->sectors ? d->sectors : 1), count, buf) :
		 blk_flush(d);
	CHECK(irq_off == (f != 0));
	CHECK(status_ok(st));
	io_buf.p = NULL;
	write_data = NULL;
	free(pattern);
	free(buf);
}

/* n reads of one sector of d at once; unless 'leave', polled until every
 * accepted one completed. */
static void batch_reads(struct blk_dev *d, unsigned n, bool leave)
{
	if (!d || nbatches == MAX_BATCHES)
		return;
	struct batch *b = &batches[nbatches++];
	size_t ss = d->sector_size;
	memset(b->io, 0, sizeof(b->io));
	b->n = n;
	b->bytes = n * ss;
	b->buf = malloc(b->bytes);
	for (unsigned i = 0; i < n; i++) {
		struct io *io = &b->io[i];
		io->r.op = BLK_READ;
		io->r.sector = i % d->sectors;
		io->r.count = 1;
		io->r.buf = b->buf + i * ss;
		io->r.done = io_done;
		io->r.ctx = io;
		int st = blk_submit(d, &io->r);
		CHECK(status_ok(st));
		b->accepted[i] = st == BLK_OK;
		CHECK(b->accepted[i] || !io->done);	/* refused: never completed */
	}
	if (leave)
		return;
	/* A driver completes every request it accepted (blk.h), at the
	 * latest with a timeout: well within 100 s. */
	uint64_t end = now_ns + 100ull * 1000000000ull;
	for (;;) {
		bool all = true;
		for (unsigned i = 0; i < n; i++)
			all &= !b->accepted[i] || b->io[i].done;
		if (all)
			break;
		CHECK(now_ns < end);
		blk_poll(d);
		if (irq_off)
			cpu_relax();
		else
			cpu_idle();
	}
}

static void many_reads(void)
{
	struct blk_dev *d = pick();
	uint8_t b = byte();
	batch_reads(d, 1 + (b & 0x7f) % MAX_ASYNC, b & 0x80);
}

/* Every accepted request completed exactly once (after the controller
 * went, at the latest); the batches freed. */
NOCOV static void end_batches(void)
{
	for (unsigned k = 0; k < nbatches; k++) {
		struct batch *b = &batches[k];
		for (unsigned i = 0; i < b->n; i++)
			CHECK(b->accepted[i] ? b->io[i].done == 1 : b->io[i].done == 0);
		free(b->buf);
	}
	nbatches = 0;
}

/* ---- invariants ------------------------------------------------------------- */

/* The structs of devices seen registered (a partition's blk_dev, a
 * disk's storvsc_disk): a dropped disk or a partition is kept by design
 * after it goes (a holder may still name it); the harness frees what is
 * left of them at the end. */
static void *seen_devs[MAX_BLOCKS];
static unsigned nseen;

NOCOV static void saw(const struct blk_dev *d)
{
	void *h = d->parent ? (void *)d : d->priv;
	for (unsigned k = 0; k < nseen; k++)
		if (seen_devs[k] == h)
			return;
	CHECK(nseen < MAX_BLOCKS);
	seen_devs[nseen++] = h;
}

NOCOV static void note_devices(void)
{
	for (unsigned i = 0; i < blk_count(); i++)
		saw(blk_get(i));
}

NOCOV static void check_state(void)
{
	const struct storvsc *s = chan.priv;
	if (s) {
		unsigned busy = 0;
		for (unsigned i = 0; i < STORVSC_DEPTH; i++)
			busy += s->slot[i].busy;
		CHECK(busy == s->inflight);
		if (!s->dead) {
			CHECK(s->max_transfer >= 4096 && s->max_transfer <= STORVSC_MAX_BYTES &&
			      s->max_transfer % 4096 == 0);
			CHECK(s->pkt_size == (s->version >= VSTOR_VERSION_WIN8 ? VSTOR_PACKET_SIZE :
					      VSTOR_PACKET_SIZE_PRE8));
		}
	}
	for (unsigned i = 0; i < blk_count(); i++) {
		const struct blk_dev *d = blk_get(i);
		saw(d);
		CHECK(d->sector_size >= 512 && d->sector_size <= 65536 &&
		      !(d->sector_size & (d->sector_size - 1)));
		CHECK(d->sectors > 0 && d->max_sectors > 0 && d->ops);
		for (unsigned k = 0; k < i; k++)
			CHECK(strcmp(d->name, blk_get(k)->name) != 0);
		if (d->parent) {
			const struct blk_dev *p = d->parent;
			CHECK(strcmp(d->driver, "gpt") == 0 && !p->parent);
			CHECK(d->start >= 1 && d->start < p->sectors && d->sectors <= p->sectors - d->start);
			CHECK(d->sector_size == p->sector_size && d->max_sectors == p->max_sectors);
			bool listed = false;
			for (unsigned k = 0; k < blk_count(); k++)
				listed |= blk_get(k) == p;
			CHECK(listed);
		} else {
			CHECK(strcmp(d->driver, "storvsc") == 0 && s);
			/* (a controller that died in a resume keeps its disks'
			 * sizes until the bus removes it: they answer GONE) */
			CHECK(s->dead || (uint64_t)d->max_sectors * d->sector_size <= s->max_transfer);
		}
	}
}

/* ---- the harness ------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static const char *const timeouts[] = { "", "1", "0", "x" };
	if (!drv)
		for (const struct initcall *c = __start_host_initcall; c < __stop_host_initcall; c++)
			c->fn();
	CHECK(drv && npolls == 1);
	if (n < 1)
		return 0;
	in_p = in;
	in_n = n;
	in_at = 1;
	strcpy(kopts.iotimeout, timeouts[in[0] & 3]);
	open_fails = in[0] & 8;
	memset(&chan, 0, sizeof(chan));
	strcpy(chan.name, "storvsc");
	chan.state = VMBUS_CH_OFFERED;
	chan.drv = drv;
	nseen = 0;
	irq_off = false;

	bound = drv->probe(&chan) == 0;
	if (!bound) {
		CHECK(!chan.priv);
		vmbus_close(&chan);
	}
	check_state();
	while (bound && more()) {
		uint8_t c = byte();
		if (in[0] & 4)
			irq_off = true;
		switch (c & 7) {
		case 0:
			sync_io(BLK_READ);
			break;
		case 1:
			sync_io(BLK_WRITE);
			break;
		case 2:
			sync_io(BLK_FLUSH);
			break;
		case 3:
			many_reads();
			break;
		case 4: {
			struct pkt q;
			unsolicited(&q);
			deliver(&q);
			irq_off = false;
			interrupt();
			kernel_poll();
			break;
		}
		case 5:
			chan.rescinded = chan.dead = true;
			irq_off = false;
			interrupt();
			kernel_poll();
			break;
		case 6: {
			uint8_t f = byte();
			irq_off = false;
			if (f & 1)
				batch_reads(pick(), 1, true);	/* in flight at the suspend */
			open_fails = f & 2;			/* the resume's open */
			if (drv->suspend(&chan) == 0) {
				vmbus_close(&chan);
				if (drv->resume(&chan) != 0) {
					drv->remove(&chan);
					vmbus_close(&chan);
					bound = false;
				}
			}
			open_fails = false;
			break;
		}
		default:
			now_ns += TICK_NS * (1 + byte());
			irq_off = false;
			kernel_poll();
			break;
		}
		irq_off = false;
		check_state();
		bus_poll();
		check_state();
	}
	if (bound) {
		drv->remove(&chan);
		vmbus_close(&chan);
	}
	CHECK(!chan.priv && blk_count() == 0);
	end_batches();
	for (unsigned i = 0; i < nseen; i++)
		for (unsigned k = 0; k < nblocks; k++)
			if (blocks[k].p == seen_devs[i]) {
				kfree(seen_devs[i]);
				break;
			}
	if (nblocks && getenv("FUZZ_VERBOSE"))
		for (unsigned i = 0; i < nblocks; i++)
			fprintf(stderr, "leak: %zu bytes\n", blocks[i].n);
	CHECK(nblocks == 0);		/* every allocation freed */
	return 0;
}
