/*
 * ident.c - this machine's identity, as a hibernation image records it
 * and a resume compares it (image_wire.h, image_check.c; issue 10: build,
 * RAM size and ranges, CPU vendor and the features the kernel relies on,
 * the hypervisor and the features relied on; CPU model and Hyper-V build
 * are logged, not compared).
 */
#include <string.h>

#include "../hv/hv.h"
#include "../hv/hv_tlfs.h"
#include "../kernel/cpu.h"
#include "../kernel/kernel.h"
#include "ident.h"
#include "image_check.h"

/* CPU features the kernel relies on (a word per IMG_CPU_* index): what a
 * resumed kernel uses without checking again.  Its page tables carry NX
 * bits when the CPU had NX; the interrupt path saves the FPU with FXSAVE;
 * newlib and the kernel are compiled for SSE2; an x2APIC kernel stays in
 * x2APIC mode. */
static const uint32_t cpu_mask[IMG_CPU_WORDS] = {
	[IMG_CPU_1_ECX] = 1u << 21,			/* x2APIC */
	[IMG_CPU_1_EDX] = 1u << 0 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 9 |
			  1u << 24 | 1u << 25 | 1u << 26,	/* FPU TSC MSR PAE APIC FXSR SSE SSE2 */
	[IMG_CPU_X1_EDX] = 1u << 20 | 1u << 29,		/* NX, long mode */
};

/* Hypervisor features (CPUID 0x40000003 EAX..EDX): what the resumed
 * kernel's hv/ needs to come back up (hypercall page, SynIC for VMBus);
 * the clock and timer choices are made again at resume. */
static const uint32_t hv_mask[IMG_HV_WORDS] = {
	[0] = HV_MSR_HYPERCALL_AVAILABLE | HV_MSR_SYNIC_AVAILABLE | HV_MSR_VP_INDEX_AVAILABLE,
};

/* The VM's physical RAM: every range the firmware calls memory, whoever
 * uses it now, merged where they touch.  Firmware allocations shift from
 * boot to boot; the RAM the VM was given does not.  Whether a page of the
 * image may be written now is checked page by page at resume. */
static bool is_ram(uint32_t type)
{
	return type == BOOTMEM_USABLE || type == BOOTMEM_LOADER || type == BOOTMEM_ACPI_RECLAIM ||
	       type == BOOTMEM_ACPI_NVS || type == BOOTMEM_RUNTIME;
}

unsigned snap_ram_ranges(const struct bootinfo *bi, uint64_t (*out)[2], unsigned max)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct bootmem_range *m = &bi->memmap[i];
		if (!is_ram(m->type) || !m->len)
			continue;
		/* The map is sorted by address (boot/bootmem.c). */
		if (n && out[n - 1][0] + out[n - 1][1] == m->base) {
			out[n - 1][1] += m->len;
			continue;
		}
		if (n == max)
			return max + 1;		/* more ranges than room: say so */
		out[n][0] = m->base;
		out[n][1] = m->len;
		n++;
	}
	return n;
}

void snap_identity(struct img_header *h)
{
	uint32_t r[4];
	memset(h, 0, sizeof(*h));
	h->kernel_checksum = kernel_build_id();
	static uint64_t ranges[BOOTINFO_MEMMAP_MAX][2];
	unsigned n = snap_ram_ranges(&bootinfo, ranges, BOOTINFO_MEMMAP_MAX);
	if (n > BOOTINFO_MEMMAP_MAX)
		n = BOOTINFO_MEMMAP_MAX;
	for (unsigned i = 0; i < n; i++)
		h->ram_bytes += ranges[i][1];
	h->ram_digest = img_ram_digest((const uint64_t (*)[2])ranges, n);

	cpuid(0, 0, r);
	uint32_t max = r[0];
	memcpy(h->cpu_vendor + 0, &r[1], 4);
	memcpy(h->cpu_vendor + 4, &r[3], 4);
	memcpy(h->cpu_vendor + 8, &r[2], 4);
	cpuid(1, 0, r);
	h->cpu_signature = r[0];
	h->cpu_feat_value[IMG_CPU_1_ECX] = r[2];
	h->cpu_feat_value[IMG_CPU_1_EDX] = r[3];
	if (max >= 7) {
		cpuid(7, 0, r);
		h->cpu_feat_value[IMG_CPU_7_EBX] = r[1];
		h->cpu_feat_value[IMG_CPU_7_ECX] = r[2];
	}
	cpuid(0x80000000u, 0, r);
	if (r[0] >= 0x80000001u) {
		cpuid(0x80000001u, 0, r);
		h->cpu_feat_value[IMG_CPU_X1_ECX] = r[2];
		h->cpu_feat_value[IMG_CPU_X1_EDX] = r[3];
	}
	memcpy(h->cpu_feat_mask, cpu_mask, sizeof(cpu_mask));

	h->hv_present = hv.present;
	if (hv.present) {
		cpuid(0x40000002u, 0, r);
		h->hv_build = r[0];
		h->hv_version = r[1];
		cpuid(0x40000003u, 0, r);
		memcpy(h->hv_feat_value, r, sizeof(r));
		memcpy(h->hv_feat_mask, hv_mask, sizeof(hv_mask));
	}
}
