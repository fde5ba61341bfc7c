/* Host tests for kernel/fmt.c: the kernel's formatting must agree with the
 * C library's printf for everything it supports, truncate safely, and
 * report the full length like snprintf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <string.h>
#include <cmocka.h>

#include "fmt.h"

#define SAME(...)							\
	do {								\
		char a[128], b[128];					\
		int na = ksnprintf(a, sizeof(a), __VA_ARGS__);		\
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);		\
		assert_string_equal(a, b);				\
		assert_int_equal(na, nb);				\
	} while (0)

static void agrees_with_libc(void **state)
{
	(void)state;
	SAME("plain text");
	SAME("%d %i %u", -12345, 0, 4000000000u);
	SAME("%x %X %o", 0xdeadbeefu, 0xabcu, 8);
	SAME("%ld %lu %lx", -1L, (unsigned long)UINT64_MAX, 0x123456789abcUL);
	SAME("%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
	SAME("%zu %zx", (size_t)42, (size_t)255);
	SAME("[%5d] [%-5d] [%05d]", 42, 42, 42);
	SAME("[%016lx] [%4x]", 0x1234UL, 0xabcdefu);
	SAME("[%s] [%8s] [%-8s] [%.3s] [%*s]", "abc", "abc", "abc", "abcdef", 6, "x");
	SAME("[%c] [%3c] [%-3c]", 'a', 'b', 'c');
	SAME("100%%");
	SAME("[%05d]", -42);
	SAME("%hhu %hu %hhd %hd", 300, 70000, 200, 40000);
}

static void edge_cases_agree_with_libc(void **state)
{
	(void)state;
	/* Precision 0 prints nothing of the string; a negative '*'
	 * precision is as if none was given. */
	SAME("[%.0s] [%5.0s] [%.*s] [%.*s]", "abc", "abc", 0, "abc", -1, "abc");
	SAME("[%.1s] [%.3s] [%.4s] [%-6.2s]", "abc", "abc", "abc", "abc");
	/* A negative '*' width means left-justified. */
	SAME("[%*d] [%*s] [%*c] [%*x]", -6, 42, -5, "ab", -3, 'z', -4, 0xau);
	SAME("[%-*d] [%*d] [%*d]", -6, 42, 6, -42, 0, 7);
	/* Long values beyond int range, both signs, every conversion. */
	SAME("%ld %ld %li", 5000000000L, -5000000000L, (long)INT32_MIN - 1);
	SAME("%lu %lx %lX %lo", 4294967296UL, 0x1ffffffffUL, 0xabcdef012UL, 0x200000000UL);
	SAME("%lld %llx %zd %jd %td", (long long)INT64_MAX, 1ULL << 40, (ssize_t)-1,
	     (intmax_t)INT64_MIN, (ptrdiff_t)-3000000000L);
	SAME("[%20ld] [%-20lu] [%020lx]", -9000000000L, 9000000000UL, 0xfedcba987UL);
	/* Widths exactly the length, one less, zero. */
	SAME("[%3d] [%2d] [%0d] [%1s] [%3s]", 123, 123, 5, "abc", "abc");
	SAME("[%05x] [%05u] [%05o] [%-5d]", 0x2a, 42u, 8u, 42);
	/* '-' beats '0' in either order (not checkable at compile time). */
	const char *volatile left_zero = "[%-05d] [%0-5d]";
	char a[32], b[32];
	assert_int_equal(ksnprintf(a, sizeof(a), left_zero, 42, -42),
			 snprintf(b, sizeof(b), left_zero, 42, -42));
	assert_string_equal(a, b);
	SAME("[%d] [%d] [%u] [%x] [%o]", INT32_MIN, 0, 0u, 0u, 0u);
	SAME("[%hhd] [%hd] [%hhx] [%hx]", -129, -32769, 0x1ff, 0x1ffff);
	SAME("[%c%c%c]", 'x', 0x41, '0');
}

static void pointer_widths(void **state)
{
	(void)state;
	char buf[64];
	ksnprintf(buf, sizeof(buf), "[%10p] [%-10p] [%p]", (void *)0xabc, (void *)0xabc,
		  (void *)0xffff800000001000ull);
	assert_string_equal(buf, "[     0xabc] [0xabc     ] [0xffff800000001000]");
}

static void pointers(void **state)
{
	(void)state;
	char buf[64];
	ksnprintf(buf, sizeof(buf), "%p", (void *)0x1000);
	assert_string_equal(buf, "0x1000");
	const char *volatile null = NULL;
	ksnprintf(buf, sizeof(buf), "%s", null);
	assert_string_equal(buf, "(null)");
}

static void truncates_and_counts(void **state)
{
	(void)state;
	char buf[8];
	memset(buf, 'Z', sizeof(buf));
	int n = ksnprintf(buf, 5, "hello world %d", 7);
	assert_int_equal(n, 13);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'Z');	/* nothing written past cap */
	assert_int_equal(ksnprintf(NULL, 0, "%d", 12345), 5);

	/* Exactly fits (length cap - 1), one too many, cap 1. */
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 6, "%s", "abcde"), 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(buf[6], 'Z');
	assert_int_equal(ksnprintf(buf, 6, "%s", "abcdef"), 6);
	assert_string_equal(buf, "abcde");
	assert_int_equal(ksnprintf(buf, 1, "%d", 99), 2);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 'b');		/* untouched from before */
	/* Padding counts too, past the end of the buffer. */
	assert_int_equal(ksnprintf(buf, 4, "%10d|", 1), 11);
	assert_string_equal(buf, "   ");
}

static void odd_formats_do_not_crash(void **state)
{
	(void)state;
	char buf[32];
	const char *volatile fmt = "%q %";	/* not checkable at compile time */
	ksnprintf(buf, sizeof(buf), fmt);
	assert_string_equal(buf, "%q ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(agrees_with_libc),
		cmocka_unit_test(pointers),
		cmocka_unit_test(edge_cases_agree_with_libc),
		cmocka_unit_test(pointer_widths),
		cmocka_unit_test(truncates_and_counts),
		cmocka_unit_test(odd_formats_do_not_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
