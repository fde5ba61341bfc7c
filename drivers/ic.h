/*
 * ic.h - the Integration Components framework (ic.c) and its services
 * (heartbeat.c, shutdown.c, timesync.c, ic_decline.c).
 *
 * The host speaks first on every IC channel (NEGOTIATE), and the guest
 * only answers: each request is answered by rewriting the received
 * message and sending it back (hv-vsc-protocols.md 2.2).  A service
 * supplies its version list and a handler that fills in the body and
 * returns the status.
 */
#ifndef DORMANT_IC_H
#define DORMANT_IC_H

#include <stdint.h>

#include "../vmbus/vmbus.h"
#include "ic_wire.h"

#define IC_BUF	4096	/* Linux reads IC messages into one 4 KiB page */

struct ic_service {
	struct vmbus_driver drv;
	uint16_t msg_type;			/* IC_MSG_* it serves */
	const struct ic_version *versions;	/* preference order */
	unsigned nversions;
	/* Fill in the answer in body (len bytes, room for IC_BUF), return
	 * the status; *reply_len may grow the body. */
	uint32_t (*handle)(struct vmbus_channel *ch, uint8_t *body, uint32_t len,
			   uint32_t *reply_len);
};

/* One open IC channel's state (the channel's priv). */
struct ic_dev {
	const struct ic_service *svc;
	struct ic_version framework, service;
	bool negotiated;
	uint64_t requests, answered, dropped;
	uint8_t buf[IC_BUF + 64];
};

/* A driver's probe and event callbacks are these, for every service. */
int ic_probe(struct vmbus_channel *ch);
void ic_remove(struct vmbus_channel *ch);
int ic_resume(struct vmbus_channel *ch);
void ic_event(struct vmbus_channel *ch);
const struct ic_service *ic_service_of(const struct vmbus_channel *ch);
/* One packet of len bytes in d->buf, as vmbus_recv left it (descriptor
 * checked by the ring): check it, answer it with vmbus_send.  Exposed
 * for the host tests and the fuzzer (tests/fuzz/fuzz_ic.c). */
void ic_handle_packet(struct vmbus_channel *ch, struct ic_dev *d, uint32_t len);

/* heartbeat.c */
uint64_t heartbeat_count(void);
/* timesync.c */
uint64_t timesync_count(void);

#endif
