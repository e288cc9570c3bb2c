/* SPDX-License-Identifier: MIT */
/*
 * ACPI table walk: RSDP → XSDT (or RSDT) → MADT, FADT (→ DSDT \_S5),
 * and the addresses of MCFG and DMAR for later use. Pure: tables are
 * reached through a map callback, and every length and checksum is
 * checked before a byte of a table is trusted. A damaged table is
 * reported and ignored; the walk goes on with the others.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;
};

struct acpi_ioapic {
	uint32_t id, addr, gsi_base;
};

struct acpi_override {
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
};

struct acpi_info {
	uint8_t revision; /* RSDP revision */
	uint64_t rsdp_pa, root_pa;
	bool root_is_xsdt;
	/* MADT */
	uint64_t madt_pa;
	uint64_t lapic_addr;
	bool pcat_compat; /* dual 8259 present */
	unsigned n_cpus;  /* enabled CPUs, MADT order */
	struct acpi_cpu cpu[ACPI_MAX_CPUS];
	unsigned n_cpus_skipped; /* disabled, duplicate or beyond the max */
	unsigned n_ioapics;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	unsigned n_overrides;
	struct acpi_override override[ACPI_MAX_OVERRIDES];
	/* FADT */
	uint64_t fadt_pa, dsdt_pa;
	uint32_t pm1a_cnt, pm1b_cnt, pm_tmr, smi_cmd;
	uint8_t acpi_enable;
	uint8_t century;
	bool s5_valid;
	uint8_t s5_typa, s5_typb;
	/* found for later users */
	uint64_t mcfg_pa, dmar_pa;
	unsigned n_tables;
};

/* Maps len bytes at physical pa; NULL if they cannot be read. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t pa, uint32_t len);
typedef void (*acpi_report_fn)(void *ctx, const char *msg);

/* rsdp: the RSDP bytes (from the loader, or found by acpi_find_rsdp),
 * rsdp_len its length (20 or 36). Returns 0 when a usable root table
 * was found, a negative error otherwise. */
int acpi_parse(const void *rsdp, uint32_t rsdp_len, acpi_map_fn map,
	       void *ctx, acpi_report_fn report, struct acpi_info *out);

/* Searches a BIOS area (EBDA, 0xe0000-0xfffff) for a valid RSDP;
 * returns its offset in the buffer or -1. */
long acpi_scan_rsdp(const uint8_t *area, uint32_t len);

/* Finds SLP_TYPa/b of \_S5 in a DSDT's AML; 0 on success. */
int acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *typa,
		 uint8_t *typb);

uint8_t acpi_checksum(const void *p, uint32_t len);

#endif
