/* SPDX-License-Identifier: MIT */
/* Shared helpers of the host unit tests (cmocka, ASan+UBSan). */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- deterministic pseudo-random numbers (xorshift64*) ----------------- */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* ---- capture of report callbacks -------------------------------------- */
#define REPORT_MAX 32
#define REPORT_LEN 300

struct reports {
	int n; /* every report, even those beyond REPORT_MAX */
	char msg[REPORT_MAX][REPORT_LEN];
};

static inline void report_capture(void *ctx, const char *msg)
{
	struct reports *r = ctx;

	assert_non_null(msg);
	if (r->n < REPORT_MAX)
		snprintf(r->msg[r->n], REPORT_LEN, "%s", msg);
	r->n++;
}

/* True when a captured report equals msg exactly. */
static inline int reports_has(const struct reports *r, const char *msg)
{
	for (int i = 0; i < r->n && i < REPORT_MAX; i++)
		if (!strcmp(r->msg[i], msg))
			return 1;
	return 0;
}

/* Fails the test with every captured report printed when msg is missing. */
#define assert_reported(r, text)                                             \
	do {                                                                 \
		if (!reports_has((r), (text))) {                             \
			for (int i_ = 0; i_ < (r)->n && i_ < REPORT_MAX; i_++) \
				print_error("  report %d: %s\n", i_,         \
					    (r)->msg[i_]);                   \
			fail_msg("missing report: %s", (text));              \
		}                                                            \
	} while (0)

#endif
