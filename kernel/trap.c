/*
 * trap.c - what happens on an interrupt or exception.
 *
 * Interrupts go to the handler registered for their vector, then EOI.
 * An exception is fatal: it prints the vector, error code, registers,
 * control registers and a frame-pointer backtrace with symbol names, then
 * stops (with a failure status under a test harness).  Self-tests may
 * announce one expected exception and resume past it (trap_expect).
 */
#include "cpu.h"
#include "kernel.h"
#include "trap.h"

struct vec_handler {
	trap_handler fn;
	void *ctx;
};
extern struct vec_handler vec_handlers[256];

void (*trap_irq_test_hook)(void);

static const char *const exc_names[32] = {
	[0] = "#DE divide error",	[1] = "#DB debug",
	[2] = "NMI",			[3] = "#BP breakpoint",
	[4] = "#OF overflow",		[5] = "#BR bound range",
	[6] = "#UD invalid opcode",	[7] = "#NM device not available",
	[8] = "#DF double fault",	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present", [12] = "#SS stack fault",
	[13] = "#GP general protection", [14] = "#PF page fault",
	[16] = "#MF x87 error",		[17] = "#AC alignment check",
	[18] = "#MC machine check",	[19] = "#XM SIMD exception",
	[20] = "#VE virtualization",	[21] = "#CP control protection",
};

static struct {
	int vec;		/* -1: nothing expected */
	uint64_t resume;
	bool hit;
	uint64_t error, cr2;
} expect = { -1, 0, false, 0, 0 };

static int fatal_depth;

void trap_expect(int vec, uint64_t resume)
{
	expect.hit = false;
	expect.resume = resume;
	expect.vec = vec;
}

bool trap_expect_hit(uint64_t *error, uint64_t *cr2)
{
	bool hit = expect.hit;
	*error = expect.error;
	*cr2 = expect.cr2;
	expect.vec = -1;
	expect.hit = false;
	return hit;
}

static void print_sym(const char *prefix, uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		kprintf("%s0x%016lx %s+0x%lx\n", prefix, addr, name, off);
	else
		kprintf("%s0x%016lx\n", prefix, addr);
}

void backtrace_from(uint64_t rbp, int max)
{
	kprintf("backtrace:\n");
	for (int i = 0; i < max && rbp; i++) {
		if ((rbp & 7) || !paging_is_mapped(rbp) || !paging_is_mapped(rbp + 15))
			break;
		uint64_t ret = ((uint64_t *)rbp)[1];
		uint64_t next = ((uint64_t *)rbp)[0];
		if (!ret)
			break;
		char prefix[16];
		ksnprintf(prefix, sizeof(prefix), "  #%d ", i);
		print_sym(prefix, ret);
		if (next <= rbp)	/* stacks grow down: callers are higher */
			break;
		rbp = next;
	}
}

static void trap_fatal(struct trap_frame *f) noreturn;
static void trap_fatal(struct trap_frame *f)
{
	const char *name = f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector]
								  : "exception";
	if (fatal_depth++) {
		kprintf("trap: exception %lu while handling an exception; halting\n", f->vector);
		if (kopts.test)
			power_test_exit(0x7e);
		for (;;)
			hlt();
	}
	kprintf("\ntrap: %s (vector %lu) error 0x%lx\n", name, f->vector, f->error);
	print_sym("  rip ", f->rip);
	kprintf("  cs %04lx rflags %016lx rsp %016lx ss %04lx\n", f->cs, f->rflags, f->rsp, f->ss);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx\n", f->r13, f->r14, f->r15);
	kprintf("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n",
		read_cr0(), read_cr2(), read_cr3(), read_cr4());
	backtrace_from(f->rbp, 16);
	if (panic_notify)
		panic_notify(name);
	if (kopts.test)
		power_test_exit(0x7e);
	kprintf("trap: system halted\n");
	for (;;) {
		cli();
		hlt();
	}
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < VEC_FIRST_IRQ) {
		if ((int)f->vector == expect.vec) {
			expect.hit = true;
			expect.error = f->error;
			expect.cr2 = read_cr2();
			expect.vec = -1;
			f->rip = expect.resume;
			return;
		}
		trap_fatal(f);
	}
	if (f->vector == VEC_SPURIOUS)
		return;		/* no EOI for spurious interrupts (SDM 3A 10.9) */
	struct vec_handler *h = &vec_handlers[f->vector];
	if (h->fn)
		h->fn(f, h->ctx);
	else
		kprintf("trap: interrupt on vector %lu with no handler\n", f->vector);
	if (trap_irq_test_hook)
		trap_irq_test_hook();
	lapic_eoi();
}
