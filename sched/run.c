/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU run loop. Each physical CPU has a run queue of the vCPUs
 * placed on it and runs them round-robin, a time slice each, enforced with
 * the VMX-preemption timer. A halted vCPU waits for an event; a CPU with
 * nothing to run halts until its next timer.
 */
#include "sched/sched.h"

#include "arch/lapic.h"
#include "arch/tsc.h"
#include "arch/x86.h"
#include "vmx/vmx.h"

void sched_add(struct vcpu *v, struct cpu *c)
{
	if (!c->rq) {
		v->rq_next = v;
		c->rq = v;
	} else {
		v->rq_next = c->rq->rq_next;
		c->rq->rq_next = v;
	}
	c->rq_len++;
}

void sched_wake(struct vcpu *v)
{
	if (v->state == VCPU_HALTED)
		v->state = VCPU_RUNNABLE;
}

static void fire(struct vcpu *v)
{
	v->timer_deadline = 0;
	if (v->timer_vector == HV_TIMER_NMI)
		inject_nmi(v);
	else
		inject_irq(v, (uint8_t)v->timer_vector);
	sched_wake(v);
}

void sched_check_timers(struct cpu *c)
{
	struct vcpu *v = c->rq;
	uint64_t now = rdtsc();

	for (unsigned i = 0; i < c->rq_len; i++, v = v->rq_next)
		if (v->timer_deadline && now >= v->timer_deadline &&
		    v->state != VCPU_STOPPED)
			fire(v);
}

/* Round-robin: the next runnable vCPU after cur, or cur if it is the only
 * one; cur keeps the CPU until its slice ends or it gives it up. */
static struct vcpu *pick(struct cpu *c, struct vcpu *cur)
{
	struct vcpu *v;

	if (cur && cur->state == VCPU_RUNNABLE && !c->resched &&
	    rdtsc() < c->slice_end)
		return cur;
	v = cur ? cur->rq_next : c->rq;
	for (unsigned i = 0; v && i < c->rq_len; i++, v = v->rq_next)
		if (v->state == VCPU_RUNNABLE)
			return v;
	return 0;
}

static uint64_t next_deadline(struct cpu *c)
{
	struct vcpu *v = c->rq;
	uint64_t d = ~0ull;

	for (unsigned i = 0; i < c->rq_len; i++, v = v->rq_next)
		if (v->timer_deadline && v->state != VCPU_STOPPED &&
		    v->timer_deadline < d)
			d = v->timer_deadline;
	return d;
}

/* Nothing to run: sleep until the next vCPU timer, or an interrupt. */
static void idle(struct cpu *c)
{
	uint64_t d = next_deadline(c);

	if (d != ~0ull)
		lapic_timer_at(d);
	sti();
	hlt();
	cli();
}

void sched_arm(struct cpu *c, struct vcpu *v)
{
	uint64_t now = rdtsc(), end = c->slice_end, ticks;

	if (!vmx_ctl.preempt_timer)
		return;
	if (v->timer_deadline && v->timer_deadline < end)
		end = v->timer_deadline;
	ticks = end > now ? (end - now) >> vmx_ctl.preempt_shift : 0;
	vmwrite(PREEMPTION_TIMER_VALUE, ticks > 0xffffffffu ? 0xffffffffu : ticks);
}

int sched_slow(struct cpu *c, struct vcpu *cur)
{
	struct vcpu *next;

	for (;;) {
		sched_check_timers(c);
		next = pick(c, cur);
		if (next)
			break;
		idle(c);
	}
	if (next != cur || c->resched || rdtsc() >= c->slice_end)
		c->slice_end = rdtsc() + SCHED_SLICE_US * tsc_khz / 1000;
	c->resched = false;
	if (next != c->vcpu)
		vcpu_switch(c, c->vcpu, next);
	else if (!cur) /* first run on this CPU: state not loaded yet */
		vcpu_switch(c, 0, next);
	if (next->reset_pending)
		vcpu_apply_reset(next, &c->guest);
	sched_arm(c, next);
	if (events_pending(next))
		inject_pending(next);
	if (!next->launched) {
		next->launched = true;
		return 1;
	}
	return 0;
}

void sched_start(void)
{
	struct cpu *c = this_cpu();

	vmx_enter(sched_slow(c, 0));
}
