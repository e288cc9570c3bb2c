/* SPDX-License-Identifier: MIT */
/*
 * The configuration space a VM sees of a PCI function passed through to
 * it (a struct vpci_fn behind drivers/vpci.c). Pure: the real device is
 * reached through callbacks, so the model is unit-tested on the host.
 *
 *   0x00-0x03, 0x08-0x0f  the device's own (IDs, class, header type)
 *   command               the guest's copy; I/O, memory and bus-master
 *                         decoding forwarded, INTx always disabled on the
 *                         device (interrupts are MSI only)
 *   status                the device's, with the capability bit
 *   BARs                  virtual: the guest places them; sizing (all
 *                         ones written) reads back the device's size;
 *                         moves and decode changes are reported to the
 *                         caller, which maps the device's BAR at the
 *                         guest's address in EPT
 *   expansion ROM, line/pin  0 (no ROM, no INTx)
 *   capabilities          the device's chain with MSI-X unlinked (its
 *                         table is not virtualized); MSI virtual: the
 *                         guest's address, data and enable, reported to
 *                         the caller, which points the device at an
 *                         interrupt-remapping entry of its own
 *   everything else       read from the device, writes dropped
 */
#ifndef DRIVERS_VPT_H
#define DRIVERS_VPT_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci.h"

struct vpt_msi {
	bool enabled;
	uint64_t addr;
	uint16_t data;
};

struct vpt_ops {
	uint32_t (*read)(void *ctx, unsigned off, unsigned size);   /* device */
	void (*write)(void *ctx, unsigned off, unsigned size, uint32_t v);
	/* BAR i now at guest address gpa, decoded or not */
	void (*bar_moved)(void *ctx, unsigned i, uint64_t gpa, bool decoded);
	void (*msi_changed)(void *ctx, const struct vpt_msi *msi);
};

struct vpt {
	struct pci_bar bar[6];  /* the device's, from pci_scan */
	uint64_t guest_bar[6];  /* the guest's addresses */
	bool sizing[6];         /* all ones were written last */
	uint16_t command;       /* the guest's view */
	uint8_t cap_msi, cap_msix;
	bool msi_64;
	unsigned msi_len; /* bytes of the MSI capability, in whole dwords */
	struct vpt_msi msi;
	const struct vpt_ops *ops;
	void *ctx;
};

void vpt_init(struct vpt *v, const struct pci_dev *d,
	      const struct vpt_ops *ops, void *ctx);
/* Accesses as vpci hands them over: naturally aligned, size 1, 2 or 4. */
uint32_t vpt_read(struct vpt *v, unsigned off, unsigned size);
void vpt_write(struct vpt *v, unsigned off, unsigned size, uint32_t val);

#endif
