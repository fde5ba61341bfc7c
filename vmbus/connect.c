/*
 * connect.c - the VMBus connection: version negotiation (6.4-6.6), the
 * path of control messages from the host, waits, and UNLOAD (6.12).
 *
 * Sequence (6.13): INITIATE_CONTACT for the newest version we speak, on
 * connection 4 from 5.0 up and 1 below; on a refusal (version_supported
 * 0, or HV_STATUS_INVALID_CONNECTION_ID from PostMessage) the next older
 * one; then REQUESTOFFERS and the offers up to ALLOFFERS_DELIVERED.
 * Every wait is bounded: a host that never answers is reported, and the
 * kernel boots on without VMBus.
 */
#include <string.h>

#include "../hv/hv.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../kernel/pm.h"
#include "msg.h"
#include "vmbus.h"

struct vmbus_state vmbus;
static const struct pm_ops vmbus_pm = { "vmbus", vmbus_suspend, vmbus_resume };

#define CONTACT_WAIT_NS		(1000ull * 1000 * 1000)
#define OFFERS_WAIT_NS		(2000ull * 1000 * 1000)
#define UNLOAD_WAIT_NS		(1000ull * 1000 * 1000)

static const uint32_t versions[] = VMBUS_VERSIONS_NEWEST_FIRST;

void vmbus_format_guid(const struct vmbus_guid *g, char out[37])
{
	const uint8_t *b = g->b;
	ksnprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		  b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11],
		  b[12], b[13], b[14], b[15]);
}

int vmbus_post(const void *msg, uint32_t size)
{
	uint32_t conn = vmbus.msg_conn ? vmbus.msg_conn : VMBUS_CONNID_MESSAGE;
	return hv_post_message(conn, VMBUS_SYNIC_MESSAGE_TYPE, msg, size);
}

/* ---- messages from the host ---------------------------------------------- */

/* A reply someone waits for: kept if it is the awaited type and key. */
static void on_reply(const uint8_t *m, uint32_t type)
{
	struct vmbus_reply *r = &vmbus.reply;
	uint32_t key = 0;
	if (r->ready || r->type != type) {
		kprintf("vmbus: unexpected %s from the host; dropped\n", vmbus_msg_name(type));
		vmbus.bad_msgs++;
		return;
	}
	/* GPADL_CREATED names its GPADL at 12 (its relid is at 8); the
	 * other replies carry the relid or handle at 8 (6.9, 6.10). */
	memcpy(&key, m + (type == VMBUS_MSG_GPADL_CREATED ? 12 : 8), 4);
	if (r->key && key != r->key) {
		kprintf("vmbus: %s for relid/handle %u, waiting for %u; dropped\n",
			vmbus_msg_name(type), key, r->key);
		vmbus.bad_msgs++;
		return;
	}
	memcpy(r->msg, m, VMBUS_MSG_MAX_SIZE);
	r->ready = true;
}

static void on_message(const struct hv_message *hm, void *ctx)
{
	uint8_t m[VMBUS_MSG_MAX_SIZE];
	uint32_t size = hm->header.payload_size, type;
	(void)ctx;
	if (size > sizeof(m))
		size = sizeof(m);	/* hv/ drops larger ones already */
	memset(m, 0, sizeof(m));
	memcpy(m, hm->payload, size);
	enum vmbus_msg_verdict v = vmbus_msg_check(m, hm->header.payload_size, &type);
	if (v != VMBUS_MSG_OK) {
		vmbus.bad_msgs++;
		kprintf("vmbus: host message type %u (%s), %u bytes: %s; dropped\n", type,
			vmbus_msg_name(type), hm->header.payload_size, vmbus_msg_verdict_name(v));
		return;
	}
	/* Offers belong to a connection: before contact they are leftovers
	 * of an earlier one (6.6, as mu_msvm discards them), and a bus going
	 * down for hibernation takes none (hv-core 10.2 suspend step 2). */
	bool offers = vmbus.connected && !vmbus.suspended;
	switch (type) {
	case VMBUS_MSG_OFFERCHANNEL:
		if (offers)
			vmbus_on_offer((const struct vmbus_msg_offer_channel *)m);
		break;
	case VMBUS_MSG_RESCIND_CHANNELOFFER: {
		const struct vmbus_msg_rescind_offer *r = (const void *)m;
		if (vmbus.connected)
			vmbus_on_rescind(r->child_relid);
		break;
	}
	case VMBUS_MSG_ALLOFFERS_DELIVERED:
		if (offers)
			vmbus.all_offers = true;
		break;
	case VMBUS_MSG_VERSION_RESPONSE:
	case VMBUS_MSG_OPENCHANNEL_RESULT:
	case VMBUS_MSG_GPADL_CREATED:
	case VMBUS_MSG_GPADL_TORNDOWN:
	case VMBUS_MSG_UNLOAD_RESPONSE:
		on_reply(m, type);
		break;
	default:
		/* Types dormant does not use (hvsock, MODIFYCHANNEL_RESPONSE,
		 * reserved channels): known, harmless, ignored. */
		break;
	}
}

static void on_event(unsigned flag, void *ctx)
{
	(void)ctx;
	vmbus_on_event(flag);
}

/* ---- waiting ------------------------------------------------------------- */

/* Polled mode: with interrupts off, the SynIC's message slot and event
 * flags are read here instead of by the interrupt handler. */
static void poll_synic(void *arg)
{
	(void)arg;
	if (!irqs_enabled())
		hv_sint_service(HV_SINT_VMBUS);
}

bool vmbus_wait(bool (*cond)(void *), void *arg, uint64_t timeout_ns)
{
	return wait_until(cond, poll_synic, arg, time_ns() + timeout_ns);
}

bool vmbus_reply_or_dead(void *arg)
{
	struct vmbus_channel *ch = arg;
	return vmbus.reply.ready || (ch && ch->rescinded);
}

int vmbus_request(const void *msg, uint32_t size, uint32_t type, uint32_t key,
		  struct vmbus_channel *ch)
{
	struct vmbus_reply *r = &vmbus.reply;
	r->ready = false;
	r->type = type;
	r->key = key;
	int st = vmbus_post(msg, size);
	if (st != HV_STATUS_SUCCESS) {
		r->type = 0;
		return -(int)st - 1;
	}
	bool got = vmbus_wait(vmbus_reply_or_dead, ch, VMBUS_REQUEST_WAIT_NS);
	r->type = 0;
	if (!got || !r->ready) {
		if (!got)
			kprintf("vmbus: no %s from the host within %llu ms\n", vmbus_msg_name(type),
				VMBUS_REQUEST_WAIT_NS / 1000000);
		return -1;
	}
	return 0;
}

/* ---- connecting ---------------------------------------------------------- */

static int contact(uint32_t version)
{
	struct vmbus_msg_initiate_contact m;
	memset(&m, 0, sizeof(m));
	m.hdr.type = VMBUS_MSG_INITIATE_CONTACT;
	m.version = version;
	m.target_vcpu = 0;		/* the BSP: dormant runs on one CPU */
	bool v5 = version >= VMBUS_VERSION_WIN10_V5;
	if (v5)
		m.msg_sint = VMBUS_MESSAGE_SINT;
	/* No monitor pages: channels are signalled with HvSignalEvent
	 * (6.5, as mu_msvm does), and no interrupt page (>= 2.4). */
	vmbus.msg_conn = v5 ? VMBUS_CONNID_MESSAGE_4 : VMBUS_CONNID_MESSAGE;
	int r = vmbus_request(&m, sizeof(m), VMBUS_MSG_VERSION_RESPONSE, 0, NULL);
	if (r < -1 && -(r + 1) == HV_STATUS_INVALID_CONNECTION_ID)
		return 1;		/* connection 4 unknown: an older host */
	if (r)
		return -1;
	const struct vmbus_msg_version_response *resp = (const void *)vmbus.reply.msg;
	if (!resp->version_supported)
		return 1;
	if (resp->connection_state != VMBUS_CONNECTION_STATE_SUCCESS) {
		kprintf("vmbus: host accepted version %u.%u but failed the connection (state %u)\n",
			VMBUS_VERSION_MAJOR(version), VMBUS_VERSION_MINOR(version),
			resp->connection_state);
		return -1;
	}
	if (v5) {
		uint32_t conn = resp->msg_conn_id;
		if (conn == 0 || conn > 0xffffff) {
			kprintf("vmbus: host gave message connection %u; using 4\n", conn);
			conn = VMBUS_CONNID_MESSAGE_4;
		}
		vmbus.msg_conn = conn;
	}
	return 0;
}

static bool offers_done(void *arg)
{
	(void)arg;
	return vmbus.all_offers;
}

int vmbus_connect(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(versions); i++) {
		uint32_t v = versions[i];
		int r = contact(v);
		if (r < 0) {
			vmbus.msg_conn = 0;
			return -1;
		}
		if (r > 0) {
			kprintf("vmbus: host refused version %u.%u%s\n", VMBUS_VERSION_MAJOR(v),
				VMBUS_VERSION_MINOR(v),
				i + 1 < ARRAY_SIZE(versions) ? ", trying an older one" : "");
			continue;
		}
		vmbus.version = v;
		vmbus.connected = true;
		vmbus.gen++;
		kprintf("vmbus: connected, version %u.%u\n", VMBUS_VERSION_MAJOR(v),
			VMBUS_VERSION_MINOR(v));
		struct vmbus_msg_request_offers ro;
		memset(&ro, 0, sizeof(ro));
		ro.hdr.type = VMBUS_MSG_REQUESTOFFERS;
		if (vmbus_post(&ro, sizeof(ro)) != HV_STATUS_SUCCESS ||
		    !vmbus_wait(offers_done, NULL, OFFERS_WAIT_NS))
			kprintf("vmbus: the host did not finish its offers (no ALLOFFERS_DELIVERED)\n");
		return 0;
	}
	vmbus.msg_conn = 0;
	kprintf("vmbus: no common version with the host\n");
	return -1;
}

/* 6.12: the host closes every channel and releases every GPADL; other
 * messages may come first and are dropped. */
int vmbus_unload_request(void)
{
	struct vmbus_msg_unload m;
	memset(&m, 0, sizeof(m));
	m.hdr.type = VMBUS_MSG_UNLOAD;
	int r = vmbus_request(&m, sizeof(m), VMBUS_MSG_UNLOAD_RESPONSE, 0, NULL);
	kprintf("vmbus: %s\n", r ? "unload: no UNLOAD_RESPONSE from the host; going on"
				 : "unloaded");
	vmbus.connected = false;
	vmbus.msg_conn = 0;
	vmbus.all_offers = false;
	return r;
}

/* Power-off and reset: every driver stops, the connection goes. */
void vmbus_unload(void)
{
	if (!vmbus.connected)
		return;
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		ch->dead = true;	/* no more events to the driver */
		if (ch->state == VMBUS_CH_OPEN && ch->drv && ch->drv->remove)
			ch->drv->remove(ch);
	}
	int r = vmbus_unload_request();
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++) {
		struct vmbus_channel *ch = &vmbus.chan[i];
		/* After UNLOAD_RESPONSE the host has released every GPADL
		 * (6.12): the rings are ours again.  Without it, keep them. */
		if (r) {
			ch->state = VMBUS_CH_FREE;	/* the rings stay allocated */
			continue;
		}
		if (ch->ring_pa)
			page_free(ch->ring_pa, ch->ring_pages);
		memset(ch, 0, sizeof(*ch));
	}
}

/* Deferred work, run when the application calls into the kernel. */
void vmbus_poll(void)
{
	if (!vmbus.work || !vmbus.connected)
		return;
	vmbus.work = false;
	vmbus_release_dead();
	vmbus_bind_pending();
	if (!vmbus.boot_bound_ns) {
		vmbus.boot_bound_ns = time_ns();
		unsigned n = 0;
		for (unsigned i = 0; i < VMBUS_MAX_CHANNELS; i++)
			n += vmbus.chan[i].state == VMBUS_CH_OPEN;
		kprintf("vmbus: all offers bound, %u channels open, %lu ms after kernel entry\n", n,
			vmbus.boot_bound_ns / 1000000);
	}
}

static void vmbus_init(void)
{
	if (!hv.present || !hv.simp)
		return;
	hv_sint_register(HV_SINT_VMBUS, on_message, on_event, NULL);
	if (vmbus_connect() != 0)
		return;
	power_add_hook(vmbus_unload);
	poll_add(vmbus_poll);
	pm_register(&vmbus_pm);
}
INITCALL(vmbus_init, INIT_BUS);
