/*
 * kbd_decode.c - PC scan-code set 1 to characters, US layout.
 *
 * A key's make code is 0x01..0x58; its break (release) is the same code
 * with bit 7 set.  0xE0 announces one extended key (keypad Enter and /,
 * right Ctrl and Alt, the cursor block); 0xE1 announces the two-byte
 * Pause sequence, which types nothing.  Shift gives the second column;
 * caps lock flips letters only; control turns @..._ and letters into
 * 0x00..0x1f.  Keys with no character (F-keys, cursor keys) give -1.
 */
#include "kbd.h"
#include "kbd_wire.h"

#define SC_BREAK	0x80u
#define SC_E0		0xe0u
#define SC_E1		0xe1u
#define SC_LCTRL	0x1du
#define SC_LSHIFT	0x2au
#define SC_RSHIFT	0x36u
#define SC_CAPS		0x3au
#define SC_ENTER	0x1cu
#define SC_SLASH	0x35u
#define E1_SEQUENCE	2u	/* Pause: E1 1D 45 (and E1 9D C5 on release) */

/* Unshifted and shifted characters by make code (US layout). */
static const char plain[0x59] = {
	[0x01] = 0x1b, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x7f,
	[0x0f] = '\t', 'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r',
	[0x1e] = 'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`',
	[0x2b] = '\\', 'z', 'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/',
	[0x37] = '*', [0x39] = ' ',
	[0x47] = '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.',
};
static const char shifted[0x59] = {
	[0x01] = 0x1b, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x7f,
	[0x0f] = '\t', 'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r',
	[0x1e] = 'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~',
	[0x2b] = '|', 'Z', 'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?',
	[0x37] = '*', [0x39] = ' ',
	[0x47] = '7', '8', '9', '-', '4', '5', '6', '+', '1', '2', '3', '0', '.',
};

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A modifier's state changes on make and break; true if b was one. */
static bool modifier(struct kbd_state *s, uint8_t code, bool down, bool e0)
{
	switch (code) {
	case SC_LSHIFT:
		if (e0)
			return true;	/* fake shift around cursor keys: ignore */
		s->shift_l = down;
		return true;
	case SC_RSHIFT:
		if (e0)
			return true;
		s->shift_r = down;
		return true;
	case SC_LCTRL:
		*(e0 ? &s->ctrl_r : &s->ctrl_l) = down;
		return true;
	case SC_CAPS:
		if (down && !e0)
			s->caps = !s->caps;
		return true;
	}
	return false;
}

int kbd_decode_byte(struct kbd_state *s, uint8_t b)
{
	if (s->e1_left) {
		s->e1_left--;
		return -1;
	}
	if (b == SC_E0) {
		s->e0 = true;
		return -1;
	}
	if (b == SC_E1) {
		s->e0 = false;
		s->e1_left = E1_SEQUENCE;
		return -1;
	}
	bool e0 = s->e0, down = !(b & SC_BREAK);
	uint8_t code = b & (uint8_t)~SC_BREAK;
	s->e0 = false;
	if (modifier(s, code, down, e0) || !down)
		return -1;
	if (e0) {
		/* Of the extended keys only keypad Enter and / type. */
		if (code == SC_ENTER)
			return '\r';
		return code == SC_SLASH ? '/' : -1;
	}
	if (code >= sizeof(plain) || !plain[code])
		return -1;
	bool shift = s->shift_l || s->shift_r;
	char c = shift ? shifted[code] : plain[code];
	if (s->caps && is_letter(c))
		c = shift ? plain[code] : shifted[code];
	if (s->ctrl_l || s->ctrl_r) {
		char u = shifted[code];
		if (is_letter(u) || (u >= '@' && u <= '_'))
			return u & 0x1f;
		if (plain[code] >= '[' && plain[code] <= ']')
			return plain[code] & 0x1f;
	}
	return c;
}

int kbd_decode_event(struct kbd_state *s, uint16_t make_code, uint32_t info)
{
	if (info & KBD_INFO_E0)
		kbd_decode_byte(s, SC_E0);
	if (info & KBD_INFO_E1)
		kbd_decode_byte(s, SC_E1);
	uint8_t b = (uint8_t)(make_code & 0x7f);
	return kbd_decode_byte(s, info & KBD_INFO_BREAK ? b | SC_BREAK : b);
}
