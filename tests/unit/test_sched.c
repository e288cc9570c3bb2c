/* SPDX-License-Identifier: MIT */
/*
 * sched/cfs.c, sched/rr.c, sched/balance.c: exact checks of single
 * operations, then whole scenarios on the simulator (sched_sim.h) with
 * tight bounds on what each entity got.
 */
#include "sched_sim.h"

#define LAT SCHED_LATENCY_NS
#define MIN_GRAN SCHED_MIN_GRANULARITY_NS

/* |got - want| <= tol, with the numbers printed when not. */
#define expect_near(got, want, tol) \
	expect_near_(#got, (got), (want), (tol), __FILE__, __LINE__)
static void expect_near_(const char *what, uint64_t got, uint64_t want,
			 uint64_t tol, const char *file, int line)
{
	uint64_t diff = got > want ? got - want : want - got;

	if (diff > tol) {
		print_error("%s = %llu, want %llu +- %llu\n", what,
			    (unsigned long long)got, (unsigned long long)want,
			    (unsigned long long)tol);
		_fail(file, line);
	}
}

static double pct(uint64_t part, uint64_t whole)
{
	return 100.0 * (double)part / (double)whole;
}

/* ---- single operations --------------------------------------------------- */

static struct runq rq, rq1, rq2;
static struct sched_entity ea, eb, ec, ed;
static struct sched_group ga, gb, gc, gd;

static int setup(void **state)
{
	runq_init(&rq, 0, &sched_cfs, NULL);
	runq_init(&rq1, 1, &sched_cfs, NULL);
	runq_init(&rq2, 2, &sched_cfs, NULL);
	sched_group_init(&ga, 1024);
	sched_group_init(&gb, 1024);
	sched_group_init(&gc, 1024);
	sched_group_init(&gd, 1024);
	sched_entity_init(&ea, &ga, 0);
	sched_entity_init(&eb, &gb, 0);
	sched_entity_init(&ec, &gc, 0);
	sched_entity_init(&ed, &gd, 0);
	return 0;
}

static void enq(struct runq *q, struct sched_entity *se, uint64_t now, int f)
{
	q->policy->enqueue(q, se, now, f);
}

static void test_policy_by_name(void **state)
{
	assert_ptr_equal(sched_policy_by_name("cfs"), &sched_cfs);
	assert_ptr_equal(sched_policy_by_name("rr"), &sched_rr);
	assert_null(sched_policy_by_name("fifo"));
	assert_null(sched_policy_by_name(""));
	assert_null(sched_policy_by_name(NULL));
	assert_int_equal(sched_default_params.latency_ns, 6000000);
	assert_int_equal(sched_default_params.min_granularity_ns, 750000);
	assert_int_equal(sched_default_params.wakeup_granularity_ns, 1000000);
}

static void test_mul_div(void **state)
{
	struct rng r = { 77 };

	for (int i = 0; i < 100000; i++) {
		uint64_t a = rng_next(&r) >> rng_below(&r, 64);
		uint64_t b = rng_below(&r, 1u << 21);
		uint64_t c = 1 + rng_below(&r, 1ull << 40);
		unsigned __int128 ref = (unsigned __int128)a * b / c;

		assert_true(ref > UINT64_MAX ?
				    sched_mul_div(a, b, c) == UINT64_MAX :
				    sched_mul_div(a, b, c) == (uint64_t)ref);
	}
	/* A whole day of runtime at weight 1 does not overflow. */
	assert_int_equal(sched_mul_div(86400 * SEC, 1024, 1),
			 86400 * SEC * 1024);
	assert_int_equal(sched_mul_div(UINT64_MAX, 1024, 1), UINT64_MAX);
}

static void test_vruntime_scales_with_weight(void **state)
{
	sched_group_init(&ga, 2048);
	sched_group_init(&gb, 1);
	sched_group_init(&gc, 3);
	enq(&rq, &ea, 0, SCHED_NEW);
	assert_ptr_equal(rq.policy->pick_next(&rq, 0), &ea);
	uint64_t v0 = ea.vruntime;
	rq.policy->update_curr(&rq, 3 * MS);
	assert_int_equal(ea.sum_exec, 3 * MS);
	assert_int_equal(ea.vruntime - v0, 3 * MS / 2);

	enq(&rq1, &eb, 0, SCHED_NEW);
	rq1.policy->pick_next(&rq1, 0);
	v0 = eb.vruntime;
	rq1.policy->update_curr(&rq1, 3 * MS);
	assert_int_equal(eb.vruntime - v0, 3 * MS * 1024);

	enq(&rq2, &ec, 0, SCHED_NEW);
	rq2.policy->pick_next(&rq2, 0);
	v0 = ec.vruntime;
	rq2.policy->update_curr(&rq2, 3 * MS);
	assert_int_equal(ec.vruntime - v0, 3 * MS * 1024 / 3);
	/* Time that did not advance accounts nothing. */
	rq2.policy->update_curr(&rq2, 3 * MS);
	assert_int_equal(ec.sum_exec, 3 * MS);
}

static void test_slices(void **state)
{
	struct sched_entity e[10];

	sched_group_init(&gb, 2048);
	sched_group_init(&gc, 4096);
	enq(&rq, &ea, 0, SCHED_NEW);
	assert_int_equal(rq.policy->slice(&rq, &ea), LAT); /* alone */
	enq(&rq, &eb, 0, SCHED_NEW);
	enq(&rq, &ec, 0, SCHED_NEW);
	assert_int_equal(rq.load, 7168);
	/* period * weight / load, rounded down */
	assert_int_equal(rq.policy->slice(&rq, &ea), 857142);
	assert_int_equal(rq.policy->slice(&rq, &eb), 1714285);
	assert_int_equal(rq.policy->slice(&rq, &ec), 3428571);

	/* Ten equal entities: period stretches to 10 x 0.75 ms. */
	for (int i = 0; i < 10; i++) {
		sched_entity_init(&e[i], NULL, 0);
		enq(&rq1, &e[i], 0, SCHED_NEW);
	}
	assert_int_equal(rq1.nr_running, 10);
	assert_int_equal(rq1.policy->slice(&rq1, &e[0]), MIN_GRAN);
	/* A light entity among heavy ones still gets the minimum. */
	sched_group_init(&gd, 1);
	enq(&rq1, &ed, 0, SCHED_NEW);
	assert_int_equal(rq1.policy->slice(&rq1, &ed), MIN_GRAN);
}

/* A runs from 0; at 10 ms its vruntime (= min_vruntime) is known. */
static uint64_t run_a_alone_until(uint64_t t)
{
	enq(&rq, &ea, 0, SCHED_NEW);
	assert_ptr_equal(rq.policy->pick_next(&rq, 0), &ea);
	assert_int_equal(ea.vruntime, LAT); /* 0 + its slice alone */
	rq.policy->update_curr(&rq, t);
	assert_int_equal(rq.min_vruntime, LAT + t);
	return LAT + t;
}

static void test_new_entity_starts_one_slice_late(void **state)
{
	uint64_t min = run_a_alone_until(10 * MS);

	enq(&rq, &eb, 10 * MS, SCHED_NEW);
	/* 2 equal runnable: slice 3 ms. */
	assert_int_equal(eb.vruntime, min + 3 * MS);
	sched_group_init(&gc, 2048);
	enq(&rq, &ec, 10 * MS, SCHED_NEW);
	/* load 4096: slice 6 ms * 2048 / 4096 = 3 ms = 1.5 ms virtual */
	assert_int_equal(ec.vruntime, min + 3 * MS / 2);
	/* A (curr) is not preempted by a newcomer. */
	assert_false(rq.policy->should_preempt(&rq, &eb));
}

static void test_wakeup_credit_is_bounded(void **state)
{
	uint64_t min = run_a_alone_until(10 * MS);

	/* B ran a little, then slept long: its vruntime is far behind. */
	enq(&rq, &eb, 10 * MS, SCHED_NEW);
	rq.policy->dequeue(&rq, &eb, 10 * MS, SCHED_SLEEP);
	eb.vruntime = 0;
	enq(&rq, &eb, 500 * MS, SCHED_WAKEUP);
	min = rq.min_vruntime;
	assert_int_equal(min, LAT + 500 * MS);
	assert_int_equal(eb.vruntime, min - LAT / 2);
	assert_true(rq.policy->should_preempt(&rq, &eb));

	/* C slept briefly: it keeps its own vruntime, owed less. */
	enq(&rq, &ec, 500 * MS, SCHED_NEW);
	rq.policy->dequeue(&rq, &ec, 500 * MS, SCHED_SLEEP);
	ec.vruntime = min - MS;
	enq(&rq, &ec, 500 * MS, SCHED_WAKEUP);
	assert_int_equal(ec.vruntime, min - MS);
	/* curr - woken == granularity exactly: not enough to preempt. */
	assert_false(rq.policy->should_preempt(&rq, &ec));
	assert_int_equal(rq.min_vruntime, min); /* never goes back */
}

static void test_wakeup_preemption_threshold(void **state)
{
	run_a_alone_until(10 * MS);
	assert_true(rq.policy->should_preempt(&rq1, &eb)); /* idle CPU */
	assert_false(rq.policy->should_preempt(&rq, &ea)); /* itself */
	eb.weight = 1024;
	eb.vruntime = ea.vruntime - MS;
	assert_false(rq.policy->should_preempt(&rq, &eb));
	eb.vruntime = ea.vruntime - MS - 1;
	assert_true(rq.policy->should_preempt(&rq, &eb));
	/* Scaled to the woken one's weight: 1 ms real = 0.5 ms virtual. */
	eb.weight = 2048;
	eb.vruntime = ea.vruntime - MS / 2;
	assert_false(rq.policy->should_preempt(&rq, &eb));
	eb.vruntime = ea.vruntime - MS / 2 - 1;
	assert_true(rq.policy->should_preempt(&rq, &eb));
}

static void test_migration_keeps_relative_vruntime(void **state)
{
	uint64_t min = run_a_alone_until(10 * MS), v;

	enq(&rq, &eb, 10 * MS, SCHED_NEW);
	v = eb.vruntime;
	rq.policy->dequeue(&rq, &eb, 12 * MS, SCHED_MIGRATING);
	min = rq.min_vruntime; /* A ran 2 ms more, it is still the min */
	assert_int_equal(min, LAT + 12 * MS);
	assert_int_equal(eb.vruntime, v - min);
	assert_int_equal(eb.cpu, -1);
	assert_int_equal(gb.nr_runnable, 0);
	assert_int_equal(rq.load, 1024);
	assert_int_equal(rq.nr_running, 1);
	rq1.min_vruntime = 123 * SEC; /* another clock entirely */
	enq(&rq1, &eb, 12 * MS, SCHED_MIGRATED);
	assert_int_equal(eb.vruntime, 123 * SEC + (v - min));
	assert_int_equal(eb.cpu, 1);
	assert_int_equal(gb.nr_runnable, 1);
	assert_int_equal(rq1.load, 1024);
	/* The wait spans the move. */
	assert_ptr_equal(rq1.policy->pick_next(&rq1, 20 * MS), &eb);
	assert_int_equal(eb.sum_wait, 10 * MS);
}

static void test_wait_and_switch_accounting(void **state)
{
	enq(&rq, &ea, 0, SCHED_NEW); /* alone: vruntime 0 + 6 ms */
	enq(&rq, &eb, 0, SCHED_NEW); /* 2 runnable: 0 + 3 ms, so first */
	assert_int_equal(ea.vruntime, 6 * MS);
	assert_int_equal(eb.vruntime, 3 * MS);
	assert_ptr_equal(rq.policy->pick_next(&rq, 0), &eb);
	assert_int_equal(rq.policy->slice(&rq, &eb), 3 * MS);
	/* B reaches 6 ms too; equal keys: B queues behind A. */
	assert_ptr_equal(rq.policy->pick_next(&rq, 3 * MS), &ea);
	assert_int_equal(ea.sum_wait, 3 * MS);
	assert_int_equal(rq.min_vruntime, 6 * MS);
	assert_ptr_equal(rq.policy->pick_next(&rq, 6 * MS), &eb);
	assert_int_equal(eb.sum_wait, 3 * MS);
	/* Nobody else: B keeps running; not a new switch. */
	rq.policy->dequeue(&rq, &ea, 6 * MS, SCHED_SLEEP);
	assert_int_equal(ea.sum_wait, 3 * MS);
	assert_ptr_equal(rq.policy->pick_next(&rq, 9 * MS), &eb);
	assert_int_equal(eb.switches, 2);
	assert_int_equal(ea.switches, 1);
	assert_int_equal(eb.sum_exec, 6 * MS);
	assert_int_equal(ea.sum_exec, 3 * MS);
	/* B blocks as curr: the queue is empty, min_vruntime stays. */
	uint64_t min = rq.min_vruntime;
	rq.policy->dequeue(&rq, &eb, 10 * MS, SCHED_SLEEP);
	assert_null(rq.curr);
	assert_int_equal(rq.load, 0);
	assert_null(rq.policy->pick_next(&rq, 10 * MS));
	assert_int_equal(rq.min_vruntime, min + MS);
}

/* A queue touched from a CPU whose clock is a little behind: no time
 * runs backwards into a huge unsigned wait or runtime. */
static void test_clock_lag_counts_zero(void **state)
{
	enq(&rq, &ea, 10 * MS, SCHED_NEW);
	assert_ptr_equal(rq.policy->pick_next(&rq, 9 * MS), &ea);
	assert_int_equal(ea.sum_wait, 0);
	rq.policy->update_curr(&rq, 8 * MS);
	assert_int_equal(ea.sum_exec, 0);
	enq(&rq, &eb, 12 * MS, SCHED_NEW);
	rq.policy->dequeue(&rq, &eb, 11 * MS, SCHED_SLEEP);
	assert_int_equal(eb.sum_wait, 0);
	assert_int_equal(ea.sum_exec, 3 * MS);
}

static void test_group_weight_follows_runnable_count(void **state)
{
	struct sched_entity v[3];

	sched_group_init(&ga, 3000);
	for (int i = 0; i < 3; i++) {
		sched_entity_init(&v[i], &ga, 0);
		enq(&rq, &v[i], 0, SCHED_NEW);
	}
	/* Each took the split of its moment; the others update lazily. */
	assert_int_equal(v[0].weight, 3000);
	assert_int_equal(v[1].weight, 1500);
	assert_int_equal(v[2].weight, 1000);
	assert_int_equal(rq.load, 5500);
	for (int i = 0; i < 3; i++)
		rq.policy->pick_next(&rq, (uint64_t)i * MS);
	assert_int_equal(rq.load, 3000); /* all touched: 3 x 1000 */
	rq.policy->dequeue(&rq, rq.curr, 3 * MS, SCHED_SLEEP);
	assert_int_equal(ga.nr_runnable, 2);
	rq.policy->pick_next(&rq, 3 * MS);
	assert_int_equal(rq.curr->weight, 1500);
	assert_int_equal(rq.load, 2500);
	rq.policy->pick_next(&rq, 4 * MS);
	assert_int_equal(rq.load, 3000);
	/* Degenerate split: never zero. */
	sched_group_init(&gb, 1);
	sched_entity_init(&v[0], &gb, 0);
	gb.nr_runnable = 5;
	assert_int_equal(sched_group_share(&v[0]), 1);
}

static void test_rr_is_fifo(void **state)
{
	struct sched_entity *order[7];

	runq_init(&rq, 0, &sched_rr, NULL);
	sched_group_init(&gc, 8192); /* weights do not matter to RR */
	enq(&rq, &ea, 0, SCHED_NEW);
	enq(&rq, &eb, 0, SCHED_NEW);
	enq(&rq, &ec, 0, SCHED_NEW);
	assert_int_equal(rq.load, 1024 + 1024 + 8192);
	for (int i = 0; i < 6; i++)
		order[i] = rq.policy->pick_next(&rq, (uint64_t)i * 2 * MS);
	assert_ptr_equal(order[0], &ea);
	assert_ptr_equal(order[1], &eb);
	assert_ptr_equal(order[2], &ec);
	assert_ptr_equal(order[3], &ea);
	assert_int_equal(rq.policy->slice(&rq, &ea), 2 * MS);
	/* A woken entity joins the tail and does not preempt. */
	enq(&rq, &ed, 12 * MS, SCHED_WAKEUP);
	assert_false(rq.policy->should_preempt(&rq, &ed));
	assert_true(rq.policy->should_preempt(&rq1, &ed));
	rq.policy->dequeue(&rq, &ea, 12 * MS, SCHED_SLEEP); /* queued */
	order[6] = rq.policy->pick_next(&rq, 12 * MS);
	assert_ptr_equal(order[6], &eb);
	assert_ptr_equal(rq.policy->pick_next(&rq, 13 * MS), &ed);
	assert_int_equal(ea.sum_exec, 4 * MS);
	assert_int_equal(ea.sum_wait, 4 * MS + 4 * MS); /* 2..6, 8..12 */
	assert_int_equal(ec.sum_exec, 4 * MS);
}

/* A yield hands the CPU to the leftmost waiting entity, and costs the
 * yielder no more than the gap to it; alone, it keeps running. */
static void test_cfs_yield(void **state)
{
	struct sched_entity *next;

	enq(&rq, &ea, 0, SCHED_NEW);
	assert_ptr_equal(rq.policy->pick_next(&rq, 0), &ea);
	rq.policy->yield(&rq, 1 * MS);
	assert_ptr_equal(rq.policy->pick_next(&rq, 1 * MS), &ea); /* alone */
	enq(&rq, &eb, 1 * MS, SCHED_NEW);
	/* ea has run less than eb's start: without yield ea would go on */
	assert_true(vruntime_before(ea.vruntime, eb.vruntime));
	rq.policy->yield(&rq, 1 * MS);
	assert_int_equal(ea.vruntime, eb.vruntime + 1);
	next = rq.policy->pick_next(&rq, 1 * MS);
	assert_ptr_equal(next, &eb);
	assert_int_equal(eb.switches, 1);
	/* eb yields back: ea (just behind it) runs again */
	rq.policy->yield(&rq, 1 * MS);
	assert_ptr_equal(rq.policy->pick_next(&rq, 1 * MS), &ea);
}

static void test_rr_yield(void **state)
{
	runq_init(&rq, 0, &sched_rr, NULL);
	enq(&rq, &ea, 0, SCHED_NEW);
	enq(&rq, &eb, 0, SCHED_NEW);
	assert_ptr_equal(rq.policy->pick_next(&rq, 0), &ea);
	rq.policy->yield(&rq, 1 * MS);
	assert_ptr_equal(rq.policy->pick_next(&rq, 1 * MS), &eb);
	rq.policy->yield(&rq, 2 * MS);
	assert_ptr_equal(rq.policy->pick_next(&rq, 2 * MS), &ea);
	assert_int_equal(ea.sum_exec, 1 * MS);
	assert_int_equal(eb.sum_exec, 1 * MS);
}

/* ---- the balancing decision ---------------------------------------------- */

static void test_balance_rules(void **state)
{
	struct runq *rqs[3] = { &rq, &rq1, &rq2 };
	struct sched_entity *se;
	int from, dst;

	/* One entity alone: moving it would only mirror the imbalance. */
	enq(&rq, &ea, 0, SCHED_NEW);
	assert_false(sched_balance_pick(rqs, 2, 1, &se, &from, &dst));
	/* curr is never taken; the queued one is. */
	rq.policy->pick_next(&rq, 0);
	enq(&rq, &eb, 0, SCHED_NEW);
	assert_true(sched_balance_pick(rqs, 2, 1, &se, &from, &dst));
	assert_ptr_equal(se, &eb);
	assert_int_equal(from, 0);
	assert_int_equal(dst, 1);
	assert_false(sched_balance_pick(rqs, 2, 0, &se, &from, &dst));
	assert_false(sched_balance_pick(rqs, 2, 2, &se, &from, &dst));
	/* Affinity: pinned to CPU 0, it stays. */
	eb.affinity = 1;
	assert_false(sched_balance_pick(rqs, 3, 1, &se, &from, &dst));
	assert_false(sched_balance_pick(rqs, 3, -1, &se, &from, &dst));
	/* to < 0: the least loaded queue it may run on. */
	eb.affinity = 0x6;
	enq(&rq1, &ec, 0, SCHED_NEW);
	assert_true(sched_balance_pick(rqs, 3, -1, &se, &from, &dst));
	assert_ptr_equal(se, &eb);
	assert_int_equal(dst, 2);
	eb.affinity = 0x3;
	assert_false(sched_balance_pick(rqs, 3, -1, &se, &from, &dst));
}

static void test_balance_prefers_the_best_move(void **state)
{
	struct runq *rqs[2] = { &rq, &rq1 };
	struct sched_entity *se;
	int from, dst;

	/* 4096 + 1024 + 1024 vs 0: half the gap is 3072; 4096 is closest
	 * (it lowers the squared imbalance by 2 x 4096 x 2048 against
	 * 2 x 1024 x 5120 for a 1024). */
	sched_group_init(&ga, 1024);
	sched_group_init(&gb, 4096);
	sched_group_init(&gc, 1024);
	enq(&rq, &ea, 0, SCHED_NEW);
	enq(&rq, &eb, 0, SCHED_NEW);
	enq(&rq, &ec, 0, SCHED_NEW);
	assert_true(sched_balance_pick(rqs, 2, -1, &se, &from, &dst));
	assert_ptr_equal(se, &eb);
	assert_int_equal(from, 0);
	assert_int_equal(dst, 1);
	/* Out of range destination: nothing. */
	assert_false(sched_balance_pick(rqs, 2, 2, &se, &from, &dst));
}

/* ---- simulations --------------------------------------------------------- */

static struct sim s;
static struct sim_task t[SIM_TASKS];
static struct sched_group g[SIM_TASKS];

/* CPU-bound tasks of the given weights (one group each), all on CPU 0. */
static void run_weights(const struct sched_policy *p, const uint32_t *w,
			unsigned n, uint64_t min_start, uint64_t len)
{
	sim_init(&s, 1, p, NULL);
	s.rq[0].min_vruntime = min_start;
	for (unsigned i = 0; i < n; i++) {
		sched_group_init(&g[i], w[i]);
		sim_add(&s, &t[i], &g[i], 0, 0, 0, 0, 0);
	}
	sim_run(&s, len);
	sim_sync(&s);
	assert_int_equal(s.idle[0], 0);
}

static void expect_weighted_shares(const uint32_t *w, unsigned n,
				   uint64_t len)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += w[i];
	for (unsigned i = 0; i < n; i++) {
		uint64_t want = len * w[i] / total;

		print_message("  weight %u: %.3f%% (fair %.3f%%), "
			      "off by %lld us\n",
			      w[i], pct(t[i].ran, len), pct(want, len),
			      ((long long)t[i].ran - (long long)want) / 1000);
		/* Within one latency period (0.06 % of 10 s), and 1 %. */
		expect_near(t[i].ran, want, LAT);
		expect_near(t[i].ran, want, want / 100);
	}
}

static void test_sim_weights_1_2_4(void **state)
{
	static const uint32_t w[] = { 1024, 2048, 4096 };

	run_weights(&sched_cfs, w, 3, 0, 10 * SEC);
	expect_weighted_shares(w, 3, 10 * SEC);
}

/* Same, with vruntimes wrapping past 2^64 one second in. */
static void test_sim_weights_across_vruntime_wrap(void **state)
{
	static const uint32_t w[] = { 1024, 2048, 4096 };

	run_weights(&sched_cfs, w, 3, -(1 * SEC), 10 * SEC);
	assert_true(s.rq[0].min_vruntime < 10 * SEC); /* it did wrap */
	expect_weighted_shares(w, 3, 10 * SEC);
}

static void test_sim_rr_equal_shares(void **state)
{
	static const uint32_t w[] = { 1024, 2048, 4096 };

	run_weights(&sched_rr, w, 3, 0, 10 * SEC);
	for (unsigned i = 0; i < 3; i++) {
		print_message("  rr weight %u: %.3f%%\n", w[i],
			      pct(t[i].ran, 10 * SEC));
		/* One 2 ms quantum at most. */
		expect_near(t[i].ran, 10 * SEC / 3, 2 * MS);
		assert_true(t[i].max_stint <= 2 * MS);
	}
}

/* Runs 1 ms, sleeps 5 ms, against two CPU-bound tasks: wants 1/6 of the
 * CPU, less than its 1/3 share, so it must get all of it, promptly. */
static void test_sim_sleeper_not_starved(void **state)
{
	sim_init(&s, 1, &sched_cfs, NULL);
	sim_add(&s, &t[0], NULL, 0, 0, 0, 0, 0);
	sim_add(&s, &t[1], NULL, 0, 0, 0, 0, 0);
	sim_add(&s, &t[2], NULL, 0, 0, 0, 1 * MS, 5 * MS);
	sim_run(&s, 10 * SEC);
	sim_sync(&s);
	print_message("  sleeper: %.3f%%, %llu switches, max wakeup "
		      "latency %llu us; hogs %.3f%% %.3f%%\n",
		      pct(t[2].ran, 10 * SEC),
		      (unsigned long long)t[2].se.switches,
		      (unsigned long long)t[2].max_wake_lat / 1000,
		      pct(t[0].ran, 10 * SEC), pct(t[1].ran, 10 * SEC));
	/* Woken 3 ms behind the others: it preempts at once, every time. */
	assert_int_equal(t[2].max_wake_lat, 0);
	/* So each cycle is exactly 1 + 5 ms: 10 s / 6 ms cycles. */
	expect_near(t[2].ran, 10 * SEC / 6, MS);
	expect_near(t[0].ran, t[1].ran, LAT);
	assert_true(t[0].max_wait <= LAT);
}

struct credit_probe {
	struct sim_task *sleeper;
	unsigned wakes;
	uint64_t wake, ran_since, max_excess;
};

/* Every wakeup after a long sleep lands exactly latency / 2 behind. */
static void probe_enqueue(struct sim *sm, struct sim_task *tk, int flags)
{
	struct credit_probe *p = sm->ctx;

	if (tk != p->sleeper || flags != SCHED_WAKEUP)
		return;
	assert_int_equal(tk->se.vruntime,
			 sm->rq[tk->se.cpu].min_vruntime - LAT / 2);
	p->wakes++;
	p->wake = sm->now;
	p->ran_since = 0;
}

/* The most it got beyond its fair third since it woke, over any window
 * [wake, t] (maxima are where it stops running, all seen here). */
static void probe_run(struct sim *sm, struct sim_task *tk, unsigned cpu,
		      uint64_t from, uint64_t to)
{
	struct credit_probe *p = sm->ctx;
	uint64_t fair;

	if (tk != p->sleeper || !p->wakes)
		return;
	p->ran_since += to - from;
	fair = (to - p->wake) / 3;
	if (p->ran_since > fair && p->ran_since - fair > p->max_excess)
		p->max_excess = p->ran_since - fair;
}

static void sleeper_credit(uint64_t sleep_ns)
{
	struct credit_probe p = { .sleeper = &t[2] };

	sim_init(&s, 1, &sched_cfs, NULL);
	s.on_enqueue = probe_enqueue;
	s.on_run = probe_run;
	s.ctx = &p;
	sim_add(&s, &t[0], NULL, 0, 0, 0, 0, 0);
	sim_add(&s, &t[1], NULL, 0, 0, 0, 0, 0);
	sim_add(&s, &t[2], NULL, 0, 0, 0, 30 * MS, sleep_ns);
	sim_run(&s, 10 * SEC);
	sim_sync(&s);
	print_message("  sleeps of %llu ms: %u wakeups, latency %llu us, "
		      "most beyond fair share %llu us\n",
		      (unsigned long long)(sleep_ns / MS), p.wakes,
		      (unsigned long long)t[2].max_wake_lat / 1000,
		      (unsigned long long)p.max_excess / 1000);
	assert_true(p.wakes >= 9);
	assert_int_equal(t[2].max_wake_lat, 0);
	/* Credit is used (it runs at once) but never beyond latency / 2. */
	assert_true(p.max_excess > LAT / 4);
	assert_true(p.max_excess <= LAT / 2);
}

static void test_sim_sleeper_credit_bounded(void **state)
{
	sleeper_credit(100 * MS);
	sleeper_credit(1 * SEC);
}

/* Shares that are weight-fair on ncpu CPUs when nobody can use more than
 * one CPU (water-filling), in ns over len. */
static void fair_shares(const uint32_t *w, unsigned n, unsigned ncpu,
			uint64_t len, uint64_t *out)
{
	bool capped[SIM_TASKS] = { 0 };
	bool again = true;

	while (again) {
		uint64_t total = 0, cpus = ncpu;

		again = false;
		for (unsigned i = 0; i < n; i++)
			capped[i] ? cpus-- : (total += w[i]);
		for (unsigned i = 0; i < n; i++) {
			out[i] = capped[i] ? len : len * cpus * w[i] / total;
			if (!capped[i] && out[i] > len)
				capped[i] = again = true;
		}
	}
}

/* No single queued entity could still move and lower the imbalance. */
static void expect_settled(void)
{
	struct sched_entity *se;
	int from, dst;

	for (unsigned i = 0; i < s.ncpu; i++)
		assert_false(sched_balance_pick(s.rqs, s.ncpu, (int)i, &se,
						&from, &dst));
}

static void balance_run(const uint32_t *w, unsigned n, uint64_t tol_ns)
{
	uint64_t want[SIM_TASKS];

	sim_init(&s, 2, &sched_cfs, NULL);
	for (unsigned i = 0; i < n; i++) {
		sched_group_init(&g[i], w[i]);
		sim_add(&s, &t[i], &g[i], 0, 0, 0, 0, 0);
	}
	sim_run(&s, 10 * SEC);
	sim_sync(&s);
	expect_settled();
	fair_shares(w, n, 2, 10 * SEC, want);
	print_message("  loads %llu / %llu, %u migrations, idle %llu us\n",
		      (unsigned long long)s.rq[0].load,
		      (unsigned long long)s.rq[1].load, s.migrations,
		      (unsigned long long)(s.idle[0] + s.idle[1]) / 1000);
	for (unsigned i = 0; i < n; i++) {
		print_message("  weight %5u on cpu %d: %.3f%% of a CPU "
			      "(fair %.3f%%)\n", w[i], t[i].se.cpu,
			      pct(t[i].ran, 10 * SEC), pct(want[i], 10 * SEC));
		expect_near(t[i].ran, want[i], tol_ns);
	}
	/* Work-conserving: a CPU idled only while the first moves ran. */
	assert_true(s.idle[0] + s.idle[1] <= 4 * MS);
}

static void test_sim_balance_mixed_weights(void **state)
{
	static const uint32_t w[] = { 4096, 2048, 2048, 1024, 1024,
				      1024, 1024, 512,  512 };

	balance_run(w, ARRAY_SIZE(w), 10 * MS);
	assert_int_equal(s.rq[0].load, s.rq[1].load);
}

/* 10240 is more than half the total: it gets one CPU, no more, and the
 * eight others share the other one. */
static void test_sim_balance_heavy_entity(void **state)
{
	static const uint32_t w[] = { 10240, 1024, 1024, 1024, 1024,
				      1024,  1024, 1024, 1024 };

	balance_run(w, ARRAY_SIZE(w), 10 * MS);
}

static void test_sim_affinity(void **state)
{
	struct sched_entity *se;
	int from, dst;

	sim_init(&s, 2, &sched_cfs, NULL);
	sim_add(&s, &t[0], NULL, 0x2, 1, 0, 0, 0);
	sim_add(&s, &t[1], NULL, 0x2, 1, 0, 0, 0);
	sim_add(&s, &t[2], NULL, 0x2, 1, 0, 2 * MS, 3 * MS);
	sim_run(&s, 1 * SEC);
	/* CPU 0 stays idle: nothing may go there. */
	assert_int_equal(s.idle[0], 1 * SEC);
	assert_false(sched_balance_pick(s.rqs, 2, 0, &se, &from, &dst));
	assert_false(sched_balance_pick(s.rqs, 2, -1, &se, &from, &dst));
	/* A free task arrives on CPU 1: it is the one that moves. */
	sim_add(&s, &t[3], NULL, 0, 1, 1 * SEC, 0, 0);
	sim_run(&s, 5 * SEC);
	sim_sync(&s);
	print_message("  free task on cpu 0 for %.3f%% of 4 s; cpu 0 idle "
		      "%llu us in all; %u migrations\n",
		      pct(t[3].ran_on[0], 4 * SEC),
		      (unsigned long long)s.idle[0] / 1000, s.migrations);
	for (int i = 0; i < 3; i++)
		assert_int_equal(t[i].ran_on[0], 0);
	assert_int_equal(t[3].se.cpu, 0);
	assert_int_equal(s.migrations, 1);
	assert_true(s.idle[0] <= 1 * SEC + 4 * MS);
	expect_near(t[0].ran, t[1].ran, LAT);
}

/* VM A (1024, two vCPUs) and VM B (1024, one vCPU) on one CPU. */
static void test_sim_group_split(void **state)
{
	sim_init(&s, 1, &sched_cfs, NULL);
	sched_group_init(&g[0], 1024);
	sched_group_init(&g[1], 1024);
	sim_add(&s, &t[0], &g[0], 0, 0, 0, 0, 0);
	sim_add(&s, &t[1], &g[0], 0, 0, 0, 0, 0);
	sim_add(&s, &t[2], &g[1], 0, 0, 0, 0, 0);
	sim_run(&s, 10 * SEC);
	sim_sync(&s);
	print_message("  A0 %.3f%%, A1 %.3f%%, B %.3f%%\n",
		      pct(t[0].ran, 10 * SEC), pct(t[1].ran, 10 * SEC),
		      pct(t[2].ran, 10 * SEC));
	expect_near(t[0].ran, 10 * SEC / 4, LAT);
	expect_near(t[1].ran, 10 * SEC / 4, LAT);
	expect_near(t[2].ran, 10 * SEC / 2, LAT);
	assert_int_equal(s.rq[0].load, 2048);
	/* A1 halts: A0 alone carries VM A's whole weight. */
	sim_block(&s, &t[1], NEVER);
	uint64_t a0 = t[0].ran, b = t[2].ran;
	sim_run(&s, 20 * SEC);
	sim_sync(&s);
	assert_int_equal(t[0].se.weight, 1024);
	expect_near(t[0].ran - a0, 5 * SEC, LAT);
	expect_near(t[2].ran - b, 5 * SEC, LAT);
}

/* Two CPUs: VM A with four vCPUs, VM B with one, equal weights. Each VM
 * gets one CPU's worth; A's vCPU count buys it nothing. */
static void test_sim_group_split_two_cpus(void **state)
{
	uint64_t a = 0;

	sim_init(&s, 2, &sched_cfs, NULL);
	sched_group_init(&g[0], 1024);
	sched_group_init(&g[1], 1024);
	for (int i = 0; i < 4; i++)
		sim_add(&s, &t[i], &g[0], 0, 0, 0, 0, 0);
	sim_add(&s, &t[4], &g[1], 0, 0, 0, 0, 0);
	sim_run(&s, 10 * SEC);
	sim_sync(&s);
	for (int i = 0; i < 4; i++)
		a += t[i].ran;
	print_message("  VM A %.3f%%, VM B %.3f%% of 2 CPUs; "
		      "loads %llu / %llu\n",
		      pct(a, 20 * SEC), pct(t[4].ran, 20 * SEC),
		      (unsigned long long)s.rq[0].load,
		      (unsigned long long)s.rq[1].load);
	expect_near(a, 10 * SEC, 10 * MS);
	expect_near(t[4].ran, 10 * SEC, 10 * MS);
	expect_settled();
}

struct newcomer_probe {
	struct sim_task *newcomer;
	uint64_t slice;
};

static void probe_new(struct sim *sm, struct sim_task *tk, int flags)
{
	struct newcomer_probe *p = sm->ctx;
	struct runq *q = &sm->rq[tk->se.cpu];

	if (tk != p->newcomer)
		return;
	assert_int_equal(flags, SCHED_NEW);
	p->slice = q->policy->slice(q, &tk->se);
	assert_int_equal(tk->se.vruntime, q->min_vruntime + p->slice);
}

/* A CPU-bound task joining after 10 s gets its third from then on, not
 * 10 s of history. */
static void test_sim_new_entity_no_monopoly(void **state)
{
	struct newcomer_probe p = { .newcomer = &t[2] };
	uint64_t a, b;

	sim_init(&s, 1, &sched_cfs, NULL);
	s.on_enqueue = probe_new;
	s.ctx = &p;
	sim_add(&s, &t[0], NULL, 0, 0, 0, 0, 0);
	sim_add(&s, &t[1], NULL, 0, 0, 0, 0, 0);
	sim_run(&s, 10 * SEC);
	a = t[0].ran, b = t[1].ran;
	sim_add(&s, &t[2], NULL, 0, 0, 10 * SEC, 0, 0);
	sim_run(&s, 10 * SEC + 100 * MS);
	assert_int_equal(p.slice, 2 * MS);
	print_message("  newcomer: %llu us of the first 100 ms, longest run "
		      "%llu us\n", (unsigned long long)t[2].ran / 1000,
		      (unsigned long long)t[2].max_stint / 1000);
	/* A third of 100 ms, give or take a slice; never more than one
	 * slice at a time. */
	expect_near(t[2].ran, 100 * MS / 3, 2 * MS);
	assert_true(t[2].max_stint <= 2 * MS);
	sim_run(&s, 13 * SEC);
	sim_sync(&s);
	print_message("  over 3 s: %.3f%% %.3f%% %.3f%%\n",
		      pct(t[0].ran - a, 3 * SEC), pct(t[1].ran - b, 3 * SEC),
		      pct(t[2].ran, 3 * SEC));
	expect_near(t[2].ran, SEC, LAT);
	expect_near(t[0].ran - a, SEC, LAT);
	expect_near(t[1].ran - b, SEC, LAT);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_policy_by_name),
		T(test_mul_div),
		T(test_vruntime_scales_with_weight),
		T(test_slices),
		T(test_new_entity_starts_one_slice_late),
		T(test_wakeup_credit_is_bounded),
		T(test_wakeup_preemption_threshold),
		T(test_migration_keeps_relative_vruntime),
		T(test_wait_and_switch_accounting),
		T(test_clock_lag_counts_zero),
		T(test_group_weight_follows_runnable_count),
		T(test_rr_is_fifo),
		T(test_cfs_yield),
		T(test_rr_yield),
		T(test_balance_rules),
		T(test_balance_prefers_the_best_move),
		T(test_sim_weights_1_2_4),
		T(test_sim_weights_across_vruntime_wrap),
		T(test_sim_rr_equal_shares),
		T(test_sim_sleeper_not_starved),
		T(test_sim_sleeper_credit_bounded),
		T(test_sim_balance_mixed_weights),
		T(test_sim_balance_heavy_entity),
		T(test_sim_affinity),
		T(test_sim_group_split),
		T(test_sim_group_split_two_cpus),
		T(test_sim_new_entity_no_monopoly),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
