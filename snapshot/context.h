/*
 * context.h - the CPU context of the snapshot instant, and the jump back
 * into it after a restore (context.S).
 *
 * snap_save() works like setjmp: it returns 0 after saving, and returns
 * again, in the restored kernel, with the non-zero value the restore
 * passed (the address of its handoff, restore.c).  Only what the System V
 * ABI asks a callee to keep is saved (rbx, rbp, r12-r15, rsp, the x87/SSE
 * control state with fxsave), plus rflags, CR3 and the descriptor tables:
 * the rest is the same in any boot of the same build on the same CPU
 * features, which the image's header checks.
 */
#ifndef DORMANT_SNAPSHOT_CONTEXT_H
#define DORMANT_SNAPSHOT_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

struct snap_cpu {
	uint64_t rbx, rbp, r12, r13, r14, r15;	/* 0 */
	uint64_t rsp, rip, rflags, cr3;		/* 48 */
	uint8_t gdtr[16];			/* 80: limit, base */
	uint8_t idtr[16];			/* 96 */
	uint64_t reserved[2];			/* 112 */
	uint8_t fxsave[512];			/* 128: 16-aligned */
} __attribute__((aligned(16)));
_Static_assert(offsetof(struct snap_cpu, rsp) == 48, "context.S offsets");
_Static_assert(offsetof(struct snap_cpu, cr3) == 72, "context.S offsets");
_Static_assert(offsetof(struct snap_cpu, gdtr) == 80, "context.S offsets");
_Static_assert(offsetof(struct snap_cpu, idtr) == 96, "context.S offsets");
_Static_assert(offsetof(struct snap_cpu, fxsave) == 128, "context.S offsets");

uint64_t snap_save(struct snap_cpu *c) __attribute__((returns_twice));

/* Enter the restored kernel: load c's CR3, descriptor tables and
 * registers, and return from its snap_save() with value.  Called by the
 * move routine once every page is in place; never returns. */
void snap_resume_entry(struct snap_cpu *c, uint64_t value) __attribute__((__noreturn__));

/* The move routine: position-independent code, copied into a frame
 * outside the image and the fresh kernel (restore.c).  Its arguments:
 * the moves ({staging, target} PFN pairs) and their count, the CR3 of
 * its own identity map, snap_resume_entry's address, the context and
 * the value to return.  It uses no stack. */
extern const char snap_move_start[], snap_move_end[];
typedef void (*snap_move_fn)(const void *moves, uint64_t n, uint64_t cr3, uint64_t entry,
			     struct snap_cpu *c, uint64_t value) __attribute__((__noreturn__));

#endif
