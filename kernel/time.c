/*
 * time.c - kernel time: the TSC as the clock (nanoseconds since kernel
 * entry), and a periodic local APIC timer interrupt as the tick.
 *
 * Both are calibrated once against the reference timer (reftimer.c).  The
 * conversion is a 32.32 fixed-point multiply so that reading the clock
 * never divides.
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

uint64_t tsc_to_ns(uint64_t delta)
{
	return (uint64_t)(((unsigned __int128)delta * ns_mult) >> 32);
}

uint64_t time_ns(void)
{
	return tsc_to_ns(rdtsc() - kernel_entry_tsc);
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

static void tick(struct trap_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	ticks++;
}

static const char *calibrate(void)
{
	const char *src = reftimer_init();
	if (!src)
		return NULL;
	uint64_t flags = read_rflags();
	cli();
	lapic_timer_oneshot_raw(0xffffffffu);
	uint64_t t0 = reftimer_read_ns(), c0 = rdtsc(), t1;
	do
		t1 = reftimer_read_ns();
	while (t1 - t0 < CALIBRATE_NS);
	uint64_t c1 = rdtsc();
	uint64_t counted = 0xffffffffu - lapic_timer_current();
	lapic_timer_stop();
	if (flags & RFLAGS_IF)
		sti();
	tsc_hz = (c1 - c0) * NS / (t1 - t0);
	lapic_hz = counted * NS / (t1 - t0);
	return src;
}

void time_init(void)
{
	if (kopts.hz[0]) {
		long hz = strtol(kopts.hz, NULL, 10);
		if (hz >= 10 && hz <= 10000)
			tick_hz = (uint32_t)hz;
		else
			kprintf("time: hz=%s out of range 10..10000, using %u\n", kopts.hz, tick_hz);
	}
	const char *src = calibrate();
	if (!src || !tsc_hz || !lapic_hz)
		panic("time: no reference timer (HPET or ACPI PM timer) to calibrate against");
	ns_mult = (uint64_t)(((unsigned __int128)NS << 32) / tsc_hz);

	uint8_t vec = irq_alloc_vector(tick, NULL);
	lapic_timer_periodic((uint32_t)(lapic_hz / tick_hz), vec);
	kprintf("time: TSC %lu.%03lu MHz, APIC timer %lu.%03lu MHz (calibrated against %s), "
		"tick %u Hz\n", tsc_hz / 1000000, tsc_hz / 1000 % 1000,
		lapic_hz / 1000000, lapic_hz / 1000 % 1000, src, tick_hz);
}
