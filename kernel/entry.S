/*
 * entry.S - kernel entry from the loader (boot/handoff.S).
 * In: %rdi = struct bootinfo *, interrupts off, the loader's identity map.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, kernel_entry_tsc(%rip)
	movq	kstack_main_top(%rip), %rsp	/* kstack.c */
	xorl	%ebp, %ebp
	call	kmain
1:	cli
	hlt
	jmp	1b

	.data
	.globl kernel_entry_tsc
	.balign 8
kernel_entry_tsc:
	.quad	0

/*
 * void call_on_stack(void (*fn)(void), uint64_t top)  (appstack.c)
 * Run fn on another stack.  The frame pointer chain continues through
 * this frame, so a backtrace from fn reaches kmain (trap.c allows the one
 * step from the application's stack back to the main stack).
 */
	.text
	.globl call_on_stack
call_on_stack:
	pushq	%rbp
	movq	%rsp, %rbp
	movq	%rsi, %rsp
	callq	*%rdi
	movq	%rbp, %rsp
	popq	%rbp
	ret
