/* SPDX-License-Identifier: MIT */
/* RDMSR/WRMSR of the MSRs a guest cannot touch directly (the MSR bitmap
 * lets the others through). Known ones are emulated; any other MSR raises
 * #GP, as on a CPU that does not have it. */
#include "arch/msr.h"
#include "arch/x86.h"
#include "lib/console.h"
#include "guests/vapic.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"

#define MSR_IA32_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MISC_ENABLE 0x1a0
#define MSR_DEBUGCTL 0x1d9
#define MISC_ENABLE_VALUE 0x1801ull /* fast strings, no BTS, no PEBS */

/* PAT entries must be UC, WC, WT, WP, WB or UC- (SDM 13.12.2). */
static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (pat >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static bool read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_IA32_TSC:
		*val = rdtsc() + v->tsc_offset;
		return true;
	case MSR_IA32_FEATURE_CONTROL: /* locked, VMX off: no nesting */
		*val = FEATURE_CONTROL_LOCK;
		return true;
	case MSR_PLATFORM_ID:
	case MSR_BIOS_SIGN_ID:
	case MSR_DEBUGCTL:
		*val = 0;
		return true;
	case MSR_MISC_ENABLE:
		*val = MISC_ENABLE_VALUE;
		return true;
	case MSR_IA32_PAT:
		*val = vmread(GUEST_IA32_PAT);
		return true;
	case MSR_EFER:
		*val = vmread(GUEST_IA32_EFER);
		return true;
	}
	return false;
}

static bool write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_IA32_TSC: /* the guest's TSC becomes val from now */
		v->tsc_offset = val - rdtsc();
		vmwrite(TSC_OFFSET, v->tsc_offset);
		return true;
	case MSR_BIOS_SIGN_ID: /* microcode update trigger: ignored */
	case MSR_MISC_ENABLE:
		return true;
	case MSR_DEBUGCTL: /* no branch tracing offered */
		return val == 0;
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return false;
		vmwrite(GUEST_IA32_PAT, val);
		return true;
	case MSR_EFER:
		return vmx_set_efer(v, val);
	}
	return false;
}

void exit_rdmsr(struct vcpu *v, struct guest_regs *r)
{
	uint32_t msr = (uint32_t)r->gpr[REG_RCX];
	uint64_t val;
	bool gp;

	if (vapic_msr(v, msr, &val, false, &gp) ? gp : !read_msr(v, msr, &val)) {
		pr_debug("vm %s: rdmsr %#x: #GP\n", v->vm->name, msr);
		inject_gp(v);
		return;
	}
	r->gpr[REG_RAX] = (uint32_t)val;
	r->gpr[REG_RDX] = val >> 32;
	skip_instruction();
}

void exit_wrmsr(struct vcpu *v, struct guest_regs *r)
{
	uint32_t msr = (uint32_t)r->gpr[REG_RCX];
	uint64_t val = (uint32_t)r->gpr[REG_RAX] | r->gpr[REG_RDX] << 32;
	bool gp;

	if (vapic_msr(v, msr, &val, true, &gp) ? gp : !write_msr(v, msr, val)) {
		pr_debug("vm %s: wrmsr %#x = %#llx: #GP\n", v->vm->name, msr,
			 (unsigned long long)val);
		inject_gp(v);
		return;
	}
	skip_instruction();
}
