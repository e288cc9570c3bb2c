/* SPDX-License-Identifier: MIT */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdint.h>

extern uint64_t tsc_khz;
extern uint64_t boot_tsc; /* TSC at the first instruction of the entry */

/* Finds the TSC rate: CPUID leaf 0x15 when it says, else the PIT. */
void tsc_init(void);
void udelay(uint64_t us);
uint64_t tsc_to_us(uint64_t ticks);
/* TSC ticks <-> nanoseconds, exact to a tick for any 64-bit value. */
uint64_t tsc_ns(uint64_t ticks);
uint64_t ns_tsc(uint64_t ns);

#endif
