/*
 * frame.c - physical frame allocator; the rules are in frame.h.
 *
 * A byte per frame costs 0.025% of RAM and makes both the rule checks and
 * the address-ordered walk of the owned set trivial.  Runs are found by
 * linear scans; allocations are rare (page tables, heap chunks, buffers).
 */
#include "frame.h"

#include <string.h>

static void set_range(struct frame_map *fm, uint64_t first, uint64_t n,
		      enum frame_state to)
{
	for (uint64_t i = first; i < first + n; i++) {
		fm->count[fm->state[i]]--;
		fm->state[i] = (uint8_t)to;
		fm->count[to]++;
	}
}

/* Are frames [first, first+n) all in a state accepted by mask? */
static bool all_in(const struct frame_map *fm, uint64_t first, uint64_t n,
		   unsigned mask)
{
	if (first >= fm->nframes || n > fm->nframes - first)
		return false;
	for (uint64_t i = first; i < first + n; i++)
		if (!(mask & (1u << fm->state[i])))
			return false;
	return true;
}

void frame_init(struct frame_map *fm, uint8_t *state, uint64_t nframes)
{
	fm->state = state;
	fm->nframes = nframes;
	memset(state, FRAME_ABSENT, nframes);
	memset(fm->count, 0, sizeof(fm->count));
	fm->count[FRAME_ABSENT] = nframes;
}

void frame_add_free(struct frame_map *fm, uint64_t base, uint64_t len)
{
	uint64_t first = (base + FRAME_SIZE - 1) >> FRAME_SHIFT;
	uint64_t end = (base + len) >> FRAME_SHIFT;

	if (end > fm->nframes)
		end = fm->nframes;
	for (uint64_t i = first; i < end; i++)
		if (fm->state[i] == FRAME_ABSENT)
			set_range(fm, i, 1, FRAME_FREE);
}

int frame_claim(struct frame_map *fm, uint64_t addr, uint64_t n, enum frame_state to)
{
	uint64_t first = addr >> FRAME_SHIFT;

	if ((addr & (FRAME_SIZE - 1)) || n == 0 ||
	    (to != FRAME_OWNED && to != FRAME_VOLATILE) ||
	    !all_in(fm, first, n, 1u << FRAME_FREE))
		return -1;
	set_range(fm, first, n, to);
	return 0;
}

uint64_t frame_alloc(struct frame_map *fm, uint64_t n, enum frame_state to)
{
	uint64_t run = 0;

	if (n == 0 || (to != FRAME_OWNED && to != FRAME_VOLATILE))
		return 0;
	/* Frame 0 is never handed out: address 0 means failure. */
	for (uint64_t i = fm->nframes; i-- > 1;) {
		run = fm->state[i] == FRAME_FREE ? run + 1 : 0;
		if (run == n) {
			set_range(fm, i, n, to);
			return i << FRAME_SHIFT;
		}
	}
	return 0;
}

int frame_free(struct frame_map *fm, uint64_t addr, uint64_t n)
{
	uint64_t first = addr >> FRAME_SHIFT;

	if ((addr & (FRAME_SIZE - 1)) || n == 0 ||
	    !all_in(fm, first, n, (1u << FRAME_OWNED) | (1u << FRAME_VOLATILE)))
		return -1;
	set_range(fm, first, n, FRAME_FREE);
	return 0;
}

int frame_convert(struct frame_map *fm, uint64_t addr, uint64_t n, enum frame_state to)
{
	uint64_t first = addr >> FRAME_SHIFT;

	if ((addr & (FRAME_SIZE - 1)) || n == 0 ||
	    (to != FRAME_OWNED && to != FRAME_VOLATILE) ||
	    !all_in(fm, first, n, (1u << FRAME_OWNED) | (1u << FRAME_VOLATILE)))
		return -1;
	set_range(fm, first, n, to);
	return 0;
}

/* from -> to for n frames at addr, all or nothing. */
static int move(struct frame_map *fm, uint64_t addr, uint64_t n, enum frame_state from,
		enum frame_state to)
{
	uint64_t first = addr >> FRAME_SHIFT;

	if ((addr & (FRAME_SIZE - 1)) || n == 0 || !all_in(fm, first, n, 1u << from))
		return -1;
	set_range(fm, first, n, to);
	return 0;
}

int frame_lend(struct frame_map *fm, uint64_t addr, uint64_t n)
{
	return move(fm, addr, n, FRAME_FREE, FRAME_LENT);
}

int frame_unlend(struct frame_map *fm, uint64_t addr, uint64_t n)
{
	return move(fm, addr, n, FRAME_LENT, FRAME_FREE);
}

int frame_add_absent(struct frame_map *fm, uint64_t addr, uint64_t n)
{
	/* Frame 0 stays absent: address 0 means failure to frame_alloc. */
	if (addr < FRAME_SIZE)
		return -1;
	return move(fm, addr, n, FRAME_ABSENT, FRAME_FREE);
}

uint64_t frame_free_run_below(const struct frame_map *fm, uint64_t below, uint64_t max,
			      uint64_t *len)
{
	uint64_t i = below < fm->nframes ? below : fm->nframes;

	*len = 0;
	while (i > 1 && fm->state[i - 1] != FRAME_FREE)
		i--;
	if (i <= 1 || max == 0)
		return 0;
	uint64_t end = i;
	while (i > 1 && fm->state[i - 1] == FRAME_FREE && end - i < max)
		i--;
	*len = end - i;
	return i << FRAME_SHIFT;
}

enum frame_state frame_get(const struct frame_map *fm, uint64_t addr)
{
	uint64_t i = addr >> FRAME_SHIFT;
	return i < fm->nframes ? (enum frame_state)fm->state[i] : FRAME_ABSENT;
}

bool frame_owned_next(const struct frame_map *fm, uint64_t *cursor,
		      uint64_t *base, uint64_t *len)
{
	uint64_t i = *cursor;

	while (i < fm->nframes && fm->state[i] != FRAME_OWNED)
		i++;
	if (i >= fm->nframes) {
		*cursor = fm->nframes;
		return false;
	}
	uint64_t start = i;
	while (i < fm->nframes && fm->state[i] == FRAME_OWNED)
		i++;
	*base = start << FRAME_SHIFT;
	*len = (i - start) << FRAME_SHIFT;
	*cursor = i;
	return true;
}

void frame_largest_free(const struct frame_map *fm, uint64_t *base, uint64_t *len)
{
	uint64_t best = 0, best_start = 0, run = 0;

	for (uint64_t i = 0; i < fm->nframes; i++) {
		run = fm->state[i] == FRAME_FREE ? run + 1 : 0;
		if (run > best) {
			best = run;
			best_start = i + 1 - run;
		}
	}
	*base = best_start << FRAME_SHIFT;
	*len = best << FRAME_SHIFT;
}
