/*
 * stackprot.c - the compiler's stack protector in the kernel (issue 11:
 * hardening that makes faults visible instead of silent).
 *
 * Every function gcc protects (-fstack-protector-strong: those with
 * arrays or addresses of locals) keeps __stack_chk_guard below its return
 * address and checks it before returning; a frame overwritten past its
 * buffers fails the check and panics here, with a backtrace, instead of
 * returning into whatever the overflow wrote.  The guard is a fixed value
 * until kmain sets it from the TSC (and RDRAND when the CPU has it) as its
 * first act: no protected frame that could return is live then.  A
 * hibernation image keeps the guard with the frames it guards.
 */
#include <stdint.h>

#include "cpu.h"
#include "kernel.h"

uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

__attribute__((no_stack_protector)) void stack_guard_init(void)
{
	uint32_t r[4];
	uint64_t v = rdtsc() * 0x9e3779b97f4a7c15ull;
	cpuid(1, 0, r);
	if (r[2] & (1u << 30)) {		/* CPUID.1:ECX.RDRAND */
		uint64_t x;
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(x), "=qm"(ok));
		if (ok)
			v ^= x;
	}
	/* A zero byte low: a string copy stops at it (the usual choice). */
	__stack_chk_guard = (v & ~0xffull) | (__stack_chk_guard & 0xff00);
}

noreturn void __stack_chk_fail(void);
noreturn void __stack_chk_fail(void)
{
	panic("stack protector: a function's stack frame was overwritten past its buffers "
	      "(its return would have jumped into the overwrite)");
}
