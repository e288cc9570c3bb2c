/* SPDX-License-Identifier: MIT */
/*
 * The VM-execution, exit and entry controls every vCPU runs with, and the
 * CR0/CR4 bits the hypervisor owns. Computed once from the capability MSRs
 * (the TRUE_ ones where offered, SDM A.2): what the hypervisor needs must
 * be allowed-1, what it wants is taken when allowed, and the CPU's
 * must-be-1 bits are set. Pure, so it is unit-tested with real models'
 * MSR values.
 */
#ifndef VMX_CONTROLS_H
#define VMX_CONTROLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx/caps.h"

/* VM-exit control: save the VMX-preemption timer value (SDM 25.7.1). */
#define EXIT_CTL_SAVE_PREEMPT_TIMER (1u << 22)

struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t exception_bitmap;
	/* CR bits the guest may not change without an exit; reads of them
	 * come from the read shadow. */
	uint64_t cr0_mask, cr4_mask;
	/* CR bits that must be 1 / may be 1 while the guest runs. */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	/* CR4 bits a guest may set (the CPU's, less those we hide). */
	uint64_t cr4_guest_allowed;
	bool preempt_timer, save_timer;
	unsigned preempt_shift;
	bool vpid, ept_1g, rdtscp, invpcid, xsaves;
	/* APIC virtualization (SDM 29): TPR shadow, APIC-access page,
	 * APIC-register virtualization and virtual-interrupt delivery, all
	 * four or none; the guests' local APICs are trapped otherwise. */
	bool apicv;
	/* What a VM with controls = strict adds, as far as the CPU allows:
	 * descriptor-table, RDTSC, INVLPG, CR3-load/store, WBINVD and PAUSE
	 * exiting (and, in vmx/vmcs.c, every CR0 and CR4 bit owned). */
	uint32_t strict_proc, strict_proc2;
};

/* Fills ctl from the MSR values; returns 0, or -ENODEV with the missing
 * feature named in err (EPT, unrestricted guest, ...). */
int vmx_controls_compute(const struct vmx_msrs *m, struct vmx_controls *ctl,
			 char *err, size_t errlen);

/* Back to the trap path for the local APIC: no APIC virtualization,
 * CR8 accesses exit (the apicv=off option). */
void vmx_controls_no_apicv(struct vmx_controls *ctl);

#endif
