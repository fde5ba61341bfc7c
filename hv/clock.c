/*
 * clock.c - Hyper-V time: the reference TSC page as the clock, the
 * TIME_REF_COUNT MSR when the page is invalid or not offered, and the TSC
 * and APIC timer frequencies when the hypervisor states them (Gen2 VMs have
 * no PIT, and may have no HPET or PM timer to calibrate against).
 * hv-core-protocol.md 5 (TLFS 12.7).
 */
#include "../kernel/kernel.h"
#include "hv.h"
#include "hv_seam.h"

/* Reference time (100 ns) from a page snapshot and a TSC value:
 * ((tsc * scale) >> 64) + offset; *valid is false for sequence 0. */
uint64_t hv_ref_time_from_page(const struct hv_tsc_page *p, uint64_t tsc, bool *valid)
{
	*valid = p->tsc_sequence != 0;
	uint64_t hi = (uint64_t)(((unsigned __int128)tsc * p->tsc_scale) >> 64);
	return hi + (uint64_t)p->tsc_offset;
}

/* 5.2 read algorithm: retry while the sequence changes under us. */
uint64_t hv_ref_time(void)
{
	const struct hv_tsc_page *p = hv.tsc_page;
	while (p) {
		uint32_t seq = p->tsc_sequence;
		if (seq == 0)
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		bool valid;
		uint64_t t = hv_ref_time_from_page(p, hv_rdtsc_ordered(), &valid);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (p->tsc_sequence == seq)
			return t;
	}
	return hv_rdmsr(HV_MSR_TIME_REF_COUNT);
}

uint64_t hv_clock_ns(void)
{
	return hv_ref_time() * (1000000000ull / HV_REF_TIME_HZ);
}

static struct time_platform platform = {
	.name = "hyper-v",
	.tick_start = hv_stimer_start,
};

/* The reference TSC page at 'page' (allocated when 0), enabled (5.2). */
static void map_tsc_page(uint64_t page)
{
	if (!page)
		page = page_alloc(1, FRAME_VOLATILE);
	uint64_t msr = hv_rdmsr(HV_MSR_REFERENCE_TSC);
	hv_wrmsr(HV_MSR_REFERENCE_TSC, page | (msr & HV_OVERLAY_RESERVED_MASK) | HV_OVERLAY_ENABLE);
	hv.tsc_page = (struct hv_tsc_page *)(uintptr_t)page;
}

/* What the platform offers the kernel's clock, from the features now. */
static void describe(void)
{
	hv.tsc_hz = hv.apic_hz = 0;
	/* Linux requires both the access bit and the feature bit (5.3). */
	if (hv_has(HV_ACCESS_FREQUENCY_MSRS, 0, HV_FEATURE_FREQUENCY_MSRS)) {
		hv.tsc_hz = hv_rdmsr(HV_MSR_TSC_FREQUENCY);
		hv.apic_hz = hv_rdmsr(HV_MSR_APIC_FREQUENCY);
	}
	platform.tsc_hz = hv.tsc_hz;
	platform.lapic_hz = hv.apic_hz;
	platform.clock_ns = NULL;
	platform.clock_name = NULL;
	if (hv.tsc_page || hv_has(HV_MSR_TIME_REF_COUNT_AVAILABLE, 0, 0)) {
		platform.clock_ns = hv_clock_ns;
		platform.clock_name = hv.tsc_page ? "hyper-v tsc page" : "hyper-v TIME_REF_COUNT";
	}
	platform.tick_name = hv_has(0, 0, HV_STIMER_DIRECT_MODE_AVAILABLE)
			     ? "hyper-v stimer0, direct" : "hyper-v stimer0, message";
}

void hv_clock_init(void)
{
	if (hv_has(HV_MSR_REFERENCE_TSC_AVAILABLE, 0, 0))
		map_tsc_page(0);
	describe();
	time_register_platform(&platform);
}

/* The page is an overlay: disable it before the RAM goes back to the pool. */
void hv_clock_teardown(void)
{
	if (hv.kept_tsc)
		page_free(hv.kept_tsc, 1);	/* suspended: already off */
	hv.kept_tsc = 0;
	if (!hv.tsc_page)
		return;
	struct hv_tsc_page *p = hv.tsc_page;
	hv.tsc_page = NULL;	/* readers fall back to TIME_REF_COUNT */
	hv_wrmsr(HV_MSR_REFERENCE_TSC, hv_rdmsr(HV_MSR_REFERENCE_TSC) & ~HV_OVERLAY_ENABLE);
	page_free((uint64_t)(uintptr_t)p, 1);
}

/* Hibernation: the page off; readers use TIME_REF_COUNT meanwhile (and
 * in a restored kernel until resume: the frame then holds anything). */
void hv_clock_suspend(void)
{
	if (!hv.tsc_page)
		return;
	hv.kept_tsc = (uint64_t)(uintptr_t)hv.tsc_page;
	hv.tsc_page = NULL;
	hv_wrmsr(HV_MSR_REFERENCE_TSC, hv_rdmsr(HV_MSR_REFERENCE_TSC) & ~HV_OVERLAY_ENABLE);
}

/* The page again at the same GPA if the hypervisor offers one now (a
 * restore may meet another host: the clock is chosen again), and the
 * frequencies read again; the platform struct the kernel's clock holds
 * says what changed (kernel/time.c re-bases its clock after resume). */
void hv_clock_resume(void)
{
	uint64_t kept = hv.kept_tsc;
	hv.kept_tsc = 0;
	if (hv_has(HV_MSR_REFERENCE_TSC_AVAILABLE, 0, 0))
		map_tsc_page(kept);
	else if (kept)
		page_free(kept, 1);
	describe();
}
