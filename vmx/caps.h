/* SPDX-License-Identifier: MIT */
/*
 * VMX capabilities, decoded from the VMX capability MSRs (SDM Vol. 3D,
 * Appendix A). Pure: vmx_caps_decode takes the raw MSR values, so the
 * decoding is unit-tested with values read off real CPU models.
 */
#ifndef VMX_CAPS_H
#define VMX_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pin-based VM-execution controls (SDM 25.6.1). */
#define PIN_EXT_INTR_EXIT (1u << 0)
#define PIN_NMI_EXIT (1u << 3)
#define PIN_VIRTUAL_NMI (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
#define PIN_POSTED_INTR (1u << 7)

/* Primary processor-based controls (SDM 25.6.2, table 25-6). */
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT_EXIT (1u << 7)
#define PROC_INVLPG_EXIT (1u << 9)
#define PROC_MWAIT_EXIT (1u << 10)
#define PROC_RDPMC_EXIT (1u << 11)
#define PROC_RDTSC_EXIT (1u << 12)
#define PROC_CR3_LOAD_EXIT (1u << 15)
#define PROC_CR3_STORE_EXIT (1u << 16)
#define PROC_CR8_LOAD_EXIT (1u << 19)
#define PROC_CR8_STORE_EXIT (1u << 20)
#define PROC_TPR_SHADOW (1u << 21)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_MOV_DR_EXIT (1u << 23)
#define PROC_UNCOND_IO_EXIT (1u << 24)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MTF (1u << 27)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR_EXIT (1u << 29)
#define PROC_PAUSE_EXIT (1u << 30)
#define PROC_SECONDARY (1u << 31)

/* Secondary processor-based controls (SDM 25.6.2, table 25-7). */
#define PROC2_VIRT_APIC_ACCESS (1u << 0)
#define PROC2_EPT (1u << 1)
#define PROC2_DESC_TABLE_EXIT (1u << 2)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VIRT_X2APIC (1u << 4)
#define PROC2_VPID (1u << 5)
#define PROC2_WBINVD_EXIT (1u << 6)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_APIC_REG_VIRT (1u << 8)
#define PROC2_VIRT_INTR_DELIVERY (1u << 9)
#define PROC2_PAUSE_LOOP_EXIT (1u << 10)
#define PROC2_RDRAND_EXIT (1u << 11)
#define PROC2_INVPCID (1u << 12)
#define PROC2_VMFUNC (1u << 13)
#define PROC2_VMCS_SHADOW (1u << 14)
#define PROC2_RDSEED_EXIT (1u << 16)
#define PROC2_PML (1u << 17)
#define PROC2_EPT_VE (1u << 18)
#define PROC2_XSAVES (1u << 20)
#define PROC2_TSC_SCALING (1u << 25)

/* IA32_VMX_EPT_VPID_CAP (SDM A.10). */
#define EPT_CAP_EXEC_ONLY (1ull << 0)
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_UC (1ull << 8)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_1G (1ull << 17)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_AD (1ull << 21)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_ADDR (1ull << 40)
#define VPID_CAP_SINGLE (1ull << 41)
#define VPID_CAP_ALL (1ull << 42)

/* Raw values of the capability MSRs. */
struct vmx_msrs {
	uint64_t basic, pin, proc, proc2, exit, entry, misc, ept_vpid;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

struct vmx_caps {
	uint32_t revision;
	uint32_t vmcs_size;
	uint8_t vmcs_memtype; /* 6 = write-back */
	bool true_ctls;
	/* allowed-0 (must be 1) and allowed-1 (may be 1) settings */
	uint32_t pin0, pin1, proc0, proc1, proc2_1, exit0, exit1, entry0,
		entry1;
	uint64_t ept_vpid;
	unsigned preempt_shift; /* timer ticks when TSC bit N changes */
	unsigned cr3_targets;
	unsigned msr_list_max;
};

/* What IA32_FEATURE_CONTROL allows (SDM Vol. 3C, 24.7). */
enum vmx_fc_action {
	VMX_FC_READY,    /* locked with VMX outside SMX on */
	VMX_FC_LOCK,     /* unlocked: set VMX outside SMX and lock it */
	VMX_FC_DISABLED, /* locked with VMX off: firmware forbids VT-x */
};
enum vmx_fc_action vmx_feature_control_action(uint64_t fc);

void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c);

static inline bool vmx_has_proc2(const struct vmx_caps *c, uint32_t bit)
{
	return (c->proc1 & PROC_SECONDARY) && (c->proc2_1 & bit);
}

/* Writes the human-readable report, one line per feature family, each
 * line starting with "vmx: ". Returns the length (as ksnprintf). */
int vmx_caps_report(const struct vmx_caps *c, uint64_t tsc_khz, char *buf,
		    size_t size);

#endif
