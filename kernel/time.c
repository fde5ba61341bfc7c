/*
 * time.c - kernel time: a clock (nanoseconds since kernel entry) and a
 * periodic tick.
 *
 * On bare hardware the clock is the TSC and the tick the local APIC timer,
 * both calibrated once against the HPET or the ACPI PM timer (reftimer.c).
 * A platform layer (hv/ on Hyper-V) may register frequencies, a reference
 * clock and a tick source instead (struct time_platform); when it offers a
 * clock but no frequencies, the TSC is calibrated against that clock.  The
 * TSC conversion is a 32.32 fixed-point multiply: reading never divides.
 */
#include <stdlib.h>

#include "cpu.h"
#include "kernel.h"
#include "trap.h"

#define CALIBRATE_NS	25000000ull	/* 25 ms */
#define DEFAULT_HZ	100
#define NS		1000000000ull

uint64_t tsc_hz;
volatile uint64_t ticks;
uint32_t tick_hz = DEFAULT_HZ;
static uint64_t ns_mult;	/* ns per TSC tick, 32.32 fixed point */
static uint64_t lapic_hz;
static const struct time_platform *plat;
static uint64_t (*clock_fn)(void);	/* platform clock once switched to */
static uint64_t clock_base;		/* clock_fn() - time_ns() at the switch */

void time_register_platform(const struct time_platform *p)
{
	plat = p;
}

uint64_t tsc_to_ns(uint64_t delta)
{
	return (uint64_t)(((unsigned __int128)delta * ns_mult) >> 32);
}

/* A platform clock may switch source underneath us (Hyper-V's TSC page
 * turning invalid and the reference counter taking over rounds one 100 ns
 * unit differently): never let the clock step back. */
static uint64_t clock_last;

uint64_t time_ns(void)
{
	if (!clock_fn)
		return tsc_to_ns(rdtsc() - kernel_entry_tsc);
	uint64_t now = clock_fn() - clock_base;
	uint64_t last = __atomic_load_n(&clock_last, __ATOMIC_RELAXED);
	while (now > last &&
	       !__atomic_compare_exchange_n(&clock_last, &last, now, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return now > last ? now : last;
}

/* The wall clock is the monotonic clock plus an offset: setting it never
 * moves time_ns(), which timers and uptime rely on. */
static volatile int64_t wall_offset_ns;	/* set from an interrupt: read once */

int64_t time_wall_ns(void)
{
	return wall_offset_ns + (int64_t)time_ns();
}

void time_set_wall_ns(int64_t unix_ns)
{
	wall_offset_ns = unix_ns - (int64_t)time_ns();
}

void delay_us(uint64_t us)
{
	if (!tsc_hz) {		/* before calibration: a rough spin */
		for (uint64_t i = 0; i < us * 1000; i++)
			pause();
		return;
	}
	uint64_t end = rdtsc() + us * tsc_hz / 1000000;
	while (rdtsc() < end)
		pause();
}

void time_tick(void)
{
	ticks++;
}

/* The LAPIC tick's vector, 0 when a platform ticks. */
static uint8_t lapic_tick_vec;

void time_resume(uint64_t mono_ns, int64_t wall_ns)
{
	if (!clock_fn) {
		uint64_t cycles = (uint64_t)((unsigned __int128)mono_ns * tsc_hz / NS);
		kernel_entry_tsc = rdtsc() - cycles;
	} else {
		clock_base = clock_fn() - mono_ns;
		__atomic_store_n(&clock_last, mono_ns, __ATOMIC_RELAXED);
	}
	wall_offset_ns = wall_ns - (int64_t)mono_ns;
	if (lapic_tick_vec)
		lapic_timer_periodic((uint32_t)(lapic_hz / tick_hz), lapic_tick_vec);
}

static void lapic_tick(struct trap_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	time_tick();
}

/* Read the reference clock with the TSC on both sides; the midpoint is
 * the TSC at the reading, whatever the read costs (an emulated MSR read
 * takes microseconds).  A host that deschedules the VM during one read
 * widens that bracket and moves the midpoint by up to half the pause
 * (5 % of a 25 ms window was seen under load): of a few reads, the
 * narrowest bracket is kept. */
#define SAMPLE_TRIES	5

static uint64_t sample(uint64_t (*ref)(void), uint64_t *tsc)
{
	uint64_t best = UINT64_MAX, t = 0;
	for (int i = 0; i < SAMPLE_TRIES; i++) {
		uint64_t before = rdtsc();
		uint64_t r = ref();
		uint64_t width = rdtsc() - before;
		if (width < best) {
			best = width;
			t = r;
			*tsc = before + width / 2;
		}
	}
	return t;
}

/* Measure the TSC and the APIC timer against 'ref' (nanoseconds). */
void time_calibrate(uint64_t (*ref)(void), uint64_t *tsc, uint64_t *lapic)
{
	uint64_t flags = read_rflags();
	uint64_t c0, c1;
	cli();
	lapic_timer_oneshot_raw(0xffffffffu);
	uint32_t l0 = lapic_timer_current();
	uint64_t t0 = sample(ref, &c0), t1;
	do
		t1 = sample(ref, &c1);
	while (t1 - t0 < CALIBRATE_NS);
	uint64_t counted = l0 - lapic_timer_current();
	lapic_timer_stop();
	if (flags & RFLAGS_IF)
		sti();
	*tsc = (c1 - c0) * NS / (t1 - t0);
	*lapic = counted * NS / (t1 - t0);
}

/* A hypervisor's reference clock is the authority where there is one
 * (TLFS: calibrate against the reference counter); else HPET/PM timer. */
static const char *calibrate(void)
{
	uint64_t (*ref)(void) = NULL;
	const char *src = NULL;
	if (plat && plat->clock_ns) {
		ref = plat->clock_ns;
		src = plat->clock_name;
	} else if ((src = reftimer_init()) != NULL) {
		ref = reftimer_read_ns;
	}
	if (!src)
		return NULL;
	time_calibrate(ref, &tsc_hz, &lapic_hz);
	return src;
}

void time_init(void)
{
	wall_offset_ns = bootinfo.wallclock * 1000000000ll;	/* the firmware's clock */
	if (kopts.hz[0]) {
		uint64_t hz;
		int r = cmdline_number(kopts.hz, 10, 10000, &hz);
		if (r == 0)
			tick_hz = (uint32_t)hz;
		else
			kprintf("time: hz=%s %s; usage: hz=N with N a whole number from 10 to "
				"10000; using %u\n", kopts.hz,
				r == CMDLINE_OUT_OF_RANGE ? "is out of range" : "is not a number",
				tick_hz);
	}
	const char *src;
	if (plat && plat->tsc_hz) {
		tsc_hz = plat->tsc_hz;
		lapic_hz = plat->lapic_hz;
		src = plat->name;
	} else {
		src = calibrate();
		if (!src || !tsc_hz || !lapic_hz)
			panic("time: no reference timer (HPET, ACPI PM timer or hypervisor "
			      "clock) to calibrate against");
	}
	ns_mult = (uint64_t)(((unsigned __int128)NS << 32) / tsc_hz);

	const char *clock = "tsc";
	if (plat && plat->clock_ns) {
		/* Switch without a jump: the new clock continues from now. */
		uint64_t now = time_ns();
		clock_base = plat->clock_ns() - now;
		clock_fn = plat->clock_ns;
		clock = plat->clock_name;
	}

	const char *tick_src = "lapic timer";
	if (plat && plat->tick_start && plat->tick_start(tick_hz, time_tick)) {
		tick_src = plat->tick_name;
	} else {
		if (!lapic_hz)
			panic("time: no APIC timer frequency for the tick");
		lapic_tick_vec = irq_alloc_vector(lapic_tick, NULL);
		lapic_timer_periodic((uint32_t)(lapic_hz / tick_hz), lapic_tick_vec);
	}
	kprintf("time: TSC %lu.%03lu MHz, APIC timer %lu.%03lu MHz (from %s), clock %s, "
		"tick %u Hz (%s)\n", tsc_hz / 1000000, tsc_hz / 1000 % 1000,
		lapic_hz / 1000000, lapic_hz / 1000 % 1000, src, clock, tick_hz, tick_src);
}
