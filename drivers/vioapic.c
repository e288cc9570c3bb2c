/* SPDX-License-Identifier: MIT */
/* The I/O APIC's register window and redirection logic as the Intel
 * 82093AA data sheet describes them (section 3: IOREGSEL/IOWIN, the ID,
 * version and arbitration registers, the I/O redirection table). */
#include "drivers/vioapic.h"

#define ID_MASK 0x0f000000u
#define REGSEL_MASK 0xffu
/* Writable bits of an entry: all but delivery status, remote IRR and the
 * reserved bits 55:17. */
#define ENTRY_LO_RW 0x0001afffu
#define ENTRY_HI_RW 0xff000000u
#define ENTRY_RESET VIOAPIC_MASKED

void vioapic_init(struct vioapic *a, const struct vioapic_ops *ops,
		  void *ctx)
{
	*a = (struct vioapic){ .ops = ops, .ctx = ctx };
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		a->redir[i] = ENTRY_RESET;
}

uint64_t vioapic_entry(const struct vioapic *a, unsigned pin)
{
	return pin < VIOAPIC_PINS ? a->redir[pin] : 0;
}

/* ---- delivery ----------------------------------------------------------- */

static unsigned delivery_mode(uint64_t e)
{
	return (unsigned)(e >> VIOAPIC_DM_SHIFT) & 7;
}

/* Fixed and lowest priority honour the trigger mode; the other modes
 * must be edge-triggered (3.2.4) and are taken as such. */
static bool level_entry(uint64_t e)
{
	unsigned dm = delivery_mode(e);

	return (e & VIOAPIC_LEVEL) &&
	       (dm == VIOAPIC_DM_FIXED || dm == VIOAPIC_DM_LOWEST);
}

/* The pin's level as the entry sees it: polarity 1 is active low. */
static bool asserted(const struct vioapic *a, unsigned pin)
{
	bool high = a->lines & (1u << pin);

	return high != !!(a->redir[pin] & VIOAPIC_ACTIVE_LOW);
}

/* Send entry pin's message; a level entry sets remote IRR, which the
 * local APIC's EOI clears (3.2.4, bit 14). */
static void deliver(struct vioapic *a, unsigned pin)
{
	uint64_t *e = &a->redir[pin];
	unsigned dm = delivery_mode(*e);
	struct vioapic_msg m = {
		.dest = (uint8_t)(*e >> VIOAPIC_DEST_SHIFT),
		.dest_mode = (*e & VIOAPIC_DEST_LOGICAL) ? 1 : 0,
		.delivery_mode = (uint8_t)dm,
		.vector = (uint8_t)(*e & VIOAPIC_VECTOR),
		.level_trigger = level_entry(*e),
	};

	if (dm == 3 || dm == 6) /* reserved */
		return;
	if (m.level_trigger)
		*e |= VIOAPIC_REMOTE_IRR;
	if (a->ops && a->ops->deliver)
		a->ops->deliver(a->ctx, &m);
}

/* A level entry delivers while asserted, unmasked and not waiting for
 * its EOI. */
static void service_level(struct vioapic *a, unsigned pin)
{
	uint64_t e = a->redir[pin];

	if (level_entry(e) && !(e & (VIOAPIC_MASKED | VIOAPIC_REMOTE_IRR)) &&
	    asserted(a, pin))
		deliver(a, pin);
}

void vioapic_set_irq(struct vioapic *a, unsigned pin, bool level)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	was = asserted(a, pin);
	a->lines = level ? a->lines | (1u << pin) : a->lines & ~(1u << pin);
	if (level_entry(a->redir[pin])) {
		service_level(a, pin);
		return;
	}
	/* edge: an assertion on an unmasked entry; masked edges are lost */
	if (!was && asserted(a, pin) && !(a->redir[pin] & VIOAPIC_MASKED))
		deliver(a, pin);
}

void vioapic_eoi(struct vioapic *a, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t *e = &a->redir[pin];

		if ((*e & VIOAPIC_VECTOR) != vector ||
		    !(*e & VIOAPIC_REMOTE_IRR))
			continue;
		*e &= ~VIOAPIC_REMOTE_IRR;
		service_level(a, pin);
	}
}

/* ---- registers ---------------------------------------------------------- */

static uint32_t reg_read(const struct vioapic *a, uint32_t reg)
{
	unsigned pin = (reg - VIOAPIC_REG_REDIR) / 2;

	switch (reg) {
	case VIOAPIC_REG_ID:
	case VIOAPIC_REG_ARB:
		return a->id;
	case VIOAPIC_REG_VERSION:
		return VIOAPIC_VERSION;
	}
	if (reg < VIOAPIC_REG_REDIR || pin >= VIOAPIC_PINS)
		return 0;
	return (uint32_t)(a->redir[pin] >> (reg & 1 ? 32 : 0));
}

/* An entry write: read-only bits kept, reserved bits 0. Edge-triggered
 * entries have no remote IRR; the new entry may start a level delivery. */
static void entry_write(struct vioapic *a, unsigned pin, bool high,
			uint32_t val)
{
	uint64_t *e = &a->redir[pin];

	if (high) {
		*e = (*e & 0xffffffffull) | (uint64_t)(val & ENTRY_HI_RW) << 32;
		return;
	}
	*e = (*e & ~0xffffffffull) |
	     (*e & (VIOAPIC_DELIVS | VIOAPIC_REMOTE_IRR)) | (val & ENTRY_LO_RW);
	if (!level_entry(*e))
		*e &= ~VIOAPIC_REMOTE_IRR;
	service_level(a, pin);
}

static void reg_write(struct vioapic *a, uint32_t reg, uint32_t val)
{
	unsigned pin = (reg - VIOAPIC_REG_REDIR) / 2;

	if (reg == VIOAPIC_REG_ID)
		a->id = val & ID_MASK;
	else if (reg >= VIOAPIC_REG_REDIR && pin < VIOAPIC_PINS)
		entry_write(a, pin, reg & 1, val);
	/* version and arbitration are read-only; others do not exist */
}

uint32_t vioapic_mmio_read(struct vioapic *a, uint64_t offset,
			   unsigned size)
{
	if (size != 4)
		return 0;
	if (offset == VIOAPIC_IOREGSEL)
		return a->regsel;
	if (offset == VIOAPIC_IOWIN)
		return reg_read(a, a->regsel);
	return 0;
}

void vioapic_mmio_write(struct vioapic *a, uint64_t offset, unsigned size,
			uint32_t val)
{
	if (size != 4)
		return;
	if (offset == VIOAPIC_IOREGSEL)
		a->regsel = val & REGSEL_MASK;
	else if (offset == VIOAPIC_IOWIN)
		reg_write(a, a->regsel, val);
}
