/*
 * mem.c - physical memory bring-up from the boot memory map, page
 * allocation for the kernel, and the kernel heap on top of it.
 *
 * Order matters: the loader's memory (boot info, its page tables, its
 * stack) is still in use until paging_init() has switched to the kernel's
 * own tables, so loader ranges join the free pool only in
 * mem_release_loader().  The first MiB is never managed (legacy firmware
 * habits; frame 0 must never be handed out), and neither are the ranges
 * an image declares as not the guest's (memres.h): they stay absent.
 */
#include <string.h>

#include "heap.h"
#include "kernel.h"
#include "memres.h"

#define LOW_RESERVED	MiB

struct frame_map frames;
uint64_t mem_usable_bytes;
static struct heap kheap;

/* Free [base, end) except the first MiB and the declared ranges. */
static void add_free(uint64_t base, uint64_t end)
{
	if (base < LOW_RESERVED)
		base = LOW_RESERVED;
	while (base < end) {
		const struct memres *m = memres_overlap(base, end);
		uint64_t stop = m ? (m->base > base ? m->base : base) : end;
		if (stop > base)
			frame_add_free(&frames, base, stop - base);
		if (!m)
			break;
		base = m->base + m->len;
	}
}

static void add_range_free(const struct bootmem_range *r)
{
	add_free(r->base, r->base + r->len);
}

/* A page-aligned place for 'size' bytes in usable memory, outside the
 * kernel, the first MiB and the declared ranges. */
static uint64_t place_early(uint64_t size)
{
	uint64_t klo = (uint64_t)__kernel_start, khi = ALIGN_UP((uint64_t)__kernel_end, PAGE_SIZE);

	for (uint32_t i = 0; i < bootinfo.memmap_count; i++) {
		const struct bootmem_range *r = &bootinfo.memmap[i];
		if (r->type != BOOTMEM_USABLE)
			continue;
		uint64_t base = ALIGN_UP(r->base < LOW_RESERVED ? LOW_RESERVED : r->base, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);
		for (;;) {
			const struct memres *m = memres_overlap(base, base + size);
			if (base < khi && base + size > klo)
				base = khi;
			else if (m)
				base = m->base + m->len;
			else
				break;
		}
		if (base + size <= end)
			return base;
	}
	return 0;
}

static void *heap_grow(size_t bytes, void *ctx)
{
	(void)ctx;
	return (void *)page_alloc(bytes / PAGE_SIZE, FRAME_OWNED);
}

void mem_init(void)
{
	uint64_t top = 0;

	/* Ranges that are not the guest's: out before anything is counted,
	 * and their owners set up before anyone can trap into them. */
	uint64_t not_ours = memres_check();
	memres_init();
	for (uint32_t i = 0; i < bootinfo.memmap_count; i++) {
		const struct bootmem_range *r = &bootinfo.memmap[i];
		if (r->type != BOOTMEM_USABLE && r->type != BOOTMEM_LOADER)
			continue;
		mem_usable_bytes += r->len;
		if (r->base + r->len > top)
			top = r->base + r->len;
	}
	mem_usable_bytes -= not_ours;
	uint64_t nframes = top >> FRAME_SHIFT;
	uint64_t map_bytes = ALIGN_UP(nframes, PAGE_SIZE);
	uint64_t map_at = place_early(map_bytes);
	if (!map_at)
		panic("mem: no room for the frame map (%lu KiB)", map_bytes >> 10);

	frame_init(&frames, (uint8_t *)map_at, nframes);
	for (uint32_t i = 0; i < bootinfo.memmap_count; i++)
		if (bootinfo.memmap[i].type == BOOTMEM_USABLE)
			add_range_free(&bootinfo.memmap[i]);

	/* The loader checked that the kernel range is RAM it may overwrite;
	 * part of it may have been loader memory, so make it free first. */
	uint64_t klo = (uint64_t)__kernel_start;
	uint64_t kpages = (ALIGN_UP((uint64_t)__kernel_end, PAGE_SIZE) - klo) / PAGE_SIZE;
	frame_add_free(&frames, klo, kpages * PAGE_SIZE);
	if (frame_claim(&frames, klo, kpages, FRAME_OWNED) != 0)
		panic("mem: kernel range 0x%lx is not free RAM", klo);
	if (frame_claim(&frames, map_at, map_bytes / PAGE_SIZE, FRAME_OWNED) != 0)
		panic("mem: frame map range 0x%lx is not free", map_at);
	heap_init(&kheap, heap_grow, NULL);
}

void mem_release_loader(void)
{
	for (uint32_t i = 0; i < bootinfo.memmap_count; i++)
		if (bootinfo.memmap[i].type == BOOTMEM_LOADER)
			add_range_free(&bootinfo.memmap[i]);
}

uint64_t mem_hot_add(uint64_t base, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		uint64_t at = base + done * PAGE_SIZE;
		if (!memres_hotadd_covers(at, at + PAGE_SIZE) ||
		    frame_add_absent(&frames, at, 1) != 0)
			break;
		done++;
	}
	mem_usable_bytes += done * PAGE_SIZE;
	return done;
}

uint64_t page_alloc(uint64_t n, enum frame_state st)
{
	uint64_t pa = frame_alloc(&frames, n, st);
	if (!pa)
		panic("mem: out of memory allocating %lu pages", n);
	memset((void *)pa, 0, n * PAGE_SIZE);
	return pa;
}

void page_free(uint64_t addr, uint64_t n)
{
	if (frame_free(&frames, addr, n) != 0)
		panic("mem: freeing pages 0x%lx+%lu that are not in use", addr, n);
}

void *kmalloc(size_t n)
{
	void *p = heap_alloc(&kheap, n);
	if (!p)
		panic("mem: kernel heap exhausted (%zu bytes)", n);
	return p;
}

void kfree(void *p)
{
	if (p && heap_free(&kheap, p) != 0)
		panic("mem: kfree of %p, not a live heap block", p);
}

size_t kheap_in_use(void)
{
	return kheap.in_use;
}
