/*
 * admin.c - the emulated host's administrator console on COM2: line
 * commands that play what a Hyper-V administrator does from PowerShell
 * (Stop-VM, Restart-VM, the time-sync service, removing and adding a
 * device, and fault injection for tests).
 *
 * COM2 belongs to the host: the guest kernel never touches it.  The host
 * polls it from its own timer (hvsim_poll), so commands take effect while
 * the guest runs, including when it polls with interrupts off (the next
 * hypercall or timer expiry picks them up).  The console is a 16550 at
 * 0x2f8; OVMF prints on it before the host takes it over.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernel/cpu.h"
#include "../../kernel/kernel.h"
#include "admin.h"
#include "hvsim.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"
#include "wcache.h"

#define COM2		0x2f8
#define UART_DATA	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DATA_READY	0x01
#define LSR_THR_EMPTY	0x20

/* The console's state, in the host's memory (hvsim.h). */
#define ADMIN	(hvsim.admin)

static void out(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			out("\r");
		/* Bounded: a COM2 nobody reads must not stop the host. */
		for (int i = 0; i < 20000 && !(inb(COM2 + UART_LSR) & LSR_THR_EMPTY); i++)
			pause();
		outb(COM2 + UART_DATA, (uint8_t)*s);
	}
}

/* For this file's commands and those in other files (admin_dev.c). */
#define say admin_say
void admin_say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(buf);
}

static const char *const state_names[] = {
	[VBH_FREE] = "released", [VBH_OFFERED] = "offered", [VBH_OPEN] = "open",
	[VBH_RESCINDED] = "rescinded",
};

static void cmd_status(char *arg)
{
	(void)arg;
	uint32_t v = vbhost->version;
	if (v)
		say("vmbus: connected, version %u.%u, %lu contacts, %lu unloads\n", v >> 16,
		    v & 0xffff, vbhost->contacts, vbhost->unloads);
	else
		say("vmbus: not connected (%lu contacts, %lu unloads)\n", vbhost->contacts,
		    vbhost->unloads);
	for (unsigned i = 0; i < VBH_CHANNELS; i++) {
		const struct vbh_chan *c = &vbhost->chan[i];
		if (!c->dev)
			continue;
		say("device %s: relid %u, %s", c->dev->name, c->relid, state_names[c->state]);
		if (c->ic.negotiated)
			say(", versions %u.%u/%u.%u", c->ic.frame[0], c->ic.frame[1], c->ic.svc[0],
			    c->ic.svc[1]);
		say("\n");
	}
	say("heartbeat: %lu answered\n", ic_heartbeats_answered());
	say("guest: %s\n", hvsim.scontrol & 1 ? "SynIC on" : "SynIC off");
	say("host: %lu bad messages dropped\n", vbhost->bad_msgs);
}

static void cmd_shutdown(char *arg)
{
	unsigned flags = 0;
	char *w;
	bool ok = true;
	while ((w = strsep(&arg, " ")) != NULL) {
		if (!*w || strcmp(w, "poweroff") == 0)
			continue;
		if (strcmp(w, "reboot") == 0)
			flags |= IC_SHUTDOWN_RESTART;
		else if (strcmp(w, "hibernate") == 0)
			flags |= IC_SHUTDOWN_HIBERNATE;
		else if (strcmp(w, "force") == 0)
			flags |= IC_SHUTDOWN_FORCE;
		else
			ok = false;
	}
	if (!ok || (flags & IC_SHUTDOWN_RESTART && flags & IC_SHUTDOWN_HIBERNATE)) {
		say("usage: shutdown [poweroff|reboot|hibernate] [force]\n");
		return;
	}
	if (ic_shutdown(flags) != 0)
		say("shutdown: the guest's shutdown service is not open\n");
	else
		say("shutdown: request sent (flags 0x%x)\n", flags);
}

static void cmd_time(char *arg)
{
	if (*arg) {
		char *end;
		long s = strtol(arg, &end, 10);
		if (*end || (arg[0] != '+' && arg[0] != '-') || s < -315360000 || s > 315360000) {
			say("usage: time [+SECONDS|-SECONDS] (at most 10 years)\n");
			return;
		}
		vbhost->wall_offset += s;
	}
	if (ic_time_sync() != 0)
		say("time: the guest's time sync service is not open\n");
	else
		say("time: sync sent, host clock %+ld s from its start value\n",
		    (long)vbhost->wall_offset);
}

static void cmd_rescind(char *arg)
{
	if (vbh_rescind(arg) != 0)
		say("rescind: no device '%s' offered (see status)\n", arg);
	else
		say("rescind: %s rescinded\n", arg);
}

static void cmd_offer(char *arg)
{
	static const char *const why[] = { "", "no such device or not connected",
					   "it is still offered or its relid not released",
					   "no room" };
	int r = vbh_offer(arg);
	if (r)
		say("offer: cannot offer '%s': %s\n", arg, why[-r]);
	else
		say("offer: %s offered, relid %u\n", arg, vbh_find(arg)->relid);
}

/* fault NAME [N]: N (default 0) requests of the kind go by unharmed first
 * (for the disk faults: the (N+1)th write is hit). */
static void cmd_fault(char *arg)
{
	char *count = strchr(arg, ' ');
	long after = 0;
	if (count) {
		*count++ = 0;
		char *end;
		after = strtol(count, &end, 10);
		if (*end || end == count || after < 0 || after > 1000000)
			after = -1;
	}
	enum vbh_fault f = vbh_fault_by_name(arg);
	if (f == VBH_FAULT_NONE || after < 0) {
		say("usage: fault NAME [N], N requests let through first (0 to 1000000); "
		    "NAME is one of:");
		for (int i = 1; i < VBH_NFAULTS; i++)
			say(" %s", vbh_fault_name((enum vbh_fault)i));
		say("\n");
		return;
	}
	vbh_fault_inject_after(f, (uint32_t)after);
	if (after)
		say("fault: %s armed after %ld requests\n", arg, after);
	else
		say("fault: %s injected\n", arg);
}

/* A power cut once N more writes have reached the host's disks. */
static void cmd_cut(char *arg)
{
	struct wcache *w = hvsim.wcache;
	char *end;
	long n = strtol(arg, &end, 10);
	if (!w || !*arg || *end || n < 0 || n > 100000000) {
		say("usage: cut N, N from 0 (none) to 100000000 writes; needs host disks\n");
		return;
	}
	w->cut_at = n ? w->reached + (uint64_t)n : 0;
	say("cut: %s\n", n ? "power cut armed" : "none");
}

/* Heartbeats and time samples every MS milliseconds instead of 1 s / 5 s. */
static void cmd_icstorm(char *arg)
{
	char *end;
	long ms = strtol(arg, &end, 10);
	if (strcmp(arg, "off") == 0) {
		vbhost->ic_every = 0;
		say("icstorm: off (heartbeat every 1 s, time sample every 5 s)\n");
	} else if (*arg && !*end && ms >= 1 && ms <= 1000) {
		vbhost->ic_every = (uint64_t)ms * 10000;
		say("icstorm: heartbeat and time sample every %ld ms\n", ms);
	} else {
		say("usage: icstorm MS|off, MS from 1 to 1000\n");
	}
}

/* The host's disks, as storvsp serves them (LUN = position). */
static void cmd_disks(char *arg)
{
	(void)arg;
	struct vbh_chan *c = vbh_find("scsi");
	if (!vbhost->ndisks)
		say("disks: none (attach virtio-blk disks to QEMU)\n");
	for (unsigned i = 0; i < vbhost->ndisks; i++) {
		const struct vbh_disk *d = vbhost->disk[i];
		say("  LUN %u: %s, %lu MiB, %u-byte sectors, %s; %lu reads, %lu writes, "
		    "%lu flushes, %lu errors\n", i, d->name,
		    (unsigned long)(d->sectors * d->sector_size >> 20), d->sector_size,
		    d->present ? "attached" : "detached", (unsigned long)d->reads,
		    (unsigned long)d->writes, (unsigned long)d->flushes, (unsigned long)d->errors);
	}
	if (c && c->state == VBH_OPEN)
		say("  controller: protocol %u.%u, %lu SRBs, %lu never completed%s\n",
		    c->scsi.version >> 8, c->scsi.version & 0xff, (unsigned long)c->scsi.srbs,
		    (unsigned long)c->scsi.held, c->scsi.broken ? ", broken by the guest" : "");
	else
		say("  controller: not open\n");
	const struct wcache *w = hvsim.wcache;
	if (w)
		say("  write cache: %s; %u KiB in %u writes not on disk yet; %lu writes cached, "
		    "%lu write backs; %lu writes reached the disks\n",
		    w->through ? "off (write-through)" : "on (lost at a power cut)", w->used >> 10,
		    w->n, (unsigned long)w->cached, (unsigned long)w->destages,
		    (unsigned long)w->reached);
}

/* The host disks' volatile cache on or off (off writes back what it holds). */
static void cmd_cache(char *arg)
{
	struct wcache *w = hvsim.wcache;
	if (!w) {
		say("cache: no host disks\n");
		return;
	}
	if (strcmp(arg, "on") == 0) {
		w->through = false;
	} else if (strcmp(arg, "off") == 0) {
		if (wcache_destage(w) != 0) {
			say("cache: writing back failed; still on\n");
			return;
		}
		w->through = true;
	} else {
		say("usage: cache on|off\n");
		return;
	}
	say("cache: %s\n", arg);
}

/* Take a disk off the bus or put it back, and tell the guest (1.9). */
static void attach(char *arg, bool on)
{
	char *end;
	long lun = strtol(arg, &end, 10);
	if (!*arg || *end || lun < 0 || lun >= (long)vbhost->ndisks) {
		say("usage: %s LUN (0 to %u)\n", on ? "attach" : "detach",
		    vbhost->ndisks ? vbhost->ndisks - 1 : 0);
		return;
	}
	vbhost->disk[lun]->present = on;
	say("%s: LUN %ld %s; ENUMERATE_BUS %s\n", on ? "attach" : "detach", lun,
	    on ? "attached" : "detached", storvsp_enumerate() == 0 ? "sent" : "not sent (controller not ready)");
}

static void cmd_attach(char *arg)
{
	attach(arg, true);
}

static void cmd_detach(char *arg)
{
	attach(arg, false);
}

static void cmd_help(char *arg);

static const struct {
	const char *name, *args, *help;
	void (*fn)(char *arg);
} cmds[] = {
	{ "help", "", "this list", cmd_help },
	{ "status", "", "VMBus connection, devices and relids, heartbeats", cmd_status },
	{ "shutdown", "[poweroff|reboot|hibernate] [force]", "ask the guest's shutdown service",
	  cmd_shutdown },
	{ "time", "[+/-SECONDS]", "move the host clock and send a time sync", cmd_time },
	{ "rescind", "DEVICE", "take a device away", cmd_rescind },
	{ "offer", "DEVICE", "offer a device again", cmd_offer },
	{ "fault", "NAME [N]", "inject a fault, after N requests (fault alone lists them)",
	  cmd_fault },
	{ "cut", "N", "power cut once N more writes reached the disks", cmd_cut },
	{ "icstorm", "MS|off", "heartbeats and time samples every MS ms", cmd_icstorm },
	{ "disks", "", "the disks the SCSI controller serves", cmd_disks },
	{ "cache", "on|off", "the host disks' volatile write cache (on at power on)", cmd_cache },
	{ "detach", "LUN", "take a disk off the SCSI bus (the guest rescans)", cmd_detach },
	{ "attach", "LUN", "put a detached disk back", cmd_attach },
	{ "balloon", "up|down MIB", "ask the guest to give or take back memory", admin_balloon },
	{ "hotadd", "MIB", "add memory held back at boot", admin_hotadd },
	{ "pressure", "", "the guest's last memory status report", admin_pressure },
	{ "key", "TEXT", "type TEXT and Enter on the synthetic keyboard", admin_key },
	{ "kvp", "", "the guest's KVP pairs (and read them again)", admin_kvp },
};

static void cmd_help(char *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		say("  %s %s - %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	say("devices:");
	for (unsigned i = 0; i < vbh_ndevices; i++)
		say(" %s", vbh_devices[i].name);
	say("\n");
}

static void run(char *line)
{
	while (*line == ' ')
		line++;
	char *arg = strchr(line, ' ');
	if (arg)
		*arg++ = 0;
	else
		arg = line + strlen(line);
	while (*arg == ' ')
		arg++;
	if (!*line)
		return;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, line) == 0) {
			cmds[i].fn(arg);
			return;
		}
	}
	say("unknown command '%s'; try help\n", line);
}

void admin_poll(void)
{
	if (!ADMIN || !ADMIN->present)
		return;
	while (inb(COM2 + UART_LSR) & LSR_DATA_READY) {
		char ch = (char)inb(COM2 + UART_DATA);
		if (ch == '\r' || ch == '\n') {
			out("\n");
			ADMIN->line[ADMIN->len] = 0;
			ADMIN->len = 0;
			run(ADMIN->line);
			out("hvsim> ");
		} else if ((ch == 0x7f || ch == '\b') && ADMIN->len) {
			ADMIN->len--;
			out("\b \b");
		} else if (ch >= ' ' && ch < 0x7f && ADMIN->len < sizeof(ADMIN->line) - 1) {
			ADMIN->line[ADMIN->len++] = ch;
			char echo[2] = { ch, 0 };
			out(echo);
		}
	}
}

void admin_init(struct admin *a)
{
	ADMIN = a;
	memset(a, 0, sizeof(*a));
	outb(COM2 + 7, 0x5a);		/* scratch register: is it there? */
	if (inb(COM2 + 7) != 0x5a)
		return;
	outb(COM2 + UART_IER, 0);
	outb(COM2 + UART_LCR, 0x80);	/* 115200 8N1, FIFO on */
	outb(COM2 + UART_DATA, 1);
	outb(COM2 + UART_IER, 0);
	outb(COM2 + UART_LCR, 0x03);
	outb(COM2 + UART_FCR, 0x07);
	outb(COM2 + UART_MCR, 0x03);
	a->present = true;
	out("\nhvsim: administrator console; type help\nhvsim> ");
}
