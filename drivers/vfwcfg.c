/* SPDX-License-Identifier: MIT */
/* QEMU fw_cfg, traditional I/O interface (QEMU docs/specs/fw_cfg.rst). */
#include "drivers/vfwcfg.h"

#include "lib/string.h"

#define ITEM_MAX 8 /* the longest item this model serves */

static uint32_t all_ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void vfwcfg_init(struct vfwcfg *f, uint16_t n_cpus, uint64_t ram_size)
{
	*f = (struct vfwcfg){ .key = FW_CFG_SIGNATURE, .n_cpus = n_cpus,
			      .ram_size = ram_size };
}

static unsigned put_le(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return n;
}

/* The bytes of an item; 0 for keys without an item. "Integers are
 * little-endian unless noted" (fw_cfg.rst); the file directory's count is
 * big-endian, as the spec notes for that item. */
static unsigned item(const struct vfwcfg *f, uint16_t key, uint8_t *b)
{
	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(b, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		return put_le(b, FW_CFG_ID_TRADITIONAL, 4);
	case FW_CFG_RAM_SIZE:
		return put_le(b, f->ram_size, 8);
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		return put_le(b, f->n_cpus, 2);
	case FW_CFG_FILE_DIR:
		return put_le(b, 0, 4); /* count 0: zero in either order */
	default:
		return 0;
	}
}

static uint8_t next_byte(struct vfwcfg *f)
{
	uint8_t b[ITEM_MAX];
	unsigned len = item(f, f->key, b);

	if (f->offset >= len)
		return 0; /* past the end: 0, and the offset stays put */
	return b[f->offset++];
}

uint32_t vfwcfg_read(struct vfwcfg *f, uint16_t port, unsigned size)
{
	if (port == VFWCFG_PORT_SELECTOR)
		return 0;
	if (port != VFWCFG_PORT_DATA || size != 1)
		return all_ones(size);
	return next_byte(f);
}

void vfwcfg_write(struct vfwcfg *f, uint16_t port, unsigned size, uint32_t val)
{
	/* Only a 16-bit write to the selector selects; it also rewinds the
	 * item. Writes to the data register are no longer supported by QEMU
	 * (fw_cfg.rst, "Data Register"): ignored. */
	if (port == VFWCFG_PORT_SELECTOR && size == 2) {
		f->key = (uint16_t)val;
		f->offset = 0;
	}
}
