/* Host tests for drivers/kbd_decode.c: scan-code set 1 to characters,
 * US layout, with the byte sequences written from the PC scan-code
 * tables (make = code, break = code | 0x80, 0xE0 / 0xE1 prefixes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../drivers/kbd.h"
#include "../../drivers/kbd_wire.h"

/* Feed bytes; return what they typed as a string (-1s skipped). */
static const char *typed(struct kbd_state *s, const uint8_t *b, size_t n)
{
	static char out[64];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int c = kbd_decode_byte(s, b[i]);
		if (c >= 0 && k < sizeof(out) - 1)
			out[k++] = (char)c;
	}
	out[k] = 0;
	return out;
}
#define TYPED(s, ...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; typed(s, b_, sizeof(b_)); })

static void letters_digits_and_enter(void **state)
{
	(void)state;
	struct kbd_state s = { 0 };
	/* h e l p Enter, each pressed and released */
	assert_string_equal(TYPED(&s, 0x23, 0xa3, 0x12, 0x92, 0x26, 0xa6, 0x19, 0x99, 0x1c, 0x9c),
			    "help\r");
	assert_string_equal(TYPED(&s, 0x02, 0x82, 0x0b, 0x8b, 0x39, 0xb9, 0x0e, 0x0f, 0x01),
			    "10 \x7f\t\x1b");
	/* a release alone types nothing; codes past the table neither */
	assert_string_equal(TYPED(&s, 0x9e, 0x3b, 0x58, 0x7f), "");
}

static void shift_both_sides_and_release(void **state)
{
	(void)state;
	struct kbd_state s = { 0 };
	/* LShift a 1 /, release, a */
	assert_string_equal(TYPED(&s, 0x2a, 0x1e, 0x02, 0x35, 0xaa, 0x1e), "A!?a");
	/* RShift ' ` , held across, released */
	assert_string_equal(TYPED(&s, 0x36, 0x28, 0x29, 0x33, 0xb6, 0x28), "\"~<'");
	/* both shifts: releasing one keeps the other */
	assert_string_equal(TYPED(&s, 0x2a, 0x36, 0xaa, 0x10, 0xb6, 0x10), "Qq");
}

static void caps_lock_letters_only(void **state)
{
	(void)state;
	struct kbd_state s = { 0 };
	/* Caps on (make toggles, break does not) */
	assert_string_equal(TYPED(&s, 0x3a, 0xba, 0x1e, 0x02, 0x1a), "A1[");
	/* Caps + Shift: lower-case letters, shifted others */
	assert_string_equal(TYPED(&s, 0x2a, 0x1e, 0x02, 0xaa), "a!");
	/* Caps off again */
	assert_string_equal(TYPED(&s, 0x3a, 0xba, 0x1e), "a");
}

static void control(void **state)
{
	(void)state;
	struct kbd_state s = { 0 };
	/* LCtrl c, LCtrl [, release, c */
	assert_string_equal(TYPED(&s, 0x1d, 0x2e, 0x1a, 0x9d, 0x2e), "\x03\x1b" "c");
	/* right Ctrl (E0 1D) d, released with E0 9D */
	assert_string_equal(TYPED(&s, 0xe0, 0x1d, 0x20, 0xe0, 0x9d, 0x20), "\x04" "d");
	/* Ctrl 2 is NUL */
	const uint8_t nul[] = { 0x1d, 0x03 };
	assert_int_equal(kbd_decode_byte(&s, nul[0]), -1);
	assert_int_equal(kbd_decode_byte(&s, nul[1]), 0);
}

static void e0_and_e1_prefixes(void **state)
{
	(void)state;
	struct kbd_state s = { 0 };
	/* keypad Enter and /; cursor up (E0 48) types nothing; the E0
	 * applies to one byte only: 48 after it is keypad 8 */
	assert_string_equal(TYPED(&s, 0xe0, 0x1c, 0xe0, 0x9c, 0xe0, 0x35, 0xe0, 0x48, 0xe0, 0xc8,
				  0x48), "\r/8");
	/* the fake shift around cursor keys (E0 2A) does not shift */
	assert_string_equal(TYPED(&s, 0xe0, 0x2a, 0xe0, 0x47, 0x1e), "a");
	/* Pause: E1 1D 45 E1 9D C5 types nothing and leaves Ctrl up */
	assert_string_equal(TYPED(&s, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x2e), "c");
}

/* The synthetic keyboard's events become the same bytes (4). */
static void events_with_flags(void **state)
{
	(void)state;
	struct kbd_state s = { 0 };
	assert_int_equal(kbd_decode_event(&s, 0x2a, 0), -1);
	assert_int_equal(kbd_decode_event(&s, 0x23, 0), 'H');
	assert_int_equal(kbd_decode_event(&s, 0x23, KBD_INFO_BREAK), -1);
	assert_int_equal(kbd_decode_event(&s, 0x2a, KBD_INFO_BREAK), -1);
	assert_int_equal(kbd_decode_event(&s, 0x1c, KBD_INFO_E0), '\r');
	assert_int_equal(kbd_decode_event(&s, 0x48, KBD_INFO_E0), -1);
	/* Pause as events: E1 1D, then 45 */
	assert_int_equal(kbd_decode_event(&s, 0x1d, KBD_INFO_E1), -1);
	assert_int_equal(kbd_decode_event(&s, 0x45, 0), -1);
	assert_false(s.ctrl_l);
	/* a code with bit 7 set by the host is taken as its 7 bits */
	assert_int_equal(kbd_decode_event(&s, 0x9e, 0), 'a');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(letters_digits_and_enter),
		cmocka_unit_test(shift_both_sides_and_release),
		cmocka_unit_test(caps_lock_letters_only),
		cmocka_unit_test(control),
		cmocka_unit_test(e0_and_e1_prefixes),
		cmocka_unit_test(events_with_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
