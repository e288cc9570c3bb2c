/* SPDX-License-Identifier: MIT */
/*
 * The CFS-like policy ("cfs"), and the bookkeeping both policies share.
 *
 * Policy (see also docs/scheduler.md):
 *
 * - Virtual runtime. A running entity's vruntime advances by
 *   delta_exec * 1024 / weight, so heavier entities age more slowly. The
 *   queue is a red-black tree ordered by vruntime; pick_next takes the
 *   leftmost (the most owed). Over time every runnable entity gets CPU in
 *   proportion to its weight.
 *
 * - Slices. period = max(latency, nr_running * min_granularity): everyone
 *   runs once per period, unless that would make slices shorter than the
 *   minimum granularity. slice = period * weight / load, at least
 *   min_granularity. The caller runs curr for its slice (or until it
 *   blocks or is preempted) and then calls pick_next.
 *
 * - min_vruntime is the smallest vruntime among curr and the queued, and
 *   never goes backwards. It anchors the placement of entities that were
 *   not competing:
 *   - new: min_vruntime + vslice (its slice in virtual time). A newcomer
 *     gets no credit for the past, and by starting one slice behind the
 *     others it cannot starve them ("START_DEBIT" in Linux).
 *   - woken: max(own vruntime, min_vruntime - latency / 2). A sleeper
 *     keeps what it was owed before sleeping, but at most half a period
 *     of credit: it runs soon after waking, yet a long sleep cannot buy
 *     a long monopoly.
 *
 * - Wakeup preemption: a woken entity preempts curr when curr's vruntime
 *   is more than wakeup_granularity (scaled to the woken one's weight,
 *   i.e. in its virtual time) ahead of it. The granularity stops every
 *   wakeup from causing a switch.
 *
 * - Groups (VMs). An entity's weight is its group's weight divided by the
 *   group's runnable entities (wherever they run), so a VM's share does
 *   not grow with its vCPU count. It is re-read whenever the entity is
 *   enqueued, starts running or is accounted, adjusting rq->load at the
 *   same time, so rq->load always equals the sum of its runnable
 *   entities' (possibly slightly stale) weights.
 *
 * - Migration. dequeue(SCHED_MIGRATING) makes vruntime relative to the
 *   source's min_vruntime; enqueue(SCHED_MIGRATED) adds the destination's.
 *   Queues' clocks differ, so absolute vruntimes mean nothing elsewhere.
 *
 * Arithmetic is 64-bit integer only (no FPU in the hypervisor, no 128-bit
 * division): a * b / c is split as (a / c) * b + (a % c) * b / c, exact
 * for weights and loads far beyond what is configurable.
 */
#include "lib/muldiv.h"
#include "sched/core.h"

#include "lib/string.h"

const struct sched_params sched_default_params = {
	.latency_ns = SCHED_LATENCY_NS,
	.min_granularity_ns = SCHED_MIN_GRANULARITY_NS,
	.wakeup_granularity_ns = SCHED_WAKEUP_GRANULARITY_NS,
};

/* ---- shared bookkeeping -------------------------------------------------- */

uint64_t sched_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	return mul_div(a, b, c);
}

uint32_t sched_group_share(const struct sched_entity *se)
{
	const struct sched_group *g = se->group;
	uint32_t w;

	if (!g)
		return SCHED_WEIGHT_DEFAULT;
	w = g->weight / (g->nr_runnable ? g->nr_runnable : 1);
	return w ? w : 1;
}

void sched_reweight(struct runq *rq, struct sched_entity *se)
{
	uint32_t w = sched_group_share(se);

	rq->load = rq->load - se->weight + w;
	se->weight = w;
}

void sched_account_enqueue(struct runq *rq, struct sched_entity *se)
{
	if (se->group)
		se->group->nr_runnable++;
	se->weight = sched_group_share(se);
	se->cpu = rq->cpu;
	rq->load += se->weight;
	rq->nr_running++;
}

void sched_account_dequeue(struct runq *rq, struct sched_entity *se)
{
	if (se->group)
		se->group->nr_runnable--;
	rq->load -= se->weight;
	rq->nr_running--;
}

void sched_start_running(struct runq *rq, struct sched_entity *se,
			 uint64_t now)
{
	se->on_rq = false;
	se->sum_wait += sched_elapsed(se->wait_start, now);
	se->exec_start = now;
	rq->curr = se;
	sched_reweight(rq, se);
}

void runq_init(struct runq *rq, int cpu, const struct sched_policy *p,
	       const struct sched_params *params)
{
	memset(rq, 0, sizeof(*rq));
	rq->cpu = cpu;
	rq->policy = p ? p : &sched_cfs;
	rq->params = params ? params : &sched_default_params;
	rq->policy->init(rq);
}

void sched_group_init(struct sched_group *g, uint32_t weight)
{
	if (!weight)
		weight = SCHED_WEIGHT_DEFAULT;
	g->weight = weight > SCHED_WEIGHT_MAX ? SCHED_WEIGHT_MAX : weight;
	g->nr_runnable = 0;
}

void sched_entity_init(struct sched_entity *se, struct sched_group *g,
		       uint64_t affinity)
{
	memset(se, 0, sizeof(*se));
	se->group = g;
	se->affinity = affinity ? affinity : ~0ull;
	se->cpu = -1;
	se->weight = sched_group_share(se);
}

const struct sched_policy *sched_policy_by_name(const char *name)
{
	static const struct sched_policy *const all[] = { &sched_cfs,
							  &sched_rr };

	for (unsigned i = 0; name && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* ---- CFS ----------------------------------------------------------------- */

#define se_of(n) rb_entry_safe(n, struct sched_entity, node)

/* Real time -> se's virtual time. */
static uint64_t calc_delta_fair(uint64_t delta, const struct sched_entity *se)
{
	if (se->weight == SCHED_WEIGHT_DEFAULT)
		return delta;
	return sched_mul_div(delta, SCHED_WEIGHT_DEFAULT, se->weight);
}

static bool entity_less(const struct rb_node *a, const struct rb_node *b)
{
	const struct sched_entity *x = rb_entry(a, struct sched_entity, node);
	const struct sched_entity *y = rb_entry(b, struct sched_entity, node);

	return vruntime_before(x->vruntime, y->vruntime);
}

static uint64_t cfs_period(const struct runq *rq)
{
	const struct sched_params *p = rq->params;
	uint64_t stretched = rq->nr_running * p->min_granularity_ns;

	return stretched > p->latency_ns ? stretched : p->latency_ns;
}

static uint64_t cfs_slice(const struct runq *rq, const struct sched_entity *se)
{
	/* se is normally counted in load; a guess for one that is not. */
	uint64_t load = rq->load < se->weight ? se->weight : rq->load;
	uint64_t s = sched_mul_div(cfs_period(rq), se->weight, load);

	return s > rq->params->min_granularity_ns ?
		       s :
		       rq->params->min_granularity_ns;
}

static void update_min_vruntime(struct runq *rq)
{
	struct sched_entity *left = se_of(rb_first_cached(&rq->tree));
	uint64_t vr;

	if (rq->curr)
		vr = left ? vruntime_min(rq->curr->vruntime, left->vruntime) :
			    rq->curr->vruntime;
	else if (left)
		vr = left->vruntime;
	else
		return; /* nothing runnable: keep the old value */
	rq->min_vruntime = vruntime_max(rq->min_vruntime, vr);
}

static void cfs_update_curr(struct runq *rq, uint64_t now)
{
	struct sched_entity *se = rq->curr;
	uint64_t delta;

	if (!se || now <= se->exec_start)
		return;
	delta = now - se->exec_start;
	se->exec_start = now;
	se->sum_exec += delta;
	/* With the weight the slice was computed with; then re-read it. */
	se->vruntime += calc_delta_fair(delta, se);
	sched_reweight(rq, se);
	update_min_vruntime(rq);
}

static void place_entity(struct runq *rq, struct sched_entity *se, int flags)
{
	uint64_t credit = rq->params->latency_ns / 2;

	if (flags & SCHED_NEW)
		/* Its own vruntime means nothing yet: start one slice late. */
		se->vruntime = rq->min_vruntime +
			       calc_delta_fair(cfs_slice(rq, se), se);
	else if (flags & SCHED_WAKEUP)
		se->vruntime = vruntime_max(se->vruntime,
					    rq->min_vruntime - credit);
}

static void queue_entity(struct runq *rq, struct sched_entity *se,
			 uint64_t now)
{
	se->wait_start = now;
	se->on_rq = true;
	rb_add_cached(&se->node, &rq->tree, entity_less);
}

static void cfs_enqueue(struct runq *rq, struct sched_entity *se, uint64_t now,
			int flags)
{
	cfs_update_curr(rq, now);
	if (flags & SCHED_MIGRATED)
		se->vruntime += rq->min_vruntime;
	/* Counted first, so a newcomer's slice is the one it will get. */
	sched_account_enqueue(rq, se);
	place_entity(rq, se, flags);
	queue_entity(rq, se, now);
}

static void cfs_dequeue(struct runq *rq, struct sched_entity *se, uint64_t now,
			int flags)
{
	cfs_update_curr(rq, now);
	if (rq->curr == se) {
		rq->curr = NULL;
	} else {
		rb_erase_cached(&se->node, &rq->tree);
		se->on_rq = false;
		se->sum_wait += sched_elapsed(se->wait_start, now);
	}
	sched_account_dequeue(rq, se);
	if (flags & SCHED_MIGRATING) {
		se->vruntime -= rq->min_vruntime;
		se->cpu = -1;
	}
	update_min_vruntime(rq);
}

static struct sched_entity *cfs_pick_next(struct runq *rq, uint64_t now)
{
	struct sched_entity *prev = rq->curr, *next;

	if (prev) {
		cfs_update_curr(rq, now);
		rq->curr = NULL;
		queue_entity(rq, prev, now); /* behind its equals */
	}
	next = se_of(rb_first_cached(&rq->tree));
	if (!next)
		return NULL;
	rb_erase_cached(&next->node, &rq->tree);
	sched_start_running(rq, next, now);
	if (next != prev)
		next->switches++;
	return next;
}

static bool cfs_should_preempt(const struct runq *rq,
			       const struct sched_entity *woken)
{
	const struct sched_entity *curr = rq->curr;
	uint64_t gran;

	if (!curr)
		return true;
	if (curr == woken)
		return false;
	gran = calc_delta_fair(rq->params->wakeup_granularity_ns, woken);
	return (int64_t)(curr->vruntime - woken->vruntime) > (int64_t)gran;
}

/* Like Linux's skip buddy, without the buddy: curr goes just behind the
 * leftmost queued entity, so it loses at most the gap to it. */
static void cfs_yield(struct runq *rq, uint64_t now)
{
	struct sched_entity *curr = rq->curr, *left;

	cfs_update_curr(rq, now);
	left = se_of(rb_first_cached(&rq->tree));
	if (curr && left && !vruntime_before(left->vruntime, curr->vruntime))
		curr->vruntime = left->vruntime + 1;
}

static struct sched_entity *cfs_next_queued(const struct runq *rq,
					    const struct sched_entity *prev)
{
	return se_of(prev ? rb_next(&prev->node) : rb_first_cached(&rq->tree));
}

static void cfs_init(struct runq *rq)
{
	rq->tree = RB_ROOT_CACHED;
	rq->min_vruntime = 0;
}

const struct sched_policy sched_cfs = {
	.name = "cfs",
	.init = cfs_init,
	.enqueue = cfs_enqueue,
	.dequeue = cfs_dequeue,
	.update_curr = cfs_update_curr,
	.pick_next = cfs_pick_next,
	.slice = cfs_slice,
	.should_preempt = cfs_should_preempt,
	.yield = cfs_yield,
	.next_queued = cfs_next_queued,
};
