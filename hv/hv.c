/*
 * hv.c - bring the Hyper-V layer up in the order the TLFS requires
 * (hv-core-protocol.md 0: identity, hypercall page, SynIC, clocks) and take
 * it down again before power-off, reset and hibernation.
 */
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "hv.h"
#include "hv_seam.h"


void hv_init(void)
{
	if (!hv_detect(&hv)) {
		kprintf("hv: not running on Hyper-V (%s)\n",
			hv.vendor[0] ? hv.vendor : "no hypervisor");
		return;
	}
	int st = hv_hypercall_init();
	if (st != HV_STATUS_SUCCESS) {
		kprintf("hv: %s offers Hv#1 but no usable hypercall page (%s); "
			"Hyper-V layer off\n", hv.vendor, hv_status_name(st));
		hv.present = false;
		return;
	}
	hv_read_version(&hv);
	kprintf("hv: %s %u.%u build %u, features %08x:%08x:%08x, recommendations %08x%s\n",
		hv.vendor, hv.version_major, hv.version_minor, hv.build, hv.features_eax,
		hv.features_ebx, hv.features_edx, hv.recommend_eax,
		hv.firmware_os_id ? ", firmware guest id replaced" : "");

	st = hv_synic_init();
	if (st != HV_STATUS_SUCCESS)
		kprintf("hv: no SynIC (%s): no VMBus, no timer messages\n", hv_status_name(st));
	hv_clock_init();
	hv_crash_init();
	power_add_hook(hv_teardown);
	kprintf("hv: hypercall page 0x%lx, SynIC %s (SINT%u vector 0x%x, SINT%u vector 0x%x%s), "
		"clock %s, frequencies %s, crash MSRs %s\n",
		(uint64_t)(uintptr_t)hv.hypercall_page, hv.simp ? "on" : "off",
		HV_SINT_VMBUS, hv.sint[HV_SINT_VMBUS].vector, HV_SINT_TIMER,
		hv.sint[HV_SINT_TIMER].vector, hv.auto_eoi ? ", AutoEOI" : "",
		hv.tsc_page ? "tsc page" : "TIME_REF_COUNT", hv.tsc_hz ? "from MSRs" : "calibrated",
		hv.crash_msrs ? "on" : "off");
}
INITCALL(hv_init, INIT_PLATFORM);

/* Reverse order of hv_init: nothing of ours stays enabled in the
 * hypervisor (overlay pages, SINTs, timers), the OS id last. */
void hv_teardown(void)
{
	if (!hv.present)
		return;
	hv_stimer_stop();
	hv_synic_teardown();
	hv_clock_teardown();
	hv_crash_teardown();
	hv_hypercall_teardown();
	hv.present = false;
}
