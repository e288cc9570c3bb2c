/* SPDX-License-Identifier: MIT */
/*
 * Why a VM entry failed: the guest-state checks of SDM Vol. 3C, 27.3.1,
 * run in software on a snapshot of the VMCS fields they read, so that a
 * failure names the fields and the rule they break. Pure.
 */
#ifndef VMX_ENTRY_CHECK_H
#define VMX_ENTRY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct entry_state {
	uint64_t cr0, cr4, efer, rflags, link_pointer;
	uint32_t entry_ctls, activity, interruptibility;
	uint32_t cs_ar, ss_ar, tr_ar, ldtr_ar;
	uint16_t cs_sel, ss_sel;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool unrestricted;
};

/* Appends one line per broken rule to out ("  rule: values"); returns the
 * number of rules broken. */
int entry_check(const struct entry_state *s, char *out, size_t size);

#endif
