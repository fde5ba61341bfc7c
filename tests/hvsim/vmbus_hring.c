/*
 * vmbus_hring.c - the host's side of a channel's two rings (hv-core-
 * protocol.md section 7), written apart from the guest's vmbus/ring.c.
 *
 * The host sees the rings only through the channel's GPADL: a list of
 * guest page numbers, not necessarily contiguous, so every access goes
 * page by page.  The guest is not trusted either: its indices are checked
 * before use and a bad ring is reported, never followed.
 */
#include <string.h>

#include "hvsim.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"

#define PAGE	4096u

/* Bytes at 'off' of guest memory named page by page (a GPADL's list, a
 * GPA range): the pages need not be contiguous, so each is reached on its
 * own; false when the range runs past the list. */
bool vbh_pfn_copy(const uint64_t *pfn, uint64_t npfn, uint64_t off, void *buf, uint32_t n,
		  bool to_guest)
{
	uint8_t *b = buf;
	while (n) {
		uint64_t page = off / PAGE;
		if (page >= npfn)
			return false;
		uint32_t in_page = (uint32_t)(off % PAGE);
		uint32_t chunk = PAGE - in_page < n ? PAGE - in_page : n;
		uint8_t *gpa = (uint8_t *)(uintptr_t)(pfn[page] * PAGE + in_page);
		if (to_guest)
			memcpy(gpa, b, chunk);
		else
			memcpy(b, gpa, chunk);
		b += chunk;
		off += chunk;
		n -= chunk;
	}
	return true;
}

bool vbh_gpadl_copy(const struct vbh_gpadl *g, uint64_t off, void *buf, uint32_t n,
		    bool to_guest)
{
	return vbh_pfn_copy(g->pfn, g->npfn, off, buf, n, to_guest);
}

static struct vbh_gpadl *gpadl_of(const struct vbh_ring *r)
{
	return &vbhost->gpadl[r->gpadl];
}

/* A control field: one aligned u32 in one page, accessed atomically. */
static volatile uint32_t *ctl(const struct vbh_ring *r, unsigned off)
{
	const struct vbh_gpadl *g = gpadl_of(r);
	return (volatile uint32_t *)(uintptr_t)(g->pfn[r->first_page] * PAGE + off);
}

static bool data_copy(const struct vbh_ring *r, uint32_t at, void *buf, uint32_t n, bool to_guest)
{
	uint64_t base = (uint64_t)(r->first_page + 1) * PAGE;
	uint32_t first = r->size - at < n ? r->size - at : n;
	if (!vbh_gpadl_copy(gpadl_of(r), base + at, buf, first, to_guest))
		return false;
	return vbh_gpadl_copy(gpadl_of(r), base, (uint8_t *)buf + first, n - first, to_guest);
}

static uint32_t free_bytes(uint32_t w, uint32_t r, uint32_t size)
{
	return w >= r ? size - (w - r) : r - w;
}

/* Next guest->host packet into pkt: 1 and *len, 0 when empty, -1 when
 * the guest's ring is inconsistent. */
int vbh_ring_read(struct vbh_chan *c, uint8_t *pkt, uint32_t cap, uint32_t *len)
{
	struct vbh_ring *r = &c->out;
	uint32_t w = __atomic_load_n(ctl(r, VB_RING_WRITE), __ATOMIC_ACQUIRE);
	uint32_t rd = *ctl(r, VB_RING_READ);
	if (w >= r->size || rd >= r->size || (w | rd) & 7)
		return -1;
	uint32_t avail = w >= rd ? w - rd : r->size - (rd - w);
	if (avail < VB_PKT_HDR)
		return 0;
	uint8_t d[VB_PKT_HDR];
	data_copy(r, rd, d, sizeof(d), false);
	uint16_t off8, len8;
	memcpy(&off8, d + 2, 2);
	memcpy(&len8, d + 4, 2);
	uint32_t n = (uint32_t)len8 * 8;
	if (len8 < 2 || off8 < 2 || off8 > len8 || n + 8 > avail || n > cap)
		return -1;
	data_copy(r, rd, pkt, n, false);
	uint32_t before = free_bytes(w, rd, r->size);
	rd = (rd + n + 8) % r->size;
	__atomic_store_n(ctl(r, VB_RING_READ), rd, __ATOMIC_SEQ_CST);
	/* A guest blocked on a full ring asked to hear when it has room. */
	uint32_t want = *ctl(r, VB_RING_PENDING_SEND);
	uint32_t now = free_bytes(w, rd, r->size);
	if ((*ctl(r, VB_RING_FEATURES) & VB_RING_FEAT_PENDING) && want && before <= want &&
	    now > want)
		hvsim_signal_guest(VB_SINT, c->relid);
	*len = n;
	return 1;
}

/* One host->guest packet; signals the guest as 7.2 says.  0, or -1 when
 * it does not fit now (the host then drops it: these are requests the
 * guest has not kept up with). */
int vbh_ring_write(struct vbh_chan *c, uint16_t type, uint16_t flags, uint64_t xid,
		   const void *payload, uint32_t n)
{
	struct vbh_ring *r = &c->in;
	uint32_t w = *ctl(r, VB_RING_WRITE);
	uint32_t rd = __atomic_load_n(ctl(r, VB_RING_READ), __ATOMIC_ACQUIRE);
	uint32_t len = (VB_PKT_HDR + n + 7) & ~7u;
	if (w >= r->size || rd >= r->size || (w | rd) & 7 || len + 8 >= free_bytes(w, rd, r->size))
		return -1;
	uint8_t d[VB_PKT_HDR];
	uint16_t off8 = VB_PKT_HDR / 8, len8 = (uint16_t)(len / 8);
	memcpy(d, &type, 2);
	memcpy(d + 2, &off8, 2);
	memcpy(d + 4, &len8, 2);
	memcpy(d + 6, &flags, 2);
	memcpy(d + 8, &xid, 8);
	uint8_t pad[8] = { 0 };
	uint64_t trailer = (uint64_t)w << 32;
	data_copy(r, w, d, sizeof(d), true);
	data_copy(r, (w + VB_PKT_HDR) % r->size, (void *)payload, n, true);
	data_copy(r, (w + VB_PKT_HDR + n) % r->size, pad, len - VB_PKT_HDR - n, true);
	data_copy(r, (w + len) % r->size, &trailer, 8, true);
	uint32_t old = w;
	__atomic_store_n(ctl(r, VB_RING_WRITE), (w + len + 8) % r->size, __ATOMIC_SEQ_CST);
	if (*ctl(r, VB_RING_INTR_MASK) == 0 &&
	    __atomic_load_n(ctl(r, VB_RING_READ), __ATOMIC_SEQ_CST) == old)
		hvsim_signal_guest(VB_SINT, c->relid);
	return 0;
}

/* Fault injection: a write_index past the end of the ring. */
void vbh_ring_corrupt_index(struct vbh_chan *c)
{
	*ctl(&c->in, VB_RING_WRITE) = c->in.size + 8;
	hvsim_signal_guest(VB_SINT, c->relid);
}

/* Fault injection: a descriptor claiming more bytes than the ring holds. */
void vbh_ring_write_bad_len(struct vbh_chan *c)
{
	struct vbh_ring *r = &c->in;
	uint32_t w = *ctl(r, VB_RING_WRITE);
	uint8_t d[VB_PKT_HDR] = { VB_PKT_INBAND, 0, 2, 0, 0xff, 0x7f };
	data_copy(r, w, d, sizeof(d), true);
	__atomic_store_n(ctl(r, VB_RING_WRITE), (w + 32) % r->size, __ATOMIC_SEQ_CST);
	hvsim_signal_guest(VB_SINT, c->relid);
}
