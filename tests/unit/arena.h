/* SPDX-License-Identifier: MIT */
/*
 * A fake physical arena for tests that build a struct gpa_space: EPT
 * table pages come from a counting pool (so leaks and double frees show),
 * and guest RAM is one host buffer that stands for host-physical memory
 * at ARENA_RAM_HPA.
 */
#ifndef TESTS_UNIT_ARENA_H
#define TESTS_UNIT_ARENA_H

#include "unit.h"

#include "ept/pt.h"

#define ARENA_PAGE 4096ull
#define ARENA_POOL_PAGES 2048
#define ARENA_POOL_BASE 0x7f000000ull
#define ARENA_RAM_HPA 0x12340000ull

struct arena {
	void *page[ARENA_POOL_PAGES];
	long allocs, frees, live;
	long fail_after; /* allocations left before failing; -1: never */
	uint8_t *ram;
	uint64_t ram_bytes;
};

static struct arena arena;

static inline unsigned arena_slot(uint64_t pa)
{
	if (pa % ARENA_PAGE || pa < ARENA_POOL_BASE ||
	    pa >= ARENA_POOL_BASE + ARENA_POOL_PAGES * ARENA_PAGE)
		fail_msg("%#llx is not a table page", (unsigned long long)pa);
	return (unsigned)((pa - ARENA_POOL_BASE) / ARENA_PAGE);
}

static inline uint64_t arena_alloc(void *ctx)
{
	struct arena *a = ctx;

	if (a->fail_after == 0)
		return 0;
	if (a->fail_after > 0)
		a->fail_after--;
	for (unsigned i = 0; i < ARENA_POOL_PAGES; i++) {
		if (a->page[i])
			continue;
		a->page[i] = aligned_alloc(ARENA_PAGE, ARENA_PAGE);
		assert_non_null(a->page[i]);
		memset(a->page[i], 0, ARENA_PAGE);
		a->allocs++;
		a->live++;
		return ARENA_POOL_BASE + i * ARENA_PAGE;
	}
	fail_msg("table pool exhausted");
	return 0;
}

static inline void arena_free(void *ctx, uint64_t pa)
{
	struct arena *a = ctx;
	unsigned i = arena_slot(pa);

	if (!a->page[i])
		fail_msg("table %#llx freed twice", (unsigned long long)pa);
	free(a->page[i]);
	a->page[i] = NULL;
	a->frees++;
	a->live--;
}

/* The engine may only look at tables it owns. */
static inline void *arena_table(void *ctx, uint64_t pa)
{
	struct arena *a = ctx;
	unsigned i = arena_slot(pa);

	if (!a->page[i])
		fail_msg("table %#llx used after free", (unsigned long long)pa);
	return a->page[i];
}

static const struct pt_env arena_env = { arena_alloc, arena_free,
					 arena_table, &arena };

/* gpa_space's phys→virt: only the RAM buffer may be reached. */
static inline void *arena_ram_virt(uint64_t hpa)
{
	if (hpa < ARENA_RAM_HPA || hpa - ARENA_RAM_HPA >= arena.ram_bytes)
		fail_msg("virt(%#llx) outside the test's RAM",
			 (unsigned long long)hpa);
	return arena.ram + (hpa - ARENA_RAM_HPA);
}

static inline void arena_setup(uint64_t ram_bytes)
{
	memset(&arena, 0, sizeof(arena));
	arena.fail_after = -1;
	arena.ram_bytes = ram_bytes;
	arena.ram = aligned_alloc(ARENA_PAGE, ram_bytes);
	assert_non_null(arena.ram);
	memset(arena.ram, 0, ram_bytes);
}

static inline void arena_teardown(void)
{
	for (unsigned i = 0; i < ARENA_POOL_PAGES; i++)
		free(arena.page[i]);
	free(arena.ram);
	arena.ram = NULL;
}

/* The table page at pa, for the tests' own walkers. */
static inline const uint64_t *arena_table_at(uint64_t pa)
{
	return arena.page[arena_slot(pa)];
}

#endif
