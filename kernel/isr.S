/*
 * isr.S - interrupt and exception entry.
 *
 * One stub per vector pushes a zero error code where the CPU pushes none,
 * then the vector number, and joins isr_common.  isr_common saves the
 * general registers into a struct trap_frame (trap.h), saves the x87/SSE
 * state with fxsave so that handlers (compiled with SSE) never corrupt the
 * application's registers, calls trap_dispatch(frame) and returns.
 * Vectors with an error code: Intel SDM vol. 3A, table 6-1.
 */
	.text
	.macro STUB vec
	.balign 16
isr_stub_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
	.endm

	.altmacro
	.set	vec, 0
	.rept	256
	STUB	%vec
	.set	vec, vec + 1
	.endr

isr_common:
	cld
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi		/* struct trap_frame * */
	movq	%rsp, %rbx		/* callee-saved: survives the call */
	andq	$-16, %rsp
	subq	$512, %rsp
	fxsave64 (%rsp)
	/* Chain the frame pointer so backtraces walk into the interrupted code. */
	pushq	120+16(%rbx)		/* interrupted rip: fake return address */
	pushq	%rbp
	movq	%rsp, %rbp
	call	trap_dispatch
	addq	$16, %rsp
	fxrstor64 (%rsp)
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_stubs
isr_stubs:
	.macro ENTRY vec
	.quad	isr_stub_\vec
	.endm
	.set	vec, 0
	.rept	256
	ENTRY	%vec
	.set	vec, vec + 1
	.endr
