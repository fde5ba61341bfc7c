/*
 * stimer.c - synthetic timer 0 as the kernel tick.
 * hv-core-protocol.md 2.4 (TLFS 12): periodic, COUNT = period in 100 ns.
 * Direct mode (the timer raises an APIC vector; normal EOI) when offered,
 * else HVMSG_TIMER_EXPIRED messages on HV_SINT_TIMER.
 */
#include "../kernel/kernel.h"
#include "../kernel/trap.h"
#include "hv.h"
#include "hv_seam.h"

static void tick(void)
{
	hv.stimer_ticks++;
	if (hv.tick_fn)
		hv.tick_fn();
}

static void direct_isr(struct trap_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	tick();
}

static void timer_message(const struct hv_message *m, void *ctx)
{
	struct hv_timer_message_payload p;
	(void)ctx;
	if (m->header.message_type != HVMSG_TIMER_EXPIRED ||
	    m->header.payload_size < sizeof(p)) {
		kprintf("hv: SINT%u: unexpected message type 0x%x size %u; dropped\n",
			HV_SINT_TIMER, m->header.message_type, m->header.payload_size);
		return;
	}
	__builtin_memcpy(&p, m->payload, sizeof(p));
	if (p.timer_index == 0)
		tick();
}

/* Timer 0 periodic at hv.stimer_hz, in the mode the hypervisor offers
 * now; the direct mode's vector is allocated once and kept. */
static bool program(void)
{
	if (!hv_has(HV_MSR_SYNTIMER_AVAILABLE, 0, 0))
		return false;
	bool direct = hv_has(0, 0, HV_STIMER_DIRECT_MODE_AVAILABLE);
	if (!direct && !hv.simp)
		return false;	/* message mode needs the SynIC */

	uint64_t cfg = HV_STIMER_ENABLE | HV_STIMER_PERIODIC;
	if (direct) {
		if (!hv.stimer_vector)
			hv.stimer_vector = irq_alloc_vector(direct_isr, NULL);
		cfg |= HV_STIMER_DIRECT_MODE |
		       (uint64_t)hv.stimer_vector << HV_STIMER_APIC_VECTOR_SHIFT;
	} else {
		hv_sint_register(HV_SINT_TIMER, timer_message, NULL, NULL);
		cfg |= (uint64_t)HV_SINT_TIMER << HV_STIMER_SINT_SHIFT;
	}
	hv.stimer_direct = direct;
	/* Disable before reconfiguring (2.4), then period, then enable. */
	hv_wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	hv_wrmsr(HV_MSR_STIMER0_COUNT, HV_REF_TIME_HZ / hv.stimer_hz);
	hv_wrmsr(HV_MSR_STIMER0_CONFIG, cfg);
	hv.stimer_on = true;
	return true;
}

bool hv_stimer_start(uint32_t hz, void (*fn)(void))
{
	if (hz == 0)
		return false;
	hv.tick_fn = fn;
	hv.stimer_hz = hz;
	if (program())
		return true;
	hv.stimer_hz = 0;
	return false;
}

static void disarm(void)
{
	hv_wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	hv_wrmsr(HV_MSR_STIMER0_COUNT, 0);
	hv.stimer_on = false;
}

void hv_stimer_stop(void)
{
	if (!hv.stimer_on)
		return;
	disarm();
	if (hv.stimer_vector)
		irq_set_handler(hv.stimer_vector, NULL, NULL);
	if (!hv.stimer_direct)
		hv_sint_register(HV_SINT_TIMER, NULL, NULL, NULL);
	hv.stimer_vector = 0;
	hv.stimer_hz = 0;
}

/* Hibernation: the timer off; rate, function and vector stay. */
void hv_stimer_suspend(void)
{
	if (hv.stimer_on)
		disarm();
}

bool hv_stimer_resume(void)
{
	if (!hv.stimer_hz)
		return true;		/* it was not the tick */
	return program();
}
