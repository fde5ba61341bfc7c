/*
 * msg.c - the table of VMBus control message types (hv-core-protocol.md
 * 6.3): name, direction and, for host-to-guest types, the minimum size
 * of the payload before any field may be read.
 */
#include <string.h>

#include "msg.h"

#define G2H	0	/* we send it; never accepted from the host */
#define H2G	1

struct msg_info {
	const char *name;
	uint8_t dir;
	uint8_t min_size;	/* H2G: bytes needed for the wire struct */
};

#define HDR	sizeof(struct vmbus_msg_header)

static const struct msg_info msg_table[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_OFFERCHANNEL] = { "OFFERCHANNEL", H2G, sizeof(struct vmbus_msg_offer_channel) },
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = { "RESCIND_CHANNELOFFER", H2G, sizeof(struct vmbus_msg_rescind_offer) },
	[VMBUS_MSG_REQUESTOFFERS] = { "REQUESTOFFERS", G2H, 0 },
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = { "ALLOFFERS_DELIVERED", H2G, sizeof(struct vmbus_msg_all_offers_delivered) },
	[VMBUS_MSG_OPENCHANNEL] = { "OPENCHANNEL", G2H, 0 },
	[VMBUS_MSG_OPENCHANNEL_RESULT] = { "OPENCHANNEL_RESULT", H2G, sizeof(struct vmbus_msg_open_result) },
	[VMBUS_MSG_CLOSECHANNEL] = { "CLOSECHANNEL", G2H, 0 },
	[VMBUS_MSG_GPADL_HEADER] = { "GPADL_HEADER", G2H, 0 },
	[VMBUS_MSG_GPADL_BODY] = { "GPADL_BODY", G2H, 0 },
	[VMBUS_MSG_GPADL_CREATED] = { "GPADL_CREATED", H2G, sizeof(struct vmbus_msg_gpadl_created) },
	[VMBUS_MSG_GPADL_TEARDOWN] = { "GPADL_TEARDOWN", G2H, 0 },
	[VMBUS_MSG_GPADL_TORNDOWN] = { "GPADL_TORNDOWN", H2G, sizeof(struct vmbus_msg_gpadl_torndown) },
	[VMBUS_MSG_RELID_RELEASED] = { "RELID_RELEASED", G2H, 0 },
	[VMBUS_MSG_INITIATE_CONTACT] = { "INITIATE_CONTACT", G2H, 0 },
	[VMBUS_MSG_VERSION_RESPONSE] = { "VERSION_RESPONSE", H2G, sizeof(struct vmbus_msg_version_response) },
	[VMBUS_MSG_UNLOAD] = { "UNLOAD", G2H, 0 },
	[VMBUS_MSG_UNLOAD_RESPONSE] = { "UNLOAD_RESPONSE", H2G, sizeof(struct vmbus_msg_unload_response) },
	[VMBUS_MSG_OPEN_RESERVED_CHANNEL] = { "OPEN_RESERVED_CHANNEL", G2H, 0 },
	[VMBUS_MSG_CLOSE_RESERVED_CHANNEL] = { "CLOSE_RESERVED_CHANNEL", G2H, 0 },
	[VMBUS_MSG_CLOSE_RESERVED_RESPONSE] = { "CLOSE_RESERVED_RESPONSE", H2G, HDR },
	[VMBUS_MSG_TL_CONNECT_REQUEST] = { "TL_CONNECT_REQUEST", G2H, 0 },
	[VMBUS_MSG_MODIFYCHANNEL] = { "MODIFYCHANNEL", G2H, 0 },
	[VMBUS_MSG_TL_CONNECT_RESULT] = { "TL_CONNECT_RESULT", H2G, HDR },
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = { "MODIFYCHANNEL_RESPONSE", H2G, sizeof(struct vmbus_msg_modify_channel_response) },
	[VMBUS_MSG_MODIFY_CONNECTION] = { "MODIFY_CONNECTION", G2H, 0 },
	[VMBUS_MSG_MODIFY_CONNECTION_RESPONSE] = { "MODIFY_CONNECTION_RESPONSE", H2G, HDR },
	[VMBUS_MSG_PAUSE] = { "PAUSE", G2H, 0 },
	[VMBUS_MSG_PAUSE_RESPONSE] = { "PAUSE_RESPONSE", H2G, HDR },
	[VMBUS_MSG_RESUME] = { "RESUME", G2H, 0 },
};

_Static_assert(sizeof(struct vmbus_msg_offer_channel) <= 255, "min_size is a u8");

static const char *const verdict_names[VMBUS_MSG_VERDICT_COUNT] = {
	[VMBUS_MSG_OK] = "ok",
	[VMBUS_MSG_NO_HEADER] = "shorter than the message header",
	[VMBUS_MSG_OVERSIZE] = "longer than a SynIC message",
	[VMBUS_MSG_UNKNOWN_TYPE] = "unknown message type",
	[VMBUS_MSG_WRONG_DIRECTION] = "guest-to-host type from the host",
	[VMBUS_MSG_SHORT] = "shorter than its type's layout",
};

static const struct msg_info *lookup(uint32_t type)
{
	if (type >= VMBUS_MSG_COUNT || !msg_table[type].name)
		return NULL;
	return &msg_table[type];
}

enum vmbus_msg_verdict vmbus_msg_check(const void *msg, uint32_t size, uint32_t *type)
{
	struct vmbus_msg_header h;
	const struct msg_info *mi;

	*type = 0;
	if (!msg || size < sizeof(h))
		return VMBUS_MSG_NO_HEADER;
	memcpy(&h, msg, sizeof(h));
	*type = h.type;
	if (size > VMBUS_MSG_MAX_SIZE)
		return VMBUS_MSG_OVERSIZE;
	mi = lookup(h.type);
	if (!mi)
		return VMBUS_MSG_UNKNOWN_TYPE;
	if (mi->dir != H2G)
		return VMBUS_MSG_WRONG_DIRECTION;
	if (size < mi->min_size)
		return VMBUS_MSG_SHORT;
	return VMBUS_MSG_OK;
}

uint32_t vmbus_msg_min_size(uint32_t type)
{
	const struct msg_info *mi = lookup(type);

	return mi && mi->dir == H2G ? mi->min_size : 0;
}

const char *vmbus_msg_name(uint32_t type)
{
	const struct msg_info *mi = lookup(type);

	return mi ? mi->name : "unknown";
}

const char *vmbus_msg_verdict_name(enum vmbus_msg_verdict v)
{
	if ((unsigned int)v >= VMBUS_MSG_VERDICT_COUNT)
		return "unknown verdict";
	return verdict_names[v];
}
