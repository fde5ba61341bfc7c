/*
 * panic.c - the end of the road for broken invariants, and the single
 * exit path (application exit, self-test verdict, panic).
 */
#include <stdarg.h>

#include "cpu.h"
#include "kernel.h"
#include "trap.h"

/* Set by a lower layer that reports panics elsewhere (hv/: crash MSRs). */
void (*panic_notify)(const char *msg);

void kernel_exit(int status)
{
	kprintf("dormant: exit status %d, powering off\n", status);
	/* Under a test harness a failure must be visible in QEMU's status;
	 * a success powers off through ACPI like on real hardware. */
	if (kopts.test && status != 0)
		power_test_exit(status);
	power_off();
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	cli();
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("\npanic: %s (%s:%d)\n", msg, file, line);
	uint64_t rbp;
	__asm__ volatile("movq %%rbp, %0" : "=r"(rbp));
	backtrace_from(rbp, 16);
	if (panic_notify)
		panic_notify(msg);
	if (kopts.test)
		power_test_exit(0x7f);
	kprintf("panic: system halted\n");
	for (;;)
		hlt();
}
