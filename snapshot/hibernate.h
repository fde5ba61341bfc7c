/*
 * hibernate.h - the triggers of a hibernation (snapshot/hibernate.c).
 *
 * dormant_hibernate() (dormant.h) hibernates synchronously.  Sources that
 * are not the application (the Shutdown service's hibernate request, the
 * ACPI power button with powerbutton=hibernate) only ask: the request is
 * taken at the next safe point, within a tick or two, never inside a
 * kernel critical section.
 */
#ifndef DORMANT_SNAPSHOT_HIBERNATE_H
#define DORMANT_SNAPSHOT_HIBERNATE_H

#include <stdbool.h>

/* Can this VM hibernate now?  true, or false with *why set to one line
 * ("ACPI S4 is not offered by this VM", "no hibernation partition", ...). */
bool hibernate_possible(const char **why);
/* Ask for a hibernation; source names who asked ("shutdown service"). */
void hibernate_request(const char *source);
/* powerbutton.c: read the power button's status (from the tick). */
void powerbutton_tick(void);

#endif
