/* SPDX-License-Identifier: MIT */
#include "guests/board.h"

#include "drivers/testdev.h"
#include "drivers/vdebug.h"
#include "drivers/vreset.h"
#include "guests/vapic.h"
#include "guests/vm.h"

static void uart_tx(void *ctx, uint8_t c) { vm_console_putc(ctx, (char)c); }

static int uart_port(void *ctx, struct vcpu *v, uint16_t port, unsigned size,
		     uint32_t *val, bool write)
{
	struct vuart *u = &((struct vm *)ctx)->uart;

	(void)v;
	(void)size;
	if (write)
		vuart_write(u, port - COM1_PORT, (uint8_t)*val);
	else
		*val = vuart_read(u, port - COM1_PORT);
	return 0;
}

int board_attach(struct vm *vm)
{
	int r;

	vuart_init(&vm->uart, uart_tx, 0, vm);
	r = pio_add(&vm->pio, COM1_PORT, 8, uart_port, vm, "COM1");
	if (!r)
		r = vdebug_attach(vm);
	if (!r)
		r = vreset_attach(vm);
	if (!r)
		r = vapic_attach(vm);
	if (!r && (vm->cfg->devices & VM_DEV_TESTDEV))
		r = testdev_attach(vm);
	return r;
}

void board_reset(struct vm *vm)
{
	vuart_init(&vm->uart, uart_tx, 0, vm);
	vm->shutdown_pos = 0;
	vreset_reset(vm);
	if (vm->cfg->devices & VM_DEV_TESTDEV)
		testdev_reset(vm);
}
