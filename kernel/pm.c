/*
 * pm.c - the registry of suspend/resume ops (pm.h).
 */
#include "kernel.h"
#include "pm.h"

static const struct pm_ops *ops[PM_MAX_OPS];
static unsigned nops;
static const char *failed = "";

void pm_register(const struct pm_ops *o)
{
	/* A layer brought up again (host tests bring it up once a test)
	 * keeps its place: order is dependency order. */
	for (unsigned i = 0; i < nops; i++)
		if (ops[i] == o)
			return;
	if (nops == PM_MAX_OPS)
		panic("pm: more than %d layers registered", PM_MAX_OPS);
	ops[nops++] = o;
}

int pm_suspend(void)
{
	failed = "";
	for (unsigned i = nops; i-- > 0;) {
		if (!ops[i]->suspend)
			continue;
		int r = ops[i]->suspend();
		if (r == 0)
			continue;
		failed = ops[i]->name;
		/* Undo what was suspended, lowest layer first. */
		for (unsigned j = i + 1; j < nops; j++)
			if (ops[j]->resume)
				ops[j]->resume(false);
		return r;
	}
	return 0;
}

void pm_resume(bool restored)
{
	for (unsigned i = 0; i < nops; i++)
		if (ops[i]->resume)
			ops[i]->resume(restored);
}

const char *pm_failed_layer(void)
{
	return failed;
}
