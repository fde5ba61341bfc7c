/*
 * elfimage.h - validate the kernel ELF and lay its segments out for staging.
 *
 * Pure code shared by the loader and the host tests.  Only what the kernel
 * link produces is accepted: ELF64, little-endian, x86-64, ET_EXEC, PT_LOAD
 * segments at fixed physical addresses (System V gABI, ELF-64 object format).
 */
#ifndef DORMANT_ELFIMAGE_H
#define DORMANT_ELFIMAGE_H

#include <stdint.h>
#include <stddef.h>

#define ELFIMAGE_MAX_SPAN	(256ull << 20)	/* refuse absurd kernels */

struct elfimage {
	uint64_t lo;		/* lowest PT_LOAD paddr, page aligned */
	uint64_t hi;		/* end of highest PT_LOAD, page aligned up */
	uint64_t entry;
	uint32_t nload;
};

/* Returns NULL when the file is a loadable kernel, else a reason. */
const char *elfimage_check(const void *file, size_t size, struct elfimage *out);

/*
 * The kernel's checksum: XXH64 (seed 0) of the ELF header, the program
 * header table and each PT_LOAD's file data in program-header order, with
 * the 8-byte checksum field of the kernel_buildid record (bootinfo.h)
 * counted as zeros.  Exactly one record must lie in the loadable data.
 * On success returns NULL and fills *sum: the file offset of the field,
 * the value stored there and the value computed.  Call only after
 * elfimage_check succeeded.
 */
struct elfimage_sum {
	uint64_t field_off;
	uint64_t stored;
	uint64_t computed;
};
const char *elfimage_checksum(const void *file, size_t size, struct elfimage_sum *sum);

/* Copy every PT_LOAD to dst + (paddr - lo) and zero the rest of the span.
 * dst must hold hi - lo bytes.  Call only after elfimage_check succeeded. */
void elfimage_stage(const void *file, const struct elfimage *img, void *dst);

#endif
