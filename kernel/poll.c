/*
 * poll.c - deferred kernel work.
 *
 * Some work cannot run where it is noticed: an interrupt handler may not
 * wait for the host (binding a newly offered device opens its channel and
 * waits for answers), and the answer it waits for arrives through that
 * same interrupt.  Such work is registered here and run in the kernel's
 * own context whenever the application calls into the kernel (idling,
 * reading the console) and at the end of boot.  Pollers run one at a
 * time, never nested.
 */
#include "kernel.h"

#define MAX_POLLERS	16

static void (*pollers[MAX_POLLERS])(void);
static unsigned npollers;
static bool running;

void poll_add(void (*fn)(void))
{
	if (npollers == MAX_POLLERS)
		panic("poll: too many pollers");
	pollers[npollers++] = fn;
}

void kernel_poll(void)
{
	if (running)
		return;
	running = true;
	for (unsigned i = 0; i < npollers; i++)
		pollers[i]();
	running = false;
}
