/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI: what a guest may ask of the hypervisor. Shared by the
 * hypervisor and the guests it ships; freestanding (no libc needed).
 *
 * Detection: CPUID leaf 0x40000000 returns EAX = the highest hypervisor
 * leaf and EBX, ECX, EDX = "uHVuHVuHVuHV" (HV_CPUID_SIGNATURE_*).
 *
 * Calling: VMCALL with the call number in RAX and arguments in RBX, RCX,
 * RDX, RSI (in that order; 32-bit guests use the low halves). The result
 * comes back in RAX: 0 or a positive value on success, a negative errno
 * value (HV_E*) on failure. Other registers are preserved. Addresses are
 * guest-physical. A call with an unknown number returns -HV_ENOSYS.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdint.h>

#define HV_CPUID_BASE 0x40000000u
#define HV_CPUID_INFO 0x40000001u
#define HV_CPUID_TIMING 0x40000010u
#define HV_CPUID_MAX HV_CPUID_TIMING
/* "uHVu" "HVuH" "VuHV" as little-endian dwords */
#define HV_CPUID_SIGNATURE_EBX 0x75564875u
#define HV_CPUID_SIGNATURE_ECX 0x48755648u
#define HV_CPUID_SIGNATURE_EDX 0x56487556u
/* Leaf 0x40000001: EAX = ABI version, EBX = how many times this VM has
 * been reset (0 on its first boot).
 * Leaf 0x40000010 (the VMware/KVM timing leaf): EAX = TSC rate in kHz,
 * EBX = the virtual APIC timer's rate in kHz (the same).
 * Every VM's TSC counts from 0 at the moment the hypervisor starts its
 * VMs (all together at boot), so VMs share one time line. */
#define HV_ABI_VERSION 1

enum hv_hypercall {
	/* Write RCX bytes at guest-physical RBX to the VM's console.
	 * Returns the number of bytes written (at most 4096 per call). */
	HV_HC_CONSOLE_WRITE = 1,
	/* Give up the rest of this time slice. Returns 0. */
	HV_HC_YIELD = 2,
	/* Stop the whole VM with exit status RBX (0 = success). Does not
	 * return. */
	HV_HC_EXIT = 3,
	/* Copy this vCPU's VM-exit statistics (struct hv_exit_stats) to
	 * guest-physical RBX, at most RCX bytes. Returns the size copied. */
	HV_HC_EXIT_STATS = 4,
	/* One-shot timer: after RBX microseconds, raise interrupt vector RCX
	 * (32..255) on this vCPU, or an NMI if RCX is HV_TIMER_NMI. RBX = 0
	 * raises it at once; a new call replaces a pending timer. */
	HV_HC_TIMER = 5,
	/* Copy this vCPU's scheduling figures (struct hv_sched_stats) to
	 * guest-physical RBX, at most RCX bytes. Returns the size copied. */
	HV_HC_SCHED_STATS = 6,
	/* Test hook, honoured only when the hypervisor runs with the
	 * "testhooks" option (else -HV_ENOSYS): corrupts this vCPU's guest
	 * state (clears RFLAGS bit 1) so that the next VM entry fails, to
	 * test how entry failures are reported. */
	HV_HC_TEST_BREAK_ENTRY = 0x7e57,
};

#define HV_TIMER_NMI 2

#define HV_ENOSYS 38
#define HV_EINVAL 22
#define HV_EFAULT 14

/* VM-exit reasons are the SDM's basic exit reasons (Vol. 3D, Appendix C). */
#define HV_EXIT_REASONS 70

struct hv_exit_stats {
	uint64_t total;
	uint64_t count[HV_EXIT_REASONS]; /* indexed by basic exit reason */
};

struct hv_sched_stats {
	uint64_t runtime_ns; /* time this vCPU ran */
	uint64_t wait_ns;    /* time it was runnable but waited for a CPU */
	uint64_t switches;   /* times it was switched in */
};

#if defined(__x86_64__) || defined(__i386__)
static inline long hv_hypercall(unsigned long nr, unsigned long a0,
				unsigned long a1, unsigned long a2)
{
	long ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "b"(a0), "c"(a1), "d"(a2)
			 : "memory");
	return ret;
}
#endif

#endif
