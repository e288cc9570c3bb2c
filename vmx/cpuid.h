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
};

/* Edits the host's output r for (leaf, subleaf) into the guest's. Leaves
 * 0x40000000+ are the hypervisor's own and ignore r. */
void cpuid_for_guest(uint32_t leaf, uint32_t sub, struct cpuid_out *r,
		     const struct cpuid_guest *g);

#endif
