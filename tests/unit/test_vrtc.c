/* SPDX-License-Identifier: MIT */
/* drivers/vrtc*.c: the MC146818A RTC/CMOS (registers, calendar, formats,
 * UIP, SET, periodic/update/alarm interrupts, reset), with a fake TSC. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vrtc.h"

#define KHZ 1000000ull	      /* a 1 GHz guest TSC: one TSC tick = 1 ns */
#define HZ (KHZ * 1000)
#define T0 5000000000ull      /* the TSC at vrtc_init */
#define START 951827696ull    /* 2000-02-29 12:34:56 UTC, a Tuesday */
#define UIP_TICKS 244000ull   /* 244 us at 1 GHz */

struct env {
	uint64_t tsc;
	bool level;
	unsigned rises, falls;
	uint64_t timer[16]; /* the latest set_timer arguments, cyclic */
	unsigned n_timer;
};

static struct env env;
static struct vrtc r;

static uint64_t cb_now(void *ctx)
{
	assert_ptr_equal(ctx, &env);
	return env.tsc;
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

static void cb_set_timer(void *ctx, uint64_t deadline)
{
	assert_ptr_equal(ctx, &env);
	env.timer[env.n_timer++ % ARRAY_SIZE(env.timer)] = deadline;
}

static const struct vrtc_ops ops = { .now = cb_now, .irq = cb_irq,
				     .set_timer = cb_set_timer };

static void boot(uint64_t secs, uint64_t khz)
{
	memset(&env, 0, sizeof(env));
	env.tsc = T0;
	memset(&r, 0x5a, sizeof(r));
	vrtc_init(&r, secs, T0, khz, &ops, &env);
}

static int setup(void **state)
{
	boot(START, KHZ);
	return 0;
}

static uint8_t rd(unsigned i)
{
	vrtc_write(&r, VRTC_PORT_INDEX, (uint8_t)i);
	return vrtc_read(&r, VRTC_PORT_DATA);
}

static void wr(unsigned i, uint8_t v)
{
	vrtc_write(&r, VRTC_PORT_INDEX, (uint8_t)i);
	vrtc_write(&r, VRTC_PORT_DATA, v);
}

static uint64_t last_timer(void)
{
	assert_true(env.n_timer > 0);
	return env.timer[(env.n_timer - 1) % ARRAY_SIZE(env.timer)];
}

/* Registers 0, 2, 4, 6, 7, 8, 9 and 0x32 against the expected bytes. */
static void expect_time(uint8_t sec, uint8_t min, uint8_t hour, uint8_t dow,
			uint8_t mday, uint8_t mon, uint8_t year, uint8_t cent)
{
	const uint8_t want[] = { sec, min, hour, dow, mday, mon, year, cent };
	const unsigned idx[] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS,
				 RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH, RTC_MONTH,
				 RTC_YEAR, RTC_CENTURY };

	for (unsigned k = 0; k < ARRAY_SIZE(idx); k++)
		if (rd(idx[k]) != want[k])
			fail_msg("register %#x: %#x, want %#x", idx[k], rd(idx[k]),
				 want[k]);
}

/* ---- the calendar -------------------------------------------------------- */

struct date {
	int64_t secs;
	int64_t y;
	unsigned mon, mday, hour, min, sec, wday;
};

static const struct date dates[] = {
	{ 0, 1970, 1, 1, 0, 0, 0, 4 },
	{ 68169600, 1972, 2, 29, 0, 0, 0, 2 },
	{ 946684799, 1999, 12, 31, 23, 59, 59, 5 },
	{ 951827696, 2000, 2, 29, 12, 34, 56, 2 },
	{ 951868800, 2000, 3, 1, 0, 0, 0, 3 },
	{ 1000000000, 2001, 9, 9, 1, 46, 40, 0 },
	{ 1709251199, 2024, 2, 29, 23, 59, 59, 4 },
	{ 2147483648, 2038, 1, 19, 3, 14, 8, 2 },
	{ 4102444799, 2099, 12, 31, 23, 59, 59, 4 },
	{ 4102444800, 2100, 1, 1, 0, 0, 0, 5 },
	{ 4107542399, 2100, 2, 28, 23, 59, 59, 0 },
	{ 4107542400, 2100, 3, 1, 0, 0, 0, 1 },
	{ 253402300799, 9999, 12, 31, 23, 59, 59, 5 },
};

static void test_calendar_known_dates(void **state)
{
	for (unsigned k = 0; k < ARRAY_SIZE(dates); k++) {
		const struct date *d = &dates[k];
		struct vrtc_tm tm;

		vrtc_tm_from_secs(d->secs, &tm);
		assert_int_equal(tm.year, d->y);
		assert_int_equal(tm.mon, d->mon);
		assert_int_equal(tm.mday, d->mday);
		assert_int_equal(tm.hour, d->hour);
		assert_int_equal(tm.min, d->min);
		assert_int_equal(tm.sec, d->sec);
		assert_int_equal(tm.wday, d->wday);
		assert_int_equal(vrtc_secs_from_tm(&tm), d->secs);
	}
}

static bool leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned n[] = { 31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* Day after day from 1900 to 2500: each date is the previous one's
 * successor, and the day of week steps by one. */
static void test_calendar_every_day(void **state)
{
	int64_t first = vrtc_days_from_civil(1900, 1, 1);
	int64_t last = vrtc_days_from_civil(2500, 12, 31);
	struct vrtc_tm p, tm;

	assert_int_equal(first, -25567);
	vrtc_tm_from_secs(first * 86400, &p);
	assert_int_equal(p.year, 1900);
	assert_int_equal(p.wday, 1); /* a Monday */
	for (int64_t d = first + 1; d <= last; d++) {
		vrtc_tm_from_secs(d * 86400 + 86399, &tm);
		if (p.mday < month_days(p.year, p.mon)) {
			assert_int_equal(tm.mday, p.mday + 1);
			assert_int_equal(tm.mon, p.mon);
			assert_int_equal(tm.year, p.year);
		} else {
			assert_int_equal(tm.mday, 1);
			assert_int_equal(tm.mon, p.mon % 12 + 1);
			assert_int_equal(tm.year, p.year + (p.mon == 12));
		}
		assert_int_equal(tm.wday, (p.wday + 1) % 7);
		assert_int_equal(tm.hour * 3600 + tm.min * 60 + tm.sec, 86399);
		assert_int_equal(vrtc_days_from_civil(tm.year, tm.mon, tm.mday), d);
		p = tm;
	}
	assert_int_equal(p.year, 2500);
	assert_int_equal(p.mon, 12);
	assert_int_equal(p.mday, 31);
}

static void test_calendar_day_overflow(void **state)
{
	/* a day past the month's end runs on into the next month */
	assert_int_equal(vrtc_days_from_civil(2001, 2, 31),
			 vrtc_days_from_civil(2001, 3, 3));
	assert_int_equal(vrtc_days_from_civil(2000, 2, 31),
			 vrtc_days_from_civil(2000, 3, 2));
	assert_int_equal(vrtc_days_from_civil(2000, 12, 32),
			 vrtc_days_from_civil(2001, 1, 1));
}

static void test_formats(void **state)
{
	const uint8_t bcd24 = RTC_B_24H, bin24 = RTC_B_24H | RTC_B_DM_BINARY;
	const uint8_t bcd12 = 0, bin12 = RTC_B_DM_BINARY;

	assert_int_equal(vrtc_encode(bcd24, 59), 0x59);
	assert_int_equal(vrtc_encode(bin24, 59), 59);
	assert_int_equal(vrtc_decode(bcd24, 0x47), 47);
	assert_int_equal(vrtc_decode(bin24, 0x47), 0x47);
	for (unsigned v = 0; v < 100; v++) {
		assert_int_equal(vrtc_decode(bcd24, vrtc_encode(bcd24, v)), v);
		assert_int_equal(vrtc_decode(bin24, vrtc_encode(bin24, v)), v);
	}
	/* 12-hour: 12 AM is midnight, bit 7 = PM */
	static const uint8_t bcd[24] = {
		0x12, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10,
		0x11, 0x92, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x90, 0x91 };
	for (unsigned h = 0; h < 24; h++) {
		unsigned h12 = h % 12 ? h % 12 : 12;
		uint8_t b12 = (uint8_t)(h12 | (h >= 12 ? 0x80 : 0));

		assert_int_equal(vrtc_encode_hour(bcd12, h), bcd[h]);
		assert_int_equal(vrtc_encode_hour(bin12, h), b12);
		assert_int_equal(vrtc_decode_hour(bcd12, bcd[h]), h);
		assert_int_equal(vrtc_decode_hour(bin12, b12), h);
		assert_int_equal(vrtc_encode_hour(bcd24, h), vrtc_encode(bcd24, h));
		assert_int_equal(vrtc_decode_hour(bin24, (uint8_t)h), h);
	}
}

/* ---- registers through the ports ----------------------------------------- */

static void test_power_on_registers(void **state)
{
	assert_int_equal(rd(RTC_REG_A), 0x26);
	assert_int_equal(rd(RTC_REG_B), 0x02);
	assert_int_equal(rd(RTC_REG_C), 0x00);
	assert_int_equal(rd(RTC_REG_D), 0x80);
	expect_time(0x56, 0x34, 0x12, 0x03, 0x29, 0x02, 0x00, 0x20);
	assert_int_equal(rd(RTC_SECONDS_ALARM), 0);
	for (unsigned i = RTC_NVRAM_FIRST; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(rd(i), 0);
	assert_int_equal(vrtc_time(&r), START);
	assert_int_equal(env.rises + env.falls, 0);
	assert_int_equal(env.n_timer, 0);
}

static void test_clock_at_known_times(void **state)
{
	boot(4102444799ull, KHZ); /* 2099-12-31 23:59:59, a Thursday */
	expect_time(0x59, 0x59, 0x23, 0x05, 0x31, 0x12, 0x99, 0x20);
	env.tsc = T0 + HZ - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x59);
	env.tsc = T0 + HZ;
	expect_time(0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x00, 0x21);
	boot(4107542399ull, KHZ); /* 2100-02-28 23:59:59: 2100 is no leap year */
	env.tsc += HZ;
	expect_time(0x00, 0x00, 0x00, 0x02, 0x01, 0x03, 0x00, 0x21);
	boot(951782399ull, KHZ); /* 2000-02-28 23:59:59: 2000 is one */
	env.tsc += HZ;
	expect_time(0x00, 0x00, 0x00, 0x03, 0x29, 0x02, 0x00, 0x20);
	boot(946684799ull, KHZ); /* 1999-12-31 23:59:59 */
	expect_time(0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19);
	env.tsc += 3 * HZ;
	expect_time(0x02, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20);
	assert_int_equal(vrtc_time(&r), 946684802);
	/* a long run: exactly 10^6 s and a bit later */
	boot(START, KHZ);
	env.tsc = T0 + 1000000 * HZ + HZ - 1;
	assert_int_equal(vrtc_time(&r), START + 1000000);
}

static void test_binary_and_12h(void **state)
{
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	expect_time(56, 34, 12, 3, 29, 2, 0, 20);
	wr(RTC_REG_B, RTC_B_DM_BINARY); /* 12-hour: 12:34 is 12 PM */
	assert_int_equal(rd(RTC_HOURS), 0x8c);
	wr(RTC_REG_B, 0); /* BCD, 12-hour */
	assert_int_equal(rd(RTC_HOURS), 0x92);
	env.tsc += (uint64_t)(60 - 34) * 60 * HZ; /* 13:00:56 */
	assert_int_equal(rd(RTC_HOURS), 0x81);
	env.tsc += 11ull * 3600 * HZ; /* 00:00:56 next day */
	assert_int_equal(rd(RTC_HOURS), 0x12);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x01);
	assert_int_equal(rd(RTC_MONTH), 0x03);
	wr(RTC_REG_B, RTC_B_DM_BINARY);
	assert_int_equal(rd(RTC_HOURS), 0x0c);
}

static void test_uip_window(void **state)
{
	for (uint64_t s = 0; s < 3; s++) {
		uint64_t upd = T0 + (s + 1) * HZ;

		env.tsc = upd - UIP_TICKS - 1;
		assert_int_equal(rd(RTC_REG_A), 0x26);
		env.tsc = upd - UIP_TICKS;
		assert_int_equal(rd(RTC_REG_A), 0xa6);
		env.tsc = upd - 1;
		assert_int_equal(rd(RTC_REG_A), 0xa6);
		assert_int_equal(rd(RTC_SECONDS), 0x56 + s);
		env.tsc = upd;
		assert_int_equal(rd(RTC_REG_A), 0x26);
	}
	/* UIP is read-only, and never set while SET stops the updates */
	wr(RTC_REG_A, 0xa6);
	assert_int_equal(rd(RTC_REG_A), 0x26);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	env.tsc = T0 + 10 * HZ - 1;
	assert_int_equal(rd(RTC_REG_A), 0x26);
}

static void test_set_freezes_and_sets(void **state)
{
	env.tsc = T0 + HZ / 2;
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	env.tsc += 5 * HZ;
	expect_time(0x56, 0x34, 0x12, 0x03, 0x29, 0x02, 0x00, 0x20);
	assert_int_equal(vrtc_time(&r), START);
	/* 2024-01-01 00:00:00, a Monday */
	wr(RTC_SECONDS, 0x00);
	wr(RTC_MINUTES, 0x00);
	wr(RTC_HOURS, 0x00);
	wr(RTC_DAY_OF_WEEK, 0x02);
	wr(RTC_DAY_OF_MONTH, 0x01);
	wr(RTC_MONTH, 0x01);
	wr(RTC_YEAR, 0x24);
	env.tsc += 10 * HZ;
	expect_time(0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x24, 0x20);
	assert_int_equal(vrtc_time(&r), 1704067200);
	/* it counts from the moment SET clears */
	uint64_t tc = env.tsc + 12345;
	env.tsc = tc;
	wr(RTC_REG_B, RTC_B_24H);
	env.tsc = tc + HZ - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	env.tsc = tc + HZ;
	assert_int_equal(rd(RTC_SECONDS), 0x01);
	assert_int_equal(vrtc_time(&r), 1704067201);
	env.tsc = tc + 2 * HZ - UIP_TICKS;
	assert_int_equal(rd(RTC_REG_A), 0xa6);
}

static void test_set_clears_uie(void **state)
{
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H);
	assert_int_equal(rd(RTC_REG_B), 0x12);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_PIE | RTC_B_24H);
	assert_int_equal(rd(RTC_REG_B), 0xc2);
}

static void test_set_binary_12h(void **state)
{
	wr(RTC_REG_B, RTC_B_SET | RTC_B_DM_BINARY);
	wr(RTC_SECONDS, 58);
	wr(RTC_MINUTES, 59);
	wr(RTC_HOURS, 0x80 | 11); /* 11 PM */
	wr(RTC_DAY_OF_MONTH, 31);
	wr(RTC_MONTH, 12);
	wr(RTC_YEAR, 99);
	wr(RTC_CENTURY, 19);
	wr(RTC_DAY_OF_WEEK, 6); /* Friday, as it was */
	wr(RTC_REG_B, RTC_B_DM_BINARY);
	assert_int_equal(vrtc_time(&r), 946684798);
	env.tsc += 2 * HZ;
	expect_time(0, 0, 0x0c, 7, 1, 1, 0, 20); /* 12 AM, Saturday */
}

static void test_out_of_range_values(void **state)
{
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	wr(RTC_SECONDS, 0x75);	    /* clamped to 59 */
	wr(RTC_MINUTES, 0x3a);	    /* BCD 3a = 40 at face value */
	wr(RTC_HOURS, 0x25);	    /* 23 */
	wr(RTC_DAY_OF_MONTH, 0x31); /* 2001-02-31 is 2001-03-03 */
	wr(RTC_MONTH, 0x02);
	wr(RTC_YEAR, 0x01);
	wr(RTC_REG_B, RTC_B_24H);
	/* the day of week stays as the chip had it (Tuesday): it is a
	 * counter of its own */
	expect_time(0x59, 0x40, 0x23, 0x03, 0x03, 0x03, 0x01, 0x20);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	wr(RTC_MONTH, 0x13); /* 12 */
	wr(RTC_DAY_OF_MONTH, 0x00); /* 1 */
	wr(RTC_REG_B, RTC_B_24H);
	assert_int_equal(rd(RTC_MONTH), 0x12);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x01);
}

static void test_write_while_running_keeps_phase(void **state)
{
	env.tsc = T0 + HZ / 2;
	wr(RTC_MINUTES, 0x00); /* 12:00:56 */
	env.tsc = T0 + HZ - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x56);
	assert_int_equal(rd(RTC_MINUTES), 0x00);
	env.tsc = T0 + HZ;
	expect_time(0x57, 0x00, 0x12, 0x03, 0x29, 0x02, 0x00, 0x20);
	env.tsc = T0 + 2 * HZ - UIP_TICKS;
	assert_int_equal(rd(RTC_REG_A), 0xa6);
	wr(RTC_YEAR, 0x04); /* 2004-02-29 exists too */
	env.tsc = T0 + 2 * HZ;
	assert_int_equal(vrtc_time(&r), 1078056058);
}

static void test_day_of_week_written(void **state)
{
	wr(RTC_DAY_OF_WEEK, 0x07); /* says Saturday on a Tuesday */
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 0x07);
	env.tsc = T0 + (86400 - 12 * 3600 - 34 * 60 - 56) * HZ; /* midnight */
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 0x01);
	assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x01);
	wr(RTC_DAY_OF_WEEK, 0x00); /* not a day: the computed one again */
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 0x04); /* Wednesday */
}

static void test_nvram_index_ports(void **state)
{
	for (unsigned i = RTC_NVRAM_FIRST; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY)
			wr(i, (uint8_t)(i * 7 + 1));
	for (unsigned i = RTC_NVRAM_FIRST; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(rd(i), (uint8_t)(i * 7 + 1));
	/* the alarm bytes are plain storage too */
	wr(RTC_SECONDS_ALARM, 0x12);
	wr(RTC_MINUTES_ALARM, 0xc3);
	wr(RTC_HOURS_ALARM, 0xff);
	assert_int_equal(rd(RTC_SECONDS_ALARM), 0x12);
	assert_int_equal(rd(RTC_MINUTES_ALARM), 0xc3);
	assert_int_equal(rd(RTC_HOURS_ALARM), 0xff);
	/* bit 7 of the index is NMI disable, not part of the index */
	vrtc_write(&r, VRTC_PORT_INDEX, 0x80 | 0x40);
	assert_true(r.nmi_disabled);
	assert_int_equal(vrtc_read(&r, VRTC_PORT_DATA), (uint8_t)(0x40 * 7 + 1));
	vrtc_write(&r, VRTC_PORT_INDEX, 0x40);
	assert_false(r.nmi_disabled);
	assert_int_equal(vrtc_read(&r, VRTC_PORT_INDEX), 0xff);
	assert_int_equal(vrtc_read(&r, 0x72), 0xff);
	vrtc_write(&r, 0x73, 0x00);
	/* C and D are read-only; D's VRT is always 1 */
	wr(RTC_REG_C, 0xff);
	wr(RTC_REG_D, 0x00);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(RTC_REG_D), 0x80);
	assert_int_equal(vrtc_nvram_set(&r, 0x34, 0x77), 0);
	assert_int_equal(rd(0x34), 0x77);
	assert_int_equal(vrtc_nvram_set(&r, RTC_REG_D, 0), -1);
	assert_int_equal(vrtc_nvram_set(&r, RTC_CENTURY, 0), -1);
	assert_int_equal(vrtc_nvram_set(&r, 128, 0), -1);
}

/* ---- interrupts ---------------------------------------------------------- */

/* The periodic interrupt at 1024 Hz with a TSC rate that 1024 does not
 * divide: tick k is due at exactly ceil(k * hz / 1024) after the divider's
 * start, over 10000 periods. */
static void test_periodic_no_drift(void **state)
{
	const uint64_t khz = 2893437, hz = khz * 1000;

	boot(START, khz);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	for (uint64_t k = 1; k <= 10000; k++) {
		unsigned __int128 kh = (unsigned __int128)k * hz;
		uint64_t due = T0 + (uint64_t)((kh + 1023) / 1024);

		assert_int_equal(last_timer(), due);
		env.tsc = due - 1;
		vrtc_timer_expired(&r, env.tsc); /* early: ignored */
		assert_false(env.level);
		env.tsc = due;
		vrtc_timer_expired(&r, env.tsc);
		assert_true(env.level);
		assert_int_equal(rd(RTC_REG_C) & 0xe0, RTC_C_IRQF | RTC_C_PF);
		assert_false(env.level);
	}
	assert_int_equal(env.rises, 10000);
	assert_int_equal(last_timer() - T0, 28259046326ull); /* tick 10001 */
}

static void test_periodic_rates(void **state)
{
	static const unsigned hz_of[16] = { 0, 256, 128, 8192, 4096, 2048, 1024,
					    512, 256, 128, 64, 32, 16, 8, 4, 2 };

	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H);
	for (unsigned rs = 0; rs < 16; rs++) {
		wr(RTC_REG_A, (uint8_t)(RTC_A_DV_NORMAL | rs));
		assert_int_equal(rd(RTC_REG_A), 0x20 | rs);
		if (!hz_of[rs]) {
			assert_int_equal(last_timer(), 0);
			continue;
		}
		/* the first tick: ceil(HZ / rate) after the divider's start */
		assert_int_equal(last_timer(),
				 T0 + (HZ + hz_of[rs] - 1) / hz_of[rs]);
	}
	/* the divider in reset: no ticks, no flag */
	wr(RTC_REG_A, 0x66);
	assert_int_equal(last_timer(), 0);
	env.tsc += HZ;
	assert_int_equal(rd(RTC_REG_C), 0);
	/* released: the phase restarts there */
	wr(RTC_REG_A, 0x26);
	assert_int_equal(last_timer(), env.tsc + 976563); /* ceil(1e9 / 1024) */
}

static void test_reg_c_clears_and_irq(void **state)
{
	wr(RTC_REG_A, 0x2f); /* 2 Hz */
	env.tsc = T0 + HZ / 2;
	assert_int_equal(rd(RTC_REG_C), RTC_C_PF); /* set without PIE */
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(env.rises, 0);
	env.tsc = T0 + HZ; /* PF and UF, no enables: no IRQF, no line */
	assert_int_equal(rd(RTC_REG_C), RTC_C_PF | RTC_C_UF);
	assert_false(env.level);
	env.tsc = T0 + HZ + HZ / 2;
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H); /* a pending PF raises at once */
	assert_true(env.level);
	assert_int_equal(env.rises, 1);
	assert_int_equal(rd(RTC_REG_B), RTC_B_PIE | RTC_B_24H); /* no drop */
	assert_true(env.level);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	assert_false(env.level);
	assert_int_equal(env.falls, 1);
	assert_int_equal(rd(RTC_REG_C), 0);
	/* disabling the source drops the line too */
	env.tsc = T0 + 2 * HZ;
	assert_int_equal(rd(RTC_REG_A), 0x2f); /* any access brings it up */
	assert_true(env.level);
	wr(RTC_REG_B, RTC_B_24H);
	assert_false(env.level);
	assert_int_equal(rd(RTC_REG_C), RTC_C_PF | RTC_C_UF);
}

static void test_update_interrupt(void **state)
{
	wr(RTC_REG_A, 0x20); /* no periodic */
	env.tsc = T0 + HZ / 3;
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H);
	for (uint64_t s = 1; s <= 5; s++) {
		unsigned n = env.n_timer;

		assert_int_equal(last_timer(), T0 + s * HZ);
		env.tsc = T0 + s * HZ;
		vrtc_timer_expired(&r, env.tsc);
		assert_true(env.level);
		/* line high: nothing armed until register C is read */
		assert_int_equal(r.deadline, 0);
		assert_int_equal(vrtc_time(&r), START + s);
		assert_int_equal(env.n_timer, n);
		assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
		assert_int_equal(env.n_timer, n + 1);
	}
	assert_int_equal(env.rises, 5);
	/* two seconds unserviced: one flag, one rise */
	env.tsc = T0 + 8 * HZ;
	vrtc_timer_expired(&r, env.tsc);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	assert_int_equal(env.rises, 6);
}

static void alarm(uint8_t h, uint8_t m, uint8_t s)
{
	wr(RTC_HOURS_ALARM, h);
	wr(RTC_MINUTES_ALARM, m);
	wr(RTC_SECONDS_ALARM, s);
}

/* Fires the armed timer, checks AF and IRQF, and returns the time. */
static int64_t fire_alarm(void)
{
	env.tsc = last_timer();
	assert_true(env.tsc != 0);
	vrtc_timer_expired(&r, env.tsc);
	assert_true(env.level);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	assert_false(env.level);
	return vrtc_time(&r);
}

static void test_alarm_exact(void **state)
{
	wr(RTC_REG_A, 0x20);
	alarm(0x12, 0x35, 0x10);
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	assert_int_equal(last_timer(), T0 + 14 * HZ);
	assert_int_equal(fire_alarm(), START + 14);
	assert_int_equal(last_timer(), T0 + (14 + 86400) * HZ); /* tomorrow */
	/* 12-hour mode: 2:00:00 PM is 0x82 (not 1 PM, not 2 AM) */
	wr(RTC_REG_B, RTC_B_AIE);
	alarm(0x82, 0x00, 0x00);
	assert_int_equal(last_timer(), T0 + (2 * 3600 - 34 * 60 - 56) * HZ);
	assert_int_equal(fire_alarm(), START + 2 * 3600 - 34 * 60 - 56);
	/* only C0-FF are "don't care": 0x80-0xbf match nothing here */
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	alarm(0xbf, 0x80, 0x80);
	assert_int_equal(last_timer(), 0);
}

static void test_alarm_dont_care(void **state)
{
	wr(RTC_REG_A, 0x20);
	alarm(0xc0, 0xff, 0x30); /* every minute at :30 */
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	assert_int_equal(fire_alarm(), START + 34);
	assert_int_equal(fire_alarm(), START + 94);
	assert_int_equal(fire_alarm(), START + 154);
	alarm(0xd5, 0x40, 0xc1); /* each second of minute 40 of any hour */
	assert_int_equal(fire_alarm(), START + 304); /* 12:40:00 */
	for (unsigned s = 1; s < 60; s++)
		assert_int_equal(fire_alarm(), START + 304 + s);
	assert_int_equal(fire_alarm(), START + 304 + 3600); /* 13:40:00 */
	alarm(0xff, 0xff, 0xff); /* every second */
	int64_t t = vrtc_time(&r);
	assert_int_equal(fire_alarm(), t + 1);
	assert_int_equal(fire_alarm(), t + 2);
}

static void test_alarm_flag_lazy(void **state)
{
	wr(RTC_REG_A, 0x20);
	alarm(0x12, 0x35, 0x00);
	env.tsc = T0 + 3 * HZ; /* 12:34:59 */
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	env.tsc = T0 + 4 * HZ; /* 12:35:00 */
	assert_int_equal(rd(RTC_REG_C), RTC_C_AF | RTC_C_UF);
	env.tsc = T0 + 600 * HZ; /* ten minutes later: no match since */
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	env.tsc += 3 * 86400 * HZ; /* days unobserved: it matched */
	assert_int_equal(rd(RTC_REG_C), RTC_C_AF | RTC_C_UF);
	assert_int_equal(env.n_timer, 0);
	/* an alarm that can never match: no AF, no timer with AIE */
	alarm(0x12, 0x35, 0x60);
	env.tsc += 2 * 86400 * HZ;
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24H);
	assert_int_equal(env.n_timer, 0);
	assert_false(env.level);
}

static void test_divider_reset_stops_clock(void **state)
{
	wr(RTC_REG_A, 0x20);
	env.tsc = T0 + HZ / 2;
	wr(RTC_REG_A, 0x60); /* divider reset */
	env.tsc += 10 * HZ;
	assert_int_equal(rd(RTC_SECONDS), 0x56);
	assert_int_equal(rd(RTC_REG_C), 0); /* no updates either */
	wr(RTC_SECONDS, 0x00);
	uint64_t tr = env.tsc;
	wr(RTC_REG_A, 0x20);
	env.tsc = tr + HZ - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	env.tsc = tr + HZ;
	assert_int_equal(rd(RTC_SECONDS), 0x01);
}

static void test_reset_keeps_cmos(void **state)
{
	wr(0x10, 0xaa);
	wr(0x7f, 0x55);
	alarm(0x01, 0x02, 0x03);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE |
			      RTC_B_DM_BINARY | RTC_B_24H | RTC_B_DSE);
	env.tsc = T0 + 2 * HZ;
	vrtc_timer_expired(&r, env.tsc);
	assert_true(env.level);
	vrtc_write(&r, VRTC_PORT_INDEX, 0x80 | 0x10);
	vrtc_reset(&r);
	assert_false(env.level); /* the line dropped */
	assert_int_equal(env.falls, 1);
	assert_int_equal(r.deadline, 0); /* no enables: nothing armed */
	assert_false(r.nmi_disabled);
	assert_int_equal(vrtc_read(&r, VRTC_PORT_DATA), 58); /* index 0 */
	assert_int_equal(rd(RTC_REG_B), RTC_B_DM_BINARY | RTC_B_24H | RTC_B_DSE);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(RTC_REG_A), 0x26);
	assert_int_equal(rd(0x10), 0xaa);
	assert_int_equal(rd(0x7f), 0x55);
	assert_int_equal(rd(RTC_HOURS_ALARM), 0x01);
	assert_int_equal(rd(RTC_SECONDS_ALARM), 0x03);
	env.tsc = T0 + 7 * HZ; /* the clock ran on */
	assert_int_equal(vrtc_time(&r), START + 7);
	/* SET survives a reset too: a stopped clock stays stopped */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	vrtc_reset(&r);
	env.tsc += 5 * HZ;
	assert_int_equal(vrtc_time(&r), START + 7);
}

static void test_timer_callbacks_exact(void **state)
{
	wr(RTC_REG_A, 0x20);
	vrtc_timer_expired(&r, T0 + 100 * HZ); /* nothing armed: ignored */
	assert_int_equal(env.n_timer, 0);
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H);
	assert_int_equal(env.n_timer, 1);
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H); /* same deadline: no call */
	assert_int_equal(env.n_timer, 1);
	wr(RTC_REG_B, RTC_B_24H);
	assert_int_equal(env.n_timer, 2);
	assert_int_equal(last_timer(), 0);
}

static void test_no_callbacks(void **state)
{
	vrtc_init(&r, START, 0, KHZ, NULL, NULL);
	assert_int_equal(rd(RTC_SECONDS), 0x56);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_UIE | RTC_B_AIE | RTC_B_24H);
	vrtc_timer_expired(&r, r.deadline);
	vrtc_reset(&r);
	assert_int_equal(vrtc_time(&r), START);
	vrtc_init(&r, START, 0, 0, NULL, NULL); /* no rate: no crash */
	assert_int_equal(rd(RTC_REG_A), 0x26);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_calendar_known_dates),
		T(test_calendar_every_day),
		T(test_calendar_day_overflow),
		T(test_formats),
		T(test_power_on_registers),
		T(test_clock_at_known_times),
		T(test_binary_and_12h),
		T(test_uip_window),
		T(test_set_freezes_and_sets),
		T(test_set_clears_uie),
		T(test_set_binary_12h),
		T(test_out_of_range_values),
		T(test_write_while_running_keeps_phase),
		T(test_day_of_week_written),
		T(test_nvram_index_ports),
		T(test_periodic_no_drift),
		T(test_periodic_rates),
		T(test_reg_c_clears_and_irq),
		T(test_update_interrupt),
		T(test_alarm_exact),
		T(test_alarm_dont_care),
		T(test_alarm_flag_lazy),
		T(test_divider_reset_stops_clock),
		T(test_reset_keeps_cmos),
		T(test_timer_callbacks_exact),
		T(test_no_callbacks),
	};

	return cmocka_run_group_tests_name("vrtc", tests, NULL, NULL);
}
