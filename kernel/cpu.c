/*
 * cpu.c - identify the CPU and switch on what the kernel relies on:
 * x87/SSE for the C library and the application (Intel SDM vol. 3A, 13.1:
 * CR0.MP, CR0.EM, CR4.OSFXSR, CR4.OSXMMEXCPT) and no-execute pages
 * (EFER.NXE).  CPUID leaves: SDM vol. 2A, CPUID.
 */
#include <string.h>

#include "cpu.h"
#include "kernel.h"

#define CPUID1_ECX_X2APIC	(1u << 21)
#define CPUID1_ECX_HYPERVISOR	(1u << 31)
#define CPUID1_EDX_SSE2		(1u << 26)
#define CPUIDX1_EDX_NX		(1u << 20)
#define CPUIDX7_EDX_INVTSC	(1u << 8)

struct cpu_info cpu;

static void identify(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	uint32_t max = r[0];
	memcpy(cpu.vendor + 0, &r[1], 4);
	memcpy(cpu.vendor + 4, &r[3], 4);
	memcpy(cpu.vendor + 8, &r[2], 4);
	cpu.vendor[12] = 0;
	if (max >= 1) {
		cpuid(1, 0, r);
		cpu.stepping = r[0] & 0xf;
		cpu.model = (r[0] >> 4) & 0xf;
		cpu.family = (r[0] >> 8) & 0xf;
		if (cpu.family == 0xf)
			cpu.family += (r[0] >> 20) & 0xff;
		if (cpu.family == 0x6 || cpu.family >= 0xf)
			cpu.model |= ((r[0] >> 16) & 0xf) << 4;
		cpu.x2apic = r[2] & CPUID1_ECX_X2APIC;
		cpu.hypervisor = r[2] & CPUID1_ECX_HYPERVISOR;
		if (!(r[3] & CPUID1_EDX_SSE2))
			panic("cpu: SSE2 missing; x86-64 requires it");
	}
	cpuid(0x80000000, 0, r);
	uint32_t xmax = r[0];
	if (xmax >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		cpu.nx = r[3] & CPUIDX1_EDX_NX;
	}
	if (xmax >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, r);
			memcpy(cpu.brand + 16 * i, r, 16);
		}
		cpu.brand[48] = 0;
	}
	if (xmax >= 0x80000007) {
		cpuid(0x80000007, 0, r);
		cpu.tsc_invariant = r[3] & CPUIDX7_EDX_INVTSC;
	}
}

void cpu_init(void)
{
	identify();
	write_cr0((read_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1f80;	/* all exceptions masked, round to nearest */
	__asm__ volatile("ldmxcsr %0" :: "m"(mxcsr));
	if (cpu.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);

	const char *brand = cpu.brand;
	while (*brand == ' ')
		brand++;
	kprintf("cpu: %s \"%s\" family %u model %u stepping %u%s%s\n", cpu.vendor,
		*brand ? brand : "unknown", cpu.family, cpu.model, cpu.stepping,
		cpu.x2apic ? ", x2apic" : "", cpu.nx ? ", nx" : "");
}

uint64_t irq_save(void)
{
	uint64_t f = read_rflags();
	cli();
	return f;
}

void irq_restore(uint64_t state)
{
	if (state & RFLAGS_IF)
		sti();
}

bool irqs_enabled(void)
{
	return read_rflags() & RFLAGS_IF;
}

void cpu_idle(void)
{
	sti_hlt();
}

void (*cpu_pause_hook)(void);

/* A guest spinning on PAUSE gives its hypervisor the CPU (PAUSE-loop
 * exiting, Intel SDM vol. 3 25.1.3); the emulated host of the test image
 * (tests/hvsim) takes it through the hook to run what is due, so a guest
 * that polls with interrupts off still sees its host make progress. */
void cpu_relax(void)
{
	pause();
	if (cpu_pause_hook)
		cpu_pause_hook();
}
