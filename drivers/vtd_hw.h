/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d (specification 4.1) register layout and table formats, and
 * the pure encoders of its entries: root and context entries (9.1-9.4),
 * second-level page tables (9.8, a struct pt_format for the shared engine
 * of ept/pt.c), interrupt-remapping entries (9.9), invalidation
 * descriptors (6.5.2) and the remappable MSI format (5.1.5.2).
 */
#ifndef DRIVERS_VTD_HW_H
#define DRIVERS_VTD_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "ept/pt.h"

/* registers (11.4) */
#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38
#define VTD_FEDATA 0x3c
#define VTD_FEADDR 0x40
#define VTD_FEUADDR 0x44
#define VTD_IQH 0x80
#define VTD_IQT 0x88
#define VTD_IQA 0x90
#define VTD_ICS 0x9c
#define VTD_IRTA 0xb8

#define CAP_ND(c) ((unsigned)((c) & 7))
#define CAP_RWBF (1ull << 4)
#define CAP_CM (1ull << 7)
#define CAP_SAGAW(c) ((unsigned)((c) >> 8 & 0x1f))
#define CAP_FRO(c) ((unsigned)((c) >> 24 & 0x3ff) * 16)
#define CAP_SLLPS(c) ((unsigned)((c) >> 34 & 0xf))
#define CAP_NFR(c) ((unsigned)((c) >> 40 & 0xff) + 1)
#define ECAP_C (1ull << 0)
#define ECAP_QI (1ull << 1)
#define ECAP_IR (1ull << 3)
#define ECAP_EIM (1ull << 4)
#define ECAP_IRO(e) ((unsigned)((e) >> 8 & 0x3ff) * 16)

/* GCMD and GSTS share bit positions */
#define GCMD_TE (1u << 31)
#define GCMD_SRTP (1u << 30)
#define GCMD_WBF (1u << 27)
#define GCMD_QIE (1u << 26)
#define GCMD_IRE (1u << 25)
#define GCMD_SIRTP (1u << 24)
#define GCMD_CFI (1u << 23)
#define GSTS_ONE_SHOT (GCMD_SRTP | GCMD_WBF | GCMD_SIRTP) /* not states */

#define CCMD_ICC (1ull << 63)
#define CCMD_GLOBAL (1ull << 61)
#define IOTLB_IVT (1ull << 63)
#define IOTLB_GLOBAL (1ull << 60)
#define IOTLB_DOMAIN (2ull << 60)
#define IOTLB_DR (1ull << 49)
#define IOTLB_DW (1ull << 48)
#define IOTLB_DID(d) ((uint64_t)(d) << 32)

#define FSTS_PFO (1u << 0)
#define FSTS_PPF (1u << 1)
#define FSTS_IQE (1u << 4)
#define FSTS_FRI(f) ((f) >> 8 & 0xff)
#define FECTL_IM (1u << 31)
/* fault recording register, upper qword (11.4.14) */
#define FRCD_F (1ull << 63)
#define FRCD_T_READ (1ull << 62)
#define FRCD_FR(h) ((unsigned)((h) >> 32 & 0xff))
#define FRCD_SID(h) ((uint16_t)((h) & 0xffff))

/* second-level paging entries (9.8) */
#define SL_R (1ull << 0)
#define SL_W (1ull << 1)
#define SL_PS (1ull << 7)

/* AGAW: 2 = 48-bit, 4 levels; 1 = 39-bit, 3 levels */
#define VTD_AW_39 1
#define VTD_AW_48 2

struct vtd_entry { /* root, context, IRTE, invalidation descriptor */
	uint64_t lo, hi;
};

struct vtd_entry vtd_root_entry(uint64_t context_table_pa);
struct vtd_entry vtd_context_entry(uint64_t slpt_pa, unsigned aw,
				   uint16_t domain_id);
/* xAPIC destination (8-bit APIC ID), physical mode, fixed, edge */
struct vtd_entry vtd_irte(uint8_t vector, uint32_t apic_id, bool x2apic);
struct vtd_entry vtd_inv_context_global(void);
struct vtd_entry vtd_inv_iotlb_domain(uint16_t domain_id);
struct vtd_entry vtd_inv_iec_global(void);
struct vtd_entry vtd_inv_wait(uint64_t status_pa, uint32_t data);

/* The MSI address and data that name IRTE handle (SHV = 0). */
void vtd_msi_remappable(uint16_t handle, uint64_t *addr, uint32_t *data);

/* The second-level format for ept/pt.c, with large pages as CAP.SLLPS
 * allows. */
void vtd_sl_format(uint64_t cap, struct pt_format *out);

/* "write to a page without write permission" etc. (table 7-29) */
const char *vtd_fault_reason(unsigned reason);

/* Software walk of root → context → second-level tables, as the
 * hardware does it: 0 and the physical address and permissions, or the
 * VT-d fault reason (positive) it would record. virt(pa) reaches a
 * table; levels: 3 or 4. For tests and for the self-test. */
int vtd_walk(const void *(*virt)(uint64_t pa), uint64_t root_pa, uint16_t bdf,
	     uint64_t iova, uint64_t *pa, bool *r, bool *w);

#endif
