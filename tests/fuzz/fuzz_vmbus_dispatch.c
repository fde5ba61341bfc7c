/*
 * fuzz_vmbus_dispatch.c - libFuzzer harness for the guest's whole control
 * message path: the real vmbus/ and drivers/ on the emulated host
 * (tests/unit/vmbus_env.c), each fuzzed message queued on SINT2 exactly
 * as the host queues its own (hvsim_post), delivered through the guest's
 * SynIC handler into vmbus on_message, interleaved with the guest's
 * deferred work (kernel_poll: binding offers, releasing rescinds).
 *
 * Input: a sequence of steps, each one length byte L and then
 *   L <= 240     a host message of L bytes (fewer if the input ends),
 *                queued on SINT2 and delivered now;
 *   0xff         kernel_poll;
 *   0xfe         1 ms of idle guest time (host timers, heartbeats);
 *   0xfd         the next message is held and queued right after the
 *                emulated host has handled the guest's next PostMessage
 *                (so it arrives while the guest waits for that answer);
 *   0xfc         the same, but queued before the host handles it;
 *   0xfb         hibernation without the image: pm_suspend and, when it
 *                succeeds, pm_resume on the same host (vmbus/pm.c matching
 *                the offers again, every driver's resume);
 *   0xfa         the same, resumed on a fresh host as after a restore
 *                (env_new_host, pm_resume(true)); after MAX_RESUMES of
 *                them in an input (each costs milliseconds), kernel_poll;
 *   other        kernel_poll.
 * Held messages are delivered around the guest's posts during a resume
 * too.
 * Held messages the guest never posted for are delivered at the end; the
 * input always ends with two kernel_polls.
 *
 * State: every input starts from a freshly connected guest (env_up with
 * the "current" profile: 6 channels open (util, balloon, keyboard), the
 * same relids every time: the host's seed is fixed) and ends with
 * env_down.  That costs well under a millisecond (the rings' pages come
 * from a cache, below), so it is done for every input, and nothing but the
 * drivers' own statics (timesync's "synced", set at
 * every bring-up by the host's first SYNC) survives an input.  One
 * bring-up in LLVMFuzzerInitialize sets those before the first input.
 *
 * Checked after every step (trap on violation): no panic (panic_at aborts),
 * every channel's state in range, every live channel's relid in
 * 1..2047 and unique, vmbus.bad_msgs never going down, no #GP seen by
 * the emulator; after env_down, every kmalloc and every page freed.  The
 * log goes to a ring here, not to host.log or stdout (FUZZ_VERBOSE=1
 * prints it per input).  tests/fuzz/vmbus_dispatch.options bounds the
 * input at 4 KiB.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "../unit/vmbus_env.h"
#include "../../kernel/pm.h"

#define CHECK(c)	do { if (!(c)) { dump_log(#c); __builtin_trap(); } } while (0)
#define NOCOV		__attribute__((no_sanitize("coverage"), noinline))

#define MAX_HELD	8
#define MAX_RESUMES	3

static char ring[8192];
static size_t ring_pos;
static int verbose;

static void dump_log(const char *why)
{
	fprintf(stderr, "fuzz_vmbus_dispatch: check failed: %s\n--- last log ---\n", why);
	for (size_t i = 0; i < sizeof(ring); i++) {
		char c = ring[(ring_pos + i) % sizeof(ring)];
		if (c)
			fputc(c, stderr);
	}
	fprintf(stderr, "--- end ---\n");
}

/* Overrides hv_host.c's (weak) kprintf: a ring, never stdout.  The
 * harness's own helpers are not instrumented for coverage: what they do
 * says nothing about the guest's parsers, and it costs every step. */
NOCOV void kprintf(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (verbose)
		fputs(line, stderr);
	size_t first = sizeof(ring) - ring_pos < (size_t)n ? sizeof(ring) - ring_pos : (size_t)n;
	memcpy(ring + ring_pos, line, first);
	memcpy(ring, line + first, (size_t)n - first);
	ring_pos = (ring_pos + (size_t)n) % sizeof(ring);
}

/* ---- ring pages ---------------------------------------------------------- */

/* Overrides hv_host.c's (weak) page_alloc and page_free.  Every input
 * opens every channel again, and a fresh aligned_alloc of a ring is a
 * fresh mapping, zeroed page by page through faults.  Freed blocks wait
 * here instead, oldest reused first, poisoned while they wait so that
 * AddressSanitizer still reports a use after page_free. */
#define PAGE_CACHE	64

static struct { void *p; uint64_t n; } cached[PAGE_CACHE];
static unsigned ncached;

NOCOV uint64_t page_alloc(uint64_t n, enum frame_state st)
{
	void *p = NULL;
	(void)st;
	for (unsigned i = 0; i < ncached; i++)
		if (cached[i].n == n) {
			p = cached[i].p;
			memmove(&cached[i], &cached[i + 1], (ncached - i - 1) * sizeof(cached[0]));
			ncached--;
			ASAN_UNPOISON_MEMORY_REGION(p, n * 4096);
			break;
		}
	if (!p)
		p = aligned_alloc(4096, n * 4096);
	memset(p, 0, n * 4096);
	host.pages_alloc += n;
	return (uint64_t)(uintptr_t)p;
}

NOCOV void page_free(uint64_t addr, uint64_t n)
{
	void *p = (void *)(uintptr_t)addr;
	host.pages_freed += n;
	if (ncached == PAGE_CACHE) {
		free(p);
		return;
	}
	ASAN_POISON_MEMORY_REGION(p, n * 4096);
	cached[ncached].p = p;
	cached[ncached].n = n;
	ncached++;
}

/* ---- messages held for the guest's next PostMessage ---------------------- */

struct held {
	uint8_t data[VMBUS_MSG_MAX_SIZE];
	uint8_t size;
	bool before;	/* queued before the host handles the post */
};
static struct held held[MAX_HELD];
static unsigned nheld;
static void (*host_on_post)(const struct hvsim_posted *m);

static void post_to_guest(const uint8_t *data, uint8_t size)
{
	/* type 1: VMBus; a full queue loses the message as the host's does */
	(void)hvsim_post(HV_SINT_VMBUS, VMBUS_SYNIC_MESSAGE_TYPE, data, size);
}

static void release_held(bool before)
{
	unsigned keep = 0;
	for (unsigned i = 0; i < nheld; i++) {
		if (held[i].before == before)
			post_to_guest(held[i].data, held[i].size);
		else
			held[keep++] = held[i];
	}
	nheld = keep;
}

/* Inside the guest's HvCallPostMessage (interrupts held off). */
static void fuzz_on_post(const struct hvsim_posted *m)
{
	release_held(true);
	host_on_post(m);
	release_held(false);
}

/* ---- invariants ---------------------------------------------------------- */

static uint64_t last_bad_msgs;

NOCOV static void check(void)
{
	uint64_t seen[(VMBUS_MAX_RELID + 64) / 64];

	CHECK(vmbus.bad_msgs >= last_bad_msgs);
	last_bad_msgs = vmbus.bad_msgs;
	CHECK(hvsim.gp_faults == 0);
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		const struct vmbus_channel *a = &vmbus.chan[i];
		CHECK((unsigned)a->state <= VMBUS_CH_FAILED);
		if (a->state == VMBUS_CH_FREE)
			continue;
		CHECK(a->relid != 0 && a->relid <= VMBUS_MAX_RELID);
		CHECK(!(seen[a->relid / 64] & (1ull << (a->relid % 64))));	/* unique */
		seen[a->relid / 64] |= 1ull << (a->relid % 64);
	}
}

/* ---- the harness --------------------------------------------------------- */

static void hook_posts(void)
{
	host_on_post = hvsim.on_post;
	hvsim.on_post = fuzz_on_post;
}

static void suspend_resume(bool fresh_host)
{
	if (pm_suspend() != 0)
		return;		/* the layers are resumed again (pm.h) */
	if (fresh_host) {
		env_new_host(&hvsim_profile_current, false, 0);
		hook_posts();	/* the new host's VMBus server */
	}
	pm_resume(fresh_host);
}

static void up(void)
{
	nheld = 0;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	if (!vmbus.connected)
		abort();
	hook_posts();
	last_bad_msgs = vmbus.bad_msgs;
	check();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	up();
	if (getenv("FUZZ_RELIDS"))
		for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++)
			if (vmbus.chan[i].state != VMBUS_CH_FREE)
				fprintf(stderr, "%s relid %u state %d\n", vmbus.chan[i].name,
					vmbus.chan[i].relid, vmbus.chan[i].state);
	env_down();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	int hold = 0;	/* 0, or 0xfd / 0xfc for the next message */
	unsigned resumes = 0;
	size_t i = 0;

	up();
	while (i < n) {
		uint8_t len = in[i++];
		if (len <= VMBUS_MSG_MAX_SIZE) {
			uint8_t size = (uint8_t)(n - i < len ? n - i : len);
			if (hold && nheld < MAX_HELD) {
				memset(held[nheld].data, 0, sizeof(held[nheld].data));
				memcpy(held[nheld].data, in + i, size);
				held[nheld].size = size;
				held[nheld].before = hold == 0xfc;
				nheld++;
			} else {
				post_to_guest(in + i, size);
			}
			hold = 0;
			i += size;
		} else if (len == 0xfe) {
			env_idle_ms(1);
		} else if ((len == 0xfb || len == 0xfa) && resumes < MAX_RESUMES) {
			resumes++;
			suspend_resume(len == 0xfa);
		} else if (len == 0xfd || len == 0xfc) {
			hold = len;
		} else {
			env_poll();
		}
		check();
	}
	release_held(true);
	release_held(false);
	check();
	env_poll();
	env_poll();
	check();
	hvsim.on_post = host_on_post;
	env_down();
	CHECK(env.allocs == 0);		/* every kmalloc of the input freed */
	CHECK(host.pages_alloc == host.pages_freed);	/* and every page */
	return 0;
}
