/* SPDX-License-Identifier: MIT */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

/* Starts every enabled CPU of the MADT with INIT-SIPI-SIPI. Returns the
 * number of CPUs online (boot CPU included). */
unsigned smp_boot(void);
/* Lets the APs, parked after start-up, go on to ap_continue(). */
void smp_release(void);
/* What an AP does once released (boot/start.c). */
void ap_continue(void);

#endif
