/*
 * fuzz_vmbus_msg.c - libFuzzer harness for vmbus/msg.c: any byte string
 * as a host control message.  When vmbus_msg_check() accepts it, the
 * message is decoded into its wire struct the way the client will (copy
 * of the struct's size, which the check guarantees is available) and its
 * fields are read.  The message is a heap block of exact size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmbus/msg.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

union host_msg {
	struct vmbus_msg_header hdr;
	struct vmbus_msg_offer_channel offer;
	struct vmbus_msg_rescind_offer rescind;
	struct vmbus_msg_open_result open_result;
	struct vmbus_msg_gpadl_created gpadl_created;
	struct vmbus_msg_gpadl_torndown gpadl_torndown;
	struct vmbus_msg_version_response version;
	struct vmbus_msg_modify_channel_response modify;
};

static volatile uint32_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	uint8_t *msg;
	uint32_t type, min;
	union host_msg m;
	enum vmbus_msg_verdict v;

	if (n > 512)
		return 0;
	msg = malloc(n ? n : 1);
	CHECK(msg);
	memcpy(msg, in, n);
	v = vmbus_msg_check(n ? msg : NULL, (uint32_t)n, &type);
	CHECK((unsigned int)v < VMBUS_MSG_VERDICT_COUNT);
	sink = (uint32_t)strlen(vmbus_msg_verdict_name(v)) + (uint32_t)strlen(vmbus_msg_name(type));
	if (v == VMBUS_MSG_OK) {
		min = vmbus_msg_min_size(type);
		CHECK(min >= sizeof(struct vmbus_msg_header) && min <= n && n <= VMBUS_MSG_MAX_SIZE);
		CHECK(min <= sizeof(m));
		memset(&m, 0, sizeof(m));
		memcpy(&m, msg, min);
		switch (type) {
		case VMBUS_MSG_OFFERCHANNEL:
			sink = m.offer.child_relid ^ m.offer.connection_id ^ m.offer.chan_flags ^
			       m.offer.sub_channel_index ^ m.offer.monitor_id;
			break;
		case VMBUS_MSG_RESCIND_CHANNELOFFER:
			sink = m.rescind.child_relid;
			break;
		case VMBUS_MSG_OPENCHANNEL_RESULT:
			sink = m.open_result.status ^ m.open_result.openid;
			break;
		case VMBUS_MSG_GPADL_CREATED:
			sink = m.gpadl_created.creation_status ^ m.gpadl_created.gpadl;
			break;
		case VMBUS_MSG_GPADL_TORNDOWN:
			sink = m.gpadl_torndown.gpadl;
			break;
		case VMBUS_MSG_VERSION_RESPONSE:
			sink = m.version.msg_conn_id ^ m.version.version_supported;
			break;
		case VMBUS_MSG_MODIFYCHANNEL_RESPONSE:
			sink = m.modify.status;
			break;
		default:
			sink = m.hdr.type;
			break;
		}
	} else if (v == VMBUS_MSG_SHORT) {
		CHECK(n < vmbus_msg_min_size(type));
	}
	free(msg);
	return 0;
}
