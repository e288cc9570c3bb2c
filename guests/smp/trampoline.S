/* SPDX-License-Identifier: MIT */
/* The AP's first instructions: copied to 0x8000 (SIPI vector 8), they
 * switch to protected mode with the image's GDT and jump to ap_entry. */
#define AT(x) ((x) - ap_trampoline + 0x8000)

	.section .rodata
	.code16
	.globl ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	AT(tramp_gdtr)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $ap_entry
	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff
	.quad 0x00cf93000000ffff
tramp_gdtr:
	.short 3 * 8 - 1
	.long AT(tramp_gdt)
ap_trampoline_end:

	.text
	.code32
	.globl ap_entry
ap_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$ap_stack_top, %esp
	call	ap_main
1:	cli
	hlt
	jmp	1b

	.bss
	.balign 16
	.skip 8192
ap_stack_top:
