/*
 * elfimage.c - kernel ELF checks and staging; see elfimage.h.
 * Field offsets follow the ELF-64 Object File Format, version 1.5.
 */
#include "elfimage.h"

#include <string.h>

#include "bootinfo.h"

/* Debian's libxxhash-dev header, compiled in: XXH64 only, scalar code. */
#define XXH_INLINE_ALL
#define XXH_VECTOR	0	/* XXH_SCALAR: no SIMD in the loader */
#include <xxhash.h>

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr size");
_Static_assert(offsetof(struct elf64_ehdr, phoff) == 32, "e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, phnum) == 56, "e_phnum");

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr size");

#define EI_CLASS	4
#define EI_DATA		5
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define ET_DYN		3
#define EM_X86_64	62
#define PT_LOAD		1
#define PF_X		1
#define PAGE_MASK	4095ull

static int get_phdr(const void *file, size_t size, const struct elf64_ehdr *eh,
		    unsigned i, struct elf64_phdr *ph)
{
	uint64_t off = eh->phoff + (uint64_t)i * eh->phentsize;
	if (off + sizeof(*ph) > size)
		return -1;
	memcpy(ph, (const uint8_t *)file + off, sizeof(*ph));
	return 0;
}

const char *elfimage_check(const void *file, size_t size, struct elfimage *out)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	uint64_t lo = UINT64_MAX, hi = 0;
	int entry_ok = 0;

	if (size < sizeof(eh))
		return "file too short for an ELF header";
	memcpy(&eh, file, sizeof(eh));
	if (memcmp(eh.ident, "\x7f" "ELF", 4) != 0)
		return "not an ELF file (bad magic)";
	if (eh.ident[EI_CLASS] != ELFCLASS64 || eh.ident[EI_DATA] != ELFDATA2LSB)
		return "not a little-endian ELF64 file";
	if (eh.machine != EM_X86_64)
		return "not an x86-64 file (e_machine is not EM_X86_64)";
	if (eh.type == ET_DYN)
		return "a position-independent executable (ET_DYN); the kernel must be "
		       "linked at its fixed address (ET_EXEC, -no-pie)";
	if (eh.type != ET_EXEC)
		return "not an executable (e_type is not ET_EXEC)";
	if (eh.phentsize != sizeof(ph) || eh.phnum == 0 || eh.phnum > 64)
		return "bad program header table";
	if (eh.phoff > size || (uint64_t)eh.phnum * sizeof(ph) > size - eh.phoff)
		return "program headers lie past the end of the file (truncated?)";

	out->nload = 0;
	for (unsigned i = 0; i < eh.phnum; i++) {
		if (get_phdr(file, size, &eh, i, &ph) != 0)
			return "truncated program header";
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.filesz > ph.memsz)
			return "segment file size exceeds memory size";
		if (ph.offset > size || ph.filesz > size - ph.offset)
			return "segment data lies past the end of the file (truncated?)";
		if (ph.paddr + ph.memsz < ph.paddr)
			return "segment address wraps";
		if (ph.paddr < lo)
			lo = ph.paddr;
		if (ph.paddr + ph.memsz > hi)
			hi = ph.paddr + ph.memsz;
		if ((ph.flags & PF_X) && eh.entry >= ph.paddr &&
		    eh.entry < ph.paddr + ph.memsz)
			entry_ok = 1;
		out->nload++;
	}
	if (out->nload == 0)
		return "no loadable segments";
	lo &= ~PAGE_MASK;
	hi = (hi + PAGE_MASK) & ~PAGE_MASK;
	if (hi - lo > ELFIMAGE_MAX_SPAN)
		return "loadable span too large";
	if (!entry_ok)
		return "entry point is not in an executable segment";
	out->lo = lo;
	out->hi = hi;
	out->entry = eh.entry;
	return NULL;
}

#define MAGIC_LEN	sizeof(((struct kernel_buildid *)0)->magic)

/* The one build-id record in the loadable data; 0 and *why set otherwise. */
static uint64_t find_record(const uint8_t *file, const struct elf64_ehdr *eh,
			    const char **why)
{
	struct elf64_phdr ph;
	uint64_t found = 0;
	int n = 0;

	for (unsigned i = 0; i < eh->phnum; i++) {
		memcpy(&ph, file + eh->phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		/* elfimage_check bounded only PT_LOADs with memsz != 0 */
		if (ph.type != PT_LOAD || ph.memsz == 0 || ph.filesz < sizeof(struct kernel_buildid))
			continue;
		const uint8_t *d = file + ph.offset;
		for (uint64_t o = 0; o + sizeof(struct kernel_buildid) <= ph.filesz; o += 8) {
			if (d[o] == BUILDID_MAGIC[0] &&
			    memcmp(d + o, BUILDID_MAGIC, MAGIC_LEN) == 0) {
				found = ph.offset + o + MAGIC_LEN;
				n++;
			}
		}
	}
	*why = n == 0 ? "no build-id record in the kernel (not a dormant kernel?)"
	     : n > 1 ? "more than one build-id record in the kernel" : NULL;
	return n == 1 ? found : 0;
}

const char *elfimage_checksum(const void *file, size_t size, struct elfimage_sum *sum)
{
	const uint8_t *f = file;
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	const char *why;
	XXH64_state_t st;
	static const uint8_t zero[8];

	(void)size;		/* elfimage_check bounded every range used here */
	memcpy(&eh, f, sizeof(eh));
	uint64_t field = find_record(f, &eh, &why);
	if (!field)
		return why;
	XXH64_reset(&st, 0);
	XXH64_update(&st, f, sizeof(eh));
	XXH64_update(&st, f + eh.phoff, (size_t)eh.phnum * sizeof(ph));
	for (unsigned i = 0; i < eh.phnum; i++) {
		memcpy(&ph, f + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		uint64_t lo = ph.offset, hi = ph.offset + ph.filesz;
		if (field >= lo && field + 8 <= hi) {
			XXH64_update(&st, f + lo, field - lo);
			XXH64_update(&st, zero, sizeof(zero));
			XXH64_update(&st, f + field + 8, hi - field - 8);
		} else {
			XXH64_update(&st, f + lo, ph.filesz);
		}
	}
	sum->field_off = field;
	memcpy(&sum->stored, f + field, sizeof(sum->stored));
	sum->computed = XXH64_digest(&st);
	return NULL;
}

void elfimage_stage(const void *file, const struct elfimage *img, void *dst)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;

	memcpy(&eh, file, sizeof(eh));
	memset(dst, 0, img->hi - img->lo);
	for (unsigned i = 0; i < eh.phnum; i++) {
		memcpy(&ph, (const uint8_t *)file + eh.phoff + (uint64_t)i * sizeof(ph),
		       sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		memcpy((uint8_t *)dst + (ph.paddr - img->lo),
		       (const uint8_t *)file + ph.offset, ph.filesz);
	}
}
