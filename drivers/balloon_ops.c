/*
 * balloon_ops.c - the host's Dynamic Memory requests (hv-vsc-protocols.md
 * 3.6, 3.7): balloon-up gives free frames to the host, balloon-down takes
 * them back, hot-add brings in memory the host held back.
 *
 * The hibernation rule: when the VM has ACPI S4 the user wants
 * hibernation, and a resumed image cannot agree with the host about pages
 * the host took (the VSP does not save them, 3.7).  Then every request is
 * refused with the protocol's failure answer and no frame changes hands;
 * the refusal is logged once.  3.6 answers: BALLOON_RESPONSE with no
 * ranges, UNBALLOON_RESPONSE, HOT_ADD_RESPONSE page_count 0 / result 1.
 *
 * Without S4 the counts are exact: every frame lent is in a response,
 * only lent frames come back, and a request that cannot be met in full
 * is answered with what was done.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "balloon.h"

static bool refuse(struct balloon_dev *b, const char *what)
{
	if (!b->hibernation)
		return false;
	if (!b->refusal_logged)
		kprintf("balloon: %s refused: ACPI S4 is present (hibernation enabled), so no "
			"memory is given to or taken from the host (logged once)\n", what);
	b->refusal_logged = true;
	return true;
}

static void send_balloon_response(struct balloon_dev *b, uint32_t nranges, bool more)
{
	struct dm_balloon_response *r = (struct dm_balloon_response *)b->out;
	r->reserved = 0;
	r->more_count = (more ? DM_MORE_PAGES : 0) | nranges << DM_COUNT_SHIFT;
	balloon_send(b, r, DM_BALLOON_RESPONSE,
		     (uint32_t)(sizeof(*r) + nranges * sizeof(dm_range)));
}

/* Free frames from the top of memory down, in runs, until num pages are
 * lent or only the floor is left; a response goes out each time one is
 * full (more_pages set) and once at the end. */
void balloon_up(struct balloon_dev *b, const uint8_t *msg, uint32_t len)
{
	struct dm_balloon_request q;
	if (len < sizeof(q)) {
		b->bad++;
		kprintf("balloon: %s (relid %u): BALLOON_REQUEST of %u bytes; dropped\n",
			b->ch->name, b->ch->relid, len);
		return;
	}
	memcpy(&q, msg, sizeof(q));
	if (refuse(b, "balloon-up")) {
		send_balloon_response(b, 0, false);
		return;
	}
	struct dm_balloon_response *r = (struct dm_balloon_response *)b->out;
	uint64_t want = q.num_pages, done = 0, below = b->fm->nframes;
	uint32_t n = 0;
	while (done < want && b->fm->count[FRAME_FREE] > BALLOON_FLOOR_PAGES) {
		uint64_t room = b->fm->count[FRAME_FREE] - BALLOON_FLOOR_PAGES, run;
		uint64_t max = want - done < room ? want - done : room;
		if (max > DM_RANGE_COUNT_MAX)
			max = DM_RANGE_COUNT_MAX;
		uint64_t pa = frame_free_run_below(b->fm, below, max, &run);
		if (!run || frame_lend(b->fm, pa, run) != 0)
			break;
		below = pa >> FRAME_SHIFT;
		r->ranges[n++] = dm_range_make(pa >> FRAME_SHIFT, run);
		done += run;
		b->lent += run;
		if (n == DM_RANGES_PER_MSG && done < want) {
			send_balloon_response(b, n, true);
			n = 0;
		}
	}
	send_balloon_response(b, n, false);
	kprintf("balloon: up: %lu of %lu pages given to the host (%lu MiB lent in all)\n",
		done, want, b->lent >> 8);
}

/* Each range comes back whole or not at all: a range that is not all
 * lent frames is not the host's to return (logged and skipped). */
void balloon_down(struct balloon_dev *b, const uint8_t *msg, uint32_t len)
{
	struct dm_unballoon_request q;
	if (len < sizeof(q)) {
		b->bad++;
		kprintf("balloon: %s (relid %u): UNBALLOON_REQUEST of %u bytes; dropped\n",
			b->ch->name, b->ch->relid, len);
		return;
	}
	memcpy(&q, msg, sizeof(q));
	if ((uint64_t)q.range_count * sizeof(dm_range) > len - sizeof(q)) {
		b->bad++;
		kprintf("balloon: %s (relid %u): UNBALLOON_REQUEST of %u ranges in %u bytes; "
			"dropped\n", b->ch->name, b->ch->relid, q.range_count, len);
		return;
	}
	bool last = !(q.more & DM_MORE_PAGES);
	if (refuse(b, "balloon-down")) {
		if (last)
			balloon_send(b, b->out, DM_UNBALLOON_RESPONSE, sizeof(struct dm_hdr));
		return;
	}
	uint64_t back = 0, skipped = 0;
	for (uint32_t i = 0; i < q.range_count; i++) {
		dm_range rg;
		memcpy(&rg, msg + sizeof(q) + i * sizeof(rg), sizeof(rg));
		uint64_t pfn = dm_range_pfn(rg), n = dm_range_count(rg);
		if (n && pfn < b->fm->nframes && n <= b->fm->nframes - pfn &&
		    frame_unlend(b->fm, pfn << FRAME_SHIFT, n) == 0) {
			back += n;
		} else {
			skipped++;
			kprintf("balloon: %s: range of %lu pages at pfn 0x%lx is not lent; skipped\n",
				b->ch->name, n, pfn);
		}
	}
	b->lent -= back;
	b->returned += back;
	kprintf("balloon: down: %lu pages back from the host%s (%lu MiB still lent)\n", back,
		skipped ? ", some ranges skipped" : "", b->lent >> 8);
	if (last)
		balloon_send(b, b->out, DM_UNBALLOON_RESPONSE, sizeof(struct dm_hdr));
}

void balloon_hot_add(struct balloon_dev *b, const uint8_t *msg, uint32_t len)
{
	struct dm_hot_add_request q;
	struct dm_hot_add_response *r = (struct dm_hot_add_response *)b->out;
	if (len < DM_HOT_ADD_MIN) {
		b->bad++;
		kprintf("balloon: %s (relid %u): HOT_ADD_REQUEST of %u bytes; dropped\n",
			b->ch->name, b->ch->relid, len);
		return;
	}
	memset(&q, 0, sizeof(q));
	memcpy(&q, msg, len < sizeof(q) ? len : sizeof(q));
	uint64_t pfn = dm_range_pfn(q.range), n = dm_range_count(q.range), added = 0;
	/* Memory beyond the frame map cannot be added (it would need the
	 * map to grow): the work stops there, whatever the host asked. */
	uint64_t fit = pfn < b->fm->nframes ? b->fm->nframes - pfn : 0;
	if (!refuse(b, "hot-add") && pfn && n)
		added = b->hot_add(pfn << FRAME_SHIFT, n < fit ? n : fit);
	b->hot_added += added;
	if (!b->hibernation)
		kprintf("balloon: hot-add: %lu of %lu pages at pfn 0x%lx added\n", added, n, pfn);
	r->page_count = (uint32_t)added;
	/* 3.6: 1 with page_count 0 is the permanent refusal Linux sends
	 * with hibernation; 0 (transient) when nothing could be added now. */
	r->result = added || b->hibernation ? DM_HOT_ADD_SUCCESS : DM_HOT_ADD_FAILURE;
	balloon_send(b, r, DM_HOT_ADD_RESPONSE, sizeof(*r));
}
