/*
 * dormant.h - what the kernel offers an application beyond the C library.
 *
 * The application is linked into the kernel image and entered as
 * app_main(argc, argv) with the words after "--" on the command line.
 * Returning from app_main (or calling exit) powers the machine off.
 * Applications include it as "dormant.h" (the build adds -Iinclude).
 *
 * app_main runs on its own stack: 1 MiB by default (kernel option
 * stack=SIZE, e.g. stack=8M), with an unmapped guard page below it, so an
 * overflow stops the machine with a "stack overflow" report.
 */
#ifndef DORMANT_H
#define DORMANT_H

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds since the kernel started. */
uint64_t dormant_uptime_ns(void);
/* One byte of console input, or -1 when none is waiting.  Never blocks. */
int dormant_getc(void);
/* Sleep until the next interrupt (timer tick or input). */
void dormant_idle(void);

struct dormant_mem {
	uint64_t usable;	/* RAM the firmware gave us */
	uint64_t owned;		/* pages holding state (kernel + application) */
	uint64_t volatile_;	/* pages in use that are never saved */
	uint64_t free;
	uint64_t app_heap;	/* bytes malloc holds (its sbrk region) */
};
void dormant_mem_stats(struct dormant_mem *m);

/* The VMBus devices, one line each through 'line' (a header line first;
 * "vmbus: not connected" without Hyper-V). */
void dormant_devices(void (*line)(const char *text));

/* Disks and their GPT partitions (drivers/blk.h), synchronous.  Sectors
 * of sector_size bytes; buffers are ordinary memory (malloc).  Functions
 * return 0 or a negative status; dormant_disk_error names it. */
struct dormant_disk {
	char name[24];		/* "vda", "vda2" */
	char kind[48];		/* "virtio-blk", "partition hibernate", ... */
	char parent[24];	/* the disk a partition is on; "" for a disk */
	uint32_t sector_size;
	uint64_t sectors;
	int hibernation;	/* dormant's hibernation partition */
};
int dormant_disk_count(void);
int dormant_disk_info(int i, struct dormant_disk *out);	/* 0, or -1 past the end */
int dormant_disk_read(const char *name, uint64_t sector, uint32_t count, void *buf);
int dormant_disk_write(const char *name, uint64_t sector, uint32_t count, const void *buf);
int dormant_disk_flush(const char *name);
const char *dormant_disk_error(int status);
/* 1 when the device holds a well-formed hibernation image (of any build),
 * 0 when not, or a negative status from reading it. */
int dormant_disk_image(const char *name);

void dormant_poweroff(void) __attribute__((noreturn));
void dormant_reboot(void) __attribute__((noreturn));

#endif
