/* SPDX-License-Identifier: MIT */
/* The guest's local APIC, xAPIC mode, at the architectural address. */
#ifndef GUESTS_LIB_LAPIC_H
#define GUESTS_LIB_LAPIC_H

#include <stdint.h>

#define LAPIC_BASE 0xfee00000u
#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

static inline uint32_t lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }

static inline void lapic_ipi(uint32_t apic_id, uint32_t icr_lo)
{
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
}

#endif
