/*
 * hypercall.c - guest OS identity, the hypercall page, and the two calls a
 * VMBus client needs.  hv-core-protocol.md 2.2 and 3 (TLFS 2.6, 3).
 *
 * Order rule (TLFS 3.13): GUEST_OS_ID must be non-zero before the hypercall
 * page is enabled, or the enable bit does not stick.  The page is filled by
 * the hypervisor; we only make it executable and call offset 0.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "hv.h"
#include "hv_seam.h"

struct hv hv;

/* Names of the status codes we may see (3.5), indexed by code. */
static const char *const status_names[] = {
	[HV_STATUS_SUCCESS] = "success",
	[HV_STATUS_INVALID_HYPERCALL_CODE] = "invalid hypercall code",
	[HV_STATUS_INVALID_HYPERCALL_INPUT] = "invalid hypercall input",
	[HV_STATUS_INVALID_ALIGNMENT] = "invalid alignment",
	[HV_STATUS_INVALID_PARAMETER] = "invalid parameter",
	[HV_STATUS_ACCESS_DENIED] = "access denied",
	[HV_STATUS_INVALID_PARTITION_STATE] = "invalid partition state",
	[HV_STATUS_OPERATION_DENIED] = "operation denied",
	[HV_STATUS_UNKNOWN_PROPERTY] = "unknown property",
	[HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE] = "property value out of range",
	[HV_STATUS_INSUFFICIENT_MEMORY] = "insufficient memory",
	[HV_STATUS_PARTITION_TOO_DEEP] = "partition too deep",
	[HV_STATUS_INVALID_PARTITION_ID] = "invalid partition id",
	[HV_STATUS_INVALID_VP_INDEX] = "invalid VP index",
	[HV_STATUS_NOT_FOUND] = "not found",
	[HV_STATUS_INVALID_PORT_ID] = "invalid port id",
	[HV_STATUS_INVALID_CONNECTION_ID] = "invalid connection id",
	[HV_STATUS_INSUFFICIENT_BUFFERS] = "insufficient buffers",
	[HV_STATUS_NOT_ACKNOWLEDGED] = "not acknowledged",
	[HV_STATUS_INVALID_VP_STATE] = "invalid VP state",
	[HV_STATUS_ACKNOWLEDGED] = "acknowledged",
	[HV_STATUS_INVALID_SAVE_RESTORE_STATE] = "invalid save/restore state",
	[HV_STATUS_INVALID_SYNIC_STATE] = "invalid SynIC state",
	[HV_STATUS_OBJECT_IN_USE] = "object in use",
	[HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO] = "invalid proximity domain info",
	[HV_STATUS_NO_DATA] = "no data",
	[HV_STATUS_INACTIVE] = "inactive",
	[HV_STATUS_NO_RESOURCES] = "no resources",
	[HV_STATUS_FEATURE_UNAVAILABLE] = "feature unavailable",
	[HV_STATUS_PARTIAL_PACKET] = "partial packet",
	[HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED] = "processor feature not supported",
	[HV_STATUS_INSUFFICIENT_BUFFER] = "insufficient buffer",
	[HV_STATUS_INVALID_LP_INDEX] = "invalid LP index",
	[HV_STATUS_INVALID_REGISTER_VALUE] = "invalid register value",
	[HV_STATUS_OPERATION_FAILED] = "operation failed",
	[HV_STATUS_TIME_OUT] = "time out",
	[HV_STATUS_CALL_PENDING] = "call pending",
	[HV_STATUS_VTL_ALREADY_ENABLED] = "VTL already enabled",
};

const char *hv_status_name(int status)
{
	if (status == HV_E_NOT_PRESENT)
		return "no hypercall page";
	if (status == HV_E_TOO_BIG)
		return "message too big";
	if (status >= 0 && (size_t)status < ARRAY_SIZE(status_names) && status_names[status])
		return status_names[status];
	return "unknown status";
}

uint64_t hv_make_guest_os_id(void)
{
	return HV_OS_ID_OPENSOURCE | (uint64_t)HV_OS_TYPE_DORMANT << HV_OS_ID_TYPE_SHIFT |
	       (uint64_t)HV_OS_VERSION << HV_OS_ID_VERSION_SHIFT;
}

/* The hypercall page (3.1): where firmware locked it, or ours at 'page'
 * (allocated when 0; given back if it does not enable).  Made executable. */
static int map_page(uint64_t page)
{
	uint64_t msr = hv_rdmsr(HV_MSR_HYPERCALL);
	if (msr & HV_HYPERCALL_LOCKED) {
		/* Locked by firmware: the GPA cannot move; use that page.  A
		 * teardown's GUEST_OS_ID = 0 turned it off (TLFS 2.6), so it
		 * may need turning on again, where it is.  (After a restore
		 * the firmware may be another one: a page we kept goes.) */
		if (page)
			page_free(page, 1);
		hv.hypercall_page = (uint8_t *)(uintptr_t)(msr & HV_OVERLAY_GPFN_MASK);
		hv.hypercall_page_ours = false;
		if (!(msr & HV_OVERLAY_ENABLE))
			hv_wrmsr(HV_MSR_HYPERCALL, msr | HV_OVERLAY_ENABLE);
		if (!(hv_rdmsr(HV_MSR_HYPERCALL) & HV_OVERLAY_ENABLE)) {
			kprintf("hv: locked hypercall page 0x%lx did not enable\n",
				(uint64_t)(uintptr_t)hv.hypercall_page);
			hv.hypercall_page = NULL;
			return HV_E_NOT_PRESENT;
		}
	} else {
		if (!page)
			page = page_alloc(1, FRAME_VOLATILE);
		hv.hypercall_page = (uint8_t *)(uintptr_t)page;
		hv.hypercall_page_ours = true;
		hv_wrmsr(HV_MSR_HYPERCALL,
			 page | (msr & HV_OVERLAY_RESERVED_MASK) | HV_OVERLAY_ENABLE);
		if (!(hv_rdmsr(HV_MSR_HYPERCALL) & HV_OVERLAY_ENABLE)) {
			kprintf("hv: hypercall page did not enable (GUEST_OS_ID 0x%lx)\n",
				hv.guest_os_id);
			page_free(page, 1);
			hv.hypercall_page = NULL;
			return HV_E_NOT_PRESENT;
		}
	}
	paging_set_exec((uint64_t)(uintptr_t)hv.hypercall_page, true);
	return HV_STATUS_SUCCESS;
}

int hv_hypercall_init(void)
{
	if (!hv_has(HV_MSR_HYPERCALL_AVAILABLE, 0, 0))
		return HV_E_NOT_PRESENT;

	/* Firmware (Hyper-V's UEFI) may have identified itself already. */
	hv.firmware_os_id = hv_rdmsr(HV_MSR_GUEST_OS_ID);
	hv.guest_os_id = hv_make_guest_os_id();
	hv_wrmsr(HV_MSR_GUEST_OS_ID, hv.guest_os_id);
	int st = map_page(0);
	if (st != HV_STATUS_SUCCESS)
		return st;

	/* Input blocks must be 8-byte aligned, inside one page, and ordinary
	 * RAM rather than an overlay (3.2): a page of our own. */
	hv.input = (void *)(uintptr_t)page_alloc(1, FRAME_VOLATILE);
	return HV_STATUS_SUCCESS;
}

/* Hibernation: off as at teardown (below), the OS id last, so that a
 * firmware-locked page goes off too; our page and the input page stay
 * ours (volatile frames: an image never holds them).  Hypercalls fail
 * with HV_E_NOT_PRESENT until resume. */
void hv_hypercall_suspend(void)
{
	uint64_t page = (uint64_t)(uintptr_t)hv.hypercall_page;
	if (!page)
		return;
	if (hv.hypercall_page_ours)
		hv_wrmsr(HV_MSR_HYPERCALL, hv_rdmsr(HV_MSR_HYPERCALL) & HV_OVERLAY_RESERVED_MASK);
	hv_wrmsr(HV_MSR_GUEST_OS_ID, 0);
	paging_set_exec(page, false);
	hv.kept_hypercall = hv.hypercall_page_ours ? page : 0;
	hv.hypercall_page = NULL;
}

/* The order rule again (TLFS 3.13): the OS id, then the page.  The
 * page's bytes are the hypervisor's once it is enabled, so whatever a
 * restore left in that frame does not matter. */
int hv_hypercall_resume(void)
{
	uint64_t kept = hv.kept_hypercall;
	hv.kept_hypercall = 0;
	if (!hv_has(HV_MSR_HYPERCALL_AVAILABLE, 0, 0)) {
		if (kept)
			page_free(kept, 1);
		return HV_E_NOT_PRESENT;
	}
	hv_wrmsr(HV_MSR_GUEST_OS_ID, hv.guest_os_id);
	return map_page(kept);
}

/* Our own page is turned off through its MSR; clearing the OS id, last,
 * turns off any page, a firmware-locked one too (TLFS 2.6, hv-core 2.2).
 * Only then is the GPA plain RAM again and no longer code. */
void hv_hypercall_teardown(void)
{
	uint64_t page = (uint64_t)(uintptr_t)hv.hypercall_page;
	if (page && hv.hypercall_page_ours) {
		uint64_t msr = hv_rdmsr(HV_MSR_HYPERCALL);
		hv_wrmsr(HV_MSR_HYPERCALL, msr & HV_OVERLAY_RESERVED_MASK);
	}
	if (hv.guest_os_id)
		hv_wrmsr(HV_MSR_GUEST_OS_ID, 0);
	hv.guest_os_id = 0;
	if (page) {
		paging_set_exec(page, false);
		if (hv.hypercall_page_ours)
			page_free(page, 1);
	}
	hv.hypercall_page = NULL;
	if (hv.kept_hypercall)
		page_free(hv.kept_hypercall, 1);	/* suspended: already off */
	hv.kept_hypercall = 0;
	if (hv.input)
		page_free((uint64_t)(uintptr_t)hv.input, 1);
	hv.input = NULL;
}

/* Callers check hv.hypercall_page first; the result is RAX as returned. */
uint64_t hv_hypercall(uint64_t control, uint64_t input, uint64_t output)
{
	hv.hypercalls++;
	return hv_hypercall_page_call(hv.hypercall_page, control, input, output);
}

int hv_post_message(uint32_t connection_id, uint32_t type, const void *payload, size_t len)
{
	if (len == 0 || len > HV_MESSAGE_PAYLOAD_MAX)
		return HV_E_TOO_BIG;
	if (!hv.hypercall_page || !hv.input)
		return HV_E_NOT_PRESENT;
	/* One input page, so callers must not post from interrupt context
	 * while thread context is posting. */
	struct hv_post_message_input *in = hv.input;
	in->connection_id = connection_id;
	in->reserved = 0;
	in->message_type = type;
	in->payload_size = (uint32_t)len;
	memcpy(in->payload, payload, len);
	uint64_t r = hv_hypercall(HVCALL_POST_MESSAGE, (uint64_t)(uintptr_t)in, 0);
	return (int)(r & HV_HYPERCALL_STATUS_MASK);
}

int hv_signal_event(uint32_t connection_id, uint16_t flag)
{
	if (!hv.hypercall_page)
		return HV_E_NOT_PRESENT;
	uint64_t input = connection_id | (uint64_t)flag << HV_SIGNAL_FLAG_SHIFT;
	uint64_t r = hv_hypercall(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST, input, 0);
	return (int)(r & HV_HYPERCALL_STATUS_MASK);
}
