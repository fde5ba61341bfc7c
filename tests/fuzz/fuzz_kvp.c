/*
 * fuzz_kvp.c - libFuzzer harness for the KVP answers (drivers/
 * kvp_pool.c kvp_answer): any bytes as a KVP body.  The answer is the
 * request rewritten in place: nothing past its length may change, a
 * malformed request is named, and a success carries sizes that fit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../drivers/kvp.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)
#define CAP		4096
#define NOCOV		__attribute__((no_sanitize("coverage"), noinline))

uint64_t kernel_build_id(void) { return 0x0123456789abcdefull; }

/* Bytes [from, n) still the fill (a harness helper: not instrumented
 * for coverage, it runs over 4 KiB every input). */
NOCOV static int untouched(const uint8_t *b, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++)
		if (b[i] != 0xa5)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static uint8_t body[CAP + 64];
	const char *bad;
	if (n > CAP)
		return 0;
	memset(body, 0xa5, sizeof(body));
	memcpy(body, in, n);
	uint32_t st = kvp_answer(body, (uint32_t)n, &bad);
	CHECK(untouched(body, n, sizeof(body)));
	CHECK(st == KVP_S_OK || st == KVP_E_FAIL || st == KVP_S_CONT);
	if (bad)
		CHECK(st == KVP_E_FAIL);
	if (st == KVP_S_OK) {
		uint32_t at = body[0] == KVP_OP_ENUMERATE ? 8 : 4, ks, vs;
		memcpy(&ks, body + at + 4, 4);
		memcpy(&vs, body + at + 8, 4);
		CHECK(ks >= 2 && ks <= KVP_MAX_KEY && vs >= 2 && vs <= KVP_MAX_VALUE);
	}
	return 0;
}
