/*
 * vmbus_host.h - the emulated host's VMBus server and device back-ends.
 *
 *   vmbus_host.c   connection, offers, GPADLs, open/close, rescind, unload
 *   vmbus_hring.c  the host's side of the rings, through the GPADL's pages
 *   ic_host.c      the util Integration Components: heartbeat, shutdown,
 *                  time sync, and KVP that declines politely
 *
 * All of its state is one struct (struct vbh_host, reached as vbhost:
 * hvsim.vbh), which the QEMU test kernel keeps in the emulated host's
 * memory region, outside the guest's RAM.
 * It runs synchronously inside the guest's hypercalls (PostMessage,
 * SignalEvent) and on the host timer (hvsim_poll).
 */
#ifndef HVSIM_VMBUS_HOST_H
#define HVSIM_VMBUS_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "devhost.h"
#include "hvsim.h"

/* Messages are byte arrays with the reference's offsets (vmbus_defs.h). */
static inline void vbh_put16(uint8_t *m, unsigned off, uint16_t v) { memcpy(m + off, &v, 2); }
static inline void vbh_put32(uint8_t *m, unsigned off, uint32_t v) { memcpy(m + off, &v, 4); }
static inline uint16_t vbh_get16(const uint8_t *m, unsigned off)
{
	uint16_t v;
	memcpy(&v, m + off, 2);
	return v;
}
static inline uint32_t vbh_get32(const uint8_t *m, unsigned off)
{
	uint32_t v;
	memcpy(&v, m + off, 4);
	return v;
}

#define VBH_CHANNELS	16
#define VBH_GPADLS	32
#define VBH_GPADL_PFNS	256	/* 1 MiB: ample for the rings of every device */
#define VBH_PKT_MAX	(4096 + 16)	/* a 4 KiB message (DM 3.4) and its descriptor */

struct vbh_chan;

/* A back-end: what the host does on a device's channel. */
struct vbh_ops {
	void (*opened)(struct vbh_chan *c);
	/* The guest signalled: when set, the back-end reads its ring when it
	 * chooses (a host that is not instant); else packet() per packet now. */
	void (*signal)(struct vbh_chan *c);
	/* One guest->host packet, whole (descriptor first). */
	void (*packet)(struct vbh_chan *c, const uint8_t *pkt, uint32_t len);
	void (*timer)(struct vbh_chan *c, uint64_t now);
	uint64_t (*due)(const struct vbh_chan *c);	/* 100 ns reference time, 0 none */
	/* The guest closed the channel, or the host rescinded it. */
	void (*closed)(struct vbh_chan *c);
};

/* A device the host can offer. */
struct vbh_device {
	const char *name;		/* for the administrator console */
	uint8_t class_guid[16];		/* wire order (9.1) */
	uint8_t instance_guid[16];
	/* Instance GUIDs are per VM for some devices (hv-core 9.3: NIC and
	 * SCSI): the one a new VM has (newvm); all zero for fixed ones. */
	uint8_t newvm_instance[16];
	int ic_type;			/* IC message type it serves, -1 none */
	uint16_t svc_versions[4][2];	/* service versions the host offers */
	int nsvc;
	const struct vbh_ops *ops;
};

/* The host's view of one direction of a channel's ring. */
struct vbh_ring {
	uint32_t gpadl;			/* index into vbhost.gpadl */
	uint32_t first_page;		/* control page's index in the GPADL */
	uint32_t size;			/* data bytes */
};

enum vbh_chan_state { VBH_FREE, VBH_OFFERED, VBH_OPEN, VBH_RESCINDED };

struct vbh_ic {
	bool negotiated;
	uint16_t frame[2], svc[2];	/* versions the guest chose */
	uint8_t next_xid;
	uint64_t seq;			/* heartbeat sequence sent */
	uint64_t pending;		/* requests sent, not answered */
	uint32_t last_status;
	uint64_t answered;
	uint64_t refused;		/* responses with a failure status */
	uint64_t next_due;		/* 100 ns reference time, 0 = none */
};

/* A disk the host serves on its SCSI controller (storvsp.c): backed by a
 * virtio-blk device in the QEMU build (hostdisk.c), by memory in host
 * tests.  io and flush are synchronous; 0 or -1. */
#define VBH_DISKS	4
struct vbh_disk {
	char name[8];
	bool present;			/* `detach` takes it off the bus */
	uint32_t sector_size;
	uint64_t sectors;
	uint32_t max_bytes;		/* largest single io */
	int (*io)(struct vbh_disk *d, bool write, uint64_t sector, uint32_t count, void *buf);
	int (*flush)(struct vbh_disk *d);
	void *priv;
	uint64_t reads, writes, flushes, errors;
};

/* storvsp's state of one controller channel (1.7). */
enum vbh_scsi_state { SP_WAIT_BEGIN, SP_WAIT_VERSION, SP_WAIT_PROPERTIES, SP_WAIT_END, SP_READY };
struct vbh_scsi {
	enum vbh_scsi_state state;
	uint16_t version;
	uint32_t pkt_size, sense_max;
	bool broken;			/* a fatal protocol error: not served */
	uint64_t due;			/* when the host looks at the ring */
	uint64_t srbs, held;		/* held: never completed (faults) */
};

struct vbh_chan {
	enum vbh_chan_state state;
	const struct vbh_device *dev;
	uint8_t instance[16];		/* offered: the device's, or a new VM's */
	uint32_t relid, conn_id;
	struct vbh_ring out, in;	/* guest->host, host->guest */
	struct vbh_ic ic;
	struct vbh_scsi scsi;
	uint64_t bad_packets;
};

struct vbh_gpadl {
	bool used, complete;
	uint32_t handle, relid;
	uint32_t npfn, expect;		/* received so far, announced */
	uint64_t pfn[VBH_GPADL_PFNS];
};

/* Fault injection: one shot each, armed by a test or `fault NAME`. */
enum vbh_fault {
	VBH_FAULT_NONE,
	VBH_FAULT_SHORT_MSG,		/* an OFFERCHANNEL cut short */
	VBH_FAULT_OVERSIZE_MSG,		/* 240 bytes of a header-only type: legal, extra bytes ignored (6.1) */
	VBH_FAULT_UNKNOWN_TYPE,
	VBH_FAULT_WRONG_RELID,		/* an OPENCHANNEL_RESULT for no channel */
	VBH_FAULT_RING_INDEX,		/* host->guest write_index past the ring */
	VBH_FAULT_PKT_LEN,		/* a packet longer than the ring holds */
	VBH_FAULT_SILENT,		/* never answer the next request */
	VBH_FAULT_RESCIND_ON_OPEN,	/* rescind instead of OPENCHANNEL_RESULT */
	VBH_FAULT_RESCIND_ON_GPADL,	/* rescind instead of GPADL_CREATED */
	/* storvsp: each hits the next WRITE */
	VBH_FAULT_SRB_ERROR,		/* CHECK CONDITION, medium error sense */
	VBH_FAULT_NO_COMPLETION,	/* never completed */
	VBH_FAULT_RESCIND_WITH_IO,	/* held, then the controller rescinded */
	VBH_FAULT_SHORT_TRANSFER,	/* half the data, DATA_OVERRUN */
	VBH_FAULT_BUSY,			/* SRB BUSY: the guest retries */
	VBH_FAULT_BALLOON_SHORT,	/* a BALLOON_REQUEST shorter than its type */
	VBH_FAULT_BALLOON_RANGES,	/* UNBALLOON_REQUESTs: too many ranges; pages never lent */
	VBH_FAULT_KBD_SHORT,		/* a keystroke EVENT cut short */
	VBH_FAULT_KBD_TYPE,		/* a keyboard message of no known type */
	VBH_FAULT_KVP_SHORT,		/* a KVP request shorter than its header */
	VBH_NFAULTS
};

struct vbh_host {
	uint32_t max_version;		/* from the profile */
	uint32_t version;		/* negotiated; 0 = no connection */
	uint32_t msg_conn;		/* where the guest posts after contact */
	bool offers_sent;
	uint32_t seed;			/* relids differ between boots */
	/* A new VM (hvsim=PROFILE,newvm): per-VM devices have other instance
	 * GUIDs, relids come from another range, offers in reverse order. */
	bool newvm;
	uint32_t absent;		/* devices not offered (bit: vbh_devices index) */
	struct vbh_chan chan[VBH_CHANNELS];
	struct vbh_gpadl gpadl[VBH_GPADLS];
	bool fault[VBH_NFAULTS];
	uint32_t fault_after[VBH_NFAULTS];	/* requests let through first (`fault NAME N`) */
	/* Malformed control messages sent after each of the guest's next
	 * flood messages (hvsim=PROFILE,flood): a burst during a resume. */
	uint32_t flood;
	uint64_t ic_every;		/* `icstorm MS`: heartbeat/SAMPLE period, 100 ns; 0: normal */
	/* what happened, for tests and `status` */
	uint64_t contacts, unloads, bad_msgs, released;
	uint64_t closes, teardowns;	/* CLOSECHANNEL, GPADL_TEARDOWN taken */
	uint64_t heartbeats;		/* answered, over all connections */
	int64_t wall_offset;		/* seconds added by `time` */
	uint64_t wall_base;		/* FILETIME at reference time 0 */
	uint8_t pkt[VBH_PKT_MAX];	/* scratch for one packet */
	struct vbh_disk *disk[VBH_DISKS];	/* LUN i */
	unsigned ndisks;
	uint16_t scsi_max_version;	/* from the profile */
	uint8_t bounce[64 * 1024];	/* guest pages that are not contiguous */
	struct bal_host balloon;	/* Dynamic Memory, keyboard, KVP back-ends */
	struct kbd_host kbd;
	struct kvp_host kvp;
	void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

/* The server's state, from the emulator's root (hvsim.h). */
#define vbhost	(hvsim.vbh)
extern const struct vbh_device vbh_devices[];
extern const unsigned vbh_ndevices;

/* vmbus_host.c */
void vbh_init(struct vbh_host *h, uint32_t max_version, uint64_t seed, uint64_t wall_filetime);
void vbh_post(uint32_t connection, const uint8_t *msg, uint32_t size);	/* PostMessage */
void vbh_signal(uint32_t connection);				/* SignalEvent */
void vbh_timer(uint64_t now);
void vbh_drain(struct vbh_chan *c);
uint64_t vbh_next_due(void);
int vbh_rescind(const char *name);
int vbh_offer(const char *name);
struct vbh_chan *vbh_find(const char *name);
void vbh_send_msg(const void *msg, uint32_t size);
void vbh_fault_inject(enum vbh_fault f);
/* Armed for the request after the next `after` ones of its kind. */
void vbh_fault_inject_after(enum vbh_fault f, uint32_t after);
/* One shot of an armed fault: true when it fires now. */
bool vbh_fault_fires(enum vbh_fault f);
const char *vbh_fault_name(enum vbh_fault f);
enum vbh_fault vbh_fault_by_name(const char *name);

/* vmbus_hring.c */
bool vbh_pfn_copy(const uint64_t *pfn, uint64_t npfn, uint64_t off, void *buf, uint32_t n,
		  bool to_guest);
bool vbh_gpadl_copy(const struct vbh_gpadl *g, uint64_t off, void *buf, uint32_t n, bool to_guest);
int vbh_ring_read(struct vbh_chan *c, uint8_t *pkt, uint32_t cap, uint32_t *len);
int vbh_ring_write(struct vbh_chan *c, uint16_t type, uint16_t flags, uint64_t xid,
		   const void *payload, uint32_t n);
void vbh_ring_corrupt_index(struct vbh_chan *c);
void vbh_ring_write_bad_len(struct vbh_chan *c);

/* storvsp.c */
extern const struct vbh_ops storvsp_ops;
int vbh_add_disk(struct vbh_disk *d);
int storvsp_enumerate(void);		/* ENUMERATE_BUS to the guest */

/* ic_host.c */
extern const struct vbh_ops ic_ops;
int ic_send(struct vbh_chan *c, uint16_t type, const void *body, uint16_t n);
int ic_shutdown(unsigned flags);
int ic_time_sync(void);
uint64_t ic_heartbeats_answered(void);

#endif
