/*
 * synic.c - the emulated SynIC: SCONTROL, SIMP/SIEFP overlays, SINTs,
 * message queues with slot delivery, MessagePending and End-Of-Message,
 * and event flags.  shared/docs/hv-core-protocol.md 4 (TLFS 11).
 *
 * Delivery rule (4.4): a message goes into its SINT's slot only when the
 * slot is empty; the rest wait here.  When more wait, the slot's
 * MessagePending flag is set and the guest must write EOM to get the next.
 * A masked SINT loses the interrupt, not the message: the slot is filled
 * all the same (TLFS 11.8 lets EOM drain the queue of a masked SINT; KVM
 * writes the slot regardless of the mask).  Only a disabled SynIC or
 * message page holds messages here.
 */
#include <string.h>

#include "hvsim.h"
#include "hvsim_defs.h"

static uint8_t *slot(unsigned sint)
{
	return (uint8_t *)(uintptr_t)(hvsim.ov[HVSIM_OV_SIMP].gpa + sint * SIM_SLOT_BYTES);
}

/* Setting Polling unmasks a SINT (TLFS 11.8): its messages and flags
 * arrive, only the interrupt is never raised. */
bool hvsim_sint_masked(unsigned sint)
{
	return (hvsim.sint[sint] & SIM_SINT_MASK_BIT) && !(hvsim.sint[sint] & SIM_SINT_POLL_BIT);
}

static void interrupt(unsigned sint)
{
	if (!(hvsim.scontrol & 1) || hvsim_sint_masked(sint) ||
	    (hvsim.sint[sint] & SIM_SINT_POLL_BIT))
		return;
	bool aeoi = hvsim.sint[sint] & SIM_SINT_AEOI_BIT;
	if (aeoi)
		hvsim.auto_eois++;
	hvsim.plat->raise(SIM_SINT_VECTOR(hvsim.sint[sint]), aeoi);
}

void hvsim_deliver(unsigned sint)
{
	if (!hvsim.qlen[sint] || !hvsim.ov[HVSIM_OV_SIMP].on || !(hvsim.scontrol & 1))
		return;
	uint8_t *s = slot(sint);
	uint32_t type;
	memcpy(&type, s + SIM_SLOT_TYPE_OFF, 4);
	if (type != 0) {
		s[SIM_SLOT_FLAGS_OFF] |= SIM_SLOT_PENDING;	/* guest owes an EOM */
		return;
	}
	struct hvsim_msg *m = &hvsim.queue[sint][hvsim.qhead[sint]];
	hvsim.qhead[sint] = (hvsim.qhead[sint] + 1) % HVSIM_QUEUE;
	hvsim.qlen[sint]--;
	memcpy(s + SIM_SLOT_DATA_OFF, m->data, m->size);
	s[SIM_SLOT_SIZE_OFF] = m->size;
	s[SIM_SLOT_FLAGS_OFF] = hvsim.qlen[sint] ? SIM_SLOT_PENDING : 0;
	memcpy(s + SIM_SLOT_ORIGIN_OFF, &m->origin, 8);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n((uint32_t *)(s + SIM_SLOT_TYPE_OFF), m->type, __ATOMIC_RELEASE);
	hvsim.deliveries++;
	interrupt(sint);
}

int hvsim_queue(unsigned sint, uint32_t type, const void *data, uint8_t size)
{
	if (sint >= 16 || size > SIM_SLOT_DATA_MAX || type == 0)
		return -1;
	if (hvsim.qlen[sint] == HVSIM_QUEUE)
		return -1;
	struct hvsim_msg *m = &hvsim.queue[sint][(hvsim.qhead[sint] + hvsim.qlen[sint]) % HVSIM_QUEUE];
	m->type = type;
	m->size = size;
	m->origin = 0;
	memcpy(m->data, data, size);
	hvsim.qlen[sint]++;
	hvsim_deliver(sint);
	return 0;
}

int hvsim_post(unsigned sint, uint32_t type, const void *data, uint8_t size)
{
	uint64_t t = hvsim_enter();
	int r = hvsim_queue(sint, type, data, size);
	hvsim_leave(t);
	return r;
}

int hvsim_signal_guest(unsigned sint, unsigned flag)
{
	if (sint >= 16 || flag >= SIM_FLAG_AREA_BYTES * 8 || !hvsim.ov[HVSIM_OV_SIEFP].on)
		return -1;
	uint64_t t = hvsim_enter();
	uint8_t *area = (uint8_t *)(uintptr_t)(hvsim.ov[HVSIM_OV_SIEFP].gpa + sint * SIM_FLAG_AREA_BYTES);
	__atomic_fetch_or(&area[flag / 8], (uint8_t)(1u << (flag % 8)), __ATOMIC_SEQ_CST);
	interrupt(sint);
	hvsim_leave(t);
	return 0;
}

static void deliver_all(void)
{
	for (unsigned i = 0; i < 16; i++)
		hvsim_deliver(i);
}

uint64_t hvsim_synic_rdmsr(uint32_t msr)
{
	switch (msr) {
	case SIM_MSR_SCONTROL:
		return hvsim.scontrol;
	case SIM_MSR_SVERSION:
		return 1;
	case SIM_MSR_SIEFP:
		return hvsim.siefp;
	case SIM_MSR_SIMP:
		return hvsim.simp;
	case SIM_MSR_EOM:
		return 0;	/* reads return zero (TLFS 11.8), not #GP */
	default:
		return hvsim.sint[msr - SIM_MSR_SINT_FIRST];
	}
}

void hvsim_synic_wrmsr(uint32_t msr, uint64_t v)
{
	switch (msr) {
	case SIM_MSR_SCONTROL:
		hvsim.scontrol = v;
		deliver_all();
		break;
	case SIM_MSR_SVERSION:
		hvsim_gp("write to read-only SVERSION");
		break;
	case SIM_MSR_SIEFP:
		hvsim.siefp = v;
		hvsim_overlay_set(HVSIM_OV_SIEFP, v);
		break;
	case SIM_MSR_SIMP:
		hvsim.simp = v;
		hvsim_overlay_set(HVSIM_OV_SIMP, v);
		deliver_all();
		break;
	case SIM_MSR_EOM:
		hvsim.eoms++;
		deliver_all();
		break;
	default: {
		unsigned n = msr - SIM_MSR_SINT_FIRST;
		if (!(v & SIM_SINT_MASK_BIT) && SIM_SINT_VECTOR(v) < 16) {
			hvsim_gp("SINT%u unmasked with vector %u (< 16)", n, SIM_SINT_VECTOR(v));
			return;
		}
		if ((v & SIM_SINT_AEOI_BIT) && (hvsim.prof->recommend_eax & SIM_REC_NO_AUTO_EOI))
			hvsim.aeoi_against_advice++;
		hvsim.sint[n] = v;
		hvsim_deliver(n);
	}
	}
}
