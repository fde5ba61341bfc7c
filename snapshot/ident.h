/*
 * ident.h - this machine's identity for a hibernation image (ident.c).
 */
#ifndef DORMANT_SNAPSHOT_IDENT_H
#define DORMANT_SNAPSHOT_IDENT_H

#include <stdint.h>

#include "../boot/bootinfo.h"
#include "image_wire.h"

/* The VM's RAM ranges (base, length), merged where they touch; more than
 * max gives max + 1. */
unsigned snap_ram_ranges(const struct bootinfo *bi, uint64_t (*out)[2], unsigned max);
/* Fill h with zeros and this machine's identity: kernel_checksum through
 * hv_feat_value (what image_check.c compares). */
void snap_identity(struct img_header *h);

#endif
