/* SPDX-License-Identifier: MIT */
/*
 * The two ways a PC program resets the machine, each resetting the VM:
 * the Reset Control register at 0xcf9 (a write with bit 2, "reset CPU",
 * set; Intel PCH datasheets) and the keyboard controller's "pulse reset
 * line" command 0xfe written to port 0x64. The controller's status port
 * reads as idle (no data, input buffer empty, self-test passed).
 */
#ifndef DRIVERS_VRESET_H
#define DRIVERS_VRESET_H

struct vm;

#define RESET_CONTROL_PORT 0xcf9
#define KBC_DATA_PORT 0x60
#define KBC_COMMAND_PORT 0x64

int vreset_attach(struct vm *vm);
void vreset_reset(struct vm *vm);

#endif
