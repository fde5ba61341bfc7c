/*
 * blk.h - dormant's one block-device interface (blk.c).
 *
 * Every disk (a virtio-blk device under QEMU, a storvsc LUN on Hyper-V)
 * and every GPT partition on it is a struct blk_dev.  Requests are
 * asynchronous: submit, and the driver calls the request's done()
 * callback with a status when it completes (from its interrupt handler,
 * or from blk_poll() in polled mode).  Several requests may be in flight
 * (up to dev->queue_depth); a request may be large (at least 1 MiB).
 * Polled mode works with interrupts off, which is how hibernation writes
 * its image.  Errors come back as statuses, never as a panic; the log line
 * names the device and the sector.
 *
 * Buffers are physically contiguous kernel memory (identity mapped), any
 * byte alignment the driver accepts (dev->align, at least 1), and a whole
 * number of sectors long.
 */
#ifndef DORMANT_BLK_H
#define DORMANT_BLK_H

#include <stdbool.h>
#include <stdint.h>

#define BLK_NAME_MAX	24
#define BLK_MAX_DEVS	32

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

enum blk_status {
	BLK_OK = 0,
	BLK_E_IO = -1,		/* the device reported an error */
	BLK_E_RANGE = -2,	/* sector range outside the device */
	BLK_E_INVAL = -3,	/* bad length, alignment or operation */
	BLK_E_BUSY = -4,	/* queue full: try again after a completion */
	BLK_E_GONE = -5,	/* the device went away (rescind, reset) */
	BLK_E_TIMEOUT = -6,	/* no completion within the driver's bound */
	BLK_E_READONLY = -7,
	BLK_E_MEDIUM = -8,	/* medium error (sense key 3) */
};

struct blk_dev;

struct blk_req {
	enum blk_op op;
	uint64_t sector;	/* in the device's sectors */
	uint32_t count;		/* sectors; 0 for a flush */
	void *buf;
	void (*done)(struct blk_req *r, int status);
	void *ctx;		/* the submitter's */
	/* private to the driver */
	struct blk_req *next;
	uint64_t driver[4];
};

struct blk_ops {
	int (*submit)(struct blk_dev *d, struct blk_req *r);
	/* Complete what the device finished, without interrupts. */
	void (*poll)(struct blk_dev *d);
};

struct blk_dev {
	char name[BLK_NAME_MAX];	/* "vda", "vda2", "sda" */
	const char *driver;		/* "virtio-blk", "storvsc", "gpt" */
	uint32_t sector_size;		/* 512 or 4096 */
	uint64_t sectors;
	uint32_t max_sectors;		/* largest request */
	uint32_t queue_depth;
	uint32_t align;
	bool read_only;
	const struct blk_ops *ops;
	void *priv;
	/* partitions: the parent disk and the first sector on it */
	struct blk_dev *parent;
	uint64_t start;
	uint8_t part_type[16];		/* GPT type GUID, wire order */
	uint8_t part_guid[16];
};

/* blk.c */
int blk_register(struct blk_dev *d);		/* 0, or -1 when full */
void blk_unregister(struct blk_dev *d);
/* A disk that went away, and its partitions. */
void blk_unregister_disk(struct blk_dev *d);
/* The largest request of a disk and its partitions changed (a resume on
 * a host that takes less at once). */
void blk_set_max_sectors(struct blk_dev *d, uint32_t n);
unsigned blk_count(void);
struct blk_dev *blk_get(unsigned i);
struct blk_dev *blk_find(const char *name);
/* Check the request against the device, then hand it to the driver. */
int blk_submit(struct blk_dev *d, struct blk_req *r);
void blk_poll(struct blk_dev *d);
/* Synchronous helpers: submit and wait (polling when interrupts are off). */
int blk_read(struct blk_dev *d, uint64_t sector, uint32_t count, void *buf);
int blk_write(struct blk_dev *d, uint64_t sector, uint32_t count, const void *buf);
int blk_flush(struct blk_dev *d);
const char *blk_status_name(int status);

#endif
