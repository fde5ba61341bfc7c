/*
 * hcall.S - hv_hypercall_page_call(page, control, input, output): the one
 * place that enters the hypercall page (TLFS 3.13: call offset 0 as a near
 * function with a valid stack; 3.2: RCX control, RDX input, R8 output,
 * result in RAX).  The hypervisor may clobber R8-R11 (hv-core Uncertain 12):
 * all caller-saved in the System V ABI, so callers already expect it.
 */
	.text
	.globl	hv_hypercall_page_call
hv_hypercall_page_call:
	pushq	%rbp
	movq	%rsp, %rbp
	movq	%rcx, %r8		/* output GPA */
	movq	%rsi, %rcx		/* control word */
	/* %rdx already holds the input */
	call	*%rdi
	popq	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
