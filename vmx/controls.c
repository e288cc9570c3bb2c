/* SPDX-License-Identifier: MIT */
#include "vmx/controls.h"

#include "lib/errno.h"
#include "lib/format.h"
#include "vmx/vmcs.h"

#define CR0_PE (1ull << 0)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)

/* CR4 bits a guest may own (SDM 2.5): VME PVI TSD DE PSE PAE MCE PGE PCE
 * OSFXSR OSXMMEXCPT UMIP FSGSBASE PCIDE OSXSAVE SMEP SMAP. */
#define CR4_GUEST_BITS 0x370fffull

/* APIC virtualization, secondary controls (SDM 25.6.2). Virtual-interrupt
 * delivery needs external-interrupt exiting, which we always have. */
#define APICV_PROC2 (PROC2_VIRT_APIC_ACCESS | PROC2_APIC_REG_VIRT | \
		     PROC2_VIRT_INTR_DELIVERY)

struct want {
	uint32_t need, like;
};

/* Settles one control field: the CPU's must-be-1 bits, what we need
 * (failing if not allowed), and what we like where allowed. */
static bool settle(uint64_t msr, struct want w, uint32_t *out)
{
	uint32_t must = (uint32_t)msr, may = (uint32_t)(msr >> 32);

	if ((w.need & may) != w.need)
		return false;
	*out = (must | w.need | (w.like & may)) & may;
	return true;
}

static int missing(char *err, size_t len, const char *what)
{
	ksnprintf(err, len, "the CPU lacks %s, which guests need", what);
	return -ENODEV;
}

static int settle_exec(const struct vmx_msrs *m, struct vmx_controls *c,
		       char *err, size_t len)
{
	struct want pin = { PIN_EXT_INTR_EXIT | PIN_NMI_EXIT,
			    PIN_VIRTUAL_NMI | PIN_PREEMPT_TIMER };
	struct want proc = {
		PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
			PROC_SECONDARY | PROC_TSC_OFFSET | PROC_MOV_DR_EXIT |
			PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT,
		PROC_MWAIT_EXIT | PROC_MONITOR_EXIT | PROC_RDPMC_EXIT |
			PROC_TPR_SHADOW,
	};
	struct want proc2 = { PROC2_EPT | PROC2_UNRESTRICTED,
			      PROC2_VPID | PROC2_RDTSCP | PROC2_INVPCID |
				      APICV_PROC2 };

	if (!settle(m->pin, pin, &c->pin))
		return missing(err, len, "external-interrupt/NMI exiting");
	if (!settle(m->proc, proc, &c->proc))
		return missing(err, len, "I/O and MSR bitmaps or HLT exiting");
	if (!settle(m->proc2, proc2, &c->proc2)) {
		bool ept = (m->proc2 >> 32) & PROC2_EPT;
		return missing(err, len, ept ? "unrestricted guest" : "EPT");
	}
	/* The exit/entry controls' low halves already hold the default1
	 * bits that must stay set. */
	if (!settle(m->exit, (struct want){ EXIT_CTL_HOST_64 | EXIT_CTL_ACK_INTR |
						    EXIT_CTL_SAVE_EFER |
						    EXIT_CTL_LOAD_EFER |
						    EXIT_CTL_SAVE_PAT |
						    EXIT_CTL_LOAD_PAT,
					    EXIT_CTL_SAVE_PREEMPT_TIMER },
		    &c->exit))
		return missing(err, len, "EFER/PAT switching on VM exit");
	if (!settle(m->entry, (struct want){ ENTRY_CTL_LOAD_EFER |
						     ENTRY_CTL_LOAD_PAT, 0 },
		    &c->entry))
		return missing(err, len, "EFER/PAT loading on VM entry");
	return 0;
}

int vmx_controls_compute(const struct vmx_msrs *m, struct vmx_controls *c,
			 char *err, size_t len)
{
	struct vmx_caps caps;
	int r;

	*c = (struct vmx_controls){ 0 };
	vmx_caps_decode(m, &caps);
	if (!(caps.ept_vpid & EPT_CAP_WALK4) || !(caps.ept_vpid & EPT_CAP_WB))
		return missing(err, len, "4-level write-back EPT");
	r = settle_exec(m, c, err, len);
	if (r)
		return r;
	c->strict_proc = (uint32_t)(m->proc >> 32) &
			 (PROC_RDTSC_EXIT | PROC_INVLPG_EXIT | PROC_CR3_LOAD_EXIT |
			  PROC_CR3_STORE_EXIT | PROC_PAUSE_EXIT);
	c->strict_proc2 = (uint32_t)(m->proc2 >> 32) &
			  (PROC2_DESC_TABLE_EXIT | PROC2_WBINVD_EXIT);
	c->preempt_timer = c->pin & PIN_PREEMPT_TIMER;
	c->save_timer = c->exit & EXIT_CTL_SAVE_PREEMPT_TIMER;
	c->preempt_shift = caps.preempt_shift;
	c->vpid = (c->proc2 & PROC2_VPID) &&
		  (caps.ept_vpid & VPID_CAP_INVVPID) &&
		  (caps.ept_vpid & VPID_CAP_SINGLE);
	if (!c->vpid)
		c->proc2 &= ~PROC2_VPID;
	c->ept_1g = caps.ept_vpid & EPT_CAP_1G;
	c->apicv = (c->proc & PROC_TPR_SHADOW) &&
		   (c->proc2 & APICV_PROC2) == APICV_PROC2;
	if (c->apicv)	/* MOV CR8 reads and writes the virtual TPR */
		c->proc &= ~(PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT);
	else
		vmx_controls_no_apicv(c);
	c->rdtscp = c->proc2 & PROC2_RDTSCP;
	c->invpcid = c->proc2 & PROC2_INVPCID;
	/* #AC is intercepted so that a guest cannot hang the CPU in an
	 * endless #AC delivery loop (CVE-2015-5307). */
	c->exception_bitmap = 1u << 17;
	/* With unrestricted guest, CR0.PE and PG are the guest's (SDM 26.3.1.1). */
	c->cr0_fixed0 = m->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	c->cr0_fixed1 = m->cr0_fixed1;
	c->cr4_fixed0 = m->cr4_fixed0;
	c->cr4_fixed1 = m->cr4_fixed1;
	/* Owned by us: the fixed bits, CD/NW (a guest may not turn off
	 * caching for the whole physical CPU), and PE/PG, whose changes
	 * switch IA-32e mode and the PDPTEs, which we track. */
	c->cr0_mask = c->cr0_fixed0 | CR0_CD | CR0_NW | CR0_PE | CR0_PG |
		      (~c->cr0_fixed1 & 0xffffffffull);
	c->cr4_guest_allowed = CR4_GUEST_BITS & c->cr4_fixed1 & ~c->cr4_fixed0;
	c->cr4_mask = ~c->cr4_guest_allowed | CR4_VMXE | CR4_SMXE;
	return 0;
}

void vmx_controls_no_apicv(struct vmx_controls *c)
{
	c->apicv = false;
	c->proc &= ~PROC_TPR_SHADOW;
	c->proc |= PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT;
	c->proc2 &= ~APICV_PROC2;
}
