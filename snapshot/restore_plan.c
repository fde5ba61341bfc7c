/*
 * restore_plan.c - the staging plan for colliding pages (restore_plan.h).
 *
 * Staging frames come from the bottom of the spare frames, routine frames
 * from the top, so neither search depends on the other's result.  Staging
 * frames are not targets, so loading a page directly never lands on one,
 * and the moves are independent of each other: any order is right.
 * restore_plan_check does not trust any of this: it checks a plan's
 * result against its inputs alone.
 */
#include "restore_plan.h"

#include "bitmap.h"

static int spare(const struct restore_plan *p, uint64_t f)
{
	return bm_test(p->free, f) && !bm_test(p->target, f);
}

static int collides(const struct restore_plan *p, uint64_t f)
{
	return bm_test(p->target, f) && !bm_test(p->free, f);
}

void restore_plan_count(const struct restore_plan *p, uint64_t *collide, uint64_t *nspare)
{
	*collide = *nspare = 0;
	for (uint64_t f = 0; f < p->nframes; f++) {
		*collide += collides(p, f);
		*nspare += spare(p, f);
	}
}

int restore_plan_make(struct restore_plan *p)
{
	uint64_t collide, nspare;

	p->nmoves = 0;
	restore_plan_count(p, &collide, &nspare);
	if (p->routine_frames == 0 || collide > p->moves_cap ||
	    nspare < collide + p->routine_frames)
		return -1;

	/* Routine frames: the highest spare ones. */
	uint64_t f = p->nframes;
	for (uint32_t i = 0; i < p->routine_frames; i++) {
		while (!spare(p, --f))
			;
		p->routine[i] = f;
	}
	uint64_t lowest_routine = f;

	/* Staging: the lowest spare frames, one per collision, target order.
	 * nspare >= collide + routine_frames keeps them below the routine's. */
	uint64_t s = 0;
	for (uint64_t t = 0; t < p->nframes; t++) {
		if (!collides(p, t))
			continue;
		while (!spare(p, s))
			s++;
		p->moves[p->nmoves++] = (struct restore_move){ .staging = s, .target = t };
		s++;
	}
	return s <= lowest_routine ? 0 : -1;
}

/* Pass 2 reads the disk again: a page that was not a target in pass 1
 * could land on a staging or routine frame, so it goes nowhere. */
uint64_t restore_plan_dest(const struct restore_plan *p, uint64_t pfn)
{
	if (pfn >= p->nframes || !bm_test(p->target, pfn))
		return RESTORE_NOWHERE;
	if (bm_test(p->free, pfn))
		return pfn;
	uint64_t lo = 0, hi = p->nmoves;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (p->moves[mid].target < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nmoves && p->moves[lo].target == pfn)
		return p->moves[lo].staging;
	return RESTORE_NOWHERE;		/* not planned: the target set changed */
}

void restore_plan_loads(const struct restore_plan *p, uint8_t *bm)
{
	for (uint64_t i = 0; i < BITMAP_BYTES(p->nframes); i++)
		bm[i] = p->target[i] & p->free[i];
	for (uint64_t i = 0; i < p->nmoves; i++)
		bm_set(bm, p->moves[i].staging);
}

/* Is f one of the (increasing) staging frames? */
static int is_staging(const struct restore_plan *p, uint64_t f)
{
	uint64_t lo = 0, hi = p->nmoves;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (p->moves[mid].staging < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->nmoves && p->moves[lo].staging == f;
}

uint64_t restore_plan_check(const struct restore_plan *p)
{
	for (uint64_t i = 0; i < p->nmoves; i++) {
		const struct restore_move *m = &p->moves[i];
		if (m->target >= p->nframes || !collides(p, m->target) ||
		    (i && m->target <= m[-1].target))
			return m->target;	/* free, not a target, or twice */
		if (m->staging >= p->nframes || !spare(p, m->staging) ||
		    (i && m->staging <= m[-1].staging))
			return m->staging;	/* in use, a target, or taken twice */
	}
	/* Distinct colliding targets: all of them, if as many as collide. */
	uint64_t collide, nspare;
	restore_plan_count(p, &collide, &nspare);
	for (uint64_t t = 0; collide != p->nmoves && t < p->nframes; t++)
		if (collides(p, t) && restore_plan_dest(p, t) == RESTORE_NOWHERE)
			return t;
	for (uint32_t r = 0; r < p->routine_frames; r++) {
		uint64_t f = p->routine[r];
		if (f >= p->nframes || !spare(p, f) || is_staging(p, f))
			return f;
		for (uint32_t q = 0; q < r; q++)
			if (p->routine[q] == f)
				return f;
	}
	return RESTORE_NOWHERE;
}
