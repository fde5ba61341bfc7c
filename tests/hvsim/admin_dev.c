/*
 * admin_dev.c - administrator commands for the Dynamic Memory, keyboard
 * and KVP back-ends: what Set-VMMemory, Hyper-V's "Type clipboard text"
 * and the VM's KVP view do on a real host.  Sizes are MiB; a number must
 * be all digits.
 */
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "devhost.h"
#include "hvsim.h"
#include "vmbus_host.h"

#define MAX_MIB	65536u

/* A whole number of MiB, 1..MAX_MIB; 0 when not. */
static uint64_t mib(const char *s)
{
	char *end;
	if (!*s || strspn(s, "0123456789") != strlen(s))
		return 0;
	unsigned long v = strtoul(s, &end, 10);
	return v >= 1 && v <= MAX_MIB ? v : 0;
}

void admin_balloon(char *arg)
{
	char *dir = strsep(&arg, " ");
	uint64_t n = arg ? mib(arg) : 0;
	bool up = strcmp(dir, "up") == 0;
	if ((!up && strcmp(dir, "down") != 0) || !n) {
		admin_say("usage: balloon up|down MIB (1 to %u)\n", MAX_MIB);
		return;
	}
	int r = up ? bal_up(n << 8) : bal_down(n << 8);
	if (r)
		admin_say("balloon: cannot: %s\n", bal_why(r));
	else
		admin_say("balloon: %s %lu MiB asked\n", up ? "up" : "down", n);
}

void admin_hotadd(char *arg)
{
	uint64_t n = mib(arg);
	if (!n) {
		admin_say("usage: hotadd MIB (of the %llu MiB held back at boot)\n",
			  HOTADD_SIZE >> 20);
		return;
	}
	int r = bal_hotadd(n << 20);
	if (r)
		admin_say("hotadd: cannot: %s\n", bal_why(r));
	else
		admin_say("hotadd: %lu MiB at 0x%llx offered\n", n,
			  HOTADD_BASE + vbhost->balloon.hotadd_used);
}

void admin_pressure(char *arg)
{
	const struct bal_host *b = &vbhost->balloon;
	(void)arg;
	if (!b->reports) {
		admin_say("pressure: no status report yet\n");
		return;
	}
	uint64_t age = (hvsim_ref_time() - b->last_report) / 10000;
	admin_say("pressure: %lu reports; last %lu ms ago: available %lu pages (%lu MiB), "
		  "committed %lu pages (%lu MiB)\n", b->reports, age, b->avail, b->avail >> 8,
		  b->committed, b->committed >> 8);
	admin_say("pressure: interval between reports %lu..%lu ms; %lu MiB ballooned, "
		  "%lu MiB hot-added, %lu refusals, %lu bad messages\n", b->min_gap / 10000,
		  b->max_gap / 10000, b->held >> 8, b->hotadd_used >> 20, b->refusals, b->bad);
}

void admin_key(char *arg)
{
	if (kbd_type(arg) != 0)
		admin_say("key: the guest's keyboard is not open (or its ring is full)\n");
	else
		admin_say("key: typed %u characters and Enter\n", (unsigned)strlen(arg));
}

void admin_kvp(char *arg)
{
	const struct kvp_host *k = &vbhost->kvp;
	(void)arg;
	admin_say("kvp: %u pairs from the guest's auto pool%s\n", k->npairs,
		  k->enumerating ? " (reading)" : "");
	for (uint32_t i = 0; i < k->npairs; i++)
		admin_say("%s=%s\n", k->key[i], k->value[i]);
	kvp_host_enumerate();
}
