/* SPDX-License-Identifier: MIT */
/* hv.elf inside hv.efi: the image boot/efi_main.c places in memory. */
	.section .rodata
	.balign 16
	.globl hv_elf_start, hv_elf_end
hv_elf_start:
	.incbin HV_ELF
hv_elf_end:
	.section .note.GNU-stack, "", @progbits
