/*
 * gdt.c - the kernel's GDT and TSS.
 *
 * Long mode needs one code and one data descriptor; the TSS carries the
 * interrupt stacks (IST).  #DF, NMI and #MC get stacks of their own so that
 * they are handled even when the current stack is the problem (Intel SDM
 * vol. 3A, 6.14.5).  External interrupts use IST_IRQ: libgcc is built with a
 * red zone, and an interrupt pushed on the interrupted stack would clobber it.
 * #PF gets IST_PF: a stack overflow into a guard page faults with the stack
 * pointer in the guard page, where the CPU could not push the fault frame.
 * The stacks, and the guard page below each, are kstack.c's.
 */
#include "trap.h"

#include <string.h>

#define GDT_KCODE	0x08
#define GDT_KDATA	0x10
#define GDT_TSS		0x18

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS (SDM 3A fig. 8-11)");

static struct tss tss;

/* Access byte and flags of the flat segments (SDM 3A 3.4.5). */
#define SEG_CODE64	0x00209a0000000000ull	/* P, S, code, R, L */
#define SEG_DATA	0x0000920000000000ull	/* P, S, data, W */
#define SEG_TSS_AVAIL	0x89ull			/* P, type 9 */

static uint64_t gdt[5] __attribute__((aligned(16)));

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	memset(&tss, 0, sizeof(tss));
	/* IST numbers start at 1 (SDM 3A 6.14.5); tss.ist[0] is IST1. */
	for (int i = 0; i < IST_COUNT; i++)
		tss.ist[i] = kstack_top(kstack_get(i + 1));
	tss.iomap_base = sizeof(tss);	/* no I/O bitmap */

	gdt[0] = 0;
	gdt[1] = SEG_CODE64;
	gdt[2] = SEG_DATA;
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (SEG_TSS_AVAIL << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	struct dtr d = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"ltr %w3"
		:: "m"(d), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
		: "rax", "memory");
}
