/* Host tests of Dynamic Memory: the guest's balloon driver (drivers/
 * balloon*.c) against the emulated host's back-end (tests/hvsim/
 * balloon_host.c) on the VMBus test environment.  The accounting must be
 * exact: every page the host holds is a lent frame in the guest, only
 * those come back, and with ACPI S4 nothing moves at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus_env.h"
#include "../../drivers/balloon.h"

#define MIB		256u	/* pages */
#define B		(env.vbh.balloon)

static int up_s4(void **state)
{
	(void)state;
	env.s4 = true;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	return 0;
}

static int up_no_s4(void **state)
{
	(void)state;
	env.s4 = false;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	return 0;
}

static int down(void **state)
{
	(void)state;
	env_down();
	return 0;
}

/* Let the guest's deferred work run until the host's operation ends. */
static void settle(void)
{
	for (int i = 0; i < 50 && B.busy; i++) {
		env_idle_ms(1);
		env_poll();
	}
	env_idle_ms(1);
	env_poll();
}

/* Every range the host holds is lent in the guest, and they add up. */
static void assert_host_matches_guest(void)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < B.nranges; i++) {
		uint64_t pfn = B.range[i] & ((1ull << 40) - 1), n = B.range[i] >> 40;
		for (uint64_t f = pfn; f < pfn + n; f++)
			assert_int_equal(frame_get(&frames, f << 12), FRAME_LENT);
		sum += n;
	}
	assert_int_equal(sum, B.held);
	assert_int_equal(frames.count[FRAME_LENT], B.held);
	assert_int_equal(balloon_device()->lent, B.held);
}

static void negotiates_and_reports(void **state)
{
	(void)state;
	assert_non_null(balloon_device());
	assert_true(B.up);
	assert_int_equal(B.version, 0x00020000);
	assert_int_equal(B.caps & 3, 3);	/* balloon and hot-add offered (3.7) */
	assert_true(log_has("balloon: protocol 2.0, ballooning and hot-add allowed"));
	uint64_t r0 = B.reports;
	for (int i = 0; i < 3000; i++) {
		env_idle_ms(1);
		env_poll();
	}
	/* one a second (3.5): three more in three seconds */
	assert_in_range(B.reports - r0, 3, 4);
	assert_in_range(B.min_gap, 9900000, 10100000);
	assert_int_equal(B.avail, frames.count[FRAME_FREE]);
	assert_int_equal(B.committed, frames.count[FRAME_OWNED] + frames.count[FRAME_VOLATILE]);
}

static void up_and_down_exactly(void **state)
{
	(void)state;
	uint64_t free0 = frames.count[FRAME_FREE];
	assert_int_equal(HOST(bal_up(8 * MIB)), 0);
	settle();
	assert_false(B.busy);
	assert_int_equal(B.got, 8 * MIB);
	assert_int_equal(frames.count[FRAME_FREE], free0 - 8 * MIB);
	assert_host_matches_guest();
	/* half back, then the rest */
	assert_int_equal(HOST(bal_down(3 * MIB)), 0);
	settle();
	assert_int_equal(frames.count[FRAME_FREE], free0 - 5 * MIB);
	assert_host_matches_guest();
	assert_int_equal(HOST(bal_down(5 * MIB)), 0);
	settle();
	assert_int_equal(frames.count[FRAME_FREE], free0);
	assert_int_equal(frames.count[FRAME_LENT], 0);
	assert_int_equal(B.held, 0);
	assert_int_equal(B.bad, 0);
	assert_int_equal(HOST(bal_down(1)), -3);	/* nothing held */
}

/* More than the floor allows: met in part, and the answer says how much. */
static void partial_up_is_answered_with_what_was_done(void **state)
{
	(void)state;
	uint64_t free0 = frames.count[FRAME_FREE];
	assert_int_equal(HOST(bal_up(free0)), 0);
	settle();
	assert_int_equal(B.got, free0 - BALLOON_FLOOR_PAGES);
	assert_int_equal(frames.count[FRAME_FREE], BALLOON_FLOOR_PAGES);
	assert_host_matches_guest();
	/* at the floor: nothing more, and an empty answer ends it */
	assert_int_equal(HOST(bal_up(1)), 0);
	settle();
	assert_false(B.busy);
	assert_int_equal(B.got, 0);
	assert_int_equal(HOST(bal_down(free0)), 0);
	settle();
	assert_int_equal(frames.count[FRAME_FREE], free0);
}

/* Fragmented memory: more ranges than one 4 KiB response holds, so the
 * guest answers in several (more_pages) and the host sees them all. */
static void many_ranges_many_responses(void **state)
{
	(void)state;
	/* every other frame of the top 2400 in use: 1200 one-frame runs */
	uint64_t top = 48ull << 8;
	for (uint64_t f = top - 2400; f < top; f += 2)
		assert_int_equal(frame_claim(&frames, f << 12, 1, FRAME_OWNED), 0);
	uint64_t free0 = frames.count[FRAME_FREE];
	assert_int_equal(HOST(bal_up(1300)), 0);
	settle();
	assert_int_equal(B.got, 1300);
	assert_int_equal(B.nranges, 1201);	/* 1200 single frames and one run */
	assert_int_equal(frames.count[FRAME_FREE], free0 - 1300);
	assert_host_matches_guest();
}

/* Ranges the guest never lent are not the host's to return. */
static void return_of_pages_never_lent(void **state)
{
	(void)state;
	uint64_t free0 = frames.count[FRAME_FREE], owned0 = frames.count[FRAME_OWNED];
	HOST_VOID(vbh_fault_inject(VBH_FAULT_BALLOON_RANGES));
	settle();
	assert_true(log_has("UNBALLOON_REQUEST of 1000 ranges in 24 bytes; dropped"));
	assert_true(log_has("is not lent; skipped"));
	assert_int_equal(frames.count[FRAME_FREE], free0);
	assert_int_equal(frames.count[FRAME_OWNED], owned0);
	HOST_VOID(vbh_fault_inject(VBH_FAULT_BALLOON_SHORT));
	settle();
	assert_true(log_has("message shorter than its type"));
	assert_int_equal(frames.count[FRAME_LENT], 0);
	/* the device goes on */
	assert_int_equal(HOST(bal_up(MIB)), 0);
	settle();
	assert_int_equal(B.got, MIB);
}

static void hot_add_of_held_back_ram(void **state)
{
	(void)state;
	uint64_t free0 = frames.count[FRAME_FREE], usable0 = mem_usable_bytes;
	assert_int_equal(HOST(bal_hotadd(4 << 20)), 0);
	settle();
	assert_int_equal(frames.count[FRAME_FREE], free0 + 1024);
	assert_int_equal(mem_usable_bytes, usable0 + (4 << 20));
	assert_int_equal(frame_get(&frames, HOTADD_BASE), FRAME_FREE);
	assert_int_equal(frame_get(&frames, HOTADD_BASE + (4 << 20)), FRAME_ABSENT);
	assert_int_equal(B.hotadd_used, 4 << 20);
	assert_int_equal(HOST(bal_hotadd(HOTADD_SIZE)), -5);	/* not that much left */
	/* the same range again: nothing is added twice */
	B.hotadd_used = 0;
	assert_int_equal(HOST(bal_hotadd(8 << 20)), 0);
	settle();
	assert_int_equal(frames.count[FRAME_FREE], free0 + 1024);
	assert_true(log_has("balloon: hot-add: 0 of 2048 pages"));
}

static void with_s4_nothing_moves(void **state)
{
	(void)state;
	uint64_t free0 = frames.count[FRAME_FREE], usable0 = mem_usable_bytes;
	assert_true(log_has("ACPI S4 present: pressure reports only"));
	assert_true(B.up);
	assert_int_equal(B.caps & 3, 3);	/* still advertised (3.7) */
	assert_int_equal(HOST(bal_up(4 * MIB)), 0);
	settle();
	assert_false(B.busy);			/* the empty answer ended it */
	assert_int_equal(B.got, 0);
	assert_int_equal(B.refusals, 1);
	assert_int_equal(HOST(bal_hotadd(4 << 20)), 0);
	settle();
	assert_true(log_has("balloon host: hot-add: asked, added, result: 1024 0 1"));
	HOST_VOID(vbh_fault_inject(VBH_FAULT_BALLOON_RANGES));	/* an unballoon */
	settle();
	assert_false(log_has("not lent; skipped"));	/* refused before looking */
	assert_int_equal(frames.count[FRAME_FREE], free0);
	assert_int_equal(frames.count[FRAME_LENT], 0);
	assert_int_equal(mem_usable_bytes, usable0);
	assert_int_equal(log_count("(logged once)"), 1);
	assert_true(log_has("balloon-up refused: ACPI S4 is present"));
	/* pressure reports go on */
	uint64_t r0 = B.reports;
	for (int i = 0; i < 1100; i++) {
		env_idle_ms(1);
		env_poll();
	}
	assert_true(B.reports > r0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(negotiates_and_reports, up_no_s4, down),
		cmocka_unit_test_setup_teardown(up_and_down_exactly, up_no_s4, down),
		cmocka_unit_test_setup_teardown(partial_up_is_answered_with_what_was_done, up_no_s4,
						down),
		cmocka_unit_test_setup_teardown(many_ranges_many_responses, up_no_s4, down),
		cmocka_unit_test_setup_teardown(return_of_pages_never_lent, up_no_s4, down),
		cmocka_unit_test_setup_teardown(hot_add_of_held_back_ram, up_no_s4, down),
		cmocka_unit_test_setup_teardown(with_s4_nothing_moves, up_s4, down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
