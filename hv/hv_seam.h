/*
 * hv_seam.h - the only way hv/, vmbus/ and drivers/ reach the hypervisor.
 *
 * The real build implements these with the instructions (hv/seam_hw.c,
 * hv/hcall.S).  The emulated-host builds link them to tests/hvsim instead:
 * inside the hvsim test image cpuid and the MSRs go to the emulated
 * hypervisor while the hypercall page is really executed (its VMCALL traps
 * to the emulator); in host unit tests everything calls the emulator.
 */
#ifndef DORMANT_HV_SEAM_H
#define DORMANT_HV_SEAM_H

#include <stdint.h>

void hv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
uint64_t hv_rdmsr(uint32_t msr);
void hv_wrmsr(uint32_t msr, uint64_t value);
/* The TSC, read after all earlier loads (LFENCE; RDTSC): the reference TSC
 * page is only meaningful against the TSC the hypervisor defines. */
uint64_t hv_rdtsc_ordered(void);

/* Call the hypercall page at 'page' (TLFS 3.2): RCX = control,
 * RDX = input (GPA or fast value), R8 = output; returns RAX. */
uint64_t hv_hypercall_page_call(void *page, uint64_t control, uint64_t input,
				uint64_t output);

#endif
