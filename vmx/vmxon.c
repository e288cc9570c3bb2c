/* SPDX-License-Identifier: MIT */
#include "vmx/vmx.h"

#include "arch/mm.h"
#include "arch/msr.h"
#include "arch/x86.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

struct vmx_caps vmx_caps;
struct vmx_msrs vmx_msrs;

static int refuse(struct cpu *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct cpu *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(c->vmx_error, sizeof(c->vmx_error), fmt, ap);
	va_end(ap);
	__atomic_store_n(&c->state, CPU_VMX_FAILED, __ATOMIC_RELEASE);
	return err;
}

static void read_msrs(struct vmx_msrs *m)
{
	bool true_ctls;

	m->basic = rdmsr(MSR_IA32_VMX_BASIC);
	true_ctls = m->basic & (1ull << 55);
	/* SDM A.3: with bit 55 set, the TRUE_ MSRs report the controls that
	 * may really be 0 (the "default1" class). */
	m->pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
				 : MSR_IA32_VMX_PINBASED_CTLS);
	m->proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
				  : MSR_IA32_VMX_PROCBASED_CTLS);
	m->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS
				  : MSR_IA32_VMX_EXIT_CTLS);
	m->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS
				   : MSR_IA32_VMX_ENTRY_CTLS);
	m->misc = rdmsr(MSR_IA32_VMX_MISC);
	m->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	m->proc2 = (m->proc >> 32) & PROC_SECONDARY ?
			   rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	m->ept_vpid = (m->proc2 >> 32) & (PROC2_EPT | PROC2_VPID) ?
			      rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
}

static int check_cpuid(struct cpu *c)
{
	struct cpuid_regs v = cpuid(0, 0);
	char vendor[13];

	if (cpuid(1, 0).ecx & (1u << 5))
		return 0;
	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = 0;
	return refuse(c, -ENODEV,
		      "no VT-x: CPUID.1:ECX.VMX[bit 5] is 0 on this %s CPU%s",
		      vendor,
		      memcmp(vendor, "AuthenticAMD", 12) ? "" :
		      " (AMD SVM is not supported)");
}

/* SDM Vol. 3C, 24.7: VMXON needs IA32_FEATURE_CONTROL locked with
 * "VMX outside SMX" set; firmware that locked it off wins. */
static int check_feature_control(struct cpu *c)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	switch (vmx_feature_control_action(fc)) {
	case VMX_FC_READY:
		return 0;
	case VMX_FC_LOCK:
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK |
			      FEATURE_CONTROL_VMX_OUTSIDE_SMX);
		c->locked_feature_control = true;
		return 0;
	default:
		return refuse(c, -EIO,
			      "VT-x disabled by firmware: IA32_FEATURE_CONTROL "
			      "is locked (%#llx) with VMX outside SMX off; "
			      "enable virtualization in the firmware setup",
			      (unsigned long long)fc);
	}
}

/* SDM Vol. 3D, A.7/A.8: bits set in FIXED0 must be 1, bits clear in
 * FIXED1 must be 0, in CR0 and CR4 during VMX operation. */
static int apply_fixed_bits(struct cpu *c, const struct vmx_msrs *m)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4() | CR4_VMXE;
	uint64_t ncr0 = (cr0 | m->cr0_fixed0) & m->cr0_fixed1;
	uint64_t ncr4 = (cr4 | m->cr4_fixed0) & m->cr4_fixed1;

	if ((ncr0 & (CR0_PG | CR0_PE)) != (CR0_PG | CR0_PE))
		return refuse(c, -EIO, "CR0 fixed bits (%#llx/%#llx) clear "
				       "PE or PG",
			      (unsigned long long)m->cr0_fixed0,
			      (unsigned long long)m->cr0_fixed1);
	if (!(ncr4 & CR4_VMXE))
		return refuse(c, -EIO, "IA32_VMX_CR4_FIXED1 (%#llx) does not "
				       "allow CR4.VMXE",
			      (unsigned long long)m->cr4_fixed1);
	write_cr0(ncr0);
	write_cr4(ncr4);
	return 0;
}

/* Returns NULL on success, else how VMXON failed (SDM 30.3, VMXON). */
static const char *vmxon(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxon %2; setc %0; setz %1"
			 : "=q"(cf), "=q"(zf)
			 : "m"(pa)
			 : "cc", "memory");
	if (cf)
		return "VMfailInvalid: bad VMXON region or fixed bits";
	if (zf)
		return "VMfailValid: already in VMX operation";
	return 0;
}

static int check_basic(struct cpu *c, const struct vmx_caps *caps)
{
	if (caps->vmcs_size > 4096 || caps->vmcs_size == 0)
		return refuse(c, -EIO, "VMCS region size %u not supported",
			      caps->vmcs_size);
	if (caps->vmcs_memtype != 6)
		return refuse(c, -EIO, "VMCS memory type %u is not write-back",
			      caps->vmcs_memtype);
	if (c->id && memcmp(caps, &vmx_caps, sizeof(*caps)))
		return refuse(c, -EIO, "VMX capabilities differ from cpu0's");
	return 0;
}

int vmx_cpu_enable(struct cpu *c)
{
	struct vmx_msrs m;
	struct vmx_caps caps;
	const char *why;
	int r;

	if ((r = check_cpuid(c)) || (r = check_feature_control(c)))
		return r;
	read_msrs(&m);
	vmx_caps_decode(&m, &caps);
	if ((r = check_basic(c, &caps)))
		return r;
	if (!c->id) {
		vmx_msrs = m;
		vmx_caps = caps;
	}
	if (!c->vmxon_pa && !(c->vmxon_pa = page_alloc(1)))
		return refuse(c, -ENOMEM, "no memory for the VMXON region");
	*(uint32_t *)phys_to_virt(c->vmxon_pa) = caps.revision;
	if ((r = apply_fixed_bits(c, &m)))
		return r;
	if ((why = vmxon(c->vmxon_pa)))
		return refuse(c, -EIO, "VMXON failed: %s", why);
	c->vmx_tsc = rdtsc();
	__atomic_store_n(&c->state, CPU_VMX_ROOT, __ATOMIC_RELEASE);
	return 0;
}
