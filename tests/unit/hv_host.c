/*
 * hv_host.c - what the guest's hv/ files need from the kernel, and the
 * emulated host's platform, for host unit tests: guest "physical" pages
 * are this process's memory, interrupts are function calls, the TSC is a
 * number the test moves forward.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hv/hv_seam.h"
#include "../../kernel/kernel.h"
#include "../../kernel/trap.h"
#include "../hvsim/hvsim.h"
#include "hv_host.h"

struct host host;
/* The emulator's state: an ordinary global here; the test kernel keeps it
 * in host memory outside the guest's RAM (tests/hvsim/kglue.c). */
struct hvsim hvsim;
void (*panic_notify)(const char *msg);

/* Weak: a fuzz harness that brings the guest up for every input keeps
 * freed blocks for the next rings instead (fuzz_vmbus_dispatch.c). */
__attribute__((weak)) uint64_t page_alloc(uint64_t n, enum frame_state st)
{
	(void)st;
	void *p = aligned_alloc(4096, n * 4096);
	memset(p, 0, n * 4096);
	host.pages_alloc += n;
	return (uint64_t)(uintptr_t)p;
}

__attribute__((weak)) void page_free(uint64_t addr, uint64_t n)
{
	host.pages_freed += n;
	free((void *)(uintptr_t)addr);
}

void paging_set_exec(uint64_t page, bool exec)
{
	host.exec_page = exec ? page : 0;
}

uint8_t irq_alloc_vector(trap_handler h, void *ctx)
{
	for (int v = 0xfe; v >= 0x40; v--) {
		if (!host.vec[v].fn) {
			irq_set_handler((uint8_t)v, h, ctx);
			host.vec[v].needs_eoi = true;
			return (uint8_t)v;
		}
	}
	abort();
}

void irq_set_handler(uint8_t v, trap_handler h, void *ctx)
{
	host.vec[v].fn = h;
	host.vec[v].ctx = ctx;
}

void irq_set_eoi(uint8_t v, bool needs_eoi)
{
	host.vec[v].needs_eoi = needs_eoi;
}

/* Weak: a fuzz harness keeps the log in a ring instead (host.log grows
 * and is scanned with strlen on every line). */
__attribute__((weak)) void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(host.log);
	vsnprintf(host.log + n, sizeof(host.log) - n, fmt, ap);
	va_end(ap);
	if (getenv("HV_TEST_VERBOSE"))
		fputs(host.log + n, stderr);
}

void time_register_platform(const struct time_platform *p)
{
	host.platform = p;
}

void power_add_hook(void (*fn)(void))
{
	host.power_hook = fn;
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	fprintf(stderr, "panic at %s:%d: %s\n", file, line, fmt);
	abort();
}

/* The page "call": only the enabled hypercall overlay, made executable,
 * reaches the emulated hypervisor (a real CPU would fault otherwise). */
uint64_t hv_hypercall_page_call(void *page, uint64_t control, uint64_t input, uint64_t output)
{
	uint64_t gpa = (uint64_t)(uintptr_t)page;
	if (!hvsim_is_hypercall_page(gpa) || host.exec_page != gpa) {
		host.bad_hypercalls++;
		return 0x2;
	}
	return hvsim_hypercall(control, input, output);
}

/* ---- the emulated host's platform ---- */

static uint64_t fake_rdtsc(void)
{
	host.rdtsc_reads++;
	if (host.on_rdtsc)
		host.on_rdtsc();
	return host.tsc;
}

/* Deliver what is pending like a CPU would: one handler at a time, never
 * inside another (handlers run with interrupts off). */
void host_run_pending(void)
{
	if (host.in_irq)
		return;
	host.in_irq = true;
	while (host.npending) {
		uint8_t v = host.pending[0];
		bool aeoi = host.pending_aeoi[0];
		memmove(host.pending, host.pending + 1, --host.npending);
		memmove(host.pending_aeoi, host.pending_aeoi + 1, host.npending);
		host.irqs[v]++;
		if (host.vec[v].fn)
			host.vec[v].fn(NULL, host.vec[v].ctx);
		else
			host.unhandled++;
		if (aeoi && host.vec[v].needs_eoi)
			host.double_eoi++;	/* guest EOIs what the hypervisor did */
		if (!aeoi && !host.vec[v].needs_eoi)
			host.missing_eoi++;
		if (!aeoi && host.vec[v].needs_eoi)
			host.guest_eois++;
	}
	host.in_irq = false;
}

static void raise(uint8_t vector, bool auto_eoi)
{
	if (host.npending < sizeof(host.pending)) {
		host.pending[host.npending] = vector;
		host.pending_aeoi[host.npending++] = auto_eoi;
	}
	host_run_pending();
}

static void arm(uint64_t when)
{
	host.armed = when;
}

static void log_line(const char *line)
{
	kprintf("hvsim: %s\n", line);
}

static const struct hvsim_platform platform = {
	.rdtsc = fake_rdtsc,
	.raise = raise,
	.arm = arm,
	.log = log_line,
};

void host_reset(const struct hvsim_profile *p)
{
	memset(&host, 0, sizeof(host));
	memset(&hv, 0, sizeof(hv));
	panic_notify = NULL;
	host.tsc = 1000000000ull;	/* partition created at an arbitrary TSC */
	hvsim_init(p, &platform, HOST_TSC_HZ, HOST_APIC_HZ);
}

void host_advance_ns(uint64_t ns)
{
	host.tsc += (uint64_t)((unsigned __int128)ns * HOST_TSC_HZ / 1000000000ull);
	if (host.armed && hvsim_ref_time() >= host.armed)
		hvsim_poll();
}
