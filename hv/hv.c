/*
 * hv.c - bring the Hyper-V layer up in the order the TLFS requires
 * (hv-core-protocol.md 0: identity, hypercall page, SynIC, clocks) and take
 * it down again before power-off, reset and hibernation.
 */
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../kernel/pm.h"
#include "hv.h"
#include "hv_seam.h"

static const struct pm_ops hv_pm = { "hv", hv_suspend, hv_resume };

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
	pm_register(&hv_pm);
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

/* Hibernation (pm.h): the hypervisor's state goes as at teardown (2.4
 * stimer, 4.1 SynIC, 5.2 TSC page, 3.1 hypercall page and OS id, last),
 * as Linux's hv_suspend and syscore hooks do (hv-core 10.2 step 4); the
 * root object keeps what resume needs.  hv.present stays true. */
int hv_suspend(void)
{
	if (!hv.present || hv.suspended)
		return 0;
	hv_stimer_suspend();
	hv_synic_suspend();
	hv_clock_suspend();
	hv_hypercall_suspend();
	hv.suspended = true;
	return 0;
}

/* The same order as hv_init (hv-core 0 and 10.2 resume step 1), with
 * the same pages, vectors and handlers.  After a restore the hypervisor
 * may be a fresh one on another host (the image check only guarantees the
 * hypercall page and the SynIC): its features are read again and the
 * clock, tick and crash choices follow them. */
void hv_resume(bool restored)
{
	if (!hv.present || !hv.suspended)
		return;
	hv.suspended = false;
	uint32_t a = hv.features_eax, b = hv.features_ebx, d = hv.features_edx;
	hv_read_features(&hv);
	if (a != hv.features_eax || b != hv.features_ebx || d != hv.features_edx)
		kprintf("hv: resume: features %08x:%08x:%08x, were %08x:%08x:%08x\n",
			hv.features_eax, hv.features_ebx, hv.features_edx, a, b, d);
	int st = hv_hypercall_resume();
	if (st != HV_STATUS_SUCCESS) {
		/* Nothing above can talk to the host; the clock still reads
		 * TIME_REF_COUNT.  The pages that stay are volatile frames. */
		kprintf("hv: resume: no hypercall page (%s); Hyper-V layer off\n",
			hv_status_name(st));
		return;
	}
	hv_read_version(&hv);
	hv_synic_resume();
	hv_clock_resume();
	hv_crash_resume();
	bool tick = hv_stimer_resume();
	kprintf("hv: resumed%s: %s %u.%u build %u, SynIC %s, clock %s, tick %s, crash MSRs %s\n",
		restored ? " after a restore" : "", hv.vendor, hv.version_major, hv.version_minor,
		hv.build, hv.simp ? "on" : "off", hv.tsc_page ? "tsc page" : "TIME_REF_COUNT",
		!hv.stimer_hz ? "not ours" : !tick ? "LOST (no synthetic timer now)" :
		hv.stimer_direct ? "stimer0 direct" : "stimer0 message", hv.crash_msrs ? "on" : "off");
}
