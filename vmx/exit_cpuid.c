/* SPDX-License-Identifier: MIT */
#include "arch/tsc.h"
#include "arch/x86.h"
#include "vmx/cpuid.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"

#define CR4_OSXSAVE_BIT (1ull << 18)

void exit_cpuid(struct vcpu *v, struct guest_regs *r)
{
	uint32_t leaf = (uint32_t)r->gpr[REG_RAX];
	uint32_t sub = (uint32_t)r->gpr[REG_RCX];
	struct cpuid_regs h = cpuid(leaf, sub);
	struct cpuid_out o = { h.eax, h.ebx, h.ecx, h.edx };

	if (__builtin_expect(cpuid_leaf_edited(leaf), 0)) {
		struct cpuid_guest g = {
			.vcpu_id = v->id, .n_vcpus = v->vm->n_vcpus,
			.osxsave = vmread(GUEST_CR4) & CR4_OSXSAVE_BIT,
			.rdtscp = vmx_ctl.rdtscp, .invpcid = vmx_ctl.invpcid,
			.resets = v->vm->resets, .tsc_khz = (uint32_t)tsc_khz,
			.apic = vlapic_enabled(&v->lapic),
		};
		cpuid_for_guest(leaf, sub, &o, &g);
	}
	r->gpr[REG_RAX] = o.eax;
	r->gpr[REG_RBX] = o.ebx;
	r->gpr[REG_RCX] = o.ecx;
	r->gpr[REG_RDX] = o.edx;
	skip_instruction();
}
