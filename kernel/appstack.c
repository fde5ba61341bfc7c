/*
 * appstack.c - the stack the application (and the self-tests) run on.
 *
 * The kernel's main stack is 64 KiB (kstack.c).  The application gets a
 * stack of the size a C programmer expects (1 MiB, or the kernel option
 * stack=SIZE) in owned frames, with one unmapped guard page below it:
 * running off the end faults there (on the #PF interrupt stack, gdt.c)
 * and trap.c reports a stack overflow instead of corrupting whatever
 * lies below.
 *
 * The guard frame is volatile: it holds nothing and is never mapped, so
 * a hibernation image must not try to read it.
 */
#include "kernel.h"

#define APPSTACK_DEFAULT	MiB
#define APPSTACK_MIN		(64 * 1024)
#define APPSTACK_MAX		((uint64_t)1 << 30)

/* entry.S: call fn on the stack whose top is top; returns when fn does. */
void call_on_stack(void (*fn)(void), uint64_t top);

static struct {
	uint64_t guard;		/* the unmapped page */
	uint64_t base, top;	/* the usable stack [base, top) */
} st;

/* The size asked for with stack=, or the default with a line saying why. */
static uint64_t stack_size(void)
{
	uint64_t size;
	if (!kopts.stack[0])
		return APPSTACK_DEFAULT;
	int r = cmdline_size(kopts.stack, APPSTACK_MIN, APPSTACK_MAX, &size);
	if (r) {
		kprintf("appstack: stack=%s %s; usage: stack=SIZE from 64K to 1G (suffix K, M "
			"or G); using %lu KiB\n", kopts.stack,
			r == CMDLINE_OUT_OF_RANGE ? "is out of range" : "is not a size",
			APPSTACK_DEFAULT >> 10);
		return APPSTACK_DEFAULT;
	}
	size = ALIGN_UP(size, PAGE_SIZE);
	if (size / PAGE_SIZE + 1 > frames.count[FRAME_FREE] / 2) {
		kprintf("appstack: stack=%s is more than half of the free memory; using %lu KiB\n",
			kopts.stack, APPSTACK_DEFAULT >> 10);
		return APPSTACK_DEFAULT;
	}
	return size;
}

void appstack_run(void (*fn)(void))
{
	uint64_t size = stack_size();
	uint64_t pages = size / PAGE_SIZE;

	st.guard = page_alloc(pages + 1, FRAME_OWNED);
	if (frame_convert(&frames, st.guard, 1, FRAME_VOLATILE) != 0)
		panic("appstack: guard frame 0x%lx", st.guard);
	paging_unmap_page(st.guard);
	st.base = st.guard + PAGE_SIZE;
	st.top = st.base + size;
	kprintf("appstack: %lu KiB at 0x%lx, guard page below\n", size >> 10, st.base);
	call_on_stack(fn, st.top);
}

bool appstack_guard_hit(uint64_t addr)
{
	return st.guard && addr >= st.guard && addr < st.guard + PAGE_SIZE;
}

bool appstack_contains(uint64_t addr)
{
	return addr >= st.base && addr < st.top;
}

uint64_t appstack_size(void)
{
	return st.top - st.base;
}
