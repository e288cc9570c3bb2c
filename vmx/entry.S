/* SPDX-License-Identifier: MIT */
/*
 * The world switch. A VM exit lands at vmx_exit_stub (HOST_RIP) with RSP =
 * HOST_RSP, the top of this CPU's stack. The guest's GPRs go to the per-CPU
 * area (%gs:16, struct guest_regs order), vmx_exit() handles the exit and
 * returns 1 to VMLAUNCH or 0 to VMRESUME whichever vCPU is now current;
 * the GPRs come back from %gs and the guest runs again. Nothing else
 * happens on this path: it is measured.
 */
#define GPR(n) (16 + 8 * (n))

	.macro save_gprs
	mov	%rax, %gs:GPR(0)
	mov	%rcx, %gs:GPR(1)
	mov	%rdx, %gs:GPR(2)
	mov	%rbx, %gs:GPR(3)
	mov	%rbp, %gs:GPR(5)
	mov	%rsi, %gs:GPR(6)
	mov	%rdi, %gs:GPR(7)
	mov	%r8, %gs:GPR(8)
	mov	%r9, %gs:GPR(9)
	mov	%r10, %gs:GPR(10)
	mov	%r11, %gs:GPR(11)
	mov	%r12, %gs:GPR(12)
	mov	%r13, %gs:GPR(13)
	mov	%r14, %gs:GPR(14)
	mov	%r15, %gs:GPR(15)
	.endm

	.text
	.globl vmx_exit_stub, vmx_enter
vmx_exit_stub:
	save_gprs
	call	vmx_exit

/* EAX: 1 = VMLAUNCH, 0 = VMRESUME. MOV leaves the flags alone. */
enter_guest:
	test	%eax, %eax
	mov	%gs:GPR(0), %rax
	mov	%gs:GPR(1), %rcx
	mov	%gs:GPR(2), %rdx
	mov	%gs:GPR(3), %rbx
	mov	%gs:GPR(5), %rbp
	mov	%gs:GPR(6), %rsi
	mov	%gs:GPR(7), %rdi
	mov	%gs:GPR(8), %r8
	mov	%gs:GPR(9), %r9
	mov	%gs:GPR(10), %r10
	mov	%gs:GPR(11), %r11
	mov	%gs:GPR(12), %r12
	mov	%gs:GPR(13), %r13
	mov	%gs:GPR(14), %r14
	mov	%gs:GPR(15), %r15
	jnz	1f
	vmresume
	jmp	2f
1:	vmlaunch
2:	/* VMfail: the entry did not happen; RFLAGS says how. */
	save_gprs
	pushf
	pop	%rdi
	call	vmx_entry_failed
	jmp	enter_guest

/* void vmx_enter(int launch): runs the current vCPU; never returns. The
 * caller's stack is dropped: from here on this CPU's stack starts afresh
 * at every exit. */
vmx_enter:
	mov	%gs:8, %rsp
	mov	%edi, %eax
	jmp	enter_guest
