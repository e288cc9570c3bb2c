/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC a guest sees (Intel 82093AA I/O APIC data sheet, order
 * 290566; as the ICH9 integrates it), as a pure model: the indirect
 * register window at its MMIO page, 24 redirection entries, and the input
 * pins. Interrupt messages leave through ops->deliver.
 *
 * How the hypervisor drives it:
 *  - guest accesses to the page at VIOAPIC_BASE (offset 0x00 IOREGSEL,
 *    0x10 IOWIN; 32-bit only: other sizes and offsets read 0 and drop
 *    writes): vioapic_mmio_read/write with the offset in the page;
 *  - a device line changed: vioapic_set_irq(pin, level) with the line's
 *    electrical level (the entry's polarity decides what "asserted" is).
 *    Pins start low: a device on an active-low line (PCI INTx) reports
 *    its idle high level at attach, before the guest can unmask it;
 *  - the local APIC's EOI of a level-triggered vector (vlapic_ops.eoi,
 *    the EOI broadcast): vioapic_eoi(vector);
 *  - deliver(m): route m to the vLAPICs that m->dest/dest_mode name
 *    (fixed and lowest priority: vlapic_accept_irq(vector,
 *    level_trigger); NMI, SMI, INIT as vCPU events). ExtINT entries
 *    deliver delivery_mode 7 and their vector means nothing: the vCPU
 *    takes the 8259A's interrupt (vpic_ack) when it can.
 *
 * Rules (82093AA 3.2.4, "I/O Redirection Table Registers"):
 *  - edge-triggered: a pin going from deasserted to asserted delivers once
 *    if the entry is unmasked; edges on a masked entry are lost;
 *  - level-triggered: while the pin is asserted, the entry unmasked and
 *    remote IRR clear, the interrupt is delivered and remote IRR set;
 *    the EOI of its vector clears remote IRR and, the pin still asserted,
 *    delivers again. So do unmasking, and any entry write that leaves an
 *    asserted level entry unmasked with remote IRR clear;
 *  - writing an entry as edge-triggered clears its remote IRR (Linux
 *    relies on this to EOI by hand on I/O APICs without an EOI
 *    register: mask, set edge, set level again);
 *  - NMI, SMI, INIT and ExtINT must be edge-triggered (3.2.4): they are
 *    treated as edge whatever the trigger bit says (no remote IRR, the
 *    message's level_trigger is 0). Reserved delivery modes 3 and 6
 *    deliver nothing;
 *  - delivery is instantaneous: delivery status always reads 0 (idle);
 *  - the arbitration register reads the ID (the 82093AA loads it from the
 *    ID register on writes; there is no APIC bus here).
 *
 * Not thread-safe: the caller serialises the calls. deliver runs inside
 * vioapic_mmio_write, vioapic_set_irq and vioapic_eoi.
 */
#ifndef DRIVERS_VIOAPIC_H
#define DRIVERS_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VIOAPIC_BASE 0xfec00000ull
#define VIOAPIC_SIZE 0x1000
#define VIOAPIC_PINS 24

/* MMIO offsets and registers (82093AA 3.0, 3.1). */
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN 0x10
#define VIOAPIC_REG_ID 0x00
#define VIOAPIC_REG_VERSION 0x01
#define VIOAPIC_REG_ARB 0x02
#define VIOAPIC_REG_REDIR 0x10 /* entry n: 0x10 + 2n (low), + 1 (high) */

/* Version 0x11, maximum redirection entry 23 (3.2.2). */
#define VIOAPIC_VERSION 0x00170011u

/* Redirection entry bits (3.2.4). */
#define VIOAPIC_VECTOR 0xffull
#define VIOAPIC_DM_SHIFT 8
#define VIOAPIC_DEST_LOGICAL (1ull << 11)
#define VIOAPIC_DELIVS (1ull << 12) /* read-only */
#define VIOAPIC_ACTIVE_LOW (1ull << 13)
#define VIOAPIC_REMOTE_IRR (1ull << 14) /* read-only */
#define VIOAPIC_LEVEL (1ull << 15)
#define VIOAPIC_MASKED (1ull << 16)
#define VIOAPIC_DEST_SHIFT 56

/* Delivery modes (3.2.4, bits 10:8). */
#define VIOAPIC_DM_FIXED 0
#define VIOAPIC_DM_LOWEST 1
#define VIOAPIC_DM_SMI 2
#define VIOAPIC_DM_NMI 4
#define VIOAPIC_DM_INIT 5
#define VIOAPIC_DM_EXTINT 7

/* One interrupt message. */
struct vioapic_msg {
	uint8_t dest;	       /* APIC ID or logical destination */
	uint8_t dest_mode;     /* 0 physical, 1 logical */
	uint8_t delivery_mode; /* VIOAPIC_DM_* */
	uint8_t vector;
	bool level_trigger;    /* the vLAPIC sets TMR: EOI comes back */
};

/* deliver may be NULL (messages are dropped); ctx is vioapic_init's. */
struct vioapic_ops {
	void (*deliver)(void *ctx, const struct vioapic_msg *m);
};

struct vioapic {
	uint32_t regsel;  /* IOREGSEL bits 7:0 */
	uint32_t id;	  /* ID register (bits 27:24) */
	uint64_t redir[VIOAPIC_PINS];
	uint32_t lines;	  /* pin levels as last reported (electrical) */
	const struct vioapic_ops *ops;
	void *ctx;
};

/* Reset state (3.2.4: every entry masked; ID 0). Calls nothing. */
void vioapic_init(struct vioapic *a, const struct vioapic_ops *ops,
		  void *ctx);
/* Accesses at offset (from VIOAPIC_BASE) of size bytes. */
uint32_t vioapic_mmio_read(struct vioapic *a, uint64_t offset,
			   unsigned size);
void vioapic_mmio_write(struct vioapic *a, uint64_t offset, unsigned size,
			uint32_t val);
/* An input pin's electrical level; pins >= 24 are ignored. */
void vioapic_set_irq(struct vioapic *a, unsigned pin, bool level);
/* EOI broadcast for vector: remote IRR of every entry with it clears,
 * and level entries whose pin is still asserted deliver again. */
void vioapic_eoi(struct vioapic *a, uint8_t vector);
/* The raw 64-bit redirection entry (tests, debugging). */
uint64_t vioapic_entry(const struct vioapic *a, unsigned pin);

#endif
