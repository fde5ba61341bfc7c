/*
 * powerbutton.c - what the ACPI power button does (QEMU's monitor
 * `system_powerdown`, Hyper-V's "Shut down" without integration
 * services): the kernel option powerbutton=off (the default: power off,
 * after the application's power-off hooks), =hibernate, or =ignore.
 *
 * The button is read by polling PM1 status (ACPI 6.x 4.8.3.1.1:
 * PWRBTN_STS, bit 8, write 1 to clear) at the end of every interrupt
 * (the tick) and whenever the application calls into the kernel;
 * PWRBTN_EN is set so that the platform latches the press (QEMU only
 * sets the status bit when it is enabled).  No SCI handler: there is no
 * AML interpreter to run the notify methods anyway.
 */
#include <string.h>

#include "../kernel/cpu.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "hibernate.h"

#define PM1_PWRBTN	(1u << 8)	/* PM1 status and enable bit */

enum action { PB_OFF, PB_HIBERNATE, PB_IGNORE };

static const struct {
	const char *name;
	enum action act;
} actions[] = {
	{ "off", PB_OFF }, { "hibernate", PB_HIBERNATE }, { "ignore", PB_IGNORE },
};

static enum action action = PB_OFF;
static bool enabled;
static volatile bool pressed;

/* At the end of every interrupt (hibernate.c): latch a press, so that it
 * counts even while the application computes without calling the
 * kernel; a hibernation is asked for at once, the rest waits for
 * powerbutton_poll. */
void powerbutton_tick(void)
{
	if (!enabled || !(inw((uint16_t)acpi.pm1a_evt) & PM1_PWRBTN))
		return;
	outw((uint16_t)acpi.pm1a_evt, PM1_PWRBTN);	/* write 1 to clear */
	if (action == PB_HIBERNATE) {
		kprintf("powerbutton: pressed: hibernating\n");
		hibernate_request("the power button");
		return;
	}
	pressed = true;
}

static void powerbutton_poll(void)
{
	powerbutton_tick();
	if (!pressed)
		return;
	pressed = false;
	switch (action) {
	case PB_HIBERNATE:
		break;		/* asked for at the press */
	case PB_OFF:
		kprintf("powerbutton: pressed: powering off\n");
		power_off();
	case PB_IGNORE:
		kprintf("powerbutton: pressed: ignored (powerbutton=ignore)\n");
		break;
	}
}

static void powerbutton_init(void)
{
	if (kopts.powerbutton[0]) {
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(actions); i++)
			if (strcmp(kopts.powerbutton, actions[i].name) == 0)
				break;
		if (i == ARRAY_SIZE(actions))
			kprintf("powerbutton: powerbutton=%s is not off, hibernate or ignore; "
				"using off\n", kopts.powerbutton);
		else
			action = actions[i].act;
	}
	if (!acpi.pm1a_evt || acpi.pm1_evt_len < 4 || acpi.hw_reduced)
		return;		/* hardware-reduced ACPI: the button is a GPIO event */
	uint16_t en = (uint16_t)(acpi.pm1a_evt + acpi.pm1_evt_len / 2);
	outw((uint16_t)acpi.pm1a_evt, PM1_PWRBTN);	/* a stale press is not one */
	outw(en, inw(en) | PM1_PWRBTN);
	poll_add(powerbutton_poll);
	enabled = true;
	if (action == PB_HIBERNATE)
		kprintf("powerbutton: hibernates (powerbutton=hibernate)\n");
}
INITCALL(powerbutton_init, INIT_LATE);
