/*
 * restore_copy.S - pages copied under the restore guard's page tables
 * (restore_guard.h).
 *
 * int restore_copy(uint64_t cr3, const struct guard_copy *list, uint64_t n)
 * Load cr3, copy each page of the list ({dst, src}; src 0: zero dst), load
 * the CR3 there was, return 0.  A write the tables refuse raises #PF; the
 * guard's hook (restore_guard.c) loads the kernel's CR3 back and resumes
 * at restore_copy_fault, which returns 1.  Nothing is pushed between the
 * two loads of CR3: under the guard's tables the stack is read-only.
 */
	.text
	.globl	restore_copy, restore_copy_fault
restore_copy:
	cld
	movq	%cr3, %r8
	movq	%rsi, %r9		/* the list */
	movq	%rdx, %r10		/* pages left */
	movq	%rdi, %cr3
1:	testq	%r10, %r10
	jz	3f
	movq	0(%r9), %rdi
	movq	8(%r9), %rsi
	movl	$512, %ecx
	testq	%rsi, %rsi
	jz	2f
	rep movsq
	addq	$16, %r9
	decq	%r10
	jmp	1b
2:	xorl	%eax, %eax
	rep stosq
	addq	$16, %r9
	decq	%r10
	jmp	1b
3:	movq	%r8, %cr3
	xorl	%eax, %eax
	ret
restore_copy_fault:
	movl	$1, %eax
	ret

	.section .note.GNU-stack, "", @progbits
