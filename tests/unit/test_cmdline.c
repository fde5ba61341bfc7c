/* Host tests for kernel/cmdline.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
	assert_string_equal(o.warn[1], "test=1");	/* a flag takes no value */
	assert_string_equal(o.warn[2], "crash");	/* a value option needs one */
	assert_false(o.test);
	assert_string_equal(o.hz, "100");
	/* Only the first few warnings are kept; parsing goes on. */
	cmdline_parse("a b c d e f nofb", &o);
	assert_int_equal(o.nwarn, 4);
	assert_true(o.nofb);
}

static void long_values_are_cut_not_overflowed(void **state)
{
	(void)state;
	char line[CMDLINE_MAX];
	memset(line, 0, sizeof(line));
	strcpy(line, "crash=");
	memset(line + 6, 'x', 100);
	cmdline_parse(line, &o);
	assert_int_equal(strlen(o.crash), CMDLINE_VALUE_MAX - 1);
}

static void too_many_args_are_capped(void **state)
{
	(void)state;
	char line[CMDLINE_MAX] = "--";
	for (int i = 0; i < 50; i++)
		strcat(line, " a");
	cmdline_parse(line, &o);
	assert_int_equal(o.argc, CMDLINE_MAX_ARGS);
	assert_null(o.argv[CMDLINE_MAX_ARGS]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_and_app_args),
		cmocka_unit_test(empty_and_spaces),
		cmocka_unit_test(unknown_and_misused_options_warn),
		cmocka_unit_test(long_values_are_cut_not_overflowed),
		cmocka_unit_test(too_many_args_are_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
