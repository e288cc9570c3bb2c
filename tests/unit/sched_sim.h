/* SPDX-License-Identifier: MIT */
/*
 * A discrete-event simulator of N CPUs driving the scheduler core the way
 * the run loop does, on a simulated nanosecond clock:
 *
 * - each CPU runs its curr until the earliest of: its slice ends, the
 *   task's CPU burst ends (it then blocks: dequeue SCHED_SLEEP), a wakeup
 *   that should preempt it, or the next balancing tick;
 * - a task becomes runnable at its start time (SCHED_NEW on its home CPU)
 *   and after each sleep (SCHED_WAKEUP on the CPU it slept on);
 * - every `balance_ns` each CPU pulls at most one entity
 *   (sched_balance_pick with to = itself), and a CPU that finds nothing to
 *   run pulls before idling (an idle CPU sleeps until a tick or a wakeup
 *   on its own queue); a move is dequeue SCHED_MIGRATING + enqueue
 *   SCHED_MIGRATED.
 *
 * It measures what every task got independently of the core (run time per
 * CPU, waits, stints) and checks the core's invariants after every event:
 * rq->load and nr_running match the runnable tasks, group counts match,
 * curr is not queued, affinity holds, min_vruntime never goes back.
 * sim_sync() then requires the core's sum_exec and sum_wait to equal the
 * simulator's measurements exactly.
 */
#ifndef TESTS_UNIT_SCHED_SIM_H
#define TESTS_UNIT_SCHED_SIM_H

#include "unit.h"

#include "sched/core.h"

#define SIM_CPUS 4
#define SIM_TASKS 16
#define MS 1000000ull
#define SEC (1000 * MS)
#define NEVER UINT64_MAX

enum sim_state { T_NEW, T_RUNNABLE, T_SLEEPING };

struct sim_task {
	struct sched_entity se;
	/* behaviour: run `run_ns` of CPU, then sleep `sleep_ns`; 0: never
	 * sleeps. May be changed between sim_run() calls. */
	uint64_t run_ns, sleep_ns;
	int home;
	enum sim_state state;
	uint64_t burst_left, wake_at;
	/* measured by the simulator */
	uint64_t ran, ran_on[SIM_CPUS], waited;
	uint64_t wait_since, max_wait;  /* runnable, not running */
	uint64_t woke_at, max_wake_lat; /* wakeup -> first run */
	bool woken;
	uint64_t stint_start, max_stint; /* continuous running */
};

struct sim;
typedef void (*sim_run_hook)(struct sim *s, struct sim_task *t, unsigned cpu,
			     uint64_t from, uint64_t to);
typedef void (*sim_enqueue_hook)(struct sim *s, struct sim_task *t, int flags);

struct sim {
	unsigned ncpu, ntask;
	struct runq rq[SIM_CPUS];
	struct runq *rqs[SIM_CPUS];
	struct sim_task *task[SIM_TASKS];
	uint64_t now, balance_ns, next_balance;
	uint64_t slice_end[SIM_CPUS], idle[SIM_CPUS], last_min[SIM_CPUS];
	bool resched[SIM_CPUS];
	unsigned migrations;
	sim_run_hook on_run;         /* optional */
	sim_enqueue_hook on_enqueue; /* optional, right after enqueue */
	void *ctx;
};

static inline void sim_init(struct sim *s, unsigned ncpu,
			    const struct sched_policy *p,
			    const struct sched_params *params)
{
	memset(s, 0, sizeof(*s));
	assert_true(ncpu <= SIM_CPUS);
	s->ncpu = ncpu;
	s->balance_ns = 4 * MS;
	s->next_balance = s->balance_ns;
	for (unsigned i = 0; i < ncpu; i++) {
		runq_init(&s->rq[i], (int)i, p, params);
		s->rqs[i] = &s->rq[i];
		s->slice_end[i] = NEVER;
	}
}

/* A task that becomes runnable (SCHED_NEW on CPU home) at time `start`. */
static inline void sim_add(struct sim *s, struct sim_task *t,
			   struct sched_group *g, uint64_t affinity, int home,
			   uint64_t start, uint64_t run_ns, uint64_t sleep_ns)
{
	memset(t, 0, sizeof(*t));
	sched_entity_init(&t->se, g, affinity);
	assert_true(s->ntask < SIM_TASKS);
	t->home = home;
	t->state = T_NEW;
	t->wake_at = start;
	t->run_ns = run_ns;
	t->sleep_ns = sleep_ns;
	s->task[s->ntask++] = t;
}

static inline struct sim_task *sim_task_of(struct sched_entity *se)
{
	return (struct sim_task *)((char *)se - offsetof(struct sim_task, se));
}

/* ---- events -------------------------------------------------------------- */

static inline void sim_enqueue(struct sim *s, struct sim_task *t, unsigned cpu,
			       int flags)
{
	struct runq *rq = s->rqs[cpu];

	rq->policy->enqueue(rq, &t->se, s->now, flags);
	t->wait_since = s->now;
	if (s->on_enqueue)
		s->on_enqueue(s, t, flags);
	if (rq->policy->should_preempt(rq, &t->se))
		s->resched[cpu] = true;
}

static inline void sim_wake(struct sim *s, struct sim_task *t)
{
	int flags = t->state == T_NEW ? SCHED_NEW : SCHED_WAKEUP;
	unsigned cpu = (unsigned)(t->state == T_NEW ? t->home : t->se.cpu);

	t->state = T_RUNNABLE;
	t->burst_left = t->run_ns;
	t->woke_at = s->now;
	t->woken = true;
	sim_enqueue(s, t, cpu, flags);
}

/* t blocks (dequeue SCHED_SLEEP) until wake_at: normally curr at the end
 * of its burst, but a test may block a queued task too. */
static inline void sim_block(struct sim *s, struct sim_task *t,
			     uint64_t wake_at)
{
	unsigned cpu = (unsigned)t->se.cpu;
	struct runq *rq = s->rqs[cpu];
	bool was_curr = rq->curr == &t->se;

	assert_int_equal(t->state, T_RUNNABLE);
	rq->policy->dequeue(rq, &t->se, s->now, SCHED_SLEEP);
	assert_false(t->se.on_rq);
	assert_int_equal(t->se.cpu, cpu); /* remembered for the wakeup */
	t->state = T_SLEEPING;
	t->wake_at = wake_at;
	if (was_curr) {
		assert_null(rq->curr);
		if (s->now - t->stint_start > t->max_stint)
			t->max_stint = s->now - t->stint_start;
		s->resched[cpu] = true;
	}
}

static inline void sim_migrate(struct sim *s, struct sched_entity *se,
			       int from, int dst)
{
	struct runq *src = s->rqs[from], *to = s->rqs[dst];

	assert_true(se->on_rq);
	assert_ptr_not_equal(src->curr, se);
	assert_true((se->affinity >> dst) & 1);
	src->policy->dequeue(src, se, s->now, SCHED_MIGRATING);
	assert_int_equal(se->cpu, -1);
	to->policy->enqueue(to, se, s->now, SCHED_MIGRATED);
	if (to->policy->should_preempt(to, se))
		s->resched[dst] = true;
	s->migrations++;
}

static inline bool sim_pull(struct sim *s, unsigned cpu)
{
	struct sched_entity *se;
	int from, dst;

	if (!sched_balance_pick(s->rqs, s->ncpu, (int)cpu, &se, &from, &dst))
		return false;
	assert_int_equal(dst, cpu);
	assert_int_not_equal(from, cpu);
	sim_migrate(s, se, from, dst);
	return true;
}

/* Runs the core's pick_next on cpu and notes what changed hands. */
static inline void sim_pick(struct sim *s, unsigned cpu)
{
	struct runq *rq = s->rqs[cpu];
	struct sched_entity *prev = rq->curr, *next;

	next = rq->policy->pick_next(rq, s->now);
	if (!next && sim_pull(s, cpu))
		next = rq->policy->pick_next(rq, s->now);
	s->resched[cpu] = false;
	s->slice_end[cpu] = next ? s->now + rq->policy->slice(rq, next) : NEVER;
	if (next == prev)
		return;
	if (prev) {
		struct sim_task *p = sim_task_of(prev);

		p->wait_since = s->now;
		if (s->now - p->stint_start > p->max_stint)
			p->max_stint = s->now - p->stint_start;
	}
	if (next) {
		struct sim_task *t = sim_task_of(next);

		if (s->now - t->wait_since > t->max_wait)
			t->max_wait = s->now - t->wait_since;
		if (t->woken && s->now - t->woke_at > t->max_wake_lat)
			t->max_wake_lat = s->now - t->woke_at;
		t->woken = false;
		t->stint_start = s->now;
	}
}

/* ---- time ---------------------------------------------------------------- */

static inline uint64_t sim_next_event(const struct sim *s, uint64_t until)
{
	uint64_t t = until < s->next_balance ? until : s->next_balance;

	for (unsigned i = 0; i < s->ncpu; i++) {
		struct sched_entity *c = s->rq[i].curr;

		if (s->slice_end[i] < t)
			t = s->slice_end[i];
		if (c && sim_task_of(c)->run_ns &&
		    s->now + sim_task_of(c)->burst_left < t)
			t = s->now + sim_task_of(c)->burst_left;
	}
	for (unsigned i = 0; i < s->ntask; i++)
		if (s->task[i]->state != T_RUNNABLE && s->task[i]->wake_at < t)
			t = s->task[i]->wake_at;
	return t;
}

static inline void sim_advance(struct sim *s, uint64_t to)
{
	uint64_t dt = to - s->now;

	for (unsigned i = 0; i < s->ncpu; i++) {
		struct sched_entity *c = s->rq[i].curr;
		struct sim_task *t;

		if (!c) {
			s->idle[i] += dt;
			continue;
		}
		t = sim_task_of(c);
		t->ran += dt;
		t->ran_on[i] += dt;
		if (t->run_ns)
			t->burst_left -= dt;
		if (s->on_run && dt)
			s->on_run(s, t, i, s->now, to);
	}
	for (unsigned i = 0; i < s->ntask; i++)
		if (s->task[i]->se.on_rq)
			s->task[i]->waited += dt;
	s->now = to;
}

/* Everything due at s->now, in a fixed order: bursts end, tasks wake,
 * slices end, balancing, then the CPUs that must pick do. */
static inline void sim_events(struct sim *s)
{
	for (unsigned i = 0; i < s->ncpu; i++) {
		struct sched_entity *c = s->rq[i].curr;

		if (c && sim_task_of(c)->run_ns && !sim_task_of(c)->burst_left)
			sim_block(s, sim_task_of(c),
				  s->now + sim_task_of(c)->sleep_ns);
	}
	for (unsigned i = 0; i < s->ntask; i++)
		if (s->task[i]->state != T_RUNNABLE &&
		    s->task[i]->wake_at <= s->now)
			sim_wake(s, s->task[i]);
	for (unsigned i = 0; i < s->ncpu; i++)
		if (s->slice_end[i] <= s->now)
			s->resched[i] = true;
	if (s->next_balance <= s->now) {
		for (unsigned i = 0; i < s->ncpu; i++)
			if (sim_pull(s, i) && !s->rq[i].curr)
				s->resched[i] = true;
		s->next_balance += s->balance_ns;
	}
	for (unsigned i = 0; i < s->ncpu; i++)
		if (s->resched[i])
			sim_pick(s, i);
}

/* ---- invariants ---------------------------------------------------------- */

static inline void sim_check_rq(struct sim *s, unsigned cpu)
{
	struct runq *rq = &s->rq[cpu];
	uint64_t load = 0;
	unsigned nr = 0;

	for (unsigned i = 0; i < s->ntask; i++) {
		struct sched_entity *se = &s->task[i]->se;
		bool here = se->cpu == (int)cpu &&
			    (se->on_rq || rq->curr == se);

		if (!here)
			continue;
		assert_int_equal(s->task[i]->state, T_RUNNABLE);
		load += se->weight;
		nr++;
	}
	assert_int_equal(rq->load, load);
	assert_int_equal(rq->nr_running, nr);
	if (rq->curr) {
		assert_false(rq->curr->on_rq);
		assert_int_equal(rq->curr->cpu, cpu);
		assert_true((rq->curr->affinity >> cpu) & 1);
	}
	/* Monotonic modulo 2^64. */
	assert_false(vruntime_before(rq->min_vruntime, s->last_min[cpu]));
	s->last_min[cpu] = rq->min_vruntime;
}

static inline void sim_check(struct sim *s)
{
	for (unsigned i = 0; i < s->ncpu; i++)
		sim_check_rq(s, i);
	for (unsigned i = 0; i < s->ntask; i++) {
		struct sched_group *g = s->task[i]->se.group;
		unsigned n = 0;

		if (!g)
			continue;
		for (unsigned j = 0; j < s->ntask; j++)
			n += s->task[j]->se.group == g &&
			     s->task[j]->state == T_RUNNABLE;
		assert_int_equal(g->nr_runnable, n);
	}
}

static inline void sim_run(struct sim *s, uint64_t until)
{
	for (unsigned i = 0; i < s->ncpu; i++)
		s->last_min[i] = s->rq[i].min_vruntime;
	/* What is due now (tasks added, blocked or woken by the test between
	 * runs) first; events already handled are not repeated. */
	sim_events(s);
	sim_check(s);
	while (s->now < until) {
		sim_advance(s, sim_next_event(s, until));
		sim_events(s);
		sim_check(s);
	}
}

/* Brings the core's accounting up to now and requires it to equal the
 * simulator's own, to the nanosecond. */
static inline void sim_sync(struct sim *s)
{
	for (unsigned i = 0; i < s->ncpu; i++)
		s->rq[i].policy->update_curr(&s->rq[i], s->now);
	for (unsigned i = 0; i < s->ntask; i++) {
		struct sim_task *t = s->task[i];
		uint64_t ongoing = t->se.on_rq ? s->now - t->se.wait_start : 0;

		assert_int_equal(t->se.sum_exec, t->ran);
		assert_int_equal(t->se.sum_wait + ongoing, t->waited);
	}
	sim_check(s);
}

#endif
