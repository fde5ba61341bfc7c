/*
 * hibernate_fallback.c - the hibernation trigger (snapshot/hibernate.h)
 * for as long as snapshot/ has none: weak definitions, which the real
 * ones (snapshot/hibernate.c) replace at link time.  Here hibernation is
 * never possible, with the reason the Shutdown service passes on to the
 * host (drivers/shutdown.c).  Delete this file when snapshot/hibernate.c
 * defines both functions.
 */
#include "../kernel/kernel.h"
#include "../snapshot/hibernate.h"

__attribute__((weak)) bool hibernate_possible(const char **why)
{
	*why = acpi.s4 ? "hibernation is not implemented yet" : "ACPI S4 is not offered by this VM";
	return false;
}

__attribute__((weak)) void hibernate_request(const char *source)
{
	kprintf("hibernate: request from the %s ignored: not implemented yet\n", source);
}
