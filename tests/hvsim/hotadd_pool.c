/*
 * hotadd_pool.c - RAM the emulated host holds back from the guest's
 * memory at boot, to give it later with a Dynamic Memory hot-add
 * (`hotadd`, balloon_host.c): out of the guest's RAM like the host's own
 * memory (kernel/memres.h), but declared as hot-addable.  A file of its
 * own, linked after kglue.c, so the host's range comes first in the
 * table and is the one checked (and named) first.
 */
#include "../../kernel/memres.h"
#include "devhost.h"

MEMRES_HOTADD(hvsim_hotadd, "hvsim hot-add", HOTADD_BASE, HOTADD_SIZE);
