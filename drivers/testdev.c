/* SPDX-License-Identifier: MIT */
#include "drivers/testdev.h"

#include "guests/vm.h"
#include "lib/string.h"

struct testdev {
	uint8_t scratch[8];
	uint64_t count;
};

static struct testdev devs[VM_MAX];

static int access(void *ctx, struct vcpu *v, uint64_t gpa, unsigned size,
		  uint64_t *val, bool write)
{
	struct testdev *d = ctx;
	uint64_t off = gpa - TESTDEV_BASE;

	(void)v;
	d->count++;
	if (off >= 8 && off + size <= 16) {
		if (write)
			memcpy(d->scratch + off - 8, val, size);
		else
			memcpy(val, d->scratch + off - 8, size);
		return 0;
	}
	if (!write)
		*val = off == 0 ? TESTDEV_ID : off == 0x10 ? d->count : 0;
	return 0;
}

void testdev_reset(struct vm *vm)
{
	memset(&devs[vm->id], 0, sizeof(devs[vm->id]));
}

int testdev_attach(struct vm *vm)
{
	struct testdev *d = &devs[vm->id];

	testdev_reset(vm);
	return gpa_add_mmio(&vm->mem, TESTDEV_BASE, TESTDEV_SIZE, access, d,
			    "testdev");
}
