/* SPDX-License-Identifier: MIT */
/* What "differs" (ring 3 against the kernel's belief or ring 0) and
 * "native" (ring 0 against hardware) mean for each probe. */
#include "guests/pgstudy/pgstudy.h"

static void note_hex(char *note, const char *what, uint32_t a, uint32_t b)
{
	ksnprintf(note, NOTE_LEN, "%s0x%08x vs 0x%08x", what, a, b);
}

bool d_gdt(const struct run *r0, const struct run *r3, char *note)
{
	const struct dtr *d = (const struct dtr *)r3->res;

	note_hex(note, "real GDT base vs the kernel's ", d->base,
		 virt_gdtr.base);
	return d->base != virt_gdtr.base;
}

bool d_idt(const struct run *r0, const struct run *r3, char *note)
{
	const struct dtr *d = (const struct dtr *)r3->res;

	note_hex(note, "real IDT base vs the kernel's ", d->base,
		 virt_idtr.base);
	return d->base != virt_idtr.base;
}

bool d_ldt(const struct run *r0, const struct run *r3, char *note)
{
	note_hex(note, "real LDTR vs the kernel's ", r3->res[0] & 0xffff,
		 virt_ldtr);
	return (r3->res[0] & 0xffff) != virt_ldtr;
}

bool d_tr(const struct run *r0, const struct run *r3, char *note)
{
	note_hex(note, "real TR vs the kernel's ", r3->res[0] & 0xffff,
		 virt_tr);
	return (r3->res[0] & 0xffff) != virt_tr;
}

/* The kernel set CR0.TS (a classic monitor keeps it virtual, for lazy
 * FPU switching of its own): SMSW at ring 3 shows the real TS. */
bool d_smsw(const struct run *r0, const struct run *r3, char *note)
{
	uint32_t virt = (r0->res[0] | CR0_TS) & 0xffff;

	note_hex(note, "real MSW vs the kernel's ", r3->res[0] & 0xffff, virt);
	return (r3->res[0] & 0xffff) != virt;
}

/* The kernel believes interrupts are on (it ran STI, which trapped and
 * was emulated): PUSHF at ring 3 shows the real IF. */
bool d_pushf(const struct run *r0, const struct run *r3, char *note)
{
	note_hex(note, "real EFLAGS vs the kernel's ", r3->res[0],
		 r3->res[0] | EFL_IF);
	return !(r3->res[0] & EFL_IF);
}

static bool d_flag(const struct run *r0, const struct run *r3, char *note,
		   uint32_t mask, const char *what)
{
	note_hex(note, what, r3->res[0] & mask, r0->res[0] & mask);
	return (r3->res[0] & mask) != (r0->res[0] & mask);
}

bool d_if(const struct run *r0, const struct run *r3, char *note)
{
	return d_flag(r0, r3, note, EFL_IF, "IF after, ring 3 vs ring 0: ");
}

bool d_iopl(const struct run *r0, const struct run *r3, char *note)
{
	return d_flag(r0, r3, note, EFL_IOPL, "IOPL after, ring 3 vs ring 0: ");
}

bool d_zf(const struct run *r0, const struct run *r3, char *note)
{
	return d_flag(r0, r3, note, EFL_ZF, "ZF, ring 3 vs ring 0: ");
}

bool d_rpl(const struct run *r0, const struct run *r3, char *note)
{
	return d_flag(r0, r3, note, 3, "selector RPL, ring 3 vs ring 0: ");
}

bool d_same(const struct run *r0, const struct run *r3, char *note)
{
	note_hex(note, "ring 3 vs ring 0: ", r3->res[0], r0->res[0]);
	return r3->res[0] != r0->res[0];
}

/* RDTSC at ring 3 reads the real counter, which a monitor without VT-x
 * cannot offset: behaviour-sensitive by what it reads, whatever value. */
bool d_tsc(const struct run *r0, const struct run *r3, char *note)
{
	note_hex(note, "the real counter, high:low ", r3->res[1], r3->res[0]);
	return true;
}

bool n_ok(const struct run *r0, char *note)
{
	return r0->trap < 0;
}

bool n_gdt(const struct run *r0, char *note)
{
	const struct dtr *d = (const struct dtr *)r0->res;

	note_hex(note, "", d->base, pg_gdtr.base);
	return r0->trap < 0 && d->base == pg_gdtr.base &&
	       d->limit == pg_gdtr.limit;
}

/* The IDT and TR a probe's mode runs with (32-bit or long.S's). */
uint32_t expect_idt, expect_tr = TSS_SEL;

bool n_idt(const struct run *r0, char *note)
{
	const struct dtr *d = (const struct dtr *)r0->res;

	note_hex(note, "", d->base, expect_idt);
	return r0->trap < 0 && d->base == expect_idt;
}

bool n_tr(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] & 0xffff) == expect_tr;
}

/* PUSH CS does not exist in 64-bit mode: #UD at any ring. */
bool n_ud(const struct run *r0, char *note)
{
	return r0->trap == 6;
}

bool n_ldt(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] & 0xffff) == 0;
}

bool n_smsw(const struct run *r0, char *note)
{
	uint32_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	return r0->trap < 0 && (r0->res[0] & 0xffff) == (cr0 & 0xffff);
}

bool n_if_set(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] & EFL_IF);
}

bool n_iopl3(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] & EFL_IOPL) == EFL_IOPL;
}

bool n_zf(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] & EFL_ZF);
}

bool n_rpl0(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] & 3) == 0;
}

bool n_cpuid(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] == 0x756e6547 || /* "Genu" */
				r0->res[0] == 0x68747541);  /* "Auth" */
}

bool n_tsc(const struct run *r0, char *note)
{
	return r0->trap < 0 && (r0->res[0] | r0->res[1]);
}

