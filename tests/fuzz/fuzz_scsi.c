/* fuzz_scsi.c - the parsers of what a disk returns (drivers/scsi.c):
 * sense data, READ CAPACITY(10)/(16), REPORT LUNS, INQUIRY.  The first
 * byte picks the parser; the rest is the device's answer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/scsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	const uint8_t *buf = data + 1;
	uint32_t len = (uint32_t)size - 1;
	switch (data[0] % 5) {
	case 0: {
		struct scsi_sense s;
		char text[64];
		if (!scsi_sense_parse(buf, len, &s)) {
			scsi_sense_describe(&s, text, sizeof(text));
			if (strlen(text) >= sizeof(text) || s.key > 15)
				abort();
		}
		break;
	}
	case 1:
	case 2: {
		struct scsi_capacity c;
		const char *why = data[0] % 5 == 1 ? scsi_capacity10_parse(buf, len, &c)
						   : scsi_capacity16_parse(buf, len, &c);
		if (!why && !c.need_16 && (c.blocks == 0 || c.block_size < 512 ||
					   (c.block_size & (c.block_size - 1))))
			abort();
		break;
	}
	case 3: {
		uint16_t luns[8];
		unsigned n;
		scsi_report_luns_parse(buf, len, luns, 8, &n);
		if (n > 8)
			abort();
		for (unsigned i = 0; i < n; i++)
			if (luns[i] > 0x3fff)
				abort();
		break;
	}
	default: {
		struct scsi_inquiry q;
		if (!scsi_inquiry_parse(buf, len, &q) &&
		    (strlen(q.vendor) > 8 || strlen(q.product) > 16 || strlen(q.revision) > 4))
			abort();
	}
	}
	return 0;
}
