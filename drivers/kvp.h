/*
 * kvp.h - what the guest tells the host through KVP (kvp_pool.c, pure)
 * and the service that answers (kvp.c).
 */
#ifndef DORMANT_KVP_H
#define DORMANT_KVP_H

#include <stdint.h>

#include "kvp_wire.h"

#define KVP_TEXT_MAX	64	/* longest key or value dormant says */

/* The auto pool's index'th pair as ASCII; 0, or -1 past the end. */
int kvp_auto_pair(uint32_t index, char key[KVP_TEXT_MAX], char value[KVP_TEXT_MAX]);
/* ASCII into a KVP key or value: UTF-16LE with its terminator; returns
 * the size in bytes, or 0 when it does not fit in cap. */
uint32_t kvp_utf16(uint8_t *out, uint32_t cap, const char *s);
/* Answer one KVP body of len bytes in place (the answer is the request
 * rewritten, same size); returns the status for the IC header, and sets
 * *bad to the reason when the request is malformed (else NULL). */
uint32_t kvp_answer(uint8_t *body, uint32_t len, const char **bad);

#endif
