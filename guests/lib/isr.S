/* SPDX-License-Identifier: MIT */
/* 32-bit interrupt stubs: every vector goes to guest_trap(frame). */
	.macro stub vec
	.balign 16
	.if !(\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21)
	pushl	$0
	.endif
	pushl	$\vec
	jmp	common
	.endm

	.text
	.globl isr_stubs
	.balign 16
isr_stubs:
	.set vec, 0
	.rept 256
	stub vec
	.set vec, vec + 1
	.endr

common:
	pusha
	push	%esp
	call	guest_trap
	add	$4, %esp
	popa
	add	$8, %esp
	iret
