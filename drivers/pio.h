/* SPDX-License-Identifier: MIT */
/* A VM's port-I/O bus: emulated devices claim port ranges; an access to a
 * port nobody claims reads all-ones and writes are dropped, as on a PC
 * bus with nothing behind it. Routing is one table lookup per access
 * (64 KiB per bus), whatever the number of devices. */
#ifndef DRIVERS_PIO_H
#define DRIVERS_PIO_H

#include <stdbool.h>
#include <stdint.h>

#define PIO_MAX 24

struct vcpu;

/* size is 1, 2 or 4; reads store into *val. Returns 0 or a negative error
 * that stops the VM. */
typedef int (*pio_fn)(void *ctx, struct vcpu *v, uint16_t port, unsigned size,
		      uint32_t *val, bool write);

struct pio_range {
	uint16_t base, len;
	pio_fn fn;
	void *ctx;
	const char *name;
	uint64_t hits; /* accesses routed here */
};

struct pio_bus {
	unsigned n;
	struct pio_range r[PIO_MAX];
	uint64_t unclaimed; /* accesses to ports nobody claims */
	uint8_t slot[0x10000]; /* port -> range index + 1; 0: unclaimed */
};

int pio_add(struct pio_bus *b, uint16_t base, uint16_t len, pio_fn fn,
	    void *ctx, const char *name);
/* Routes one access, and counts it; unclaimed ports behave as described
 * above. */
int pio_access(struct pio_bus *b, struct vcpu *v, uint16_t port,
	       unsigned size, uint32_t *val, bool write);

#endif
