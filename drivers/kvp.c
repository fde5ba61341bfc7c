/*
 * kvp.c - the KVP (data exchange) Integration Component: the IC framework
 * (ic.c) negotiates and frames, kvp_pool.c answers.  Refusals (set,
 * delete, malformed requests) are logged once per boot: the host may ask
 * again and again.
 */
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "ic.h"
#include "kvp.h"

/* 2.3: Linux offers 4.0, 3.0, 1.0; the host offers 3.0, 4.0, 5.0. */
static const struct ic_version versions[] = { { 4, 0 }, { 3, 0 }, { 1, 0 } };
static bool refusal_logged;

static uint32_t handle(struct vmbus_channel *ch, uint8_t *body, uint32_t len, uint32_t *reply_len)
{
	const char *bad;
	(void)reply_len;
	uint32_t st = kvp_answer(body, len, &bad);
	if (bad) {
		ch->bad_packets++;
		kprintf("ic: %s (relid %u): %s (%u bytes); refused\n", ch->name, ch->relid, bad,
			len);
	} else if (st == KVP_E_FAIL && !refusal_logged) {
		refusal_logged = true;
		kprintf("kvp: %s (relid %u): a request dormant does not serve (operation %u, "
			"%u bytes) refused (logged once)\n", ch->name, ch->relid,
			len ? body[0] : 0, len);
	}
	return st;
}

static const struct ic_service kvp = {
	.drv = { .name = "kvp", .class_id = VMBUS_CLASS_KVP, .probe = ic_probe,
		 .remove = ic_remove, .resume = ic_resume,
		 .on_event = ic_event },
	.msg_type = IC_MSG_KVP,
	.versions = versions,
	.nversions = ARRAY_SIZE(versions),
	.handle = handle,
};

static void kvp_init(void)
{
	vmbus_register_driver(&kvp.drv);
}
INITCALL(kvp_init, INIT_DRIVERS);
