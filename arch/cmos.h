/* SPDX-License-Identifier: MIT */
/* The machine's own real-time clock, read once to start the VMs' clocks. */
#ifndef ARCH_CMOS_H
#define ARCH_CMOS_H

#include <stdint.h>

/* The host's RTC as seconds since 1970-01-01 00:00:00 (the RTC is taken
 * to keep UTC, as Linux and QEMU's -rtc base=utc do); 0 if it reads as
 * nonsense. */
int64_t cmos_time(void);

#endif
