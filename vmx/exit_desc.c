/* SPDX-License-Identifier: MIT */
/*
 * The exits only a VM with strict controls (controls = strict) takes:
 * descriptor-table instructions (SGDT, SIDT, LGDT, LIDT: reason 46; SLDT,
 * STR, LLDT, LTR: reason 47; SDM 25.1.3), INVLPG, and WBINVD. Each is
 * emulated so that the guest sees what the hardware would show it. The
 * operand address comes from the VM-exit instruction information (SDM
 * 28.2.5, tables 28-10 and 28-11) and the displacement in the exit
 * qualification.
 */
#include "ept/gpa.h"
#include "lib/string.h"
#include "vmx/exit.h"
#include "vmx/gwalk.h"
#include "vmx/vmx.h"

#define INFO_REG_OPERAND (1u << 10)

static uint64_t operand_address(struct guest_regs *r, uint32_t info)
{
	unsigned asz = info >> 7 & 7, seg = info >> 15 & 7;
	uint64_t a = vmread(EXIT_QUALIFICATION);

	if (!(info & (1u << 27)))
		a += exit_reg(r, info >> 23 & 15);
	if (!(info & (1u << 22)))
		a += exit_reg(r, info >> 18 & 15) << (info & 3);
	a &= asz == 0 ? 0xffffull : asz == 1 ? 0xffffffffull : ~0ull;
	if (vmx_guest_mode() != 64 || seg >= 4) /* FS, GS keep their base */
		a += vmread(GUEST_ES_BASE + 2 * seg);
	return vmx_guest_mode() == 64 ? a : (uint32_t)a;
}

static int access(struct vcpu *v, uint64_t gla, void *buf, unsigned len,
		  bool write)
{
	struct gwalk w;
	uint64_t gpa;

	vmx_gwalk(v, &w);
	if (!write)
		return gwalk_read(&w, gla, buf, len);
	/* the few bytes these instructions store never cross a page in
	 * practice; a store that would is refused */
	if (((gla & 0xfff) + len > 0x1000) || gwalk_translate(&w, gla, &gpa))
		return -1;
	return gpa_write(&v->vm->mem, gpa, buf, len);
}

/* SGDT/SIDT store limit and base (SDM Vol. 2B: 6 bytes outside 64-bit
 * mode, 10 in it); LGDT/LIDT load them. */
void exit_gdtr_idtr(struct vcpu *v, struct guest_regs *r)
{
	uint32_t info = (uint32_t)vmread(VM_EXIT_INSTRUCTION_INFO);
	unsigned id = info >> 28 & 3, len = vmx_guest_mode() == 64 ? 10 : 6;
	bool idt = id & 1;
	enum vmcs_field base = idt ? GUEST_IDTR_BASE : GUEST_GDTR_BASE;
	enum vmcs_field limit = idt ? GUEST_IDTR_LIMIT : GUEST_GDTR_LIMIT;
	uint64_t gla = operand_address(r, info);
	uint8_t buf[10] = { 0 };
	uint64_t b;

	if (id < 2) { /* SGDT, SIDT */
		uint16_t l = (uint16_t)vmread(limit);

		b = vmread(base);
		memcpy(buf, &l, 2);
		memcpy(buf + 2, &b, len - 2);
		if (access(v, gla, buf, len, true))
			{
			inject_gp(v);
			return;
		}
	} else { /* LGDT, LIDT: a 16-bit operand size keeps 24 bits */
		if (access(v, gla, buf, len, false))
			{
			inject_gp(v);
			return;
		}
		b = 0;
		memcpy(&b, buf + 2, len - 2);
		if (len == 6 && !(info & (1u << 11)))
			b &= 0xffffff;
		vmwrite(limit, buf[0] | (uint32_t)buf[1] << 8);
		vmwrite(base, b);
	}
	skip_instruction();
}

/* LDTR and TR: stores give the selector; loads read the descriptor from
 * the guest's GDT (a system descriptor, 16 bytes in 64-bit mode). */
static bool load_system_segment(struct vcpu *v, uint16_t sel, bool tr)
{
	uint8_t d[16] = { 0 };
	uint64_t gla = vmread(GUEST_GDTR_BASE) + (sel & ~7u);
	unsigned type;
	uint32_t limit, ar;
	uint64_t base;

	if (!(sel & ~3u) && !tr) { /* a null LDT selector: LDTR unusable */
		vmwrite(GUEST_LDTR_SEL, sel);
		vmwrite(GUEST_LDTR_AR, 1u << 16);
		return true;
	}
	if ((sel & 4) || (sel | 7) > vmread(GUEST_GDTR_LIMIT) ||
	    access(v, gla, d, vmx_guest_mode() == 64 ? 16 : 8, false))
		return false;
	type = d[5] & 0x1f;
	if (!(d[5] & 0x80) || type != (tr ? 0x09 : 0x02)) /* present, avail TSS / LDT */
		return false;
	limit = d[0] | d[1] << 8 | (d[6] & 0xf) << 16;
	if (d[6] & 0x80)
		limit = limit << 12 | 0xfff;
	base = d[2] | d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24 |
	       (uint64_t)(d[8] | d[9] << 8 | (uint32_t)d[10] << 16 |
			  (uint32_t)d[11] << 24) << 32;
	ar = d[5] | (d[6] & 0xf0) << 8;
	if (tr) { /* LTR marks the TSS busy, in the GDT too */
		ar |= 2;
		d[5] |= 2;
		if (access(v, gla + 5, &d[5], 1, true))
			return false;
	}
	vmwrite(tr ? GUEST_TR_SEL : GUEST_LDTR_SEL, sel);
	vmwrite(tr ? GUEST_TR_BASE : GUEST_LDTR_BASE, base);
	vmwrite(tr ? GUEST_TR_LIMIT : GUEST_LDTR_LIMIT, limit);
	vmwrite(tr ? GUEST_TR_AR : GUEST_LDTR_AR, ar);
	return true;
}

void exit_ldtr_tr(struct vcpu *v, struct guest_regs *r)
{
	uint32_t info = (uint32_t)vmread(VM_EXIT_INSTRUCTION_INFO);
	unsigned id = info >> 28 & 3, reg = info >> 3 & 15;
	bool tr = id & 1;
	uint16_t sel;

	if (id < 2) { /* SLDT, STR */
		sel = (uint16_t)vmread(tr ? GUEST_TR_SEL : GUEST_LDTR_SEL);
		if (info & INFO_REG_OPERAND) {
			exit_set_reg(r, reg, sel); /* zero-extended */
		} else if (access(v, operand_address(r, info), &sel, 2, true)) {
			{
			inject_gp(v);
			return;
		}
		}
	} else {
		if (info & INFO_REG_OPERAND)
			sel = (uint16_t)exit_reg(r, reg);
		else if (access(v, operand_address(r, info), &sel, 2, false))
			{
			inject_gp(v);
			return;
		}
		if (!load_system_segment(v, sel, tr))
			{
			inject_gp(v);
			return;
		}
	}
	skip_instruction();
}

/* INVLPG: the guest's TLB entries are tagged by its VPID; dropping all of
 * them covers the one address (SDM 28.3.3.3). */
void exit_invlpg(struct vcpu *v, struct guest_regs *r)
{
	(void)r;
	if (vmx_ctl.vpid)
		invvpid_single(v->vpid);
	skip_instruction();
}
