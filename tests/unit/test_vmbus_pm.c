/* Host tests of hibernation's suspend and resume (kernel/pm.h) through
 * hv/, vmbus/ and the drivers, against the emulated host: the host sees
 * every channel closed, its GPADL torn down and the bus unloaded; a
 * resume meets the same host (pm_resume(false)) or a fresh one, as a
 * kernel restored from an image does, maybe a new VM with another SCSI
 * instance GUID and other relids (pm_resume(true)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmbus_env.h"
#include "../../drivers/blk.h"
#include "../../drivers/storvsc.h"
#include "../../kernel/pm.h"


#define DISK_SECTORS	8192		/* 4 MiB */
#define NDEV		7		/* 4 ICs, SCSI, balloon, keyboard */
static const char *const devices[NDEV] = {
	"heartbeat", "shutdown", "timesync", "kvp", "scsi", "balloon", "keyboard",
};
#define KVP_BIT		(1u << 3)	/* vbh_devices[3] */
#define SCSI_NEWVM	"3c57e1d4-9a02-4f6b-8e47-d1286a05bf93"

static uint64_t my_ticks;
static void tick(void)
{
	my_ticks++;
}

static int setup(void **state)
{
	(void)state;
	env.disk[0] = env_mem_disk("hd0", DISK_SECTORS);
	env.ndisks = 1;
	env.hibernate_ok = false;
	env.hibernate_why = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	env_down();
	for (unsigned i = 0; i < env.ndisks; i++)
		env_free_disk(env.disk[i]);
	env.ndisks = 0;
	return 0;
}

static void pattern(uint8_t *b, unsigned n, uint8_t seed)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

/* The guest up with its drivers, the disk bound, the tick on stimer0
 * (as kernel/time.c starts it), and 4 KiB written at sector 100. */
static struct blk_dev *up(uint8_t seed)
{
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	struct blk_dev *sda = blk_find("sda");
	assert_non_null(sda);
	assert_true(host.platform->tick_start(100, tick));
	uint8_t buf[4096];
	pattern(buf, sizeof(buf), seed);
	assert_int_equal(blk_write(sda, 100, 8, buf), BLK_OK);
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), NDEV);
	return sda;
}

/* Every device open on both sides with the host's relid and instance,
 * each IC negotiated again, heartbeats answered. */
static void assert_all_back(void)
{
	for (unsigned i = 0; i < NDEV; i++) {
		struct vmbus_channel *ch = env_guest_chan(devices[i]);
		struct vbh_chan *c = vbh_find(devices[i]);
		assert_non_null(ch);
		assert_int_equal(ch->state, VMBUS_CH_OPEN);
		assert_int_equal(c->state, VBH_OPEN);
		assert_int_equal(ch->relid, c->relid);
		assert_int_equal(ch->conn_id, c->conn_id);
		assert_memory_equal(ch->instance.b, c->instance, 16);
		assert_false(ch->resuming);
		assert_non_null(ch->drv);
		if (c->dev->ic_type >= 0)
			assert_true(c->ic.negotiated);
	}
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), NDEV);
	assert_int_equal(env_guest_in_state(VMBUS_CH_SUSPENDED), 0);
	assert_true(env_heartbeat_now());
	assert_int_equal(vmbus.bad_msgs, 0);
	assert_int_equal(env.vbh.bad_msgs, 0);
}

/* The disk the application held before: same blk device, the data
 * written before the suspend, and new writes work. */
static void assert_disk_back(struct blk_dev *sda, uint8_t seed)
{
	uint8_t want[4096], got[4096];
	assert_ptr_equal(blk_find("sda"), sda);
	pattern(want, sizeof(want), seed);
	memset(got, 0, sizeof(got));
	assert_int_equal(blk_read(sda, 100, 8, got), BLK_OK);
	assert_memory_equal(got, want, sizeof(want));
	pattern(want, sizeof(want), (uint8_t)(seed + 1));
	assert_int_equal(blk_write(sda, 200, 8, want), BLK_OK);
	assert_int_equal(blk_read(sda, 200, 8, got), BLK_OK);
	assert_memory_equal(got, want, sizeof(want));
}

static void assert_ticking(void)
{
	uint64_t t = my_ticks;
	env_idle_ms(50);
	assert_true(my_ticks >= t + 3);
}

/* pm_suspend: drivers quiesced, every channel closed and its GPADL torn
 * down, UNLOAD, the hypervisor's overlays, SynIC and timer off. */
static void suspend_and_check(void)
{
	unsigned allocs = env.allocs;
	uint64_t freed = host.pages_freed;
	assert_int_equal(pm_suspend(), 0);
	assert_int_equal(env.vbh.closes, NDEV);
	assert_int_equal(env.vbh.teardowns, NDEV);
	assert_int_equal(env.vbh.unloads, 1);
	assert_int_equal(env.vbh.version, 0);
	for (unsigned i = 0; i < VBH_CHANNELS; i++)
		assert_int_equal(env.vbh.chan[i].state, VBH_FREE);
	for (unsigned i = 0; i < VBH_GPADLS; i++)
		assert_false(env.vbh.gpadl[i].used);
	/* rings: 4 ICs x 8 pages, SCSI 64, balloon and keyboard theirs */
	assert_true(host.pages_freed - freed >= 4 * 8 + 2 * STORVSC_RING_PAGES);
	assert_false(vmbus.connected);
	assert_int_equal(env_guest_in_state(VMBUS_CH_SUSPENDED), NDEV);
	for (unsigned i = 0; i < NDEV; i++) {
		struct vmbus_channel *ch = env_guest_chan(devices[i]);
		assert_non_null(ch->drv);
		assert_non_null(ch->priv);
		assert_int_equal(ch->ring_pa, 0);
		assert_int_equal(ch->gpadl, 0);
		assert_int_equal(ch->relid, 0);
	}
	assert_int_equal(env.allocs, allocs);	/* every driver kept its state */
	assert_true(log_has("vmbus: unloaded"));
	assert_true(log_has("vmbus: suspended, 7 devices closed"));
	assert_false(hvsim_any_overlay_on());
	assert_false(hvsim.scontrol & 1);
	assert_true(hvsim_sint_masked(HV_SINT_VMBUS));
	assert_true(hvsim_sint_masked(HV_SINT_TIMER));
	assert_false(hvsim.stimer_config[0] & 1);
	assert_int_equal(hvsim.os_id, 0);
	assert_true(hv.present && hv.suspended);
	assert_int_equal(hvsim.gp_faults, 0);
	/* The disk waits: a request now is "busy", not an error. */
	struct blk_dev *sda = blk_find("sda");
	uint8_t buf[512];
	struct blk_req r = { .op = BLK_READ, .sector = 0, .count = 1, .buf = buf };
	assert_int_equal(blk_submit(sda, &r), BLK_E_BUSY);
	uint64_t t = my_ticks;
	env_idle_ms(50);
	assert_int_equal(my_ticks, t);
}

static void rebound_line(const char *name, uint32_t was, const char *instance)
{
	struct vmbus_channel *ch = env_guest_chan(name);
	char line[160];
	snprintf(line, sizeof(line), "vmbus: %s rebound: relid %u -> %u%s%s%s\n", name, was,
		 ch->relid, instance ? " (new instance " : "", instance ? instance : "",
		 instance ? ")" : "");
	if (was != ch->relid || instance)
		assert_true(log_has(line));
	snprintf(line, sizeof(line), "vmbus: %s rebound", name);
	assert_int_equal(log_count(line), was != ch->relid || instance ? 1 : 0);
}

/* A kernel restored from an image meets a fresh host: a new boot's
 * hypervisor and VMBus server, relids from another seed, or a new VM. */
static void resume_on_fresh_host(bool newvm)
{
	struct blk_dev *sda = up(11);
	uint32_t relid[NDEV];
	for (unsigned i = 0; i < NDEV; i++)
		relid[i] = env_guest_chan(devices[i])->relid;
	uint8_t old_scsi[16];
	memcpy(old_scsi, env_guest_chan("scsi")->instance.b, 16);
	unsigned allocs = env.allocs;
	suspend_and_check();

	log_clear();
	env_new_host(&hvsim_profile_current, newvm, 0);
	pm_resume(true);
	assert_true(log_has("hv: resumed after a restore: Microsoft Hv"));
	assert_true(hvsim.ov[HVSIM_OV_SIMP].on &&
		    hvsim.ov[HVSIM_OV_SIMP].gpa == (uint64_t)(uintptr_t)hv.simp);
	assert_true(hvsim.ov[HVSIM_OV_TSC].on && hv.tsc_page);
	assert_true(hvsim_is_hypercall_page((uint64_t)(uintptr_t)hv.hypercall_page));
	assert_int_equal(hvsim.os_id, hv.guest_os_id);
	assert_true(hv.stimer_on && hv.stimer_direct);
	assert_ticking();
	assert_true(log_has("vmbus: connected, version 5.3"));
	assert_int_equal(env.vbh.contacts, 1);
	assert_all_back();
	for (unsigned i = 0; i < NDEV; i++) {
		bool scsi = strcmp(devices[i], "scsi") == 0;
		rebound_line(devices[i], relid[i], newvm && scsi ? SCSI_NEWVM : NULL);
		if (newvm)
			assert_true(env_guest_chan(devices[i])->relid > 500);	/* all moved */
	}
	if (newvm)
		assert_memory_not_equal(env_guest_chan("scsi")->instance.b, old_scsi, 16);
	else
		assert_memory_equal(env_guest_chan("scsi")->instance.b, old_scsi, 16);
	assert_true(log_has("vmbus: resumed, 7 devices rebound in "));
	assert_false(log_has("did not come back"));
	assert_false(log_has("vmbus: scsi: class"));		/* not probed as new */
	assert_int_equal(env.allocs, allocs);
	assert_disk_back(sda, 11);
	assert_int_equal(hvsim.gp_faults, 0);
}

static void resume_on_fresh_host_same_vm(void **state)
{
	(void)state;
	resume_on_fresh_host(false);
}

static void resume_on_fresh_host_new_vm(void **state)
{
	(void)state;
	resume_on_fresh_host(true);
}

/* The same boot after the snapshot instant: the host that saw the
 * suspend, connected again. */
static void resume_on_same_host(void **state)
{
	(void)state;
	struct blk_dev *sda = up(23);
	suspend_and_check();
	/* A leftover of the old connection, queued while the SynIC is off:
	 * an offer before contact is dropped (hv-core 6.6), not bound. */
	uint8_t stale[196];
	memset(stale, 0, sizeof(stale));
	stale[0] = 1;					/* OFFERCHANNEL */
	memcpy(stale + 8, env_guest_chan("kvp")->class_id.b, 16);
	stale[184] = 0xe7;				/* relid 999 */
	stale[185] = 0x03;
	HOST_VOID(vbh_send_msg(stale, sizeof(stale)));
	pm_resume(false);
	assert_null(vmbus_by_relid(999));
	assert_int_equal(log_count("vmbus: kvp: class"), 1);	/* at boot only */
	assert_true(log_has("hv: resumed: Microsoft Hv"));
	assert_int_equal(env.vbh.contacts, 2);
	assert_all_back();
	assert_true(log_has("vmbus: resumed, 7 devices rebound in "));
	assert_disk_back(sda, 23);
	assert_ticking();
	/* And a second cycle, as a failed hibernation followed by another. */
	env.vbh.closes = env.vbh.teardowns = env.vbh.unloads = 0;
	suspend_and_check();
	pm_resume(false);
	assert_all_back();
	assert_disk_back(sda, 23);
}

/* A device the new host does not offer: reported after the bounded wait,
 * its driver's state freed; the others come back. */
static void device_not_offered_again(void **state)
{
	(void)state;
	struct blk_dev *sda = up(5);
	unsigned allocs = env.allocs;
	assert_int_equal(pm_suspend(), 0);
	log_clear();
	env_new_host(&hvsim_profile_current, true, KVP_BIT);
	uint64_t t0 = time_ns();
	pm_resume(true);
	assert_true(time_ns() - t0 >= VMBUS_RESUME_WAIT_NS);
	assert_true(time_ns() - t0 < VMBUS_RESUME_WAIT_NS + 1000000000ull);
	assert_true(log_has("vmbus: kvp (class a9a0f4e7-5a45-4d96-b827-8a841e8c03e6, "
			    "instance 242ff919-07db-4180-9c2e-b86cb68c8c55) did not come back "
			    "after resume\n"));
	assert_int_equal(log_count("did not come back"), 1);
	assert_null(env_guest_chan("kvp"));
	assert_int_equal(env.allocs, allocs - 1);	/* its IC state */
	assert_true(log_has("vmbus: resumed, 6 devices rebound in "));
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), NDEV - 1);
	assert_int_equal(env_guest_in_state(VMBUS_CH_SUSPENDED), 0);
	assert_true(env_heartbeat_now());
	assert_disk_back(sda, 5);
}

/* Two controllers suspended, one offered again with its instance GUID:
 * that one is matched by instance (not by class: there were two), the
 * other is reported.  (The second is a stand-in with a driver of the
 * test's own: the emulated host has one SCSI controller.) */
static unsigned standin_removed;
static void standin_remove(struct vmbus_channel *ch)
{
	(void)ch;
	standin_removed++;
}

/* A second suspended SCSI controller beside real: its instance differs,
 * its driver is the stand-in. */
static struct vmbus_channel *second_controller(const struct vmbus_channel *real)
{
	static const struct vmbus_driver standin = { .name = "standin", .remove = standin_remove };
	struct vmbus_channel *other = NULL;
	for (unsigned i = 0; i < VMBUS_MAX_CHANNELS && !other; i++)
		if (vmbus.chan[i].state == VMBUS_CH_FREE)
			other = &vmbus.chan[i];
	assert_non_null(other);
	*other = *real;
	other->instance.b[0] ^= 0xff;
	other->drv = &standin;
	other->priv = NULL;
	return other;
}

static void instance_match_picks_the_right_one(void **state)
{
	(void)state;
	struct blk_dev *sda = up(17);
	assert_int_equal(pm_suspend(), 0);
	struct vmbus_channel *real = env_guest_chan("scsi"), *other = second_controller(real);
	char in[37];
	vmbus_format_guid(&other->instance, in);
	log_clear();
	standin_removed = 0;
	env_new_host(&hvsim_profile_current, false, 0);
	pm_resume(true);
	assert_int_equal(real->state, VMBUS_CH_OPEN);
	assert_ptr_equal(real->drv->probe, env_guest_chan("scsi")->drv->probe);
	char line[160];
	snprintf(line, sizeof(line), "vmbus: scsi (class ba6163d9-04a1-4d29-b605-72e2ffb1dc7f, "
		 "instance %s) did not come back after resume\n", in);
	assert_true(log_has(line));
	assert_int_equal(log_count("did not come back"), 1);
	assert_int_equal(standin_removed, 1);
	assert_int_equal(other->state, VMBUS_CH_FREE);
	assert_true(log_has("vmbus: resumed, 7 devices rebound in "));
	assert_all_back();
	assert_disk_back(sda, 17);
}

/* The same two on a new VM (another instance GUID): which of the two
 * the one offered controller is cannot be told, so neither is matched
 * by class; both are reported, and the offer is a new device. */
static void two_controllers_on_new_vm_not_matched(void **state)
{
	(void)state;
	up(19);
	assert_int_equal(pm_suspend(), 0);
	second_controller(env_guest_chan("scsi"));
	log_clear();
	standin_removed = 0;
	env_new_host(&hvsim_profile_current, true, 0);
	pm_resume(true);
	assert_int_equal(log_count("vmbus: scsi (class ba6163d9-04a1-4d29-b605-72e2ffb1dc7f, "
				   "instance "), 2);
	assert_int_equal(standin_removed, 1);
	assert_true(log_has("vmbus: resumed, 6 devices rebound in "));
	assert_true(log_has("vmbus: storvsc: class ba6163d9-04a1-4d29-b605-72e2ffb1dc7f instance "
			    SCSI_NEWVM));
	assert_all_back();
	assert_non_null(blk_find("sda"));	/* the new controller's disk */
}

/* A device the guest did not have at suspend is probed as at boot. */
static void new_device_probed_at_resume(void **state)
{
	(void)state;
	up(9);
	assert_int_equal(HOST(vbh_rescind("kvp")), 0);
	env_poll();
	assert_null(env_guest_chan("kvp"));
	assert_int_equal(pm_suspend(), 0);
	assert_true(log_has("vmbus: suspended, 6 devices closed"));
	log_clear();
	env_new_host(&hvsim_profile_current, false, 0);
	uint64_t t0 = time_ns();
	pm_resume(true);
	assert_true(time_ns() - t0 < VMBUS_RESUME_WAIT_NS);	/* nobody missing */
	assert_true(log_has("vmbus: resumed, 6 devices rebound in "));
	assert_true(log_has("vmbus: kvp: class a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"));
	assert_all_back();
}

/* The host rescinds a device while the guest suspends (its message taken
 * in while the guest waits on the first CLOSECHANNEL): the channel is not
 * suspended, and its driver lets go of its state (fuzz_vmbus_dispatch
 * found it kept: the channel was forgotten with its driver bound). */
static void (*real_on_post)(const struct hvsim_posted *m);
static void rescind_kvp_on_post(const struct hvsim_posted *m)
{
	hvsim.on_post = real_on_post;
	assert_int_equal(vbh_rescind("kvp"), 0);
	real_on_post(m);
}

static void rescinded_during_suspend_lets_go(void **state)
{
	(void)state;
	up(4);
	unsigned allocs = env.allocs;
	real_on_post = hvsim.on_post;
	hvsim.on_post = rescind_kvp_on_post;
	assert_int_equal(pm_suspend(), 0);
	assert_ptr_equal(hvsim.on_post, real_on_post);	/* it ran */
	assert_true(log_has("vmbus: kvp (relid "));
	assert_true(log_has("vmbus: suspended, 6 devices closed"));
	assert_int_equal(env.allocs, allocs - 1);	/* the KVP driver's state */
	assert_null(env_guest_chan("kvp"));
	/* The host offers every device on the new connection: KVP is probed
	 * as a new device. */
	log_clear();
	pm_resume(false);
	assert_true(log_has("vmbus: resumed, 6 devices rebound in "));
	assert_true(log_has("vmbus: kvp: class a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"));
	assert_all_back();
	assert_int_equal(env.allocs, allocs);
}

/* A request outstanding: storvsc cannot drain, the suspend is refused
 * with a line naming the device, nothing was closed (storvsc goes
 * first), hv/ was never suspended, and everything runs on. */
static int held_status = 1;
static void held_done(struct blk_req *r, int status)
{
	(void)r;
	held_status = status;
}

static void request_in_flight_refuses_suspend(void **state)
{
	(void)state;
	struct blk_dev *sda = up(3);
	static uint8_t buf[4096];
	static struct blk_req r;
	r = (struct blk_req){ .op = BLK_WRITE, .sector = 300, .count = 8, .buf = buf,
			      .done = held_done };
	held_status = 1;
	HOST_VOID(vbh_fault_inject(VBH_FAULT_NO_COMPLETION));
	assert_int_equal(blk_submit(sda, &r), BLK_OK);
	env_idle_ms(5);
	uint64_t t0 = time_ns();
	assert_int_equal(pm_suspend(), -1);
	assert_true(time_ns() - t0 >= STORVSC_SUSPEND_NS);
	assert_string_equal(pm_failed_layer(), "vmbus");
	assert_true(log_has("storvsc: scsi: cannot suspend: 1 requests still in flight after 5 s\n"));
	char line[80];
	snprintf(line, sizeof(line), "vmbus: scsi (relid %u) could not be suspended\n",
		 env_guest_chan("scsi")->relid);
	assert_true(log_has(line));
	assert_int_equal(held_status, 1);		/* never cut short */
	assert_int_equal(env.vbh.closes, 0);		/* storvsc went first */
	assert_int_equal(env.vbh.unloads, 0);
	assert_true(vmbus.connected);
	assert_false(vmbus.suspended);
	assert_false(hv.suspended);
	assert_true(hvsim.ov[HVSIM_OV_SIMP].on);
	assert_int_equal(env_guest_in_state(VMBUS_CH_OPEN), NDEV);
	assert_true(env_heartbeat_now());
	struct storvsc *s = env_guest_chan("scsi")->priv;
	assert_false(s->suspended);
	assert_int_equal(s->inflight, 1);
	/* Other requests go on meanwhile. */
	uint8_t got[512];
	assert_int_equal(blk_read(sda, 100, 1, got), BLK_OK);
	/* The held request fails when the controller goes (teardown). */
}

/* A refusal after another device was already closed: that one is opened
 * again on the same connection and works; nothing is unloaded.  (The
 * keyboard's driver, copied with a suspend that refuses, comes after the
 * SCSI controller in the suspend order.) */
static int refuse(struct vmbus_channel *ch)
{
	(void)ch;
	return -1;
}

static void refusal_reopens_what_was_closed(void **state)
{
	(void)state;
	struct blk_dev *sda = up(29);
	struct vmbus_channel *kbd = env_guest_chan("keyboard");
	const struct vmbus_driver *real = kbd->drv;
	static struct vmbus_driver refusing;
	refusing = *real;
	refusing.suspend = refuse;
	kbd->drv = &refusing;
	uint32_t scsi_relid = env_guest_chan("scsi")->relid;
	assert_int_equal(pm_suspend(), -1);
	char line[80];
	snprintf(line, sizeof(line), "vmbus: keyboard (relid %u) could not be suspended\n",
		 kbd->relid);
	assert_true(log_has(line));
	assert_int_equal(env.vbh.closes, 1);		/* the SCSI controller */
	assert_int_equal(env.vbh.unloads, 0);
	assert_int_equal(env.vbh.chan[4].state, VBH_OPEN);
	assert_int_equal(env_guest_chan("scsi")->relid, scsi_relid);
	assert_false(log_has("rebound"));
	assert_false(vmbus.suspended);
	assert_false(hv.suspended);
	assert_all_back();
	assert_disk_back(sda, 29);
	kbd->drv = real;
	env.vbh.closes = env.vbh.teardowns = 0;
	suspend_and_check();
	pm_resume(false);
	assert_all_back();
	assert_disk_back(sda, 29);
}

/* A new VM whose disk at LUN 0 has another size, and no disk at all:
 * the disk the application held is gone (requests on it answer "device
 * gone"), the controller itself is back. */
static void disk_changed_or_missing_after_resume(void **state)
{
	(void)state;
	for (int missing = 0; missing < 2; missing++) {
		struct blk_dev *sda = up(1);
		struct storvsc_disk *d = sda->priv;
		assert_int_equal(pm_suspend(), 0);
		log_clear();
		struct vbh_disk *old = env.disk[0];
		env.disk[0] = env_mem_disk("hd0", DISK_SECTORS * 2);
		env.ndisks = missing ? 0 : 1;
		env_new_host(&hvsim_profile_current, true, 0);
		pm_resume(true);
		assert_all_back();
		if (missing) {
			assert_true(log_has("storvsc: sda: LUN 0 removed (not there after resume)"));
		} else {
			assert_true(log_has("storvsc: sda: LUN 0 now has 16384 sectors of 512 bytes, "
					    "had 8192 of 512\n"));
			assert_true(log_has("storvsc: sda: LUN 0 removed (its size changed over the "
					    "hibernation)"));
		}
		assert_true(d->gone);
		/* A disk at that LUN now is another disk, bound anew (and
		 * takes the free name). */
		if (missing) {
			assert_null(blk_find("sda"));
		} else {
			assert_ptr_not_equal(blk_find("sda"), sda);
			assert_int_equal(blk_find("sda")->sectors, DISK_SECTORS * 2);
		}
		uint8_t buf[512];
		struct blk_req r = { .op = BLK_READ, .sector = 0, .count = 1, .buf = buf };
		assert_int_equal(blk_submit(sda, &r), BLK_E_GONE);
		env_down();
		env_free_disk(old);
		env.ndisks = 1;
		kfree(d);	/* a gone disk's struct outlives its controller */
	}
}

/* The Shutdown service's hibernate request (hv-vsc-protocols.md 2.5):
 * success and a hibernation asked for when it is possible, failure and
 * the reason otherwise; a power-off request works as before. */
static void shutdown_hibernate_request(void **state)
{
	(void)state;
	env_up(&hvsim_profile_current, INIT_DRIVERS);
	struct vbh_chan *c = vbh_find("shutdown");
	env.hibernate_why = "ACPI S4 is not offered by this VM";
	assert_int_equal(HOST(ic_shutdown(IC_SHUTDOWN_HIBERNATE)), 0);
	assert_int_equal(c->ic.last_status, 0x80004005u);
	assert_true(log_has("shutdown: the host asks to hibernate\n"));
	assert_true(log_has("shutdown: hibernate request refused: ACPI S4 is not offered by this VM\n"));
	assert_true(log_has("vmbus host: shutdown: the guest answered status 0x80004005"));
	env_poll();
	assert_int_equal(env.hibernate_requests, 0);

	env.hibernate_ok = true;
	log_clear();
	assert_int_equal(HOST(ic_shutdown(IC_SHUTDOWN_HIBERNATE | IC_SHUTDOWN_FORCE)), 0);
	assert_int_equal(c->ic.last_status, 0);
	assert_true(log_has("shutdown: the host asks to hibernate (forced)\n"));
	assert_false(log_has("refused"));
	assert_true(log_has("vmbus host: shutdown: the guest accepted the request"));
	/* Asked for once, while the request is handled: the hibernation
	 * itself starts when the interrupt ends or at the next poll, after
	 * the answer (which the host has, above). */
	assert_int_equal(env.hibernate_requests, 1);
	assert_string_equal(env.hibernate_source, "shutdown service");
	env_poll();
	assert_int_equal(env.hibernate_requests, 1);

	jmp_buf j;
	env.power_jmp = &j;
	if (setjmp(j) == 0) {
		assert_int_equal(HOST(ic_shutdown(0)), 0);
		assert_int_equal(c->ic.last_status, 0);
		env_poll();
		fail();
	}
	env.power_jmp = NULL;
	assert_int_equal(env.power_offs, 1);
	assert_true(log_has("shutdown: powering off as the host asked"));
	assert_int_equal(env.hibernate_requests, 1);
}

/* The devices for the image header, open or suspended. */
static void bound_devices_listed(void **state)
{
	(void)state;
	up(2);
	struct vmbus_guid cls[NDEV], inst[NDEV];
	assert_int_equal(vmbus_bound(cls, inst, 2), NDEV);
	assert_int_equal(vmbus_bound(cls, inst, NDEV), NDEV);
	for (unsigned i = 0; i < NDEV; i++) {
		struct vbh_chan *c = NULL;
		for (unsigned k = 0; k < VBH_CHANNELS && !c; k++)
			if (env.vbh.chan[k].dev &&
			    memcmp(env.vbh.chan[k].dev->class_guid, cls[i].b, 16) == 0)
				c = &env.vbh.chan[k];
		assert_non_null(c);
		assert_memory_equal(c->instance, inst[i].b, 16);
	}
	assert_int_equal(pm_suspend(), 0);
	assert_int_equal(vmbus_bound(cls, inst, NDEV), NDEV);
	pm_resume(false);
	assert_int_equal(vmbus_bound(cls, inst, 0), NDEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(resume_on_same_host, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_on_fresh_host_same_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(resume_on_fresh_host_new_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(device_not_offered_again, setup, teardown),
		cmocka_unit_test_setup_teardown(instance_match_picks_the_right_one, setup, teardown),
		cmocka_unit_test_setup_teardown(two_controllers_on_new_vm_not_matched, setup, teardown),
		cmocka_unit_test_setup_teardown(new_device_probed_at_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(rescinded_during_suspend_lets_go, setup, teardown),
		cmocka_unit_test_setup_teardown(request_in_flight_refuses_suspend, setup, teardown),
		cmocka_unit_test_setup_teardown(refusal_reopens_what_was_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(disk_changed_or_missing_after_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(shutdown_hibernate_request, setup, teardown),
		cmocka_unit_test_setup_teardown(bound_devices_listed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
