/* SPDX-License-Identifier: MIT */
#include "drivers/vreset.h"

#include "guests/vm.h"

#define RST_CPU (1u << 2)
#define KBC_PULSE_RESET 0xfe
#define KBC_STATUS_IDLE 0x1c /* system flag, command, not inhibited */

static uint8_t rst_cnt[VM_MAX];

void vreset_reset(struct vm *vm) { rst_cnt[vm->id] = 0; }

static int reset_control(void *ctx, struct vcpu *v, uint16_t port,
			 unsigned size, uint32_t *val, bool write)
{
	uint8_t *reg = &rst_cnt[v->vm->id];

	(void)ctx;
	(void)port;
	(void)size;
	if (!write) {
		*val = *reg;
		return 0;
	}
	*reg = (uint8_t)*val & 0x0e;
	if (*val & RST_CPU)
		vm_reset(v, "reset control register 0xcf9");
	return 0;
}

static int kbc(void *ctx, struct vcpu *v, uint16_t port, unsigned size,
	       uint32_t *val, bool write)
{
	(void)ctx;
	(void)size;
	if (!write)
		*val = port == KBC_COMMAND_PORT ? KBC_STATUS_IDLE : 0;
	else if (port == KBC_COMMAND_PORT && (uint8_t)*val == KBC_PULSE_RESET)
		vm_reset(v, "keyboard controller command 0xfe");
	return 0;
}

int vreset_attach(struct vm *vm)
{
	int r = pio_add(&vm->pio, RESET_CONTROL_PORT, 1, reset_control, 0,
			"reset-control");

	if (!r)
		r = pio_add(&vm->pio, KBC_DATA_PORT, 1, kbc, 0, "kbc-data");
	if (!r)
		r = pio_add(&vm->pio, KBC_COMMAND_PORT, 1, kbc, 0, "kbc-command");
	return r;
}
