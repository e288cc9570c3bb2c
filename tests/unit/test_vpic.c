/* SPDX-License-Identifier: MIT */
/* drivers/vpic.c: the PC's cascaded 8259A pair (Intel 8259A data sheet)
 * with the PIIX/ICH ELCR, driven the way Linux, SeaBIOS and a PC's
 * devices drive it. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vpic.h"

/* What the INTR callback saw. */
struct wire {
	bool level;
	unsigned rises, falls;
};

static struct wire wire;
static struct vpic p;

static void intr(void *ctx, bool level)
{
	struct wire *w = ctx;

	assert_ptr_equal(w, &wire);
	if (level == w->level)
		fail_msg("intr callback with an unchanged level %d", level);
	w->level = level;
	if (level)
		w->rises++;
	else
		w->falls++;
}

static int setup(void **state)
{
	memset(&wire, 0, sizeof(wire));
	vpic_init(&p, intr, &wire);
	return 0;
}

static uint8_t in(uint16_t port)
{
	return vpic_read(&p, port);
}

static void out(uint8_t val, uint16_t port)
{
	vpic_write(&p, port, val);
}

static void irq(unsigned n, bool level)
{
	vpic_set_irq(&p, n, level);
}

/* A rising then falling edge, as an edge-triggered ISA device pulses. */
static void pulse(unsigned n)
{
	irq(n, true);
	irq(n, false);
}

/* OCW3 reads of the ISR and IRR, as Linux's i8259A_irq_real does. */
static uint8_t isr(uint16_t cmd)
{
	uint8_t v;

	out(0x0b, cmd);
	v = in(cmd);
	out(0x0a, cmd);
	return v;
}

static uint8_t irr(uint16_t cmd)
{
	out(0x0a, cmd);
	return in(cmd);
}

/* arch/x86/kernel/i8259.c init_8259A(auto_eoi), vectors 0x30/0x38
 * (ISA_IRQ_VECTOR(0) on x86-64), then the cached masks restored. */
static void linux_init(bool auto_eoi, uint16_t mask)
{
	out(0xff, 0x21);
	out(0x11, 0x20);
	out(0x30, 0x21);
	out(0x04, 0x21);
	out(auto_eoi ? 0x03 : 0x01, 0x21);
	out(0x11, 0xa0);
	out(0x38, 0xa1);
	out(0x02, 0xa1);
	out(0x01, 0xa1);
	out(mask & 0xff, 0x21);
	out(mask >> 8, 0xa1);
}

/* SeaBIOS pic_reset(0x08, 0x70) and PIC_IRQMASK_DEFAULT (only IR2). */
static void seabios_init(void)
{
	out(0x11, 0x20);
	out(0x11, 0xa0);
	out(0x08, 0x21);
	out(0x70, 0xa1);
	out(0x04, 0x21);
	out(0x02, 0xa1);
	out(0x01, 0x21);
	out(0x01, 0xa1);
	out(0xfb, 0x21);
	out(0xff, 0xa1);
}

/* Linux's mask_and_ack_8259A ends with specific EOIs: slave, then the
 * cascade on the master. */
static void linux_eoi(unsigned n)
{
	if (n & 8) {
		out(0x60 + (n & 7), 0xa0);
		out(0x60 + 2, 0x20);
	} else {
		out(0x60 + n, 0x20);
	}
}

/* ---- power-up, ports, initialization ------------------------------------ */

static void test_power_up(void **state)
{
	assert_int_equal(in(0x21), 0xff);
	assert_int_equal(in(0xa1), 0xff);
	assert_int_equal(in(0x20), 0);
	assert_int_equal(in(0xa0), 0);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(in(0x4d0), 0);
	assert_int_equal(in(0x4d1), 0);
	assert_false(vpic_intr(&p));
	/* every line masked: nothing comes through */
	pulse(0);
	pulse(8);
	assert_false(vpic_intr(&p));
	assert_int_equal(irr(0x20), 0x01); /* a masked slave: no IR2 */
	assert_int_equal(irr(0xa0), 0x01);
	assert_int_equal(wire.rises, 0);
	/* INTA anyway: the master's spurious IR7 at the BIOS base */
	assert_int_equal(vpic_ack(&p), 0x0f);
	assert_int_equal(isr(0x20), 0);
	/* unmasking IR0 alone delivers the BIOS's vector 0x08 */
	out(0xfe, 0x21);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x08);
}

static void test_ports(void **state)
{
	assert_true(vpic_is_port(0x20));
	assert_true(vpic_is_port(0x21));
	assert_true(vpic_is_port(0xa0));
	assert_true(vpic_is_port(0xa1));
	assert_true(vpic_is_port(0x4d0));
	assert_true(vpic_is_port(0x4d1));
	assert_false(vpic_is_port(0x22));
	assert_false(vpic_is_port(0xa2));
	assert_false(vpic_is_port(0x4d2));
	assert_false(vpic_is_port(0x1f));
	assert_int_equal(in(0x22), 0xff);
	out(0x00, 0x22); /* ignored */
	out(0x00, 0xa2);
	assert_int_equal(in(0x21), 0xff);
	assert_int_equal(in(0xa1), 0xff);
	/* line 2 is the cascade and lines past 15 do not exist */
	out(0x00, 0x21);
	irq(2, true);
	irq(16, true);
	irq(99, true);
	assert_int_equal(irr(0x20), 0);
	assert_false(vpic_intr(&p));
}

static void test_linux_init(void **state)
{
	/* probe_8259A: mask the slave, write 0xfb to the master, read back */
	out(0xff, 0xa1);
	out(0xfb, 0x21);
	assert_int_equal(in(0x21), 0xfb);
	linux_init(false, 0xfffb);
	assert_int_equal(in(0x21), 0xfb);
	assert_int_equal(in(0xa1), 0xff);
	assert_int_equal(p.chip[0].base, 0x30);
	assert_int_equal(p.chip[1].base, 0x38);
	assert_int_equal(p.chip[0].icw3, 0x04);
	assert_int_equal(p.chip[1].icw3, 0x02);
	assert_int_equal(p.chip[0].init_step, 0);
	assert_int_equal(p.chip[1].init_step, 0);
	/* the timer: IRQ 0 unmasked as Linux does in setup_default_timer_irq */
	out(0xfa, 0x21);
	pulse(0);
	assert_true(vpic_intr(&p));
	assert_int_equal(wire.rises, 1);
	assert_int_equal(irr(0x20), 0x01);
	assert_int_equal(vpic_ack(&p), 0x30);
	assert_false(vpic_intr(&p));
	assert_int_equal(wire.falls, 1);
	assert_int_equal(isr(0x20), 0x01);
	assert_int_equal(irr(0x20), 0x00);
	linux_eoi(0);
	assert_int_equal(isr(0x20), 0x00);
	/* the next tick */
	pulse(0);
	assert_int_equal(vpic_ack(&p), 0x30);
	linux_eoi(0);
	assert_int_equal(wire.rises, 2);
	assert_int_equal(wire.falls, 2);
}

static void test_seabios_init_and_cascade(void **state)
{
	seabios_init();
	assert_int_equal(in(0x21), 0xfb);
	assert_int_equal(in(0xa1), 0xff);
	/* the RTC on IRQ 8, unmasked on the slave */
	out(0xfe, 0xa1);
	pulse(8);
	assert_true(vpic_intr(&p));
	assert_int_equal(irr(0xa0), 0x01);
	assert_int_equal(irr(0x20), 0x04);
	assert_int_equal(vpic_ack(&p), 0x70);
	assert_int_equal(isr(0x20), 0x04);
	assert_int_equal(isr(0xa0), 0x01);
	assert_int_equal(irr(0x20), 0x00);
	assert_int_equal(irr(0xa0), 0x00);
	assert_false(vpic_intr(&p));
	/* SeaBIOS's EOI: non-specific to the slave then the master */
	out(0x20, 0xa0);
	out(0x20, 0x20);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(isr(0xa0), 0);
	/* a masked cascade keeps slave requests out */
	out(0xff, 0x21);
	pulse(8);
	assert_false(vpic_intr(&p));
	out(0xfb, 0x21);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x70);
}

static void test_icw_sequences(void **state)
{
	/* ICW1 without IC4: ICW2, ICW3, then the data port is OCW1 again */
	out(0x10, 0x20);
	out(0x48, 0x21);
	out(0x04, 0x21);
	assert_int_equal(p.chip[0].init_step, 0);
	assert_int_equal(p.chip[0].icw4, 0);
	out(0x5a, 0x21);
	assert_int_equal(in(0x21), 0x5a);
	assert_int_equal(p.chip[0].base, 0x48);
	/* single mode with ICW4: no ICW3 */
	out(0x13, 0xa0);
	out(0x77, 0xa1); /* T2-T0 are not part of the base */
	out(0x03, 0xa1); /* ICW4: AEOI */
	assert_int_equal(p.chip[1].init_step, 0);
	assert_int_equal(p.chip[1].base, 0x70);
	assert_int_equal(p.chip[1].icw4, 0x03);
	out(0xc3, 0xa1);
	assert_int_equal(in(0xa1), 0xc3);
	/* single mode without ICW4 */
	out(0x12, 0xa0);
	out(0x88, 0xa1);
	assert_int_equal(p.chip[1].init_step, 0);
	assert_int_equal(p.chip[1].icw4, 0);
	out(0x11, 0xa1);
	assert_int_equal(in(0xa1), 0x11);
	/* LTIM (ICW1 bit 3) changes nothing: the ELCR rules */
	out(0x19, 0x20);
	out(0x20, 0x21);
	out(0x04, 0x21);
	out(0x01, 0x21);
	out(0x00, 0x21);
	irq(3, true);
	irq(3, false);
	assert_int_equal(irr(0x20), 0x08); /* still edge: latched */
}

static void test_icw1_resets(void **state)
{
	linux_init(false, 0x0000);
	out(0x08, 0x4d0); /* IRQ 3 level */
	irq(3, true);
	irq(5, true); /* edge, line left high */
	assert_int_equal(vpic_ack(&p), 0x33);
	out(0x01, 0x21);
	out(0x0b, 0x20); /* read ISR */
	out(0xc4, 0x20); /* IR4 lowest: IR5 has the highest priority */
	assert_int_equal(p.chip[0].prio, 5);
	/* re-initialise the master */
	out(0x11, 0x20);
	assert_int_equal(in(0x21), 0x00);	 /* IMR cleared */
	assert_int_equal(in(0x20), 0x08);	 /* IRR; the level IR3 stays */
	assert_int_equal(p.chip[0].isr, 0x00);	 /* nothing in service */
	assert_int_equal(p.chip[0].prio, 0);	 /* IR7 lowest again */
	out(0x30, 0x21);
	out(0x04, 0x21);
	out(0x01, 0x21);
	/* the edge line still high makes no request until it rises again */
	assert_int_equal(irr(0x20), 0x08);
	irq(3, false);
	assert_int_equal(irr(0x20), 0x00);
	assert_false(vpic_intr(&p));
	irq(5, true); /* no change: still no request */
	assert_int_equal(irr(0x20), 0x00);
	irq(5, false);
	irq(5, true);
	assert_int_equal(irr(0x20), 0x20);
	assert_int_equal(vpic_ack(&p), 0x35);
}

/* ---- OCW3 reads, OCW1 --------------------------------------------------- */

static void test_ocw3_register_select(void **state)
{
	linux_init(false, 0xfffb);
	out(0x00, 0xa1);
	pulse(1); /* masked: IRR only */
	pulse(9);
	pulse(14);
	assert_int_equal(in(0x20), 0x06); /* IRR by default after init */
	assert_int_equal(in(0xa0), 0x42);
	out(0x0b, 0xa0);
	assert_int_equal(vpic_ack(&p), 0x39);
	/* the selection sticks across reads */
	assert_int_equal(in(0xa0), 0x02);
	assert_int_equal(in(0xa0), 0x02);
	/* OCW3 without RR leaves it; the master still reads its IRR */
	out(0x08, 0xa0);
	assert_int_equal(in(0xa0), 0x02);
	assert_int_equal(in(0x20), 0x02);
	out(0x0a, 0xa0);
	assert_int_equal(in(0xa0), 0x40);
	/* the data port always reads the IMR */
	out(0x0b, 0x20);
	assert_int_equal(in(0x21), 0xfb);
	out(0x00, 0x21);
	assert_int_equal(in(0x21), 0x00);
	assert_int_equal(in(0x20), 0x04); /* master ISR: the cascade */
}

static void test_mask_unmask(void **state)
{
	linux_init(false, 0xffff);
	pulse(4);
	assert_false(vpic_intr(&p));
	out(0xef, 0x21);
	assert_true(vpic_intr(&p));
	assert_int_equal(wire.rises, 1);
	out(0xff, 0x21);
	assert_false(vpic_intr(&p));
	assert_int_equal(wire.falls, 1);
	/* masked edge: the request waits in the IRR */
	assert_int_equal(irr(0x20), 0x10);
	out(0xef, 0x21);
	assert_int_equal(vpic_ack(&p), 0x34);
	assert_int_equal(wire.rises, 2);
	assert_int_equal(wire.falls, 2);
}

/* ---- priorities --------------------------------------------------------- */

static void test_priority_and_nesting(void **state)
{
	linux_init(false, 0x0000);
	pulse(5);
	pulse(3);
	assert_int_equal(irr(0x20), 0x28);
	assert_int_equal(vpic_ack(&p), 0x33); /* IR3 before IR5 */
	assert_false(vpic_intr(&p));	      /* IR5 waits for IR3's EOI */
	pulse(4);
	assert_false(vpic_intr(&p));
	pulse(1); /* higher than IR3: nests */
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x31);
	assert_int_equal(isr(0x20), 0x0a);
	/* a repeated IR1 waits for its own EOI */
	pulse(1);
	assert_false(vpic_intr(&p));
	/* non-specific EOI: the highest priority in service, IR1 */
	out(0x20, 0x20);
	assert_int_equal(isr(0x20), 0x08);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x31);
	out(0x20, 0x20);
	assert_false(vpic_intr(&p)); /* IR3 still blocks 4 and 5 */
	out(0x20, 0x20);
	assert_int_equal(isr(0x20), 0x00);
	assert_int_equal(vpic_ack(&p), 0x34);
	out(0x64, 0x20);
	assert_int_equal(vpic_ack(&p), 0x35);
	out(0x65, 0x20);
	assert_int_equal(vpic_ack(&p), 0x37); /* nothing left: spurious */
	assert_int_equal(isr(0x20), 0x00);
}

static void test_cascade_priority(void **state)
{
	linux_init(false, 0x0000);
	/* IRQ 8-15 rank at IR2: below IRQ 1, above IRQ 3 */
	pulse(3);
	pulse(12);
	assert_int_equal(vpic_ack(&p), 0x3c);
	assert_int_equal(isr(0x20), 0x04);
	assert_int_equal(isr(0xa0), 0x10);
	/* IR2 in service blocks every slave request, even a higher one */
	pulse(8);
	assert_false(vpic_intr(&p));
	pulse(1);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x31);
	linux_eoi(1);
	linux_eoi(12);
	/* now IRQ 8 (pending on the slave) outranks IRQ 3 */
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x38);
	linux_eoi(8);
	assert_int_equal(vpic_ack(&p), 0x33);
	linux_eoi(3);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(isr(0xa0), 0);
	assert_false(vpic_intr(&p));
}

static void test_slave_priorities(void **state)
{
	linux_init(false, 0x0000);
	pulse(15);
	pulse(10);
	pulse(13);
	assert_int_equal(vpic_ack(&p), 0x3a);
	linux_eoi(10);
	assert_int_equal(vpic_ack(&p), 0x3d);
	/* the slave's EOI before the master's: IRQ 15 waits for IR2 */
	out(0x20, 0xa0);
	assert_false(vpic_intr(&p));
	assert_int_equal(irr(0x20), 0x04); /* the slave's new edge is latched */
	out(0x20, 0x20);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x3f);
	assert_int_equal(isr(0xa0), 0x80); /* a real IRQ 15: ISR bit set */
	linux_eoi(15);
	assert_false(vpic_intr(&p));
}

static void test_special_fully_nested(void **state)
{
	linux_init(false, 0x0000);
	out(0x11, 0x20);
	out(0x30, 0x21);
	out(0x04, 0x21);
	out(0x11, 0x21); /* ICW4: SFNM, 8086 */
	out(0x00, 0x21);
	pulse(12);
	assert_int_equal(vpic_ack(&p), 0x3c);
	/* a higher slave request gets through the in-service IR2 */
	pulse(8);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x38);
	assert_int_equal(isr(0xa0), 0x11);
	/* a lower one is stopped by the slave itself */
	pulse(13);
	assert_false(vpic_intr(&p));
	/* IR2 in service still blocks lower master levels */
	pulse(5);
	assert_false(vpic_intr(&p));
	pulse(1);
	assert_int_equal(vpic_ack(&p), 0x31);
}

static void test_special_mask_mode(void **state)
{
	linux_init(false, 0x0000);
	pulse(3);
	assert_int_equal(vpic_ack(&p), 0x33);
	pulse(6);
	assert_false(vpic_intr(&p));
	/* SMM with IR3 masked: lower levels are enabled */
	out(0x08, 0x21);
	out(0x68, 0x20);
	assert_true(p.chip[0].special_mask);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x36);
	assert_int_equal(isr(0x20), 0x48);
	/* ESMM clear: OCW3 bit 5 alone changes nothing */
	out(0x28, 0x20);
	assert_true(p.chip[0].special_mask);
	out(0x48, 0x20);
	assert_false(p.chip[0].special_mask);
	pulse(7);
	assert_false(vpic_intr(&p));
	out(0x66, 0x20);
	out(0x63, 0x20);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(isr(0x20), 0x80);
}

static void test_rotation(void **state)
{
	linux_init(false, 0x0000);
	/* rotate on non-specific EOI: IR3 becomes the lowest */
	pulse(3);
	assert_int_equal(vpic_ack(&p), 0x33);
	out(0xa0, 0x20);
	assert_int_equal(p.chip[0].prio, 4);
	pulse(3);
	pulse(1);
	pulse(5);
	assert_int_equal(vpic_ack(&p), 0x35); /* order 4 5 6 7 0 1 2 3 */
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&p), 0x31);
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&p), 0x33);
	/* rotate on specific EOI */
	out(0xe3, 0x20);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(p.chip[0].prio, 4);
	/* set priority: IR7 lowest is the fixed order again */
	out(0xc7, 0x20);
	assert_int_equal(p.chip[0].prio, 0);
	pulse(6);
	pulse(0);
	assert_int_equal(vpic_ack(&p), 0x30);
	/* a no-operation OCW2 */
	out(0x40, 0x20);
	assert_int_equal(isr(0x20), 0x01);
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&p), 0x36);
	/* set priority 0 (IR0 lowest): IR6 in service now blocks IR0, not
	 * IR5 */
	out(0xc0, 0x20);
	pulse(0);
	assert_false(vpic_intr(&p));
	pulse(5);
	assert_true(vpic_intr(&p));
}

/* ---- auto-EOI ----------------------------------------------------------- */

static void test_auto_eoi(void **state)
{
	linux_init(true, 0x0000);
	pulse(4);
	assert_int_equal(vpic_ack(&p), 0x34);
	assert_int_equal(isr(0x20), 0x00); /* no ISR bit at all */
	/* nothing blocks: a lower and the same level come through */
	pulse(6);
	assert_int_equal(vpic_ack(&p), 0x36);
	pulse(4);
	assert_int_equal(vpic_ack(&p), 0x34);
	/* rotate in AEOI mode */
	out(0x80, 0x20);
	pulse(4);
	pulse(6);
	assert_int_equal(vpic_ack(&p), 0x34);
	assert_int_equal(p.chip[0].prio, 5);
	pulse(3);
	assert_int_equal(vpic_ack(&p), 0x36); /* order 5 6 7 0 1 2 3 4 */
	assert_int_equal(p.chip[0].prio, 7);
	/* rotation off again: the order stays where it is */
	out(0x00, 0x20);
	pulse(1);
	assert_int_equal(vpic_ack(&p), 0x31); /* order 7 0 1 2 3 */
	assert_int_equal(p.chip[0].prio, 7);
	assert_int_equal(vpic_ack(&p), 0x33);
	assert_int_equal(vpic_ack(&p), 0x37);
}

static void test_slave_auto_eoi_two_pending(void **state)
{
	linux_init(false, 0x0000);
	out(0x11, 0xa0);
	out(0x38, 0xa1);
	out(0x02, 0xa1);
	out(0x03, 0xa1); /* slave in AEOI */
	out(0x00, 0xa1);
	out(0x11, 0x20);
	out(0x30, 0x21);
	out(0x04, 0x21);
	out(0x03, 0x21); /* master in AEOI too */
	out(0x00, 0x21);
	pulse(9);
	pulse(11);
	/* the slave's INT stays up across the first INTA; IR2 needs and gets
	 * a fresh edge for the second request */
	assert_int_equal(vpic_ack(&p), 0x39);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x3b);
	assert_false(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(isr(0xa0), 0);
}

/* ---- edge, level, ELCR -------------------------------------------------- */

static void test_elcr_registers(void **state)
{
	out(0xff, 0x4d0);
	out(0xff, 0x4d1);
	assert_int_equal(in(0x4d0), 0xf8); /* IRQ 0, 1, 2 always edge */
	assert_int_equal(in(0x4d1), 0xde); /* IRQ 8 and 13 always edge */
	out(0x28, 0x4d0);
	out(0x0c, 0x4d1); /* IRQ 10, 11 level */
	assert_int_equal(in(0x4d0), 0x28);
	assert_int_equal(in(0x4d1), 0x0c);
	/* ICW1 leaves the ELCR alone */
	linux_init(false, 0x0000);
	assert_int_equal(in(0x4d0), 0x28);
	assert_int_equal(in(0x4d1), 0x0c);
}

static void test_edge_latch(void **state)
{
	linux_init(false, 0x0000);
	/* an edge request stays latched after its line drops (a choice) */
	irq(7, true);
	irq(7, false);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(isr(0x20), 0x80); /* a real IR7: ISR set */
	out(0x20, 0x20);
	/* a line held high requests once */
	irq(6, true);
	assert_int_equal(vpic_ack(&p), 0x36);
	out(0x20, 0x20);
	assert_false(vpic_intr(&p));
	irq(6, true);
	assert_false(vpic_intr(&p));
	irq(6, false);
	irq(6, true);
	assert_int_equal(vpic_ack(&p), 0x36);
}

static void test_level_triggered(void **state)
{
	linux_init(false, 0x0000);
	out(0x04, 0x4d1); /* IRQ 10 level */
	irq(10, true);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x3a);
	assert_int_equal(irr(0xa0), 0x04); /* still requesting */
	assert_int_equal(isr(0xa0), 0x04);
	assert_false(vpic_intr(&p));
	/* EOI with the line still high: delivered again */
	linux_eoi(10);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x3a);
	/* the device is serviced: the line drops, then the EOI */
	irq(10, false);
	assert_int_equal(irr(0xa0), 0x00);
	linux_eoi(10);
	assert_false(vpic_intr(&p));
	assert_int_equal(wire.rises, 2);
	assert_int_equal(wire.falls, 2);
	/* a level line switched to edge needs a new rising edge */
	irq(10, true);
	assert_int_equal(vpic_ack(&p), 0x3a);
	out(0x00, 0x4d1);
	linux_eoi(10);
	assert_int_equal(irr(0xa0), 0x00);
	assert_false(vpic_intr(&p));
	/* and an edge line switched to level while high requests */
	out(0x04, 0x4d1);
	assert_int_equal(irr(0xa0), 0x04);
	assert_true(vpic_intr(&p));
}

static void test_spurious_master(void **state)
{
	linux_init(false, 0x0000);
	out(0x20, 0x4d0); /* IRQ 5 level */
	irq(5, true);
	assert_true(vpic_intr(&p));
	irq(5, false); /* gone before INTA */
	assert_false(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(isr(0x20), 0x00); /* spurious: no ISR bit */
	/* an edge request masked before INTA */
	pulse(3);
	out(0x08, 0x21);
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(isr(0x20), 0x00);
	assert_int_equal(irr(0x20), 0x08);
	/* INTA in the middle of nothing leaves in-service levels alone */
	out(0x00, 0x21);
	assert_int_equal(vpic_ack(&p), 0x33);
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(isr(0x20), 0x08);
}

static void test_spurious_slave(void **state)
{
	linux_init(false, 0x0000);
	out(0x04, 0x4d1); /* IRQ 10 level */
	irq(10, true);
	assert_true(vpic_intr(&p));
	irq(10, false);
	/* IR2 is edge-latched on the master; the slave has nothing: IRQ 15 */
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x3f);
	assert_int_equal(isr(0xa0), 0x00);
	assert_int_equal(isr(0x20), 0x04); /* the master did take IR2 */
	/* Linux's spurious IRQ 15 path: EOI to the master only */
	out(0x62, 0x20);
	assert_int_equal(isr(0x20), 0x00);
	assert_false(vpic_intr(&p));
	/* a slave request masked at the slave before INTA */
	pulse(12);
	out(0x10, 0xa1);
	assert_int_equal(vpic_ack(&p), 0x3f);
	out(0x00, 0xa1);
	out(0x62, 0x20);
	assert_int_equal(vpic_ack(&p), 0x3c);
}

/* ---- poll --------------------------------------------------------------- */

static void test_poll(void **state)
{
	linux_init(false, 0x0000);
	out(0x0c, 0x20); /* poll, nothing requesting */
	assert_int_equal(in(0x20), 0x00);
	assert_false(p.chip[0].poll);
	pulse(6);
	pulse(4);
	out(0x0c, 0x20);
	assert_int_equal(in(0x20), 0x84);
	assert_int_equal(isr(0x20), 0x10);
	assert_int_equal(irr(0x20), 0x40);
	/* one read only: the next is the IRR again */
	assert_int_equal(in(0x20), 0x40);
	/* the odd port reads the poll word too */
	out(0x20, 0x20);
	out(0x0c, 0x20);
	assert_int_equal(in(0x21), 0x86);
	out(0x20, 0x20);
	/* polling a cascaded system: the master says 2, then the slave */
	pulse(11);
	out(0x0c, 0x20);
	assert_int_equal(in(0x20), 0x82);
	out(0x0c, 0xa0);
	assert_int_equal(in(0xa0), 0x83);
	assert_int_equal(isr(0xa0), 0x08);
	assert_int_equal(isr(0x20), 0x04);
	/* a poll with interrupts pending drops INTR like an INTA */
	out(0x20, 0xa0);
	out(0x20, 0x20);
	pulse(0);
	assert_true(vpic_intr(&p));
	out(0x0c, 0x20);
	assert_int_equal(in(0x20), 0x80);
	assert_false(vpic_intr(&p));
}

/* ---- INTR callback ------------------------------------------------------ */

static void test_intr_edges(void **state)
{
	linux_init(false, 0x0000);
	assert_int_equal(wire.rises, 0);
	assert_int_equal(wire.falls, 0);
	pulse(1);
	pulse(3); /* INTR already high: no new call */
	assert_int_equal(wire.rises, 1);
	assert_int_equal(vpic_ack(&p), 0x31);
	assert_int_equal(wire.falls, 1);
	out(0x20, 0x20);
	assert_int_equal(wire.rises, 2); /* IR3 now */
	assert_int_equal(vpic_ack(&p), 0x33);
	out(0x20, 0x20);
	assert_int_equal(wire.rises, 2);
	assert_int_equal(wire.falls, 2);
	/* reads and harmless writes do not call it */
	in(0x20);
	in(0x21);
	out(0x0a, 0x20);
	out(0x00, 0x21);
	assert_int_equal(wire.rises, 2);
	assert_int_equal(wire.falls, 2);
	/* a NULL callback is fine */
	vpic_init(&p, NULL, NULL);
	out(0xfe, 0x21);
	pulse(0);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x08);
}

/* The PC's fixed priority order 0 1 8-15 3-7: rank of an IRQ, and the
 * master level it occupies. */
static unsigned ref_rank(unsigned n)
{
	return n < 2 ? n : n >= 8 ? n - 6 : n + 7;
}

static unsigned ref_level(unsigned n)
{
	return n < 8 ? n : 2;
}

/* The request a fully nested pair passes on, or -1. */
static int ref_pending(uint16_t pending, const uint16_t *stack,
		       unsigned depth)
{
	unsigned top = 8, best = 99;
	int pick = -1;

	for (unsigned i = 0; i < depth; i++)
		if (ref_level(stack[i]) < top)
			top = ref_level(stack[i]);
	for (unsigned n = 0; n < 16; n++)
		if ((pending & (1u << n)) && ref_level(n) < top &&
		    ref_rank(n) < best) {
			best = ref_rank(n);
			pick = (int)n;
		}
	return pick;
}

/* Random edges, INTAs and (last-in first-out) EOIs against the reference
 * above, with Linux's vectors and EOIs. */
static void test_random_against_reference(void **state)
{
	struct rng r = { 0x8259a };
	uint16_t pending = 0, stack[32];
	unsigned depth = 0, acks = 0;

	linux_init(false, 0x0000);
	for (int i = 0; i < 20000; i++) {
		unsigned n = (unsigned)rng_below(&r, 16);
		int want = ref_pending(pending, stack, depth);

		assert_int_equal(vpic_intr(&p), want >= 0);
		switch (rng_below(&r, 3)) {
		case 0:
			if (n != 2) {
				pulse(n);
				pending |= (uint16_t)(1u << n);
			}
			break;
		case 1:
			if (depth)
				linux_eoi(stack[--depth]);
			break;
		default:
			if (want < 0)
				break;
			assert_int_equal(vpic_ack(&p), 0x30 + want);
			pending &= (uint16_t)~(1u << want);
			assert_true(depth < 32);
			stack[depth++] = (uint16_t)want;
			acks++;
		}
	}
	assert_true(acks > 2000);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_up),
		T(test_ports),
		T(test_linux_init),
		T(test_seabios_init_and_cascade),
		T(test_icw_sequences),
		T(test_icw1_resets),
		T(test_ocw3_register_select),
		T(test_mask_unmask),
		T(test_priority_and_nesting),
		T(test_cascade_priority),
		T(test_slave_priorities),
		T(test_special_fully_nested),
		T(test_special_mask_mode),
		T(test_rotation),
		T(test_auto_eoi),
		T(test_slave_auto_eoi_two_pending),
		T(test_elcr_registers),
		T(test_edge_latch),
		T(test_level_triggered),
		T(test_spurious_master),
		T(test_spurious_slave),
		T(test_poll),
		T(test_intr_edges),
		T(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
