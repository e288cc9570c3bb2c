/* SPDX-License-Identifier: MIT */
/* What a test guest learns from its loader (multiboot v1 or v2). */
#ifndef GUESTS_LIB_MBINFO_H
#define GUESTS_LIB_MBINFO_H

#include <stdint.h>

struct guest_boot {
	unsigned version; /* 1 or 2; 0: unknown magic */
	const char *cmdline, *loader;
	uint32_t mem_lower_kb, mem_upper_kb;
	unsigned n_mods;
	struct { uint32_t start, end; const char *string; } mod[8];
	unsigned n_mmap;
	struct { uint64_t base, len; uint32_t type; } mmap[16];
};

void guest_boot_parse(uint32_t magic, uint32_t info, struct guest_boot *b);

#endif
