/*
 * memres.c - fixed physical ranges that are never the guest's RAM: the
 * checks mem_init() runs before it builds the frame map.  See memres.h.
 */
#include "kernel.h"
#include "memres.h"

extern const struct memres __memres_start[], __memres_end[];

static const char *const type_names[BOOTMEM_NTYPES] = {
	[BOOTMEM_USABLE] = "usable", [BOOTMEM_LOADER] = "loader",
	[BOOTMEM_ACPI_RECLAIM] = "ACPI tables", [BOOTMEM_ACPI_NVS] = "ACPI NVS",
	[BOOTMEM_RUNTIME] = "UEFI runtime", [BOOTMEM_RESERVED] = "reserved",
	[BOOTMEM_MMIO] = "MMIO", [BOOTMEM_PERSISTENT] = "persistent",
	[BOOTMEM_UNUSABLE] = "unusable",
};

static const char *type_name(uint32_t t)
{
	return t < BOOTMEM_NTYPES && type_names[t] ? type_names[t] : "unknown";
}

static const struct bootmem_range *entry_at(uint64_t addr)
{
	for (uint32_t i = 0; i < bootinfo.memmap_count; i++) {
		const struct bootmem_range *r = &bootinfo.memmap[i];
		if (addr >= r->base && addr - r->base < r->len)
			return r;
	}
	return NULL;
}

/* The whole range must be the firmware's usable RAM: loader memory is
 * still in use while mem_init runs, and anything else is not ours. */
static void check_one(const struct memres *m)
{
	uint64_t end = m->base + m->len;
	if ((m->base | m->len) & (PAGE_SIZE - 1) || m->len == 0 || end < m->base)
		panic("memres: %s range 0x%lx+0x%lx is not whole pages", m->name, m->base,
		      m->len);
	uint64_t klo = (uint64_t)__kernel_start, khi = ALIGN_UP((uint64_t)__kernel_end, PAGE_SIZE);
	if (m->base < khi && end > klo)
		panic("memres: %s range 0x%lx-0x%lx overlaps the kernel at 0x%lx-0x%lx",
		      m->name, m->base, end, klo, khi);
	for (uint64_t at = m->base; at < end;) {
		const struct bootmem_range *r = entry_at(at);
		if (!r)
			panic("memres: %s range 0x%lx-0x%lx is not RAM: 0x%lx is in no entry "
			      "of the firmware's memory map", m->name, m->base, end, at);
		if (r->type != BOOTMEM_USABLE)
			panic("memres: %s range 0x%lx-0x%lx is not usable RAM: the firmware's "
			      "map has 0x%lx-0x%lx as %s", m->name, m->base, end, r->base,
			      r->base + r->len, type_name(r->type));
		at = r->base + r->len;
	}
	for (const struct memres *o = __memres_start; o < m; o++)
		if (m->base < o->base + o->len && end > o->base)
			panic("memres: %s range 0x%lx-0x%lx overlaps %s", m->name, m->base, end,
			      o->name);
}

uint64_t memres_check(void)
{
	uint64_t bytes = 0;
	for (const struct memres *m = __memres_start; m < __memres_end; m++) {
		check_one(m);
		bytes += m->len;
	}
	return bytes;
}

const struct memres *memres_overlap(uint64_t base, uint64_t end)
{
	const struct memres *low = NULL;
	for (const struct memres *m = __memres_start; m < __memres_end; m++)
		if (base < m->base + m->len && end > m->base && (!low || m->base < low->base))
			low = m;
	return low;
}

bool memres_hotadd_covers(uint64_t base, uint64_t end)
{
	while (base < end) {
		const struct memres *m = memres_overlap(base, base + 1);
		if (!m || !m->hotadd)
			return false;
		base = m->base + m->len;
	}
	return true;
}

void memres_init(void)
{
	for (const struct memres *m = __memres_start; m < __memres_end; m++)
		if (m->init)
			m->init();
}
