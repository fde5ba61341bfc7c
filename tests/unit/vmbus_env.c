/*
 * vmbus_env.c - what vmbus/ and drivers/ need from the kernel, for host
 * tests against the emulated host's VMBus server (tests/hvsim/vmbus_host.c
 * and its back-ends), wired as tests/hvsim/kglue.c wires them in the test
 * kernel.
 *
 * Interrupts: "off" is hv_host's in_irq (no handler runs); irq_save and
 * the emulator's enter/leave set it, and restoring "on" delivers what
 * became pending meanwhile, as a CPU would at STI.  cpu_idle moves time
 * on (the host's timers fire from host_advance_ns) and takes interrupts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus_env.h"
#include "../../snapshot/hibernate.h"

struct env env;
struct acpi_info acpi;
struct kopts kopts;
/* The guest's frame map, for the balloon: frames 1 MiB..48 MiB free, the
 * emulated host's held-back RAM (devhost.h) absent until a hot-add.  Its
 * frames are bookkeeping only: the balloon never touches their bytes. */
struct frame_map frames;
static uint8_t frame_states[(HOTADD_BASE + HOTADD_SIZE) >> FRAME_SHIFT];
uint64_t mem_usable_bytes;

extern const struct initcall __start_host_initcall[], __stop_host_initcall[];

/* ---- kernel.h stand-ins -------------------------------------------------- */

uint64_t irq_save(void)
{
	uint64_t was_off = host.in_irq;
	host.in_irq = true;
	return was_off;
}

void irq_restore(uint64_t was_off)
{
	host.in_irq = was_off;
	if (!was_off)
		host_run_pending();
}

bool irqs_enabled(void)
{
	return !host.in_irq;
}

/* sti; hlt: interrupts on (as the CPU's STI), time moves, they arrive. */
void cpu_idle(void)
{
	host.in_irq = false;
	host_advance_ns(1000000);
	host_run_pending();
}

void cpu_relax(void)
{
	host_advance_ns(1000);
}

uint64_t time_ns(void)
{
	return (uint64_t)((unsigned __int128)host.tsc * 1000000000ull / HOST_TSC_HZ);
}

void *kmalloc(size_t n)
{
	env.allocs++;
	return malloc(n);
}

void kfree(void *p)
{
	if (p)
		env.allocs--;
	free(p);
}

uint64_t kernel_build_id(void)
{
	return 0x0123456789abcdefull;
}

/* As kernel/mem.c: only the held-back range, only absent frames. */
uint64_t mem_hot_add(uint64_t base, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		uint64_t at = base + done * FRAME_SIZE;
		if (at < HOTADD_BASE || at >= HOTADD_BASE + HOTADD_SIZE ||
		    frame_add_absent(&frames, at, 1) != 0)
			break;
		done++;
	}
	mem_usable_bytes += done * FRAME_SIZE;
	return done;
}

void poll_add(void (*fn)(void))
{
	if (env.npolls == sizeof(env.polls) / sizeof(env.polls[0]))
		abort();
	env.polls[env.npolls++] = fn;
}

void kernel_poll(void)
{
	for (unsigned i = 0; i < env.npolls; i++)
		env.polls[i]();
}

void power_off(void)
{
	env.power_offs++;
	kprintf("power: off\n");
	if (!env.power_jmp)
		abort();
	longjmp(*env.power_jmp, 1);
}

void power_reset(void)
{
	env.power_resets++;
	kprintf("power: reset\n");
	if (!env.power_jmp)
		abort();
	longjmp(*env.power_jmp, 2);
}

int64_t time_wall_ns(void)
{
	return env.wall_ns;
}

void time_set_wall_ns(int64_t ns)
{
	env.wall_ns = ns;
}

void run_initcalls(int level)
{
	for (const struct initcall *c = __start_host_initcall; c < __stop_host_initcall; c++)
		if (c->level == level)
			c->fn();
}

/* snapshot/hibernate.h, as the test says. */
bool hibernate_possible(const char **why)
{
	if (!env.hibernate_ok)
		*why = env.hibernate_why ? env.hibernate_why : "ACPI S4 is not offered by this VM";
	return env.hibernate_ok;
}

void hibernate_request(const char *source)
{
	env.hibernate_requests++;
	env.hibernate_source = source;
}

/* ---- the emulated host, wired as kglue.c does --------------------------- */

static void host_log(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("hvsim: %s\n", buf);
}

static void on_post(const struct hvsim_posted *m)
{
	vbh_post(m->connection, m->data, m->size);
	hvsim_rearm();
}

static void on_signal(uint32_t connection, uint16_t flag)
{
	(void)flag;
	vbh_signal(connection);
	hvsim_rearm();
}

static uint64_t sim_enter(void)
{
	return irq_save();
}

static void sim_leave(uint64_t t)
{
	irq_restore(t);
}

/* The frame map as at boot.  Made once and copied: a fuzz harness
 * brings the guest up for every input, and 12k frames one by one cost
 * more than the rest of the bring-up. */
static void frames_fresh(void)
{
	static struct frame_map boot;
	static uint8_t boot_states[sizeof(frame_states)];
	if (!boot.state) {
		frame_init(&boot, boot_states, sizeof(boot_states));
		frame_add_free(&boot, 1 << 20, (48 << 20) - (1 << 20));
	}
	frames = boot;
	frames.state = frame_states;
	memcpy(frame_states, boot_states, sizeof(frame_states));
}

/* The VMBus server and its disks on the emulator as it is now. */
static void vmbus_server(const struct hvsim_profile *p, uint64_t seed)
{
	/* 2023-11-14 as the host's clock, 100 ns since 1601 */
	vbh_init(&env.vbh, p->vmbus_version, seed, (1700000000ull + 11644473600ull) * 10000000ull);
	env.vbh.log = host_log;
	for (unsigned i = 0; i < env.ndisks; i++)
		vbh_add_disk(env.disk[i]);
	if (p->vmbus_version) {
		hvsim.on_post = on_post;
		hvsim.on_signal = on_signal;
	}
	hvsim.host_due = vbh_next_due;
	hvsim.on_host_timer = vbh_timer;
}

void env_up(const struct hvsim_profile *p, int last_level)
{
	host_reset(p);
	env.plat = *hvsim.plat;
	env.plat.enter = sim_enter;
	env.plat.leave = sim_leave;
	hvsim.plat = &env.plat;
	host_advance_ns(1000000);	/* reference time 0 means "never" to timers */
	memset(&vmbus, 0, sizeof(vmbus));
	env.npolls = 0;
	env.allocs = 0;
	env.power_offs = env.power_resets = 0;
	env.power_jmp = NULL;
	env.wall_ns = 1700000000ll * 1000000000ll;	/* the firmware's clock */
	memset(&acpi, 0, sizeof(acpi));
	acpi.s4 = env.s4;
	frames_fresh();
	mem_usable_bytes = 47 << 20;
	env.hibernate_requests = 0;
	env.hibernate_source = NULL;
	vmbus_server(p, 0x1234567812345678ull);
	for (int level = INIT_PLATFORM; level <= last_level; level++)
		run_initcalls(level);
	if (last_level >= INIT_DRIVERS)
		kernel_poll();
}

/* Power-off: what the machine would reclaim (rings of channels still
 * open, the IC state of bound drivers), then hv/ down. */
void env_down(void)
{
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->ring_pa)
			page_free(ch->ring_pa, ch->ring_pages);
		ch->ring_pa = 0;
		if (ch->priv && ch->drv && ch->drv->probe == ic_probe) {
			kfree(ch->priv);
			ch->priv = NULL;
		} else if (ch->priv && ch->drv) {
			ch->drv->remove(ch);	/* the balloon and keyboard state */
		}
	}
	hv_teardown();
	vbhost = NULL;
}

void env_new_host(const struct hvsim_profile *p, bool newvm, uint32_t absent)
{
	uint64_t t = hvsim_enter();
	/* The hypervisor's partition is created now (reference time from 0),
	 * nothing of the old one's SynIC queues, overlays or timers is left. */
	hvsim_init(p, &env.plat, HOST_TSC_HZ, HOST_APIC_HZ);
	vmbus_server(p, 0x0badcafe5eed0000ull ^ host.tsc);
	env.vbh.newvm = newvm;
	env.vbh.absent = absent;
	hvsim_leave(t);
	host_advance_ns(1000000);
}

struct mem_disk {
	struct vbh_disk d;
	uint8_t *data;
};

static int mem_io(struct vbh_disk *d, bool write, uint64_t sector, uint32_t count, void *buf)
{
	struct mem_disk *m = d->priv;
	uint8_t *at = m->data + sector * d->sector_size;
	if (write)
		memcpy(at, buf, (size_t)count * d->sector_size);
	else
		memcpy(buf, at, (size_t)count * d->sector_size);
	return 0;
}

static int mem_flush(struct vbh_disk *d)
{
	(void)d;
	return 0;
}

struct vbh_disk *env_mem_disk(const char *name, uint64_t sectors)
{
	struct mem_disk *m = calloc(1, sizeof(*m));
	m->data = calloc(sectors, 512);
	snprintf(m->d.name, sizeof(m->d.name), "%s", name);
	m->d.sector_size = 512;
	m->d.sectors = sectors;
	m->d.max_bytes = 1 << 20;
	m->d.io = mem_io;
	m->d.flush = mem_flush;
	m->d.priv = m;
	return &m->d;
}

void env_free_disk(struct vbh_disk *d)
{
	struct mem_disk *m = d->priv;
	free(m->data);
	free(m);
}

void env_poll(void)
{
	kernel_poll();
}

void env_idle_ms(unsigned ms)
{
	for (unsigned i = 0; i < ms; i++)
		cpu_idle();
}

bool log_has(const char *s)
{
	return strstr(host.log, s) != NULL;
}

unsigned log_count(const char *s)
{
	unsigned n = 0;
	for (const char *p = host.log; (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

void log_clear(void)
{
	host.log[0] = 0;
}

const char *host_log_text(void)
{
	return host.log;
}

bool env_heartbeat_now(void)
{
	struct vbh_chan *c = vbh_find("heartbeat");
	if (!c || c->state != VBH_OPEN)
		return false;
	uint64_t before = c->ic.answered;
	c->ic.next_due = 1;
	HOST_VOID(vbh_timer(hvsim_ref_time()));
	return c->ic.answered == before + 1;
}

struct vmbus_channel *env_guest_chan(const char *name)
{
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++)
		if (vmbus.chan[i].state != VMBUS_CH_FREE && strcmp(vmbus.chan[i].name, name) == 0)
			return &vmbus.chan[i];
	return NULL;
}

unsigned env_guest_in_state(enum vmbus_chan_state st)
{
	unsigned n = 0;
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++)
		n += vmbus.chan[i].state == st;
	return n;
}
