/*
 * ktest_restore.c - in-kernel self-test of the restore guard
 * (restore_guard.h): a write into a frame of the guarded set goes
 * through; one outside it is refused by the frame check, and, when the
 * frame check is wrong (the set changed under the guard), by the page
 * tables; a copy that starts in a guarded frame and runs into the next
 * one faults there.  Refused writes change nothing, and the kernel runs
 * on with its own CR3 and #PF hook.  The plan side of the check is
 * tested on the host (tests/unit/test_restore_plan.c), and the whole
 * path by the hib/ scenario with crash=resume-plan.
 *
 * Linked into the plain kernel only: the hvsim scenarios name their
 * KTAP test numbers, which one more KTEST would shift.
 */
#include <string.h>

#include "../kernel/cpu.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../kernel/trap.h"
#include "bitmap.h"
#include "restore_guard.h"
#include "vframes.h"

#define CHECK KTEST_CHECK

static bool all(const uint8_t *p, uint8_t v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool t_restore_guard(void)
{
	uint64_t nframes = frames.nframes, bm = BITMAP_BYTES(nframes);
	uint8_t *allowed = vframes(bm), *src = vframes(PAGE_SIZE);
	/* a (guarded), its neighbour n, and b */
	uint64_t a = page_alloc(3, FRAME_OWNED), n = a + PAGE_SIZE, b = a + 2 * PAGE_SIZE;
	uint8_t *pa = (uint8_t *)a, *pn = (uint8_t *)n, *pb = (uint8_t *)b;
	CHECK(allowed && src);
	memset(allowed, 0, ALIGN_UP(bm, PAGE_SIZE));
	memset(src, 0xa5, PAGE_SIZE);
	memset(pn, 0x11, PAGE_SIZE);
	memset(pb, 0x22, PAGE_SIZE);
	bm_set(allowed, a >> FRAME_SHIFT);
	uint64_t cr3 = read_cr3();
	bool (*hook)(struct trap_frame *) = trap_pf_hook;

	struct restore_guard g;
	CHECK(restore_guard_begin(&g, allowed, nframes) == 0 && g.cr3 && g.cr3 != cr3);
	CHECK(restore_guard_write(&g, a >> FRAME_SHIFT, src) == 0);
	CHECK(restore_guard_flush(&g) == 0 && all(pa, 0xa5, PAGE_SIZE));
	CHECK(restore_guard_write(&g, a >> FRAME_SHIFT, NULL) == 0);
	CHECK(restore_guard_flush(&g) == 0 && all(pa, 0, PAGE_SIZE));
	CHECK(g.refused == GUARD_NONE);
	/* b joins the set behind the guard's back: the frame check lets
	 * the write through (queued), the page tables do not. */
	bm_set(allowed, b >> FRAME_SHIFT);
	CHECK(restore_guard_write(&g, a >> FRAME_SHIFT, src) == 0);
	CHECK(restore_guard_write(&g, b >> FRAME_SHIFT, src) == 0 && g.queued == 2);
	CHECK(restore_guard_flush(&g) == -1 && all(pa, 0xa5, PAGE_SIZE));
	CHECK(g.refused == b >> FRAME_SHIFT && g.by_mmu && all(pb, 0x22, PAGE_SIZE));
	CHECK(read_cr3() == cr3);
	CHECK(restore_guard_write(&g, a >> FRAME_SHIFT, NULL) == -1);	/* no more */
	/* A copy from a into its neighbour faults at the neighbour. */
	struct guard_copy across = { a + PAGE_SIZE / 2, src };
	memset(pa, 0, PAGE_SIZE);
	uint64_t irq = irq_save();
	int faulted = restore_copy(g.cr3, &across, 1);
	uint64_t cr2 = read_cr2();
	irq_restore(irq);
	CHECK(faulted == 1 && cr2 == n && all(pn, 0x11, PAGE_SIZE));
	CHECK(all(pa + PAGE_SIZE / 2, 0xa5, PAGE_SIZE / 2) && all(pa, 0, PAGE_SIZE / 2));
	CHECK(restore_guard_end(&g) == -1);
	CHECK(trap_pf_hook == hook && g.refused == b >> FRAME_SHIFT);

	/* Now with b in the tables too; then out of the set again: the
	 * frame check refuses it first. */
	CHECK(restore_guard_begin(&g, allowed, nframes) == 0);
	CHECK(restore_guard_write(&g, b >> FRAME_SHIFT, src) == 0);
	CHECK(restore_guard_flush(&g) == 0 && all(pb, 0xa5, PAGE_SIZE));
	memset(allowed, 0, ALIGN_UP(bm, PAGE_SIZE));
	memset(src, 0x33, PAGE_SIZE);
	CHECK(restore_guard_write(&g, b >> FRAME_SHIFT, src) == -1);
	CHECK(g.refused == b >> FRAME_SHIFT && !g.by_mmu && all(pb, 0xa5, PAGE_SIZE));
	CHECK(restore_guard_end(&g) == -1);
	CHECK(trap_pf_hook == hook && read_cr3() == cr3);
	CHECK(restore_guard_begin(&g, allowed, nframes) == 0);
	CHECK(restore_guard_write(&g, nframes, src) == -1 && g.refused == nframes);	/* past the end */
	CHECK(restore_guard_end(&g) == -1);

	memset(pb, 0x44, PAGE_SIZE);		/* the kernel's own tables again */
	page_free(a, 3);
	vfree(allowed, bm);
	vfree(src, PAGE_SIZE);
	return true;
}
KTEST("restore_guard", t_restore_guard);
