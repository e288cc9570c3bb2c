/* SPDX-License-Identifier: MIT */
#include "drivers/vdebug.h"

#include "guests/vm.h"

static int debug_exit(void *ctx, struct vcpu *v, uint16_t port, unsigned size,
		      uint32_t *val, bool write)
{
	(void)ctx;
	(void)port;
	(void)size;
	if (!write) {
		*val = 0;
		return 0;
	}
	vm_stop(v->vm, (int)((*val << 1) | 1), "debug-exit port, code %u",
		*val);
	return 0;
}

static int bochs_shutdown(void *ctx, struct vcpu *v, uint16_t port,
			  unsigned size, uint32_t *val, bool write)
{
	static const char word[] = "Shutdown";
	struct vm *vm = v->vm;

	(void)ctx;
	(void)port;
	(void)size;
	if (!write) {
		*val = 0xff;
		return 0;
	}
	vm->shutdown_pos = (uint8_t)*val == word[vm->shutdown_pos] ?
				   vm->shutdown_pos + 1 : 0;
	if (vm->shutdown_pos == sizeof(word) - 1)
		vm_stop(vm, 0, "Bochs shutdown port");
	return 0;
}

static int debugcon(void *ctx, struct vcpu *v, uint16_t port, unsigned size,
		    uint32_t *val, bool write)
{
	(void)ctx;
	(void)port;
	(void)size;
	if (write)
		vm_console_putc(v->vm, (char)*val);
	else
		*val = DEBUGCON_PORT; /* as Bochs' port_e9_hack answers */
	return 0;
}

int vdebug_attach(struct vm *vm)
{
	int r = pio_add(&vm->pio, DEBUG_EXIT_PORT, 4, debug_exit, 0,
			"debug-exit");

	if (!r)
		r = pio_add(&vm->pio, BOCHS_SHUTDOWN_PORT, 1, bochs_shutdown, 0,
			    "bochs-shutdown");
	if (!r)
		r = pio_add(&vm->pio, DEBUGCON_PORT, 1, debugcon, 0, "debugcon");
	return r;
}
