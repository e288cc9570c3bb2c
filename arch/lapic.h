/* SPDX-License-Identifier: MIT */
/* The host's local APIC, in x2APIC mode when the CPU has it. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_ID 0x20
#define LAPIC_VER 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ESR 0x280
#define LAPIC_ICR 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370

#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_BUSY (1u << 12)

/* Boot CPU: choose the mode (x2APIC if offered) and the xAPIC base, and
 * silence the legacy 8259 PICs. */
void lapic_setup(void);
/* Every CPU: enable its APIC in the chosen mode. */
void lapic_init(void);
uint32_t lapic_id(void);
bool lapic_x2apic(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

#define VEC_TIMER 0xf0
#define VEC_KICK 0xf1
#define VEC_CONSOLE 0xf2 /* the console UART's receive interrupt */
/* Boot CPU, after the TSC rate is known: picks TSC-deadline mode, or
 * calibrates the one-shot count against the TSC. */
void lapic_timer_setup(void);
/* Raises VEC_TIMER at (or shortly after) TSC value tsc on this CPU. */
void lapic_timer_at(uint64_t tsc);

#endif
