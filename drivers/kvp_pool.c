/*
 * kvp_pool.c - the KVP answers (hv-vsc-protocols.md 2.7).  The host
 * enumerates the auto pool, index 0 up, until the guest answers "no more
 * items"; a Hyper-V host shows those pairs as the VM's intrinsic data
 * (Get-VM ... Msvm_KvpExchangeComponent.GuestIntrinsicExchangeItems).  The
 * keys and their order are the ones Linux's KVP daemon uses, so the host
 * sees a familiar set.  dormant keeps no other pool: set and delete are
 * refused politely (a failure status, the message echoed), and an
 * enumeration of another pool ends at once.  Nothing waits on this.
 */
#include <string.h>

#include "../kernel/kernel.h"
#include "kvp.h"

static void build_id(char *out)
{
	ksnprintf(out, KVP_TEXT_MAX, "%016lx", kernel_build_id());
}

static const struct {
	const char *key, *value;	/* value NULL: made by fn */
	void (*fn)(char *out);
} items[] = {
	{ "FullyQualifiedDomainName", "dormant", NULL },
	{ "IntegrationServicesVersion", DORMANT_VERSION, NULL },
	{ "NetworkAddressIPv4", "", NULL },	/* no network */
	{ "NetworkAddressIPv6", "", NULL },
	{ "OSBuildNumber", NULL, build_id },
	{ "OSName", "dormant", NULL },
	{ "OSMajorVersion", DORMANT_VERSION_MAJOR, NULL },
	{ "OSMinorVersion", DORMANT_VERSION_MINOR, NULL },
	{ "OSVersion", DORMANT_VERSION, NULL },
	{ "ProcessorArchitecture", "x86_64", NULL },
};

int kvp_auto_pair(uint32_t index, char key[KVP_TEXT_MAX], char value[KVP_TEXT_MAX])
{
	if (index >= ARRAY_SIZE(items))
		return -1;
	ksnprintf(key, KVP_TEXT_MAX, "%s", items[index].key);
	if (items[index].fn)
		items[index].fn(value);
	else
		ksnprintf(value, KVP_TEXT_MAX, "%s", items[index].value);
	return 0;
}

uint32_t kvp_utf16(uint8_t *out, uint32_t cap, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);
	if (2 * (n + 1) > cap)
		return 0;
	for (uint32_t i = 0; i <= n; i++) {
		out[2 * i] = (uint8_t)s[i];	/* ASCII: the high byte is 0 */
		out[2 * i + 1] = 0;
	}
	return 2 * (n + 1);
}

/* The pair into the message's value struct. */
static void fill(struct kvp_value *v, const char *key, const char *value)
{
	memset(v, 0, sizeof(*v));
	v->value_type = KVP_REG_SZ;
	v->key_size = kvp_utf16(v->key, sizeof(v->key), key);
	v->value_size = kvp_utf16(v->value, sizeof(v->value), value);
}

/* Does the UTF-16 key of size bytes name this ASCII key? */
static bool same_key(const uint8_t *k, uint32_t size, const char *ascii)
{
	uint32_t n = (uint32_t)strlen(ascii);
	if (size < 2 * n || size > KVP_MAX_KEY)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (k[2 * i] != (uint8_t)ascii[i] || k[2 * i + 1])
			return false;
	return size == 2 * n || (size >= 2 * n + 2 && !k[2 * n] && !k[2 * n + 1]);
}

static uint32_t enumerate(uint8_t *body, uint32_t len, const char **bad)
{
	struct kvp_enumerate e;
	char key[KVP_TEXT_MAX], value[KVP_TEXT_MAX];
	if (len < sizeof(e)) {
		*bad = "ENUMERATE shorter than its body";
		return KVP_E_FAIL;
	}
	memcpy(&e, body, sizeof(e));
	if (e.hdr.pool != KVP_POOL_AUTO || kvp_auto_pair(e.index, key, value) != 0)
		return KVP_S_CONT;
	fill(&e.data, key, value);
	memcpy(body, &e, sizeof(e));
	return KVP_S_OK;
}

static uint32_t get(uint8_t *body, uint32_t len, const char **bad)
{
	struct kvp_get g;
	char key[KVP_TEXT_MAX], value[KVP_TEXT_MAX];
	if (len < sizeof(g)) {
		*bad = "GET shorter than its body";
		return KVP_E_FAIL;
	}
	memcpy(&g, body, sizeof(g));
	if (g.hdr.pool != KVP_POOL_AUTO)
		return KVP_E_FAIL;
	for (uint32_t i = 0; kvp_auto_pair(i, key, value) == 0; i++) {
		if (same_key(g.data.key, g.data.key_size, key)) {
			fill(&g.data, key, value);
			memcpy(body, &g, sizeof(g));
			return KVP_S_OK;
		}
	}
	return KVP_E_FAIL;
}

uint32_t kvp_answer(uint8_t *body, uint32_t len, const char **bad)
{
	struct kvp_hdr h;
	*bad = NULL;
	if (len < sizeof(h)) {
		*bad = "request shorter than the KVP header";
		return KVP_E_FAIL;
	}
	memcpy(&h, body, sizeof(h));
	if (h.operation == KVP_OP_ENUMERATE)
		return enumerate(body, len, bad);
	if (h.operation == KVP_OP_GET)
		return get(body, len, bad);
	/* SET, DELETE, the IP operations: dormant keeps no such data. */
	return KVP_E_FAIL;
}
