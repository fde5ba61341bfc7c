/*
 * scsi.c - SCSI CDBs and the parsers of disk answers (scsi.h).
 */
#include "scsi.h"

#include <stddef.h>
#include <string.h>

static void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, (uint16_t)(v >> 16)); be16(p + 2, (uint16_t)v); }
static void be64(uint8_t *p, uint64_t v) { be32(p, (uint32_t)(v >> 32)); be32(p + 4, (uint32_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }

/* ---- CDBs ---------------------------------------------------------------- */

unsigned scsi_cdb_test_unit_ready(uint8_t cdb[16])
{
	memset(cdb, 0, 16);
	return 6;
}

/* SPC-4 6.6: standard INQUIRY (EVPD 0), allocation length at 3..4. */
unsigned scsi_cdb_inquiry(uint8_t cdb[16], uint16_t alloc)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_INQUIRY;
	be16(cdb + 3, alloc);
	return 6;
}

unsigned scsi_cdb_read_capacity10(uint8_t cdb[16])
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_READ_CAPACITY_10;
	return 10;
}

/* SBC-3 5.16: SERVICE ACTION IN(16), action READ CAPACITY(16), allocation
 * length at 10..13. */
unsigned scsi_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_SERVICE_ACTION_IN;
	cdb[1] = SCSI_SAI_READ_CAPACITY_16;
	be32(cdb + 10, alloc);
	return 16;
}

/* SPC-4 6.33: REPORT LUNS, select report 0, allocation length at 6..9. */
unsigned scsi_cdb_report_luns(uint8_t cdb[16], uint32_t alloc)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_REPORT_LUNS;
	be32(cdb + 6, alloc);
	return 12;
}

/* SBC-3 5.8 / 5.38: READ(16) / WRITE(16): LBA at 2..9, blocks at 10..13,
 * FUA is bit 3 of byte 1. */
unsigned scsi_cdb_rw16(uint8_t cdb[16], bool write, uint64_t lba, uint32_t blocks, bool fua)
{
	memset(cdb, 0, 16);
	cdb[0] = write ? SCSI_WRITE_16 : SCSI_READ_16;
	cdb[1] = fua ? 0x08 : 0;
	be64(cdb + 2, lba);
	be32(cdb + 10, blocks);
	return 16;
}

/* SBC-3 5.22: SYNCHRONIZE CACHE(10), the whole medium (LBA 0, count 0). */
unsigned scsi_cdb_sync_cache(uint8_t cdb[16])
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_SYNCHRONIZE_CACHE_10;
	return 10;
}

/* ---- sense data (SPC-4 4.5) ------------------------------------------------ */

const char *scsi_sense_parse(const uint8_t *buf, uint32_t len, struct scsi_sense *out)
{
	if (len < 1)
		return "no sense bytes";
	uint8_t code = buf[0] & 0x7f;
	memset(out, 0, sizeof(*out));
	out->deferred = code == 0x71 || code == 0x73;
	if (code == 0x70 || code == 0x71) {
		/* Fixed format: key at 2, ASC/ASCQ at 12/13 (need 14 bytes). */
		if (len < 14)
			return "fixed-format sense shorter than 14 bytes";
		out->key = buf[2] & 0x0f;
		out->asc = buf[12];
		out->ascq = buf[13];
		return NULL;
	}
	if (code == 0x72 || code == 0x73) {
		/* Descriptor format: key, ASC, ASCQ at 1, 2, 3. */
		if (len < 4)
			return "descriptor-format sense shorter than 4 bytes";
		out->key = buf[1] & 0x0f;
		out->asc = buf[2];
		out->ascq = buf[3];
		return NULL;
	}
	return "unknown sense response code";
}

static const char *const key_names[16] = {
	"no sense", "recovered error", "not ready", "medium error", "hardware error",
	"illegal request", "unit attention", "data protect", "blank check",
	"vendor specific", "copy aborted", "aborted command", "reserved (0xc)",
	"volume overflow", "miscompare", "completed",
};

const char *scsi_sense_key_name(uint8_t key)
{
	return key_names[key & 0x0f];
}

/* The additional sense codes a virtual disk is likely to report. */
static const struct {
	uint8_t asc, ascq;
	const char *text;
} ascs[] = {
	{ 0x04, 0x00, "not ready, cause not reportable" },
	{ 0x04, 0x01, "becoming ready" },
	{ 0x0c, 0x00, "write error" },
	{ 0x11, 0x00, "unrecovered read error" },
	{ 0x20, 0x00, "invalid command operation code" },
	{ 0x21, 0x00, "logical block address out of range" },
	{ 0x24, 0x00, "invalid field in CDB" },
	{ 0x25, 0x00, "logical unit not supported" },
	{ 0x27, 0x00, "write protected" },
	{ 0x28, 0x00, "not ready to ready change" },
	{ 0x29, 0x00, "power on or reset occurred" },
	{ 0x2a, 0x09, "capacity data has changed" },
	{ 0x3a, 0x00, "medium not present" },
	{ 0x3f, 0x0e, "reported LUNs data has changed" },
};

void scsi_sense_describe(const struct scsi_sense *s, char *out, unsigned cap)
{
	const char *text = NULL;
	for (size_t i = 0; i < sizeof(ascs) / sizeof(ascs[0]) && !text; i++)
		if (ascs[i].asc == s->asc && ascs[i].ascq == s->ascq)
			text = ascs[i].text;
	static const char hex[] = "0123456789abcdef";
	char code[8] = { hex[s->asc >> 4], hex[s->asc & 15], '/', hex[s->ascq >> 4],
			 hex[s->ascq & 15], 0 };
	const char *key = scsi_sense_key_name(s->key);
	/* "KEY: TEXT (AA/QQ)" without printf: this file is freestanding. */
	unsigned n = 0;
	const char *parts[] = { key, text ? ": " : "", text ? text : "", " (", code, ")",
				s->deferred ? ", deferred" : "" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *p = parts[i]; *p && n + 1 < cap; p++)
			out[n++] = *p;
	if (cap)
		out[n] = 0;
}

/* ---- READ CAPACITY (SBC-3 5.15, 5.16) ------------------------------------ */

static const char *check_block_size(uint32_t bs)
{
	/* A power of two from 512 to 64 KiB: anything else is nonsense. */
	if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
		return "block size not a power of two from 512 to 65536";
	return NULL;
}

const char *scsi_capacity10_parse(const uint8_t *buf, uint32_t len, struct scsi_capacity *out)
{
	if (len < 8)
		return "READ CAPACITY(10) data shorter than 8 bytes";
	uint32_t last = get32(buf), bs = get32(buf + 4);
	memset(out, 0, sizeof(*out));
	if (last == 0xffffffffu) {
		out->need_16 = true;	/* more than 2^32 blocks: ask (16) */
		return NULL;
	}
	const char *why = check_block_size(bs);
	if (why)
		return why;
	out->blocks = (uint64_t)last + 1;
	out->block_size = bs;
	return NULL;
}

const char *scsi_capacity16_parse(const uint8_t *buf, uint32_t len, struct scsi_capacity *out)
{
	if (len < 12)
		return "READ CAPACITY(16) data shorter than 12 bytes";
	uint64_t last = get64(buf);
	uint32_t bs = get32(buf + 8);
	memset(out, 0, sizeof(*out));
	if (last == UINT64_MAX)
		return "READ CAPACITY(16) reports 2^64 blocks";
	const char *why = check_block_size(bs);
	if (why)
		return why;
	out->blocks = last + 1;
	out->block_size = bs;
	return NULL;
}

/* ---- REPORT LUNS (SPC-4 6.33) -------------------------------------------- */

const char *scsi_report_luns_parse(const uint8_t *buf, uint32_t len, uint16_t *luns,
				   unsigned max, unsigned *n)
{
	*n = 0;
	if (len < 8)
		return "REPORT LUNS data shorter than its 8-byte header";
	uint32_t list = get32(buf);
	if (list % 8)
		return "REPORT LUNS list length not a multiple of 8";
	/* The list may be longer than what came back (allocation length):
	 * parse what is here. */
	uint32_t have = (len - 8) / 8, want = list / 8;
	uint32_t count = have < want ? have : want;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = buf + 8 + 8 * i;
		uint8_t method = e[0] >> 6;
		/* Peripheral (0) or flat (1) addressing of a single level. */
		if (method > 1 || get16(e + 2) || get32(e + 4))
			continue;
		uint16_t lun = (uint16_t)(get16(e) & 0x3fff);
		if (*n < max)
			luns[(*n)++] = lun;
	}
	return NULL;
}

/* ---- INQUIRY (SPC-4 6.6.2) ----------------------------------------------- */

/* ASCII, space-padded (SPC-4 4.4.1); NULs (zeroed fields of an absent
 * LUN) count as padding, other control bytes show as '?'. */
static void text_field(char *out, const uint8_t *in, unsigned n)
{
	unsigned end = 0;
	for (unsigned i = 0; i < n; i++) {
		char c = (char)in[i];
		bool blank = c == ' ' || c == 0;
		out[i] = blank ? ' ' : c > ' ' && c < 0x7f ? c : '?';
		if (!blank)
			end = i + 1;
	}
	out[end] = 0;
}

const char *scsi_inquiry_parse(const uint8_t *buf, uint32_t len, struct scsi_inquiry *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 5)
		return "INQUIRY data shorter than 5 bytes";
	out->qualifier = buf[0] >> 5;
	out->type = buf[0] & 0x1f;
	out->removable = buf[1] & 0x80;
	if (len >= 36) {
		text_field(out->vendor, buf + 8, 8);
		text_field(out->product, buf + 16, 16);
		text_field(out->revision, buf + 32, 4);
	}
	return NULL;
}
