/* Host tests for kernel/frame.c: the free/owned/volatile rules and the
 * owned-set enumeration the hibernation image will be built from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"

#define P(n)	((uint64_t)(n) * FRAME_SIZE)
#define NFRAMES	64

static struct frame_map fm;
static uint8_t states[NFRAMES];

static int setup(void **state)
{
	(void)state;
	frame_init(&fm, states, NFRAMES);
	/* RAM: frames 0-15 and 32-63 (a hole at 16-31), as a memory map would. */
	frame_add_free(&fm, 0, P(16));
	frame_add_free(&fm, P(32), P(32));
	return 0;
}

static void add_free_takes_whole_frames_only(void **state)
{
	(void)state;
	struct frame_map m;
	uint8_t s[8];
	frame_init(&m, s, 8);
	frame_add_free(&m, 100, P(3));	/* 100 .. 3 pages + 100: frames 1, 2 */
	assert_int_equal(frame_get(&m, 0), FRAME_ABSENT);
	assert_int_equal(frame_get(&m, P(1)), FRAME_FREE);
	assert_int_equal(frame_get(&m, P(2)), FRAME_FREE);
	assert_int_equal(frame_get(&m, P(3)), FRAME_ABSENT);
	assert_int_equal(m.count[FRAME_FREE], 2);
	frame_add_free(&m, P(6), P(100));	/* clipped at the end of the map */
	assert_int_equal(m.count[FRAME_FREE], 4);
	assert_int_equal(frame_get(&m, P(1000)), FRAME_ABSENT);
}

static void alloc_is_top_down_and_contiguous(void **state)
{
	(void)state;
	uint64_t a = frame_alloc(&fm, 4, FRAME_OWNED);
	assert_int_equal(a, P(60));
	/* 32..59 is 28 frames: 30 do not fit anywhere now. */
	assert_int_equal(frame_alloc(&fm, 30, FRAME_VOLATILE), 0);
	assert_int_equal(frame_alloc(&fm, 28, FRAME_VOLATILE), P(32));
	/* The upper range is full: the next run comes from below the hole. */
	assert_int_equal(frame_alloc(&fm, 2, FRAME_OWNED), P(14));
	assert_int_equal(fm.count[FRAME_OWNED], 6);
	assert_int_equal(fm.count[FRAME_VOLATILE], 28);
}

static void alloc_fails_cleanly(void **state)
{
	(void)state;
	/* The longest run is 32 frames (32-63); 0-15 cannot hold 17. */
	assert_int_equal(frame_alloc(&fm, 33, FRAME_OWNED), 0);
	assert_int_equal(frame_alloc(&fm, 0, FRAME_OWNED), 0);
	assert_int_equal(frame_alloc(&fm, 1, FRAME_FREE), 0);
	assert_int_equal(fm.count[FRAME_FREE], 48);
	/* Frame 0 is never handed out, even when it is the only one left.
	 * 0 is also the failure value, so check that nothing was taken. */
	assert_int_equal(frame_claim(&fm, P(32), 32, FRAME_OWNED), 0);
	assert_int_equal(frame_claim(&fm, P(1), 15, FRAME_OWNED), 0);
	assert_int_equal(frame_get(&fm, 0), FRAME_FREE);
	assert_int_equal(frame_alloc(&fm, 1, FRAME_OWNED), 0);
	assert_int_equal(frame_get(&fm, 0), FRAME_FREE);
	assert_int_equal(fm.count[FRAME_FREE], 1);
	assert_int_equal(fm.count[FRAME_OWNED], 47);
}

/* The last frame of the map is a frame like any other. */
static void last_frame_of_the_map(void **state)
{
	(void)state;
	assert_int_equal(frame_alloc(&fm, 1, FRAME_OWNED), P(63));
	assert_int_equal(frame_free(&fm, P(63), 1), 0);
	assert_int_equal(frame_claim(&fm, P(63), 1, FRAME_VOLATILE), 0);
	assert_int_equal(frame_convert(&fm, P(63), 1, FRAME_OWNED), 0);
	assert_int_equal(frame_get(&fm, P(63)), FRAME_OWNED);
	assert_int_equal(frame_get(&fm, P(64)), FRAME_ABSENT);	/* one past */
	uint64_t cursor = 0, base, len;
	assert_true(frame_owned_next(&fm, &cursor, &base, &len));
	assert_int_equal(base, P(63));
	assert_int_equal(len, P(1));
	assert_int_equal(cursor, 64);
	assert_false(frame_owned_next(&fm, &cursor, &base, &len));
	/* A run that ends exactly at the end of the map. */
	assert_int_equal(frame_free(&fm, P(63), 1), 0);
	assert_int_equal(frame_claim(&fm, P(48), 16, FRAME_OWNED), 0);
	assert_int_equal(frame_free(&fm, P(48), 16), 0);
	assert_int_equal(frame_claim(&fm, P(48), 17, FRAME_OWNED), -1);
	assert_int_equal(fm.count[FRAME_FREE], 48);
	/* Adding RAM that ends exactly at the map's end. */
	struct frame_map m;
	uint8_t st[4];
	frame_init(&m, st, 4);
	frame_add_free(&m, P(2), P(2));
	assert_int_equal(frame_get(&m, P(3)), FRAME_FREE);
	assert_int_equal(m.count[FRAME_FREE], 2);
	assert_int_equal(frame_alloc(&m, 2, FRAME_VOLATILE), P(2));
	assert_int_equal(m.count[FRAME_VOLATILE], 2);
	assert_int_equal(m.count[FRAME_ABSENT], 2);
}

/* A run of exactly n frames fits n; the highest such run is chosen. */
static void exact_runs_and_ties(void **state)
{
	(void)state;
	/* Free runs now: 0-15 (16) and 32-63 (32).  Leave 4 at 0-3... */
	assert_int_equal(frame_claim(&fm, P(4), 12, FRAME_OWNED), 0);
	/* ...and 4 at 40-43, 4 at 50-53, nothing else. */
	assert_int_equal(frame_claim(&fm, P(32), 8, FRAME_OWNED), 0);
	assert_int_equal(frame_claim(&fm, P(44), 6, FRAME_OWNED), 0);
	assert_int_equal(frame_claim(&fm, P(54), 10, FRAME_OWNED), 0);
	uint64_t base, len;
	/* Three equal runs: the largest is the first of them. */
	frame_largest_free(&fm, &base, &len);
	assert_int_equal(base, 0);
	assert_int_equal(len, P(4));
	assert_int_equal(frame_alloc(&fm, 5, FRAME_OWNED), 0);
	assert_int_equal(frame_alloc(&fm, 4, FRAME_OWNED), P(50));	/* top-down */
	assert_int_equal(frame_alloc(&fm, 4, FRAME_OWNED), P(40));
	/* Frames 0-3: frame 0 cannot be part of a run handed out. */
	assert_int_equal(frame_alloc(&fm, 4, FRAME_OWNED), 0);
	assert_int_equal(frame_alloc(&fm, 3, FRAME_OWNED), P(1));
	assert_int_equal(fm.count[FRAME_FREE], 1);
	frame_largest_free(&fm, &base, &len);
	assert_int_equal(base, 0);
	assert_int_equal(len, P(1));
	/* Nothing free at all. */
	assert_int_equal(frame_claim(&fm, 0, 1, FRAME_OWNED), 0);
	frame_largest_free(&fm, &base, &len);
	assert_int_equal(len, 0);
	assert_int_equal(base, 0);
}

/* Refusals change nothing, and name no frame outside the map. */
static void refusals_at_the_edges(void **state)
{
	(void)state;
	assert_int_equal(frame_claim(&fm, P(64), 1, FRAME_OWNED), -1);	/* first past */
	assert_int_equal(frame_claim(&fm, P(10), 0, FRAME_OWNED), -1);	/* nothing */
	assert_int_equal(frame_free(&fm, P(10), 0), -1);
	assert_int_equal(frame_convert(&fm, P(10), 0, FRAME_OWNED), -1);
	assert_int_equal(frame_claim(&fm, P(10), UINT64_MAX, FRAME_OWNED), -1);	/* wraps */
	assert_int_equal(frame_claim(&fm, P(10), 1, FRAME_FREE), -1);
	assert_int_equal(frame_claim(&fm, P(10), 1, 7), -1);
	assert_int_equal(frame_alloc(&fm, 1, FRAME_ABSENT), 0);
	assert_int_equal(frame_claim(&fm, P(10), 1, FRAME_OWNED), 0);
	assert_int_equal(frame_free(&fm, P(10) + 8, 1), -1);			/* unaligned */
	assert_int_equal(frame_convert(&fm, P(10) + 8, 1, FRAME_VOLATILE), -1);
	assert_int_equal(frame_convert(&fm, P(10), 1, FRAME_FREE), -1);
	assert_int_equal(frame_convert(&fm, P(10), 1, FRAME_ABSENT), -1);
	assert_int_equal(frame_get(&fm, P(10)), FRAME_OWNED);
	assert_int_equal(fm.count[FRAME_FREE], 47);
	assert_int_equal(fm.count[FRAME_OWNED], 1);
	assert_int_equal(fm.count[FRAME_VOLATILE], 0);
	assert_int_equal(fm.count[FRAME_ABSENT], 16);
	/* Adding RAM twice does not change owned frames. */
	frame_add_free(&fm, 0, P(64));
	assert_int_equal(frame_get(&fm, P(10)), FRAME_OWNED);
	assert_int_equal(fm.count[FRAME_FREE], 63);
}

static void state_rules(void **state)
{
	(void)state;
	assert_int_equal(frame_claim(&fm, P(4), 2, FRAME_OWNED), 0);
	assert_int_equal(frame_claim(&fm, P(5), 1, FRAME_OWNED), -1);	/* owned */
	assert_int_equal(frame_claim(&fm, P(15), 2, FRAME_OWNED), -1);	/* 16 absent */
	assert_int_equal(frame_get(&fm, P(15)), FRAME_FREE);		/* unchanged */
	assert_int_equal(frame_claim(&fm, P(8) + 1, 1, FRAME_OWNED), -1);	/* unaligned */
	assert_int_equal(frame_claim(&fm, P(8), 1, FRAME_ABSENT), -1);
	assert_int_equal(frame_claim(&fm, P(63), 2, FRAME_OWNED), -1);	/* past end */

	assert_int_equal(frame_convert(&fm, P(4), 2, FRAME_VOLATILE), 0);
	assert_int_equal(frame_get(&fm, P(5)), FRAME_VOLATILE);
	assert_int_equal(frame_convert(&fm, P(4), 3, FRAME_OWNED), -1);	/* 6 is free */
	assert_int_equal(frame_get(&fm, P(4)), FRAME_VOLATILE);		/* unchanged */
	assert_int_equal(frame_convert(&fm, P(20), 1, FRAME_OWNED), -1);	/* absent */

	assert_int_equal(frame_free(&fm, P(4), 2), 0);
	assert_int_equal(frame_free(&fm, P(4), 1), -1);			/* double free */
	assert_int_equal(frame_free(&fm, P(20), 1), -1);		/* absent */
	assert_int_equal(fm.count[FRAME_FREE], 48);
	assert_int_equal(fm.count[FRAME_OWNED] + fm.count[FRAME_VOLATILE], 0);
	assert_int_equal(fm.count[FRAME_ABSENT], 16);
}

static void owned_runs_in_address_order(void **state)
{
	(void)state;
	frame_claim(&fm, P(40), 3, FRAME_OWNED);
	frame_claim(&fm, P(2), 1, FRAME_OWNED);
	frame_claim(&fm, P(43), 2, FRAME_VOLATILE);	/* splits nothing: excluded */
	frame_claim(&fm, P(45), 1, FRAME_OWNED);
	frame_claim(&fm, P(14), 2, FRAME_OWNED);	/* touches the hole at 16 */
	frame_claim(&fm, P(32), 1, FRAME_OWNED);	/* after the hole: a new run */

	const uint64_t want[][2] = { { P(2), P(1) }, { P(14), P(2) }, { P(32), P(1) },
				     { P(40), P(3) }, { P(45), P(1) } };
	uint64_t cursor = 0, base, len, total = 0;
	size_t i = 0;
	while (frame_owned_next(&fm, &cursor, &base, &len)) {
		assert_true(i < 5);
		assert_int_equal(base, want[i][0]);
		assert_int_equal(len, want[i][1]);
		total += len;
		i++;
	}
	assert_int_equal(i, 5);
	assert_int_equal(total, P(fm.count[FRAME_OWNED]));
	assert_false(frame_owned_next(&fm, &cursor, &base, &len));

	/* Converting a run to volatile removes it from the set. */
	frame_convert(&fm, P(40), 3, FRAME_VOLATILE);
	cursor = 0;
	i = 0;
	while (frame_owned_next(&fm, &cursor, &base, &len))
		assert_int_not_equal(base, P(40)), i++;
	assert_int_equal(i, 4);
}

static void largest_free_run(void **state)
{
	(void)state;
	uint64_t base, len;
	frame_largest_free(&fm, &base, &len);
	assert_int_equal(base, P(32));
	assert_int_equal(len, P(32));
	frame_claim(&fm, P(40), 1, FRAME_OWNED);
	frame_largest_free(&fm, &base, &len);
	assert_int_equal(base, P(41));
	assert_int_equal(len, P(23));
}

/* The balloon's lending: free -> lent -> free only, all or nothing, and
 * every state's count exact. */
static void lend_and_return(void **state)
{
	(void)state;
	assert_int_equal(frame_lend(&fm, P(40), 4), 0);
	assert_int_equal(fm.count[FRAME_LENT], 4);
	assert_int_equal(fm.count[FRAME_FREE], 44);
	assert_int_equal(frame_get(&fm, P(43)), FRAME_LENT);
	/* lent frames are not free: not allocated, not lent again */
	assert_int_equal(frame_lend(&fm, P(43), 2), -1);
	assert_int_equal(frame_claim(&fm, P(41), 1, FRAME_OWNED), -1);
	assert_int_equal(frame_free(&fm, P(41), 1), -1);
	/* a range reaching past the lent ones comes back not at all */
	assert_int_equal(frame_unlend(&fm, P(40), 5), -1);
	assert_int_equal(frame_unlend(&fm, P(16), 1), -1);	/* absent */
	assert_int_equal(fm.count[FRAME_LENT], 4);
	assert_int_equal(frame_unlend(&fm, P(40), 4), 0);
	assert_int_equal(fm.count[FRAME_LENT], 0);
	assert_int_equal(fm.count[FRAME_FREE], 48);
	/* past the map, unaligned, empty */
	assert_int_equal(frame_lend(&fm, P(63), 2), -1);
	assert_int_equal(frame_lend(&fm, P(40) + 1, 1), -1);
	assert_int_equal(frame_lend(&fm, P(40), 0), -1);
}

static void free_runs_from_the_top(void **state)
{
	(void)state;
	uint64_t len;
	assert_int_equal(frame_claim(&fm, P(60), 1, FRAME_OWNED), 0);
	assert_int_equal(frame_free_run_below(&fm, NFRAMES, 100, &len), P(61));
	assert_int_equal(len, 3);
	assert_int_equal(frame_free_run_below(&fm, 60, 100, &len), P(32));
	assert_int_equal(len, 28);
	assert_int_equal(frame_free_run_below(&fm, 60, 5, &len), P(55));
	assert_int_equal(len, 5);
	/* across the hole at 16-31, down to frame 1: frame 0 never */
	assert_int_equal(frame_free_run_below(&fm, 32, 100, &len), P(1));
	assert_int_equal(len, 15);
	assert_int_equal(frame_free_run_below(&fm, 1, 100, &len), 0);
	assert_int_equal(len, 0);
}

/* Hot-add: absent frames only, all or nothing, never frame 0. */
static void add_absent_exactly(void **state)
{
	(void)state;
	assert_int_equal(frame_add_absent(&fm, P(20), 4), 0);
	assert_int_equal(fm.count[FRAME_FREE], 52);
	assert_int_equal(frame_add_absent(&fm, P(20), 1), -1);		/* now free */
	assert_int_equal(frame_add_absent(&fm, P(30), 4), -1);		/* reaches RAM */
	assert_int_equal(frame_get(&fm, P(30)), FRAME_ABSENT);
	assert_int_equal(frame_add_absent(&fm, 0, 1), -1);
	assert_int_equal(frame_add_absent(&fm, P(63), 2), -1);		/* past the end */
	assert_int_equal(fm.count[FRAME_FREE], 52);
	assert_int_equal(fm.count[FRAME_ABSENT], 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_free_takes_whole_frames_only),
		cmocka_unit_test_setup(alloc_is_top_down_and_contiguous, setup),
		cmocka_unit_test_setup(alloc_fails_cleanly, setup),
		cmocka_unit_test_setup(state_rules, setup),
		cmocka_unit_test_setup(owned_runs_in_address_order, setup),
		cmocka_unit_test_setup(largest_free_run, setup),
		cmocka_unit_test_setup(last_frame_of_the_map, setup),
		cmocka_unit_test_setup(exact_runs_and_ties, setup),
		cmocka_unit_test_setup(refusals_at_the_edges, setup),
		cmocka_unit_test_setup(lend_and_return, setup),
		cmocka_unit_test_setup(free_runs_from_the_top, setup),
		cmocka_unit_test_setup(add_absent_exactly, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
