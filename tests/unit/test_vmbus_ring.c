/* Host tests for vmbus/ring.c: packets in and out of a ring, the
 * free-space and signalling rules of hv-core-protocol.md 7.2/7.3, and a
 * hostile host's indices and descriptors.  The ring memory sits between
 * guard bytes; every test ends by checking them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../vmbus/ring.h"

#define GUARD		64
#define GUARD_BYTE	0xa5
#define FILL_BYTE	0x5a

/* One ring in memory: guard, control page, guard, data, guard.  out is
 * the guest's writer view, in the guest's reader view of the same ring
 * (so each plays the host for the other). */
struct fix {
	uint8_t *mem;
	struct vmbus_ring_ctl *ctl;
	uint8_t *data;
	uint32_t size;
	struct vmbus_ring out, in;
};

static struct fix F;

static void fix_open(uint32_t size, uint32_t start)
{
	size_t total = GUARD + sizeof(struct vmbus_ring_ctl) + GUARD + size + GUARD;

	free(F.mem);
	F.mem = malloc(total);
	assert_non_null(F.mem);
	memset(F.mem, GUARD_BYTE, total);
	F.ctl = (struct vmbus_ring_ctl *)(F.mem + GUARD);
	F.data = F.mem + GUARD + sizeof(struct vmbus_ring_ctl) + GUARD;
	F.size = size;
	memset(F.data, FILL_BYTE, size);
	vmbus_ring_ctl_prepare(F.ctl, VMBUS_RING_FEAT_PENDING_SEND_SZ);
	F.ctl->write_index = start;
	F.ctl->read_index = start;
	assert_int_equal(vmbus_ring_init(&F.out, F.ctl, F.data, size, false), VMBUS_RING_OK);
	assert_int_equal(vmbus_ring_init(&F.in, F.ctl, F.data, size, true), VMBUS_RING_OK);
}

static void check_guards(void)
{
	const uint8_t *g[3] = {
		F.mem, F.mem + GUARD + sizeof(struct vmbus_ring_ctl), F.data + F.size,
	};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < GUARD; j++)
			if (g[i][j] != GUARD_BYTE)
				fail_msg("guard %d byte %d overwritten", i, j);
	/* The reserved parts of the control page are never written either. */
	for (size_t j = 16; j < 64; j++)
		assert_int_equal(((uint8_t *)F.ctl)[j], 0);
	for (size_t j = 68; j < sizeof(struct vmbus_ring_ctl); j++)
		assert_int_equal(((uint8_t *)F.ctl)[j], 0);
}

static int teardown(void **state)
{
	(void)state;
	free(F.mem);
	F.mem = NULL;
	return 0;
}

static void fill_payload(uint8_t *p, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

/* An in-band packet of payload_len bytes through the writer view. */
static int put(uint32_t payload_len, uint64_t tid, bool *signal)
{
	static uint8_t payload[65536];
	struct vmbus_pkt_desc d;
	bool dummy;

	assert_int_equal(vmbus_pkt_inband(&d, tid, 0, payload_len), VMBUS_RING_OK);
	fill_payload(payload, payload_len, (uint32_t)tid);
	struct vmbus_ring_piece pc[2] = { { &d, sizeof(d) }, { payload, payload_len } };
	return vmbus_ring_write(&F.out, pc, 2, false, signal ? signal : &dummy);
}

/* Reads one packet and checks it is what put(payload_len, tid) wrote. */
static void get_check(uint32_t payload_len, uint64_t tid)
{
	static uint8_t buf[65536], want[65536];
	struct vmbus_pkt_desc d;
	uint32_t len;

	assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), VMBUS_RING_OK);
	assert_int_equal(len, (16 + payload_len + 7) / 8 * 8);
	memcpy(&d, buf, sizeof(d));
	assert_int_equal(d.type, VMBUS_PKT_DATA_INBAND);
	assert_int_equal(d.offset8, 2);
	assert_int_equal(d.len8, len / 8);
	assert_int_equal(d.trans_id, tid);
	fill_payload(want, payload_len, (uint32_t)tid);
	assert_memory_equal(buf + 16, want, payload_len);
	for (uint32_t i = 16 + payload_len; i < len; i++)
		assert_int_equal(buf[i], 0);	/* padding is zeros */
}

/* The bytes the ring holds at off (wrapping). */
static void ring_bytes(uint32_t off, void *dst, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		((uint8_t *)dst)[i] = F.data[(off + i) % F.size];
}

/* ---- round trips ------------------------------------------------------- */

static void round_trip_one_packet(void **state)
{
	(void)state;
	bool sig;
	uint64_t trailer;

	fix_open(4096, 0);
	assert_int_equal(put(37, 0x1122334455667788ull, &sig), VMBUS_RING_OK);
	/* 16 + 37 = 53, padded to 56, + 8 trailer. */
	assert_int_equal(F.ctl->write_index, 64);
	ring_bytes(56, &trailer, 8);
	assert_int_equal(trailer, 0);	/* start offset 0 in the high half */
	get_check(37, 0x1122334455667788ull);
	assert_int_equal(F.ctl->read_index, 0);	/* not published before commit */
	assert_false(vmbus_ring_commit_read(&F.in));
	assert_int_equal(F.ctl->read_index, 64);
	uint32_t len;
	assert_int_equal(vmbus_ring_read(&F.in, NULL, 0, &len), VMBUS_RING_EMPTY);
	check_guards();
}

static void round_trip_many_with_pieces(void **state)
{
	(void)state;
	uint8_t a[5], b[300], c[1], buf[4096];
	uint32_t len;
	bool sig;

	fix_open(4096, 0);
	for (uint32_t round = 0; round < 200; round++) {
		uint32_t la = round % 5, lb = (round * 13) % 300, lc = round & 1;
		struct vmbus_pkt_desc d;
		fill_payload(a, la, round);
		fill_payload(b, lb, round + 1000);
		c[0] = (uint8_t)round;
		assert_int_equal(vmbus_pkt_inband(&d, round, VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
						  la + lb + lc), VMBUS_RING_OK);
		struct vmbus_ring_piece pc[4] = {
			{ &d, sizeof(d) }, { a, la }, { b, lb }, { c, lc },
		};
		assert_int_equal(vmbus_ring_write(&F.out, pc, 4, false, &sig), VMBUS_RING_OK);
		assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), VMBUS_RING_OK);
		assert_int_equal(len, (16 + la + lb + lc + 7) / 8 * 8);
		assert_memory_equal(buf, &d, sizeof(d));
		assert_memory_equal(buf + 16, a, la);
		assert_memory_equal(buf + 16 + la, b, lb);
		if (lc)
			assert_int_equal(buf[16 + la + lb], c[0]);
		vmbus_ring_commit_read(&F.in);
	}
	check_guards();
}

/* Several packets in flight, read in order, the ring wrapping many times. */
static void queue_of_packets_wraps(void **state)
{
	(void)state;
	fix_open(1024, 0);
	uint32_t next_put = 0, next_get = 0;
	for (int step = 0; step < 2000; step++) {
		uint32_t plen = (next_put * 29) % 150;
		int rc = put(plen, next_put, NULL);
		if (rc == VMBUS_RING_OK) {
			next_put++;
			continue;
		}
		assert_int_equal(rc, VMBUS_RING_FULL);
		/* Drain two packets and free their space. */
		for (int k = 0; k < 2 && next_get < next_put; k++, next_get++)
			get_check((next_get * 29) % 150, next_get);
		vmbus_ring_commit_read(&F.in);
	}
	assert_true(next_get > 100);
	check_guards();
}

/* ---- free-space rule ----------------------------------------------------- */

static void exact_fit_is_size_minus_16(void **state)
{
	(void)state;
	for (uint32_t start = 0; start < 4096; start += 1016) {
		fix_open(4096, start & ~7u);
		/* Packet = 4096 - 16 bytes: descriptor + 4064 payload. */
		assert_int_equal(put(4096 - 32, 7, NULL), VMBUS_RING_OK);
		get_check(4096 - 32, 7);
		check_guards();
	}
}

static void one_byte_too_many_is_refused(void **state)
{
	(void)state;
	uint8_t before[4096];

	fix_open(4096, 0);
	memcpy(before, F.data, sizeof(before));
	/* 4065 bytes pad to a 4088-byte packet: with its trailer it would
	 * fill the ring completely, which the strict rule never allows. */
	assert_int_equal(put(4096 - 32 + 1, 7, NULL), VMBUS_RING_TOO_BIG);
	assert_memory_equal(F.data, before, sizeof(before));
	assert_int_equal(F.ctl->write_index, 0);
	check_guards();
}

static void full_uses_strictly_less(void **state)
{
	(void)state;
	uint8_t before[4096];

	fix_open(4096, 0);
	assert_int_equal(put(48, 1, NULL), VMBUS_RING_OK);	/* 64 + 8 = 72 used */
	/* Free is 4096 - 72 = 4024.  A packet needing exactly 4024 does not
	 * go in (the ring would be full); one needing 4016 does. */
	memcpy(before, F.data, sizeof(before));
	assert_int_equal(put(4024 - 8 - 16, 2, NULL), VMBUS_RING_FULL);
	assert_memory_equal(F.data, before, sizeof(before));
	assert_int_equal(F.ctl->write_index, 72);
	assert_int_equal(put(4016 - 8 - 16, 3, NULL), VMBUS_RING_OK);
	assert_int_equal(F.ctl->write_index, 4088);
	/* 8 bytes free: nothing at all fits now. */
	assert_int_equal(put(0, 4, NULL), VMBUS_RING_FULL);
	get_check(48, 1);
	get_check(4016 - 8 - 16, 3);
	check_guards();
}

/* ---- wrap-around at every 8-byte position ---------------------------------- */

static void wrap_at_every_position(void **state)
{
	(void)state;
	const uint32_t size = 256;
	const uint32_t lens[] = { 0, 1, 8, 13, 40, 100, 200 };

	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		for (uint32_t start = 0; start < size; start += 8) {
			uint32_t plen = lens[li], pkt = (16 + plen + 7) / 8 * 8;
			struct vmbus_pkt_desc d, seen;
			uint64_t trailer;
			uint8_t payload[256];

			fix_open(size, start);
			assert_int_equal(put(plen, start + 1, NULL), VMBUS_RING_OK);
			/* Raw layout: descriptor at start, payload after it,
			 * zero padding, trailer (start << 32), all wrapping. */
			assert_int_equal(vmbus_pkt_inband(&d, start + 1, 0, plen), VMBUS_RING_OK);
			ring_bytes(start, &seen, sizeof(seen));
			assert_memory_equal(&seen, &d, sizeof(d));
			fill_payload(payload, plen, start + 1);
			for (uint32_t i = 0; i < plen; i++)
				assert_int_equal(F.data[(start + 16 + i) % size], payload[i]);
			for (uint32_t i = 16 + plen; i < pkt; i++)
				assert_int_equal(F.data[(start + i) % size], 0);
			ring_bytes(start + pkt, &trailer, 8);
			assert_int_equal(trailer, (uint64_t)start << 32);
			assert_int_equal(F.ctl->write_index, (start + pkt + 8) % size);

			get_check(plen, start + 1);
			assert_false(vmbus_ring_commit_read(&F.in));
			assert_int_equal(F.ctl->read_index, (start + pkt + 8) % size);
			check_guards();
		}
	}
}

/* ---- signalling on write (7.2 step 7) -------------------------------------- */

static void write_signals_only_an_idle_host(void **state)
{
	(void)state;
	bool sig;

	fix_open(4096, 0);
	assert_int_equal(put(10, 1, &sig), VMBUS_RING_OK);
	assert_true(sig);			/* host was at the old write index */
	assert_int_equal(put(10, 2, &sig), VMBUS_RING_OK);
	assert_false(sig);			/* host has not read packet 1 yet */
	get_check(10, 1);
	vmbus_ring_commit_read(&F.in);		/* host now at packet 2 */
	assert_int_equal(put(10, 3, &sig), VMBUS_RING_OK);
	assert_false(sig);			/* still behind the old write index */
	get_check(10, 2);
	get_check(10, 3);
	vmbus_ring_commit_read(&F.in);
	assert_int_equal(put(10, 4, &sig), VMBUS_RING_OK);
	assert_true(sig);			/* caught up again: signal */
	check_guards();
}

static void write_with_interrupt_mask_does_not_signal(void **state)
{
	(void)state;
	bool sig;

	fix_open(4096, 0);
	F.ctl->interrupt_mask = 1;
	assert_int_equal(put(10, 1, &sig), VMBUS_RING_OK);
	assert_false(sig);
	F.ctl->interrupt_mask = 0;
	get_check(10, 1);
	vmbus_ring_commit_read(&F.in);
	assert_int_equal(put(10, 2, &sig), VMBUS_RING_OK);
	assert_true(sig);
	check_guards();
}

/* Our own polling helpers on the inbound ring (7.3 step 6). */
static void mask_and_unmask(void **state)
{
	(void)state;
	bool sig;

	fix_open(4096, 0);
	vmbus_ring_mask(&F.in);
	assert_int_equal(F.ctl->interrupt_mask, 1);
	assert_int_equal(put(10, 1, &sig), VMBUS_RING_OK);
	assert_false(sig);
	assert_true(vmbus_ring_unmask(&F.in));	/* data arrived while masked */
	assert_int_equal(F.ctl->interrupt_mask, 0);
	get_check(10, 1);
	vmbus_ring_commit_read(&F.in);
	assert_false(vmbus_ring_unmask(&F.in));
	check_guards();
}

/* ---- pending_send_sz (7.2 step 3, 7.3 step 5) ------------------------------ */

/* Reads k packets and commits: whether the host must be signalled. */
static bool read_k_commit(int k)
{
	for (int i = 0; i < k; i++) {
		static uint8_t buf[1024];
		uint32_t len;
		assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), VMBUS_RING_OK);
	}
	return vmbus_ring_commit_read(&F.in);
}

static void pending_send_sz_crossing(void **state)
{
	(void)state;
	/* 7 packets of 120 + 8 bytes: 896 used, 128 free; an 8th would
	 * fill the ring exactly, which is refused. */
	fix_open(1024, 0);
	for (int i = 0; i < 7; i++)
		assert_int_equal(put(104, i, NULL), VMBUS_RING_OK);
	assert_int_equal(put(104, 7, NULL), VMBUS_RING_FULL);	/* free 128, needs 128 */

	/* free before = 128.  pending 200: one packet read -> free 256 > 200,
	 * before 128 <= 200: crossing, signal. */
	F.ctl->pending_send_sz = 200;
	assert_true(read_k_commit(1));
	/* Another packet: before 256 > 200, already enough: no signal. */
	assert_false(read_k_commit(1));
	/* pending 600 (free 384): one more read -> 512 <= 600: not enough yet. */
	F.ctl->pending_send_sz = 600;
	assert_false(read_k_commit(1));
	/* Two at once: 512 -> 768 crosses 600 within one batch: signal. */
	assert_true(read_k_commit(2));
	check_guards();
}

static void pending_send_sz_boundaries(void **state)
{
	(void)state;
	/* Free exactly equal to pending is "not enough" (the writer needs
	 * strictly more); free before equal to pending counts as blocked. */
	fix_open(1024, 0);
	for (int i = 0; i < 7; i++)
		assert_int_equal(put(104, i, NULL), VMBUS_RING_OK);
	F.ctl->pending_send_sz = 256;		/* after one read free = 256 */
	assert_false(read_k_commit(1));		/* 128 -> 256: 256 is not > 256 */
	F.ctl->pending_send_sz = 256;		/* before 256 <= 256, after 384 > 256 */
	assert_true(read_k_commit(1));
	F.ctl->pending_send_sz = 0;		/* nobody waiting */
	assert_false(read_k_commit(1));
	check_guards();
}

static void pending_send_sz_needs_feature_bit(void **state)
{
	(void)state;
	fix_open(1024, 0);
	for (int i = 0; i < 7; i++)
		assert_int_equal(put(104, i, NULL), VMBUS_RING_OK);
	F.ctl->feature_bits = 0;
	F.ctl->pending_send_sz = 200;
	assert_false(read_k_commit(1));	/* would cross, but the host never asked for it */
	F.ctl->feature_bits = VMBUS_RING_FEAT_PENDING_SEND_SZ;
	F.ctl->pending_send_sz = 300;	/* 256 -> 384 crosses 300 */
	assert_true(read_k_commit(1));
	check_guards();
}

/* Our writer asks for pending_send_sz when full and clears it on success. */
static void writer_sets_and_clears_pending(void **state)
{
	(void)state;
	struct vmbus_pkt_desc d;
	uint8_t payload[104] = { 0 };
	bool sig;

	fix_open(1024, 0);
	for (int i = 0; i < 7; i++)
		assert_int_equal(put(104, i, NULL), VMBUS_RING_OK);
	assert_int_equal(vmbus_pkt_inband(&d, 9, 0, sizeof(payload)), VMBUS_RING_OK);
	struct vmbus_ring_piece pc[2] = { { &d, sizeof(d) }, { payload, sizeof(payload) } };
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, false, &sig), VMBUS_RING_FULL);
	assert_int_equal(F.ctl->pending_send_sz, 0);
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, true, &sig), VMBUS_RING_FULL);
	assert_int_equal(F.ctl->pending_send_sz, 128);
	assert_true(read_k_commit(1));		/* our own reader sees the crossing */
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, false, &sig), VMBUS_RING_OK);
	assert_int_equal(F.ctl->pending_send_sz, 0);
	check_guards();
}

/* ---- the caller's buffer ---------------------------------------------------- */

static void small_buffer_does_not_consume(void **state)
{
	(void)state;
	uint8_t buf[64];
	uint32_t len;

	fix_open(4096, 0);
	assert_int_equal(put(100, 5, NULL), VMBUS_RING_OK);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), VMBUS_RING_NOSPACE);
	assert_int_equal(len, 120);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
	assert_int_equal(vmbus_ring_read(&F.in, NULL, 0, &len), VMBUS_RING_NOSPACE);
	assert_int_equal(len, 120);
	assert_false(vmbus_ring_commit_read(&F.in));
	assert_int_equal(F.ctl->read_index, 0);
	get_check(100, 5);
	check_guards();
}

/* ---- hostile host: indices ---------------------------------------------------- */

static const uint32_t bad_indices[] = { 4, 1, 4095, 4096, 4104, 0x80000000u, 0xfffffff8u, 0xffffffffu };

static void hostile_write_index(void **state)
{
	(void)state;
	uint8_t buf[4096];
	uint32_t len;

	for (size_t i = 0; i < sizeof(bad_indices) / sizeof(bad_indices[0]); i++) {
		fix_open(4096, 0);
		assert_int_equal(put(100, 1, NULL), VMBUS_RING_OK);
		F.ctl->write_index = bad_indices[i];
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len),
				 VMBUS_RING_BAD_WRITE_INDEX);
		assert_true(vmbus_ring_corrupt(VMBUS_RING_BAD_WRITE_INDEX));
		assert_int_equal(buf[0], 0xee);
		/* The commit path ignores it (nothing was read). */
		assert_false(vmbus_ring_commit_read(&F.in));
		check_guards();
	}
}

static void hostile_read_index(void **state)
{
	(void)state;
	uint8_t before[4096];
	bool sig;

	for (size_t i = 0; i < sizeof(bad_indices) / sizeof(bad_indices[0]); i++) {
		fix_open(4096, 0);
		F.ctl->read_index = bad_indices[i];
		memcpy(before, F.data, sizeof(before));
		assert_int_equal(put(100, 1, &sig), VMBUS_RING_BAD_READ_INDEX);
		assert_false(sig);
		assert_memory_equal(F.data, before, sizeof(before));
		assert_int_equal(F.ctl->write_index, 0);
		/* And our own index is refused at attach time. */
		struct vmbus_ring r;
		assert_int_equal(vmbus_ring_init(&r, F.ctl, F.data, 4096, true),
				 VMBUS_RING_BAD_READ_INDEX);
		uint32_t len;
		assert_int_equal(vmbus_ring_read(&r, NULL, 0, &len), VMBUS_RING_INVAL);
		check_guards();
	}
}

static void bad_sizes_are_refused(void **state)
{
	(void)state;
	struct vmbus_ring r;

	fix_open(4096, 0);
	assert_int_equal(vmbus_ring_init(&r, F.ctl, F.data, 0, true), VMBUS_RING_INVAL);
	assert_int_equal(vmbus_ring_init(&r, F.ctl, F.data, 24, true), VMBUS_RING_INVAL);
	assert_int_equal(vmbus_ring_init(&r, F.ctl, F.data, 4092, true), VMBUS_RING_INVAL);
	assert_int_equal(vmbus_ring_init(&r, F.ctl, NULL, 4096, true), VMBUS_RING_INVAL);
	check_guards();
}

/* ---- hostile host: descriptors ------------------------------------------------- */

/* Puts a raw descriptor at index start, sets write_index to start + avail
 * and checks that reading gives rc without touching the buffer. */
static void hostile_desc(uint32_t start, uint16_t offset8, uint16_t len8, uint32_t avail, int rc)
{
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = offset8,
				    .len8 = len8, .trans_id = 42 };
	static uint8_t buf[8192];
	uint32_t len;

	fix_open(4096, start);
	for (uint32_t i = 0; i < sizeof(d); i++)
		F.data[(start + i) % F.size] = ((uint8_t *)&d)[i];
	F.ctl->write_index = (start + avail) % F.size;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), rc);
	assert_true(vmbus_ring_corrupt(rc));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xee)
			fail_msg("buffer byte %zu written on error", i);
	/* Nothing consumed: the same error again, nothing to commit. */
	assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), rc);
	assert_false(vmbus_ring_commit_read(&F.in));
	assert_int_equal(F.ctl->read_index, start);
	check_guards();
}

static void hostile_descriptors(void **state)
{
	(void)state;
	const uint32_t starts[] = { 0, 8, 4088, 4080, 2048 };	/* incl. a split descriptor */

	for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		uint32_t st = starts[s];
		hostile_desc(st, 2, 0, 64, VMBUS_RING_BAD_LEN);
		hostile_desc(st, 0, 1, 64, VMBUS_RING_BAD_LEN);
		hostile_desc(st, 5, 4, 64, VMBUS_RING_BAD_OFFSET);	/* offset8 > len8 */
		hostile_desc(st, 0, 4, 64, VMBUS_RING_BAD_OFFSET);	/* payload inside the descriptor */
		hostile_desc(st, 1, 4, 64, VMBUS_RING_BAD_OFFSET);
		hostile_desc(st, 2, 8, 64, VMBUS_RING_TRUNCATED);	/* 64 + trailer > 64 */
		hostile_desc(st, 2, 3, 24, VMBUS_RING_TRUNCATED);	/* trailer missing */
		hostile_desc(st, 2, 0xffff, 4088, VMBUS_RING_TRUNCATED);	/* huge */
		hostile_desc(st, 2, 512, 4088, VMBUS_RING_TRUNCATED);	/* the whole ring */
		hostile_desc(st, 2, 2, 8, VMBUS_RING_TRUNCATED);	/* less than a descriptor */
		hostile_desc(st, 2, 2, 16, VMBUS_RING_TRUNCATED);	/* descriptor, no trailer */
	}
}

/* The largest legal packet in the most-filled ring still reads. */
static void largest_hostile_ring_reads(void **state)
{
	(void)state;
	static uint8_t buf[4096];
	uint32_t len;
	struct vmbus_pkt_desc d = { .type = 1, .offset8 = 2, .len8 = 510 };

	fix_open(4096, 8);
	for (uint32_t i = 0; i < sizeof(d); i++)
		F.data[8 + i] = ((uint8_t *)&d)[i];
	F.ctl->write_index = 0;		/* avail = 4088 = 510 x 8 + 8 */
	assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), VMBUS_RING_OK);
	assert_int_equal(len, 4080);
	assert_int_equal(F.ctl->read_index, 8);
	vmbus_ring_commit_read(&F.in);
	assert_int_equal(F.ctl->read_index, 0);
	check_guards();
}

/* ---- the writer's own checks and the packet builders ----------------------------- */

static void writer_checks_its_descriptor(void **state)
{
	(void)state;
	struct vmbus_pkt_desc d;
	uint8_t payload[40] = { 0 };
	bool sig;

	fix_open(4096, 0);
	assert_int_equal(vmbus_pkt_inband(&d, 1, 0, 40), VMBUS_RING_OK);
	struct vmbus_ring_piece pc[2] = { { &d, sizeof(d) }, { payload, 39 } };
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, false, &sig), VMBUS_RING_OK);
	pc[1].len = 41;		/* pads to 64, descriptor says 56 */
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, false, &sig), VMBUS_RING_INVAL);
	pc[1].len = 40;
	d.offset8 = 1;
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, false, &sig), VMBUS_RING_INVAL);
	d.offset8 = 2;
	pc[0].len = 8;		/* shorter than a descriptor */
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, false, &sig), VMBUS_RING_INVAL);
	assert_int_equal(vmbus_ring_write(&F.out, pc, 0, false, &sig), VMBUS_RING_INVAL);
	assert_int_equal(F.ctl->write_index, 56 + 8);
	check_guards();
}

static void builders(void **state)
{
	(void)state;
	struct vmbus_pkt_desc d;

	assert_int_equal(vmbus_pkt_inband(&d, 0xabcdef, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 0),
			 VMBUS_RING_OK);
	assert_int_equal(d.type, 6);
	assert_int_equal(d.offset8, 2);
	assert_int_equal(d.len8, 2);
	assert_int_equal(d.flags, 1);
	assert_int_equal(d.trans_id, 0xabcdef);
	assert_int_equal(vmbus_pkt_completion(&d, 77, 9), VMBUS_RING_OK);
	assert_int_equal(d.type, 0xb);
	assert_int_equal(d.len8, 4);	/* 16 + 9 -> 32 */
	assert_int_equal(d.flags, 0);
	assert_int_equal(vmbus_pkt_inband(&d, 0, 0, 0xffffu * 8 - 16), VMBUS_RING_OK);
	assert_int_equal(d.len8, 0xffff);
	assert_int_equal(vmbus_pkt_inband(&d, 0, 0, 0xffffu * 8 - 15), VMBUS_RING_TOO_BIG);
	assert_string_equal(vmbus_ring_strerror(VMBUS_RING_TRUNCATED),
			    "corrupt ring: packet beyond the written bytes");
	assert_string_equal(vmbus_ring_strerror(-99), "unknown ring result");
}

/* A storvsc-like request: two buffers, hand-computed bytes (8.3). */
static void gpa_direct_header(void **state)
{
	(void)state;
	const uint64_t p1[] = { 0x1234 }, p2[] = { 0x2000, 0x2001, 0x2002 };
	const struct vmbus_gpa_buf bufs[] = {
		{ .byte_count = 512, .byte_offset = 0x100, .pfns = p1 },
		/* 0xf00 + 0x1200 = 0x2100: three pages */
		{ .byte_count = 0x1200, .byte_offset = 0xf00, .pfns = p2 },
	};
	uint8_t h[128];
	uint32_t hlen;

	memset(h, 0xee, sizeof(h));
	assert_int_equal(vmbus_pkt_gpa_direct(h, sizeof(h), 0x55, 1, bufs, 2, 36, &hlen),
			 VMBUS_RING_OK);
	/* 24 + (8 + 8) + (8 + 24) = 72 = 9 x 8; 72 + 36 = 108 -> len8 14. */
	assert_int_equal(hlen, 72);
	const uint8_t golden[72] = {
		0x09, 0x00, 0x09, 0x00, 0x0e, 0x00, 0x01, 0x00,	/* type 9, offset8 9, len8 14, flags 1 */
		0x55, 0, 0, 0, 0, 0, 0, 0,			/* trans_id */
		0, 0, 0, 0, 0x02, 0, 0, 0,			/* reserved, range count 2 */
		0x00, 0x02, 0, 0, 0x00, 0x01, 0, 0,		/* 512 bytes at 0x100 */
		0x34, 0x12, 0, 0, 0, 0, 0, 0,
		0x00, 0x12, 0, 0, 0x00, 0x0f, 0, 0,		/* 0x1200 bytes at 0xf00 */
		0x00, 0x20, 0, 0, 0, 0, 0, 0,
		0x01, 0x20, 0, 0, 0, 0, 0, 0,
		0x02, 0x20, 0, 0, 0, 0, 0, 0,
	};
	assert_memory_equal(h, golden, 72);
	assert_int_equal(h[72], 0xee);
	assert_int_equal(vmbus_pkt_gpa_direct(h, 71, 0x55, 1, bufs, 2, 36, &hlen), VMBUS_RING_NOSPACE);
	assert_int_equal(vmbus_pkt_gpa_direct(h, sizeof(h), 0x55, 1, bufs, 0, 36, &hlen), VMBUS_RING_INVAL);
	struct vmbus_gpa_buf bad = { .byte_count = 1, .byte_offset = 4096, .pfns = p1 };
	assert_int_equal(vmbus_pkt_gpa_direct(h, sizeof(h), 0x55, 1, &bad, 1, 36, &hlen), VMBUS_RING_INVAL);
	bad.byte_offset = 0;
	bad.byte_count = 0;
	assert_int_equal(vmbus_pkt_gpa_direct(h, sizeof(h), 0x55, 1, &bad, 1, 36, &hlen), VMBUS_RING_INVAL);
	assert_int_equal(vmbus_gpa_pfn_count(0, 4096), 1);
	assert_int_equal(vmbus_gpa_pfn_count(1, 4096), 2);
	assert_int_equal(vmbus_gpa_pfn_count(4095, 2), 2);
	assert_int_equal(vmbus_gpa_pfn_count(0xfff, 0xffffffffu), 0x100001);

	/* Through the ring: header piece + payload piece, read back intact. */
	uint8_t payload[36], buf[256];
	uint32_t len;
	bool sig;
	fill_payload(payload, sizeof(payload), 3);
	fix_open(4096, 4032);
	assert_int_equal(vmbus_pkt_gpa_direct(h, sizeof(h), 0x55, 1, bufs, 2, 36, &hlen), VMBUS_RING_OK);
	struct vmbus_ring_piece pc[2] = { { h, hlen }, { payload, sizeof(payload) } };
	assert_int_equal(vmbus_ring_write(&F.out, pc, 2, false, &sig), VMBUS_RING_OK);
	assert_int_equal(vmbus_ring_read(&F.in, buf, sizeof(buf), &len), VMBUS_RING_OK);
	assert_int_equal(len, 112);
	assert_memory_equal(buf, golden, 72);
	assert_memory_equal(buf + 72, payload, 36);
	check_guards();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(round_trip_one_packet, teardown),
		cmocka_unit_test_teardown(round_trip_many_with_pieces, teardown),
		cmocka_unit_test_teardown(queue_of_packets_wraps, teardown),
		cmocka_unit_test_teardown(exact_fit_is_size_minus_16, teardown),
		cmocka_unit_test_teardown(one_byte_too_many_is_refused, teardown),
		cmocka_unit_test_teardown(full_uses_strictly_less, teardown),
		cmocka_unit_test_teardown(wrap_at_every_position, teardown),
		cmocka_unit_test_teardown(write_signals_only_an_idle_host, teardown),
		cmocka_unit_test_teardown(write_with_interrupt_mask_does_not_signal, teardown),
		cmocka_unit_test_teardown(mask_and_unmask, teardown),
		cmocka_unit_test_teardown(pending_send_sz_crossing, teardown),
		cmocka_unit_test_teardown(pending_send_sz_boundaries, teardown),
		cmocka_unit_test_teardown(pending_send_sz_needs_feature_bit, teardown),
		cmocka_unit_test_teardown(writer_sets_and_clears_pending, teardown),
		cmocka_unit_test_teardown(small_buffer_does_not_consume, teardown),
		cmocka_unit_test_teardown(hostile_write_index, teardown),
		cmocka_unit_test_teardown(hostile_read_index, teardown),
		cmocka_unit_test_teardown(bad_sizes_are_refused, teardown),
		cmocka_unit_test_teardown(hostile_descriptors, teardown),
		cmocka_unit_test_teardown(largest_hostile_ring_reads, teardown),
		cmocka_unit_test_teardown(writer_checks_its_descriptor, teardown),
		cmocka_unit_test_teardown(builders, teardown),
		cmocka_unit_test_teardown(gpa_direct_header, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
