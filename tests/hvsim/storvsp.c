/*
 * storvsp.c - the emulated host's synthetic SCSI controller
 * (hv-vsc-protocols.md section 1): the init state machine, SRB execution
 * against the host's disks, and faults for tests.
 *
 * Modelled on what the references say a host does: packets out of order
 * are answered INVALID_DEVICE_STATE and change nothing (1.7); a packet
 * without the completion flag, a completion from the guest, an unknown
 * operation, an in-band SRB with data or a GPA range that is malformed or
 * shorter than the SRB says are fatal: the channel is no longer served
 * (1.7, 1.8).  Disks are LUNs 0..n-1 of path 0, target 0; an absent LUN
 * answers INQUIRY with peripheral byte 0x7f and anything else with
 * INVALID_LUN (1.10).  INQUIRY ends with DATA_OVERRUN when the guest
 * asked for more than the 36 bytes there are, as real hosts do.
 *
 * Requests run synchronously inside the guest's SignalEvent: each is
 * read from the ring, carried out on the disk, and completed before the
 * next.  Guest memory is reached through the PFNs of the request, never
 * trusted to be contiguous.
 */
#include <string.h>

#include "hvsim.h"
#include "storvsp_defs.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"

#define PAGE		4096u
#define MAX_XFER	(1u << 20)	/* max_transfer_bytes we state (1.5) */
#define MAX_PFNS	(MAX_XFER / PAGE + 1)
/* A host is not instant: requests are taken from the ring this long
 * (100 ns units) after the guest's signal, so the guest can have several
 * outstanding, as on a real host. */
#define SERVICE_DELAY	200

static const uint16_t accepted[] = { SP_V(6, 2), SP_V(6, 0), SP_V(5, 1), SP_V(4, 2), SP_V(2, 0) };

static void log_(struct vbh_chan *c, const char *what, uint32_t v)
{
	if (vbhost->log)
		vbhost->log("storvsp: %s (relid %u): %s (0x%x)", c->dev->name, c->relid, what, v);
}

/* The channel is no longer served (1.7: what OpenVMM does). */
static void fatal(struct vbh_chan *c, const char *why, uint32_t v)
{
	c->scsi.broken = true;
	c->bad_packets++;
	log_(c, why, v);
	log_(c, "channel no longer served", 0);
}

/* ---- one request ---------------------------------------------------------- */

struct srb {
	uint8_t *pkt;			/* the vstor_packet, answered in place */
	uint8_t lun, cdb[16];
	bool data_in;
	uint32_t len;			/* data_transfer_length */
	const uint64_t *pfns;		/* NULL: no data */
	uint32_t offset;		/* in the first page */
	uint32_t npfn;
	uint32_t done;			/* bytes moved */
	struct vbh_disk *disk;		/* NULL: absent LUN */
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static void put_be32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
static void put_be64(uint8_t *p, uint64_t v) { put_be32(p, (uint32_t)(v >> 32)); put_be32(p + 4, (uint32_t)v); }

/* Copy between the guest's buffer (byte 'at' of it) and b. */
static void guest_copy(const struct srb *s, uint32_t at, void *b, uint32_t n, bool to_guest)
{
	vbh_pfn_copy(s->pfns, s->npfn, (uint64_t)s->offset + at, b, n, to_guest);
}

/* Answer data: at most what the guest's buffer holds. */
static void give(struct srb *s, const void *data, uint32_t n)
{
	if (n > s->len)
		n = s->len;
	if (n)
		guest_copy(s, 0, (void *)data, n, true);
	s->done = n;
}

static void status(struct srb *s, uint8_t srb, uint8_t scsi)
{
	s->pkt[SP_SRB_SRB_STATUS] = srb;
	s->pkt[SP_SRB_SCSI_STATUS] = scsi;
}

/* CHECK CONDITION with fixed-format sense (SPC-4 4.5.3). */
static void check(struct vbh_chan *c, struct srb *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
	uint8_t sense[18];
	memset(sense, 0, sizeof(sense));
	sense[0] = 0x70;
	sense[2] = key;
	sense[7] = 10;
	sense[12] = asc;
	sense[13] = ascq;
	status(s, SP_SRB_ERROR | SP_SRB_AUTOSENSE, SC_CHECK_CONDITION);
	uint32_t n = sizeof(sense) < c->scsi.sense_max ? sizeof(sense) : c->scsi.sense_max;
	memset(s->pkt + SP_SRB_CDB, 0, c->scsi.sense_max);
	memcpy(s->pkt + SP_SRB_CDB, sense, n);
	s->pkt[SP_SRB_SENSE_LEN] = (uint8_t)n;
	s->done = 0;
}

/* Move 'count' sectors between the disk and the guest.  Contiguous PFNs
 * go straight to the disk; others through the bounce buffer. */
static int rw(struct srb *s, bool write, uint64_t lba, uint32_t count)
{
	struct vbh_disk *d = s->disk;
	uint32_t ss = d->sector_size;
	bool contiguous = true;
	for (uint32_t i = 1; i < s->npfn; i++)
		contiguous &= s->pfns[i] == s->pfns[0] + i;
	uint32_t chunk = contiguous ? d->max_bytes : sizeof(vbhost->bounce);
	chunk -= chunk % ss;
	uint64_t total = (uint64_t)count * ss;
	for (uint64_t at = 0; at < total;) {
		uint32_t n = total - at < chunk ? (uint32_t)(total - at) : chunk;
		void *buf = contiguous ? (void *)(uintptr_t)(s->pfns[0] * PAGE + s->offset + at)
				       : vbhost->bounce;
		if (write && !contiguous)
			guest_copy(s, (uint32_t)at, buf, n, false);
		int r = d->io(d, write, lba + at / ss, n / ss, buf);
		if (r != 0) {
			d->errors++;
			return -1;
		}
		if (!write && !contiguous)
			guest_copy(s, (uint32_t)at, buf, n, true);
		at += n;
		s->done = (uint32_t)at;
	}
	if (write)
		d->writes++;
	else
		d->reads++;
	return 0;
}

/* ---- commands ------------------------------------------------------------- */

static void inquiry(struct vbh_chan *c, struct srb *s)
{
	(void)c;
	uint8_t d[36];
	memset(d, 0, sizeof(d));
	if (s->cdb[1] & 1) {		/* VPD pages: not served */
		check(c, s, SC_SK_ILLEGAL_REQUEST, 0x24, 0);
		s->pkt[SP_SRB_SRB_STATUS] = SP_SRB_INVALID_REQUEST | SP_SRB_AUTOSENSE;
		return;
	}
	if (!s->disk) {
		d[0] = 0x7f;		/* 1.10: qualifier 3, no device */
	} else {
		d[2] = 5;		/* SPC-3 */
		d[3] = 2;
		d[4] = sizeof(d) - 5;
		memcpy(d + 8, "Msft    Virtual Disk    1.0 ", 28);
	}
	uint32_t alloc = be16(s->cdb + 3);
	give(s, d, alloc < sizeof(d) ? alloc : sizeof(d));
	/* Real hosts say DATA_OVERRUN when there was less than asked. */
	status(s, s->done < s->len ? SP_SRB_DATA_OVERRUN : SP_SRB_SUCCESS, SC_GOOD);
}

static void report_luns(struct vbh_chan *c, struct srb *s)
{
	(void)c;
	uint8_t d[8 + 8 * VBH_DISKS];
	unsigned n = 0;
	memset(d, 0, sizeof(d));
	for (unsigned i = 0; i < vbhost->ndisks; i++)
		if (vbhost->disk[i]->present)
			d[8 + 8 * n++ + 1] = (uint8_t)i;
	put_be32(d, 8 * n);
	give(s, d, 8 + 8 * n);
	status(s, SP_SRB_SUCCESS, SC_GOOD);
}

static void capacity(struct vbh_chan *c, struct srb *s)
{
	(void)c;
	uint8_t d[32];
	memset(d, 0, sizeof(d));
	uint64_t last = s->disk->sectors - 1;
	if (s->cdb[0] == SC_READ_CAPACITY_10) {
		put_be32(d, last > 0xffffffffu ? 0xffffffffu : (uint32_t)last);
		put_be32(d + 4, s->disk->sector_size);
		give(s, d, 8);
	} else {
		put_be64(d, last);
		put_be32(d + 8, s->disk->sector_size);
		give(s, d, 32);
	}
	status(s, SP_SRB_SUCCESS, SC_GOOD);
}

static void unit_ready(struct vbh_chan *c, struct srb *s)
{
	(void)c;
	status(s, SP_SRB_SUCCESS, SC_GOOD);
}

static void sync_cache(struct vbh_chan *c, struct srb *s)
{
	if (s->disk->flush(s->disk) != 0) {
		check(c, s, 0x4, 0x44, 0);	/* hardware error, internal target failure */
		return;
	}
	s->disk->flushes++;
	status(s, SP_SRB_SUCCESS, SC_GOOD);
}


/* READ/WRITE(10) and (16) (SBC-3 5.11, 5.12, 5.35, 5.36).  0: answered;
 * 1: held (never completed, a fault). */
static int read_write(struct vbh_chan *c, struct srb *s)
{
	uint8_t op = s->cdb[0];
	bool write = op == SC_WRITE_10 || op == SC_WRITE_16;
	bool ten = op == SC_READ_10 || op == SC_WRITE_10;
	uint64_t lba = ten ? be32(s->cdb + 2) : be64(s->cdb + 2);
	uint32_t count = ten ? be16(s->cdb + 7) : be32(s->cdb + 10);
	struct vbh_disk *d = s->disk;
	if (lba > d->sectors || count > d->sectors - lba) {
		check(c, s, SC_SK_ILLEGAL_REQUEST, 0x21, 0);	/* LBA out of range */
		return 0;
	}
	if ((uint64_t)count * d->sector_size != s->len || (s->len && !s->pfns)) {
		check(c, s, SC_SK_ILLEGAL_REQUEST, 0x24, 0);	/* invalid field in CDB */
		return 0;
	}
	/* Faults hit writes only: reads come at times a test does not
	 * choose (rescans, the image check before a disk test). */
	if (write && vbh_fault_fires(VBH_FAULT_NO_COMPLETION)) {
		log_(c, "fault: this request is never completed", (uint32_t)lba);
		return 1;
	}
	if (write && vbh_fault_fires(VBH_FAULT_RESCIND_WITH_IO)) {
		log_(c, "fault: request held, controller rescinded", (uint32_t)lba);
		vbh_rescind(c->dev->name);
		return 1;
	}
	if (write && vbh_fault_fires(VBH_FAULT_BUSY)) {
		status(s, SP_SRB_BUSY, SC_GOOD);
		return 0;
	}
	if (write && vbh_fault_fires(VBH_FAULT_SRB_ERROR)) {
		/* SBC-3: write error 0c/00 */
		check(c, s, SC_SK_MEDIUM_ERROR, 0x0c, 0);
		return 0;
	}
	bool short_xfer = write && count > 1 && vbh_fault_fires(VBH_FAULT_SHORT_TRANSFER);
	if (short_xfer)
		count /= 2;
	if (count && rw(s, write, lba, count) != 0) {
		check(c, s, SC_SK_MEDIUM_ERROR, write ? 0x0c : 0x11, 0);
		return 0;
	}
	/* Forced unit access (SBC-3 5.35: FUA in byte 1): durable before the
	 * completion, past the disk's volatile cache. */
	if (write && (s->cdb[1] & SC_RW_FUA) && d->flush(d) != 0) {
		check(c, s, SC_SK_MEDIUM_ERROR, 0x0c, 0);
		return 0;
	}
	status(s, short_xfer ? SP_SRB_DATA_OVERRUN : SP_SRB_SUCCESS, SC_GOOD);
	return 0;
}

static const struct {
	uint8_t op;
	bool needs_disk;
	void (*fn)(struct vbh_chan *c, struct srb *s);
} commands[] = {
	{ SC_TEST_UNIT_READY, true, unit_ready },
	{ SC_INQUIRY, false, inquiry },
	{ SC_REPORT_LUNS, false, report_luns },
	{ SC_READ_CAPACITY_10, true, capacity },
	{ SC_SERVICE_ACTION_IN, true, capacity },
	{ SC_SYNC_CACHE_10, true, sync_cache },
	{ SC_SYNC_CACHE_16, true, sync_cache },
};

/* NTSTATUS for the SRB status (1.6). */
static uint32_t nt_status(uint8_t srb)
{
	switch (srb & 0x3f) {
	case SP_SRB_SUCCESS: return SP_ST_SUCCESS;
	case SP_SRB_DATA_OVERRUN: return SP_ST_BUFFER_OVERFLOW;
	case SP_SRB_BUSY: return SP_ST_DEVICE_BUSY;
	case SP_SRB_INVALID_LUN: case SP_SRB_INVALID_TARGET: return SP_ST_DEVICE_DOES_NOT_EXIST;
	default: return SP_ST_IO_DEVICE_ERROR;
	}
}

/* 0: answer; 1: held. */
static int execute(struct vbh_chan *c, struct srb *s)
{
	uint8_t op = s->cdb[0];
	bool rwop = op == SC_READ_10 || op == SC_WRITE_10 || op == SC_READ_16 || op == SC_WRITE_16;
	if (s->pkt[SP_SRB_PATH] || s->pkt[SP_SRB_TARGET]) {
		status(s, SP_SRB_INVALID_TARGET, SC_CHECK_CONDITION);
		return 0;
	}
	if (op == SC_SERVICE_ACTION_IN && (s->cdb[1] & 0x1f) != SC_SAI_READ_CAPACITY)
		op = 0xff;	/* other service actions: unknown */
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].op != op)
			continue;
		if (commands[i].needs_disk && !s->disk)
			break;
		commands[i].fn(c, s);
		return 0;
	}
	if (!s->disk) {
		/* 1.10: anything else to an absent LUN */
		status(s, SP_SRB_INVALID_LUN, SC_CHECK_CONDITION);
		return 0;
	}
	if (rwop)
		return read_write(c, s);
	check(c, s, SC_SK_ILLEGAL_REQUEST, 0x20, 0);	/* invalid command operation code */
	return 0;
}

/* ---- the channel ---------------------------------------------------------- */

static void complete(struct vbh_chan *c, uint64_t xid, uint8_t *p, uint32_t status_code)
{
	vbh_put32(p, SP_PKT_OP, SP_OP_COMPLETE_IO);
	vbh_put32(p, SP_PKT_FLAGS, 0);
	vbh_put32(p, SP_PKT_STATUS, status_code);
	if (vbh_ring_write(c, VB_PKT_COMP, 0, xid, p, c->scsi.pkt_size) != 0)
		log_(c, "guest's ring full; completion lost", (uint32_t)xid);
}

static void srb(struct vbh_chan *c, const uint8_t *pkt, uint32_t off, uint8_t *p, uint64_t xid,
		bool gpa)
{
	struct srb s;
	memset(&s, 0, sizeof(s));
	s.pkt = p;
	s.lun = p[SP_SRB_LUN];
	s.len = vbh_get32(p, SP_SRB_XFER_LEN);
	s.data_in = p[SP_SRB_DATA_IN] == SP_DATA_IN;
	uint32_t cdb_len = p[SP_SRB_CDB_LEN] <= 16 ? p[SP_SRB_CDB_LEN] : 16;
	memcpy(s.cdb, p + SP_SRB_CDB, cdb_len);
	if (gpa) {
		/* 1.8: exactly one range; enough PFNs; not shorter than the SRB. */
		uint32_t ranges = vbh_get32(pkt, SP_GPA_RANGE_COUNT);
		uint32_t count = vbh_get32(pkt, SP_GPA_BYTE_COUNT);
		s.offset = vbh_get32(pkt, SP_GPA_BYTE_OFFSET);
		uint64_t npfn = ((uint64_t)s.offset + count + PAGE - 1) / PAGE;
		if (off < SP_GPA_PFNS || ranges != 1 || s.offset >= PAGE || count == 0 ||
		    npfn > MAX_PFNS || SP_GPA_PFNS + 8 * npfn > off || count < s.len || !s.len) {
			fatal(c, "malformed GPA-direct SRB", ranges);
			return;
		}
		s.pfns = (const uint64_t *)(pkt + SP_GPA_PFNS);
		s.npfn = (uint32_t)npfn;
	} else if (s.len) {
		fatal(c, "in-band SRB with a data length", s.len);
		return;
	}
	if (s.lun < vbhost->ndisks && vbhost->disk[s.lun]->present)
		s.disk = vbhost->disk[s.lun];
	c->scsi.srbs++;
	if (execute(c, &s)) {
		c->scsi.held++;
		return;
	}
	vbh_put32(p, SP_SRB_XFER_LEN, s.done);
	vbh_put16(p, SP_SRB_LENGTH, c->scsi.pkt_size == SP_PKT_SIZE ? 52 : 36);
	complete(c, xid, p, nt_status(p[SP_SRB_SRB_STATUS]));
}

/* 1.7: each step in its state; out of order changes nothing. */
static const enum vbh_scsi_state step_state[SP_OPS] = {
	[SP_OP_BEGIN_INIT] = SP_WAIT_BEGIN,
	[SP_OP_QUERY_VERSION] = SP_WAIT_VERSION,
	[SP_OP_QUERY_PROPERTIES] = SP_WAIT_PROPERTIES,
	[SP_OP_END_INIT] = SP_WAIT_END,
	[SP_OP_EXECUTE_SRB] = SP_READY,
	[SP_OP_RESET_LUN] = SP_READY,
	[SP_OP_RESET_ADAPTER] = SP_READY,
	[SP_OP_RESET_BUS] = SP_READY,
	[SP_OP_CREATE_SUBCHANNELS] = SP_READY,
};

static uint32_t query_version(struct vbh_chan *c, uint8_t *p)
{
	uint16_t v = vbh_get16(p, SP_VER_MAJOR_MINOR);
	for (unsigned i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		if (accepted[i] == v && v <= vbhost->scsi_max_version) {
			c->scsi.version = v;
			c->scsi.pkt_size = v >= SP_V_WIN8 ? SP_PKT_SIZE : SP_PKT_SIZE_PRE8;
			c->scsi.sense_max = v >= SP_V_WIN8 ? SP_SENSE_MAX : SP_SENSE_MAX_PRE8;
			c->scsi.state = SP_WAIT_PROPERTIES;
			return SP_ST_SUCCESS;
		}
	return SP_ST_REVISION_MISMATCH;
}

static void packet(struct vbh_chan *c, const uint8_t *pkt, uint32_t len)
{
	uint16_t type = vbh_get16(pkt, 0), flags = vbh_get16(pkt, 6);
	uint32_t off = (uint32_t)vbh_get16(pkt, 2) * 8;
	uint64_t xid;
	memcpy(&xid, pkt + 8, 8);
	if (c->scsi.broken)
		return;
	if ((type != VB_PKT_INBAND && type != SP_PKT_GPA_DIRECT) ||
	    !(flags & VB_PKT_FLAG_COMPLETION)) {
		fatal(c, "packet that is not a request asking for completion", type);
		return;
	}
	uint8_t p[SP_PKT_SIZE];
	uint32_t n = len - off;
	if (n < SP_PKT_SIZE_PRE8) {
		fatal(c, "vstor_packet too short", n);
		return;
	}
	memset(p, 0, sizeof(p));
	memcpy(p, pkt + off, n < sizeof(p) ? n : sizeof(p));
	uint32_t op = vbh_get32(p, SP_PKT_OP);
	if (op >= SP_OPS || (!step_state[op] && op != SP_OP_BEGIN_INIT)) {
		fatal(c, "unknown operation", op);
		return;
	}
	if (c->scsi.state != step_state[op]) {
		complete(c, xid, p, SP_ST_INVALID_DEVICE_STATE);
		return;
	}
	uint32_t st = SP_ST_SUCCESS;
	memset(p + SP_PKT_PAYLOAD, 0, op == SP_OP_EXECUTE_SRB ? 0 : SP_PKT_SIZE - SP_PKT_PAYLOAD);
	switch (op) {
	case SP_OP_BEGIN_INIT:
		c->scsi.state = SP_WAIT_VERSION;
		break;
	case SP_OP_QUERY_VERSION:
		memcpy(p, pkt + off, n < sizeof(p) ? n : sizeof(p));
		st = query_version(c, p);
		break;
	case SP_OP_QUERY_PROPERTIES:
		vbh_put32(p, SP_PROP_MAX_XFER, MAX_XFER);
		c->scsi.state = SP_WAIT_END;
		break;
	case SP_OP_END_INIT:
		c->scsi.state = SP_READY;
		break;
	case SP_OP_EXECUTE_SRB:
		srb(c, pkt, off, p, xid, type == SP_PKT_GPA_DIRECT);
		return;
	case SP_OP_CREATE_SUBCHANNELS:
		st = SP_ST_INVALID_PARAMETER;	/* no sub-channels here */
		break;
	default:
		break;		/* resets: nothing is queued to reset */
	}
	complete(c, xid, p, st);
}

static void signalled(struct vbh_chan *c)
{
	if (!c->scsi.due)
		c->scsi.due = hvsim_ref_time() + SERVICE_DELAY;
}

static void timer(struct vbh_chan *c, uint64_t now)
{
	if (!c->scsi.due || now < c->scsi.due)
		return;
	c->scsi.due = 0;
	vbh_drain(c);
}

static uint64_t due(const struct vbh_chan *c)
{
	return c->scsi.due;
}

static void opened(struct vbh_chan *c)
{
	memset(&c->scsi, 0, sizeof(c->scsi));
	c->scsi.pkt_size = SP_PKT_SIZE;
	c->scsi.sense_max = SP_SENSE_MAX;
}

static void closed(struct vbh_chan *c)
{
	if (c->scsi.held)
		log_(c, "closed with requests never completed", (uint32_t)c->scsi.held);
	memset(&c->scsi, 0, sizeof(c->scsi));
}

const struct vbh_ops storvsp_ops = {
	.opened = opened,
	.signal = signalled,
	.packet = packet,
	.timer = timer,
	.due = due,
	.closed = closed,
};

int vbh_add_disk(struct vbh_disk *d)
{
	if (vbhost->ndisks == VBH_DISKS)
		return -1;
	d->present = true;
	vbhost->disk[vbhost->ndisks++] = d;
	return 0;
}

/* 1.9: unsolicited, transaction id 0, only from protocol 4.2 on. */
int storvsp_enumerate(void)
{
	struct vbh_chan *c = vbh_find("scsi");
	if (!c || c->state != VBH_OPEN || c->scsi.state != SP_READY || c->scsi.version < SP_V(4, 2))
		return -1;
	uint8_t p[SP_PKT_SIZE];
	memset(p, 0, sizeof(p));
	vbh_put32(p, SP_PKT_OP, SP_OP_ENUMERATE_BUS);
	return vbh_ring_write(c, VB_PKT_INBAND, 0, 0, p, c->scsi.pkt_size);
}
