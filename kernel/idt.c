/*
 * idt.c - the interrupt descriptor table and the per-vector handler table.
 * Gate layout: Intel SDM vol. 3A, 6.14.1 (64-bit IDT gate descriptors).
 */
#include "trap.h"
#include "kernel.h"

struct __attribute__((packed)) idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

#define GATE_INTERRUPT	0x8e	/* P, DPL 0, type 0xE: IF cleared on entry */
#define KCODE_SEL	0x08

extern const uint64_t isr_stubs[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));

struct vec_handler vec_handlers[256];

static uint8_t ist_for(int vec)
{
	switch (vec) {
	case VEC_DF:
		return IST_DF;
	case VEC_NMI:
		return IST_NMI;
	case VEC_MC:
		return IST_MC;
	case VEC_PF:
		return IST_PF;
	default:
		return vec >= VEC_FIRST_IRQ ? IST_IRQ : 0;
	}
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t off = isr_stubs[v];
		idt[v] = (struct idt_gate){
			.off_lo = off & 0xffff,
			.selector = KCODE_SEL,
			.ist = ist_for(v),
			.type_attr = GATE_INTERRUPT,
			.off_mid = (off >> 16) & 0xffff,
			.off_hi = off >> 32,
		};
	}
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" :: "m"(d));
}

void irq_set_handler(uint8_t vec, trap_handler h, void *ctx)
{
	vec_handlers[vec].ctx = ctx;
	vec_handlers[vec].fn = h;
}

void irq_set_eoi(uint8_t vec, bool needs_eoi)
{
	vec_handlers[vec].no_eoi = !needs_eoi;
}

uint8_t irq_alloc_vector(trap_handler h, void *ctx)
{
	/* Higher vectors have higher APIC priority; hand out from the top,
	 * below the spurious vector. */
	for (int v = VEC_SPURIOUS - 1; v >= 0x40; v--) {
		if (!vec_handlers[v].fn) {
			irq_set_handler((uint8_t)v, h, ctx);
			return (uint8_t)v;
		}
	}
	panic("irq: no free interrupt vector");
}
