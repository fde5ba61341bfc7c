/*
 * hvsim.h - the emulated Hyper-V host: a model of the hypervisor surface
 * (CPUID, synthetic MSRs, overlay pages, hypercalls, SynIC messages and
 * events, reference time, synthetic timers, crash MSRs) that the guest's
 * hv/ code runs against where there is no Hyper-V.
 *
 * It runs in two places, through struct hvsim_platform: host unit tests
 * (guest memory is the test's own, interrupts are calls) and a test build
 * of the kernel under QEMU (tests/hvsim/kglue.c: interrupts are LAPIC
 * self-IPIs, hypercalls trap as #UD on the page's VMCALL).
 *
 * Files: core.c (profiles, CPUID, MSRs, overlays, hypercalls), synic.c
 * (message queues, EOM, events), timers.c (reference time, TSC page,
 * stimers).  A VMBus host and device back-ends will sit beside them.
 */
#ifndef HVSIM_H
#define HVSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hvsim_profile {
	const char *name;
	bool not_hyperv;	/* answer CPUID like QEMU's software CPU */
	uint32_t features_eax, features_ebx, features_edx, recommend_eax;
	uint32_t build;
	uint16_t major, minor;
	/* Leaf 0x40000000 EAX and leaf 0x40000001 EAX; 0 means what a
	 * Microsoft hypervisor answers (0x40000006, "Hv#1"). */
	uint32_t max_leaf, signature;
	uint32_t vmbus_version;	/* newest VMBus version its host speaks; 0 none */
	bool no_vmbus_conn4;	/* no message connection 4 (hosts before 5.0) */
};
extern const struct hvsim_profile hvsim_profile_current;	/* recent Hyper-V */
extern const struct hvsim_profile hvsim_profile_old;	/* no direct timers, freq MSRs, TSC page */
extern const struct hvsim_profile hvsim_profile_older;	/* old, with VMBus 3.0 */
extern const struct hvsim_profile hvsim_profile_tcg;	/* a hypervisor, but not Hv#1 */
const struct hvsim_profile *hvsim_profile_by_name(const char *name);

struct hvsim_platform {
	uint64_t (*rdtsc)(void);
	/* Deliver vector to the guest; auto_eoi: the "hypervisor" EOIs. */
	void (*raise)(uint8_t vector, bool auto_eoi);
	/* Call hvsim_poll() once reference time reaches 'when' (100 ns);
	 * 0 cancels. */
	void (*arm)(uint64_t when);
	void (*log)(const char *line);
	/* Keep the guest's interrupts out while the emulator runs. */
	uint64_t (*enter)(void);
	void (*leave)(uint64_t token);
};

struct vbh_host;
struct admin;
struct wcache;

#define HVSIM_QUEUE	32
#define HVSIM_POSTED	16

struct hvsim_msg {
	uint32_t type;
	uint8_t size;
	uint64_t origin;
	uint8_t data[240];
};

struct hvsim_overlay {
	bool on;
	uint64_t gpa;
	uint8_t saved[4096];	/* the RAM the overlay hides */
};

enum { HVSIM_OV_HYPERCALL, HVSIM_OV_TSC, HVSIM_OV_SIMP, HVSIM_OV_SIEFP, HVSIM_NOV };

struct hvsim_posted {
	uint32_t connection, type, size;
	uint8_t data[240];
};

struct hvsim {
	const struct hvsim_profile *prof;
	const struct hvsim_platform *plat;
	uint64_t tsc_hz, apic_hz;
	uint64_t tsc0;			/* TSC at partition creation */

	/* partition and VP registers */
	uint64_t os_id, hypercall, ref_tsc, scontrol, simp, siefp;
	uint64_t sint[16];
	uint64_t stimer_config[4], stimer_count[4], stimer_due[4];
	uint64_t crash_p[5], crash_ctl;
	struct hvsim_overlay ov[HVSIM_NOV];
	bool tsc_page_invalid;		/* fault injection: sequence 0 */

	/* SynIC: messages waiting for their slot, per SINT */
	struct hvsim_msg queue[16][HVSIM_QUEUE];
	unsigned qhead[16], qlen[16];

	/* what the guest did */
	struct hvsim_posted posted[HVSIM_POSTED];
	unsigned nposted;		/* total; ring of HVSIM_POSTED */
	uint64_t signals, last_signal;	/* connection | flag << 32 */
	uint64_t hypercalls, eoms, deliveries, auto_eois, timer_fires, ref_count_reads;
	uint64_t gp_faults;		/* accesses real Hyper-V would #GP */
	uint64_t aeoi_against_advice;	/* AutoEOI set though deprecated */
	uint32_t ports[24];		/* open connection ids */
	bool port_is_event[24];
	unsigned nports;
	uint32_t msr_log[64];		/* first writes, in order */
	uint64_t msr_val_log[64];	/* the values they wrote */
	unsigned nmsr_log;
	uint32_t cpuid_log[32];		/* first hypervisor leaves read, in order */
	unsigned ncpuid_log;
	bool crashed;
	unsigned crash_reports;		/* CRASH_CTL writes with CrashNotify */
	unsigned resets;		/* RESET MSR writes with bit 0 */
	char crash_msg[4097];		/* P4 is at most 4096 bytes (2.5) */

	/* test hooks */
	void (*on_post)(const struct hvsim_posted *m);
	void (*on_signal)(uint32_t connection, uint16_t flag);
	void (*on_crash)(void);
	void (*on_reset)(void);		/* the platform resets the machine */
	/* The host's own timed work (VMBus back-ends, the administrator
	 * console): when it is next due (100 ns reference time, 0 none), and
	 * the call that does it, from the timer and at every trap. */
	uint64_t (*host_due)(void);
	void (*on_host_timer)(uint64_t now);

	/* The host's other parts (its VMBus server and back-ends, the
	 * administrator console), reached from here rather than through
	 * pointers of their own: in the test kernel this struct is in the
	 * host's memory, while a variable of the kernel image would come
	 * back from a hibernation image with the hibernated boot's value. */
	struct vbh_host *vbh;
	struct admin *admin;
	struct wcache *wcache;		/* the host disks' cache (wcache.h), for admin */
};

/* The emulator's whole state: the host's memory.  Defined by the
 * platform: host unit tests keep an ordinary global (hv_host.c); the
 * test kernel puts it at the fixed address of a region that is never the
 * guest's RAM (kglue.c, kernel/memres.h), so a resumed guest meets the
 * host of the boot it resumed on, not the one it hibernated on. */
extern struct hvsim hvsim;

void hvsim_init(const struct hvsim_profile *p, const struct hvsim_platform *plat,
		uint64_t tsc_hz, uint64_t apic_hz);

/* The guest's view (the seam lands here). */
void hvsim_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);
uint64_t hvsim_rdmsr(uint32_t msr);
void hvsim_wrmsr(uint32_t msr, uint64_t v);
uint64_t hvsim_hypercall(uint64_t control, uint64_t rdx, uint64_t r8);
bool hvsim_is_hypercall_page(uint64_t gpa);

/* The host's actions. */
void hvsim_open_port(uint32_t connection, bool event);
int hvsim_post(unsigned sint, uint32_t type, const void *data, uint8_t size);
int hvsim_signal_guest(unsigned sint, unsigned flag);
void hvsim_poll(void);
void hvsim_rearm(void);
uint64_t hvsim_ref_time(void);
bool hvsim_any_overlay_on(void);
bool hvsim_sint_masked(unsigned sint);

/* Internal, between the hvsim files. */
uint64_t hvsim_enter(void);
void hvsim_leave(uint64_t token);
int hvsim_queue(unsigned sint, uint32_t type, const void *data, uint8_t size);
void hvsim_gp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hvsim_overlay_set(int which, uint64_t msr_value);
void hvsim_synic_wrmsr(uint32_t msr, uint64_t v);
uint64_t hvsim_synic_rdmsr(uint32_t msr);
void hvsim_deliver(unsigned sint);
void hvsim_timers_wrmsr(uint32_t msr, uint64_t v);
void hvsim_timers_run(void);
uint64_t hvsim_timers_rdmsr(uint32_t msr);
void hvsim_tsc_page_update(void);
bool hvsim_has(uint32_t eax_bits);

#endif
