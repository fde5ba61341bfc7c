/*
 * kstack.c - the kernel's own stacks, each above an unmapped guard page
 * (issue 11: faults made visible instead of silent).
 *
 * kmain runs on the main stack (entry.S switches to it first thing); the
 * interrupt stacks are the TSS's IST slots (gdt.c): #DF, NMI, #MC,
 * external interrupts and #PF.  All of them sit in .bss, page-aligned,
 * each above a page that kstack_guard_init() unmaps once the kernel has
 * its own page tables.  Running off the bottom of any of them faults in
 * its guard page, and trap.c names the stack, instead of overwriting what
 * lies below.
 *
 * The fault is always a #PF, handled on the #PF stack, which the CPU
 * switches to whatever the stack pointer was; so a guard hit is reported
 * from any stack, and no double fault is needed for it.  When the #PF
 * stack itself runs out, the fault in its guard page enters it again from
 * its top: the frames of the handler that ran out are overwritten, but
 * that handler never continues, since the one on top reports the overflow
 * and stops.  A #DF comes only when the CPU cannot deliver a fault at all;
 * it runs on a stack of its own and trap.c checks its stack pointer
 * against the guards too.
 *
 * The guard frames are volatile, like the application stack's
 * (appstack.c): never mapped, so never read into an image or written
 * back from one.  The stacks themselves are owned, like the rest of .bss.
 */
#include "kernel.h"
#include "trap.h"

#define MAIN_STACK	(64 * 1024)
#define IST_STACK	(16 * 1024)

/* The interrupt stacks first, the main stack on top: a backtrace walks
 * upwards from an interrupt stack into the interrupted code's. */
static struct {
	struct {
		uint8_t guard[PAGE_SIZE];
		uint8_t stack[IST_STACK];
	} ist[IST_COUNT];
	uint8_t main_guard[PAGE_SIZE];
	uint8_t main[MAIN_STACK];
} stacks __attribute__((aligned(PAGE_SIZE)));

_Static_assert(IST_STACK % PAGE_SIZE == 0 && MAIN_STACK % PAGE_SIZE == 0,
	       "every guard page starts a page");

#define IST(slot, nm)	[slot] = { nm, stacks.ist[(slot) - 1].guard, IST_STACK }

static const struct kstack kstacks[KSTACK_COUNT] = {
	[KSTACK_MAIN] = { "main", stacks.main_guard, MAIN_STACK },
	IST(IST_DF, "#DF"),
	IST(IST_NMI, "NMI"),
	IST(IST_MC, "#MC"),
	IST(IST_IRQ, "irq"),
	IST(IST_PF, "#PF"),
};

/* entry.S loads it into %rsp. */
uint8_t *const kstack_main_top = stacks.main + MAIN_STACK;

const struct kstack *kstack_get(int id)
{
	return id >= 0 && id < KSTACK_COUNT ? &kstacks[id] : NULL;
}

uint64_t kstack_base(const struct kstack *k)
{
	return (uint64_t)k->guard + PAGE_SIZE;
}

uint64_t kstack_top(const struct kstack *k)
{
	return kstack_base(k) + k->size;
}

const struct kstack *kstack_guard_hit(uint64_t addr)
{
	for (int i = 0; i < KSTACK_COUNT; i++) {
		uint64_t g = (uint64_t)kstacks[i].guard;
		if (addr >= g && addr < g + PAGE_SIZE)
			return &kstacks[i];
	}
	return NULL;
}

void kstack_guard_init(void)
{
	for (int i = 0; i < KSTACK_COUNT; i++) {
		uint64_t g = (uint64_t)kstacks[i].guard;
		if (frame_convert(&frames, g, 1, FRAME_VOLATILE) != 0)
			panic("kstack: the guard frame 0x%lx of the %s stack is not owned", g,
			      kstacks[i].name);
		paging_unmap_page(g);
	}
	kprintf("kstack: guard pages below the main stack (%u KiB) and the #DF, NMI, #MC, irq "
		"and #PF stacks (%u KiB each)\n", MAIN_STACK >> 10, IST_STACK >> 10);
}
