/* SPDX-License-Identifier: MIT */
/*
 * The ACPI DMA Remapping table (Intel VT-d specification 4.1, chapter 8):
 * the remapping hardware units (DRHD) with the devices each one covers,
 * the memory firmware keeps using for DMA (RMRR), and the root ports with
 * address-translation services (ATSR). Pure: dmar_parse reads only the
 * bytes it is given and trusts no length field; a malformed table is
 * refused as a whole (so that DMA remapping is left off loudly rather
 * than half on), with a message naming the structure and its offset.
 */
#ifndef DRIVERS_DMAR_H
#define DRIVERS_DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMAR_MAX_UNITS 8
#define DMAR_MAX_SCOPES 16 /* per unit, RMRR or ATSR */
#define DMAR_MAX_RMRRS 8
#define DMAR_MAX_ATSRS 4
#define DMAR_MAX_PATH 4 /* (device, function) hops below the start bus */

/* Device scope types (8.3.1) */
enum dmar_scope_type {
	DMAR_SCOPE_ENDPOINT = 1,
	DMAR_SCOPE_BRIDGE = 2,
	DMAR_SCOPE_IOAPIC = 3,
	DMAR_SCOPE_HPET = 4,
	DMAR_SCOPE_ACPI = 5,
};

struct dmar_scope {
	uint8_t type;    /* enum dmar_scope_type */
	uint8_t enum_id; /* IOAPIC/HPET/ACPI enumeration ID */
	uint8_t bus;     /* start bus number */
	uint8_t path_len;
	struct { uint8_t dev, fn; } path[DMAR_MAX_PATH];
};

struct dmar_unit { /* DRHD, 8.3 */
	uint64_t base; /* register base, 4 KiB aligned */
	uint16_t segment;
	bool include_all; /* INCLUDE_PCI_ALL: every device not in another scope */
	unsigned n_scopes;
	struct dmar_scope scope[DMAR_MAX_SCOPES];
};

struct dmar_rmrr { /* 8.4 */
	uint16_t segment;
	uint64_t base, limit; /* limit: last byte, inclusive */
	unsigned n_scopes;
	struct dmar_scope scope[DMAR_MAX_SCOPES];
};

struct dmar_atsr { /* 8.5 */
	uint16_t segment;
	bool all_ports;
	unsigned n_scopes;
	struct dmar_scope scope[DMAR_MAX_SCOPES];
};

struct dmar_info {
	uint8_t host_addr_width; /* HAW field + 1, in bits */
	bool intr_remap;         /* flags bit 0: INTR_REMAP */
	bool x2apic_opt_out;     /* flags bit 1 */
	bool dma_ctrl_opt_in;    /* flags bit 2 */
	unsigned n_units;
	struct dmar_unit unit[DMAR_MAX_UNITS];
	unsigned n_rmrrs;
	struct dmar_rmrr rmrr[DMAR_MAX_RMRRS];
	unsigned n_atsrs;
	struct dmar_atsr atsr[DMAR_MAX_ATSRS];
	unsigned n_skipped; /* remapping structures of other types, skipped */
};

/*
 * Parses the DMAR table at table (len bytes readable: the whole table,
 * header included, as its header length says). Returns 0, or -EINVAL
 * with err naming the problem ("dmar: DRHD at offset 48: ...") for: a
 * bad signature, length or checksum; a host address width outside
 * 12..64 bits; a structure whose length is below its minimum or running
 * past the table; a device scope that is malformed (length < 6, odd path
 * bytes, more than DMAR_MAX_PATH hops, running past its structure); a
 * DRHD base of 0 or not 4 KiB aligned; an RMRR whose base or limit+1 is
 * not 4 KiB aligned or whose limit is below its base; more units, scopes
 * RMRRs or ATSRs than the limits above; no DRHD at all; two INCLUDE_PCI_ALL
 * units in one segment.
 */
int dmar_parse(const void *table, size_t len, struct dmar_info *out,
	       char *err, size_t errlen);

/* Which unit covers PCI device seg:bus:dev.fn (its scopes, or the
 * segment's INCLUDE_PCI_ALL unit); -1 if none. Matches endpoint scopes
 * with a one-hop path (the common case; bridges: the whole bus range
 * is not resolved here, the caller passes the device's own BDF). */
int dmar_unit_for(const struct dmar_info *d, uint16_t seg, uint8_t bus,
		  uint8_t dev, uint8_t fn);

#endif
