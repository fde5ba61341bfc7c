/*
 * probe.S - helpers for the self-tests that must run exact instructions:
 * a faulting load, an invalid opcode, and a check that the SSE registers
 * survive interrupts.  Each faulting helper has a *_fault label that the
 * trap handler resumes at (trap_expect), with the stack as at the fault.
 */
	.text
	.globl	probe_read, probe_read_fault
probe_read:			/* int probe_read(uint64_t addr): 1 if it faulted */
	movq	(%rdi), %rax
	xorl	%eax, %eax
	ret
probe_read_fault:
	movl	$1, %eax
	ret

	.globl	probe_ud, probe_ud_fault
probe_ud:			/* int probe_ud(void): 1 if #UD was caught */
	ud2
	xorl	%eax, %eax
	ret
probe_ud_fault:
	movl	$1, %eax
	ret

/*
 * int probe_sse(uint64_t seed, volatile uint64_t *ticks, uint64_t n)
 * Load xmm0-15 with seed+0 .. seed+15, spin until *ticks has advanced by
 * n, and return how many registers no longer hold their value.
 */
	.globl	probe_sse
probe_sse:
	.irp	r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	leaq	\r(%rdi), %rax
	movq	%rax, %xmm\r
	.endr
	movq	(%rsi), %rcx
	addq	%rdx, %rcx
1:	pause
	cmpq	%rcx, (%rsi)
	jb	1b
	xorl	%edx, %edx
	.irp	r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movq	%xmm\r, %rax
	leaq	\r(%rdi), %rcx
	cmpq	%rcx, %rax
	je	2f
	incl	%edx
2:
	.endr
	movl	%edx, %eax
	ret
