/*
 * balloon_wire.h - the Dynamic Memory (balloon) protocol on the wire
 * (hv-vsc-protocols.md section 3).  Every message is the payload of one
 * in-band VMBus packet and starts with dm_hdr; sizes and offsets below
 * are those of 3.3.  Bit fields of the references are named masks here.
 */
#ifndef DORMANT_BALLOON_WIRE_H
#define DORMANT_BALLOON_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define DM_PACKED	__attribute__((packed))

/* 3.1 versions: (major << 16) | minor, newest first in the guest's list */
#define DM_VERSION_WIN10	0x00020000u	/* 2.0 */
#define DM_VERSION_WIN8		0x00010000u	/* 1.0 */
#define DM_VERSION_WIN7		0x00000003u	/* 0.3 */

/* 3.2 message types (dm_hdr.type) */
#define DM_ERROR		0u
#define DM_VERSION_REQUEST	1u	/* REQ guest->host */
#define DM_VERSION_RESPONSE	2u	/* RESP host->guest */
#define DM_CAPS_REPORT		3u	/* REQ guest->host */
#define DM_CAPS_RESPONSE	4u	/* RESP host->guest */
#define DM_STATUS_REPORT	5u	/* NOTE guest->host, no answer */
#define DM_BALLOON_REQUEST	6u	/* REQ host->guest */
#define DM_BALLOON_RESPONSE	7u	/* RESP guest->host */
#define DM_UNBALLOON_REQUEST	8u	/* REQ host->guest */
#define DM_UNBALLOON_RESPONSE	9u	/* RESP guest->host */
#define DM_HOT_ADD_REQUEST	10u	/* REQ host->guest */
#define DM_HOT_ADD_RESPONSE	11u	/* RESP guest->host */
#define DM_INFO_MESSAGE		12u	/* NOTE host->guest */
#define DM_NTYPES		13u

/* 3.3 every message: type, size of the whole message, transaction id */
struct dm_hdr {
	uint16_t type;
	uint16_t size;
	uint32_t trans_id;
} DM_PACKED;
_Static_assert(sizeof(struct dm_hdr) == 8, "3.3 dm_header 8");
_Static_assert(offsetof(struct dm_hdr, size) == 2, "3.3 size @2");
_Static_assert(offsetof(struct dm_hdr, trans_id) == 4, "3.3 trans_id @4");

/* DM_VERSION_REQUEST */
struct dm_version_request {
	struct dm_hdr hdr;
	uint32_t version;		/* minor @8, major @10 */
	uint32_t flags;			/* DM_VERSION_LAST_ATTEMPT */
} DM_PACKED;
_Static_assert(sizeof(struct dm_version_request) == 16, "3.3 VERSION_REQUEST 16");
_Static_assert(offsetof(struct dm_version_request, flags) == 12, "3.3 is_last_attempt @12");
#define DM_VERSION_LAST_ATTEMPT	0x1u

/* DM_VERSION_RESPONSE and DM_CAPS_RESPONSE: bit 0 is_accepted */
struct dm_accept {
	struct dm_hdr hdr;
	uint64_t flags;
} DM_PACKED;
_Static_assert(sizeof(struct dm_accept) == 16, "3.3 *_RESPONSE 16");
#define DM_ACCEPTED		0x1ull

/* DM_CAPS_REPORT */
struct dm_caps_report {
	struct dm_hdr hdr;
	uint64_t caps;			/* DM_CAP_* */
	uint64_t min_page_count;
	uint64_t max_page_number;
} DM_PACKED;
_Static_assert(sizeof(struct dm_caps_report) == 32, "3.3 CAPABILITIES_REPORT 32");
_Static_assert(offsetof(struct dm_caps_report, min_page_count) == 16, "3.3 min_page_cnt @16");
_Static_assert(offsetof(struct dm_caps_report, max_page_number) == 24, "3.3 max_page_number @24");
#define DM_CAP_BALLOON		0x1ull
#define DM_CAP_HOT_ADD		0x2ull
#define DM_CAP_ALIGN_SHIFT	2		/* bits 2..5: 2^n MiB */
#define DM_CAP_ALIGN_MASK	(0xfull << DM_CAP_ALIGN_SHIFT)

/* DM_STATUS_REPORT, all counts in 4 KiB pages */
struct dm_status {
	struct dm_hdr hdr;
	uint64_t num_avail;
	uint64_t num_committed;
	uint64_t page_file_size;
	uint64_t zero_free;
	uint32_t page_file_writes;
	uint32_t io_diff;
} DM_PACKED;
_Static_assert(sizeof(struct dm_status) == 48, "3.3 STATUS_REPORT 48");
_Static_assert(offsetof(struct dm_status, num_committed) == 16, "3.3 num_committed @16");
_Static_assert(offsetof(struct dm_status, page_file_writes) == 40, "3.3 page_file_writes @40");

/* A page range: start PFN in bits 0..39, page count in bits 40..63. */
typedef uint64_t dm_range;
#define DM_RANGE_PFN_MASK	((1ull << 40) - 1)
#define DM_RANGE_COUNT_SHIFT	40
#define DM_RANGE_COUNT_MAX	((1ull << 24) - 1)
static inline uint64_t dm_range_pfn(dm_range r) { return r & DM_RANGE_PFN_MASK; }
static inline uint64_t dm_range_count(dm_range r) { return r >> DM_RANGE_COUNT_SHIFT; }
static inline dm_range dm_range_make(uint64_t pfn, uint64_t n)
{
	return (pfn & DM_RANGE_PFN_MASK) | n << DM_RANGE_COUNT_SHIFT;
}

/* DM_BALLOON_REQUEST */
struct dm_balloon_request {
	struct dm_hdr hdr;
	uint32_t num_pages;
	uint32_t reserved;
} DM_PACKED;
_Static_assert(sizeof(struct dm_balloon_request) == 16, "3.3 BALLOON_REQUEST 16");

/* DM_BALLOON_RESPONSE: 16 bytes, then range_count page ranges */
struct dm_balloon_response {
	struct dm_hdr hdr;
	uint32_t reserved;
	uint32_t more_count;		/* DM_MORE_PAGES | count << 1 */
	dm_range ranges[];
} DM_PACKED;
_Static_assert(sizeof(struct dm_balloon_response) == 16, "3.3 BALLOON_RESPONSE 16 + 8n");
_Static_assert(offsetof(struct dm_balloon_response, more_count) == 12, "3.3 range_count @12");
#define DM_MORE_PAGES		0x1u
#define DM_COUNT_SHIFT		1

/* DM_UNBALLOON_REQUEST: 16 bytes, then range_count page ranges */
struct dm_unballoon_request {
	struct dm_hdr hdr;
	uint32_t more;			/* DM_MORE_PAGES */
	uint32_t range_count;
	dm_range ranges[];
} DM_PACKED;
_Static_assert(sizeof(struct dm_unballoon_request) == 16, "3.3 UNBALLOON_REQUEST 16 + 8n");
_Static_assert(offsetof(struct dm_unballoon_request, range_count) == 12, "3.3 range_count @12");

/* DM_HOT_ADD_REQUEST: a range to add, and (when size > 16) the region */
struct dm_hot_add_request {
	struct dm_hdr hdr;
	dm_range range;
	dm_range region;
} DM_PACKED;
_Static_assert(sizeof(struct dm_hot_add_request) == 24, "3.3 MEM_HOT_ADD_REQUEST 16 or 24");
_Static_assert(offsetof(struct dm_hot_add_request, range) == 8, "3.3 range @8");
#define DM_HOT_ADD_MIN		16u

/* DM_HOT_ADD_RESPONSE */
struct dm_hot_add_response {
	struct dm_hdr hdr;
	uint32_t page_count;		/* pages actually added */
	uint32_t result;		/* DM_HOT_ADD_* */
} DM_PACKED;
_Static_assert(sizeof(struct dm_hot_add_response) == 16, "3.3 MEM_HOT_ADD_RESPONSE 16");
/* 3.6: with page_count 0, 1 means a permanent refusal (the host stops
 * asking) and 0 a transient one. */
#define DM_HOT_ADD_SUCCESS	1u
#define DM_HOT_ADD_FAILURE	0u

/* DM_INFO_MESSAGE: reserved, info_size, then info */
struct dm_info {
	struct dm_hdr hdr;
	uint32_t reserved;
	uint32_t info_size;
} DM_PACKED;
_Static_assert(sizeof(struct dm_info) == 16, "3.3 INFO_MESSAGE 16 + info");

/* 3.4: Hyper-V sends messages up to 4 KiB; Linux opens 20 KiB rings. */
#define DM_MSG_MAX		4096u
#define DM_RING_PAGES		5u	/* per direction, control page included */
/* The most ranges one BALLOON_RESPONSE carries while staying in 4 KiB. */
#define DM_RANGES_PER_MSG	((DM_MSG_MAX - sizeof(struct dm_balloon_response)) / 8)

#endif
