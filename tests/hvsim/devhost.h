/*
 * devhost.h - the emulated host's Dynamic Memory, synthetic keyboard and
 * KVP back-ends (balloon_host.c, kbd_host.c, kvp_host.c) and their
 * administrator commands (admin_dev.c).  Written from
 * hv-vsc-protocols.md sections 2.7, 3 and 4 with the host's own copy of
 * every number, apart from the guest's drivers.
 *
 * Their state is part of struct vbh_host, so it lives in the host's memory.
 */
#ifndef HVSIM_DEVHOST_H
#define HVSIM_DEVHOST_H

#include <stdbool.h>
#include <stdint.h>

struct vbh_chan;

/* RAM the host holds back from the guest at boot, for `hotadd`: in the
 * test kernel a range taken out of the firmware's usable memory before
 * the guest counts it (hotadd_pool.c, MEMRES_HOTADD).  Just below the
 * host's own 16 MiB at 64 MiB: OVMF keeps loader data above 80 MiB in a
 * 128 MiB VM. */
#define HOTADD_BASE	0x3000000ull	/* 48 MiB */
#define HOTADD_SIZE	0x1000000ull	/* 16 MiB */

/* ---- Dynamic Memory (3) ---- */
#define BH_RANGES	4096		/* page ranges the host holds */

struct bal_host {
	bool up;			/* versions and capabilities agreed */
	uint32_t version;
	uint64_t caps;
	uint64_t reports, avail, committed;	/* the last status report */
	uint64_t first_report, last_report;	/* reference time, 100 ns */
	uint64_t min_gap, max_gap;		/* between reports */
	uint32_t next_trans;
	/* the operation in progress: balloon-up, down, hot-add */
	bool busy;
	uint64_t asked, got;		/* pages */
	uint64_t started;		/* reference time */
	uint64_t refusals;		/* answers that gave nothing */
	/* what the guest gave */
	uint64_t held;			/* pages */
	uint32_t nranges;
	uint64_t range[BH_RANGES];	/* start pfn | count << 40 */
	uint64_t hotadd_used;		/* bytes of the held-back RAM offered */
	uint64_t bad;
	uint8_t msg[4096];		/* one UNBALLOON_REQUEST being built */
};

/* ---- keyboard (4) ---- */
struct kbd_host {
	bool accepted;
	uint64_t requests, events_sent, bad;
};

/* ---- KVP (2.7) ---- */
#define KH_PAIRS	16
#define KH_TEXT		64

struct kvp_host {
	uint32_t next_index;		/* enumeration in progress */
	bool enumerating;
	uint32_t npairs;
	char key[KH_PAIRS][KH_TEXT], value[KH_PAIRS][KH_TEXT];
	uint32_t set_status;		/* the guest's answer to our SET */
	bool set_answered, set_pending;
};

/* Their back-ends (struct vbh_ops, vmbus_host.h). */
struct vbh_ops;
extern const struct vbh_ops balloon_backend, kbd_backend;

/* balloon_host.c: 0, or a negative reason (bal_why) */
int bal_up(uint64_t pages);
int bal_down(uint64_t pages);
int bal_hotadd(uint64_t bytes);
const char *bal_why(int r);
/* fault injection: malformed DM messages */
void bal_fault_short(void);
void bal_fault_ranges(void);

/* kbd_host.c: types text then Enter; 0 or -1 (not open, ring full) */
int kbd_type(const char *text);
void kbd_fault_short(void);
void kbd_fault_type(void);

/* kvp_host.c (called from ic_host.c) */
void kvp_host_negotiated(struct vbh_chan *c);
void kvp_host_timer(struct vbh_chan *c);
void kvp_host_response(struct vbh_chan *c, const uint8_t *p, uint32_t n);
int kvp_host_enumerate(void);
void kvp_fault_short(void);

#endif
