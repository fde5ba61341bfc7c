/*
 * kvp_wire.h - the KVP (data exchange) Integration Component's message
 * body (hv-vsc-protocols.md 2.7; layouts as Linux's and FreeBSD's packed
 * hv_kvp_msg).  It follows the 28-byte IC header (ic_wire.h): a 4-byte
 * header naming the operation and pool, then the operation's body.  Keys
 * and values are UTF-16LE with their sizes in bytes, terminator included.
 */
#ifndef DORMANT_KVP_WIRE_H
#define DORMANT_KVP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define KVP_PACKED	__attribute__((packed))

#define KVP_OP_GET		0u
#define KVP_OP_SET		1u
#define KVP_OP_DELETE		2u
#define KVP_OP_ENUMERATE	3u
#define KVP_OP_GET_IP_INFO	4u
#define KVP_OP_SET_IP_INFO	5u

#define KVP_POOL_EXTERNAL	0u
#define KVP_POOL_GUEST		1u
#define KVP_POOL_AUTO		2u	/* what the guest says about itself */
#define KVP_POOL_AUTO_EXTERNAL	3u
#define KVP_POOL_AUTO_INTERNAL	4u

#define KVP_MAX_KEY		512u	/* bytes of UTF-16 */
#define KVP_MAX_VALUE		2048u
#define KVP_REG_SZ		1u	/* value_type: a string */

/* 2.1 statuses this service answers with */
#define KVP_S_OK		0x00000000u
#define KVP_E_FAIL		0x80004005u
#define KVP_S_CONT		0x80070103u	/* no more items: enumeration ends */

struct kvp_hdr {
	uint8_t operation;
	uint8_t pool;
	uint16_t pad;
} KVP_PACKED;
_Static_assert(sizeof(struct kvp_hdr) == 4, "2.7 header padded to 4");

struct kvp_value {
	uint32_t value_type;
	uint32_t key_size;
	uint32_t value_size;
	uint8_t key[KVP_MAX_KEY];
	uint8_t value[KVP_MAX_VALUE];
} KVP_PACKED;
_Static_assert(sizeof(struct kvp_value) == 2572, "kvp_exchg_msg_value 2572");
_Static_assert(offsetof(struct kvp_value, key) == 12, "key @12");
_Static_assert(offsetof(struct kvp_value, value) == 524, "value @524");

/* ENUMERATE: the host names an index, the guest fills in the pair */
struct kvp_enumerate {
	struct kvp_hdr hdr;
	uint32_t index;
	struct kvp_value data;
} KVP_PACKED;
_Static_assert(sizeof(struct kvp_enumerate) == 2580, "enumerate body 2580");
_Static_assert(offsetof(struct kvp_enumerate, data) == 8, "data @8");

/* GET and SET: the pair itself */
struct kvp_get {
	struct kvp_hdr hdr;
	struct kvp_value data;
} KVP_PACKED;
_Static_assert(sizeof(struct kvp_get) == 2576, "get/set body 2576");

/* DELETE: the key only */
struct kvp_delete {
	struct kvp_hdr hdr;
	uint32_t key_size;
	uint8_t key[KVP_MAX_KEY];
} KVP_PACKED;
_Static_assert(sizeof(struct kvp_delete) == 520, "delete body 520");

#endif
