/*
 * synic.c - the synthetic interrupt controller: message and event-flag
 * pages, SINT programming, the message-slot protocol with End-Of-Message,
 * and dispatch to the handler registered for each SINT.
 * hv-core-protocol.md 4 (TLFS 11).
 *
 * Everything in the two pages is written by the host: a slot's header and
 * payload are copied out before they are checked, and a message that does
 * not fit the slot is reported and dropped.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "../kernel/trap.h"
#include "hv.h"
#include "hv_seam.h"

/* The SINTs dormant programs; everything else stays masked. */
static const unsigned used_sints[] = { HV_SINT_VMBUS, HV_SINT_TIMER };

static void sint_isr(struct trap_frame *f, void *ctx)
{
	(void)f;
	hv_sint_service((unsigned)(uintptr_t)ctx);
}

void hv_sint_register(unsigned sint, hv_msg_handler m, hv_event_handler e, void *ctx)
{
	hv.sint[sint].ctx = ctx;
	hv.sint[sint].on_message = m;
	hv.sint[sint].on_event = e;
}

/* 4.4: copy out, free the slot, barrier, then EOM if more is queued. */
static void service_message(unsigned sint, struct hv_sint *s)
{
	volatile struct hv_message *slot = (volatile struct hv_message *)&hv.simp[sint];
	struct hv_message copy;

	copy.header.message_type = slot->header.message_type;
	if (copy.header.message_type == HVMSG_NONE)
		return;
	copy.header.payload_size = slot->header.payload_size;
	copy.header.message_flags = slot->header.message_flags;
	copy.header.origin = slot->header.origin;
	uint8_t size = copy.header.payload_size;
	bool fits = size <= HV_MESSAGE_PAYLOAD_MAX;
	if (fits)
		memcpy(copy.payload, (const void *)slot->payload, size);

	slot->header.message_type = HVMSG_NONE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (slot->header.message_flags & HV_MSG_FLAG_PENDING)
		hv_wrmsr(HV_MSR_EOM, 0);

	if (!fits) {
		kprintf("hv: SINT%u: message type 0x%x claims %u payload bytes (max %u); dropped\n",
			sint, copy.header.message_type, size, HV_MESSAGE_PAYLOAD_MAX);
		s->dropped++;
		return;
	}
	s->messages++;
	if (s->on_message)
		s->on_message(&copy, s->ctx);
	else
		s->dropped++;
}

/* 4.3: take each word's bits with one atomic exchange, then handle them. */
static void service_events(unsigned sint, struct hv_sint *s)
{
	uint64_t *area = (uint64_t *)(hv.siefp + (size_t)sint * HV_EVENT_FLAGS_BYTES);

	for (unsigned w = 0; w < HV_EVENT_FLAGS_BYTES / 8; w++) {
		if (!__atomic_load_n(&area[w], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&area[w], 0, __ATOMIC_SEQ_CST);
		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			s->events++;
			if (s->on_event)
				s->on_event(w * 64 + b, s->ctx);
		}
	}
}

void hv_sint_service(unsigned sint)
{
	struct hv_sint *s = &hv.sint[sint];
	if (!hv.simp || sint >= HV_SINT_COUNT)
		return;
	service_message(sint, s);
	service_events(sint, s);
}

static uint64_t overlay_value(uint32_t msr, uint64_t page)
{
	return page | (hv_rdmsr(msr) & HV_OVERLAY_RESERVED_MASK) | HV_OVERLAY_ENABLE;
}

/* SINTs on with the vector each one has (allocated the first time), and
 * the SynIC on (2.3, 4.1).  With AutoEOI the hypervisor EOIs at delivery. */
static void program_sints(void)
{
	hv.auto_eoi = !(hv.recommend_eax & HV_DEPRECATING_AEOI);
	for (size_t i = 0; i < ARRAY_SIZE(used_sints); i++) {
		unsigned n = used_sints[i];
		struct hv_sint *s = &hv.sint[n];
		if (!s->vector)
			s->vector = irq_alloc_vector(sint_isr, (void *)(uintptr_t)n);
		irq_set_handler(s->vector, sint_isr, (void *)(uintptr_t)n);
		irq_set_eoi(s->vector, !hv.auto_eoi);
		uint64_t v = hv_rdmsr(HV_MSR_SINT0 + n);
		v &= ~(HV_SINT_VECTOR_MASK | HV_SINT_MASKED | HV_SINT_AUTO_EOI | HV_SINT_POLLING);
		v |= s->vector | (hv.auto_eoi ? HV_SINT_AUTO_EOI : 0);
		hv_wrmsr(HV_MSR_SINT0 + n, v);
		s->enabled = true;
	}
	hv_wrmsr(HV_MSR_SCONTROL, hv_rdmsr(HV_MSR_SCONTROL) | HV_SCONTROL_ENABLE);
}

/* Mask what is enabled, SynIC off, both overlays off (the reverse). */
static void unprogram(void)
{
	for (unsigned n = 0; n < HV_SINT_COUNT; n++) {
		struct hv_sint *s = &hv.sint[n];
		if (!s->enabled)
			continue;
		hv_wrmsr(HV_MSR_SINT0 + n, hv_rdmsr(HV_MSR_SINT0 + n) | HV_SINT_MASKED);
		s->enabled = false;
	}
	hv_wrmsr(HV_MSR_SCONTROL, hv_rdmsr(HV_MSR_SCONTROL) & ~HV_SCONTROL_ENABLE);
	hv_wrmsr(HV_MSR_SIEFP, hv_rdmsr(HV_MSR_SIEFP) & ~HV_OVERLAY_ENABLE);
	hv_wrmsr(HV_MSR_SIMP, hv_rdmsr(HV_MSR_SIMP) & ~HV_OVERLAY_ENABLE);
}

static void map_pages(uint64_t simp, uint64_t siefp)
{
	hv.simp = (struct hv_message *)(uintptr_t)simp;
	hv.siefp = (uint8_t *)(uintptr_t)siefp;
	hv_wrmsr(HV_MSR_SIMP, overlay_value(HV_MSR_SIMP, simp));
	hv_wrmsr(HV_MSR_SIEFP, overlay_value(HV_MSR_SIEFP, siefp));
}

int hv_synic_init(void)
{
	if (!hv_has(HV_MSR_SYNIC_AVAILABLE, 0, 0))
		return HV_E_NOT_PRESENT;
	map_pages(page_alloc(1, FRAME_VOLATILE), page_alloc(1, FRAME_VOLATILE));
	program_sints();
	return HV_STATUS_SUCCESS;
}

void hv_synic_teardown(void)
{
	if (hv.simp) {
		unprogram();
		page_free((uint64_t)(uintptr_t)hv.simp, 1);
		page_free((uint64_t)(uintptr_t)hv.siefp, 1);
	} else if (hv.kept_simp) {
		page_free(hv.kept_simp, 1);	/* suspended: already off */
		page_free(hv.kept_siefp, 1);
	} else {
		return;
	}
	for (unsigned n = 0; n < HV_SINT_COUNT; n++) {
		struct hv_sint *s = &hv.sint[n];
		if (!s->vector)
			continue;
		irq_set_handler(s->vector, NULL, NULL);
		irq_set_eoi(s->vector, true);
		s->vector = 0;
	}
	hv.simp = NULL;
	hv.siefp = NULL;
	hv.kept_simp = hv.kept_siefp = 0;
}

/* Hibernation: as teardown, but the pages (volatile frames, never in an
 * image), the vectors and the registered handlers stay, so that resume
 * programs the same SINTs again.  hv.simp goes NULL: nothing reads the
 * pages while they are plain RAM (after a restore, whatever was there). */
void hv_synic_suspend(void)
{
	if (!hv.simp)
		return;
	unprogram();
	hv.kept_simp = (uint64_t)(uintptr_t)hv.simp;
	hv.kept_siefp = (uint64_t)(uintptr_t)hv.siefp;
	hv.simp = NULL;
	hv.siefp = NULL;
}

/* The same GPAs, cleared first: a restore leaves the frames' contents
 * undefined, and a stale message type or event bit must not look like
 * the new host's (4.2, 4.3).  AutoEOI is chosen again (the hypervisor's
 * recommendation may differ after a restore). */
void hv_synic_resume(void)
{
	uint64_t simp = hv.kept_simp, siefp = hv.kept_siefp;
	if (!simp)
		return;
	hv.kept_simp = hv.kept_siefp = 0;
	if (!hv_has(HV_MSR_SYNIC_AVAILABLE, 0, 0)) {
		kprintf("hv: resume: the hypervisor offers no SynIC now: no VMBus, no timer "
			"messages\n");
		page_free(simp, 1);
		page_free(siefp, 1);
		return;
	}
	memset((void *)(uintptr_t)simp, 0, PAGE_SIZE);
	memset((void *)(uintptr_t)siefp, 0, PAGE_SIZE);
	map_pages(simp, siefp);
	program_sints();
}
