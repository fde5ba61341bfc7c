/*
 * trap.h - interrupt and exception dispatch (trap.c, idt.c, gdt.c).
 */
#ifndef DORMANT_TRAP_H
#define DORMANT_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* Laid down by isr.S; order matters. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 120, "isr.S layout");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == 136, "isr.S layout");

typedef void (*trap_handler)(struct trap_frame *f, void *ctx);

#define VEC_DE		0
#define VEC_NMI		2
#define VEC_BP		3
#define VEC_UD		6
#define VEC_NM		7
#define VEC_DF		8
#define VEC_GP		13
#define VEC_PF		14
#define VEC_MC		18
#define VEC_FIRST_IRQ	32
#define VEC_SPURIOUS	0xff
#define VEC_SPURIOUS_APIC VEC_SPURIOUS

/* IST slots in the TSS (gdt.c); 1-based as in the IDT gate. */
#define IST_DF		1
#define IST_NMI		2
#define IST_MC		3
#define IST_IRQ		4
#define IST_PF		5	/* a stack overflow faults on the stack itself */
#define IST_COUNT	5

/* kstack.c: the kernel's stacks, each above an unmapped guard page.  Ids
 * are the IST slots, and KSTACK_MAIN (kmain's stack). */
#define KSTACK_MAIN	0
#define KSTACK_COUNT	(IST_COUNT + 1)
struct kstack {
	const char *name;	/* "main", "#DF", "NMI", "#MC", "irq", "#PF" */
	uint8_t *guard;		/* the page below the stack */
	uint64_t size;		/* the stack: [guard + 4 KiB, + size) */
};
const struct kstack *kstack_get(int id);	/* NULL for an unknown id */
uint64_t kstack_base(const struct kstack *k);
uint64_t kstack_top(const struct kstack *k);
/* The stack whose guard page holds addr, or NULL. */
const struct kstack *kstack_guard_hit(uint64_t addr);
/* After paging_init: unmap the guard pages and make their frames volatile. */
void kstack_guard_init(void);

/* gdt.c */
void gdt_init(void);

/* idt.c: the handler table trap_dispatch reads. */
struct vec_handler {
	trap_handler fn;
	void *ctx;
	bool no_eoi;
};
extern struct vec_handler vec_handlers[256];
void idt_init(void);
/* A free vector >= 32 with a handler attached; panics when none is left. */
uint8_t irq_alloc_vector(trap_handler h, void *ctx);
void irq_set_handler(uint8_t vec, trap_handler h, void *ctx);
/* false: the interrupt source completes it (Hyper-V AutoEOI); no APIC EOI. */
void irq_set_eoi(uint8_t vec, bool needs_eoi);

/* trap.c */
void trap_dispatch(struct trap_frame *f);
/* Expected faults, for self-tests: the next exception 'vec' resumes at
 * 'resume' instead of killing the kernel; returns through trap_expect_hit(). */
void trap_expect(int vec, uint64_t resume);
bool trap_expect_hit(uint64_t *error, uint64_t *cr2);
void backtrace_from(uint64_t rbp, int max);
/* Hook run on every IRQ in test mode (selftest.c clobbers SSE with it). */
extern void (*trap_irq_test_hook)(void);
/* Emulated hardware in test images (tests/hvsim): a hook at interrupt
 * entry (AutoEOI is done at delivery) and one that may handle an exception
 * (VMCALL's #UD on the emulated hypercall page); true means handled. */
extern void (*trap_irq_entry_hook)(uint8_t vec);
extern bool (*trap_exception_hook)(struct trap_frame *f);
/* Asked first on every page fault, before anything else runs (it may be
 * the hibernation's copy-on-write, snapshot/cow.c); true: handled. */
extern bool (*trap_pf_hook)(struct trap_frame *f);
/* After every interrupt's handler and EOI, with the interrupted context
 * in f (it may change where that context resumes). */
extern void (*trap_irq_exit_hook)(struct trap_frame *f);

/* ksyms.c */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
