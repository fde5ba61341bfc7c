/*
 * paging.c - the kernel's identity map (virtual == physical).
 *
 * RAM and firmware ranges of the memory map are mapped write-back with 2 MiB
 * pages, never executable.  The kernel image is mapped with 4 KiB pages:
 * text read-only and executable, rodata read-only, data and bss writable.
 * Page 0 is left unmapped so that NULL dereferences fault.  MMIO the kernel
 * uses is added with paging_map_mmio().  Intel SDM vol. 3A, 4.5 (4-level
 * paging) for the entry formats.
 */
#include "cpu.h"
#include "kernel.h"
#include "pte.h"

#define LARGE		(2 * MiB)

static uint64_t *pml4;
static uint64_t nx;		/* PTE_NX when the CPU supports it */

static uint64_t *next_level(uint64_t *table, unsigned idx)
{
	if (!(table[idx] & PTE_P))
		table[idx] = page_alloc(1, FRAME_OWNED) | PTE_P | PTE_W;
	return (uint64_t *)(table[idx] & PTE_ADDR);
}

static uint64_t *pd_for(uint64_t va)
{
	uint64_t *pdpt = next_level(pml4, (va >> 39) & 511);
	return next_level(pdpt, (va >> 30) & 511);
}

/* Map one 2 MiB page (replacing whatever was there, unless split). */
static void map_large(uint64_t pa, uint64_t flags)
{
	uint64_t *pd = pd_for(pa);
	unsigned i = (pa >> 21) & 511;
	if ((pd[i] & PTE_P) && !(pd[i] & PTE_PS))
		return;		/* already split into 4 KiB pages: keep them */
	pd[i] = pa | PTE_P | PTE_PS | flags;
}

static void map_range(uint64_t base, uint64_t len, uint64_t flags)
{
	for (uint64_t pa = ALIGN_DOWN(base, LARGE); pa < base + len; pa += LARGE)
		map_large(pa, flags);
}

/* Replace the 2 MiB page at pa by 512 small pages, each flagged by
 * fn(page, flags of the large page); flags 0 leaves a page unmapped. */
static uint64_t *split(uint64_t pa, uint64_t (*fn)(uint64_t page, uint64_t old))
{
	uint64_t *pd = pd_for(pa);
	unsigned i = (pa >> 21) & 511;
	uint64_t old = pd[i] & ~PTE_ADDR & ~PTE_PS;
	uint64_t *pt = (uint64_t *)page_alloc(1, FRAME_OWNED);
	for (unsigned j = 0; j < 512; j++) {
		uint64_t page = ALIGN_DOWN(pa, LARGE) + j * PAGE_SIZE;
		uint64_t flags = fn(page, old);
		pt[j] = flags ? page | PTE_P | flags : 0;
	}
	pd[i] = (uint64_t)pt | PTE_P | PTE_W;
	return pt;
}

static uint64_t kernel_page_flags(uint64_t page, uint64_t old)
{
	(void)old;
	if (page == 0)
		return 0;	/* not present: catches NULL */
	if (page >= (uint64_t)__kernel_start && page < (uint64_t)__text_end)
		return PTE_P;				/* text: RX */
	if (page >= (uint64_t)__text_end && page < (uint64_t)__rodata_end)
		return PTE_P | nx;			/* rodata: R */
	return PTE_P | PTE_W | nx;			/* everything else: RW */
}

static bool is_ram(uint32_t type)
{
	return type == BOOTMEM_USABLE || type == BOOTMEM_LOADER ||
	       type == BOOTMEM_ACPI_RECLAIM || type == BOOTMEM_ACPI_NVS ||
	       type == BOOTMEM_RUNTIME || type == BOOTMEM_PERSISTENT;
}

void paging_init(void)
{
	nx = cpu.nx ? PTE_NX : 0;
	pml4 = (uint64_t *)page_alloc(1, FRAME_OWNED);

	for (uint32_t i = 0; i < bootinfo.memmap_count; i++) {
		const struct bootmem_range *r = &bootinfo.memmap[i];
		uint64_t flags = PTE_W | nx | (is_ram(r->type) ? 0 : PTE_PCD | PTE_PWT);
		map_range(r->base, r->len, flags);
	}
	map_range(0, LARGE, PTE_W | nx);
	split(0, kernel_page_flags);
	for (uint64_t pa = ALIGN_DOWN((uint64_t)__kernel_start, LARGE);
	     pa < (uint64_t)__kernel_end; pa += LARGE)
		split(pa, kernel_page_flags);

	write_cr0(read_cr0() | CR0_WP);
	write_cr3((uint64_t)pml4);
}

static uint64_t keep_flags(uint64_t page, uint64_t old)
{
	(void)page;
	return old;
}

/* The small-page table for pa, splitting its 2 MiB page if need be. */
static uint64_t *small_pages(uint64_t pa)
{
	uint64_t pde = pd_for(pa)[(pa >> 21) & 511];
	if (!(pde & PTE_PS))
		return (uint64_t *)(pde & PTE_ADDR);
	return split(pa, keep_flags);
}

void paging_set_exec(uint64_t page, bool exec)
{
	uint64_t *pt = small_pages(page);
	uint64_t *e = &pt[(page >> 12) & 511];
	*e = exec ? *e & ~PTE_NX : *e | nx;
	__asm__ volatile("invlpg (%0)" :: "r"(page) : "memory");
}

void paging_unmap_page(uint64_t page)
{
	uint64_t *pt = small_pages(page);
	pt[(page >> 12) & 511] = 0;
	__asm__ volatile("invlpg (%0)" :: "r"(page) : "memory");
}

void paging_map_mmio(uint64_t base, uint64_t len)
{
	map_range(base, len, PTE_W | PTE_PCD | PTE_PWT | nx);
	write_cr3(read_cr3());	/* flush: entries may have changed */
}

bool paging_is_mapped(uint64_t va)
{
	uint64_t *t = pml4;
	if (!t)
		return true;	/* still on the loader's full identity map */
	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];
		if (!(e & PTE_P))
			return false;
		if (shift == 12 || (shift < 39 && (e & PTE_PS)))
			return true;
		t = (uint64_t *)(e & PTE_ADDR);
	}
	return true;
}
