/*
 * kcsum.c - build-time tool: write the kernel's checksum into its build-id
 * record (see elfimage.h and bootinfo.h), so that the loader can refuse a
 * corrupted kernel file and the kernel knows its build identity.
 *
 *     kcsum KERNEL.elf        checksum and write it; prints the value
 *     kcsum -c KERNEL.elf     only check; exit 1 on a mismatch
 *
 * Host code: it runs on the build machine and shares elfimage.c with the
 * loader, so both compute the same value by construction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfimage.h"

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	rewind(f);
	unsigned char *buf = len > 0 ? malloc((size_t)len) : NULL;
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return buf;
}

int main(int argc, char **argv)
{
	int check = argc == 3 && strcmp(argv[1], "-c") == 0;
	if (argc != 2 + check) {
		fprintf(stderr, "usage: kcsum [-c] KERNEL.elf\n");
		return 2;
	}
	const char *path = argv[1 + check];
	size_t n;
	unsigned char *buf = slurp(path, &n);
	if (!buf) {
		fprintf(stderr, "kcsum: cannot read %s\n", path);
		return 2;
	}
	struct elfimage img;
	struct elfimage_sum sum;
	const char *why = elfimage_check(buf, n, &img);
	if (!why)
		why = elfimage_checksum(buf, n, &sum);
	if (why) {
		fprintf(stderr, "kcsum: %s: %s\n", path, why);
		return 2;
	}
	if (check) {
		printf("kcsum: %s: stored %016llx, computed %016llx\n", path,
		       (unsigned long long)sum.stored, (unsigned long long)sum.computed);
		return sum.stored == sum.computed ? 0 : 1;
	}
	FILE *f = fopen(path, "r+b");
	if (!f || fseek(f, (long)sum.field_off, SEEK_SET) != 0 ||
	    fwrite(&sum.computed, sizeof(sum.computed), 1, f) != 1 || fclose(f) != 0) {
		fprintf(stderr, "kcsum: cannot write %s\n", path);
		return 2;
	}
	printf("kcsum: %s: build %016llx\n", path, (unsigned long long)sum.computed);
	return 0;
}
