/*
 * serial.c - COM1, a 16550-compatible UART at I/O port 0x3f8.
 * Register offsets and bits: National Semiconductor PC16550D data sheet.
 * Hyper-V Gen2 and QEMU both provide COM1 at the legacy port.
 *
 * Nobody may be draining COM1: a Hyper-V named pipe without a client, a
 * stopped terminal, a QEMU chardev whose reader does not read.  The
 * transmitter then never empties, and waiting for it per character would
 * freeze the kernel (console writes run with interrupts off).  So a stall
 * gets one short grace; after that COM1 is "stuck" and its output is
 * counted and dropped (the framebuffer console still gets everything)
 * until the transmitter is seen empty again, when the count is reported
 * once on COM1 and output resumes.
 */
#include "cpu.h"
#include "fmt.h"
#include "kernel.h"

#define COM1		0x3f8
#define UART_DATA	0	/* RBR / THR; DLL when DLAB */
#define UART_IER	1	/* DLM when DLAB */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_SCR	7
#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS	0x03
#define LSR_DATA_READY	0x01
#define LSR_THR_EMPTY	0x20
#define BAUD_DIVISOR	1	/* 115200 baud */

/* A 16-byte FIFO at 115200 baud empties in 1.4 ms; 20 ms of no progress
 * means nobody is reading. */
#define GRACE_US	20000
/* Before the TSC is calibrated, assume a fast one: the grace can only
 * come out shorter than GRACE_US, never longer. */
#define TSC_HZ_GUESS	5000000000ull

static bool present;
static bool stuck;
static uint64_t dropped;	/* characters dropped since COM1 got stuck */

void serial_init(void)
{
	/* The scratch register tells whether a UART is there at all. */
	outb(COM1 + UART_SCR, 0x5a);
	if (inb(COM1 + UART_SCR) != 0x5a)
		return;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DATA, BAUD_DIVISOR & 0xff);
	outb(COM1 + UART_IER, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
	present = true;
}

static bool thr_empty(void)
{
	return inb(COM1 + UART_LSR) & LSR_THR_EMPTY;
}

/* Wait up to the grace for room in the transmitter. */
static bool wait_thr_empty(void)
{
	if (thr_empty())
		return true;
	uint64_t hz = tsc_hz ? tsc_hz : TSC_HZ_GUESS;
	uint64_t end = rdtsc() + hz / 1000000 * GRACE_US;
	while (rdtsc() < end) {
		if (thr_empty())
			return true;
		pause();
	}
	return false;
}

static void put(char c);

/* COM1 drains again: say once what it missed.  The count is taken first,
 * so a new stall during the notice starts a new count. */
static void report_dropped(void)
{
	char msg[96];
	uint64_t n = dropped;

	dropped = 0;
	int len = ksnprintf(msg, sizeof(msg),
			    "\r\nserial: %llu characters dropped while COM1 was not draining\r\n",
			    (unsigned long long)n);
	for (int i = 0; i < len && i < (int)sizeof(msg) - 1; i++)
		put(msg[i]);
}

static void put(char c)
{
	if (stuck) {
		/* One look, no waiting, until the transmitter empties. */
		if (!thr_empty()) {
			dropped++;
			return;
		}
		stuck = false;
		report_dropped();
		if (stuck) {
			dropped++;
			return;
		}
	} else if (!wait_thr_empty()) {
		stuck = true;
		dropped++;
		return;
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put('\r');
		put(s[i]);
	}
}

int serial_getc(void)
{
	if (!present || !(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}
