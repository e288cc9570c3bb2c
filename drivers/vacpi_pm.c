/* SPDX-License-Identifier: MIT */
/* ACPI fixed hardware: PM1a event and control blocks and the PM timer
 * (ACPI 6.4, 4.8.3). */
#include "drivers/vacpi_pm.h"

enum { BLK_EVT, BLK_CNT, BLK_TMR, BLK_NONE };

static const unsigned blk_len[] = { VACPI_PM1_EVT_LEN, VACPI_PM1_CNT_LEN,
				    VACPI_PM_TMR_LEN };

static uint64_t now(const struct vacpi_pm *pm)
{
	return pm->ops && pm->ops->now ? pm->ops->now(pm->ctx) : 0;
}

/* Timer ticks since guest TSC 0 (4.8.3.3: 3.579545 MHz), exact modulo
 * 2^64: floor(tsc * HZ / c) = q * HZ + floor(r * HZ / c) with tsc = q * c
 * + r, where only q * HZ may wrap, and r * HZ < c * HZ fits. */
static uint64_t ticks(const struct vacpi_pm *pm, uint64_t tsc)
{
	uint64_t c = pm->tsc_khz * 1000;

	if (!c)
		return 0;
	return tsc / c * VACPI_PM_TIMER_HZ + tsc % c * VACPI_PM_TIMER_HZ / c;
}

uint32_t vacpi_pm_timer(const struct vacpi_pm *pm, uint64_t tsc)
{
	return (uint32_t)(ticks(pm, tsc) & 0xffffff); /* TMR_VAL_EXT = 0 */
}

void vacpi_pm_init(struct vacpi_pm *pm, uint16_t pm1a_evt, uint16_t pm1a_cnt,
		   uint16_t pm_tmr, uint64_t tsc_khz,
		   const struct vacpi_pm_ops *ops, void *ctx)
{
	*pm = (struct vacpi_pm){ .evt = pm1a_evt, .cnt = pm1a_cnt,
				 .tmr = pm_tmr, .tsc_khz = tsc_khz,
				 .ops = ops, .ctx = ctx };
}

void vacpi_pm_reset(struct vacpi_pm *pm)
{
	pm->sts = pm->en = pm->ctl = 0;
	pm->tmr_epoch = ticks(pm, now(pm)) >> 23;
}

/* Which block a port is in, and its offset there. */
static int block(const struct vacpi_pm *pm, uint16_t port, unsigned *off)
{
	const uint16_t base[] = { pm->evt, pm->cnt, pm->tmr };

	for (int b = BLK_EVT; b < BLK_NONE; b++) {
		*off = (uint16_t)(port - base[b]);
		if (*off < blk_len[b])
			return b;
	}
	return BLK_NONE;
}

/* PM1_STS: TMR_STS is set whenever bit 23 of the timer has changed since
 * the OS last cleared it (table 4.11). */
static uint16_t pm1_sts(const struct vacpi_pm *pm, uint64_t t)
{
	return pm->sts | ((t >> 23) != pm->tmr_epoch ? PM1_TMR_STS : 0);
}

/* A whole block's value, read once per access. */
static uint32_t blk_value(const struct vacpi_pm *pm, int b)
{
	uint64_t t = ticks(pm, now(pm));

	switch (b) {
	case BLK_EVT:
		return pm1_sts(pm, t) | (uint32_t)pm->en << 16;
	case BLK_CNT: /* SCI_EN reads 1; SLP_EN and GBL_RLS read 0 */
		return pm->ctl | PM1_SCI_EN;
	default:
		return (uint32_t)(t & 0xffffff);
	}
}

bool vacpi_pm_read(struct vacpi_pm *pm, uint16_t port, unsigned size,
		   uint32_t *val)
{
	unsigned off;
	int b = block(pm, port, &off);
	uint32_t v, r = 0;

	*val = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (b == BLK_NONE)
		return false;
	v = blk_value(pm, b);
	for (unsigned i = 0; i < size && i < 4; i++) {
		uint32_t byte = 0xff; /* past the block */

		if (off + i < blk_len[b])
			byte = v >> (8 * (off + i)) & 0xff;
		r |= byte << (8 * i);
	}
	*val = r;
	return true;
}

/* Write-1-to-clear status bits (4.8.3.1.1). */
static void write_sts(struct vacpi_pm *pm, unsigned byte, uint8_t v)
{
	uint16_t clear = (uint16_t)(v << (8 * byte));

	if (clear & PM1_TMR_STS)
		pm->tmr_epoch = ticks(pm, now(pm)) >> 23;
	pm->sts &= (uint16_t)~clear;
}

static void write_en(struct vacpi_pm *pm, unsigned byte, uint8_t v)
{
	uint16_t mask = (uint16_t)(0xff << (8 * byte)) & PM1_EN_MASK;

	pm->en = (uint16_t)((pm->en & ~mask) | (v << (8 * byte) & mask));
}

/* PM1_CNT (table 4.13): BM_RLD and SLP_TYP are kept; SLP_EN = 1 starts
 * the sleep transition to SLP_TYP (4.8.3.2.1); GBL_RLS (no BIOS to
 * release the global lock to) and SCI_EN (always 1) are ignored. */
static void write_cnt(struct vacpi_pm *pm, unsigned byte, uint8_t v)
{
	const uint16_t keep = PM1_BM_RLD | PM1_SLP_TYP_MASK;
	uint16_t mask = (uint16_t)(0xff << (8 * byte)) & keep;
	uint16_t w = (uint16_t)(v << (8 * byte));

	pm->ctl = (uint16_t)((pm->ctl & ~mask) | (w & mask));
	if (!(w & PM1_SLP_EN))
		return;
	if (pm->ops && pm->ops->sleep)
		pm->ops->sleep(pm->ctx, (pm->ctl & PM1_SLP_TYP_MASK) >>
					       PM1_SLP_TYP_SHIFT);
	pm->sts |= PM1_WAK_STS; /* back in S0 (4.8.3.1.1, WAK_STS) */
}

static void write_byte(struct vacpi_pm *pm, int b, unsigned off, uint8_t v)
{
	if (b == BLK_EVT && off < 2)
		write_sts(pm, off, v);
	else if (b == BLK_EVT)
		write_en(pm, off - 2, v);
	else if (b == BLK_CNT)
		write_cnt(pm, off, v);
	/* PM_TMR is read-only */
}

bool vacpi_pm_write(struct vacpi_pm *pm, uint16_t port, unsigned size,
		    uint32_t val)
{
	unsigned off;
	int b = block(pm, port, &off);

	if (b == BLK_NONE)
		return false;
	for (unsigned i = 0; i < size && i < 4 && off + i < blk_len[b]; i++)
		write_byte(pm, b, off + i, (uint8_t)(val >> (8 * i)));
	return true;
}
