/* SPDX-License-Identifier: MIT */
/*
 * The host's PCI devices: configuration access (ECAM from the ACPI MCFG,
 * else ports 0xcf8/0xcfc), enumeration from bus 0 through bridges, BAR
 * sizing and the capability list (MSI, MSI-X, PCI Express). The BAR and
 * MCFG decoding is pure (pci_bar_decode, pci_mcfg_parse) and unit-tested.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_MAX_DEVS 64
#define PCI_BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))

/* configuration space registers (PCI 3.0, 6.1) */
#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REV 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_CAP_PTR 0x34
#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAPS (1u << 4)
#define PCI_CAP_MSI 0x05
#define PCI_CAP_PCIE 0x10
#define PCI_CAP_MSIX 0x11

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	uint8_t kind; /* enum pci_bar_kind */
	bool prefetchable;
	uint64_t base, size;
};

struct pci_dev {
	uint16_t seg;
	uint16_t bdf;
	uint16_t vendor, device;
	uint32_t class_rev;
	uint8_t header_type;
	uint8_t cap_msi, cap_msix, cap_pcie; /* offsets, 0: absent */
	bool flr; /* PCIe function-level reset offered */
	struct pci_bar bar[6];
};

extern struct pci_dev pci_devs[PCI_MAX_DEVS];
extern unsigned pci_n_devs;

/*
 * Decodes BAR i from its value and the value read back after writing all
 * ones (next: the following BAR's pair, for the upper half of a 64-bit
 * one). Returns how many BARs it used (1, or 2 for 64-bit), 0 for an
 * unimplemented BAR.
 */
unsigned pci_bar_decode(uint32_t val, uint32_t probe, uint32_t val_hi,
			uint32_t probe_hi, struct pci_bar *out);

/* The ECAM window of segment 0 from an MCFG table (len bytes): 0;
 * -ENOENT when the table has none; -EINVAL for a short table or a bad
 * window. */
int pci_mcfg_parse(const void *mcfg, size_t len, uint64_t *base,
		   uint8_t *bus_start, uint8_t *bus_end);

/* Configuration access to segment 0. */
uint32_t pci_read32(uint16_t bdf, unsigned off);
void pci_write32(uint16_t bdf, unsigned off, uint32_t val);
uint16_t pci_read16(uint16_t bdf, unsigned off);
void pci_write16(uint16_t bdf, unsigned off, uint16_t val);

/* Enumerates the machine's devices into pci_devs; reports each at debug
 * level. Returns the number found. */
unsigned pci_scan(void);
struct pci_dev *pci_find(uint16_t bdf);

/* Function-level reset (PCIe 6.0, 6.6.2) where offered: 0, or -ENODEV. */
int pci_flr(struct pci_dev *d);

/* "bb:dd.f" → bdf; false when s is not one. */
bool pci_parse_bdf(const char *s, uint16_t *bdf);

#endif
