/* SPDX-License-Identifier: MIT */
/* What a guest's CPUID says: the host's answer, edited. Pure. */
#ifndef VMX_CPUID_H
#define VMX_CPUID_H

#include <stdbool.h>
#include <stdint.h>

struct cpuid_out {
	uint32_t eax, ebx, ecx, edx;
};

struct cpuid_guest {
	unsigned vcpu_id, n_vcpus;
	bool osxsave;  /* the guest's CR4.OSXSAVE */
	bool rdtscp, invpcid;
	unsigned resets; /* of the VM, for leaf 0x40000001 */
	uint32_t tsc_khz;
	bool apic; /* the local APIC is enabled (IA32_APIC_BASE.EN) */
};

/* Whether cpuid_for_guest changes anything for this leaf: the others go
 * to the guest exactly as the host answers (the common, fast case). */
static inline bool cpuid_leaf_edited(uint32_t leaf)
{
	switch (leaf) {
	case 1: case 4: case 5: case 6: case 7: case 0xa: case 0xb: case 0xd:
	case 0x1f: case 0x80000001:
		return true;
	}
	return leaf - 0x40000000u < 0x100;
}

/* Edits the host's output r for (leaf, subleaf) into the guest's. Leaves
 * 0x40000000+ are the hypervisor's own and ignore r. */
void cpuid_for_guest(uint32_t leaf, uint32_t sub, struct cpuid_out *r,
		     const struct cpuid_guest *g);

#endif
