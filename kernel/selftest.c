/*
 * selftest.c - in-kernel self-tests, run with the "selftest" option.
 *
 * Output is KTAP version 1 (Linux Documentation/dev-tools/ktap.rst) on the
 * console: a plan, one "ok N name" / "not ok N name" line per test, "# "
 * diagnostics.  The verdict also leaves as the exit status, so a harness
 * has two independent signals.  Each test is a table entry.
 */
#include <malloc.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "cpu.h"
#include "initcall.h"
#include "kernel.h"
#include "trap.h"

int probe_read(uint64_t addr);
int probe_ud(void);
int probe_sse(uint64_t seed, volatile uint64_t *ticks, uint64_t n);
extern char probe_read_fault[], probe_ud_fault[];

#define CHECK KTEST_CHECK

static bool t_frame_rules(void)
{
	uint64_t before[4];
	memcpy(before, frames.count, sizeof(before));
	uint64_t a = frame_alloc(&frames, 4, FRAME_OWNED);
	CHECK(a != 0);
	CHECK(frame_get(&frames, a) == FRAME_OWNED);
	CHECK(frames.count[FRAME_OWNED] == before[FRAME_OWNED] + 4);
	CHECK(frame_claim(&frames, a, 1, FRAME_OWNED) != 0);	/* not free */
	CHECK(frame_convert(&frames, a, 4, FRAME_VOLATILE) == 0);
	CHECK(frame_get(&frames, a + 3 * PAGE_SIZE) == FRAME_VOLATILE);
	CHECK(frame_free(&frames, a, 4) == 0);
	CHECK(frame_free(&frames, a, 1) != 0);			/* already free */
	CHECK(frame_convert(&frames, a, 1, FRAME_OWNED) != 0);	/* free frame */
	CHECK(frame_get(&frames, 0) == FRAME_ABSENT);
	CHECK(memcmp(before, frames.count, sizeof(before)) == 0);
	return true;
}

static bool t_frame_owned_enum(void)
{
	uint64_t a = frame_alloc(&frames, 2, FRAME_OWNED);
	uint64_t v = frame_alloc(&frames, 3, FRAME_VOLATILE);
	uint64_t c = frame_alloc(&frames, 1, FRAME_OWNED);
	CHECK(a && v && c);
	uint64_t cursor = 0, base, len, prev_end = 0, total = 0;
	bool saw_a = false, saw_c = false;
	while (frame_owned_next(&frames, &cursor, &base, &len)) {
		CHECK(base >= prev_end);	/* address order, no overlap */
		CHECK(!(v < base + len && v + 3 * PAGE_SIZE > base));	/* volatile excluded */
		saw_a |= a >= base && a + 2 * PAGE_SIZE <= base + len;
		saw_c |= c >= base && c + PAGE_SIZE <= base + len;
		prev_end = base + len;
		total += len;
	}
	CHECK(saw_a && saw_c);
	CHECK(total == frames.count[FRAME_OWNED] * PAGE_SIZE);
	CHECK(frame_owned_next(&frames, &cursor, &base, &len) == false);
	page_free(a, 2);
	page_free(v, 3);
	page_free(c, 1);
	return true;
}

static bool t_kernel_heap(void)
{
	size_t base = kheap_in_use();
	void *p[64];
	for (int i = 0; i < 64; i++) {
		size_t n = 1 + (size_t)i * 97;
		p[i] = kmalloc(n);
		CHECK(((uintptr_t)p[i] & 15) == 0);
		memset(p[i], i, n);
	}
	for (int i = 0; i < 64; i++)
		CHECK(((unsigned char *)p[i])[i * 97] == (unsigned char)i);
	for (int i = 0; i < 64; i += 2)
		kfree(p[i]);
	for (int i = 1; i < 64; i += 2)
		kfree(p[i]);
	CHECK(kheap_in_use() == base);
	return true;
}

static bool t_timer_progress(void)
{
	CHECK(read_rflags() & RFLAGS_IF);
	uint64_t t0 = ticks, n0 = time_ns();
	delay_us(100000);
	uint64_t t1 = ticks, n1 = time_ns();
	uint64_t expect = tick_hz / 10;
	kprintf("# %lu ticks in %lu us (expected about %lu)\n", t1 - t0,
		(n1 - n0) / 1000, expect);
	/* The delay runs on the calibrated TSC, the clock may be another
	 * source: they agree within 1%. */
	CHECK(n1 - n0 >= 99000000ull && n1 - n0 <= 110000000ull);
	CHECK(t1 - t0 >= expect / 2 && t1 - t0 <= expect * 2);
	return true;
}

static bool t_clock_monotonic(void)
{
	uint64_t prev = time_ns();
	for (int i = 0; i < 100000; i++) {
		uint64_t now = time_ns();
		CHECK(now >= prev);
		prev = now;
	}
	struct timeval tv;
	CHECK(gettimeofday(&tv, NULL) == 0);
	kprintf("# wall clock %ld s\n", (long)tv.tv_sec);
	CHECK(tv.tv_sec > 1600000000);	/* firmware time, after 2020 */
	clock_t c0 = clock();
	delay_us(20000);
	CHECK(clock() - c0 >= CLOCKS_PER_SEC / 50);
	return true;
}

static bool t_newlib_printf(void)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%d|%5s|%-4x|%llu", -42, "ab", 0xbeef, 1ull << 40);
	CHECK(strcmp(buf, "-42|   ab|beef|1099511627776") == 0);
	CHECK(printf("# printf reaches the console\n") > 0);
	return true;
}

/* C99 length modifiers: newlib is built with them (scripts/newlib.sh);
 * without, "%zu" prints "zu" and shifts every later argument. */
static bool t_newlib_c99_formats(void)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%zu %d|%zd|%jd|%td|%lld|%hhu|%ju", (size_t)42, 7,
		 (ssize_t)-5, (intmax_t)-9000000000, (ptrdiff_t)-3, -1234567890123ll,
		 (unsigned char)300, (uintmax_t)UINT64_MAX);
	kprintf("# %s\n", buf);
	CHECK(strcmp(buf, "42 7|-5|-9000000000|-3|-1234567890123|44|18446744073709551615") == 0);
	return true;
}

/* Recursion that uses about depth KiB of stack; the result keeps gcc
 * from turning it into a loop. */
__attribute__((noinline)) static uint64_t use_stack(unsigned depth)
{
	volatile uint8_t frame[1000];
	frame[0] = (uint8_t)depth;
	frame[999] = 1;
	if (depth == 0)
		return frame[999];
	return use_stack(depth - 1) + frame[0] + frame[999];
}

/* The application's stack (appstack.c): 1 MiB by default, and this code
 * runs on it; 768 KiB of recursion would overflow the 64 KiB main stack. */
static bool t_app_stack(void)
{
	uint64_t rsp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	CHECK(appstack_contains(rsp));
	CHECK(appstack_size() == MiB);
	CHECK(!appstack_contains(rsp - appstack_size()));
	unsigned depth = 768;
	uint64_t expect = 1;
	for (unsigned d = 1; d <= depth; d++)
		expect += (d & 0xff) + 1u;
	CHECK(use_stack(depth) == expect);
	return true;
}

static bool t_newlib_malloc(void)
{
	size_t before = libc_heap_size();
	uint64_t owned = frames.count[FRAME_OWNED];
	char *big = malloc(4 * MiB);
	CHECK(big != NULL);
	/* malloc's memory is owned: a hibernation image will carry it. */
	CHECK(frame_get(&frames, (uint64_t)big) == FRAME_OWNED);
	CHECK(frame_get(&frames, (uint64_t)big + 4 * MiB - 1) == FRAME_OWNED);
	CHECK(libc_heap_size() >= before + 4 * MiB);
	CHECK(frames.count[FRAME_OWNED] >= owned + 4 * MiB / PAGE_SIZE);
	memset(big, 0x5a, 4 * MiB);
	CHECK(big[4 * MiB - 1] == 0x5a);
	char *small[100];
	for (int i = 0; i < 100; i++) {
		small[i] = malloc(24 + (size_t)i);
		CHECK(small[i] != NULL);
		snprintf(small[i], 24, "block %d", i);
	}
	CHECK(strcmp(small[99], "block 99") == 0);
	for (int i = 0; i < 100; i++)
		free(small[i]);
	free(big);
	/* newlib trims the top of the heap: the frames go back to free. */
	CHECK(libc_heap_size() < before + MiB);
	CHECK(frames.count[FRAME_OWNED] < owned + MiB / PAGE_SIZE);
	return true;
}

static bool t_newlib_float(void)
{
	char buf[64];
	volatile double x = 2.0;
	double r = sqrt(x);
	CHECK(fabs(r * r - 2.0) < 1e-12);
	snprintf(buf, sizeof(buf), "%.3f %.2e %g", 3.14159265, 12345.678, 0.5);
	CHECK(strcmp(buf, "3.142 1.23e+04 0.5") == 0);
	CHECK(strtod("2.5e3", NULL) == 2500.0);
	CHECK(fabs(sin(M_PI / 2) - 1.0) < 1e-12);
	return true;
}

static bool t_trap_pf(void)
{
	uint64_t err, cr2;
	trap_expect(VEC_PF, (uint64_t)probe_read_fault);
	int faulted = probe_read(0);
	CHECK(trap_expect_hit(&err, &cr2));
	CHECK(faulted == 1);
	CHECK(cr2 == 0);
	CHECK((err & 1) == 0);	/* not-present page */
	return true;
}

static bool t_trap_ud(void)
{
	uint64_t err, cr2;
	trap_expect(VEC_UD, (uint64_t)probe_ud_fault);
	int faulted = probe_ud();
	CHECK(trap_expect_hit(&err, &cr2));
	CHECK(faulted == 1);
	return true;
}

static void clobber_sse(void)
{
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
			 ".irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
			 "movdqa %%xmm0, %%xmm\\r\n\t"
			 ".endr"
			 ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
			 "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static bool t_sse_survives_irq(void)
{
	trap_irq_test_hook = clobber_sse;
	int bad = probe_sse(0x1234567800000000ull, &ticks, 5);
	trap_irq_test_hook = NULL;
	CHECK(bad == 0);
	return true;
}

extern const struct ktest __ktest_start[], __ktest_end[];

static const struct ktest tests[] = {
	{ "frame_rules", t_frame_rules },
	{ "frame_owned_enum", t_frame_owned_enum },
	{ "kernel_heap", t_kernel_heap },
	{ "timer_progress", t_timer_progress },
	{ "clock_monotonic", t_clock_monotonic },
	{ "newlib_printf", t_newlib_printf },
	{ "newlib_c99_formats", t_newlib_c99_formats },
	{ "newlib_malloc", t_newlib_malloc },
	{ "newlib_float", t_newlib_float },
	{ "trap_pf", t_trap_pf },
	{ "trap_ud", t_trap_ud },
	{ "sse_survives_irq", t_sse_survives_irq },
	{ "app_stack", t_app_stack },
};

static int run_one(const struct ktest *t, size_t n)
{
	bool ok = t->fn();
	fflush(stdout);
	kprintf("%sok %zu %s\n", ok ? "" : "not ", n, t->name);
	return !ok;
}

/* The kernel's own tests, then those other layers added with KTEST(). */
void selftest_run(void)
{
	size_t nextra = (size_t)(__ktest_end - __ktest_start);
	size_t total = ARRAY_SIZE(tests) + nextra, n = 0;
	int failed = 0;

	kprintf("KTAP version 1\n1..%zu\n", total);
	for (size_t i = 0; i < ARRAY_SIZE(tests); i++)
		failed += run_one(&tests[i], ++n);
	for (const struct ktest *t = __ktest_start; t < __ktest_end; t++)
		failed += run_one(t, ++n);
	kprintf("# selftest: %zu passed, %d failed\n", total - (size_t)failed, failed);
	kernel_exit(failed ? 1 : 0);
}
