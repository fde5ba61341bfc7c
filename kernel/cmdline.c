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
	VALUE(crash), VALUE(hz), VALUE(hvsim),
};

static void warn(struct kopts *o, const char *word)
{
	if (o->nwarn < (int)(sizeof(o->warn) / sizeof(o->warn[0])))
		ksnprintf(o->warn[o->nwarn++], sizeof(o->warn[0]), "%s", word);
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
			return;
		}
		if (op->kind == OPT_VALUE && eq) {
			ksnprintf(field, CMDLINE_VALUE_MAX, "%s", eq + 1);
			return;
		}
		break;
	}
	warn(o, word);
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
			continue;
		}
		apply(o, w);
	}
	o->argv[o->argc] = NULL;
	if (o->selftest)
		o->test = true;
}
