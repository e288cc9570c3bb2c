/* SPDX-License-Identifier: MIT */
/* Guest CPU state in the VMCS: reset states, control registers, EFER. */
#include "vmx/vmx.h"

#include "arch/msr.h"
#include "arch/x86.h"
#include "guests/vm.h"
#include "vmx/gwalk.h"
#include "vmx/vmcs.h"

#define AR_UNUSABLE (1u << 16)
#define AR_CODE16 0x009b
#define AR_DATA16 0x0093
#define AR_CODE32 0xc09b
#define AR_DATA32 0xc093
#define AR_TSS32_BUSY 0x008b
#define AR_LDT 0x0082


enum seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/* Selector, limit, AR and base encodings of each segment are 2 apart
 * (SDM Appendix B). */
static void set_seg(enum seg s, uint16_t sel, uint64_t base, uint32_t limit,
		    uint32_t ar)
{
	vmwrite(GUEST_ES_SEL + 2 * s, sel);
	vmwrite(GUEST_ES_BASE + 2 * s, base);
	vmwrite(GUEST_ES_LIMIT + 2 * s, limit);
	vmwrite(GUEST_ES_AR + 2 * s, ar);
}

/* Loads the PDPTEs from guest memory when the guest uses PAE paging
 * outside long mode (SDM 26.3.2.4: with EPT, VM entry takes them from the
 * VMCS). */
static void load_pdptes(struct vcpu *v)
{
	uint64_t cr0 = vmread(GUEST_CR0), cr4 = vmread(GUEST_CR4);
	uint64_t pdpte[4] = { 0 };

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) ||
	    (vmread(GUEST_IA32_EFER) & EFER_LMA))
		return;
	gpa_read(&v->vm->mem, vmread(GUEST_CR3) & ~0x1full, pdpte,
		 sizeof(pdpte));
	for (int i = 0; i < 4; i++)
		vmwrite(GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

/* IA-32e mode follows EFER.LME and CR0.PG (SDM 10.8.5); VM entry wants
 * EFER.LMA and the "IA-32e mode guest" control to agree. */
static void update_ia32e(void)
{
	uint64_t efer = vmread(GUEST_IA32_EFER);
	uint32_t entry = vmread(VM_ENTRY_CONTROLS);
	bool lma = (efer & EFER_LME) && (vmread(GUEST_CR0) & CR0_PG);

	efer = lma ? efer | EFER_LMA : efer & ~EFER_LMA;
	entry = lma ? entry | ENTRY_CTL_IA32E : entry & ~ENTRY_CTL_IA32E;
	vmwrite(GUEST_IA32_EFER, efer);
	vmwrite(VM_ENTRY_CONTROLS, entry);
}

bool vmx_set_cr0(struct vcpu *v, uint64_t val)
{
	const struct vmx_controls *c = &vmx_ctl;
	uint64_t hw;

	if (val >> 32 || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)))
		return false; /* #GP (SDM Vol. 2, MOV CR) */
	hw = ((val | c->cr0_fixed0) & c->cr0_fixed1) & ~(CR0_CD | CR0_NW);
	vmwrite(CR0_READ_SHADOW, val);
	vmwrite(GUEST_CR0, hw);
	update_ia32e();
	load_pdptes(v);
	return true;
}

bool vmx_set_cr4(struct vcpu *v, uint64_t val)
{
	const struct vmx_controls *c = &vmx_ctl;

	if (val & ~c->cr4_guest_allowed)
		return false;
	if (!(val & CR4_PAE) && (vmread(GUEST_IA32_EFER) & EFER_LMA))
		return false;
	vmwrite(CR4_READ_SHADOW, val);
	vmwrite(GUEST_CR4, (val | c->cr4_fixed0) & c->cr4_fixed1);
	load_pdptes(v);
	return true;
}

bool vmx_set_efer(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmread(GUEST_IA32_EFER);
	const uint64_t allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

	(void)v;
	if (val & ~allowed)
		return false;
	/* LME may not change while paging is on. */
	if ((vmread(GUEST_CR0) & CR0_PG) && ((val ^ old) & EFER_LME))
		return false;
	vmwrite(GUEST_IA32_EFER, (val & ~EFER_LMA) | (old & EFER_LMA));
	update_ia32e();
	return true;
}

/* The state after INIT (SDM Vol. 3A, table 10-1), except that the code
 * starts wherever the loader says. GPRs are the caller's. */
void vmx_guest_reset(struct vcpu *v)
{
	set_seg(SEG_CS, 0xf000, 0xffff0000, 0xffff, AR_CODE16);
	for (enum seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			set_seg(s, 0, 0, 0xffff, AR_DATA16);
	set_seg(SEG_LDTR, 0, 0, 0xffff, AR_LDT);
	set_seg(SEG_TR, 0, 0, 0xffff, AR_TSS32_BUSY);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(VM_ENTRY_CONTROLS, vmx_ctl.entry);
	vmwrite(GUEST_CR3, 0);
	vmx_set_cr0(v, CR0_ET);
	vmx_set_cr4(v, 0);
	vmwrite(GUEST_RIP, 0xfff0);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_RFLAGS, 2);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_IA32_PAT, 0x0007040600070406ull);
	vmwrite(GUEST_IA32_DEBUGCTL, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(VM_ENTRY_INTR_INFO, 0);
	if (vmx_ctl.apicv) {	/* the APIC itself is reset by its model */
		vmwrite(GUEST_INTR_STATUS, 0);
		for (int i = 0; i < 4; i++) {
			vmwrite(EOI_EXIT_BITMAP0 + 2 * i, 0);
			v->eoi_exit[i] = 0;
		}
	}
}

/* Real-address mode with CS:IP = cs:ip (flat binaries). */
void vmx_guest_real_mode(struct vcpu *v, uint16_t cs, uint16_t ip)
{
	(void)v;
	set_seg(SEG_CS, cs, (uint64_t)cs << 4, 0xffff, AR_CODE16);
	vmwrite(GUEST_RIP, ip);
}

/* 32-bit protected mode, flat 4 GiB segments, paging off: the multiboot
 * machine state (multiboot specs, section 3.2). */
void vmx_guest_flat32(struct vcpu *v, uint32_t eip)
{
	set_seg(SEG_CS, 0x08, 0, 0xffffffff, AR_CODE32);
	for (enum seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			set_seg(s, 0x10, 0, 0xffffffff, AR_DATA32);
	vmx_set_cr0(v, CR0_ET | CR0_PE);
	vmwrite(GUEST_RIP, eip);
}

/* 64-bit mode as the Linux boot protocol wants it (Documentation/x86/
 * boot.rst, 64-bit boot protocol): paging on with the loader's identity
 * map, flat segments with CS = 0x10 (L = 1) and the rest 0x18, IF off. */
void vmx_guest_long64(struct vcpu *v, uint64_t rip, uint64_t cr3,
		      uint64_t gdt_base, uint16_t gdt_limit)
{
	set_seg(SEG_CS, 0x10, 0, 0xffffffff, 0xa09b); /* G, L, P, code */
	for (enum seg s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			set_seg(s, 0x18, 0, 0xffffffff, AR_DATA32);
	vmwrite(GUEST_GDTR_BASE, gdt_base);
	vmwrite(GUEST_GDTR_LIMIT, gdt_limit);
	vmwrite(GUEST_CR3, cr3);
	vmx_set_cr4(v, CR4_PAE);
	vmx_set_efer(v, EFER_LME); /* before PG: LME cannot change after */
	vmx_set_cr0(v, CR0_ET | CR0_PE | CR0_PG);
	vmwrite(GUEST_RIP, rip);
}

unsigned vmx_guest_mode(void)
{
	uint32_t cs_ar = vmread(GUEST_CS_AR);

	if (vmread(GUEST_IA32_EFER) & EFER_LMA && (cs_ar & (1u << 13)))
		return 64;
	return cs_ar & (1u << 14) ? 32 : 16;
}

static int read_guest(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	return gpa_read(&((struct vcpu *)ctx)->vm->mem, gpa, buf, len);
}

void vmx_gwalk(struct vcpu *v, struct gwalk *w)
{
	w->cr0 = vmread(GUEST_CR0);
	w->cr3 = vmread(GUEST_CR3);
	w->cr4 = vmread(GUEST_CR4);
	w->efer = vmread(GUEST_IA32_EFER);
	for (int i = 0; i < 4; i++)
		w->pdpte[i] = vmread(GUEST_PDPTE0 + 2 * i);
	w->read = read_guest;
	w->ctx = v;
}

/* The linear address of a code fetch at the guest's RIP. */
uint64_t vmx_guest_rip_linear(void)
{
	uint64_t rip = vmread(GUEST_RIP);

	if (vmx_guest_mode() == 64)
		return rip;
	return (uint32_t)(vmread(GUEST_CS_BASE) + rip);
}
