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

void (*trap_irq_test_hook)(void);
void (*trap_irq_entry_hook)(uint8_t vec);
bool (*trap_exception_hook)(struct trap_frame *f);
bool (*trap_pf_hook)(struct trap_frame *f);
void (*trap_irq_exit_hook)(struct trap_frame *f);

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

/* Is addr a return address: in kernel text, right after a call?
 * (call rel32 is E8 + 4 bytes; call through a register or memory is
 * FF /2 with 2 to 7 bytes; Intel SDM vol. 2A, CALL.) */
static bool is_return_address(uint64_t addr)
{
	if (addr < (uint64_t)__kernel_start + 8 || addr >= (uint64_t)__text_end)
		return false;
	const uint8_t *p = (const uint8_t *)addr;
	if (p[-5] == 0xe8)
		return true;
	for (int len = 2; len <= 7; len++)
		if (p[-len] == 0xff && ((p[-len + 1] >> 3) & 7) == 2)
			return true;
	return false;
}

/* A fault in a function that keeps no frame (a leaf, or before its
 * prologue) leaves its caller only on the stack: show that first. */
static int backtrace_stack_top(uint64_t rsp, uint64_t rbp)
{
	if ((rsp & 7) || !paging_is_mapped(rsp) || !paging_is_mapped(rsp + 7))
		return 0;
	uint64_t ret = *(uint64_t *)rsp;
	if (!is_return_address(ret))
		return 0;
	if (rbp && paging_is_mapped(rbp + 15) && ((uint64_t *)rbp)[1] == ret)
		return 0;	/* the frame chain has it already */
	print_sym("  #0 ", ret);
	return 1;
}

/* Follow the saved-rbp chain; frame numbers start at 'first'. */
static void backtrace_walk(uint64_t rbp, int max, int first)
{
	for (int i = first; i < max && rbp; i++) {
		if ((rbp & 7) || !paging_is_mapped(rbp) || !paging_is_mapped(rbp + 15))
			break;
		uint64_t ret = ((uint64_t *)rbp)[1];
		uint64_t next = ((uint64_t *)rbp)[0];
		if (!ret)
			break;
		char prefix[16];
		ksnprintf(prefix, sizeof(prefix), "  #%d ", i);
		print_sym(prefix, ret);
		/* Stacks grow down: callers are higher.  The one exception is
		 * the step from the application's stack to the main stack. */
		if (next <= rbp && !(appstack_contains(rbp) && !appstack_contains(next)))
			break;
		rbp = next;
	}
}

void backtrace_from(uint64_t rbp, int max)
{
	kprintf("backtrace:\n");
	backtrace_walk(rbp, max, 0);
}

/* A fault in a guard page (kstack.c, appstack.c): say which stack ran
 * out.  A #PF has the address in CR2; a #DF the stack pointer it could
 * not push at. */
static void say_stack_overflow(const struct trap_frame *f)
{
	uint64_t at;
	if (f->vector == VEC_PF)
		at = read_cr2();
	else if (f->vector == VEC_DF)
		at = f->rsp - 8;
	else
		return;
	const struct kstack *k = kstack_guard_hit(at);
	if (k)
		kprintf("trap: stack overflow: kernel stack '%s' (%lu KiB) exhausted (the fault is "
			"in the guard page below it)\n", k->name, k->size >> 10);
	else if (appstack_guard_hit(at))
		kprintf("trap: stack overflow: the application's stack of %lu KiB is exhausted "
			"(the fault is in the guard page below it); the kernel option "
			"stack=SIZE makes it larger\n", appstack_size() >> 10);
}

static void trap_fatal(struct trap_frame *f) noreturn;
static void trap_fatal(struct trap_frame *f)
{
	const char *name = f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector]
								  : "exception";
	if (fatal_depth++) {
		kprintf("trap: exception %lu while handling an exception; halting\n", f->vector);
		say_stack_overflow(f);
		if (kopts.test)
			power_test_exit(0x7e);
		for (;;)
			hlt();
	}
	kprintf("\ntrap: %s (vector %lu) error 0x%lx\n", name, f->vector, f->error);
	say_stack_overflow(f);
	print_sym("  rip ", f->rip);
	kprintf("  cs %04lx rflags %016lx rsp %016lx ss %04lx\n", f->cs, f->rflags, f->rsp, f->ss);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx\n", f->r13, f->r14, f->r15);
	kprintf("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n",
		read_cr0(), read_cr2(), read_cr3(), read_cr4());
	kprintf("backtrace:\n");
	backtrace_walk(f->rbp, 16, backtrace_stack_top(f->rsp, f->rbp));
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
	/* First, touching nothing: after a snapshot instant every write to
	 * owned memory faults here until the hook has copied the frame. */
	if (f->vector == VEC_PF && trap_pf_hook && trap_pf_hook(f))
		return;
	if (f->vector < VEC_FIRST_IRQ) {
		if ((int)f->vector == expect.vec) {
			expect.hit = true;
			expect.error = f->error;
			expect.cr2 = read_cr2();
			expect.vec = -1;
			f->rip = expect.resume;
			return;
		}
		if (trap_exception_hook && trap_exception_hook(f))
			return;
		trap_fatal(f);
	}
	if (f->vector == VEC_SPURIOUS)
		return;		/* no EOI for spurious interrupts (SDM 3A 10.9) */
	if (trap_irq_entry_hook)
		trap_irq_entry_hook((uint8_t)f->vector);
	struct vec_handler *h = &vec_handlers[f->vector];
	if (h->fn)
		h->fn(f, h->ctx);
	else
		kprintf("trap: interrupt on vector %lu with no handler\n", f->vector);
	if (trap_irq_test_hook)
		trap_irq_test_hook();
	if (!h->no_eoi)
		lapic_eoi();
	if (trap_irq_exit_hook)
		trap_irq_exit_hook(f);
}
