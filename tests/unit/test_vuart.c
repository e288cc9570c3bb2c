/* SPDX-License-Identifier: MIT */
/* drivers/vuart.c: the emulated 16550A register model (PC16550D data
 * sheet, tables II-V). */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vuart.h"

#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_FIFO 0xc0
#define MCR_OUT2 0x08

/* What the callbacks saw. */
struct wire {
	uint8_t sent[64];
	unsigned n_sent;
	bool level;
	unsigned edges; /* irq callback calls */
};

static struct wire wire;
static struct vuart u;

static void tx(void *ctx, uint8_t c)
{
	struct wire *w = ctx;

	assert_ptr_equal(w, &wire);
	assert_true(w->n_sent < sizeof(w->sent));
	w->sent[w->n_sent++] = c;
}

static void irq(void *ctx, bool level)
{
	struct wire *w = ctx;

	assert_ptr_equal(w, &wire);
	/* only changes are reported */
	if (level == w->level)
		fail_msg("irq callback with an unchanged level %d", level);
	w->level = level;
	w->edges++;
}

static int setup(void **state)
{
	memset(&wire, 0, sizeof(wire));
	vuart_init(&u, tx, irq, &wire);
	return 0;
}

static uint8_t rd(unsigned reg)
{
	return vuart_read(&u, reg);
}

static void wr(unsigned reg, uint8_t val)
{
	vuart_write(&u, reg, val);
}

/* Interrupts reach the line only with OUT2 (bit 3 of MCR). */
static void enable_irq_line(void)
{
	wr(UART_MCR, MCR_OUT2);
}

/* ---- reset and plain registers ------------------------------------------- */

static void test_reset_values(void **state)
{
	assert_int_equal(rd(UART_IER_DLM), 0);
	assert_int_equal(rd(UART_IIR_FCR), IIR_NONE);
	assert_int_equal(rd(UART_LCR), 0);
	assert_int_equal(rd(UART_MCR), 0);
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(UART_MSR), 0xb0);
	assert_int_equal(rd(UART_SCR), 0);
	assert_int_equal(rd(UART_RBR_THR_DLL), 0); /* empty: nothing */
	assert_int_equal(wire.n_sent, 0);
	assert_int_equal(wire.edges, 0);
}

static void test_scratch_and_lcr(void **state)
{
	wr(UART_SCR, 0xa5);
	assert_int_equal(rd(UART_SCR), 0xa5);
	wr(UART_SCR, 0x00);
	assert_int_equal(rd(UART_SCR), 0);
	wr(UART_LCR, 0x1b); /* 8 bits, even parity, 1 stop */
	assert_int_equal(rd(UART_LCR), 0x1b);
	/* only bits 0-4 of MCR exist */
	wr(UART_MCR, 0xff);
	assert_int_equal(rd(UART_MCR), 0x1f);
	/* LSR and MSR are read-only */
	wr(UART_MCR, 0);
	wr(UART_LSR, 0x00);
	wr(UART_MSR, 0x00);
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(UART_MSR), 0xb0);
	/* the register number wraps at 8 */
	wr(8 + UART_SCR, 0x3c);
	assert_int_equal(rd(UART_SCR), 0x3c);
	assert_int_equal(rd(16 + UART_SCR), 0x3c);
}

static void test_divisor_latch(void **state)
{
	wr(UART_IER_DLM, IER_RDA);
	wr(UART_LCR, LCR_DLAB | 0x03);
	assert_int_equal(rd(UART_RBR_THR_DLL), 12); /* 9600 baud at reset */
	assert_int_equal(rd(UART_IER_DLM), 0);
	wr(UART_RBR_THR_DLL, 0x01); /* 115200 */
	wr(UART_IER_DLM, 0x02);
	assert_int_equal(rd(UART_RBR_THR_DLL), 0x01);
	assert_int_equal(rd(UART_IER_DLM), 0x02);
	/* writing the latch sends nothing and leaves IER alone */
	assert_int_equal(wire.n_sent, 0);
	wr(UART_LCR, 0x03);
	assert_int_equal(rd(UART_IER_DLM), IER_RDA);
	/* and reading RBR with DLAB clear does not show the latch */
	assert_int_equal(rd(UART_RBR_THR_DLL), 0);
	wr(UART_LCR, LCR_DLAB | 0x03);
	assert_int_equal(rd(UART_RBR_THR_DLL), 0x01);
	assert_int_equal(rd(UART_IER_DLM), 0x02);
	/* IER keeps only bits 0-3 */
	wr(UART_LCR, 0x03);
	wr(UART_IER_DLM, 0xff);
	assert_int_equal(rd(UART_IER_DLM), 0x0f);
}

/* ---- transmit and receive ------------------------------------------------ */

static void test_transmit(void **state)
{
	wr(UART_RBR_THR_DLL, 'h');
	wr(UART_RBR_THR_DLL, 'i');
	wr(UART_RBR_THR_DLL, 0x00);
	assert_int_equal(wire.n_sent, 3);
	assert_memory_equal(wire.sent, "hi\0", 3);
	/* transmission is instant: THR is empty again */
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT);
}

static void test_loopback(void **state)
{
	wr(UART_MCR, MCR_LOOP);
	wr(UART_RBR_THR_DLL, 'x');
	wr(UART_RBR_THR_DLL, 'y');
	assert_int_equal(wire.n_sent, 0); /* nothing leaves */
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT | LSR_DR);
	assert_int_equal(rd(UART_RBR_THR_DLL), 'x');
	assert_int_equal(rd(UART_RBR_THR_DLL), 'y');
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT);
	wr(UART_MCR, 0);
	wr(UART_RBR_THR_DLL, 'z');
	assert_int_equal(wire.n_sent, 1);
	assert_int_equal(wire.sent[0], 'z');
	assert_int_equal(rd(UART_LSR) & LSR_DR, 0);
}

static void test_rx_fifo_and_overrun(void **state)
{
	for (unsigned i = 0; i < VUART_FIFO; i++) {
		assert_true(vuart_receive(&u, (uint8_t)('a' + i)));
		assert_int_equal(rd(UART_LSR) & (LSR_DR | LSR_OE), LSR_DR);
	}
	/* the 17th byte is lost and flags an overrun */
	assert_false(vuart_receive(&u, '!'));
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT | LSR_DR | LSR_OE);
	/* reading LSR cleared OE */
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT | LSR_DR);
	/* the bytes in order, DR until the last */
	for (unsigned i = 0; i < VUART_FIFO; i++) {
		assert_int_equal(rd(UART_LSR) & LSR_DR, LSR_DR);
		assert_int_equal(rd(UART_RBR_THR_DLL), 'a' + i);
	}
	assert_int_equal(rd(UART_LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(rd(UART_RBR_THR_DLL), 0);
	/* the ring wraps */
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 10; i++)
			assert_true(vuart_receive(&u, (uint8_t)(round * 10 + i)));
		for (unsigned i = 0; i < 10; i++)
			assert_int_equal(rd(UART_RBR_THR_DLL), round * 10 + i);
	}
	assert_int_equal(rd(UART_LSR) & LSR_DR, 0);
}

static void test_fifo_control(void **state)
{
	vuart_receive(&u, '1');
	vuart_receive(&u, '2');
	/* enable the FIFOs: IIR bits 7:6 */
	wr(UART_IIR_FCR, 0x01);
	assert_int_equal(rd(UART_IIR_FCR), IIR_FIFO | IIR_NONE);
	assert_int_equal(rd(UART_LSR) & LSR_DR, LSR_DR);
	/* clear the receive FIFO (self-clearing bit 1) */
	wr(UART_IIR_FCR, 0x03);
	assert_int_equal(rd(UART_LSR) & LSR_DR, 0);
	assert_int_equal(rd(UART_RBR_THR_DLL), 0);
	assert_true(vuart_receive(&u, '3'));
	assert_int_equal(rd(UART_RBR_THR_DLL), '3');
	/* trigger level bits don't change IIR; disabling clears 7:6 */
	wr(UART_IIR_FCR, 0xc1);
	assert_int_equal(rd(UART_IIR_FCR), IIR_FIFO | IIR_NONE);
	wr(UART_IIR_FCR, 0x00);
	assert_int_equal(rd(UART_IIR_FCR), IIR_NONE);
	/* clearing the transmit FIFO (bit 2) touches no received data */
	vuart_receive(&u, '4');
	wr(UART_IIR_FCR, 0x05);
	assert_int_equal(rd(UART_RBR_THR_DLL), '4');
}

/* ---- interrupt identification -------------------------------------------- */

static void test_iir_priorities(void **state)
{
	wr(UART_IER_DLM, IER_RDA | IER_THRE | IER_RLS);
	/* THRE at once (THR is empty) */
	assert_int_equal(rd(UART_IIR_FCR), IIR_THRE);
	/* that read acknowledged it */
	assert_int_equal(rd(UART_IIR_FCR), IIR_NONE);
	/* transmitting makes THR empty again */
	wr(UART_RBR_THR_DLL, 'a');
	/* data beats THRE */
	vuart_receive(&u, 'b');
	assert_int_equal(rd(UART_IIR_FCR), IIR_RDA);
	assert_int_equal(rd(UART_IIR_FCR), IIR_RDA); /* not acknowledged */
	/* line status beats data */
	for (unsigned i = 0; i < VUART_FIFO; i++)
		vuart_receive(&u, 'c');
	assert_int_equal(rd(UART_IIR_FCR), IIR_RLS);
	assert_int_equal(rd(UART_LSR) & LSR_OE, LSR_OE);
	/* reading LSR cleared the overrun: back to data */
	assert_int_equal(rd(UART_IIR_FCR), IIR_RDA);
	for (unsigned i = 0; i < VUART_FIFO; i++)
		rd(UART_RBR_THR_DLL);
	/* then THRE, still pending from the write */
	assert_int_equal(rd(UART_IIR_FCR), IIR_THRE);
	assert_int_equal(rd(UART_IIR_FCR), IIR_NONE);
	/* with FIFOs on, the same codes with bits 7:6 */
	wr(UART_IIR_FCR, 0x01);
	vuart_receive(&u, 'd');
	assert_int_equal(rd(UART_IIR_FCR), IIR_FIFO | IIR_RDA);
}

static void test_iir_needs_enable_bits(void **state)
{
	/* sources without their IER bit are not reported */
	vuart_receive(&u, 'a');
	wr(UART_RBR_THR_DLL, 'b');
	for (unsigned i = 0; i < VUART_FIFO; i++)
		vuart_receive(&u, 'c');
	assert_int_equal(rd(UART_IIR_FCR), IIR_NONE);
	wr(UART_IER_DLM, IER_THRE);
	assert_int_equal(rd(UART_IIR_FCR), IIR_THRE);
	wr(UART_IER_DLM, IER_THRE | IER_RDA);
	assert_int_equal(rd(UART_IIR_FCR), IIR_RDA);
	/* LSR was not read yet: OE is still there for RLS */
	wr(UART_IER_DLM, IER_RLS);
	assert_int_equal(rd(UART_IIR_FCR), IIR_RLS);
}

static void test_thre_interrupt(void **state)
{
	enable_irq_line();
	assert_int_equal(wire.edges, 0);
	/* enabling THRE with THR empty raises it */
	wr(UART_IER_DLM, IER_THRE);
	assert_true(wire.level);
	assert_int_equal(wire.edges, 1);
	/* writing IER again with THRE still on does not re-raise */
	assert_int_equal(rd(UART_IIR_FCR), IIR_THRE);
	assert_false(wire.level);
	wr(UART_IER_DLM, IER_THRE);
	assert_false(wire.level);
	assert_int_equal(rd(UART_IIR_FCR), IIR_NONE);
	/* writing THR: the byte goes at once and THR is empty again */
	wr(UART_RBR_THR_DLL, 'x');
	assert_true(wire.level);
	assert_int_equal(wire.edges, 3);
	/* a second write while pending: no new edge */
	wr(UART_RBR_THR_DLL, 'y');
	assert_true(wire.level);
	assert_int_equal(wire.edges, 3);
	/* disabling THRE drops the line; re-enabling raises it again */
	wr(UART_IER_DLM, 0);
	assert_false(wire.level);
	wr(UART_IER_DLM, IER_THRE);
	assert_true(wire.level);
	assert_int_equal(wire.edges, 5);
	assert_int_equal(wire.n_sent, 2);
}

static void test_irq_edges_and_out2(void **state)
{
	wr(UART_IER_DLM, IER_RDA);
	/* without OUT2 nothing reaches the line */
	vuart_receive(&u, 'a');
	assert_int_equal(rd(UART_IIR_FCR), IIR_RDA);
	assert_int_equal(wire.edges, 0);
	/* OUT2 on: the pending interrupt shows at once */
	enable_irq_line();
	assert_true(wire.level);
	assert_int_equal(wire.edges, 1);
	/* more data, reads of other registers: no new edge */
	vuart_receive(&u, 'b');
	rd(UART_LSR);
	rd(UART_SCR);
	wr(UART_SCR, 1);
	assert_int_equal(wire.edges, 1);
	/* draining the FIFO lowers it once */
	assert_int_equal(rd(UART_RBR_THR_DLL), 'a');
	assert_int_equal(wire.edges, 1);
	assert_int_equal(rd(UART_RBR_THR_DLL), 'b');
	assert_false(wire.level);
	assert_int_equal(wire.edges, 2);
	/* OUT2 off masks a pending interrupt */
	vuart_receive(&u, 'c');
	assert_int_equal(wire.edges, 3);
	wr(UART_MCR, 0);
	assert_false(wire.level);
	assert_int_equal(wire.edges, 4);
	/* loopback with OUT2 still interrupts */
	rd(UART_RBR_THR_DLL);
	wr(UART_MCR, MCR_OUT2 | MCR_LOOP);
	assert_int_equal(wire.edges, 4);
	wr(UART_RBR_THR_DLL, 'd');
	assert_true(wire.level);
	assert_int_equal(wire.edges, 5);
	assert_int_equal(rd(UART_RBR_THR_DLL), 'd');
	assert_false(wire.level);
	assert_int_equal(wire.edges, 6);
}

static void test_no_irq_callback(void **state)
{
	struct vuart q;

	vuart_init(&q, NULL, NULL, NULL);
	vuart_write(&q, UART_MCR, MCR_OUT2);
	vuart_write(&q, UART_IER_DLM, IER_THRE | IER_RDA);
	vuart_write(&q, UART_RBR_THR_DLL, 'x'); /* no tx: dropped */
	assert_true(vuart_receive(&q, 'y'));
	assert_int_equal(vuart_read(&q, UART_IIR_FCR), IIR_RDA);
	assert_int_equal(vuart_read(&q, UART_RBR_THR_DLL), 'y');
	assert_true(q.irq_level); /* THRE still pending */
	assert_int_equal(vuart_read(&q, UART_IIR_FCR), IIR_THRE);
	assert_false(q.irq_level);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_values),
		T(test_scratch_and_lcr),
		T(test_divisor_latch),
		T(test_transmit),
		T(test_loopback),
		T(test_rx_fifo_and_overrun),
		T(test_fifo_control),
		T(test_iir_priorities),
		T(test_iir_needs_enable_bits),
		T(test_thre_interrupt),
		T(test_irq_edges_and_out2),
		T(test_no_irq_callback),
	};

	return cmocka_run_group_tests_name("vuart", tests, NULL, NULL);
}
