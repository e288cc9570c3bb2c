/* SPDX-License-Identifier: MIT */
#include "drivers/pio.h"

#include "lib/errno.h"

int pio_add(struct pio_bus *b, uint16_t base, uint16_t len, pio_fn fn,
	    void *ctx, const char *name)
{
	uint32_t end = (uint32_t)base + len;

	if (!len || end > 0x10000 || !fn)
		return -EINVAL;
	for (unsigned i = 0; i < b->n; i++)
		if (base < b->r[i].base + b->r[i].len && b->r[i].base < end)
			return -EEXIST;
	if (b->n == PIO_MAX)
		return -ENOSPC;
	b->r[b->n++] = (struct pio_range){ base, len, fn, ctx, name, 0 };
	for (uint32_t p = base; p < end; p++)
		b->slot[p] = (uint8_t)b->n;
	return 0;
}

int pio_access(struct pio_bus *b, struct vcpu *v, uint16_t port,
	       unsigned size, uint32_t *val, bool write)
{
	unsigned i = b->slot[port];

	if (i) {
		struct pio_range *r = &b->r[i - 1];

		__atomic_add_fetch(&r->hits, 1, __ATOMIC_RELAXED);
		return r->fn(r->ctx, v, port, size, val, write);
	}
	__atomic_add_fetch(&b->unclaimed, 1, __ATOMIC_RELAXED);
	if (!write)
		*val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return 0;
}
