/* SPDX-License-Identifier: MIT */
/* drivers/vacpi_pm.c: ACPI PM1a event/control blocks and the PM timer
 * (ACPI 6.4, 4.8.3), with a fake guest TSC. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vacpi_pm.h"

#define EVT 0x600
#define CNT 0x604
#define TMR 0x608
#define KHZ 2000000ull /* a 2 GHz guest TSC */

struct env {
	uint64_t tsc;
	unsigned typ[16];
	unsigned n_sleep;
	struct vacpi_pm *pm; /* to look at the registers from sleep() */
	uint16_t sts_in_sleep;
};

static struct env env;
static struct vacpi_pm pm;

static uint64_t cb_now(void *ctx)
{
	assert_ptr_equal(ctx, &env);
	return env.tsc;
}

static void cb_sleep(void *ctx, unsigned typ)
{
	assert_ptr_equal(ctx, &env);
	assert_true(env.n_sleep < ARRAY_SIZE(env.typ));
	env.typ[env.n_sleep++] = typ;
	env.sts_in_sleep = env.pm->sts;
}

static const struct vacpi_pm_ops ops = { .now = cb_now, .sleep = cb_sleep };

static int setup(void **state)
{
	memset(&env, 0, sizeof(env));
	memset(&pm, 0xa5, sizeof(pm));
	env.pm = &pm;
	vacpi_pm_init(&pm, EVT, CNT, TMR, KHZ, &ops, &env);
	return 0;
}

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0x12345678;

	assert_true(vacpi_pm_read(&pm, port, size, &v));
	return v;
}

static void out(uint16_t port, unsigned size, uint32_t val)
{
	assert_true(vacpi_pm_write(&pm, port, size, val));
}

/* The exact count, computed with 128-bit arithmetic. */
static uint32_t want_tmr(uint64_t tsc, uint64_t khz)
{
	return (uint32_t)((unsigned __int128)tsc * VACPI_PM_TIMER_HZ /
			  (khz * 1000) & 0xffffff);
}

/* ---- ports --------------------------------------------------------------- */

static void test_ports(void **state)
{
	static const uint16_t ours[] = { 0x600, 0x601, 0x602, 0x603, 0x604,
					 0x605, 0x608, 0x609, 0x60a, 0x60b };
	static const uint16_t not_ours[] = { 0x5ff, 0x606, 0x607, 0x60c, 0x0,
					     0xffff };
	uint32_t v;

	for (unsigned i = 0; i < ARRAY_SIZE(ours); i++) {
		assert_true(vacpi_pm_read(&pm, ours[i], 1, &v));
		assert_true(vacpi_pm_write(&pm, ours[i], 1, 0));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(not_ours); i++) {
		v = 0;
		assert_false(vacpi_pm_read(&pm, not_ours[i], 2, &v));
		assert_int_equal(v, 0xffff);
		assert_false(vacpi_pm_write(&pm, not_ours[i], 2, 0x2000));
	}
	assert_int_equal(env.n_sleep, 0);
}

static void test_power_on_values(void **state)
{
	assert_int_equal(in(EVT, 2), 0);     /* PM1_STS */
	assert_int_equal(in(EVT + 2, 2), 0); /* PM1_EN */
	assert_int_equal(in(CNT, 2), PM1_SCI_EN);
	assert_int_equal(in(TMR, 4), 0);
	/* a dword read of the control block reaches past it: 0xff bytes */
	assert_int_equal(in(CNT, 4), 0xffff0001);
	assert_int_equal(in(CNT + 1, 2), 0xff00);
}

/* ---- PM1_CNT ------------------------------------------------------------- */

static void test_sci_en_reads_one(void **state)
{
	out(CNT, 2, 0);
	assert_int_equal(in(CNT, 2) & PM1_SCI_EN, PM1_SCI_EN);
	out(CNT, 1, 0xfe);
	assert_int_equal(in(CNT, 1), 0x03); /* SCI_EN, BM_RLD; GBL_RLS reads 0 */
	out(CNT, 2, 0xffff & ~PM1_SLP_EN);
	assert_int_equal(in(CNT, 2), 0x1c03); /* SLP_TYP 7, BM_RLD, SCI_EN */
	assert_int_equal(env.n_sleep, 0);
}

static void test_slp_en_calls_sleep(void **state)
{
	for (unsigned typ = 0; typ < 8; typ++) {
		out(CNT, 2, typ << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
		assert_int_equal(env.n_sleep, typ + 1);
		assert_int_equal(env.typ[typ], typ);
		/* SLP_EN is write-only; SLP_TYP stays */
		assert_int_equal(in(CNT, 2), typ << 10 | PM1_SCI_EN);
	}
}

static void test_slp_typ_then_slp_en(void **state)
{
	/* the ACPICA sequence: SLP_TYP first, then SLP_EN with it */
	out(CNT, 2, 5u << 10);
	assert_int_equal(env.n_sleep, 0);
	out(CNT, 2, 5u << 10 | PM1_SLP_EN);
	assert_int_equal(env.n_sleep, 1);
	assert_int_equal(env.typ[0], 5);
	/* a byte write of the high half: SLP_TYP 3 | SLP_EN */
	out(CNT + 1, 1, (3u << 10 | PM1_SLP_EN) >> 8);
	assert_int_equal(env.n_sleep, 2);
	assert_int_equal(env.typ[1], 3);
	/* a low byte write never sleeps */
	out(CNT, 1, 0xff);
	assert_int_equal(env.n_sleep, 2);
}

static void test_wak_sts_after_sleep(void **state)
{
	out(CNT, 2, 1u << 10 | PM1_SLP_EN);
	assert_int_equal(env.sts_in_sleep & PM1_WAK_STS, 0); /* set after */
	assert_int_equal(in(EVT, 2), PM1_WAK_STS);
	/* write-1-to-clear: zeros and other bits leave it */
	out(EVT, 2, 0);
	out(EVT, 2, 0x7fff);
	assert_int_equal(in(EVT, 2), PM1_WAK_STS);
	out(EVT, 1, 0xff); /* the low byte: not WAK_STS */
	assert_int_equal(in(EVT, 2), PM1_WAK_STS);
	out(EVT + 1, 1, 0x80);
	assert_int_equal(in(EVT, 2), 0);
	/* a dword write clears status and sets enables in one go */
	out(CNT, 2, PM1_SLP_EN);
	out(EVT, 4, 0x01218000);
	assert_int_equal(in(EVT, 4), 0x01210000);
}

/* ---- PM1_EN -------------------------------------------------------------- */

static void test_pm1_en(void **state)
{
	out(EVT + 2, 2, 0xffff);
	assert_int_equal(in(EVT + 2, 2), PM1_EN_MASK);
	assert_int_equal(in(EVT, 4), (uint32_t)PM1_EN_MASK << 16);
	out(EVT + 3, 1, 0x00);
	assert_int_equal(in(EVT + 2, 2), PM1_EN_MASK & 0xff);
	out(EVT + 2, 1, 0x00);
	out(EVT + 3, 1, 0x01); /* PWRBTN_EN */
	assert_int_equal(in(EVT + 2, 2), 0x0100);
	/* no SCI model: status stays 0 whatever is enabled */
	assert_int_equal(in(EVT, 2), 0);
}

/* ---- PM_TMR -------------------------------------------------------------- */

static void test_timer_known_values(void **state)
{
	env.tsc = 2000000000ull; /* one second */
	assert_int_equal(in(TMR, 4), 3579545);
	assert_int_equal(in(TMR, 4), 0x369e99);
	assert_int_equal(in(TMR, 1), 0x99);
	assert_int_equal(in(TMR + 1, 1), 0x9e);
	assert_int_equal(in(TMR + 2, 2), 0x0036);
	assert_int_equal(in(TMR + 3, 2), 0xff00); /* then past the block */
	assert_int_equal(in(TMR + 3, 1), 0x00);	  /* bits 31:24: 24-bit timer */
	env.tsc = 559; /* 559 * 3579545 / 2e9 = 1.0005: one tick */
	assert_int_equal(in(TMR, 4), 1);
	env.tsc = 558;
	assert_int_equal(in(TMR, 4), 0);
	/* writes are ignored */
	out(TMR, 4, 0x123456);
	assert_int_equal(in(TMR, 4), 0);
}

static void test_timer_wrap(void **state)
{
	env.tsc = 9373937749ull; /* the last TSC before 2^24 ticks */
	assert_int_equal(in(TMR, 4), 0xffffff);
	env.tsc = 9373937750ull;
	assert_int_equal(in(TMR, 4), 0);
	env.tsc = 2 * 9373937750ull;
	assert_int_equal(in(TMR, 4), 0);
	env.tsc = 1ull << 50;
	assert_int_equal(in(TMR, 4), 10054475);
}

static void test_timer_exact(void **state)
{
	static const uint64_t khz[] = { 1000, 2893437, 3600000, 1999999,
					4700001 };
	struct rng r = { 0x1234567 };

	for (unsigned k = 0; k < ARRAY_SIZE(khz); k++) {
		vacpi_pm_init(&pm, EVT, CNT, TMR, khz[k], &ops, &env);
		for (unsigned i = 0; i < 2000; i++) {
			env.tsc = rng_next(&r) >> (i % 24);
			assert_int_equal(in(TMR, 4), want_tmr(env.tsc, khz[k]));
			assert_int_equal(vacpi_pm_timer(&pm, env.tsc),
					 want_tmr(env.tsc, khz[k]));
		}
	}
}

static void test_timer_monotonic_steps(void **state)
{
	uint32_t prev = 0;

	/* every TSC step of 1000 ticks (0.5 us) moves the timer 1 or 2 */
	for (env.tsc = 0; env.tsc < 20000000; env.tsc += 1000) {
		uint32_t v = in(TMR, 4);
		uint32_t d = (v - prev) & 0xffffff;

		assert_true(d == 1 || d == 2 || env.tsc == 0);
		prev = v;
	}
}

static void test_tmr_sts(void **state)
{
	const uint64_t t23 = 4686968875ull; /* bit 23 first set */

	env.tsc = t23 - 1;
	assert_int_equal(in(EVT, 2) & PM1_TMR_STS, 0);
	env.tsc = t23;
	assert_int_equal(in(EVT, 2), PM1_TMR_STS);
	out(EVT, 2, 0xfffe); /* other bits: stays */
	assert_int_equal(in(EVT, 2), PM1_TMR_STS);
	out(EVT, 2, PM1_TMR_STS);
	assert_int_equal(in(EVT, 2), 0);
	env.tsc = 2 * t23 - 1;
	assert_int_equal(in(EVT, 2), 0);
	env.tsc = 2 * t23; /* bit 23 falls: set again */
	assert_int_equal(in(EVT, 2), PM1_TMR_STS);
}

/* ---- reset, no callbacks ------------------------------------------------- */

static void test_reset(void **state)
{
	out(EVT + 2, 2, 0x0121);
	out(CNT, 2, 5u << 10 | PM1_SLP_EN);
	env.tsc = 3 * 4686968875ull;
	assert_int_equal(in(EVT, 2), PM1_WAK_STS | PM1_TMR_STS);
	vacpi_pm_reset(&pm);
	assert_int_equal(in(EVT, 4), 0);
	assert_int_equal(in(CNT, 2), PM1_SCI_EN);
	assert_int_equal(in(TMR, 4), want_tmr(env.tsc, KHZ)); /* runs on */
}

static void test_no_callbacks(void **state)
{
	vacpi_pm_init(&pm, EVT, CNT, TMR, KHZ, NULL, NULL);
	assert_int_equal(in(TMR, 4), 0);
	out(CNT, 2, 5u << 10 | PM1_SLP_EN);
	assert_int_equal(in(EVT, 2), PM1_WAK_STS);
	vacpi_pm_init(&pm, EVT, CNT, TMR, 0, &ops, &env); /* no rate: 0 */
	env.tsc = 1ull << 40;
	assert_int_equal(in(TMR, 4), 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ports),
		T(test_power_on_values),
		T(test_sci_en_reads_one),
		T(test_slp_en_calls_sleep),
		T(test_slp_typ_then_slp_en),
		T(test_wak_sts_after_sleep),
		T(test_pm1_en),
		T(test_timer_known_values),
		T(test_timer_wrap),
		T(test_timer_exact),
		T(test_timer_monotonic_steps),
		T(test_tmr_sts),
		T(test_reset),
		T(test_no_callbacks),
	};

	return cmocka_run_group_tests_name("vacpi_pm", tests, NULL, NULL);
}
