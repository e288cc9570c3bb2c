/* SPDX-License-Identifier: MIT */
/* ept/pt.c: the 4-level page-table engine, checked by a walker of its own. */
#include "unit.h"

#include <stdbool.h>

#include "ept/pt.h"
#include "lib/errno.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define SZ_4K (4 * KiB)
#define SZ_2M (2 * MiB)
#define SZ_1G GiB
#define VA_TOP (1ull << 48)

static const struct pt_format x86 = { "x86", 1, 3, 0x80, 3 };
static const struct pt_format ept = { "ept", 7, 7, 0x80, 2 };

/* Leaf flags used below. */
#define X86_RW 0x3ull			 /* present, writable */
#define X86_RO_NX (0x1ull | (1ull << 63)) /* present, no-execute */
#define X86_USER 0x7ull
#define EPT_RWX_WB 0x37ull /* RWX, memory type 6 */
#define EPT_RO 0x1ull
#define EPT_XO 0x4ull /* execute-only */

/* ---- the table pages: a pool of separately allocated pages -------------- */

#define POOL_PAGES 4096
#define POOL_BASE 0x7f000000ull

struct pool {
	void *page[POOL_PAGES];
	long allocs, frees, live;
	long fail_after; /* allocations left before failing; -1: never */
};

static struct pool pool;

static unsigned slot_of(uint64_t pa)
{
	assert_int_equal(pa % SZ_4K, 0);
	assert_true(pa >= POOL_BASE && pa < POOL_BASE + POOL_PAGES * SZ_4K);
	return (unsigned)((pa - POOL_BASE) / SZ_4K);
}

static uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;

	if (p->fail_after == 0)
		return 0;
	if (p->fail_after > 0)
		p->fail_after--;
	for (unsigned i = 0; i < POOL_PAGES; i++) {
		if (p->page[i])
			continue;
		p->page[i] = aligned_alloc(SZ_4K, SZ_4K);
		assert_non_null(p->page[i]);
		memset(p->page[i], 0, SZ_4K);
		p->allocs++;
		p->live++;
		return POOL_BASE + i * SZ_4K;
	}
	fail_msg("table pool exhausted");
	return 0;
}

static void pool_free(void *ctx, uint64_t pa)
{
	struct pool *p = ctx;
	unsigned i = slot_of(pa);

	if (!p->page[i])
		fail_msg("table %#llx freed twice", (unsigned long long)pa);
	free(p->page[i]);
	p->page[i] = NULL;
	p->frees++;
	p->live--;
}

/* The engine may only look at tables it owns. */
static void *pool_virt(void *ctx, uint64_t pa)
{
	struct pool *p = ctx;
	unsigned i = slot_of(pa);

	if (!p->page[i])
		fail_msg("table %#llx used after free", (unsigned long long)pa);
	return p->page[i];
}

static const struct pt_env env = { pool_alloc, pool_free, pool_virt, &pool };

static int setup(void **state)
{
	memset(&pool, 0, sizeof(pool));
	pool.fail_after = -1;
	return 0;
}

static int teardown(void **state)
{
	for (unsigned i = 0; i < POOL_PAGES; i++)
		free(pool.page[i]);
	return 0;
}

static void new_pt(struct pt *pt, const struct pt_format *fmt)
{
	assert_int_equal(pt_init(pt, fmt, &env), 0);
	assert_int_equal(pool.live, 1);
}

/* Destroys pt and checks that every table came back. */
static void destroy_no_leak(struct pt *pt)
{
	pt_destroy(pt);
	assert_int_equal(pt->root, 0);
	assert_int_equal(pool.live, 0);
	assert_int_equal(pool.allocs, pool.frees);
}

/* ---- an independent walker ------------------------------------------------ */

#define ADDR 0x000ffffffffff000ull

struct xlate {
	bool present;
	uint64_t pa;	/* of va itself */
	uint64_t bits;	/* the leaf's non-address bits, large bit included */
	unsigned level; /* 1: 4K, 2: 2M, 3: 1G */
};

static const uint64_t *tbl(uint64_t pa)
{
	unsigned i = slot_of(pa & ADDR);

	assert_non_null(pool.page[i]);
	return pool.page[i];
}

/* Reads the tables as the hardware would; checks table entries on the
 * way (exactly the table flags, no large bit at level 4). */
static struct xlate walk(const struct pt *pt, uint64_t va)
{
	const struct pt_format *f = pt->fmt;
	uint64_t table = pt->root;

	for (unsigned level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e = tbl(table)[(va >> shift) & 511];

		if (!(e & f->present))
			return (struct xlate){ .present = false };
		if (level == 1 || (level <= f->max_leaf_level && (e & f->large))) {
			uint64_t size = 1ull << shift;

			return (struct xlate){ true,
					       (e & ADDR & ~(size - 1)) +
						       (va & (size - 1)),
					       e & ~ADDR, level };
		}
		if (level == 4)
			assert_int_equal(e & f->large, 0);
		if ((e & ~ADDR) != f->table_flags)
			fail_msg("table entry %#llx at level %u for va %#llx",
				 (unsigned long long)e, level,
				 (unsigned long long)va);
		table = e & ADDR;
	}
	return (struct xlate){ .present = false };
}

/* The bits a leaf at level must carry for leaf flags. */
static uint64_t leaf_bits(const struct pt *pt, uint64_t flags, unsigned level)
{
	return (flags & ~ADDR) | (level > 1 ? pt->fmt->large : 0);
}

static void assert_mapped(const struct pt *pt, uint64_t va, uint64_t pa,
			  uint64_t flags, unsigned level)
{
	struct xlate x = walk(pt, va);

	if (!x.present)
		fail_msg("va %#llx not mapped", (unsigned long long)va);
	if (x.pa != pa || x.bits != leaf_bits(pt, flags, level) ||
	    x.level != level)
		fail_msg("va %#llx -> pa %#llx bits %#llx level %u; expected "
			 "pa %#llx bits %#llx level %u",
			 (unsigned long long)va, (unsigned long long)x.pa,
			 (unsigned long long)x.bits, x.level,
			 (unsigned long long)pa,
			 (unsigned long long)leaf_bits(pt, flags, level), level);
}

static void assert_unmapped(const struct pt *pt, uint64_t va)
{
	if (walk(pt, va).present)
		fail_msg("va %#llx mapped", (unsigned long long)va);
}

/* Every 4K page of [va, va+size) -> pa.. with flags, in leaves of level. */
static void assert_range(const struct pt *pt, uint64_t va, uint64_t pa,
			 uint64_t size, uint64_t flags, unsigned level)
{
	for (uint64_t off = 0; off < size; off += SZ_4K)
		assert_mapped(pt, va + off, pa + off, flags, level);
}

/* ---- leaves ------------------------------------------------------------------ */

struct leaves {
	unsigned n;
	struct pt_leaf l[1100];
	int stop_at; /* return 42 at this leaf; -1: never */
};

static int collect(void *ctx, const struct pt_leaf *leaf)
{
	struct leaves *ls = ctx;

	assert_true(ls->n < ARRAY_SIZE(ls->l));
	ls->l[ls->n++] = *leaf;
	return (int)ls->n - 1 == ls->stop_at ? 42 : 0;
}

static void get_leaves(const struct pt *pt, struct leaves *ls)
{
	ls->n = 0;
	ls->stop_at = -1;
	assert_int_equal(pt_for_each_leaf(pt, collect, ls), 0);
}

static void assert_leaf(const struct pt_leaf *l, uint64_t va, uint64_t pa,
			uint64_t size, uint64_t flags, unsigned level)
{
	assert_int_equal(l->va, va);
	assert_int_equal(l->pa, pa);
	assert_int_equal(l->size, size);
	assert_int_equal(l->flags, flags);
	assert_int_equal(l->level, level);
}

/* ---- mapping ---------------------------------------------------------- */

static void test_init_and_destroy(void **state)
{
	struct pt pt;

	new_pt(&pt, &x86);
	assert_unmapped(&pt, 0);
	assert_unmapped(&pt, VA_TOP - SZ_4K);
	destroy_no_leak(&pt);
	pt_destroy(&pt); /* twice is harmless */
	assert_int_equal(pool.frees, 1);
}

static void test_map_one_page(void **state)
{
	const struct pt_format *fmts[] = { &x86, &ept };
	const uint64_t flags[] = { X86_RO_NX, EPT_RWX_WB };

	for (unsigned i = 0; i < 2; i++) {
		struct pt pt;
		struct pt_leaf l;

		new_pt(&pt, fmts[i]);
		assert_int_equal(pt_map(&pt, 0x7fff1234d000ull, 0xabcde000ull,
					SZ_4K, flags[i]),
				 0);
		assert_int_equal(pool.live, 4);
		assert_mapped(&pt, 0x7fff1234d000ull, 0xabcde000ull, flags[i], 1);
		assert_unmapped(&pt, 0x7fff1234c000ull);
		assert_unmapped(&pt, 0x7fff1234e000ull);
		assert_int_equal(pt_lookup(&pt, 0x7fff1234d123ull, &l), 0);
		assert_leaf(&l, 0x7fff1234d000ull, 0xabcde123ull, SZ_4K, flags[i], 1);
		assert_true(pt_lookup(&pt, 0x7fff1234e000ull, &l) < 0);
		destroy_no_leak(&pt);
	}
}

static void test_large_pages_when_aligned(void **state)
{
	struct pt pt;
	struct leaves *ls = malloc(sizeof(*ls));

	assert_non_null(ls);
	/* x86: a 1G page */
	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, SZ_1G, 3 * SZ_1G, SZ_1G, X86_RW), 0);
	assert_int_equal(pool.live, 2); /* root and one level-3 table */
	assert_mapped(&pt, SZ_1G, 3 * SZ_1G, X86_RW, 3);
	assert_mapped(&pt, 2 * SZ_1G - SZ_4K, 4 * SZ_1G - SZ_4K, X86_RW, 3);
	assert_unmapped(&pt, 2 * SZ_1G);
	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 1);
	assert_leaf(&ls->l[0], SZ_1G, 3 * SZ_1G, SZ_1G, X86_RW, 3);
	destroy_no_leak(&pt);

	/* EPT (2M at most): 512 2M pages */
	new_pt(&pt, &ept);
	assert_int_equal(pt_map(&pt, SZ_1G, 3 * SZ_1G, SZ_1G, EPT_RWX_WB), 0);
	assert_int_equal(pool.live, 3);
	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 512);
	for (unsigned i = 0; i < 512; i++)
		assert_leaf(&ls->l[i], SZ_1G + i * SZ_2M, 3 * SZ_1G + i * SZ_2M,
			    SZ_2M, EPT_RWX_WB, 2);
	assert_mapped(&pt, SZ_1G + 0x1234000, 3 * SZ_1G + 0x1234000, EPT_RWX_WB, 2);
	destroy_no_leak(&pt);
	free(ls);
}

/* The largest page alignment allows, piece by piece. */
static void test_mixed_page_sizes(void **state)
{
	struct pt pt;
	struct leaves *ls = malloc(sizeof(*ls));
	const uint64_t va = SZ_1G - SZ_2M - SZ_4K, pa = 0x80000000 - SZ_2M - SZ_4K;
	const uint64_t size = SZ_4K + SZ_2M + SZ_1G + SZ_2M + SZ_4K;

	assert_non_null(ls);
	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, va, pa, size, X86_USER), 0);
	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 5);
	assert_leaf(&ls->l[0], va, pa, SZ_4K, X86_USER, 1);
	assert_leaf(&ls->l[1], va + SZ_4K, pa + SZ_4K, SZ_2M, X86_USER, 2);
	assert_leaf(&ls->l[2], SZ_1G, 0x80000000, SZ_1G, X86_USER, 3);
	assert_leaf(&ls->l[3], 2 * SZ_1G, 0xc0000000, SZ_2M, X86_USER, 2);
	assert_leaf(&ls->l[4], 2 * SZ_1G + SZ_2M, 0xc0200000, SZ_4K, X86_USER, 1);
	assert_unmapped(&pt, va - SZ_4K);
	assert_unmapped(&pt, va + size);
	destroy_no_leak(&pt);

	/* va and pa aligned differently: 4K pages only */
	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, SZ_2M, SZ_2M + SZ_4K, 2 * SZ_2M, X86_RW), 0);
	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 1024);
	assert_range(&pt, SZ_2M, SZ_2M + SZ_4K, 2 * SZ_2M, X86_RW, 1);
	destroy_no_leak(&pt);

	/* aligned but too short for a large page */
	new_pt(&pt, &ept);
	assert_int_equal(pt_map(&pt, SZ_2M, SZ_2M, SZ_2M - SZ_4K, EPT_XO), 0);
	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 511);
	assert_range(&pt, SZ_2M, SZ_2M, SZ_2M - SZ_4K, EPT_XO, 1);
	assert_unmapped(&pt, 2 * SZ_2M - SZ_4K);
	destroy_no_leak(&pt);
	free(ls);
}

/* Mapping 4K inside a 2M page splits it; the neighbours keep their
 * translation and flags. */
static void test_split_2m_on_map(void **state)
{
	const struct pt_format *fmts[] = { &x86, &ept };
	const uint64_t fa[] = { X86_RO_NX, EPT_RWX_WB }, fb[] = { X86_RW, EPT_RO };

	for (unsigned i = 0; i < 2; i++) {
		struct pt pt;
		long live;

		new_pt(&pt, fmts[i]);
		assert_int_equal(pt_map(&pt, 0x40200000, 0x80000000, SZ_2M, fa[i]),
				 0);
		live = pool.live;
		assert_int_equal(pt_map(&pt, 0x40201000, 0x12345000, SZ_4K, fb[i]),
				 0);
		assert_int_equal(pool.live, live + 1);
		assert_mapped(&pt, 0x40200000, 0x80000000, fa[i], 1);
		assert_mapped(&pt, 0x40201000, 0x12345000, fb[i], 1);
		assert_range(&pt, 0x40202000, 0x80002000, SZ_2M - 2 * SZ_4K, fa[i],
			     1);
		assert_unmapped(&pt, 0x40400000);
		assert_unmapped(&pt, 0x401ff000);
		destroy_no_leak(&pt);
	}
}

/* A 4K page inside a 1G page: 1G -> 512 x 2M -> one of them 512 x 4K. */
static void test_split_1g_on_map(void **state)
{
	struct pt pt;
	struct leaves *ls = malloc(sizeof(*ls));
	const uint64_t va = 5 * SZ_1G, pa = 7 * SZ_1G, hole = 0x12345000;

	assert_non_null(ls);
	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, va, pa, SZ_1G, X86_RO_NX), 0);
	assert_int_equal(pool.live, 2);
	assert_int_equal(pt_map(&pt, va + hole, 0x999000, SZ_4K, X86_RW), 0);
	assert_int_equal(pool.live, 4);
	for (uint64_t off = 0; off < SZ_1G; off += SZ_4K) {
		uint64_t chunk = off & ~(SZ_2M - 1);
		unsigned level = chunk == (hole & ~(SZ_2M - 1)) ? 1 : 2;

		if (off == hole)
			assert_mapped(&pt, va + off, 0x999000, X86_RW, 1);
		else
			assert_mapped(&pt, va + off, pa + off, X86_RO_NX, level);
	}
	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 511 + 512);
	for (unsigned i = 1; i < ls->n; i++)
		assert_int_equal(ls->l[i].va, ls->l[i - 1].va + ls->l[i - 1].size);
	destroy_no_leak(&pt);
	free(ls);
}

static void test_overwrite_changes_translation(void **state)
{
	struct pt pt;
	long live;

	new_pt(&pt, &ept);
	assert_int_equal(pt_map(&pt, 0, 0x100000, 16 * SZ_4K, EPT_RO), 0);
	live = pool.live;
	assert_int_equal(pt_map(&pt, 4 * SZ_4K, 0x900000, 4 * SZ_4K, EPT_RWX_WB),
			 0);
	assert_int_equal(pool.live, live);
	assert_range(&pt, 0, 0x100000, 4 * SZ_4K, EPT_RO, 1);
	assert_range(&pt, 4 * SZ_4K, 0x900000, 4 * SZ_4K, EPT_RWX_WB, 1);
	assert_range(&pt, 8 * SZ_4K, 0x108000, 8 * SZ_4K, EPT_RO, 1);
	destroy_no_leak(&pt);
}

/* A large page over a range that had tables frees those tables. */
static void test_large_page_replaces_tables(void **state)
{
	struct pt pt;
	long live;

	/* 2M over 4K pages */
	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, SZ_2M, 0x1000, SZ_2M, X86_RW), 0);
	assert_int_equal(pool.live, 4);
	assert_int_equal(pt_map(&pt, SZ_2M, 0x40000000, SZ_2M, X86_RO_NX), 0);
	assert_int_equal(pool.live, 3);
	assert_int_equal(pool.frees, 1);
	assert_range(&pt, SZ_2M, 0x40000000, SZ_2M, X86_RO_NX, 2);
	destroy_no_leak(&pt);

	/* 1G over 2M pages and 4K tables */
	new_pt(&pt, &x86);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(pt_map(&pt, SZ_1G + i * 60 * SZ_2M,
					0x5000 + i * SZ_4K, 3 * SZ_4K, X86_RW),
				 0);
	assert_int_equal(pt_map(&pt, SZ_1G + SZ_2M, 0, SZ_2M, X86_RW), 0);
	live = pool.live;
	assert_int_equal(live, 3 + 8);
	assert_int_equal(pt_map(&pt, SZ_1G, 0x80000000, SZ_1G, X86_USER), 0);
	assert_int_equal(pool.live, 2);
	assert_mapped(&pt, SZ_1G + 100 * SZ_2M, 0x80000000 + 100 * SZ_2M,
		      X86_USER, 3);
	destroy_no_leak(&pt);
}

/* ---- unmapping ------------------------------------------------------- */

static void test_unmap_splits_large_page(void **state)
{
	const struct pt_format *fmts[] = { &x86, &ept };
	const uint64_t flags[] = { X86_RW, EPT_RWX_WB };

	for (unsigned i = 0; i < 2; i++) {
		struct pt pt;

		new_pt(&pt, fmts[i]);
		assert_int_equal(pt_map(&pt, SZ_2M, 0x600000, 2 * SZ_2M, flags[i]),
				 0);
		assert_int_equal(pt_unmap(&pt, SZ_2M + 0x10000, 3 * SZ_4K), 0);
		assert_range(&pt, SZ_2M, 0x600000, 0x10000, flags[i], 1);
		for (uint64_t off = 0x10000; off < 0x13000; off += SZ_4K)
			assert_unmapped(&pt, SZ_2M + off);
		assert_range(&pt, SZ_2M + 0x13000, 0x613000, SZ_2M - 0x13000,
			     flags[i], 1);
		assert_range(&pt, 2 * SZ_2M, 0x800000, SZ_2M, flags[i], 2);
		destroy_no_leak(&pt);
	}
}

static void test_unmap_splits_1g_page(void **state)
{
	struct pt pt;

	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, 0, 0, SZ_1G, X86_RW), 0);
	/* the first 2M and 4K of the next go */
	assert_int_equal(pt_unmap(&pt, 0, SZ_2M + SZ_4K), 0);
	assert_unmapped(&pt, 0);
	assert_unmapped(&pt, SZ_2M - SZ_4K);
	assert_unmapped(&pt, SZ_2M);
	assert_range(&pt, SZ_2M + SZ_4K, SZ_2M + SZ_4K, SZ_2M - SZ_4K, X86_RW, 1);
	assert_mapped(&pt, 2 * SZ_2M, 2 * SZ_2M, X86_RW, 2);
	assert_mapped(&pt, SZ_1G - SZ_4K, SZ_1G - SZ_4K, X86_RW, 2);
	destroy_no_leak(&pt);
}

static void test_unmap_whole_entries(void **state)
{
	struct pt pt;
	long live;

	/* a whole 2M leaf: no split, no table */
	new_pt(&pt, &ept);
	assert_int_equal(pt_map(&pt, SZ_2M, SZ_2M, 2 * SZ_2M, EPT_RO), 0);
	live = pool.live;
	assert_int_equal(pt_unmap(&pt, SZ_2M, SZ_2M), 0);
	assert_int_equal(pool.live, live);
	assert_unmapped(&pt, SZ_2M);
	assert_mapped(&pt, 2 * SZ_2M, 2 * SZ_2M, EPT_RO, 2);
	destroy_no_leak(&pt);

	/* a whole table range: the table is freed */
	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, SZ_2M, 0x1000, 2 * SZ_2M, X86_RW), 0);
	assert_int_equal(pool.live, 5);
	assert_int_equal(pt_unmap(&pt, SZ_2M, SZ_2M), 0);
	assert_int_equal(pool.live, 4);
	assert_unmapped(&pt, SZ_2M);
	assert_mapped(&pt, 2 * SZ_2M, SZ_2M + 0x1000, X86_RW, 1);
	/* everything: all tables below the root go */
	assert_int_equal(pt_unmap(&pt, 0, VA_TOP), 0);
	assert_int_equal(pool.live, 1);
	assert_unmapped(&pt, 2 * SZ_2M);
	destroy_no_leak(&pt);

	/* unmapping nothing mapped is fine */
	new_pt(&pt, &x86);
	assert_int_equal(pt_unmap(&pt, 0x123456000ull, 0x10000000), 0);
	assert_int_equal(pool.live, 1);
	destroy_no_leak(&pt);
}

/* ---- walking the leaves ----------------------------------------------------- */

static void test_for_each_leaf(void **state)
{
	struct pt pt;
	struct leaves *ls = malloc(sizeof(*ls));

	assert_non_null(ls);
	new_pt(&pt, &x86);
	/* mapped out of order; visited in address order */
	assert_int_equal(pt_map(&pt, 0x7f0000000000ull, 0x1000, SZ_4K, X86_RW), 0);
	assert_int_equal(pt_map(&pt, 2 * SZ_1G, 0, SZ_1G, X86_RO_NX), 0);
	assert_int_equal(pt_map(&pt, SZ_4K, 0x2000, SZ_4K, X86_USER), 0);
	assert_int_equal(pt_map(&pt, 4 * SZ_2M, 4 * SZ_2M, SZ_2M, X86_RW), 0);
	assert_int_equal(pt_map(&pt, VA_TOP - SZ_2M, 0, SZ_2M, X86_RW), 0);

	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 5);
	assert_leaf(&ls->l[0], SZ_4K, 0x2000, SZ_4K, X86_USER, 1);
	assert_leaf(&ls->l[1], 4 * SZ_2M, 4 * SZ_2M, SZ_2M, X86_RW, 2);
	assert_leaf(&ls->l[2], 2 * SZ_1G, 0, SZ_1G, X86_RO_NX, 3);
	assert_leaf(&ls->l[3], 0x7f0000000000ull, 0x1000, SZ_4K, X86_RW, 1);
	assert_leaf(&ls->l[4], VA_TOP - SZ_2M, 0, SZ_2M, X86_RW, 2);

	/* a non-zero return stops the walk and is passed back */
	ls->n = 0;
	ls->stop_at = 2;
	assert_int_equal(pt_for_each_leaf(&pt, collect, ls), 42);
	assert_int_equal(ls->n, 3);

	destroy_no_leak(&pt);
	new_pt(&pt, &ept);
	get_leaves(&pt, ls);
	assert_int_equal(ls->n, 0);
	destroy_no_leak(&pt);
	free(ls);
}

static void test_lookup(void **state)
{
	struct pt pt;
	struct pt_leaf l;

	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, SZ_1G, 0x40000000, SZ_1G, X86_RW), 0);
	assert_int_equal(pt_map(&pt, 0x200000, 0x1000, SZ_4K, X86_USER), 0);
	assert_int_equal(pt_lookup(&pt, SZ_1G + 0x12345678, &l), 0);
	assert_leaf(&l, SZ_1G, 0x40000000 + 0x12345678, SZ_1G, X86_RW, 3);
	assert_int_equal(pt_lookup(&pt, 0x200fff, &l), 0);
	assert_leaf(&l, 0x200000, 0x1fff, SZ_4K, X86_USER, 1);
	assert_int_equal(pt_lookup(&pt, 0x201000, &l), -ENODATA);
	assert_int_equal(pt_lookup(&pt, 3 * SZ_1G, &l), -ENODATA);
	assert_int_equal(pt_lookup(&pt, VA_TOP, &l), -EINVAL);
	assert_int_equal(pt_lookup(&pt, ~0ull, &l), -EINVAL);
	destroy_no_leak(&pt);
}

/* ---- bad arguments and failures ---------------------------------------- */

static void test_invalid_arguments(void **state)
{
	struct pt pt;

	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, 0x1001, 0, SZ_4K, X86_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x800, SZ_4K, X86_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0, 0x1800, X86_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0, 0, X86_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0, SZ_4K, 0x2), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0, SZ_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&pt, VA_TOP, 0, SZ_4K, X86_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, VA_TOP - SZ_4K, 0, 2 * SZ_4K, X86_RW),
			 -EINVAL);
	assert_int_equal(pt_map(&pt, SZ_4K, 0, ~0ull & ~0xfffull, X86_RW),
			 -EINVAL);
	assert_int_equal(pt_map(&pt, 0xffff800000000000ull, 0, SZ_4K, X86_RW),
			 -EINVAL);
	/* the physical side must fit in 52 bits */
	assert_int_equal(pt_map(&pt, 0, 1ull << 52, SZ_4K, X86_RW), -EINVAL);
	assert_int_equal(pt_map(&pt, 0, (1ull << 52) - SZ_4K, 2 * SZ_4K, X86_RW),
			 -EINVAL);
	assert_int_equal(pt_map(&pt, 0, ~0ull & ~0xfffull, 2 * SZ_4K, X86_RW),
			 -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x1001, SZ_4K), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x1000, 0x10), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x1000, 0), -EINVAL);
	assert_int_equal(pt_unmap(&pt, VA_TOP - SZ_4K, 2 * SZ_4K), -EINVAL);
	assert_int_equal(pool.live, 1); /* nothing was built */

	/* the very top and the very bottom are fine */
	assert_int_equal(pt_map(&pt, VA_TOP - SZ_4K, (1ull << 52) - SZ_4K, SZ_4K,
				X86_RW),
			 0);
	assert_mapped(&pt, VA_TOP - SZ_4K, (1ull << 52) - SZ_4K, X86_RW, 1);
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, X86_RW), 0);
	assert_mapped(&pt, 0, 0, X86_RW, 1);
	destroy_no_leak(&pt);

	/* EPT: memory type bits alone are not present */
	new_pt(&pt, &ept);
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, 0x30), -EINVAL);
	assert_int_equal(pt_map(&pt, 0, 0, SZ_4K, 0x34), 0);
	assert_mapped(&pt, 0, 0, 0x34, 1);
	destroy_no_leak(&pt);
}

static void test_out_of_memory(void **state)
{
	struct pt pt;

	/* no root */
	pool.fail_after = 0;
	assert_int_equal(pt_init(&pt, &x86, &env), -ENOMEM);
	assert_int_equal(pt.root, 0);
	pt_destroy(&pt);
	assert_int_equal(pool.live, 0);

	/* tables on the way down */
	for (long k = 0; k < 3; k++) {
		pool.fail_after = -1;
		new_pt(&pt, &x86);
		pool.fail_after = k;
		assert_int_equal(pt_map(&pt, 0x1000, 0x1000, SZ_4K, X86_RW),
				 -ENOMEM);
		assert_unmapped(&pt, 0x1000);
		pool.fail_after = -1;
		assert_int_equal(pt_map(&pt, 0x1000, 0x1000, SZ_4K, X86_RW), 0);
		destroy_no_leak(&pt);
	}

	/* splitting on map and on unmap: the large page stays as it was */
	new_pt(&pt, &x86);
	assert_int_equal(pt_map(&pt, SZ_1G, 0, SZ_1G, X86_RW), 0);
	pool.fail_after = 0;
	assert_int_equal(pt_map(&pt, SZ_1G, SZ_4K, SZ_4K, X86_USER), -ENOMEM);
	assert_int_equal(pt_unmap(&pt, SZ_1G + SZ_2M, SZ_4K), -ENOMEM);
	assert_mapped(&pt, SZ_1G, 0, X86_RW, 3);
	assert_mapped(&pt, SZ_1G + SZ_2M, SZ_2M, X86_RW, 3);
	/* the second split fails: still a correct translation everywhere */
	pool.fail_after = 1;
	assert_int_equal(pt_unmap(&pt, SZ_1G + SZ_2M, SZ_4K), -ENOMEM);
	assert_range(&pt, SZ_1G, 0, 4 * SZ_2M, X86_RW, 2);
	pool.fail_after = -1;
	assert_int_equal(pt_unmap(&pt, SZ_1G + SZ_2M, SZ_4K), 0);
	assert_unmapped(&pt, SZ_1G + SZ_2M);
	assert_mapped(&pt, SZ_1G + SZ_2M + SZ_4K, SZ_2M + SZ_4K, X86_RW, 1);
	destroy_no_leak(&pt);
}

/* ---- randomised comparison with a reference model ----------------------- */

/* 16 MiB across the 1 GiB line, so 2M pages and table boundaries at every
 * level above 1 are crossed. */
#define REGION_VA (SZ_1G - 8 * MiB)
#define REGION_PAGES (16 * MiB / SZ_4K)

struct model_page {
	bool mapped;
	uint64_t pa, flags;
};

static void check_against_model(const struct pt *pt,
				const struct model_page *m)
{
	for (uint64_t i = 0; i < REGION_PAGES; i++) {
		uint64_t va = REGION_VA + i * SZ_4K;
		struct xlate x = walk(pt, va);
		struct pt_leaf l;

		if (x.present != m[i].mapped)
			fail_msg("va %#llx: present %d, model %d",
				 (unsigned long long)va, x.present, m[i].mapped);
		if (!x.present) {
			assert_int_equal(pt_lookup(pt, va, &l), -ENODATA);
			continue;
		}
		if (x.pa != m[i].pa || x.bits != leaf_bits(pt, m[i].flags, x.level))
			fail_msg("va %#llx: pa %#llx bits %#llx, model pa %#llx "
				 "flags %#llx",
				 (unsigned long long)va, (unsigned long long)x.pa,
				 (unsigned long long)x.bits,
				 (unsigned long long)m[i].pa,
				 (unsigned long long)m[i].flags);
		assert_int_equal(pt_lookup(pt, va, &l), 0);
		assert_int_equal(l.pa, x.pa);
		assert_int_equal(l.flags, m[i].flags);
		assert_int_equal(l.level, x.level);
	}
	assert_unmapped(pt, REGION_VA - SZ_4K);
	assert_unmapped(pt, REGION_VA + REGION_PAGES * SZ_4K);
}

struct leaf_check {
	const struct model_page *m;
	uint64_t next_va, pages;
};

/* Leaves agree with the model and come in order without overlap. */
static int check_leaf(void *ctx, const struct pt_leaf *l)
{
	struct leaf_check *c = ctx;

	assert_true(l->va >= c->next_va);
	assert_true(l->va >= REGION_VA &&
		    l->va + l->size <= REGION_VA + REGION_PAGES * SZ_4K);
	assert_int_equal(l->size, 1ull << (12 + 9 * (l->level - 1)));
	for (uint64_t off = 0; off < l->size; off += SZ_4K) {
		const struct model_page *p = &c->m[(l->va + off - REGION_VA) / SZ_4K];

		assert_true(p->mapped);
		assert_int_equal(p->pa, l->pa + off);
		assert_int_equal(p->flags, l->flags);
	}
	c->next_va = l->va + l->size;
	c->pages += l->size / SZ_4K;
	return 0;
}

/* A random 4K-aligned range of the region, often 2M-aligned. */
static void random_range(struct rng *r, uint64_t *first, uint64_t *n)
{
	if (rng_below(r, 2)) {
		uint64_t chunks = REGION_PAGES / 512;
		uint64_t c = rng_below(r, chunks);

		*first = c * 512;
		*n = (1 + rng_below(r, chunks - c)) * 512;
		if (rng_below(r, 3) == 0 && *n > 1) /* trim a little */
			*n -= 1 + rng_below(r, 3);
	} else {
		*first = rng_below(r, REGION_PAGES);
		*n = 1 + rng_below(r, rng_below(r, 2) ? 16 : 1200);
		if (*first + *n > REGION_PAGES)
			*n = REGION_PAGES - *first;
	}
}

static void random_ops(const struct pt_format *fmt, const uint64_t *flag_set,
		       unsigned n_flags, uint64_t seed)
{
	struct rng r = { seed };
	struct model_page *m = calloc(REGION_PAGES, sizeof(*m));
	struct pt pt;

	assert_non_null(m);
	new_pt(&pt, fmt);
	for (int op = 0; op < 150; op++) {
		uint64_t first, n;

		random_range(&r, &first, &n);
		if (rng_below(&r, 3)) {
			/* pa: same 2M offset as va (large pages possible),
			 * or off by a few pages */
			uint64_t pa = rng_below(&r, 1 << 20) * SZ_2M +
				      ((REGION_VA + first * SZ_4K) & (SZ_2M - 1));
			uint64_t flags = flag_set[rng_below(&r, n_flags)];

			if (rng_below(&r, 4) == 0)
				pa += rng_below(&r, 8) * SZ_4K;
			assert_int_equal(pt_map(&pt, REGION_VA + first * SZ_4K, pa,
						n * SZ_4K, flags),
					 0);
			for (uint64_t i = 0; i < n; i++)
				m[first + i] = (struct model_page){
					true, pa + i * SZ_4K, flags
				};
		} else {
			assert_int_equal(pt_unmap(&pt, REGION_VA + first * SZ_4K,
						  n * SZ_4K),
					 0);
			for (uint64_t i = 0; i < n; i++)
				m[first + i].mapped = false;
		}
		check_against_model(&pt, m);

		struct leaf_check c = { m, 0, 0 };
		uint64_t mapped = 0;
		assert_int_equal(pt_for_each_leaf(&pt, check_leaf, &c), 0);
		for (uint64_t i = 0; i < REGION_PAGES; i++)
			mapped += m[i].mapped;
		assert_int_equal(c.pages, mapped);
		/* tables: root, at most 2 level-3, 2 level-2 and one per 2M */
		assert_true(pool.live <= (long)(1 + 2 + 2 + REGION_PAGES / 512));
	}
	destroy_no_leak(&pt);
	free(m);
}

static void test_random_against_model_x86(void **state)
{
	static const uint64_t flags[] = { X86_RW, X86_RO_NX, X86_USER,
					  0x1ull | (0x5ull << 9) /* avail bits */ };

	random_ops(&x86, flags, ARRAY_SIZE(flags), 0x9e3779b97f4a7c15ull);
}

static void test_random_against_model_ept(void **state)
{
	static const uint64_t flags[] = { EPT_RWX_WB, EPT_RO, EPT_XO, 0x3ull,
					  0x7ull | (1ull << 6) };

	random_ops(&ept, flags, ARRAY_SIZE(flags), 0xc0ffee1234ull);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_and_destroy),
		T(test_map_one_page),
		T(test_large_pages_when_aligned),
		T(test_mixed_page_sizes),
		T(test_split_2m_on_map),
		T(test_split_1g_on_map),
		T(test_overwrite_changes_translation),
		T(test_large_page_replaces_tables),
		T(test_unmap_splits_large_page),
		T(test_unmap_splits_1g_page),
		T(test_unmap_whole_entries),
		T(test_for_each_leaf),
		T(test_lookup),
		T(test_invalid_arguments),
		T(test_out_of_memory),
		T(test_random_against_model_x86),
		T(test_random_against_model_ept),
	};

	return cmocka_run_group_tests_name("pt", tests, NULL, NULL);
}
