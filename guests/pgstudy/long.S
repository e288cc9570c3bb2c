/* SPDX-License-Identifier: MIT */
/*
 * The study's 64-bit half. pg_long_study() (called from 32-bit protected
 * mode, paging off) turns on 4-level paging (the first 4 GiB identity-
 * mapped with 2 MiB user pages), enters 64-bit mode with its own IDT and
 * 64-bit TSS, and for every probe of pg64_probes: reads the hypervisor's
 * exit counters, runs the probe at ring 0, reads them again, then runs
 * it at ring 3 (IOPL 0, IF 0) -- storing the traps and results in
 * pg64_out for the C side to print. Then it goes back to 32-bit protected
 * mode with paging off. Probes end in INT 0x81 as in 32-bit mode; a
 * fault resumes the probe at its trap_resume label.
 */
#define CS32 0x08
#define DS0 0x10
#define DS3 0x23
#define CS64 0x38
#define CS64_3 0x4b
#define TSS64 0x50
#define VEC_RETURN 0x81
#define VEC_WAKE 0x40
#define HC_EXIT_STATS 4
#define HC_TIMER 5
#define STATS_SIZE 568		/* struct hv_exit_stats */
#define OUT_SIZE 40		/* struct pg64_out: trap0, trap3, res0[4], res3[4] */

	.code32
	.text
	.globl pg_long_study
pg_long_study:
	pusha
	mov	%esp, saved_esp32
	sidt	idtr32
	call	build_tables
	mov	%cr4, %eax
	or	$(1 << 5), %eax		/* PAE */
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	or	$(1 << 8), %eax
	wrmsr
	mov	%cr0, %eax
	or	$(1 << 31), %eax	/* PG: IA-32e mode, compatibility */
	mov	%eax, %cr0
	ljmp	$CS64, $long64

/* 4 PDs of 512 2-MiB pages, P | RW | US | PS; PDPT, PML4 P | RW | US. */
build_tables:
	mov	$pdpt + 7, %eax
	mov	%eax, pml4
	mov	$pd + 7, %eax
	mov	$pdpt, %edi
	mov	$4, %ecx
1:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	1b
	mov	$0x87, %eax
	mov	$pd, %edi
	mov	$2048, %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b
	/* the 64-bit TSS descriptor (16 bytes at TSS64) and RSP0 */
	mov	$tss64, %eax
	movl	$ring0_stack64_top, tss64 + 4
	movw	$104, tss64 + 102	/* I/O map past the limit: no ports */
	mov	$pg_gdt + TSS64, %edi
	movw	$103, (%edi)
	mov	%ax, 2(%edi)
	shr	$16, %eax
	mov	%al, 4(%edi)
	movb	$0x89, 5(%edi)
	movb	$0, 6(%edi)
	mov	%ah, 7(%edi)
	movl	$0, 8(%edi)
	movl	$0, 12(%edi)
	call	build_idt
	ret

/* 16-byte interrupt gates: exceptions 0-31 to stubs, the wake-up and
 * INT 0x81 (DPL 3). */
build_idt:
	xor	%ecx, %ecx
1:	mov	$exc_stubs, %eax
	mov	%ecx, %edx
	shl	$4, %edx
	add	%edx, %eax
	mov	$0x8e, %edx
	call	set_gate
	inc	%ecx
	cmp	$32, %ecx
	jb	1b
	mov	$VEC_WAKE, %ecx
	mov	$wake64, %eax
	mov	$0x8e, %edx
	call	set_gate
	mov	$VEC_RETURN, %ecx
	mov	$return64, %eax
	mov	$0xee, %edx
	call	set_gate
	ret

/* gate ecx -> handler eax, type/DPL byte dl */
set_gate:
	push	%edi
	mov	%ecx, %edi
	shl	$4, %edi
	add	$idt64, %edi
	mov	%ax, (%edi)
	movw	$CS64, 2(%edi)
	movb	$0, 4(%edi)
	mov	%dl, 5(%edi)
	shr	$16, %eax
	mov	%ax, 6(%edi)
	movl	$0, 8(%edi)
	movl	$0, 12(%edi)
	pop	%edi
	ret

	.code64
long64:
	mov	$DS0, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	lidt	idtr64(%rip)
	mov	$TSS64, %ax
	ltr	%ax
	sgdt	pg_gdtr64(%rip)
	sidt	pg_idtr64(%rip)
	xor	%ebx, %ebx		/* probe index */
probe_loop:
	mov	pg64_n(%rip), %eax
	cmp	%eax, %ebx
	jae	probes_done
	/* ring 0, between two snapshots of the exit counters */
	imul	$STATS_SIZE, %ebx, %eax
	lea	pg64_before(%rip), %rdi
	add	%rax, %rdi
	call	exit_stats
	lea	pg64_fns(%rip), %rax
	mov	(%rax,%rbx,8), %rax
	cmp	$p64_hlt, %eax		/* HLT at ring 0: a timer wakes it */
	jne	1f
	mov	$HC_TIMER, %eax
	push	%rbx
	mov	$200, %ebx
	mov	$VEC_WAKE, %ecx
	xor	%edx, %edx
	vmcall
	pop	%rbx
	mov	$p64_hlt0, %eax
1:	xor	%ecx, %ecx
	call	run64
	imul	$STATS_SIZE, %ebx, %eax
	lea	pg64_after(%rip), %rdi
	add	%rax, %rdi
	call	exit_stats
	imul	$OUT_SIZE, %ebx, %edi
	lea	pg64_out(%rip), %rax
	add	%rax, %rdi
	mov	trap_vector(%rip), %eax
	mov	%eax, (%rdi)
	add	$8, %rdi
	call	copy_res
	lea	pg64_fns(%rip), %rax
	mov	(%rax,%rbx,8), %rax
	mov	$1, %ecx
	call	run64
	imul	$OUT_SIZE, %ebx, %edi
	lea	pg64_out(%rip), %rax
	add	%rax, %rdi
	mov	trap_vector(%rip), %eax
	mov	%eax, 4(%rdi)
	add	$24, %rdi
	call	copy_res
	inc	%ebx
	jmp	probe_loop

/* pg_res[0..3] -> (rdi) */
copy_res:
	mov	pg_res(%rip), %eax
	mov	%eax, (%rdi)
	mov	pg_res + 4(%rip), %eax
	mov	%eax, 4(%rdi)
	mov	pg_res + 8(%rip), %eax
	mov	%eax, 8(%rdi)
	mov	pg_res + 12(%rip), %eax
	mov	%eax, 12(%rdi)
	ret

/* VMCALL HV_HC_EXIT_STATS into rdi */
exit_stats:
	push	%rbx
	mov	$HC_EXIT_STATS, %eax
	mov	%rdi, %rbx
	mov	$STATS_SIZE, %ecx
	xor	%edx, %edx
	vmcall
	pop	%rbx
	ret

/* Runs probe rax at ring 0 (ecx = 0) or ring 3, clearing pg_res and
 * trap_vector first; back here through INT 0x81. */
run64:
	push	%rbx
	push	%rbp
	movl	$0, pg_res(%rip)
	movl	$0, pg_res + 4(%rip)
	movl	$0, pg_res + 8(%rip)
	movl	$0, pg_res + 12(%rip)
	movl	$0xffffffff, trap_vector(%rip)
	mov	%rsp, monitor_rsp(%rip)
	test	%ecx, %ecx
	jnz	1f
	call	*%rax
	ud2
1:	pushq	$DS3
	mov	$user_stack64_top, %ecx
	push	%rcx
	pushfq
	andq	$~0x3200, (%rsp)
	pushq	$CS64_3
	push	%rax
	iretq

return64:
	mov	$DS0, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	monitor_rsp(%rip), %rsp
	pop	%rbp
	pop	%rbx
	ret

wake64:
	push	%rax
	mov	$0xfee000b0, %eax
	movl	$0, (%rax)
	pop	%rax
	iretq

/* Exceptions: record the vector, resume at trap_resume (the probe's end)
 * at the faulting ring; without one armed, give up the study. */
	.balign 16
exc_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	.if (vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21)
	pushq	$vec			/* the error code is already there */
	.else
	pushq	$0
	pushq	$vec
	.endif
	jmp	exc_common
	.set vec, vec + 1
	.endr
exc_common:
	push	%rax
	mov	8(%rsp), %eax
	mov	%eax, trap_vector(%rip)
	mov	trap_resume(%rip), %eax
	test	%eax, %eax
	jz	exc_fatal
	mov	%rax, 24(%rsp)		/* RIP in the CPU's frame */
	movl	$0, trap_resume(%rip)
	pop	%rax
	add	$16, %rsp
	iretq
exc_fatal:
	movl	$1, pg64_failed(%rip)
	jmp	probes_done

/* Back to 32-bit protected mode, paging off. */
probes_done:
	pushq	$CS32
	lea	compat(%rip), %rax
	push	%rax
	lretq
	.code32
compat:
	mov	$DS0, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr0, %eax
	and	$~(1 << 31), %eax
	mov	%eax, %cr0
	mov	$0xc0000080, %ecx
	rdmsr
	and	$~(1 << 8), %eax
	wrmsr
	mov	%cr4, %eax
	and	$~(1 << 5), %eax
	mov	%eax, %cr4
	lidt	idtr32
	mov	saved_esp32, %esp
	popa
	ret

	.data
	.balign 8
idtr64:	.short 256 * 16 - 1
	.long idt64, 0
	.balign 8
idtr32:	.short 0
	.long 0
	.balign 8
saved_esp32:	.long 0
	.globl pg64_failed
pg64_failed:	.long 0

	.globl pg64_out, pg64_before, pg64_after
	.bss
	.balign 8
pg64_out:	.skip 34 * OUT_SIZE
pg64_before:	.skip 34 * STATS_SIZE
pg64_after:	.skip 34 * STATS_SIZE
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4 * 4096
idt64:	.skip 256 * 16
tss64:	.skip 104
	.balign 16
monitor_rsp:	.quad 0
	.skip 4096
ring0_stack64_top:
	.skip 4096
user_stack64_top:
	.section .note.GNU-stack, "", @progbits

/* ---- the 64-bit probes (same protocol as ring.S's 32-bit ones) --------- */
	.code64
	.text
/* cpp, not .macro: a .macro argument would end at the first ';' */
#define PROBE(name, ...) .globl name; name: movl $1f, trap_resume(%rip); \
	__VA_ARGS__; 1: movl $0, trap_resume(%rip); int $VEC_RETURN

	PROBE(p64_hlt, hlt)
	PROBE(p64_hlt0, sti; hlt; cli)
	PROBE(p64_lgdt, mov $pg_gdtr64, %eax; lgdt (%rax))
	PROBE(p64_lidt, mov $pg_idtr64, %eax; lidt (%rax))
	PROBE(p64_cr0, mov %cr0, %rax; xor $8, %rax; mov %rax, %cr0; xor $8, %rax; mov %rax, %cr0)
	PROBE(p64_cr3, mov %cr3, %rax; mov %rax, %cr3)
	PROBE(p64_cr4, mov %cr4, %rax; xor $4, %rax; mov %rax, %cr4; xor $4, %rax; mov %rax, %cr4)
	PROBE(p64_rdmsr, mov $0x1b, %ecx; rdmsr; mov %eax, pg_res(%rip))
	PROBE(p64_wrmsr, mov $0x174, %ecx; mov pg_msr_lo(%rip), %eax; mov pg_msr_hi(%rip), %edx; wrmsr)
	PROBE(p64_in, inb $0x61, %al; movb %al, pg_res(%rip))
	PROBE(p64_out, movb $0, %al; outb %al, $0x80)
	PROBE(p64_invlpg, mov $pg_res, %eax; invlpg (%rax))
	PROBE(p64_clts, clts)
	PROBE(p64_cli, cli)
	PROBE(p64_sti, sti)
	PROBE(p64_sgdt, mov $pg_res, %eax; sgdt (%rax))
	PROBE(p64_sidt, mov $pg_res, %eax; sidt (%rax))
	PROBE(p64_sldt, mov $pg_res, %eax; sldt (%rax))
	PROBE(p64_str, mov $pg_res, %eax; str (%rax))
	PROBE(p64_smsw, mov $pg_res, %eax; smsw (%rax))
	PROBE(p64_pushf, pushfq; pop %rax; mov %eax, pg_res(%rip))
	PROBE(p64_popf_if, pushfq; orq $0x200, (%rsp); popfq; pushfq; pop %rax; mov %eax, pg_res(%rip))
	PROBE(p64_popf_iopl, pushfq; orq $0x3000, (%rsp); popfq; pushfq; pop %rax; mov %eax, pg_res(%rip); pushfq; andq $~0x3000, (%rsp); popfq)
	PROBE(p64_lar, mov $CS64, %ecx; lar %ecx, %eax; pushfq; pop %rax; mov %eax, pg_res(%rip))
	PROBE(p64_lsl, mov $CS64, %ecx; lsl %ecx, %eax; pushfq; pop %rax; mov %eax, pg_res(%rip))
	PROBE(p64_verr, mov $CS64, %cx; verr %cx; pushfq; pop %rax; mov %eax, pg_res(%rip))
	PROBE(p64_verw, mov $DS0, %cx; verw %cx; pushfq; pop %rax; mov %eax, pg_res(%rip))
	PROBE(p64_push_cs, .byte 0x0e	/* PUSH CS: not in 64-bit mode */)
	PROBE(p64_mov_ss, mov %ss, %eax; mov %eax, pg_res(%rip))
	PROBE(p64_lcall, rex.W lcall *far_call(%rip); p64_call_t: add $16, %rsp)
	PROBE(p64_ljmp, rex.W ljmp *far_jmp(%rip); p64_jmp_t:)
	PROBE(p64_lret, pushq $CS64; mov $p64_ret_t, %eax; push %rax; lretq; p64_ret_t:)
	PROBE(p64_iret, mov %rsp, %rax; mov %ss, %ecx; push %rcx; push %rax; pushfq; orq $0x200, (%rsp); mov %cs, %ecx; push %rcx; mov $p64_iret_t, %edx; push %rdx; iretq; p64_iret_t: pushfq; pop %rax; mov %eax, pg_res(%rip))
	PROBE(p64_cpuid, xor %eax, %eax; xor %ecx, %ecx; cpuid; mov %ebx, pg_res(%rip))
	PROBE(p64_rdtsc, rdtsc; mov %eax, pg_res(%rip); mov %edx, pg_res + 4(%rip))

	.data
	.balign 8
far_call:	.long p64_call_t, 0
	.short CS64
	.balign 8
far_jmp:	.long p64_jmp_t, 0
	.short CS64
	.balign 8
	.globl pg_gdtr64, pg_idtr64
pg_gdtr64:	.skip 16
pg_idtr64:	.skip 16
	.globl pg64_idt
pg64_idt:	.long idt64

/* the probes, in the order of probes[] in pgstudy.c; HLT has a ring-0
 * variant (p64_hlt0) that a timer wakes */
	.balign 8
	.globl pg64_fns, pg64_n
pg64_fns:
	.long p64_hlt, 0, p64_lgdt, 0, p64_lidt, 0, p64_cr0, 0, p64_cr3, 0, p64_cr4, 0
	.long p64_rdmsr, 0, p64_wrmsr, 0, p64_in, 0, p64_out, 0, p64_invlpg, 0, p64_clts, 0
	.long p64_cli, 0, p64_sti, 0, p64_sgdt, 0, p64_sidt, 0, p64_sldt, 0, p64_str, 0
	.long p64_smsw, 0, p64_pushf, 0, p64_popf_if, 0, p64_popf_iopl, 0, p64_lar, 0
	.long p64_lsl, 0, p64_verr, 0, p64_verw, 0, p64_push_cs, 0, p64_mov_ss, 0
	.long p64_lcall, 0, p64_ljmp, 0, p64_lret, 0, p64_iret, 0, p64_cpuid, 0, p64_rdtsc, 0
pg64_n:	.long 34
