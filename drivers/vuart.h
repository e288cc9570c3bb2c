/* SPDX-License-Identifier: MIT */
/*
 * An emulated 16550A UART: the register file a driver programs (divisor
 * latch, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR), a receive FIFO, and
 * transmission that completes at once. Pure: bytes go out through a tx
 * callback, and interrupt requests through an irq callback (level).
 */
#ifndef DRIVERS_VUART_H
#define DRIVERS_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_FIFO 16

/* Register offsets (DLAB-dependent ones noted). */
enum { UART_RBR_THR_DLL = 0, UART_IER_DLM = 1, UART_IIR_FCR = 2,
       UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };

#define IER_RDA 0x01  /* received data available */
#define IER_THRE 0x02 /* transmitter holding register empty */
#define IER_RLS 0x04  /* receiver line status */
#define IER_MS 0x08   /* modem status */
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10

struct vuart {
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thre_pending; /* THR-empty interrupt not yet acknowledged */
	uint8_t rx[VUART_FIFO];
	unsigned rx_head, rx_len;
	void (*tx)(void *ctx, uint8_t c);
	void (*irq)(void *ctx, bool level);
	void *ctx;
	bool irq_level;
};

void vuart_init(struct vuart *u, void (*tx)(void *, uint8_t),
		void (*irq)(void *, bool), void *ctx);
uint8_t vuart_read(struct vuart *u, unsigned reg);
void vuart_write(struct vuart *u, unsigned reg, uint8_t val);
/* A byte arrives from the outside; false when the FIFO is full. */
bool vuart_receive(struct vuart *u, uint8_t c);

#endif
