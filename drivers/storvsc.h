/*
 * storvsc.h - the synthetic SCSI controller of Hyper-V (hv-vsc-protocols.md
 * section 1): one struct storvsc per controller channel, one storvsc_disk
 * (a blk_dev "sda", "sdb", ...) per LUN that holds a disk.
 *
 *   storvsc.c         the channel: handshake, requests, completions,
 *                     timeouts, rescind
 *   storvsc_scan.c    LUN enumeration, INQUIRY, READ CAPACITY, the disks,
 *                     rescans on ENUMERATE_BUS
 *   storvsc_status.c  what a completion means (pure: host tests, fuzzer)
 */
#ifndef DORMANT_STORVSC_H
#define DORMANT_STORVSC_H

#include <stdbool.h>
#include <stdint.h>

#include "../vmbus/vmbus.h"
#include "blk.h"
#include "storvsc_wire.h"

/* 1.13: Linux uses 128 KiB rings; the same here (pages incl. control). */
#define STORVSC_RING_PAGES	32
/* Requests in flight per controller.  A 1 MiB request is a 2.2 KiB
 * GPA-direct packet, so 32 of them fill half the outbound ring; more
 * gave nothing on the emulated host (make bench), whose disk serves
 * one request at a time. */
#define STORVSC_DEPTH		32
#define STORVSC_MAX_BYTES	(1u << 20)	/* our cap per request */
#define STORVSC_MAX_PFNS	(STORVSC_MAX_BYTES / 4096 + 1)
#define STORVSC_MAX_DISKS	8		/* per controller */
#define STORVSC_SCAN_LUNS	64		/* 1.10: 64 LUNs per controller */
#define STORVSC_STEP_NS		(5ull * 1000 * 1000 * 1000)	/* 1.7: 5 s a step */
#define STORVSC_RETRIES		3
/* Hibernation: how long suspend waits for requests in flight (the
 * application's own I/O is drained before; what is left is the driver's
 * or a request about to complete). */
#define STORVSC_SUSPEND_NS	(5ull * 1000 * 1000 * 1000)

/* The parts of a completion the driver keeps (1.8). */
struct storvsc_result {
	uint32_t status;		/* NTSTATUS */
	uint8_t srb_status, scsi_status;
	uint8_t sense_len;
	uint32_t transferred;
	uint8_t sense[VSTOR_SENSE_MAX];
};

struct storvsc;

struct storvsc_disk {
	struct blk_dev blk;
	struct storvsc *ctl;
	uint8_t lun;
	bool gone;
	char vendor[9], product[17];
};

struct storvsc_slot {
	bool busy;
	bool internal;			/* a scan command: a waiter takes res */
	volatile bool done;
	uint8_t retries;
	struct blk_req *req;
	struct storvsc_disk *disk;
	uint64_t started_ns;
	uint32_t want;			/* bytes asked for */
	struct vstor_packet pkt;	/* as sent, for a retry */
	struct storvsc_result res;
};

struct storvsc {
	struct vmbus_channel *ch;
	uint16_t version;
	uint32_t pkt_size;		/* 64, or 48 before WIN8 (1.3) */
	uint32_t srb_size, sense_size;
	uint32_t max_transfer;		/* bytes per SRB, the host's and ours */
	bool dead;			/* rescinded, failed or timed out */
	bool suspended;			/* hibernation: new requests wait */
	volatile bool rescan;		/* ENUMERATE_BUS arrived */
	uint64_t timeout_ns;
	unsigned inflight;
	struct storvsc_slot slot[STORVSC_DEPTH];
	struct storvsc_disk *disk[STORVSC_MAX_DISKS];
	/* the handshake's one outstanding step */
	volatile bool step_done;
	struct vstor_packet step;
	/* scratch, used with interrupts off */
	uint8_t hdr[32 + 8 * STORVSC_MAX_PFNS];
	uint64_t pfns[STORVSC_MAX_PFNS];
	uint8_t rx[256];
	uint64_t completed, errors, retried, bad_packets;
};

/* storvsc.c */
/* Run one SCSI command on a LUN and wait (scans): the blk status, res
 * filled.  buf is contiguous kernel memory or NULL. */
int storvsc_exec(struct storvsc *s, uint8_t lun, const uint8_t *cdb, unsigned cdb_len,
		 void *buf, uint32_t len, bool write, struct storvsc_result *res);
extern const struct blk_ops storvsc_blk_ops;
void storvsc_poll_ctl(struct storvsc *s);

/* storvsc_scan.c */
void storvsc_scan(struct storvsc *s);
void storvsc_forget_disks(struct storvsc *s);
/* After a resume: each disk must still be there with the same size (else
 * it is gone: logged, unregistered, its struct kept); new LUNs are added. */
void storvsc_check_disks(struct storvsc *s);

/* storvsc_status.c: the blk status of a completion; STORVSC_RETRY when
 * the command should be sent again.  why (cap bytes) says what failed;
 * *done the bytes the host moved.  A short transfer is an error unless
 * 'short_ok' (INQUIRY and the like: real hosts say DATA_OVERRUN). */
#define STORVSC_RETRY	1
int storvsc_decode(const struct storvsc_result *r, uint32_t want, bool short_ok,
		   uint32_t *done, char *why, unsigned cap);
/* Pull the result out of a completion's vstor_packet (len bytes). */
const char *storvsc_result_parse(const uint8_t *pkt, uint32_t len, uint32_t sense_max,
				 struct storvsc_result *out);
const char *storvsc_srb_name(uint8_t srb_status);

#endif
