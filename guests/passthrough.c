/* SPDX-License-Identifier: MIT */
/* PCI passthrough glue: ownership, DMA domain, BARs, MSI, reset. */
#include "guests/passthrough.h"

#include "arch/lapic.h"
#include "arch/trap.h"
#include "drivers/pci.h"
#include "drivers/vpt.h"
#include "drivers/vtd.h"
#include "drivers/vtd_hw.h"
#include "guests/vapic.h"
#include "guests/vm.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/spinlock.h"
#include "vmx/vmcs.h"

#define PT_MAX 8
#define PT_VECTOR_BASE 0xe0 /* host vectors, one per passed-through function */
#define PT_GUEST_DEV 8      /* guest slots 00:08.0 on */

struct pt_fn {
	struct vm *vm;
	struct pci_dev *dev;
	struct vpt cfg;
	uint8_t vector; /* host */
	int irte;
	uint64_t bar_gpa[6];
	bool bar_mapped[6];
};

static struct pt_fn fns[PT_MAX];
static struct vtd_domain domains[VM_MAX];

static void say(const struct vm *vm, const char *what, uint16_t bdf)
{
	pr_err("vm %s: refused: cannot pass %02x:%02x.%u through: %s\n",
	       vm->name, bdf >> 8, bdf >> 3 & 31, bdf & 7, what);
}

static struct pt_fn *owner_of(uint16_t bdf)
{
	for (unsigned i = 0; i < PT_MAX; i++)
		if (fns[i].vm && fns[i].dev->bdf == bdf)
			return &fns[i];
	return 0;
}

/* ---- the device, for drivers/vpt.c ---------------------------------------- */

static uint32_t dev_read(void *ctx, unsigned off, unsigned size)
{
	struct pt_fn *f = ctx;
	uint32_t d = pci_read32(f->dev->bdf, off & ~3u) >> 8 * (off & 3);

	return size == 4 ? d : d & ((1u << 8 * size) - 1);
}

static void dev_write(void *ctx, unsigned off, unsigned size, uint32_t v)
{
	struct pt_fn *f = ctx;

	if (off == PCI_COMMAND && size == 2)
		pci_write16(f->dev->bdf, off, (uint16_t)v);
}

static void bar_moved(void *ctx, unsigned i, uint64_t gpa, bool decoded)
{
	struct pt_fn *f = ctx;
	const struct pci_bar *b = &f->dev->bar[i];

	if (b->kind == PCI_BAR_IO)
		return; /* I/O BARs are refused at attach */
	if (f->bar_mapped[i])
		gpa_unmap_device(&f->vm->mem, f->bar_gpa[i], b->size);
	f->bar_mapped[i] = decoded &&
		!gpa_map_device(&f->vm->mem, gpa, b->base, b->size);
	if (decoded && !f->bar_mapped[i])
		pr_warn("vm %s: BAR%u of %02x:%02x.%u at guest %#llx overlaps "
			"its RAM or a device: left unmapped\n", f->vm->name, i,
			f->dev->bdf >> 8, f->dev->bdf >> 3 & 31,
			f->dev->bdf & 7, (unsigned long long)gpa);
	pr_debug("vm %s: BAR%u of %02x:%02x.%u: host %#llx, %llu KiB, at guest "
		 "%#llx: %s\n", f->vm->name, i, f->dev->bdf >> 8,
		 f->dev->bdf >> 3 & 31, f->dev->bdf & 7,
		 (unsigned long long)b->base, (unsigned long long)b->size >> 10,
		 (unsigned long long)gpa, f->bar_mapped[i] ? "mapped" :
		 "unmapped");
	f->bar_gpa[i] = gpa;
	/* This CPU now; the others drop the VM's EPT translations when its
	 * vCPUs next arrive (vmx/vmcs.c), and a stale one only reaches the
	 * guest's own device at its old place. */
	invept_all();
}

/* The guest's MSI decides where the host vector's handler delivers; the
 * device itself always writes a remappable MSI naming our entry. */
static void msi_changed(void *ctx, const struct vpt_msi *m)
{
	struct pt_fn *f = ctx;
	uint64_t addr;
	uint32_t data;
	unsigned c = f->dev->cap_msi;
	uint16_t ctl = pci_read16(f->dev->bdf, c + 2);
	bool is64 = ctl & (1u << 7);

	if (f->irte < 0) { /* no remapping entry: the device's MSI stays off */
		pci_write16(f->dev->bdf, c + 2, ctl & ~1u);
		return;
	}
	vtd_msi_remappable((uint16_t)f->irte, &addr, &data);
	pci_write32(f->dev->bdf, c + 4, (uint32_t)addr);
	if (is64)
		pci_write32(f->dev->bdf, c + 8, (uint32_t)(addr >> 32));
	pci_write16(f->dev->bdf, c + (is64 ? 12 : 8), (uint16_t)data);
	pci_write16(f->dev->bdf, c + 2,
		    (ctl & ~(7u << 4) & ~1u) | (m->enabled ? 1 : 0));
}

static const struct vpt_ops ops = { dev_read, dev_write, bar_moved,
				    msi_changed };

/* ---- interrupts ----------------------------------------------------------- */

static void pt_irq(struct trap_frame *frame)
{
	struct pt_fn *f = &fns[frame->vector - PT_VECTOR_BASE];
	const struct vpt_msi *m = &f->cfg.msi;
	struct vlapic_ipi ipi = {
		.source = ~0u, .dest = (uint32_t)(m->addr >> 12 & 0xff),
		.dest_mode = m->addr >> 2 & 1, .shorthand = VLAPIC_SH_NONE,
		.delivery_mode = m->data >> 8 & 7, .vector = m->data & 0xff,
		.level = 1,
	};

	if (!f->vm || !m->enabled || f->vm->state == VM_STOPPED)
		return;
	spin_lock(&f->vm->dev_lock);
	vapic_deliver(f->vm, &ipi);
	spin_unlock(&f->vm->dev_lock);
}

/* ---- config space on the VM's bus ----------------------------------------- */

static uint32_t cfg_read(void *ctx, unsigned off, unsigned size)
{
	return vpt_read(&((struct pt_fn *)ctx)->cfg, off, size);
}

static void cfg_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
	vpt_write(&((struct pt_fn *)ctx)->cfg, off, size, val);
}

/* ---- ownership ------------------------------------------------------------ */

static const char *unfit(const struct pci_dev *d)
{
	if ((d->header_type & 0x7f) != 0)
		return "it is a bridge";
	for (unsigned i = 0; i < 6; i++) {
		if (d->bar[i].kind == PCI_BAR_IO)
			return "it has an I/O BAR (not supported)";
		if (d->bar[i].kind != PCI_BAR_NONE && d->bar[i].size < 4096)
			return "a BAR is smaller than a page";
	}
	return 0;
}

static int take(struct vm *vm, uint16_t bdf, unsigned n, bool unconfined)
{
	struct vtd_domain *dom = &domains[vm->id];
	struct pci_dev *d = pci_find(bdf);
	struct pt_fn *f = 0, *o = owner_of(bdf);
	const char *why = !d ? "no such device" : o ? "another VM owns it" :
			  unfit(d);
	struct vpci_fn vf;

	for (unsigned i = 0; !why && !f && i < PT_MAX; i++)
		f = fns[i].vm ? 0 : &fns[i];
	if (!why && !f)
		why = "too many passed-through devices";
	if (why)
		return say(vm, why, bdf), -EINVAL;
	*f = (struct pt_fn){ .vm = vm, .dev = d,
			     .vector = PT_VECTOR_BASE + (f - fns) };
	pci_write16(bdf, PCI_COMMAND, PCI_CMD_INTX_DISABLE); /* quiet first */
	pci_flr(d);
	if (!unconfined &&
	    ((!dom->pt.root && (vtd_domain_init(dom) ||
				vtd_domain_map(dom, 0, vm->ram_hpa,
					       vm->ram_size, true))) ||
	     vtd_attach(bdf, dom)))
		return say(vm, "its VT-d domain cannot be set up", bdf),
		       f->vm = 0, -ENOMEM;
	f->irte = d->cap_msi ? vtd_irte_alloc(f->vector, lapic_id()) : -1;
	if (d->cap_msi && f->irte < 0)
		pr_warn("vm %s: %02x:%02x.%u: no interrupt remapping: its MSIs "
			"stay off\n", vm->name, bdf >> 8, bdf >> 3 & 31, bdf & 7);
	irq_register(f->vector, pt_irq);
	vpt_init(&f->cfg, d, &ops, f);
	vf = (struct vpci_fn){ 0, PT_GUEST_DEV + n, 0, cfg_read, cfg_write, f };
	if (vpci_register(&vm->pci, &vf))
		return say(vm, "no free slot on its PCI bus", bdf), -ENOSPC;
	if (unconfined)
		pr_warn("vm %s: owns %02x:%02x.%u (%04x:%04x) as 00:%02x.0, DMA "
			"NOT confined (testhooks, no VT-d): the device can reach "
			"all memory\n", vm->name, bdf >> 8, bdf >> 3 & 31,
			bdf & 7, d->vendor, d->device, PT_GUEST_DEV + n);
	else
		pr_info("vm %s: owns %02x:%02x.%u (%04x:%04x) as 00:%02x.0, "
			"DMA confined to its RAM (VT-d domain %u)%s\n", vm->name,
			bdf >> 8, bdf >> 3 & 31, bdf & 7, d->vendor, d->device,
			PT_GUEST_DEV + n, dom->id,
			d->flr ? ", reset by FLR" : "");
	return 0;
}

int passthrough_attach(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	/* testhooks: the configuration-space and BAR paths can be tested in
	 * Bochs, which has no IOMMU; never what a real machine should do */
	bool unconfined = !vtd_active() && hv_options.testhooks;

	if (!cfg->n_pci)
		return 0;
	if (!vtd_active() && !unconfined) {
		say(vm, "no DMA remapping (VT-d off or absent), and without it "
		    "the device could reach all memory", cfg->pci[0]);
		return -ENODEV;
	}
	if (!pci_n_devs)
		pci_scan();
	for (unsigned i = 0; i < cfg->n_pci; i++) {
		int r = take(vm, cfg->pci[i], i, unconfined);

		if (r) {
			passthrough_release(vm);
			return r;
		}
	}
	return 0;
}

void passthrough_release(struct vm *vm)
{
	for (unsigned i = 0; i < PT_MAX; i++) {
		struct pt_fn *f = &fns[i];

		if (f->vm != vm)
			continue;
		pci_write16(f->dev->bdf, PCI_COMMAND, PCI_CMD_INTX_DISABLE);
		vtd_detach(f->dev->bdf);
		pci_flr(f->dev);
		f->vm = 0;
	}
}
