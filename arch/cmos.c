/* SPDX-License-Identifier: MIT */
#include "arch/cmos.h"

#include "arch/x86.h"
#include "drivers/vrtc.h"

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, 0x80 | reg); /* NMIs stay disabled, as the firmware left */
	return inb(0x71);
}

struct rtc_snap {
	uint8_t r[7]; /* sec, min, hour, mday, mon, year, century */
};

static void snap(struct rtc_snap *s)
{
	static const uint8_t reg[7] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS,
					RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR,
					RTC_CENTURY };
	/* UIP set: an update starts within 244 us; wait it out (bounded) */
	for (unsigned i = 0; i < 100000 && (cmos_read(RTC_REG_A) & RTC_A_UIP);
	     i++)
		;
	for (unsigned i = 0; i < 7; i++)
		s->r[i] = cmos_read(reg[i]);
}

int64_t cmos_time(void)
{
	struct rtc_snap a, b;
	struct vrtc_tm tm;
	uint8_t fmt;

	/* Two equal reads in a row cannot straddle an update. */
	snap(&b);
	for (unsigned tries = 0; tries < 10; tries++) {
		a = b;
		snap(&b);
		if (!__builtin_memcmp(&a, &b, sizeof(a)))
			break;
	}
	fmt = cmos_read(RTC_REG_B);
	tm.sec = vrtc_decode(fmt, b.r[0]);
	tm.min = vrtc_decode(fmt, b.r[1]);
	tm.hour = vrtc_decode_hour(fmt, b.r[2]);
	tm.mday = vrtc_decode(fmt, b.r[3]);
	tm.mon = vrtc_decode(fmt, b.r[4]);
	tm.year = vrtc_decode(fmt, b.r[5]);
	tm.year += b.r[6] && b.r[6] != 0xff ? 100 * vrtc_decode(fmt, b.r[6])
					    : (tm.year < 70 ? 2000 : 1900);
	tm.wday = 0;
	if (tm.sec > 59 || tm.min > 59 || tm.hour > 23 || !tm.mday ||
	    tm.mday > 31 || !tm.mon || tm.mon > 12)
		return 0;
	return vrtc_secs_from_tm(&tm);
}
