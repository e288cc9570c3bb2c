/* SPDX-License-Identifier: MIT */
/* The MC146818A real-time clock as a PC chipset keeps it (Motorola
 * MC146818A data sheet: "Registers A-D", "Update Cycle", "Interrupts").
 * Register C's flags are brought up to date lazily, from the TSC, at each
 * access and at each host timer expiry. */
#include "drivers/vrtc.h"

#define IRQ_SOURCES (RTC_C_PF | RTC_C_AF | RTC_C_UF) /* = PIE, AIE, UIE */

static uint64_t now(const struct vrtc *r)
{
	return r->ops && r->ops->now ? r->ops->now(r->ctx) : 0;
}

static uint8_t reg_b(const struct vrtc *r)
{
	return r->cmos[RTC_REG_B];
}

static bool divider_on(const struct vrtc *r)
{
	return (r->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_NORMAL;
}

static bool running(const struct vrtc *r)
{
	return divider_on(r) && !(reg_b(r) & RTC_B_SET);
}

/* The clock at TSC t (whole seconds); meaningful while it runs. */
static int64_t secs_at(const struct vrtc *r, uint64_t t)
{
	if (t <= r->sec_tsc)
		return r->secs;
	return r->secs + (int64_t)((t - r->sec_tsc) / r->hz);
}

/* Periodic interrupt rate in Hz (data sheet, register A: RS3-RS0, with
 * the 32.768 kHz time base), 0 for none. */
static unsigned periodic_hz(const struct vrtc *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;

	if (!divider_on(r) || !rs)
		return 0;
	if (rs < 3) /* 1 and 2 repeat 8 and 9 with the 32.768 kHz base */
		rs += 7;
	return 32768u >> (rs - 1);
}

/* Periodic ticks from the divider's start to t, exact: floor(d * f / hz)
 * with d = q * hz + rem. */
static uint64_t ticks_at(const struct vrtc *r, uint64_t t, unsigned f)
{
	uint64_t d = t > r->div_tsc ? t - r->div_tsc : 0;

	return d / r->hz * f + d % r->hz * f / r->hz;
}

/* The TSC of periodic tick n: div_tsc + ceil(n * hz / f). */
static uint64_t tick_tsc(const struct vrtc *r, uint64_t n, unsigned f)
{
	return r->div_tsc + n / f * r->hz + (n % f * r->hz + f - 1) / f;
}

/* ---- time registers ------------------------------------------------------ */

static bool is_time_reg(unsigned i)
{
	return (i <= RTC_YEAR && i != RTC_SECONDS_ALARM &&
		i != RTC_MINUTES_ALARM && i != RTC_HOURS_ALARM) ||
	       i == RTC_CENTURY;
}

/* Register i (a time register) for the time s, in B's format. */
static uint8_t time_reg(const struct vrtc *r, unsigned i, int64_t s)
{
	struct vrtc_tm tm;
	uint8_t b = reg_b(r);

	vrtc_tm_from_secs(s, &tm);
	switch (i) {
	case RTC_SECONDS:
		return vrtc_encode(b, tm.sec);
	case RTC_MINUTES:
		return vrtc_encode(b, tm.min);
	case RTC_HOURS:
		return vrtc_encode_hour(b, tm.hour);
	case RTC_DAY_OF_WEEK: /* 1 = Sunday */
		return vrtc_encode(b, (tm.wday + r->dow_delta) % 7 + 1);
	case RTC_DAY_OF_MONTH:
		return vrtc_encode(b, tm.mday);
	case RTC_MONTH:
		return vrtc_encode(b, tm.mon);
	case RTC_YEAR:
		return vrtc_encode(b, (unsigned)(tm.year % 100));
	default: /* RTC_CENTURY */
		return vrtc_encode(b, (unsigned)(tm.year / 100));
	}
}

/* The clock stops: its registers keep the time s. */
static void latch(struct vrtc *r, int64_t s)
{
	static const uint8_t regs[] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS,
					RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH,
					RTC_MONTH, RTC_YEAR, RTC_CENTURY };

	for (unsigned k = 0; k < sizeof(regs); k++)
		r->cmos[regs[k]] = time_reg(r, regs[k], s);
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The time the registers hold. Out-of-range fields are clamped; a day
 * past the month's end runs into the next month. The day of week is
 * kept as an offset from the computed one, as the chip counts it on its
 * own. */
static int64_t regs_time(const struct vrtc *r, uint8_t *dow_delta)
{
	const uint8_t *c = r->cmos;
	uint8_t b = reg_b(r);
	struct vrtc_tm tm = {
		.sec = clamp(vrtc_decode(b, c[RTC_SECONDS]), 0, 59),
		.min = clamp(vrtc_decode(b, c[RTC_MINUTES]), 0, 59),
		.hour = clamp(vrtc_decode_hour(b, c[RTC_HOURS]), 0, 23),
		.mday = clamp(vrtc_decode(b, c[RTC_DAY_OF_MONTH]), 1, 31),
		.mon = clamp(vrtc_decode(b, c[RTC_MONTH]), 1, 12),
		.year = clamp(vrtc_decode(b, c[RTC_CENTURY]), 0, 99) * 100 +
			clamp(vrtc_decode(b, c[RTC_YEAR]), 0, 99),
	};
	int64_t s = vrtc_secs_from_tm(&tm);
	unsigned dow = vrtc_decode(b, c[RTC_DAY_OF_WEEK]);

	vrtc_tm_from_secs(s, &tm);
	*dow_delta = 0;
	if (dow >= 1 && dow <= 7)
		*dow_delta = (uint8_t)((dow - 1 + 7 - tm.wday) % 7);
	return s;
}

/* The clock (re)starts at TSC t from its registers. */
static void start(struct vrtc *r, uint64_t t)
{
	r->secs = regs_time(r, &r->dow_delta);
	r->sec_tsc = t;
}

/* A register written while the clock runs: the second's phase stays. */
static void move_clock(struct vrtc *r, unsigned i, uint8_t v, uint64_t t)
{
	int64_t s = secs_at(r, t);

	latch(r, s);
	r->cmos[i] = v;
	r->sec_tsc += (uint64_t)(s - r->secs) * r->hz;
	r->secs = regs_time(r, &r->dow_delta);
}

/* UIP: the 244 us before each update (data sheet, register A: UIP, and
 * "Update Cycle"). */
static bool uip(const struct vrtc *r, uint64_t t)
{
	uint64_t phase;

	if (!running(r) || t < r->sec_tsc)
		return false;
	phase = (t - r->sec_tsc) % r->hz;
	return phase >= r->hz - r->uip_ticks;
}

/* ---- flags, the IRQ line, the host timer --------------------------------- */

static const uint8_t *alarm_regs(const struct vrtc *r, uint8_t a[3])
{
	a[0] = r->cmos[RTC_SECONDS_ALARM];
	a[1] = r->cmos[RTC_MINUTES_ALARM];
	a[2] = r->cmos[RTC_HOURS_ALARM];
	return a;
}

/* Any alarm match at the updates to the seconds (s0, s1]? */
static bool alarm_in(const struct vrtc *r, int64_t s0, int64_t s1)
{
	uint8_t a[3];

	return vrtc_next_alarm(alarm_regs(r, a), reg_b(r), s0) <= s1;
}

/* Sets the flags of every event in (last, t]: an update at each second
 * (UF, and AF on a match), and the periodic ticks (PF). */
static void advance(struct vrtc *r, uint64_t t)
{
	unsigned f = periodic_hz(r);

	if (t <= r->last)
		return;
	if (running(r)) {
		int64_t s0 = secs_at(r, r->last), s1 = secs_at(r, t);

		if (s1 > s0)
			r->flags |= RTC_C_UF;
		if (s1 > s0 && alarm_in(r, s0, s1))
			r->flags |= RTC_C_AF;
	}
	if (f && ticks_at(r, t, f) != ticks_at(r, r->last, f))
		r->flags |= RTC_C_PF;
	r->last = t;
}

static void update_irq(struct vrtc *r)
{
	bool level = r->flags & reg_b(r) & IRQ_SOURCES;

	if (level == r->irq_level)
		return;
	r->irq_level = level;
	if (r->ops && r->ops->irq)
		r->ops->irq(r->ctx, level);
}

/* The first event after t that would raise the line; 0 for none. */
static uint64_t next_event(const struct vrtc *r, uint64_t t)
{
	uint8_t b = reg_b(r), a[3];
	unsigned f = periodic_hz(r);
	uint64_t next = UINT64_MAX;
	int64_t s;

	if ((b & RTC_B_PIE) && f)
		next = tick_tsc(r, ticks_at(r, t, f) + 1, f);
	if (!running(r) || !(b & (RTC_B_UIE | RTC_B_AIE)))
		return next == UINT64_MAX ? 0 : next;
	s = secs_at(r, t) + 1; /* the next update */
	if (!(b & RTC_B_UIE))
		s = vrtc_next_alarm(alarm_regs(r, a), b, s - 1);
	if (s != INT64_MAX) {
		uint64_t at = r->sec_tsc + (uint64_t)(s - r->secs) * r->hz;

		next = at < next ? at : next;
	}
	return next == UINT64_MAX ? 0 : next;
}

static void rearm(struct vrtc *r, uint64_t t)
{
	uint64_t d = r->irq_level ? 0 : next_event(r, t);

	if (d == r->deadline)
		return;
	r->deadline = d;
	if (r->ops && r->ops->set_timer)
		r->ops->set_timer(r->ctx, d);
}

/* After any change: the line, then the timer. */
static void settle(struct vrtc *r, uint64_t t)
{
	update_irq(r);
	rearm(r, t);
}

/* ---- registers ----------------------------------------------------------- */

/* Register A: UIP is read-only. The clock stops while the divider is not
 * 010 and restarts from its registers on release; the periodic phase
 * restarts with the divider. */
static void write_a(struct vrtc *r, uint8_t v, uint64_t t)
{
	bool was = running(r), div = divider_on(r);
	int64_t s = secs_at(r, t);

	r->cmos[RTC_REG_A] = v & (uint8_t)~RTC_A_UIP;
	if (!div && divider_on(r))
		r->div_tsc = t;
	if (was && !running(r))
		latch(r, s);
	else if (!was && running(r))
		start(r, t);
}

/* Register B: SET stops the updates; writing it set also clears UIE. */
static void write_b(struct vrtc *r, uint8_t v, uint64_t t)
{
	bool was = running(r);
	int64_t s = secs_at(r, t);

	if (v & RTC_B_SET)
		v &= (uint8_t)~RTC_B_UIE;
	r->cmos[RTC_REG_B] = v;
	if (was && !running(r))
		latch(r, s);
	else if (!was && running(r))
		start(r, t);
}

static uint8_t reg_read(struct vrtc *r, unsigned i, uint64_t t)
{
	uint8_t v;

	switch (i) {
	case RTC_REG_A:
		return r->cmos[i] | (uip(r, t) ? RTC_A_UIP : 0);
	case RTC_REG_C: /* reading clears it (and so drops the line) */
		v = r->flags;
		if (r->flags & reg_b(r) & IRQ_SOURCES)
			v |= RTC_C_IRQF;
		r->flags = 0;
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	}
	if (is_time_reg(i) && running(r))
		return time_reg(r, i, secs_at(r, t));
	return r->cmos[i];
}

static void reg_write(struct vrtc *r, unsigned i, uint8_t v, uint64_t t)
{
	switch (i) {
	case RTC_REG_A:
		write_a(r, v, t);
		return;
	case RTC_REG_B:
		write_b(r, v, t);
		return;
	case RTC_REG_C:
	case RTC_REG_D: /* read-only */
		return;
	}
	if (is_time_reg(i) && running(r))
		move_clock(r, i, v, t);
	else
		r->cmos[i] = v;
}

/* ---- the interface ------------------------------------------------------- */

void vrtc_init(struct vrtc *r, uint64_t start_secs, uint64_t start_tsc,
	       uint64_t tsc_khz, const struct vrtc_ops *ops, void *ctx)
{
	uint64_t khz = tsc_khz ? tsc_khz : 1; /* never divide by 0 */

	*r = (struct vrtc){ .hz = khz * 1000,
			    .uip_ticks = khz * VRTC_UIP_US / 1000,
			    .secs = (int64_t)start_secs, .sec_tsc = start_tsc,
			    .div_tsc = start_tsc, .last = start_tsc,
			    .ops = ops, .ctx = ctx };
	r->cmos[RTC_REG_A] = RTC_A_DV_NORMAL | 6; /* 1024 Hz */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->cmos[RTC_REG_D] = RTC_D_VRT;
	latch(r, r->secs); /* the registers as if stopped now */
}

/* The RESET pin (data sheet, "RESET"): clock, calendar and RAM stay;
 * PIE, AIE, UIE, SQWE and the flags clear; IRQ is released. */
void vrtc_reset(struct vrtc *r)
{
	uint64_t t = now(r);

	advance(r, t);
	r->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE |
					 RTC_B_SQWE);
	r->flags = 0;
	r->index = 0;
	r->nmi_disabled = false;
	settle(r, t);
}

uint8_t vrtc_read(struct vrtc *r, uint16_t port)
{
	uint64_t t;
	uint8_t v;

	if (port != VRTC_PORT_DATA)
		return 0xff; /* 0x70 is write-only */
	t = now(r);
	advance(r, t);
	v = reg_read(r, r->index, t);
	settle(r, t);
	return v;
}

void vrtc_write(struct vrtc *r, uint16_t port, uint8_t val)
{
	uint64_t t;

	if (port == VRTC_PORT_INDEX) {
		r->index = val & 0x7f;
		r->nmi_disabled = val & 0x80;
		return;
	}
	if (port != VRTC_PORT_DATA)
		return;
	t = now(r);
	advance(r, t);
	reg_write(r, r->index, val, t);
	settle(r, t);
}

void vrtc_timer_expired(struct vrtc *r, uint64_t t)
{
	if (!r->deadline || t < r->deadline)
		return;
	r->deadline = 0; /* the host timer is spent */
	advance(r, t);
	settle(r, t);
}

int64_t vrtc_time(struct vrtc *r)
{
	uint8_t dow;

	return running(r) ? secs_at(r, now(r)) : regs_time(r, &dow);
}

int vrtc_nvram_set(struct vrtc *r, unsigned index, uint8_t val)
{
	if (index < RTC_NVRAM_FIRST || index >= RTC_CMOS_SIZE ||
	    index == RTC_CENTURY)
		return -1;
	r->cmos[index] = val;
	return 0;
}
