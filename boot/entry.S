/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 front door: the header GRUB looks for, and the 32-bit entry
 * that GRUB jumps to (EAX = magic, EBX = information, paging off; spec
 * section 3.3). It identity-maps the first 4 GiB with 2 MiB pages, enters
 * long mode and calls mb2_main(magic, info) on the boot stack. Below it,
 * efi_start64: the same state reached from hv.efi's 64-bit hand-over.
 */
#define MB2_MAGIC 0xe85250d6
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

/* PML4[0] → PDPT, PDPT[0..3] → 4 PDs of 512 2-MiB pages each: the first
 * 4 GiB identity-mapped. The same bytes work in 32- and 64-bit code (the
 * tables lie below 4 GiB; 32-bit writes zero-extend). */
.macro fill_boot_tables
	mov	$boot_pdpt + 3, %eax
	mov	%eax, boot_pml4
	mov	$boot_pd + 3, %eax
	mov	$boot_pdpt, %edi
	mov	$4, %ecx
1:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	1b
	mov	$0x83, %eax		/* P | W | PS */
	mov	$boot_pd, %edi
	mov	$2048, %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b
.endm

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0 /* i386 */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))

	/* Information request, optional (flags = 1): cmdline, loader name,
	 * modules, basic meminfo, mmap, EFI64 system table, ACPI old/new,
	 * EFI mmap, EFI boot services, EFI64 image handle. */
	.balign 8
1:	.short 1, 1
	.long 2f - 1b
	.long 1, 2, 3, 4, 6, 12, 14, 15, 17, 18, 20
2:
	/* Module alignment: modules start on page boundaries. */
	.balign 8
	.short 6, 0
	.long 8

	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .text.boot32, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	mov	%eax, %ebp		/* loader magic */
	mov	%ebx, %esi		/* information */
	rdtsc				/* boot cost is counted from here */
	mov	%eax, boot_tsc
	mov	%edx, boot_tsc + 4

	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx		/* .bss is page-aligned in size */
	xor	%eax, %eax
	rep stosl
	mov	$boot_stack_top, %esp

	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	test	$(1 << 29), %edx	/* LM */
	jz	no_long_mode

	fill_boot_tables

	mov	%cr4, %eax
	or	$(1 << 5), %eax		/* PAE */
	mov	%eax, %cr4
	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	or	$(1 << 8), %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80010001, %eax	/* PG | WP | PE */
	mov	%eax, %cr0
	lgdt	boot_gdtr
	ljmp	$KERNEL_CS, $start64

no_long_mode:
	mov	$no_lm_msg, %esi
3:	lodsb
	test	%al, %al
	jz	4f
	mov	$0x3f8, %dx
	out	%al, %dx
	jmp	3b
4:	hlt
	jmp	4b

	.code64
start64:
	mov	$KERNEL_DS, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	mov	%ebp, %edi		/* magic; 32-bit moves zero-extend */
	mov	%esi, %esi		/* information */
	xor	%ebp, %ebp		/* end of the frame-pointer chain */
	call	mb2_main
5:	cli
	hlt
	jmp	5b

/*
 * EFI front door: hv.efi jumps here in 64-bit mode after ExitBootServices,
 * on the firmware's identity map and stack, with interrupts off and RDI =
 * the boot_info it built (below 4 GiB, outside this image). From here on
 * the two doors share everything: our tables, our GDT, our stack.
 */
	.text
	.globl efi_start64
efi_start64:
	cli
	cld
	mov	%rdi, %r12
	rdtsc
	mov	%eax, boot_tsc
	mov	%edx, boot_tsc + 4
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl
	mov	$boot_stack_top, %esp
	fill_boot_tables
	mov	$boot_pml4, %eax
	mov	%rax, %cr3
	mov	%cr0, %rax
	or	$0x10000, %eax		/* WP, as on the multiboot2 path */
	mov	%rax, %cr0
	lgdt	boot_gdtr64
	mov	$KERNEL_DS, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	pushq	$KERNEL_CS
	pushq	$1f
	lretq
1:	mov	%r12, %rdi
	xor	%ebp, %ebp
	call	efi_core_main
6:	cli
	hlt
	jmp	6b

	.section .rodata
no_lm_msg:
	.asciz "hv: error: this CPU has no 64-bit long mode\r\n"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdtr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
boot_gdtr64:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.data
	.balign 8
	.globl boot_tsc
boot_tsc:
	.quad 0

	.bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.globl boot_stack_guard, boot_stack_top
boot_stack_guard:
	.skip 4096
boot_stack:
	.skip 16384
boot_stack_top:
