/* SPDX-License-Identifier: MIT */
/*
 * The pair of 8259A programmable interrupt controllers of a PC (Intel
 * 8259A data sheet, order 231468), as a pure model: the master at ports
 * 0x20/0x21, the slave at 0xa0/0xa1 cascaded on the master's IR2, and the
 * PIIX/ICH edge/level control registers (ELCR) at 0x4d0/0x4d1.
 *
 * How the hypervisor drives it:
 *  - a device line changes: vpic_set_irq(irq 0-15, level). Line 2 is the
 *    cascade and takes no device (ISA IRQ 2 devices sit on IRQ 9);
 *  - the master's INTR output reaches the vCPU's LINT0 (ExtINT) and is
 *    reported through the intr callback, on changes only;
 *  - when the vCPU can take the ExtINT interrupt: v = vpic_ack() (the
 *    INTA cycle), then inject v. vpic_ack() always returns a vector:
 *    without a request it is the spurious IR7 of the master (base + 7),
 *    or IR7 of the slave when the master chose IR2 and the slave has
 *    nothing (base2 + 7).
 *
 * Choices where the data sheet leaves room (or where a VM differs):
 *  - Edge-triggered requests stay latched in the IRR when the line goes
 *    low before INTA (as QEMU and KVM do). The data sheet wants the line
 *    high until INTA; a vCPU may be descheduled far longer than a real
 *    CPU's interrupt latency, and a lost timer tick is worse than a
 *    latched one. Level-triggered requests (ELCR) follow the line, so a
 *    level request that goes away before INTA gives the spurious IR7.
 *  - ICW1's LTIM bit is ignored: the ELCR chooses edge or level per line,
 *    as on the PIIX/ICH (ICH9 datasheet, ICW1 register: LTIM is disabled,
 *    the ELCR replaces it).
 *  - The master's IR2 is an edge-triggered input driven by the slave's
 *    INT output. During the INTA cycle that acknowledges the slave its
 *    INT drops (the request moves into the ISR) and rises again when
 *    another one is pending, so each slave request gives IR2 a fresh
 *    edge (also in auto-EOI). A slave request that goes away before INTA
 *    leaves IR2 latched and the slave answers with its IR7 (IRQ 15), the
 *    spurious interrupt PCs are known for.
 *  - ICW1 clears the ISR too (a re-initialised chip has nothing in
 *    service; the data sheet's list of ICW1 effects is silent on it).
 *  - ICW3 and ICW4's buffered/master-slave and uPM bits are stored but the
 *    wiring is the PC's whatever they say; vectors are always 8086-style.
 *  - Rotation (OCW2 R bit), the set-priority command, special mask mode
 *    (OCW3) and special fully nested mode (ICW4 SFNM) are modelled.
 *  - Power-up (vpic_init) leaves both chips ready as a PC BIOS would
 *    (vector bases 0x08 and 0x70, cascade, no AEOI) but with every line
 *    masked, so nothing reaches a guest that has not set the PIC up.
 *
 * Not thread-safe: the caller serialises the calls. The intr callback
 * runs inside vpic_write, vpic_read (poll), vpic_set_irq and vpic_ack.
 */
#ifndef DRIVERS_VPIC_H
#define DRIVERS_VPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VPIC_MASTER_CMD 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD 0xa0
#define VPIC_SLAVE_DATA 0xa1
#define VPIC_ELCR1 0x4d0 /* IRQ 0-7 */
#define VPIC_ELCR2 0x4d1 /* IRQ 8-15 */
#define VPIC_CASCADE_IRQ 2

/* ELCR bits that may be set (ICH9 datasheet, ELCR1/ELCR2 registers):
 * IRQ 0, 1, 2, 8 and 13 are always edge-triggered. */
#define VPIC_ELCR1_MASK 0xf8
#define VPIC_ELCR2_MASK 0xde

/* One 8259A. */
struct vpic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;	   /* input levels as last reported */
	uint8_t elcr;	   /* 1 = level-triggered */
	uint8_t elcr_mask; /* writable ELCR bits */
	uint8_t base;	   /* ICW2: vector of IR0 (bits 7:3) */
	uint8_t icw3;
	uint8_t prio;	   /* the IR with the highest priority (rotation) */
	uint8_t init_step; /* 0 ready, 1-3: ICW2-ICW4 expected next */
	uint8_t icw4;	   /* AEOI, SFNM ... (0 when ICW1 said no ICW4) */
	bool icw4_needed, single, rotate_aeoi;
	bool read_isr;	   /* OCW3 RR/RIS: even port reads the ISR */
	bool poll;	   /* OCW3 P: the next read is a poll */
	bool special_mask; /* OCW3 SMM */
	bool intr;	   /* the INT output */
};

struct vpic {
	struct vpic_chip chip[2]; /* master, slave */
	void (*intr)(void *ctx, bool level);
	void *ctx;
};

/* Power-up state (see above). Calls no callback; intr may be NULL. */
void vpic_init(struct vpic *p, void (*intr)(void *ctx, bool level),
	       void *ctx);
/* Guest port accesses: 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1. Other ports
 * read 0xff and ignore writes. */
uint8_t vpic_read(struct vpic *p, uint16_t port);
void vpic_write(struct vpic *p, uint16_t port, uint8_t val);
bool vpic_is_port(uint16_t port);
/* A device line (0-15, not 2) changed; others are ignored. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);
/* The master's INTR output. */
bool vpic_intr(const struct vpic *p);
/* The INTA cycle: the vector to inject, with IRR/ISR updated. */
int vpic_ack(struct vpic *p);

#endif
