/* SPDX-License-Identifier: MIT */
/* The Popek-Goldberg study guest's shared pieces (pgstudy.c, checks.c). */
#ifndef GUESTS_PGSTUDY_PGSTUDY_H
#define GUESTS_PGSTUDY_PGSTUDY_H

#include "guests/lib/guest.h"
#include "lib/format.h"

/* room for a row's note: what a check compared */
#define NOTE_LEN 96

#define CS0 0x08
#define DS0 0x10
#define TSS_SEL 0x28
#define VEC_RETURN 0x81
#define VEC_WAKE 0x40
#define EFL_IF (1u << 9)
#define EFL_ZF (1u << 6)
#define EFL_IOPL (3u << 12)
#define CR0_TS (1u << 3)
#define CR4_TSD (1u << 2)

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint32_t base;
};

/* What the de-privileged kernel believes, and the real tables. */
extern const struct dtr virt_gdtr, virt_idtr;
extern const uint16_t virt_ldtr, virt_tr;
extern struct dtr pg_gdtr, pg_idtr;
/* The IDT base and TR a probe's mode runs with (32-bit or long.S's). */
extern uint32_t expect_idt, expect_tr;

/* What one run of a probe saw. */
struct run {
	int trap;            /* vector, or -1 */
	uint32_t res[4];
	struct hv_exit_stats before, after;
};

/* ring 3 ran without a trap: did it see other than the kernel would?
 * (note: what was compared) */
bool d_gdt(const struct run *r0, const struct run *r3, char *note);
bool d_idt(const struct run *r0, const struct run *r3, char *note);
bool d_if(const struct run *r0, const struct run *r3, char *note);
bool d_iopl(const struct run *r0, const struct run *r3, char *note);
bool d_ldt(const struct run *r0, const struct run *r3, char *note);
bool d_pushf(const struct run *r0, const struct run *r3, char *note);
bool d_rpl(const struct run *r0, const struct run *r3, char *note);
bool d_same(const struct run *r0, const struct run *r3, char *note);
bool d_smsw(const struct run *r0, const struct run *r3, char *note);
bool d_tr(const struct run *r0, const struct run *r3, char *note);
bool d_tsc(const struct run *r0, const struct run *r3, char *note);
bool d_zf(const struct run *r0, const struct run *r3, char *note);

/* ring 0 in this VM: what hardware shows a kernel? */
bool n_cpuid(const struct run *r0, char *note);
bool n_gdt(const struct run *r0, char *note);
bool n_idt(const struct run *r0, char *note);
bool n_if_set(const struct run *r0, char *note);
bool n_iopl3(const struct run *r0, char *note);
bool n_ldt(const struct run *r0, char *note);
bool n_ok(const struct run *r0, char *note);
bool n_rpl0(const struct run *r0, char *note);
bool n_smsw(const struct run *r0, char *note);
bool n_tr(const struct run *r0, char *note);
bool n_tsc(const struct run *r0, char *note);
bool n_ud(const struct run *r0, char *note);
bool n_zf(const struct run *r0, char *note);

#endif
