/*
 * power.c - leaving: ACPI S5 power-off, reset, and the test exit port.
 *
 * S5: write SLP_TYPa/SLP_TYPb (from \_S5, found by acpi.c) with SLP_EN to
 * PM1a/PM1b_CNT, or to the sleep control register on hardware-reduced
 * platforms (ACPI 6.x 4.8.3.2.1 and 4.8.3.7).  Reset: the FADT reset
 * register (ACPI 6.x 4.8.3.6), then the 8042, then a triple fault.
 */
#include "cpu.h"
#include "kernel.h"

#define PM1_SLP_TYP_SHIFT	10
#define PM1_SLP_EN		(1u << 13)
#define SLEEP_CTL_TYP_SHIFT	2
#define SLEEP_CTL_SLP_EN	(1u << 5)
#define GAS_SYSTEM_MEMORY	0
#define GAS_SYSTEM_IO		1
#define KBC_CMD			0x64
#define KBC_PULSE_RESET		0xfe
/* QEMU's isa-debug-exit device: exit status becomes (value << 1) | 1. */
#define DEBUG_EXIT_PORT		0xf4

#define MAX_HOOKS	8

static void (*hooks[MAX_HOOKS])(void);
static int nhooks;

void power_add_hook(void (*fn)(void))
{
	if (nhooks == MAX_HOOKS)
		panic("power: too many shutdown hooks");
	hooks[nhooks++] = fn;
}

/* Layers above (hv/: revoke overlay pages, disable the SynIC) leave the
 * hardware as they found it before the machine goes away; last in, first
 * out, like an unwind. */
static void run_hooks(void)
{
	while (nhooks > 0)	/* popped as they run: a second call does nothing */
		hooks[--nhooks]();
}

void power_test_exit(int status)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
}

static void halt_forever(void) noreturn;
static void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

/* Enter sleep state typ (SLP_TYPa/b from \_S4 or \_S5); returns if the
 * platform ignored it. */
static void enter_sleep(uint8_t typ_a, uint8_t typ_b)
{
	if (acpi.hw_reduced && acpi.sleep_ctl) {
		outb((uint16_t)acpi.sleep_ctl,
		     (uint8_t)((typ_a << SLEEP_CTL_TYP_SHIFT) | SLEEP_CTL_SLP_EN));
	} else if (acpi.pm1a_cnt) {
		uint16_t v = inw((uint16_t)acpi.pm1a_cnt) & ~(7u << PM1_SLP_TYP_SHIFT);
		if (acpi.pm1b_cnt) {
			uint16_t vb = inw((uint16_t)acpi.pm1b_cnt) & ~(7u << PM1_SLP_TYP_SHIFT);
			outw((uint16_t)acpi.pm1b_cnt,
			     vb | (uint16_t)(typ_b << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
		}
		outw((uint16_t)acpi.pm1a_cnt,
		     v | (uint16_t)(typ_a << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN);
	}
	delay_us(100000);
}

void power_off(void)
{
	cli();
	run_hooks();
	if (acpi.s5)
		enter_sleep(acpi.s5_typ_a, acpi.s5_typ_b);
	kprintf("power: ACPI S5 did not power off; halting\n");
	halt_forever();
}

/* After a hibernation image is written (ACPI 6.x 16.1.4: S4, the
 * platform may keep its wake sources; QEMU and Hyper-V power off). */
void power_off_s4(void)
{
	cli();
	run_hooks();
	if (acpi.s4)
		enter_sleep(acpi.s4_typ_a, acpi.s4_typ_b);
	if (acpi.s5)
		enter_sleep(acpi.s5_typ_a, acpi.s5_typ_b);
	kprintf("power: ACPI S4 and S5 did not power off; halting\n");
	halt_forever();
}

void power_reset(void)
{
	cli();
	run_hooks();
	if (acpi.reset_supported) {
		if (acpi.reset_space == GAS_SYSTEM_IO)
			outb((uint16_t)acpi.reset_addr, acpi.reset_value);
		else if (acpi.reset_space == GAS_SYSTEM_MEMORY)
			*(volatile uint8_t *)(uintptr_t)acpi.reset_addr = acpi.reset_value;
		delay_us(100000);
	}
	outb(KBC_CMD, KBC_PULSE_RESET);
	delay_us(100000);
	/* Triple fault: an empty IDT and an exception. */
	struct __attribute__((packed)) { uint16_t l; uint64_t b; } none = { 0, 0 };
	__asm__ volatile("lidt %0; int3" :: "m"(none));
	halt_forever();
}
