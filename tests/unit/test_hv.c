/* Host tests for hv/ against the emulated host (tests/hvsim): the guest's
 * real files, the emulator's own reading of the specification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv_host.h"
#include "../hvsim/hvsim_defs.h"

static int up_current(void **state)
{
	(void)state;
	host_reset(&hvsim_profile_current);
	hv_init();
	return 0;
}

static int up_old(void **state)
{
	(void)state;
	host_reset(&hvsim_profile_old);
	hv_init();
	return 0;
}

static int down(void **state)
{
	(void)state;
	hv_teardown();
	return 0;
}

static int fresh(void **state)
{
	(void)state;
	host_reset(&hvsim_profile_current);
	return 0;
}

static int msr_written_before(uint32_t a, uint32_t b)
{
	int ia = -1, ib = -1;
	for (unsigned i = 0; i < hvsim.nmsr_log; i++) {
		if (hvsim.msr_log[i] == a && ia < 0)
			ia = (int)i;
		if (hvsim.msr_log[i] == b && ib < 0)
			ib = (int)i;
	}
	return ia >= 0 && ib >= 0 && ia < ib;
}

/* ---- detection and bring-up ---- */

static void brings_up_on_current_host(void **state)
{
	(void)state;
	assert_true(hv.present);
	assert_string_equal(hv.vendor, "Microsoft Hv");
	assert_int_equal(hv.version_major, 10);
	assert_int_equal(hv.build, 26100);
	assert_int_equal(hvsim.os_id, hv.guest_os_id);
	assert_true(hv.guest_os_id >> 63);			/* open-source encoding */
	assert_true(msr_written_before(HV_MSR_GUEST_OS_ID, HV_MSR_HYPERCALL));
	assert_true(hvsim_is_hypercall_page((uint64_t)(uintptr_t)hv.hypercall_page));
	assert_int_equal(host.exec_page, (uint64_t)(uintptr_t)hv.hypercall_page);
	assert_true(hvsim.ov[HVSIM_OV_SIMP].on);
	assert_int_equal(hvsim.ov[HVSIM_OV_SIMP].gpa, (uint64_t)(uintptr_t)hv.simp);
	assert_int_equal(hvsim.ov[HVSIM_OV_SIEFP].gpa, (uint64_t)(uintptr_t)hv.siefp);
	assert_true(hvsim.ov[HVSIM_OV_TSC].on);
	assert_true(hvsim.scontrol & 1);
	for (unsigned n = 0; n < 16; n++) {
		bool used = n == HV_SINT_VMBUS || n == HV_SINT_TIMER;
		assert_int_equal(!(hvsim.sint[n] & SIM_SINT_MASK_BIT), used);
	}
	assert_int_equal(hvsim.sint[HV_SINT_VMBUS] & 0xff, hv.sint[HV_SINT_VMBUS].vector);
	/* The current host deprecates AutoEOI: the guest must not set it. */
	assert_false(hvsim.sint[HV_SINT_VMBUS] & SIM_SINT_AEOI_BIT);
	assert_int_equal(hvsim.aeoi_against_advice, 0);
	assert_non_null(host.platform);
	assert_int_equal(host.platform->tsc_hz, HOST_TSC_HZ);
	assert_int_equal(host.platform->lapic_hz, HOST_APIC_HZ);
	assert_non_null(host.platform->clock_ns);
	assert_non_null(host.power_hook);
	assert_int_equal(hvsim.gp_faults, 0);
}

static void old_host_uses_fallbacks(void **state)
{
	(void)state;
	assert_true(hv.present);
	assert_null(hv.tsc_page);			/* not offered */
	assert_int_equal(hv.tsc_hz, 0);			/* calibrate instead */
	assert_int_equal(host.platform->tsc_hz, 0);
	assert_non_null(host.platform->clock_ns);	/* TIME_REF_COUNT */
	assert_true(hv.auto_eoi);			/* allowed on this host */
	assert_true(hvsim.sint[HV_SINT_VMBUS] & SIM_SINT_AEOI_BIT);
	assert_false(host.vec[hv.sint[HV_SINT_VMBUS].vector].needs_eoi);
	/* Nothing was touched that this host does not offer. */
	assert_int_equal(hvsim.gp_faults, 0);
	uint64_t before = hvsim.ref_count_reads;
	host.platform->clock_ns();
	assert_int_equal(hvsim.ref_count_reads, before + 1);
}

static void plain_qemu_is_not_hyperv(void **state)
{
	(void)state;
	host_reset(&hvsim_profile_tcg);
	hv_init();
	assert_false(hv.present);
	assert_null(host.platform);
	assert_non_null(strstr(host.log, "hv: not running on Hyper-V (TCGTCGTCGTCG)"));
	assert_int_equal(hvsim.nmsr_log, 0);	/* no synthetic MSR touched */
}

/* ---- the order rule and firmware leftovers ---- */

static void host_enforces_os_id_before_hypercall_page(void **state)
{
	(void)state;
	uint8_t *page = (uint8_t *)(uintptr_t)page_alloc(1, FRAME_VOLATILE);
	memset(page, 0x5a, 4096);
	uint64_t gpa = (uint64_t)(uintptr_t)page;
	hvsim_wrmsr(SIM_MSR_HYPERCALL, gpa | SIM_PAGE_ON);
	assert_false(hvsim_rdmsr(SIM_MSR_HYPERCALL) & SIM_PAGE_ON);
	assert_int_equal(page[0], 0x5a);
	hvsim_wrmsr(SIM_MSR_OS_ID, hv_make_guest_os_id());
	hvsim_wrmsr(SIM_MSR_HYPERCALL, gpa | SIM_PAGE_ON);
	assert_true(hvsim_rdmsr(SIM_MSR_HYPERCALL) & SIM_PAGE_ON);
	assert_int_equal(page[0], 0x0f);		/* the hypervisor's code */
	hvsim_wrmsr(SIM_MSR_OS_ID, 0);			/* clearing the id disables it */
	assert_false(hvsim_rdmsr(SIM_MSR_HYPERCALL) & SIM_PAGE_ON);
	assert_int_equal(page[0], 0x5a);		/* the RAM beneath is back */
	assert_int_equal(page[4095], 0x5a);
	page_free(gpa, 1);
}

static void firmware_os_id_and_locked_page(void **state)
{
	(void)state;
	uint64_t fw_page = page_alloc(1, FRAME_VOLATILE);
	/* What Hyper-V's firmware leaves behind, in the emulator's terms. */
	hvsim_wrmsr(SIM_MSR_OS_ID, 0x1234);
	hvsim_wrmsr(SIM_MSR_HYPERCALL, fw_page | SIM_PAGE_ON | SIM_PAGE_LOCKED);
	hvsim.nmsr_log = 0;
	hv_init();
	assert_true(hv.present);
	assert_int_equal(hv.firmware_os_id, 0x1234);
	assert_int_equal(hvsim.os_id, hv.guest_os_id);
	assert_int_equal((uint64_t)(uintptr_t)hv.hypercall_page, fw_page);
	assert_false(hv.hypercall_page_ours);
	uint8_t msg[4] = { 1, 2, 3, 4 };
	assert_int_equal(hv_post_message(1, 1, msg, sizeof(msg)), HV_STATUS_SUCCESS);
	assert_int_equal(hvsim.gp_faults, 0);
	assert_int_equal(host.bad_hypercalls, 0);
	uint64_t freed = host.pages_freed;
	hv_teardown();
	/* Clearing the id turns even a locked page off (TLFS 2.6): the lock
	 * and the GPA stay, the overlay is gone, the page is not code. */
	assert_int_equal(hvsim.hypercall, fw_page | SIM_PAGE_LOCKED);
	assert_false(hvsim_any_overlay_on());
	assert_int_equal(host.exec_page, 0);
	assert_int_equal(hvsim.os_id, 0);
	assert_int_equal(hvsim.gp_faults, 0);
	/* Every page of ours is back; the firmware's was never freed. */
	assert_int_equal(host.pages_freed, freed + 5);
	assert_int_equal(host.pages_alloc, host.pages_freed + 1);
	/* Up again (after a resume, say): the locked page comes back where
	 * it was, without an attempt to move it. */
	hv_init();
	assert_true(hv.present);
	assert_int_equal((uint64_t)(uintptr_t)hv.hypercall_page, fw_page);
	assert_int_equal(hvsim.hypercall, fw_page | SIM_PAGE_ON | SIM_PAGE_LOCKED);
	assert_int_equal(hv_post_message(1, 1, msg, sizeof(msg)), HV_STATUS_SUCCESS);
	assert_int_equal(hvsim.gp_faults, 0);
	hv_teardown();
	assert_false(hvsim_any_overlay_on());
	page_free(fw_page, 1);	/* the firmware's page is not ours to free */
}

/* ---- hypercalls and status decoding ---- */

static void post_message_and_statuses(void **state)
{
	(void)state;
	uint8_t msg[240];
	for (int i = 0; i < 240; i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(hv_post_message(4, 1, msg, 240), HV_STATUS_SUCCESS);
	assert_int_equal(hvsim.nposted, 1);
	assert_int_equal(hvsim.posted[0].connection, 4);
	assert_int_equal(hvsim.posted[0].size, 240);
	assert_memory_equal(hvsim.posted[0].data, msg, 240);

	int st = hv_post_message(99, 1, msg, 8);
	assert_int_equal(st, SIM_ST_BAD_CONNECTION);
	assert_string_equal(hv_status_name(st), "invalid connection id");
	assert_int_equal(hv_post_message(1, 0x80000001u, msg, 8), SIM_ST_BAD_PARAM);
	assert_int_equal(hv_post_message(1, 1, msg, 241), HV_E_TOO_BIG);
	assert_int_equal(hv_post_message(1, 1, msg, 0), HV_E_TOO_BIG);
	assert_int_equal(hvsim.nposted, 1);
	assert_int_equal(hvsim.hypercalls, 3);	/* the local refusals never call */
	assert_string_equal(hv_status_name(HV_STATUS_INSUFFICIENT_BUFFERS), "insufficient buffers");
	assert_string_equal(hv_status_name(HV_STATUS_INSUFFICIENT_BUFFER), "insufficient buffer");
	assert_string_equal(hv_status_name(0x9999), "unknown status");
	assert_string_equal(hv_status_name(0x0f), "unknown status");	/* a gap */
	assert_string_equal(hv_status_name(0x86), "VTL already enabled");	/* the last */
	assert_string_equal(hv_status_name(0x87), "unknown status");	/* one past */
	assert_string_equal(hv_status_name(-1), "unknown status");
	assert_string_equal(hv_status_name(HV_E_NOT_PRESENT), "no hypercall page");
	assert_string_equal(hv_status_name(HV_E_TOO_BIG), "message too big");

	/* The emulator applies TLFS 3.6's input rules. */
	uint64_t in = (uint64_t)(uintptr_t)hv.input;
	assert_int_equal(hvsim_hypercall(SIM_CALL_POSTMSG, in + 4, 0), SIM_ST_BAD_ALIGN);
	assert_int_equal(hvsim_hypercall(SIM_CALL_POSTMSG, in + 4000, 0), SIM_ST_BAD_ALIGN);
	assert_int_equal(hvsim_hypercall(SIM_CALL_POSTMSG | SIM_HC_FAST, in, 0), SIM_ST_BAD_INPUT);
	assert_int_equal(hvsim_hypercall(0x7777, in, 0), SIM_ST_BAD_CODE);
	assert_int_equal(hvsim_hypercall(SIM_CALL_POSTMSG, (uint64_t)(uintptr_t)hv.simp, 0),
			 SIM_ST_BAD_PARAM);			/* overlay page */
	/* ... and the guest's encodings agree with the emulator's. */
	assert_int_equal(HVCALL_POST_MESSAGE, SIM_CALL_POSTMSG);
	assert_int_equal(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST, SIM_CALL_SIGNAL | SIM_HC_FAST);
}

static void signal_event(void **state)
{
	(void)state;
	assert_int_equal(hv_signal_event(0x2a, 0), SIM_ST_BAD_CONNECTION);
	hvsim_open_port(0x2a, true);
	assert_int_equal(hv_signal_event(0x2a, 5), HV_STATUS_SUCCESS);
	assert_int_equal(hvsim.signals, 1);
	assert_int_equal(hvsim.last_signal, 0x2a | (5ull << 32));
}

/* TLFS 3.7: the control word itself is checked before the call runs.
 * Neither call is a rep call or has a variable header. */
static void control_word_rules(void **state)
{
	(void)state;
	uint8_t b = 9;
	assert_int_equal(hv_post_message(1, 1, &b, 1), HV_STATUS_SUCCESS);
	uint64_t in = (uint64_t)(uintptr_t)hv.input;	/* still a valid block */
	assert_int_equal(hvsim_hypercall(SIM_CALL_POSTMSG, in, 0), SIM_ST_OK);
	assert_int_equal(hvsim.nposted, 2);
	const uint64_t bad[] = {
		1ull << 17, 0x3ffull << 17,		/* variable header size */
		1ull << 32, 0xfffull << 32,		/* rep count */
		1ull << 48, 0xfffull << 48,		/* rep start index */
		1ull << 27, 1ull << 30, 1ull << 44, 1ull << 47, 1ull << 60, 1ull << 63,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hvsim_hypercall(SIM_CALL_POSTMSG | bad[i], in, 0), SIM_ST_BAD_INPUT);
		assert_int_equal(hvsim_hypercall(SIM_CALL_SIGNAL | SIM_HC_FAST | bad[i], 1, 0),
				 SIM_ST_BAD_INPUT);
	}
	assert_int_equal(hvsim.nposted, 2);	/* none of them ran */
	assert_int_equal(hvsim.signals, 0);
}

/* ---- SynIC: messages, EOM, events ---- */

static struct {
	int n;
	uint8_t size;			/* of the last message */
	uint8_t last[HV_MESSAGE_PAYLOAD_MAX];
	uint32_t type[8];
	uint8_t first[8];
	unsigned flags[8];
	int nflags;
} got;

static void on_msg(const struct hv_message *m, void *ctx)
{
	(void)ctx;
	if (got.n < 8) {
		got.type[got.n] = m->header.message_type;
		got.first[got.n] = m->payload[0];
	}
	got.size = m->header.payload_size;
	memcpy(got.last, m->payload, m->header.payload_size);
	got.n++;
}

static void on_event(unsigned flag, void *ctx)
{
	(void)ctx;
	if (got.nflags < 8)
		got.flags[got.nflags] = flag;
	got.nflags++;
}

static void queued_messages_arrive_in_order_with_eom(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	hv_sint_register(HV_SINT_VMBUS, on_msg, on_event, NULL);
	/* Post three while the guest cannot run (as if interrupts were off). */
	host.in_irq = true;
	for (uint8_t i = 1; i <= 3; i++)
		assert_int_equal(hvsim_post(HV_SINT_VMBUS, 1, &i, 1), 0);
	assert_int_equal(hvsim.qlen[HV_SINT_VMBUS], 2);		/* one in the slot */
	assert_true(hv.simp[HV_SINT_VMBUS].header.message_flags & HV_MSG_FLAG_PENDING);
	host.in_irq = false;
	host_run_pending();	/* #1, its EOM brings #2, whose EOM brings #3 */
	assert_int_equal(got.n, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(got.first[i], i + 1);
	assert_int_equal(hvsim.eoms, 2);				/* not for the last */
	assert_int_equal(hv.simp[HV_SINT_VMBUS].header.message_type, HVMSG_NONE);
	assert_int_equal(hvsim.qlen[HV_SINT_VMBUS], 0);
	assert_int_equal(host.guest_eois, 3);
	assert_int_equal(host.missing_eoi + host.double_eoi, 0);
}

static uint32_t slot_type(unsigned sint)
{
	uint32_t type;
	memcpy(&type, (const uint8_t *)hv.simp + sint * SIM_SLOT_BYTES + SIM_SLOT_TYPE_OFF, 4);
	return type;
}

static uint8_t slot_byte(unsigned sint, unsigned off)
{
	return ((const uint8_t *)hv.simp)[sint * SIM_SLOT_BYTES + off];
}

/* TLFS 11.8, as KVM does: a masked SINT loses the interrupt, not the
 * message.  The message sits in the slot; EOM drains the queue behind it
 * ("EOM can be used to drain the message queue for a SINTx that has been
 * masked"), still without an interrupt, and unmasking raises none. */
static void masked_sint_fills_slot_without_interrupt(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	hv_sint_register(HV_SINT_VMBUS, on_msg, on_event, NULL);
	uint8_t vec = hv.sint[HV_SINT_VMBUS].vector;
	uint64_t sint = hvsim_rdmsr(SIM_MSR_SINT_FIRST + HV_SINT_VMBUS);
	hvsim_wrmsr(SIM_MSR_SINT_FIRST + HV_SINT_VMBUS, sint | SIM_SINT_MASK_BIT);
	for (uint8_t b = 7; b <= 8; b++)
		assert_int_equal(hvsim_post(HV_SINT_VMBUS, 1, &b, 1), 0);
	assert_int_equal(slot_type(HV_SINT_VMBUS), 1);
	assert_int_equal(slot_byte(HV_SINT_VMBUS, SIM_SLOT_DATA_OFF), 7);
	assert_true(slot_byte(HV_SINT_VMBUS, SIM_SLOT_FLAGS_OFF) & SIM_SLOT_PENDING);
	assert_int_equal(hvsim.qlen[HV_SINT_VMBUS], 1);
	assert_int_equal(host.irqs[vec], 0);
	assert_int_equal(got.n, 0);
	/* The guest looks at the slot itself; its EOM brings the next. */
	hv_sint_service(HV_SINT_VMBUS);
	assert_int_equal(got.n, 1);
	assert_int_equal(hvsim.eoms, 1);
	assert_int_equal(slot_byte(HV_SINT_VMBUS, SIM_SLOT_DATA_OFF), 8);
	assert_int_equal(hvsim.qlen[HV_SINT_VMBUS], 0);
	hvsim_wrmsr(SIM_MSR_SINT_FIRST + HV_SINT_VMBUS, sint);
	assert_int_equal(host.irqs[vec], 0);
	hv_sint_service(HV_SINT_VMBUS);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.first[0], 7);
	assert_int_equal(got.first[1], 8);
	assert_int_equal(hvsim.gp_faults, 0);
}

/* TLFS 11.8: the Polling bit unmasks the SINT (even with Masked set);
 * messages and flags arrive, no interrupt is raised. */
static void polling_bit_unmasks(void **state)
{
	(void)state;
	const unsigned n = 5;	/* a SINT the guest does not use */
	const uint8_t vec = 0x50;
	assert_true(hvsim_sint_masked(n));
	hvsim_wrmsr(SIM_MSR_SINT_FIRST + n, SIM_SINT_MASK_BIT | SIM_SINT_POLL_BIT | vec);
	assert_false(hvsim_sint_masked(n));
	uint8_t b = 42;
	assert_int_equal(hvsim_post(n, 1, &b, 1), 0);
	assert_int_equal(slot_type(n), 1);
	assert_int_equal(slot_byte(n, SIM_SLOT_DATA_OFF), 42);
	assert_int_equal(hvsim_signal_guest(n, 9), 0);
	assert_int_equal(hv.siefp[n * HV_EVENT_FLAGS_BYTES + 1], 1 << 1);
	assert_int_equal(host.irqs[vec], 0);
	hvsim_wrmsr(SIM_MSR_SINT_FIRST + n, SIM_SINT_MASK_BIT | vec);
	assert_true(hvsim_sint_masked(n));
	assert_int_equal(hvsim.gp_faults, 0);
}

static void bad_slot_is_dropped_and_released(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	hv_sint_register(HV_SINT_VMBUS, on_msg, on_event, NULL);
	/* A hostile host writes a size larger than the slot can hold. */
	struct hv_message *slot = &hv.simp[HV_SINT_VMBUS];
	slot->header.payload_size = 250;
	slot->header.message_flags = HV_MSG_FLAG_PENDING;
	slot->header.message_type = HVMSG_VMBUS;
	uint64_t eoms = hvsim.eoms;
	hv_sint_service(HV_SINT_VMBUS);
	assert_int_equal(got.n, 0);
	assert_int_equal(hv.sint[HV_SINT_VMBUS].dropped, 1);
	assert_int_equal(slot->header.message_type, HVMSG_NONE);
	assert_int_equal(hvsim.eoms, eoms + 1);
	assert_non_null(strstr(host.log, "SINT2: message type 0x1 claims 250 payload bytes"));
}

static void event_flags_each_once(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	hv_sint_register(HV_SINT_VMBUS, on_msg, on_event, NULL);
	host.in_irq = true;	/* set all four, then take one interrupt */
	const unsigned flags[] = { 0, 63, 64, 2047 };
	for (int i = 0; i < 4; i++)
		assert_int_equal(hvsim_signal_guest(HV_SINT_VMBUS, flags[i]), 0);
	host.in_irq = false;
	host_run_pending();
	assert_int_equal(got.nflags, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(got.flags[i], flags[i]);
	for (int i = 0; i < HV_EVENT_FLAGS_BYTES; i++)
		assert_int_equal(hv.siefp[HV_SINT_VMBUS * HV_EVENT_FLAGS_BYTES + i], 0);
	hv_sint_service(HV_SINT_VMBUS);
	assert_int_equal(got.nflags, 4);	/* taken: not reported twice */
}

/* TLFS 11.8: EOM reads as zero; KVM and OpenVMM agree.  A guest (or a
 * debugger dumping MSRs) reading it must not take a #GP. */
static void eom_reads_zero(void **state)
{
	(void)state;
	assert_int_equal(hvsim_rdmsr(SIM_MSR_EOM), 0);
	hvsim_wrmsr(SIM_MSR_EOM, 0);
	assert_int_equal(hvsim_rdmsr(SIM_MSR_EOM), 0);
	assert_int_equal(hvsim.gp_faults, 0);
}

/* A privilege the profile grants makes its MSR exist (1.2): VP_RUNTIME
 * (EAX bit 0) reads, RESET (EAX bit 7) resets; without the bit, #GP. */
static int reset_hook_calls;
static void count_reset(void)
{
	reset_hook_calls++;
}

static void granted_privileges_make_msrs_accessible(void **state)
{
	(void)state;
	assert_true(hvsim_profile_current.features_eax & SIM_PRIV_VP_RUNTIME);
	assert_true(hvsim_profile_current.features_eax & SIM_PRIV_RESET);
	host_advance_ns(1000000);
	uint64_t r0 = hvsim_rdmsr(SIM_MSR_VP_RUNTIME);
	host_advance_ns(1000000);
	uint64_t r1 = hvsim_rdmsr(SIM_MSR_VP_RUNTIME);
	assert_true(r0 >= 10000 && r1 - r0 == 10000);		/* 1 ms in 100 ns */
	assert_int_equal(hvsim_rdmsr(SIM_MSR_RESET), 0);
	assert_int_equal(hvsim.gp_faults, 0);
	reset_hook_calls = 0;
	hvsim.on_reset = count_reset;
	hvsim_wrmsr(SIM_MSR_RESET, 0);
	assert_int_equal(reset_hook_calls, 0);
	hvsim_wrmsr(SIM_MSR_RESET, 1);
	assert_int_equal(reset_hook_calls, 1);
	assert_int_equal(hvsim.resets, 1);
	assert_int_equal(hvsim.gp_faults, 0);
	hvsim_wrmsr(SIM_MSR_VP_RUNTIME, 5);			/* read-only */
	assert_int_equal(hvsim.gp_faults, 1);

	/* A profile without the bits: the MSRs are not there. */
	struct hvsim_profile bare = hvsim_profile_current;
	bare.features_eax &= ~(SIM_PRIV_VP_RUNTIME | SIM_PRIV_RESET);
	hv_teardown();
	host_reset(&bare);
	hvsim_rdmsr(SIM_MSR_VP_RUNTIME);
	hvsim_wrmsr(SIM_MSR_RESET, 1);
	assert_int_equal(hvsim.gp_faults, 2);
	assert_int_equal(hvsim.resets, 0);
	host_reset(&hvsim_profile_current);
	hv_init();		/* for the teardown */
}

/* ---- time ---- */

static void tsc_page_arithmetic(void **state)
{
	(void)state;
	static struct hv_tsc_page p;
	bool valid;
	/* 2.5 GHz: scale = floor(10^7 * 2^64 / 2.5e9) = floor(2^64 / 250). */
	p.tsc_sequence = 1;
	p.tsc_scale = 73786976294838206ull;
	p.tsc_offset = 0;
	assert_int_equal(hv_ref_time_from_page(&p, 2500000000ull, &valid), 9999999);
	assert_true(valid);
	assert_int_equal(hv_ref_time_from_page(&p, 2500000000ull + 250, &valid), 10000000);
	/* The 128-bit product: a TSC near 2^63 must not overflow. */
	assert_int_equal(hv_ref_time_from_page(&p, 1ull << 63, &valid), (1ull << 63) / 250);
	p.tsc_offset = -5000;
	assert_int_equal(hv_ref_time_from_page(&p, 2500000000ull, &valid), 9994999);
	p.tsc_sequence = 0;
	hv_ref_time_from_page(&p, 1, &valid);
	assert_false(valid);
}

static void clock_from_page_matches_counter_and_falls_back(void **state)
{
	(void)state;
	host_advance_ns(1234567890);
	uint64_t reads = hvsim.ref_count_reads;
	uint64_t page_time = hv_ref_time();
	assert_int_equal(hvsim.ref_count_reads, reads);		/* no MSR read */
	uint64_t msr_time = hvsim_rdmsr(HV_MSR_TIME_REF_COUNT);
	/* Two roundings of one timeline: at most one unit apart. */
	assert_true(page_time + 1 >= msr_time && msr_time + 1 >= page_time);
	assert_true(page_time >= 12345678 && page_time <= 12345679);
	/* Sequence 0: the page is invalid now; read the counter instead. */
	hvsim.tsc_page_invalid = true;
	hvsim_tsc_page_update();
	reads = hvsim.ref_count_reads;
	uint64_t t = hv_ref_time();
	assert_int_equal(hvsim.ref_count_reads, reads + 1);
	/* Same instant by the other rounding: within one unit.  (The kernel's
	 * time_ns() never steps back across such a switch.) */
	assert_true(t + 1 >= page_time);
}

/* ---- synthetic timer tick ---- */

static int ticks_seen;
static void tick(void)
{
	ticks_seen++;
}

static void stimer_direct_mode_ticks(void **state)
{
	(void)state;
	ticks_seen = 0;
	assert_true(host.platform->tick_start(100, tick));
	assert_true(hvsim.stimer_config[0] & SIM_TMR_DIRECT);
	assert_int_equal(hvsim.stimer_count[0], 100000);	/* 10 ms in 100 ns */
	for (int i = 0; i < 10; i++)
		host_advance_ns(10000000);
	assert_int_equal(ticks_seen, 10);
	assert_int_equal(host.guest_eois, 10);			/* direct: guest EOIs */
	assert_int_equal(host.missing_eoi + host.double_eoi + hvsim.gp_faults, 0);
}

/* The emulator works when the guest traps into it, not only on its own
 * timer: a guest polling with interrupts off (the platform timer cannot
 * interrupt) still sees due timers fire at its next MSR access. */
static void timers_catch_up_at_a_trap(void **state)
{
	(void)state;
	assert_true(host.platform->tick_start(100, tick));
	uint64_t fires = hvsim.timer_fires;
	host.tsc += HOST_TSC_HZ / 50;		/* 20 ms, and no hvsim_poll */
	assert_int_equal(hvsim.timer_fires, fires);
	hvsim_rdmsr(SIM_MSR_REF_COUNT);
	assert_int_equal(hvsim.timer_fires, fires + 1);	/* late ticks do not burst */
	host.tsc += HOST_TSC_HZ / 50;
	assert_int_equal(hvsim_hypercall(0x7777, 0, 0), SIM_ST_BAD_CODE);
	assert_int_equal(hvsim.timer_fires, fires + 2);
}

static void stimer_message_mode_on_old_host(void **state)
{
	(void)state;
	ticks_seen = 0;
	assert_true(host.platform->tick_start(250, tick));
	assert_false(hvsim.stimer_config[0] & SIM_TMR_DIRECT);
	assert_int_equal(SIM_TMR_SINT(hvsim.stimer_config[0]), HV_SINT_TIMER);
	for (int i = 0; i < 8; i++)
		host_advance_ns(4000000);
	assert_int_equal(ticks_seen, 8);
	assert_int_equal(hvsim.auto_eois, 8);			/* AutoEOI on this host */
	assert_int_equal(host.missing_eoi + host.double_eoi + hvsim.gp_faults, 0);
}

/* ---- crash and teardown ---- */

static void crash_lands_in_msrs(void **state)
{
	(void)state;
	assert_ptr_equal(panic_notify, hv_crash_report);
	panic_notify("deliberate test crash");
	assert_true(hvsim.crashed);
	assert_int_equal(hvsim.crash_reports, 1);
	assert_int_equal(hvsim.crash_ctl, SIM_CRASH_NOTIFY | SIM_CRASH_MESSAGE);
	assert_string_equal(hvsim.crash_msg, "deliberate test crash");
	assert_int_equal(hvsim.crash_p[0], 0x646f726d);
	assert_int_equal(hvsim.crash_p[2], hv.guest_os_id);
	assert_int_equal(hvsim.crash_p[3], (uint64_t)(uintptr_t)hv.crash_page);
	assert_int_equal(hvsim.crash_p[4], strlen("deliberate test crash"));
	/* The parameters first, CRASH_CTL last (2.5). */
	assert_true(msr_written_before(SIM_MSR_CRASH_LAST, SIM_MSR_CRASH_CTL));
	assert_true(msr_written_before(SIM_MSR_CRASH_FIRST, SIM_MSR_CRASH_LAST));

	/* A second panic (say, in the panic path) is not reported again. */
	unsigned writes = hvsim.nmsr_log;
	panic_notify("second");
	assert_int_equal(hvsim.crash_reports, 1);
	assert_int_equal(hvsim.nmsr_log, writes);
	assert_string_equal(hvsim.crash_msg, "deliberate test crash");
}

/* A message of 4 KiB or more is cut to the page: 4095 bytes and a NUL. */
static void crash_message_of_a_page_and_more(void **state)
{
	(void)state;
	static char msg[5000];
	for (size_t i = 0; i < sizeof(msg) - 1; i++)
		msg[i] = (char)('a' + i % 26);
	msg[sizeof(msg) - 1] = 0;
	panic_notify(msg);
	assert_int_equal(hvsim.crash_reports, 1);
	assert_int_equal(hvsim.crash_p[4], 4095);
	assert_int_equal(strlen(hvsim.crash_msg), 4095);
	assert_memory_equal(hvsim.crash_msg, msg, 4095);
	assert_int_equal(hv.crash_page[4095], 0);
	assert_int_equal(hvsim.gp_faults, 0);
}

static void teardown_leaves_nothing_enabled(void **state)
{
	(void)state;
	host.platform->tick_start(100, tick);
	host.power_hook();
	assert_false(hvsim_any_overlay_on());
	assert_false(hvsim.scontrol & 1);
	assert_true(hvsim.sint[HV_SINT_VMBUS] & SIM_SINT_MASK_BIT);
	assert_true(hvsim.sint[HV_SINT_TIMER] & SIM_SINT_MASK_BIT);
	assert_false(hvsim.stimer_config[0] & 1);
	assert_int_equal(hvsim.os_id, 0);
	assert_false(hvsim.hypercall & 1);
	assert_int_equal(host.pages_alloc, host.pages_freed);	/* every page back */
	assert_null(panic_notify);
	assert_false(hv.present);
	assert_int_equal(hvsim.gp_faults, 0);
	/* After teardown the clock still runs, from the counter. */
	uint64_t reads = hvsim.ref_count_reads;
	hv_ref_time();
	assert_int_equal(hvsim.ref_count_reads, reads + 1);
}


static void teardown_on_current_host(void **state)
{
	teardown_leaves_nothing_enabled(state);
}

static void teardown_on_old_host(void **state)
{
	teardown_leaves_nothing_enabled(state);
}

/* ---- exact MSR order ---- */

static void expect_writes(const uint32_t *msrs, unsigned n)
{
	assert_int_equal(hvsim.nmsr_log, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(hvsim.msr_log[i], msrs[i]);
}

/* Identity, hypercall page, SynIC pages, SINTs, then SCONTROL, then the
 * clock (hv-core 0). */
static void bring_up_msr_order(void **state)
{
	(void)state;
	host_reset(&hvsim_profile_current);
	hv_init();
	const uint32_t want[] = { SIM_MSR_OS_ID, SIM_MSR_HYPERCALL, SIM_MSR_SIMP, SIM_MSR_SIEFP,
				  SIM_MSR_SINT_FIRST + 2, SIM_MSR_SINT_FIRST + 3,
				  SIM_MSR_SCONTROL, SIM_MSR_REF_TSC };
	expect_writes(want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(hvsim.msr_val_log[0], hv_make_guest_os_id());
	assert_int_equal(hvsim.msr_val_log[6] & 1, 1);
}

/* Timers, SINTs, SCONTROL, event page, message page, TSC page, hypercall
 * page, and the OS id last. */
static void teardown_msr_order(void **state)
{
	(void)state;
	assert_true(host.platform->tick_start(100, tick));
	hvsim.nmsr_log = 0;
	hv_teardown();
	const uint32_t want[] = { SIM_MSR_STIMER_FIRST, SIM_MSR_STIMER_FIRST + 1,
				  SIM_MSR_SINT_FIRST + 2, SIM_MSR_SINT_FIRST + 3,
				  SIM_MSR_SCONTROL, SIM_MSR_SIEFP, SIM_MSR_SIMP,
				  SIM_MSR_REF_TSC, SIM_MSR_HYPERCALL, SIM_MSR_OS_ID };
	expect_writes(want, sizeof(want) / sizeof(want[0]));
	const uint64_t *v = hvsim.msr_val_log;
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 0);
	assert_true(v[2] & SIM_SINT_MASK_BIT);
	assert_true(v[3] & SIM_SINT_MASK_BIT);
	assert_int_equal(SIM_SINT_VECTOR(v[2]), SIM_SINT_VECTOR(hvsim.sint[2]));
	for (int i = 4; i < 9; i++)
		assert_int_equal(v[i] & SIM_PAGE_ON, 0);
	assert_int_equal(v[9], 0);
	assert_int_equal(hvsim.gp_faults, 0);
}

/* Disable, period, then enable (2.4): never a running timer with an old
 * period or a new period on a running timer. */
static void stimer_start_msr_order(void **state)
{
	(void)state;
	hvsim.nmsr_log = 0;
	assert_true(host.platform->tick_start(250, tick));
	const uint32_t want[] = { SIM_MSR_STIMER_FIRST, SIM_MSR_STIMER_FIRST + 1,
				  SIM_MSR_STIMER_FIRST };
	expect_writes(want, 3);
	assert_int_equal(hvsim.msr_val_log[0], 0);
	assert_int_equal(hvsim.msr_val_log[1], 40000);		/* 4 ms in 100 ns */
	uint64_t cfg = hvsim.msr_val_log[2];
	assert_int_equal(cfg & (SIM_TMR_ENABLE | SIM_TMR_PERIODIC | SIM_TMR_AUTOENABLE),
			 SIM_TMR_ENABLE | SIM_TMR_PERIODIC);
	assert_true(cfg & SIM_TMR_DIRECT);
	assert_int_equal(SIM_TMR_VECTOR(cfg), hv.stimer_vector);
	assert_int_equal(host.vec[hv.stimer_vector].needs_eoi, true);
	assert_false(host.platform->tick_start(0, tick));	/* no rate, no writes */
	assert_int_equal(hvsim.nmsr_log, 3);
}

/* ---- detection edge cases ---- */

static struct hvsim_profile custom;

static void up_custom(uint32_t max_leaf, uint32_t signature)
{
	custom = hvsim_profile_current;
	custom.name = "custom";
	custom.max_leaf = max_leaf;
	custom.signature = signature;
	host_reset(&custom);
	hv_init();
}

static void expect_leaves(const uint32_t *leaves, unsigned n)
{
	assert_int_equal(hvsim.ncpuid_log, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(hvsim.cpuid_log[i], leaves[i]);
}

static void hv1_with_too_few_leaves(void **state)
{
	(void)state;
	up_custom(SIM_LEAF_RECOMMEND, 0);	/* Hv#1, but max leaf 0x40000004 */
	assert_false(hv.present);
	assert_int_equal(hv.max_leaf, SIM_LEAF_RECOMMEND);
	assert_string_equal(hv.vendor, "Microsoft Hv");
	/* Refused on the leaf count: the signature was never read. */
	const uint32_t leaves[] = { SIM_LEAF_VENDOR };
	expect_leaves(leaves, 1);
	assert_int_equal(hvsim.nmsr_log, 0);
	assert_null(host.platform);
	assert_non_null(strstr(host.log, "hv: not running on Hyper-V (Microsoft Hv)"));
}

static void hv1_with_exactly_enough_leaves(void **state)
{
	(void)state;
	up_custom(SIM_LEAF_LIMITS, 0);
	assert_true(hv.present);
	assert_int_equal(hv.max_leaf, SIM_LEAF_LIMITS);
	assert_int_equal(hv.max_vps, 1);
	hv_teardown();
	up_custom(SIM_LEAF_VENDOR + 0xff, 0);	/* the highest plausible */
	assert_true(hv.present);
	hv_teardown();
}

static void many_leaves_without_hv1(void **state)
{
	(void)state;
	up_custom(SIM_LEAF_VENDOR + 0x10, 0x4d564b00u);	/* "\0KVM": not Hv#1 */
	assert_false(hv.present);
	const uint32_t leaves[] = { SIM_LEAF_VENDOR, SIM_LEAF_INTERFACE };
	expect_leaves(leaves, 2);			/* refused on the signature */
	assert_int_equal(hv.features_eax, 0);
	assert_int_equal(hvsim.nmsr_log, 0);
	assert_null(host.platform);
}

static void implausible_max_leaf(void **state)
{
	(void)state;
	up_custom(SIM_LEAF_VENDOR + 0x100, 0);	/* Hv#1, but a garbage range */
	assert_false(hv.present);
	const uint32_t leaves[] = { SIM_LEAF_VENDOR };
	expect_leaves(leaves, 1);
	assert_int_equal(hvsim.nmsr_log, 0);
}

static void hv1_without_hypercall_msrs(void **state)
{
	(void)state;
	custom = hvsim_profile_current;
	custom.features_eax &= ~SIM_PRIV_HYPERCALL;
	host_reset(&custom);
	hv_init();
	assert_false(hv.present);
	assert_null(hv.hypercall_page);
	assert_int_equal(hvsim.nmsr_log, 0);
	assert_int_equal(hvsim.gp_faults, 0);
	assert_non_null(strstr(host.log, "offers Hv#1 but no usable hypercall page "
				"(no hypercall page); Hyper-V layer off"));
}

/* ---- frequency MSRs need both bits (5.3) ---- */

static void frequencies_need_both_bits(void **state)
{
	(void)state;
	const uint32_t eax[2] = { SIM_PRIV_FREQUENCIES, 0 };
	const uint32_t edx[2] = { 0, SIM_FEAT_FREQ_MSRS };
	for (int i = 0; i < 2; i++) {
		custom = hvsim_profile_current;
		custom.features_eax = (custom.features_eax & ~SIM_PRIV_FREQUENCIES) | eax[i];
		custom.features_edx = (custom.features_edx & ~SIM_FEAT_FREQ_MSRS) | edx[i];
		host_reset(&custom);
		hv_init();
		assert_true(hv.present);
		assert_int_equal(hv.tsc_hz, 0);
		assert_int_equal(hv.apic_hz, 0);
		assert_int_equal(host.platform->tsc_hz, 0);
		assert_int_equal(host.platform->lapic_hz, 0);
		assert_int_equal(hvsim.gp_faults, 0);	/* never read without both */
		hv_teardown();
	}
}

/* ---- firmware left an unlocked page: move it to our own ---- */

static void firmware_page_enabled_not_locked(void **state)
{
	(void)state;
	uint64_t fw_page = page_alloc(1, FRAME_VOLATILE);
	hvsim_wrmsr(SIM_MSR_OS_ID, 0x1234);
	/* Enabled, bit 2 (reserved, to be preserved) set, not locked. */
	hvsim_wrmsr(SIM_MSR_HYPERCALL, fw_page | SIM_PAGE_ON | 0x4);
	hv_init();
	assert_true(hv.present);
	assert_true(hv.hypercall_page_ours);
	uint64_t ours = (uint64_t)(uintptr_t)hv.hypercall_page;
	assert_int_not_equal(ours, fw_page);
	assert_int_equal(hvsim.hypercall, ours | 0x4 | SIM_PAGE_ON);
	assert_int_equal(hvsim.ov[HVSIM_OV_HYPERCALL].gpa, ours);
	assert_int_equal(host.exec_page, ours);
	uint8_t b = 1;
	assert_int_equal(hv_post_message(1, 1, &b, 1), SIM_ST_OK);
	hv_teardown();
	assert_int_equal(hvsim.hypercall, 0x4);		/* off, reserved bit kept */
	assert_int_equal(host.exec_page, 0);
	assert_int_equal(hvsim.gp_faults, 0);
	page_free(fw_page, 1);
}

/* ---- SynIC payload limits ---- */

static void full_240_byte_payload(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	hv_sint_register(HV_SINT_VMBUS, on_msg, on_event, NULL);
	uint8_t data[240];
	for (int i = 0; i < 240; i++)
		data[i] = (uint8_t)(255 - i);
	assert_int_equal(hvsim_post(HV_SINT_VMBUS, 1, data, 240), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.size, 240);
	assert_memory_equal(got.last, data, 240);
	assert_int_equal(hv.sint[HV_SINT_VMBUS].dropped, 0);
	assert_int_equal(hv.sint[HV_SINT_VMBUS].messages, 1);
	/* No handler: counted as dropped, slot still released. */
	hv_sint_register(HV_SINT_VMBUS, NULL, NULL, NULL);
	assert_int_equal(hvsim_post(HV_SINT_VMBUS, 1, data, 1), 0);
	assert_int_equal(hv.sint[HV_SINT_VMBUS].dropped, 1);
	assert_int_equal(hv.simp[HV_SINT_VMBUS].header.message_type, HVMSG_NONE);
}

/* ---- the TSC page changing under a reader ---- */

static struct hv_tsc_page *race_page;
static void bump_page_once(void)
{
	host.on_rdtsc = NULL;
	race_page->tsc_offset -= 777;
	race_page->tsc_sequence++;
}

static void tsc_page_sequence_changes_during_read(void **state)
{
	(void)state;
	host_advance_ns(500000000);
	uint64_t before = hv_ref_time();
	race_page = hv.tsc_page;
	host.on_rdtsc = bump_page_once;
	uint64_t reads = host.rdtsc_reads, msr_reads = hvsim.ref_count_reads;
	uint64_t t = hv_ref_time();
	assert_int_equal(host.rdtsc_reads, reads + 2);	/* read again */
	assert_int_equal(t, before - 777);		/* with the new offset */
	assert_int_equal(hvsim.ref_count_reads, msr_reads);
	assert_int_equal(hv_clock_ns(), (before - 777) * 100);
}

/* ---- timers other than 0 ---- */

static void timer_messages_for_other_timers(void **state)
{
	(void)state;
	ticks_seen = 0;
	assert_true(host.platform->tick_start(250, tick));
	uint8_t msg[24] = { 0 };
	msg[0] = 1;					/* timer 1 */
	assert_int_equal(hvsim_post(HV_SINT_TIMER, SIM_MSGTYPE_TIMER, msg, 24), 0);
	msg[0] = 3;
	assert_int_equal(hvsim_post(HV_SINT_TIMER, SIM_MSGTYPE_TIMER, msg, 24), 0);
	assert_int_equal(ticks_seen, 0);
	assert_int_equal(hv.stimer_ticks, 0);
	msg[0] = 0;
	assert_int_equal(hvsim_post(HV_SINT_TIMER, SIM_MSGTYPE_TIMER, msg, 23), 0);	/* short */
	assert_int_equal(hvsim_post(HV_SINT_TIMER, 1, msg, 24), 0);	/* not a timer type */
	assert_int_equal(ticks_seen, 0);
	assert_non_null(strstr(host.log, "SINT3: unexpected message type 0x80000010 size 23"));
	assert_non_null(strstr(host.log, "SINT3: unexpected message type 0x1 size 24"));
	assert_int_equal(hvsim_post(HV_SINT_TIMER, SIM_MSGTYPE_TIMER, msg, 24), 0);
	assert_int_equal(ticks_seen, 1);
	assert_int_equal(hv.stimer_ticks, 1);
}

static void clock_names_on_old_host(void **state)
{
	(void)state;
	assert_string_equal(host.platform->clock_name, "hyper-v TIME_REF_COUNT");
	assert_string_equal(host.platform->tick_name, "hyper-v stimer0, message");
	/* Message mode needs the SynIC: without it the tick is refused. */
	hv_synic_teardown();
	hvsim.nmsr_log = 0;
	assert_false(host.platform->tick_start(100, tick));
	assert_int_equal(hvsim.nmsr_log, 0);
}

static void clock_names_on_current_host(void **state)
{
	(void)state;
	assert_string_equal(host.platform->clock_name, "hyper-v tsc page");
	assert_string_equal(host.platform->tick_name, "hyper-v stimer0, direct");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(brings_up_on_current_host, up_current, down),
		cmocka_unit_test_setup_teardown(old_host_uses_fallbacks, up_old, down),
		cmocka_unit_test(plain_qemu_is_not_hyperv),
		cmocka_unit_test_setup(host_enforces_os_id_before_hypercall_page, fresh),
		cmocka_unit_test_setup(firmware_os_id_and_locked_page, fresh),
		cmocka_unit_test_setup_teardown(post_message_and_statuses, up_current, down),
		cmocka_unit_test_setup_teardown(signal_event, up_current, down),
		cmocka_unit_test_setup_teardown(queued_messages_arrive_in_order_with_eom, up_current, down),
		cmocka_unit_test_setup_teardown(masked_sint_fills_slot_without_interrupt, up_current, down),
		cmocka_unit_test_setup_teardown(polling_bit_unmasks, up_current, down),
		cmocka_unit_test_setup_teardown(bad_slot_is_dropped_and_released, up_current, down),
		cmocka_unit_test_setup_teardown(event_flags_each_once, up_current, down),
		cmocka_unit_test(tsc_page_arithmetic),
		cmocka_unit_test_setup_teardown(clock_from_page_matches_counter_and_falls_back, up_current, down),
		cmocka_unit_test_setup_teardown(stimer_direct_mode_ticks, up_current, down),
		cmocka_unit_test_setup_teardown(stimer_message_mode_on_old_host, up_old, down),
		cmocka_unit_test_setup_teardown(timers_catch_up_at_a_trap, up_current, down),
		cmocka_unit_test_setup_teardown(crash_lands_in_msrs, up_current, down),
		cmocka_unit_test_setup_teardown(crash_message_of_a_page_and_more, up_current, down),
		cmocka_unit_test_setup_teardown(crash_lands_in_msrs, up_old, down),
		cmocka_unit_test_setup_teardown(teardown_on_current_host, up_current, down),
		cmocka_unit_test_setup_teardown(teardown_on_old_host, up_old, down),
		cmocka_unit_test_teardown(bring_up_msr_order, down),
		cmocka_unit_test_setup_teardown(teardown_msr_order, up_current, down),
		cmocka_unit_test_setup_teardown(stimer_start_msr_order, up_current, down),
		cmocka_unit_test(hv1_with_too_few_leaves),
		cmocka_unit_test(hv1_with_exactly_enough_leaves),
		cmocka_unit_test(many_leaves_without_hv1),
		cmocka_unit_test(implausible_max_leaf),
		cmocka_unit_test(hv1_without_hypercall_msrs),
		cmocka_unit_test(frequencies_need_both_bits),
		cmocka_unit_test_setup(firmware_page_enabled_not_locked, fresh),
		cmocka_unit_test_setup_teardown(full_240_byte_payload, up_current, down),
		cmocka_unit_test_setup_teardown(tsc_page_sequence_changes_during_read, up_current, down),
		cmocka_unit_test_setup_teardown(timer_messages_for_other_timers, up_old, down),
		cmocka_unit_test_setup_teardown(clock_names_on_old_host, up_old, down),
		cmocka_unit_test_setup_teardown(clock_names_on_current_host, up_current, down),
		cmocka_unit_test_setup_teardown(eom_reads_zero, up_current, down),
		cmocka_unit_test_setup_teardown(control_word_rules, up_current, down),
		cmocka_unit_test_setup_teardown(granted_privileges_make_msrs_accessible, up_current, down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
