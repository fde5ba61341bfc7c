/*
 * lapic.c - the local APIC, in x2APIC mode when the CPU offers it (MSR
 * access), else xAPIC (MMIO).  Intel SDM vol. 3A chapter 10: register
 * offsets (table 10-1), x2APIC MSR = 0x800 + offset / 16 (10.12.1.2).
 */
#include "cpu.h"
#include "kernel.h"
#include "trap.h"

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_ENABLE	(1ull << 11)
#define APIC_BASE_X2APIC	(1ull << 10)
#define APIC_BASE_ADDR		0x000ffffffffff000ull
#define X2APIC_MSR(off)		(0x800u + ((off) >> 4))

#define LAPIC_ID		0x020
#define LAPIC_TPR		0x080
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_CUR		0x390
#define LAPIC_TIMER_DIV		0x3e0
#define X2APIC_SELF_IPI		0x83f

#define SVR_ENABLE		(1u << 8)
#define LVT_MASKED		(1u << 16)
#define LVT_TIMER_PERIODIC	(1u << 17)
#define TIMER_DIV_16		0x3
#define ICR_DEST_SELF		(1u << 18)
#define ICR_DELIVS		(1u << 12)

static volatile uint32_t *mmio;
static bool x2;

static uint32_t rd(uint32_t off)
{
	return x2 ? (uint32_t)rdmsr(X2APIC_MSR(off)) : mmio[off / 4];
}

static void wr(uint32_t off, uint32_t v)
{
	if (x2)
		wrmsr(X2APIC_MSR(off), v);
	else
		mmio[off / 4] = v;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2 = cpu.x2apic;
	if (x2) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	} else {
		uint64_t pa = base & APIC_BASE_ADDR;
		paging_map_mmio(pa, PAGE_SIZE);
		mmio = (volatile uint32_t *)(uintptr_t)pa;
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	}
	wr(LAPIC_TPR, 0);
	wr(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS_APIC);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
}

bool lapic_is_x2apic(void)
{
	return x2;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return x2 ? rd(LAPIC_ID) : rd(LAPIC_ID) >> 24;
}

/* Count down from 'count' once, masked: used to calibrate. */
void lapic_timer_oneshot_raw(uint32_t count)
{
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_INIT, count);
}

void lapic_timer_oneshot(uint32_t count, uint8_t vector)
{
	wr(LAPIC_LVT_TIMER, vector);
	wr(LAPIC_TIMER_INIT, count);
}

uint32_t lapic_timer_current(void)
{
	return rd(LAPIC_TIMER_CUR);
}

void lapic_timer_periodic(uint32_t count, uint8_t vector)
{
	wr(LAPIC_LVT_TIMER, vector | LVT_TIMER_PERIODIC);
	wr(LAPIC_TIMER_INIT, count);
}

void lapic_timer_stop(void)
{
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_INIT, 0);
}

void lapic_self_ipi(uint8_t vector)
{
	if (x2) {
		wrmsr(X2APIC_SELF_IPI, vector);
		return;
	}
	wr(LAPIC_ICR_HI, 0);
	wr(LAPIC_ICR_LO, ICR_DEST_SELF | vector);
	for (int i = 0; i < 100000 && (rd(LAPIC_ICR_LO) & ICR_DELIVS); i++)
		pause();
}
