/*
 * image_csum.c - XXH64 over the image (image_csum.h).
 *
 * xxHash comes from Debian's libxxhash-dev header, compiled in (issue 10):
 * XXH64 only (the unused XXH3 is static and dropped), no allocation, the same way boot/elfimage.c uses it.
 */
#include "image_csum.h"

#include <string.h>

#define XXH_INLINE_ALL
#define XXH_VECTOR	0	/* XXH_SCALAR (XXH_NO_XXH3 breaks INLINE_ALL in 0.8.1) */
#include <xxhash.h>

_Static_assert(sizeof(XXH64_state_t) <= sizeof(((struct img_csum *)0)->state),
	       "img_csum holds an XXH64 state");
_Static_assert(_Alignof(XXH64_state_t) <= 8, "img_csum alignment");

void img_csum_init(struct img_csum *c)
{
	XXH64_reset((XXH64_state_t *)c->state, 0);
}

void img_csum_add(struct img_csum *c, const void *p, size_t n)
{
	XXH64_update((XXH64_state_t *)c->state, p, n);
}

uint64_t img_csum_end(const struct img_csum *c)
{
	return XXH64_digest((const XXH64_state_t *)c->state);
}

uint64_t img_hash(const void *p, size_t n, uint64_t seed)
{
	return XXH64(p, n, seed);
}

/* The header's hash seeds the payload's: two calls, no streaming state. */
uint64_t img_record_csum(const struct img_record *r, const void *payload)
{
	uint64_t seed = XXH64(r, offsetof(struct img_record, csum), 0);
	return XXH64(payload, r->len, seed);
}

uint64_t img_header_csum(const void *area)
{
	const unsigned char *a = area;
	const size_t at = offsetof(struct img_header, header_csum);
	const uint64_t zero = 0;
	XXH64_state_t s;

	XXH64_reset(&s, 0);
	XXH64_update(&s, a, at);
	XXH64_update(&s, &zero, sizeof(zero));
	XXH64_update(&s, a + at + 8, IMG_HEADER_AREA - at - 8);
	return XXH64_digest(&s);
}
