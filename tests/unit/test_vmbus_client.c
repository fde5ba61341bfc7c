/* Host tests of the guest's VMBus client (vmbus/) and util IC drivers
 * (drivers/) against the emulated host's VMBus server (tests/hvsim),
 * each side written from the references on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus_env.h"

static int down(void **state)
{
	(void)state;
	env_down();
	return 0;
}

/* ---- connection and offers ---- */



/* The host acts as on the test kernel: inside the emulator, whose
 * interrupts reach the guest when it leaves (hvsim_enter/leave). */
static int h_rescind(const char *n) { return HOST(vbh_rescind(n)); }
static int h_offer(const char *n) { return HOST(vbh_offer(n)); }
static int h_time_sync(void) { return HOST(ic_time_sync()); }
static void h_fault(enum vbh_fault f) { HOST_VOID(vbh_fault_inject(f)); }
static void h_timer(void) { HOST_VOID(vbh_timer(hvsim_ref_time())); }
static void h_send(const void *m, uint32_t n) { HOST_VOID(vbh_send_msg(m, n)); }
static void h_signal(uint32_t conn) { HOST_VOID(vbh_signal(conn)); }

static struct vbh_chan *host_chan(const char *name)
{
	return vbh_find(name);
}

/* The host's GPADL with this handle, or NULL. */
static struct vbh_gpadl *host_gpadl(uint32_t handle)
{
	for (unsigned i = 0; i < VBH_GPADLS; i++)
		if (env.vbh.gpadl[i].used && env.vbh.gpadl[i].handle == handle)
			return &env.vbh.gpadl[i];
	return NULL;
}

/* The kernel runs on: a time SYNC from the host is applied. */
static void assert_alive(void)
{
	uint64_t n = timesync_count();
	assert_int_equal(h_time_sync(), 0);
	env_idle_ms(2);
	env_poll();
	assert_int_equal(timesync_count(), n + 1);
}

/* Every offered device is a guest channel with the host's relid and
 * GUIDs, open, with the IC versions both sides agree on. */
static void assert_all_open(uint16_t shutdown_minor)
{
	static const struct { const char *name; uint16_t svc[2]; } want[] = {
		{ "heartbeat", { 3, 0 } }, { "shutdown", { 3, 2 } },
		{ "timesync", { 4, 0 } }, { "kvp", { 4, 0 } },
	};
	for (unsigned i = 0; i < 4; i++) {
		struct vmbus_channel *ch = env_guest_chan(want[i].name);
		struct vbh_chan *c = host_chan(want[i].name);
		assert_non_null(ch);
		assert_non_null(c);
		assert_int_equal(ch->state, VMBUS_CH_OPEN);
		assert_int_equal(c->state, VBH_OPEN);
		assert_int_equal(ch->relid, c->relid);
		assert_int_equal(ch->conn_id, c->conn_id);
		assert_memory_equal(ch->class_id.b, c->dev->class_guid, 16);
		assert_memory_equal(ch->instance.b, c->dev->instance_guid, 16);
		assert_true(c->ic.negotiated);
		assert_int_equal(c->ic.frame[0], 3);
		assert_int_equal(c->ic.frame[1], 0);
		assert_int_equal(c->ic.svc[0], want[i].svc[0]);
		assert_int_equal(c->ic.svc[1], i == 1 ? shutdown_minor : want[i].svc[1]);
		assert_int_equal(c->bad_packets, 0);
		assert_int_equal(ch->bad_packets, 0);
	}
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 7);
}

/* ---- connection: version fallback on each profile (6.4, 6.13) ---- */

static void current_host_connects_at_5_3(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	assert_true(vmbus.connected);
	assert_int_equal(vmbus.version, 0x00050003);
	assert_int_equal(env.vbh.version, 0x00050003);
	assert_int_equal(env.vbh.contacts, 1);
	assert_int_equal(vmbus.msg_conn, 4);
	assert_true(log_has("vmbus: connected, version 5.3"));
	assert_false(log_has("refused version"));	/* (KVP refuses the host's SET by design) */
	assert_true(log_has("vmbus: all offers bound, 7 channels open"));
	assert_all_open(2);
	assert_int_equal(vmbus.bad_msgs, 0);
	assert_int_equal(env.vbh.bad_msgs, 0);
	assert_true(env_heartbeat_now());
}

static void old_host_falls_back_to_4_0(void **state)
{
	(void)state;
	env_up(&hvsim_profile_old, INIT_DRIVERS);
	assert_true(vmbus.connected);
	assert_int_equal(vmbus.version, 0x00040000);
	assert_int_equal(env.vbh.version, 0x00040000);
	/* 5.3, 5.2, 5.1, 5.0, 4.1 refused, then 4.0 */
	assert_int_equal(env.vbh.contacts, 6);
	assert_int_equal(vmbus.msg_conn, 1);
	assert_int_equal(env.vbh.msg_conn, 1);
	const char *refused[] = { "5.3", "5.2", "5.1", "5.0", "4.1" };
	for (unsigned i = 0; i < 5; i++) {
		char line[80];
		snprintf(line, sizeof(line), "vmbus: host refused version %s, trying an older one",
			 refused[i]);
		assert_true(log_has(line));
	}
	assert_true(log_has("vmbus: connected, version 4.0"));
	assert_all_open(2);
	assert_true(env_heartbeat_now());
}

/* WS2012 R2: no connection 4, so each 5.x contact fails at PostMessage
 * with HV_STATUS_INVALID_CONNECTION_ID and never reaches the host; 4.1
 * and 4.0 are refused by VERSION_RESPONSE; 3.0 connects on 1. */
static void older_host_without_connection_4(void **state)
{
	(void)state;
	env_up(&hvsim_profile_older, INIT_DRIVERS);
	assert_true(vmbus.connected);
	assert_int_equal(vmbus.version, 0x00030000);
	assert_int_equal(env.vbh.contacts, 3);
	assert_int_equal(vmbus.msg_conn, 1);
	const char *refused[] = { "5.3", "5.2", "5.1", "5.0", "4.1", "4.0" };
	for (unsigned i = 0; i < 6; i++) {
		char line[80];
		snprintf(line, sizeof(line), "vmbus: host refused version %s, trying an older one",
			 refused[i]);
		assert_true(log_has(line));
	}
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 7);
	assert_true(env_heartbeat_now());
}

/* A host whose newest version is each of ours in turn, and one older
 * than all of them. */
static void each_version_and_none(void **state)
{
	(void)state;
	static const uint32_t v[] = VMBUS_VERSIONS_NEWEST_FIRST;
	static struct hvsim_profile p;
	for (unsigned i = 0; i < VMBUS_VERSIONS_COUNT; i++) {
		p = hvsim_profile_current;
		p.vmbus_version = v[i];
		env_up(&p, INIT_DRIVERS);
		assert_true(vmbus.connected);
		assert_int_equal(vmbus.version, v[i]);
		assert_int_equal(env.vbh.contacts, i + 1);
		assert_int_equal(vmbus.msg_conn, v[i] >= 0x00050000 ? 4 : 1);
		assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 7);
		assert_true(env_heartbeat_now());
		env_down();
	}
	p = hvsim_profile_current;
	p.vmbus_version = 0x00020004;	/* 2.4: WS2012, older than dormant speaks */
	env_up(&p, INIT_DRIVERS);
	assert_false(vmbus.connected);
	assert_int_equal(env.vbh.contacts, VMBUS_VERSIONS_COUNT);
	assert_true(log_has("vmbus: host refused version 3.0\n"));
	assert_true(log_has("vmbus: no common version with the host"));
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 0);
	assert_int_equal(vmbus.msg_conn, 0);
}

/* ---- offers (6.7) and late offers ---- */

static void rescinded_device_offered_again(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	uint32_t old_relid = host_chan("kvp")->relid;
	uint64_t freed = host.pages_freed;
	assert_int_equal(h_rescind("kvp"), 0);
	char line[80];
	snprintf(line, sizeof(line), "vmbus: kvp (relid %u) rescinded by the host", old_relid);
	assert_true(log_has(line));
	env_poll();
	snprintf(line, sizeof(line), "vmbus: kvp (relid %u) released", old_relid);
	assert_true(log_has(line));
	assert_null(env_guest_chan("kvp"));
	assert_int_equal(env.vbh.released, 1);
	assert_int_equal(host_chan("kvp")->state, VBH_FREE);
	assert_int_equal(host.pages_freed, freed + 8);	/* its rings came back */
	/* A late offer: bound and opened at the next poll. */
	assert_int_equal(h_offer("kvp"), 0);
	struct vmbus_channel *ch = env_guest_chan("kvp");
	assert_non_null(ch);
	assert_int_equal(ch->state, VMBUS_CH_OFFERED);
	env_poll();
	assert_int_equal(ch->state, VMBUS_CH_OPEN);
	assert_int_equal(ch->relid, host_chan("kvp")->relid);
	assert_int_equal(log_count("vmbus: kvp: class a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"), 2);
	assert_all_open(2);
	assert_int_equal(vmbus.bad_msgs, 0);
	assert_int_equal(env.vbh.bad_msgs, 0);
}

/* An offer for a relid the guest already has is dropped and counted. */
static void duplicate_offer_dropped(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_BUS);
	struct vbh_chan *c = host_chan("kvp");
	uint8_t m[196];
	memset(m, 0, sizeof(m));
	m[0] = 1;
	memcpy(m + 8, c->dev->class_guid, 16);
	memcpy(m + 184, &c->relid, 4);
	h_send(m, sizeof(m));
	char line[80];
	snprintf(line, sizeof(line), "vmbus: second offer for relid %u; dropped", c->relid);
	assert_true(log_has(line));
	assert_int_equal(vmbus.bad_msgs, 1);
	m[184] = m[185] = m[186] = m[187] = 0;	/* relid 0 */
	h_send(m, sizeof(m));
	assert_true(log_has("vmbus: offer with relid 0 (not 1..2047); dropped"));
	assert_int_equal(vmbus.bad_msgs, 2);
}

/* ---- GPADLs (6.9) ---- */

static void gpadl_one_page_and_three_messages(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_BUS);	/* offered, no drivers */
	struct vmbus_channel *ch = env_guest_chan("kvp");
	assert_non_null(ch);
	uint64_t one = page_alloc(1, FRAME_VOLATILE), many = page_alloc(60, FRAME_VOLATILE);
	uint32_t h1 = 0, h2 = 0;
	unsigned posts = hvsim.nposted;
	assert_int_equal(vmbus_gpadl_create(ch, one, 1, &h1), 0);
	assert_int_equal(hvsim.nposted, posts + 1);
	assert_int_equal(hvsim.posted[posts % HVSIM_POSTED].size, 28 + 8);
	struct vbh_gpadl *g = host_gpadl(h1);
	assert_non_null(g);
	assert_true(g->complete);
	assert_int_equal(g->relid, ch->relid);
	assert_int_equal(g->npfn, 1);
	assert_int_equal(g->pfn[0], one >> 12);

	/* 60 pages: header with 26, a body with 28, a body with 6 */
	posts = hvsim.nposted;
	assert_int_equal(vmbus_gpadl_create(ch, many, 60, &h2), 0);
	assert_int_not_equal(h1, h2);
	assert_int_equal(hvsim.nposted, posts + 3);
	assert_int_equal(hvsim.posted[posts % HVSIM_POSTED].size, 28 + 8 * 26);
	assert_int_equal(hvsim.posted[(posts + 1) % HVSIM_POSTED].size, 16 + 8 * 28);
	assert_int_equal(hvsim.posted[(posts + 2) % HVSIM_POSTED].size, 16 + 8 * 6);
	g = host_gpadl(h2);
	assert_non_null(g);
	assert_true(g->complete);
	assert_int_equal(g->npfn, 60);
	for (unsigned i = 0; i < 60; i++)
		assert_int_equal(g->pfn[i], (many >> 12) + i);
	assert_int_equal(env.vbh.bad_msgs, 0);

	assert_int_equal(vmbus_gpadl_teardown(ch, h1), 0);
	assert_int_equal(vmbus_gpadl_teardown(ch, h2), 0);
	assert_null(host_gpadl(h1));
	assert_null(host_gpadl(h2));
	/* Tearing down what is gone: the host drops it, the guest times out. */
	assert_int_not_equal(vmbus_gpadl_teardown(ch, h2), 0);
	assert_true(log_has("GPADL_TEARDOWN of an unknown GPADL"));
	page_free(one, 1);
	page_free(many, 60);
}

/* ---- rings: wrap-around, interrupt mask, pending send size (7) ---- */

static void rings_wrap_around(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	struct vmbus_channel *ch = env_guest_chan("heartbeat");
	struct vbh_chan *c = host_chan("heartbeat");
	uint64_t beats = heartbeat_count(), answered = c->ic.answered;
	unsigned wraps_in = 0, wraps_out = 0;
	uint32_t in_w = ch->in.ctl->write_index, out_w = ch->out.ctl->write_index;
	for (unsigned i = 0; i < 400; i++) {
		assert_true(env_heartbeat_now());
		wraps_in += ch->in.ctl->write_index < in_w;
		wraps_out += ch->out.ctl->write_index < out_w;
		in_w = ch->in.ctl->write_index;
		out_w = ch->out.ctl->write_index;
	}
	assert_true(wraps_in >= 2);
	assert_true(wraps_out >= 2);
	assert_int_equal(heartbeat_count(), beats + 400);
	assert_int_equal(c->ic.answered, answered + 400);
	assert_int_equal(c->bad_packets, 0);
	assert_int_equal(ch->bad_packets, 0);
	assert_int_equal(ch->state, VMBUS_CH_OPEN);
	/* Both rings drained: read_index caught up with write_index. */
	assert_int_equal(ch->in.ctl->read_index, ch->in.ctl->write_index);
	assert_int_equal(ch->out.ctl->read_index, ch->out.ctl->write_index);
}

/* 7.2 step 7 and 7.3 step 6: a side that set interrupt_mask is not
 * signalled; 7.3 step 5: the guest signals a blocked host exactly when
 * its reads make room for pending_send_sz. */
static void interrupt_mask_and_pending_send(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	struct vmbus_channel *ch = env_guest_chan("heartbeat");
	struct vbh_chan *c = host_chan("heartbeat");
	uint8_t vec = hv.sint[HV_SINT_VMBUS].vector;

	/* The host masks the guest's outbound ring: answers go in unsignalled. */
	uint64_t sig = hvsim.signals, answered = c->ic.answered;
	ch->out.ctl->interrupt_mask = 1;
	assert_false(env_heartbeat_now());
	assert_int_equal(hvsim.signals, sig);
	assert_int_not_equal(ch->out.ctl->read_index, ch->out.ctl->write_index);
	ch->out.ctl->interrupt_mask = 0;
	h_signal(c->conn_id);			/* the host polls, finds it */
	assert_int_equal(c->ic.answered, answered + 1);

	/* The guest masks its inbound ring: the host does not interrupt. */
	uint64_t irqs = host.irqs[vec];
	ch->in.ctl->interrupt_mask = 1;
	assert_false(env_heartbeat_now());
	assert_int_equal(host.irqs[vec], irqs);
	assert_int_not_equal(ch->in.ctl->read_index, ch->in.ctl->write_index);
	ch->in.ctl->interrupt_mask = 0;
	ic_event(ch);				/* the guest polls */
	assert_int_equal(c->ic.answered, answered + 2);

	/* pending_send_sz: a request waits (interrupts off); the host says
	 * it needs just more than the free space left, so the guest's read
	 * of it moves the ring from "not enough" to "enough".  The outbound
	 * ring is masked so that the only signal can be the inbound one.
	 * Then the same without pending_send_sz: no signal. */
	for (int round = 0; round < 2; round++) {
		uint64_t f = irq_save();
		c->ic.next_due = 1;
		h_timer();
		uint32_t w = ch->in.ctl->write_index, r = ch->in.ctl->read_index;
		uint32_t free_now = w >= r ? ch->in.size - (w - r) : r - w;
		assert_int_not_equal(w, r);
		ch->in.ctl->pending_send_sz = round == 0 ? free_now + 8 : 0;
		ch->out.ctl->interrupt_mask = 1;
		sig = hvsim.signals;
		irq_restore(f);
		assert_int_equal(ch->in.ctl->read_index, ch->in.ctl->write_index);
		assert_int_equal(hvsim.signals, sig + (round == 0 ? 1 : 0));
		ch->out.ctl->interrupt_mask = 0;
		ch->in.ctl->pending_send_sz = 0;
		h_signal(c->conn_id);
	}
	assert_int_equal(c->ic.answered, answered + 4);
	assert_int_equal(c->bad_packets, 0);
	assert_int_equal(ch->bad_packets, 0);
}

/* ---- fault injection (vbh_fault): the kernel runs on ---- */

/* kvp rescinded and released, so that vbh_offer brings a fresh offer. */
static void free_kvp(void)
{
	assert_int_equal(h_rescind("kvp"), 0);
	env_poll();
	assert_null(env_guest_chan("kvp"));
}

static void fault_short_offer(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	free_kvp();
	h_fault(VBH_FAULT_SHORT_MSG);
	assert_int_equal(h_offer("kvp"), 0);
	assert_true(log_has("vmbus: host message type 1 (OFFERCHANNEL), 100 bytes: "
			    "shorter than its type's layout; dropped"));
	assert_int_equal(vmbus.bad_msgs, 1);
	assert_null(env_guest_chan("kvp"));
	env_poll();
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 6);
	assert_true(env_heartbeat_now());
	assert_alive();
}

/* A 240-byte ALL_OFFERS_DELIVERED: longer than its layout, which 6.1
 * allows (extra bytes ignored): accepted, nothing counted. */
static void fault_oversize_message(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	uint64_t msgs = hv.sint[HV_SINT_VMBUS].messages;
	h_fault(VBH_FAULT_OVERSIZE_MSG);
	assert_int_equal(hv.sint[HV_SINT_VMBUS].messages, msgs + 1);
	assert_int_equal(vmbus.bad_msgs, 0);
	assert_int_equal(hv.sint[HV_SINT_VMBUS].dropped, 0);
	assert_true(vmbus.all_offers);
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 7);
	assert_true(env_heartbeat_now());
	assert_alive();
}

static void fault_unknown_type(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	h_fault(VBH_FAULT_UNKNOWN_TYPE);
	assert_true(log_has("vmbus: host message type 30583 (unknown), 16 bytes: "
			    "unknown message type; dropped"));
	assert_int_equal(vmbus.bad_msgs, 1);
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 7);
	assert_true(env_heartbeat_now());
	assert_alive();
}

static void fault_wrong_relid(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	h_fault(VBH_FAULT_WRONG_RELID);
	assert_true(log_has("vmbus: unexpected OPENCHANNEL_RESULT from the host; dropped"));
	assert_int_equal(vmbus.bad_msgs, 1);
	/* And while an open waits for its result: the wrong relid is not it. */
	free_kvp();
	assert_int_equal(h_offer("kvp"), 0);
	struct vmbus_channel *ch = env_guest_chan("kvp");
	vmbus.reply.type = VMBUS_MSG_OPENCHANNEL_RESULT;	/* as vmbus_request sets it */
	vmbus.reply.key = ch->relid;
	vmbus.reply.ready = false;
	h_fault(VBH_FAULT_WRONG_RELID);
	char line[100];
	snprintf(line, sizeof(line),
		 "vmbus: OPENCHANNEL_RESULT for relid/handle %u, waiting for %u; dropped",
		 0xfffffu, ch->relid);
	assert_true(log_has(line));
	assert_false(vmbus.reply.ready);
	assert_int_equal(vmbus.bad_msgs, 2);
	vmbus.reply.type = 0;
	env_poll();
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 7);
	assert_alive();
}

/* A corrupt inbound ring closes that channel, and only it. */
static void ring_fault(enum vbh_fault f, const char *why)
{
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	struct vmbus_channel *ch = env_guest_chan("heartbeat");
	struct vbh_chan *c = host_chan("heartbeat");
	uint64_t freed = host.pages_freed;
	h_fault(f);
	char line[120];
	snprintf(line, sizeof(line), "vmbus: heartbeat (relid %u): %s; channel closed", ch->relid,
		 why);
	assert_true(log_has(line));
	assert_int_equal(ch->state, VMBUS_CH_FAILED);
	assert_true(ch->dead);
	env_poll();		/* closes it: CLOSECHANNEL, GPADL torn down */
	assert_int_equal(ch->state, VMBUS_CH_OFFERED);
	assert_int_equal(ch->gpadl, 0);
	assert_int_equal(c->state, VBH_OFFERED);
	assert_int_equal(host.pages_freed, freed + 8);
	for (unsigned i = 0; i < VBH_GPADLS; i++)
		assert_false(env.vbh.gpadl[i].used && env.vbh.gpadl[i].relid == c->relid);
	/* Not bound again; no more I/O on it. */
	env_poll();
	assert_int_equal(ch->state, VMBUS_CH_OFFERED);
	assert_int_equal(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 1, "x", 1), -1);
	assert_false(env_heartbeat_now());
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 6);
	assert_int_equal(env.vbh.bad_msgs, 0);
	assert_alive();
}

static void fault_ring_index(void **state)
{
	(void)state;
	ring_fault(VBH_FAULT_RING_INDEX, vmbus_ring_strerror(VMBUS_RING_BAD_WRITE_INDEX));
}

static void fault_packet_length(void **state)
{
	(void)state;
	ring_fault(VBH_FAULT_PKT_LEN, vmbus_ring_strerror(VMBUS_RING_TRUNCATED));
}

/* No OPENCHANNEL_RESULT: the open gives up after its bound, the GPADL
 * goes, the device stays unbound; the kernel runs on. */
static void fault_silent_open(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	free_kvp();
	assert_int_equal(h_offer("kvp"), 0);
	uint64_t t0 = time_ns(), freed = host.pages_freed;
	h_fault(VBH_FAULT_SILENT);
	env_poll();
	struct vmbus_channel *ch = env_guest_chan("kvp");
	assert_true(time_ns() - t0 >= VMBUS_REQUEST_WAIT_NS);
	assert_true(log_has("vmbus: no OPENCHANNEL_RESULT from the host within 2000 ms"));
	assert_true(log_has(": probe failed"));
	assert_int_equal(ch->state, VMBUS_CH_OFFERED);
	assert_true(ch->dead);
	assert_null(ch->drv);
	assert_int_equal(ch->gpadl, 0);
	assert_int_equal(host.pages_freed, freed + 8);
	for (unsigned i = 0; i < VBH_GPADLS; i++)
		assert_false(env.vbh.gpadl[i].used && env.vbh.gpadl[i].relid == ch->relid);
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 6);
	assert_int_equal(env.allocs, 6);	/* the failed probe kept no IC state */
	assert_true(env_heartbeat_now());
	assert_alive();
}

static void fault_silent_unload(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	h_fault(VBH_FAULT_SILENT);
	vmbus_unload();
	assert_true(log_has("vmbus: no UNLOAD_RESPONSE from the host within 2000 ms"));
	assert_true(log_has("vmbus: unload: no UNLOAD_RESPONSE from the host; going on"));
	assert_false(vmbus.connected);
	assert_int_equal(env.vbh.unloads, 1);
}

/* ---- rescind at each step of open (6.11) ---- */

/* Offered, not yet bound: released at the next poll, never opened. */
static void rescind_before_open(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_BUS);
	unsigned posts = hvsim.nposted;
	assert_int_equal(h_rescind("kvp"), 0);
	env_poll();
	assert_null(env_guest_chan("kvp"));
	assert_int_equal(hvsim.nposted, posts + 1);		/* RELID_RELEASED only */
	assert_int_equal(hvsim.posted[posts % HVSIM_POSTED].data[0], 13);
	assert_int_equal(env.vbh.released, 1);
	assert_int_equal(env.vbh.bad_msgs, 0);
}

/* The host rescinds instead of GPADL_CREATED, or instead of
 * OPENCHANNEL_RESULT: the wait ends at once (no timeout), the probe
 * fails; the rings stay allocated while the host may still map them, and
 * come back (8 pages) once the relid is released. */
static void rescind_during_open(enum vbh_fault f, const char *line_want)
{
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	free_kvp();
	assert_int_equal(h_offer("kvp"), 0);
	struct vmbus_channel *ch = env_guest_chan("kvp");
	uint32_t relid = ch->relid;
	uint64_t t0 = time_ns(), freed = host.pages_freed;
	unsigned released = (unsigned)env.vbh.released;
	h_fault(f);
	env_poll();
	assert_true(time_ns() - t0 < 100000000ull);
	assert_true(log_has(line_want));
	assert_true(log_has(": rescinded while opening"));
	char line[80];
	snprintf(line, sizeof(line), "vmbus: kvp (relid %u) released", relid);
	env_poll();
	assert_true(log_has(line));
	assert_null(env_guest_chan("kvp"));
	assert_int_equal(env.vbh.released, released + 1);
	assert_int_equal(host_chan("kvp")->state, VBH_FREE);
	assert_int_equal(host.pages_freed, freed + 8);
	assert_int_equal(env.vbh.bad_msgs, 0);
	assert_int_equal(env.allocs, 6);
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 6);
	assert_true(env_heartbeat_now());
	assert_alive();
}

static void fault_rescind_on_gpadl(void **state)
{
	(void)state;
	rescind_during_open(VBH_FAULT_RESCIND_ON_GPADL, "(rescinded)");
}

static void fault_rescind_on_open(void **state)
{
	(void)state;
	rescind_during_open(VBH_FAULT_RESCIND_ON_OPEN, "vmbus: kvp (relid");
}

/* Open with a request outstanding: the host sent a heartbeat the guest
 * has not read when the rescind comes. */
static void rescind_open_channel_with_request(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	struct vmbus_channel *ch = env_guest_chan("heartbeat");
	struct vbh_chan *c = host_chan("heartbeat");
	uint32_t relid = ch->relid;
	uint64_t freed = host.pages_freed;
	uint64_t f = irq_save();
	c->ic.next_due = 1;
	h_timer();
	assert_int_equal(c->ic.pending, 1);
	assert_int_equal(h_rescind("heartbeat"), 0);
	irq_restore(f);
	assert_true(ch->dead);
	assert_true(ch->rescinded);
	assert_int_equal(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 1, "x", 1), -1);
	env_poll();
	char line[80];
	snprintf(line, sizeof(line), "vmbus: heartbeat (relid %u) released", relid);
	assert_true(log_has(line));
	assert_null(env_guest_chan("heartbeat"));
	assert_int_equal(host.pages_freed, freed + 8);	/* closed, GPADL torn down */
	assert_int_equal(env.vbh.released, 1);
	assert_int_equal(env.vbh.bad_msgs, 0);
	assert_int_equal(env.allocs, 6);		/* its IC state freed */
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 6);
	assert_alive();
}

/* ---- UNLOAD (6.12) ---- */

static void unload_and_connect_again(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	vmbus_unload();
	assert_true(log_has("vmbus: unloaded"));
	assert_false(vmbus.connected);
	assert_int_equal(vmbus.msg_conn, 0);
	assert_int_equal(env.vbh.unloads, 1);
	assert_int_equal(env.vbh.version, 0);
	for (unsigned i = 0; i < VBH_CHANNELS; i++)
		assert_int_equal(env.vbh.chan[i].state, VBH_FREE);
	for (unsigned i = 0; i < VBH_GPADLS; i++)
		assert_false(env.vbh.gpadl[i].used);
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), 0);
	assert_int_equal(env.vbh.bad_msgs, 0);
	assert_int_equal(env.allocs, 0);	/* every driver's state went */
	/* What a resumed kernel does: connect anew, the rings being new. */
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		if (ch->ring_pa)
			page_free(ch->ring_pa, ch->ring_pages);
		memset(ch, 0, sizeof(*ch));
	}
	vmbus.all_offers = false;
	vmbus.boot_bound_ns = 0;
	assert_int_equal(vmbus_connect(), 0);
	vmbus.work = true;
	env_poll();
	assert_all_open(2);
	assert_int_equal(env.vbh.contacts, 2);
}

/* ---- golden bytes: the emulated host's decoder (and the IC answer) ----
 *
 * The bytes below are written by hand from the tables of
 * hv-core-protocol.md 6 and hv-vsc-protocols.md 2 (offsets in the
 * comments), as in test_vmbus_wire.c, which checks the guest's encoder
 * against the same sequences.  Here the emulated host reads them (and
 * its answers are compared with golden bytes too), and the guest's IC
 * framework answers a golden NEGOTIATE with golden bytes: a mistake both
 * sides shared would still fail here. */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The host alone, no guest SynIC: its messages stay queued on SINT2. */
static void host_alone(void)
{
	host_reset(&hvsim_profile_current);
	vbh_init(&env.vbh, 0x00050003, 0x1234567812345678ull, 1);
}

static uint32_t take_reply(uint8_t *out)
{
	assert_true(hvsim.qlen[2] > 0);
	struct hvsim_msg *m = &hvsim.queue[2][hvsim.qhead[2]];
	hvsim.qhead[2] = (hvsim.qhead[2] + 1) % HVSIM_QUEUE;
	hvsim.qlen[2]--;
	assert_int_equal(m->type, 1);		/* HvMessageTypeNone + 1: a VMBus message */
	memcpy(out, m->data, m->size);
	return m->size;
}

/* The host's NEGOTIATE request on a heartbeat channel: 1.0 and 3.0 for
 * the framework, 1.0 and 3.0 for the service (2.3), payload 52 bytes. */
static const uint8_t ic_negotiate_request[52] = {
	/*  0 pipe */ 0x01, 0, 0, 0, 0x2c, 0, 0, 0,		/* flags 1, msgsize 44 */
	/*  8 icmsg_hdr */ 0, 0, 0, 0,				/* framework 0.0 */
	/* 12 */ 0x00, 0x00,					/* type 0 NEGOTIATE */
	/* 14 */ 0, 0, 0, 0,					/* service 0.0 */
	/* 18 */ 0x18, 0x00,					/* body 24 bytes */
	/* 20 */ 0, 0, 0, 0,					/* status */
	/* 24 */ 0x01, 0x03, 0, 0,				/* xid 1, TRANSACTION|REQUEST */
	/* 28 body */ 0x02, 0x00, 0x02, 0x00, 0, 0, 0, 0,	/* F 2, M 2 */
	/* 36 */ 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,	/* frameworks 1.0 3.0 */
	/* 44 */ 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,	/* services 1.0 3.0 */
};

/* The guest's answer (2.2, 2.3): the same buffer rewritten, 3.0 and 3.0
 * chosen, counts 1 and 1, body size 16, flags TRANSACTION|RESPONSE; the
 * last 8 bytes are the request's, echoed. */
static const uint8_t ic_negotiate_answer[52] = {
	/*  0 pipe */ 0x01, 0, 0, 0, 0x2c, 0, 0, 0,
	/*  8 */ 0x03, 0x00, 0x00, 0x00,			/* framework 3.0 */
	/* 12 */ 0x00, 0x00,					/* NEGOTIATE */
	/* 14 */ 0x03, 0x00, 0x00, 0x00,			/* service 3.0 */
	/* 18 */ 0x10, 0x00,					/* body 16 bytes */
	/* 20 */ 0, 0, 0, 0,					/* S_OK */
	/* 24 */ 0x01, 0x05, 0, 0,				/* xid 1, TRANSACTION|RESPONSE */
	/* 28 */ 0x01, 0x00, 0x01, 0x00, 0, 0, 0, 0,		/* 1 and 1 */
	/* 36 */ 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,	/* 3.0, 3.0 */
	/* 44 */ 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,	/* echoed */
};

/* 8.1 descriptor of that packet: in-band, data at 16, 72 bytes, xid 1 */
static const uint8_t ic_negotiate_desc[16] = {
	0x06, 0x00, 0x02, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0,
};

static void golden_host_decodes_contact_offers_gpadl_open(void **state)
{
	(void)state;
	uint8_t r[240];
	host_alone();

	/* 6.5 INITIATE_CONTACT 5.3 on connection 4, message SINT 2 */
	static const uint8_t contact[40] = {
		0x0e, 0, 0, 0, 0, 0, 0, 0,		/* type 14 */
		0x03, 0x00, 0x05, 0x00,			/* 8: version 5.3 */
		0x00, 0x00, 0x00, 0x00,			/* 12: target_vcpu 0 */
		0x02, 0x00, 0x00, 0x00,			/* 16: msg_sint 2 */
		/* 20: feature flags 0; 24, 32: no monitor pages */
	};
	vbh_post(4, contact, sizeof(contact));
	assert_int_equal(env.vbh.version, 0x00050003);
	assert_int_equal(env.vbh.msg_conn, 4);
	static const uint8_t vresp[16] = {
		0x0f, 0, 0, 0, 0, 0, 0, 0,		/* type 15 */
		0x01, 0x00, 0x00, 0x00,			/* supported, state 0 */
		0x04, 0x00, 0x00, 0x00,			/* 12: message connection 4 */
	};
	assert_int_equal(take_reply(r), 16);
	assert_memory_equal(r, vresp, 16);

	/* 6.7 REQUESTOFFERS: four OFFERCHANNELs, then ALLOFFERS_DELIVERED */
	static const uint8_t request_offers[8] = { 0x03 };
	vbh_post(4, request_offers, sizeof(request_offers));
	/* heartbeat: class 57164f39-9115-4e78-ab55-382f3bd5422d,
	 * instance fd149e91-82e0-4a7d-afa6-2a4166cbd7c0 (9.1 byte order) */
	static const uint8_t hb_class[16] = { 0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,
		0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d };
	static const uint8_t hb_inst[16] = { 0x91, 0x9e, 0x14, 0xfd, 0xe0, 0x82, 0x7d, 0x4a,
		0xaf, 0xa6, 0x2a, 0x41, 0x66, 0xcb, 0xd7, 0xc0 };
	uint32_t relid = host_chan("heartbeat")->relid;
	uint8_t offer[196];
	memset(offer, 0, sizeof(offer));
	offer[0] = 0x01;				/* type 1 */
	memcpy(offer + 8, hb_class, 16);
	memcpy(offer + 24, hb_inst, 16);
	offer[56] = 0x11;				/* ENUMERATE | NAMED_PIPE */
	offer[60] = 0x04;				/* pipe mode: message */
	put_le32(offer + 184, relid);
	offer[190] = 0x01;				/* dedicated interrupt */
	put_le32(offer + 192, 0x10000 | relid);		/* its connection id */
	assert_int_equal(take_reply(r), 196);
	assert_memory_equal(r, offer, 196);
	for (int i = 0; i < 6; i++) {		/* the other ICs, balloon, keyboard, SCSI */
		assert_int_equal(take_reply(r), 196);
		assert_int_equal(r[0], 1);
	}
	static const uint8_t all_offers[8] = { 0x04 };
	assert_int_equal(take_reply(r), 8);
	assert_memory_equal(r, all_offers, 8);

	/* 6.9 GPADL of 30 pages: header (26 PFNs) and body (4), as in
	 * test_vmbus_wire.c, on the heartbeat's relid */
	uint8_t gh[236], gb[48];
	static const uint8_t gh_head[28] = {
		0x08, 0, 0, 0, 0, 0, 0, 0,		/* type 8 */
		0, 0, 0, 0,				/* 8: relid, below */
		0x10, 0x1e, 0x0e, 0x00,			/* 12: handle 0xe1e10 */
		0xf8, 0x00, 0x01, 0x00,			/* 16: range_buflen 248, 1 range */
		0x00, 0xe0, 0x01, 0x00,			/* 20: byte_count 0x1e000 */
		0x00, 0x00, 0x00, 0x00,			/* 24: byte_offset 0 */
	};
	static const uint8_t gb_head[16] = { 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x10, 0x1e, 0x0e, 0x00 };
	memcpy(gh, gh_head, 28);
	put_le32(gh + 8, relid);
	for (uint32_t i = 0; i < 26; i++) {
		memset(gh + 28 + 8 * i, 0, 8);
		put_le32(gh + 28 + 8 * i, 0x12340 + i);
	}
	memcpy(gb, gb_head, 16);
	for (uint32_t i = 0; i < 4; i++) {
		memset(gb + 16 + 8 * i, 0, 8);
		put_le32(gb + 16 + 8 * i, 0x12340 + 26 + i);
	}
	vbh_post(4, gh, sizeof(gh));
	assert_int_equal(hvsim.qlen[2], 0);		/* waits for the body */
	vbh_post(4, gb, sizeof(gb));
	struct vbh_gpadl *g = host_gpadl(0xe1e10);
	assert_non_null(g);
	assert_true(g->complete);
	assert_int_equal(g->relid, relid);
	assert_int_equal(g->npfn, 30);
	for (uint32_t i = 0; i < 30; i++)
		assert_int_equal(g->pfn[i], 0x12340 + i);
	uint8_t created[20] = { 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x10, 0x1e, 0x0e, 0x00, 0, 0, 0, 0 };	/* type 10, handle, status 0 */
	put_le32(created + 8, relid);
	assert_int_equal(take_reply(r), 20);
	assert_memory_equal(r, created, 20);

	/* 6.10 OPENCHANNEL over a GPADL of 8 real pages, inbound at page 4 */
	uint8_t *pages = (uint8_t *)(uintptr_t)page_alloc(8, FRAME_VOLATILE);
	uint64_t pfn0 = (uint64_t)(uintptr_t)pages >> 12;
	uint8_t rh[28 + 64];
	memcpy(rh, gh_head, 28);
	put_le32(rh + 8, relid);
	rh[12] = 0x11;					/* handle 0xe1e11 */
	rh[16] = 0x48;					/* range_buflen 8 + 8 x 8 */
	rh[20] = 0x00; rh[21] = 0x80; rh[22] = 0x00;	/* byte_count 0x8000 */
	for (uint32_t i = 0; i < 8; i++) {
		uint64_t pfn = pfn0 + i;
		memcpy(rh + 28 + 8 * i, &pfn, 8);
	}
	vbh_post(4, rh, sizeof(rh));
	assert_int_equal(take_reply(r), 20);
	assert_int_equal(r[16], 0);			/* created */
	uint8_t open[148] = {
		0x05, 0, 0, 0, 0, 0, 0, 0,		/* type 5 */
		0, 0, 0, 0,				/* 8: relid, below */
		0x77, 0x00, 0x00, 0x00,			/* 12: openid 0x77 */
		0x11, 0x1e, 0x0e, 0x00,			/* 16: ring GPADL 0xe1e11 */
		0x00, 0x00, 0x00, 0x00,			/* 20: target_vp 0 */
		0x04, 0x00, 0x00, 0x00,			/* 24: inbound ring at page 4 */
	};
	put_le32(open + 8, relid);
	hvsim_open_port(0x10000 | relid, true);
	vbh_post(4, open, sizeof(open));
	struct vbh_chan *c = host_chan("heartbeat");
	assert_int_equal(c->state, VBH_OPEN);
	assert_int_equal(c->out.first_page, 0);
	assert_int_equal(c->out.size, 3 * 4096);
	assert_int_equal(c->in.first_page, 4);
	assert_int_equal(c->in.size, 3 * 4096);
	uint8_t result[20] = { 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x77, 0, 0, 0, 0, 0, 0, 0 };		/* type 6, openid, status 0 */
	put_le32(result + 8, relid);
	assert_int_equal(take_reply(r), 20);
	assert_memory_equal(r, result, 20);
	/* 7.1: the producer's feature bit in the inbound ring's control page */
	assert_int_equal(pages[4 * 4096 + 64], 1);
	/* 2.2: the host spoke first, a NEGOTIATE at the start of the
	 * inbound ring's data (page 5): descriptor, payload, padding */
	assert_memory_equal(pages + 5 * 4096, ic_negotiate_desc, 16);
	assert_memory_equal(pages + 5 * 4096 + 16, ic_negotiate_request, 52);
	assert_int_equal(pages[4 * 4096], 80);		/* write_index: 72 + trailer */

	/* The guest's golden answer, as the host reads it off the ring. */
	uint8_t pkt[72];
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, ic_negotiate_desc, 16);
	memcpy(pkt + 16, ic_negotiate_answer, 52);
	ic_ops.packet(c, pkt, sizeof(pkt));
	assert_true(c->ic.negotiated);
	assert_int_equal(c->ic.frame[0], 3);
	assert_int_equal(c->ic.frame[1], 0);
	assert_int_equal(c->ic.svc[0], 3);
	assert_int_equal(c->ic.svc[1], 0);
	assert_int_not_equal(c->ic.next_due, 0);	/* heartbeats start */
	assert_int_equal(c->bad_packets, 0);
	assert_int_equal(env.vbh.bad_msgs, 0);
	page_free((uint64_t)(uintptr_t)pages, 8);
	vbhost = NULL;
}

/* The guest's IC framework (drivers/ic.c) answers the golden NEGOTIATE
 * with the golden answer, into its outbound ring. */
static void golden_ic_negotiate_guest(void **state)
{
	(void)state;
	static const struct ic_version hb_versions[] = { { 3, 0 }, { 1, 0 } };
	static const struct ic_service hb = {
		.drv = { .name = "heartbeat" },
		.msg_type = IC_MSG_HEARTBEAT, .versions = hb_versions, .nversions = 2,
	};
	host_reset(&hvsim_profile_current);
	uint8_t *ring = (uint8_t *)(uintptr_t)page_alloc(4, FRAME_VOLATILE);
	struct vmbus_channel ch;
	memset(&ch, 0, sizeof(ch));
	ch.state = VMBUS_CH_OPEN;
	ch.drv = &hb.drv;
	strcpy(ch.name, "heartbeat");
	vmbus_ring_ctl_prepare((struct vmbus_ring_ctl *)ring, 1);
	assert_int_equal(vmbus_ring_init(&ch.out, (struct vmbus_ring_ctl *)ring, ring + 4096,
					 3 * 4096, false), VMBUS_RING_OK);
	ch.out.ctl->interrupt_mask = 1;		/* no host to signal here */
	struct ic_dev *d = calloc(1, sizeof(*d));
	d->svc = &hb;
	ch.priv = d;
	memcpy(d->buf, ic_negotiate_desc, 16);
	memcpy(d->buf + 16, ic_negotiate_request, 52);
	ic_handle_packet(&ch, d, 72);
	assert_true(d->negotiated);
	assert_int_equal(d->answered, 1);
	assert_memory_equal(ring + 4096, ic_negotiate_desc, 16);
	assert_memory_equal(ring + 4096 + 16, ic_negotiate_answer, 52);
	assert_int_equal(ch.out.ctl->write_index, 80);
	assert_true(log_has("ic: heartbeat: framework 3.0, service 3.0"));
	free(d);
	page_free((uint64_t)(uintptr_t)ring, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(current_host_connects_at_5_3, down),
		cmocka_unit_test_teardown(old_host_falls_back_to_4_0, down),
		cmocka_unit_test_teardown(older_host_without_connection_4, down),
		cmocka_unit_test_teardown(each_version_and_none, down),
		cmocka_unit_test_teardown(rescinded_device_offered_again, down),
		cmocka_unit_test_teardown(duplicate_offer_dropped, down),
		cmocka_unit_test_teardown(gpadl_one_page_and_three_messages, down),
		cmocka_unit_test_teardown(rings_wrap_around, down),
		cmocka_unit_test_teardown(interrupt_mask_and_pending_send, down),
		cmocka_unit_test_teardown(fault_short_offer, down),
		cmocka_unit_test_teardown(fault_oversize_message, down),
		cmocka_unit_test_teardown(fault_unknown_type, down),
		cmocka_unit_test_teardown(fault_wrong_relid, down),
		cmocka_unit_test_teardown(fault_ring_index, down),
		cmocka_unit_test_teardown(fault_packet_length, down),
		cmocka_unit_test_teardown(fault_silent_open, down),
		cmocka_unit_test_teardown(fault_silent_unload, down),
		cmocka_unit_test_teardown(rescind_before_open, down),
		cmocka_unit_test_teardown(fault_rescind_on_gpadl, down),
		cmocka_unit_test_teardown(fault_rescind_on_open, down),
		cmocka_unit_test_teardown(rescind_open_channel_with_request, down),
		cmocka_unit_test_teardown(unload_and_connect_again, down),
		cmocka_unit_test(golden_host_decodes_contact_offers_gpadl_open),
		cmocka_unit_test(golden_ic_negotiate_guest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
