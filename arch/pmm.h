/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator: one bit per 4 KiB page of the usable memory the
 * firmware reported. Pure (the bitmap is reached through a callback), so it
 * is unit-tested on the host; arch/mm.c wraps it with a lock.
 *
 * Only BI_MEM_USABLE memory is ever handed out, minus the reserved ranges
 * the caller names (the hypervisor image, loader modules, ...), minus page
 * 0. Memory below 1 MiB is handed out only when asked for explicitly.
 */
#ifndef ARCH_PMM_H
#define ARCH_PMM_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/boot_info.h"

#define PAGE_SIZE 4096ull
#define PMM_LOW_LIMIT (1ull << 20)

struct pmm_range {
	uint64_t start, end; /* [start, end) */
};

struct pmm {
	uint64_t *bitmap; /* 1 = free */
	uint64_t npages;  /* pages tracked, from physical 0 */
	uint64_t free_pages, total_pages;
	uint64_t bitmap_pa, bitmap_bytes;
};

/* Builds the allocator from the memory map. The bitmap itself is placed
 * in usable, unreserved memory above 1 MiB; virt maps a physical address
 * to a pointer. */
int pmm_init(struct pmm *p, const struct bi_mem *mem, unsigned n_mem,
	     const struct pmm_range *reserved, unsigned n_reserved,
	     void *(*virt)(uint64_t pa));

/* npages contiguous pages aligned to align_pages (a power of two) inside
 * [min, max); returns the physical address or 0 when none is free. */
uint64_t pmm_alloc_range(struct pmm *p, uint64_t npages, uint64_t align_pages,
			 uint64_t min, uint64_t max);
/* Returns 0, or -EINVAL if any page was not allocated (double free). */
int pmm_free(struct pmm *p, uint64_t pa, uint64_t npages);
bool pmm_is_free(const struct pmm *p, uint64_t pa);

#endif
