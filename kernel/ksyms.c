/*
 * ksyms.c - address to symbol name, for backtraces.
 *
 * The table is generated after a first link (scripts/mksyms.sh) and linked
 * into a second one; it sits after .data in linker.ld, so adding it moves
 * no code.  The first link carries an empty table.
 */
#include <stdint.h>

#include "trap.h"

struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset into ksym_names */
	uint32_t reserved;
};

extern const struct ksym ksym_table[];
extern const uint64_t ksym_count;
extern const char ksym_names[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = ksym_count;

	if (hi == 0 || addr < ksym_table[0].addr)
		return 0;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksym_table[lo].addr;
	return &ksym_names[ksym_table[lo].name];
}
