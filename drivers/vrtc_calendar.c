/* SPDX-License-Identifier: MIT */
/* The RTC's calendar: days <-> dates in the proleptic Gregorian calendar,
 * the register formats of the MC146818A (BCD or binary, 12- or 24-hour;
 * data sheet, "Time, Calendar and Alarm Locations", table 3) and the
 * alarm's match rule. Integer arithmetic only. */
#include "drivers/vrtc.h"

#define SECS_PER_DAY 86400
#define DAYS_PER_ERA 146097 /* 400 Gregorian years */
/* Days from 0000-03-01 (day 0 of the March-based count) to 1970-01-01. */
#define EPOCH_SHIFT 719468

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * Years are counted from March, so that February's leap day is the last
 * day of its year and month lengths repeat 31-30-31-30-31 from March:
 * day of year = (153 * month + 2) / 5 + day - 1 with March = month 0.
 * The Gregorian cycle is 400 years of 146097 days; within it a year
 * adds 365 days, plus 1 every 4 years, less 1 every 100 (the 400th's
 * is the cycle's own). The method is H. Hinnant's "days_from_civil".
 */
int64_t vrtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t yy = m <= 2 ? y - 1 : y;
	int64_t era = floor_div(yy, 400);
	uint64_t yoe = (uint64_t)(yy - era * 400);	/* 0-399 */
	uint64_t mp = m <= 2 ? m + 9 : m - 3;		/* March = 0 */
	uint64_t doy = (153 * mp + 2) / 5 + d - 1;	/* 0-365, or past */
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * DAYS_PER_ERA + (int64_t)doe - EPOCH_SHIFT;
}

/* The inverse: the year of the era from its day, undoing the leap days
 * (one per 1460 days, one fewer per 36524, one more per 146096). */
static void civil_from_days(int64_t days, struct vrtc_tm *tm)
{
	int64_t z = days + EPOCH_SHIFT;
	int64_t era = floor_div(z, DAYS_PER_ERA);
	unsigned doe = (unsigned)(z - era * DAYS_PER_ERA);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	tm->mday = doy - (153 * mp + 2) / 5 + 1;
	tm->mon = mp < 10 ? mp + 3 : mp - 9;
	tm->year = era * 400 + yoe + (tm->mon <= 2);
}

void vrtc_tm_from_secs(int64_t secs, struct vrtc_tm *tm)
{
	int64_t days = floor_div(secs, SECS_PER_DAY);
	unsigned tod = (unsigned)(secs - days * SECS_PER_DAY);

	civil_from_days(days, tm);
	tm->hour = tod / 3600;
	tm->min = tod / 60 % 60;
	tm->sec = tod % 60;
	/* 1970-01-01 was a Thursday (4) */
	tm->wday = (unsigned)(days + 4 - floor_div(days + 4, 7) * 7);
}

int64_t vrtc_secs_from_tm(const struct vrtc_tm *tm)
{
	int64_t days = vrtc_days_from_civil(tm->year, tm->mon, tm->mday);

	return days * SECS_PER_DAY + tm->hour * 3600 + tm->min * 60 + tm->sec;
}

/* ---- register formats ---------------------------------------------------- */

uint8_t vrtc_encode(uint8_t reg_b, unsigned v)
{
	v %= 100;
	if (reg_b & RTC_B_DM_BINARY)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | v % 10);
}

/* BCD digits above 9 are taken at face value; callers clamp. */
unsigned vrtc_decode(uint8_t reg_b, uint8_t v)
{
	if (reg_b & RTC_B_DM_BINARY)
		return v;
	return (v >> 4) * 10u + (v & 0x0f);
}

/* 12-hour mode: 1-12 with bit 7 set for PM; midnight is 12 AM. */
uint8_t vrtc_encode_hour(uint8_t reg_b, unsigned h)
{
	unsigned h12 = h % 12 ? h % 12 : 12;

	if (reg_b & RTC_B_24H)
		return vrtc_encode(reg_b, h);
	return (uint8_t)(vrtc_encode(reg_b, h12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

unsigned vrtc_decode_hour(uint8_t reg_b, uint8_t v)
{
	if (reg_b & RTC_B_24H)
		return vrtc_decode(reg_b, v);
	return vrtc_decode(reg_b, v & 0x7f) % 12 + (v & RTC_HOUR_PM ? 12 : 0);
}

/* ---- the alarm ----------------------------------------------------------- */

/* An alarm byte matches the time byte it equals, or anything when its two
 * top bits are set (data sheet, "Alarm": "don't care" codes C0-FF). */
static bool match(uint8_t alarm, uint8_t now)
{
	return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE ||
	       alarm == now;
}

static bool sec_ok(const uint8_t a[3], uint8_t b, unsigned s)
{
	return match(a[0], vrtc_encode(b, s));
}

static bool min_ok(const uint8_t a[3], uint8_t b, unsigned m)
{
	return match(a[1], vrtc_encode(b, m));
}

static bool hour_ok(const uint8_t a[3], uint8_t b, unsigned h)
{
	return match(a[2], vrtc_encode_hour(b, h));
}

/* Can each byte match some value at all? Then a match comes within a day,
 * and the search below ends after a few iterations. */
static bool matchable(const uint8_t a[3], uint8_t b)
{
	bool s = false, m = false, h = false;

	for (unsigned v = 0; v < 60; v++) {
		s = s || sec_ok(a, b, v);
		m = m || min_ok(a, b, v);
		h = h || (v < 24 && hour_ok(a, b, v));
	}
	return s && m && h;
}

/* The first matching time of day >= from (seconds), or -1. */
static int first_match(const uint8_t a[3], uint8_t b, unsigned from)
{
	unsigned fh = from / 3600, fm = from / 60 % 60;

	for (unsigned h = fh; h < 24; h++) {
		if (!hour_ok(a, b, h))
			continue;
		for (unsigned m = h == fh ? fm : 0; m < 60; m++) {
			if (!min_ok(a, b, m))
				continue;
			for (unsigned s = h == fh && m == fm ? from % 60 : 0;
			     s < 60; s++)
				if (sec_ok(a, b, s))
					return (int)(h * 3600 + m * 60 + s);
		}
	}
	return -1;
}

int64_t vrtc_next_alarm(const uint8_t alarm[3], uint8_t reg_b, int64_t after)
{
	int64_t day = floor_div(after + 1, SECS_PER_DAY);
	unsigned tod = (unsigned)(after + 1 - day * SECS_PER_DAY);
	int m;

	if (!matchable(alarm, reg_b))
		return INT64_MAX;
	m = first_match(alarm, reg_b, tod);
	if (m < 0) {
		day++;
		m = first_match(alarm, reg_b, 0);
	}
	return day * SECS_PER_DAY + m;
}
