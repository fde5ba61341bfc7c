/*
 * kglue.c - the emulated Hyper-V host inside a test build of the kernel
 * (build/dormant-hvsim.img), where the guest's real hv/ code runs on
 * QEMU's software CPU against it.
 *
 * The platform: the TSC is the real one; interrupts are LAPIC self-IPIs
 * (AutoEOI is emulated by EOIing at delivery); the synthetic timers ride on
 * the LAPIC timer, which the guest does not use once it ticks from stimer0;
 * the hypercall page holds VMCALL, which raises #UD here, and the #UD
 * handler carries the hypercall out.  Pick a host profile with
 * hvsim=current|old|older|tcg on the command line, and ",newvm" after it
 * for a host that plays another VM (vmbus_host.c: a SCSI controller with
 * another instance GUID, other relids), to resume an image on.
 *
 * The host's memory is not the guest's.  Everything the emulator keeps
 * (struct hvsim and this file's own state) lives in a fixed region that
 * the kernel takes out of RAM before its frame allocator sees memory
 * (kernel/memres.h): never free, owned or volatile, never counted, never
 * saved by hibernation, so a resumed guest meets the fresh boot's host.
 * What the emulator needs from the kernel is fixed at build time: the trap
 * hooks and the timer vector are set when the host powers on (from
 * mem_init, before anything can trap), and it catches up on its timers
 * at every trap, so it runs even while the guest polls with interrupts off.
 *
 * Its KTAP tests join the "selftest" run.
 */
#include <stddef.h>
#include <stdarg.h>
#include <string.h>

#include "../../hv/hv.h"
#include "../../kernel/cpu.h"
#include "../../kernel/initcall.h"
#include "../../kernel/kernel.h"
#include "../../kernel/memres.h"
#include "../../kernel/trap.h"
#include "admin.h"
#include "hostdisk.h"
#include "hvsim.h"
#include "vmbus_host.h"

#define VMCALL_LEN	3

/* 16 MiB at 64 MiB: above the kernel (16 MiB), low enough that a 128 MiB
 * guest has it (boot/mem-128M), room for a VMBus host and its buffers. */
#define HOST_BASE	0x4000000
#define HOST_SIZE	0x1000000
#define STR_(x)		#x
#define STR(x)		STR_(x)

/* The lowest vector irq_alloc_vector could hand out; taken at power-on,
 * before anyone allocates, so it is the same in every boot. */
#define TIMER_VECTOR	0x40

struct host_memory {
	struct hvsim sim;		/* first: the symbol hvsim is the base */
	uint64_t lapic_hz;
	volatile bool aeoi_pending[256];
	struct vbh_host vmbus;		/* the VMBus server and back-ends */
	struct admin admin;		/* the COM2 console */
	uint64_t admin_due;
	struct hostdisk disks[VBH_DISKS];	/* served by storvsp */
	struct wcache cache;		/* their volatile write cache */
	unsigned depth;			/* host code running: no re-entry */
};
_Static_assert(offsetof(struct host_memory, sim) == 0, "hvsim at the base");
_Static_assert(sizeof(struct host_memory) <= HOST_SIZE, "host memory too small");

#define HOST		((struct host_memory *)(uintptr_t)HOST_BASE)

/* struct hvsim hvsim, at the host memory's fixed address: the other
 * emulator files reach it through the linker. */
__asm__(".globl hvsim\n\t.set hvsim, " STR(HOST_BASE));

/* The profile named on the command line (read here, while the name
 * hvsim still means the option). */
static const char *profile_option(void)
{
	return kopts.hvsim[0] ? kopts.hvsim : "current";
}

/* This file reaches the state through its address instead: the assembler
 * turns a RIP-relative reference to an absolute symbol defined in the same
 * file into RIP plus the address. */
#define hvsim (HOST->sim)

static uint64_t k_rdtsc(void)
{
	return rdtsc();
}

static void k_raise(uint8_t vector, bool auto_eoi)
{
	if (auto_eoi)
		HOST->aeoi_pending[vector] = true;
	lapic_self_ipi(vector);
}

/* AutoEOI: the "hypervisor" completes the interrupt as it is delivered. */
static void k_irq_entry(uint8_t vector)
{
	if (HOST->aeoi_pending[vector]) {
		HOST->aeoi_pending[vector] = false;
		lapic_eoi();
	}
}

static void k_arm(uint64_t when)
{
	if (!when) {
		lapic_timer_stop();
		return;
	}
	uint64_t now = hvsim_ref_time();
	uint64_t count = when > now ? (when - now) * HOST->lapic_hz / 10000000ull : 1;
	lapic_timer_oneshot(count ? (count > 0xffffffffu ? 0xffffffffu : (uint32_t)count) : 1,
			    TIMER_VECTOR);
}

static void k_log(const char *line)
{
	kprintf("hvsim: %s\n", line);
}

static uint64_t k_enter(void)
{
	uint64_t f = read_rflags();
	cli();
	return f;
}

static void k_leave(uint64_t f)
{
	if (f & RFLAGS_IF)
		sti();
}

static const struct hvsim_platform platform = {
	.rdtsc = k_rdtsc,
	.raise = k_raise,
	.arm = k_arm,
	.log = k_log,
	.enter = k_enter,
	.leave = k_leave,
};

static void timer_isr(struct trap_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	hvsim_poll();
}

/* VMCALL at offset 0 of the emulated hypercall page (TLFS 3.2 registers). */
static bool k_exception(struct trap_frame *f)
{
	const uint8_t *ip = (const uint8_t *)f->rip;
	if (f->vector != VEC_UD || !hvsim_is_hypercall_page(f->rip) ||
	    ip[0] != 0x0f || ip[1] != 0x01 || ip[2] != 0xc1)
		return false;
	f->rax = hvsim_hypercall(f->rcx, f->rdx, f->r8);
	f->rip += VMCALL_LEN;
	return true;
}

static void k_crash(void)
{
	kprintf("hvsim: guest crash reported: P0=0x%lx P1=0x%lx P2=0x%lx P3=0x%lx P4=%lu "
		"message \"%s\"\n", hvsim.crash_p[0], hvsim.crash_p[1], hvsim.crash_p[2],
		hvsim.crash_p[3], hvsim.crash_p[4], hvsim.crash_msg);
}

/* The RESET MSR (2.1): the partition restarts.  The emulator cannot
 * restart QEMU itself, so it borrows the kernel's reset path. */
static void k_reset(void)
{
	kprintf("hvsim: guest reset the partition through the RESET MSR\n");
	power_reset();
}

/* Registered before hv/'s own hook, so it runs after it (hooks unwind). */
/* `cut N`: the machine loses power right after a write reached the disk
 * (what the cache held is lost with the host's memory); QEMU exits with
 * status 0x7c (isa-debug-exit: (0x7c << 1) | 1 = 249). */
#define POWER_CUT_STATUS	0x7c
static void power_cut(void)
{
	kprintf("hvsim: power cut after write %lu reached the disks\n", HOST->cache.reached);
	power_test_exit(POWER_CUT_STATUS);
	for (;;) {		/* no isa-debug-exit: stop here all the same */
		cli();
		hlt();
	}
}

static void check_at_power_off(void)
{
	bool sints = false;
	for (int i = 0; i < 16; i++)
		sints |= !hvsim_sint_masked(i);
	bool timers = false;
	for (int i = 0; i < 4; i++)
		timers |= hvsim.stimer_config[i] & 1;
	if (!hvsim_any_overlay_on() && !(hvsim.scontrol & 1) && !sints && !timers && !hvsim.os_id)
		kprintf("hvsim: at power-off: no overlay page, SynIC off, SINTs masked, "
			"timers off, guest id clear\n");
	else
		kprintf("hvsim: at power-off: still enabled:%s%s%s%s%s\n",
			hvsim_any_overlay_on() ? " overlay" : "", hvsim.scontrol & 1 ? " synic" : "",
			sints ? " sint" : "", timers ? " stimer" : "", hvsim.os_id ? " guest-id" : "");
	if (HOST->vmbus.max_version)
		kprintf("hvsim: vmbus host: %lu heartbeats answered, %lu unloads, %lu bad messages "
			"dropped\n", ic_heartbeats_answered(), HOST->vmbus.unloads,
			HOST->vmbus.bad_msgs);
	if (hvsim.wcache)
		kprintf("hvsim: write cache: %lu writes reached the disks, %u KiB not on them at "
			"power-off\n", HOST->cache.reached, HOST->cache.used >> 10);
	kprintf("hvsim: %lu hypercalls, %lu messages delivered, %lu EOMs, %lu timer expiries, "
		"%lu #GP\n", hvsim.hypercalls, hvsim.deliveries, hvsim.eoms, hvsim.timer_fires,
		hvsim.gp_faults);
}

/* The host powers on: its memory is cleared and the hooks are in before
 * the guest can trap (mem_init runs this, before the frame allocator).
 * Until hvsim_boot measures the frequencies it answers as the current
 * profile with reference time standing at 0. */
#define ADMIN_POLL	500000ull	/* 50 ms in 100 ns units */

static void host_log(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("hvsim: %s\n", buf);
}

static void host_post(const struct hvsim_posted *m)
{
	HOST->depth++;
	vbh_post(m->connection, m->data, m->size);
	hvsim_rearm();
	HOST->depth--;
}

static void host_signal(uint32_t connection, uint16_t flag)
{
	(void)flag;
	HOST->depth++;
	vbh_signal(connection);
	hvsim_rearm();
	HOST->depth--;
}

/* The guest spins on PAUSE (kernel/cpu.c): the host runs what is due,
 * unless the spin is in the host's own code (its console output). */
static void pause_exit(void)
{
	if (!HOST->depth)
		hvsim_poll();
}

static uint64_t host_due(void)
{
	uint64_t d = vbh_next_due();
	if (HOST->admin.present && (!d || HOST->admin_due < d))
		d = HOST->admin_due;
	return d;
}

static void host_timer(uint64_t now)
{
	HOST->depth++;
	vbh_timer(now);
	if (now >= HOST->admin_due) {
		admin_poll();
		HOST->admin_due = now + ADMIN_POLL;
	}
	HOST->depth--;
}

/* Unix seconds to the host's clock: 100 ns units since 1601 (2.6). */
static uint64_t filetime(int64_t unix_seconds)
{
	return (uint64_t)(unix_seconds + 11644473600ll) * 10000000ull;
}

/* The bus is enumerated: the host takes its disks before the guest's
 * drivers look (a host without VMBus has no storvsp to serve them). */
static void host_pci(void)
{
	if (HOST->vmbus.max_version) {
		hvsim.wcache = &HOST->cache;
		HOST->cache.cut = power_cut;
		hostdisk_claim(HOST->disks, VBH_DISKS, &HOST->cache);
	}
}

static void host_power_on(void)
{
	memset(HOST, 0, sizeof(*HOST));
	trap_exception_hook = k_exception;
	trap_irq_entry_hook = k_irq_entry;
	irq_set_handler(TIMER_VECTOR, timer_isr, NULL);
	pci_enumerated_hook = host_pci;
	cpu_pause_hook = pause_exit;
	hvsim_init(&hvsim_profile_current, &platform, 0, 0);
}
MEMRES(hvsim_host, "hvsim host", HOST_BASE, HOST_SIZE, host_power_on);

static void hvsim_boot(void)
{
	char name[CMDLINE_VALUE_MAX];
	bool newvm = false, flood = false;
	ksnprintf(name, sizeof(name), "%s", profile_option());
	char *more = strchr(name, ',');
	if (more) {
		*more++ = 0;
		/* PROFILE,OPTION[,OPTION]: newvm, flood */
		for (char *o = more; o; o = more) {
			more = strchr(o, ',');
			if (more)
				*more++ = 0;
			if (strcmp(o, "newvm") == 0)
				newvm = true;
			else if (strcmp(o, "flood") == 0)
				flood = true;
			else
				kprintf("hvsim: unknown host option '%s' (newvm, flood); ignored\n", o);
		}
		if (!name[0])
			ksnprintf(name, sizeof(name), "current");
	}
	const struct hvsim_profile *p = hvsim_profile_by_name(name);
	if (!p) {
		kprintf("hvsim: unknown profile '%s' (current, old, older, tcg); using current\n", name);
		p = &hvsim_profile_current;
	}
	/* The emulated hypervisor needs the true frequencies (it states them
	 * in its frequency MSRs and counts reference time from the TSC). */
	const char *src = reftimer_init();
	if (!src)
		panic("hvsim: needs an HPET or ACPI PM timer to measure the TSC");
	uint64_t tsc, lapic_hz;
	time_calibrate(reftimer_read_ns, &tsc, &lapic_hz);
	HOST->lapic_hz = lapic_hz;
	hvsim_init(p, &platform, tsc, lapic_hz);
	hvsim.on_crash = k_crash;
	hvsim.on_reset = k_reset;
	power_add_hook(check_at_power_off);
	if (p->vmbus_version) {
		vbh_init(&HOST->vmbus, p->vmbus_version, rdtsc(),
			 filetime(bootinfo.wallclock) - hvsim_ref_time());
		HOST->vmbus.log = host_log;
		HOST->vmbus.newvm = newvm;
		if (flood) {
			/* malformed bursts after the guest's first 64 messages */
			HOST->vmbus.flood = 64;
			kprintf("hvsim: flood: 4 malformed control messages after each of the "
				"guest's next 64\n");
		}
		hvsim.on_post = host_post;
		hvsim.on_signal = host_signal;
	}
	admin_init(&HOST->admin);
	HOST->admin_due = hvsim_ref_time() + ADMIN_POLL;
	hvsim.host_due = host_due;
	hvsim.on_host_timer = host_timer;
	hvsim_rearm();
	kprintf("hvsim: host memory 0x%lx-0x%lx, outside the guest's RAM\n",
		(uint64_t)HOST_BASE, (uint64_t)HOST_BASE + HOST_SIZE);
	kprintf("hvsim: emulated Hyper-V host, profile %s%s (TSC %lu MHz, APIC timer %lu MHz, "
		"from %s)\n", p->name, newvm && p->vmbus_version ? ", a new VM" : "",
		tsc / 1000000, lapic_hz / 1000000, src);
}
INITCALL(hvsim_boot, INIT_EMULATION);

/* ---- KTAP tests: the guest's hv/ against the emulated host ---- */

#define CHECK KTEST_CHECK

static bool current_profile(void)
{
	return hvsim.prof == &hvsim_profile_current;
}

static bool t_bringup(void)
{
	CHECK(hv.present);
	CHECK(hv.guest_os_id != 0 && hvsim.os_id == hv.guest_os_id);
	CHECK(hvsim_is_hypercall_page((uint64_t)(uintptr_t)hv.hypercall_page));
	CHECK(hvsim.ov[HVSIM_OV_SIMP].on && hvsim.ov[HVSIM_OV_SIMP].gpa == (uint64_t)(uintptr_t)hv.simp);
	CHECK(hvsim.ov[HVSIM_OV_SIEFP].on);
	CHECK(hvsim.scontrol & 1);
	CHECK((hvsim.sint[HV_SINT_VMBUS] & 0xff) == hv.sint[HV_SINT_VMBUS].vector);
	CHECK(!(hvsim.sint[HV_SINT_VMBUS] & HV_SINT_MASKED));
	if (current_profile()) {
		CHECK(!hv.auto_eoi && hv.tsc_page && hvsim.ov[HVSIM_OV_TSC].on);
		CHECK(hv.tsc_hz == hvsim.tsc_hz && hv.apic_hz == hvsim.apic_hz);
	} else {
		CHECK(hv.auto_eoi && !hv.tsc_page && hv.tsc_hz == 0);
	}
	CHECK(hvsim.gp_faults == 0);
	return true;
}

static bool t_stimer_tick(void)
{
	/* Both counters read with interrupts off: a tick between two reads
	 * would count in one and not the other. */
	cli();
	uint64_t t0 = ticks, s0 = hv.stimer_ticks, f0 = hvsim.timer_fires;
	sti();
	delay_us(200000);
	cli();
	uint64_t n = ticks - t0, sn = hv.stimer_ticks - s0, expect = tick_hz / 5;
	sti();
	kprintf("# %lu ticks from stimer0 (%s mode) in 200 ms, expected about %lu\n", n,
		hv.stimer_direct ? "direct" : "message", expect);
	CHECK(hv.stimer_on);
	CHECK(hv.stimer_direct == current_profile());
	CHECK(n >= expect / 2 && n <= expect * 2);
	CHECK(sn == n);
	CHECK(hvsim.timer_fires - f0 >= n);
	return true;
}

/* Monotonicity: the kernel's clock_monotonic test, which here runs on
 * the Hyper-V clock.  This one: within bounds of the TSC, measured with
 * the host's true frequency, and which source the reads use. */
static bool t_clock(void)
{
	uint64_t c0 = rdtsc(), n0 = time_ns();
	delay_us(100000);
	uint64_t c1 = rdtsc(), n1 = time_ns();
	uint64_t tsc_ns = (uint64_t)((unsigned __int128)(c1 - c0) * 1000000000ull / hvsim.tsc_hz);
	uint64_t dn = n1 - n0, diff = dn > tsc_ns ? dn - tsc_ns : tsc_ns - dn;
	kprintf("# clock advanced %lu ns while the TSC says %lu ns\n", dn, tsc_ns);
	CHECK(diff < tsc_ns / 50 + 1000000);
	uint64_t reads = hvsim.ref_count_reads;
	time_ns();
	/* The TSC page needs no MSR read; without it each read is one. */
	CHECK(hvsim.ref_count_reads == reads + (current_profile() ? 0 : 1));
	return true;
}

static struct {
	volatile int n;
	uint8_t first[16];
	uint8_t data[64];
	uint8_t size;
	volatile int nflags;
	unsigned flag;
} rx;

static void rx_message(const struct hv_message *m, void *ctx)
{
	(void)ctx;
	if (rx.n < 16)
		rx.first[rx.n] = m->payload[0];
	rx.size = m->header.payload_size < sizeof(rx.data) ? m->header.payload_size : sizeof(rx.data);
	memcpy(rx.data, m->payload, rx.size);
	rx.n++;
}

static void rx_event(unsigned flag, void *ctx)
{
	(void)ctx;
	rx.flag = flag;
	rx.nflags++;
}

static void echo(const struct hvsim_posted *m)
{
	uint8_t out[64] = "echo:";
	uint32_t n = m->size < 59 ? m->size : 59;
	memcpy(out + 5, m->data, n);
	hvsim_queue(HV_SINT_VMBUS, 1, out, (uint8_t)(5 + n));
}

static bool wait_for(volatile int *counter, int want)
{
	uint64_t end = time_ns() + 500000000ull;
	while (*counter < want && time_ns() < end)
		sti_hlt();
	return *counter >= want;
}

static bool t_post_roundtrip(void)
{
	memset(&rx, 0, sizeof(rx));
	hv_sint_register(HV_SINT_VMBUS, rx_message, rx_event, NULL);
	void (*saved)(const struct hvsim_posted *) = hvsim.on_post;
	hvsim.on_post = echo;
	int st = hv_post_message(1, 1, "ping dormant", 12);
	CHECK(st == HV_STATUS_SUCCESS);
	CHECK(wait_for(&rx.n, 1));
	CHECK(rx.size == 17 && memcmp(rx.data, "echo:ping dormant", 17) == 0);
	hvsim.on_post = saved;
	st = hv_post_message(77, 1, "x", 1);
	kprintf("# post to connection 77: %s\n", hv_status_name(st));
	CHECK(st == HV_STATUS_INVALID_CONNECTION_ID);
	return true;
}

static bool t_message_burst(void)
{
	memset(&rx, 0, sizeof(rx));
	hv_sint_register(HV_SINT_VMBUS, rx_message, rx_event, NULL);
	uint64_t eoms = hvsim.eoms;
	cli();			/* queue them all before the guest can run */
	for (uint8_t i = 0; i < 10; i++)
		hvsim_post(HV_SINT_VMBUS, 1, &i, 1);
	sti();
	CHECK(wait_for(&rx.n, 10));
	for (int i = 0; i < 10; i++)
		CHECK(rx.first[i] == i);
	CHECK(hvsim.eoms - eoms == 9);
	CHECK(hvsim.qlen[HV_SINT_VMBUS] == 0);
	return true;
}

static bool t_events(void)
{
	memset(&rx, 0, sizeof(rx));
	hv_sint_register(HV_SINT_VMBUS, rx_message, rx_event, NULL);
	hvsim_open_port(0x2a, true);
	uint64_t sig = hvsim.signals;
	CHECK(hv_signal_event(0x2a, 3) == HV_STATUS_SUCCESS);
	CHECK(hvsim.signals == sig + 1 && hvsim.last_signal == (0x2a | 3ull << 32));
	CHECK(hvsim_signal_guest(HV_SINT_VMBUS, 77) == 0);
	CHECK(wait_for(&rx.nflags, 1));
	CHECK(rx.flag == 77 && rx.nflags == 1);
	hv_sint_register(HV_SINT_VMBUS, NULL, NULL, NULL);
	return true;
}

static bool t_teardown(void)
{
	hv_teardown();
	CHECK(!hvsim_any_overlay_on());
	CHECK(!(hvsim.scontrol & 1));
	CHECK(hvsim.sint[HV_SINT_VMBUS] & HV_SINT_MASKED);
	CHECK(hvsim.sint[HV_SINT_TIMER] & HV_SINT_MASKED);
	CHECK(!(hvsim.stimer_config[0] & 1));
	CHECK(hvsim.os_id == 0 && !(hvsim.hypercall & 1));
	CHECK(hvsim.gp_faults == 0);
	return true;
}

/* The host's memory is no part of the guest's: absent in the frame map
 * (never allocated, never saved), not counted as usable, and it is where
 * the emulator's state is. */
static bool t_host_memory(void)
{
	CHECK((uintptr_t)&hvsim == HOST_BASE);
	CHECK(HOST_BASE + HOST_SIZE <= 128 * MiB);
	uint64_t bad = 0;
	for (uint64_t a = HOST_BASE; a < HOST_BASE + HOST_SIZE; a += PAGE_SIZE)
		bad += frame_get(&frames, a) != FRAME_ABSENT;
	kprintf("# %lu of %u host pages in the frame map\n", bad, HOST_SIZE / 4096);
	CHECK(bad == 0);
	uint64_t ram = 0;
	for (uint32_t i = 0; i < bootinfo.memmap_count; i++)
		if (bootinfo.memmap[i].type == BOOTMEM_USABLE ||
		    bootinfo.memmap[i].type == BOOTMEM_LOADER)
			ram += bootinfo.memmap[i].len;
	/* The held-back RAM is out too, until a hot-add brings some in. */
	CHECK(mem_usable_bytes + HOTADD_SIZE - HOST->vmbus.balloon.hotadd_used ==
	      ram - HOST_SIZE);
	CHECK(vec_handlers[TIMER_VECTOR].fn == timer_isr);
	return true;
}

/* Independent of each other; hv_teardown (a late test) runs after all. */
KTEST("hvsim_host_memory", t_host_memory);
KTEST("hv_event_flags", t_events);
KTEST("hv_message_burst_eom", t_message_burst);
KTEST("hv_post_message_roundtrip", t_post_roundtrip);
KTEST("hv_clock", t_clock);
KTEST("hv_stimer_tick", t_stimer_tick);
KTEST("hv_bringup", t_bringup);
KTEST_LATE("hv_teardown", t_teardown);
