/*
 * offer.c - offers, rescinds and the driver model (6.7, 6.11).
 *
 * An offer (at boot or at any later time) becomes a channel in the
 * OFFERED state; binding it to a driver (whose probe opens it) waits for
 * host answers, so it is deferred to vmbus_poll.  A rescind may come at
 * any moment, even while a driver is opening the channel or has I/O
 * outstanding: the channel is marked dead at once (waits on it end, no
 * more I/O is sent), and vmbus_poll tells the driver, closes the channel
 * and sends RELID_RELEASED once nothing refers to it.
 */
#include <string.h>

#include "dormant.h"	/* first: kernel.h defines noreturn */
#include "../kernel/kernel.h"
#include "vmbus.h"

/* Names for the boot log (hv-vsc-protocols.md 5). */
static const struct {
	struct vmbus_guid id;
	const char *name;
} class_names[] = {
	{ VMBUS_CLASS_HEARTBEAT, "heartbeat" },
	{ VMBUS_CLASS_SHUTDOWN, "shutdown" },
	{ VMBUS_CLASS_TIMESYNC, "timesync" },
	{ VMBUS_CLASS_KVP, "kvp" },
	{ VMBUS_CLASS_VSS, "vss" },
	{ VMBUS_CLASS_SCSI, "scsi" },
	{ VMBUS_CLASS_BALLOON, "balloon" },
	{ VMBUS_CLASS_KEYBOARD, "keyboard" },
};

bool vmbus_guid_eq(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

static const char *class_name(const struct vmbus_guid *g)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (vmbus_guid_eq(&class_names[i].id, g))
			return class_names[i].name;
	return "unknown";
}

struct vmbus_channel *vmbus_by_relid(uint32_t relid)
{
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++)
		if (vmbus.chan[i].state != VMBUS_CH_FREE && vmbus.chan[i].relid == relid)
			return &vmbus.chan[i];
	return NULL;
}

/* Interrupt context: record the offer; binding happens in vmbus_poll. */
void vmbus_on_offer(const struct vmbus_msg_offer_channel *m)
{
	uint32_t relid = m->child_relid;
	if (relid == 0 || relid > VMBUS_MAX_RELID) {
		kprintf("vmbus: offer with relid %u (not 1..%u); dropped\n", relid, VMBUS_MAX_RELID);
		vmbus.bad_msgs++;
		return;
	}
	if (vmbus_by_relid(relid)) {
		kprintf("vmbus: second offer for relid %u; dropped\n", relid);
		vmbus.bad_msgs++;
		return;
	}
	struct vmbus_channel *ch = NULL;
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS && !ch; i++)
		if (vmbus.chan[i].state == VMBUS_CH_FREE)
			ch = &vmbus.chan[i];
	if (!ch) {
		kprintf("vmbus: more than %u channels offered; relid %u ignored\n",
			VMBUS_MAX_CHANNELS, relid);
		return;
	}
	memset(ch, 0, sizeof(*ch));
	ch->class_id = m->if_type;
	ch->instance = m->if_instance;
	ch->relid = relid;
	ch->conn_id = m->connection_id;
	ch->offer_flags = m->chan_flags;
	ch->subchannel = m->sub_channel_index;
	ch->gen = vmbus.gen;
	ksnprintf(ch->name, sizeof(ch->name), "%s", class_name(&ch->class_id));
	ch->state = VMBUS_CH_OFFERED;
	vmbus.work = true;
}

void vmbus_on_rescind(uint32_t relid)
{
	struct vmbus_channel *ch = vmbus_by_relid(relid);
	if (!ch || ch->rescinded) {
		kprintf("vmbus: rescind of unknown relid %u; dropped\n", relid);
		vmbus.bad_msgs++;
		return;
	}
	ch->rescinded = true;
	ch->dead = true;
	vmbus.work = true;
	kprintf("vmbus: %s (relid %u) rescinded by the host\n", ch->name, relid);
}

int vmbus_register_driver(const struct vmbus_driver *drv)
{
	if (vmbus.ndrivers == VMBUS_MAX_DRIVERS)
		panic("vmbus: too many drivers");
	vmbus.drivers[vmbus.ndrivers++] = drv;
	vmbus.work = true;	/* bound at the end of boot (kmain's kernel_poll) */
	return 0;
}

static const struct vmbus_driver *driver_for(const struct vmbus_channel *ch)
{
	for (unsigned i = 0; i < vmbus.ndrivers; i++) {
		const struct vmbus_driver *d = vmbus.drivers[i];
		if (vmbus_guid_eq(&d->class_id, &ch->class_id) &&
		    (!d->instance || vmbus_guid_eq(d->instance, &ch->instance)))
			return d;
	}
	return NULL;
}

static void log_unknown_once(const struct vmbus_channel *ch)
{
	for (unsigned i = 0; i < vmbus.nunknown; i++)
		if (vmbus_guid_eq(&vmbus.unknown[i], &ch->class_id))
			return;
	if (vmbus.nunknown < VMBUS_MAX_CHANNELS)
		vmbus.unknown[vmbus.nunknown++] = ch->class_id;
	char c[37];
	vmbus_format_guid(&ch->class_id, c);
	kprintf("vmbus: no driver for class %s (%s, relid %u)\n", c, ch->name, ch->relid);
}

void vmbus_bind_pending(void)
{
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state != VMBUS_CH_OFFERED || ch->drv || ch->dead)
			continue;
		const struct vmbus_driver *d = driver_for(ch);
		if (!d) {
			if (vmbus.ndrivers)
				log_unknown_once(ch);
			continue;
		}
		ch->drv = d;
		char c[37], in[37];
		vmbus_format_guid(&ch->class_id, c);
		vmbus_format_guid(&ch->instance, in);
		int r = d->probe(ch);
		kprintf("vmbus: %s: class %s instance %s relid %u%s\n", d->name, c, in, ch->relid,
			r ? (ch->rescinded ? ": rescinded while opening" : ": probe failed") : "");
		if (r) {
			if (ch->state == VMBUS_CH_OPEN)
				vmbus_close(ch);
			ch->drv = NULL;
			if (!ch->rescinded)
				ch->dead = true;	/* not retried */
		}
	}
}

/* Channels the host broke: tell the driver and close them; they stay
 * known (dead) and are not bound again until the host offers anew. */
static void close_failed(void)
{
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state != VMBUS_CH_FAILED || ch->rescinded)
			continue;
		if (ch->drv && ch->drv->remove)
			ch->drv->remove(ch);
		vmbus_close(ch);
	}
}

/* Rescinded channels: tell the driver, close, release the relid (6.11). */
void vmbus_release_dead(void)
{
	close_failed();
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state == VMBUS_CH_FREE || !ch->rescinded || ch->released)
			continue;
		if (ch->drv && ch->drv->remove)
			ch->drv->remove(ch);
		if (ch->state == VMBUS_CH_OPEN || ch->state == VMBUS_CH_FAILED)
			vmbus_close(ch);
		else if (ch->gpadl)
			vmbus_put_rings(ch);	/* left by an open the rescind cut short */
		struct vmbus_msg_relid_released m;
		memset(&m, 0, sizeof(m));
		m.hdr.type = VMBUS_MSG_RELID_RELEASED;
		m.child_relid = ch->relid;
		vmbus_post(&m, sizeof(m));
		/* Rings whose GPADL_TEARDOWN went unanswered: the host drops the
		 * channel with the relid (6.11 leaves its GPADLs unsaid; the
		 * emulated host and OpenVMM release them), so the pages are
		 * taken back here rather than lost for good each time. */
		if (ch->ring_pa) {
			page_free(ch->ring_pa, ch->ring_pages);
			ch->ring_pa = 0;
			ch->gpadl = 0;
		}
		kprintf("vmbus: %s (relid %u) released\n", ch->name, ch->relid);
		ch->released = true;
		ch->state = VMBUS_CH_FREE;
	}
}

void vmbus_list(void (*out)(const char *line))
{
	char line[160], in[37];
	static const char *const states[] = { "free", "offered", "open", "failed", "suspended" };
	if (!vmbus.connected) {
		out("vmbus: not connected");
		return;
	}
	ksnprintf(line, sizeof(line), "vmbus: version %u.%u", VMBUS_VERSION_MAJOR(vmbus.version),
		  VMBUS_VERSION_MINOR(vmbus.version));
	out(line);
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		const struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state == VMBUS_CH_FREE)
			continue;
		vmbus_format_guid(&ch->instance, in);
		ksnprintf(line, sizeof(line), "  %-10s relid %-4u %-7s %s%s", ch->name, ch->relid,
			  states[ch->state], in, ch->drv ? "" : " (no driver)");
		out(line);
	}
}

/* dormant.h */
void dormant_devices(void (*line)(const char *text))
{
	vmbus_list(line);
}
