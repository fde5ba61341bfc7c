/*
 * fill.h - the demo's bulk state (fill.c): N MiB that a hibernation must
 * keep, and a checksum of it.
 */
#ifndef DORMANT_APP_FILL_H
#define DORMANT_APP_FILL_H

#include <stddef.h>
#include <stdint.h>

/* Replace the state by mib MiB: 0, or -1 when malloc cannot give it
 * (the old state is kept). */
int fill_build(unsigned long mib);
unsigned long fill_mib(void);
/* FNV-1a's step over the state's 64-bit words, continuing from h. */
uint64_t fill_hash(uint64_t h);
uint64_t fnv1a(uint64_t h, const void *p, size_t n);
#define FNV_OFFSET	0xcbf29ce484222325ull

#endif
