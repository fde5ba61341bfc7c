/*
 * heartbeat.c - the Heartbeat service (hv-vsc-protocols.md 2.4): the
 * host sends a sequence number about every few seconds; the answer is that
 * number plus one, which tells the host the guest is alive.
 */
#include <string.h>

#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "ic.h"

static const struct ic_version versions[] = { { 3, 0 }, { 1, 0 } };
static uint64_t beats;

static uint32_t handle(struct vmbus_channel *ch, uint8_t *body, uint32_t len, uint32_t *reply_len)
{
	uint64_t seq;
	(void)reply_len;
	if (len < IC_HEARTBEAT_MIN) {
		kprintf("ic: %s: heartbeat of %u bytes; refused\n", ch->name, len);
		return IC_E_FAIL;
	}
	memcpy(&seq, body, sizeof(seq));
	seq++;
	memcpy(body, &seq, sizeof(seq));
	beats++;
	return IC_S_OK;
}

uint64_t heartbeat_count(void)
{
	return beats;
}

static const struct ic_service heartbeat = {
	.drv = { .name = "heartbeat", .class_id = VMBUS_CLASS_HEARTBEAT, .probe = ic_probe,
		 .remove = ic_remove, .resume = ic_resume,
		 .on_event = ic_event },
	.msg_type = IC_MSG_HEARTBEAT,
	.versions = versions,
	.nversions = ARRAY_SIZE(versions),
	.handle = handle,
};

static void heartbeat_init(void)
{
	vmbus_register_driver(&heartbeat.drv);
}
INITCALL(heartbeat_init, INIT_DRIVERS);
