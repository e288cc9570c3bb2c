/* SPDX-License-Identifier: MIT */
/* The 8254 as the Intel 8254 data sheet describes it: control word
 * format, read/write operations (counter latch command, read-back
 * command, status byte) and the six modes ("Mode Definitions"), with the
 * PC's port 0x61. Counting is computed from the PIT tick count, which is
 * computed from the TSC (see drivers/vpit.h). */
#include "drivers/vpit.h"

#include "lib/muldiv.h"

#define NO_TICK UINT64_MAX
#define CW_SC(v) ((v) >> 6)
#define CW_RW(v) (((v) >> 4) & 3)
#define CW_MODE(v) (((v) >> 1) & 7)
#define CW_READ_BACK 3
#define RB_NO_COUNT 0x20 /* read-back: bits 5/4 are active low */
#define RB_NO_STATUS 0x10
#define ST_OUT 0x80
#define ST_NULL 0x40

/* ---- the PIT clock ------------------------------------------------------ */

static uint64_t tsc_hz(const struct vpit *p)
{
	return p->tsc_khz * 1000;
}

uint64_t vpit_tick_at(const struct vpit *p, uint64_t tsc)
{
	if (tsc <= p->t0)
		return 0;
	return mul_div(tsc - p->t0, VPIT_HZ, tsc_hz(p));
}

/* a * b / c rounded up; a * b mod c computed from the residues, which
 * fits in 64 bits for c = VPIT_HZ. */
static uint64_t mul_div_up(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t q = mul_div(a, b, c);

	return (a % c) * (b % c) % c ? q + 1 : q;
}

uint64_t vpit_tsc_of(const struct vpit *p, uint64_t g)
{
	return p->t0 + mul_div_up(g, tsc_hz(p), VPIT_HZ);
}

static uint64_t now_tick(const struct vpit *p)
{
	return vpit_tick_at(p, p->ops->now(p->ctx));
}

/* ---- counting (data sheet "Mode Definitions") --------------------------- */

/* Modes 6 and 7 are 2 and 3 ("X" bit in the control word). */
static unsigned eff_mode(const struct vpit_channel *c)
{
	return c->mode > 5 ? c->mode - 4u : c->mode;
}

static uint32_t modulus(const struct vpit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* CE and OUT k clocks after count n was loaded. Modes 0, 1, 4, 5 count
 * down by one and wrap; 0 and 1 hold OUT low until the terminal count,
 * 4 and 5 pulse it low for the clock at the terminal count. Mode 2 goes
 * low on the clock at 1 and reloads; mode 3 counts down by two, high for
 * ceil(n / 2) clocks and low for floor(n / 2), an odd count loading
 * n - 1 ("Mode 3", odd counts). */
static void run_at(const struct vpit_channel *c, uint32_t n, uint64_t k,
		   uint32_t *ce, bool *out)
{
	uint32_t m = modulus(c), p, h;

	switch (eff_mode(c)) {
	case 0:
	case 1:
		*ce = (uint32_t)((n + m - k % m) % m);
		*out = k >= n;
		return;
	case 2:
		p = (uint32_t)(k % n);
		*ce = (n - p) % m;
		*out = p != n - 1;
		return;
	case 3:
		p = (uint32_t)(k % n);
		h = (n + 1) / 2;
		*out = p < h;
		*ce = ((n & ~1u) - 2 * (p < h ? p : p - h)) % m;
		return;
	default: /* 4, 5 */
		*ce = (uint32_t)((n + m - k % m) % m);
		*out = k != n;
	}
}

static void eval(const struct vpit_channel *c, uint64_t g, uint32_t *ce,
		 bool *out)
{
	if (c->run == VPIT_SUSPENDED)
		run_at(c, c->n, c->k0, ce, out);
	else if (c->run == VPIT_RUN && g >= c->start)
		run_at(c, c->n, g - c->start + c->k0, ce, out);
	else {
		*ce = c->idle_ce;
		*out = c->idle_out;
	}
}

static bool out_at(const struct vpit_channel *c, uint64_t g)
{
	uint32_t ce;
	bool out;

	eval(c, g, &ce, &out);
	return out;
}

/* A count waiting for the end of a cycle is loaded once it is due. */
static void sync(struct vpit_channel *c, uint64_t g)
{
	if (!c->pend || g < c->pend_start)
		return;
	c->n = c->pend_n;
	c->start = c->pend_start;
	c->k0 = c->pend_k0;
	c->pend = false;
}

/* Load n on the clock after tick g. OUT until then: low in mode 0 (a
 * count write sets it low), as it was otherwise. */
static void start_run(struct vpit_channel *c, uint64_t g, uint32_t n)
{
	uint32_t ce;
	bool out;

	eval(c, g, &ce, &out);
	c->idle_ce = (uint16_t)ce;
	c->idle_out = eff_mode(c) == 0 ? false : out;
	c->run = VPIT_RUN;
	c->n = n;
	c->start = g + 1;
	c->k0 = 0;
	c->pend = false;
	if (c->loaded_at == NO_TICK)
		c->loaded_at = g + 1;
}

/* Stop counting at tick g, CE held; OUT as given. */
static void stop(struct vpit_channel *c, uint64_t g, bool out)
{
	uint32_t ce;
	bool o;

	eval(c, g, &ce, &o);
	c->idle_ce = (uint16_t)ce;
	c->idle_out = out;
	c->run = VPIT_IDLE;
	if (c->pend)
		c->loaded_at = NO_TICK;
	c->pend = false;
}

/* Modes 0 and 4: a low gate suspends counting; a high one resumes it. */
static void suspend(struct vpit_channel *c, uint64_t g)
{
	if (c->run != VPIT_RUN)
		return;
	c->k0 = g >= c->start ? g - c->start + c->k0 : c->k0;
	c->run = VPIT_SUSPENDED;
}

static void resume(struct vpit_channel *c, uint64_t g)
{
	if (c->run != VPIT_SUSPENDED)
		return;
	c->run = VPIT_RUN;
	c->start = g;
}

/* Modes 2 and 3: a count written while counting is loaded at the end of
 * the period (mode 2) or half-cycle (mode 3); a mode 3 count loaded at
 * the end of the high half starts in its low half. */
static void reload_later(struct vpit_channel *c, uint64_t g, uint32_t n)
{
	uint64_t k, p, h = (c->n + 1) / 2;

	if (g < c->start) { /* not loaded yet: replace */
		c->n = n;
		return;
	}
	k = g - c->start + c->k0;
	p = k % c->n;
	c->pend = true;
	c->pend_n = n;
	c->pend_k0 = 0;
	if (eff_mode(c) == 3 && p < h) {
		c->pend_start = g + (h - p);
		c->pend_k0 = (n + 1) / 2;
	} else {
		c->pend_start = g + (c->n - p);
	}
	c->loaded_at = c->pend_start;
}

/* ---- gate --------------------------------------------------------------- */

/* Gate effects per mode (data sheet table "Gate Pin Operations
 * Summary"): 0, 4 enable counting; 1, 5 trigger on a rising edge; 2, 3
 * stop with OUT high when low and reload on a rising edge. */
static void set_gate(struct vpit_channel *c, bool gate, uint64_t g)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	switch (eff_mode(c)) {
	case 0:
	case 4:
		if (gate)
			resume(c, g);
		else
			suspend(c, g);
		break;
	case 1:
	case 5:
		if (gate && c->have_count)
			start_run(c, g, c->cr);
		break;
	default:
		if (!gate && c->run != VPIT_IDLE)
			stop(c, g, true);
		else if (gate && c->have_count)
			start_run(c, g, c->cr);
	}
}

/* ---- channel 0: IRQ 0 and the host timer -------------------------------- */

/* The first tick after g at which OUT rises in a run of n from start
 * (k0 at start), or 0 when it never does again. */
static uint64_t run_edge(unsigned mode, uint32_t n, uint64_t start,
			 uint64_t k0, uint64_t g)
{
	int64_t kg = (int64_t)(g - start) + (int64_t)k0;
	uint64_t ke;

	switch (mode) {
	case 0:
	case 1:
		ke = n;
		break;
	case 4:
	case 5:
		ke = (uint64_t)n + 1;
		break;
	default: /* 2, 3: every period; never with the illegal count 1 */
		if (n < 2)
			return 0;
		ke = kg < 0 ? n : ((uint64_t)kg / n + 1) * n;
		return start + (ke - k0);
	}
	return kg >= (int64_t)ke ? 0 : start + (ke - k0);
}

static uint64_t next_edge(const struct vpit_channel *c, uint64_t g)
{
	unsigned mode = eff_mode(c);
	uint64_t e;

	if (c->run != VPIT_RUN)
		return 0;
	e = run_edge(mode, c->n, c->start, c->k0, g);
	if (c->pend && (!e || e > c->pend_start))
		e = run_edge(mode, c->pend_n, c->pend_start, c->pend_k0, g);
	return e;
}

static void report(struct vpit *p, bool level)
{
	if (level == p->irq_level)
		return;
	p->irq_level = level;
	if (p->ops->irq)
		p->ops->irq(p->ctx, level);
}

/* OUT0 between edges: as it is in modes 0 and 1, high otherwise. */
static bool steady_out(const struct vpit_channel *c, uint64_t g)
{
	return eff_mode(c) <= 1 ? out_at(c, g) : true;
}

/* After any change to channel 0 at tick g: report OUT0, re-arm. */
static void ch0_update(struct vpit *p, uint64_t g)
{
	uint64_t e = next_edge(&p->ch[0], g), d = e ? vpit_tsc_of(p, e) : 0;

	report(p, steady_out(&p->ch[0], g));
	if (d == p->deadline)
		return;
	p->deadline = d;
	if (p->ops->set_timer)
		p->ops->set_timer(p->ctx, d);
}

void vpit_timer_expired(struct vpit *p, uint64_t now)
{
	struct vpit_channel *c = &p->ch[0];
	uint64_t g;

	if (!p->deadline || now < p->deadline)
		return;
	g = vpit_tick_at(p, now);
	sync(c, g);
	if (eff_mode(c) > 1)
		report(p, false); /* the low part of the pulse */
	p->deadline = 0;
	ch0_update(p, g);
}

/* An edge due before a guest access is reported first. */
static void catch_up(struct vpit *p, uint64_t now)
{
	vpit_timer_expired(p, now);
}

/* ---- latches and reads (data sheet "Read Operations") ------------------- */

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
			  (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	return (v & 15) + (v >> 4 & 15) * 10 + (v >> 8 & 15) * 100 +
	       (v >> 12 & 15) * 1000u;
}

static uint16_t count_value(const struct vpit_channel *c, uint64_t g)
{
	uint32_t ce;
	bool out;

	eval(c, g, &ce, &out);
	return c->bcd ? to_bcd(ce) : (uint16_t)ce;
}

/* A second latch command before the first is read is ignored. */
static void latch_count(struct vpit_channel *c, uint64_t g)
{
	if (c->latch_n)
		return;
	c->latch = count_value(c, g);
	c->latch_n = c->rw == 3 ? 2 : 1;
}

/* Status byte: OUT, null count, RW1 RW0, M2 M1 M0, BCD. */
static void latch_status(struct vpit_channel *c, uint64_t g)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((out_at(c, g) ? ST_OUT : 0) |
			      (g < c->loaded_at ? ST_NULL : 0) | c->rw << 4 |
			      c->mode << 1 | c->bcd);
	c->status_latched = true;
}

static uint8_t byte_of(const struct vpit_channel *c, uint16_t v, bool msb)
{
	if (c->rw == 1 || (c->rw == 3 && !msb))
		return (uint8_t)v;
	return (uint8_t)(v >> 8);
}

/* Latched status first, then a latched count, else the live count. */
static uint8_t read_data(struct vpit_channel *c, uint64_t g)
{
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_n)
		return byte_of(c, c->latch, --c->latch_n == 0 && c->rw == 3);
	msb = c->rd_msb;
	if (c->rw == 3)
		c->rd_msb = !c->rd_msb;
	return byte_of(c, count_value(c, g), msb);
}

/* ---- writes (data sheet "Write Operations") ----------------------------- */

/* A control word resets the channel's logic: OUT to its initial level
 * (low in mode 0, high otherwise), counting stops until a count comes,
 * byte sequencing restarts, latches are released. */
static void write_control(struct vpit_channel *c, uint8_t val, uint64_t g)
{
	stop(c, g, CW_MODE(val) != 0);
	c->rw = CW_RW(val);
	c->mode = CW_MODE(val);
	c->bcd = val & 1;
	c->wr_msb = false;
	c->rd_msb = false;
	c->latch_n = 0;
	c->status_latched = false;
	c->have_count = false;
	c->loaded_at = NO_TICK;
}

/* A complete count: 0 is the largest count. Modes 0 and 4 (re)start on
 * the next clock (suspended while the gate is low); 1 and 5 wait for a
 * gate trigger; 2 and 3 start when idle and reload at the end of the
 * cycle when counting. */
static void load_count(struct vpit_channel *c, uint16_t raw, uint64_t g)
{
	uint32_t n = c->bcd ? from_bcd(raw) % 10000 : raw;

	c->cr = n ? n : modulus(c);
	c->have_count = true;
	c->loaded_at = NO_TICK;
	switch (eff_mode(c)) {
	case 0:
	case 4:
		start_run(c, g, c->cr);
		if (!c->gate)
			suspend(c, g);
		break;
	case 1:
	case 5:
		break;
	default:
		if (!c->gate)
			break;
		if (c->run == VPIT_RUN)
			reload_later(c, g, c->cr);
		else
			start_run(c, g, c->cr);
	}
}

/* In mode 0 the first byte of a two-byte count stops counting and sets
 * OUT low at once ("Mode 0"). */
static void write_data(struct vpit_channel *c, uint8_t val, uint64_t g)
{
	if (c->rw == 1) {
		load_count(c, val, g);
	} else if (c->rw == 2) {
		load_count(c, (uint16_t)(val << 8), g);
	} else if (!c->wr_msb) {
		c->wr_lsb = val;
		c->wr_msb = true;
		if (eff_mode(c) == 0)
			stop(c, g, false);
	} else {
		c->wr_msb = false;
		load_count(c, (uint16_t)(c->wr_lsb | val << 8), g);
	}
}

/* Read-back: bits 3:1 select channels 2:0; bit 5 clear latches counts,
 * bit 4 clear latches status. */
static void read_back(struct vpit *p, uint8_t val, uint64_t g)
{
	for (unsigned i = 0; i < 3; i++) {
		if (!(val & (2u << i)))
			continue;
		if (!(val & RB_NO_COUNT))
			latch_count(&p->ch[i], g);
		if (!(val & RB_NO_STATUS))
			latch_status(&p->ch[i], g);
	}
}

static void write_command(struct vpit *p, uint8_t val, uint64_t g)
{
	struct vpit_channel *c;

	if (CW_SC(val) == CW_READ_BACK) {
		read_back(p, val, g);
		return;
	}
	c = &p->ch[CW_SC(val)];
	if (CW_RW(val) == 0)
		latch_count(c, g);
	else
		write_control(c, val, g);
}

/* ---- port 0x61 ---------------------------------------------------------- */

static uint8_t read_61(const struct vpit *p, uint64_t g)
{
	const struct vpit_channel *c2 = &p->ch[2];

	return (uint8_t)((c2->gate ? VPIT_61_GATE2 : 0) |
			 (p->speaker ? VPIT_61_SPEAKER : 0) |
			 ((g / VPIT_REFRESH_TICKS) & 1 ? VPIT_61_REFRESH : 0) |
			 (out_at(c2, g) ? VPIT_61_OUT2 : 0));
}

/* ---- entry points ------------------------------------------------------- */

void vpit_init(struct vpit *p, uint64_t tsc_khz, const struct vpit_ops *ops,
	       void *ctx)
{
	*p = (struct vpit){ .tsc_khz = tsc_khz, .ops = ops, .ctx = ctx,
			    .irq_level = true };
	p->t0 = ops->now(ctx);
	for (unsigned i = 0; i < 3; i++) {
		struct vpit_channel *c = &p->ch[i];

		c->gate = i != 2;
		write_control(c, 0x36, 0);
		c->cr = 65536;
	}
}

bool vpit_is_port(uint16_t port)
{
	return (port >= VPIT_PORT_CH0 && port <= VPIT_PORT_CONTROL) ||
	       port == VPIT_PORT_61;
}

static void sync_all(struct vpit *p, uint64_t g)
{
	for (unsigned i = 0; i < 3; i++)
		sync(&p->ch[i], g);
}

uint8_t vpit_read(struct vpit *p, uint16_t port)
{
	uint64_t g;

	if (!vpit_is_port(port) || port == VPIT_PORT_CONTROL)
		return 0xff;
	g = now_tick(p);
	sync_all(p, g);
	if (port == VPIT_PORT_61)
		return read_61(p, g);
	return read_data(&p->ch[port - VPIT_PORT_CH0], g);
}

void vpit_write(struct vpit *p, uint16_t port, uint8_t val)
{
	uint64_t now, g;

	if (!vpit_is_port(port))
		return;
	now = p->ops->now(p->ctx);
	catch_up(p, now);
	g = vpit_tick_at(p, now);
	sync_all(p, g);
	if (port == VPIT_PORT_61) {
		p->speaker = val & VPIT_61_SPEAKER;
		set_gate(&p->ch[2], val & VPIT_61_GATE2, g);
		return;
	}
	if (port == VPIT_PORT_CONTROL)
		write_command(p, val, g);
	else
		write_data(&p->ch[port - VPIT_PORT_CH0], val, g);
	ch0_update(p, g);
}
