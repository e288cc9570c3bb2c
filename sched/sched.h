/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU run loop: which vCPU a physical CPU runs next, time slices,
 * halted vCPUs and their wake-ups, and idling when nothing is runnable.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/percpu.h"
#include "guests/vm.h"
#include "vmx/exit.h"

#define SCHED_SLICE_US 10000

/* Puts a vCPU on a physical CPU's run queue (before it starts). */
void sched_add(struct vcpu *v, struct cpu *c);
/* Starts running vCPUs on this CPU; never returns. */
void __attribute__((noreturn)) sched_start(void);
/* The slow path after an exit: switches vCPUs, idles, injects events.
 * Returns 1 to VMLAUNCH, 0 to VMRESUME the (new) current vCPU. */
int sched_slow(struct cpu *c, struct vcpu *cur);
/* A halted vCPU has something to do now. */
void sched_wake(struct vcpu *v);
/* Fires vCPU timers that are due (HV_HC_TIMER). */
void sched_check_timers(struct cpu *c);
/* Re-arms the preemption timer for the running vCPU. */
void sched_arm(struct cpu *c, struct vcpu *v);

/* After every exit: go straight back in unless something changed. */
static inline int sched_after_exit(struct cpu *c, struct vcpu *v)
{
	if (__builtin_expect(!c->resched && v->state == VCPU_RUNNABLE &&
				     !events_pending(v),
			     1))
		return 0;
	return sched_slow(c, v);
}

#endif
