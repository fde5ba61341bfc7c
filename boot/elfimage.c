/*
 * elfimage.c - kernel ELF checks and staging; see elfimage.h.
 * Field offsets follow the ELF-64 Object File Format, version 1.5.
 */
#include "elfimage.h"

#include <string.h>

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
	if (eh.type != ET_EXEC || eh.machine != EM_X86_64)
		return "not an x86-64 executable";
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
