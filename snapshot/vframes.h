/*
 * vframes.h - volatile frames for the hibernation code's own buffers
 * (the writer's, the reader's, the copy-on-write's): never saved in an image, and allocated
 * without panicking, since running short is a refusal, not a crash.
 */
#ifndef DORMANT_SNAPSHOT_VFRAMES_H
#define DORMANT_SNAPSHOT_VFRAMES_H

#include "../kernel/kernel.h"

/* Whole frames for bytes, or NULL. */
static inline void *vframes(uint64_t bytes)
{
	return (void *)(uintptr_t)frame_alloc(&frames, ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE,
					       FRAME_VOLATILE);
}

/* Give back what vframes(bytes) returned; NULL is ignored. */
static inline void vfree(void *p, uint64_t bytes)
{
	if (p)
		page_free((uint64_t)(uintptr_t)p, ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

#endif
