/*
 * cmdline.c - split and interpret the command line; see cmdline.h.
 */
#include "cmdline.h"

#include <stdint.h>
#include <string.h>

#include "fmt.h"

enum opt_kind { OPT_FLAG, OPT_VALUE };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t offset;
};

#define FLAG(n)		{ #n, OPT_FLAG, offsetof(struct kopts, n) }
#define VALUE(n)	{ #n, OPT_VALUE, offsetof(struct kopts, n) }

static const struct opt opts[] = {
	FLAG(test), FLAG(selftest), FLAG(acpidump), FLAG(nofb),
	VALUE(crash), VALUE(hz), VALUE(hvsim), VALUE(stack),
	VALUE(blktest), VALUE(iotimeout), VALUE(powerbutton),
};

static void warn(struct kopts *o, const char *word, const char *why)
{
	if (o->nwarn < (int)(sizeof(o->warn) / sizeof(o->warn[0]))) {
		ksnprintf(o->warn[o->nwarn], sizeof(o->warn[0]), "%s", word);
		ksnprintf(o->why[o->nwarn], sizeof(o->why[0]), "%s", why);
	}
	o->nwarn++;
}

static void apply(struct kopts *o, const char *word)
{
	const char *eq = strchr(word, '=');
	size_t nlen = eq ? (size_t)(eq - word) : strlen(word);

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const struct opt *op = &opts[i];
		if (strlen(op->name) != nlen || memcmp(op->name, word, nlen) != 0)
			continue;
		char *field = (char *)o + op->offset;
		if (op->kind == OPT_FLAG && !eq) {
			*(bool *)field = true;
		} else if (op->kind == OPT_FLAG) {
			warn(o, word, "a flag takes no value");
		} else if (!eq) {
			warn(o, word, "needs a value (NAME=VALUE)");
		} else if (strlen(eq + 1) >= CMDLINE_VALUE_MAX) {
			warn(o, word, "value too long");
		} else {
			ksnprintf(field, CMDLINE_VALUE_MAX, "%s", eq + 1);
		}
		return;
	}
	warn(o, word, "unknown option");
}

int cmdline_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool range = true;

	if (!*s)
		return CMDLINE_NOT_A_NUMBER;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return CMDLINE_NOT_A_NUMBER;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			range = false;	/* keep scanning: junk still wins */
		else
			v = v * 10 + d;
	}
	if (!range || v < min || v > max)
		return CMDLINE_OUT_OF_RANGE;
	*out = v;
	return 0;
}

int cmdline_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct {
		char suffix;
		unsigned shift;
	} units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'k', 10 }, { 'm', 20 }, { 'g', 30 } };
	char digits[CMDLINE_VALUE_MAX];
	size_t n = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (n == 0 || n >= sizeof(digits))
		return n ? CMDLINE_OUT_OF_RANGE : CMDLINE_NOT_A_NUMBER;
	memcpy(digits, s, n + 1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (digits[n - 1] == units[i].suffix) {
			shift = units[i].shift;
			digits[--n] = 0;
			break;
		}
	}
	int r = cmdline_number(digits, 0, UINT64_MAX >> shift, &v);
	if (r)
		return r;
	v <<= shift;
	if (v < min || v > max)
		return CMDLINE_OUT_OF_RANGE;
	*out = v;
	return 0;
}

/* Next word into *out (NUL-terminated in o->words); returns the rest. */
static const char *next_word(const char *s, char **out, char **store, char *end)
{
	while (*s == ' ')
		s++;
	if (!*s || *store >= end)
		return NULL;
	*out = *store;
	bool quoted = false;
	for (; *s && (quoted || *s != ' '); s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (*store < end - 1)
			*(*store)++ = *s;
	}
	*(*store)++ = 0;
	return s;
}

void cmdline_parse(const char *line, struct kopts *o)
{
	char *store = o->words, *end = o->words + sizeof(o->words);
	char *w;
	bool app = false;

	memset(o, 0, sizeof(*o));
	o->argv[o->argc++] = "dormant";
	while ((line = next_word(line, &w, &store, end)) != NULL) {
		if (!app && strcmp(w, "--") == 0) {
			app = true;
			continue;
		}
		if (app) {
			if (o->argc < CMDLINE_MAX_ARGS)
				o->argv[o->argc++] = w;
			else
				o->dropped_args++;
			continue;
		}
		apply(o, w);
	}
	o->argv[o->argc] = NULL;
	if (o->selftest || o->blktest[0])
		o->test = true;
}
