/*
 * handoff.S - the loader's last steps, after ExitBootServices.
 *
 * dormant_handoff(cr3, stack_top, src, dst, len, entry, bootinfo)
 *   rdi      rsi        rdx  rcx  r8   r9     8(%rsp)
 *
 * Switch to the loader's own page tables and stack (both outside the kernel
 * range), copy the staged kernel to its link address, and jump to it with
 * the boot-info pointer in %rdi.  Firmware memory (its page tables, stack,
 * GDT) may lie in the kernel range, so nothing of the firmware's may be
 * touched after the copy; the kernel loads its own GDT first thing.
 */
	.text
	.globl dormant_handoff
dormant_handoff:
	cli
	movq	8(%rsp), %rax
	movq	%rdi, %cr3
	movq	%rsi, %rsp
	movq	%rdx, %rsi
	movq	%rcx, %rdi
	movq	%r8, %rcx
	cld
	rep movsb
	movq	%rax, %rdi
	xorl	%ebp, %ebp
	pushq	$0		/* no return address: ends backtraces */
	jmp	*%r9

	.section .note.GNU-stack, "", @progbits
