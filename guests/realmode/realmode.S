/* SPDX-License-Identifier: MIT */
/*
 * A flat real-mode guest (no BIOS): loaded at its config's load address
 * and entered in real mode there. Prints through COM1, checks that it
 * really is in real mode (CR0.PE clear) and that 16-bit addressing wraps
 * segments as it should, then stops with the exit hypercall.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0xfffe, %sp
	call	1f
1:	pop	%bx			/* IP of 1: */
	sub	$(1b - _start), %bx	/* BX = our offset within CS */
	lea	(msg - _start)(%bx), %si
	call	puts
	mov	%cr0, %eax
	test	$1, %al
	jnz	fail
	lea	(ok_pe - _start)(%bx), %si
	call	puts
	/* segment arithmetic: 0x1000:0x0010 is linear 0x10010 */
	push	%ds
	mov	$0x1000, %ax
	mov	%ax, %ds
	movw	$0x4d52, 0x0010		/* "RM" */
	xor	%ax, %ax
	mov	%ax, %ds
	mov	0x10010 & 0xffff, %ax	/* wrong segment: must not see it */
	cmp	$0x4d52, %ax
	je	fail_pop
	mov	$0x1001, %ax
	mov	%ax, %ds
	mov	0x0000, %ax		/* 0x1001:0000 = 0x10010 */
	pop	%ds
	cmp	$0x4d52, %ax
	jne	fail
	lea	(ok_seg - _start)(%bx), %si
	call	puts
	mov	$3, %eax		/* HV_HC_EXIT, status 0 */
	xor	%ebx, %ebx
	vmcall
fail_pop:
	pop	%ds
fail:
	lea	(bad - _start)(%bx), %si
	call	puts
	mov	$3, %eax
	mov	$1, %ebx
	vmcall

puts:	lodsb
	test	%al, %al
	jz	2f
	mov	$0x3f8, %dx
	out	%al, %dx
	jmp	puts
2:	ret

msg:	.asciz "realmode: hello from real mode\n"
ok_pe:	.asciz "realmode: CR0.PE is clear: ok\n"
ok_seg:	.asciz "realmode: segment:offset addressing: ok\n"
bad:	.asciz "realmode: FAIL\n"
