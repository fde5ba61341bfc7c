/* vmbus_env.h - the guest's vmbus/ and drivers/ on the emulated host's
 * VMBus server, in one host process (vmbus_env.c).  Built on hv_host.c:
 * the guest's hv/ under hvsim, interrupts as calls, time a number. */
#ifndef VMBUS_ENV_H
#define VMBUS_ENV_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv_host.h"
#include "../../vmbus/vmbus.h"
#include "../../drivers/ic.h"
#include "../../kernel/initcall.h"
#include "../hvsim/vmbus_host.h"

struct env {
	struct vbh_host vbh;		/* the emulated host's VMBus server */
	struct hvsim_platform plat;	/* hv_host's, with enter/leave */
	void (*polls[8])(void);
	unsigned npolls;
	unsigned power_offs, power_resets;
	jmp_buf *power_jmp;		/* where power_off/power_reset return to */
	int64_t wall_ns;
	unsigned allocs;		/* kmalloc'd blocks not freed */
	bool s4;			/* ACPI S4 present (hibernation enabled) */
	/* the host's disks (storvsp LUN i), added to every host env_up or
	 * env_new_host brings up */
	struct vbh_disk *disk[VBH_DISKS];
	unsigned ndisks;
	/* snapshot/hibernate.h stand-ins: what hibernate_possible answers,
	 * and the requests hibernate_request took */
	bool hibernate_ok;
	const char *hibernate_why;
	unsigned hibernate_requests;
	const char *hibernate_source;
};

extern struct env env;

/* Run a call as the emulated host (its own time and stack of state). */
#define HOST(call)	({ uint64_t t_ = hvsim_enter(); __auto_type r_ = (call); hvsim_leave(t_); r_; })
#define HOST_VOID(call)	do { uint64_t t_ = hvsim_enter(); call; hvsim_leave(t_); } while (0)

/* Host with the profile, then the initcalls up to 'last_level' (2: the
 * bus without drivers, 3: the drivers too) and, with drivers, the first
 * kernel_poll that binds them. */
void env_up(const struct hvsim_profile *p, int last_level);
void env_down(void);
/* A fresh emulated host, as a new boot (a resume from an image) meets:
 * hypervisor and VMBus server from nothing, relids from another seed;
 * newvm: a new VM (hvsim=PROFILE,newvm); absent: devices not offered
 * (bit i: vbh_devices[i]).  The guest's state stays as it is. */
void env_new_host(const struct hvsim_profile *p, bool newvm, uint32_t absent);
/* A disk of 'sectors' 512-byte sectors in memory, for env.disk. */
struct vbh_disk *env_mem_disk(const char *name, uint64_t sectors);
void env_free_disk(struct vbh_disk *d);
void env_poll(void);			/* kernel_poll */
void env_idle_ms(unsigned ms);		/* cpu_idle for ms of guest time */
/* The host sends a heartbeat now; true if the guest answered it right. */
bool env_heartbeat_now(void);
/* The guest's channel of that name (not free), or NULL. */
struct vmbus_channel *env_guest_chan(const char *name);
/* Guest channels in state st. */
unsigned env_guest_in_state(enum vmbus_chan_state st);
bool log_has(const char *s);
unsigned log_count(const char *s);
void log_clear(void);
const char *host_log_text(void);

#endif
