/*
 * balloon.h - the Dynamic Memory VSC: balloon.c (channel, versions,
 * capabilities, status reports, the deferred reader) and balloon_ops.c
 * (balloon-up, balloon-down and hot-add under the hibernation rule).
 *
 * Host messages are read in the kernel's own context (kernel/poll.c),
 * never in the interrupt: answering a balloon request changes the frame
 * allocator, which only the kernel's context may touch.
 */
#ifndef DORMANT_BALLOON_H
#define DORMANT_BALLOON_H

#include <stdbool.h>
#include <stdint.h>

#include "../kernel/frame.h"
#include "../vmbus/vmbus.h"
#include "balloon_wire.h"

/* What the balloon keeps free for the guest itself: a request that
 * would go below it is met in part (3.6: "floor reached"). */
#define BALLOON_FLOOR_PAGES	(16u * 1024 * 1024 / 4096)
#define BALLOON_REPORT_NS	1000000000ull	/* 3.5: one report a second */

enum balloon_state { BAL_VERSION, BAL_CAPS, BAL_RUNNING, BAL_FAILED };

struct balloon_dev {
	struct vmbus_channel *ch;
	struct frame_map *fm;
	/* Hot-add: make free the first of n pages at base that may be
	 * added; returns how many (kernel: mem_hot_add). */
	uint64_t (*hot_add)(uint64_t base, uint64_t n);
	bool hibernation;		/* ACPI S4 at probe: pressure reports only */
	enum balloon_state state;
	uint32_t version;		/* the one being tried, then the agreed one */
	volatile bool answered;		/* the awaited response came */
	volatile bool accepted;
	volatile bool work;		/* the inbound ring has packets */
	uint32_t next_trans;
	uint64_t next_report_ns;
	uint64_t reports;
	uint64_t lent;			/* pages the host holds now */
	uint64_t returned;		/* pages the host gave back so far */
	uint64_t hot_added;
	uint64_t bad;			/* host messages dropped */
	bool refusal_logged;
	bool unballooning;		/* inside a more_pages sequence */
	uint8_t in[DM_MSG_MAX + 64];	/* one packet, descriptor first */
	uint8_t out[DM_MSG_MAX];	/* one message to the host */
};

/* balloon.c */
int balloon_send(struct balloon_dev *b, void *msg, uint16_t type, uint32_t size);
/* Read and handle every waiting packet (kernel context). */
void balloon_drain(struct balloon_dev *b);
/* One packet of len bytes in b->in, as vmbus_recv left it. */
void balloon_packet(struct balloon_dev *b, uint32_t len);
void balloon_report(struct balloon_dev *b);
struct balloon_dev *balloon_device(void);

/* balloon_ops.c: one host request, its size checked against its type */
void balloon_up(struct balloon_dev *b, const uint8_t *msg, uint32_t len);
void balloon_down(struct balloon_dev *b, const uint8_t *msg, uint32_t len);
void balloon_hot_add(struct balloon_dev *b, const uint8_t *msg, uint32_t len);

#endif
