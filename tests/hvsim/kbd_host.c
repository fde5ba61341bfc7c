/*
 * kbd_host.c - the host's side of the synthetic keyboard
 * (hv-vsc-protocols.md section 4): it accepts protocol 1.0 (and only
 * that, as OpenVMM) with an in-band PROTOCOL_RESPONSE, then types what
 * the administrator gives `key`: per character a make and a break event
 * of its set-1 scan code, with left shift around it when the US layout
 * needs it, and Enter at the end.
 */
#include <string.h>

#include "devhost.h"
#include "hvsim.h"
#include "vmbus_defs.h"
#include "vmbus_host.h"

/* The host's copy of section 4 */
#define KB_PROTOCOL_REQUEST	1
#define KB_PROTOCOL_RESPONSE	2
#define KB_EVENT		3
#define KB_VERSION		0x00010000u
#define KB_BREAK		0x2u
#define SC_SHIFT		0x2a
#define SC_ENTER		0x1c

#define K	(vbhost->kbd)

/* ASCII to scan code set 1, US layout; bit 8: with shift. */
#define S(code)	((code) | 0x100)
static const uint16_t scan[128] = {
	['1'] = 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, ['0'] = 0x0b,
	['-'] = 0x0c, ['='] = 0x0d, ['\t'] = 0x0f, ['q'] = 0x10, ['w'] = 0x11, ['e'] = 0x12,
	['r'] = 0x13, ['t'] = 0x14, ['y'] = 0x15, ['u'] = 0x16, ['i'] = 0x17, ['o'] = 0x18,
	['p'] = 0x19, ['['] = 0x1a, [']'] = 0x1b, ['a'] = 0x1e, ['s'] = 0x1f, ['d'] = 0x20,
	['f'] = 0x21, ['g'] = 0x22, ['h'] = 0x23, ['j'] = 0x24, ['k'] = 0x25, ['l'] = 0x26,
	[';'] = 0x27, ['\''] = 0x28, ['`'] = 0x29, ['\\'] = 0x2b, ['z'] = 0x2c, ['x'] = 0x2d,
	['c'] = 0x2e, ['v'] = 0x2f, ['b'] = 0x30, ['n'] = 0x31, ['m'] = 0x32, [','] = 0x33,
	['.'] = 0x34, ['/'] = 0x35, [' '] = 0x39,
	['!'] = S(0x02), ['@'] = S(0x03), ['#'] = S(0x04), ['$'] = S(0x05), ['%'] = S(0x06),
	['^'] = S(0x07), ['&'] = S(0x08), ['*'] = S(0x09), ['('] = S(0x0a), [')'] = S(0x0b),
	['_'] = S(0x0c), ['+'] = S(0x0d), ['{'] = S(0x1a), ['}'] = S(0x1b), [':'] = S(0x27),
	['"'] = S(0x28), ['~'] = S(0x29), ['|'] = S(0x2b), ['<'] = S(0x33), ['>'] = S(0x34),
	['?'] = S(0x35),
};

static struct vbh_chan *chan(void)
{
	struct vbh_chan *c = vbh_find("keyboard");
	return c && c->state == VBH_OPEN && K.accepted ? c : NULL;
}

static int event(struct vbh_chan *c, uint16_t code, uint32_t info)
{
	uint8_t m[12];
	memset(m, 0, sizeof(m));
	vbh_put32(m, 0, KB_EVENT);
	vbh_put16(m, 4, code);
	vbh_put32(m, 8, info);
	if (vbh_ring_write(c, VB_PKT_INBAND, 0, 0, m, sizeof(m)) != 0)
		return -1;
	K.events_sent++;
	return 0;
}

static int key(struct vbh_chan *c, uint16_t code, bool shift)
{
	if (shift && event(c, SC_SHIFT, 0))
		return -1;
	if (event(c, code, 0) || event(c, code, KB_BREAK))
		return -1;
	return shift ? event(c, SC_SHIFT, KB_BREAK) : 0;
}

int kbd_type(const char *text)
{
	struct vbh_chan *c = chan();
	if (!c)
		return -1;
	for (; *text; text++) {
		unsigned ch = (unsigned char)*text;
		bool upper = ch >= 'A' && ch <= 'Z';
		uint16_t s = ch < 128 ? scan[upper ? ch - 'A' + 'a' : ch] : 0;
		if (!s)
			continue;	/* no key types it */
		if (key(c, s & 0xff, upper || (s & 0x100)))
			return -1;
	}
	return key(c, SC_ENTER, false);
}

static void packet(struct vbh_chan *c, const uint8_t *pkt, uint32_t len)
{
	uint32_t off = (uint32_t)vbh_get16(pkt, 2) * 8, n = len - off;
	const uint8_t *m = pkt + off;
	if (vbh_get16(pkt, 0) != VB_PKT_INBAND || n < 8 || vbh_get32(m, 0) != KB_PROTOCOL_REQUEST) {
		K.bad++;
		if (vbhost->log)
			vbhost->log("keyboard host: dropped a packet that is not PROTOCOL_REQUEST");
		return;
	}
	K.requests++;
	uint8_t r[8];
	vbh_put32(r, 0, KB_PROTOCOL_RESPONSE);
	K.accepted = vbh_get32(m, 4) == KB_VERSION;
	vbh_put32(r, 4, K.accepted);
	vbh_ring_write(c, VB_PKT_INBAND, 0, 0, r, sizeof(r));
}

static void opened(struct vbh_chan *c)
{
	(void)c;
	K.accepted = false;
}

const struct vbh_ops kbd_backend = { .opened = opened, .packet = packet };

/* An EVENT cut to 6 bytes. */
void kbd_fault_short(void)
{
	struct vbh_chan *c = chan();
	uint8_t m[8] = { KB_EVENT, 0, 0, 0, 0x1e, 0 };
	if (c)
		vbh_ring_write(c, VB_PKT_INBAND, 0, 0, m, 6);
}

/* A message of a type the protocol does not have. */
void kbd_fault_type(void)
{
	struct vbh_chan *c = chan();
	uint8_t m[12] = { 99 };
	if (c)
		vbh_ring_write(c, VB_PKT_INBAND, 0, 0, m, sizeof(m));
}
