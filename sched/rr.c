/* SPDX-License-Identifier: MIT */
/*
 * Round-robin ("rr"): a FIFO of queued entities; pick_next puts curr at
 * the tail and runs the head. Everyone gets the same slice,
 * max(latency / nr_running, min_granularity), so each runs once per
 * latency period while that is possible: CFS's period with equal
 * weights. Weights do not affect who runs. A woken entity joins the tail
 * and preempts only an idle CPU.
 *
 * It exists to keep the policy interface honest (a second, different
 * implementation behind the same ops) and as a simple baseline. It still
 * keeps the shared bookkeeping (weights, rq->load, group counts, run and
 * wait times) so load balancing and statistics work unchanged. vruntime
 * is not used; migration leaves it alone (min_vruntime stays 0).
 */
#include "sched/core.h"

static void rr_push_tail(struct runq *rq, struct sched_entity *se,
			 uint64_t now)
{
	se->rr_next = NULL;
	if (rq->rr_tail)
		rq->rr_tail->rr_next = se;
	else
		rq->rr_head = se;
	rq->rr_tail = se;
	se->wait_start = now;
	se->on_rq = true;
}

/* Unlinks a queued se; O(queue length), which stays small. */
static void rr_unlink(struct runq *rq, struct sched_entity *se)
{
	struct sched_entity **link = &rq->rr_head, *prev = NULL;

	while (*link != se) {
		prev = *link;
		link = &prev->rr_next;
	}
	*link = se->rr_next;
	if (rq->rr_tail == se)
		rq->rr_tail = prev;
	se->rr_next = NULL;
}

static void rr_update_curr(struct runq *rq, uint64_t now)
{
	struct sched_entity *se = rq->curr;

	if (!se || now <= se->exec_start)
		return;
	se->sum_exec += now - se->exec_start;
	se->exec_start = now;
	sched_reweight(rq, se);
}

static void rr_enqueue(struct runq *rq, struct sched_entity *se, uint64_t now,
		       int flags)
{
	rr_update_curr(rq, now);
	sched_account_enqueue(rq, se);
	rr_push_tail(rq, se, now);
}

static void rr_dequeue(struct runq *rq, struct sched_entity *se, uint64_t now,
		       int flags)
{
	rr_update_curr(rq, now);
	if (rq->curr == se) {
		rq->curr = NULL;
	} else {
		rr_unlink(rq, se);
		se->on_rq = false;
		se->sum_wait += sched_elapsed(se->wait_start, now);
	}
	sched_account_dequeue(rq, se);
	if (flags & SCHED_MIGRATING)
		se->cpu = -1;
}

static struct sched_entity *rr_pick_next(struct runq *rq, uint64_t now)
{
	struct sched_entity *prev = rq->curr, *next = rq->rr_head;

	if (prev) {
		rr_update_curr(rq, now);
		rq->curr = NULL;
		rr_push_tail(rq, prev, now);
		next = rq->rr_head;
	}
	if (!next)
		return NULL;
	rr_unlink(rq, next);
	sched_start_running(rq, next, now);
	if (next != prev)
		next->switches++;
	return next;
}

static uint64_t rr_slice(const struct runq *rq, const struct sched_entity *se)
{
	const struct sched_params *p = rq->params;
	uint64_t s = rq->nr_running ? p->latency_ns / rq->nr_running :
				      p->latency_ns;

	return s > p->min_granularity_ns ? s : p->min_granularity_ns;
}

static bool rr_should_preempt(const struct runq *rq,
			      const struct sched_entity *woken)
{
	return !rq->curr;
}

/* pick_next already puts curr at the tail. */
static void rr_yield(struct runq *rq, uint64_t now) { rr_update_curr(rq, now); }

static struct sched_entity *rr_next_queued(const struct runq *rq,
					   const struct sched_entity *prev)
{
	return prev ? prev->rr_next : rq->rr_head;
}

static void rr_init(struct runq *rq)
{
	rq->rr_head = rq->rr_tail = NULL;
	rq->min_vruntime = 0;
}

const struct sched_policy sched_rr = {
	.name = "rr",
	.init = rr_init,
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.update_curr = rr_update_curr,
	.pick_next = rr_pick_next,
	.slice = rr_slice,
	.should_preempt = rr_should_preempt,
	.yield = rr_yield,
	.next_queued = rr_next_queued,
};
