/* SPDX-License-Identifier: MIT */
/*
 * The ACPI fixed hardware registers a guest OS drives (ACPI 6.4, 4.8):
 * the PM1a event block (PM1_STS, PM1_EN), the PM1a control block
 * (PM1_CNT) and the 24-bit power management timer (PM_TMR), at the ports
 * given to vacpi_pm_init (for example 0x600, 0x604, 0x608; the FADT must
 * name the same, with lengths 4, 2 and 4 and TMR_VAL_EXT clear).
 *
 * - The platform is always in ACPI mode: SCI_EN reads 1 and the FADT's
 *   SMI_CMD is 0, which since ACPI 2.0 means there are no mode
 *   transitions (FADT SMI_CMD, table 5.9; SCI_EN, table 4.13).
 * - Writing SLP_EN = 1 calls ops->sleep(ctx, SLP_TYP) (4.8.3.2.1); when
 *   that returns, WAK_STS is set, since an OS entering S1 waits for it.
 * - PM_TMR counts at 3.579545 MHz from guest TSC 0: exactly
 *   floor(tsc * 3579545 / (tsc_khz * 1000)) mod 2^24. TMR_STS reports
 *   every change of its bit 23 since the OS last cleared it (4.8.3.3).
 * - No SCI (IRQ 9) is generated: nothing here raises one, and the FADT
 *   declares the power and sleep buttons as not fixed features. PM1_EN
 *   keeps what the OS writes.
 *
 * Registers may be accessed with any width; a multi-byte access acts
 * byte by byte, little-endian (bytes beyond the block read 0xff).
 * Not thread-safe: the caller serialises calls.
 */
#ifndef DRIVERS_VACPI_PM_H
#define DRIVERS_VACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#define VACPI_PM_TIMER_HZ 3579545u

#define VACPI_PM1_EVT_LEN 4
#define VACPI_PM1_CNT_LEN 2
#define VACPI_PM_TMR_LEN 4

/* PM1_STS and PM1_EN bits (tables 4.11, 4.12). */
#define PM1_TMR_STS (1u << 0)
#define PM1_BM_STS (1u << 4)
#define PM1_GBL_STS (1u << 5)
#define PM1_PWRBTN_STS (1u << 8)
#define PM1_SLPBTN_STS (1u << 9)
#define PM1_RTC_STS (1u << 10)
#define PM1_PCIEXP_WAKE_STS (1u << 14)
#define PM1_WAK_STS (1u << 15)
#define PM1_EN_MASK 0x4721u /* TMR, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE_DIS */

/* PM1_CNT bits (table 4.13). */
#define PM1_SCI_EN (1u << 0)
#define PM1_BM_RLD (1u << 1)
#define PM1_GBL_RLS (1u << 2) /* write-only */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << 10)
#define PM1_SLP_EN (1u << 13) /* write-only */

/* Every callback may be NULL. */
struct vacpi_pm_ops {
	uint64_t (*now)(void *ctx); /* the guest's TSC */
	/* SLP_EN written with SLP_TYP = typ (the \_Sx package's value) */
	void (*sleep)(void *ctx, unsigned typ);
};

struct vacpi_pm {
	uint16_t evt, cnt, tmr; /* block base ports */
	uint16_t sts, en, ctl;	/* ctl: the kept bits of PM1_CNT */
	uint64_t tmr_epoch;	/* timer >> 23 at the last TMR_STS clear */
	uint64_t tsc_khz;
	const struct vacpi_pm_ops *ops;
	void *ctx;
};

/* Power-on: PM1_STS, PM1_EN 0, SLP_TYP 0. tsc_khz: the guest TSC rate
 * (the timer is exact for every TSC value while tsc_khz < 5 * 10^9; 0
 * stops it). Calls no callback. */
void vacpi_pm_init(struct vacpi_pm *pm, uint16_t pm1a_evt, uint16_t pm1a_cnt,
		   uint16_t pm_tmr, uint64_t tsc_khz,
		   const struct vacpi_pm_ops *ops, void *ctx);
/* VM reset: the registers as at power-on; the timer runs on. */
void vacpi_pm_reset(struct vacpi_pm *pm);

/* size 1, 2 or 4. true when the port is in one of the blocks. */
bool vacpi_pm_read(struct vacpi_pm *pm, uint16_t port, unsigned size,
		   uint32_t *val);
bool vacpi_pm_write(struct vacpi_pm *pm, uint16_t port, unsigned size,
		    uint32_t val);

/* The 24-bit PM_TMR value at guest TSC tsc. */
uint32_t vacpi_pm_timer(const struct vacpi_pm *pm, uint64_t tsc);

#endif
