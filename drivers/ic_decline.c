/*
 * ic_decline.c - VSS, which dormant does not offer: the channel is
 * opened and negotiated so the host is not left waiting, and every
 * request is answered with a failure status, as Linux does when its
 * user-space daemon is not running (hv-vsc-protocols.md 2.7).  Logged
 * once.  (KVP is served: kvp.c.)
 */
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "ic.h"

static const struct ic_version vss_versions[] = { { 5, 0 } };

static uint32_t decline(struct vmbus_channel *ch, uint8_t *body, uint32_t len, uint32_t *reply_len)
{
	struct ic_dev *d = ch->priv;
	(void)body;
	(void)len;
	(void)reply_len;
	if (d->answered == 0)
		kprintf("ic: %s: host request declined (not supported by dormant yet)\n",
			ch->name);
	return IC_E_FAIL;
}

static const struct ic_service vss = {
	.drv = { .name = "vss", .class_id = VMBUS_CLASS_VSS, .probe = ic_probe,
		 .remove = ic_remove, .resume = ic_resume,
		 .on_event = ic_event },
	.msg_type = IC_MSG_VSS,
	.versions = vss_versions,
	.nversions = ARRAY_SIZE(vss_versions),
	.handle = decline,
};

static void decline_init(void)
{
	vmbus_register_driver(&vss.drv);
}
INITCALL(decline_init, INIT_DRIVERS);
