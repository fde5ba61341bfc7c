/*
 * input.c - console input that does not come from COM1: a small queue
 * that a keyboard driver fills from interrupt context (the Hyper-V
 * synthetic keyboard, drivers/hv_kbd.c) and console_getc() drains beside
 * the serial port.  Gen2 VMs have no PS/2 and often no serial pipe, so
 * this is how a person at the VM's console types.
 *
 * One producer (an interrupt handler, or the same handler polled with
 * interrupts off) and one consumer (the kernel's context): each side
 * moves only its own index, and the indices are read and written whole.
 * A full queue drops the new byte and counts it.
 */
#include "kernel.h"

#define INPUT_QUEUE	256	/* a power of two */

static struct {
	volatile uint8_t buf[INPUT_QUEUE];
	volatile uint32_t head, tail;	/* head: next write, tail: next read */
	uint64_t dropped;
} q;

void input_push(char c)
{
	uint32_t h = q.head;
	if (h - q.tail >= INPUT_QUEUE) {
		q.dropped++;
		return;
	}
	q.buf[h % INPUT_QUEUE] = (uint8_t)c;
	__atomic_store_n(&q.head, h + 1, __ATOMIC_RELEASE);
}

int input_pop(void)
{
	uint32_t t = q.tail;
	if (__atomic_load_n(&q.head, __ATOMIC_ACQUIRE) == t)
		return -1;
	int c = q.buf[t % INPUT_QUEUE];
	__atomic_store_n(&q.tail, t + 1, __ATOMIC_RELEASE);
	return c;
}

uint64_t input_dropped(void)
{
	return q.dropped;
}
