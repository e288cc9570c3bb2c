/* SPDX-License-Identifier: MIT */
/* The devices every VM has (and the optional ones its config asks for). */
#ifndef GUESTS_BOARD_H
#define GUESTS_BOARD_H

struct vm;

#define COM1_PORT 0x3f8

int board_attach(struct vm *vm);
/* Devices back to their power-on state (a VM reset). */
void board_reset(struct vm *vm);

#endif
