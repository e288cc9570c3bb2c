/* SPDX-License-Identifier: MIT */
/*
 * Host paging. All physical memory is identity-mapped, RAM write-back and
 * everything else uncached, all of it no-execute; the image's code alone
 * is executable, and nothing is ever writable and executable at once.
 * Page 0 and the guard page below every stack are not mapped.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdint.h>

#include "boot/boot_info.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

/* Flags for the common cases; NX is dropped on CPUs without it. */
#define PAGE_RW (PTE_P | PTE_W | PTE_NX)
#define PAGE_RO (PTE_P | PTE_NX)
#define PAGE_RX (PTE_P)
#define PAGE_MMIO (PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT)

int paging_init(const struct boot_info *bi);
/* Identity-(re)maps [pa, pa+size) with flags on this CPU. */
int paging_map(uint64_t pa, uint64_t size, uint64_t flags);
int paging_unmap(uint64_t va, uint64_t size);
uint64_t paging_cr3(void);
/* Highest identity-mapped address + 1. */
uint64_t paging_limit(void);

#endif
