/* SPDX-License-Identifier: MIT */
/* Host 16550 UART: polled output, input polled or by interrupt (the
 * hypervisor's console). */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdint.h>

void uart_init(uint16_t port, uint32_t baud);
void uart_putc(uint16_t port, char c);
/* Raise the UART's IRQ when a byte arrives (the caller routes it). */
void uart_rx_irq(uint16_t port);
/* A received byte, or -1 when none is waiting. */
int uart_getc(uint16_t port);

#endif
