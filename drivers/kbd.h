/*
 * kbd.h - keyboards: the scan-code decoder (kbd_decode.c, pure) and the
 * Hyper-V synthetic keyboard driver (hv_kbd.c).
 */
#ifndef DORMANT_KBD_H
#define DORMANT_KBD_H

#include <stdbool.h>
#include <stdint.h>

/* The decoder's state: modifiers held, caps lock, a pending prefix. */
struct kbd_state {
	bool shift_l, shift_r, ctrl_l, ctrl_r, caps;
	bool e0;		/* the previous byte was 0xE0 */
	uint8_t e1_left;	/* bytes of an 0xE1 sequence still to skip */
};

/* One byte of PC scan-code set 1 (as an XT-translating i8042 gives):
 * the character it types with a US layout, or -1 (a prefix, a release,
 * a modifier, a key without a character). */
int kbd_decode_byte(struct kbd_state *s, uint8_t b);
/* One synthetic-keyboard keystroke (4): the bytes Linux's driver would
 * feed its i8042 layer, decoded; the character or -1. */
int kbd_decode_event(struct kbd_state *s, uint16_t make_code, uint32_t info);

#endif
