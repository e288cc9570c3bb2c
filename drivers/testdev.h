/* SPDX-License-Identifier: MIT */
/*
 * The test device (devices = testdev): a page of MMIO for guests that test
 * or measure MMIO emulation.
 *   0x00 ID, read-only "HVTD" (0x44545648)
 *   0x08 scratch, 64 bits: reads give back what was last written, at the
 *        width and offset used
 *   0x10 counter, read-only: counts the device's accesses
 */
#ifndef DRIVERS_TESTDEV_H
#define DRIVERS_TESTDEV_H

#include <stdint.h>

#define TESTDEV_BASE 0xfeb00000ull
#define TESTDEV_SIZE 0x1000
#define TESTDEV_ID 0x44545648u

struct vm;

int testdev_attach(struct vm *vm);
void testdev_reset(struct vm *vm);

#endif
