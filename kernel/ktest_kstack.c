/*
 * ktest_kstack.c - in-kernel self-test of the kernel stacks' guard pages
 * (kstack.c): every stack, the interrupt stacks that no crash= test
 * overflows (#DF, NMI, #MC) included, has its guard page unmapped, its
 * frame volatile (so no image holds it), and the stack itself mapped and
 * owned.  The crash=kstack, irqstack and pfstack scenarios overflow the
 * others for real (tests/qemu/scenarios.py).
 *
 * Linked into the plain kernel only: the hvsim scenarios name their
 * KTAP test numbers, which one more KTEST would shift.
 */
#include "initcall.h"
#include "kernel.h"
#include "trap.h"

#define CHECK KTEST_CHECK

int probe_read(uint64_t addr);
extern char probe_read_fault[];

static bool t_kstack_guards(void)
{
	for (int i = 0; i < KSTACK_COUNT; i++) {
		const struct kstack *k = kstack_get(i);
		uint64_t g = (uint64_t)k->guard, err, cr2;
		kprintf("# %s: guard 0x%lx, stack 0x%lx-0x%lx\n", k->name, g, kstack_base(k),
			kstack_top(k));
		CHECK(g % PAGE_SIZE == 0 && kstack_base(k) == g + PAGE_SIZE);
		CHECK(!paging_is_mapped(g) && !paging_is_mapped(g + PAGE_SIZE - 1));
		CHECK(frame_get(&frames, g) == FRAME_VOLATILE);
		CHECK(kstack_guard_hit(g + 8) == k && kstack_guard_hit(kstack_base(k)) == NULL);
		CHECK(paging_is_mapped(kstack_base(k)) && paging_is_mapped(kstack_top(k) - 1));
		CHECK(frame_get(&frames, kstack_base(k)) == FRAME_OWNED);
		trap_expect(VEC_PF, (uint64_t)probe_read_fault);
		int faulted = probe_read(g + PAGE_SIZE - 8);
		CHECK(trap_expect_hit(&err, &cr2) && faulted == 1);
		CHECK(cr2 == g + PAGE_SIZE - 8 && (err & 1) == 0);	/* not present */
	}
	CHECK(kstack_get(KSTACK_COUNT) == NULL);
	return true;
}
KTEST("kstack_guards", t_kstack_guards);
