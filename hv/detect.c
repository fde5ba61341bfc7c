/*
 * detect.c - is this Hyper-V (or something presenting its interface), and
 * what does it offer?  hv-core-protocol.md 1 (TLFS 2.4).  Decisions rest on
 * the "Hv#1" interface signature, never on the vendor string.
 */
#include <string.h>

#include "hv.h"
#include "hv_seam.h"

bool hv_has(uint32_t eax_bits, uint32_t ebx_bits, uint32_t edx_bits)
{
	return (hv.features_eax & eax_bits) == eax_bits &&
	       (hv.features_ebx & ebx_bits) == ebx_bits &&
	       (hv.features_edx & edx_bits) == edx_bits;
}

bool hv_detect(struct hv *h)
{
	uint32_t r[4];

	memset(h, 0, sizeof(*h));
	hv_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_HYPERVISOR))
		return false;
	hv_cpuid(HV_CPUID_VENDOR, 0, r);
	h->max_leaf = r[0];
	memcpy(h->vendor + 0, &r[1], 4);
	memcpy(h->vendor + 4, &r[2], 4);
	memcpy(h->vendor + 8, &r[3], 4);
	for (int i = 0; i < 12; i++)	/* for the log: informational only */
		if (h->vendor[i] < ' ' || h->vendor[i] > '~')
			h->vendor[i] = '.';
	h->vendor[12] = 0;
	if (h->max_leaf < HV_CPUID_MIN_MAX_LEAF || h->max_leaf > HV_CPUID_VENDOR + 0xff)
		return false;
	hv_cpuid(HV_CPUID_INTERFACE, 0, r);
	if (r[0] != HV_INTERFACE_HV1)
		return false;

	hv_read_features(h);
	h->present = true;
	return true;
}

/* Leaves 0x40000003-5 (1.2-1.4): read at boot, and again at resume, where
 * the hypervisor may be another one (a restore on another host). */
void hv_read_features(struct hv *h)
{
	uint32_t r[4];
	hv_cpuid(HV_CPUID_FEATURES, 0, r);
	h->features_eax = r[0];
	h->features_ebx = r[1];
	h->features_edx = r[3];
	hv_cpuid(HV_CPUID_RECOMMENDATIONS, 0, r);
	h->recommend_eax = r[0];
	hv_cpuid(HV_CPUID_LIMITS, 0, r);
	h->max_vps = r[0];
}

/* Leaf 0x40000002 reads as zeros until GUEST_OS_ID is set (1.1). */
void hv_read_version(struct hv *h)
{
	uint32_t r[4];
	hv_cpuid(HV_CPUID_VERSION, 0, r);
	h->build = r[0];
	h->version_major = r[1] >> HV_VERSION_MAJOR_SHIFT;
	h->version_minor = r[1] & HV_VERSION_MINOR_MASK;
	h->service_pack = r[2];
}
