/*
 * seam.c - the guest's hypervisor seam (hv/hv_seam.h) wired to the
 * emulated host, for the hvsim test image and the host unit tests.
 * The hypercall page itself is not here: the test image executes it
 * (hv/hcall.S), host tests provide their own hv_hypercall_page_call.
 */
#include "../../hv/hv_seam.h"
#include "hvsim.h"

void hv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	hvsim_cpuid(leaf, subleaf, regs);
}

uint64_t hv_rdmsr(uint32_t msr)
{
	return hvsim_rdmsr(msr);
}

void hv_wrmsr(uint32_t msr, uint64_t value)
{
	hvsim_wrmsr(msr, value);
}

uint64_t hv_rdtsc_ordered(void)
{
	return hvsim.plat->rdtsc();
}
