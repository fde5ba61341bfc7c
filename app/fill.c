/*
 * fill.c - the demo's bulk state (fill.h).
 *
 * Half pseudo-random bytes, half a repeated 75-byte line of text, in
 * alternating 64 KiB chunks: the text compresses well, the random bytes
 * not at all, so an image of it shows what LZ4 does with both.  Every
 * fill draws new random bytes (the seed moves on), so two fills of the
 * same size have different checksums.
 */
#include <stdlib.h>
#include <string.h>

#include "fill.h"

#define CHUNK	(64u * 1024)
#define MIB	(1024ul * 1024)

static const char line[] =
	"dormant keeps this line across hibernation; the counter says how long. 012\n";
_Static_assert(sizeof(line) - 1 == 75, "a 75-byte line");

static struct {
	uint8_t *data;
	unsigned long mib;
	uint64_t seed;
} fs = { NULL, 0, 0x9e3779b97f4a7c15ull };

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int fill_build(unsigned long mib)
{
	uint8_t *p = NULL;
	if (mib) {
		p = malloc(mib * MIB);
		if (!p)
			return -1;
	}
	free(fs.data);
	fs.data = p;
	fs.mib = mib;
	fs.seed += 0x9e3779b97f4a7c15ull;
	uint64_t s = fs.seed;
	for (size_t off = 0; off < mib * MIB; off += CHUNK) {
		uint8_t *c = p + off;
		if ((off / CHUNK) % 2 == 0) {
			for (size_t i = 0; i < CHUNK; i += 8) {
				uint64_t r = xorshift(&s);
				memcpy(c + i, &r, 8);
			}
		} else {
			for (size_t i = 0; i < CHUNK; i++)
				c[i] = (uint8_t)line[(off + i) % 75];
		}
	}
	return 0;
}

unsigned long fill_mib(void)
{
	return fs.mib;
}

uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* FNV-1a's step over 64-bit words (the state is whole MiB): eight
 * times fewer rounds than bytes, under an emulated CPU too. */
uint64_t fill_hash(uint64_t h)
{
	h = fnv1a(h, &fs.mib, sizeof(fs.mib));
	const uint64_t *w = (const uint64_t *)fs.data;
	for (size_t i = 0; i < fs.mib * MIB / 8; i++) {
		h ^= w[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
