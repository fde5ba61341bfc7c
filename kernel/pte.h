/*
 * pte.h - page-table entry bits of 4-level paging (Intel SDM vol. 3A,
 * 4.5, tables 4-15 to 4-20), for paging.c and the hibernation code that
 * builds tables of its own (snapshot/cow.c, snapshot/restore.c).
 */
#ifndef DORMANT_PTE_H
#define DORMANT_PTE_H

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_PS		(1ull << 7)	/* in a PDE or PDPTE: a large page */
#define PTE_SW0		(1ull << 9)	/* ignored by the CPU: ours */
#define PTE_NX		(1ull << 63)
#define PTE_ADDR	0x000ffffffffff000ull
#define PTE_LARGE_PAT	(1ull << 12)	/* PAT bit of a 2 MiB page */

#endif
