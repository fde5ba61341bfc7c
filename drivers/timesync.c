/*
 * timesync.c - the Time Synchronization service (hv-vsc-protocols.md
 * 2.6): the host's UTC clock sets the guest's wall clock.
 *
 * SYNC ("set the clock now": after open, boot or restore) is applied;
 * SAMPLEs are periodic hints, applied only when no SYNC ever came (the
 * implicit sync of hosts that send none).  With service 4.0 the host also
 * says when, in reference time, it read its clock, so the time the
 * message spent in flight is added.  gettimeofday follows the result.
 */
#include <string.h>

#include "../hv/hv.h"
#include "../kernel/initcall.h"
#include "../kernel/kernel.h"
#include "ic.h"

static const struct ic_version versions[] = { { 4, 0 }, { 3, 0 }, { 1, 0 } };
static uint64_t applied, samples;
static bool synced;

/* 100 ns since 1601 to ns since 1970; 0 for a time before 1970 or after
 * 2200 (nonsense from the host). */
static int64_t unix_ns(uint64_t filetime)
{
	const uint64_t y2200 = IC_FILETIME_TO_UNIX + 7258118400ull * 10000000ull;
	if (filetime < IC_FILETIME_TO_UNIX || filetime > y2200)
		return 0;
	return (int64_t)(filetime - IC_FILETIME_TO_UNIX) * 100;
}

static uint32_t handle(struct vmbus_channel *ch, uint8_t *body, uint32_t len, uint32_t *reply_len)
{
	const struct ic_dev *d = ch->priv;
	uint64_t parent, ref = 0;
	uint8_t flags;
	(void)reply_len;
	if (d->service.major >= 4) {
		struct ic_timesync4 t;
		if (len < sizeof(t))
			goto short_msg;
		memcpy(&t, body, sizeof(t));
		parent = t.parent_time;
		ref = t.vm_reference_time;
		flags = t.flags;
	} else {
		struct ic_timesync3 t;
		if (len < sizeof(t))
			goto short_msg;
		memcpy(&t, body, sizeof(t));
		parent = t.parent_time;
		flags = t.flags;
	}
	int64_t ns = unix_ns(parent);
	if (!ns) {
		kprintf("timesync: host time 0x%lx is not a date; ignored\n", parent);
		return IC_S_OK;
	}
	/* v4: the message was in flight since reference time 'ref'. */
	uint64_t now_ref = hv_ref_time();
	if (ref && now_ref >= ref && now_ref - ref < 600ull * 10000000)
		ns += (int64_t)(now_ref - ref) * 100;
	samples++;
	if (!(flags & IC_TIMESYNC_SYNC) && synced)
		return IC_S_OK;		/* a SAMPLE after a SYNC: a hint only */
	int64_t before = time_wall_ns();
	time_set_wall_ns(ns);
	synced = true;
	applied++;
	int64_t step = (ns - before) / 1000000000;
	kprintf("timesync: wall clock set from the host (%s), moved %s%ld s\n",
		flags & IC_TIMESYNC_SYNC ? "sync" : "first sample", step < 0 ? "-" : "+",
		(long)(step < 0 ? -step : step));
	return IC_S_OK;
short_msg:
	kprintf("timesync: message of %u bytes for service %u.%u; refused\n", len,
		d->service.major, d->service.minor);
	return IC_E_FAIL;
}

uint64_t timesync_count(void)
{
	return applied;
}

static const struct ic_service timesync = {
	.drv = { .name = "timesync", .class_id = VMBUS_CLASS_TIMESYNC, .probe = ic_probe,
		 .remove = ic_remove, .resume = ic_resume,
		 .on_event = ic_event },
	.msg_type = IC_MSG_TIMESYNC,
	.versions = versions,
	.nversions = ARRAY_SIZE(versions),
	.handle = handle,
};

static void timesync_init(void)
{
	vmbus_register_driver(&timesync.drv);
}
INITCALL(timesync_init, INIT_DRIVERS);
