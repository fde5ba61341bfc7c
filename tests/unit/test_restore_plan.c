/*
 * Host tests for snapshot/restore_plan.c: the staging plan for image
 * pages whose frames the resuming kernel is using (issue 10, Resume).
 * Plans are applied to a simulated memory: loading must never touch a
 * frame the fresh kernel uses or a routine frame, and after the moves
 * every target holds its image page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../snapshot/bitmap.h"
#include "../../snapshot/restore_plan.h"

#define N 256			/* frames */
#define MOVES_CAP N
#define ROUTINE_MAX 8

struct sim {
	uint8_t target[N / 8], free[N / 8], loads[N / 8];
	uint64_t mem[N];	/* a frame's contents, one word */
	struct restore_move moves[MOVES_CAP];
	uint64_t routine[ROUTINE_MAX];
	struct restore_plan p;
};

static struct sim s;

static void reset(uint32_t routine_frames)
{
	memset(&s, 0, sizeof(s));
	s.p = (struct restore_plan){
		.nframes = N, .target = s.target, .free = s.free,
		.routine_frames = routine_frames,
		.moves = s.moves, .moves_cap = MOVES_CAP, .routine = s.routine,
	};
}

static uint64_t image_word(uint64_t pfn) { return 0x1000000 + pfn; }
static uint64_t fresh_word(uint64_t pfn) { return 0x2000000 + pfn; }

/* Load every image page where the plan says, then run the moves (as the
 * routine would), checking what each step may touch. */
static void apply(void)
{
	for (uint64_t f = 0; f < N; f++)
		s.mem[f] = bm_test(s.free, f) ? 0 : fresh_word(f);
	uint64_t routine_word[ROUTINE_MAX];
	for (uint32_t i = 0; i < s.p.routine_frames; i++)
		routine_word[i] = s.mem[s.routine[i]] = 0xc0de00 + i;

	/* What the restore holds pass 2 to: free frames, none the routine's. */
	restore_plan_loads(&s.p, s.loads);
	for (uint64_t f = 0; f < N; f++)
		if (bm_test(s.loads, f))
			assert_true(bm_test(s.free, f));
	for (uint32_t i = 0; i < s.p.routine_frames; i++)
		assert_false(bm_test(s.loads, s.routine[i]));

	for (uint64_t t = 0; t < N; t++) {
		if (!bm_test(s.target, t))
			continue;
		uint64_t d = restore_plan_dest(&s.p, t);
		assert_int_not_equal(d, RESTORE_NOWHERE);
		assert_true(bm_test(s.free, d));	/* never a used frame */
		assert_true(bm_test(s.loads, d));
		s.mem[d] = image_word(t);
	}
	/* The fresh kernel and the routine are intact before the moves. */
	for (uint64_t f = 0; f < N; f++)
		if (!bm_test(s.free, f))
			assert_int_equal(s.mem[f], fresh_word(f));
	for (uint32_t i = 0; i < s.p.routine_frames; i++)
		assert_int_equal(s.mem[s.routine[i]], routine_word[i]);

	for (uint64_t i = 0; i < s.p.nmoves; i++)
		s.mem[s.p.moves[i].target] = s.mem[s.p.moves[i].staging];

	for (uint64_t t = 0; t < N; t++)
		if (bm_test(s.target, t))
			assert_int_equal(s.mem[t], image_word(t));
	for (uint32_t i = 0; i < s.p.routine_frames; i++)
		assert_int_equal(s.mem[s.routine[i]], routine_word[i]);
}

/* Routine frames: free, not targets, not staging, distinct.  And the
 * restore's own check of the plan agrees. */
static void assert_routine_outside(void)
{
	assert_int_equal(restore_plan_check(&s.p), RESTORE_NOWHERE);
	for (uint32_t i = 0; i < s.p.routine_frames; i++) {
		uint64_t r = s.routine[i];
		assert_true(r < N && bm_test(s.free, r) && !bm_test(s.target, r));
		for (uint64_t m = 0; m < s.p.nmoves; m++)
			assert_int_not_equal(r, s.p.moves[m].staging);
		for (uint32_t j = 0; j < i; j++)
			assert_int_not_equal(r, s.routine[j]);
	}
}

static void set_range(uint8_t *bm, uint64_t lo, uint64_t hi)
{
	for (uint64_t f = lo; f < hi; f++)
		bm_set(bm, f);
}

static void no_collisions(void **state)
{
	(void)state;
	reset(1);
	set_range(s.free, 64, N);		/* the fresh kernel sits low */
	set_range(s.target, 100, 200);
	assert_int_equal(restore_plan_make(&s.p), 0);
	assert_int_equal(s.p.nmoves, 0);
	for (uint64_t t = 100; t < 200; t++)
		assert_int_equal(restore_plan_dest(&s.p, t), t);
	assert_routine_outside();
	apply();
}

static void all_collide(void **state)
{
	(void)state;
	reset(2);
	set_range(s.free, 64, N);
	set_range(s.target, 0, 64);		/* exactly the fresh kernel's frames */
	assert_int_equal(restore_plan_make(&s.p), 0);
	assert_int_equal(s.p.nmoves, 64);
	for (uint64_t i = 0; i < s.p.nmoves; i++) {
		assert_int_equal(s.p.moves[i].target, i);	/* target order */
		assert_true(bm_test(s.free, s.p.moves[i].staging));
		assert_false(bm_test(s.target, s.p.moves[i].staging));
		if (i)
			assert_true(s.p.moves[i].staging > s.p.moves[i - 1].staging);
	}
	assert_routine_outside();
	apply();
}

/* Spare frames exactly enough for the staging and the routine, then one short. */
static void exact_fit_then_one_short(void **state)
{
	(void)state;
	reset(3);
	set_range(s.free, 32, 72);		/* 40 free frames */
	set_range(s.target, 12, 32);		/* 20 colliding targets */
	set_range(s.target, 32, 49);		/* 17 free targets: 23 spare left */
	uint64_t collide, spare;
	restore_plan_count(&s.p, &collide, &spare);
	assert_int_equal(collide, 20);
	assert_int_equal(spare, 23);		/* 20 staging + 3 routine */
	assert_int_equal(restore_plan_make(&s.p), 0);
	assert_routine_outside();
	apply();
	/* One more routine frame does not fit. */
	s.p.routine_frames = 4;
	assert_int_equal(restore_plan_make(&s.p), -1);
	/* Nor one more collision. */
	s.p.routine_frames = 3;
	bm_set(s.target, 11);
	assert_int_equal(restore_plan_make(&s.p), -1);
}

static void not_enough_free_frames(void **state)
{
	(void)state;
	reset(1);
	set_range(s.free, 200, 210);
	set_range(s.target, 0, 100);
	assert_int_equal(restore_plan_make(&s.p), -1);
	/* The move list the caller gave is too short, with frames to spare. */
	reset(1);
	set_range(s.free, 100, N);
	set_range(s.target, 0, 100);
	s.p.moves_cap = 99;
	assert_int_equal(restore_plan_make(&s.p), -1);
	/* A routine needs at least one frame. */
	reset(0);
	set_range(s.free, 100, N);
	assert_int_equal(restore_plan_make(&s.p), -1);
}

/* Pass 2 reads the disk again: a page that was no target goes nowhere. */
static void unplanned_page_goes_nowhere(void **state)
{
	(void)state;
	reset(1);
	set_range(s.free, 64, N);
	set_range(s.target, 32, 96);
	assert_int_equal(restore_plan_make(&s.p), 0);
	assert_int_equal(restore_plan_dest(&s.p, 10), RESTORE_NOWHERE);	/* used */
	assert_int_equal(restore_plan_dest(&s.p, s.routine[0]), RESTORE_NOWHERE);
	assert_int_equal(restore_plan_dest(&s.p, s.p.moves[0].staging), RESTORE_NOWHERE);
	assert_int_equal(restore_plan_dest(&s.p, N), RESTORE_NOWHERE);
	assert_int_equal(restore_plan_dest(&s.p, 40), s.p.moves[8].staging);
	assert_int_equal(restore_plan_dest(&s.p, 80), 80);
}

/* restore_plan_check: a plan that would write outside itself is caught,
 * with the frame at fault, whichever part of it is wrong.  The faults
 * are put in the last move, so that each breaks only the rule named (the
 * order of the moves holds). */
static void check_trips_outside_the_plan(void **state)
{
	(void)state;
	reset(2);
	set_range(s.free, 64, 200);
	set_range(s.free, 211, N);		/* 200..210: used by the fresh kernel */
	set_range(s.target, 32, 96);		/* 32..63 collide */
	set_range(s.target, 150, 160);
	assert_int_equal(restore_plan_make(&s.p), 0);
	assert_int_equal(s.p.nmoves, 32);
	assert_int_equal(restore_plan_check(&s.p), RESTORE_NOWHERE);
	struct restore_move *last = &s.p.moves[31], keep = *last;
	uint64_t r0 = s.routine[0];

	last->staging = 205;			/* a frame the fresh kernel uses */
	assert_int_equal(restore_plan_check(&s.p), 205);
	last->staging = 155;			/* a free target: loaded directly */
	assert_int_equal(restore_plan_check(&s.p), 155);
	last->staging = s.p.moves[30].staging;	/* taken twice */
	assert_int_equal(restore_plan_check(&s.p), s.p.moves[30].staging);
	*last = keep;

	last->target = 205;			/* used, but no target */
	assert_int_equal(restore_plan_check(&s.p), 205);
	last->target = 80;			/* a free target */
	assert_int_equal(restore_plan_check(&s.p), 80);
	last->target = s.p.moves[30].target;	/* twice */
	assert_int_equal(restore_plan_check(&s.p), s.p.moves[30].target);
	*last = keep;

	s.p.nmoves--;				/* the last collision never moved */
	assert_int_equal(restore_plan_check(&s.p), 63);
	s.p.nmoves++;

	s.routine[0] = 205;			/* used */
	assert_int_equal(restore_plan_check(&s.p), 205);
	s.routine[0] = 155;			/* a target */
	assert_int_equal(restore_plan_check(&s.p), 155);
	s.routine[0] = s.p.moves[0].staging;	/* a staging frame */
	assert_int_equal(restore_plan_check(&s.p), s.p.moves[0].staging);
	s.routine[0] = s.routine[1];		/* the other routine frame */
	assert_int_equal(restore_plan_check(&s.p), s.routine[1]);
	s.routine[0] = r0;
	assert_int_equal(restore_plan_check(&s.p), RESTORE_NOWHERE);
}

/* Scattered sets: the same rules for many random layouts. */
static void random_layouts(void **state)
{
	uint64_t x = 88172645463325252ull;
	(void)state;
	for (int round = 0; round < 200; round++) {
		reset(1 + round % ROUTINE_MAX);
		for (uint64_t f = 0; f < N; f++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			if (x % 3 == 0)
				bm_set(s.free, f);
			if ((x >> 8) % 2 == 0)
				bm_set(s.target, f);
		}
		uint64_t collide, spare;
		restore_plan_count(&s.p, &collide, &spare);
		int rc = restore_plan_make(&s.p);
		assert_int_equal(rc, spare >= collide + s.p.routine_frames ? 0 : -1);
		if (rc == 0) {
			assert_int_equal(s.p.nmoves, collide);
			assert_routine_outside();
			apply();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_collisions),
		cmocka_unit_test(all_collide),
		cmocka_unit_test(exact_fit_then_one_short),
		cmocka_unit_test(not_enough_free_frames),
		cmocka_unit_test(unplanned_page_goes_nowhere),
		cmocka_unit_test(check_trips_outside_the_plan),
		cmocka_unit_test(random_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
