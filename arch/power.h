/* SPDX-License-Identifier: MIT */
#ifndef ARCH_POWER_H
#define ARCH_POWER_H

#define HV_EXIT_SUCCESS 0
#define HV_EXIT_FAILURE 1

/*
 * Turns the machine off. With a failure status under QEMU, it leaves
 * through isa-debug-exit (port 0xf4) so QEMU's own exit status is
 * (status << 1) | 1; otherwise ACPI S5, then the Bochs shutdown port.
 * If all of those fail, the CPU halts with interrupts off.
 */
void __attribute__((noreturn)) platform_poweroff(int status);

#endif
