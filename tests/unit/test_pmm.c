/* SPDX-License-Identifier: MIT */
/* arch/pmm.c: the physical page allocator, over memory maps made here. */
#include "unit.h"

#include <stdbool.h>

#include "arch/pmm.h"
#include "lib/errno.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define PG PAGE_SIZE

/* ---- the bitmap's memory ---------------------------------------------------- */

/* virt() hands out a heap block of exactly the size the bitmap must have,
 * so ASan reports any access past it. */
static size_t bitmap_expect_bytes;
static void *bitmap_mem;
static uint64_t bitmap_virt_pa;
static int virt_calls;

static void *virt(uint64_t pa)
{
	virt_calls++;
	bitmap_virt_pa = pa;
	free(bitmap_mem);
	bitmap_mem = malloc(bitmap_expect_bytes);
	assert_non_null(bitmap_mem);
	memset(bitmap_mem, 0xa5, bitmap_expect_bytes); /* pmm must clear it */
	return bitmap_mem;
}

static int teardown(void **state)
{
	free(bitmap_mem);
	bitmap_mem = NULL;
	return 0;
}

/* ---- a reference model ---------------------------------------------------- */

struct layout {
	const struct bi_mem *mem;
	unsigned n_mem;
	const struct pmm_range *res;
	unsigned n_res;
};

static uint64_t top_pfn(const struct layout *l)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < l->n_mem; i++)
		if (l->mem[i].type == BI_MEM_USABLE &&
		    (l->mem[i].base + l->mem[i].len) / PG > top)
			top = (l->mem[i].base + l->mem[i].len) / PG;
	return top;
}

static bool overlap(uint64_t s, uint64_t e, uint64_t rs, uint64_t re)
{
	return s < re && rs < e;
}

/* Usable for the allocator, the bitmap aside: wholly inside usable memory,
 * touching no other kind of memory and no reserved range, not page 0. */
static bool model_usable(const struct layout *l, uint64_t pfn)
{
	uint64_t s = pfn * PG, e = s + PG;
	bool usable = false;

	if (pfn == 0)
		return false;
	for (unsigned i = 0; i < l->n_mem; i++) {
		const struct bi_mem *m = &l->mem[i];

		if (m->type == BI_MEM_USABLE && m->base <= s &&
		    e <= m->base + m->len)
			usable = true;
		if (m->type != BI_MEM_USABLE &&
		    overlap(s, e, m->base, m->base + m->len))
			return false;
	}
	for (unsigned i = 0; i < l->n_res; i++)
		if (overlap(s, e, l->res[i].start, l->res[i].end))
			return false;
	return usable;
}

static bool model_free(const struct layout *l, const struct pmm *p,
		       uint64_t pfn)
{
	return model_usable(l, pfn) &&
	       !overlap(pfn * PG, pfn * PG + PG, p->bitmap_pa,
			p->bitmap_pa + p->bitmap_bytes);
}

/* Initialises p over l and checks what every allocator must satisfy. */
static void init(struct pmm *p, const struct layout *l)
{
	uint64_t top = top_pfn(l), free_count = 0;

	bitmap_expect_bytes = ((top + 63) / 64 * 8 + PG - 1) / PG * PG;
	virt_calls = 0;
	assert_int_equal(pmm_init(p, l->mem, l->n_mem, l->res, l->n_res, virt),
			 0);
	assert_int_equal(virt_calls, 1);
	assert_int_equal(p->bitmap_pa, bitmap_virt_pa);
	assert_ptr_equal(p->bitmap, bitmap_mem);
	assert_int_equal(p->npages, top);
	assert_int_equal(p->bitmap_bytes, bitmap_expect_bytes);

	/* The bitmap: above 1 MiB, page aligned, in usable memory. */
	assert_true(p->bitmap_pa >= PMM_LOW_LIMIT);
	assert_int_equal(p->bitmap_pa % PG, 0);
	for (uint64_t a = p->bitmap_pa; a < p->bitmap_pa + p->bitmap_bytes;
	     a += PG) {
		if (!model_usable(l, a / PG))
			fail_msg("bitmap page %#llx is not usable memory",
				 (unsigned long long)a);
		assert_false(pmm_is_free(p, a));
	}
	for (uint64_t pfn = 0; pfn < top + 64; pfn++) {
		bool expect = pfn < top && model_free(l, p, pfn);

		if (pmm_is_free(p, pfn * PG) != expect)
			fail_msg("page %#llx: free %d, expected %d",
				 (unsigned long long)(pfn * PG),
				 pmm_is_free(p, pfn * PG), expect);
		free_count += expect;
	}
	assert_int_equal(p->free_pages, free_count);
	assert_int_equal(p->total_pages, free_count);
}

#define LAYOUT(m, r) { m, ARRAY_SIZE(m), r, ARRAY_SIZE(r) }
#define LAYOUT_NORES(m) { m, ARRAY_SIZE(m), NULL, 0 }

/* Allocates single pages until none is left; returns how many. */
static uint64_t drain(struct pmm *p, uint64_t min, uint64_t max)
{
	uint64_t n = 0;

	while (pmm_alloc_range(p, 1, 1, min, max))
		n++;
	return n;
}

/* ---- a PC-like machine ------------------------------------------------- */

static const struct bi_mem pc_mem[] = {
	{ 0, 0x9fc00, BI_MEM_USABLE },
	{ 0x9fc00, 0x400, BI_MEM_RESERVED },
	{ 0xf0000, 0x10000, BI_MEM_RESERVED },
	{ 0x100000, 63 * MiB, BI_MEM_USABLE },
	{ 0xfffc0000, 0x40000, BI_MEM_RESERVED },
};
static const struct pmm_range pc_res[] = {
	{ 0x100000, 0x300000 },	 /* the hypervisor image */
	{ 0x800000, 0x819000 },	 /* a module (100 KiB) */
};

static void test_pc_layout(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;

	init(&p, &l);
	/* 16384 pages tracked: 2 KiB of bitmap, one page, first fit above
	 * the image */
	assert_int_equal(p.npages, 16384);
	assert_int_equal(p.bitmap_bytes, PG);
	assert_int_equal(p.bitmap_pa, 0x300000);
	/* 158 low pages (0x1000-0x9efff; 0x9f000 is partly reserved), 63 MiB
	 * less the image, the module and the bitmap */
	assert_int_equal(p.total_pages, 158 + 16128 - 512 - 25 - 1);
	assert_false(pmm_is_free(&p, 0));
	assert_true(pmm_is_free(&p, 0x1000));
	assert_true(pmm_is_free(&p, 0x9e000));
	assert_false(pmm_is_free(&p, 0x9f000));
	assert_false(pmm_is_free(&p, 0x2ff000));
	assert_false(pmm_is_free(&p, 0x300000));
	assert_true(pmm_is_free(&p, 0x301000));
	assert_true(pmm_is_free(&p, 0x7ff000));
	assert_false(pmm_is_free(&p, 0x818000));
	assert_true(pmm_is_free(&p, 0x819000));
	assert_true(pmm_is_free(&p, 0x3fff000));
	assert_false(pmm_is_free(&p, 0x4000000));
	assert_false(pmm_is_free(&p, 0xfffc0000));
}

static void test_unaligned_boundaries(void **state)
{
	static const struct bi_mem mem[] = {
		{ 0x1800, 0xf000 - 0x1800 + 0x800, BI_MEM_USABLE }, /* to 0xf800 */
		{ 0x10000, 0x30000, BI_MEM_USABLE },
		{ 0x20400, 0x800, BI_MEM_ACPI }, /* inside one page */
		{ 0x2f800, 0x1000, BI_MEM_NVS },  /* across two pages */
		{ 0x100000, 0x100000, BI_MEM_USABLE },
	};
	static const struct pmm_range res[] = { { 0x30001, 0x31000 },
						{ 0x35000, 0x35001 } };
	struct layout l = LAYOUT(mem, res);
	struct pmm p;

	init(&p, &l);
	assert_false(pmm_is_free(&p, 0x1000)); /* partly usable */
	assert_true(pmm_is_free(&p, 0x2000));
	assert_true(pmm_is_free(&p, 0xe000));
	assert_false(pmm_is_free(&p, 0xf000)); /* partly usable */
	assert_true(pmm_is_free(&p, 0x1f000));
	assert_false(pmm_is_free(&p, 0x20000));
	assert_true(pmm_is_free(&p, 0x21000));
	assert_false(pmm_is_free(&p, 0x2f000));
	assert_false(pmm_is_free(&p, 0x30000));
	assert_true(pmm_is_free(&p, 0x31000));
	assert_false(pmm_is_free(&p, 0x35000));
	assert_true(pmm_is_free(&p, 0x36000));
	assert_int_equal(p.total_pages,
			 13 + (0x30 - 0x10 - 2) + (0x40 - 0x31 - 1) + 256 - 1);
}

/* Firmware maps may overlap: what anything calls non-usable is not
 * usable, whatever the order of the entries. */
static void test_overlapping_entries(void **state)
{
	static const struct bi_mem mem[] = {
		{ 0x400000, 0x2000, BI_MEM_ACPI },
		{ 0x100000, 15 * MiB, BI_MEM_USABLE },
		{ 0x200000, 4 * MiB, BI_MEM_USABLE }, /* a duplicate */
		{ 0x600000, 0x1000, BI_MEM_BAD },
		{ 0x800000, 2 * MiB, BI_MEM_USABLE }, /* nested */
		{ 0x800000, 0x1000, BI_MEM_RESERVED },
	};
	struct layout l = LAYOUT_NORES(mem);
	struct pmm p;

	init(&p, &l);
	assert_false(pmm_is_free(&p, 0x400000));
	assert_false(pmm_is_free(&p, 0x401000));
	assert_true(pmm_is_free(&p, 0x402000));
	assert_false(pmm_is_free(&p, 0x600000));
	assert_false(pmm_is_free(&p, 0x800000));
	assert_int_equal(p.total_pages, 15 * 256 - 2 - 1 - 1 - 1);
}

/* The bitmap goes where the allocator itself would hand out memory: not
 * into a range that another map entry calls reserved. */
static void test_bitmap_avoids_overlapping_reserved_entry(void **state)
{
	static const struct bi_mem mem[] = {
		{ 0, 64 * MiB, BI_MEM_USABLE },
		{ 0x100000, 0x100000, BI_MEM_RESERVED },
		{ 0x200000, 0x800, BI_MEM_ACPI },
	};
	struct layout l = LAYOUT_NORES(mem);
	struct pmm p;

	init(&p, &l);
	assert_int_equal(p.bitmap_pa, 0x201000);
}

static void test_bitmap_placement(void **state)
{
	/* below 1 MiB there is room, but the bitmap goes above */
	static const struct bi_mem low_first[] = {
		{ 0, 0xa0000, BI_MEM_USABLE },
		{ 0x100000, 0x100000, BI_MEM_USABLE },
	};
	/* the first usable entry above 1 MiB is all reserved */
	static const struct bi_mem two[] = {
		{ 0x100000, 0x100000, BI_MEM_USABLE },
		{ 0x400000, 0x400000, BI_MEM_USABLE },
	};
	static const struct pmm_range res[] = { { 0x100000, 0x200000 },
						{ 0x400000, 0x401000 } };
	/* memory above 4 GiB: a bitmap of 33 pages, which must fit */
	static const struct bi_mem high[] = {
		{ 0x100000, 0x20000, BI_MEM_USABLE }, /* too small */
		{ 0x100000000ull, 16 * MiB, BI_MEM_USABLE },
	};
	struct pmm p;

	struct layout l1 = LAYOUT_NORES(low_first);
	init(&p, &l1);
	assert_int_equal(p.bitmap_pa, 0x100000);

	struct layout l2 = LAYOUT(two, res);
	init(&p, &l2);
	assert_int_equal(p.bitmap_pa, 0x401000);

	struct layout l3 = LAYOUT_NORES(high);
	init(&p, &l3);
	assert_int_equal(p.bitmap_bytes, 33 * PG);
	assert_int_equal(p.bitmap_pa, 0x100000000ull);
	assert_int_equal(p.total_pages, 0x20 + 4096 - 33);
}

static void test_init_failures(void **state)
{
	static const struct bi_mem none[] = { { 0, 64 * MiB, BI_MEM_RESERVED } };
	static const struct bi_mem low_only[] = { { 0, 0xa0000, BI_MEM_USABLE } };
	static const struct bi_mem tiny[] = { { 0x100000, 0x800, BI_MEM_USABLE } };
	static const struct bi_mem covered[] = {
		{ 0x100000, 0x100000, BI_MEM_USABLE },
	};
	static const struct pmm_range all[] = { { 0, 0x200000 } };
	struct pmm p;

	bitmap_expect_bytes = PG;
	virt_calls = 0;
	assert_int_equal(pmm_init(&p, none, 1, NULL, 0, virt), -ENOMEM);
	assert_int_equal(pmm_init(&p, NULL, 0, NULL, 0, virt), -ENOMEM);
	assert_int_equal(pmm_init(&p, low_only, 1, NULL, 0, virt), -ENOMEM);
	assert_int_equal(pmm_init(&p, tiny, 1, NULL, 0, virt), -ENOMEM);
	assert_int_equal(pmm_init(&p, covered, 1, all, 1, virt), -ENOMEM);
	assert_int_equal(virt_calls, 0);
}

/* ---- allocation ------------------------------------------------------------- */

static void test_low_memory_only_when_asked(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;

	init(&p, &l);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, PMM_LOW_LIMIT, ~0ull),
			 0x301000);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0, ~0ull), 0x1000);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0, PMM_LOW_LIMIT), 0x2000);
	/* everything below 1 MiB, and never page 0 */
	uint64_t n = 0, a;
	while ((a = pmm_alloc_range(&p, 1, 1, 0, PMM_LOW_LIMIT))) {
		assert_true(a >= 0x3000 && a < 0x9f000);
		n++;
	}
	assert_int_equal(n, 158 - 2);
	assert_false(pmm_is_free(&p, 0));
	/* page 0 stays out even if someone frees it by mistake */
	pmm_free(&p, 0, 1);
	/* memory above 1 MiB is still there */
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0, ~0ull), 0x302000);
}

static void test_alignment_and_contiguity(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;
	uint64_t before, a;

	init(&p, &l);
	before = p.free_pages;
	/* 2 MiB aligned: the image ends at 3 MiB, the bitmap sits at
	 * 3 MiB, so the first candidate is 4 MiB */
	a = pmm_alloc_range(&p, 512, 512, PMM_LOW_LIMIT, ~0ull);
	assert_int_equal(a, 0x400000);
	assert_int_equal(p.free_pages, before - 512);
	for (uint64_t x = a; x < a + 2 * MiB; x += PG)
		assert_false(pmm_is_free(&p, x));
	/* the next one skips the module at 8 MiB */
	assert_int_equal(pmm_alloc_range(&p, 512, 512, PMM_LOW_LIMIT, ~0ull),
			 0x600000);
	assert_int_equal(pmm_alloc_range(&p, 512, 512, PMM_LOW_LIMIT, ~0ull),
			 0xa00000);
	/* unaligned contiguous runs are first fit */
	assert_int_equal(pmm_alloc_range(&p, 3, 1, PMM_LOW_LIMIT, ~0ull),
			 0x301000);
	assert_int_equal(pmm_alloc_range(&p, 16, 16, PMM_LOW_LIMIT, ~0ull),
			 0x310000);
	/* a run that must skip the module: 0x800000 is taken */
	assert_int_equal(pmm_alloc_range(&p, 2, 1, 0x7fe000, ~0ull), 0x819000);
	assert_int_equal(p.free_pages, before - 3 * 512 - 3 - 16 - 2);
}

static void test_min_max_window(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;

	init(&p, &l);
	/* unaligned bounds round inwards */
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0x500001, 0x502fff), 0x501000);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0x500001, 0x502fff), 0);
	assert_int_equal(pmm_alloc_range(&p, 2, 1, 0x500000, 0x502000), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0x500000, 0x502000), 0x500000);
	/* an empty or inverted window */
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0x600000, 0x600000), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0x700000, 0x600000), 0);
	/* max past the end of memory is clamped */
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0x3fff000, 1ull << 60),
			 0x3fff000);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0x3fff000, 1ull << 60), 0);
	/* a window wholly past the end */
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 1ull << 40, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, ~0ull - 10, ~0ull), 0);
}

static void test_bad_alloc_args(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;
	uint64_t before;

	init(&p, &l);
	before = p.free_pages;
	assert_int_equal(pmm_alloc_range(&p, 0, 1, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 0, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 3, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 768, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 16385, 1, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, ~0ull, 1, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, ~0ull, 64, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, ~0ull - 100, 4096, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 1ull << 63, 0, ~0ull), 0);
	assert_int_equal(p.free_pages, before);
}

/* A bitmap that exactly fills its page: nothing may read past it. */
static void test_bitmap_exactly_one_page(void **state)
{
	static const struct bi_mem mem[] = { { 0, 128 * MiB, BI_MEM_USABLE } };
	struct layout l = LAYOUT_NORES(mem);
	struct pmm p;

	init(&p, &l);
	assert_int_equal(p.bitmap_bytes, PG);
	assert_int_equal(pmm_alloc_range(&p, ~0ull, 64, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, ~0ull, 1, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 64, 64, 0, ~0ull), 0x40000);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 128 * MiB - PG, ~0ull),
			 128 * MiB - PG);
	assert_int_equal(pmm_free(&p, 128 * MiB - PG, 1), 0);
	assert_int_equal(pmm_free(&p, 128 * MiB, 1), -EINVAL);
	assert_false(pmm_is_free(&p, 128 * MiB));
}

static void test_exhaustion(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;
	uint64_t total;

	init(&p, &l);
	total = p.total_pages;
	assert_int_equal(drain(&p, 0, ~0ull), total);
	assert_int_equal(p.free_pages, 0);
	assert_int_equal(p.total_pages, total);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, 0, ~0ull), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, PMM_LOW_LIMIT, ~0ull), 0);
}

static void test_free_and_reuse(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;
	uint64_t before, a, b;

	init(&p, &l);
	before = p.free_pages;
	a = pmm_alloc_range(&p, 8, 1, PMM_LOW_LIMIT, ~0ull);
	b = pmm_alloc_range(&p, 1, 1, PMM_LOW_LIMIT, ~0ull);
	assert_int_equal(a, 0x301000);
	assert_int_equal(b, 0x309000);
	assert_int_equal(pmm_free(&p, a, 8), 0);
	assert_int_equal(p.free_pages, before - 1);
	for (uint64_t x = a; x < a + 8 * PG; x += PG)
		assert_true(pmm_is_free(&p, x));
	assert_false(pmm_is_free(&p, b));
	/* first fit finds the hole again */
	assert_int_equal(pmm_alloc_range(&p, 4, 1, PMM_LOW_LIMIT, ~0ull), a);
	assert_int_equal(pmm_alloc_range(&p, 4, 1, PMM_LOW_LIMIT, ~0ull),
			 a + 4 * PG);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, PMM_LOW_LIMIT, ~0ull),
			 0x30a000);
	/* freeing part of an allocation */
	assert_int_equal(pmm_free(&p, a + 2 * PG, 1), 0);
	assert_int_equal(pmm_alloc_range(&p, 1, 1, PMM_LOW_LIMIT, ~0ull),
			 a + 2 * PG);
	assert_int_equal(pmm_free(&p, a, 0), 0); /* nothing */
}

static void test_bad_frees(void **state)
{
	struct layout l = LAYOUT(pc_mem, pc_res);
	struct pmm p;
	uint64_t a, before;

	init(&p, &l);
	a = pmm_alloc_range(&p, 4, 1, PMM_LOW_LIMIT, ~0ull);
	before = p.free_pages;

	assert_int_equal(pmm_free(&p, a + 1, 1), -EINVAL); /* unaligned */
	assert_int_equal(pmm_free(&p, a + 0x800, 1), -EINVAL);
	assert_int_equal(pmm_free(&p, 64 * MiB, 1), -EINVAL); /* past the end */
	assert_int_equal(pmm_free(&p, 64 * MiB - PG, 2), -EINVAL);
	assert_int_equal(pmm_free(&p, a, ~0ull), -EINVAL); /* wraps */
	assert_int_equal(pmm_free(&p, ~0ull & ~(PG - 1), 1), -EINVAL);
	/* a range with one free page in it: nothing is freed */
	assert_int_equal(pmm_free(&p, a, 5), -EINVAL);
	for (uint64_t x = a; x < a + 4 * PG; x += PG)
		assert_false(pmm_is_free(&p, x));
	assert_int_equal(p.free_pages, before);

	assert_int_equal(pmm_free(&p, a, 4), 0);
	assert_int_equal(pmm_free(&p, a, 4), -EINVAL); /* double free */
	assert_int_equal(pmm_free(&p, a + PG, 1), -EINVAL);
	assert_int_equal(p.free_pages, before + 4);
}

/* ---- properties over random machines ---------------------------------------- */

static void random_layout(struct rng *r, struct bi_mem *mem, unsigned *n_mem,
			  struct pmm_range *res, unsigned *n_res)
{
	unsigned n = 0;

	/* always some memory above 1 MiB, so the bitmap has a home */
	mem[n++] = (struct bi_mem){ 0x100000 + rng_below(r, 64) * 0x800,
				    (8 + rng_below(r, 32)) * MiB, BI_MEM_USABLE };
	for (unsigned i = rng_below(r, 12); i > 0; i--) {
		uint64_t base = rng_below(r, 48 * MiB / 0x400) * 0x400;
		uint64_t len = (1 + rng_below(r, 2 * MiB / 0x400)) * 0x400;
		uint32_t type = rng_below(r, 3) ? BI_MEM_USABLE
						: 2 + (uint32_t)rng_below(r, 4);

		mem[n++] = (struct bi_mem){ base, len, type };
	}
	*n_mem = n;
	*n_res = (unsigned)rng_below(r, 4);
	for (unsigned i = 0; i < *n_res; i++) {
		uint64_t s = rng_below(r, 48 * MiB / 0x100) * 0x100;

		res[i] = (struct pmm_range){ s, s + 1 + rng_below(r, MiB) };
	}
}

/* Every page handed out one by one was usable, unreserved, not the
 * bitmap, and handed out once. */
static void test_property_drain_page_by_page(void **state)
{
	struct rng r = { 0x0dd5eed5ull };

	for (int iter = 0; iter < 40; iter++) {
		struct bi_mem mem[16];
		struct pmm_range res[4];
		struct layout l;
		struct pmm p;
		uint8_t *seen;
		uint64_t a, n = 0;

		random_layout(&r, mem, &l.n_mem, res, &l.n_res);
		l.mem = mem;
		l.res = res;
		init(&p, &l);
		seen = calloc(p.npages, 1);
		assert_non_null(seen);
		while ((a = pmm_alloc_range(&p, 1, 1, 0, ~0ull))) {
			uint64_t pfn = a / PG;

			assert_int_equal(a % PG, 0);
			assert_true(pfn < p.npages);
			if (!model_free(&l, &p, pfn))
				fail_msg("handed out %#llx, not free memory",
					 (unsigned long long)a);
			assert_int_equal(seen[pfn], 0);
			seen[pfn] = 1;
			n++;
		}
		assert_int_equal(n, p.total_pages);
		assert_int_equal(p.free_pages, 0);
		free(seen);
	}
}

/* Random allocations and frees against a model of which pages are free. */
static void test_property_random_alloc_free(void **state)
{
	struct rng r = { 0xa110cull };

	for (int iter = 0; iter < 20; iter++) {
		struct bi_mem mem[16];
		struct pmm_range res[4];
		struct layout l;
		struct pmm p;
		uint8_t *model;
		struct {
			uint64_t pa, n;
		} live[64];
		unsigned n_live = 0;

		random_layout(&r, mem, &l.n_mem, res, &l.n_res);
		l.mem = mem;
		l.res = res;
		init(&p, &l);
		model = calloc(p.npages, 1);
		assert_non_null(model);
		for (uint64_t pfn = 0; pfn < p.npages; pfn++)
			model[pfn] = model_free(&l, &p, pfn);

		for (int op = 0; op < 400; op++) {
			if (n_live < ARRAY_SIZE(live) && rng_below(&r, 3)) {
				uint64_t n = 1 + rng_below(&r, 600);
				uint64_t align = 1ull << rng_below(&r, 10);
				uint64_t min = rng_below(&r, 4) ? 0
							   : rng_below(&r, 40 * MiB);
				uint64_t a = pmm_alloc_range(&p, n, align, min, ~0ull);
				if (!a)
					continue;
				assert_int_equal(a % (align * PG), 0);
				assert_true(a >= min);
				for (uint64_t i = 0; i < n; i++) {
					assert_int_equal(model[a / PG + i], 1);
					model[a / PG + i] = 0;
				}
				live[n_live].pa = a;
				live[n_live++].n = n;
			} else if (n_live) {
				unsigned k = (unsigned)rng_below(&r, n_live);
				assert_int_equal(pmm_free(&p, live[k].pa, live[k].n), 0);
				for (uint64_t i = 0; i < live[k].n; i++)
					model[live[k].pa / PG + i] = 1;
				assert_int_equal(pmm_free(&p, live[k].pa, 1), -EINVAL);
				live[k] = live[--n_live];
			}
		}
		uint64_t count = 0;
		for (uint64_t pfn = 0; pfn < p.npages; pfn++) {
			assert_int_equal(pmm_is_free(&p, pfn * PG), model[pfn]);
			count += model[pfn];
		}
		assert_int_equal(p.free_pages, count);
		free(model);
	}
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pc_layout),
		T(test_unaligned_boundaries),
		T(test_overlapping_entries),
		T(test_bitmap_avoids_overlapping_reserved_entry),
		T(test_bitmap_placement),
		T(test_init_failures),
		T(test_low_memory_only_when_asked),
		T(test_alignment_and_contiguity),
		T(test_min_max_window),
		T(test_bad_alloc_args),
		T(test_bitmap_exactly_one_page),
		T(test_exhaustion),
		T(test_free_and_reuse),
		T(test_bad_frees),
		T(test_property_drain_page_by_page),
		T(test_property_random_alloc_free),
	};

	return cmocka_run_group_tests_name("pmm", tests, NULL, NULL);
}
