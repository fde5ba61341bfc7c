/*
 * fuzz_buf.h - a buffer a harness reuses from input to input, which
 * AddressSanitizer sees as a heap block of exactly the size last asked
 * for: the bytes before it and past that size are poisoned.  For blocks
 * whose malloc and free per input (fresh pages, the allocator's
 * quarantine) cost more than the parser under test.
 *
 * Poisoning moves only between the old and the new size, so a get costs
 * what the change of size costs.  The contents are whatever the last
 * input left: callers fill what they hand to the parser.
 */
#ifndef FUZZ_BUF_H
#define FUZZ_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sanitizer/asan_interface.h>

#define FBUF_GUARD	64	/* poisoned bytes in front */

struct fbuf {
	size_t cap;		/* set by the harness: the largest size asked */
	uint8_t *mem;
	size_t size;
};

__attribute__((no_sanitize("coverage"), noinline))
static inline uint8_t *fbuf_get(struct fbuf *b, size_t size)
{
	if (size > b->cap)
		abort();
	if (!b->mem) {
		b->mem = aligned_alloc(4096, (FBUF_GUARD + b->cap + 4095) / 4096 * 4096);
		if (!b->mem)
			abort();
		ASAN_POISON_MEMORY_REGION(b->mem, FBUF_GUARD + b->cap);
		b->size = 0;
	}
	uint8_t *p = b->mem + FBUF_GUARD;
	if (size > b->size)
		ASAN_UNPOISON_MEMORY_REGION(p + b->size, size - b->size);
	else if (size < b->size)
		ASAN_POISON_MEMORY_REGION(p + size, b->size - size);
	b->size = size;
	return p;
}

#endif
