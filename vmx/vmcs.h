/* SPDX-License-Identifier: MIT */
/* VMCS field encodings (SDM Vol. 3D, Appendix B) and the VMX instructions
 * that use them. */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include <stdint.h>

enum vmcs_field {
	/* 16-bit control */
	VPID = 0x0000,
	/* 16-bit guest state */
	GUEST_INTR_STATUS = 0x0810, /* SVI (15:8), RVI (7:0) */
	GUEST_ES_SEL = 0x0800, GUEST_CS_SEL = 0x0802, GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806, GUEST_FS_SEL = 0x0808, GUEST_GS_SEL = 0x080a,
	GUEST_LDTR_SEL = 0x080c, GUEST_TR_SEL = 0x080e,
	/* 16-bit host state */
	HOST_ES_SEL = 0x0c00, HOST_CS_SEL = 0x0c02, HOST_SS_SEL = 0x0c04,
	HOST_DS_SEL = 0x0c06, HOST_FS_SEL = 0x0c08, HOST_GS_SEL = 0x0c0a,
	HOST_TR_SEL = 0x0c0c,
	/* 64-bit control */
	IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004,
	VM_EXIT_MSR_STORE_ADDR = 0x2006, VM_EXIT_MSR_LOAD_ADDR = 0x2008,
	VM_ENTRY_MSR_LOAD_ADDR = 0x200a, TSC_OFFSET = 0x2010,
	VIRTUAL_APIC_PAGE_ADDR = 0x2012, APIC_ACCESS_ADDR = 0x2014,
	EPT_POINTER = 0x201a, EOI_EXIT_BITMAP0 = 0x201c,
	/* 64-bit read-only */
	GUEST_PHYSICAL_ADDRESS = 0x2400,
	/* 64-bit guest state */
	VMCS_LINK_POINTER = 0x2800, GUEST_IA32_DEBUGCTL = 0x2802,
	GUEST_IA32_PAT = 0x2804, GUEST_IA32_EFER = 0x2806,
	GUEST_PDPTE0 = 0x280a, GUEST_PDPTE1 = 0x280c, GUEST_PDPTE2 = 0x280e,
	GUEST_PDPTE3 = 0x2810,
	/* 64-bit host state */
	HOST_IA32_PAT = 0x2c00, HOST_IA32_EFER = 0x2c02,
	/* 32-bit control */
	PIN_BASED_CONTROLS = 0x4000, PROC_BASED_CONTROLS = 0x4002,
	EXCEPTION_BITMAP = 0x4004, PAGE_FAULT_ERROR_MASK = 0x4006,
	PAGE_FAULT_ERROR_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400a,
	VM_EXIT_CONTROLS = 0x400c, VM_EXIT_MSR_STORE_COUNT = 0x400e,
	VM_EXIT_MSR_LOAD_COUNT = 0x4010, VM_ENTRY_CONTROLS = 0x4012,
	VM_ENTRY_MSR_LOAD_COUNT = 0x4014, VM_ENTRY_INTR_INFO = 0x4016,
	VM_ENTRY_EXCEPTION_ERROR = 0x4018, VM_ENTRY_INSTRUCTION_LEN = 0x401a,
	TPR_THRESHOLD = 0x401c, PROC_BASED_CONTROLS2 = 0x401e,
	/* 32-bit read-only */
	VM_INSTRUCTION_ERROR = 0x4400, VM_EXIT_REASON = 0x4402,
	VM_EXIT_INTR_INFO = 0x4404, VM_EXIT_INTR_ERROR = 0x4406,
	IDT_VECTORING_INFO = 0x4408, IDT_VECTORING_ERROR = 0x440a,
	VM_EXIT_INSTRUCTION_LEN = 0x440c, VM_EXIT_INSTRUCTION_INFO = 0x440e,
	/* 32-bit guest state */
	GUEST_ES_LIMIT = 0x4800, GUEST_CS_LIMIT = 0x4802,
	GUEST_SS_LIMIT = 0x4804, GUEST_DS_LIMIT = 0x4806,
	GUEST_FS_LIMIT = 0x4808, GUEST_GS_LIMIT = 0x480a,
	GUEST_LDTR_LIMIT = 0x480c, GUEST_TR_LIMIT = 0x480e,
	GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814, GUEST_CS_AR = 0x4816, GUEST_SS_AR = 0x4818,
	GUEST_DS_AR = 0x481a, GUEST_FS_AR = 0x481c, GUEST_GS_AR = 0x481e,
	GUEST_LDTR_AR = 0x4820, GUEST_TR_AR = 0x4822,
	GUEST_INTERRUPTIBILITY = 0x4824, GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SYSENTER_CS = 0x482a, PREEMPTION_TIMER_VALUE = 0x482e,
	/* 32-bit host state */
	HOST_SYSENTER_CS = 0x4c00,
	/* natural-width control */
	CR0_GUEST_HOST_MASK = 0x6000, CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004, CR4_READ_SHADOW = 0x6006,
	/* natural-width read-only */
	EXIT_QUALIFICATION = 0x6400, GUEST_LINEAR_ADDRESS = 0x640a,
	/* natural-width guest state */
	GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806, GUEST_CS_BASE = 0x6808, GUEST_SS_BASE = 0x680a,
	GUEST_DS_BASE = 0x680c, GUEST_FS_BASE = 0x680e, GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812, GUEST_TR_BASE = 0x6814,
	GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c, GUEST_RIP = 0x681e, GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822, GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	/* natural-width host state */
	HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06, HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c, HOST_IDTR_BASE = 0x6c0e,
	HOST_SYSENTER_ESP = 0x6c10, HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

/* Basic exit reasons (SDM Vol. 3D, Appendix C). */
enum exit_reason {
	EXIT_EXCEPTION_NMI = 0, EXIT_EXTERNAL_INTERRUPT = 1,
	EXIT_TRIPLE_FAULT = 2, EXIT_INIT = 3, EXIT_SIPI = 4, EXIT_IO_SMI = 5,
	EXIT_OTHER_SMI = 6, EXIT_INTERRUPT_WINDOW = 7, EXIT_NMI_WINDOW = 8,
	EXIT_TASK_SWITCH = 9, EXIT_CPUID = 10, EXIT_GETSEC = 11, EXIT_HLT = 12,
	EXIT_INVD = 13, EXIT_INVLPG = 14, EXIT_RDPMC = 15, EXIT_RDTSC = 16,
	EXIT_RSM = 17, EXIT_VMCALL = 18, EXIT_VMCLEAR = 19, EXIT_VMLAUNCH = 20,
	EXIT_VMPTRLD = 21, EXIT_VMPTRST = 22, EXIT_VMREAD = 23,
	EXIT_VMRESUME = 24, EXIT_VMWRITE = 25, EXIT_VMXOFF = 26,
	EXIT_VMXON = 27, EXIT_CR_ACCESS = 28, EXIT_DR_ACCESS = 29,
	EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32,
	EXIT_INVALID_GUEST_STATE = 33, EXIT_MSR_LOADING = 34,
	EXIT_MWAIT = 36, EXIT_MTF = 37, EXIT_MONITOR = 39, EXIT_PAUSE = 40,
	EXIT_MACHINE_CHECK = 41, EXIT_TPR_BELOW_THRESHOLD = 43,
	EXIT_APIC_ACCESS = 44, EXIT_VIRTUALIZED_EOI = 45, EXIT_GDTR_IDTR = 46,
	EXIT_LDTR_TR = 47, EXIT_EPT_VIOLATION = 48, EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50, EXIT_RDTSCP = 51, EXIT_PREEMPTION_TIMER = 52,
	EXIT_INVVPID = 53, EXIT_WBINVD = 54, EXIT_XSETBV = 55,
	EXIT_APIC_WRITE = 56, EXIT_RDRAND = 57, EXIT_INVPCID = 58,
	EXIT_VMFUNC = 59, EXIT_ENCLS = 60, EXIT_RDSEED = 61,
	EXIT_PML_FULL = 62, EXIT_XSAVES = 63, EXIT_XRSTORS = 64,
	EXIT_SPP = 66, EXIT_UMWAIT = 67, EXIT_TPAUSE = 68,
	EXIT_REASON_MAX = 70,
};

#define EXIT_REASON_ENTRY_FAILED (1u << 31)

/* VM-exit/entry interruption information (SDM 25.8.3, 24.9.2). */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERROR_CODE (1u << 11)
#define INTR_INFO_NMI_UNBLOCK (1u << 12)
#define INTR_TYPE_EXT_INTR (0u << 8)
#define INTR_TYPE_NMI (2u << 8)
#define INTR_TYPE_HW_EXCEPTION (3u << 8)
#define INTR_TYPE_SW_INTR (4u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION (5u << 8)
#define INTR_TYPE_SW_EXCEPTION (6u << 8)
#define INTR_TYPE_MASK (7u << 8)

/* Guest interruptibility state (SDM 25.4.2). */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_NMI (1u << 3)

#define ACTIVITY_ACTIVE 0
#define ACTIVITY_HLT 1

/* VM-exit controls (SDM 25.7.1). */
#define EXIT_CTL_SAVE_DEBUG (1u << 2)
#define EXIT_CTL_HOST_64 (1u << 9)
#define EXIT_CTL_ACK_INTR (1u << 15)
#define EXIT_CTL_SAVE_PAT (1u << 18)
#define EXIT_CTL_LOAD_PAT (1u << 19)
#define EXIT_CTL_SAVE_EFER (1u << 20)
#define EXIT_CTL_LOAD_EFER (1u << 21)
/* VM-entry controls (SDM 25.8.1). */
#define ENTRY_CTL_LOAD_DEBUG (1u << 2)
#define ENTRY_CTL_IA32E (1u << 9)
#define ENTRY_CTL_LOAD_PAT (1u << 14)
#define ENTRY_CTL_LOAD_EFER (1u << 15)

static inline uint64_t vmread(enum vmcs_field f)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

static inline void vmwrite(enum vmcs_field f, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" ::"r"((uint64_t)f), "rm"(v)
			 : "cc", "memory");
}

/* These return 0, or -1 on VMfail. */
static inline int vmptrld(uint64_t pa)
{
	uint8_t fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa)
			 : "cc", "memory");
	return -fail;
}

static inline int vmclear(uint64_t pa)
{
	uint8_t fail;

	__asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(pa)
			 : "cc", "memory");
	return -fail;
}

static inline void invept_single(uint64_t eptp)
{
	struct { uint64_t eptp, rsvd; } d = { eptp, 0 };

	__asm__ volatile("invept %0, %1" ::"m"(d), "r"(1ull) : "cc", "memory");
}

static inline void invept_all(void)
{
	struct { uint64_t eptp, rsvd; } d = { 0, 0 };

	__asm__ volatile("invept %0, %1" ::"m"(d), "r"(2ull) : "cc", "memory");
}

static inline void invvpid_single(uint16_t vpid)
{
	struct { uint64_t vpid, addr; } d = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" ::"m"(d), "r"(1ull) : "cc", "memory");
}

#endif
