/* hv_host.h - the host-test kernel stubs and emulator platform (hv_host.c). */
#ifndef HV_HOST_H
#define HV_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "../../hv/hv.h"
#include "../../hv/hv_seam.h"
#include "../../kernel/kernel.h"
#include "../../kernel/trap.h"
#include "../hvsim/hvsim.h"

#define HOST_TSC_HZ	2500000000ull
#define HOST_APIC_HZ	200000000ull

struct host {
	uint64_t tsc;
	uint64_t rdtsc_reads;
	void (*on_rdtsc)(void);	/* runs inside each TSC read (races) */
	uint64_t armed;
	uint64_t pages_alloc, pages_freed;
	uint64_t exec_page;
	struct {
		trap_handler fn;
		void *ctx;
		bool needs_eoi;
	} vec[256];
	uint64_t irqs[256];
	uint8_t pending[32];
	bool pending_aeoi[32];
	unsigned npending;
	bool in_irq;
	uint64_t unhandled, guest_eois, double_eoi, missing_eoi, bad_hypercalls;
	const struct time_platform *platform;
	void (*power_hook)(void);
	char log[65536];
};

extern struct host host;

void host_reset(const struct hvsim_profile *p);
void host_advance_ns(uint64_t ns);
void host_run_pending(void);

#endif
