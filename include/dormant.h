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

/*
 * Hibernation (README "Hibernation").  dormant_hibernate() writes the
 * VM's memory to the hibernation partition and powers off; the next boot
 * resumes it, and the call returns 0 there, in the resumed VM.  When the
 * VM cannot hibernate it returns a negative DORMANT_HIB_E* (one console
 * line says why) and the VM keeps running.  Other triggers (the Hyper-V
 * Shutdown service, the power button with powerbutton=hibernate) are
 * taken when the application next calls into the kernel.
 */
enum {
	DORMANT_HIB_EUNSUPPORTED = -1,	/* no ACPI S4, no partition, balloon lent */
	DORMANT_HIB_ENOSPACE = -2,	/* the image could exceed the partition */
	DORMANT_HIB_EDEVICE = -3,	/* a device could not be quiesced */
	DORMANT_HIB_ENOMEM = -4,	/* no memory for the writer */
	DORMANT_HIB_EIO = -5,		/* the disk failed while writing */
	DORMANT_HIB_ECHANGED = -6,	/* too much changed during the write */
};
int dormant_hibernate(void);
const char *dormant_hibernate_error(int status);

/* What a resume tells the application. */
struct dormant_resume_info {
	uint64_t slept_ns;	/* wall time between the snapshot and the resume */
	int64_t wall_jump_ns;	/* how far the wall clock jumped (may be < 0) */
	uint64_t image_bytes;	/* the image on the disk */
	uint64_t resume_ns;	/* loader entry to the application, this boot */
	uint64_t read_ns;	/* checking and loading the image */
};
/* Hooks, up to 8 of each, run in the order added: 0, or -1 when full.
 * before: just before the devices are quiesced; after: in the resumed VM
 * before the application continues; poweroff: before a power-off the
 * host asked for (the Shutdown service), the application's chance to
 * save. */
int dormant_on_hibernate(void (*fn)(void));
int dormant_on_resume(void (*fn)(const struct dormant_resume_info *info));
int dormant_on_poweroff(void (*fn)(void));
/* The last resume of this VM: 0 and *out, or -1 if it never resumed. */
int dormant_last_resume(struct dormant_resume_info *out);
/* Wall clock, Unix time in nanoseconds. */
int64_t dormant_wall_ns(void);

void dormant_poweroff(void) __attribute__((noreturn));
void dormant_reboot(void) __attribute__((noreturn));

#endif
