/*
 * pm.c - the bus through a hibernation (hv-core-protocol.md 10.2, with
 * 6.10 closing and opening and 6.12 UNLOAD).
 *
 * Suspend: each bound device's driver quiesces (nothing left in flight),
 * then its channel is closed (CLOSECHANNEL, GPADL_TEARDOWN, rings freed)
 * and kept as SUSPENDED: class, instance, driver and the driver's state
 * stay, the relid goes (relids do not survive an UNLOAD).  Then UNLOAD.
 *
 * Resume: INITIATE_CONTACT with version negotiation, REQUESTOFFERS.  An
 * offer takes the place of the suspended channel with its class and
 * instance GUID (instance GUIDs are stable, relids are not: 10.2 resume
 * step 3).  A new VM has other instance GUIDs: a class of which exactly
 * one device was suspended and exactly one is offered (a VM's one SCSI
 * controller, the single-instance devices) is matched by class.  Each
 * match is reopened by its driver's resume; offers that match nothing are
 * probed as new devices; a device that is not offered again within
 * VMBUS_RESUME_WAIT_NS of ALLOFFERS_DELIVERED is reported and removed.
 * The same code runs for a resume in the same boot (the host that saw
 * the suspend) and in a kernel restored from an image (a fresh host).
 *
 * Offers arrive in the SINT2 handler as new OFFERED channels (offer.c);
 * matching moves them into the suspended structs here, in the kernel's
 * context with interrupts off.
 */
#include <string.h>

#include "../hv/hv.h"
#include "../kernel/kernel.h"
#include "vmbus.h"

static bool fresh_offer(const struct vmbus_channel *o)
{
	return o->state == VMBUS_CH_OFFERED && !o->drv && !o->resuming && !o->dead &&
	       o->gen == vmbus.gen && o->subchannel == 0;
}

/* The offer o into suspended channel s; o's slot is freed. */
static void take(struct vmbus_channel *s, struct vmbus_channel *o)
{
	s->new_instance = !vmbus_guid_eq(&s->instance, &o->instance);
	s->instance = o->instance;
	s->relid = o->relid;
	s->conn_id = o->conn_id;
	s->offer_flags = o->offer_flags;
	s->subchannel = o->subchannel;
	s->gen = o->gen;
	s->rescinded = s->released = s->dead = false;
	s->state = VMBUS_CH_OFFERED;
	memset(o, 0, sizeof(*o));
}

/* Devices of this class that were suspended, and offers of it now. */
static void count_class(const struct vmbus_guid *c, unsigned *had, unsigned *offered,
			struct vmbus_channel **offer)
{
	*had = *offered = 0;
	*offer = NULL;
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state == VMBUS_CH_FREE || !vmbus_guid_eq(&ch->class_id, c))
			continue;
		if (ch->resuming)
			(*had)++;
		if (ch->state != VMBUS_CH_SUSPENDED && ch->gen == vmbus.gen) {
			(*offered)++;
			if (fresh_offer(ch))
				*offer = ch;
		}
	}
}

/* Instance first, then class; true when no suspended channel is left. */
static bool match(void *arg)
{
	(void)arg;
	uint64_t f = irq_save();
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *o = &vmbus.chan[i];
		if (!fresh_offer(o))
			continue;
		for (unsigned k = 0; k < VMBUS_MAX_CHANNELS; k++) {
			struct vmbus_channel *s = &vmbus.chan[k];
			if (s->state == VMBUS_CH_SUSPENDED && vmbus_guid_eq(&s->class_id, &o->class_id) &&
			    vmbus_guid_eq(&s->instance, &o->instance)) {
				take(s, o);
				break;
			}
		}
	}
	bool left = false;
	for (unsigned k = 0; k < VMBUS_MAX_CHANNELS; k++) {
		struct vmbus_channel *s = &vmbus.chan[k], *o;
		if (s->state != VMBUS_CH_SUSPENDED)
			continue;
		unsigned had, offered;
		count_class(&s->class_id, &had, &offered, &o);
		if (had == 1 && offered == 1 && o)
			take(s, o);
		else
			left = true;
	}
	irq_restore(f);
	return !left;
}

/* A device that did not come back: its driver lets go of it. */
static void gone(struct vmbus_channel *ch)
{
	char c[37], in[37];
	vmbus_format_guid(&ch->class_id, c);
	vmbus_format_guid(&ch->instance, in);
	kprintf("vmbus: %s (class %s, instance %s) did not come back after resume\n", ch->name, c,
		in);
	if (ch->drv && ch->drv->remove)
		ch->drv->remove(ch);
	memset(ch, 0, sizeof(*ch));
}

/* A matched channel: its driver opens it again.  0 when it is back. */
static int reopen(struct vmbus_channel *ch)
{
	ch->resuming = false;
	if (ch->relid != ch->old_relid || ch->new_instance) {
		char in[37] = "";
		if (ch->new_instance)
			vmbus_format_guid(&ch->instance, in);
		kprintf("vmbus: %s rebound: relid %u -> %u%s%s%s\n", ch->name, ch->old_relid,
			ch->relid, ch->new_instance ? " (new instance " : "", in,
			ch->new_instance ? ")" : "");
	}
	const struct vmbus_driver *d = ch->drv;
	if (!d->resume) {
		/* Nothing to resume with: the device starts anew. */
		if (d->remove)
			d->remove(ch);
		ch->drv = NULL;
		ch->priv = NULL;
		return -1;
	}
	if (d->resume(ch) == 0)
		return 0;
	kprintf("vmbus: %s (relid %u): did not resume%s; device removed\n", ch->name, ch->relid,
		ch->rescinded ? " (rescinded)" : "");
	if (d->remove)
		d->remove(ch);
	if (ch->state == VMBUS_CH_OPEN || ch->state == VMBUS_CH_FAILED)
		vmbus_close(ch);
	ch->drv = NULL;
	ch->priv = NULL;
	if (!ch->rescinded)
		ch->dead = true;	/* not probed again, as after a failed probe */
	return -1;
}

/* Quiesce and close one bound channel; -1 (with its line) if it cannot. */
static int suspend_one(struct vmbus_channel *ch)
{
	if (ch->drv->suspend && ch->drv->suspend(ch) != 0) {
		kprintf("vmbus: %s (relid %u) could not be suspended\n", ch->name, ch->relid);
		return -1;
	}
	vmbus_close(ch);
	ch->old_relid = ch->relid;
	ch->relid = 0;		/* relids do not survive the UNLOAD (10.2) */
	ch->new_instance = false;
	ch->resuming = true;
	ch->state = VMBUS_CH_SUSPENDED;
	return 0;
}

/* A refused suspend: what was closed opens again, same connection (the
 * relid and connection id it had). */
static void undo(void)
{
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state != VMBUS_CH_SUSPENDED)
			continue;
		ch->relid = ch->old_relid;
		ch->state = VMBUS_CH_OFFERED;
		ch->gen = vmbus.gen;
		reopen(ch);
	}
	vmbus.suspended = false;
	vmbus.work = true;
}

static bool bound(const struct vmbus_channel *ch)
{
	return ch->state == VMBUS_CH_OPEN && ch->drv && !ch->dead;
}

int vmbus_suspend(void)
{
	if (!vmbus.connected)
		return 0;
	/* Channels the host broke or took away are settled first (their
	 * drivers were told); they are not brought back. */
	vmbus_release_dead();
	vmbus.suspended = true;
	/* Drivers that can refuse (a request outstanding) go first, so that
	 * a refusal costs no reopening of the others. */
	unsigned n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
			struct vmbus_channel *ch = &vmbus.chan[i];
			if (!bound(ch) || (ch->drv->suspend != NULL) != (pass == 0))
				continue;
			if (suspend_one(ch) != 0) {
				undo();
				return -1;
			}
			n++;
		}
	/* Everything else (no driver, a probe that failed, a channel the
	 * host broke) is forgotten: the new connection offers it again.  A
	 * driver still bound is one whose channel the host broke or
	 * rescinded during the loop above (a post there took the message
	 * in): it lets go now, as vmbus_release_dead would have had it. */
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state == VMBUS_CH_SUSPENDED || ch->state == VMBUS_CH_FREE)
			continue;
		if (ch->drv && ch->drv->remove)
			ch->drv->remove(ch);
		if (ch->state == VMBUS_CH_OPEN || ch->state == VMBUS_CH_FAILED)
			vmbus_close(ch);
		ch->state = VMBUS_CH_FREE;	/* rings, if any, are handled below */
	}
	int r = vmbus_unload_request();
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		/* Rings whose GPADL_TEARDOWN went unanswered are ours again
		 * after UNLOAD_RESPONSE (6.12); without it they stay allocated
		 * (a leak is safer than a page the host still writes). */
		if (ch->ring_pa && !r)
			page_free(ch->ring_pa, ch->ring_pages);
		ch->ring_pa = 0;
		ch->ring_pages = 0;
		ch->gpadl = 0;
		if (ch->state == VMBUS_CH_FREE)
			memset(ch, 0, sizeof(*ch));
	}
	kprintf("vmbus: suspended, %u devices closed\n", n);
	return 0;
}

void vmbus_resume(bool restored)
{
	/* One path for both: what differs is only the host (pm.h). */
	(void)restored;
	if (!vmbus.suspended)
		return;
	vmbus.suspended = false;
	uint64_t t0 = time_ns();
	unsigned n = 0;
	if (!hv.hypercall_page || !hv.simp) {
		kprintf("vmbus: resume: no hypercall page or SynIC; no VMBus\n");
	} else if (vmbus_connect() == 0) {
		if (!match(NULL))
			vmbus_wait(match, NULL, VMBUS_RESUME_WAIT_NS);
	}
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->state == VMBUS_CH_SUSPENDED)
			gone(ch);
	}
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->resuming && reopen(ch) == 0)
			n++;
	}
	if (vmbus.connected)
		vmbus_bind_pending();	/* new devices, probed as at boot */
	vmbus.work = true;
	kprintf("vmbus: resumed, %u devices rebound in %lu ms\n", n,
		(time_ns() - t0) / 1000000);
}

unsigned vmbus_bound(struct vmbus_guid *classes, struct vmbus_guid *instances, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		const struct vmbus_channel *ch = &vmbus.chan[i];
		if (!ch->drv || ch->dead ||
		    (ch->state != VMBUS_CH_OPEN && ch->state != VMBUS_CH_SUSPENDED))
			continue;
		if (n < max) {
			classes[n] = ch->class_id;
			instances[n] = ch->instance;
		}
		n++;
	}
	return n;
}
