/* SPDX-License-Identifier: MIT */
/* The hypervisor's physical memory: the page allocator behind a lock. */
#ifndef ARCH_MM_H
#define ARCH_MM_H

#include <stdint.h>

#include "arch/pmm.h"
#include "boot/boot_info.h"

int mm_init(const struct boot_info *bi);
/* n zeroed, contiguous pages; 0 when memory is exhausted. */
uint64_t page_alloc(uint64_t n);
/* The same, below a physical limit (for tables CPUs read in 32-bit
 * mode, or the real-mode AP trampoline). */
uint64_t page_alloc_below(uint64_t n, uint64_t limit);
/* n zeroed pages aligned to align pages (a power of two). */
uint64_t page_alloc_aligned(uint64_t n, uint64_t align);
void page_free(uint64_t pa, uint64_t n);
uint64_t mm_free_pages(void);

static inline void *phys_to_virt(uint64_t pa) { return (void *)pa; }

/* Tables of the page-table engine (ept/pt.h) in pages from page_alloc:
 * EPT and VT-d second-level tables. */
struct pt_env;
extern const struct pt_env mm_pt_env;
static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)p; }

extern char __image_start[], __image_end[], __text_start[], __text_end[],
	__rodata_start[], __rodata_end[], __data_start[], __bss_end[];

#endif
