/*
 * storvsc_status.c - what a storvsc completion means (hv-vsc-protocols.md
 * 1.6, 1.8, 1.11).  Pure: the kernel, the host tests and the fuzzer
 * compile it.  The host's bytes are untrusted: lengths are clamped and
 * sense data is believed only when the SRB says it is there.
 */
#include <string.h>

#include "../kernel/fmt.h"
#include "scsi.h"
#include "storvsc.h"

static const char *const srb_names[VSTOR_SRB_CODE_MASK + 1] = {
	[VSTOR_SRB_PENDING] = "pending",
	[VSTOR_SRB_SUCCESS] = "success",
	[VSTOR_SRB_ABORTED] = "aborted",
	[VSTOR_SRB_ERROR] = "error",
	[VSTOR_SRB_BUSY] = "busy",
	[VSTOR_SRB_INVALID_REQUEST] = "invalid request",
	[VSTOR_SRB_NO_DEVICE] = "no device",
	[VSTOR_SRB_TIMEOUT] = "timeout",
	[VSTOR_SRB_SELECTION_TIMEOUT] = "selection timeout",
	[VSTOR_SRB_COMMAND_TIMEOUT] = "command timeout",
	[VSTOR_SRB_BUS_RESET] = "bus reset",
	[VSTOR_SRB_DATA_OVERRUN] = "data overrun",
	[VSTOR_SRB_REQUEST_FLUSHED] = "request flushed",
	[VSTOR_SRB_INVALID_LUN] = "invalid LUN",
	[VSTOR_SRB_INVALID_TARGET_ID] = "invalid target",
	[VSTOR_SRB_BAD_FUNCTION] = "bad function",
};

const char *storvsc_srb_name(uint8_t srb_status)
{
	const char *n = srb_names[srb_status & VSTOR_SRB_CODE_MASK];
	return n ? n : "unknown";
}

/* 1.8: the completion's vstor_packet; before WIN8 it is 48 bytes and
 * the sense area 18. */
const char *storvsc_result_parse(const uint8_t *pkt, uint32_t len, uint32_t sense_max,
				 struct storvsc_result *out)
{
	struct vstor_packet p;
	memset(out, 0, sizeof(*out));
	if (len < VSTOR_PACKET_SIZE_PRE8)
		return "completion shorter than a vstor_packet";
	memset(&p, 0, sizeof(p));
	memcpy(&p, pkt, len < sizeof(p) ? len : sizeof(p));
	if (p.operation != VSTOR_OP_COMPLETE_IO)
		return "completion is not COMPLETE_IO";
	out->status = p.status;
	out->srb_status = p.srb.srb_status;
	out->scsi_status = p.srb.scsi_status;
	out->transferred = p.srb.data_transfer_length;
	if (sense_max > VSTOR_SENSE_MAX)
		sense_max = VSTOR_SENSE_MAX;
	/* 1.8: sense is valid only with CHECK CONDITION and AUTOSENSE_VALID. */
	if (p.srb.scsi_status == SCSI_STATUS_CHECK_CONDITION &&
	    (p.srb.srb_status & VSTOR_SRB_AUTOSENSE_VALID)) {
		out->sense_len = p.srb.sense_info_length < sense_max ? p.srb.sense_info_length
								      : (uint8_t)sense_max;
		memcpy(out->sense, p.srb.sense, out->sense_len);
	}
	return NULL;
}

/* A sense key as a blk status (SPC-4 4.5.6); RETRY for the transient. */
static const int sense_status[16] = {
	[SCSI_SK_NO_SENSE] = BLK_E_IO, [SCSI_SK_RECOVERED] = BLK_OK,
	[SCSI_SK_NOT_READY] = BLK_E_IO, [SCSI_SK_MEDIUM_ERROR] = BLK_E_MEDIUM,
	[SCSI_SK_HARDWARE_ERROR] = BLK_E_IO, [SCSI_SK_ILLEGAL_REQUEST] = BLK_E_IO,
	[SCSI_SK_UNIT_ATTENTION] = STORVSC_RETRY, [SCSI_SK_DATA_PROTECT] = BLK_E_READONLY,
	[SCSI_SK_BLANK_CHECK] = BLK_E_IO, [0x9] = BLK_E_IO, [0xa] = BLK_E_IO,
	[SCSI_SK_ABORTED_COMMAND] = STORVSC_RETRY, [0xc] = BLK_E_IO, [0xd] = BLK_E_IO,
	[SCSI_SK_MISCOMPARE] = BLK_E_IO, [0xf] = BLK_E_IO,
};

/* SRB codes that are not SUCCESS/DATA_OVERRUN and need no sense. */
static const struct {
	uint8_t code;
	int status;
} srb_status[] = {
	{ VSTOR_SRB_BUSY, STORVSC_RETRY },
	{ VSTOR_SRB_INVALID_LUN, BLK_E_GONE },
	{ VSTOR_SRB_INVALID_TARGET_ID, BLK_E_GONE },
	{ VSTOR_SRB_NO_DEVICE, BLK_E_GONE },
	{ VSTOR_SRB_SELECTION_TIMEOUT, BLK_E_GONE },
	{ VSTOR_SRB_TIMEOUT, BLK_E_TIMEOUT },
	{ VSTOR_SRB_COMMAND_TIMEOUT, BLK_E_TIMEOUT },
};

int storvsc_decode(const struct storvsc_result *r, uint32_t want, bool short_ok,
		   uint32_t *done, char *why, unsigned cap)
{
	uint8_t code = r->srb_status & VSTOR_SRB_CODE_MASK;
	*done = 0;
	ksnprintf(why, cap, "%s", "");
	if (r->sense_len) {
		struct scsi_sense s;
		const char *bad = scsi_sense_parse(r->sense, r->sense_len, &s);
		if (bad) {
			ksnprintf(why, cap, "CHECK CONDITION with unreadable sense: %s", bad);
			return BLK_E_IO;
		}
		scsi_sense_describe(&s, why, cap);
		int st = sense_status[s.key & 15];
		if (st != BLK_OK)
			return st;
		/* RECOVERED ERROR: the command did its work; count it below. */
	}
	if (r->sense_len || ((code == VSTOR_SRB_SUCCESS || code == VSTOR_SRB_DATA_OVERRUN) &&
			     r->scsi_status == SCSI_STATUS_GOOD)) {
		/* 1.11 step 4: the count, clamped to what was asked. */
		*done = r->transferred < want ? r->transferred : want;
		if (*done < want && !short_ok) {
			ksnprintf(why, cap, "short transfer: %u of %u bytes", *done, want);
			return BLK_E_IO;
		}
		return BLK_OK;
	}
	if (r->scsi_status == SCSI_STATUS_BUSY) {
		ksnprintf(why, cap, "device busy");
		return STORVSC_RETRY;
	}
	for (unsigned i = 0; i < sizeof(srb_status) / sizeof(srb_status[0]); i++)
		if (srb_status[i].code == code) {
			ksnprintf(why, cap, "SRB status %s", storvsc_srb_name(code));
			return srb_status[i].status;
		}
	if (r->scsi_status == SCSI_STATUS_CHECK_CONDITION)
		ksnprintf(why, cap, "CHECK CONDITION without sense, SRB status %s",
			  storvsc_srb_name(code));
	else
		ksnprintf(why, cap, "SRB status %s", storvsc_srb_name(code));
	return BLK_E_IO;
}
