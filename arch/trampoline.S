/* SPDX-License-Identifier: MIT */
/*
 * AP start-up. The real-mode part is copied to a page below 1 MiB; the
 * SIPI starts each AP there with CS = page >> 4, IP = 0 (SDM Vol. 3A,
 * 8.4.4). It switches to protected mode, loads the boot CPU's CR4, CR3,
 * EFER and CR0 (entering long mode), and far-jumps to ap_entry64 in the
 * image. The boot CPU fills in struct trampoline_data (arch/smp.c) first.
 */
#define TR(x) ((x) - trampoline_start)

	.section .rodata.trampoline, "a"
	.code16
	.globl trampoline_start, trampoline_end, trampoline_data
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%ebx, %ebx
	mov	%cs, %bx
	shl	$4, %ebx		/* linear base of this page */
	lgdtl	TR(tr_gdtr)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	*TR(tr_pm_ptr)

	.code32
tr_pm:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	TR(tr_cr4)(%ebx), %eax
	mov	%eax, %cr4
	mov	TR(tr_cr3)(%ebx), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx
	mov	TR(tr_efer)(%ebx), %eax
	xor	%edx, %edx
	wrmsr
	mov	TR(tr_cr0)(%ebx), %eax
	mov	%eax, %cr0		/* paging on: long mode is active */
	ljmpl	*TR(tr_lm_ptr)(%ebx)

	.balign 8
trampoline_data:			/* struct trampoline_data; descriptors
					 * pre-accessed: the page is not
					 * writable once paging is on */
tr_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
	.quad 0x00af9b000000ffff	/* 0x18: 64-bit code */
tr_gdtr:
	.short 4 * 8 - 1
	.long 0				/* patched: linear address of tr_gdt */
tr_pm_ptr:
	.long 0				/* patched: linear address of tr_pm */
	.short 0x08
tr_lm_ptr:
	.long 0				/* patched: ap_entry64 */
	.short 0x18
tr_cr0:	.long 0
tr_cr3:	.long 0
tr_cr4:	.long 0
tr_efer: .long 0
	.globl trampoline_pm_offset
	.set trampoline_pm_offset, TR(tr_pm)
trampoline_end:

	.text
	.code64
/* Finds this CPU's struct cpu by APIC ID in ap_boot_table, switches to its
 * stack and calls ap_main(cpu). */
	.globl ap_entry64
ap_entry64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	cpuid
	cmp	$0xb, %eax
	jb	1f
	mov	$0xb, %eax		/* x2APIC ID, valid when EBX != 0 */
	xor	%ecx, %ecx
	cpuid
	test	%ebx, %ebx
	jnz	2f
1:	mov	$1, %eax		/* initial APIC ID */
	cpuid
	shr	$24, %ebx
	mov	%ebx, %edx
2:	lea	ap_boot_table(%rip), %rsi
	mov	ap_boot_count(%rip), %ecx
3:	test	%ecx, %ecx
	jz	9f
	cmp	(%rsi), %edx
	je	4f
	add	$16, %rsi
	dec	%ecx
	jmp	3b
4:	mov	8(%rsi), %rdi		/* struct cpu * */
	mov	8(%rdi), %rsp		/* cpu->stack_top */
	xor	%ebp, %ebp
	call	ap_main
9:	cli
	hlt
	jmp	9b
