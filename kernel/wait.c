/*
 * wait.c - waiting for something an interrupt (or a poll) brings, with a
 * deadline.  Used by the VMBus client for host answers and by the block
 * layer for completions.
 *
 * The condition is checked with interrupts off and the CPU then sleeps
 * with sti; hlt: an interrupt that arrives between the check and the
 * sleep still wakes it (sti takes effect after the next instruction).
 * With interrupts off on entry (polled mode) it spins instead, and poll()
 * must do what the interrupt handler would.
 */
#include "kernel.h"

bool wait_until(bool (*cond)(void *), void (*poll)(void *), void *arg, uint64_t deadline_ns)
{
	bool irqs = irqs_enabled();
	for (;;) {
		if (poll)
			poll(arg);
		uint64_t f = irq_save();
		bool done = cond(arg);
		if (done || time_ns() >= deadline_ns) {
			irq_restore(f);
			return done;
		}
		if (irqs) {
			cpu_idle();
		} else {
			irq_restore(f);
			cpu_relax();
		}
	}
}
