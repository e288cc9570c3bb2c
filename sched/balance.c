/* SPDX-License-Identifier: MIT */
/*
 * The load-balancing decision: which single queued entity to move where.
 *
 * Imbalance is measured as the sum over queues of load squared. Moving an
 * entity of weight w from a queue of load S to one of load D changes it
 * by (S - w)^2 + (D + w)^2 - S^2 - D^2 = -2w(S - D - w), so a move helps
 * exactly when S - D > w, and helps most when w is near (S - D) / 2. With
 * S - D == w the move would only mirror the imbalance (and the next pass
 * would move it back), so it is not made. Every move strictly lowers a
 * non-negative integer, hence repeated balancing always settles.
 *
 * Only queued entities move: curr is on the CPU. Affinity is a hard rule:
 * an entity never goes to a CPU outside se->affinity.
 *
 * Cost: O(queued entities x queues) when `to` < 0, O(queued entities)
 * otherwise; meant for every few milliseconds and when a CPU idles.
 */
#include "sched/core.h"

static bool may_run_on(const struct sched_entity *se, unsigned cpu)
{
	return cpu < 64 && (se->affinity >> cpu) & 1;
}

/* The best destination for se from queue src, or -1: `to` itself if it is
 * allowed, else (to < 0) the least loaded allowed queue. */
static int pick_dst(struct runq *const *rqs, unsigned n, int to,
		    const struct sched_entity *se, unsigned src)
{
	int best = -1;

	if (to >= 0)
		return (unsigned)to != src && may_run_on(se, (unsigned)to) ?
			       to :
			       -1;
	for (unsigned i = 0; i < n; i++)
		if (i != src && may_run_on(se, i) &&
		    (best < 0 || rqs[i]->load < rqs[best]->load))
			best = (int)i;
	return best;
}

/* How much moving se from src to dst lowers the imbalance, halved; 0 if
 * it does not. */
static uint64_t move_gain(const struct runq *src, const struct runq *dst,
			  const struct sched_entity *se)
{
	uint64_t w = se->weight;

	if (src->load <= dst->load + w)
		return 0;
	return w * (src->load - dst->load - w);
}

bool sched_balance_pick(struct runq *const *rqs, unsigned n, int to,
			struct sched_entity **se, int *from, int *dst)
{
	uint64_t best_gain = 0;

	if (to >= (int)n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct runq *rq = rqs[i];
		struct sched_entity *e = rq->policy->next_queued(rq, NULL);

		for (; e; e = rq->policy->next_queued(rq, e)) {
			int d = pick_dst(rqs, n, to, e, i);
			uint64_t gain = d < 0 ? 0 : move_gain(rq, rqs[d], e);

			/* Strictly better only: ties keep the first found. */
			if (gain > best_gain) {
				best_gain = gain;
				*se = e;
				*from = (int)i;
				*dst = d;
			}
		}
	}
	return best_gain > 0;
}
