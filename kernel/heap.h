/*
 * heap.h - the kernel heap (heap.c): first-fit blocks inside arenas that
 * come from a page source (the frame allocator in the kernel, the C
 * library in host tests).  Not for the application: newlib's malloc runs
 * on its own sbrk region (libc.c).  Not reentrant: callers in interrupt
 * context must not share a heap with thread context.
 */
#ifndef DORMANT_HEAP_H
#define DORMANT_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_ALIGN		16
#define HEAP_ARENA_MIN		(64 * 1024)

struct heap_arena;

struct heap {
	/* Returns bytes (a multiple of 4096, at least 'bytes') or NULL. */
	void *(*grow)(size_t bytes, void *ctx);
	void *ctx;
	struct heap_arena *arenas;
	size_t in_use;		/* payload bytes handed out */
	size_t arena_bytes;	/* bytes obtained from grow */
};

void heap_init(struct heap *h, void *(*grow)(size_t, void *), void *ctx);
void *heap_alloc(struct heap *h, size_t n);
/* 0, or -1 for a pointer this heap did not hand out or already freed. */
int heap_free(struct heap *h, void *p);

#endif
