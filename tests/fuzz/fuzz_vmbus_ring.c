/*
 * fuzz_vmbus_ring.c - libFuzzer harness for vmbus/ring.c, the reader of a
 * ring the host controls completely.
 *
 * Input: 24 bytes of control data, then the data area (its length rounded
 * down to 8, at most 64 KiB, at least VMBUS_RING_MIN_DATA):
 *	 0 u32 write_index	 4 u32 read_index	 8 u32 interrupt_mask
 *	12 u32 pending_send_sz	16 u32 feature_bits	20 u16 first buffer size
 *	22 u8 flags (bit 0: also write a packet afterwards)	23 unused
 * Reads packets until empty or an error, checking that every packet
 * returned is exactly the ring's bytes at the position it was read from
 * and that the reader never claims more than was available (every
 * result has a name); masks and unmasks the host's signals (unmask must
 * say whether the host's write index moved past what was read); commits;
 * then optionally writes a packet through the same memory as the
 * outbound ring.  The data area and buffers are heap blocks of exact size,
 * so AddressSanitizer sees any access outside them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmbus/ring.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	struct vmbus_ring_ctl *ctl;
	struct vmbus_ring r;
	uint8_t *data, *buf;
	uint32_t size, buflen, avail0, taken = 0;
	uint16_t b16;

	if (n < 24 + VMBUS_RING_MIN_DATA)
		return 0;
	size = (uint32_t)((n - 24) & ~(size_t)7);
	if (size > 65536)
		size = 65536;
	ctl = calloc(1, sizeof(*ctl));
	data = malloc(size);
	CHECK(ctl && data);
	memcpy(data, in + 24, size);
	ctl->write_index = get32(in);
	ctl->read_index = get32(in + 4);
	ctl->interrupt_mask = get32(in + 8);
	ctl->pending_send_sz = get32(in + 12);
	ctl->feature_bits = get32(in + 16);
	memcpy(&b16, in + 20, 2);
	buflen = b16;

	if (vmbus_ring_init(&r, ctl, data, size, true) != VMBUS_RING_OK)
		goto out;
	uint32_t wi = ctl->write_index;
	bool wi_ok = wi < size && wi % 8 == 0;
	avail0 = wi >= r.pos ? wi - r.pos : size - (r.pos - wi);

	buf = malloc(buflen ? buflen : 1);
	CHECK(buf);
	for (int i = 0; i < 4096; i++) {
		uint32_t start = r.pos, len = 0;
		int rc = vmbus_ring_read(&r, buflen ? buf : NULL, buflen, &len);
		CHECK(vmbus_ring_strerror(rc) != NULL);

		if (rc == VMBUS_RING_NOSPACE) {
			CHECK(len > buflen && len % 8 == 0 && len < size);
			CHECK(r.pos == start);
			free(buf);
			buflen = len;
			buf = malloc(buflen);
			CHECK(buf);
			continue;
		}
		if (rc != VMBUS_RING_OK) {
			CHECK(rc == VMBUS_RING_EMPTY || vmbus_ring_corrupt(rc));
			CHECK(wi_ok || rc == VMBUS_RING_BAD_WRITE_INDEX);
			CHECK(r.pos == start);
			break;
		}
		/* The packet is the ring's bytes at start, nothing else. */
		CHECK(wi_ok);
		CHECK(len >= 16 && len % 8 == 0 && len <= buflen);
		for (uint32_t k = 0; k < len; k++)
			CHECK(buf[k] == data[(start + k) % size]);
		struct vmbus_pkt_desc d;
		memcpy(&d, buf, sizeof(d));
		CHECK(d.len8 * 8u == len && d.offset8 >= 2 && d.offset8 <= d.len8);
		taken += len + 8;
		CHECK(taken <= avail0);
		CHECK(r.pos == (start + len + 8) % size);
	}
	vmbus_ring_mask(&r);
	CHECK(ctl->interrupt_mask == 1);
	CHECK(vmbus_ring_unmask(&r) == (ctl->write_index != r.pos));
	CHECK(ctl->interrupt_mask == 0);
	(void)vmbus_ring_commit_read(&r);
	CHECK(ctl->read_index == r.pos);
	free(buf);

	/* The same memory as an outbound ring: the host's read_index is
	 * whatever the input said. */
	if (in[22] & 1) {
		struct vmbus_ring w;
		struct vmbus_pkt_desc d;
		uint32_t plen = get32(in + 12) % (size + 64);
		uint8_t *payload = malloc(plen ? plen : 1);
		bool sig;

		CHECK(payload);
		memset(payload, 0x77, plen);
		ctl->read_index = get32(in + 4);
		if (vmbus_ring_init(&w, ctl, data, size, false) == VMBUS_RING_OK &&
		    vmbus_pkt_inband(&d, 1, 0, plen) == VMBUS_RING_OK) {
			struct vmbus_ring_piece pc[2] = { { &d, sizeof(d) }, { payload, plen } };
			int rc = vmbus_ring_write(&w, pc, 2, (in[22] & 2) != 0, &sig);
			CHECK(rc == VMBUS_RING_OK || rc == VMBUS_RING_FULL ||
			      rc == VMBUS_RING_TOO_BIG || rc == VMBUS_RING_BAD_READ_INDEX);
			CHECK(w.pos < size && w.pos % 8 == 0);
		}
		free(payload);
	}
out:
	free(data);
	free(ctl);
	return 0;
}
