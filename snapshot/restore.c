/*
 * restore.c - put an image's pages back and enter it (issue 10,
 * "Resume"; restore.h).
 *
 * Pass 1 reads and checks the whole image before any page is written;
 * restore_plan.c decides where each page goes first: straight to its
 * frame when this kernel does not use it, else to a staging frame.  The
 * frames pass 2 will write are claimed, so nothing this kernel still does
 * (its drivers, its console) can be given them.  Pass 2 reads the image
 * again and loads it; this kernel's devices are quiesced (kernel/pm.h);
 * then the move routine (context.S), running from frames outside both
 * sets with page tables of its own, copies each staged page to its place
 * and enters the restored kernel through snap_resume_entry.
 *
 * The routine's frames need not be contiguous: its tables identity-map
 * RAM with 2 MiB pages (so it can write every target, kernel text
 * included) and map the routine frames one after another at WINDOW, where
 * the move list is read as one array.
 *
 * Nothing is written outside the plan (issue 11): the plan is checked
 * against its inputs before any write (restore_plan_check, which also
 * vouches for the moves the routine will make), every frame pass 2 and
 * the routine's pages go to is claimed from the allocator (a frame that
 * is no longer free stops the restore), and every write of a page goes
 * through restore_guard.c, into the plan's frames only, checked by the
 * frame and by the MMU.  A refusal is "write outside the plan": this
 * kernel's fault, not the image's, so the image is kept and the boot goes
 * on fresh, its own memory untouched.
 */
#include <string.h>

#include "../kernel/cpu.h"
#include "../kernel/kernel.h"
#include "../kernel/pm.h"
#include "../kernel/pte.h"
#include "bitmap.h"
#include "blkio.h"
#include "image_read.h"
#include "restore.h"
#include "restore_guard.h"
#include "restore_plan.h"
#include "vframes.h"

#define READ_BUF	(1u << 20)
#define WINDOW		((uint64_t)1 << 39)	/* PML4 slot 1 */
#define GiB		((uint64_t)1 << 30)
/* Routine frames: code, handoff, PML4, identity PDPT, window PDPT, PD
 * and PT, then the identity PDs, then the move list. */
enum { R_CODE, R_HANDOFF, R_PML4, R_PDPT, R_WPDPT, R_WPD, R_WPT, R_FIXED };
#define ROUTINE_MAX	512u		/* one window page table */

struct restore {
	struct img_reader r;
	struct restore_plan plan;
	uint64_t nframes, npd, started_ns, pages_loaded, next_report;
	uint8_t *target, *free, *ram;
	uint8_t *loads, *rset;		/* what pass 2 and the routine's pages may write */
	uint64_t routine[ROUTINE_MAX];
	struct restore_guard guard;
	uint64_t outside;		/* a frame written outside the plan, or GUARD_NONE */
	bool inject;			/* crash=resume-plan: make pass 2 try it */
};

int snap_invalidate(struct blk_dev *d)
{
	void *area = vframes(IMG_HEADER_AREA);
	if (!area)
		return BLK_E_INVAL;
	memset(area, 0, IMG_HEADER_AREA);
	struct img_sink sink;
	snap_blk_sink(d, &sink);
	int st = sink.write(d, 0, area, IMG_HEADER_AREA);
	if (st == 0)
		st = sink.flush(d);
	vfree(area, IMG_HEADER_AREA);
	return st;
}

static struct restore *rs;	/* for the progress and page callbacks */

static void read_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	if (done < rs->next_report)
		return;
	kprintf("resume: read %lu of %lu MiB (%lu %%)\n", done >> 20, total >> 20,
		total ? done * 100 / total : 100);
	rs->next_report = done + (total + 3) / 4;
}

static int load_page(void *ctx, uint64_t pfn, const void *data)
{
	(void)ctx;
	uint64_t dest = restore_plan_dest(&rs->plan, pfn);
	if (dest == RESTORE_NOWHERE)
		return -1;
	if (rs->inject && dest != pfn) {
		/* The first staged page, sent to a frame of this kernel's. */
		dest = (uint64_t)(uintptr_t)rs->target >> FRAME_SHIFT;
		rs->inject = false;
	}
	if (restore_guard_write(&rs->guard, dest, data) != 0)
		return -1;
	rs->pages_loaded++;
	return 0;
}

/* A record's pages are all handed over: copy what the guard queued
 * while their data is still in the reader's buffers. */
static int pages_delivered(void *ctx)
{
	(void)ctx;
	return restore_guard_flush(&rs->guard);
}

static void release(struct restore *s)
{
	uint64_t bm = BITMAP_BYTES(s->nframes);
	vfree(s->r.buf, READ_BUF);
	vfree(s->r.pages, IMG_BLOCK_BYTES);
	vfree(s->target, bm);
	vfree(s->free, bm);
	vfree(s->ram, bm);
	vfree(s->loads, bm);
	vfree(s->rset, bm);
	vfree(s->plan.moves, s->plan.moves_cap * sizeof(struct restore_move));
}

/* Claim (or give back) the frames of set for the restore: nobody else
 * may have them now.  Claiming stops at a frame that is not free: the
 * plan counted it free, so it is no longer the plan this kernel made. */
static int claim_set(struct restore *s, const uint8_t *set, bool undo)
{
	for (uint64_t f = 0; f < s->nframes; f++) {
		if (!bm_test(set, f))
			continue;
		if (undo) {
			frame_free(&frames, f << FRAME_SHIFT, 1);
		} else if (frame_claim(&frames, f << FRAME_SHIFT, 1, FRAME_VOLATILE) != 0) {
			s->outside = f;
			for (uint64_t u = 0; u < f; u++)
				if (bm_test(set, u))
					frame_free(&frames, u << FRAME_SHIFT, 1);
			return -1;
		}
	}
	return 0;
}

static int claim(struct restore *s)
{
	if (claim_set(s, s->loads, false) != 0)
		return -1;
	if (claim_set(s, s->rset, false) != 0) {
		claim_set(s, s->loads, true);
		return -1;
	}
	return 0;
}

static void unclaim(struct restore *s)
{
	claim_set(s, s->loads, true);
	claim_set(s, s->rset, true);
}

static uint64_t rpa(const struct restore *s, unsigned i)
{
	return s->routine[i] << FRAME_SHIFT;
}

/* Routine frame i's page (not the handoff's), composed in buf: the
 * routine's code, its page tables, or a page of its move list. */
static void routine_page(const struct restore *s, unsigned i, uint64_t *buf)
{
	unsigned moves_at = R_FIXED + (unsigned)s->npd;
	uint64_t rwx = PTE_P | PTE_W;
	memset(buf, 0, PAGE_SIZE);
	if (i == R_CODE) {
		memcpy(buf, snap_move_start, (size_t)(snap_move_end - snap_move_start));
	} else if (i == R_PML4) {
		buf[0] = rpa(s, R_PDPT) | rwx;
		buf[1] = rpa(s, R_WPDPT) | rwx;
	} else if (i == R_PDPT) {
		for (uint64_t g = 0; g < s->npd; g++)
			buf[g] = rpa(s, R_FIXED + (unsigned)g) | rwx;
	} else if (i == R_WPDPT) {
		buf[0] = rpa(s, R_WPD) | rwx;
	} else if (i == R_WPD) {
		buf[0] = rpa(s, R_WPT) | rwx;
	} else if (i == R_WPT) {
		for (uint32_t j = 0; j < s->plan.routine_frames; j++)
			buf[j] = rpa(s, j) | rwx;
	} else if (i < moves_at) {
		uint64_t g = i - R_FIXED;
		for (unsigned j = 0; j < 512; j++)
			buf[j] = (g * GiB + j * 2 * MiB) | rwx | PTE_PS;
	} else {
		uint64_t bytes = s->plan.nmoves * sizeof(struct restore_move);
		uint64_t off = (uint64_t)(i - moves_at) * PAGE_SIZE;
		if (off < bytes)
			memcpy(buf, (const uint8_t *)s->plan.moves + off,
			       bytes - off < PAGE_SIZE ? bytes - off : PAGE_SIZE);
	}
}

/* The routine's pages into its frames, through the guard; 0 or -1. */
static int build_routine(struct restore *s, const struct img_header *h, struct snap_handoff *ho)
{
	uint64_t *buf = (uint64_t *)s->r.buf;	/* pass 2 is over */
	for (unsigned i = 0; i < s->plan.routine_frames; i++) {
		if (i == R_HANDOFF)
			continue;
		routine_page(s, i, buf);
		if (restore_guard_write(&s->guard, s->routine[i], buf) != 0 ||
		    restore_guard_flush(&s->guard) != 0)
			return -1;
	}
	memset(ho, 0, PAGE_SIZE);
	ho->image_bytes = h->total_bytes;
	ho->read_ns = time_ns() - s->started_ns;
	ho->tsc_loader_entry = bootinfo.tsc_loader_entry;
	ho->wall_ns = time_wall_ns();
	if (restore_guard_write(&s->guard, s->routine[R_HANDOFF], ho) != 0)
		return -1;
	return restore_guard_flush(&s->guard);
}

/* Build the routine and enter it; returns only when the guard refused
 * one of its pages (then before anything is suspended). */
static enum img_reason enter(struct restore *s, const struct img_header *h)
{
	uint64_t moves_va = WINDOW + (R_FIXED + s->npd) * PAGE_SIZE;
	uint64_t cr3 = rpa(s, R_PML4);
	snap_move_fn move = (snap_move_fn)(uintptr_t)rpa(s, R_CODE);
	uint64_t nmoves = s->plan.nmoves;
	/* The handoff, composed next to the routine's pages. */
	struct snap_handoff *ho = (struct snap_handoff *)(s->r.buf + PAGE_SIZE);

	restore_guard_begin(&s->guard, s->rset, s->nframes);
	if (build_routine(s, h, ho) != 0) {
		restore_guard_end(&s->guard);
		return IMG_R_PLAN;
	}
	paging_set_exec((uint64_t)(uintptr_t)move, true);
	kprintf("resume: %lu pages in place, %lu staged; entering the image\n",
		s->pages_loaded - nmoves, nmoves);
	if (pm_suspend() != 0)
		kprintf("resume: %s did not suspend; going on\n", pm_failed_layer());
	cli();
	lapic_timer_stop();
	/* The present, as late as it can be read: the same frame, through
	 * the same guard, as a moment ago. */
	ho->wall_ns = time_wall_ns();
	if (restore_guard_write(&s->guard, s->routine[R_HANDOFF], ho) != 0 ||
	    restore_guard_end(&s->guard) != 0)
		panic("resume: the handoff frame 0x%lx was refused the second time",
		      rpa(s, R_HANDOFF));
	move((const void *)(uintptr_t)moves_va, nmoves, cr3, (uint64_t)(uintptr_t)snap_resume_entry,
	     snap_context(), rpa(s, R_HANDOFF));
}

/* The frames this kernel does not use now. */
static void free_set(struct restore *s)
{
	memset(s->free, 0, ALIGN_UP(BITMAP_BYTES(s->nframes), PAGE_SIZE));
	for (uint64_t f = 0; f < s->nframes; f++)
		if (frame_get(&frames, f << FRAME_SHIFT) == FRAME_FREE)
			bm_set(s->free, f);
}

static enum img_reason plan(struct restore *s)
{
	uint64_t collide, spare;
	s->plan = (struct restore_plan){ .nframes = s->nframes, .target = s->target,
					 .free = s->free, .routine = s->routine };
	/* The move list is allocated before the free set is taken for the
	 * last time: a frame allocated after it would count as free, and the
	 * plan could hand it to pass 2 or the routine.  The list's own frames
	 * may be targets and add collisions: room for a page of them, and
	 * again if that was too little. */
	for (int round = 0;; round++) {
		free_set(s);
		restore_plan_count(&s->plan, &collide, &spare);
		if (s->plan.moves && collide <= s->plan.moves_cap)
			break;
		vfree(s->plan.moves, s->plan.moves_cap * sizeof(struct restore_move));
		s->plan.moves_cap = collide + PAGE_SIZE / sizeof(struct restore_move);
		s->plan.moves = round < 4 ? vframes(s->plan.moves_cap * sizeof(struct restore_move))
					  : NULL;
		if (!s->plan.moves) {
			s->plan.moves_cap = 0;
			kprintf("resume: no room for a list of %lu moves\n", collide);
			return IMG_R_MEMORY;
		}
	}
	uint64_t move_pages = ALIGN_UP(collide * sizeof(struct restore_move), PAGE_SIZE) / PAGE_SIZE;
	uint64_t need = R_FIXED + s->npd + move_pages;
	if (need > ROUTINE_MAX) {
		kprintf("resume: %lu pages collide with this kernel's; the routine can move at "
			"most %lu\n", collide, (ROUTINE_MAX - R_FIXED - s->npd) * PAGE_SIZE /
			sizeof(struct restore_move));
		return IMG_R_MEMORY;
	}
	s->plan.routine_frames = (uint32_t)need;
	if (restore_plan_make(&s->plan) != 0) {
		kprintf("resume: %lu pages collide with this kernel's and %lu frames are spare; "
			"%lu are needed\n", collide, spare, collide + need);
		return IMG_R_MEMORY;
	}
	return IMG_OK;
}

/* Before the first write: the plan checked against its inputs, the sets
 * pass 2 and the routine's pages may write, and those frames claimed. */
static enum img_reason hold_to_plan(struct restore *s)
{
	uint64_t bad = restore_plan_check(&s->plan);
	if (bad != RESTORE_NOWHERE) {
		s->outside = bad;
		return IMG_R_PLAN;
	}
	restore_plan_loads(&s->plan, s->loads);
	memset(s->rset, 0, BITMAP_BYTES(s->nframes));
	for (uint32_t i = 0; i < s->plan.routine_frames; i++)
		bm_set(s->rset, s->routine[i]);
	return claim(s) == 0 ? IMG_OK : IMG_R_PLAN;
}

enum img_reason snap_restore(struct blk_dev *d, const struct img_header *h)
{
	static struct restore state;
	struct restore *s = &state;
	memset(s, 0, sizeof(*s));
	rs = s;
	s->started_ns = time_ns();
	s->nframes = frames.nframes;
	s->npd = ALIGN_UP(s->nframes << FRAME_SHIFT, GiB) / GiB;
	if (h->resume_context != (uint64_t)(uintptr_t)snap_context() || s->npd > 512)
		return IMG_R_LAYOUT;
	uint64_t bm = BITMAP_BYTES(s->nframes);
	s->r.h = *h;
	s->r.read = snap_blk_read;
	s->r.ctx = d;
	s->r.buf = vframes(READ_BUF);
	s->r.buf_size = READ_BUF;
	s->r.pages = vframes(IMG_BLOCK_BYTES);
	s->r.nframes = s->nframes;
	s->target = vframes(bm);
	s->free = vframes(bm);
	s->ram = vframes(bm);
	s->loads = vframes(bm);
	s->rset = vframes(bm);
	s->outside = GUARD_NONE;
	s->inject = strcmp(kopts.crash, "resume-plan") == 0;
	if (!s->r.buf || !s->r.pages || !s->target || !s->free || !s->ram || !s->loads ||
	    !s->rset) {
		release(s);
		return IMG_R_MEMORY;
	}
	memset(s->target, 0, ALIGN_UP(bm, PAGE_SIZE));
	memset(s->ram, 0, ALIGN_UP(bm, PAGE_SIZE));
	for (uint64_t f = 0; f < s->nframes; f++)
		if (frame_get(&frames, f << FRAME_SHIFT) != FRAME_ABSENT)
			bm_set(s->ram, f);
	s->r.ram = s->ram;
	s->r.targets = s->target;
	s->r.progress = read_progress;

	kprintf("resume: %s: checking an image of %lu MiB (%lu pages)\n", d->name,
		h->total_bytes >> 20, h->data_pages + h->zero_pages);
	s->next_report = UINT64_MAX;	/* pass 1: no progress lines */
	enum img_reason why = img_read_pass1(&s->r);
	if (why == IMG_OK)
		why = plan(s);
	if (why == IMG_OK)
		why = hold_to_plan(s);
	if (why != IMG_OK) {
		release(s);
		return why;
	}
	s->next_report = 0;
	if (restore_guard_begin(&s->guard, s->loads, s->nframes) != 0)
		kprintf("resume: no room for the page tables that check pass 2's writes; "
			"the frames are still checked\n");
	s->r.delivered = pages_delivered;
	why = img_read_pass2(&s->r, load_page, NULL);
	if (restore_guard_end(&s->guard) == 0 && why == IMG_OK)
		why = enter(s, h);	/* returns only when refused */
	if (s->guard.refused != GUARD_NONE) {
		s->outside = s->guard.refused;
		why = IMG_R_PLAN;
		kprintf("resume: %s stopped a write to frame 0x%lx\n",
			s->guard.by_mmu ? "the page tables" : "the frame check",
			s->outside << FRAME_SHIFT);
	}
	unclaim(s);
	release(s);
	return why;
}

uint64_t snap_restore_outside(void)
{
	return rs && rs->outside != GUARD_NONE ? rs->outside << FRAME_SHIFT : 0;
}
