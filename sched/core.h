/* SPDX-License-Identifier: MIT */
/*
 * The pure scheduler core: per-CPU run queues of vCPUs ("entities"), a
 * policy behind an ops table (CFS-like "cfs", round-robin "rr"), and the
 * load-balancing decision. No hardware, no locks, no globals: the caller
 * (sched/run.c) owns the queues, serialises access to each one, and passes
 * the time as `now`, in nanoseconds of a monotonic clock.
 *
 * The policy is described in sched/cfs.c and docs/scheduler.md.
 *
 * States of an entity, as the core sees them:
 *   queued   se->on_rq, in its queue's tree/list, waiting
 *   running  rq->curr == se (not in the tree, on_rq false)
 *   off      neither: blocked, new, or between a migrating dequeue and
 *            the enqueue on the destination
 * Queued and running entities are "runnable": they count in rq->load,
 * rq->nr_running and their group's nr_runnable.
 */
#ifndef SCHED_CORE_H
#define SCHED_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/rbtree.h"

/* The weight of a default VM (nice 0 in Linux terms). */
#define SCHED_WEIGHT_DEFAULT 1024u
#define SCHED_WEIGHT_MAX 1000000u

/* Defaults, as in Linux CFS on one CPU (without its log2(CPUs) scaling):
 * every runnable entity runs at least once per 6 ms latency period while
 * there are at most latency / min_granularity = 8 of them; nobody runs
 * less than 0.75 ms at a time (to keep switch costs small); a wakeup
 * preempts only when it is 1 ms of (weight-scaled) vruntime behind. */
#define SCHED_LATENCY_NS 6000000ull
#define SCHED_MIN_GRANULARITY_NS 750000ull
#define SCHED_WAKEUP_GRANULARITY_NS 1000000ull

/* enqueue flags */
#define SCHED_NEW (1 << 0)      /* first time runnable */
#define SCHED_WAKEUP (1 << 1)   /* was blocked (dequeued with SCHED_SLEEP) */
#define SCHED_MIGRATED (1 << 2) /* from another queue, vruntime relative */
/* dequeue flags */
#define SCHED_SLEEP (1 << 3)     /* blocks; vruntime stays absolute */
#define SCHED_MIGRATING (1 << 4) /* moves; vruntime made relative */

struct sched_group { /* a VM: its weight is split among its runnable entities */
	uint32_t weight;      /* from the VM config, 1..1000000, default 1024 */
	unsigned nr_runnable; /* maintained by the core on enqueue/dequeue */
};

struct sched_entity { /* one vCPU */
	struct rb_node node;
	struct sched_entity *rr_next; /* RR: next in the FIFO */
	uint64_t vruntime;
	uint64_t exec_start, sum_exec; /* ns */
	uint64_t wait_start, sum_wait; /* ns spent runnable but not running */
	uint64_t switches;             /* times it started running */
	uint32_t weight; /* effective: group weight / group runnable (>= 1) */
	struct sched_group *group;     /* NULL: alone, SCHED_WEIGHT_DEFAULT */
	uint64_t affinity;             /* allowed CPU bit mask, nonzero */
	int cpu;   /* queue it belongs to (also while blocked), -1 none */
	bool on_rq; /* queued (runnable, not running) */
};

struct sched_params {
	uint64_t latency_ns;            /* target period, SCHED_LATENCY_NS */
	uint64_t min_granularity_ns;    /* shortest slice */
	uint64_t wakeup_granularity_ns; /* wakeup preemption threshold */
};

extern const struct sched_params sched_default_params;

struct sched_policy;

struct runq {
	int cpu;
	const struct sched_policy *policy;
	const struct sched_params *params;
	struct sched_entity *curr; /* running, not in the tree */
	uint64_t load;       /* sum of weights of runnable incl. curr */
	unsigned nr_running; /* runnable incl. curr */
	uint64_t min_vruntime; /* CFS: never decreases (modulo 2^64) */
	struct rb_root_cached tree;             /* CFS: queued, by vruntime */
	struct sched_entity *rr_head, *rr_tail; /* RR: queued, FIFO */
};

struct sched_policy {
	const char *name; /* "cfs", "rr" */
	void (*init)(struct runq *rq);
	/* se is off; flags: one of SCHED_NEW, SCHED_WAKEUP, SCHED_MIGRATED. */
	void (*enqueue)(struct runq *rq, struct sched_entity *se, uint64_t now,
			int flags);
	/* se is queued or curr; flags: SCHED_SLEEP or SCHED_MIGRATING. When
	 * se was curr, rq->curr becomes NULL: call pick_next next. */
	void (*dequeue)(struct runq *rq, struct sched_entity *se, uint64_t now,
			int flags);
	/* Accounts curr's runtime up to now: sum_exec, vruntime, weight,
	 * min_vruntime. Every other op that takes `now` calls it first. */
	void (*update_curr)(struct runq *rq, uint64_t now);
	/* Puts curr (if any: it is runnable) back in the queue, then makes the
	 * best queued entity curr and returns it (possibly the same one);
	 * NULL when nothing is runnable. */
	struct sched_entity *(*pick_next)(struct runq *rq, uint64_t now);
	/* ns se may run from now before pick_next should be called again. */
	uint64_t (*slice)(const struct runq *rq, const struct sched_entity *se);
	/* Whether the just-enqueued `woken` should preempt curr now (true
	 * when nothing runs). Call right after enqueue, which updated curr. */
	bool (*should_preempt)(const struct runq *rq,
			       const struct sched_entity *woken);
	/* curr gives the CPU away (HV_HC_YIELD): the next pick_next runs
	 * another queued entity if there is one, at a bounded cost to curr. */
	void (*yield)(struct runq *rq, uint64_t now);
	/* Queued entities in the policy's order: first with prev NULL; NULL
	 * past the last. curr is not included. For balancing. */
	struct sched_entity *(*next_queued)(const struct runq *rq,
					    const struct sched_entity *prev);
};

extern const struct sched_policy sched_cfs, sched_rr;

/* NULL if unknown. */
const struct sched_policy *sched_policy_by_name(const char *name);

/* params NULL: sched_default_params. p NULL: sched_cfs. */
void runq_init(struct runq *rq, int cpu, const struct sched_policy *p,
	       const struct sched_params *params);
/* g NULL: a group of its own with the default weight. affinity 0: all
 * CPUs (like the VM config's "cpus" left out). */
void sched_entity_init(struct sched_entity *se, struct sched_group *g,
		       uint64_t affinity);
void sched_group_init(struct sched_group *g, uint32_t weight);

/* Load balancing: chooses at most one queued (not running) entity whose
 * move from a busier queue to `to` (to < 0: to whichever queue suits it
 * best, which is the least loaded one it may run on) lowers the
 * imbalance, and which se->affinity allows there. Pure decision; the
 * caller then dequeues it with SCHED_MIGRATING from rqs[*from] and
 * enqueues it with SCHED_MIGRATED on rqs[*dst]. rqs[i]->cpu must be i. */
bool sched_balance_pick(struct runq *const *rqs, unsigned n, int to,
			struct sched_entity **se, int *from, int *dst);

/* ---- shared by the policies (sched/cfs.c) -------------------------------- */

/* a * b / c (c > 0) rounded down, without 128-bit arithmetic; exact while
 * (c - 1) * b fits in 64 bits (b, c < 2^32 always do). Saturates. */
uint64_t sched_mul_div(uint64_t a, uint64_t b, uint64_t c);
/* The weight se gets from its group now: weight / nr_runnable, >= 1. */
uint32_t sched_group_share(const struct sched_entity *se);
/* Bookkeeping of se becoming runnable on rq / ceasing to be: group count,
 * weight, rq->load, rq->nr_running, se->cpu. */
void sched_account_enqueue(struct runq *rq, struct sched_entity *se);
void sched_account_dequeue(struct runq *rq, struct sched_entity *se);
/* Re-reads se's weight from its group; se is runnable on rq. */
void sched_reweight(struct runq *rq, struct sched_entity *se);
/* se starts running at now after waiting since se->wait_start. */
void sched_start_running(struct runq *rq, struct sched_entity *se,
			 uint64_t now);

/* now - since, or 0 if a CPU's clock lags another's (a queue may be
 * touched by several CPUs): never a wrapped huge value. */
static inline uint64_t sched_elapsed(uint64_t since, uint64_t now)
{
	return now > since ? now - since : 0;
}

/* vruntimes are compared modulo 2^64, like Linux, so they may wrap. */
static inline bool vruntime_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static inline uint64_t vruntime_max(uint64_t a, uint64_t b)
{
	return vruntime_before(a, b) ? b : a;
}

static inline uint64_t vruntime_min(uint64_t a, uint64_t b)
{
	return vruntime_before(a, b) ? a : b;
}

#endif
