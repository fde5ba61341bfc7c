/*
 * host_initcall.h - kernel/initcall.h for host tests, pre-included
 * (-include) by the tests that compile guest files with INITCALLs.
 *
 * The kernel's table is the linker section ".initcall", which a host
 * link cannot name; here the same entries go to a section whose name is
 * a C identifier, so the linker provides __start_/__stop_ symbols and the
 * test runs each level as kmain does (tests/unit/vmbus_env.c).
 */
#ifndef DORMANT_INITCALL_H
#define DORMANT_INITCALL_H

#include <stdbool.h>

#define INIT_EMULATION	0
#define INIT_PLATFORM	1
#define INIT_BUS	2
#define INIT_DRIVERS	3
#define INIT_LATE	4

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
	__attribute__((section("host_initcall"), used, aligned(8))) = { f, #f, level }

#define KTEST(n, f)		static bool (*const __ktest_##f)(void) __attribute__((unused)) = f
#define KTEST_LATE(n, f)	KTEST(n, f)
#define KTEST_CHECK(cond)	do { if (!(cond)) return false; } while (0)

void run_initcalls(int level);

#endif
