/*
 * vmbus_host.c - the emulated host's VMBus server: the control protocol
 * of hv-core-protocol.md section 6, from the host's side.
 *
 * The guest posts control messages with HvCallPostMessage; they arrive
 * here synchronously (vbh_post) and the answers go into the guest's SINT2
 * message slot through the SynIC model.  Every message is checked against
 * the size its type needs and against the state it refers to, as a real
 * host would; a bad one is counted and logged and the host carries on.
 *
 * Relids are assigned afresh on every boot from a seed and not in offer
 * order, as Hyper-V's change between boots: a guest that remembered them
 * (a resumed one) must match devices by GUID.  A "new VM" (newvm) goes
 * further: the SCSI controller's instance GUID is another one, relids
 * come from a range a normal boot never uses, and the offers come in
 * reverse order, so a resumed guest can only match it by class.
 */
#include <string.h>

#include "hvsim.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"

/* GUIDs in wire order (9.1): Data1..3 little-endian, Data4 as written. */
#define GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) { \
	(a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff, \
	(b) & 0xff, ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff, \
	d0, d1, d2, d3, d4, d5, d6, d7 }

/* hv-vsc-protocols.md 2.3 (service versions the host offers), 2.8 and 5
 * (class and fixed instance GUIDs). */
const struct vbh_device vbh_devices[] = {
	{ "heartbeat",
	  GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d),
	  GUID(0xfd149e91, 0x82e0, 0x4a7d, 0xaf, 0xa6, 0x2a, 0x41, 0x66, 0xcb, 0xd7, 0xc0),
	  { 0 }, IC_HEARTBEAT, { { 1, 0 }, { 3, 0 } }, 2, &ic_ops },
	{ "shutdown",
	  GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb),
	  GUID(0xb6650ff7, 0x33bc, 0x4840, 0x80, 0x48, 0xe0, 0x67, 0x67, 0x86, 0xf3, 0x93),
	  { 0 }, IC_SHUTDOWN, { { 1, 0 }, { 3, 0 }, { 3, 1 }, { 3, 2 } }, 4, &ic_ops },
	{ "timesync",
	  GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf),
	  GUID(0x2dd1ce17, 0x079e, 0x403c, 0xb3, 0x52, 0xa1, 0x92, 0x1e, 0xe2, 0x07, 0xee),
	  { 0 }, IC_TIMESYNC, { { 3, 0 }, { 4, 0 } }, 2, &ic_ops },
	{ "kvp",
	  GUID(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6),
	  GUID(0x242ff919, 0x07db, 0x4180, 0x9c, 0x2e, 0xb8, 0x6c, 0xb6, 0x8c, 0x8c, 0x55),
	  { 0 }, IC_KVP, { { 3, 0 }, { 4, 0 }, { 5, 0 } }, 3, &ic_ops },
	{ "scsi",
	  GUID(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f),
	  GUID(0x6e1b0f2a, 0x38c4, 0x4a5e, 0x9d, 0x31, 0x0c, 0x7b, 0x52, 0xe4, 0x86, 0x19),
	  /* another VM's controller */
	  GUID(0x3c57e1d4, 0x9a02, 0x4f6b, 0x8e, 0x47, 0xd1, 0x28, 0x6a, 0x05, 0xbf, 0x93),
	  -1, { { 0 } }, 0, &storvsp_ops },
	{ "balloon",
	  GUID(0x525074dc, 0x8985, 0x46e2, 0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02),
	  /* the references name no Dynamic Memory instance: this host's own */
	  GUID(0x4d4d0001, 0x0000, 0x4000, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01),
	  { 0 }, -1, { { 0 } }, 0, &balloon_backend },
	{ "keyboard",
	  GUID(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84),
	  GUID(0xd34b2567, 0xb9b6, 0x42b9, 0x87, 0x78, 0x0a, 0x4e, 0xc0, 0xb9, 0x55, 0xbf),
	  { 0 }, -1, { { 0 } }, 0, &kbd_backend },
};
const unsigned vbh_ndevices = sizeof(vbh_devices) / sizeof(vbh_devices[0]);

/* Versions this host knows (6.4); the profile sets the ceiling. */
static const uint32_t known_versions[] = {
	VB_VER(5, 3), VB_VER(5, 2), VB_VER(5, 1), VB_VER(5, 0),
	VB_VER(4, 1), VB_VER(4, 0), VB_VER(3, 0), VB_VER(2, 4),
};

#define ST_FAILURE	0xc0000001u	/* STATUS_UNSUCCESSFUL, for GPADL/open */


static void bad(const char *what, uint32_t a)
{
	vbhost->bad_msgs++;
	if (vbhost->log)
		vbhost->log("vmbus host: dropped %s (0x%x)", what, a);
}

void vbh_send_msg(const void *msg, uint32_t size)
{
	if (hvsim_post(VB_SINT, VB_SYNIC_MSG_TYPE, msg, (uint8_t)size) != 0 && vbhost->log)
		vbhost->log("vmbus host: message queue full, message lost");
}

static void send_hdr(uint32_t type, uint8_t *m, uint32_t size)
{
	vbh_put32(m, 0, type);
	vbh_put32(m, 4, 0);
	vbh_send_msg(m, size);
}

static struct vbh_chan *by_relid(uint32_t relid)
{
	for (unsigned i = 0; i < VBH_CHANNELS; i++)
		if (vbhost->chan[i].state != VBH_FREE && vbhost->chan[i].relid == relid)
			return &vbhost->chan[i];
	return NULL;
}

static struct vbh_gpadl *gpadl_by_handle(uint32_t handle)
{
	for (unsigned i = 0; i < VBH_GPADLS; i++)
		if (vbhost->gpadl[i].used && vbhost->gpadl[i].handle == handle)
			return &vbhost->gpadl[i];
	return NULL;
}

struct vbh_chan *vbh_find(const char *name)
{
	for (unsigned i = 0; i < VBH_CHANNELS; i++)
		if (vbhost->chan[i].dev && strcmp(vbhost->chan[i].dev->name, name) == 0)
			return &vbhost->chan[i];
	return NULL;
}

/* A relid no live channel uses: scattered by the boot's seed; a new VM's
 * from 501 up, where no normal boot's are. */
static uint32_t fresh_relid(void)
{
	for (;;) {
		vbhost->seed = vbhost->seed * 1103515245u + 12345u;
		uint32_t relid = 1 + (vbhost->newvm ? 500 : 0) + (vbhost->seed >> 8) % 500;
		if (!by_relid(relid))
			return relid;
	}
}

static void send_offer(struct vbh_chan *c, bool cut_short)
{
	uint8_t m[VB_OFFER_SIZE];
	memset(m, 0, sizeof(m));
	memcpy(m + VB_OFFER_TYPE_GUID, c->dev->class_guid, 16);
	memcpy(m + VB_OFFER_INST_GUID, c->instance, 16);
	/* ICs are message-pipe channels (hv-vsc-protocols.md 2.1); the
	 * others raw (4). */
	bool pipe = c->dev->ic_type >= 0;
	vbh_put16(m, VB_OFFER_FLAGS, VB_OFFER_FLAG_ENUMERATE | (pipe ? VB_OFFER_FLAG_PIPE : 0));
	vbh_put32(m, VB_OFFER_USER_DEF, pipe ? VB_PIPE_MESSAGE_MODE : 0);
	vbh_put32(m, VB_OFFER_RELID, c->relid);
	vbh_put16(m, VB_OFFER_DEDICATED, 1);
	vbh_put32(m, VB_OFFER_CONN_ID, c->conn_id);
	send_hdr(VB_OFFER, m, cut_short ? 100 : sizeof(m));
}

static void offer_channel(struct vbh_chan *c, const struct vbh_device *d)
{
	static const uint8_t fixed[16];
	memset(c, 0, sizeof(*c));
	c->dev = d;
	bool other = vbhost->newvm && memcmp(d->newvm_instance, fixed, 16) != 0;
	memcpy(c->instance, other ? d->newvm_instance : d->instance_guid, 16);
	c->relid = fresh_relid();
	c->conn_id = 0x10000 | c->relid;
	c->state = VBH_OFFERED;
	bool cut = vbhost->fault[VBH_FAULT_SHORT_MSG];
	vbhost->fault[VBH_FAULT_SHORT_MSG] = false;
	send_offer(c, cut);
}

static void release_gpadls_of(uint32_t relid)
{
	for (unsigned i = 0; i < VBH_GPADLS; i++)
		if (vbhost->gpadl[i].used && vbhost->gpadl[i].relid == relid)
			memset(&vbhost->gpadl[i], 0, sizeof(vbhost->gpadl[i]));
}

/* Everything the connection held goes (UNLOAD, or a new INITIATE_CONTACT,
 * which OpenVMM's server also treats as an implicit unload). */
static void disconnect(void)
{
	for (unsigned i = 0; i < VBH_CHANNELS; i++)
		memset(&vbhost->chan[i], 0, sizeof(vbhost->chan[i]));
	memset(vbhost->gpadl, 0, sizeof(vbhost->gpadl));
	vbhost->version = 0;
	vbhost->offers_sent = false;
}

/* ---- handlers: m is a copy of the guest's message, size checked ---- */

static void on_initiate(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)size;
	uint8_t r[VB_VRESP_SIZE];
	uint32_t v = vbh_get32(m, VB_INIT_VERSION);
	bool known = false;

	memset(r, 0, sizeof(r));
	if (vbhost->version)
		disconnect();
	vbhost->contacts++;
	for (unsigned i = 0; i < sizeof(known_versions) / sizeof(known_versions[0]); i++)
		known |= known_versions[i] == v;
	/* 6.2: >= 5.0 comes on connection 4, older versions on 1. */
	bool right_port = v >= VB_V5_0 ? conn == VB_CONN_V5 : conn == VB_CONN_LEGACY;
	uint64_t mon1, mon2;
	memcpy(&mon1, m + VB_INIT_MONITOR1, 8);
	memcpy(&mon2, m + VB_INIT_MONITOR2, 8);
	if (!known || v > vbhost->max_version || !right_port) {
		send_hdr(VB_VERSION_RESPONSE, r, sizeof(r));	/* supported 0 */
		return;
	}
	r[VB_VRESP_SUPPORTED] = 1;
	if (!mon1 != !mon2) {
		r[VB_VRESP_STATE] = 2;	/* one monitor page only: failure (6.5) */
		send_hdr(VB_VERSION_RESPONSE, r, sizeof(r));
		return;
	}
	if (v >= VB_V5_0 && m[VB_INIT_MSG_SINT] != VB_SINT) {
		r[VB_VRESP_STATE] = 2;	/* this host only delivers on SINT2 */
		send_hdr(VB_VERSION_RESPONSE, r, sizeof(r));
		return;
	}
	vbhost->version = v;
	vbhost->msg_conn = v >= VB_V5_0 ? VB_CONN_V5 : VB_CONN_LEGACY;
	vbh_put32(r, VB_VRESP_CONN_ID, v >= VB_V5_0 ? vbhost->msg_conn : v);
	send_hdr(VB_VERSION_RESPONSE, r, sizeof(r));
	if (vbhost->log)
		vbhost->log("vmbus host: guest connected, version %u.%u", v >> 16, v & 0xffff);
}

static void on_request_offers(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)m; (void)size; (void)conn;
	uint8_t r[8];
	if (vbhost->offers_sent) {
		bad("second REQUESTOFFERS", 0);
		return;
	}
	vbhost->offers_sent = true;
	for (unsigned k = 0; k < vbh_ndevices && k < VBH_CHANNELS; k++) {
		unsigned i = vbhost->newvm ? vbh_ndevices - 1 - k : k;
		if (vbhost->absent & 1u << i)
			vbhost->chan[i].dev = &vbh_devices[i];	/* known, not offered */
		else
			offer_channel(&vbhost->chan[i], &vbh_devices[i]);
	}
	send_hdr(VB_ALL_OFFERS, r, sizeof(r));
}

static void gpadl_created(struct vbh_gpadl *g, uint32_t relid, uint32_t handle, uint32_t status)
{
	uint8_t r[VB_GPADL_CREATED_SIZE];
	memset(r, 0, sizeof(r));
	vbh_put32(r, 8, relid);
	vbh_put32(r, 12, handle);
	vbh_put32(r, 16, status);
	if (status && g)
		memset(g, 0, sizeof(*g));
	if (!status && vbhost->fault[VBH_FAULT_RESCIND_ON_GPADL]) {
		vbhost->fault[VBH_FAULT_RESCIND_ON_GPADL] = false;
		vbh_rescind(by_relid(relid)->dev->name);
		return;
	}
	send_hdr(VB_GPADL_CREATED, r, sizeof(r));
}

static void take_pfns(struct vbh_gpadl *g, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n && g->npfn < g->expect; i++)
		memcpy(&g->pfn[g->npfn++], p + 8 * i, 8);
	if (g->npfn == g->expect) {
		g->complete = true;
		gpadl_created(g, g->relid, g->handle, 0);
	}
}

static void on_gpadl_header(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)conn;
	uint32_t relid = vbh_get32(m, VB_GPADL_HDR_RELID), handle = vbh_get32(m, VB_GPADL_HDR_HANDLE);
	uint16_t buflen = vbh_get16(m, VB_GPADL_HDR_RANGE_LEN), nrange = vbh_get16(m, VB_GPADL_HDR_RANGE_CNT);
	uint32_t bytes = vbh_get32(m, VB_GPADL_HDR_BYTE_COUNT), off = vbh_get32(m, VB_GPADL_HDR_BYTE_OFF);
	uint32_t npfn = buflen >= 8 ? (buflen - 8u) / 8u : 0;
	uint32_t here = (size - VB_GPADL_HDR_PFN) / 8;
	struct vbh_chan *c = by_relid(relid);

	if (!c || c->state == VBH_RESCINDED || !handle || gpadl_by_handle(handle) ||
	    nrange != 1 || npfn == 0 || npfn > VBH_GPADL_PFNS || buflen != 8 + 8 * npfn ||
	    off >= 4096 || (uint64_t)off + bytes > (uint64_t)npfn * 4096 || here > npfn) {
		bad("GPADL_HEADER", handle);
		gpadl_created(NULL, relid, handle, ST_FAILURE);
		return;
	}
	for (unsigned i = 0; i < VBH_GPADLS; i++) {
		struct vbh_gpadl *g = &vbhost->gpadl[i];
		if (g->used)
			continue;
		g->used = true;
		g->handle = handle;
		g->relid = relid;
		g->expect = npfn;
		g->npfn = 0;
		take_pfns(g, m + VB_GPADL_HDR_PFN, here);
		return;
	}
	bad("GPADL_HEADER: no room", handle);
	gpadl_created(NULL, relid, handle, ST_FAILURE);
}

static void on_gpadl_body(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)conn;
	uint32_t handle = vbh_get32(m, VB_GPADL_BODY_HANDLE);
	struct vbh_gpadl *g = gpadl_by_handle(handle);
	uint32_t here = (size - VB_GPADL_BODY_PFN) / 8;
	if (!g || g->complete || here == 0 || here > g->expect - g->npfn) {
		bad("GPADL_BODY", handle);
		if (g && !g->complete)
			gpadl_created(g, g->relid, handle, ST_FAILURE);
		return;
	}
	take_pfns(g, m + VB_GPADL_BODY_PFN, here);
}

static void open_result(uint32_t relid, uint32_t openid, uint32_t status)
{
	uint8_t r[VB_OPEN_RESULT_SIZE];
	memset(r, 0, sizeof(r));
	vbh_put32(r, 8, relid);
	vbh_put32(r, 12, openid);
	vbh_put32(r, 16, status);
	send_hdr(VB_OPEN_RESULT, r, sizeof(r));
}

static void on_open(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)size; (void)conn;
	uint32_t relid = vbh_get32(m, VB_OPEN_RELID), openid = vbh_get32(m, VB_OPEN_OPENID);
	uint32_t handle = vbh_get32(m, VB_OPEN_GPADL), down = vbh_get32(m, VB_OPEN_DOWN_OFFSET);
	struct vbh_chan *c = by_relid(relid);
	struct vbh_gpadl *g = gpadl_by_handle(handle);

	if (!c || c->state != VBH_OFFERED) {
		bad("OPENCHANNEL for a channel not offered or already open", relid);
		if (c && c->state != VBH_RESCINDED)
			open_result(relid, openid, ST_FAILURE);
		return;
	}
	/* Each ring: a control page and at least one data page (7.1). */
	if (!g || !g->complete || g->relid != relid || down < 2 || down + 2 > g->npfn) {
		bad("OPENCHANNEL with a bad ring GPADL", relid);
		open_result(relid, openid, ST_FAILURE);
		return;
	}
	if (vbhost->fault[VBH_FAULT_RESCIND_ON_OPEN]) {
		vbhost->fault[VBH_FAULT_RESCIND_ON_OPEN] = false;
		vbh_rescind(c->dev->name);
		return;
	}
	if (vbhost->fault[VBH_FAULT_SILENT]) {
		vbhost->fault[VBH_FAULT_SILENT] = false;
		return;		/* a host that never answers */
	}
	uint32_t gi = (uint32_t)(g - vbhost->gpadl);
	c->out = (struct vbh_ring){ gi, 0, (down - 1) * 4096 };
	c->in = (struct vbh_ring){ gi, down, (g->npfn - down - 1) * 4096 };
	/* The producer sets the feature bit of the ring it writes (7.1). */
	uint32_t feat = VB_RING_FEAT_PENDING;
	vbh_gpadl_copy(g, (uint64_t)down * 4096 + VB_RING_FEATURES, &feat, 4, true);
	c->state = VBH_OPEN;
	memset(&c->ic, 0, sizeof(c->ic));
	hvsim_open_port(c->conn_id, true);
	open_result(relid, openid, 0);
	if (c->dev->ops->opened)
		c->dev->ops->opened(c);
}

static void on_close(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)size; (void)conn;
	uint32_t relid = vbh_get32(m, VB_RELID_OFF);
	struct vbh_chan *c = by_relid(relid);
	if (!c || (c->state != VBH_OPEN && c->state != VBH_RESCINDED)) {
		bad("CLOSECHANNEL for a channel not open", relid);
		return;
	}
	bool was_open = c->state == VBH_OPEN;
	vbhost->closes++;
	if (c->state == VBH_OPEN)
		c->state = VBH_OFFERED;
	if (was_open && c->dev->ops->closed)
		c->dev->ops->closed(c);
	memset(&c->out, 0, sizeof(c->out));
	memset(&c->in, 0, sizeof(c->in));
}

static void on_gpadl_teardown(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)size; (void)conn;
	uint32_t handle = vbh_get32(m, 12);
	struct vbh_gpadl *g = gpadl_by_handle(handle);
	struct vbh_chan *c = g ? by_relid(g->relid) : NULL;
	if (!g || (c && c->state == VBH_OPEN && c->out.gpadl == (uint32_t)(g - vbhost->gpadl))) {
		bad("GPADL_TEARDOWN of an unknown GPADL or an open channel's ring", handle);
		return;
	}
	memset(g, 0, sizeof(*g));
	vbhost->teardowns++;
	uint8_t r[VB_GPADL_TORNDOWN_SIZE];
	memset(r, 0, sizeof(r));
	vbh_put32(r, 8, handle);
	send_hdr(VB_GPADL_TORNDOWN, r, sizeof(r));
}

static void on_relid_released(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)size; (void)conn;
	uint32_t relid = vbh_get32(m, VB_RELID_OFF);
	struct vbh_chan *c = by_relid(relid);
	if (!c || c->state != VBH_RESCINDED) {
		bad("RELID_RELEASED for a channel not rescinded", relid);
		return;
	}
	release_gpadls_of(relid);
	const struct vbh_device *d = c->dev;
	memset(c, 0, sizeof(*c));
	c->dev = d;		/* remembered, so `offer NAME` can bring it back */
	vbhost->released++;
}

static void on_unload(const uint8_t *m, uint32_t size, uint32_t conn)
{
	(void)m; (void)size; (void)conn;
	uint8_t r[8];
	vbhost->unloads++;
	if (vbhost->fault[VBH_FAULT_SILENT]) {
		vbhost->fault[VBH_FAULT_SILENT] = false;
		disconnect();
		return;
	}
	disconnect();
	send_hdr(VB_UNLOAD_RESPONSE, r, sizeof(r));
}

/* hvsim=PROFILE,flood: four malformed control messages after a guest's
 * message: a header-only type at the full 240 bytes (legal, 6.1), a type
 * no version defines, an OPENCHANNEL_RESULT for no channel, and an
 * OFFERCHANNEL of 12 bytes (shorter than its table size, 6.3). */
static void flood_burst(void)
{
	uint8_t m[240];
	memset(m, 0, sizeof(m));
	send_hdr(VB_ALL_OFFERS, m, sizeof(m));
	send_hdr(0x7777, m, 16);
	open_result(0xfffff, 0, 0);
	send_hdr(VB_OFFER, m, 12);
}

/* Minimum sizes from the tables of 6.3; anything longer is accepted (the
 * guest may append fields a newer version defines). */
static const struct {
	uint32_t min;
	void (*fn)(const uint8_t *m, uint32_t size, uint32_t conn);
} handlers[VB_MSG_TYPES] = {
	[VB_REQUEST_OFFERS] = { 8, on_request_offers },
	[VB_OPEN] = { VB_OPEN_SIZE, on_open },
	[VB_CLOSE] = { VB_RELID_MSG_SIZE, on_close },
	[VB_GPADL_HEADER] = { VB_GPADL_HDR_PFN + 8, on_gpadl_header },
	[VB_GPADL_BODY] = { VB_GPADL_BODY_PFN + 8, on_gpadl_body },
	[VB_GPADL_TEARDOWN] = { VB_GPADL_TEARDOWN_SIZE, on_gpadl_teardown },
	[VB_RELID_RELEASED] = { VB_RELID_MSG_SIZE, on_relid_released },
	[VB_INITIATE] = { VB_INIT_SIZE, NULL },		/* handled before the table */
	[VB_UNLOAD] = { 8, on_unload },
};

void vbh_post(uint32_t connection, const uint8_t *msg, uint32_t size)
{
	uint8_t m[240];
	uint32_t type;

	if (!vbhost || size < 8 || size > sizeof(m)) {
		bad("message of bad size", size);
		return;
	}
	memcpy(m, msg, size);
	type = vbh_get32(m, 0);
	if (type == VB_INITIATE) {
		if (size < VB_INIT_SIZE)
			bad("short INITIATE_CONTACT", size);
		else
			on_initiate(m, size, connection);
		return;
	}
	if (!vbhost->version || connection != vbhost->msg_conn) {
		bad("message before contact or on the wrong connection", type);
		return;
	}
	if (type >= VB_MSG_TYPES || !handlers[type].fn || size < handlers[type].min) {
		bad("unknown or short message", type);
		return;
	}
	handlers[type].fn(m, size, connection);
	if (vbhost->flood) {
		vbhost->flood--;
		flood_burst();
	}
}

void vbh_signal(uint32_t connection)
{
	for (unsigned i = 0; i < VBH_CHANNELS; i++) {
		struct vbh_chan *c = &vbhost->chan[i];
		if (c->state != VBH_OPEN || c->conn_id != connection)
			continue;
		if (c->dev->ops->signal) {
			c->dev->ops->signal(c);
			continue;
		}
		vbh_drain(c);
	}
}

/* Every packet the guest has queued, to the back-end. */
void vbh_drain(struct vbh_chan *c)
{
	uint32_t len;
	int r = 0;
	while (c->state == VBH_OPEN &&
	       (r = vbh_ring_read(c, vbhost->pkt, sizeof(vbhost->pkt), &len)) > 0)
		c->dev->ops->packet(c, vbhost->pkt, len);
	if (r < 0) {
		c->bad_packets++;
		if (vbhost->log)
			vbhost->log("vmbus host: %s: bad ring from the guest", c->dev->name);
	}
}

void vbh_timer(uint64_t now)
{
	for (unsigned i = 0; i < VBH_CHANNELS; i++)
		if (vbhost->chan[i].state == VBH_OPEN && vbhost->chan[i].dev->ops->timer)
			vbhost->chan[i].dev->ops->timer(&vbhost->chan[i], now);
}

uint64_t vbh_next_due(void)
{
	uint64_t next = 0;
	for (unsigned i = 0; vbhost && i < VBH_CHANNELS; i++) {
		const struct vbh_chan *c = &vbhost->chan[i];
		uint64_t d = c->state == VBH_OPEN && c->dev->ops->due ? c->dev->ops->due(c) : 0;
		if (d && (!next || d < next))
			next = d;
	}
	return next;
}

int vbh_rescind(const char *name)
{
	struct vbh_chan *c = vbh_find(name);
	if (!c || (c->state != VBH_OFFERED && c->state != VBH_OPEN))
		return -1;
	bool was_open = c->state == VBH_OPEN;
	c->state = VBH_RESCINDED;
	if (was_open && c->dev->ops->closed)
		c->dev->ops->closed(c);
	uint8_t r[VB_RELID_MSG_SIZE];
	memset(r, 0, sizeof(r));
	vbh_put32(r, VB_RELID_OFF, c->relid);
	send_hdr(VB_RESCIND, r, sizeof(r));
	return 0;
}

/* Offer a device again (after a rescind and RELID_RELEASED), or late. */
int vbh_offer(const char *name)
{
	if (!vbhost->version || !vbhost->offers_sent)
		return -1;
	struct vbh_chan *c = vbh_find(name);
	if (c && c->state != VBH_FREE)
		return -2;	/* still offered, or its relid not released */
	for (unsigned i = 0; i < vbh_ndevices; i++) {
		if (strcmp(vbh_devices[i].name, name) != 0)
			continue;
		if (!c)
			for (unsigned j = 0; j < VBH_CHANNELS && !c; j++)
				if (vbhost->chan[j].state == VBH_FREE && !vbhost->chan[j].dev)
					c = &vbhost->chan[j];
		if (!c)
			return -3;
		offer_channel(c, &vbh_devices[i]);
		return 0;
	}
	return -1;
}

static const char *const fault_names[VBH_NFAULTS] = {
	[VBH_FAULT_SHORT_MSG] = "short-offer",
	[VBH_FAULT_OVERSIZE_MSG] = "oversize-message",
	[VBH_FAULT_UNKNOWN_TYPE] = "unknown-type",
	[VBH_FAULT_WRONG_RELID] = "wrong-relid",
	[VBH_FAULT_RING_INDEX] = "ring-index",
	[VBH_FAULT_PKT_LEN] = "packet-length",
	[VBH_FAULT_SILENT] = "silent",
	[VBH_FAULT_RESCIND_ON_OPEN] = "rescind-on-open",
	[VBH_FAULT_RESCIND_ON_GPADL] = "rescind-on-gpadl",
	[VBH_FAULT_SRB_ERROR] = "srb-error",
	[VBH_FAULT_NO_COMPLETION] = "no-completion",
	[VBH_FAULT_RESCIND_WITH_IO] = "rescind-with-io",
	[VBH_FAULT_SHORT_TRANSFER] = "short-transfer",
	[VBH_FAULT_BUSY] = "busy",
	[VBH_FAULT_BALLOON_SHORT] = "balloon-short",
	[VBH_FAULT_BALLOON_RANGES] = "balloon-ranges",
	[VBH_FAULT_KBD_SHORT] = "keyboard-short",
	[VBH_FAULT_KBD_TYPE] = "keyboard-type",
	[VBH_FAULT_KVP_SHORT] = "kvp-short",
};

const char *vbh_fault_name(enum vbh_fault f)
{
	return f > VBH_FAULT_NONE && f < VBH_NFAULTS ? fault_names[f] : NULL;
}

enum vbh_fault vbh_fault_by_name(const char *name)
{
	for (int f = 1; f < VBH_NFAULTS; f++)
		if (strcmp(fault_names[f], name) == 0)
			return (enum vbh_fault)f;
	return VBH_FAULT_NONE;
}

void vbh_fault_inject_after(enum vbh_fault f, uint32_t after)
{
	vbh_fault_inject(f);
	if (f > VBH_FAULT_NONE && f < VBH_NFAULTS && vbhost->fault[f])
		vbhost->fault_after[f] = after;
}

bool vbh_fault_fires(enum vbh_fault f)
{
	if (!vbhost->fault[f])
		return false;
	if (vbhost->fault_after[f]) {
		vbhost->fault_after[f]--;
		return false;
	}
	vbhost->fault[f] = false;
	return true;
}

/* Faults that are a message or a ring write happen now; the others are
 * armed for the step they disturb. */
void vbh_fault_inject(enum vbh_fault f)
{
	uint8_t m[240];
	memset(m, 0, sizeof(m));
	switch (f) {
	case VBH_FAULT_OVERSIZE_MSG:
		send_hdr(VB_ALL_OFFERS, m, sizeof(m));	/* header-only type, 240 bytes */
		break;
	case VBH_FAULT_UNKNOWN_TYPE:
		send_hdr(0x7777, m, 16);
		break;
	case VBH_FAULT_WRONG_RELID:
		open_result(0xfffff, 0, 0);
		break;
	case VBH_FAULT_RING_INDEX:
	case VBH_FAULT_PKT_LEN:
		for (unsigned i = 0; i < VBH_CHANNELS; i++) {
			struct vbh_chan *c = &vbhost->chan[i];
			if (c->state != VBH_OPEN || c->dev->ic_type != IC_HEARTBEAT)
				continue;
			if (f == VBH_FAULT_RING_INDEX)
				vbh_ring_corrupt_index(c);
			else
				vbh_ring_write_bad_len(c);
		}
		break;
	case VBH_FAULT_BALLOON_SHORT:
		bal_fault_short();
		break;
	case VBH_FAULT_BALLOON_RANGES:
		bal_fault_ranges();
		break;
	case VBH_FAULT_KBD_SHORT:
		kbd_fault_short();
		break;
	case VBH_FAULT_KBD_TYPE:
		kbd_fault_type();
		break;
	case VBH_FAULT_KVP_SHORT:
		kvp_fault_short();
		break;
	default:
		if (f > VBH_FAULT_NONE && f < VBH_NFAULTS)
			vbhost->fault[f] = true;
	}
}

void vbh_init(struct vbh_host *h, uint32_t max_version, uint64_t seed, uint64_t wall_filetime)
{
	memset(h, 0, sizeof(*h));
	h->max_version = max_version;
	h->seed = (uint32_t)(seed ^ (seed >> 32)) | 1;
	h->wall_base = wall_filetime;
	/* storvsp's newest protocol by host age (1.1): WS2016+ 6.2, WS2012 R2
	 * 6.0, and WS2008 R2's pre-WIN8 4.2 for the oldest profile. */
	h->scsi_max_version = max_version >= VB_V5_0 ? 0x0602 : max_version >= VB_V4_0 ? 0x0600
										 : 0x0402;
	vbhost = h;
}
