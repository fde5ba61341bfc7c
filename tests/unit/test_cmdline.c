/* Host tests for kernel/cmdline.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"

static struct kopts o;

static void options_and_app_args(void **state)
{
	(void)state;
	cmdline_parse("test hz=250 -- --run-for 5 \"hello world\" -- x", &o);
	assert_true(o.test);
	assert_false(o.selftest);
	assert_string_equal(o.hz, "250");
	assert_int_equal(o.argc, 6);
	assert_string_equal(o.argv[0], "dormant");
	assert_string_equal(o.argv[1], "--run-for");
	assert_string_equal(o.argv[2], "5");
	assert_string_equal(o.argv[3], "hello world");
	assert_string_equal(o.argv[4], "--");	/* only the first -- separates */
	assert_string_equal(o.argv[5], "x");
	assert_null(o.argv[6]);
	assert_int_equal(o.nwarn, 0);
}

static void empty_and_spaces(void **state)
{
	(void)state;
	cmdline_parse("", &o);
	assert_int_equal(o.argc, 1);
	assert_null(o.argv[1]);
	cmdline_parse("   selftest    crash=pf   ", &o);
	assert_true(o.selftest);
	assert_true(o.test);	/* selftest implies test mode */
	assert_string_equal(o.crash, "pf");
	assert_int_equal(o.argc, 1);
}

static void unknown_and_misused_options_warn(void **state)
{
	(void)state;
	cmdline_parse("bogus test=1 crash hz=100 --", &o);
	assert_int_equal(o.nwarn, 3);
	assert_string_equal(o.warn[0], "bogus");
	assert_string_equal(o.why[0], "unknown option");
	assert_string_equal(o.warn[1], "test=1");
	assert_string_equal(o.why[1], "a flag takes no value");
	assert_string_equal(o.warn[2], "crash");
	assert_string_equal(o.why[2], "needs a value (NAME=VALUE)");
	assert_false(o.test);
	assert_string_equal(o.crash, "");
	assert_string_equal(o.hz, "100");
	/* The first four are kept, every one is counted; parsing goes on. */
	cmdline_parse("a b c d e f nofb", &o);
	assert_int_equal(o.nwarn, 6);
	assert_string_equal(o.warn[3], "d");
	assert_true(o.nofb);
}

static void long_values_are_refused_not_cut(void **state)
{
	(void)state;
	char line[CMDLINE_MAX];
	memset(line, 0, sizeof(line));
	strcpy(line, "crash=");
	/* The longest value that fits is kept whole ... */
	memset(line + 6, 'x', CMDLINE_VALUE_MAX - 1);
	cmdline_parse(line, &o);
	assert_int_equal(o.nwarn, 0);
	assert_int_equal(strlen(o.crash), CMDLINE_VALUE_MAX - 1);
	/* ... one more character and it is refused with its reason. */
	line[6 + CMDLINE_VALUE_MAX - 1] = 'x';
	cmdline_parse(line, &o);
	assert_int_equal(o.nwarn, 1);
	assert_string_equal(o.why[0], "value too long");
	assert_string_equal(o.crash, "");
}

static void too_many_args_are_capped_and_counted(void **state)
{
	(void)state;
	char line[CMDLINE_MAX] = "--";
	for (int i = 0; i < 50; i++)
		strcat(line, " a");
	cmdline_parse(line, &o);
	assert_int_equal(o.argc, CMDLINE_MAX_ARGS);
	assert_null(o.argv[CMDLINE_MAX_ARGS]);
	/* argv[0] is "dormant": 31 of the 50 fit. */
	assert_int_equal(o.dropped_args, 50 - (CMDLINE_MAX_ARGS - 1));
	cmdline_parse("-- a", &o);
	assert_int_equal(o.dropped_args, 0);
}

static void numbers_are_parsed_whole_and_range_checked(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(cmdline_number("50", 10, 10000, &v), 0);
	assert_int_equal(v, 50);
	assert_int_equal(cmdline_number("10", 10, 10000, &v), 0);	/* both ends */
	assert_int_equal(v, 10);
	assert_int_equal(cmdline_number("10000", 10, 10000, &v), 0);
	assert_int_equal(v, 10000);
	v = 7;
	assert_int_equal(cmdline_number("9", 10, 10000, &v), CMDLINE_OUT_OF_RANGE);
	assert_int_equal(cmdline_number("10001", 10, 10000, &v), CMDLINE_OUT_OF_RANGE);
	assert_int_equal(cmdline_number("50x", 10, 10000, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(cmdline_number("x50", 10, 10000, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(cmdline_number("", 10, 10000, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(cmdline_number("-50", 10, 10000, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(cmdline_number("+50", 10, 10000, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(cmdline_number(" 50", 10, 10000, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(v, 7);		/* untouched on every refusal */
	assert_int_equal(cmdline_number("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cmdline_number("18446744073709551616", 0, UINT64_MAX, &v),
			 CMDLINE_OUT_OF_RANGE);
	assert_int_equal(cmdline_number("99999999999999999999x", 0, UINT64_MAX, &v),
			 CMDLINE_NOT_A_NUMBER);
}

static void sizes_take_a_suffix(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(cmdline_size("4096", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cmdline_size("64K", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 64 << 10);
	assert_int_equal(cmdline_size("8M", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 8 << 20);
	assert_int_equal(cmdline_size("1g", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(cmdline_size("1G", 0, 1ull << 30, &v), 0);	/* exact max */
	assert_int_equal(cmdline_size("1025M", 0, 1ull << 30, &v), CMDLINE_OUT_OF_RANGE);
	assert_int_equal(cmdline_size("63K", 64 << 10, 1ull << 30, &v), CMDLINE_OUT_OF_RANGE);
	assert_int_equal(cmdline_size("8MB", 0, UINT64_MAX, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(cmdline_size("M", 0, UINT64_MAX, &v), CMDLINE_NOT_A_NUMBER);
	assert_int_equal(cmdline_size("", 0, UINT64_MAX, &v), CMDLINE_NOT_A_NUMBER);
	/* A shift must not wrap: 2^54 M is past 2^64. */
	assert_int_equal(cmdline_size("18014398509481984M", 0, UINT64_MAX, &v),
			 CMDLINE_OUT_OF_RANGE);
	assert_int_equal(cmdline_size("17592186044415M", 0, UINT64_MAX, &v), 0);
	assert_true(v == 17592186044415ull << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_and_app_args),
		cmocka_unit_test(empty_and_spaces),
		cmocka_unit_test(unknown_and_misused_options_warn),
		cmocka_unit_test(long_values_are_refused_not_cut),
		cmocka_unit_test(too_many_args_are_capped_and_counted),
		cmocka_unit_test(numbers_are_parsed_whole_and_range_checked),
		cmocka_unit_test(sizes_take_a_suffix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
