/* Host tests for hv/ against the emulated host (tests/hvsim): the guest's
 * real files, the emulator's own reading of the specification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv_host.h"

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
		assert_int_equal(!(hvsim.sint[n] & HV_SINT_MASKED), used);
	}
	assert_int_equal(hvsim.sint[HV_SINT_VMBUS] & 0xff, hv.sint[HV_SINT_VMBUS].vector);
	/* The current host deprecates AutoEOI: the guest must not set it. */
	assert_false(hvsim.sint[HV_SINT_VMBUS] & HV_SINT_AUTO_EOI);
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
	assert_true(hvsim.sint[HV_SINT_VMBUS] & HV_SINT_AUTO_EOI);
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
	hv_wrmsr(HV_MSR_HYPERCALL, gpa | HV_OVERLAY_ENABLE);
	assert_false(hv_rdmsr(HV_MSR_HYPERCALL) & HV_OVERLAY_ENABLE);
	assert_int_equal(page[0], 0x5a);
	hv_wrmsr(HV_MSR_GUEST_OS_ID, hv_make_guest_os_id());
	hv_wrmsr(HV_MSR_HYPERCALL, gpa | HV_OVERLAY_ENABLE);
	assert_true(hv_rdmsr(HV_MSR_HYPERCALL) & HV_OVERLAY_ENABLE);
	assert_int_equal(page[0], 0x0f);		/* the hypervisor's code */
	hv_wrmsr(HV_MSR_GUEST_OS_ID, 0);		/* clearing the id disables it */
	assert_false(hv_rdmsr(HV_MSR_HYPERCALL) & HV_OVERLAY_ENABLE);
	assert_int_equal(page[0], 0x5a);		/* the RAM beneath is back */
	assert_int_equal(page[4095], 0x5a);
	page_free(gpa, 1);
}

static void firmware_os_id_and_locked_page(void **state)
{
	(void)state;
	uint64_t fw_page = page_alloc(1, FRAME_VOLATILE);
	hv_wrmsr(HV_MSR_GUEST_OS_ID, 0x1234);
	hv_wrmsr(HV_MSR_HYPERCALL, fw_page | HV_OVERLAY_ENABLE | HV_HYPERCALL_LOCKED);
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
	hv_teardown();
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
	assert_int_equal(st, HV_STATUS_INVALID_CONNECTION_ID);
	assert_string_equal(hv_status_name(st), "invalid connection id");
	assert_int_equal(hv_post_message(1, 0x80000001u, msg, 8), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(hv_post_message(1, 1, msg, 241), HV_E_TOO_BIG);
	assert_int_equal(hvsim.nposted, 1);
	assert_string_equal(hv_status_name(HV_STATUS_INSUFFICIENT_BUFFERS), "insufficient buffers");
	assert_string_equal(hv_status_name(HV_STATUS_INSUFFICIENT_BUFFER), "insufficient buffer");
	assert_string_equal(hv_status_name(0x9999), "unknown status");
	assert_string_equal(hv_status_name(HV_E_NOT_PRESENT), "no hypercall page");

	/* The emulator applies TLFS 3.6's input rules. */
	uint64_t in = (uint64_t)(uintptr_t)hv.input;
	assert_int_equal(hvsim_hypercall(HVCALL_POST_MESSAGE, in + 4, 0), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hvsim_hypercall(HVCALL_POST_MESSAGE, in + 4000, 0), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hvsim_hypercall(HVCALL_POST_MESSAGE | HV_HYPERCALL_FAST, in, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(hvsim_hypercall(0x7777, in, 0), HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(hvsim_hypercall(HVCALL_POST_MESSAGE,
					 (uint64_t)(uintptr_t)hv.simp, 0),
			 HV_STATUS_INVALID_PARAMETER);		/* overlay page */
}

static void signal_event(void **state)
{
	(void)state;
	assert_int_equal(hv_signal_event(0x2a, 0), HV_STATUS_INVALID_CONNECTION_ID);
	hvsim_open_port(0x2a, true);
	assert_int_equal(hv_signal_event(0x2a, 5), HV_STATUS_SUCCESS);
	assert_int_equal(hvsim.signals, 1);
	assert_int_equal(hvsim.last_signal, 0x2a | (5ull << 32));
}

/* ---- SynIC: messages, EOM, events ---- */

static struct {
	int n;
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

static void masked_sint_keeps_messages(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	hv_sint_register(HV_SINT_VMBUS, on_msg, on_event, NULL);
	uint64_t sint = hv_rdmsr(HV_MSR_SINT0 + HV_SINT_VMBUS);
	hv_wrmsr(HV_MSR_SINT0 + HV_SINT_VMBUS, sint | HV_SINT_MASKED);
	uint8_t b = 7;
	hvsim_post(HV_SINT_VMBUS, 1, &b, 1);
	assert_int_equal(got.n, 0);
	assert_int_equal(host.irqs[hv.sint[HV_SINT_VMBUS].vector], 0);
	hv_wrmsr(HV_MSR_SINT0 + HV_SINT_VMBUS, sint);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.first[0], 7);
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
	assert_true(hvsim.stimer_config[0] & (1ull << 12));	/* direct */
	assert_int_equal(hvsim.stimer_count[0], 100000);	/* 10 ms in 100 ns */
	for (int i = 0; i < 10; i++)
		host_advance_ns(10000000);
	assert_int_equal(ticks_seen, 10);
	assert_int_equal(host.guest_eois, 10);			/* direct: guest EOIs */
	assert_int_equal(host.missing_eoi + host.double_eoi + hvsim.gp_faults, 0);
}

static void stimer_message_mode_on_old_host(void **state)
{
	(void)state;
	ticks_seen = 0;
	assert_true(host.platform->tick_start(250, tick));
	assert_false(hvsim.stimer_config[0] & (1ull << 12));
	assert_int_equal((hvsim.stimer_config[0] >> 16) & 0xf, HV_SINT_TIMER);
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
	assert_string_equal(hvsim.crash_msg, "deliberate test crash");
	assert_int_equal(hvsim.crash_p[0], 0x646f726d);
	assert_int_equal(hvsim.crash_p[4], strlen("deliberate test crash"));
}

static void teardown_leaves_nothing_enabled(void **state)
{
	(void)state;
	host.platform->tick_start(100, tick);
	host.power_hook();
	assert_false(hvsim_any_overlay_on());
	assert_false(hvsim.scontrol & 1);
	assert_true(hvsim.sint[HV_SINT_VMBUS] & HV_SINT_MASKED);
	assert_true(hvsim.sint[HV_SINT_TIMER] & HV_SINT_MASKED);
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
		cmocka_unit_test_setup_teardown(masked_sint_keeps_messages, up_current, down),
		cmocka_unit_test_setup_teardown(bad_slot_is_dropped_and_released, up_current, down),
		cmocka_unit_test_setup_teardown(event_flags_each_once, up_current, down),
		cmocka_unit_test(tsc_page_arithmetic),
		cmocka_unit_test_setup_teardown(clock_from_page_matches_counter_and_falls_back, up_current, down),
		cmocka_unit_test_setup_teardown(stimer_direct_mode_ticks, up_current, down),
		cmocka_unit_test_setup_teardown(stimer_message_mode_on_old_host, up_old, down),
		cmocka_unit_test_setup_teardown(crash_lands_in_msrs, up_current, down),
		cmocka_unit_test_setup_teardown(teardown_leaves_nothing_enabled, up_current, down),
		cmocka_unit_test_setup_teardown(teardown_leaves_nothing_enabled, up_old, down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
