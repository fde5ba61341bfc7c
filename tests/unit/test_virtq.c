/* Host tests for drivers/virtq.c: the split virtqueue's free-running
 * 16-bit indices (virtio 1.1 §2.6.6, §2.6.8) wrapping at 65535, and a
 * device's used index that claims more than the ring holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../drivers/virtq.h"

#define QSIZE 8

static struct {
	struct virtq_desc desc[QSIZE];
	uint8_t avail[VIRTQ_AVAIL_BYTES(QSIZE)];
	uint8_t used[VIRTQ_USED_BYTES(QSIZE)] __attribute__((aligned(4)));
} mem;
static struct virtq q;

static struct virtq_avail *avail(void) { return (struct virtq_avail *)mem.avail; }
static struct virtq_used *used(void) { return (struct virtq_used *)mem.used; }

/* A queue whose indices (ours and the device's) start at 'start'. */
static void setup_at(uint16_t start)
{
	memset(&mem, 0, sizeof(mem));
	virtq_init(&q, QSIZE, mem.desc, mem.avail, mem.used);
	q.avail_idx = q.last_used = start;
	avail()->idx = used()->idx = start;
}

/* The device completes 'id' with 'len'. */
static void device_use(uint32_t id, uint32_t len)
{
	struct virtq_used *u = used();
	u->ring[u->idx & (QSIZE - 1)].id = id;
	u->ring[u->idx & (QSIZE - 1)].len = len;
	u->idx++;
}

static void publish_wraps_at_65535(void **s)
{
	(void)s;
	setup_at(65534);
	for (uint16_t h = 0; h < 4; h++)
		virtq_publish(&q, h);
	assert_int_equal(avail()->idx, 2);	/* 65534 + 4 mod 65536 */
	assert_int_equal(avail()->ring[65534 % QSIZE], 0);
	assert_int_equal(avail()->ring[65535 % QSIZE], 1);
	assert_int_equal(avail()->ring[0], 2);
	assert_int_equal(avail()->ring[1], 3);
}

static void pop_wraps_at_65535(void **s)
{
	(void)s;
	setup_at(65533);
	uint32_t id, len;
	uint16_t pending;
	assert_int_equal(virtq_pop(&q, &id, &len, &pending), VIRTQ_EMPTY);
	for (uint32_t i = 0; i < 5; i++)
		device_use(i, 100 + i);
	assert_int_equal(used()->idx, 2);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(virtq_pop(&q, &id, &len, &pending), VIRTQ_GOT);
		assert_int_equal(pending, 5 - i);
		assert_int_equal(id, i);
		assert_int_equal(len, 100 + i);
	}
	assert_int_equal(q.last_used, 2);
	assert_int_equal(virtq_pop(&q, &id, &len, &pending), VIRTQ_EMPTY);
}

static void full_ring_exactly(void **s)
{
	(void)s;
	setup_at(65530);
	uint32_t id, len;
	uint16_t pending;
	for (uint32_t i = 0; i < QSIZE; i++)
		device_use(i, 1);
	assert_int_equal(virtq_pop(&q, &id, &len, &pending), VIRTQ_GOT);
	assert_int_equal(pending, QSIZE);
}

static void used_index_too_far_ahead(void **s)
{
	(void)s;
	setup_at(65535);
	uint32_t id = 77, len = 77;
	uint16_t pending;
	used()->idx = (uint16_t)(65535 + QSIZE + 1);
	assert_int_equal(virtq_pop(&q, &id, &len, &pending), VIRTQ_BAD_INDEX);
	assert_int_equal(pending, QSIZE + 1);
	assert_int_equal(id, 77);		/* nothing consumed */
	assert_int_equal(q.last_used, 65535);
	/* Behind ours (the device went backwards): a huge distance, refused. */
	used()->idx = 65534;
	assert_int_equal(virtq_pop(&q, &id, &len, &pending), VIRTQ_BAD_INDEX);
	assert_int_equal(pending, 65535);
}

static void notify_flag(void **s)
{
	(void)s;
	setup_at(0);
	assert_true(virtq_needs_notify(&q));
	used()->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_false(virtq_needs_notify(&q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(publish_wraps_at_65535),
		cmocka_unit_test(pop_wraps_at_65535),
		cmocka_unit_test(full_ring_exactly),
		cmocka_unit_test(used_index_too_far_ahead),
		cmocka_unit_test(notify_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
