/* Host tests for kernel/fmt.c: the kernel's formatting must agree with the
 * C library's printf for everything it supports, truncate safely, and
 * report the full length like snprintf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
		cmocka_unit_test(truncates_and_counts),
		cmocka_unit_test(odd_formats_do_not_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
