/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU run loop around the pure scheduler core (sched/core.h):
 * which vCPU each physical CPU runs, time slices through the VMX-
 * preemption timer, vCPUs that block (HLT, wait-for-SIPI) and wake,
 * vCPU timers, cross-CPU wake-ups and kicks, load balancing, idling.
 *
 * Locking: a vCPU's state and its run-queue membership change under the
 * lock of its home run queue (se.cpu). A CPU never holds two run-queue
 * locks except in load balancing, which takes them all in CPU order. A
 * vLAPIC lock may be taken under a run-queue lock, never the reverse.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/percpu.h"
#include "guests/vm.h"
#include "vmx/exit.h"

#define SCHED_BALANCE_NS 4000000ull /* periodic balancing, per CPU */

/* struct cpu attention bits: make the next exit take the slow path. */
#define ATTN_RESCHED (1u << 0) /* pick again */
#define ATTN_REARM (1u << 1)   /* re-arm timers (a deadline changed) */

/* Every CPU's run queue, with this policy. */
void sched_init(const struct sched_policy *policy);
/* Places a new vCPU: the runnable one (the BSP) on the least loaded CPU
 * its affinity allows; an AP waits for a start-up IPI there. */
void sched_add_vcpu(struct vcpu *v);
/* Starts running vCPUs on this CPU; never returns. */
void __attribute__((noreturn)) sched_start(void);
/* The slow path after an exit: returns 1 to VMLAUNCH, 0 to VMRESUME the
 * (new) current vCPU. */
int sched_slow(struct cpu *c, struct vcpu *cur);

/* From an exit of v itself: HLT. Returns false (and leaves v running)
 * when an event is already waiting. */
bool sched_halt(struct vcpu *v, bool interrupts_on);
/* Something arrived for v (its ev.pending says what): wake it if it
 * halted for it, or make the CPU it runs on look at it. Any CPU. */
void sched_notify(struct vcpu *v);
/* INIT (v waits for SIPI), start-up IPI, and the VM stopping. */
void sched_init_signal(struct vcpu *v);
void sched_sipi(struct vcpu *v, uint8_t vector);
void sched_stop_vcpu(struct vcpu *v);
/* A deadline of v changed: its home CPU re-arms. */
void sched_timers_changed(struct vcpu *v);
/* This CPU should pick again at the next exit (HV_HC_YIELD). */
void sched_yield(void);

uint64_t sched_clock(void); /* ns */

/* After every exit: go straight back in unless something changed. */
static inline int sched_after_exit(struct cpu *c, struct vcpu *v)
{
	if (__builtin_expect(!c->attention && v->state == VCPU_RUNNABLE &&
				     !events_pending(v),
			     1))
		return 0;
	return sched_slow(c, v);
}

#endif
