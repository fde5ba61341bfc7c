/*
 * ring.c - VMBus ring buffers, guest side: write packets to the outbound
 * ring, read them from the inbound ring, and decide when the host must be
 * signalled (hv-core-protocol.md 7.2-7.4; packet format 8).
 *
 * Every index the host can write is loaded once per call and checked
 * (multiple of 8, below the data size) before it is used; packet lengths
 * come from a private copy of the descriptor.  All offsets handed to the
 * copy helpers are therefore < size and all lengths <= size, which is what
 * keeps every access inside the data area.
 */
#include <stddef.h>
#include <string.h>

#include "ring.h"

/* ---- shared-memory access and ordering (7.4) --------------------------- */

#define CTL_WRITE_INDEX		offsetof(struct vmbus_ring_ctl, write_index)
#define CTL_READ_INDEX		offsetof(struct vmbus_ring_ctl, read_index)
#define CTL_INTERRUPT_MASK	offsetof(struct vmbus_ring_ctl, interrupt_mask)
#define CTL_PENDING_SEND_SZ	offsetof(struct vmbus_ring_ctl, pending_send_sz)
#define CTL_FEATURE_BITS	offsetof(struct vmbus_ring_ctl, feature_bits)

/* One volatile access per call: the compiler may neither repeat nor
 * invent loads of a value the host can change under us. */
static inline uint32_t ctl_load(const struct vmbus_ring *r, size_t off)
{
	return *(volatile uint32_t *)((uint8_t *)r->ctl + off);
}

static inline void ctl_store(struct vmbus_ring *r, size_t off, uint32_t v)
{
	*(volatile uint32_t *)((uint8_t *)r->ctl + off) = v;
}

/* x86 (TSO): loads are not reordered with loads nor stores with stores,
 * so "read index, then data" and "data, then publish index" need only
 * the compiler kept in order. */
static inline void compiler_barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/* Store followed by a load of another location: a real fence (MFENCE). */
static inline void full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ---- arithmetic ---------------------------------------------------------- */

static inline bool index_ok(const struct vmbus_ring *r, uint32_t i)
{
	return i < r->size && (i & (VMBUS_PKT_ALIGN - 1)) == 0;
}

/* Bytes the producer may still use, counting the byte that must stay
 * free (7.2 step 3).  w == r (empty) gives the whole size. */
static inline uint32_t bytes_free(uint32_t size, uint32_t w, uint32_t r)
{
	return w >= r ? size - (w - r) : r - w;
}

/* Bytes written and not yet read (7.3 step 1). */
static inline uint32_t bytes_avail(uint32_t size, uint32_t w, uint32_t r)
{
	return w >= r ? w - r : size - (r - w);
}

/* off < size, len <= size: at most one wrap. */
static inline uint32_t advance(const struct vmbus_ring *r, uint32_t off, uint32_t len)
{
	uint32_t room = r->size - off;
	return len < room ? off + len : len - room;
}

static void copy_to_ring(struct vmbus_ring *r, uint32_t off, const void *src, uint32_t len)
{
	uint32_t first = r->size - off;

	if (first > len)
		first = len;
	memcpy(r->data + off, src, first);
	memcpy(r->data, (const uint8_t *)src + first, len - first);
}

static void copy_from_ring(const struct vmbus_ring *r, uint32_t off, void *dst, uint32_t len)
{
	uint32_t first = r->size - off;

	if (first > len)
		first = len;
	memcpy(dst, r->data + off, first);
	memcpy((uint8_t *)dst + first, r->data, len - first);
}

static inline uint32_t round8(uint32_t n)
{
	return (n + VMBUS_PKT_ALIGN - 1) & ~(VMBUS_PKT_ALIGN - 1);
}

/* ---- results --------------------------------------------------------------- */

static const char *const result_names[] = {
	[VMBUS_RING_OK] = "ok",
	[VMBUS_RING_EMPTY] = "empty",
	[VMBUS_RING_FULL] = "full",
	[VMBUS_RING_NOSPACE] = "buffer too small",
	[VMBUS_RING_TOO_BIG] = "packet larger than the ring",
	[VMBUS_RING_INVAL] = "invalid argument",
};

static const char *const corrupt_names[] = {
	[-VMBUS_RING_BAD_WRITE_INDEX] = "corrupt ring: bad write_index",
	[-VMBUS_RING_BAD_READ_INDEX] = "corrupt ring: bad read_index",
	[-VMBUS_RING_BAD_LEN] = "corrupt ring: packet shorter than its descriptor",
	[-VMBUS_RING_BAD_OFFSET] = "corrupt ring: bad payload offset",
	[-VMBUS_RING_TRUNCATED] = "corrupt ring: packet beyond the written bytes",
};

const char *vmbus_ring_strerror(int rc)
{
	if (rc >= 0 && (size_t)rc < sizeof(result_names) / sizeof(result_names[0]))
		return result_names[rc];
	if (rc < 0 && (size_t)-rc < sizeof(corrupt_names) / sizeof(corrupt_names[0]) &&
	    corrupt_names[-rc])
		return corrupt_names[-rc];
	return "unknown ring result";
}

/* ---- setup ------------------------------------------------------------------ */

void vmbus_ring_ctl_prepare(struct vmbus_ring_ctl *ctl, uint32_t feature_bits)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->feature_bits = feature_bits;
}

int vmbus_ring_init(struct vmbus_ring *r, struct vmbus_ring_ctl *ctl, void *data,
		    uint32_t size, bool inbound)
{
	if (!ctl || !data || size < VMBUS_RING_MIN_DATA || size > VMBUS_RING_MAX_DATA ||
	    (size & (VMBUS_PKT_ALIGN - 1)) != 0)
		return VMBUS_RING_INVAL;
	memset(r, 0, sizeof(*r));
	r->ctl = ctl;
	r->data = data;
	r->size = size;
	r->pos = ctl_load(r, inbound ? CTL_READ_INDEX : CTL_WRITE_INDEX);
	if (!index_ok(r, r->pos)) {
		r->size = 0;	/* unusable: every later call fails its checks */
		return inbound ? VMBUS_RING_BAD_READ_INDEX : VMBUS_RING_BAD_WRITE_INDEX;
	}
	r->committed = r->pos;
	return VMBUS_RING_OK;
}

/* ---- writing (7.2) ---------------------------------------------------------- */

/* Checks the caller's packet: pieces, descriptor, lengths.  *pkt gets the
 * padded length (len8 x 8), *raw the unpadded sum of the pieces. */
static int check_pieces(const struct vmbus_ring_piece *pc, unsigned int n,
			uint32_t *raw, uint32_t *pkt)
{
	struct vmbus_pkt_desc d;
	uint32_t total = 0;

	if (!pc || n == 0 || !pc[0].buf || pc[0].len < sizeof(d))
		return VMBUS_RING_INVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (pc[i].len && !pc[i].buf)
			return VMBUS_RING_INVAL;
		if (pc[i].len > VMBUS_PKT_MAX_LEN - total)
			return VMBUS_RING_TOO_BIG;
		total += pc[i].len;
	}
	memcpy(&d, pc[0].buf, sizeof(d));
	if ((uint32_t)d.len8 * VMBUS_PKT_ALIGN != round8(total) ||
	    d.offset8 < VMBUS_PKT_INBAND_OFFSET8 || d.offset8 > d.len8)
		return VMBUS_RING_INVAL;
	*raw = total;
	*pkt = round8(total);
	return VMBUS_RING_OK;
}

int vmbus_ring_write(struct vmbus_ring *r, const struct vmbus_ring_piece *pc,
		     unsigned int n, bool set_pending, bool *signal)
{
	static const uint8_t zeros[VMBUS_PKT_ALIGN];
	uint32_t raw, pkt, need, rd, w, off;
	uint64_t trailer;
	int rc;

	*signal = false;
	if (r->size == 0)
		return VMBUS_RING_INVAL;
	rc = check_pieces(pc, n, &raw, &pkt);
	if (rc != VMBUS_RING_OK)
		return rc;
	need = pkt + VMBUS_RING_TRAILER_SIZE;
	if (need >= r->size)
		return VMBUS_RING_TOO_BIG;

	/* Step 2-3: the host's read_index, loaded once. */
	w = r->pos;
	rd = ctl_load(r, CTL_READ_INDEX);
	if (!index_ok(r, rd))
		return VMBUS_RING_BAD_READ_INDEX;
	if (need >= bytes_free(r->size, w, rd)) {
		if (!set_pending)
			return VMBUS_RING_FULL;
		/* Ask for a signal, then look again: the host may have made
		 * room before it could see pending_send_sz. */
		ctl_store(r, CTL_PENDING_SEND_SZ, need);
		r->pending = need;
		full_barrier();
		rd = ctl_load(r, CTL_READ_INDEX);
		if (!index_ok(r, rd))
			return VMBUS_RING_BAD_READ_INDEX;
		if (need >= bytes_free(r->size, w, rd))
			return VMBUS_RING_FULL;
	}
	compiler_barrier();	/* read_index before the data it frees */

	/* Step 4-5: pieces, zero padding, trailer. */
	off = w;
	for (unsigned int i = 0; i < n; i++) {
		if (pc[i].len == 0)
			continue;
		copy_to_ring(r, off, pc[i].buf, pc[i].len);
		off = advance(r, off, pc[i].len);
	}
	if (pkt != raw) {
		copy_to_ring(r, off, zeros, pkt - raw);
		off = advance(r, off, pkt - raw);
	}
	trailer = (uint64_t)w << VMBUS_RING_TRAILER_SHIFT;
	copy_to_ring(r, off, &trailer, sizeof(trailer));
	off = advance(r, off, sizeof(trailer));

	if (r->pending) {
		ctl_store(r, CTL_PENDING_SEND_SZ, 0);
		r->pending = 0;
	}

	/* Step 6: the packet is visible before the index that publishes it. */
	full_barrier();
	ctl_store(r, CTL_WRITE_INDEX, off);
	r->pos = off;

	/* Step 7: signal only a host that may have gone idle: it is not
	 * polling and it had read everything up to our old write_index. */
	full_barrier();
	if (ctl_load(r, CTL_INTERRUPT_MASK) == 0 && ctl_load(r, CTL_READ_INDEX) == w)
		*signal = true;
	return VMBUS_RING_OK;
}

/* ---- reading (7.3) ------------------------------------------------------------ */

int vmbus_ring_read(struct vmbus_ring *r, void *buf, uint32_t buflen, uint32_t *len)
{
	struct vmbus_pkt_desc d;
	uint32_t wi, avail, pkt;

	*len = 0;
	if (r->size == 0)
		return VMBUS_RING_INVAL;
	wi = ctl_load(r, CTL_WRITE_INDEX);
	if (!index_ok(r, wi))
		return VMBUS_RING_BAD_WRITE_INDEX;
	avail = bytes_avail(r->size, wi, r->pos);
	if (avail == 0)
		return VMBUS_RING_EMPTY;
	/* A writer publishes whole packets only: descriptor and trailer at
	 * least.  Fewer bytes is a host error (Linux would call it empty). */
	if (avail < sizeof(d) + VMBUS_RING_TRAILER_SIZE)
		return VMBUS_RING_TRUNCATED;
	compiler_barrier();	/* write_index before the data it covers */

	copy_from_ring(r, r->pos, &d, sizeof(d));
	if (d.len8 < sizeof(d) / VMBUS_PKT_ALIGN)
		return VMBUS_RING_BAD_LEN;
	if (d.offset8 < VMBUS_PKT_INBAND_OFFSET8 || d.offset8 > d.len8)
		return VMBUS_RING_BAD_OFFSET;
	pkt = (uint32_t)d.len8 * VMBUS_PKT_ALIGN;
	if (pkt > avail - VMBUS_RING_TRAILER_SIZE)
		return VMBUS_RING_TRUNCATED;
	if (pkt > buflen || !buf) {
		*len = pkt;
		return VMBUS_RING_NOSPACE;
	}

	copy_from_ring(r, r->pos, buf, pkt);
	memcpy(buf, &d, sizeof(d));	/* the copy we checked, not a re-read */
	r->pos = advance(r, r->pos, pkt + VMBUS_RING_TRAILER_SIZE);
	r->batch += pkt + VMBUS_RING_TRAILER_SIZE;
	*len = pkt;
	return VMBUS_RING_OK;
}

bool vmbus_ring_commit_read(struct vmbus_ring *r)
{
	uint64_t batch = r->batch;
	uint32_t p, wi, now;

	if (r->size == 0 || batch == 0)
		return false;
	/* Step 4: every read of the data is done before the space is freed. */
	full_barrier();
	ctl_store(r, CTL_READ_INDEX, r->pos);
	r->committed = r->pos;
	r->batch = 0;

	/* Step 5: wake a writer blocked on pending_send_sz, exactly when
	 * this batch took the free space from "not enough" (<= p; a full
	 * fit is not enough, 7.2) to "enough" (> p). */
	full_barrier();
	if ((ctl_load(r, CTL_FEATURE_BITS) & VMBUS_RING_FEAT_PENDING_SEND_SZ) == 0)
		return false;
	p = ctl_load(r, CTL_PENDING_SEND_SZ);
	if (p == 0)
		return false;
	wi = ctl_load(r, CTL_WRITE_INDEX);
	if (!index_ok(r, wi))
		return false;	/* the next read reports it */
	now = bytes_free(r->size, wi, r->pos);
	if (batch > now)
		return false;	/* only possible with a misbehaving host */
	return now - batch <= p && p < now;
}

void vmbus_ring_mask(struct vmbus_ring *r)
{
	ctl_store(r, CTL_INTERRUPT_MASK, 1);
}

bool vmbus_ring_unmask(struct vmbus_ring *r)
{
	ctl_store(r, CTL_INTERRUPT_MASK, 0);
	full_barrier();
	return r->size != 0 && ctl_load(r, CTL_WRITE_INDEX) != r->pos;
}

/* ---- building packets (8.3) ---------------------------------------------------- */

static int fill_desc(struct vmbus_pkt_desc *d, uint16_t type, uint16_t flags,
		     uint64_t trans_id, uint32_t hdr_len, uint32_t payload_len)
{
	if (payload_len > VMBUS_PKT_MAX_LEN - hdr_len)
		return VMBUS_RING_TOO_BIG;
	d->type = type;
	d->offset8 = (uint16_t)(hdr_len / VMBUS_PKT_ALIGN);
	d->len8 = (uint16_t)(round8(hdr_len + payload_len) / VMBUS_PKT_ALIGN);
	d->flags = flags;
	d->trans_id = trans_id;
	return VMBUS_RING_OK;
}

int vmbus_pkt_inband(struct vmbus_pkt_desc *d, uint64_t trans_id, uint16_t flags,
		     uint32_t payload_len)
{
	return fill_desc(d, VMBUS_PKT_DATA_INBAND, flags, trans_id, sizeof(*d), payload_len);
}

int vmbus_pkt_completion(struct vmbus_pkt_desc *d, uint64_t trans_id, uint32_t payload_len)
{
	return fill_desc(d, VMBUS_PKT_COMP, 0, trans_id, sizeof(*d), payload_len);
}

int vmbus_pkt_gpa_direct(void *hdr, uint32_t cap, uint64_t trans_id, uint16_t flags,
			 const struct vmbus_gpa_buf *bufs, uint32_t nbufs,
			 uint32_t payload_len, uint32_t *hdr_len)
{
	struct vmbus_pkt_gpa_direct h;
	uint64_t len = sizeof(h);
	uint8_t *out = hdr;
	int rc;

	*hdr_len = 0;
	if (!bufs || nbufs == 0)
		return VMBUS_RING_INVAL;
	for (uint32_t i = 0; i < nbufs; i++) {
		if (bufs[i].byte_count == 0 || bufs[i].byte_offset >= VMBUS_PAGE_SIZE ||
		    !bufs[i].pfns)
			return VMBUS_RING_INVAL;
		len += sizeof(struct vmbus_gpa_range) +
		       8u * (uint64_t)vmbus_gpa_pfn_count(bufs[i].byte_offset, bufs[i].byte_count);
		if (len > VMBUS_PKT_MAX_LEN)
			return VMBUS_RING_TOO_BIG;
	}
	if (len > cap)
		return VMBUS_RING_NOSPACE;
	memset(&h, 0, sizeof(h));
	rc = fill_desc(&h.desc, VMBUS_PKT_DATA_USING_GPA_DIRECT, flags, trans_id,
		       (uint32_t)len, payload_len);
	if (rc != VMBUS_RING_OK)
		return rc;
	h.range_count = nbufs;
	memcpy(out, &h, sizeof(h));
	out += sizeof(h);
	for (uint32_t i = 0; i < nbufs; i++) {
		struct vmbus_gpa_range g = {
			.byte_count = bufs[i].byte_count,
			.byte_offset = bufs[i].byte_offset,
		};
		uint32_t k = vmbus_gpa_pfn_count(g.byte_offset, g.byte_count);

		memcpy(out, &g, sizeof(g));
		out += sizeof(g);
		memcpy(out, bufs[i].pfns, 8u * (size_t)k);
		out += 8u * (size_t)k;
	}
	*hdr_len = (uint32_t)len;
	return VMBUS_RING_OK;
}
