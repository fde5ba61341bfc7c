/*
 * cmdline.h - the kernel command line (cmdline.c).
 *
 * Format: kernel options, then "--", then the application's arguments:
 *     test hz=250 -- --run-for 5 "hello world"
 * Words are separated by spaces; double quotes group a word.  Kernel
 * options are listed in cmdline.c's table; an unknown one, a flag given a
 * value, a value option without one and a value too long to keep are
 * reported and ignored.  argv[0] of the application is always "dormant".
 */
#ifndef DORMANT_CMDLINE_H
#define DORMANT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX		1024
#define CMDLINE_MAX_ARGS	32
#define CMDLINE_VALUE_MAX	32

struct kopts {
	bool test;		/* failures leave QEMU with an exit status */
	bool selftest;		/* run the in-kernel KTAP self-tests */
	bool acpidump;		/* hex-dump the DSDT on the console */
	bool nofb;		/* no framebuffer console */
	char crash[CMDLINE_VALUE_MAX];	/* deliberate crash: pf, ud, panic, ... (main.c) */
	char hz[CMDLINE_VALUE_MAX];	/* tick rate */
	char hvsim[CMDLINE_VALUE_MAX];	/* test image: emulated host profile */
	char stack[CMDLINE_VALUE_MAX];	/* application stack size */
	char blktest[CMDLINE_VALUE_MAX];	/* disk for the block-device test */
	char iotimeout[CMDLINE_VALUE_MAX];	/* seconds a disk request may take */
	char powerbutton[CMDLINE_VALUE_MAX];	/* off (default), hibernate, ignore */
	int argc;
	char *argv[CMDLINE_MAX_ARGS + 1];
	int dropped_args;	/* application arguments past CMDLINE_MAX_ARGS */
	char words[CMDLINE_MAX];	/* backing store for argv */
	int nwarn;		/* every rejected word counts ... */
	char warn[4][64];	/* ... the first ones are kept for the boot log */
	char why[4][48];	/* and why each was rejected */
};

void cmdline_parse(const char *line, struct kopts *o);

/* Parse all of s as a decimal number in [min, max].  Returns 0, or
 * CMDLINE_NOT_A_NUMBER (empty, a sign, junk after the digits) or
 * CMDLINE_OUT_OF_RANGE; *out is set only on success. */
enum { CMDLINE_NOT_A_NUMBER = -1, CMDLINE_OUT_OF_RANGE = -2 };
int cmdline_number(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The same for a size in bytes with an optional K, M or G suffix. */
int cmdline_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
