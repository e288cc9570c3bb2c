/* SPDX-License-Identifier: MIT */
/* VMX operation on each CPU: the checks before VMXON, and VMXON itself. */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/percpu.h"
#include "vmx/caps.h"
#include "vmx/controls.h"

struct vcpu;

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

/* After VMXON on the boot CPU: computes the controls every vCPU uses and
 * builds the shared MSR and I/O bitmaps. -ENODEV names what is missing. */
extern struct vmx_controls vmx_ctl;
/* The APIC-access page every VM's 0xfee00000 maps to under APIC
 * virtualization (its contents are never used; SDM 29.4). */
extern uint64_t vmx_apic_access_pa;
int vmx_global_init(char *err, size_t len);

/* A vCPU's VMCS (vmx/vmcs.c). vmcs_load makes it current on this CPU. */
int vmcs_create(struct vcpu *v);
void vmcs_load(struct vcpu *v);
void vmcs_release(struct vcpu *v);

/* Guest CPU state (vmx/guest.c); these work on the current VMCS. The
 * setters return false where the hardware would raise #GP. */
void vmx_guest_reset(struct vcpu *v);
void vmx_guest_real_mode(struct vcpu *v, uint16_t cs, uint16_t ip);
void vmx_guest_flat32(struct vcpu *v, uint32_t eip);
void vmx_guest_long64(struct vcpu *v, uint64_t rip, uint64_t cr3,
		      uint64_t gdt_base, uint16_t gdt_limit);
bool vmx_set_cr0(struct vcpu *v, uint64_t val);
bool vmx_set_cr4(struct vcpu *v, uint64_t val);
bool vmx_set_efer(struct vcpu *v, uint64_t val);
unsigned vmx_guest_mode(void); /* 16, 32 or 64 */
uint64_t vmx_guest_cr0(void);  /* as the guest sees it */
uint64_t vmx_guest_rip_linear(void);
struct gwalk;
/* A walker over the current guest's page tables. */
void vmx_gwalk(struct vcpu *v, struct gwalk *w);

/* Guest state VMX does not switch (vmx/switch.c). */
void fpu_cpu_init(void);
int vcpu_ctx_init(struct vcpu *v);
void vcpu_release(struct cpu *c, struct vcpu *v);
void vcpu_load(struct cpu *c, struct vcpu *v);

/* Runs this CPU's current vCPU (VMLAUNCH if launch, else VMRESUME). */
void __attribute__((noreturn)) vmx_enter(int launch);

#endif
