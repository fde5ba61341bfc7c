/*
 * console.c - the kernel console: every write goes to COM1 and to the
 * framebuffer console, so a person at either sees the same lines.
 * Writes run with interrupts off so a line from a handler never lands in
 * the middle of another.
 */
#include <stdarg.h>

#include "cpu.h"
#include "kernel.h"

#define EARLY_LOG	8192

static bool fb_on;
/* What was printed before the framebuffer console came up, to replay. */
static char early[EARLY_LOG];
static size_t early_len;

void console_enable_fb(void)
{
	fb_on = true;
	fbcon_write(early, early_len);
}

void console_write(const char *s, size_t n)
{
	uint64_t flags = read_rflags();
	cli();
	serial_write(s, n);
	if (fb_on) {
		fbcon_write(s, n);
	} else {
		for (size_t i = 0; i < n && early_len < EARLY_LOG; i++)
			early[early_len++] = s[i];
	}
	if (flags & RFLAGS_IF)
		sti();
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

/* COM1 first, then what keyboards queued (input.c). */
int console_getc(void)
{
	int c = serial_getc();
	return c >= 0 ? c : input_pop();
}
