/*
 * reftimer.c - a fixed-frequency reference to calibrate the TSC and the
 * local APIC timer against: the HPET when ACPI describes one (IA-PC HPET
 * 1.0a, 2.3: GCAP_ID period in femtoseconds, main counter at 0xf0), else
 * the ACPI PM timer (ACPI 6.x 4.8.3.3: 3.579545 MHz, 24 or 32 bits).
 * Hyper-V Gen2 VMs have neither; hv/ supplies frequencies there.
 */
#include "cpu.h"
#include "kernel.h"

#define HPET_GCAP_ID		0x000
#define HPET_GEN_CONF		0x010
#define HPET_MAIN_COUNTER	0x0f0
#define HPET_GCAP_64BIT		(1ull << 13)
#define HPET_ENABLE_CNF		1ull
#define PMTMR_HZ		3579545ull
#define FS_PER_NS		1000000ull

static struct {
	uint64_t (*read)(void);
	uint64_t mask;
	uint64_t fs_per_tick;	/* femtoseconds a tick */
	uint64_t last;
	uint64_t acc_fs;
} ref;

static volatile uint64_t *hpet;

static uint64_t hpet_read(void)
{
	return hpet[HPET_MAIN_COUNTER / 8];
}

static uint64_t pmtmr_read(void)
{
	return inl((uint16_t)acpi.pm_tmr_port);
}

const char *reftimer_init(void)
{
	if (acpi.hpet_base) {
		paging_map_mmio(acpi.hpet_base, PAGE_SIZE);
		hpet = (volatile uint64_t *)(uintptr_t)acpi.hpet_base;
		uint64_t cap = hpet[HPET_GCAP_ID / 8];
		uint64_t period = cap >> 32;
		if (period && period <= 100000000ull) {	/* spec: at most 100 ns */
			hpet[HPET_GEN_CONF / 8] |= HPET_ENABLE_CNF;
			ref.read = hpet_read;
			ref.mask = (cap & HPET_GCAP_64BIT) ? ~0ull : 0xffffffffull;
			ref.fs_per_tick = period;
		}
	}
	if (!ref.read && acpi.pm_tmr_port) {
		ref.read = pmtmr_read;
		ref.mask = acpi.pm_tmr_32bit ? 0xffffffffull : 0xffffffull;
		ref.fs_per_tick = 1000000000000000ull / PMTMR_HZ;
	}
	if (!ref.read)
		return NULL;
	ref.last = ref.read() & ref.mask;
	return ref.read == hpet_read ? "hpet" : "pm timer";
}

/* Monotonic nanoseconds; call at least once per counter wrap (seconds). */
uint64_t reftimer_read_ns(void)
{
	uint64_t now = ref.read() & ref.mask;
	ref.acc_fs += ((now - ref.last) & ref.mask) * ref.fs_per_tick;
	ref.last = now;
	return ref.acc_fs / FS_PER_NS;
}
