/* SPDX-License-Identifier: MIT */
#ifndef LIB_MULDIV_H
#define LIB_MULDIV_H

#include <stdint.h>

/* a * b / c rounded down, with 64-bit arithmetic only (no 128-bit
 * division, which would need libgcc): exact while (c - 1) * b fits in 64
 * bits; saturates at UINT64_MAX instead of overflowing. */
static inline uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t q = a / c, r = a % c, hi, lo;

	if (q && b > UINT64_MAX / q)
		return UINT64_MAX;
	hi = q * b;
	lo = r * b / c;
	return hi > UINT64_MAX - lo ? UINT64_MAX : hi + lo;
}

#endif
