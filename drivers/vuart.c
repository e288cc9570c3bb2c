/* SPDX-License-Identifier: MIT */
/* The 16550A as its data sheet describes it (National Semiconductor
 * PC16550D, tables II-V). */
#include "drivers/vuart.h"

void vuart_init(struct vuart *u, void (*tx)(void *, uint8_t),
		void (*irq)(void *, bool), void *ctx)
{
	*u = (struct vuart){ .lsr = LSR_THRE | LSR_TEMT, .dll = 12,
			     .msr = 0xb0, .tx = tx, .irq = irq, .ctx = ctx };
}

/* The highest-priority pending source, as IIR encodes it (table V). */
static uint8_t iir(const struct vuart *u)
{
	uint8_t fifo = u->fcr & 1 ? 0xc0 : 0;

	if ((u->ier & IER_RLS) && (u->lsr & LSR_OE))
		return fifo | 0x06;
	if ((u->ier & IER_RDA) && u->rx_len)
		return fifo | 0x04;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return fifo | 0x02;
	return fifo | 0x01;
}

static void update_irq(struct vuart *u)
{
	/* OUT2 gates the interrupt line on PC serial ports. */
	bool level = !(iir(u) & 1) && (u->mcr & 0x08);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->irq)
			u->irq(u->ctx, level);
	}
}

static uint8_t pop(struct vuart *u)
{
	uint8_t c = 0;

	if (u->rx_len) {
		c = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % VUART_FIFO;
		u->rx_len--;
	}
	if (!u->rx_len)
		u->lsr &= ~LSR_DR;
	return c;
}

bool vuart_receive(struct vuart *u, uint8_t c)
{
	if (u->rx_len == VUART_FIFO) {
		u->lsr |= LSR_OE;
		update_irq(u);
		return false;
	}
	u->rx[(u->rx_head + u->rx_len++) % VUART_FIFO] = c;
	u->lsr |= LSR_DR;
	update_irq(u);
	return true;
}

uint8_t vuart_read(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg & 7) {
	case UART_RBR_THR_DLL:
		v = dlab ? u->dll : pop(u);
		break;
	case UART_IER_DLM:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR_FCR:
		v = iir(u);
		if ((v & 0x0f) == 0x02) /* reading IIR acknowledges THRE */
			u->thre_pending = false;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = u->lsr;
		u->lsr &= ~LSR_OE; /* cleared by reading */
		break;
	case UART_MSR:
		v = u->msr;
		break;
	default:
		v = u->scr;
	}
	update_irq(u);
	return v;
}

static void transmit(struct vuart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP)
		vuart_receive(u, c);
	else if (u->tx)
		u->tx(u->ctx, c);
	u->thre_pending = true; /* sent at once: THR is empty again */
}

void vuart_write(struct vuart *u, unsigned reg, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg & 7) {
	case UART_RBR_THR_DLL:
		if (dlab)
			u->dll = val;
		else
			transmit(u, val);
		break;
	case UART_IER_DLM:
		if (dlab) {
			u->dlm = val;
		} else {
			/* enabling THRE with THR empty raises it at once */
			if (!(u->ier & IER_THRE) && (val & IER_THRE))
				u->thre_pending = true;
			u->ier = val & 0x0f;
		}
		break;
	case UART_IIR_FCR:
		u->fcr = val & 0xc9;
		if (val & 2) { /* clear the receive FIFO */
			u->rx_len = 0;
			u->lsr &= ~LSR_DR;
		}
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
	update_irq(u);
}
