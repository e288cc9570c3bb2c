/* SPDX-License-Identifier: MIT */
/* Configuration space of a passed-through PCI function (pure). */
#include "drivers/vpt.h"

#include "lib/string.h"

#define CMD_GUEST_BITS 0x0547u /* I/O, memory, master, parity, SERR, INTx off */
#define CMD_DEVICE_BITS (PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER)
#define MSI_CTL_ENABLE 1u
#define MSI_CTL_64 (1u << 7)
#define MSI_CTL_MASKING (1u << 8)

static uint32_t host(struct vpt *v, unsigned off)
{
	return v->ops->read(v->ctx, off, 4);
}

void vpt_init(struct vpt *v, const struct pci_dev *d,
	      const struct vpt_ops *ops, void *ctx)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->bar, d->bar, sizeof(v->bar));
	v->cap_msi = d->cap_msi;
	v->cap_msix = d->cap_msix;
	v->ops = ops;
	v->ctx = ctx;
	if (v->cap_msi) {
		uint32_t ctl = host(v, v->cap_msi) >> 16;

		/* PCI 3.0, 6.8.1: 10 bytes, 4 more for a 64-bit address, 10
		 * more for per-vector masking; in whole dwords */
		v->msi_64 = ctl & MSI_CTL_64;
		v->msi_len = 12 + (v->msi_64 ? 4 : 0) +
			     (ctl & MSI_CTL_MASKING ? 8 : 0);
	}
	for (unsigned i = 0; i < 6; i++)
		v->guest_bar[i] = 0;
}

/* ---- BARs ---------------------------------------------------------------- */

static bool upper_half(const struct vpt *v, unsigned i)
{
	return i > 0 && v->bar[i - 1].kind == PCI_BAR_MEM64;
}

static uint32_t bar_read(const struct vpt *v, unsigned i)
{
	const struct pci_bar *b;
	uint64_t val;

	if (upper_half(v, i)) {
		b = &v->bar[i - 1];
		return v->sizing[i] ? (uint32_t)(~(b->size - 1) >> 32) :
				      (uint32_t)(v->guest_bar[i - 1] >> 32);
	}
	b = &v->bar[i];
	if (b->kind == PCI_BAR_NONE)
		return 0;
	val = v->sizing[i] ? ~(b->size - 1) : v->guest_bar[i];
	if (b->kind == PCI_BAR_IO)
		return ((uint32_t)val & ~3u) | 1;
	return ((uint32_t)val & ~0xfu) | (b->kind == PCI_BAR_MEM64 ? 4 : 0) |
	       (b->prefetchable ? 8 : 0);
}

static bool decoded(const struct vpt *v, const struct pci_bar *b)
{
	return v->command & (b->kind == PCI_BAR_IO ? PCI_CMD_IO : PCI_CMD_MEM);
}

static void bar_write(struct vpt *v, unsigned i, uint32_t w)
{
	unsigned lo = upper_half(v, i) ? i - 1 : i;
	const struct pci_bar *b = &v->bar[lo];
	uint64_t old = v->guest_bar[lo], mask = ~(b->size - 1);

	if (b->kind == PCI_BAR_NONE)
		return;
	v->sizing[i] = w == 0xffffffffu;
	if (v->sizing[i])
		return;
	if (lo != i)
		v->guest_bar[lo] = (old & 0xffffffffu) | ((uint64_t)w << 32);
	else
		v->guest_bar[lo] = (old & ~0xffffffffull) | w;
	v->guest_bar[lo] &= mask & (b->kind == PCI_BAR_IO ? ~3ull : ~0xfull);
	if (b->kind != PCI_BAR_MEM64)
		v->guest_bar[lo] &= 0xffffffffu;
	if (v->guest_bar[lo] != old && decoded(v, b))
		v->ops->bar_moved(v->ctx, lo, v->guest_bar[lo], true);
}

/* ---- command ------------------------------------------------------------- */

static void command_write(struct vpt *v, uint16_t cmd)
{
	uint16_t old = v->command;

	v->command = cmd & CMD_GUEST_BITS;
	v->ops->write(v->ctx, PCI_COMMAND, 2,
		      (cmd & CMD_DEVICE_BITS) | PCI_CMD_INTX_DISABLE);
	for (unsigned i = 0; i < 6; i++) {
		const struct pci_bar *b = &v->bar[i];

		if (b->kind != PCI_BAR_NONE && decoded(v, b) !=
		    !!(old & (b->kind == PCI_BAR_IO ? PCI_CMD_IO : PCI_CMD_MEM)))
			v->ops->bar_moved(v->ctx, i, v->guest_bar[i],
					  decoded(v, b));
	}
}

/* ---- capabilities -------------------------------------------------------- */

/* The next pointer of a capability, past MSI-X. */
static uint8_t skip_msix(struct vpt *v, uint8_t next)
{
	if (next && next == v->cap_msix)
		next = host(v, next) >> 8 & 0xfc;
	return next;
}

static bool in_chain(struct vpt *v, unsigned off)
{
	uint8_t p = skip_msix(v, host(v, PCI_CAP_PTR) & 0xfc);

	for (unsigned guard = 0; p && guard < 48; guard++) {
		if (p == off)
			return true;
		p = skip_msix(v, host(v, p) >> 8 & 0xfc);
	}
	return false;
}

static uint32_t msi_read(const struct vpt *v, unsigned rel, uint32_t dev)
{
	uint16_t ctl;

	switch (rel) {
	case 0: /* one vector, no per-vector masking, the guest's enable */
		ctl = (dev >> 16 & MSI_CTL_64) | (v->msi.enabled ? 1 : 0);
		return (dev & 0xffff) | (uint32_t)ctl << 16;
	case 4:
		return (uint32_t)v->msi.addr;
	case 8:
		return v->msi_64 ? (uint32_t)(v->msi.addr >> 32) : v->msi.data;
	case 12:
		return v->msi_64 ? v->msi.data : 0;
	default:
		return 0;
	}
}

static void msi_write(struct vpt *v, unsigned rel, uint32_t w, uint32_t be)
{
	struct vpt_msi m = v->msi;
	uint32_t cur = msi_read(v, rel, host(v, v->cap_msi));

	w = (cur & ~be) | (w & be);
	if (rel == 0)
		m.enabled = w >> 16 & MSI_CTL_ENABLE;
	else if (rel == 4)
		m.addr = (m.addr & ~0xffffffffull) | (w & ~3u);
	else if (rel == 8 && v->msi_64)
		m.addr = (m.addr & 0xffffffffu) | (uint64_t)w << 32;
	else if (rel == (v->msi_64 ? 12u : 8u))
		m.data = (uint16_t)w;
	if (m.enabled != v->msi.enabled || m.addr != v->msi.addr ||
	    m.data != v->msi.data) {
		v->msi = m;
		v->ops->msi_changed(v->ctx, &v->msi);
	}
}

/* ---- accesses ------------------------------------------------------------ */

static uint32_t dword(struct vpt *v, unsigned off)
{
	uint32_t d;

	if (off == PCI_COMMAND)
		return (host(v, off) & 0xffff0000u) | v->command;
	if (off >= PCI_BAR0 && off < PCI_BAR0 + 24)
		return bar_read(v, (off - PCI_BAR0) / 4);
	if (off == 0x30 || off == 0x3c) /* ROM; line and pin */
		return 0;
	if (off == PCI_CAP_PTR)
		return skip_msix(v, host(v, off) & 0xfc);
	if (v->cap_msix && off >= v->cap_msix && off < v->cap_msix + 12u)
		return 0;
	d = host(v, off);
	if (v->cap_msi && off >= v->cap_msi && off < v->cap_msi + v->msi_len)
		d = msi_read(v, off - v->cap_msi, d);
	if (off >= 0x40 && (d >> 8 & 0xfc) == v->cap_msix && in_chain(v, off))
		d = (d & ~0xff00u) | (uint32_t)skip_msix(v, d >> 8 & 0xfc) << 8;
	return d;
}

uint32_t vpt_read(struct vpt *v, unsigned off, unsigned size)
{
	uint32_t d = dword(v, off & ~3u) >> 8 * (off & 3);

	return size == 4 ? d : d & ((1u << 8 * size) - 1);
}

void vpt_write(struct vpt *v, unsigned off, unsigned size, uint32_t val)
{
	unsigned reg = off & ~3u, sh = 8 * (off & 3);
	uint32_t be = (size == 4 ? ~0u : (1u << 8 * size) - 1) << sh;

	val <<= sh;
	if (reg == PCI_COMMAND && (be & 0xffff))
		command_write(v, (uint16_t)((v->command & ~be) | (val & be)));
	else if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 24 && size == 4)
		bar_write(v, (reg - PCI_BAR0) / 4, val);
	else if (v->cap_msi && reg >= v->cap_msi &&
		 reg < v->cap_msi + v->msi_len)
		msi_write(v, reg - v->cap_msi, val, be);
	/* everything else: dropped */
}
