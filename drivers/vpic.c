/* SPDX-License-Identifier: MIT */
/* The PC's two 8259As as the Intel 8259A data sheet describes them:
 * initialization command words ICW1-ICW4, operation command words
 * OCW1-OCW3, the priority resolver and the INTA sequence ("Interrupt
 * Sequence", "Cascade Mode"); the ELCR as on the PIIX/ICH. */
#include "drivers/vpic.h"

#define ICW1_IC4 0x01  /* ICW4 follows */
#define ICW1_SNGL 0x02 /* single 8259A, no ICW3 */
#define ICW1_SEL 0x10  /* A0 = 0, D4 = 1: ICW1 */
#define OCW3_SEL 0x08  /* A0 = 0, D4 = 0, D3 = 1: OCW3 */
#define ICW4_UPM 0x01  /* 8086 mode */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define POLL_INT 0x80 /* poll word: I bit */
#define CASCADE_BIT (1u << VPIC_CASCADE_IRQ)

static void chip_power_up(struct vpic_chip *c, uint8_t base, uint8_t icw3,
			  uint8_t elcr_mask)
{
	*c = (struct vpic_chip){ .imr = 0xff, .base = base, .icw3 = icw3,
				 .icw4 = ICW4_UPM, .icw4_needed = true,
				 .elcr_mask = elcr_mask };
}

void vpic_init(struct vpic *p, void (*intr)(void *ctx, bool level),
	       void *ctx)
{
	*p = (struct vpic){ .intr = intr, .ctx = ctx };
	chip_power_up(&p->chip[0], 0x08, CASCADE_BIT, VPIC_ELCR1_MASK);
	chip_power_up(&p->chip[1], 0x70, VPIC_CASCADE_IRQ, VPIC_ELCR2_MASK);
}

/* ---- priority resolver -------------------------------------------------- */

/* 0 is the highest priority: IR0 in fixed priority, the IR after the
 * last rotated one otherwise (OCW2, "Rotation"). */
static unsigned rank(const struct vpic_chip *c, unsigned ir)
{
	return (ir - c->prio) & 7;
}

/* The highest-priority IR among bits, or -1. */
static int highest(const struct vpic_chip *c, uint8_t bits)
{
	for (unsigned r = 0; r < 8; r++) {
		unsigned ir = (c->prio + r) & 7;

		if (bits & (1u << ir))
			return (int)ir;
	}
	return -1;
}

/* The request the chip passes on, or -1: the highest unmasked IRR bit if
 * it outranks the in-service levels that block it. Fully nested mode: all
 * of them; special mask mode: the unmasked ones ("Special Mask Mode");
 * special fully nested master: not IR2 for a new slave request ("Special
 * Fully Nested Mode"). */
static int chip_pending(const struct vpic_chip *c, bool master)
{
	int req = highest(c, c->irr & ~c->imr), svc;
	uint8_t blocking = c->isr;

	if (req < 0)
		return -1;
	if (c->special_mask)
		blocking &= ~c->imr;
	if (master && req == VPIC_CASCADE_IRQ && (c->icw4 & ICW4_SFNM))
		blocking &= ~CASCADE_BIT;
	svc = highest(c, blocking);
	if (svc >= 0 && rank(c, (unsigned)svc) <= rank(c, (unsigned)req))
		return -1;
	return req;
}

/* An input changed ("Edge and Level Triggered Modes"): an edge line sets
 * the IRR on a rising edge and the request stays latched; a level line's
 * request follows the line. */
static void chip_set_line(struct vpic_chip *c, unsigned ir, bool level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (c->elcr & bit)
		c->irr = level ? c->irr | bit : c->irr & ~bit;
	else if (level && !(c->lines & bit))
		c->irr |= bit;
	c->lines = level ? c->lines | bit : c->lines & ~bit;
}

/* Recompute both INT outputs; the slave's drives the master's IR2. */
static void update(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0], *s = &p->chip[1];
	bool level;

	s->intr = chip_pending(s, false) >= 0;
	chip_set_line(m, VPIC_CASCADE_IRQ, s->intr);
	level = chip_pending(m, true) >= 0;
	if (level == m->intr)
		return;
	m->intr = level;
	if (p->intr)
		p->intr(p->ctx, level);
}

/* ---- INTA and poll ------------------------------------------------------ */

/* The INTA pulses for ir: the ISR bit is set, except in auto-EOI mode
 * where the last pulse clears it again (rotating when asked to); an edge
 * request leaves the IRR, a level one stays while its line is high. */
static void chip_ack(struct vpic_chip *c, unsigned ir)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (!(c->icw4 & ICW4_AEOI))
		c->isr |= bit;
	else if (c->rotate_aeoi)
		c->prio = (ir + 1) & 7;
	if (!(c->elcr & bit))
		c->irr &= ~bit;
}

/* The slave was acknowledged: its INT dropped during the cycle, so IR2
 * sees a new edge if it rises again. */
static void slave_acked(struct vpic *p)
{
	p->chip[0].lines &= ~CASCADE_BIT;
}

/* "Interrupt Sequence" and "Cascade Mode": without a request the chip
 * answers with IR7 and sets no ISR bit (the spurious interrupt). */
int vpic_ack(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[0], *s = &p->chip[1];
	int ir = chip_pending(m, true), ir2, vec;

	if (ir < 0) {
		vec = m->base + 7;
	} else if (ir == VPIC_CASCADE_IRQ && !m->single) {
		ir2 = chip_pending(s, false);
		vec = s->base + (ir2 < 0 ? 7 : ir2);
		if (ir2 >= 0)
			chip_ack(s, (unsigned)ir2);
		chip_ack(m, (unsigned)ir);
		slave_acked(p);
	} else {
		vec = m->base + ir;
		chip_ack(m, (unsigned)ir);
	}
	update(p);
	return vec;
}

/* "Poll Command": the read acts as INTA on this chip alone and returns
 * I (bit 7) with the level W2-W0; 0 when nothing is requesting. */
static uint8_t poll_read(struct vpic *p, struct vpic_chip *c)
{
	bool master = c == &p->chip[0];
	int ir = chip_pending(c, master);

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_ack(c, (unsigned)ir);
	if (!master)
		slave_acked(p);
	update(p);
	return (uint8_t)(POLL_INT | ir);
}

bool vpic_intr(const struct vpic *p)
{
	return p->chip[0].intr;
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	if (irq > 15 || irq == VPIC_CASCADE_IRQ)
		return;
	chip_set_line(&p->chip[irq >> 3], irq & 7, level);
	update(p);
}

/* ---- command words ------------------------------------------------------ */

/* ICW1 starts the initialization sequence; the data sheet lists its
 * effects: edge sense reset (a line must rise again), IMR cleared, IR7
 * lowest priority, special mask mode off, status read of the IRR, ICW4
 * functions zero unless IC4. */
static void write_icw1(struct vpic_chip *c, uint8_t val)
{
	c->init_step = 1;
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->irr = c->lines & c->elcr;
	c->isr = 0;
	c->imr = 0;
	c->prio = 0;
	c->icw4 = 0;
	c->rotate_aeoi = false;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
}

/* ICW2 (vector bits T7-T3), ICW3 when cascaded, ICW4 when asked for;
 * OCW1 (the IMR) once the chip is ready. */
static void write_data(struct vpic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case 1:
		c->base = val & 0xf8;
		c->init_step = !c->single ? 2 : c->icw4_needed ? 3 : 0;
		break;
	case 2:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 3 : 0;
		break;
	case 3:
		c->icw4 = val & 0x1f;
		c->init_step = 0;
		break;
	default:
		c->imr = val;
	}
}

static void eoi(struct vpic_chip *c, unsigned ir, bool rotate)
{
	c->isr &= ~(1u << ir);
	if (rotate)
		c->prio = (ir + 1) & 7;
}

/* OCW2, bits R SL EOI: EOIs (with rotation when R), set priority
 * (L2-L0 becomes the lowest) and the rotate-in-AEOI flag. */
static void write_ocw2(struct vpic_chip *c, uint8_t val)
{
	unsigned ir = val & 7;
	int top = highest(c, c->isr);

	switch (val >> 5) {
	case 0: /* rotate in automatic EOI mode (clear) */
	case 4: /* (set) */
		c->rotate_aeoi = val & 0x80;
		break;
	case 1: /* non-specific EOI: the highest-priority ISR bit */
	case 5: /* rotate on non-specific EOI */
		if (top >= 0)
			eoi(c, (unsigned)top, val & 0x80);
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		eoi(c, ir, val & 0x80);
		break;
	case 6: /* set priority command */
		c->prio = (ir + 1) & 7;
		break;
	default: /* 2: no operation */
		break;
	}
}

/* OCW3: ESMM/SMM, P (poll), RR/RIS (which register the even port reads). */
static void write_ocw3(struct vpic_chip *c, uint8_t val)
{
	if (val & 0x02)
		c->read_isr = val & 0x01;
	if (val & 0x04)
		c->poll = true;
	if (val & 0x40)
		c->special_mask = val & 0x20;
}

static void write_cmd(struct vpic_chip *c, uint8_t val)
{
	if (val & ICW1_SEL)
		write_icw1(c, val);
	else if (val & OCW3_SEL)
		write_ocw3(c, val);
	else
		write_ocw2(c, val);
}

/* A line that turns level-triggered requests while high; one that turns
 * edge-triggered waits for its next rising edge. */
static void write_elcr(struct vpic_chip *c, uint8_t val)
{
	uint8_t old = c->elcr, changed;

	c->elcr = val & c->elcr_mask;
	changed = old ^ c->elcr;
	c->irr = (c->irr & ~changed) | (c->lines & c->elcr & changed);
}

/* ---- ports -------------------------------------------------------------- */

bool vpic_is_port(uint16_t port)
{
	switch (port) {
	case VPIC_MASTER_CMD: case VPIC_MASTER_DATA:
	case VPIC_SLAVE_CMD: case VPIC_SLAVE_DATA:
	case VPIC_ELCR1: case VPIC_ELCR2:
		return true;
	default:
		return false;
	}
}

static struct vpic_chip *chip_of(struct vpic *p, uint16_t port)
{
	bool slave = port == VPIC_SLAVE_CMD || port == VPIC_SLAVE_DATA ||
		     port == VPIC_ELCR2;

	return &p->chip[slave];
}

/* A poll command makes the next read of either port the poll word. */
uint8_t vpic_read(struct vpic *p, uint16_t port)
{
	struct vpic_chip *c = chip_of(p, port);

	if (!vpic_is_port(port))
		return 0xff;
	if (port == VPIC_ELCR1 || port == VPIC_ELCR2)
		return c->elcr;
	if (c->poll)
		return poll_read(p, c);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void vpic_write(struct vpic *p, uint16_t port, uint8_t val)
{
	struct vpic_chip *c = chip_of(p, port);

	if (!vpic_is_port(port))
		return;
	if (port == VPIC_ELCR1 || port == VPIC_ELCR2)
		write_elcr(c, val);
	else if (port & 1)
		write_data(c, val);
	else
		write_cmd(c, val);
	update(p);
}
