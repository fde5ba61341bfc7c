/*
 * crash.c - tell the host that the guest crashed, so Hyper-V records it
 * (event log, VM state).  hv-core-protocol.md 2.5 (TLFS 4.3): parameters in
 * CRASH_P0-P4, then CRASH_CTL with CrashNotify; with CrashMessage, P3/P4
 * give a page holding the message text and its length.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "hv.h"
#include "hv_seam.h"

#define CRASH_CODE_PANIC	0x646f726d	/* P0: "dorm" */

/* One report per bring-up: a panic inside the panic path must not
 * overwrite the first report.  Reset by hv_crash_init, so that a layer
 * brought up again (after teardown, later after resume) reports again. */
static bool reported;

void hv_crash_init(void)
{
	if (!hv_has(0, 0, HV_FEATURE_GUEST_CRASH_MSRS))
		return;
	hv.crash_msrs = true;
	reported = false;
	hv.crash_caps = hv_rdmsr(HV_MSR_CRASH_CTL);	/* reads: supported flags */
	if (hv.crash_caps & HV_CRASH_CTL_MESSAGE && !hv.crash_page)
		hv.crash_page = (char *)(uintptr_t)page_alloc(1, FRAME_VOLATILE);
	panic_notify = hv_crash_report;
}

/* Hibernation leaves the crash MSRs alone (they hold nothing until a
 * report); resume asks again what this hypervisor supports, which after
 * a restore may be another one.  The message page is a volatile frame:
 * its bytes are written only when a report is made. */
void hv_crash_resume(void)
{
	if (hv_has(0, 0, HV_FEATURE_GUEST_CRASH_MSRS))
		hv_crash_init();
	else
		hv_crash_teardown();
}

void hv_crash_report(const char *msg)
{
	if (!hv.crash_msrs || reported)
		return;
	reported = true;
	uint64_t p[5] = { CRASH_CODE_PANIC, (uint64_t)(uintptr_t)__builtin_return_address(0),
			  hv.guest_os_id, 0, 0 };
	uint64_t ctl = HV_CRASH_CTL_NOTIFY;
	if (hv.crash_page) {
		size_t len = strnlen(msg, HV_CRASH_MESSAGE_MAX - 1);
		memcpy(hv.crash_page, msg, len);
		hv.crash_page[len] = 0;
		p[3] = (uint64_t)(uintptr_t)hv.crash_page;
		p[4] = len;
		ctl |= HV_CRASH_CTL_MESSAGE;
	}
	for (unsigned i = 0; i < 5; i++)
		hv_wrmsr(HV_MSR_CRASH_P0 + i, p[i]);
	hv_wrmsr(HV_MSR_CRASH_CTL, ctl);
}

void hv_crash_teardown(void)
{
	if (panic_notify == hv_crash_report)
		panic_notify = NULL;
	if (hv.crash_page)
		page_free((uint64_t)(uintptr_t)hv.crash_page, 1);
	hv.crash_page = NULL;
	hv.crash_msrs = false;
}
