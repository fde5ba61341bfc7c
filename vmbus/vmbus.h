/*
 * vmbus.h - dormant's VMBus client (hv-core-protocol.md sections 6-8).
 *
 *   connect.c  version negotiation, the control-message path, waits, unload
 *   offer.c    offers, rescind, the driver model and binding
 *   gpadl.c    GPADL creation (header + body messages) and teardown
 *   channel.c  opening and closing channels, sending and receiving packets
 *   ring.c     the ring buffers (pure), msg.c the checks of host messages
 *   pm.c       hibernation: suspend (close, unload) and resume (reconnect,
 *              match the offers to the devices we had, reopen)
 *
 * One root object, 'vmbus', holds the connection and every channel.
 * Control messages from the host arrive in the SINT2 handler (interrupt
 * context, or polled with interrupts off), are copied, checked
 * (vmbus_msg_check) and dispatched; requests that wait for an answer run
 * one at a time in the kernel's context (probe, open, close, unload).
 * Work that must wait (binding a new offer, tearing down a rescinded
 * channel) is deferred to vmbus_poll(), which the kernel runs whenever
 * the application calls into it (kernel/poll.c).
 *
 * The host is not trusted: a malformed message is logged and dropped; a
 * channel whose ring the host corrupts is closed, never the kernel.
 */
#ifndef DORMANT_VMBUS_H
#define DORMANT_VMBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "ring.h"
#include "vmbus_wire.h"

#define VMBUS_MAX_CHANNELS	32
#define VMBUS_MAX_RELID		2047	/* one SIEF area holds 2048 bits (6.8) */
#define VMBUS_MAX_DRIVERS	16

struct vmbus_channel;

/* A driver binds to offers of its class (and instance, when given). */
struct vmbus_driver {
	const char *name;
	struct vmbus_guid class_id;
	const struct vmbus_guid *instance;	/* NULL: any instance */
	/* Open the channel and start; non-zero leaves the offer unbound. */
	int (*probe)(struct vmbus_channel *ch);
	/* The device is gone (rescind, or not offered again after a resume)
	 * or the bus is going down: stop using the channel and let go of
	 * priv; the bus closes the channel afterwards if it is open. */
	void (*remove)(struct vmbus_channel *ch);
	/* Hibernation (pm.c).  suspend quiesces the device: nothing left in
	 * flight (drained, never re-issued), nothing new accepted; 0, or
	 * non-zero with a console line when it cannot (the bus then brings
	 * back what it already suspended and refuses).  The bus closes the
	 * channel afterwards and keeps it, priv included.  NULL: nothing is
	 * ever in flight.
	 * resume gets the channel back in the OFFERED state with the relid
	 * of the new connection (maybe another instance GUID): open it again
	 * (fresh rings) and redo the device handshake, keeping what the
	 * application holds (block devices).  0, or non-zero when the device
	 * did not come back: the bus then runs remove and closes the
	 * channel.  NULL: remove, and the offer is probed as a new device. */
	int (*suspend)(struct vmbus_channel *ch);
	int (*resume)(struct vmbus_channel *ch);
	/* Packets are waiting in the inbound ring (interrupt context or
	 * polled): read them with vmbus_recv. */
	void (*on_event)(struct vmbus_channel *ch);
};

enum vmbus_chan_state {
	VMBUS_CH_FREE,
	VMBUS_CH_OFFERED,	/* known, not open */
	VMBUS_CH_OPEN,
	VMBUS_CH_FAILED,	/* closed by us after a host error */
	VMBUS_CH_SUSPENDED,	/* hibernation: closed, relid 0, awaiting its offer */
};

struct vmbus_channel {
	enum vmbus_chan_state state;
	struct vmbus_guid class_id, instance;
	uint32_t relid, conn_id;
	uint16_t offer_flags, subchannel;
	bool rescinded;		/* the host took it away */
	bool released;		/* RELID_RELEASED sent */
	bool dead;		/* rescinded or failed: no more I/O */
	const struct vmbus_driver *drv;
	void *priv;		/* the driver's */
	char name[24];		/* e.g. "heartbeat" */
	/* rings: one volatile allocation, outbound first (6.10) */
	uint64_t ring_pa;
	uint32_t ring_pages, out_pages;
	uint32_t gpadl;		/* 0 when none */
	struct vmbus_ring out, in;
	uint64_t packets_in, packets_out, bad_packets;
	/* pm.c */
	uint32_t gen;		/* the connection whose offer this is */
	bool resuming;		/* suspended, until resume reopens it */
	uint32_t old_relid;	/* before the suspend, for the log */
	bool new_instance;	/* matched by class: another instance GUID */
};

struct vmbus_reply {
	volatile bool ready;
	uint32_t type;		/* the message type awaited */
	uint32_t key;		/* relid or GPADL handle it must carry */
	uint8_t msg[VMBUS_MSG_MAX_SIZE];
};

struct vmbus_state {
	bool connected;
	bool suspended;		/* pm.c: offers are not taken */
	uint32_t gen;		/* connections made, this boot and before */
	uint32_t version;	/* negotiated */
	uint32_t msg_conn;	/* PostMessage connection after contact */
	volatile bool all_offers;
	volatile bool work;	/* vmbus_poll has something to do */
	struct vmbus_reply reply;
	struct vmbus_channel chan[VMBUS_MAX_CHANNELS];
	const struct vmbus_driver *drivers[VMBUS_MAX_DRIVERS];
	unsigned ndrivers;
	uint32_t next_gpadl;
	uint64_t bad_msgs, boot_bound_ns;
	struct vmbus_guid unknown[VMBUS_MAX_CHANNELS];	/* classes logged once */
	unsigned nunknown;
};

extern struct vmbus_state vmbus;

/* connect.c */
int vmbus_connect(void);
void vmbus_unload(void);
/* UNLOAD and its answer (6.12), the connection marked down: 0, or -1
 * without an answer (the host may still hold GPADLs). */
int vmbus_unload_request(void);
int vmbus_post(const void *msg, uint32_t size);
/* Send msg and wait (bounded) for the reply of type 'type' carrying key
 * (a relid or GPADL handle) at offset 8, or any when key is 0; the reply
 * is in vmbus.reply.msg.  0; -1 on a timeout or a rescind of ch; below
 * -1, -(hypercall status) - 1 when PostMessage failed. */
int vmbus_request(const void *msg, uint32_t size, uint32_t type, uint32_t key,
		  struct vmbus_channel *ch);
/* Wait until cond() or the timeout; processes host messages meanwhile,
 * polling the SynIC when interrupts are off. */
bool vmbus_wait(bool (*cond)(void *), void *arg, uint64_t timeout_ns);
/* vmbus_wait condition: the awaited reply came, or channel arg died. */
bool vmbus_reply_or_dead(void *arg);
#define VMBUS_REQUEST_WAIT_NS	(2000ull * 1000 * 1000)
void vmbus_poll(void);
void vmbus_format_guid(const struct vmbus_guid *g, char out[37]);

/* offer.c */
void vmbus_on_offer(const struct vmbus_msg_offer_channel *m);
void vmbus_on_rescind(uint32_t relid);
int vmbus_register_driver(const struct vmbus_driver *drv);
void vmbus_bind_pending(void);
struct vmbus_channel *vmbus_by_relid(uint32_t relid);
void vmbus_release_dead(void);
/* Print the known devices, one line each (the demo's `devices`). */
void vmbus_list(void (*out)(const char *line));

/* gpadl.c: 0 with *handle; VMBUS_GPADL_REFUSED when the host has no
 * GPADL (the pages are free to reuse); VMBUS_GPADL_UNKNOWN when it may
 * have one (*handle set: tear it down before reusing the pages). */
#define VMBUS_GPADL_REFUSED	(-1)
#define VMBUS_GPADL_UNKNOWN	(-2)
int vmbus_gpadl_create(struct vmbus_channel *ch, uint64_t pa, uint32_t pages, uint32_t *handle);
int vmbus_gpadl_teardown(struct vmbus_channel *ch, uint32_t handle);

/* channel.c */
int vmbus_open(struct vmbus_channel *ch, uint32_t out_pages, uint32_t in_pages);
void vmbus_close(struct vmbus_channel *ch);
void vmbus_put_rings(struct vmbus_channel *ch);
int vmbus_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t xid,
	       const void *data, uint32_t len);
/* Next packet: VMBUS_RING_OK with *len, VMBUS_RING_EMPTY, or -1 after
 * a host error (the channel is then marked failed). */
/* A GPA-direct packet with one range (storvsc's data): -1 when the
 * channel is unusable, -2 when the ring is full now. */
int vmbus_send_gpa(struct vmbus_channel *ch, uint64_t xid, const struct vmbus_gpa_buf *buf,
		   void *hdr, uint32_t cap, const void *data, uint32_t len);
int vmbus_recv(struct vmbus_channel *ch, void *buf, uint32_t cap, uint32_t *len);
void vmbus_recv_done(struct vmbus_channel *ch);
void vmbus_channel_fail(struct vmbus_channel *ch, const char *why);
void vmbus_on_event(unsigned relid);

/* pm.c: the bus's suspend and resume are pm ops "vmbus", registered by
 * vmbus_init (kernel/pm.h).  Resume is the same code whether the host is
 * the one that saw the suspend or a fresh one after a restore. */
int vmbus_suspend(void);
void vmbus_resume(bool restored);
/* How long resume waits past ALLOFFERS_DELIVERED for devices it had (the
 * references give no bound; Linux allows 10 s from the start). */
#define VMBUS_RESUME_WAIT_NS	(2000ull * 1000 * 1000)
/* The devices bound to a driver (open, or suspended and to be matched
 * again): up to max class and instance GUIDs; returns how many there are
 * (more than max when they did not all fit).  For the image header. */
unsigned vmbus_bound(struct vmbus_guid *classes, struct vmbus_guid *instances, unsigned max);
bool vmbus_guid_eq(const struct vmbus_guid *a, const struct vmbus_guid *b);

#endif
