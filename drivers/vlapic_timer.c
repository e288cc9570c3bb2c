/* SPDX-License-Identifier: MIT */
/* The virtual local APIC timer (Intel SDM Vol. 3A 10.5.4): one-shot,
 * periodic and TSC-deadline modes. It runs at the TSC rate before
 * division: a count lasts (divide value) TSC ticks. Time comes from
 * ops->now; the hypervisor's host timer is asked for through
 * ops->set_timer and reports back with vlapic_timer_expired. */
#include "drivers/vlapic.h"

#define TIMER_MODE_MASK (3u << 17)

static uint64_t now(const struct vlapic *a)
{
	return a->ops && a->ops->now ? a->ops->now(a->ctx) : 0;
}

/* Mode 3 is reserved; it counts as one-shot here. */
static uint32_t timer_mode(const struct vlapic *a)
{
	return a->lvt[VLAPIC_LVT_TIMER] & TIMER_MODE_MASK;
}

static bool tsc_mode(const struct vlapic *a)
{
	return timer_mode(a) == VLAPIC_TIMER_TSC_DEADLINE;
}

/* Figure 10-10: bits 3 and 1:0 give 2^(value + 1), 111b meaning 1. */
static unsigned div_shift(uint32_t dcr)
{
	unsigned v = (dcr & 3) | (dcr >> 1 & 4);

	return (v + 1) & 7;
}

/* The initial count and the divide configuration are in effect in
 * timer_initial and timer_dcr, and are registers of the page. */
static void set_initial(struct vlapic *a, uint32_t count)
{
	a->timer_initial = *vlapic_reg(a, VLAPIC_REG_TIMER_ICR) = count;
}

static void set_dcr(struct vlapic *a, uint32_t dcr)
{
	a->timer_dcr = *vlapic_reg(a, VLAPIC_REG_TIMER_DCR) = dcr;
}

static void host_timer(struct vlapic *a, uint64_t deadline)
{
	if (a->ops && a->ops->set_timer)
		a->ops->set_timer(a->ctx, deadline);
}

static void arm(struct vlapic *a, uint64_t deadline)
{
	a->timer_deadline = deadline;
	host_timer(a, deadline);
}

void vlapic_timer_cancel(struct vlapic *a)
{
	if (!a->timer_deadline)
		return;
	a->timer_deadline = 0;
	host_timer(a, 0);
}

/* The current count at TSC t (10.5.4): it falls by one every divide-value
 * ticks from the initial count; one-shot stops at 0, periodic reloads. */
static uint32_t ccr_at(const struct vlapic *a, uint64_t t)
{
	uint64_t done = t - a->timer_start;

	if (tsc_mode(a) || !a->timer_deadline || !a->timer_initial)
		return 0;
	done = (int64_t)done < 0 ? 0 : done >> div_shift(a->timer_dcr);
	if (done >= a->timer_initial) {
		if (timer_mode(a) != VLAPIC_TIMER_PERIODIC)
			return 0;
		done %= a->timer_initial;
	}
	return a->timer_initial - (uint32_t)done;
}

uint32_t vlapic_timer_ccr(const struct vlapic *a)
{
	return ccr_at(a, now(a));
}

/* 10.5.4: writing the initial count (re)starts the count down; 0 stops
 * it. In TSC-deadline mode the write is ignored (10.5.4.1). */
void vlapic_timer_write_icr(struct vlapic *a, uint32_t count)
{
	uint64_t t;

	if (tsc_mode(a)) {
		set_initial(a, a->timer_initial);
		return;
	}
	set_initial(a, count);
	if (!count) {
		vlapic_timer_cancel(a);
		return;
	}
	t = now(a);
	a->timer_period = (uint64_t)count << div_shift(a->timer_dcr);
	a->timer_start = t;
	arm(a, t + a->timer_period);
}

/* A new divide value takes effect at once: the count goes on from where
 * it is, at the new rate. An expiry already due is taken first. */
void vlapic_timer_write_dcr(struct vlapic *a, uint32_t dcr)
{
	uint64_t t;
	uint32_t left;
	unsigned shift = div_shift(dcr);

	if (dcr == a->timer_dcr || tsc_mode(a) || !a->timer_deadline) {
		set_dcr(a, dcr);
		return;
	}
	t = now(a);
	vlapic_timer_expired(a, t);
	left = ccr_at(a, t);
	set_dcr(a, dcr);
	if (!a->timer_deadline)
		return;
	a->timer_period = (uint64_t)a->timer_initial << shift;
	a->timer_start = t - ((uint64_t)(a->timer_initial - left) << shift);
	arm(a, t + ((uint64_t)left << shift));
}

/* 10.5.4.1: entering or leaving TSC-deadline mode disarms the timer; the
 * initial count is cleared too (as KVM does). One-shot <-> periodic
 * changes neither start nor stop a count (10.5.4). */
void vlapic_timer_lvt_changed(struct vlapic *a, uint32_t old)
{
	bool was_tsc = (old & TIMER_MODE_MASK) == VLAPIC_TIMER_TSC_DEADLINE;

	if (was_tsc == tsc_mode(a))
		return;
	vlapic_timer_cancel(a);
	set_initial(a, 0);
	a->tsc_deadline = 0;
}

/* ---- TSC-deadline mode (10.5.4.1) ---------------------------------------- */

uint64_t vlapic_tsc_deadline(const struct vlapic *a)
{
	return tsc_mode(a) ? a->tsc_deadline : 0;
}

/* Nonzero arms, 0 disarms; a deadline already reached fires at once. The
 * MSR is cleared when the timer fires. */
void vlapic_set_tsc_deadline(struct vlapic *a, uint64_t tsc)
{
	if (!tsc_mode(a))
		return;
	a->tsc_deadline = tsc;
	if (tsc && tsc > now(a)) {
		arm(a, tsc);
		return;
	}
	vlapic_timer_cancel(a);
	if (tsc) {
		a->tsc_deadline = 0;
		vlapic_raise_lvt(a, VLAPIC_LVT_TIMER);
	}
}

/* ---- expiry -------------------------------------------------------------- */

/* Periodic: the next deadline is the previous one plus the period, so no
 * drift accumulates; periods missed entirely are skipped (their
 * interrupts would coalesce in the IRR anyway). */
static void next_period(struct vlapic *a, uint64_t t)
{
	uint64_t p = a->timer_period, next = a->timer_deadline + p;

	if (next <= t)
		next += ((t - next) / p + 1) * p;
	a->timer_start = next - p;
	arm(a, next);
}

void vlapic_timer_expired(struct vlapic *a, uint64_t t)
{
	if (!a->timer_deadline || t < a->timer_deadline)
		return;
	if (tsc_mode(a)) {
		a->timer_deadline = 0;
		a->tsc_deadline = 0;
	} else if (timer_mode(a) == VLAPIC_TIMER_PERIODIC) {
		next_period(a, t);
	} else {
		a->timer_deadline = 0;
	}
	/* a masked timer still counts; it only does not interrupt */
	vlapic_raise_lvt(a, VLAPIC_LVT_TIMER);
}
