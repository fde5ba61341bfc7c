/*
 * storvsc.c - the synthetic SCSI controller's channel (hv-vsc-protocols.md
 * 1.7-1.9): the init handshake, requests as EXECUTE_SRB packets,
 * completions, timeouts, and the controller going away.
 *
 * Every guest packet asks for a completion (1.7: the host treats one
 * that does not as fatal).  Transaction ids: 1..STORVSC_DEPTH name a
 * request slot; the handshake uses STEP_XID; 0 is the host's, for its
 * unsolicited packets (1.9).  Data travels in GPA-direct packets with one
 * range (1.8), so a request is one physically contiguous buffer.
 *
 * Completions are read in the channel's event handler (interrupt context)
 * or by the poll path with interrupts off; both copy each packet out of
 * the ring first and check it.  A request the host does not complete in
 * time stops the controller: its requests fail, the channel is closed,
 * and the disks report "device gone" from then on.
 */
#include <string.h>

#include "../kernel/cmdline.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "scsi.h"
#include "storvsc.h"

#define STEP_XID	0xfffffffffffffffdull
#define DEFAULT_TIMEOUT_S	30

static const uint16_t versions[] = VSTOR_VERSIONS_NEWEST_FIRST;

static struct storvsc *ctls[VMBUS_MAX_CHANNELS];

static const char *const op_names[] = {
	[BLK_READ] = "read", [BLK_WRITE] = "write", [BLK_FLUSH] = "flush",
};

static void report(struct storvsc_slot *sl, const char *what)
{
	struct blk_req *r = sl->req;
	kprintf("storvsc: %s: %s of %u sectors at sector %lu: %s\n", sl->disk->blk.name,
		op_names[r->op], r->count, r->sector, what);
}

/* ---- sending -------------------------------------------------------------- */

static void fill_srb(struct storvsc *s, struct vstor_packet *p, uint8_t lun, const uint8_t *cdb,
		     unsigned cdb_len, uint32_t len, int dir)
{
	memset(p, 0, sizeof(*p));
	p->operation = VSTOR_OP_EXECUTE_SRB;
	p->flags = VSTOR_FLAG_REQUEST_COMPLETION;
	p->srb.length = (uint16_t)s->srb_size;
	p->srb.lun = lun;
	p->srb.cdb_length = (uint8_t)cdb_len;
	memcpy(p->srb.cdb, cdb, cdb_len);
	p->srb.sense_info_length = (uint8_t)s->sense_size;
	p->srb.data_in = (uint8_t)dir;
	p->srb.data_transfer_length = len;
	/* 1.8: what Linux sets, which every host accepts. */
	static const uint32_t dir_flags[] = {
		[VSTOR_DATA_OUT] = VSTOR_SRB_FLAG_DATA_OUT, [VSTOR_DATA_IN] = VSTOR_SRB_FLAG_DATA_IN,
		[VSTOR_DATA_NONE] = 0,
	};
	p->srb.srb_flags = VSTOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER | dir_flags[dir];
	p->srb.time_out_value = 60;
}

/* Send slot i's packet (again): 0, -2 when the ring is full, -1 dead. */
static int send_slot(struct storvsc *s, unsigned i, void *buf)
{
	struct storvsc_slot *sl = &s->slot[i];
	uint32_t len = sl->pkt.srb.data_transfer_length;
	sl->started_ns = time_ns();
	if (!len)
		return vmbus_send(s->ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
				  i + 1, &sl->pkt, s->pkt_size);
	uint64_t pa = (uint64_t)buf;
	struct vmbus_gpa_buf g = { len, (uint32_t)(pa & 4095), s->pfns };
	uint32_t n = vmbus_gpa_pfn_count(g.byte_offset, len);
	for (uint32_t k = 0; k < n; k++)
		s->pfns[k] = (pa >> 12) + k;
	return vmbus_send_gpa(s->ch, i + 1, &g, s->hdr, sizeof(s->hdr), &sl->pkt, s->pkt_size);
}

/* A free slot, taken; -1 when all are busy.  Interrupts off. */
static int take_slot(struct storvsc *s)
{
	for (unsigned i = 0; i < STORVSC_DEPTH; i++)
		if (!s->slot[i].busy) {
			memset(&s->slot[i], 0, sizeof(s->slot[i]));
			s->slot[i].busy = true;
			s->inflight++;
			return (int)i;
		}
	return -1;
}

static void free_slot(struct storvsc *s, unsigned i)
{
	s->slot[i].busy = false;
	s->inflight--;
}

static int submit(struct blk_dev *d, struct blk_req *r)
{
	struct storvsc_disk *dk = d->priv;
	struct storvsc *s = dk->ctl;
	uint8_t cdb[16];
	unsigned cdb_len;
	uint32_t len = r->count * d->sector_size;
	int dir;
	if (r->op == BLK_FLUSH) {
		cdb_len = scsi_cdb_sync_cache(cdb);
		dir = VSTOR_DATA_NONE;
	} else {
		cdb_len = scsi_cdb_rw16(cdb, r->op == BLK_WRITE, r->sector, r->count, false);
		dir = r->op == BLK_WRITE ? VSTOR_DATA_OUT : VSTOR_DATA_IN;
	}
	uint64_t f = irq_save();
	int st = BLK_OK;
	if (s->dead || dk->gone) {
		st = BLK_E_GONE;
		goto out;
	}
	if (s->suspended) {
		st = BLK_E_BUSY;	/* the controller comes back at resume */
		goto out;
	}
	int i = take_slot(s);
	if (i < 0) {
		st = BLK_E_BUSY;
		goto out;
	}
	struct storvsc_slot *sl = &s->slot[i];
	sl->req = r;
	sl->disk = dk;
	sl->want = r->op == BLK_FLUSH ? 0 : len;
	fill_srb(s, &sl->pkt, dk->lun, cdb, cdb_len, sl->want, dir);
	int rc = send_slot(s, (unsigned)i, r->buf);
	if (rc != 0) {
		free_slot(s, (unsigned)i);
		st = rc == -2 ? BLK_E_BUSY : BLK_E_GONE;
	}
out:
	irq_restore(f);
	return st;
}

/* ---- completions ---------------------------------------------------------- */

static void finish(struct storvsc *s, unsigned i, int status)
{
	struct blk_req *r = s->slot[i].req;
	free_slot(s, i);
	s->completed++;
	if (status != BLK_OK)
		s->errors++;
	r->done(r, status);
}

/* Fail every request in flight (the controller stopped). */
static void fail_all(struct storvsc *s, int status)
{
	for (unsigned i = 0; i < STORVSC_DEPTH; i++) {
		struct storvsc_slot *sl = &s->slot[i];
		if (!sl->busy)
			continue;
		if (sl->internal) {
			memset(&sl->res, 0, sizeof(sl->res));
			sl->res.srb_status = VSTOR_SRB_NO_DEVICE;
			sl->done = true;	/* the waiter frees it */
		} else {
			finish(s, i, status);
		}
	}
}

static void stop(struct storvsc *s, const char *why)
{
	if (s->dead)
		return;
	s->dead = true;
	kprintf("storvsc: %s: controller stopped: %s; %u requests failed\n", s->ch->name, why,
		s->inflight);
	vmbus_channel_fail(s->ch, why);
	fail_all(s, BLK_E_GONE);
}

static void on_slot(struct storvsc *s, unsigned i, const uint8_t *p, uint32_t n)
{
	struct storvsc_slot *sl = &s->slot[i];
	struct storvsc_result res;
	const char *bad = storvsc_result_parse(p, n, s->sense_size, &res);
	if (bad) {
		s->bad_packets++;
		kprintf("storvsc: %s: completion of request %u dropped: %s\n", s->ch->name, i + 1,
			bad);
		return;		/* the request times out */
	}
	if (sl->internal) {
		sl->res = res;
		sl->done = true;
		return;
	}
	char why[96];
	uint32_t done;
	int st = storvsc_decode(&res, sl->want, false, &done, why, sizeof(why));
	if (st == STORVSC_RETRY && sl->retries < STORVSC_RETRIES) {
		sl->retries++;
		s->retried++;
		if (send_slot(s, i, sl->req->buf) == 0)
			return;
		st = BLK_E_IO;
		ksnprintf(why, sizeof(why), "retry could not be sent");
	}
	if (st == STORVSC_RETRY)
		st = BLK_E_IO;
	if (st != BLK_OK)
		report(sl, why);
	if (st == BLK_E_GONE)
		sl->disk->gone = true;
	finish(s, i, st);
}

static void on_packet(struct storvsc *s, const uint8_t *pkt, uint32_t len)
{
	struct vmbus_pkt_desc d;
	memcpy(&d, pkt, sizeof(d));
	uint32_t off = (uint32_t)d.offset8 * 8;
	const uint8_t *p = pkt + off;
	uint32_t n = len - off;
	if (d.type == VMBUS_PKT_COMP && d.trans_id == STEP_XID && !s->step_done) {
		memset(&s->step, 0, sizeof(s->step));
		memcpy(&s->step, p, n < sizeof(s->step) ? n : sizeof(s->step));
		s->step_done = true;
		return;
	}
	if (d.type == VMBUS_PKT_COMP && d.trans_id >= 1 && d.trans_id <= STORVSC_DEPTH &&
	    s->slot[d.trans_id - 1].busy && !s->slot[d.trans_id - 1].done) {
		on_slot(s, (unsigned)d.trans_id - 1, p, n);
		return;
	}
	/* 1.9: unsolicited, transaction id 0, no completion expected. */
	uint32_t op = 0;
	if (n >= 4)
		memcpy(&op, p, 4);
	if (d.type == VMBUS_PKT_DATA_INBAND && d.trans_id == 0 &&
	    (op == VSTOR_OP_ENUMERATE_BUS || op == VSTOR_OP_REMOVE_DEVICE)) {
		kprintf("storvsc: %s: host says the disks changed (%s); rescanning\n", s->ch->name,
			op == VSTOR_OP_ENUMERATE_BUS ? "ENUMERATE_BUS" : "REMOVE_DEVICE");
		s->rescan = true;
		return;
	}
	s->bad_packets++;
	kprintf("storvsc: %s: packet type %u, transaction %lu, operation %u not expected; "
		"dropped\n", s->ch->name, d.type, d.trans_id, op);
}

static void drain(struct storvsc *s)
{
	uint32_t len;
	int r;
	while (!s->dead && (r = vmbus_recv(s->ch, s->rx, sizeof(s->rx), &len)) == VMBUS_RING_OK) {
		if (len >= sizeof(struct vmbus_pkt_desc))
			on_packet(s, s->rx, len);
		vmbus_recv_done(s->ch);
	}
	if (!s->dead && s->ch->dead)
		stop(s, s->ch->rescinded ? "rescinded by the host" : "the channel failed");
}

static void on_event(struct vmbus_channel *ch)
{
	if (ch->priv)
		drain(ch->priv);
}

/* Completions and the timeout bound; interrupts off or on. */
void storvsc_poll_ctl(struct storvsc *s)
{
	uint64_t f = irq_save();
	drain(s);
	uint64_t now = time_ns();
	for (unsigned i = 0; i < STORVSC_DEPTH && !s->dead; i++) {
		struct storvsc_slot *sl = &s->slot[i];
		if (!sl->busy || sl->done || now - sl->started_ns <= s->timeout_ns)
			continue;
		char why[80];
		ksnprintf(why, sizeof(why), "no completion within %lu s",
			  (uint64_t)(s->timeout_ns / 1000000000ull));
		if (!sl->internal)
			report(sl, why);
		stop(s, why);
	}
	irq_restore(f);
}

static void blk_poll_op(struct blk_dev *d)
{
	struct storvsc_disk *dk = d->priv;
	storvsc_poll_ctl(dk->ctl);
}

const struct blk_ops storvsc_blk_ops = { submit, blk_poll_op };

/* ---- synchronous commands (handshake, scans) ----------------------------- */

struct waiter {
	struct storvsc *s;
	volatile bool *flag;
};

static bool waited(void *arg)
{
	struct waiter *w = arg;
	return *w->flag || w->s->dead || w->s->ch->dead;
}

static void wait_poll(void *arg)
{
	storvsc_poll_ctl(((struct waiter *)arg)->s);
}

int storvsc_exec(struct storvsc *s, uint8_t lun, const uint8_t *cdb, unsigned cdb_len,
		 void *buf, uint32_t len, bool write, struct storvsc_result *res)
{
	memset(res, 0, sizeof(*res));
	uint64_t f = irq_save();
	int i = s->dead ? -1 : take_slot(s);
	if (i < 0) {
		irq_restore(f);
		return s->dead ? BLK_E_GONE : BLK_E_BUSY;
	}
	struct storvsc_slot *sl = &s->slot[i];
	sl->internal = true;
	sl->want = len;
	fill_srb(s, &sl->pkt, lun, cdb, cdb_len, len,
		 !len ? VSTOR_DATA_NONE : write ? VSTOR_DATA_OUT : VSTOR_DATA_IN);
	int rc = send_slot(s, (unsigned)i, buf);
	irq_restore(f);
	if (rc == 0) {
		struct waiter w = { s, &sl->done };
		wait_until(waited, wait_poll, &w, time_ns() + s->timeout_ns + 1000000000ull);
	}
	f = irq_save();
	bool ok = rc == 0 && sl->done;
	if (ok)
		*res = sl->res;
	/* A slot whose command may still complete stays busy until the
	 * controller is stopped; a stopped controller frees nothing. */
	if (ok || rc != 0)
		free_slot(s, (unsigned)i);
	irq_restore(f);
	if (!ok)
		return rc == -2 ? BLK_E_BUSY : s->dead ? BLK_E_GONE : BLK_E_TIMEOUT;
	return BLK_OK;
}

/* One handshake step (1.7): send, wait for its completion. */
static int step(struct storvsc *s, uint32_t op, const void *payload, uint32_t n)
{
	struct vstor_packet p;
	memset(&p, 0, sizeof(p));
	p.operation = op;
	p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	if (n)
		memcpy(p.raw, payload, n);
	s->step_done = false;
	if (vmbus_send(s->ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, STEP_XID,
		       &p, s->pkt_size) != 0)
		return -1;
	struct waiter w = { s, &s->step_done };
	if (!wait_until(waited, wait_poll, &w, time_ns() + STORVSC_STEP_NS) || !s->step_done)
		return -1;
	return s->step.operation == VSTOR_OP_COMPLETE_IO ? 0 : -1;
}

static const char *const step_names[] = {
	[VSTOR_OP_BEGIN_INITIALIZATION] = "BEGIN_INITIALIZATION",
	[VSTOR_OP_QUERY_PROPERTIES] = "QUERY_PROPERTIES",
	[VSTOR_OP_END_INITIALIZATION] = "END_INITIALIZATION",
};

static int plain_step(struct storvsc *s, uint32_t op)
{
	if (step(s, op, NULL, 0) != 0 || s->step.status != VSTOR_ST_SUCCESS) {
		kprintf("storvsc: %s: %s failed (%s, status 0x%08x)\n", s->ch->name, step_names[op],
			s->step_done ? "answered" : "no answer", s->step_done ? s->step.status : 0);
		return -1;
	}
	return 0;
}

/* 1.1/1.7: newest version first; the packet and SRB shrink before WIN8. */
static int negotiate(struct storvsc *s)
{
	for (unsigned i = 0; i < ARRAY_SIZE(versions); i++) {
		bool win8 = versions[i] >= VSTOR_VERSION_WIN8;
		s->pkt_size = win8 ? VSTOR_PACKET_SIZE : VSTOR_PACKET_SIZE_PRE8;
		s->srb_size = win8 ? sizeof(struct vstor_srb) : VSTOR_SRB_SIZE_PRE8;
		s->sense_size = win8 ? VSTOR_SENSE_MAX : VSTOR_SENSE_MAX_PRE8;
		struct vstor_version v = { versions[i], 0 };
		if (step(s, VSTOR_OP_QUERY_PROTOCOL_VERSION, &v, sizeof(v)) != 0) {
			kprintf("storvsc: %s: QUERY_PROTOCOL_VERSION %u.%u got no answer\n",
				s->ch->name, versions[i] >> 8, versions[i] & 0xff);
			return -1;
		}
		if (s->step.status == VSTOR_ST_SUCCESS) {
			s->version = versions[i];
			return 0;
		}
	}
	kprintf("storvsc: %s: the host accepts none of our protocol versions (6.2 to 2.0)\n",
		s->ch->name);
	return -1;
}

static int handshake(struct storvsc *s)
{
	s->pkt_size = VSTOR_PACKET_SIZE;
	if (plain_step(s, VSTOR_OP_BEGIN_INITIALIZATION) || negotiate(s) ||
	    plain_step(s, VSTOR_OP_QUERY_PROPERTIES))
		return -1;
	struct vstor_properties pr;
	memcpy(&pr, &s->step.properties, sizeof(pr));
	/* 1.8: never more than the host's maximum, rounded down to pages;
	 * a host that states none (0) gets one page at a time. */
	uint32_t max = pr.max_transfer_bytes & ~4095u;
	s->max_transfer = max && max < STORVSC_MAX_BYTES ? max : STORVSC_MAX_BYTES;
	if (!max)
		s->max_transfer = 4096;
	return plain_step(s, VSTOR_OP_END_INITIALIZATION);
}

/* ---- the driver ----------------------------------------------------------- */

static uint64_t timeout_ns(void)
{
	uint64_t sec = DEFAULT_TIMEOUT_S;
	if (kopts.iotimeout[0] &&
	    cmdline_number(kopts.iotimeout, 1, 3600, &sec) != 0) {
		kprintf("storvsc: iotimeout=%s is not a number of seconds from 1 to 3600; "
			"using %u\n", kopts.iotimeout, DEFAULT_TIMEOUT_S);
		sec = DEFAULT_TIMEOUT_S;
	}
	return sec * 1000000000ull;
}

static int probe(struct vmbus_channel *ch)
{
	struct storvsc *s = kmalloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->ch = ch;
	s->timeout_ns = timeout_ns();
	ch->priv = s;
	if (vmbus_open(ch, STORVSC_RING_PAGES, STORVSC_RING_PAGES) != 0) {
		ch->priv = NULL;
		kfree(s);
		return -1;
	}
	if (handshake(s) != 0) {
		kprintf("storvsc: %s: initialisation failed; controller not used\n", ch->name);
		/* Nothing names s but ch->priv: the handshake takes no slot, and
		 * a late completion finds ch->priv NULL (on_event).  The bus
		 * closes the channel. */
		ch->priv = NULL;
		kfree(s);
		return -1;
	}
	kprintf("storvsc: %s: protocol %u.%u, %u KiB per request, %u in flight\n", ch->name,
		s->version >> 8, s->version & 0xff, s->max_transfer / 1024, STORVSC_DEPTH);
	for (unsigned i = 0; i < ARRAY_SIZE(ctls); i++)
		if (!ctls[i]) {
			ctls[i] = s;
			break;
		}
	storvsc_scan(s);
	return 0;
}

/* ---- hibernation (vmbus/pm.c) --------------------------------------------- */

static bool drained(void *arg)
{
	struct storvsc *s = arg;
	return !s->inflight || s->dead;
}

static void drain_poll(void *arg)
{
	storvsc_poll_ctl(arg);
}

/* Nothing new starts (submit answers BUSY); what is in flight completes
 * within the bound, or the suspend is refused and I/O goes on.  A
 * request is never cut short to be sent again: the host may have done
 * it already. */
static int suspend(struct vmbus_channel *ch)
{
	struct storvsc *s = ch->priv;
	if (!s)
		return 0;
	s->suspended = true;
	wait_until(drained, drain_poll, s, time_ns() + STORVSC_SUSPEND_NS);
	uint64_t f = irq_save();
	unsigned left = s->dead ? 0 : s->inflight;
	if (left)
		s->suspended = false;
	irq_restore(f);
	if (left) {
		kprintf("storvsc: %s: cannot suspend: %u requests still in flight after %llu s\n",
			ch->name, left, STORVSC_SUSPEND_NS / 1000000000ull);
		return -1;
	}
	return 0;
}

/* The channel opened again (fresh rings, maybe another relid or a new
 * VM's controller): the whole handshake at whatever version this host
 * accepts (1.7), then the disks checked against what the application
 * holds.  The struct storvsc and the disks' blk devices stay the same. */
static int resume(struct vmbus_channel *ch)
{
	struct storvsc *s = ch->priv;
	if (!s)
		return -1;
	uint16_t was = s->version;
	s->step_done = false;
	s->rescan = false;
	if (vmbus_open(ch, STORVSC_RING_PAGES, STORVSC_RING_PAGES) != 0)
		return -1;
	if (handshake(s) != 0) {
		kprintf("storvsc: %s: initialisation failed after resume\n", ch->name);
		return -1;
	}
	if (s->version != was)
		kprintf("storvsc: %s: protocol %u.%u after resume (was %u.%u)\n", ch->name,
			s->version >> 8, s->version & 0xff, was >> 8, was & 0xff);
	s->suspended = false;
	storvsc_check_disks(s);
	return 0;
}

/* Rescinded, or the bus is going down: nothing more will complete. */
static void remove(struct vmbus_channel *ch)
{
	struct storvsc *s = ch->priv;
	if (!s)
		return;
	uint64_t f = irq_save();
	if (!s->dead) {
		s->dead = true;
		if (s->inflight)
			kprintf("storvsc: %s: controller gone with %u requests in flight; they "
				"failed\n", ch->name, s->inflight);
		fail_all(s, BLK_E_GONE);
	}
	irq_restore(f);
	storvsc_forget_disks(s);
	for (unsigned i = 0; i < ARRAY_SIZE(ctls); i++)
		if (ctls[i] == s)
			ctls[i] = NULL;
	ch->priv = NULL;
	/* Every request has completed (fail_all); a scan command whose
	 * waiter has not taken its slot yet keeps s alive. */
	if (!s->inflight)
		kfree(s);
}

/* Deferred work: rescans the host asked for, and the timeout bound when
 * nobody waits on a disk. */
static void storvsc_poll_all(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ctls); i++) {
		struct storvsc *s = ctls[i];
		if (!s)
			continue;
		storvsc_poll_ctl(s);
		if (s->rescan && !s->dead && !s->suspended) {
			s->rescan = false;
			storvsc_scan(s);
		}
	}
}

static const struct vmbus_driver storvsc_driver = {
	.name = "storvsc",
	.class_id = VMBUS_CLASS_SCSI,
	.probe = probe,
	.remove = remove,
	.suspend = suspend,
	.resume = resume,
	.on_event = on_event,
};

static void storvsc_init(void)
{
	vmbus_register_driver(&storvsc_driver);
	poll_add(storvsc_poll_all);
}
INITCALL(storvsc_init, INIT_DRIVERS);
