/* SPDX-License-Identifier: MIT */
/* A VM entry that failed after the instruction was accepted (SDM 27.8):
 * an exit with bit 31 set. Say which checks the guest state breaks, then
 * stop that VM. */
#include "lib/console.h"
#include "vmx/entry_check.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"

static const char *why(uint32_t basic)
{
	switch (basic) {
	case EXIT_INVALID_GUEST_STATE:
		return "invalid guest state";
	case EXIT_MSR_LOADING:
		return "MSR loading";
	case EXIT_MACHINE_CHECK:
		return "machine check";
	}
	return "unknown";
}

static void snapshot(struct entry_state *s)
{
	*s = (struct entry_state){
		.cr0 = vmread(GUEST_CR0), .cr4 = vmread(GUEST_CR4),
		.efer = vmread(GUEST_IA32_EFER), .rflags = vmread(GUEST_RFLAGS),
		.link_pointer = vmread(VMCS_LINK_POINTER),
		.entry_ctls = (uint32_t)vmread(VM_ENTRY_CONTROLS),
		.activity = (uint32_t)vmread(GUEST_ACTIVITY_STATE),
		.interruptibility = (uint32_t)vmread(GUEST_INTERRUPTIBILITY),
		.cs_ar = (uint32_t)vmread(GUEST_CS_AR),
		.ss_ar = (uint32_t)vmread(GUEST_SS_AR),
		.tr_ar = (uint32_t)vmread(GUEST_TR_AR),
		.ldtr_ar = (uint32_t)vmread(GUEST_LDTR_AR),
		.cs_sel = (uint16_t)vmread(GUEST_CS_SEL),
		.ss_sel = (uint16_t)vmread(GUEST_SS_SEL),
		.cr0_fixed0 = vmx_msrs.cr0_fixed0,
		.cr0_fixed1 = vmx_msrs.cr0_fixed1,
		.cr4_fixed0 = vmx_msrs.cr4_fixed0,
		.cr4_fixed1 = vmx_msrs.cr4_fixed1,
		.unrestricted = vmx_ctl.proc2 & PROC2_UNRESTRICTED,
	};
}

void vmx_report_entry_failure(struct vcpu *v, uint32_t reason)
{
	struct entry_state s;
	char rules[1024];
	int n;

	snapshot(&s);
	n = entry_check(&s, rules, sizeof(rules));
	pr_err("vm %s: VM entry failed: %s (exit reason %u, qualification "
	       "%llu); %d guest-state rule%s broken:\n%s",
	       v->vm->name, why(reason & 0xffff), reason & 0xffff,
	       (unsigned long long)vmread(EXIT_QUALIFICATION), n,
	       n == 1 ? "" : "s", rules);
	vcpu_stop_vm(v, VM_STATUS_CRASHED, "VM entry failed: %s",
		     why(reason & 0xffff));
}
