/* SPDX-License-Identifier: MIT */
/*
 * The VT-d IOMMU driver: every remapping unit the DMAR table lists gets a
 * root table in which no device has a context entry, so DMA is blocked
 * (and reported) for every device the hypervisor has not given to a
 * domain; devices named by an RMRR get an identity map of those ranges.
 * Domains are second-level page tables built by the page-table engine of
 * ept/pt.c. Invalidation goes through the invalidation queue where the
 * unit has one, through the registers otherwise. Faults are recorded and
 * reported by the fault-event interrupt; interrupt remapping (which needs
 * the queue) routes MSIs through a table the hypervisor owns.
 */
#ifndef DRIVERS_VTD_H
#define DRIVERS_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include "ept/pt.h"

#define VEC_IOMMU_FAULT 0xf3

struct vtd_domain {
	uint16_t id;
	struct pt pt;
};

struct vtd_fault { /* the last one recorded, for the self-test */
	uint16_t sid;
	uint8_t reason;
	bool read;
	uint64_t addr;
};

/* Parses DMAR and enables DMA remapping on every unit (and interrupt
 * remapping where offered). 0; -ENODEV without a DMAR (nothing done);
 * another negative error when the table or a unit is unusable (then
 * remapping is left off everywhere, loudly). */
int vtd_init(void);
bool vtd_active(void);
bool vtd_ir_active(void);

int vtd_domain_init(struct vtd_domain *d);
int vtd_domain_map(struct vtd_domain *d, uint64_t iova, uint64_t pa,
		   uint64_t size, bool write);
int vtd_domain_unmap(struct vtd_domain *d, uint64_t iova, uint64_t size);
/* Puts device bdf (segment 0) in the domain, or back in none (blocked). */
int vtd_attach(uint16_t bdf, struct vtd_domain *d);
int vtd_detach(uint16_t bdf);

/* An interrupt-remapping entry delivering vector to apic_id: the handle
 * (>= 0) to put in a remappable MSI or I/O APIC entry, or -ENOSPC. */
int vtd_irte_alloc(uint8_t vector, uint32_t apic_id);
int vtd_irte_set(int handle, uint8_t vector, uint32_t apic_id);

extern volatile unsigned vtd_fault_count;
extern struct vtd_fault vtd_last_fault;

/* iommu=selftest on QEMU (-device intel-iommu,intremap=on -device edu):
 * DMA into a mapped page, DMA to an unmapped one (blocked, reported),
 * an MSI through the remapping table. */
void vtd_selftest(void);

#endif
