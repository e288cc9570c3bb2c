/* SPDX-License-Identifier: MIT */
/* PCI configuration mechanism #1 (PCI Local Bus Specification 3.0,
 * 3.2.2.3.2) and the built-in host bridge. */
#include "drivers/vpci.h"

#include "lib/errno.h"

#define CFG_SPACE 4096 /* the most any function has (PCIe, ECAM) */

/* Host bridge command register: memory space and bus master are always
 * on for the bridge itself (read-only 1, as the Q35 MCH's PCICMD); only
 * parity error response (bit 6) and SERR# enable (bit 8) are writable. */
#define HB_CMD_FIXED 0x0006u
#define HB_CMD_WRITABLE 0x0140u

static uint32_t all_ones(unsigned size)
{
	return size >= 4 || !size ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* ---- the host bridge, 00:00.0 -------------------------------------------- */

/* The dword at a 4-byte aligned offset of the host bridge's header
 * (figure 6-1). Status is 0: no capability list (bit 4), no error ever
 * recorded; revision 0; header type 0, single function; no BARs, no
 * subsystem IDs, no interrupt pin. */
static uint32_t hb_dword(const struct vpci_hostbridge *hb, unsigned off)
{
	switch (off) {
	case 0x00:
		return (uint32_t)VPCI_HB_DEVICE << 16 | VPCI_HB_VENDOR;
	case 0x04:
		return hb->command;
	case 0x08:
		return (uint32_t)VPCI_HB_CLASS << 8;
	default:
		return 0;
	}
}

static uint32_t hb_read(void *ctx, unsigned offset, unsigned size)
{
	uint32_t d = hb_dword(ctx, offset & ~3u) >> (8 * (offset & 3));

	return d & all_ones(size);
}

static void hb_write(void *ctx, unsigned offset, unsigned size, uint32_t val)
{
	struct vpci_hostbridge *hb = ctx;
	unsigned shift = 8 * (offset & 3);
	uint32_t mask = all_ones(size) << shift;

	if ((offset & ~3u) != VPCI_CFG_COMMAND)
		return; /* everything else is read-only */
	mask &= HB_CMD_WRITABLE;
	hb->command = (uint16_t)((hb->command & ~mask) | (val << shift & mask));
}

/* ---- the bus ------------------------------------------------------------- */

static void hb_reset(struct vpci_hostbridge *hb)
{
	hb->command = HB_CMD_FIXED;
}

void vpci_init(struct vpci *p)
{
	*p = (struct vpci){ 0 };
	hb_reset(&p->hb);
	p->fns[p->n++] = (struct vpci_fn){ 0, 0, 0, hb_read, hb_write, &p->hb };
}

void vpci_reset(struct vpci *p)
{
	p->address = 0;
	hb_reset(&p->hb);
}

static struct vpci_fn *find(struct vpci *p, uint8_t bus, uint8_t dev,
			    uint8_t fn)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct vpci_fn *f = &p->fns[i];

		if (f->bus == bus && f->dev == dev && f->fn == fn)
			return f;
	}
	return 0;
}

int vpci_register(struct vpci *p, const struct vpci_fn *f)
{
	if (f->dev > 31 || f->fn > 7 || !f->read)
		return -EINVAL;
	if (find(p, f->bus, f->dev, f->fn))
		return -EEXIST;
	if (p->n == VPCI_MAX_FNS)
		return -ENOSPC;
	p->fns[p->n++] = *f;
	return 0;
}

static bool valid(unsigned offset, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) &&
	       offset + size <= CFG_SPACE;
}

uint32_t vpci_cfg_read(struct vpci *p, uint8_t bus, uint8_t dev, uint8_t fn,
		       unsigned offset, unsigned size)
{
	struct vpci_fn *f = find(p, bus, dev, fn);
	uint32_t v = 0;

	if (!f || !valid(offset, size))
		return all_ones(size);
	if (!(offset & (size - 1)))
		return f->read(f->ctx, offset, size);
	for (unsigned i = 0; i < size; i++) /* little-endian byte by byte */
		v |= (f->read(f->ctx, offset + i, 1) & 0xff) << (8 * i);
	return v;
}

void vpci_cfg_write(struct vpci *p, uint8_t bus, uint8_t dev, uint8_t fn,
		    unsigned offset, unsigned size, uint32_t val)
{
	struct vpci_fn *f = find(p, bus, dev, fn);

	if (!f || !f->write || !valid(offset, size))
		return;
	if (!(offset & (size - 1))) {
		f->write(f->ctx, offset, size, val & all_ones(size));
		return;
	}
	for (unsigned i = 0; i < size; i++)
		f->write(f->ctx, offset + i, 1, val >> (8 * i) & 0xff);
}

/* ---- mechanism #1 ports -------------------------------------------------- */

/* The configuration offset a CONFIG_DATA access reaches, or -1 when it is
 * no configuration access: only with the enable bit set is an access to
 * CONFIG_DATA translated into a configuration cycle (3.2.2.3.2); and it
 * must stay within the dword at 0xcfc. */
static int data_offset(const struct vpci *p, uint16_t port, unsigned size)
{
	unsigned o = (unsigned)port - VPCI_PORT_DATA;

	if (port < VPCI_PORT_DATA || o + size > 4)
		return -1;
	if (!(p->address & VPCI_ADDR_ENABLE))
		return -1;
	return (int)((p->address & 0xfc) + o);
}

#define ADDR_BUS(a) ((uint8_t)((a) >> 16))
#define ADDR_DEV(a) ((uint8_t)((a) >> 11 & 0x1f))
#define ADDR_FN(a) ((uint8_t)((a) >> 8 & 7))

bool vpci_read(struct vpci *p, uint16_t port, unsigned size, uint32_t *val)
{
	uint32_t a = p->address;
	int off;

	*val = all_ones(size);
	if (port == VPCI_PORT_ADDRESS && size == 4) {
		*val = a;
		return true;
	}
	off = data_offset(p, port, size);
	if (off < 0)
		return false;
	*val = vpci_cfg_read(p, ADDR_BUS(a), ADDR_DEV(a), ADDR_FN(a),
			     (unsigned)off, size);
	return true;
}

bool vpci_write(struct vpci *p, uint16_t port, unsigned size, uint32_t val)
{
	uint32_t a = p->address;
	int off;

	/* Only full dword accesses reach CONFIG_ADDRESS; any other access
	 * to its ports is a normal I/O transaction (3.2.2.3.2). Bits 30:24
	 * are reserved and 1:0 read as 0. */
	if (port == VPCI_PORT_ADDRESS && size == 4) {
		p->address = val & VPCI_ADDR_MASK;
		return true;
	}
	off = data_offset(p, port, size);
	if (off < 0)
		return false;
	vpci_cfg_write(p, ADDR_BUS(a), ADDR_DEV(a), ADDR_FN(a), (unsigned)off,
		       size, val);
	return true;
}
