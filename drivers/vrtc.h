/* SPDX-License-Identifier: MIT */
/*
 * The PC's real-time clock and CMOS RAM: a Motorola MC146818A as the
 * chipset keeps it (index port 0x70, data port 0x71, IRQ 8), modelled
 * purely: time comes from ops->now (the guest TSC), the interrupt line
 * goes out through ops->irq (level, reported on change), and a host
 * timer is asked for through ops->set_timer and reports back through
 * vrtc_timer_expired.
 *
 * The clock is the calendar time at vrtc_init (seconds since 1970-01-01
 * UTC, at a given guest TSC) plus elapsed TSC / tsc_khz: exact, no drift.
 * The date is the full Gregorian calendar, the year 100 * century (CMOS
 * 0x32, the FADT's CENTURY) + register 9: the century counts too, so
 * 2099-12-31 23:59:59 is followed by 2100-01-01 (years 0-9999).
 *
 * Registers (MC146818A data sheet, "Register A-D"; the data sheet's names):
 *  0-9   seconds, alarm seconds, minutes, alarm minutes, hours, alarm
 *        hours, day of week (1 = Sunday), day of month, month, year; BCD
 *        or binary per B.DM, 12-hour (bit 7 = PM) or 24-hour per B.24/12.
 *        While the clock runs they read the current time in the current
 *        format; writes move the clock (the second's phase is kept).
 *        While it is stopped they are plain bytes, and the clock restarts
 *        from them (out-of-range values clamped, the day of month
 *        overflowing into the next month); the new time counts from
 *        the moment SET is cleared or the divider released.
 *  A     UIP (bit 7, read-only): set during the 244 us before each second's
 *        update; DV2-0 (6:4): 010 runs the clock, anything else stops it
 *        (the PC's 32.768 kHz time base); RS3-0 (3:0): the periodic
 *        interrupt rate, 0 none, 3-15 32768 >> (RS - 1) Hz, 1 and 2 alias
 *        8 and 9 (256, 128 Hz). Phase: from the divider's start.
 *  B     SET (stops updates; setting it clears UIE), PIE, AIE, UIE, SQWE
 *        (kept, no square-wave pin), DM, 24/12, DSE (kept, no daylight
 *        saving jumps).
 *  C     IRQF, PF, AF, UF. PF, AF and UF are set whatever the enables;
 *        IRQF = PF.PIE + AF.AIE + UF.UIE is the IRQ line. Reading C
 *        clears it (the line drops); writes are ignored.
 *  D     VRT (bit 7) reads 1; read-only.
 *  0x32  century (part of the calendar, as above).
 *  14-127 otherwise: battery-backed RAM, kept as written.
 *
 * Port 0x70 is write-only (reads 0xff): bit 7 disables NMI (kept in
 * nmi_disabled, nothing else acts on it), bits 6:0 the index.
 *
 * Interrupts: periodic (PIE, no drift: tick k at exactly k / rate s after
 * the divider's start, rounded up to a TSC tick), update-ended (UIE, at
 * each second; the update itself takes no time, so the registers never
 * read mid-update), alarm (AIE:
 * hours, minutes and seconds equal to the alarm registers, a value
 * 0xc0-0xff matching anything). Each is a flag set at its time; the host
 * timer is armed only for enabled sources while the line is low.
 *
 * Reset: vrtc_init is power-on (the battery inserted): A = 0x26 (normal
 * divider, 1024 Hz), B = 0x02 (24-hour, BCD), RAM 0. vrtc_reset is a VM
 * reset (the RTC's RESET pin): the CMOS is battery-backed, so time,
 * alarms, RAM, A and B's SET/DM/24-12/DSE stay; PIE, AIE, UIE, SQWE and
 * register C clear and the IRQ line drops.
 *
 * Not thread-safe: the caller serialises calls on one vrtc.
 */
#ifndef DRIVERS_VRTC_H
#define DRIVERS_VRTC_H

#include <stdbool.h>
#include <stdint.h>

#define VRTC_PORT_INDEX 0x70
#define VRTC_PORT_DATA 0x71
#define VRTC_IRQ 8

#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32
#define RTC_NVRAM_FIRST 0x0e
#define RTC_CMOS_SIZE 128

#define RTC_A_UIP 0x80
#define RTC_A_DV_MASK 0x70
#define RTC_A_DV_NORMAL 0x20 /* 010: 32.768 kHz time base, running */
#define RTC_A_RS_MASK 0x0f
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80
#define RTC_HOUR_PM 0x80 /* 12-hour mode */
#define RTC_ALARM_DONT_CARE 0xc0 /* both top bits set: matches anything */

#define VRTC_UIP_US 244

/* Every callback may be NULL; ctx is the one given to vrtc_init. */
struct vrtc_ops {
	/* the guest's TSC; it must not go back (if it did, the clock and
	 * its flags would stand still until it caught up) */
	uint64_t (*now)(void *ctx);
	void (*irq)(void *ctx, bool level); /* IRQ 8, on changes only */
	/* call vrtc_timer_expired at TSC >= deadline; 0 cancels; a new
	 * deadline replaces the previous one */
	void (*set_timer)(void *ctx, uint64_t deadline);
};

struct vrtc {
	uint8_t cmos[RTC_CMOS_SIZE]; /* time registers: while stopped only */
	uint8_t index;
	bool nmi_disabled;
	uint8_t flags;	 /* register C's PF, AF, UF */
	bool irq_level;	 /* = IRQF */
	uint64_t hz;	 /* TSC ticks per second */
	uint64_t uip_ticks;
	/* while the clock runs, the time at TSC t is
	 * secs + (t - sec_tsc) / hz (whole seconds) */
	int64_t secs;
	uint64_t sec_tsc;
	uint8_t dow_delta;  /* day of week as written minus as computed */
	uint64_t div_tsc;   /* the divider's start: the periodic phase */
	uint64_t last;	    /* the flags are up to date until this TSC */
	uint64_t deadline;  /* the armed host timer, 0 none */
	const struct vrtc_ops *ops;
	void *ctx;
};

/* Power-on with the time start_secs (since 1970-01-01 00:00:00 UTC) at
 * guest TSC start_tsc; tsc_khz > 0. Calls no callback. */
void vrtc_init(struct vrtc *r, uint64_t start_secs, uint64_t start_tsc,
	       uint64_t tsc_khz, const struct vrtc_ops *ops, void *ctx);
/* VM reset, as described above. */
void vrtc_reset(struct vrtc *r);

/* Port accesses (0x70, 0x71; bytes). Other ports read 0xff. */
uint8_t vrtc_read(struct vrtc *r, uint16_t port);
void vrtc_write(struct vrtc *r, uint16_t port, uint8_t val);

/* The host timer asked for fired; early calls and calls while nothing
 * is armed are ignored. */
void vrtc_timer_expired(struct vrtc *r, uint64_t now);

/* The clock now, in seconds since 1970 (the frozen time while stopped). */
int64_t vrtc_time(struct vrtc *r);
/* Presets a RAM byte (14-127 but the century) before the guest runs,
 * e.g. the memory sizes a BIOS reads; -1 for other indices. */
int vrtc_nvram_set(struct vrtc *r, unsigned index, uint8_t val);

/* ---- the calendar (drivers/vrtc_calendar.c) ------------------------------ */
struct vrtc_tm {
	int64_t year;	  /* e.g. 2024 */
	unsigned mon;	  /* 1-12 */
	unsigned mday;	  /* 1-31 */
	unsigned hour, min, sec;
	unsigned wday;	  /* 0 = Sunday */
};

/* Days since 1970-01-01 of y-m-d (proleptic Gregorian; d may run past
 * the month's end into the following ones). */
int64_t vrtc_days_from_civil(int64_t y, unsigned m, unsigned d);
void vrtc_tm_from_secs(int64_t secs, struct vrtc_tm *tm);
int64_t vrtc_secs_from_tm(const struct vrtc_tm *tm);
/* A value 0-99 in the format register B selects (BCD or binary). */
uint8_t vrtc_encode(uint8_t reg_b, unsigned v);
unsigned vrtc_decode(uint8_t reg_b, uint8_t v);
/* Hours 0-23 in register B's format, 12-hour with the PM bit or 24. */
uint8_t vrtc_encode_hour(uint8_t reg_b, unsigned h);
unsigned vrtc_decode_hour(uint8_t reg_b, uint8_t v);
/* The first second after `after` whose time of day matches the alarm
 * registers (seconds, minutes, hours alarm bytes), or INT64_MAX. */
int64_t vrtc_next_alarm(const uint8_t alarm[3], uint8_t reg_b, int64_t after);

#endif
