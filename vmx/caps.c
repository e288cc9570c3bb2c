/* SPDX-License-Identifier: MIT */
#include "vmx/caps.h"

#include "lib/format.h"

enum vmx_fc_action vmx_feature_control_action(uint64_t fc)
{
	if (!(fc & 1))
		return VMX_FC_LOCK;
	return fc & (1u << 2) ? VMX_FC_READY : VMX_FC_DISABLED;
}

void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c)
{
	*c = (struct vmx_caps){ 0 };
	c->revision = m->basic & 0x7fffffff;
	c->vmcs_size = (m->basic >> 32) & 0x1fff;
	c->vmcs_memtype = (m->basic >> 50) & 0xf;
	c->true_ctls = (m->basic >> 55) & 1;
	/* Each control MSR: low half = allowed-0, high half = allowed-1
	 * (SDM A.3); with bit 55 of IA32_VMX_BASIC the caller reads the
	 * TRUE_ variants into m, which may allow more zeros. */
	c->pin0 = (uint32_t)m->pin;
	c->pin1 = (uint32_t)(m->pin >> 32);
	c->proc0 = (uint32_t)m->proc;
	c->proc1 = (uint32_t)(m->proc >> 32);
	c->exit0 = (uint32_t)m->exit;
	c->exit1 = (uint32_t)(m->exit >> 32);
	c->entry0 = (uint32_t)m->entry;
	c->entry1 = (uint32_t)(m->entry >> 32);
	if (c->proc1 & PROC_SECONDARY)
		c->proc2_1 = (uint32_t)(m->proc2 >> 32);
	if (vmx_has_proc2(c, PROC2_EPT) || vmx_has_proc2(c, PROC2_VPID))
		c->ept_vpid = m->ept_vpid;
	c->preempt_shift = m->misc & 0x1f;
	c->cr3_targets = (m->misc >> 16) & 0x1ff;
	c->msr_list_max = 512 * (((m->misc >> 25) & 7) + 1);
}

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

struct out {
	char *buf;
	size_t size;
	int len;
};

static void line(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void line(struct out *o, const char *fmt, ...)
{
	size_t pos = (size_t)o->len < o->size ? (size_t)o->len
					      : (o->size ? o->size - 1 : 0);
	va_list ap;

	va_start(ap, fmt);
	o->len += kvsnprintf(o->buf + pos, o->size - pos, fmt, ap);
	va_end(ap);
}

static void report_ept(struct out *o, const struct vmx_caps *c)
{
	uint64_t e = c->ept_vpid;
	bool ept = vmx_has_proc2(c, PROC2_EPT);

	line(o, "vmx: EPT %s", yes_no(ept));
	if (ept)
		line(o, ": 4-level %s, WB %s, UC %s, 2M pages %s, 1G pages %s, "
			"A/D bits %s, execute-only %s, INVEPT single %s all %s",
		     yes_no(e & EPT_CAP_WALK4), yes_no(e & EPT_CAP_WB),
		     yes_no(e & EPT_CAP_UC), yes_no(e & EPT_CAP_2M),
		     yes_no(e & EPT_CAP_1G), yes_no(e & EPT_CAP_AD),
		     yes_no(e & EPT_CAP_EXEC_ONLY),
		     yes_no(e & EPT_CAP_INVEPT_SINGLE),
		     yes_no(e & EPT_CAP_INVEPT_ALL));
	line(o, "\nvmx: VPID %s", yes_no(vmx_has_proc2(c, PROC2_VPID)));
	if (vmx_has_proc2(c, PROC2_VPID))
		line(o, ": INVVPID %s, address %s, single %s, all %s",
		     yes_no(e & VPID_CAP_INVVPID), yes_no(e & VPID_CAP_ADDR),
		     yes_no(e & VPID_CAP_SINGLE), yes_no(e & VPID_CAP_ALL));
	line(o, "\n");
}

int vmx_caps_report(const struct vmx_caps *c, uint64_t tsc_khz, char *buf,
		    size_t size)
{
	struct out o = { buf, size, 0 };
	bool timer = c->pin1 & PIN_PREEMPT_TIMER;

	if (size)
		buf[0] = 0;
	line(&o, "vmx: VMCS revision %#x, %u bytes, memory type %s, "
		 "true controls %s\n",
	     c->revision, c->vmcs_size, c->vmcs_memtype == 6 ? "WB" : "UC",
	     yes_no(c->true_ctls));
	report_ept(&o, c);
	line(&o, "vmx: unrestricted guest %s\n",
	     yes_no(vmx_has_proc2(c, PROC2_UNRESTRICTED)));
	line(&o, "vmx: preemption timer %s", yes_no(timer));
	if (timer)
		line(&o, ": 1 tick per 2^%u TSC cycles (%llu kHz)",
		     c->preempt_shift,
		     (unsigned long long)(tsc_khz >> c->preempt_shift));
	line(&o, "\nvmx: APIC virtualization: TPR shadow %s, APIC accesses "
		 "%s, x2APIC mode %s, register virtualization %s, "
		 "virtual-interrupt delivery %s, posted interrupts %s\n",
	     yes_no(c->proc1 & PROC_TPR_SHADOW),
	     yes_no(vmx_has_proc2(c, PROC2_VIRT_APIC_ACCESS)),
	     yes_no(vmx_has_proc2(c, PROC2_VIRT_X2APIC)),
	     yes_no(vmx_has_proc2(c, PROC2_APIC_REG_VIRT)),
	     yes_no(vmx_has_proc2(c, PROC2_VIRT_INTR_DELIVERY)),
	     yes_no(c->pin1 & PIN_POSTED_INTR));
	line(&o, "vmx: VMCS shadowing %s, VM functions %s, PML %s, EPT #VE "
		 "%s, monitor trap flag %s, descriptor-table exiting %s, "
		 "virtual NMIs %s\n",
	     yes_no(vmx_has_proc2(c, PROC2_VMCS_SHADOW)),
	     yes_no(vmx_has_proc2(c, PROC2_VMFUNC)),
	     yes_no(vmx_has_proc2(c, PROC2_PML)),
	     yes_no(vmx_has_proc2(c, PROC2_EPT_VE)), yes_no(c->proc1 & PROC_MTF),
	     yes_no(vmx_has_proc2(c, PROC2_DESC_TABLE_EXIT)),
	     yes_no(c->pin1 & PIN_VIRTUAL_NMI));
	return o.len;
}
