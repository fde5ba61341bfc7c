/*
 * hvsim_defs.h - the hypervisor interface as the emulated host sees it.
 *
 * Written from shared/docs/hv-core-protocol.md (TLFS v6.0b) independently
 * of hv/hv_tlfs.h, on purpose: the guest and the emulator each carry their
 * own reading of the specification, so a wrong number on one side makes
 * the tests fail instead of agreeing with itself.
 */
#ifndef HVSIM_DEFS_H
#define HVSIM_DEFS_H

#include <stdint.h>

/* CPUID leaves (1.1-1.4) */
#define SIM_LEAF_VENDOR		0x40000000u
#define SIM_LEAF_INTERFACE	0x40000001u
#define SIM_LEAF_VERSION	0x40000002u
#define SIM_LEAF_FEATURES	0x40000003u
#define SIM_LEAF_RECOMMEND	0x40000004u
#define SIM_LEAF_LIMITS		0x40000005u
#define SIM_LEAF_HWFEATURES	0x40000006u
#define SIM_SIGNATURE_HV1	0x31237648u

/* Features EAX: which synthetic MSRs exist (1.2) */
#define SIM_PRIV_VP_RUNTIME	0x0001u
#define SIM_PRIV_REF_COUNTER	0x0002u
#define SIM_PRIV_SYNIC		0x0004u
#define SIM_PRIV_STIMER		0x0008u
#define SIM_PRIV_APIC_MSRS	0x0010u
#define SIM_PRIV_HYPERCALL	0x0020u
#define SIM_PRIV_VP_INDEX	0x0040u
#define SIM_PRIV_RESET		0x0080u
#define SIM_PRIV_REF_TSC	0x0200u
#define SIM_PRIV_IDLE		0x0400u
#define SIM_PRIV_FREQUENCIES	0x0800u
/* Features EBX: hypercalls */
#define SIM_CALL_POST_MESSAGE	0x0010u
#define SIM_CALL_SIGNAL_EVENT	0x0020u
/* Features EDX */
#define SIM_FEAT_FREQ_MSRS	0x00000100u
#define SIM_FEAT_CRASH_MSRS	0x00000400u
#define SIM_FEAT_DIRECT_STIMER	0x00080000u
/* Recommendations EAX */
#define SIM_REC_RELAXED_TIMING	0x0020u
#define SIM_REC_NO_AUTO_EOI	0x0200u

/* MSRs (2.1) */
enum {
	SIM_MSR_OS_ID = 0x40000000,
	SIM_MSR_HYPERCALL = 0x40000001,
	SIM_MSR_VP_INDEX = 0x40000002,
	SIM_MSR_RESET = 0x40000003,
	SIM_MSR_VP_RUNTIME = 0x40000010,
	SIM_MSR_REF_COUNT = 0x40000020,
	SIM_MSR_REF_TSC = 0x40000021,
	SIM_MSR_TSC_FREQ = 0x40000022,
	SIM_MSR_APIC_FREQ = 0x40000023,
	SIM_MSR_SCONTROL = 0x40000080,
	SIM_MSR_SVERSION = 0x40000081,
	SIM_MSR_SIEFP = 0x40000082,
	SIM_MSR_SIMP = 0x40000083,
	SIM_MSR_EOM = 0x40000084,
	SIM_MSR_SINT_FIRST = 0x40000090,
	SIM_MSR_SINT_LAST = 0x4000009f,
	SIM_MSR_STIMER_FIRST = 0x400000b0,	/* config at even, count at odd */
	SIM_MSR_STIMER_LAST = 0x400000b7,
	SIM_MSR_CRASH_FIRST = 0x40000100,	/* P0..P4 */
	SIM_MSR_CRASH_LAST = 0x40000104,
	SIM_MSR_CRASH_CTL = 0x40000105,
};

/* Overlay MSR layout: bit 0 on, bit 1 locked (hypercall only), 11:1 kept,
 * 63:12 page number. */
#define SIM_PAGE_ON		0x1ull
#define SIM_PAGE_LOCKED		0x2ull
#define SIM_PAGE_KEEP		0xffeull
#define SIM_PAGE_ADDR(v)	((v) & ~0xfffull)

/* SINT (2.3) */
#define SIM_SINT_VECTOR(v)	((uint8_t)((v) & 0xff))
#define SIM_SINT_MASK_BIT	(1ull << 16)
#define SIM_SINT_AEOI_BIT	(1ull << 17)
#define SIM_SINT_POLL_BIT	(1ull << 18)

/* STIMER config (2.4) */
#define SIM_TMR_ENABLE		(1ull << 0)
#define SIM_TMR_PERIODIC	(1ull << 1)
#define SIM_TMR_AUTOENABLE	(1ull << 3)
#define SIM_TMR_VECTOR(v)	((uint8_t)(((v) >> 4) & 0xff))
#define SIM_TMR_DIRECT		(1ull << 12)
#define SIM_TMR_SINT(v)		((unsigned)(((v) >> 16) & 0xf))

/* Crash control (2.5) */
#define SIM_CRASH_NOTIFY	(1ull << 63)
#define SIM_CRASH_MESSAGE	(1ull << 62)

/* Hypercalls (3.3-3.6) */
#define SIM_HC_CODE(c)		((uint16_t)((c) & 0xffff))
#define SIM_HC_FAST		(1ull << 16)
#define SIM_HC_VARHDR(c)	(((c) >> 17) & 0x3ff)	/* 8-byte units */
#define SIM_HC_REP_COUNT(c)	(((c) >> 32) & 0xfff)
#define SIM_HC_REP_START(c)	(((c) >> 48) & 0xfff)
/* bits 26:17 variable header size, 31 nested, 43:32 rep count,
 * 59:48 rep start; everything else reserved */
#define SIM_HC_RESERVED		0xf000f00078000000ull
#define SIM_CALL_POSTMSG	0x5c
#define SIM_CALL_SIGNAL		0x5d
#define SIM_ST_OK		0x0
#define SIM_ST_BAD_CODE		0x2
#define SIM_ST_BAD_INPUT	0x3
#define SIM_ST_BAD_ALIGN	0x4
#define SIM_ST_BAD_PARAM	0x5
#define SIM_ST_DENIED		0x6
#define SIM_ST_BAD_CONNECTION	0x12
#define SIM_ST_NO_BUFFERS	0x13
#define SIM_ST_BAD_SYNIC_STATE	0x18

/* SynIC pages (4.2, 4.3) */
#define SIM_SLOT_BYTES		256
#define SIM_SLOT_TYPE_OFF	0
#define SIM_SLOT_SIZE_OFF	4
#define SIM_SLOT_FLAGS_OFF	5
#define SIM_SLOT_ORIGIN_OFF	8
#define SIM_SLOT_DATA_OFF	16
#define SIM_SLOT_DATA_MAX	240
#define SIM_SLOT_PENDING	0x1
#define SIM_MSGTYPE_TIMER	0x80000010u
#define SIM_FLAG_AREA_BYTES	256

/* Reference TSC page (5.2) */
#define SIM_TSCPAGE_SEQ_OFF	0
#define SIM_TSCPAGE_SCALE_OFF	8
#define SIM_TSCPAGE_OFFSET_OFF	16
#define SIM_REF_HZ		10000000ull

#endif
