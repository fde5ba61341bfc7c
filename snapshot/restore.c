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
	uint64_t routine[ROUTINE_MAX];
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
	void *p = (void *)(uintptr_t)(dest << FRAME_SHIFT);
	if (data)
		memcpy(p, data, PAGE_SIZE);
	else
		memset(p, 0, PAGE_SIZE);
	rs->pages_loaded++;
	return 0;
}

static void release(struct restore *s)
{
	uint64_t bm = BITMAP_BYTES(s->nframes);
	vfree(s->r.buf, READ_BUF);
	vfree(s->r.pages, IMG_BLOCK_BYTES);
	vfree(s->target, bm);
	vfree(s->free, bm);
	vfree(s->ram, bm);
	vfree(s->plan.moves, s->plan.moves_cap * sizeof(struct restore_move));
}

/* Frames pass 2 writes (free targets, staging) and the routine's:
 * nobody else may have them now. */
static void claim_frame(uint64_t pfn, bool undo)
{
	if (undo)
		frame_free(&frames, pfn << FRAME_SHIFT, 1);
	else
		frame_claim(&frames, pfn << FRAME_SHIFT, 1, FRAME_VOLATILE);
}

static void claim(struct restore *s, bool undo)
{
	for (uint64_t f = 0; f < s->nframes; f++)
		if (bm_test(s->free, f) && bm_test(s->target, f))
			claim_frame(f, undo);
	for (uint64_t i = 0; i < s->plan.nmoves; i++)
		claim_frame(s->plan.moves[i].staging, undo);
	for (uint32_t i = 0; i < s->plan.routine_frames; i++)
		claim_frame(s->routine[i], undo);
}

static uint64_t *rframe(const struct restore *s, unsigned i)
{
	return (uint64_t *)(uintptr_t)(s->routine[i] << FRAME_SHIFT);
}

/* The routine's page tables and move list, in its frames. */
static void build_routine(struct restore *s)
{
	unsigned moves_at = R_FIXED + (unsigned)s->npd;
	for (unsigned i = R_PML4; i < moves_at; i++)
		memset(rframe(s, i), 0, PAGE_SIZE);
	uint64_t rwx = PTE_P | PTE_W;
	rframe(s, R_PML4)[0] = (uint64_t)(uintptr_t)rframe(s, R_PDPT) | rwx;
	rframe(s, R_PML4)[1] = (uint64_t)(uintptr_t)rframe(s, R_WPDPT) | rwx;
	for (uint64_t g = 0; g < s->npd; g++) {
		uint64_t *pd = rframe(s, R_FIXED + (unsigned)g);
		rframe(s, R_PDPT)[g] = (uint64_t)(uintptr_t)pd | rwx;
		for (unsigned j = 0; j < 512; j++)
			pd[j] = (g * GiB + j * 2 * MiB) | rwx | PTE_PS;
	}
	rframe(s, R_WPDPT)[0] = (uint64_t)(uintptr_t)rframe(s, R_WPD) | rwx;
	rframe(s, R_WPD)[0] = (uint64_t)(uintptr_t)rframe(s, R_WPT) | rwx;
	for (uint32_t i = 0; i < s->plan.routine_frames; i++)
		rframe(s, R_WPT)[i] = (s->routine[i] << FRAME_SHIFT) | rwx;
	/* The move list, page by page into its frames. */
	const uint8_t *from = (const uint8_t *)s->plan.moves;
	uint64_t bytes = s->plan.nmoves * sizeof(struct restore_move);
	for (unsigned i = moves_at; bytes; i++) {
		uint64_t n = bytes < PAGE_SIZE ? bytes : PAGE_SIZE;
		memcpy(rframe(s, i), from, n);
		from += n;
		bytes -= n;
	}
	memcpy(rframe(s, R_CODE), snap_move_start, (size_t)(snap_move_end - snap_move_start));
}

static noreturn void enter(struct restore *s, const struct img_header *h)
{
	struct snap_handoff *ho = (struct snap_handoff *)rframe(s, R_HANDOFF);
	uint64_t moves_va = WINDOW + (R_FIXED + s->npd) * PAGE_SIZE;
	uint64_t cr3 = (uint64_t)(uintptr_t)rframe(s, R_PML4);
	snap_move_fn move = (snap_move_fn)(uintptr_t)rframe(s, R_CODE);
	uint64_t nmoves = s->plan.nmoves;

	build_routine(s);
	paging_set_exec((uint64_t)(uintptr_t)move, true);
	ho->image_bytes = h->total_bytes;
	ho->read_ns = time_ns() - s->started_ns;
	kprintf("resume: %lu pages in place, %lu staged; entering the image\n",
		s->pages_loaded - nmoves, nmoves);
	if (pm_suspend() != 0)
		kprintf("resume: %s did not suspend; going on\n", pm_failed_layer());
	cli();
	lapic_timer_stop();
	ho->wall_ns = time_wall_ns();
	ho->tsc_loader_entry = bootinfo.tsc_loader_entry;
	move((const void *)(uintptr_t)moves_va, nmoves, cr3, (uint64_t)(uintptr_t)snap_resume_entry,
	     snap_context(), (uint64_t)(uintptr_t)ho);
}

static enum img_reason plan(struct restore *s)
{
	uint64_t collide, spare;
	s->plan = (struct restore_plan){ .nframes = s->nframes, .target = s->target,
					 .free = s->free, .routine = s->routine };
	restore_plan_count(&s->plan, &collide, &spare);
	uint64_t move_pages = ALIGN_UP(collide * sizeof(struct restore_move), PAGE_SIZE) / PAGE_SIZE;
	uint64_t need = R_FIXED + s->npd + move_pages;
	if (need > ROUTINE_MAX) {
		kprintf("resume: %lu pages collide with this kernel's; the routine can move at "
			"most %lu\n", collide, (ROUTINE_MAX - R_FIXED - s->npd) * PAGE_SIZE /
			sizeof(struct restore_move));
		return IMG_R_MEMORY;
	}
	s->plan.routine_frames = (uint32_t)need;
	s->plan.moves_cap = collide ? collide : 1;
	s->plan.moves = vframes(s->plan.moves_cap * sizeof(struct restore_move));
	if (!s->plan.moves || restore_plan_make(&s->plan) != 0) {
		kprintf("resume: %lu pages collide with this kernel's and %lu frames are spare; "
			"%lu are needed\n", collide, spare, collide + need);
		return IMG_R_MEMORY;
	}
	return IMG_OK;
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
	if (!s->r.buf || !s->r.pages || !s->target || !s->free || !s->ram) {
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
	if (why == IMG_OK) {
		memset(s->free, 0, ALIGN_UP(bm, PAGE_SIZE));
		for (uint64_t f = 0; f < s->nframes; f++)
			if (frame_get(&frames, f << FRAME_SHIFT) == FRAME_FREE)
				bm_set(s->free, f);
		why = plan(s);
	}
	if (why != IMG_OK) {
		release(s);
		return why;
	}
	claim(s, false);
	s->next_report = 0;
	why = img_read_pass2(&s->r, load_page, NULL);
	if (why != IMG_OK) {
		claim(s, true);
		release(s);
		return why;
	}
	enter(s, h);
}
