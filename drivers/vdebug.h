/* SPDX-License-Identifier: MIT */
/*
 * The small ports test programs and emulator-aware kernels use to talk to
 * their "machine": QEMU's isa-debug-exit (a write of CODE to 0xf4 stops
 * the VM with status (CODE << 1) | 1), the Bochs power-off port (the bytes
 * "Shutdown" written to 0x8900 stop the VM with status 0), and the 0xe9
 * debug console.
 */
#ifndef DRIVERS_VDEBUG_H
#define DRIVERS_VDEBUG_H

struct vm;

#define DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900
#define DEBUGCON_PORT 0xe9

int vdebug_attach(struct vm *vm);

#endif
