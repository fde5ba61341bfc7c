/*
 * memres.h - fixed physical ranges that are never the guest's RAM
 * (memres.c).
 *
 * An image may declare, at build time, a range of the firmware's usable
 * memory that the kernel must treat as not there: the emulated Hyper-V
 * host's memory in the hvsim test image (tests/hvsim/kglue.c), which a
 * real host keeps outside its guest.  mem_init() takes every declared
 * range out before the frame allocator sees memory, so it is never free,
 * owned or volatile, never in the usable figure, and never part of what
 * hibernation saves or checks.  The range keeps its identity mapping
 * (paging maps the firmware's usable ranges), so its owner reaches it
 * at its physical address from the first instruction on.
 *
 * The table is built by the linker (linker.ld, .memres), like initcalls:
 * the kernel never calls up into the layer that owns a range.
 */
#ifndef DORMANT_MEMRES_H
#define DORMANT_MEMRES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memres {
	const char *name;
	uint64_t base, len;	/* page-aligned */
	/* Run once the range is out of RAM, before the frame allocator is
	 * filled: the owner may set itself up there (no allocation yet). */
	void (*init)(void);
	/* RAM the host holds back at boot and may give the guest later with
	 * a Dynamic Memory hot-add (hv-vsc-protocols.md 3.3): absent until
	 * then, and the only memory a hot-add may bring in, because the
	 * kernel knows it is RAM and identity-mapped. */
	bool hotadd;
};

#define MEMRES(var, name, base, len, init)				\
	static const struct memres __memres_##var			\
	__attribute__((section(".memres"), used, aligned(8))) =	\
		{ name, base, len, init, false }
#define MEMRES_HOTADD(var, name, base, len)				\
	static const struct memres __memres_##var			\
	__attribute__((section(".memres"), used, aligned(8))) =	\
		{ name, base, len, NULL, true }

/* Check every range against the firmware's map and the kernel image
 * (panics with the range and the conflicting entry); returns the bytes
 * they take from usable RAM. */
uint64_t memres_check(void);
/* The lowest range overlapping [base, end), or NULL (mem.c walks them
 * upwards, whatever order they were declared in). */
const struct memres *memres_overlap(uint64_t base, uint64_t end);
/* Is [base, end) wholly inside ranges held back for hot-add? */
bool memres_hotadd_covers(uint64_t base, uint64_t end);
/* Run the ranges' init hooks, in table order. */
void memres_init(void);

#endif
