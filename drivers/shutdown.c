/*
 * shutdown.c - the Shutdown service (hv-vsc-protocols.md 2.5): the host
 * asks the guest to power off, restart or hibernate.
 *
 * The answer goes first, then the action (Linux does the same): power-off
 * and restart wait for the host (VMBus unload), so they run from the
 * kernel's deferred work, not from the interrupt that brought the
 * request.  A hibernation is only asked for here (a flag): it is taken
 * when this interrupt ends, after the answer went, if the application
 * is computing (snapshot/hibernate.c), else at the next deferred work.
 * Hibernation is accepted only when it is possible now (ACPI S4, the
 * user's consent, Hyper-V's "virtual S4"; a hibernation partition; ...:
 * snapshot/hibernate.h says which), and otherwise refused with the
 * failure status, as Linux does (hv-vsc-protocols.md 2.5, hv-core 10.1).
 */
#include <string.h>

#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "../snapshot/hibernate.h"
#include "ic.h"

/* 3.1 added restart and 3.2 hibernate; newest first. */
static const struct ic_version versions[] = { { 3, 2 }, { 3, 1 }, { 3, 0 }, { 1, 0 } };

enum action { NONE, POWEROFF, REBOOT };
static volatile enum action pending;

static uint32_t handle(struct vmbus_channel *ch, uint8_t *body, uint32_t len, uint32_t *reply_len)
{
	uint32_t flags;
	(void)reply_len;
	if (len < IC_SHUTDOWN_MIN) {
		kprintf("shutdown: request of %u bytes from the host; refused\n", len);
		return IC_E_FAIL;
	}
	memcpy(&flags, body + offsetof(struct ic_shutdown, flags), sizeof(flags));
	const char *force = flags & IC_SHUTDOWN_FORCE ? " (forced)" : "";
	switch (flags & ~IC_SHUTDOWN_FORCE) {
	case 0:
		kprintf("shutdown: the host asks to power off%s\n", force);
		pending = POWEROFF;
		return IC_S_OK;
	case IC_SHUTDOWN_RESTART:
		kprintf("shutdown: the host asks to restart%s\n", force);
		pending = REBOOT;
		return IC_S_OK;
	case IC_SHUTDOWN_HIBERNATE: {
		const char *why = "";
		kprintf("shutdown: the host asks to hibernate%s\n", force);
		if (!hibernate_possible(&why)) {
			kprintf("shutdown: hibernate request refused: %s\n", why);
			return IC_E_FAIL;
		}
		hibernate_request("shutdown service");
		return IC_S_OK;
	}
	default:
		kprintf("shutdown: unknown request flags 0x%x from the host (%s); refused\n", flags,
			ch->name);
		return IC_E_FAIL;
	}
}

/* Deferred: power off or restart after the answer has gone. */
static void shutdown_poll(void)
{
	enum action a = pending;
	pending = NONE;
	if (a == POWEROFF) {
		kprintf("shutdown: powering off as the host asked\n");
		power_off();
	}
	if (a == REBOOT) {
		kprintf("shutdown: restarting as the host asked\n");
		power_reset();
	}
}

static const struct ic_service shutdown = {
	.drv = { .name = "shutdown", .class_id = VMBUS_CLASS_SHUTDOWN, .probe = ic_probe,
		 .remove = ic_remove, .resume = ic_resume,
		 .on_event = ic_event },
	.msg_type = IC_MSG_SHUTDOWN,
	.versions = versions,
	.nversions = ARRAY_SIZE(versions),
	.handle = handle,
};

static void shutdown_init(void)
{
	poll_add(shutdown_poll);
	vmbus_register_driver(&shutdown.drv);
}
INITCALL(shutdown_init, INIT_DRIVERS);
