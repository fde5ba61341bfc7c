/*
 * fbcon.c - text console on the GOP linear framebuffer.
 *
 * 8x16 glyphs (font_glyphs, generated at build time from a Debian console
 * font), light grey on black, scrolling by moving the pixel rows up.
 * Understands \n, \r and \b; everything else is drawn as Latin-1.
 */
#include <string.h>

#include "kernel.h"

#define GLYPH_W	8
#define GLYPH_H	16
#define FG_RGB	0xc0c0c0u
#define BG_RGB	0x000000u

extern const uint8_t font_glyphs[256][16];

static struct {
	uint32_t *base;
	uint32_t width, height, stride;
	uint32_t cols, rows;
	uint32_t col, row;
	uint32_t fg, bg;
} fb;

static uint32_t pixel(uint32_t rgb, uint32_t format)
{
	if (format == BOOTINFO_FB_RGBX)	/* byte 0 red */
		return ((rgb >> 16) & 0xff) | (rgb & 0xff00) | ((rgb & 0xff) << 16);
	return rgb;			/* BGRX: 0x00RRGGBB as a little-endian word */
}

bool fbcon_init(const struct bootinfo_fb *f)
{
	if (f->format == BOOTINFO_FB_NONE || f->width < GLYPH_W || f->height < GLYPH_H)
		return false;
	fb.base = (uint32_t *)(uintptr_t)f->base;
	fb.width = f->width;
	fb.height = f->height;
	fb.stride = f->stride;
	fb.cols = f->width / GLYPH_W;
	fb.rows = f->height / GLYPH_H;
	fb.fg = pixel(FG_RGB, f->format);
	fb.bg = pixel(BG_RGB, f->format);
	for (uint32_t y = 0; y < fb.height; y++)
		for (uint32_t x = 0; x < fb.width; x++)
			fb.base[y * fb.stride + x] = fb.bg;
	return true;
}

static void draw(uint32_t col, uint32_t row, uint8_t c)
{
	const uint8_t *g = font_glyphs[c];
	uint32_t *p = fb.base + row * GLYPH_H * fb.stride + col * GLYPH_W;
	for (int y = 0; y < GLYPH_H; y++, p += fb.stride)
		for (int x = 0; x < GLYPH_W; x++)
			p[x] = (g[y] & (0x80 >> x)) ? fb.fg : fb.bg;
}

static void scroll(void)
{
	size_t line = (size_t)fb.stride * GLYPH_H;
	memmove(fb.base, fb.base + line, (fb.rows - 1) * line * sizeof(uint32_t));
	uint32_t *last = fb.base + (fb.rows - 1) * line;
	for (size_t i = 0; i < line; i++)
		last[i] = fb.bg;
}

static void newline(void)
{
	fb.col = 0;
	if (++fb.row == fb.rows) {
		scroll();
		fb.row--;
	}
}

void fbcon_write(const char *s, size_t n)
{
	if (!fb.base)
		return;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '\n') {
			newline();
		} else if (c == '\r') {
			fb.col = 0;
		} else if (c == '\b') {
			if (fb.col > 0)
				draw(--fb.col, fb.row, ' ');
		} else {
			if (fb.col == fb.cols)
				newline();
			draw(fb.col++, fb.row, c);
		}
	}
}
