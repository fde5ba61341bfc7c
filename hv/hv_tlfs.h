/*
 * hv_tlfs.h - the Hyper-V guest interface dormant uses: CPUID leaves,
 * synthetic MSRs, hypercall encoding and status codes, SynIC message and
 * event-flag pages, the reference TSC page and synthetic timers.
 *
 * Source: Microsoft Hypervisor Top Level Functional Specification (TLFS)
 * v6.0b, as summarised and cross-checked in shared/docs/hv-core-protocol.md
 * (section numbers below are that document's, with the TLFS section where
 * it names one).  Constants only: no guest state lives here.
 */
#ifndef DORMANT_HV_TLFS_H
#define DORMANT_HV_TLFS_H

#include <stddef.h>
#include <stdint.h>

/* ---- 1. CPUID (TLFS 2.4) ------------------------------------------------ */

#define CPUID1_ECX_HYPERVISOR		(1u << 31)
#define HV_CPUID_VENDOR			0x40000000u	/* EAX max leaf, EBX-EDX vendor */
#define HV_CPUID_INTERFACE		0x40000001u	/* EAX "Hv#1" */
#define HV_CPUID_VERSION		0x40000002u
#define HV_CPUID_FEATURES		0x40000003u
#define HV_CPUID_RECOMMENDATIONS	0x40000004u
#define HV_CPUID_LIMITS			0x40000005u
#define HV_CPUID_HW_FEATURES		0x40000006u
#define HV_CPUID_MIN_MAX_LEAF		0x40000005u	/* 1.1: Microsoft hypervisors */
#define HV_INTERFACE_HV1		0x31237648u	/* "Hv#1" */

/* 1.1: leaf 0x40000002 */
#define HV_VERSION_MAJOR_SHIFT		16
#define HV_VERSION_MINOR_MASK		0xffffu

/* 1.2: leaf 0x40000003 EAX, access to synthetic MSRs (TLFS 4.2.2) */
#define HV_MSR_VP_RUNTIME_AVAILABLE	(1u << 0)
#define HV_MSR_TIME_REF_COUNT_AVAILABLE	(1u << 1)
#define HV_MSR_SYNIC_AVAILABLE		(1u << 2)
#define HV_MSR_SYNTIMER_AVAILABLE	(1u << 3)
#define HV_MSR_APIC_ACCESS_AVAILABLE	(1u << 4)
#define HV_MSR_HYPERCALL_AVAILABLE	(1u << 5)
#define HV_MSR_VP_INDEX_AVAILABLE	(1u << 6)
#define HV_MSR_RESET_AVAILABLE		(1u << 7)
#define HV_MSR_REFERENCE_TSC_AVAILABLE	(1u << 9)
#define HV_MSR_GUEST_IDLE_AVAILABLE	(1u << 10)
#define HV_ACCESS_FREQUENCY_MSRS	(1u << 11)
/* 1.2: leaf 0x40000003 EBX, access to hypercalls */
#define HV_POST_MESSAGES		(1u << 4)
#define HV_SIGNAL_EVENTS		(1u << 5)
/* 1.2: leaf 0x40000003 EDX, miscellaneous features */
#define HV_FEATURE_FREQUENCY_MSRS	(1u << 8)
#define HV_FEATURE_GUEST_CRASH_MSRS	(1u << 10)
#define HV_STIMER_DIRECT_MODE_AVAILABLE	(1u << 19)

/* 1.3: leaf 0x40000004 EAX, recommendations */
#define HV_RECOMMEND_RELAXED_TIMING	(1u << 5)
#define HV_DEPRECATING_AEOI		(1u << 9)

/* ---- 2. Synthetic MSRs (TLFS appendix; 2.1) ----------------------------- */

#define HV_MSR_GUEST_OS_ID		0x40000000u
#define HV_MSR_HYPERCALL		0x40000001u
#define HV_MSR_VP_INDEX			0x40000002u
#define HV_MSR_RESET			0x40000003u
#define HV_MSR_TIME_REF_COUNT		0x40000020u
#define HV_MSR_REFERENCE_TSC		0x40000021u
#define HV_MSR_TSC_FREQUENCY		0x40000022u
#define HV_MSR_APIC_FREQUENCY		0x40000023u
#define HV_MSR_SCONTROL			0x40000080u
#define HV_MSR_SVERSION			0x40000081u
#define HV_MSR_SIEFP			0x40000082u
#define HV_MSR_SIMP			0x40000083u
#define HV_MSR_EOM			0x40000084u
#define HV_MSR_SINT0			0x40000090u	/* SINTn = SINT0 + n */
#define HV_MSR_STIMER0_CONFIG		0x400000b0u	/* STIMERn_CONFIG = + 2n */
#define HV_MSR_STIMER0_COUNT		0x400000b1u	/* STIMERn_COUNT = + 2n */
#define HV_MSR_CRASH_P0			0x40000100u	/* P0..P4 */
#define HV_MSR_CRASH_CTL		0x40000105u

/* Overlay-page MSRs (HYPERCALL, REFERENCE_TSC, SIMP, SIEFP): bit 0 enable,
 * bits 11:1 reserved (preserve), bits 63:12 the page's GPFN (2.1). */
#define HV_OVERLAY_ENABLE		(1ull << 0)
#define HV_HYPERCALL_LOCKED		(1ull << 1)
#define HV_OVERLAY_RESERVED_MASK	0xffeull
#define HV_OVERLAY_GPFN_SHIFT		12
#define HV_OVERLAY_GPFN_MASK		(~0xfffull)

/* 2.2 GUEST_OS_ID, open-source encoding (TLFS 2.6) */
#define HV_OS_ID_OPENSOURCE		(1ull << 63)
#define HV_OS_ID_TYPE_SHIFT		56	/* bits 62:56, allocated by Microsoft */
#define HV_OS_ID_VERSION_SHIFT		16	/* bits 47:16 */

/* SCONTROL (2.1) */
#define HV_SCONTROL_ENABLE		(1ull << 0)

/* 2.3 SINTn (TLFS 11.8) */
#define HV_SINT_VECTOR_MASK		0xffull
#define HV_SINT_MASKED			(1ull << 16)
#define HV_SINT_AUTO_EOI		(1ull << 17)
#define HV_SINT_POLLING			(1ull << 18)
#define HV_SINT_MIN_VECTOR		16
#define HV_SINT_COUNT			16
#define HV_SINT_RESET_VALUE		HV_SINT_MASKED

/* 2.4 Synthetic timers (TLFS 12) */
#define HV_STIMER_COUNT			4
#define HV_STIMER_ENABLE		(1ull << 0)
#define HV_STIMER_PERIODIC		(1ull << 1)
#define HV_STIMER_LAZY			(1ull << 2)
#define HV_STIMER_AUTO_ENABLE		(1ull << 3)
#define HV_STIMER_APIC_VECTOR_SHIFT	4	/* bits 11:4 */
#define HV_STIMER_APIC_VECTOR_MASK	(0xffull << 4)
#define HV_STIMER_DIRECT_MODE		(1ull << 12)
#define HV_STIMER_SINT_SHIFT		16	/* bits 19:16 */
#define HV_STIMER_SINT_MASK		(0xfull << 16)

/* 2.5 Crash MSRs (TLFS 4.3) */
#define HV_CRASH_CTL_NOTIFY		(1ull << 63)
#define HV_CRASH_CTL_MESSAGE		(1ull << 62)
#define HV_CRASH_MESSAGE_MAX		4096

/* ---- 3. Hypercalls (TLFS 3) --------------------------------------------- */

/* 3.3 control word (RCX) */
#define HV_HYPERCALL_CODE_MASK		0xffffull
#define HV_HYPERCALL_FAST		(1ull << 16)
#define HV_HYPERCALL_REP_COUNT_SHIFT	32
#define HV_HYPERCALL_REP_START_SHIFT	48
/* 3.4 result (RAX) */
#define HV_HYPERCALL_STATUS_MASK	0xffffull
#define HV_HYPERCALL_REPS_SHIFT		32
#define HV_HYPERCALL_REPS_MASK		0xfffull

/* 3.6 call codes */
#define HVCALL_POST_MESSAGE		0x005c
#define HVCALL_SIGNAL_EVENT		0x005d

/* 3.5 status codes (TLFS appendix B) */
#define HV_STATUS_SUCCESS			0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE	0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT	0x0003
#define HV_STATUS_INVALID_ALIGNMENT		0x0004
#define HV_STATUS_INVALID_PARAMETER		0x0005
#define HV_STATUS_ACCESS_DENIED			0x0006
#define HV_STATUS_INVALID_PARTITION_STATE	0x0007
#define HV_STATUS_OPERATION_DENIED		0x0008
#define HV_STATUS_UNKNOWN_PROPERTY		0x0009
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE	0x000a
#define HV_STATUS_INSUFFICIENT_MEMORY		0x000b
#define HV_STATUS_PARTITION_TOO_DEEP		0x000c
#define HV_STATUS_INVALID_PARTITION_ID		0x000d
#define HV_STATUS_INVALID_VP_INDEX		0x000e
#define HV_STATUS_NOT_FOUND			0x0010
#define HV_STATUS_INVALID_PORT_ID		0x0011
#define HV_STATUS_INVALID_CONNECTION_ID		0x0012
#define HV_STATUS_INSUFFICIENT_BUFFERS		0x0013
#define HV_STATUS_NOT_ACKNOWLEDGED		0x0014
#define HV_STATUS_INVALID_VP_STATE		0x0015
#define HV_STATUS_ACKNOWLEDGED			0x0016
#define HV_STATUS_INVALID_SAVE_RESTORE_STATE	0x0017
#define HV_STATUS_INVALID_SYNIC_STATE		0x0018
#define HV_STATUS_OBJECT_IN_USE			0x0019
#define HV_STATUS_INVALID_PROXIMITY_DOMAIN_INFO	0x001a
#define HV_STATUS_NO_DATA			0x001b
#define HV_STATUS_INACTIVE			0x001c
#define HV_STATUS_NO_RESOURCES			0x001d
#define HV_STATUS_FEATURE_UNAVAILABLE		0x001e
#define HV_STATUS_PARTIAL_PACKET		0x001f
#define HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED 0x0020
#define HV_STATUS_INSUFFICIENT_BUFFER		0x0033
#define HV_STATUS_INVALID_LP_INDEX		0x0041
#define HV_STATUS_INVALID_REGISTER_VALUE	0x0050
#define HV_STATUS_OPERATION_FAILED		0x0071
#define HV_STATUS_TIME_OUT			0x0078
#define HV_STATUS_CALL_PENDING			0x0079
#define HV_STATUS_VTL_ALREADY_ENABLED		0x0086

/* 3.6 HvCallPostMessage input block: 8-byte aligned, within one page. */
#define HV_MESSAGE_PAYLOAD_MAX		240
struct hv_post_message_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;		/* non-zero, bit 31 clear */
	uint32_t payload_size;		/* 1..240 */
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_post_message_input) == 256, "PostMessage input");
_Static_assert(offsetof(struct hv_post_message_input, message_type) == 8, "message type");
_Static_assert(offsetof(struct hv_post_message_input, payload) == 16, "payload");

/* 3.6 HvCallSignalEvent, fast: RDX = connection id | flag number << 32. */
#define HV_SIGNAL_FLAG_SHIFT		32

/* ---- 4. SynIC (TLFS 11) ------------------------------------------------- */

/* 4.2 message page: 16 slots of 256 bytes, slot n for SINTn.  Header order
 * as in every implementation (size @4, flags @5), not TLFS 6.0b's figure. */
#define HV_MESSAGE_SIZE			256
#define HV_MSG_FLAG_PENDING		(1u << 0)

struct hv_message_header {
	uint32_t message_type;		/* 0: slot empty */
	uint8_t payload_size;
	uint8_t message_flags;
	uint16_t reserved;
	uint64_t origin;		/* sender partition or port id */
} __attribute__((packed));

struct hv_message {
	struct hv_message_header header;
	uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message_header) == 16, "message header");
_Static_assert(offsetof(struct hv_message_header, payload_size) == 4, "payload size @4");
_Static_assert(offsetof(struct hv_message_header, message_flags) == 5, "flags @5");
_Static_assert(offsetof(struct hv_message_header, origin) == 8, "origin @8");
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SIZE, "message slot");

/* 4.2 message types */
#define HVMSG_NONE			0x00000000u
#define HVMSG_VMBUS			0x00000001u
#define HVMSG_HYPERVISOR_BIT		0x80000000u	/* hypervisor-originated */
#define HVMSG_TIMER_EXPIRED		0x80000010u

/* 2.4 timer-expired payload */
struct hv_timer_message_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time;	/* 100 ns */
	uint64_t delivery_time;		/* 100 ns */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_timer_message_payload) == 24, "timer payload");

/* 4.3 event-flags page: 16 areas of 256 bytes (2048 flags), area n for SINTn. */
#define HV_EVENT_FLAGS_BYTES		256
#define HV_EVENT_FLAGS_COUNT		(HV_EVENT_FLAGS_BYTES * 8)

/* ---- 5. Reference TSC page (TLFS 12.7) ----------------------------------- */

struct hv_tsc_page {
	volatile uint32_t tsc_sequence;	/* 0: invalid, use TIME_REF_COUNT */
	uint32_t reserved1;
	volatile uint64_t tsc_scale;	/* 64.64 fixed point */
	volatile int64_t tsc_offset;
	uint64_t reserved2[509];
} __attribute__((packed));
_Static_assert(offsetof(struct hv_tsc_page, tsc_scale) == 8, "TscScale @8");
_Static_assert(offsetof(struct hv_tsc_page, tsc_offset) == 16, "TscOffset @16");
_Static_assert(sizeof(struct hv_tsc_page) == 4096, "TSC page");

#define HV_REF_TIME_HZ			10000000ull	/* 100 ns units */

#endif
