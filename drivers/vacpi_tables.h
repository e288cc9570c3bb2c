/* SPDX-License-Identifier: MIT */
/*
 * A VM's ACPI tables (ACPI 6.4, chapter 5), built into a buffer that the
 * caller copies to guest-physical buf_gpa (normally the BIOS area
 * 0xe0000, 128 KiB, where an OS scans for the RSDP):
 *
 *   RSDP  revision 2, 36 bytes, 16-byte aligned, both checksums, with
 *         the RSDT (for ACPI 1.0 OSes) and XSDT addresses
 *   FACS  64 bytes, 64-byte aligned (no firmware waking vector)
 *   FADT  revision 6.0 layout (276 bytes), see drivers/vacpi_tables.c
 *   MADT  one enabled Local APIC per vCPU (UID = APIC ID = index), one
 *         I/O APIC (GSI base 0), ISA IRQ 0 -> GSI 2 and SCI IRQ -> GSI
 *         (level, active high) overrides, LINT1 = NMI on all processors
 *   XSDT, RSDT  -> FADT, MADT
 *   DSDT  \_S0, \_S5 (SLP_TYP 0 and 5: what the PM1a_CNT model passes to
 *         its sleep callback), \_SB.PCI0 (PNP0A03, _UID 0, _BBN 0, _CRS
 *         with bus 0-255, the 0xcf8 ports, the I/O windows around them
 *         and an optional 32-bit memory window), and one processor
 *         device (ACPI0007) per vCPU, \_SB.C000..C00F, _UID = index.
 *
 * Everything is deterministic: the same parameters give the same bytes.
 * The whole buffer is written (zeros after the tables), so no stale
 * "RSD PTR " can be found in it. Tables must lie below 4 GiB (RSDT).
 */
#ifndef DRIVERS_VACPI_TABLES_H
#define DRIVERS_VACPI_TABLES_H

#include <stdint.h>

#define VACPI_MAX_CPUS 16
#define VACPI_BIOS_AREA 0xe0000u
#define VACPI_BIOS_AREA_SIZE 0x20000u
#define VACPI_LAPIC_ADDR 0xfee00000u

#define VACPI_OEM_ID "HVMICR"	      /* 6 characters */
#define VACPI_OEM_TABLE_ID "HVVIRT  " /* 8 characters */
#define VACPI_OEM_REVISION 1
#define VACPI_CREATOR_ID "HVMC"
#define VACPI_CREATOR_REVISION 1

/* FADT fields this builder fixes (table 5.9, 5.10, 5.11). */
#define VACPI_FADT_LEN 276
#define VACPI_FADT_REVISION 6
#define VACPI_FADT_MINOR 0
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_PWR_BUTTON (1u << 4) /* 1: no fixed-feature power button */
#define FADT_SLP_BUTTON (1u << 5) /* 1: no fixed-feature sleep button */
#define FADT_FIX_RTC (1u << 6)	  /* 1: no RTC wake status in PM1 */
#define FADT_RESET_REG_SUP (1u << 10)
#define VACPI_FADT_FLAGS (FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | \
			  FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_RESET_REG_SUP)
#define IAPC_LEGACY_DEVICES (1u << 0)
#define IAPC_8042 (1u << 1)
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define VACPI_IAPC_BOOT_ARCH (IAPC_LEGACY_DEVICES | IAPC_VGA_NOT_PRESENT)

struct vacpi_params {
	unsigned n_cpus;	/* 1..VACPI_MAX_CPUS */
	uint8_t ioapic_id;
	uint32_t ioapic_addr;	/* e.g. 0xfec00000 */
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr; /* e.g. 0x600, 0x604, 0x608 */
	uint8_t sci_irq;	/* ISA IRQ = GSI, 1..15, e.g. 9 */
	uint16_t reset_port;	/* e.g. 0xcf9 */
	uint8_t reset_value;	/* e.g. 0x06 */
	/* PCI0's 32-bit memory window for BARs, [base, base + size);
	 * size 0: none */
	uint32_t pci_mem_base, pci_mem_size;
};

struct vacpi_table {
	uint32_t off, len; /* in the buffer */
	uint64_t gpa;
};

struct vacpi_layout {
	struct vacpi_table rsdp, facs, fadt, madt, xsdt, rsdt, dsdt;
	uint32_t size; /* bytes used from the start of the buffer */
};

/* 0; -EINVAL bad parameters (n_cpus, sci_irq 0, 2 or > 15, a memory
 * window past 4 GiB); -ERANGE tables would reach 4 GiB; -ENOSPC len is
 * too small; -E2BIG the AML outgrew its internal buffer (a bug). Nothing
 * is written on failure. */
int vacpi_build(const struct vacpi_params *p, void *buf, uint32_t len,
		uint64_t buf_gpa, struct vacpi_layout *out);

#endif
