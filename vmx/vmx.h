/* SPDX-License-Identifier: MIT */
/* VMX operation on each CPU: the checks before VMXON, and VMXON itself. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "arch/percpu.h"
#include "vmx/caps.h"

/* The boot CPU's capabilities; every other CPU must match them. */
extern struct vmx_caps vmx_caps;
extern struct vmx_msrs vmx_msrs;

/*
 * Enters VMX root operation on the calling CPU: CPUID.1:ECX.VMX, then
 * IA32_FEATURE_CONTROL (locking it with VMX on if firmware left it
 * unlocked), the CR0/CR4 fixed bits, and VMXON. On failure returns a
 * negative error and leaves the reason in c->vmx_error; CR4.VMXE is
 * never touched before CPUID says VMX exists.
 */
int vmx_cpu_enable(struct cpu *c);

#endif
