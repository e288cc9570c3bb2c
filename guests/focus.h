/* SPDX-License-Identifier: MIT */
/*
 * The console focus: bytes typed on the hypervisor's console go to the
 * COM1 of one VM at a time. Ctrl-A is the escape key:
 *   Ctrl-A n      focus on the next running VM
 *   Ctrl-A 1..9   focus on VM number 1..9 (in configuration order)
 *   Ctrl-A Ctrl-A send one Ctrl-A to the VM
 * Pure: focus_key() decides, the caller acts.
 */
#ifndef GUESTS_FOCUS_H
#define GUESTS_FOCUS_H

#include <stdbool.h>

struct focus {
	int vm;      /* index of the VM with the focus */
	bool escape; /* Ctrl-A seen */
};

enum focus_action { FOCUS_NONE, FOCUS_SEND, FOCUS_MOVED };

/* One typed byte; n_vms VMs, running[i] says which can take input.
 * FOCUS_SEND: deliver *byte to f->vm; FOCUS_MOVED: f->vm changed. */
enum focus_action focus_key(struct focus *f, int *byte, unsigned n_vms,
			    const bool *running);

/* Hypervisor side (guests/board.c). Console input arrives by interrupt
 * (the UART's IRQ through the I/O APIC, to CPU 0) when it can, else
 * CPU 0 polls: console_input_polled() says which. */
void console_input_init(void);
bool console_input_polled(void);
void console_poll_input(void);

#endif
