/* SPDX-License-Identifier: MIT */
/* Host PCI: configuration access, enumeration, BARs, capabilities, FLR. */
#include "drivers/pci.h"

#include "arch/mm.h"
#include "arch/paging.h"
#include "arch/platform.h"
#include "arch/tsc.h"
#include "arch/x86.h"
#include "lib/console.h"
#include "lib/errno.h"

struct pci_dev pci_devs[PCI_MAX_DEVS];
unsigned pci_n_devs;

static uint64_t ecam; /* 0: ports 0xcf8/0xcfc */
static uint8_t ecam_bus_start, ecam_bus_end;

static volatile void *ecam_ptr(uint16_t bdf, unsigned off)
{
	return phys_to_virt(ecam + ((uint64_t)(bdf - (ecam_bus_start << 8))
				    << 12) + off);
}

static bool use_ecam(uint16_t bdf, unsigned off)
{
	return ecam && (bdf >> 8) >= ecam_bus_start &&
	       (bdf >> 8) <= ecam_bus_end;
}

uint32_t pci_read32(uint16_t bdf, unsigned off)
{
	if (use_ecam(bdf, off))
		return *(volatile uint32_t *)ecam_ptr(bdf, off);
	if (off >= 256)
		return ~0u;
	outl(0xcf8, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xfc));
	return inl(0xcfc);
}

void pci_write32(uint16_t bdf, unsigned off, uint32_t val)
{
	if (use_ecam(bdf, off)) {
		*(volatile uint32_t *)ecam_ptr(bdf, off) = val;
		return;
	}
	if (off >= 256)
		return;
	outl(0xcf8, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xfc));
	outl(0xcfc, val);
}

uint16_t pci_read16(uint16_t bdf, unsigned off)
{
	return pci_read32(bdf, off & ~3u) >> (8 * (off & 2));
}

void pci_write16(uint16_t bdf, unsigned off, uint16_t val)
{
	uint32_t v = pci_read32(bdf, off & ~3u), sh = 8 * (off & 2);

	/* a 16-bit register beside RW1C status bits: write those as 0 */
	if ((off & ~3u) == PCI_COMMAND)
		v &= 0xffff;
	pci_write32(bdf, off & ~3u, (v & ~(0xffffu << sh)) | (uint32_t)val << sh);
}

static void size_bars(struct pci_dev *d)
{
	unsigned n = (d->header_type & 0x7f) == 1 ? 2 : 6;
	uint16_t cmd = pci_read16(d->bdf, PCI_COMMAND);

	/* no decoding while the BARs hold all ones */
	pci_write16(d->bdf, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < n;) {
		unsigned off = PCI_BAR0 + 4 * i, used;
		uint32_t v = pci_read32(d->bdf, off), p, vh = 0, ph = 0;

		pci_write32(d->bdf, off, ~0u);
		p = pci_read32(d->bdf, off);
		pci_write32(d->bdf, off, v);
		if (!(v & 1) && ((v >> 1) & 3) == 2 && i + 1 < n) {
			vh = pci_read32(d->bdf, off + 4);
			pci_write32(d->bdf, off + 4, ~0u);
			ph = pci_read32(d->bdf, off + 4);
			pci_write32(d->bdf, off + 4, vh);
		}
		used = pci_bar_decode(v, p, vh, ph, &d->bar[i]);
		i += used ? used : 1;
	}
	pci_write16(d->bdf, PCI_COMMAND, cmd);
}

static void walk_caps(struct pci_dev *d)
{
	unsigned off, guard = 0;

	if (!(pci_read16(d->bdf, PCI_STATUS) & PCI_STATUS_CAPS))
		return;
	for (off = pci_read32(d->bdf, PCI_CAP_PTR) & 0xfc; off && guard < 48;
	     off = (pci_read32(d->bdf, off) >> 8) & 0xfc, guard++) {
		switch (pci_read32(d->bdf, off) & 0xff) {
		case PCI_CAP_MSI:
			d->cap_msi = off;
			break;
		case PCI_CAP_MSIX:
			d->cap_msix = off;
			break;
		case PCI_CAP_PCIE:
			d->cap_pcie = off;
			/* Device Capabilities bit 28: FLR */
			d->flr = pci_read32(d->bdf, off + 4) & (1u << 28);
			break;
		}
	}
}

static void scan_bus(uint8_t bus, unsigned depth);

static void scan_fn(uint16_t bdf, uint32_t id, unsigned depth)
{
	struct pci_dev *d;

	if (pci_n_devs == PCI_MAX_DEVS) {
		pr_warn("pci: more than %u functions; the rest are ignored\n",
			PCI_MAX_DEVS);
		return;
	}
	d = &pci_devs[pci_n_devs++];
	*d = (struct pci_dev){ .bdf = bdf, .vendor = id & 0xffff,
			       .device = id >> 16 };
	d->class_rev = pci_read32(bdf, PCI_CLASS_REV);
	d->header_type = pci_read32(bdf, 0x0c) >> 16 & 0xff;
	size_bars(d);
	walk_caps(d);
	pr_debug("pci: %02x:%02x.%u %04x:%04x class %06x%s%s%s%s\n", bdf >> 8,
		 bdf >> 3 & 31, bdf & 7, d->vendor, d->device,
		 d->class_rev >> 8, d->cap_msi ? " MSI" : "",
		 d->cap_msix ? " MSI-X" : "", d->cap_pcie ? " PCIe" : "",
		 d->flr ? " FLR" : "");
	if ((d->header_type & 0x7f) == 1 && depth < 8) {
		uint8_t sec = pci_read32(bdf, 0x18) >> 8 & 0xff;

		if (sec > (bdf >> 8))
			scan_bus(sec, depth + 1);
	}
}

static void scan_bus(uint8_t bus, unsigned depth)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint16_t bdf = PCI_BDF(bus, dev, fn);
			uint32_t id = pci_read32(bdf, PCI_VENDOR);

			if ((id & 0xffff) == 0xffff || !(id & 0xffff)) {
				if (!fn)
					break;
				continue;
			}
			scan_fn(bdf, id, depth);
			if (!fn && !(pci_read32(bdf, 0x0c) & (0x80u << 16)))
				break; /* not multi-function */
		}
	}
}

unsigned pci_scan(void)
{
	const struct acpi_info *a = &platform_acpi;
	const uint8_t *h;

	pci_n_devs = 0;
	if (a->mcfg_pa && (h = phys_to_virt(a->mcfg_pa)) &&
	    !pci_mcfg_parse(h, *(const uint32_t *)(h + 4), &ecam,
			    &ecam_bus_start, &ecam_bus_end)) {
		if (ecam + ((uint64_t)(ecam_bus_end - ecam_bus_start + 1) << 20) >
		    paging_limit())
			ecam = 0; /* above what the host map covers */
	}
	scan_bus(0, 0);
	pr_info("pci: %u functions (configuration through %s)\n", pci_n_devs,
		ecam ? "ECAM" : "ports 0xcf8/0xcfc");
	return pci_n_devs;
}

struct pci_dev *pci_find(uint16_t bdf)
{
	for (unsigned i = 0; i < pci_n_devs; i++)
		if (pci_devs[i].bdf == bdf)
			return &pci_devs[i];
	return 0;
}

int pci_flr(struct pci_dev *d)
{
	unsigned ctl = d->cap_pcie + 8; /* Device Control */

	if (!d->cap_pcie || !d->flr)
		return -ENODEV;
	pci_write16(d->bdf, ctl, pci_read16(d->bdf, ctl) | (1u << 15));
	udelay(100000); /* PCIe 6.0, 6.6.2: 100 ms before the first access */
	return 0;
}
