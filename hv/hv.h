/*
 * hv.h - dormant's Hyper-V platform layer: detection, hypercalls, SynIC,
 * reference clock, synthetic timer tick, crash reporting, teardown.
 *
 * One root object, 'hv', holds everything negotiated with the hypervisor;
 * hv_init() fills it at boot and hv_teardown() returns the hypervisor's
 * state (overlay pages, SynIC, timers) to what it was before us.
 * Hibernation (kernel/pm.h) suspends the layer: the same as a teardown
 * for the hypervisor, but the pages, vectors and handlers stay ours, so
 * that resume brings the layer back as it was, in the same boot or in a
 * kernel restored from an image (a fresh hypervisor, maybe other
 * features: the clock and tick choices are made again).
 */
#ifndef DORMANT_HV_H
#define DORMANT_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_tlfs.h"

#define HV_SINT_VMBUS	2	/* VMBus messages and events (hv-core 6.1) */
#define HV_SINT_TIMER	3	/* synthetic timer messages (not SINT0: 2.4) */

/* OS type in GUEST_OS_ID: not allocated by Microsoft (2.2 allows any
 * non-zero value until one is); chosen to be distinct from the allocated
 * ones (1-4). */
#define HV_OS_TYPE_DORMANT	0x64	/* 'd' */
#define HV_OS_VERSION		0x000100	/* 0.1.0 */

/* Errors of this layer: hypercall statuses are passed through (3.5),
 * local failures use values the hypervisor never returns. */
#define HV_E_NOT_PRESENT	0x10000
#define HV_E_TOO_BIG		0x10001

typedef void (*hv_msg_handler)(const struct hv_message *msg, void *ctx);
typedef void (*hv_event_handler)(unsigned flag, void *ctx);

struct hv_sint {
	uint8_t vector;
	bool enabled;
	hv_msg_handler on_message;
	hv_event_handler on_event;
	void *ctx;
	uint64_t messages, events, dropped;
};

struct hv {
	bool present;
	bool suspended;		/* hv.c: overlays off for hibernation */
	/* detect.c: CPUID 0x40000000-0x40000006 */
	uint32_t max_leaf;
	char vendor[13];
	uint32_t build, version_major, version_minor, service_pack;
	uint32_t features_eax, features_ebx, features_edx;
	uint32_t recommend_eax;
	uint32_t max_vps;
	/* hypercall.c */
	uint64_t guest_os_id;
	uint64_t firmware_os_id;	/* non-zero value found at boot */
	uint8_t *hypercall_page;	/* NULL while suspended */
	bool hypercall_page_ours;	/* false: firmware's locked page */
	uint64_t kept_hypercall;	/* our page while suspended */
	struct hv_post_message_input *input;	/* hypercall input page */
	uint64_t hypercalls;
	/* synic.c */
	struct hv_message *simp;	/* NULL while suspended */
	uint8_t *siefp;
	uint64_t kept_simp, kept_siefp;	/* the pages while suspended */
	bool auto_eoi;
	struct hv_sint sint[HV_SINT_COUNT];
	/* clock.c */
	struct hv_tsc_page *tsc_page;	/* NULL while suspended */
	uint64_t kept_tsc;		/* the page while suspended */
	uint64_t tsc_hz, apic_hz;	/* 0 when not offered */
	/* stimer.c */
	bool stimer_on, stimer_direct;
	uint8_t stimer_vector;		/* direct mode's, 0 when none */
	uint32_t stimer_hz;		/* the tick's rate; 0 when not the tick */
	void (*tick_fn)(void);
	uint64_t stimer_ticks;
	/* crash.c */
	bool crash_msrs;
	uint64_t crash_caps;
	char *crash_page;
};

extern struct hv hv;

/* detect.c: hv_detect fills h->vendor for any hypervisor, even one
 * without the Hv#1 interface; the version leaf needs a guest OS id first. */
bool hv_detect(struct hv *h);
void hv_read_features(struct hv *h);
void hv_read_version(struct hv *h);
bool hv_has(uint32_t eax_bits, uint32_t ebx_bits, uint32_t edx_bits);

/* hypercall.c */
uint64_t hv_make_guest_os_id(void);
int hv_hypercall_init(void);
void hv_hypercall_teardown(void);
void hv_hypercall_suspend(void);
int hv_hypercall_resume(void);
uint64_t hv_hypercall(uint64_t control, uint64_t input, uint64_t output);
/* HvCallPostMessage and HvCallSignalEvent (3.6); return an HV_STATUS_* or HV_E_*. */
int hv_post_message(uint32_t connection_id, uint32_t type, const void *payload, size_t len);
int hv_signal_event(uint32_t connection_id, uint16_t flag);
const char *hv_status_name(int status);

/* synic.c */
int hv_synic_init(void);
void hv_synic_teardown(void);
void hv_synic_suspend(void);
void hv_synic_resume(void);
/* Handlers run in interrupt context with a private copy of the message. */
void hv_sint_register(unsigned sint, hv_msg_handler m, hv_event_handler e, void *ctx);
/* The interrupt handler's work for one SINT (exposed for host tests). */
void hv_sint_service(unsigned sint);

/* clock.c */
uint64_t hv_ref_time_from_page(const struct hv_tsc_page *p, uint64_t tsc, bool *valid);
uint64_t hv_ref_time(void);	/* 100 ns units */
uint64_t hv_clock_ns(void);
void hv_clock_init(void);
void hv_clock_teardown(void);
void hv_clock_suspend(void);
void hv_clock_resume(void);

/* stimer.c */
bool hv_stimer_start(uint32_t hz, void (*fn)(void));
void hv_stimer_stop(void);
/* Suspend keeps the rate, function and vector; resume starts the tick
 * again if it was on (false: it cannot, the hypervisor lacks the timer). */
void hv_stimer_suspend(void);
bool hv_stimer_resume(void);

/* crash.c */
void hv_crash_init(void);
void hv_crash_report(const char *msg);
void hv_crash_teardown(void);
void hv_crash_resume(void);

/* hv.c: hv_init runs as an INIT_PLATFORM initcall and registers the
 * layer's suspend and resume (pm ops "hv"). */
void hv_init(void);
void hv_teardown(void);
int hv_suspend(void);
void hv_resume(bool restored);

#endif
