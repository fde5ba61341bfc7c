/*
 * balloon_host.c - the host's side of Dynamic Memory (hv-vsc-protocols.md
 * section 3), as the administrator drives it: it accepts protocol 2.0
 * and the guest's capabilities, keeps the last status report (the guest's
 * pressure), asks for balloon-up and balloon-down in MiB, and offers RAM
 * it held back at boot as hot-add.  It remembers every page range the
 * guest gave, and gives back only those.  Guest messages are checked
 * against their type's size; a bad one is counted and logged.
 */
#include <string.h>

#include "devhost.h"
#include "hvsim.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"

/* The host's copy of 3.1-3.3 */
enum {
	DM_VER_REQ = 1, DM_VER_RESP, DM_CAPS, DM_CAPS_RESP, DM_STATUS, DM_BAL_REQ, DM_BAL_RESP,
	DM_UNBAL_REQ, DM_UNBAL_RESP, DM_HOTADD_REQ, DM_HOTADD_RESP,
};
#define DM_HDR		8
#define DM_V2_0		0x00020000u
#define RANGE_COUNT(r)	((r) >> 40)
#define RANGE_PFN(r)	((r) & ((1ull << 40) - 1))
#define RANGES_PER_MSG	((4096 - 16) / 8)
#define MS		((uint64_t)10000)/* reference time units */

#define B	(vbhost->balloon)

static void say(const char *what, uint64_t a, uint64_t b, uint64_t c)
{
	if (vbhost->log)
		vbhost->log("balloon host: %s %lu %lu %lu", what, a, b, c);
}

static struct vbh_chan *chan(void)
{
	struct vbh_chan *c = vbh_find("balloon");
	return c && c->state == VBH_OPEN ? c : NULL;
}

static int send_dm(struct vbh_chan *c, uint8_t *m, uint16_t type, uint16_t size, uint32_t xid)
{
	vbh_put16(m, 0, type);
	vbh_put16(m, 2, size);
	vbh_put32(m, 4, xid);
	return vbh_ring_write(c, VB_PKT_INBAND, 0, 0, m, size);
}

static void accept(struct vbh_chan *c, uint16_t type, uint32_t xid, bool yes)
{
	uint8_t m[16];
	memset(m, 0, sizeof(m));
	m[8] = yes;
	send_dm(c, m, type, sizeof(m), xid);
}

static void bad(const char *why, uint32_t a)
{
	B.bad++;
	if (vbhost->log)
		vbhost->log("balloon host: dropped %s (%u)", why, a);
}

static void keep_range(uint64_t r)
{
	if (B.nranges == BH_RANGES) {
		bad("a range beyond what the host can hold", (uint32_t)RANGE_COUNT(r));
		return;
	}
	B.range[B.nranges++] = r;
	B.held += RANGE_COUNT(r);
}

static void on_balloon_response(const uint8_t *m, uint32_t size)
{
	uint32_t mc = vbh_get32(m, 12), n = mc >> 1;
	if (!B.busy || (uint64_t)16 + 8ull * n > size) {
		bad("BALLOON_RESPONSE unasked or with more ranges than bytes", n);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t r;
		memcpy(&r, m + 16 + 8 * i, 8);
		B.got += RANGE_COUNT(r);
		keep_range(r);
	}
	if (mc & 1)
		return;		/* more to come */
	B.busy = false;
	if (!B.got)
		B.refusals++;
	if (vbhost->log)
		vbhost->log("balloon host: up: asked %lu pages, got %lu in %lu us (%lu MiB held)",
			    B.asked, B.got, (hvsim_ref_time() - B.started) / 10, B.held >> 8);
}

static void on_status(const uint8_t *m)
{
	uint64_t now = hvsim_ref_time();
	memcpy(&B.avail, m + 8, 8);
	memcpy(&B.committed, m + 16, 8);
	if (B.reports) {
		uint64_t gap = now - B.last_report;
		if (!B.min_gap || gap < B.min_gap)
			B.min_gap = gap;
		if (gap > B.max_gap)
			B.max_gap = gap;
	} else {
		B.first_report = now;
	}
	B.last_report = now;
	B.reports++;
}

static void packet(struct vbh_chan *c, const uint8_t *pkt, uint32_t len)
{
	uint32_t off = (uint32_t)vbh_get16(pkt, 2) * 8;
	const uint8_t *m = pkt + off;
	uint32_t n = len - off;
	if (vbh_get16(pkt, 0) != VB_PKT_INBAND || n < DM_HDR) {
		bad("packet not in-band or short", n);
		return;
	}
	uint16_t type = vbh_get16(m, 0), size = vbh_get16(m, 2);
	uint32_t xid = vbh_get32(m, 4);
	static const uint16_t need[] = {
		[DM_VER_REQ] = 16, [DM_CAPS] = 32, [DM_STATUS] = 48, [DM_BAL_RESP] = 16,
		[DM_UNBAL_RESP] = 8, [DM_HOTADD_RESP] = 16,
	};
	if (size > n || type >= sizeof(need) / sizeof(need[0]) || !need[type] ||
	    size < need[type]) {
		bad("message of unknown type or wrong size", type);
		return;
	}
	switch (type) {
	case DM_VER_REQ:
		B.version = vbh_get32(m, 8);
		accept(c, DM_VER_RESP, xid, B.version == DM_V2_0);
		break;
	case DM_CAPS:
		memcpy(&B.caps, m + 8, 8);
		/* Balloon and hot-add must both be offered (3.7). */
		B.up = (B.caps & 3) == 3;
		accept(c, DM_CAPS_RESP, xid, B.up);
		break;
	case DM_STATUS:
		on_status(m);
		break;
	case DM_BAL_RESP:
		on_balloon_response(m, size);
		break;
	case DM_UNBAL_RESP:
		B.busy = false;
		say("down: done; pages, ms, MiB held:", B.asked,
		    (hvsim_ref_time() - B.started) / MS, B.held >> 8);
		break;
	case DM_HOTADD_RESP: {
		uint32_t pages = vbh_get32(m, 8), result = vbh_get32(m, 12);
		B.busy = false;
		B.hotadd_used += (uint64_t)pages * 4096;
		if (!pages)
			B.refusals++;
		say("hot-add: asked, added, result:", B.asked, pages, result);
		break;
	}
	}
}

static void opened(struct vbh_chan *c)
{
	(void)c;
	B.up = false;
	B.busy = false;
}

const struct vbh_ops balloon_backend = { .opened = opened, .packet = packet };

int bal_up(uint64_t pages)
{
	struct vbh_chan *c = chan();
	uint8_t m[16];
	if (!c || !B.up)
		return -1;
	if (B.busy)
		return -2;
	memset(m, 0, sizeof(m));
	vbh_put32(m, 8, (uint32_t)pages);
	B.busy = true;
	B.asked = pages;
	B.got = 0;
	B.started = hvsim_ref_time();
	if (send_dm(c, m, DM_BAL_REQ, sizeof(m), ++B.next_trans) != 0) {
		B.busy = false;
		return -4;
	}
	return 0;
}

/* The last ranges the guest gave, up to pages, in messages of at most
 * RANGES_PER_MSG ranges; more_pages on all but the last. */
int bal_down(uint64_t pages)
{
	struct vbh_chan *c = chan();
	uint8_t *m = B.msg;
	if (!c || !B.up)
		return -1;
	if (B.busy)
		return -2;
	if (!B.held)
		return -3;
	B.busy = true;
	B.asked = 0;
	B.started = hvsim_ref_time();
	while (pages && B.nranges) {
		uint32_t n = 0;
		while (pages && B.nranges && n < RANGES_PER_MSG) {
			uint64_t r = B.range[B.nranges - 1], cnt = RANGE_COUNT(r);
			uint64_t take = cnt < pages ? cnt : pages;
			uint64_t back = RANGE_PFN(r) + cnt - take;
			uint64_t out = back | take << 40;
			memcpy(m + 16 + 8 * n++, &out, 8);
			if (take == cnt)
				B.nranges--;
			else
				B.range[B.nranges - 1] = RANGE_PFN(r) | (cnt - take) << 40;
			B.held -= take;
			B.asked += take;
			pages -= take;
		}
		bool more = pages && B.nranges;
		vbh_put32(m, 8, more);
		vbh_put32(m, 12, n);
		if (send_dm(c, m, DM_UNBAL_REQ, (uint16_t)(16 + 8 * n), ++B.next_trans) != 0) {
			B.busy = false;
			return -4;
		}
	}
	return 0;
}

int bal_hotadd(uint64_t bytes)
{
	struct vbh_chan *c = chan();
	uint8_t m[24];
	if (!c || !B.up)
		return -1;
	if (B.busy)
		return -2;
	if (bytes > HOTADD_SIZE - B.hotadd_used)
		return -5;
	uint64_t pfn = (HOTADD_BASE + B.hotadd_used) >> 12, pages = bytes >> 12;
	uint64_t range = pfn | pages << 40;
	uint64_t region = (HOTADD_BASE >> 12) | (HOTADD_SIZE >> 12) << 40;
	memcpy(m + 8, &range, 8);
	memcpy(m + 16, &region, 8);
	B.busy = true;
	B.asked = pages;
	B.started = hvsim_ref_time();
	if (send_dm(c, m, DM_HOTADD_REQ, sizeof(m), ++B.next_trans) != 0) {
		B.busy = false;
		return -4;
	}
	return 0;
}

const char *bal_why(int r)
{
	static const char *const why[] = {
		"", "the guest's Dynamic Memory is not up", "an operation is in progress",
		"the guest holds no ballooned pages", "the ring is full",
		"not that much held-back RAM left",
	};
	return r < 0 && -r < (int)(sizeof(why) / sizeof(why[0])) ? why[-r] : "?";
}

/* A BALLOON_REQUEST whose header says 12 bytes: shorter than its type. */
void bal_fault_short(void)
{
	struct vbh_chan *c = chan();
	uint8_t m[16];
	if (!c)
		return;
	memset(m, 0, sizeof(m));
	vbh_put32(m, 8, 256);
	send_dm(c, m, DM_BAL_REQ, 12, ++B.next_trans);
}

/* An UNBALLOON_REQUEST claiming 1000 ranges in 24 bytes, then one with
 * a range the guest never gave (its first page, pfn 1). */
void bal_fault_ranges(void)
{
	struct vbh_chan *c = chan();
	uint8_t m[24];
	if (!c)
		return;
	memset(m, 0, sizeof(m));
	vbh_put32(m, 8, 1);
	vbh_put32(m, 12, 1000);
	send_dm(c, m, DM_UNBAL_REQ, sizeof(m), ++B.next_trans);
	uint64_t r = 1 | 16ull << 40;
	memcpy(m + 16, &r, 8);
	vbh_put32(m, 8, 0);
	vbh_put32(m, 12, 1);
	send_dm(c, m, DM_UNBAL_REQ, sizeof(m), ++B.next_trans);
}
