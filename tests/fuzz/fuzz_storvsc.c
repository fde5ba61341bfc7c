/* fuzz_storvsc.c - storvsc's reading of a completion (drivers/
 * storvsc_status.c): the host's vstor_packet bytes, then what they mean
 * for a request of the size the first bytes choose. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/storvsc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5 || size > 256)
		return 0;
	uint32_t want;
	memcpy(&want, data, 4);
	bool short_ok = data[4] & 1;
	uint32_t sense_max = data[4] & 2 ? 18 : 20;
	struct storvsc_result r;
	if (storvsc_result_parse(data + 5, (uint32_t)size - 5, sense_max, &r))
		return 0;
	if (r.sense_len > sense_max)
		abort();
	char why[96];
	uint32_t done;
	int st = storvsc_decode(&r, want, short_ok, &done, why, sizeof(why));
	if (done > want || strlen(why) >= sizeof(why))
		abort();
	if (st == BLK_OK && !short_ok && done != want)
		abort();	/* a short transfer never passes as complete */
	return 0;
}
