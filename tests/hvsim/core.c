/*
 * core.c - the emulated hypervisor's core: host profiles, CPUID, the
 * synthetic MSR file with its access rules, overlay pages, and hypercall
 * dispatch (HvCallPostMessage, HvCallSignalEvent).
 * Semantics from shared/docs/hv-core-protocol.md sections 1-3.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hvsim.h"
#include "hvsim_defs.h"

#define ALL_EAX (SIM_PRIV_VP_RUNTIME | SIM_PRIV_REF_COUNTER | SIM_PRIV_SYNIC | \
		 SIM_PRIV_STIMER | SIM_PRIV_APIC_MSRS | SIM_PRIV_HYPERCALL | \
		 SIM_PRIV_VP_INDEX | SIM_PRIV_RESET | SIM_PRIV_REF_TSC | SIM_PRIV_IDLE | \
		 SIM_PRIV_FREQUENCIES)

const struct hvsim_profile hvsim_profile_current = {
	.name = "current",
	.features_eax = ALL_EAX,
	.features_ebx = SIM_CALL_POST_MESSAGE | SIM_CALL_SIGNAL_EVENT,
	.features_edx = SIM_FEAT_FREQ_MSRS | SIM_FEAT_CRASH_MSRS | SIM_FEAT_DIRECT_STIMER,
	.recommend_eax = SIM_REC_RELAXED_TIMING | SIM_REC_NO_AUTO_EOI,
	.build = 26100, .major = 10, .minor = 0,
	.vmbus_version = 0x00050003,	/* 5.3: WS2022 and later (6.4) */
};

const struct hvsim_profile hvsim_profile_old = {
	.name = "old",
	.features_eax = ALL_EAX & ~(SIM_PRIV_REF_TSC | SIM_PRIV_FREQUENCIES),
	.features_ebx = SIM_CALL_POST_MESSAGE | SIM_CALL_SIGNAL_EVENT,
	.features_edx = SIM_FEAT_CRASH_MSRS,
	.recommend_eax = 0,
	.build = 9600, .major = 6, .minor = 3,
	.vmbus_version = 0x00040000,	/* 4.0: WS2016 */
};

/* As old, with the VMBus of WS2012 R2 (6.4: 3.0, the oldest dormant
 * speaks), which has no connection 4: asking for >= 5.0 there fails with
 * HV_STATUS_INVALID_CONNECTION_ID (6.2), the other way to say no. */
const struct hvsim_profile hvsim_profile_older = {
	.name = "older",
	.features_eax = ALL_EAX & ~(SIM_PRIV_REF_TSC | SIM_PRIV_FREQUENCIES),
	.features_ebx = SIM_CALL_POST_MESSAGE | SIM_CALL_SIGNAL_EVENT,
	.features_edx = SIM_FEAT_CRASH_MSRS,
	.recommend_eax = 0,
	.build = 9600, .major = 6, .minor = 3,
	.vmbus_version = 0x00030000,
	.no_vmbus_conn4 = true,
};

const struct hvsim_profile hvsim_profile_tcg = {
	.name = "tcg",
	.not_hyperv = true,
};

static const struct hvsim_profile *const profiles[] = {
	&hvsim_profile_current, &hvsim_profile_old, &hvsim_profile_older, &hvsim_profile_tcg,
};

const struct hvsim_profile *hvsim_profile_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i]->name, name) == 0)
			return profiles[i];
	return NULL;
}

void hvsim_gp(const char *fmt, ...)
{
	char line[160] = "#GP: ";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + 5, sizeof(line) - 5, fmt, ap);
	va_end(ap);
	hvsim.gp_faults++;
	if (hvsim.plat->log)
		hvsim.plat->log(line);
}

bool hvsim_has(uint32_t eax_bits)
{
	return (hvsim.prof->features_eax & eax_bits) == eax_bits;
}

void hvsim_open_port(uint32_t connection, bool event)
{
	if (hvsim.nports < sizeof(hvsim.ports) / sizeof(hvsim.ports[0])) {
		hvsim.ports[hvsim.nports] = connection;
		hvsim.port_is_event[hvsim.nports++] = event;
	}
}

static bool port_open(uint32_t connection, bool event)
{
	for (unsigned i = 0; i < hvsim.nports; i++)
		if (hvsim.ports[i] == connection && hvsim.port_is_event[i] == event)
			return true;
	return false;
}

void hvsim_init(const struct hvsim_profile *p, const struct hvsim_platform *plat,
		uint64_t tsc_hz, uint64_t apic_hz)
{
	memset(&hvsim, 0, sizeof(hvsim));
	hvsim.prof = p;
	hvsim.plat = plat;
	hvsim.tsc_hz = tsc_hz;
	hvsim.apic_hz = apic_hz;
	hvsim.tsc0 = plat->rdtsc();
	for (int i = 0; i < 16; i++)
		hvsim.sint[i] = SIM_SINT_MASK_BIT;	/* reset value (2.1) */
	/* VMBus message connections (hv-core 6.2): 1, and 4 for 5.0+. */
	hvsim_open_port(1, false);
	if (!p->no_vmbus_conn4)
		hvsim_open_port(4, false);	/* PostMessage there fails 0x12 otherwise */
}

/* ---- CPUID ---------------------------------------------------------- */

void hvsim_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	const struct hvsim_profile *p = hvsim.prof;
	(void)sub;
	r[0] = r[1] = r[2] = r[3] = 0;
	if (leaf >= SIM_LEAF_VENDOR && hvsim.ncpuid_log < sizeof(hvsim.cpuid_log) / sizeof(hvsim.cpuid_log[0]))
		hvsim.cpuid_log[hvsim.ncpuid_log++] = leaf;
	if (p->not_hyperv) {
		if (leaf == 1)
			r[2] = 1u << 31;
		if (leaf == SIM_LEAF_VENDOR) {
			r[0] = SIM_LEAF_INTERFACE;
			memcpy(&r[1], "TCGT", 4);
			memcpy(&r[2], "CGTC", 4);
			memcpy(&r[3], "GTCG", 4);
		}
		return;
	}
	switch (leaf) {
	case 1:
		r[2] = 1u << 31;	/* hypervisor present */
		break;
	case SIM_LEAF_VENDOR:
		r[0] = p->max_leaf ? p->max_leaf : SIM_LEAF_HWFEATURES;
		memcpy(&r[1], "Micr", 4);
		memcpy(&r[2], "osof", 4);
		memcpy(&r[3], "t Hv", 4);
		break;
	case SIM_LEAF_INTERFACE:
		r[0] = p->signature ? p->signature : SIM_SIGNATURE_HV1;
		break;
	case SIM_LEAF_VERSION:
		if (hvsim.os_id) {	/* zeros until the guest identifies (1.1) */
			r[0] = p->build;
			r[1] = (uint32_t)p->major << 16 | p->minor;
		}
		break;
	case SIM_LEAF_FEATURES:
		r[0] = p->features_eax;
		r[1] = p->features_ebx;
		r[3] = p->features_edx;
		break;
	case SIM_LEAF_RECOMMEND:
		r[0] = p->recommend_eax;
		r[1] = 0xffffffffu;	/* never notify on spinlocks */
		break;
	case SIM_LEAF_LIMITS:
		r[0] = 1;
		r[1] = 1;
		break;
	}
}

/* ---- overlay pages (3.1, 4.1, 5.2) -------------------------------------- */

static const uint8_t hypercall_code[] = { 0x0f, 0x01, 0xc1, 0xc3 };	/* vmcall; ret */

bool hvsim_is_hypercall_page(uint64_t gpa)
{
	return hvsim.ov[HVSIM_OV_HYPERCALL].on && hvsim.ov[HVSIM_OV_HYPERCALL].gpa == gpa;
}

bool hvsim_any_overlay_on(void)
{
	for (int i = 0; i < HVSIM_NOV; i++)
		if (hvsim.ov[i].on)
			return true;
	return false;
}

/* An enabled overlay hides the RAM at its GPA; disabling or moving it
 * brings that RAM back unchanged (TLFS 3.13, "overlay"). */
void hvsim_overlay_set(int which, uint64_t v)
{
	struct hvsim_overlay *o = &hvsim.ov[which];
	bool on = v & SIM_PAGE_ON;
	uint64_t gpa = SIM_PAGE_ADDR(v);

	if (o->on && (!on || gpa != o->gpa)) {
		memcpy((void *)(uintptr_t)o->gpa, o->saved, sizeof(o->saved));
		o->on = false;
	}
	if (on && !o->on) {
		uint8_t *page = (uint8_t *)(uintptr_t)gpa;
		memcpy(o->saved, page, sizeof(o->saved));
		memset(page, 0, 4096);
		if (which == HVSIM_OV_HYPERCALL) {
			memset(page, 0xcc, 4096);	/* int3 beyond the stub */
			memcpy(page, hypercall_code, sizeof(hypercall_code));
		}
		o->gpa = gpa;
		o->on = true;
		if (which == HVSIM_OV_TSC)
			hvsim_tsc_page_update();
	}
}

/* ---- MSRs (2.1) --------------------------------------------------------- */

static bool in(uint32_t msr, uint32_t lo, uint32_t hi)
{
	return msr >= lo && msr <= hi;
}

/* Which privilege bit guards an MSR; 0 for unknown. */
static uint32_t guard(uint32_t msr)
{
	if (msr == SIM_MSR_OS_ID || msr == SIM_MSR_HYPERCALL)
		return SIM_PRIV_HYPERCALL;
	if (msr == SIM_MSR_VP_INDEX)
		return SIM_PRIV_VP_INDEX;
	if (msr == SIM_MSR_VP_RUNTIME)
		return SIM_PRIV_VP_RUNTIME;
	if (msr == SIM_MSR_RESET)
		return SIM_PRIV_RESET;
	if (msr == SIM_MSR_REF_COUNT)
		return SIM_PRIV_REF_COUNTER;
	if (msr == SIM_MSR_REF_TSC)
		return SIM_PRIV_REF_TSC;
	if (msr == SIM_MSR_TSC_FREQ || msr == SIM_MSR_APIC_FREQ)
		return SIM_PRIV_FREQUENCIES;
	if (in(msr, SIM_MSR_SCONTROL, SIM_MSR_EOM) || in(msr, SIM_MSR_SINT_FIRST, SIM_MSR_SINT_LAST))
		return SIM_PRIV_SYNIC;
	if (in(msr, SIM_MSR_STIMER_FIRST, SIM_MSR_STIMER_LAST))
		return SIM_PRIV_STIMER;
	return 0;
}

static bool crash_msr(uint32_t msr)
{
	return in(msr, SIM_MSR_CRASH_FIRST, SIM_MSR_CRASH_CTL);
}

static bool allowed(uint32_t msr, const char *op)
{
	if (crash_msr(msr)) {
		if (hvsim.prof->features_edx & SIM_FEAT_CRASH_MSRS)
			return true;
	} else {
		uint32_t g = guard(msr);
		if (g && hvsim_has(g) && (g != SIM_PRIV_FREQUENCIES ||
					  (hvsim.prof->features_edx & SIM_FEAT_FREQ_MSRS)))
			return true;
	}
	hvsim_gp("%s of MSR 0x%x, not offered by profile %s", op, msr, hvsim.prof->name);
	return false;
}

uint64_t hvsim_enter(void)
{
	return hvsim.plat->enter ? hvsim.plat->enter() : 0;
}

void hvsim_leave(uint64_t t)
{
	if (hvsim.plat->leave)
		hvsim.plat->leave(t);
}

uint64_t hvsim_rdmsr(uint32_t msr)
{
	uint64_t v = 0, t = hvsim_enter();
	hvsim_timers_run();
	if (!allowed(msr, "read"))
		goto out;
	switch (msr) {
	case SIM_MSR_OS_ID:
		v = hvsim.os_id;
		break;
	case SIM_MSR_HYPERCALL:
		v = hvsim.hypercall;
		break;
	case SIM_MSR_VP_INDEX:
	case SIM_MSR_RESET:
		v = 0;
		break;
	case SIM_MSR_VP_RUNTIME:
		/* 100 ns units the VP ran; the one VP never stops (2.1). */
		v = hvsim_ref_time();
		break;
	case SIM_MSR_TSC_FREQ:
		v = hvsim.tsc_hz;
		break;
	case SIM_MSR_APIC_FREQ:
		v = hvsim.apic_hz;
		break;
	case SIM_MSR_CRASH_CTL:
		v = SIM_CRASH_NOTIFY | SIM_CRASH_MESSAGE;	/* supported flags */
		break;
	default:
		if (crash_msr(msr))
			v = hvsim.crash_p[msr - SIM_MSR_CRASH_FIRST];
		else if (guard(msr) == SIM_PRIV_SYNIC)
			v = hvsim_synic_rdmsr(msr);
		else
			v = hvsim_timers_rdmsr(msr);
	}
out:
	hvsim_leave(t);
	return v;
}

static void log_write(uint32_t msr, uint64_t v)
{
	if (hvsim.nmsr_log < sizeof(hvsim.msr_log) / sizeof(hvsim.msr_log[0])) {
		hvsim.msr_val_log[hvsim.nmsr_log] = v;
		hvsim.msr_log[hvsim.nmsr_log++] = msr;
	}
}

static void write_hypercall_msr(uint64_t v)
{
	/* Locked (TLFS 3.13): the page cannot move and the lock stays until
	 * reset; only the enable bit may change, since clearing GUEST_OS_ID
	 * turns a locked page off too (2.2) and the guest must be able to
	 * turn it on again where it is. */
	if (hvsim.hypercall & SIM_PAGE_LOCKED) {
		if (((v | SIM_PAGE_LOCKED) & ~SIM_PAGE_ON) != (hvsim.hypercall & ~SIM_PAGE_ON)) {
			hvsim_gp("HYPERCALL MSR is locked");
			return;
		}
		v |= SIM_PAGE_LOCKED;
	}
	/* Without a guest OS id the enable bit does not stick (2.2). */
	if ((v & SIM_PAGE_ON) && hvsim.os_id == 0)
		v &= ~SIM_PAGE_ON;
	hvsim.hypercall = v;
	hvsim_overlay_set(HVSIM_OV_HYPERCALL, v);
}

static void crash_notify(uint64_t ctl)
{
	hvsim.crash_ctl = ctl;
	if (!(ctl & SIM_CRASH_NOTIFY))
		return;
	hvsim.crashed = true;
	hvsim.crash_reports++;
	hvsim.crash_msg[0] = 0;
	if (ctl & SIM_CRASH_MESSAGE) {
		uint64_t len = hvsim.crash_p[4];
		if (len > 4096)
			hvsim_gp("crash message of %llu bytes (at most 4096)",
				 (unsigned long long)len);
		if (len > sizeof(hvsim.crash_msg) - 1)
			len = sizeof(hvsim.crash_msg) - 1;
		if (hvsim.crash_p[3] && len)
			memcpy(hvsim.crash_msg, (const void *)(uintptr_t)hvsim.crash_p[3], len);
		hvsim.crash_msg[len] = 0;
	}
	if (hvsim.on_crash)
		hvsim.on_crash();
}

void hvsim_wrmsr(uint32_t msr, uint64_t v)
{
	uint64_t t = hvsim_enter();
	bool reset = false;
	hvsim_timers_run();
	log_write(msr, v);
	if (!allowed(msr, "write"))
		goto out;
	switch (msr) {
	case SIM_MSR_OS_ID:
		hvsim.os_id = v;
		/* Clearing the id disables the hypercall page, a locked one
		 * too (TLFS 2.6); the lock and the GPA stay. */
		if (v == 0 && (hvsim.hypercall & SIM_PAGE_ON)) {
			hvsim.hypercall &= ~SIM_PAGE_ON;
			hvsim_overlay_set(HVSIM_OV_HYPERCALL, hvsim.hypercall);
		}
		break;
	case SIM_MSR_HYPERCALL:
		write_hypercall_msr(v);
		break;
	case SIM_MSR_RESET:
		/* Bit 0 resets the whole partition (2.1), once we are out. */
		if (v & 1) {
			hvsim.resets++;
			reset = true;
		}
		break;
	case SIM_MSR_VP_INDEX:
	case SIM_MSR_VP_RUNTIME:
	case SIM_MSR_REF_COUNT:
	case SIM_MSR_TSC_FREQ:
	case SIM_MSR_APIC_FREQ:
		hvsim_gp("write to read-only MSR 0x%x", msr);
		break;
	case SIM_MSR_CRASH_CTL:
		crash_notify(v);
		break;
	default:
		if (crash_msr(msr))
			hvsim.crash_p[msr - SIM_MSR_CRASH_FIRST] = v;
		else if (guard(msr) == SIM_PRIV_SYNIC)
			hvsim_synic_wrmsr(msr, v);
		else
			hvsim_timers_wrmsr(msr, v);
	}
out:
	hvsim_leave(t);
	if (reset && hvsim.on_reset)
		hvsim.on_reset();
}

/* ---- hypercalls (3) ------------------------------------------------------ */

static uint16_t post_message(uint64_t control, uint64_t gpa)
{
	struct hvsim_posted m;

	if (control & SIM_HC_FAST)
		return SIM_ST_BAD_INPUT;	/* memory form only (3.6) */
	if (!(hvsim.prof->features_ebx & SIM_CALL_POST_MESSAGE))
		return SIM_ST_DENIED;
	if ((gpa & 7) || (gpa & 0xfff) + 256 > 4096)
		return SIM_ST_BAD_ALIGN;
	for (int i = 0; i < HVSIM_NOV; i++)
		if (hvsim.ov[i].on && SIM_PAGE_ADDR(gpa) == hvsim.ov[i].gpa)
			return SIM_ST_BAD_PARAM;	/* input on an overlay page */
	const uint8_t *in = (const uint8_t *)(uintptr_t)gpa;
	uint32_t reserved;
	memcpy(&m.connection, in + 0, 4);
	memcpy(&reserved, in + 4, 4);
	memcpy(&m.type, in + 8, 4);
	memcpy(&m.size, in + 12, 4);
	if (reserved || m.type == 0 || (m.type & 0x80000000u) || m.size == 0 || m.size > 240)
		return SIM_ST_BAD_PARAM;
	if (!port_open(m.connection, false))
		return SIM_ST_BAD_CONNECTION;
	memcpy(m.data, in + 16, m.size);
	hvsim.posted[hvsim.nposted++ % HVSIM_POSTED] = m;
	if (hvsim.on_post)
		hvsim.on_post(&m);
	return SIM_ST_OK;
}

static uint16_t signal_event(uint64_t control, uint64_t input)
{
	uint64_t v = input;
	if (!(control & SIM_HC_FAST)) {
		if ((input & 7) || (input & 0xfff) + 8 > 4096)
			return SIM_ST_BAD_ALIGN;
		memcpy(&v, (const void *)(uintptr_t)input, 8);
	}
	if (!(hvsim.prof->features_ebx & SIM_CALL_SIGNAL_EVENT))
		return SIM_ST_DENIED;
	uint32_t conn = (uint32_t)v;
	uint32_t flag = (uint32_t)(v >> 32) & 0xffff;
	if ((v >> 48) || flag >= 2048)
		return SIM_ST_BAD_PARAM;
	if (!port_open(conn, true))
		return SIM_ST_BAD_CONNECTION;
	hvsim.signals++;
	hvsim.last_signal = v;
	if (hvsim.on_signal)
		hvsim.on_signal(conn, (uint16_t)flag);
	return SIM_ST_OK;
}

/* Neither call is a rep call or takes a variable header (3.6). */
static const struct {
	uint16_t code;
	uint16_t (*fn)(uint64_t control, uint64_t input);
} calls[] = {
	{ SIM_CALL_POSTMSG, post_message },
	{ SIM_CALL_SIGNAL, signal_event },
};

/* The control word's own rules (TLFS 3.7): reserved bits, a variable
 * header on a call without one, a rep count or a rep start index on a
 * non-rep call are all INVALID_HYPERCALL_INPUT. */
static bool control_ok(uint64_t control)
{
	return !(control & SIM_HC_RESERVED) && SIM_HC_VARHDR(control) == 0 &&
	       SIM_HC_REP_COUNT(control) == 0 && SIM_HC_REP_START(control) == 0;
}

uint64_t hvsim_hypercall(uint64_t control, uint64_t rdx, uint64_t r8)
{
	uint64_t t = hvsim_enter();
	uint16_t st = SIM_ST_BAD_CODE;
	(void)r8;
	hvsim_timers_run();
	hvsim.hypercalls++;
	if (!control_ok(control)) {
		st = SIM_ST_BAD_INPUT;
	} else {
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			if (calls[i].code == SIM_HC_CODE(control))
				st = calls[i].fn(control, rdx);
	}
	hvsim_leave(t);
	return st;
}
