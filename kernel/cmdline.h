/*
 * cmdline.h - the kernel command line (cmdline.c).
 *
 * Format: kernel options, then "--", then the application's arguments:
 *     test hz=250 -- --run-for 5 "hello world"
 * Words are separated by spaces; double quotes group a word.  Kernel
 * options are listed in cmdline.c's table; an unknown one is reported and
 * ignored.  argv[0] of the application is always "dormant".
 */
#ifndef DORMANT_CMDLINE_H
#define DORMANT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX		1024
#define CMDLINE_MAX_ARGS	32
#define CMDLINE_VALUE_MAX	32

struct kopts {
	bool test;		/* failures leave QEMU with an exit status */
	bool selftest;		/* run the in-kernel KTAP self-tests */
	bool acpidump;		/* hex-dump the DSDT on the console */
	bool nofb;		/* no framebuffer console */
	char crash[CMDLINE_VALUE_MAX];	/* deliberate crash: pf, ud, panic */
	char hz[CMDLINE_VALUE_MAX];	/* tick rate */
	char hvsim[CMDLINE_VALUE_MAX];	/* test image: emulated host profile */
	int argc;
	char *argv[CMDLINE_MAX_ARGS + 1];
	char words[CMDLINE_MAX];	/* backing store for argv */
	int nwarn;
	char warn[4][64];	/* unknown options, for the boot log */
};

void cmdline_parse(const char *line, struct kopts *o);

#endif
