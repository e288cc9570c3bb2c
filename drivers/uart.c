/* SPDX-License-Identifier: MIT */
#include "drivers/uart.h"

#include "arch/x86.h"

#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20
#define LCR_DLAB 0x80

void uart_init(uint16_t port, uint32_t baud)
{
	uint16_t div = (uint16_t)(115200 / baud);

	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, div & 0xff);
	outb(port + UART_DLM, div >> 8);
	outb(port + UART_LCR, 0x03); /* 8N1 */
	outb(port + UART_FCR, 0xc7); /* FIFOs on and cleared */
	outb(port + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no IRQs */
}

void uart_rx_irq(uint16_t port)
{
	outb(port + UART_IER, 0x01);      /* received data available */
	outb(port + UART_MCR, 0x0b);      /* DTR, RTS, OUT2: the IRQ line */
	(void)inb(port + UART_LSR);
}

int uart_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & 0x01)) /* LSR: data ready */
		return -1;
	return inb(port + UART_THR);
}

void uart_putc(uint16_t port, char c)
{
	/* Bounded wait: a missing or stuck UART must not hang the host. */
	for (int spin = 0; spin < 100000; spin++)
		if (inb(port + UART_LSR) & LSR_THRE)
			break;
	outb(port + UART_THR, (uint8_t)c);
}
