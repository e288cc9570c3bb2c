/* SPDX-License-Identifier: MIT */
#include "arch/ioapic.h"

#include "arch/mm.h"
#include "arch/platform.h"
#include "drivers/vtd.h"
#include "lib/errno.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

/* MADT interrupt source override flags (ACPI 6.4, table 5.50). */
#define MPS_POLARITY(f) ((f) & 3)     /* 0 bus default, 1 high, 3 low */
#define MPS_TRIGGER(f) ((f) >> 2 & 3) /* 0 bus default, 1 edge, 3 level */

static uint32_t rd(uint64_t base, uint32_t reg)
{
	*(volatile uint32_t *)phys_to_virt(base + IOREGSEL) = reg;
	return *(volatile uint32_t *)phys_to_virt(base + IOWIN);
}

static void wr(uint64_t base, uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)phys_to_virt(base + IOREGSEL) = reg;
	*(volatile uint32_t *)phys_to_virt(base + IOWIN) = val;
}

/* The upper half of a redirection entry. Under interrupt remapping the
 * entry names a remapping-table entry instead (VT-d 5.1.5.1: format bit
 * 48, handle in 63:49 and 11), since compatibility-format interrupts are
 * blocked there. */
static uint32_t remap(uint8_t vector, uint32_t apic_id, uint32_t *low)
{
	int h = vtd_ir_active() ? vtd_irte_alloc(vector, apic_id) : -1;

	if (h < 0)
		return apic_id << 24;
	*low |= (uint32_t)(h >> 15 & 1) << 11;
	return (uint32_t)(h & 0x7fff) << 17 | 1u << 16;
}

int ioapic_route_isa(unsigned irq, uint8_t vector, uint32_t apic_id)
{
	const struct acpi_info *a = &platform_acpi;
	uint32_t gsi = irq, low = vector;
	uint16_t flags = 0;

	for (unsigned i = 0; i < a->n_overrides; i++)
		if (a->override[i].source == irq) {
			gsi = a->override[i].gsi;
			flags = a->override[i].flags;
		}
	/* ISA's default is edge, active high */
	if (MPS_POLARITY(flags) == 3)
		low |= RTE_ACTIVE_LOW;
	if (MPS_TRIGGER(flags) == 3)
		low |= RTE_LEVEL;
	for (unsigned i = 0; i < a->n_ioapics; i++) {
		uint64_t base = a->ioapic[i].addr;
		uint32_t pin = gsi - a->ioapic[i].gsi_base;

		if (gsi < a->ioapic[i].gsi_base ||
		    pin > (rd(base, IOAPICVER) >> 16 & 0xff))
			continue;
		wr(base, IOREDTBL(pin), RTE_MASKED);
		wr(base, IOREDTBL(pin) + 1, remap(vector, apic_id, &low));
		wr(base, IOREDTBL(pin), low);
		return 0;
	}
	return -ENODEV;
}
