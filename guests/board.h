/* SPDX-License-Identifier: MIT */
/*
 * The PC a VM sees: its devices and how they are wired. Every platform
 * device model runs under the VM's dev_lock; interrupts flow from a device
 * to the 8259 pair and the I/O APIC, from there to the vCPUs' local APICs
 * (or, for ExtINT, to vCPU 0 through the PIC).
 *
 *   IRQ 0 (PIT) → PIC IRQ 0 and I/O APIC pin 2 (ISA override)
 *   IRQ n       → PIC IRQ n and I/O APIC pin n (n = 1..15)
 *   PIC INTR    → LINT0 of vCPU 0 (ExtINT)
 */
#ifndef GUESTS_BOARD_H
#define GUESTS_BOARD_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

#define COM1_PORT 0x3f8
#define COM1_IRQ 4

/* Claims the VM's ports and MMIO ranges (at creation). */
int board_attach(struct vm *vm);
/* Writes the VM's firmware tables (ACPI, in 0xe0000-0xfffff) into its
 * RAM, after its images are loaded; sets vm->rsdp_gpa. */
int board_firmware(struct vm *vm);
/* Puts the time-driven devices on the VM's clock (when it starts). */
void board_start(struct vm *vm);
/* Devices back to their power-on state (a VM reset); takes dev_lock. */
void board_reset(struct vm *vm);
/* An ISA interrupt line of the VM; dev_lock held. */
void board_isa_irq(struct vm *vm, unsigned irq, bool level);
/* A local APIC EOI of a level-triggered vector (no lock held). */
void board_eoi(struct vm *vm, uint8_t vector);
/* A byte for the VM's COM1 (console input). */
void board_uart_input(struct vm *vm, uint8_t c);
/* Vector from the PIC for an ExtINT that v may take now, or -1 (and the
 * ExtINT request is dropped when the PIC no longer asks). */
int board_extint_ack(struct vcpu *v);

#endif
