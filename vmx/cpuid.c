/* SPDX-License-Identifier: MIT */
#include "vmx/cpuid.h"

#include "include/hv/hypercall.h"

/* Leaf 1 ECX: hidden are MONITOR (3, MWAIT exits), DS-CPL (4), VMX (5),
 * SMX (6), EST (7), TM2 (8), SDBG (11), PDCM (15); shown are x2APIC (21)
 * and TSC-deadline (24), which the virtual APIC offers; OSXSAVE (27)
 * follows the guest's CR4. */
#define L1_ECX_HIDE 0x000089f8u
#define L1_ECX_X2APIC (1u << 21)
#define L1_ECX_TSC_DEADLINE (1u << 24)
#define L1_ECX_OSXSAVE (1u << 27)
#define L1_ECX_HYPERVISOR (1u << 31)
/* Leaf 1 EDX: hidden are MCE (7), MTRR (12), MCA (14), ACPI (22), TM
 * (29), PBE (31): no machine-check or MTRR emulation. APIC (9) follows
 * IA32_APIC_BASE.EN, as on hardware (SDM 10.4.3). */
#define L1_EDX_HIDE 0xa0405080u
#define L1_EDX_APIC (1u << 9)
/* Leaf 7.0: EBX TSC_ADJUST (1, no IA32_TSC_ADJUST MSR), SGX (2), INVPCID (10), RDT-M (12), RDT-A (15), PT (25);
 * ECX WAITPKG (5), SGX-LC (30); EDX hybrid (15), IBRS/IBPB (26),
 * STIBP (27), L1D_FLUSH (28), ARCH_CAPABILITIES (29), SSBD (31). */
#define L7_EBX_HIDE 0x02009406u
#define L7_ECX_HIDE 0x40000020u
#define L7_EDX_HIDE 0xbc008000u
#define L7_EBX_INVPCID (1u << 10)
/* Leaf 0xd.1 EAX: XSAVES (3): no IA32_XSS. */
#define LD1_EAX_XSAVES (1u << 3)
/* 0x80000001 EDX: RDTSCP (27). */
#define LX1_EDX_RDTSCP (1u << 27)

static void zero(struct cpuid_out *r) { *r = (struct cpuid_out){ 0 }; }

static void topology(uint32_t sub, struct cpuid_out *r,
		     const struct cpuid_guest *g)
{
	unsigned shift = 0;

	while ((1u << shift) < g->n_vcpus)
		shift++;
	zero(r);
	r->edx = g->vcpu_id;
	r->ecx = sub & 0xff;
	if (sub == 0) { /* SMT level: one thread per core */
		r->ebx = 1;
		r->ecx |= 1u << 8;
	} else if (sub == 1) { /* core level */
		r->eax = shift;
		r->ebx = g->n_vcpus;
		r->ecx |= 2u << 8;
	}
}

static void hypervisor_leaf(uint32_t leaf, struct cpuid_out *r,
			    const struct cpuid_guest *g)
{
	zero(r);
	if (leaf == HV_CPUID_BASE) {
		r->eax = HV_CPUID_MAX;
		r->ebx = HV_CPUID_SIGNATURE_EBX;
		r->ecx = HV_CPUID_SIGNATURE_ECX;
		r->edx = HV_CPUID_SIGNATURE_EDX;
	} else if (leaf == HV_CPUID_INFO) {
		r->eax = HV_ABI_VERSION;
		r->ebx = g->resets;
	} else if (leaf == HV_CPUID_TIMING) {
		r->eax = g->tsc_khz;
		r->ebx = g->tsc_khz;
	}
}

void cpuid_for_guest(uint32_t leaf, uint32_t sub, struct cpuid_out *r,
		     const struct cpuid_guest *g)
{
	switch (leaf) {
	case 1:
		r->ecx = (r->ecx & ~(L1_ECX_HIDE | L1_ECX_OSXSAVE)) |
			 L1_ECX_HYPERVISOR | (g->osxsave ? L1_ECX_OSXSAVE : 0);
		r->ecx |= L1_ECX_X2APIC | L1_ECX_TSC_DEADLINE;
		r->edx = (r->edx & ~(L1_EDX_HIDE | L1_EDX_APIC)) |
			 (g->apic ? L1_EDX_APIC : 0);
		/* initial APIC ID and logical processors per package */
		r->ebx = (r->ebx & 0xffff) | (g->vcpu_id << 24) |
			 ((g->n_vcpus & 0xff) << 16);
		if (g->n_vcpus > 1)
			r->edx |= 1u << 28; /* HTT: the count above is valid */
		else
			r->edx &= ~(1u << 28);
		break;
	case 4: /* caches: one thread each, cores per package from leaf 0xb */
		r->eax &= 0x3fff;
		if (r->eax & 0x1f)
			r->eax |= (g->n_vcpus - 1) << 26;
		break;
	case 5: case 6: case 0xa: /* MWAIT, power, performance counters */
		zero(r);
		break;
	case 7:
		if (sub == 0) {
			r->ebx &= ~(L7_EBX_HIDE & ~(g->invpcid ? L7_EBX_INVPCID : 0));
			r->ecx &= ~L7_ECX_HIDE;
			r->edx &= ~L7_EDX_HIDE;
		} else {
			zero(r);
		}
		break;
	case 0xd:
		if (sub == 1)
			r->eax &= ~LD1_EAX_XSAVES;
		break;
	case 0xb: case 0x1f:
		topology(sub, r, g);
		break;
	case 0x80000001:
		if (!g->rdtscp)
			r->edx &= ~LX1_EDX_RDTSCP;
		break;
	default:
		if (leaf >= HV_CPUID_BASE && leaf < HV_CPUID_BASE + 0x100)
			hypervisor_leaf(leaf, r, g);
		break;
	}
}
