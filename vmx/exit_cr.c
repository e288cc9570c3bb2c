/* SPDX-License-Identifier: MIT */
/* MOV to/from CR0, CR4 and CR8, CLTS, LMSW (SDM 28.2.1, table 28-3), and
 * MOV DR: debug registers are emulated as storage. */
#include "arch/x86.h"
#include "vmx/exit.h"

#include "guests/vapic.h"
#include "vmx/vmx.h"

#define CR0_TS (1ull << 3)
#define CR4_DE (1ull << 3)

/* The value the guest sees: shadow for the bits we own, hardware for the
 * rest. */
static uint64_t guest_cr(enum vmcs_field hw, enum vmcs_field shadow,
			 uint64_t mask)
{
	return (vmread(hw) & ~mask) | (vmread(shadow) & mask);
}

uint64_t vmx_guest_cr0(void)
{
	return guest_cr(GUEST_CR0, CR0_READ_SHADOW, vmx_ctl.cr0_mask);
}

/* MOV to CR3 (SDM 4.4.1: PAE paging loads the PDPTEs with it), and the
 * guest's TLB entries flushed as the instruction would. */
static bool set_cr3(struct vcpu *v, uint64_t val)
{
	uint64_t cr0 = vmx_guest_cr0(), pdpte[4];

	if ((cr0 & (1ull << 31)) && (vmread(GUEST_CR4) & (1ull << 5)) &&
	    vmx_guest_mode() != 64) {
		if (gpa_read(&v->vm->mem, val & ~0x1full, pdpte, sizeof(pdpte)))
			return false;
		for (int i = 0; i < 4; i++)
			vmwrite(GUEST_PDPTE0 + 2 * i, pdpte[i]);
	}
	vmwrite(GUEST_CR3, val);
	if (vmx_ctl.vpid)
		invvpid_single(v->vpid);
	return true;
}

static bool mov_to_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	if (vmx_guest_mode() != 64)
		val = (uint32_t)val;
	switch (cr) {
	case 0:
		return vmx_set_cr0(v, val);
	case 3: /* only with CR3-load exiting (controls = strict) */
		return set_cr3(v, val);
	case 4:
		return vmx_set_cr4(v, val);
	case 8:
		if (val > 15)
			return false;
		vapic_set_tpr(v, (uint8_t)(val << 4));
		return true;
	}
	return false;
}

static bool mov_from_cr(struct vcpu *v, unsigned cr, uint64_t *val)
{
	if (cr == 8) {
		*val = vapic_tpr(v) >> 4;
		return true;
	}
	if (cr == 3) { /* CR3-store exiting (controls = strict) */
		*val = vmread(GUEST_CR3);
		return true;
	}
	return false;
}

void exit_cr_access(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmread(EXIT_QUALIFICATION), val;
	unsigned cr = q & 15, reg = (q >> 8) & 15;
	bool ok;

	switch ((q >> 4) & 3) {
	case 0:
		ok = mov_to_cr(v, cr, exit_reg(r, reg));
		break;
	case 1:
		ok = mov_from_cr(v, cr, &val);
		if (ok)
			exit_set_reg(r, reg, val);
		break;
	case 2: /* CLTS */
		ok = vmx_set_cr0(v, vmx_guest_cr0() & ~CR0_TS);
		break;
	default: /* LMSW: sets PE but never clears it */
		val = vmx_guest_cr0();
		ok = vmx_set_cr0(v, (val & ~0xeull) | ((q >> 16) & 0xf));
		break;
	}
	if (!ok) {
		inject_gp(v);
		return;
	}
	skip_instruction();
}

void exit_dr_access(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmread(EXIT_QUALIFICATION);
	unsigned dr = q & 7, reg = (q >> 8) & 15;
	bool from = q & (1u << 4);
	uint64_t *slot;

	if (dr == 4 || dr == 5) {
		if (vmread(GUEST_CR4) & CR4_DE) {
			inject_ud(v);
			return;
		}
		dr += 2;
	}
	slot = dr < 4 ? &v->ctx.dr[dr] : dr == 6 ? &v->ctx.dr6 : &v->ctx.dr7;
	if (from)
		exit_set_reg(r, reg, dr == 6 ? *slot | 0xffff0ff0ull :
			dr == 7 ? *slot | 0x400 : *slot);
	else
		*slot = exit_reg(r, reg);
	skip_instruction();
}
