/*
 * initcall.h - how the layers above the kernel core join the boot and the
 * self-tests without the kernel calling up into them (DESIGN.md: arrows
 * point down only).
 *
 * INITCALL(fn, level) puts fn in a linker-sorted table; kmain runs each
 * level at its place in the boot order (main.c).  KTEST(name, fn) adds a
 * test to the "selftest" KTAP run.
 *
 * The tables are linker sections.  Host tests that compile guest files
 * name them as C identifiers instead (-DINITCALL_SECTION=... in the
 * Makefile), so that the host linker provides __start_/__stop_ symbols
 * and the test runs the levels as kmain does (tests/unit/vmbus_env.c).
 */
#ifndef DORMANT_INITCALL_H
#define DORMANT_INITCALL_H

#include <stdbool.h>

#ifndef INITCALL_SECTION
#define INITCALL_SECTION	".initcall"
#define KTEST_SECTION		".ktest"
#define KTEST_LATE_SECTION	".ktest.late"
#endif

/* Levels, in boot order (kernel/main.c runs them). */
#define INIT_EMULATION	0	/* test images: emulated hardware (tests/hvsim) */
#define INIT_PLATFORM	1	/* hypervisor layer (hv/): before time setup */
#define INIT_BUS	2	/* VMBus, after interrupts are on */
#define INIT_DRIVERS	3
#define INIT_LATE	4	/* tests and options that use the devices */

struct initcall {
	void (*fn)(void);
	const char *name;
	int level;
};

struct ktest {
	const char *name;
	bool (*fn)(void);
};

#define INITCALL(f, level)						\
	static const struct initcall __initcall_##f			\
	__attribute__((section(INITCALL_SECTION), used, aligned(8))) = { f, #f, level }

#define KTEST(n, f)							\
	static const struct ktest __ktest_##f				\
	__attribute__((section(KTEST_SECTION), used, aligned(8))) = { n, f }
/* Runs after every KTEST (for tests that take something down). */
#define KTEST_LATE(n, f)						\
	static const struct ktest __ktest_##f				\
	__attribute__((section(KTEST_LATE_SECTION), used, aligned(8))) = { n, f }

/* In a KTEST function: report a failed condition as a KTAP diagnostic
 * and fail the test. */
#define KTEST_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			kprintf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			return false;					\
		}							\
	} while (0)

/* main.c */
void run_initcalls(int level);

#endif
