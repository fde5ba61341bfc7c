/*
 * scsi.h - SCSI commands and answers (scsi.c): the CDBs storvsc sends,
 * and the parsers of what a disk returns (sense data, READ CAPACITY,
 * REPORT LUNS, INQUIRY).  Pure code: host tests and fuzzers compile it.
 *
 * Numbers from SPC-4 (commands, sense) and SBC-3 (READ/WRITE(16), READ
 * CAPACITY); multi-byte CDB and data fields are big-endian.  Every parser
 * takes the buffer and the number of bytes the device actually returned,
 * and refuses (with a reason) what it cannot trust.
 */
#ifndef DORMANT_SCSI_H
#define DORMANT_SCSI_H

#include <stdbool.h>
#include <stdint.h>

/* Operation codes */
#define SCSI_TEST_UNIT_READY	0x00
#define SCSI_REQUEST_SENSE	0x03
#define SCSI_INQUIRY		0x12
#define SCSI_READ_CAPACITY_10	0x25
#define SCSI_SYNCHRONIZE_CACHE_10 0x35
#define SCSI_READ_16		0x88
#define SCSI_WRITE_16		0x8a
#define SCSI_SERVICE_ACTION_IN	0x9e	/* READ CAPACITY(16): action 0x10 */
#define SCSI_SAI_READ_CAPACITY_16 0x10
#define SCSI_REPORT_LUNS	0xa0

/* Status byte (SAM-5) */
#define SCSI_STATUS_GOOD		0x00
#define SCSI_STATUS_CHECK_CONDITION	0x02
#define SCSI_STATUS_BUSY		0x08

/* Sense keys (SPC-4 4.5.6) */
enum scsi_sense_key {
	SCSI_SK_NO_SENSE = 0x0, SCSI_SK_RECOVERED = 0x1, SCSI_SK_NOT_READY = 0x2,
	SCSI_SK_MEDIUM_ERROR = 0x3, SCSI_SK_HARDWARE_ERROR = 0x4,
	SCSI_SK_ILLEGAL_REQUEST = 0x5, SCSI_SK_UNIT_ATTENTION = 0x6,
	SCSI_SK_DATA_PROTECT = 0x7, SCSI_SK_BLANK_CHECK = 0x8,
	SCSI_SK_ABORTED_COMMAND = 0xb, SCSI_SK_MISCOMPARE = 0xe,
};

/* CDB builders: fill cdb (16 bytes), return its length. */
unsigned scsi_cdb_test_unit_ready(uint8_t cdb[16]);
unsigned scsi_cdb_inquiry(uint8_t cdb[16], uint16_t alloc);
unsigned scsi_cdb_read_capacity10(uint8_t cdb[16]);
unsigned scsi_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc);
unsigned scsi_cdb_report_luns(uint8_t cdb[16], uint32_t alloc);
unsigned scsi_cdb_rw16(uint8_t cdb[16], bool write, uint64_t lba, uint32_t blocks, bool fua);
unsigned scsi_cdb_sync_cache(uint8_t cdb[16]);

/* Decoded sense data (fixed 0x70/0x71 or descriptor 0x72/0x73 format). */
struct scsi_sense {
	uint8_t key, asc, ascq;
	bool deferred;
};
/* NULL and *out filled, or the reason the bytes are not sense data. */
const char *scsi_sense_parse(const uint8_t *buf, uint32_t len, struct scsi_sense *out);
/* "medium error: unrecovered read error (11/00)" and the like. */
void scsi_sense_describe(const struct scsi_sense *s, char *out, unsigned cap);
const char *scsi_sense_key_name(uint8_t key);

/* READ CAPACITY answers: the number of blocks (last LBA + 1) and the
 * block size.  (10) reports 0xffffffff when the disk needs (16). */
struct scsi_capacity {
	uint64_t blocks;
	uint32_t block_size;
	bool need_16;		/* (10) said "too big for me" */
};
const char *scsi_capacity10_parse(const uint8_t *buf, uint32_t len, struct scsi_capacity *out);
const char *scsi_capacity16_parse(const uint8_t *buf, uint32_t len, struct scsi_capacity *out);

/* REPORT LUNS: up to max LUN numbers (peripheral/flat addressing). */
const char *scsi_report_luns_parse(const uint8_t *buf, uint32_t len, uint16_t *luns,
				   unsigned max, unsigned *n);

/* Standard INQUIRY: peripheral qualifier/type and the identification. */
struct scsi_inquiry {
	uint8_t qualifier, type;	/* qualifier 3: no device at this LUN */
	bool removable;
	char vendor[9], product[17], revision[5];	/* trailing spaces cut */
};
const char *scsi_inquiry_parse(const uint8_t *buf, uint32_t len, struct scsi_inquiry *out);
#define SCSI_TYPE_DISK		0x00
#define SCSI_QUALIFIER_ABSENT	3

#endif
