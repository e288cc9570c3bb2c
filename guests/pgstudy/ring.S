/* SPDX-License-Identifier: MIT */
/*
 * The Popek-Goldberg study's two rings (32-bit protected mode).
 *
 * pg_run(fn, ring3) runs a probe either directly (ring 0) or, through an
 * IRET, at ring 3 with IF = 0 and IOPL = 0: a guest kernel de-privileged
 * under its own monitor, as a VMM without VT-x would run it. Every probe
 * ends with INT 0x81 (a DPL 3 gate), which lands in pg_return at ring 0
 * on the TSS stack; pg_return drops that frame and returns from pg_run.
 * A fault inside a probe goes to the guest library's handler, which
 * resumes the probe at its trap_resume label (see guests/lib/guest.c),
 * still at the probe's own ring.
 */
#define CS0 0x08
#define DS0 0x10
#define CS3 0x1b
#define DS3 0x23

	.text
	.globl pg_run
pg_run:
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
	mov	%esp, pg_monitor_esp
	mov	20(%esp), %eax
	cmpl	$0, 24(%esp)
	jne	1f
	call	*%eax			/* ends in INT 0x81 */
	ud2
1:	pushl	$DS3
	pushl	$pg_user_stack_top
	pushfl
	andl	$~0x3200, (%esp)	/* IF = 0, IOPL = 0 */
	pushl	$CS3
	pushl	%eax
	mov	$DS3, %cx
	mov	%cx, %ds
	mov	%cx, %es
	mov	%cx, %fs
	mov	%cx, %gs
	iret

	.globl pg_return
pg_return:
	mov	$DS0, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	pg_monitor_esp, %esp
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
	ret

	/* the timer that wakes the HLT probe: EOI (xAPIC) and return */
	.globl pg_wake
pg_wake:
	movl	$0, 0xfee000b0
	iret

	.bss
	.balign 16
	.globl pg_monitor_esp
pg_monitor_esp:
	.long 0
	.balign 16
	.skip 4096
	.globl pg_user_stack_top
pg_user_stack_top:
	.section .note.GNU-stack, "", @progbits
