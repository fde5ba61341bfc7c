/*
 * heap.c - kernel heap; see heap.h.
 *
 * Each arena is a contiguous region from the page source holding a list of
 * blocks laid end to end.  A block is a 16-byte header and its payload.
 * Freed blocks are merged with free neighbours that follow them, by a walk
 * of their arena from its start (arenas are small and frees rare).
 */
#include "heap.h"

#include <string.h>

#define BLOCK_MAGIC	0x68656170u	/* "heap" */

struct block {
	uint32_t magic;
	uint32_t free;
	uint64_t size;		/* header + payload, multiple of HEAP_ALIGN */
};
_Static_assert(sizeof(struct block) == HEAP_ALIGN, "header keeps alignment");

struct heap_arena {
	struct heap_arena *next;
	uint64_t size;		/* whole arena, header included */
};
_Static_assert(sizeof(struct heap_arena) == HEAP_ALIGN, "header keeps alignment");

#define FIRST(a)	((struct block *)((char *)(a) + sizeof(struct heap_arena)))
#define END(a)		((char *)(a) + (a)->size)
#define NEXT(b)		((struct block *)((char *)(b) + (b)->size))

void heap_init(struct heap *h, void *(*grow)(size_t, void *), void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->grow = grow;
	h->ctx = ctx;
}

static void merge_free(struct heap_arena *a)
{
	for (struct block *b = FIRST(a); (char *)b < END(a); b = NEXT(b)) {
		if (!b->free)
			continue;
		while ((char *)NEXT(b) < END(a) && NEXT(b)->free)
			b->size += NEXT(b)->size;
	}
}

static void *take(struct heap *h, struct heap_arena *a, uint64_t need)
{
	for (struct block *b = FIRST(a); (char *)b < END(a); b = NEXT(b)) {
		if (!b->free || b->size < need)
			continue;
		if (b->size - need >= 2 * sizeof(struct block)) {
			struct block *rest = (struct block *)((char *)b + need);
			rest->magic = BLOCK_MAGIC;
			rest->free = 1;
			rest->size = b->size - need;
			b->size = need;
		}
		b->free = 0;
		h->in_use += b->size - sizeof(*b);
		return b + 1;
	}
	return NULL;
}

static struct heap_arena *add_arena(struct heap *h, uint64_t need)
{
	uint64_t size = need + sizeof(struct heap_arena);
	if (size < HEAP_ARENA_MIN)
		size = HEAP_ARENA_MIN;
	size = (size + 4095) & ~4095ull;
	struct heap_arena *a = h->grow(size, h->ctx);
	if (!a)
		return NULL;
	a->size = size;
	a->next = h->arenas;
	h->arenas = a;
	h->arena_bytes += size;
	struct block *b = FIRST(a);
	b->magic = BLOCK_MAGIC;
	b->free = 1;
	b->size = size - sizeof(*a);
	return a;
}

void *heap_alloc(struct heap *h, size_t n)
{
	if (n == 0 || n > (1ull << 40))
		return NULL;
	uint64_t need = sizeof(struct block) + ((n + HEAP_ALIGN - 1) & ~(uint64_t)(HEAP_ALIGN - 1));

	for (struct heap_arena *a = h->arenas; a; a = a->next) {
		void *p = take(h, a, need);
		if (p)
			return p;
	}
	struct heap_arena *a = add_arena(h, need);
	return a ? take(h, a, need) : NULL;
}

int heap_free(struct heap *h, void *p)
{
	struct block *target = (struct block *)p - 1;

	for (struct heap_arena *a = h->arenas; a; a = a->next) {
		if ((char *)p <= (char *)a || (char *)p >= END(a))
			continue;
		/* Walk to make sure p is a block start, not an inner pointer. */
		for (struct block *b = FIRST(a); (char *)b < END(a); b = NEXT(b)) {
			if (b != target)
				continue;
			if (b->magic != BLOCK_MAGIC || b->free)
				return -1;
			b->free = 1;
			h->in_use -= b->size - sizeof(*b);
			merge_free(a);
			return 0;
		}
		return -1;
	}
	return -1;
}
