/* SPDX-License-Identifier: MIT */
/* The machine's I/O APICs, for the few interrupts the hypervisor itself
 * takes (its console's receive interrupt). Everything else stays masked. */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <stdint.h>

/* Routes ISA IRQ irq (through the MADT's overrides) to vector on the
 * CPU with APIC ID apic_id, fixed delivery. 0, or -ENODEV when no I/O
 * APIC serves its GSI. */
int ioapic_route_isa(unsigned irq, uint8_t vector, uint32_t apic_id);

#endif
