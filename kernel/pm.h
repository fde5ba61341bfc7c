/*
 * pm.h - suspend and resume of the layers above the kernel core, for
 * hibernation (snapshot/, issue 10; DESIGN.md "Hibernate and resume").
 *
 * A layer registers its ops once, at init (hv/ in INIT_PLATFORM, vmbus/
 * in INIT_BUS, drivers in INIT_DRIVERS), so registration order is
 * dependency order.  pm_suspend() runs the suspends last-registered first
 * (drivers, then the bus, then the platform); pm_resume() runs the
 * resumes first-registered first.  The kernel never calls up into the
 * layers: they come to it, as with initcalls and power hooks.
 *
 * Suspend quiesces: no request is left in flight (drained, never
 * re-issued), channels are closed and the host connection unloaded, the
 * hypervisor's overlay pages and timers are off, devices reset.  The
 * layer keeps its structs (what is bound to what, the application's
 * handles) so that resume can bring the same devices back.
 *
 * Resume runs in two situations, told apart by 'restored':
 *   false - the same boot, after the snapshot instant (the image writer
 *           needs its disk again) or after a hibernation that failed:
 *           the host is the one that saw the suspend.
 *   true  - the kernel restored from an image: a fresh host, maybe a new
 *           VM (other instance GUIDs and relids); match devices by class
 *           and instance, report any that never come back.
 */
#ifndef DORMANT_PM_H
#define DORMANT_PM_H

#include <stdbool.h>

struct pm_ops {
	const char *name;
	/* 0, or negative when this layer cannot be quiesced now: the layers
	 * already suspended are resumed (restored = false) and hibernation
	 * is refused with the layer's own console line. */
	int (*suspend)(void);
	void (*resume)(bool restored);
};

#define PM_MAX_OPS	16

/* Register once (again: no change); panics past PM_MAX_OPS. */
void pm_register(const struct pm_ops *ops);
/* 0, or the failing layer's status (the others are resumed again). */
int pm_suspend(void);
void pm_resume(bool restored);
/* The name of the layer whose suspend failed last ("" when none). */
const char *pm_failed_layer(void);

#endif
