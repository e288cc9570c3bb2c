/* SPDX-License-Identifier: MIT */
/*
 * One 4-level page-table engine for every radix table the hypervisor
 * builds: host paging, EPT, and VT-d second-level tables. A struct
 * pt_format says where a format keeps its "present" and "large page"
 * bits; everything else in an entry (permissions, memory type) is passed
 * through as opaque leaf flags. The engine is pure: tables are reached
 * through the env callbacks, so it runs unchanged in host unit tests.
 *
 * The engine never flushes a TLB; callers do (INVLPG, INVEPT, IOTLB).
 */
#ifndef EPT_PT_H
#define EPT_PT_H

#include <stdbool.h>
#include <stdint.h>

#define PT_LEVELS 4
#define PT_ENTRIES 512
#define PT_ADDR_MASK 0x000ffffffffff000ull
#define PT_PAGE_SIZE(level) (1ull << (12 + 9 * ((level)-1)))

struct pt_format {
	const char *name;
	uint64_t present;        /* an entry is in use if any of these is set */
	uint64_t table_flags;    /* flags of an entry pointing to a table */
	uint64_t large;          /* leaf marker at levels 2 and 3 */
	unsigned max_leaf_level; /* 1: 4 KiB only, 2: up to 2 MiB, 3: 1 GiB */
};

struct pt_env {
	uint64_t (*alloc)(void *ctx); /* a zeroed 4 KiB page, 0 on failure */
	void (*free)(void *ctx, uint64_t pa);
	void *(*virt)(void *ctx, uint64_t pa);
	void *ctx;
};

struct pt {
	const struct pt_format *fmt;
	const struct pt_env *env;
	uint64_t root; /* physical address of the top-level table */
};

struct pt_leaf {
	uint64_t va, pa, size, flags;
	unsigned level;
};

int pt_init(struct pt *pt, const struct pt_format *fmt,
	    const struct pt_env *env);
void pt_destroy(struct pt *pt);

/* Maps [va, va+size) to [pa, pa+size) with leaf flags, using the largest
 * pages alignment allows; replaces (and splits) whatever was there. */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags);
/* Removes every translation in [va, va+size), splitting large pages. */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size);
/* 0 and the leaf covering va, or -ENOENT-like negative when unmapped. */
int pt_lookup(const struct pt *pt, uint64_t va, struct pt_leaf *leaf);
/* Calls fn for every leaf in address order; stops early if fn returns
 * non-zero and returns that value. */
int pt_for_each_leaf(const struct pt *pt,
		     int (*fn)(void *ctx, const struct pt_leaf *leaf),
		     void *ctx);

#endif
