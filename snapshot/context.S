/*
 * context.S - save the CPU context of the snapshot instant, move the
 * staged pages into place, and enter the restored kernel (context.h).
 */
	.text
	.globl	snap_save
snap_save:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rax		/* rsp after our return */
	movq	%rax, 48(%rdi)
	movq	(%rsp), %rax		/* our return address */
	movq	%rax, 56(%rdi)
	pushfq
	popq	%rax
	movq	%rax, 64(%rdi)
	movq	%cr3, %rax
	movq	%rax, 72(%rdi)
	sgdt	80(%rdi)
	sidt	96(%rdi)
	fxsave64 128(%rdi)
	xorl	%eax, %eax
	ret

	.globl	snap_resume_entry
snap_resume_entry:
	movq	72(%rdi), %rax
	movq	%rax, %cr3
	lgdt	80(%rdi)
	lidt	96(%rdi)
	fxrstor64 128(%rdi)
	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	pushq	64(%rdi)
	popfq
	movq	%rsi, %rax
	jmpq	*56(%rdi)

/*
 * An asynchronous hibernation, entered as if the interrupted application
 * code had called it (hibernate.c pushed its rip as our return address):
 * everything the call may change is saved and restored around it.
 */
	.globl	snap_async_entry
snap_async_entry:
	pushfq
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	movq	%rsp, %rbx
	andq	$-16, %rsp
	subq	$512, %rsp
	fxsave64 (%rsp)
	xorl	%ebp, %ebp		/* the backtrace ends here */
	call	hibernate_async
	fxrstor64 (%rsp)
	movq	%rbx, %rsp
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq
	ret

/*
 * The move routine (rdi moves, rsi count, rdx CR3, rcx entry, r8
 * context, r9 value).  Copied elsewhere before it runs: no absolute
 * addresses, no stack.
 */
	.globl	snap_move_start, snap_move_end
snap_move_start:
	cld
	movq	%rdx, %cr3
	movq	%rdi, %r10
	movq	%rsi, %r11
	movq	%rcx, %rax
1:	testq	%r11, %r11
	jz	2f
	movq	0(%r10), %rsi
	shlq	$12, %rsi
	movq	8(%r10), %rdi
	shlq	$12, %rdi
	movl	$512, %ecx
	rep movsq
	addq	$16, %r10
	decq	%r11
	jmp	1b
2:	movq	%r8, %rdi
	movq	%r9, %rsi
	jmpq	*%rax
snap_move_end:
	.section .note.GNU-stack,"",@progbits
