/* SPDX-License-Identifier: MIT */
/* Reading little-endian fields at any alignment, for the parsers of
 * firmware tables and images. */
#ifndef LIB_UNALIGNED_H
#define LIB_UNALIGNED_H

#include <stdint.h>

#include "lib/string.h"

static inline uint32_t get_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t get_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

#endif
