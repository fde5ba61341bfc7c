/*
 * timers.c - the emulated partition reference time, reference TSC page
 * and synthetic timers.  shared/docs/hv-core-protocol.md 2.4 and 5
 * (TLFS 12).
 *
 * Reference time counts 100 ns units from partition creation (hvsim_init),
 * derived from the TSC the platform reads.  The TSC page carries the same
 * time as scale and offset; stimers fire from hvsim_poll(), which the
 * platform calls when the deadline it was armed with has passed.
 */
#include <string.h>

#include "hvsim.h"
#include "hvsim_defs.h"

uint64_t hvsim_ref_time(void)
{
	if (!hvsim.tsc_hz)
		return 0;	/* powered on, frequencies not measured yet */
	uint64_t d = hvsim.plat->rdtsc() - hvsim.tsc0;
	return (uint64_t)((unsigned __int128)d * SIM_REF_HZ / hvsim.tsc_hz);
}

/* ref = (tsc * scale) >> 64 + offset, with scale = 10^7 * 2^64 / tsc_hz. */
void hvsim_tsc_page_update(void)
{
	struct hvsim_overlay *o = &hvsim.ov[HVSIM_OV_TSC];
	if (!o->on || !hvsim.tsc_hz)
		return;
	uint8_t *p = (uint8_t *)(uintptr_t)o->gpa;
	uint64_t scale = (uint64_t)(((unsigned __int128)SIM_REF_HZ << 64) / hvsim.tsc_hz);
	int64_t offset = -(int64_t)(((unsigned __int128)hvsim.tsc0 * scale) >> 64);
	uint32_t seq;
	memcpy(&seq, p + SIM_TSCPAGE_SEQ_OFF, 4);
	seq = hvsim.tsc_page_invalid ? 0 : (seq + 1 ? seq + 1 : 1);
	__atomic_store_n((uint32_t *)(p + SIM_TSCPAGE_SEQ_OFF), 0, __ATOMIC_SEQ_CST);
	memcpy(p + SIM_TSCPAGE_SCALE_OFF, &scale, 8);
	memcpy(p + SIM_TSCPAGE_OFFSET_OFF, &offset, 8);
	__atomic_store_n((uint32_t *)(p + SIM_TSCPAGE_SEQ_OFF), seq, __ATOMIC_SEQ_CST);
}

static void arm_next(void)
{
	uint64_t next = 0;
	for (int i = 0; i < 4; i++)
		if ((hvsim.stimer_config[i] & SIM_TMR_ENABLE) && hvsim.stimer_due[i] &&
		    (!next || hvsim.stimer_due[i] < next))
			next = hvsim.stimer_due[i];
	if (hvsim.host_due) {
		uint64_t d = hvsim.host_due();
		if (d && (!next || d < next))
			next = d;
	}
	if (hvsim.plat->arm)
		hvsim.plat->arm(next);
}

/* Periodic: COUNT is the period; one-shot: COUNT is the absolute expiry. */
static void schedule(int i)
{
	uint64_t cfg = hvsim.stimer_config[i], count = hvsim.stimer_count[i];
	hvsim.stimer_due[i] = 0;
	if ((cfg & SIM_TMR_ENABLE) && count)
		hvsim.stimer_due[i] = (cfg & SIM_TMR_PERIODIC) ? hvsim_ref_time() + count : count;
	arm_next();
}

static void fire(int i, uint64_t now)
{
	uint64_t cfg = hvsim.stimer_config[i];
	hvsim.timer_fires++;
	if (cfg & SIM_TMR_DIRECT) {
		hvsim.plat->raise(SIM_TMR_VECTOR(cfg), false);	/* edge; guest EOIs */
	} else {
		uint8_t msg[24] = { 0 };
		uint32_t index = (uint32_t)i;
		memcpy(msg, &index, 4);
		memcpy(msg + 8, &hvsim.stimer_due[i], 8);
		memcpy(msg + 16, &now, 8);
		hvsim_queue(SIM_TMR_SINT(cfg), SIM_MSGTYPE_TIMER, msg, sizeof(msg));
	}
	if (cfg & SIM_TMR_PERIODIC) {
		hvsim.stimer_due[i] += hvsim.stimer_count[i];
		if (hvsim.stimer_due[i] <= now)	/* fell behind: no burst */
			hvsim.stimer_due[i] = now + hvsim.stimer_count[i];
	} else {
		hvsim.stimer_config[i] &= ~SIM_TMR_ENABLE;	/* one-shot ends */
		hvsim.stimer_due[i] = 0;
	}
}

/* Fire what is due.  Runs on the emulator's own timer (hvsim_poll) and
 * at every trap into it, so timers keep their time even while the guest
 * polls with interrupts off and the platform timer cannot interrupt. */
void hvsim_timers_run(void)
{
	bool due = false;
	uint64_t now = hvsim_ref_time();
	for (int i = 0; i < 4; i++)
		if ((hvsim.stimer_config[i] & SIM_TMR_ENABLE) && hvsim.stimer_due[i] &&
		    now >= hvsim.stimer_due[i]) {
			fire(i, now);
			due = true;
		}
	if (hvsim.host_due && hvsim.on_host_timer) {
		uint64_t d = hvsim.host_due();
		if (d && now >= d) {
			hvsim.on_host_timer(now);
			due = true;
		}
	}
	if (due)
		arm_next();
}

/* The host's own work changed when it is next due: arm for it. */
void hvsim_rearm(void)
{
	arm_next();
}

void hvsim_poll(void)
{
	uint64_t t = hvsim_enter();
	hvsim_timers_run();
	arm_next();
	hvsim_leave(t);
}

uint64_t hvsim_timers_rdmsr(uint32_t msr)
{
	if (msr == SIM_MSR_REF_COUNT) {
		hvsim.ref_count_reads++;
		return hvsim_ref_time();
	}
	if (msr == SIM_MSR_REF_TSC)
		return hvsim.ref_tsc;
	int i = (int)(msr - SIM_MSR_STIMER_FIRST) / 2;
	return (msr - SIM_MSR_STIMER_FIRST) % 2 ? hvsim.stimer_count[i] : hvsim.stimer_config[i];
}

void hvsim_timers_wrmsr(uint32_t msr, uint64_t v)
{
	if (msr == SIM_MSR_REF_TSC) {
		hvsim.ref_tsc = v;
		hvsim_overlay_set(HVSIM_OV_TSC, v);
		return;
	}
	int i = (int)(msr - SIM_MSR_STIMER_FIRST) / 2;
	if ((msr - SIM_MSR_STIMER_FIRST) % 2 == 0) {
		if ((v & SIM_TMR_DIRECT) && !(hvsim.prof->features_edx & SIM_FEAT_DIRECT_STIMER)) {
			hvsim_gp("STIMER%d direct mode not offered", i);
			return;
		}
		if ((v & SIM_TMR_DIRECT) && SIM_TMR_VECTOR(v) < 16) {
			hvsim_gp("STIMER%d direct vector %u < 16", i, SIM_TMR_VECTOR(v));
			return;
		}
		/* Message mode to SINT0 disables the timer at once (2.4). */
		if ((v & SIM_TMR_ENABLE) && !(v & SIM_TMR_DIRECT) && SIM_TMR_SINT(v) == 0)
			v &= ~SIM_TMR_ENABLE;
		hvsim.stimer_config[i] = v;
	} else {
		hvsim.stimer_count[i] = v;
		if (v == 0)
			hvsim.stimer_config[i] &= ~SIM_TMR_ENABLE;	/* 0 stops it */
		else if (hvsim.stimer_config[i] & SIM_TMR_AUTOENABLE)
			hvsim.stimer_config[i] |= SIM_TMR_ENABLE;
	}
	schedule(i);
}
