/* SPDX-License-Identifier: MIT */
/* Interrupt acceptance, priorities, EOI, IPIs, destinations and the LINT
 * pins of the virtual local APIC, as Intel SDM Vol. 3A chapter 10
 * ("Advanced Programmable Interrupt Controller") describes them. */
#include "drivers/vlapic.h"

#include <stddef.h>

#define DFR_MODEL_FLAT 0xfu
#define DFR_MODEL_CLUSTER 0x0u
#define LVT_DM_SHIFT 8

/* ---- 256-bit vector registers (IRR, ISR, TMR) ---------------------------- */

/* In the page a 256-bit register is 8 words 16 bytes apart (table 10-1);
 * irr_in is 8 words in a row. */
#define VEC_BIT(v) (1u << ((v) & 31))

static uint32_t *vec_word(const struct vlapic *a, uint32_t reg, unsigned v)
{
	return vlapic_reg(a, reg + (v >> 5) * 16);
}

static bool vec_test(const struct vlapic *a, uint32_t reg, unsigned v)
{
	return *vec_word(a, reg, v) & VEC_BIT(v);
}

static void vec_set(struct vlapic *a, uint32_t reg, unsigned v)
{
	*vec_word(a, reg, v) |= VEC_BIT(v);
}

static void vec_clear(struct vlapic *a, uint32_t reg, unsigned v)
{
	*vec_word(a, reg, v) &= ~VEC_BIT(v);
}

/* The highest vector of the page register at reg, ORed with more (8
 * words) unless NULL; -1 for none. */
static int vec_highest(const struct vlapic *a, uint32_t reg,
		       const uint32_t *more)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = *vlapic_reg(a, reg + i * 16) | (more ? more[i] : 0);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

int vlapic_highest_isr(const struct vlapic *a)
{
	return vec_highest(a, VLAPIC_REG_ISR, NULL);
}

int vlapic_highest_irr(const struct vlapic *a)
{
	return vec_highest(a, VLAPIC_REG_IRR, NULL);
}

int vlapic_sync_irr(struct vlapic *a)
{
	for (unsigned i = 0; i < 8; i++) {
		*vlapic_reg(a, VLAPIC_REG_IRR + i * 16) |= a->irr_in[i];
		a->irr_in[i] = 0;
	}
	return vlapic_highest_irr(a);
}

/* ---- priorities ---------------------------------------------------------- */

/* SVR as in effect: the page may hold a newer guest write until its
 * APIC-write exit. */
static bool sw_enabled(const struct vlapic *a)
{
	return vlapic_enabled(a) && (a->svr & VLAPIC_SVR_ENABLE);
}

uint8_t vlapic_tpr(const struct vlapic *a)
{
	return *vlapic_reg(a, VLAPIC_REG_TPR) & 0xff;
}

/* PPR (10.8.3.1): TPR when its class is at least the in-service class,
 * else the in-service class with sub-class 0. Always from the page's TPR
 * and ISR: the CPU changes both under APIC virtualization. */
uint8_t vlapic_ppr(const struct vlapic *a)
{
	uint8_t tpr = vlapic_tpr(a);
	int isrv = vlapic_highest_isr(a);
	uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* After every change of TPR or ISR by the model (29.1.3 keeps it so). */
void vlapic_update_ppr(struct vlapic *a)
{
	*vlapic_reg(a, VLAPIC_REG_PPR) = vlapic_ppr(a);
}

void vlapic_set_tpr(struct vlapic *a, uint8_t tpr)
{
	*vlapic_reg(a, VLAPIC_REG_TPR) = tpr;
	vlapic_update_ppr(a);
	vlapic_update_pending(a);
}

/* The highest requested vector (page IRR or irr_in) whose class is above
 * the PPR class (10.8.4); none while the APIC is disabled, software-
 * disabled included. */
int vlapic_pending_vector(const struct vlapic *a)
{
	int v = vec_highest(a, VLAPIC_REG_IRR, a->irr_in);

	if (v < 0 || !sw_enabled(a))
		return -1;
	return ((unsigned)v & 0xf0) > (vlapic_ppr(a) & 0xf0u) ? v : -1;
}

static void kick(struct vlapic *a)
{
	if (a->ops && a->ops->kick)
		a->ops->kick(a->ctx);
}

/* Kicks whenever the deliverable vector changes to a new one; every
 * change of IRR, ISR, TPR, SVR or the mode ends here. */
void vlapic_update_pending(struct vlapic *a)
{
	int p = vlapic_pending_vector(a);
	bool fresh = p >= 0 && p != a->pending_seen;

	a->pending_seen = p;
	if (fresh)
		kick(a);
}

/* ---- errors (10.5.3) ----------------------------------------------------- */

/* Logs an error for the next ESR write; a newly logged error raises the
 * LVT error interrupt. */
void vlapic_esr_error(struct vlapic *a, uint32_t bit)
{
	if (a->esr_pending & bit)
		return;
	a->esr_pending |= bit;
	vlapic_raise_lvt(a, VLAPIC_LVT_ERROR);
}

/* ---- acceptance, acknowledgement, EOI ------------------------------------ */

/* With apicv the CPU delivers and retires interrupts from the page
 * unseen, and the page is not to be touched while it runs: the vector
 * waits in irr_in for vlapic_sync_irr, and every new one kicks, since
 * pending_seen may be stale. */
void vlapic_accept_irq(struct vlapic *a, uint8_t vector, bool level)
{
	uint32_t *in = &a->irr_in[vector >> 5];
	bool fresh = !(*in & VEC_BIT(vector));

	if (!sw_enabled(a)) /* 10.4.7.2: only NMI, SMI, INIT, SIPI pass */
		return;
	if (vector < 16) { /* 10.5.2: vectors 0-15 are illegal */
		vlapic_esr_error(a, VLAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	*in |= VEC_BIT(vector);
	/* 10.8.4: TMR set for level-triggered, cleared for edge */
	if (level)
		vec_set(a, VLAPIC_REG_TMR, vector);
	else
		vec_clear(a, VLAPIC_REG_TMR, vector);
	if (!a->apicv)
		vlapic_update_pending(a);
	else if (fresh)
		kick(a);
}

void vlapic_ack(struct vlapic *a, uint8_t vector)
{
	uint32_t *in = &a->irr_in[vector >> 5];

	if (!(*in & VEC_BIT(vector)) && !vec_test(a, VLAPIC_REG_IRR, vector))
		return;
	*in &= ~VEC_BIT(vector);
	vec_clear(a, VLAPIC_REG_IRR, vector);
	vec_set(a, VLAPIC_REG_ISR, vector);
	vlapic_update_ppr(a);
	vlapic_update_pending(a);
}

/* A local interrupt from an LVT with no delivery mode (timer, error). */
void vlapic_raise_lvt(struct vlapic *a, unsigned lvt)
{
	uint32_t e = a->lvt[lvt];

	if (!(e & VLAPIC_LVT_MASKED))
		vlapic_accept_irq(a, e & 0xff, false);
}

static int lint_deliver(struct vlapic *a, unsigned pin, bool rising);

/* EOI of a level-triggered LINT vector clears its remote IRR (10.5.1);
 * a pin still asserted interrupts again. */
static void lint_eoi(struct vlapic *a, unsigned vector)
{
	for (unsigned pin = 0; pin < 2; pin++) {
		unsigned i = VLAPIC_LVT_LINT0 + pin;
		uint32_t e = a->lvt[i];

		if (!(e & VLAPIC_LVT_REMOTE_IRR) || (e & 0xff) != vector)
			continue;
		vlapic_set_lvt(a, i, e & ~VLAPIC_LVT_REMOTE_IRR);
		lint_deliver(a, pin, false);
	}
}

/* What an EOI does once the vector left the ISR: level-triggered ones
 * send an EOI message on (to the IOAPIC). */
static void eoi_done(struct vlapic *a, unsigned v)
{
	if (vec_test(a, VLAPIC_REG_TMR, v)) {
		lint_eoi(a, v);
		if (a->ops && a->ops->eoi)
			a->ops->eoi(a->ctx, v);
	}
	vlapic_update_pending(a);
}

/* 10.8.5: EOI retires the highest in-service vector. */
void vlapic_eoi(struct vlapic *a)
{
	int v = vlapic_highest_isr(a);

	if (v < 0)
		return;
	vec_clear(a, VLAPIC_REG_ISR, v);
	vlapic_update_ppr(a);
	eoi_done(a, v);
}

/* 29.1.4: the CPU did the EOI virtualization (ISR, PPR) itself. */
void vlapic_apicv_eoi(struct vlapic *a, uint8_t vector)
{
	eoi_done(a, vector);
}

/* ---- IPIs (10.6) --------------------------------------------------------- */

static struct vlapic_ipi decode_icr(const struct vlapic *a)
{
	uint32_t lo = *vlapic_reg(a, VLAPIC_REG_ICR_LO);
	uint32_t hi = *vlapic_reg(a, VLAPIC_REG_ICR_HI);
	bool x2 = vlapic_x2apic(a);

	return (struct vlapic_ipi){
		.source = a->id,
		.dest = x2 ? hi : hi >> 24,
		.dest_mode = lo >> 11 & 1,
		.shorthand = lo >> 18 & 3,
		.delivery_mode = lo >> 8 & 7,
		.vector = lo & 0xff,
		.level = lo >> 14 & 1,
		.trigger = lo >> 15 & 1,
		.x2apic = x2,
	};
}

/* ICR writes that send nothing (10.6.1): the reserved delivery modes 3 and
 * 7, fixed/lowest with a vector 0-15 ("send illegal vector", 10.5.3), and
 * INIT level de-assert (level 0, trigger level), which Pentium 4 and later
 * ignore. */
static bool ipi_sendable(struct vlapic *a, const struct vlapic_ipi *ipi)
{
	switch (ipi->delivery_mode) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWEST:
		if (ipi->vector >= 16)
			return true;
		vlapic_esr_error(a, VLAPIC_ESR_SEND_ILLEGAL);
		return false;
	case VLAPIC_DM_INIT:
		return ipi->level || !ipi->trigger;
	case VLAPIC_DM_SMI:
	case VLAPIC_DM_NMI:
	case VLAPIC_DM_STARTUP:
		return true;
	}
	return false;
}

void vlapic_send_icr(struct vlapic *a)
{
	struct vlapic_ipi ipi = decode_icr(a);

	if (ipi_sendable(a, &ipi) && a->ops && a->ops->send_ipi)
		a->ops->send_ipi(a->ctx, &ipi);
}

/* x2APIC SELF IPI (10.12.11): a fixed, edge interrupt to this APIC. An
 * illegal vector is both sent and received (10.5.3). */
void vlapic_self_ipi(struct vlapic *a, uint8_t vector)
{
	if (vector < 16)
		vlapic_esr_error(a, VLAPIC_ESR_SEND_ILLEGAL);
	vlapic_accept_irq(a, vector, false);
}

/* 10.12.10.2: logical x2APIC ID = cluster (ID[19:4]) << 16 | 1 << ID[3:0] */
uint32_t vlapic_x2apic_ldr(uint32_t id)
{
	return (id >> 4) << 16 | 1u << (id & 15);
}

/* 10.6.2.2: flat model, a bit in common; cluster model, the same cluster
 * (high nibble) and a bit in common in the low nibble. */
static bool xapic_logical_match(const struct vlapic *a, uint8_t mda)
{
	uint8_t lid = *vlapic_reg(a, VLAPIC_REG_LDR) >> 24;

	switch (*vlapic_reg(a, VLAPIC_REG_DFR) >> 28) {
	case DFR_MODEL_FLAT:
		return mda & lid;
	case DFR_MODEL_CLUSTER:
		return (mda >> 4) == (lid >> 4) && (mda & lid & 0xf);
	}
	return false;
}

bool vlapic_match_dest(const struct vlapic *a, uint32_t dest, bool logical,
		       bool x2apic_mode)
{
	uint32_t ldr;

	if (!vlapic_enabled(a))
		return false;
	if (!x2apic_mode) {
		dest &= 0xff;
		if (dest == 0xff) /* broadcast, both modes (10.6.2) */
			return true;
		if (!logical)
			return dest == (a->id & 0xff);
		return xapic_logical_match(a, dest);
	}
	if (dest == 0xffffffffu) /* 10.12.9 */
		return true;
	if (!logical)
		return dest == a->id;
	ldr = vlapic_x2apic_ldr(a->id); /* 10.12.10.2 */
	return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
}

bool vlapic_ipi_match(const struct vlapic *target,
		      const struct vlapic_ipi *ipi)
{
	if (!vlapic_enabled(target))
		return false;
	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		return target->id == ipi->source;
	case VLAPIC_SH_ALL:
		return true;
	case VLAPIC_SH_OTHERS:
		return target->id != ipi->source;
	}
	return vlapic_match_dest(target, ipi->dest, ipi->dest_mode,
				 ipi->x2apic);
}

/* ---- LINT0/LINT1 (10.5.1) ------------------------------------------------ */

static unsigned lvt_mode(uint32_t e)
{
	return (e >> LVT_DM_SHIFT) & 7;
}

/* Fixed, level-triggered: one interrupt per assertion until the EOI
 * clears remote IRR. */
static int lint_fixed_level(struct vlapic *a, unsigned pin)
{
	unsigned i = VLAPIC_LVT_LINT0 + pin;
	uint32_t e = a->lvt[i];

	if (!a->lint_level[pin] || (e & VLAPIC_LVT_REMOTE_IRR))
		return -1;
	if ((e & 0xff) < 16) {
		vlapic_accept_irq(a, e & 0xff, true); /* logs the error */
		return -1;
	}
	vlapic_set_lvt(a, i, e | VLAPIC_LVT_REMOTE_IRR);
	vlapic_accept_irq(a, e & 0xff, true);
	return VLAPIC_DM_FIXED;
}

/* NMI, SMI and INIT are always edge, ExtINT always level (10.5.1). */
static int lint_deliver(struct vlapic *a, unsigned pin, bool rising)
{
	uint32_t e = a->lvt[VLAPIC_LVT_LINT0 + pin];
	unsigned mode = lvt_mode(e);

	if (e & VLAPIC_LVT_MASKED)
		return -1;
	switch (mode) {
	case VLAPIC_DM_FIXED:
		if (e & VLAPIC_LVT_LEVEL)
			return lint_fixed_level(a, pin);
		if (!rising)
			return -1;
		vlapic_accept_irq(a, e & 0xff, false);
		return VLAPIC_DM_FIXED;
	case VLAPIC_DM_EXTINT:
		return a->lint_level[pin] ? VLAPIC_DM_EXTINT : -1;
	case VLAPIC_DM_NMI:
	case VLAPIC_DM_SMI:
	case VLAPIC_DM_INIT:
		return rising ? (int)mode : -1;
	}
	return -1; /* reserved delivery modes */
}

int vlapic_lint(struct vlapic *a, unsigned pin, bool level)
{
	bool rising;

	if (pin > 1)
		return -1;
	rising = level && !a->lint_level[pin];
	a->lint_level[pin] = level;
	if (vlapic_enabled(a))
		return lint_deliver(a, pin, rising);
	/* hardware-disabled: LINT0 is INTR and LINT1 is NMI (10.4.3) */
	if (pin == 0)
		return level ? VLAPIC_DM_EXTINT : -1;
	return rising ? VLAPIC_DM_NMI : -1;
}

bool vlapic_accepts_extint(const struct vlapic *a)
{
	if (!vlapic_enabled(a))
		return true;
	for (unsigned pin = 0; pin < 2; pin++) {
		uint32_t e = a->lvt[VLAPIC_LVT_LINT0 + pin];

		if (!(e & VLAPIC_LVT_MASKED) &&
		    lvt_mode(e) == VLAPIC_DM_EXTINT)
			return true;
	}
	return false;
}

/* The guest rewrote a LINT entry: a level-triggered fixed pin already
 * asserted interrupts once unmasked. */
void vlapic_lint_changed(struct vlapic *a, unsigned pin)
{
	lint_deliver(a, pin, false);
}
