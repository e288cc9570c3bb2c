/* SPDX-License-Identifier: MIT */
/* PCI decoding that needs no hardware: BARs, MCFG, "bb:dd.f". */
#include "drivers/pci.h"

#include "lib/errno.h"
#include "lib/string.h"
#include "lib/unaligned.h"

/* PCI 3.0, 6.2.5.1: the low bits say I/O or memory (32/64-bit,
 * prefetchable); the bits that stay 0 after writing ones give the size. */
unsigned pci_bar_decode(uint32_t val, uint32_t probe, uint32_t val_hi,
			uint32_t probe_hi, struct pci_bar *out)
{
	*out = (struct pci_bar){ 0 };
	if (val & 1) {
		uint32_t mask = probe & ~3u & 0xffff;

		if (!mask)
			return 0;
		out->kind = PCI_BAR_IO;
		out->base = val & ~3u;
		out->size = mask & -mask;
		return 1;
	}
	if (((val >> 1) & 3) == 2) { /* 64-bit */
		uint64_t mask = ((uint64_t)probe_hi << 32) | (probe & ~0xfu);

		if (!mask)
			return 0;
		out->kind = PCI_BAR_MEM64;
		out->base = ((uint64_t)val_hi << 32) | (val & ~0xfu);
		out->size = mask & -mask;
		out->prefetchable = val & 8;
		return 2;
	}
	if (!(probe & ~0xfu))
		return 0;
	out->kind = PCI_BAR_MEM32;
	out->base = val & ~0xfu;
	out->size = (probe & ~0xfu) & -(probe & ~0xfu);
	out->prefetchable = val & 8;
	return 1;
}

/* PCI Firmware 3.2, 4.1.2: a 44-byte header, then 16-byte allocations. */
int pci_mcfg_parse(const void *mcfg, size_t len, uint64_t *base,
		   uint8_t *bus_start, uint8_t *bus_end)
{
	const uint8_t *t = mcfg;

	if (!t || len < 44)
		return -EINVAL;
	for (size_t off = 44; off + 16 <= len; off += 16) {
		if (t[off + 8] | t[off + 9]) /* segment */
			continue;
		*base = get_le64(t + off);
		*bus_start = t[off + 10];
		*bus_end = t[off + 11];
		return *base && *bus_end >= *bus_start ? 0 : -EINVAL;
	}
	return -ENOENT;
}

bool pci_parse_bdf(const char *s, uint16_t *bdf)
{
	int b1 = digit_value(s[0], 16), b0 = b1 < 0 ? -1 : digit_value(s[1], 16);
	int d1, d0, f;

	if (b0 < 0 || s[2] != ':')
		return false;
	d1 = digit_value(s[3], 16);
	d0 = d1 < 0 ? -1 : digit_value(s[4], 16);
	if (d0 < 0 || s[5] != '.' || s[6] < '0' || s[6] > '7' || s[7])
		return false;
	f = s[6] - '0';
	if (d1 * 16 + d0 > 31)
		return false;
	*bdf = PCI_BDF(b1 * 16 + b0, d1 * 16 + d0, f);
	return true;
}
