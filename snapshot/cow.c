/*
 * cow.c - copy-on-write of the owned frames after the snapshot instant
 * (cow.h).
 *
 * The kernel's page tables (paging.c: 2 MiB pages for RAM, 4 KiB pages
 * for the kernel image) are cloned into volatile frames.  Every writable
 * mapping of an owned frame becomes a read-only 4 KiB page marked with a
 * software bit (PTE_SW0, ignored by the CPU: SDM vol. 3A, 4.5); a write
 * to it raises #PF with error code P|W (SDM 3A, 4.7), on the #PF
 * interrupt stack, which the hook handles before trap.c does anything
 * else.  CR0.WP is set (paging.c), so the kernel's own writes fault too.
 *
 * The kernel may change its own tables after the instant (an MMIO range
 * mapped by a driver coming back, an overlay page made executable).  A
 * fault the clone causes but the kernel's tables would allow is resolved
 * by cloning the kernel's entry for that address again, with the same
 * rule, from spare table frames.
 */
#include <string.h>

#include "../kernel/cpu.h"
#include "../kernel/kernel.h"
#include "../kernel/pte.h"
#include "../kernel/trap.h"
#include "bitmap.h"
#include "cow.h"
#include "vframes.h"

#define PF_P		(1u << 0)	/* SDM 3A 4.7: protection, not absence */
#define PF_W		(1u << 1)
#define SPARE_TABLES	32		/* for entries resolved after the instant */
#define LEAF_4K		1
#define LEVEL_PD	2
#define LEVEL_PML4	4

static struct cow *live;

static uint64_t level_shift(int level)
{
	return 12 + 9 * (uint64_t)(level - 1);
}

static bool is_owned(const struct cow *c, uint64_t pa)
{
	uint64_t pfn = pa >> FRAME_SHIFT;
	return pfn < c->nframes && bm_test(c->owned, pfn);
}

/* A 4 KiB entry as the clone has it: a writable owned frame not yet
 * copied is read-only and marked. */
static uint64_t rule(const struct cow *c, uint64_t pte)
{
	uint64_t pa = pte & PTE_ADDR;
	if (!(pte & PTE_P) || !(pte & PTE_W) || !is_owned(c, pa) ||
	    c->shadow_of[pa >> FRAME_SHIFT])
		return pte;
	return (pte & ~PTE_W) | PTE_SW0;
}

static uint64_t *take_table(struct cow *c)
{
	if (c->lv->tables_used == c->tables_cap)
		return NULL;
	uint64_t *t = (uint64_t *)(uintptr_t)(c->tables + c->lv->tables_used++ * PAGE_SIZE);
	memset(t, 0, PAGE_SIZE);
	return t;
}

/* Does the 2 MiB page at pa hold an owned frame? */
static bool large_has_owned(const struct cow *c, uint64_t pa)
{
	for (uint64_t f = pa >> FRAME_SHIFT; f < (pa >> FRAME_SHIFT) + 512; f++)
		if (f < c->nframes && bm_test(c->owned, f))
			return true;
	return false;
}

/* The clone of entry e at level (4: PML4E .. 1: PTE); 0 when out of
 * table frames (the caller then leaves the entry out). */
static uint64_t clone_entry(struct cow *c, uint64_t e, int level)
{
	if (!(e & PTE_P))
		return e;
	if (level == LEAF_4K)
		return rule(c, e);
	if (e & PTE_PS) {
		uint64_t pa = e & PTE_ADDR & ~(((uint64_t)1 << level_shift(level)) - 1);
		if (level != LEVEL_PD || !(e & PTE_W) || !large_has_owned(c, pa))
			return e;
		uint64_t *pt = take_table(c);
		if (!pt)
			return 0;
		uint64_t flags = e & ~PTE_ADDR & ~PTE_PS & ~PTE_LARGE_PAT;
		if (e & PTE_LARGE_PAT)
			flags |= PTE_PS;	/* PAT sits at bit 7 in a PTE */
		for (unsigned j = 0; j < 512; j++)
			pt[j] = rule(c, (pa + j * PAGE_SIZE) | flags);
		return (uint64_t)(uintptr_t)pt | PTE_P | PTE_W;
	}
	const uint64_t *from = (const uint64_t *)(uintptr_t)(e & PTE_ADDR);
	uint64_t *t = take_table(c);
	if (!t)
		return 0;
	for (unsigned j = 0; j < 512; j++)
		t[j] = clone_entry(c, from[j], level - 1);
	return (uint64_t)(uintptr_t)t | (e & ~PTE_ADDR);
}

/* Table frames a clone of the table at level needs. */
static uint64_t count_tables(const struct cow *c, const uint64_t *t, int level)
{
	uint64_t n = 1;
	for (unsigned j = 0; j < 512; j++) {
		uint64_t e = t[j];
		if (!(e & PTE_P) || level == LEAF_4K)
			continue;
		if (e & PTE_PS) {
			uint64_t pa = e & PTE_ADDR & ~(((uint64_t)1 << level_shift(level)) - 1);
			n += level == LEVEL_PD && (e & PTE_W) && large_has_owned(c, pa);
			continue;
		}
		n += count_tables(c, (const uint64_t *)(uintptr_t)(e & PTE_ADDR), level - 1);
	}
	return n;
}

int cow_prepare(struct cow *c, uint32_t pool_pages)
{
	memset(c, 0, sizeof(*c));
	c->nframes = frames.nframes;
	c->lv = vframes(sizeof(*c->lv));
	c->owned = vframes(BITMAP_BYTES(c->nframes));
	c->shadow_of = vframes(c->nframes * sizeof(uint32_t));
	c->pool = vframes((uint64_t)pool_pages * PAGE_SIZE);
	/* The count needs the owned set: an estimate from now, as every
	 * 2 MiB page may hold owned frames by the instant. */
	if (c->owned) {
		memset(c->owned, 0xff, BITMAP_BYTES(c->nframes));
		c->tables_cap = (uint32_t)count_tables(c, (const uint64_t *)(uintptr_t)
						       (read_cr3() & PTE_ADDR), LEVEL_PML4) +
				SPARE_TABLES;
	}
	c->tables = c->owned ? frame_alloc(&frames, c->tables_cap, FRAME_VOLATILE) : 0;
	c->pool_cap = pool_pages;
	if (!c->lv || !c->owned || !c->shadow_of || !c->pool || !c->tables) {
		cow_release(c);
		return -1;
	}
	memset(c->lv, 0, sizeof(*c->lv));
	return 0;
}

/* Copy frame pfn now, if it is owned and not copied yet. */
static void shadow(struct cow *c, uint64_t pfn)
{
	if (pfn >= c->nframes || !bm_test(c->owned, pfn) || c->shadow_of[pfn])
		return;
	if (c->lv->pool_used == c->pool_cap) {
		c->lv->torn = true;
		return;
	}
	memcpy(c->pool + (uint64_t)c->lv->pool_used * PAGE_SIZE,
	       (const void *)(uintptr_t)(pfn << FRAME_SHIFT), PAGE_SIZE);
	c->shadow_of[pfn] = ++c->lv->pool_used;
}

/* The entry for va in the table tree at t, and the level it is at. */
static uint64_t *walk(uint64_t *t, uint64_t va, int *level)
{
	for (int l = LEVEL_PML4;; l--) {
		uint64_t *e = &t[(va >> level_shift(l)) & 511];
		if (l == LEAF_4K || !(*e & PTE_P) || (*e & PTE_PS)) {
			*level = l;
			return e;
		}
		t = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	}
}

static bool allows(uint64_t e, unsigned error)
{
	return (e & PTE_P) && (!(error & PF_W) || (e & PTE_W));
}

/* The clone refused an access: a first write to a marked frame (copy it),
 * or an entry the kernel changed after the instant (clone it again). */
static bool cow_fault(struct trap_frame *f)
{
	struct cow *c = live;
	if (!c || !c->active)
		return false;
	uint64_t va = read_cr2();
	int cl, kl;
	uint64_t *ce = walk((uint64_t *)(uintptr_t)c->cr3, va, &cl);
	if (cl == LEAF_4K && (*ce & PTE_SW0) && (f->error & (PF_P | PF_W)) == (PF_P | PF_W)) {
		shadow(c, va >> FRAME_SHIFT);
		*ce = (*ce & ~PTE_SW0) | PTE_W;
		c->lv->faults++;
		__asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
		return true;
	}
	uint64_t *ke = walk((uint64_t *)(uintptr_t)c->old_cr3, va, &kl);
	if (!allows(*ke, (unsigned)f->error))
		return false;	/* the kernel's own tables refuse it too: a real fault */
	/* Re-clone from the highest level where the trees differ. */
	uint64_t *ct = (uint64_t *)(uintptr_t)c->cr3;
	const uint64_t *kt = (const uint64_t *)(uintptr_t)c->old_cr3;
	for (int l = LEVEL_PML4; l >= LEAF_4K; l--) {
		unsigned i = (va >> level_shift(l)) & 511;
		uint64_t k = kt[i], e = ct[i];
		bool both_tables = l > LEAF_4K && (k & PTE_P) && !(k & PTE_PS) &&
				   (e & PTE_P) && !(e & PTE_PS);
		if (!both_tables) {
			uint64_t n = clone_entry(c, k, l);
			if (!n)
				return false;
			ct[i] = n;
			break;
		}
		ct = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
		kt = (const uint64_t *)(uintptr_t)(k & PTE_ADDR);
	}
	write_cr3(c->cr3);	/* the entries above the leaf may have changed */
	return true;
}

void cow_start(struct cow *c)
{
	memset(c->owned, 0, BITMAP_BYTES(c->nframes));
	memset(c->shadow_of, 0, c->nframes * sizeof(uint32_t));
	for (uint64_t f = 0; f < c->nframes; f++) {
		if (frame_get(&frames, f << FRAME_SHIFT) == FRAME_OWNED) {
			bm_set(c->owned, f);
			c->owned_pages++;
		}
	}
	/* The CPU pushes every interrupt and fault frame on these. */
	for (int i = 1; i <= IST_COUNT; i++) {
		const struct kstack *k = kstack_get(i);
		for (uint64_t pa = kstack_base(k); pa < kstack_top(k); pa += PAGE_SIZE)
			shadow(c, pa >> FRAME_SHIFT);
	}

	c->old_cr3 = read_cr3();
	uint64_t root = clone_entry(c, c->old_cr3 | PTE_P, LEVEL_PML4 + 1);
	c->cr3 = root & PTE_ADDR;
	c->active = true;
	live = c;
	trap_pf_hook = cow_fault;
	write_cr3(c->cr3);
}

void cow_stop(struct cow *c)
{
	if (!c->active)
		return;
	write_cr3(c->old_cr3);
	c->active = false;
	trap_pf_hook = NULL;
	live = NULL;
}

const void *cow_page(const struct cow *c, uint64_t pfn)
{
	uint32_t s = c->shadow_of[pfn];
	if (s)
		return c->pool + (uint64_t)(s - 1) * PAGE_SIZE;
	return (const void *)(uintptr_t)(pfn << FRAME_SHIFT);
}

bool cow_torn(const struct cow *c)
{
	return c->lv->torn;
}

void cow_release(struct cow *c)
{
	trap_pf_hook = NULL;
	live = NULL;
	c->active = false;
	if (c->tables)
		page_free(c->tables, c->tables_cap);
	vfree(c->pool, (uint64_t)c->pool_cap * PAGE_SIZE);
	vfree(c->shadow_of, c->nframes * sizeof(uint32_t));
	vfree(c->owned, BITMAP_BYTES(c->nframes));
	vfree(c->lv, sizeof(*c->lv));
	memset(c, 0, sizeof(*c));
}
