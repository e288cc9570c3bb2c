/* SPDX-License-Identifier: MIT */
/* The virtual local APIC's register file: the xAPIC page, the x2APIC
 * MSRs, IA32_APIC_BASE and the reset states, as Intel SDM Vol. 3A chapter
 * 10 ("Advanced Programmable Interrupt Controller") describes them, and
 * the APIC-write exits of APIC virtualization (Vol. 3C 29.4.3). The
 * registers live in the page given to vlapic_init, in their architectural
 * layout. Interrupt logic is in vlapic_irq.c, the timer in
 * vlapic_timer.c. */
#include "drivers/vlapic.h"

#include "lib/errno.h"
#include "lib/string.h"

#define PAGE_SIZE 4096u
#define XAPIC_REGS_END 0x400u /* the registers end here (table 10-1) */
#define BASE_MODE (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)
#define BASE_RSVD_LOW 0x2ffull /* bits 7:0 and 9 (figure 10-26) */

/* ICR low bits software writes: vector, delivery mode, destination mode,
 * level, trigger mode, shorthand (figure 10-12). Delivery status (bit 12)
 * always reads idle: IPIs are sent at once. */
#define ICR_LO_WRITABLE 0x000ccfffu
/* x2APIC ICR: bits 31:20, 17:16 and 13 are reserved (figure 10-28); bit 12
 * is ignored, as Intel CPUs do. */
#define ICR_LO_X2_RSVD 0xfff32000u
#define ICR_HI_XAPIC 0xff000000u  /* destination field, bits 63:56 */
#define LDR_XAPIC 0xff000000u	  /* logical APIC ID (figure 10-13) */
#define DFR_MODEL 0xf0000000u	  /* bits 27:0 read as ones (10.6.2.2) */
/* SVR: vector, APIC enable, focus checking (figure 10-23); bit 12 (EOI
 * broadcast suppression) is reserved as VLAPIC_VERSION does not offer it. */
#define SVR_WRITABLE 0x3ffu
#define DCR_WRITABLE 0xbu /* figure 10-10 */

/* Writable bits of each LVT (figure 10-8). */
static const uint32_t lvt_writable[VLAPIC_NR_LVT] = {
	[VLAPIC_LVT_TIMER] = 0x700ff,	/* vector, mask, timer mode */
	[VLAPIC_LVT_THERMAL] = 0x107ff, /* vector, delivery mode, mask */
	[VLAPIC_LVT_PERF] = 0x107ff,
	[VLAPIC_LVT_LINT0] = 0x1a7ff, /* + pin polarity, trigger mode */
	[VLAPIC_LVT_LINT1] = 0x1a7ff,
	[VLAPIC_LVT_ERROR] = 0x100ff,
};
/* Read-only status bits (delivery status, remote IRR): an x2APIC write
 * may carry them back from a read without #GP; they are not stored. */
#define LVT_STATUS_BITS 0x5000u
#define LVT_FIXED_LEVEL_BITS (0x700u | VLAPIC_LVT_LEVEL)

/* ---- mode and reset ------------------------------------------------------ */

/* Every LVT change goes to the page and to the value in effect. */
void vlapic_set_lvt(struct vlapic *a, unsigned lvt, uint32_t val)
{
	a->lvt[lvt] = *vlapic_reg(a, VLAPIC_REG_LVT_TIMER + 16 * lvt) = val;
}

bool vlapic_enabled(const struct vlapic *a)
{
	return a->base & VLAPIC_BASE_EN;
}

bool vlapic_x2apic(const struct vlapic *a)
{
	return (a->base & BASE_MODE) == BASE_MODE;
}

static bool xapic_decoded(const struct vlapic *a)
{
	return (a->base & BASE_MODE) == VLAPIC_BASE_EN;
}

uint64_t vlapic_apic_base(const struct vlapic *a)
{
	return a->base;
}

/* The registers that depend on the mode: the ID (10.4.6, 10.12.5.1) and,
 * in x2APIC mode, the derived logical ID (10.12.10.2). */
static void mode_regs(struct vlapic *a)
{
	bool x2 = vlapic_x2apic(a);

	*vlapic_reg(a, VLAPIC_REG_ID) = x2 ? a->id : a->id << 24;
	if (x2)
		*vlapic_reg(a, VLAPIC_REG_LDR) = vlapic_x2apic_ldr(a->id);
}

/* Power-up and INIT values (10.4.7.1, 10.12.5.1): IRR, ISR, TMR, ICR,
 * LDR, TPR, the timer counts and divide configuration zero; DFR all ones;
 * LVTs masked; SVR 0xff (software-disabled). The LINT pin levels are the
 * outside world's and stay. */
static void reset_regs(struct vlapic *a)
{
	vlapic_timer_cancel(a);
	memset(a->page, 0, PAGE_SIZE);
	memset(a->irr_in, 0, sizeof(a->irr_in));
	a->esr_pending = 0;
	mode_regs(a);
	*vlapic_reg(a, VLAPIC_REG_VERSION) = VLAPIC_VERSION;
	*vlapic_reg(a, VLAPIC_REG_DFR) = 0xffffffffu;
	a->svr = *vlapic_reg(a, VLAPIC_REG_SVR) = 0xff;
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		vlapic_set_lvt(a, i, VLAPIC_LVT_MASKED);
	a->timer_initial = a->timer_dcr = 0;
	a->timer_start = a->timer_period = a->tsc_deadline = 0;
	vlapic_update_pending(a);
}

void vlapic_init(struct vlapic *a, uint32_t id, bool bsp,
		 const struct vlapic_ops *ops, void *ctx, void *page)
{
	memset(a, 0, sizeof(*a));
	a->page = page;
	a->id = id;
	a->ops = ops;
	a->ctx = ctx;
	a->maxphyaddr = 52;
	a->pending_seen = -1;
	a->base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_EN |
		  (bsp ? VLAPIC_BASE_BSP : 0);
	reset_regs(a);
}

void vlapic_reset(struct vlapic *a)
{
	reset_regs(a);
}

/* Figure 10-27: EN=0 EXTD=1 is invalid; x2APIC goes to xAPIC and disabled
 * to x2APIC only through the other state. */
static bool transition_ok(uint64_t from, uint64_t to)
{
	if (to == VLAPIC_BASE_EXTD)
		return false;
	if (from == BASE_MODE && to == VLAPIC_BASE_EN)
		return false;
	return !(from == 0 && to == BASE_MODE);
}

int vlapic_set_apic_base(struct vlapic *a, uint64_t val)
{
	uint64_t from = a->base & BASE_MODE, to = val & BASE_MODE;
	uint64_t rsvd = BASE_RSVD_LOW;

	if (a->maxphyaddr < 64)
		rsvd |= ~0ull << a->maxphyaddr;
	if ((val & rsvd) || !transition_ok(from, to))
		return -1;
	a->base = val;
	if (to == from)
		return 0;
	/* 10.12.5.1: nothing but the ID survives disabling */
	if (!to) {
		reset_regs(a);
		return 0;
	}
	/* 10.12.5.1: xAPIC -> x2APIC keeps the registers but the ICR high
	 * half; the ID and the logical ID take their x2APIC forms */
	if (to == BASE_MODE)
		*vlapic_reg(a, VLAPIC_REG_ICR_HI) = 0;
	mode_regs(a);
	return 0;
}

/* ---- registers: reads ---------------------------------------------------- */

/* Does the current mode have a readable register at off? In the xAPIC
 * page only: APR and RRD (no bus arbitration, no remote read: 0), EOI
 * (write-only, reads 0), DFR and the ICR high half. */
static bool readable(const struct vlapic *a, uint32_t off)
{
	if (off >= VLAPIC_REG_ISR && off < VLAPIC_REG_ESR)
		return true;
	if (off >= VLAPIC_REG_LVT_TIMER && off <= VLAPIC_REG_LVT_ERROR)
		return true;
	switch (off) {
	case VLAPIC_REG_ID:
	case VLAPIC_REG_VERSION:
	case VLAPIC_REG_TPR:
	case VLAPIC_REG_PPR:
	case VLAPIC_REG_LDR:
	case VLAPIC_REG_SVR:
	case VLAPIC_REG_ESR:
	case VLAPIC_REG_ICR_LO:
	case VLAPIC_REG_TIMER_ICR:
	case VLAPIC_REG_TIMER_CCR:
	case VLAPIC_REG_TIMER_DCR:
		return true;
	case VLAPIC_REG_APR:
	case VLAPIC_REG_EOI:
	case VLAPIC_REG_RRD:
	case VLAPIC_REG_DFR:
	case VLAPIC_REG_ICR_HI:
		return !vlapic_x2apic(a);
	}
	return false;
}

/* 0, or -1 when the current mode has no readable register at off. The
 * page has them all but PPR, always computed afresh, the current count,
 * and the IRR bits still in irr_in. */
static int read_reg(const struct vlapic *a, uint32_t off, uint32_t *val)
{
	if (!readable(a, off))
		return -1;
	if (off == VLAPIC_REG_PPR)
		*val = vlapic_ppr(a);
	else if (off == VLAPIC_REG_TIMER_CCR)
		*val = vlapic_timer_ccr(a);
	else if (off >= VLAPIC_REG_IRR && off < VLAPIC_REG_ESR)
		*val = *vlapic_reg(a, off) | a->irr_in[(off >> 4) & 7];
	else
		*val = *vlapic_reg(a, off);
	return 0;
}

/* ---- registers: writes --------------------------------------------------- */

/* Each write handler leaves the register's final value in the page, even
 * when it ignores the write: with APIC virtualization the guest's value is
 * there already (vlapic_apicv_write). */

/* Bits outside ok: x2APIC raises #GP (10.12.1.3), the xAPIC drops them. */
static bool rsvd(const struct vlapic *a, uint32_t val, uint32_t ok)
{
	return vlapic_x2apic(a) && (val & ~ok);
}

static void write_svr(struct vlapic *a, uint32_t val)
{
	a->svr = *vlapic_reg(a, VLAPIC_REG_SVR) = val;
	/* 10.4.7.2: software-disabling masks every LVT */
	if (!(val & VLAPIC_SVR_ENABLE))
		for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
			vlapic_set_lvt(a, i, a->lvt[i] | VLAPIC_LVT_MASKED);
	vlapic_update_pending(a);
}

static int write_lvt(struct vlapic *a, unsigned i, uint32_t val)
{
	uint32_t old = a->lvt[i];

	if (rsvd(a, val, lvt_writable[i] | LVT_STATUS_BITS))
		return -1;
	val &= lvt_writable[i];
	/* 10.4.7.2: masks cannot be cleared while software-disabled */
	if (!(a->svr & VLAPIC_SVR_ENABLE))
		val |= VLAPIC_LVT_MASKED;
	/* remote IRR survives while the entry stays fixed, level */
	if ((val & LVT_FIXED_LEVEL_BITS) == VLAPIC_LVT_LEVEL)
		val |= old & VLAPIC_LVT_REMOTE_IRR;
	vlapic_set_lvt(a, i, val);
	if (i == VLAPIC_LVT_TIMER)
		vlapic_timer_lvt_changed(a, old);
	else if (i == VLAPIC_LVT_LINT0 || i == VLAPIC_LVT_LINT1)
		vlapic_lint_changed(a, i - VLAPIC_LVT_LINT0);
	return 0;
}

/* 10.5.3: a write latches the errors seen since the previous one. */
static void write_esr(struct vlapic *a)
{
	*vlapic_reg(a, VLAPIC_REG_ESR) = a->esr_pending;
	a->esr_pending = 0;
}

static bool xapic_read_only(uint32_t off)
{
	switch (off) {
	case VLAPIC_REG_ID: /* kept read-only: the ID is the hypervisor's */
	case VLAPIC_REG_VERSION:
	case VLAPIC_REG_APR:
	case VLAPIC_REG_PPR:
	case VLAPIC_REG_RRD:
	case VLAPIC_REG_TIMER_CCR:
		return true;
	}
	return off >= VLAPIC_REG_ISR && off < VLAPIC_REG_ESR;
}

static int write_mode_only(struct vlapic *a, uint32_t off, uint32_t val)
{
	uint32_t *r = vlapic_reg(a, off);

	if (vlapic_x2apic(a)) {
		if (off != VLAPIC_REG_SELF_IPI || (val & ~0xffu))
			return -1;
		vlapic_self_ipi(a, val);
		return 0;
	}
	switch (off) {
	case VLAPIC_REG_ID:
		mode_regs(a);
		return 0;
	case VLAPIC_REG_LDR:
		*r = val & LDR_XAPIC;
		return 0;
	case VLAPIC_REG_DFR:
		*r = val | ~DFR_MODEL;
		return 0;
	case VLAPIC_REG_ICR_HI:
		*r = val & ICR_HI_XAPIC;
		return 0;
	}
	return xapic_read_only(off) ? 0 : -1;
}

/* 0, or -1: #GP in x2APIC mode, an unimplemented register in xAPIC mode
 * (xAPIC read-only registers ignore writes). */
static int write_reg(struct vlapic *a, uint32_t off, uint32_t val)
{
	bool x2 = vlapic_x2apic(a);

	if (off >= VLAPIC_REG_LVT_TIMER && off <= VLAPIC_REG_LVT_ERROR)
		return write_lvt(a, (off - VLAPIC_REG_LVT_TIMER) >> 4, val);
	switch (off) {
	case VLAPIC_REG_TPR:
		if (rsvd(a, val, 0xff))
			return -1;
		vlapic_set_tpr(a, val & 0xff);
		return 0;
	case VLAPIC_REG_EOI: /* x2APIC: nonzero is #GP (table 10-6) */
	case VLAPIC_REG_ESR:
		if (x2 && val)
			return -1;
		if (off == VLAPIC_REG_ESR) {
			write_esr(a);
			return 0;
		}
		*vlapic_reg(a, off) = 0; /* reads 0 */
		vlapic_eoi(a);
		return 0;
	case VLAPIC_REG_SVR:
		if (rsvd(a, val, SVR_WRITABLE))
			return -1;
		write_svr(a, val & SVR_WRITABLE);
		return 0;
	case VLAPIC_REG_ICR_LO: /* xAPIC: the low half sends (10.6.1) */
		*vlapic_reg(a, off) = val & ICR_LO_WRITABLE;
		vlapic_send_icr(a);
		return 0;
	case VLAPIC_REG_TIMER_ICR:
		vlapic_timer_write_icr(a, val);
		return 0;
	case VLAPIC_REG_TIMER_DCR:
		if (rsvd(a, val, DCR_WRITABLE))
			return -1;
		vlapic_timer_write_dcr(a, val & DCR_WRITABLE);
		return 0;
	}
	return write_mode_only(a, off, val);
}

/* ---- the xAPIC page ------------------------------------------------------ */

/* 10.4.1: registers are 32 bits wide at 16-byte boundaries; other
 * accesses are model-specific: here they read 0 and writes are dropped. */
static int mmio_check(const struct vlapic *a, uint32_t offset, unsigned size)
{
	if (offset >= PAGE_SIZE || size > PAGE_SIZE - offset)
		return -EINVAL;
	/* 10.12.2: in x2APIC mode the page acts as with the APIC disabled */
	if (!xapic_decoded(a))
		return -ENODEV;
	if (size != 4 || (offset & 15) || offset >= XAPIC_REGS_END)
		return 1;
	return 0;
}

int vlapic_mmio_read(struct vlapic *a, uint32_t offset, unsigned size,
		     uint32_t *val)
{
	int r = mmio_check(a, offset, size);

	*val = 0;
	if (r)
		return r < 0 ? r : 0;
	if (read_reg(a, offset, val) < 0) {
		*val = 0;
		vlapic_esr_error(a, VLAPIC_ESR_ILLEGAL_REG);
	}
	return 0;
}

int vlapic_mmio_write(struct vlapic *a, uint32_t offset, unsigned size,
		      uint32_t val)
{
	int r = mmio_check(a, offset, size);

	if (r)
		return r < 0 ? r : 0;
	if (write_reg(a, offset, val) < 0)
		vlapic_esr_error(a, VLAPIC_ESR_ILLEGAL_REG);
	return 0;
}

/* ---- MSRs ---------------------------------------------------------------- */

bool vlapic_is_msr(uint32_t msr)
{
	if (msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE)
		return true;
	return msr >= VLAPIC_MSR_X2APIC_FIRST && msr <= VLAPIC_MSR_X2APIC_LAST;
}

/* 10.12.2: the x2APIC MSRs exist only in x2APIC mode. */
static bool x2apic_msr(const struct vlapic *a, uint32_t msr, uint32_t *off)
{
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST ||
	    !vlapic_x2apic(a))
		return false;
	*off = (msr - VLAPIC_MSR_X2APIC_FIRST) << 4;
	return true;
}

/* In x2APIC mode the CPU reads and writes the ICR as 64 bits at 0x300
 * of the virtual-APIC page (SDM 29.5: RDMSR 0x830 reads bytes 0x300-
 * 0x307), so the high half is kept at 0x304 as well as at 0x310. */
static uint32_t *icr_x2_hi(const struct vlapic *a)
{
	return vlapic_reg(a, VLAPIC_REG_ICR_LO) + 1;
}

int vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t *val)
{
	uint32_t off, v;

	*val = 0;
	if (msr == VLAPIC_MSR_APIC_BASE) {
		*val = a->base;
		return 0;
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		*val = vlapic_tsc_deadline(a);
		return 0;
	}
	if (!x2apic_msr(a, msr, &off))
		return -1;
	if (off == VLAPIC_REG_ICR_LO) { /* one 64-bit register (10.12.9) */
		*val = (uint64_t)*icr_x2_hi(a) << 32 |
		       *vlapic_reg(a, VLAPIC_REG_ICR_LO);
		return 0;
	}
	if (read_reg(a, off, &v) < 0)
		return -1;
	*val = v;
	return 0;
}

static int write_icr_x2apic(struct vlapic *a, uint64_t val)
{
	if ((uint32_t)val & ICR_LO_X2_RSVD)
		return -1;
	*vlapic_reg(a, VLAPIC_REG_ICR_HI) = *icr_x2_hi(a) = val >> 32;
	*vlapic_reg(a, VLAPIC_REG_ICR_LO) = (uint32_t)val & ICR_LO_WRITABLE;
	vlapic_send_icr(a);
	return 0;
}

int vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t val)
{
	uint32_t off;

	if (msr == VLAPIC_MSR_APIC_BASE)
		return vlapic_set_apic_base(a, val);
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		vlapic_set_tsc_deadline(a, val);
		return 0;
	}
	if (!x2apic_msr(a, msr, &off))
		return -1;
	if (off == VLAPIC_REG_ICR_LO)
		return write_icr_x2apic(a, val);
	if (val >> 32) /* 10.12.1.3: bits 63:32 are reserved */
		return -1;
	return write_reg(a, off, (uint32_t)val);
}

/* ---- APIC virtualization ------------------------------------------------- */

/* A rejected APIC-write: the page word goes back to the value in effect,
 * where the model knows it. */
static void restore_word(struct vlapic *a, uint32_t off)
{
	uint32_t *r = vlapic_reg(a, off);

	if (off >= VLAPIC_REG_LVT_TIMER && off <= VLAPIC_REG_LVT_ERROR) {
		*r = a->lvt[(off - VLAPIC_REG_LVT_TIMER) >> 4];
		return;
	}
	switch (off) {
	case VLAPIC_REG_ID:
	case VLAPIC_REG_LDR:
		mode_regs(a);
		break;
	case VLAPIC_REG_VERSION:
		*r = VLAPIC_VERSION;
		break;
	case VLAPIC_REG_APR:
	case VLAPIC_REG_EOI:
	case VLAPIC_REG_RRD:
		*r = 0;
		break;
	case VLAPIC_REG_PPR:
		vlapic_update_ppr(a);
		break;
	case VLAPIC_REG_SVR:
		*r = a->svr;
		break;
	case VLAPIC_REG_TIMER_ICR:
		*r = a->timer_initial;
		break;
	case VLAPIC_REG_TIMER_DCR:
		*r = a->timer_dcr;
		break;
	}
}

/* 29.4.3.3: the write is in the page; the model takes it as the MMIO
 * write (xAPIC) or WRMSR (x2APIC) it was. In xAPIC mode only the offsets
 * of 29.4.3.2 reach here; the ID is among them and stays read-only. */
int vlapic_apicv_write(struct vlapic *a, uint32_t off)
{
	bool x2 = vlapic_x2apic(a);
	uint32_t val;
	int r;

	if (off >= XAPIC_REGS_END || (off & 15) || !vlapic_enabled(a))
		return -EINVAL;
	val = *vlapic_reg(a, off);
	if (x2 && off == VLAPIC_REG_ICR_LO)
		r = write_icr_x2apic(a, (uint64_t)*icr_x2_hi(a) << 32 | val);
	else if (!x2 && off != VLAPIC_REG_ID && xapic_read_only(off))
		r = -1;
	else
		r = write_reg(a, off, val);
	if (r < 0) {
		restore_word(a, off);
		return -EINVAL;
	}
	return 0;
}
