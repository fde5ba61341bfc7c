/*
 * restore_guard.c - the one way the restore path writes a frame
 * (restore_guard.h).
 *
 * The guard's tables identity-map every frame the allocator knows (free,
 * owned or volatile; not absent, not lent) with 2 MiB pages where all 512
 * frames get the same entry, and a 4 KiB table where they differ: present
 * and read-only, or writable for the guarded set and the interrupt stacks.
 * Nothing is executable-protected (the copy runs from kernel text) and
 * nothing else is mapped: the copy runs with interrupts off and touches
 * only its list and the pages it names.
 *
 * A refused write faults on the #PF stack (writable) still under the
 * guard's tables; the hook loads the kernel's CR3 before anything else
 * and sends the copy to its fault exit.  A fault anywhere else under the
 * guard's tables (none is expected) gets the kernel's CR3 back too, so
 * trap.c can report it.
 */
#include <string.h>

#include "../kernel/cpu.h"
#include "../kernel/kernel.h"
#include "../kernel/pte.h"
#include "../kernel/trap.h"
#include "bitmap.h"
#include "restore_guard.h"

#define LARGE_FRAMES	512u		/* frames in a 2 MiB page */
#define LARGE_SHIFT	21
#define TABLE_ENTRIES	512u

extern char restore_copy_fault[];

_Static_assert(sizeof(struct guard_copy) == 16 && __builtin_offsetof(struct guard_copy, src) == 8,
	       "restore_copy.S reads the list");

/* For the hook, which must not write before it has the kernel's CR3. */
static uint64_t guard_cr3, kernel_cr3;
static bool (*next_hook)(struct trap_frame *f);

static bool guard_fault(struct trap_frame *f)
{
	if (!guard_cr3 || read_cr3() != guard_cr3)
		return next_hook && next_hook(f);
	write_cr3(kernel_cr3);
	if (f->rip < (uint64_t)(uintptr_t)restore_copy ||
	    f->rip >= (uint64_t)(uintptr_t)restore_copy_fault)
		return false;
	f->rip = (uint64_t)(uintptr_t)restore_copy_fault;
	return true;
}

static bool on_interrupt_stack(uint64_t pa)
{
	for (int i = 1; i <= IST_COUNT; i++) {
		const struct kstack *k = kstack_get(i);
		if (pa >= kstack_base(k) && pa < kstack_top(k))
			return true;
	}
	return false;
}

/* The guard's entry flags for frame f: 0 (not mapped), P or P|W. */
static uint64_t flags_of(const struct restore_guard *g, uint64_t f)
{
	if (f >= g->nframes)
		return 0;
	enum frame_state st = frame_get(&frames, f << FRAME_SHIFT);
	if (st != FRAME_FREE && st != FRAME_OWNED && st != FRAME_VOLATILE)
		return 0;
	if (bm_test(g->allowed, f) || on_interrupt_stack(f << FRAME_SHIFT))
		return PTE_P | PTE_W;
	return PTE_P;
}

/* Do all frames of 2 MiB page r get the same entry? */
static bool uniform(const struct restore_guard *g, uint64_t r)
{
	uint64_t first = flags_of(g, r * LARGE_FRAMES);
	for (uint64_t f = r * LARGE_FRAMES + 1; f < (r + 1) * LARGE_FRAMES; f++)
		if (flags_of(g, f) != first)
			return false;
	return true;
}

int restore_guard_begin(struct restore_guard *g, const uint8_t *allowed, uint64_t nframes)
{
	memset(g, 0, sizeof(*g));
	g->allowed = allowed;
	g->nframes = nframes;
	g->refused = GUARD_NONE;
	uint64_t nlarge = (nframes + LARGE_FRAMES - 1) / LARGE_FRAMES;
	uint64_t npd = (nlarge + TABLE_ENTRIES - 1) / TABLE_ENTRIES;
	if (npd > TABLE_ENTRIES)
		return -1;	/* more than one PDPT's 512 GiB */
	uint64_t npt = 0;
	for (uint64_t r = 0; r < nlarge; r++)
		npt += !uniform(g, r);
	uint64_t n = 2 + npd + npt;
	uint64_t base = frame_alloc(&frames, n, FRAME_VOLATILE);
	if (!base)
		return -1;
	memset((void *)(uintptr_t)base, 0, n * PAGE_SIZE);

	/* PML4, PDPT, the PDs (one array), then the PTs. */
	uint64_t *pml4 = (uint64_t *)(uintptr_t)base;
	uint64_t *pdpt = pml4 + TABLE_ENTRIES;
	uint64_t *pd = pdpt + TABLE_ENTRIES;
	uint64_t next_pt = base + (2 + npd) * PAGE_SIZE;
	pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W;
	for (uint64_t i = 0; i < npd; i++)
		pdpt[i] = (uint64_t)(uintptr_t)(pd + i * TABLE_ENTRIES) | PTE_P | PTE_W;
	for (uint64_t r = 0; r < nlarge; r++) {
		if (uniform(g, r)) {
			uint64_t fl = flags_of(g, r * LARGE_FRAMES);
			pd[r] = fl ? r << LARGE_SHIFT | fl | PTE_PS : 0;
			continue;
		}
		uint64_t *pt = (uint64_t *)(uintptr_t)next_pt;
		for (unsigned j = 0; j < LARGE_FRAMES; j++) {
			uint64_t f = r * LARGE_FRAMES + j;
			uint64_t fl = flags_of(g, f);
			pt[j] = fl ? f << FRAME_SHIFT | fl : 0;
		}
		pd[r] = next_pt | PTE_P | PTE_W;
		next_pt += PAGE_SIZE;
	}

	g->tables = base;
	g->ntables = n;
	g->cr3 = base;
	kernel_cr3 = read_cr3();
	guard_cr3 = base;
	next_hook = trap_pf_hook;
	trap_pf_hook = guard_fault;
	return 0;
}

static int refuse(struct restore_guard *g, uint64_t pfn, bool by_mmu)
{
	if (g->refused == GUARD_NONE) {
		g->refused = pfn;
		g->by_mmu = by_mmu;
	}
	g->queued = 0;
	return -1;
}

int restore_guard_flush(struct restore_guard *g)
{
	if (g->refused != GUARD_NONE)
		return -1;
	if (!g->queued)
		return 0;
	uint64_t irq = irq_save();
	int faulted = restore_copy(g->cr3, g->queue, g->queued);
	uint64_t at = read_cr2();
	irq_restore(irq);
	g->queued = 0;
	return faulted ? refuse(g, at >> FRAME_SHIFT, true) : 0;
}

int restore_guard_write(struct restore_guard *g, uint64_t pfn, const void *src)
{
	if (g->refused != GUARD_NONE)
		return -1;
	if (pfn >= g->nframes || !bm_test(g->allowed, pfn))
		return refuse(g, pfn, false);
	void *dst = (void *)(uintptr_t)(pfn << FRAME_SHIFT);
	if (!g->cr3) {
		if (src)
			memcpy(dst, src, PAGE_SIZE);
		else
			memset(dst, 0, PAGE_SIZE);
		return 0;
	}
	g->queue[g->queued++] = (struct guard_copy){ pfn << FRAME_SHIFT, src };
	return g->queued == GUARD_QUEUE ? restore_guard_flush(g) : 0;
}

int restore_guard_end(struct restore_guard *g)
{
	if (g->cr3) {
		restore_guard_flush(g);
		trap_pf_hook = next_hook;
		guard_cr3 = 0;
		page_free(g->tables, g->ntables);
		g->cr3 = 0;
		g->tables = g->ntables = 0;
	}
	return g->refused == GUARD_NONE ? 0 : -1;
}
