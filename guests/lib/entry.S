/* SPDX-License-Identifier: MIT */
/* Entry of the test guests: a multiboot2 header (or a multiboot v1 one
 * with -DMULTIBOOT1), a GDT and IDT of their own, then guest_main(magic,
 * info). Its return value becomes the VM's exit status. */
	.section .multiboot, "a"
#ifdef MULTIBOOT1
	.balign 4
	.long 0x1badb002
	.long 3			/* page-aligned modules, memory info */
	.long -(0x1badb002 + 3)
#else
	.balign 8
mb2:	.long 0xe85250d6, 0, mb2_end - mb2, -(0xe85250d6 + (mb2_end - mb2))
	.short 0, 0
	.long 8
mb2_end:
#endif

	.text
	.code32
	.globl _start
_start:
	cli
	mov	$stack_top, %esp
	mov	%eax, %esi
	mov	%ebx, %edi
	lgdt	gdtr
	ljmp	$0x08, $1f
1:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	call	idt_init
	push	%edi
	push	%esi
	call	guest_main
	push	%eax
	call	guest_exit

	.section .rodata
	.balign 8
gdt:	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08 code */
	.quad 0x00cf93000000ffff	/* 0x10 data */
gdt_end:
gdtr:	.short gdt_end - gdt - 1
	.long gdt
