/* SPDX-License-Identifier: MIT */
/* drivers/vpit.c: the 8254 PIT (Intel 8254 data sheet) with the PC's
 * port 0x61, on a fake TSC: counts and OUT levels exact to the PIT tick,
 * the IRQ 0 edges and host timer deadlines, and the way Linux calibrates
 * the TSC and runs its tick with it. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vpit.h"

#define KHZ 2893427ull	     /* an awkward TSC rate: rounding shows */
#define T0 1000000007ull     /* the fake TSC at vpit_init */
#define PIT_HZ 1193182ull

/* What the callbacks saw. */
struct env {
	uint64_t tsc;
	uint64_t io_cost; /* TSC cycles each port access takes */
	uint64_t timer[64]; /* set_timer arguments */
	unsigned n_timer;
	uint64_t armed;	    /* the last set_timer argument */
	bool level;	    /* the IRQ 0 line */
	unsigned rises, falls;
};

static struct env env;
static struct vpit p;

static uint64_t cb_now(void *ctx)
{
	assert_ptr_equal(ctx, &env);
	return env.tsc;
}

static void cb_set_timer(void *ctx, uint64_t deadline)
{
	assert_ptr_equal(ctx, &env);
	if (env.n_timer < ARRAY_SIZE(env.timer))
		env.timer[env.n_timer] = deadline;
	env.n_timer++;
	env.armed = deadline;
}

static void cb_irq(void *ctx, bool level)
{
	assert_ptr_equal(ctx, &env);
	if (level == env.level)
		fail_msg("irq callback with an unchanged level %d", level);
	env.level = level;
	if (level)
		env.rises++;
	else
		env.falls++;
}

static const struct vpit_ops ops = {
	.now = cb_now,
	.set_timer = cb_set_timer,
	.irq = cb_irq,
};

static void init_at(uint64_t khz)
{
	memset(&env, 0, sizeof(env));
	env.tsc = T0;
	env.level = true; /* OUT0 is high at power-up */
	vpit_init(&p, khz, &ops, &env);
}

static int setup(void **state)
{
	init_at(KHZ);
	return 0;
}

/* ---- an independent reference of the clock (128-bit arithmetic) --------- */

static uint64_t ref_tick_k(uint64_t khz, uint64_t t0, uint64_t tsc)
{
	return (uint64_t)((unsigned __int128)(tsc - t0) * PIT_HZ /
			  (khz * 1000));
}

/* The first TSC of PIT tick g. */
static uint64_t ref_tsc_k(uint64_t khz, uint64_t t0, uint64_t g)
{
	unsigned __int128 x = (unsigned __int128)g * (khz * 1000);

	return t0 + (uint64_t)((x + PIT_HZ - 1) / PIT_HZ);
}

static uint64_t ref_tsc(uint64_t g)
{
	return ref_tsc_k(p.tsc_khz, T0, g);
}

static uint64_t ref_tick(uint64_t tsc)
{
	return ref_tick_k(p.tsc_khz, T0, tsc);
}

/* Move the clock to the first / the last TSC of tick g. */
static void at_tick(uint64_t g)
{
	env.tsc = ref_tsc(g);
}

static void at_tick_end(uint64_t g)
{
	env.tsc = ref_tsc(g + 1) - 1;
}

static uint8_t in(uint16_t port)
{
	uint8_t v = vpit_read(&p, port);

	env.tsc += env.io_cost;
	return v;
}

static void out(uint8_t val, uint16_t port)
{
	vpit_write(&p, port, val);
	env.tsc += env.io_cost;
}

/* LSB then MSB, as a channel in access mode 3 is read. */
static unsigned read16(unsigned ch)
{
	unsigned lo = in((uint16_t)(0x40 + ch));

	return lo | (unsigned)in((uint16_t)(0x40 + ch)) << 8;
}

static void write16(unsigned ch, unsigned count)
{
	out(count & 0xff, (uint16_t)(0x40 + ch));
	out((uint8_t)(count >> 8), (uint16_t)(0x40 + ch));
}

/* The count of channel ch at tick g (read in access mode 3). */
static unsigned count_at(unsigned ch, uint64_t g)
{
	at_tick(g);
	return read16(ch);
}

static uint8_t status(unsigned ch)
{
	out((uint8_t)(0xe0 | 2u << ch), 0x43); /* read-back: status only */
	return in((uint16_t)(0x40 + ch));
}

static bool out_level(unsigned ch, uint64_t g)
{
	at_tick(g);
	return status(ch) & 0x80;
}

/* Fire the armed host timer at its deadline plus late cycles. */
static void fire(uint64_t late)
{
	assert_true(env.armed != 0);
	env.tsc = env.armed + late;
	vpit_timer_expired(&p, env.tsc);
}

/* ---- the clock ---------------------------------------------------------- */

static void test_clock_conversion(void **state)
{
	static const uint64_t rates[] = { 1, 1000, 1193, 1000000, 2000000,
					  2893427, 3000000, 5400000 };
	struct rng r = { 0x8254 };

	for (unsigned i = 0; i < ARRAY_SIZE(rates); i++) {
		init_at(rates[i]);
		assert_int_equal(vpit_tick_at(&p, T0), 0);
		assert_int_equal(vpit_tick_at(&p, T0 - 5), 0);
		assert_int_equal(vpit_tsc_of(&p, 0), T0);
		for (int j = 0; j < 2000; j++) {
			/* up to 2^46 ticks (almost two years) */
			uint64_t g = rng_below(&r, 1ull << (j % 46 + 1));
			uint64_t t = T0 + rng_below(&r, 1ull << (j % 50 + 1));
			uint64_t tg = vpit_tsc_of(&p, g);

			assert_int_equal(tg, ref_tsc(g));
			assert_int_equal(vpit_tick_at(&p, t), ref_tick(t));
			if (!g)
				continue;
			/* the first TSC of tick g (a TSC slower than the PIT
			 * skips ticks) */
			if (rates[i] * 1000 >= PIT_HZ) {
				assert_int_equal(vpit_tick_at(&p, tg), g);
				assert_int_equal(vpit_tick_at(&p, tg - 1),
						 g - 1);
			} else {
				assert_true(vpit_tick_at(&p, tg) >= g);
				assert_true(vpit_tick_at(&p, tg - 1) < g);
			}
		}
	}
	/* 2 GHz: a tick is 1676.17 cycles */
	init_at(2000000);
	assert_int_equal(vpit_tsc_of(&p, 1), T0 + 1677);
	assert_int_equal(vpit_tsc_of(&p, 1193182), T0 + 2000000000ull);
	assert_int_equal(vpit_tick_at(&p, T0 + 2000000000ull), 1193182);
	assert_int_equal(vpit_tick_at(&p, T0 + 1999999999ull), 1193181);
}

/* ---- power-up and ports ------------------------------------------------- */

static void test_power_up(void **state)
{
	/* control word 0x36 without a count on every channel */
	for (unsigned ch = 0; ch < 3; ch++)
		assert_int_equal(status(ch), 0xf6); /* OUT, null, LSB/MSB, 3 */
	at_tick(100000);
	assert_int_equal(read16(0), 0);
	assert_int_equal(in(0x61) & ~VPIT_61_REFRESH, VPIT_61_OUT2);
	assert_int_equal(in(0x43), 0xff);
	assert_int_equal(in(0x44), 0xff);
	assert_int_equal(in(0x60), 0xff);
	assert_false(vpit_is_port(0x3f));
	assert_true(vpit_is_port(0x40));
	assert_true(vpit_is_port(0x43));
	assert_false(vpit_is_port(0x44));
	assert_true(vpit_is_port(0x61));
	assert_false(vpit_is_port(0x62));
	out(0x12, 0x44); /* ignored */
	/* nothing is timed, nothing interrupts */
	vpit_timer_expired(&p, env.tsc);
	assert_int_equal(env.n_timer, 0);
	assert_int_equal(env.rises + env.falls, 0);
}

static void test_port61(void **state)
{
	at_tick(0);
	assert_int_equal(in(0x61), VPIT_61_OUT2);
	out(0xff, 0x61);
	assert_int_equal(in(0x61), 0x23); /* gate, speaker, OUT2 */
	out(0x02, 0x61);
	assert_int_equal(in(0x61), 0x22);
	out(0x01, 0x61);
	assert_int_equal(in(0x61), 0x21);
	/* the refresh toggle flips every 18 ticks */
	for (uint64_t g = 0; g < 18 * 6; g++) {
		at_tick(g);
		assert_int_equal(in(0x61) & VPIT_61_REFRESH,
				 (g / 18) & 1 ? VPIT_61_REFRESH : 0);
		at_tick_end(g);
		assert_int_equal(in(0x61) & VPIT_61_REFRESH,
				 (g / 18) & 1 ? VPIT_61_REFRESH : 0);
	}
	at_tick(18ull * 1000001);
	assert_int_equal(in(0x61) & VPIT_61_REFRESH, VPIT_61_REFRESH);
	/* writing the read-only bits changes nothing */
	out(0x31, 0x61);
	assert_int_equal(in(0x61) & 0xef, 0x21);
	assert_int_equal(env.rises + env.falls, 0);
}

/* ---- mode 0 ------------------------------------------------------------- */

static void test_mode0_exact(void **state)
{
	env.tsc = ref_tsc(5000) + 700; /* in the middle of tick 5000 */
	out(0x30, 0x43);		/* channel 0, LSB/MSB, mode 0 */
	assert_int_equal(env.falls, 1); /* OUT0 low at once */
	assert_int_equal(status(0), 0x70); /* low, null count */
	write16(0, 1000);
	/* loaded on the next tick, OUT high 1000 ticks later */
	assert_int_equal(env.n_timer, 1);
	assert_int_equal(env.armed, ref_tsc(5001 + 1000));
	assert_int_equal(status(0), 0x70); /* not loaded yet */
	assert_int_equal(count_at(0, 5001), 1000);
	assert_int_equal(status(0), 0x30); /* loaded */
	assert_int_equal(count_at(0, 5002), 999);
	assert_int_equal(count_at(0, 5500), 501);
	at_tick_end(6000);
	assert_int_equal(read16(0), 1);
	assert_false(status(0) & 0x80);
	/* the timer fires: OUT0 rises once and stays high */
	fire(0);
	assert_int_equal(env.rises, 1);
	assert_true(env.level);
	assert_int_equal(count_at(0, 6001), 0);
	assert_int_equal(status(0), 0xb0);
	/* and counting wraps on */
	assert_int_equal(count_at(0, 6002), 0xffff);
	assert_int_equal(count_at(0, 6001 + 65536), 0);
	assert_int_equal(status(0), 0xb0);
	assert_int_equal(env.rises, 1);
	assert_int_equal(env.n_timer, 1); /* nothing more to time */
}

static void test_mode0_rewrite_and_two_byte_stop(void **state)
{
	at_tick(10);
	out(0xb0, 0x43); /* channel 2, as Linux's calibrations */
	out(0x01, 0x61); /* gate high */
	write16(2, 500);
	assert_int_equal(count_at(2, 111), 400);
	/* the LSB alone stops counting and holds OUT low */
	at_tick(200);
	out(0x34, 0x42);
	assert_int_equal(count_at(2, 300), 311);
	assert_int_equal(count_at(2, 900), 311);
	assert_false(in(0x61) & VPIT_61_OUT2);
	/* the MSB loads 0x1234 on the next tick */
	at_tick(1000);
	out(0x12, 0x42);
	assert_int_equal(count_at(2, 1001), 0x1234);
	assert_int_equal(count_at(2, 1001 + 0x1000), 0x0234);
	/* past the terminal count a new count sets OUT low again */
	at_tick(1001 + 0x1234);
	assert_true(in(0x61) & VPIT_61_OUT2);
	out(0x05, 0x42);
	assert_false(in(0x61) & VPIT_61_OUT2);
	out(0x00, 0x42);
	assert_int_equal(count_at(2, 1002 + 0x1234), 5);
	at_tick(1002 + 0x1234 + 4);
	assert_false(in(0x61) & VPIT_61_OUT2);
	at_tick(1002 + 0x1234 + 5);
	assert_true(in(0x61) & VPIT_61_OUT2);
	/* channel 2 never touches IRQ 0 or the host timer */
	assert_int_equal(env.n_timer, 0);
	assert_int_equal(env.rises + env.falls, 0);
}

static void test_mode0_gate(void **state)
{
	at_tick(0);
	out(0x01, 0x61);
	out(0xb0, 0x43);
	write16(2, 100);
	assert_int_equal(count_at(2, 41), 60);
	/* gate low at tick 41: the count holds */
	out(0x00, 0x61);
	assert_int_equal(count_at(2, 500), 60);
	assert_false(in(0x61) & VPIT_61_OUT2);
	/* gate high at tick 1000: counting goes on from there */
	at_tick(1000);
	out(0x01, 0x61);
	assert_int_equal(count_at(2, 1000), 60);
	assert_int_equal(count_at(2, 1001), 59);
	assert_int_equal(count_at(2, 1059), 1);
	assert_false(in(0x61) & VPIT_61_OUT2);
	assert_int_equal(count_at(2, 1060), 0);
	assert_true(in(0x61) & VPIT_61_OUT2);
	/* a count written with the gate low loads but does not count */
	out(0x00, 0x61);
	write16(2, 7);
	assert_false(in(0x61) & VPIT_61_OUT2);
	assert_int_equal(count_at(2, 2000), 7);
	out(0x01, 0x61);
	assert_int_equal(count_at(2, 2007), 0);
	assert_true(in(0x61) & VPIT_61_OUT2);
}

static void test_mode0_rearm_irq(void **state)
{
	at_tick(0);
	out(0x10, 0x43); /* channel 0, LSB only, mode 0 */
	assert_int_equal(env.falls, 1);
	out(5, 0x40);
	assert_int_equal(env.armed, ref_tsc(6));
	fire(0);
	assert_int_equal(env.rises, 1);
	/* a new count after the terminal count: OUT0 low at the write,
	 * high again at the new terminal count, a new IRQ 0 edge */
	at_tick(50);
	out(3, 0x40);
	assert_int_equal(env.falls, 2);
	assert_false(env.level);
	assert_false(out_level(0, 50));
	assert_int_equal(env.armed, ref_tsc(54));
	fire(0);
	assert_int_equal(env.rises, 2);
	assert_true(env.level);
	/* rewritten before the terminal count: it starts over */
	at_tick(60);
	out(100, 0x40);
	at_tick(100);
	out(100, 0x40);
	assert_int_equal(env.armed, ref_tsc(201));
	assert_int_equal(env.falls, 3);
	assert_int_equal(env.rises, 2);
}

/* ---- Linux's TSC calibrations (arch/x86/kernel/tsc.c) ------------------- */

/* pit_calibrate_tsc(latch, ms, loopmin), get_cycles() being the TSC. */
static uint64_t linux_pit_calibrate_tsc(unsigned latch, unsigned ms,
					unsigned loopmin, uint64_t *t1p,
					uint64_t *t2p)
{
	uint64_t tsc, t1, t2, delta, tscmin = UINT64_MAX, tscmax = 0;
	unsigned pitcnt = 0;

	out((in(0x61) & ~0x02) | 0x01, 0x61);
	out(0xb0, 0x43);
	out(latch & 0xff, 0x42);
	out((uint8_t)(latch >> 8), 0x42);
	tsc = t1 = t2 = env.tsc;
	while ((in(0x61) & 0x20) == 0) {
		t2 = env.tsc;
		delta = t2 - tsc;
		tsc = t2;
		if (delta < tscmin)
			tscmin = delta;
		if (delta > tscmax)
			tscmax = delta;
		pitcnt++;
	}
	*t1p = t1;
	*t2p = t2;
	if (pitcnt < loopmin || tscmax > 10 * tscmin)
		return UINT64_MAX;
	return (t2 - t1) / ms;
}

static void test_linux_pit_calibrate_tsc(void **state)
{
	uint64_t t1, t2, khz, start;
	unsigned latch = 1193182 / (1000 / 10); /* CAL_LATCH for CAL_MS 10 */

	env.tsc = ref_tsc(123456) + 99;
	env.io_cost = 1500; /* about 0.5 us per port access */
	start = ref_tick(env.tsc + 4 * 1500); /* the tick of the MSB write */
	khz = linux_pit_calibrate_tsc(latch, 10, 1000, &t1, &t2);
	/* OUT2 rises latch + 1 ticks after the MSB write; the loop reads it
	 * on its first access from then on */
	assert_true(ref_tick(t2) == start + 1 + latch);
	assert_true(ref_tick(t2 - 1500) < start + 1 + latch);
	assert_int_equal(khz, (t2 - t1) / 10);
	/* within 0.1% of the real rate (the error is one loop turn) */
	assert_true(khz > KHZ - KHZ / 1000 && khz < KHZ + KHZ / 1000);
	assert_int_equal(env.n_timer, 0);
}

/* quick_pit_calibrate: pit_verify_msb and pit_expect_msb. */
static bool pit_verify_msb(uint8_t val)
{
	in(0x42);
	return in(0x42) == val;
}

static bool pit_expect_msb(uint8_t val, uint64_t *tscp, uint64_t *deltap)
{
	uint64_t tsc = 0, prev_tsc = 0;
	int count;

	for (count = 0; count < 50000; count++) {
		if (!pit_verify_msb(val))
			break;
		prev_tsc = tsc;
		tsc = env.tsc;
	}
	*deltap = env.tsc - prev_tsc;
	*tscp = tsc;
	return count > 5;
}

static uint64_t linux_quick_pit_calibrate(unsigned *iterations)
{
	uint64_t tsc, delta, d1, d2;
	unsigned i, max_iter = 50 * 1193182 / 1000 / 256;

	out((in(0x61) & ~0x02) | 0x01, 0x61);
	out(0xb0, 0x43);
	out(0xff, 0x42);
	out(0xff, 0x42);
	pit_verify_msb(0);
	if (!pit_expect_msb(0xff, &tsc, &d1))
		return 0;
	for (i = 1; i <= max_iter; i++) {
		if (!pit_expect_msb((uint8_t)(0xff - i), &delta, &d2))
			break;
		delta -= tsc;
		if (d1 + d2 >= delta >> 11)
			continue;
		if (!pit_verify_msb((uint8_t)(0xfe - i)))
			break;
		*iterations = i;
		return delta * 1193182 / (i * 256 * 1000);
	}
	return 0;
}

static void test_linux_quick_pit_calibrate(void **state)
{
	unsigned iterations = 0;
	uint64_t khz;

	env.io_cost = 2000; /* ~0.7 us per inb, like real hardware */
	env.tsc = ref_tsc(777) + 1234;
	khz = linux_quick_pit_calibrate(&iterations);
	assert_true(iterations > 0 && iterations <= 233);
	/* Linux asks for 500 ppm; the exact PIT gives that */
	assert_true(khz >= KHZ - KHZ / 2000 && khz <= KHZ + KHZ / 2000);
}

static void test_msb_sequence(void **state)
{
	uint64_t g0;

	at_tick(40);
	out(0x01, 0x61);
	out(0xb0, 0x43);
	out(0xff, 0x42);
	g0 = ref_tick(env.tsc);
	out(0xff, 0x42); /* loaded at g0 + 1 */
	/* the MSB is 0xff - i for exactly 256 ticks, i ticks * 256 on */
	for (unsigned i = 0; i < 256; i++) {
		uint64_t first = g0 + 1 + 256 * i;

		assert_int_equal(count_at(2, first), 0xffff - 256 * i);
		at_tick(first);
		in(0x42);
		assert_int_equal(in(0x42), 0xff - i);
		at_tick_end(first + 255);
		in(0x42);
		assert_int_equal(in(0x42), 0xff - i);
	}
}

/* ---- mode 2: Linux's periodic tick (drivers/clocksource/i8253.c) -------- */

/* pit_set_periodic: 0x34, then PIT_LATCH = (PIT_TICK_RATE + HZ/2) / HZ. */
static uint64_t linux_periodic(unsigned hz)
{
	unsigned latch = (1193182 + hz / 2) / hz;
	uint64_t g;

	out(0x34, 0x43);
	out(latch & 0xff, 0x40);
	g = ref_tick(env.tsc);
	out((uint8_t)(latch >> 8), 0x40);
	return g + 1; /* the load tick */
}

static void run_periodic(unsigned hz, unsigned latch, bool jitter)
{
	struct rng r = { 42 };
	uint64_t load, period_tsc;
	unsigned timers;

	env.tsc = ref_tsc(31337) + 5;
	load = linux_periodic(hz);
	assert_int_equal(env.rises + env.falls, 0); /* OUT0 stays high */
	timers = env.n_timer;
	period_tsc = ref_tsc(latch) - T0;
	for (uint64_t m = 1; m <= 10000; m++) {
		/* every deadline on the grid: load + m * latch ticks */
		assert_int_equal(env.armed, ref_tsc(load + m * latch));
		fire(jitter ? rng_below(&r, period_tsc * 9 / 10) : 0);
		assert_int_equal(env.rises, m);
		assert_int_equal(env.falls, m);
		assert_true(env.level);
		assert_int_equal(env.n_timer, timers + m);
	}
	/* 10000 periods of latch ticks: no drift at all */
	assert_int_equal(env.armed, ref_tsc(load + 10001ull * latch));
}

static void test_mode2_1000hz(void **state)
{
	run_periodic(1000, 1193, false);
}

static void test_mode2_hz250_late_callbacks(void **state)
{
	run_periodic(250, 4773, true);
}

static void test_mode2_missed_periods(void **state)
{
	uint64_t load;

	env.tsc = T0 + 12345;
	load = linux_periodic(1000);
	/* the host was away for 2.5 periods: one edge, then back on grid */
	env.tsc = ref_tsc(load + 2 * 1193 + 600);
	vpit_timer_expired(&p, env.tsc);
	assert_int_equal(env.rises, 1);
	assert_int_equal(env.armed, ref_tsc(load + 3 * 1193));
	/* an early call is ignored */
	vpit_timer_expired(&p, env.armed - 1);
	assert_int_equal(env.rises, 1);
	fire(0);
	assert_int_equal(env.rises, 2);
	assert_int_equal(env.armed, ref_tsc(load + 4 * 1193));
}

static void test_mode2_counts_and_out(void **state)
{
	uint64_t load;

	at_tick(1000);
	out(0x34, 0x43);
	out(10, 0x40);
	out(0, 0x40);
	load = 1001;
	/* CE: 10 9 ... 2 1 | 10 9 ...; OUT low only while CE is 1 */
	for (uint64_t k = 0; k < 35; k++) {
		assert_int_equal(count_at(0, load + k), 10 - k % 10);
		assert_int_equal(out_level(0, load + k), k % 10 != 9);
	}
	/* the read-back writes reported the edges due at 1011, 1021, 1031 */
	assert_int_equal(env.rises, 3);
	assert_int_equal(env.falls, 3);
	assert_int_equal(env.armed, ref_tsc(load + 40));
}

static void test_mode2_new_count_at_period_end(void **state)
{
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 100); /* loaded at tick 1 (written during tick 0) */
	at_tick(51);
	write16(0, 30);
	/* the current period runs out: CE 50 at tick 51, reload at 101 */
	assert_int_equal(env.armed, ref_tsc(101));
	assert_int_equal(status(0) & 0x40, 0x40); /* null count until then */
	assert_int_equal(count_at(0, 100), 1);
	fire(0); /* the edge at 101, then every 30 */
	assert_int_equal(env.rises, 1);
	assert_int_equal(env.armed, ref_tsc(131));
	assert_int_equal(count_at(0, 101), 30);
	assert_int_equal(status(0) & 0x40, 0);
	assert_int_equal(count_at(0, 130), 1);
	assert_int_equal(count_at(0, 131), 30);
	fire(0);
	assert_int_equal(env.rises, 2);
	assert_int_equal(env.armed, ref_tsc(161));
}

static void test_count_zero_is_65536(void **state)
{
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 0);
	assert_int_equal(count_at(0, 1), 0);	  /* 65536 reads 0 */
	assert_int_equal(count_at(0, 2), 0xffff);
	assert_int_equal(env.armed, ref_tsc(1 + 65536));
	/* the BIOS's 18.2 Hz: mode 3, count 0 (written at tick 2) */
	out(0x36, 0x43);
	write16(0, 0);
	assert_int_equal(env.armed, ref_tsc(3 + 65536));
	assert_int_equal(count_at(0, 3), 0);
	assert_int_equal(count_at(0, 4), 0xfffe);
	assert_true(out_level(0, 3 + 32767));
	assert_false(out_level(0, 3 + 32768));
}

/* ---- mode 3 ------------------------------------------------------------- */

static void test_mode3_even(void **state)
{
	at_tick(500);
	out(0x01, 0x61);
	out(0xb6, 0x43); /* channel 2, mode 3: the PC speaker's tone */
	write16(2, 1000);
	/* high for 500 ticks, low for 500, counting down by two */
	for (uint64_t k = 0; k < 3000; k += 7) {
		bool high = k % 1000 < 500;

		at_tick(501 + k);
		assert_int_equal(!!(in(0x61) & VPIT_61_OUT2), high);
		assert_int_equal(read16(2), 1000 - 2 * (k % 500));
	}
	at_tick_end(501 + 499);
	assert_true(in(0x61) & VPIT_61_OUT2);
	at_tick(501 + 500);
	assert_false(in(0x61) & VPIT_61_OUT2);
}

static void test_mode3_odd(void **state)
{
	/* count 5: N-1 = 4 loaded, by two: 4 2 0 high, 4 2 low */
	static const unsigned ce[5] = { 4, 2, 0, 4, 2 };
	static const bool o[5] = { 1, 1, 1, 0, 0 };

	at_tick(0);
	out(0x01, 0x61);
	out(0xb6, 0x43);
	write16(2, 5);
	for (uint64_t k = 0; k < 20; k++) {
		assert_int_equal(count_at(2, 1 + k), ce[k % 5]);
		assert_int_equal(!!(in(0x61) & VPIT_61_OUT2), o[k % 5]);
	}
}

static void test_mode3_irq0(void **state)
{
	at_tick(0);
	out(0x36, 0x43);
	write16(0, 11932); /* 100 Hz */
	assert_int_equal(env.armed, ref_tsc(1 + 11932));
	/* OUT0 goes low half-way, but only the rising edge is timed */
	assert_false(out_level(0, 1 + 5966));
	assert_true(out_level(0, 1 + 5965));
	for (unsigned m = 1; m <= 100; m++) {
		fire(0);
		assert_int_equal(env.rises, m);
		assert_int_equal(env.armed, ref_tsc(1 + (m + 1) * 11932ull));
	}
}

static void test_mode3_new_count_at_half_cycle(void **state)
{
	at_tick(0);
	out(0x36, 0x43);
	write16(0, 100); /* loaded at 1; high 1-50, low 51-100 */
	at_tick(21);
	write16(0, 40);
	/* the high half runs out at 51; the new count starts low (20), so
	 * the next rising edge is at 71 */
	assert_int_equal(env.armed, ref_tsc(71));
	assert_true(out_level(0, 50));
	assert_int_equal(count_at(0, 50), 2);
	assert_false(out_level(0, 51));
	assert_int_equal(count_at(0, 51), 40);
	assert_false(out_level(0, 70));
	assert_int_equal(env.rises, 0);
	assert_true(out_level(0, 71)); /* this write reports the edge */
	assert_int_equal(env.rises, 1);
	assert_int_equal(env.armed, ref_tsc(111));
	assert_int_equal(count_at(0, 71), 40);
	/* written in the low half: loaded when the cycle ends at 111 */
	at_tick(95);
	write16(0, 10);
	assert_int_equal(env.armed, ref_tsc(111));
	assert_int_equal(count_at(0, 110), 2);
	assert_int_equal(count_at(0, 111), 10);
	assert_true(out_level(0, 115));
	assert_int_equal(env.rises, 2);
	assert_int_equal(env.armed, ref_tsc(121));
	assert_false(out_level(0, 116));
}

/* ---- modes 4, 1, 5 ------------------------------------------------------ */

static void test_mode4_linux_oneshot(void **state)
{
	uint64_t g;

	/* pit_set_oneshot then pit_next_event(delta) */
	at_tick(700);
	out(0x38, 0x43);
	assert_int_equal(env.rises + env.falls, 0); /* OUT stays high */
	g = ref_tick(env.tsc);
	write16(0, 11932);
	/* the strobe: low for the tick at terminal count, N + 1 on */
	assert_int_equal(env.armed, ref_tsc(g + 1 + 11932 + 1));
	assert_true(out_level(0, g + 1 + 11931));
	assert_false(out_level(0, g + 1 + 11932));
	fire(0);
	assert_int_equal(env.rises, 1);
	assert_int_equal(env.falls, 1);
	assert_true(env.level);
	assert_true(out_level(0, g + 1 + 11933));
	/* one-shot: nothing more, the counter wraps silently */
	assert_int_equal(env.n_timer, 1);
	assert_true(out_level(0, g + 1 + 11932 + 65536 + 1));
	/* rearming: the next event */
	write16(0, 100);
	assert_int_equal(env.armed, vpit_tsc_of(&p, ref_tick(env.tsc) + 102));
}

static void test_mode1_gate_trigger(void **state)
{
	at_tick(0);
	out(0xb2, 0x43); /* channel 2 mode 1 */
	write16(2, 50);
	/* no trigger yet: OUT high, null count */
	assert_true(out_level(2, 100));
	assert_int_equal(status(2) & 0x40, 0x40);
	out(0x01, 0x61); /* rising gate at tick 100 */
	assert_true(in(0x61) & VPIT_61_OUT2);
	assert_int_equal(count_at(2, 101), 50);
	assert_false(in(0x61) & VPIT_61_OUT2);
	assert_int_equal(status(2) & 0x40, 0);
	assert_int_equal(count_at(2, 150), 1);
	assert_false(in(0x61) & VPIT_61_OUT2);
	at_tick(151);
	assert_true(in(0x61) & VPIT_61_OUT2);
	/* retrigger in the middle of a one-shot: it starts over */
	at_tick(200);
	out(0x00, 0x61);
	out(0x01, 0x61);
	at_tick(230);
	out(0x00, 0x61);
	out(0x01, 0x61);
	assert_int_equal(count_at(2, 260), 21);
	assert_false(in(0x61) & VPIT_61_OUT2);
	assert_true(out_level(2, 281));
	/* a new count waits for the next trigger */
	write16(2, 10);
	assert_int_equal(status(2) & 0x40, 0x40);
	at_tick(300);
	out(0x00, 0x61);
	out(0x01, 0x61);
	assert_int_equal(count_at(2, 301), 10);
	assert_true(out_level(2, 311));
}

static void test_mode5_gate_strobe(void **state)
{
	at_tick(0);
	out(0xba, 0x43); /* channel 2 mode 5 */
	write16(2, 20);
	assert_true(out_level(2, 50));
	out(0x01, 0x61); /* trigger at tick 50 */
	assert_true(out_level(2, 70));
	assert_false(out_level(2, 71));
	assert_true(out_level(2, 72));
	/* the gate going low does nothing in mode 5 */
	out(0x00, 0x61);
	assert_true(out_level(2, 100));
	out(0x01, 0x61); /* retrigger at 100 */
	assert_false(out_level(2, 121));
	assert_true(out_level(2, 122));
}

static void test_mode2_gate(void **state)
{
	at_tick(0);
	out(0x01, 0x61);
	out(0xb4, 0x43); /* channel 2 mode 2 */
	write16(2, 10);
	assert_false(out_level(2, 10)); /* CE 1 */
	/* gate low: OUT high at once, counting stops */
	out(0x00, 0x61);
	assert_true(in(0x61) & VPIT_61_OUT2);
	assert_int_equal(count_at(2, 50), 1);
	assert_true(in(0x61) & VPIT_61_OUT2);
	/* gate high: reloaded on the next tick */
	out(0x01, 0x61);
	assert_int_equal(count_at(2, 51), 10);
	assert_false(out_level(2, 60));
	assert_true(out_level(2, 61));
	/* the same with a count written while the gate is low */
	out(0x00, 0x61);
	write16(2, 4);
	out(0x01, 0x61);
	assert_int_equal(count_at(2, ref_tick(env.tsc) + 1), 4);
}

/* ---- latches, read-back, access modes ----------------------------------- */

static void test_counter_latch(void **state)
{
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 5000);
	at_tick(1001);
	out(0x00, 0x43); /* latch channel 0: CE 4000 */
	at_tick(2001);
	out(0x00, 0x43); /* ignored: the first is not read yet */
	assert_int_equal(read16(0), 4000);
	/* released: live again */
	assert_int_equal(read16(0), 3000);
	/* the LSB of a latch, then time passes, then the MSB */
	at_tick(1001 + 0x1ff);
	out(0x00, 0x43);
	assert_int_equal(in(0x40), (4000 - 0x1ff) & 0xff);
	at_tick(3000);
	assert_int_equal(in(0x40), (4000 - 0x1ff) >> 8);
	/* a control word releases a latch */
	out(0x00, 0x43);
	out(0x34, 0x43);
	write16(0, 300);
	assert_int_equal(count_at(0, 3001 + 100), 200);
}

static void test_access_modes(void **state)
{
	at_tick(0);
	/* LSB only: the MSB is 0 */
	out(0x14, 0x43);
	out(0xc8, 0x40);
	assert_int_equal(in(0x40), 0);	   /* not loaded yet */
	assert_int_equal(status(0), 0xd4); /* null until the next tick */
	at_tick(1 + 50);
	assert_int_equal(in(0x40), 150);
	assert_int_equal(in(0x40), 150);
	out(0x00, 0x43);
	at_tick(1 + 60);
	assert_int_equal(in(0x40), 150); /* latched: one byte */
	assert_int_equal(in(0x40), 140);
	/* MSB only: count 0x0300, reads give the MSB */
	at_tick(1000);
	out(0x24, 0x43);
	out(0x03, 0x40);
	assert_int_equal(status(0), 0xe4);
	at_tick(1001);
	assert_int_equal(in(0x40), 0x03);
	at_tick(1002);
	assert_int_equal(in(0x40), 0x02); /* 0x2ff */
	assert_int_equal(in(0x40), 0x02);
	/* LSB then MSB, reads and writes interleaved (data sheet) */
	at_tick(2000);
	out(0x34, 0x43); /* holds CE 0x300 - 999 % 0x300 = 0x219 */
	assert_int_equal(in(0x40), 0x19); /* read LSB */
	out(0x00, 0x40);		  /* write LSB */
	assert_int_equal(in(0x40), 0x02); /* read MSB */
	out(0x10, 0x40);		  /* write MSB */
	assert_int_equal(count_at(0, 2001), 0x1000);
}

static void test_read_back(void **state)
{
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 1000);
	out(0x01, 0x61);
	out(0xb0, 0x43);
	write16(2, 20);
	at_tick(31); /* ch0: CE 970, OUT high; ch2: past terminal count */
	/* count and status of channels 0 and 2 at once */
	out(0xca, 0x43);
	at_tick(500);
	assert_int_equal(in(0x40), 0xb4); /* status first */
	assert_int_equal(read16(0), 970);
	assert_int_equal(read16(0), 501);  /* then live */
	assert_int_equal(in(0x42), 0xb0);  /* OUT high, mode 0 */
	assert_int_equal(read16(2), (uint16_t)(20 - 30));
	/* status only, count only */
	out(0xe2, 0x43);
	out(0xd2, 0x43);
	assert_int_equal(in(0x40), 0xb4);
	assert_int_equal(read16(0), 501);
	/* status latched twice: the first stays */
	at_tick(999 + 1); /* ch0 OUT low: CE 1 */
	out(0xe2, 0x43);
	at_tick(1002);
	out(0xe2, 0x43);
	assert_int_equal(in(0x40), 0x34); /* OUT low: CE was 1 */
	assert_int_equal(read16(0), 999);
	/* a count latched before a status: the status still comes first */
	out(0xd2, 0x43);
	out(0xe2, 0x43);
	assert_int_equal(in(0x40), 0xb4);
	assert_int_equal(read16(0), 999);
	/* channel 1 untouched: power-up status */
	out(0xe4, 0x43);
	assert_int_equal(in(0x41), 0xf6);
}

static void test_bcd(void **state)
{
	at_tick(0);
	out(0x31, 0x43); /* ch0, LSB/MSB, mode 0, BCD */
	write16(0, 0x1234);
	assert_int_equal(status(0), 0x71);
	assert_int_equal(count_at(0, 1), 0x1234);
	assert_int_equal(count_at(0, 1 + 35), 0x1199);
	assert_int_equal(count_at(0, 1 + 1234), 0x0000);
	assert_int_equal(count_at(0, 1 + 1235), 0x9999);
	assert_int_equal(env.armed, ref_tsc(1 + 1234));
	/* count 0 is 10000 */
	out(0x35, 0x43); /* mode 2, BCD, at tick 1236 */
	write16(0, 0);
	assert_int_equal(env.armed, ref_tsc(1237 + 10000));
	assert_int_equal(count_at(0, 1237), 0x0000);
	assert_int_equal(count_at(0, 1238), 0x9999);
	assert_int_equal(count_at(0, 1237 + 9999), 0x0001);
	assert_int_equal(count_at(0, 1237 + 10000), 0x0000);
}

static void test_modes_6_and_7(void **state)
{
	at_tick(0);
	out(0x3c, 0x43); /* mode 6 = 2 */
	write16(0, 10);
	assert_int_equal(status(0) & 0x0e, 0x0c); /* as written */
	assert_false(out_level(0, 10));
	assert_int_equal(env.armed, ref_tsc(11));
	out(0x3e, 0x43); /* mode 7 = 3 */
	write16(0, 10);
	assert_int_equal(status(0) & 0x0e, 0x0e);
	at_tick(ref_tick(env.tsc) + 1 + 5);
	assert_false(status(0) & 0x80);
}

static void test_count_one_in_modes_2_and_3(void **state)
{
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 1);
	assert_int_equal(env.armed, 0); /* nothing to time */
	assert_false(out_level(0, 5));
	assert_false(out_level(0, 6));
	out(0x36, 0x43);
	write16(0, 1);
	assert_true(out_level(0, 20));
	assert_int_equal(env.rises + env.falls, 0);
}

/* ---- IRQ 0 and the host timer ------------------------------------------- */

static void test_reprogramming_cancels(void **state)
{
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 1193);
	assert_int_equal(env.n_timer, 1);
	/* Linux's pit_shutdown: mode 0 without a count */
	at_tick(100);
	out(0x30, 0x43);
	assert_int_equal(env.n_timer, 2);
	assert_int_equal(env.armed, 0);
	assert_int_equal(env.falls, 1); /* OUT0 low in mode 0 */
	out(0, 0x40);
	out(0, 0x40);
	assert_int_equal(env.armed, ref_tsc(101 + 65536));
	/* back to periodic: OUT0 high at once, a rising edge */
	at_tick(200);
	out(0x34, 0x43);
	assert_int_equal(env.rises, 1);
	assert_int_equal(env.armed, 0);
	write16(0, 100);
	assert_int_equal(env.armed, ref_tsc(201 + 100));
	/* a stale timer call (the old deadline) is ignored */
	vpit_timer_expired(&p, ref_tsc(250));
	assert_int_equal(env.rises, 1);
}

static void test_edge_due_before_a_write(void **state)
{
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 100); /* edges at 101, 201, ... */
	/* the host timer is late; the guest writes first */
	at_tick(150);
	out(0x30, 0x43);
	/* the edge at 101 was reported before the new mode took over */
	assert_int_equal(env.rises, 1);
	assert_int_equal(env.falls, 2);
	assert_false(env.level);
	assert_int_equal(env.armed, 0);
}

static void test_no_callbacks(void **state)
{
	static const struct vpit_ops now_only = { .now = cb_now };

	vpit_init(&p, KHZ, &now_only, &env);
	at_tick(0);
	out(0x34, 0x43);
	write16(0, 50);
	assert_int_equal(p.deadline, ref_tsc(51));
	vpit_timer_expired(&p, ref_tsc(51));
	assert_int_equal(p.deadline, ref_tsc(101));
	assert_int_equal(env.n_timer, 0);
	assert_int_equal(env.rises + env.falls, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_clock_conversion),
		T(test_power_up),
		T(test_port61),
		T(test_mode0_exact),
		T(test_mode0_rewrite_and_two_byte_stop),
		T(test_mode0_gate),
		T(test_mode0_rearm_irq),
		T(test_linux_pit_calibrate_tsc),
		T(test_linux_quick_pit_calibrate),
		T(test_msb_sequence),
		T(test_mode2_1000hz),
		T(test_mode2_hz250_late_callbacks),
		T(test_mode2_missed_periods),
		T(test_mode2_counts_and_out),
		T(test_mode2_new_count_at_period_end),
		T(test_count_zero_is_65536),
		T(test_mode3_even),
		T(test_mode3_odd),
		T(test_mode3_irq0),
		T(test_mode3_new_count_at_half_cycle),
		T(test_mode4_linux_oneshot),
		T(test_mode1_gate_trigger),
		T(test_mode5_gate_strobe),
		T(test_mode2_gate),
		T(test_counter_latch),
		T(test_access_modes),
		T(test_read_back),
		T(test_bcd),
		T(test_modes_6_and_7),
		T(test_count_one_in_modes_2_and_3),
		T(test_reprogramming_cancels),
		T(test_edge_due_before_a_write),
		T(test_no_callbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
