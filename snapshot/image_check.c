/*
 * image_check.c - header validation and the refusal reasons (image_check.h).
 *
 * Order: the format first (magic, version, size, checksum, layout), so a
 * damaged header is never reported as a mismatch; then the identity, most
 * fundamental first (build, memory, CPU, hypervisor).
 */
#include "image_check.h"

#include <string.h>

#include "image_csum.h"

static const struct {
	const char *text;
	enum img_class cls;
	const char *hint;
} reasons[IMG_NREASONS] = {
	[IMG_OK] = { "ok", IMG_C_NONE, "" },
	[IMG_R_NONE] = { "no image", IMG_C_NONE, "" },
	[IMG_R_MAGIC] = { "bad magic", IMG_C_INVALIDATE, "" },
	[IMG_R_VERSION] = { "unknown format version", IMG_C_INVALIDATE, "" },
	[IMG_R_HEADER_SIZE] = { "bad header size", IMG_C_INVALIDATE, "" },
	[IMG_R_HEADER_CSUM] = { "header checksum", IMG_C_INVALIDATE, "" },
	[IMG_R_LAYOUT] = { "bad layout", IMG_C_INVALIDATE, "" },
	[IMG_R_TOO_BIG] = { "truncated (larger than its partition)", IMG_C_INVALIDATE, "" },
	[IMG_R_BUILD] = { "another kernel build", IMG_C_KEEP,
		"boot the kernel that wrote it, or hibernate to overwrite it" },
	[IMG_R_RAM_SIZE] = { "memory size differs", IMG_C_KEEP,
		"give the VM the memory size it had" },
	[IMG_R_RAM_RANGES] = { "memory map differs", IMG_C_KEEP,
		"give the VM the memory layout it had" },
	[IMG_R_CPU_VENDOR] = { "CPU vendor differs", IMG_C_KEEP,
		"resume on a host with the CPU vendor it had" },
	[IMG_R_CPU_FEATURES] = { "CPU features missing", IMG_C_KEEP,
		"resume on a CPU (or -cpu model) with the features it had" },
	[IMG_R_HV_ABSENT] = { "hypervisor absent", IMG_C_KEEP,
		"resume on Hyper-V (or the emulated host), where it was written" },
	[IMG_R_HV_PRESENT] = { "hypervisor present", IMG_C_KEEP,
		"resume without Hyper-V, where it was written" },
	[IMG_R_HV_FEATURES] = { "hypervisor features missing", IMG_C_KEEP,
		"resume on a host that offers the features it had" },
	[IMG_R_READ] = { "read error", IMG_C_KEEP, "check the disk" },
	[IMG_R_RECORD] = { "bad record", IMG_C_INVALIDATE, "" },
	[IMG_R_MAP_CSUM] = { "page map checksum", IMG_C_INVALIDATE, "" },
	[IMG_R_BLOCK_CSUM] = { "block checksum", IMG_C_INVALIDATE, "" },
	[IMG_R_MAP] = { "bad page map", IMG_C_INVALIDATE, "" },
	[IMG_R_PFN_RANGE] = { "page outside memory", IMG_C_INVALIDATE, "" },
	[IMG_R_PFN_DUP] = { "page saved twice", IMG_C_INVALIDATE, "" },
	[IMG_R_BLOCK] = { "bad block", IMG_C_INVALIDATE, "" },
	[IMG_R_COUNTS] = { "counts differ from the header", IMG_C_INVALIDATE, "" },
	[IMG_R_BODY_CSUM] = { "image checksum", IMG_C_INVALIDATE, "" },
	[IMG_R_MEMORY] = { "not enough memory to read it", IMG_C_KEEP,
		"give the VM more memory" },
	[IMG_R_RESTORE] = { "restore failed", IMG_C_KEEP, "" },
	[IMG_R_PLAN] = { "write outside the plan", IMG_C_KEEP,
		"the fault is this kernel's resume plan, not the image" },
};

static const char *const notes[] = {
	"CPU model differs",		/* IMG_NOTE_CPU_MODEL */
	"Hyper-V build differs",	/* IMG_NOTE_HV_BUILD */
};

const char *img_reason_str(enum img_reason r)
{
	return (unsigned)r < IMG_NREASONS ? reasons[r].text : "?";
}

const char *img_reason_hint(enum img_reason r)
{
	return (unsigned)r < IMG_NREASONS ? reasons[r].hint : "";
}

enum img_class img_reason_class(enum img_reason r)
{
	return (unsigned)r < IMG_NREASONS ? reasons[r].cls : IMG_C_INVALIDATE;
}

const char *img_note_str(unsigned note)
{
	for (unsigned i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (note == 1u << i)
			return notes[i];
	return "?";
}

uint64_t img_ram_digest(const uint64_t (*ranges)[2], uint32_t n)
{
	struct img_csum c;
	img_csum_init(&c);
	for (uint32_t i = 0; i < n; i++)
		img_csum_add(&c, ranges[i], sizeof(ranges[i]));
	return img_csum_end(&c);
}

/* Counts a real writer can produce; the body is checked in pass 1. */
static int layout_ok(const struct img_header *h)
{
	uint64_t pages = h->data_pages + h->zero_pages;
	return h->reserved0 == 0 && h->body_offset == IMG_HEADER_AREA &&
	       h->body_bytes % IMG_ALIGN == 0 &&
	       h->body_bytes <= UINT64_MAX - IMG_HEADER_AREA &&
	       h->total_bytes == h->body_offset + h->body_bytes &&
	       h->block_pages == IMG_BLOCK_PAGES && h->vmbus_count <= IMG_VMBUS_MAX &&
	       h->records == h->maps + h->blocks && h->blocks <= h->maps &&
	       h->records <= h->body_bytes / sizeof(struct img_record) &&
	       h->data_pages <= h->blocks * IMG_BLOCK_PAGES && h->data_pages >= h->blocks &&
	       h->zero_pages <= h->ram_bytes / IMG_PAGE &&
	       h->data_pages <= h->ram_bytes / IMG_PAGE &&
	       pages <= h->ram_bytes / IMG_PAGE && pages >= h->maps;
}

/* Feature bits the image relied on that this machine lacks. */
static int missing(const void *mask, const void *had, const void *has, int n)
{
	uint32_t m = 0;
	for (int i = 0; i < n; i++) {
		uint32_t w[3];		/* the header is packed: copy, don't point */
		memcpy(&w[0], (const uint8_t *)mask + 4 * i, 4);
		memcpy(&w[1], (const uint8_t *)had + 4 * i, 4);
		memcpy(&w[2], (const uint8_t *)has + 4 * i, 4);
		m |= w[0] & w[1] & ~w[2];
	}
	return m != 0;
}

static enum img_reason identity(const struct img_header *h, const struct img_header *now)
{
	if (h->kernel_checksum != now->kernel_checksum)
		return IMG_R_BUILD;
	if (h->ram_bytes != now->ram_bytes)
		return IMG_R_RAM_SIZE;
	if (h->ram_digest != now->ram_digest)
		return IMG_R_RAM_RANGES;
	if (memcmp(h->cpu_vendor, now->cpu_vendor, sizeof(h->cpu_vendor)) != 0)
		return IMG_R_CPU_VENDOR;
	if (missing(h->cpu_feat_mask, h->cpu_feat_value, now->cpu_feat_value, IMG_CPU_WORDS))
		return IMG_R_CPU_FEATURES;
	if (h->hv_present && !now->hv_present)
		return IMG_R_HV_ABSENT;
	if (!h->hv_present && now->hv_present)
		return IMG_R_HV_PRESENT;
	if (h->hv_present &&
	    missing(h->hv_feat_mask, h->hv_feat_value, now->hv_feat_value, IMG_HV_WORDS))
		return IMG_R_HV_FEATURES;
	return IMG_OK;
}

enum img_reason img_check_header(const void *area, const struct img_header *now,
				 uint64_t capacity, struct img_header *out, unsigned *notes_out)
{
	static const uint8_t zero[8];
	struct img_header h;
	enum img_reason r;

	memcpy(&h, area, sizeof(h));
	*notes_out = 0;
	if (memcmp(h.magic, zero, sizeof(zero)) == 0)
		return IMG_R_NONE;
	if (memcmp(h.magic, IMG_MAGIC, sizeof(h.magic)) != 0)
		return IMG_R_MAGIC;
	if (h.version != IMG_VERSION)
		return IMG_R_VERSION;
	if (h.header_size != sizeof(struct img_header))
		return IMG_R_HEADER_SIZE;
	if (h.header_csum != img_header_csum(area))
		return IMG_R_HEADER_CSUM;
	if (!layout_ok(&h))
		return IMG_R_LAYOUT;
	if (h.total_bytes > capacity)
		return IMG_R_TOO_BIG;
	if ((r = identity(&h, now)) != IMG_OK)
		return r;
	if (h.cpu_signature != now->cpu_signature)
		*notes_out |= IMG_NOTE_CPU_MODEL;
	if (h.hv_present && (h.hv_build != now->hv_build || h.hv_version != now->hv_version))
		*notes_out |= IMG_NOTE_HV_BUILD;
	*out = h;
	return IMG_OK;
}

/* A well-formed image whatever machine wrote it: checked against its own
 * identity, so only the format can fail.  What must not be overwritten
 * lightly (the demo's `disk test` refuses to): an image of another build
 * or memory size is kept for the machine that can resume it. */
bool img_header_valid(const void *area, uint64_t capacity)
{
	struct img_header self, h;
	unsigned notes;
	memcpy(&self, area, sizeof(self));
	return img_check_header(area, &self, capacity, &h, &notes) == IMG_OK;
}
