/* SPDX-License-Identifier: MIT */
/*
 * ept/gpa.c: a guest's physical address space. Every 4 KiB page of the
 * RAM regions built here is checked by an EPT walker of the test's own
 * (SDM Vol. 3C, 29.3.2): translation, permissions, memory type, page
 * size, and the table entries on the way down.
 */
#include "arena.h"

#include <stdbool.h>

#include "ept/gpa.h"
#include "lib/errno.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define SZ_4K (4 * KiB)
#define SZ_2M (2 * MiB)
#define SZ_1G GiB
#define GPA_TOP (1ull << 48)

/* A read-only WB leaf, for remapping by hand. */
#define RO_WB (EPT_R | EPT_MT_WB)
#define LARGE (1ull << 7)
#define ADDR 0x000ffffffffff000ull

/* ---- the arena: EPT table pages and a 256 KiB guest RAM buffer ----------- */

#define RAM_HPA ARENA_RAM_HPA
#define RAM_BYTES (256 * KiB)

static int setup(void **state)
{
	arena_setup(RAM_BYTES);
	return 0;
}

static int teardown(void **state)
{
	arena_teardown();
	return 0;
}

static void new_space(struct gpa_space *s, unsigned max_leaf_level)
{
	assert_int_equal(gpa_init(s, &arena_env, max_leaf_level, arena_ram_virt),
			 0);
	assert_int_equal(arena.live, 1);
	assert_int_equal(s->n_ram, 0);
	assert_int_equal(s->n_mmio, 0);
}

/* Destroys s and checks that every table page came back. */
static void destroy_no_leak(struct gpa_space *s)
{
	gpa_destroy(s);
	assert_int_equal(s->ept.root, 0);
	assert_int_equal(s->n_ram, 0);
	assert_int_equal(s->n_mmio, 0);
	assert_int_equal(arena.live, 0);
	assert_int_equal(arena.allocs, arena.frees);
}

/* ---- the EPT walker ------------------------------------------------------ */

struct ept_xlate {
	bool present;
	uint64_t hpa;	/* of gpa itself */
	uint64_t perms; /* bits 2:0 */
	unsigned memtype;
	unsigned level; /* 1: 4K, 2: 2M, 3: 1G */
};

/* Walks as the CPU does for a 4-level EPT (SDM 29.3.2), failing the test
 * on anything the CPU would call a misconfiguration or that our tables
 * should never hold: non-table bits in a table entry, a large leaf where
 * this format allows none, a leaf with other bits than expected. */
static struct ept_xlate ept_walk(const struct gpa_space *s, uint64_t gpa)
{
	uint64_t eptp = gpa_eptp(s), table = eptp & ADDR;
	unsigned max_leaf = s->ept.fmt->max_leaf_level;

	assert_int_equal(eptp & 0xfff, 0x1e);
	for (unsigned level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e = arena_table_at(table)[(gpa >> shift) & 511];
		uint64_t size = 1ull << shift;

		if (!(e & 7)) {
			if (e)
				fail_msg("non-present entry %#llx has bits",
					 (unsigned long long)e);
			return (struct ept_xlate){ .present = false };
		}
		if (e >> 52)
			fail_msg("entry %#llx: bits 63:52 set", (unsigned long long)e);
		if (level == 1 || (e & LARGE)) {
			if (level == 4 || level > max_leaf)
				fail_msg("gpa %#llx: leaf at level %u, max %u",
					 (unsigned long long)gpa, level, max_leaf);
			if ((e & ADDR) & (size - 1))
				fail_msg("gpa %#llx: level %u leaf %#llx has "
					 "reserved address bits",
					 (unsigned long long)gpa, level,
					 (unsigned long long)e);
			if ((e & 0xfff & ~LARGE & ~0x3full) != 0)
				fail_msg("gpa %#llx: leaf %#llx has stray bits",
					 (unsigned long long)gpa,
					 (unsigned long long)e);
			return (struct ept_xlate){ true,
						   (e & ADDR) + (gpa & (size - 1)),
						   e & 7, (e >> 3) & 7, level };
		}
		if ((e & ~ADDR) != 7)
			fail_msg("gpa %#llx: table entry %#llx at level %u",
				 (unsigned long long)gpa, (unsigned long long)e,
				 level);
		table = e & ADDR;
	}
	return (struct ept_xlate){ .present = false };
}

static void assert_page(const struct gpa_space *s, uint64_t gpa, uint64_t hpa,
			uint64_t perms, unsigned level)
{
	struct ept_xlate x = ept_walk(s, gpa);

	if (!x.present)
		fail_msg("gpa %#llx not mapped", (unsigned long long)gpa);
	if (x.hpa != hpa || x.perms != perms || x.memtype != 6 ||
	    x.level != level)
		fail_msg("gpa %#llx -> hpa %#llx perms %llx type %u level %u; "
			 "expected hpa %#llx perms %llx type 6 level %u",
			 (unsigned long long)gpa, (unsigned long long)x.hpa,
			 (unsigned long long)x.perms, x.memtype, x.level,
			 (unsigned long long)hpa, (unsigned long long)perms,
			 level);
}

static void assert_absent(const struct gpa_space *s, uint64_t gpa)
{
	if (ept_walk(s, gpa).present)
		fail_msg("gpa %#llx is mapped", (unsigned long long)gpa);
}

/* The page size a region's page must have: the largest one (up to
 * max_leaf) whose aligned block around the page lies inside the region
 * and keeps the same offset on both sides. */
static unsigned expected_level(const struct gpa_ram *r, uint64_t gpa,
			       unsigned max_leaf)
{
	for (unsigned level = max_leaf; level > 1; level--) {
		uint64_t size = 1ull << (12 + 9 * (level - 1));
		uint64_t block = gpa & ~(size - 1);

		if (block >= r->gpa && block + size <= r->gpa + r->size &&
		    ((r->gpa - r->hpa) & (size - 1)) == 0)
			return level;
	}
	return 1;
}

/* Every page of a RAM region, one by one; returns how many pages of each
 * size (index = level) it saw. */
static void check_region(const struct gpa_space *s, const struct gpa_ram *r,
			 uint64_t count[4])
{
	unsigned max_leaf = s->ept.fmt->max_leaf_level;

	for (uint64_t off = 0; off < r->size; off += SZ_4K) {
		unsigned level = expected_level(r, r->gpa + off, max_leaf);

		assert_page(s, r->gpa + off, r->hpa + off, EPT_RWX, level);
		count[level]++;
	}
	if (r->gpa)
		assert_absent(s, r->gpa - SZ_4K);
	assert_absent(s, r->gpa + r->size);
}

/* ---- EPTP and set-up ----------------------------------------------------- */

static void test_init_and_eptp(void **state)
{
	for (unsigned max = 2; max <= 3; max++) {
		struct gpa_space s;

		new_space(&s, max);
		assert_int_equal(s.ept.fmt->max_leaf_level, max);
		assert_int_equal(gpa_eptp(&s), s.ept.root | 0x1e);
		assert_int_equal(gpa_eptp(&s) & ~0xfffull, s.ept.root);
		assert_true(s.ept.root >= ARENA_POOL_BASE);
		assert_absent(&s, 0);
		assert_absent(&s, GPA_TOP - SZ_4K);
		assert_null(gpa_to_hva(&s, 0, 1));
		assert_null(gpa_find_mmio(&s, 0));
		destroy_no_leak(&s);
		gpa_destroy(&s); /* twice is harmless */
		assert_int_equal(arena.live, 0);
	}
}

static void test_init_out_of_memory(void **state)
{
	struct gpa_space s;

	arena.fail_after = 0;
	assert_int_equal(gpa_init(&s, &arena_env, 3, arena_ram_virt), -ENOMEM);
	assert_int_equal(s.ept.root, 0);
	gpa_destroy(&s);
	assert_int_equal(arena.live, 0);
}

/* ---- RAM regions, every page walked -------------------------------------- */

/* Four regions, so that 1G, 2M and 4K pages all appear:
 *  A: 1G-aligned on both sides, 1G + 2M + 12K: a 1G page (or 512 2M
 *     pages), a 2M page, three 4K pages;
 *  B: starts 4K into a 2M page, same 2M offset on both sides: 4K pages up
 *     to the 2M line, one 2M page, a 4K tail;
 *  C: 1G-aligned guest side, host side off by 12K: 4K pages only;
 *  D: 1G-aligned, exactly 1G, high in the 48-bit space. */
static const struct gpa_ram layout[GPA_MAX_RAM] = {
	{ 0, 0x40000000ull, SZ_1G + SZ_2M + 3 * SZ_4K },
	{ 0x80001000ull, 0x200001000ull, 4 * MiB },
	{ 0x100000000ull, 0x300003000ull, 4 * MiB },
	{ 0x7fc0000000ull, 0x180000000ull, SZ_1G },
};

static void build_layout(struct gpa_space *s)
{
	for (unsigned i = 0; i < GPA_MAX_RAM; i++)
		assert_int_equal(gpa_add_ram(s, layout[i].gpa, layout[i].hpa,
					     layout[i].size),
				 0);
	assert_int_equal(s->n_ram, GPA_MAX_RAM);
	for (unsigned i = 0; i < GPA_MAX_RAM; i++) {
		assert_int_equal(s->ram[i].gpa, layout[i].gpa);
		assert_int_equal(s->ram[i].hpa, layout[i].hpa);
		assert_int_equal(s->ram[i].size, layout[i].size);
	}
}

static void check_layout(unsigned max_leaf, const uint64_t want[4])
{
	struct gpa_space s;
	uint64_t count[4] = { 0 };

	new_space(&s, max_leaf);
	build_layout(&s);
	for (unsigned i = 0; i < GPA_MAX_RAM; i++)
		check_region(&s, &layout[i], count);
	/* 4K pages seen per page size: the expected mix did appear */
	for (unsigned level = 1; level <= 3; level++)
		if (count[level] != want[level])
			fail_msg("max %u: %llu 4K pages in level-%u leaves, "
				 "expected %llu",
				 max_leaf, (unsigned long long)count[level],
				 level, (unsigned long long)want[level]);
	/* holes between the regions */
	assert_absent(&s, SZ_1G + SZ_2M + 3 * SZ_4K);
	assert_absent(&s, 0x80000000ull);
	assert_absent(&s, 0x100400000ull);
	assert_absent(&s, 0x7fc0000000ull - SZ_1G);
	destroy_no_leak(&s);
}

static void test_ram_pages_1g_format(void **state)
{
	/* 4K: A 3, B 511 + 1, C 1024; 2M: A 1, B 1; 1G: A, D */
	const uint64_t want[4] = { 0, 3 + 512 + 1024, 2 * 512,
				   2 * (SZ_1G / SZ_4K) };

	check_layout(3, want);
}

static void test_ram_pages_2m_format(void **state)
{
	const uint64_t want[4] = { 0, 3 + 512 + 1024,
				   2 * 512 + 2 * (SZ_1G / SZ_4K), 0 };

	check_layout(2, want);
}

/* A region that needs no more than the tables its pages need. */
static void test_ram_table_count(void **state)
{
	struct gpa_space s;

	/* one 1G page: root + PDPT */
	new_space(&s, 3);
	assert_int_equal(gpa_add_ram(&s, SZ_1G, 2 * SZ_1G, SZ_1G), 0);
	assert_int_equal(arena.live, 2);
	destroy_no_leak(&s);

	/* the same in 2M pages: root + PDPT + PD */
	new_space(&s, 2);
	assert_int_equal(gpa_add_ram(&s, SZ_1G, 2 * SZ_1G, SZ_1G), 0);
	assert_int_equal(arena.live, 3);
	destroy_no_leak(&s);

	/* 4K pages across a 2M line: two page tables */
	new_space(&s, 3);
	assert_int_equal(gpa_add_ram(&s, SZ_2M - SZ_4K, 0x5000, 2 * SZ_4K), 0);
	assert_int_equal(arena.live, 5);
	assert_page(&s, SZ_2M - SZ_4K, 0x5000, EPT_RWX, 1);
	assert_page(&s, SZ_2M, 0x6000, EPT_RWX, 1);
	destroy_no_leak(&s);
}

/* ---- MMIO regions -------------------------------------------------------- */

static int dev_a, dev_b;

static int mmio_a(void *ctx, struct vcpu *v, uint64_t gpa, unsigned size,
		  uint64_t *val, bool write)
{
	return 1;
}

static int mmio_b(void *ctx, struct vcpu *v, uint64_t gpa, unsigned size,
		  uint64_t *val, bool write)
{
	return 2;
}

static void assert_mmio_at(const struct gpa_space *s, uint64_t gpa,
			   const char *name)
{
	const struct gpa_mmio *m = gpa_find_mmio(s, gpa);

	if (!m)
		fail_msg("no MMIO at %#llx (want %s)", (unsigned long long)gpa,
			 name);
	assert_string_equal(m->name, name);
}

/* The APIC-access page: one page of an MMIO range mapped to a host page,
 * read/write, no execute, WB; still MMIO, never RAM. */
static void test_back_mmio(void **state)
{
	struct gpa_space s;
	struct pt_leaf leaf;

	(void)state;
	new_space(&s, 3);
	assert_int_equal(gpa_add_ram(&s, 0, RAM_HPA, RAM_BYTES), 0);
	assert_int_equal(gpa_add_mmio(&s, 0xfee00000ull, SZ_4K, mmio_b, &dev_b,
				      "lapic"), 0);
	/* only inside a device's range, page-aligned */
	assert_int_equal(gpa_back_mmio(&s, 0xfed00000ull, RAM_HPA), -EINVAL);
	assert_int_equal(gpa_back_mmio(&s, 0xfee00000ull, RAM_HPA + 8),
			 -EINVAL);
	assert_int_equal(gpa_back_mmio(&s, 0xfee00800ull, RAM_HPA), -EINVAL);
	assert_absent(&s, 0xfee00000ull);
	assert_int_equal(gpa_back_mmio(&s, 0xfee00000ull, RAM_HPA + SZ_4K), 0);
	assert_int_equal(pt_lookup(&s.ept, 0xfee00000ull, &leaf), 0);
	assert_int_equal(leaf.pa, RAM_HPA + SZ_4K);
	assert_int_equal(leaf.size, SZ_4K);
	assert_int_equal(leaf.flags & (EPT_RWX | (7ull << 3)),
			 EPT_R | EPT_W | EPT_MT_WB);
	assert_mmio_at(&s, 0xfee00000ull, "lapic");
	assert_null(gpa_to_hva(&s, 0xfee00000ull, 4));
	destroy_no_leak(&s);
}

static void test_mmio_not_in_ept(void **state)
{
	struct gpa_space s;
	const struct gpa_mmio *m;
	long live;

	new_space(&s, 3);
	assert_int_equal(gpa_add_ram(&s, 0, 0, SZ_1G), 0);
	live = arena.live;
	assert_int_equal(gpa_add_mmio(&s, 0xfec00000ull, SZ_4K, mmio_a, &dev_a,
				      "ioapic"),
			 0);
	assert_int_equal(gpa_add_mmio(&s, 0xfee00000ull, 0x100, mmio_b, &dev_b,
				      "lapic"),
			 0);
	assert_int_equal(s.n_mmio, 2);
	/* claiming MMIO builds no tables and maps nothing */
	assert_int_equal(arena.live, live);
	assert_absent(&s, 0xfec00000ull);
	assert_absent(&s, 0xfee00000ull);
	assert_null(gpa_to_hva(&s, 0xfec00000ull, 1));

	m = gpa_find_mmio(&s, 0xfec00000ull);
	assert_non_null(m);
	assert_ptr_equal(m->fn, mmio_a);
	assert_ptr_equal(m->ctx, &dev_a);
	assert_int_equal(m->gpa, 0xfec00000ull);
	assert_int_equal(m->size, SZ_4K);
	assert_int_equal(m->fn(m->ctx, NULL, 0, 4, NULL, false), 1);
	assert_mmio_at(&s, 0xfec00fffull, "ioapic");
	assert_null(gpa_find_mmio(&s, 0xfec01000ull));
	assert_null(gpa_find_mmio(&s, 0xfebfffffull));
	m = gpa_find_mmio(&s, 0xfee000ffull);
	assert_non_null(m);
	assert_ptr_equal(m->fn, mmio_b);
	assert_ptr_equal(m->ctx, &dev_b);
	assert_null(gpa_find_mmio(&s, 0xfee00100ull));
	/* RAM is not MMIO */
	assert_null(gpa_find_mmio(&s, 0));
	assert_null(gpa_find_mmio(&s, ~0ull));
	destroy_no_leak(&s);
}

static void test_overlaps(void **state)
{
	struct gpa_space s;

	new_space(&s, 2);
	assert_int_equal(gpa_add_ram(&s, SZ_2M, SZ_2M, SZ_2M), 0);
	assert_int_equal(gpa_add_mmio(&s, 0x10000, 0x1000, mmio_a, 0, "a"), 0);

	/* MMIO over RAM: inside, across either end, around all of it */
	assert_int_equal(gpa_add_mmio(&s, SZ_2M + 0x5000, 1, mmio_b, 0, "b"),
			 -EEXIST);
	assert_int_equal(gpa_add_mmio(&s, SZ_2M - 1, 2, mmio_b, 0, "b"), -EEXIST);
	assert_int_equal(gpa_add_mmio(&s, 2 * SZ_2M - 1, 2, mmio_b, 0, "b"),
			 -EEXIST);
	assert_int_equal(gpa_add_mmio(&s, 0, SZ_1G, mmio_b, 0, "b"), -EEXIST);
	/* MMIO over MMIO */
	assert_int_equal(gpa_add_mmio(&s, 0x10fff, 1, mmio_b, 0, "b"), -EEXIST);
	assert_int_equal(gpa_add_mmio(&s, 0xf000, 0x1001, mmio_b, 0, "b"),
			 -EEXIST);
	assert_int_equal(gpa_add_mmio(&s, 0x10800, 0x10, mmio_b, 0, "b"),
			 -EEXIST);
	/* RAM over RAM and over MMIO */
	assert_int_equal(gpa_add_ram(&s, 0, 0x40000000ull, 0x11000), -EEXIST);
	assert_int_equal(gpa_add_ram(&s, 0x10000, 0x40000000ull, 0x1000),
			 -EEXIST);
	assert_int_equal(gpa_add_ram(&s, 2 * SZ_2M - SZ_4K, 0, SZ_4K), -EEXIST);
	assert_int_equal(gpa_add_ram(&s, 0, 0, SZ_1G), -EEXIST);
	assert_int_equal(s.n_ram, 1);
	assert_int_equal(s.n_mmio, 1);
	/* a refused RAM region left the EPT alone */
	assert_absent(&s, 0);
	assert_absent(&s, SZ_2M - SZ_4K);

	/* touching is not overlapping */
	assert_int_equal(gpa_add_mmio(&s, 0xf000, 0x1000, mmio_b, 0, "below"),
			 0);
	assert_int_equal(gpa_add_mmio(&s, 0x11000, 0x1000, mmio_b, 0, "above"),
			 0);
	assert_int_equal(gpa_add_mmio(&s, 2 * SZ_2M, 1, mmio_b, 0, "after ram"),
			 0);
	assert_int_equal(gpa_add_ram(&s, SZ_2M - SZ_4K, 0x7000, SZ_4K), 0);
	assert_mmio_at(&s, 0xffff, "below");
	assert_mmio_at(&s, 0x10000, "a");
	assert_mmio_at(&s, 0x11000, "above");
	assert_mmio_at(&s, 2 * SZ_2M, "after ram");
	assert_page(&s, SZ_2M - SZ_4K, 0x7000, EPT_RWX, 1);
	assert_page(&s, SZ_2M, SZ_2M, EPT_RWX, 2);
	destroy_no_leak(&s);
}

static void test_limits(void **state)
{
	struct gpa_space s;
	char names[GPA_MAX_MMIO][8];

	new_space(&s, 2);
	for (unsigned i = 0; i < GPA_MAX_MMIO; i++) {
		snprintf(names[i], sizeof(names[i]), "dev%u", i);
		assert_int_equal(gpa_add_mmio(&s, 0xf0000000ull + i * SZ_4K,
					      SZ_4K, mmio_a, 0, names[i]),
				 0);
	}
	assert_int_equal(gpa_add_mmio(&s, 0xe0000000ull, SZ_4K, mmio_a, 0, "x"),
			 -ENOSPC);
	/* overlap is reported before the lack of room */
	assert_int_equal(gpa_add_mmio(&s, 0xf0000000ull, SZ_4K, mmio_a, 0, "x"),
			 -EEXIST);
	assert_int_equal(s.n_mmio, GPA_MAX_MMIO);
	for (unsigned i = 0; i < GPA_MAX_MMIO; i++)
		assert_mmio_at(&s, 0xf0000000ull + i * SZ_4K + 0x123, names[i]);

	for (unsigned i = 0; i < GPA_MAX_RAM; i++)
		assert_int_equal(gpa_add_ram(&s, i * SZ_1G, i * SZ_1G, SZ_2M), 0);
	assert_int_equal(gpa_add_ram(&s, 8 * SZ_1G, 0, SZ_2M), -ENOSPC);
	assert_int_equal(s.n_ram, GPA_MAX_RAM);
	assert_absent(&s, 8 * SZ_1G);
	destroy_no_leak(&s);
}

static void test_bad_arguments(void **state)
{
	struct gpa_space s;

	new_space(&s, 3);
	/* RAM: unaligned, empty, wrapping, beyond 48 bits */
	assert_int_equal(gpa_add_ram(&s, 0x1800, 0, SZ_4K), -EINVAL);
	assert_int_equal(gpa_add_ram(&s, 0, 0x800, SZ_4K), -EINVAL);
	assert_int_equal(gpa_add_ram(&s, 0, 0, 0x1800), -EINVAL);
	assert_int_equal(gpa_add_ram(&s, 0, 0, 0), -EINVAL);
	assert_int_equal(gpa_add_ram(&s, ~0xfffull, 0, SZ_4K), -EINVAL);
	assert_int_equal(gpa_add_ram(&s, SZ_4K, 0, ~0xfffull), -EINVAL);
	assert_int_equal(gpa_add_ram(&s, GPA_TOP, 0, SZ_4K), -EINVAL);
	assert_int_equal(gpa_add_ram(&s, GPA_TOP - SZ_4K, 0, 2 * SZ_4K),
			 -EINVAL);
	/* MMIO: empty, wrapping, beyond 48 bits, no handler */
	assert_int_equal(gpa_add_mmio(&s, 0x1000, 0, mmio_a, 0, "x"), -EINVAL);
	assert_int_equal(gpa_add_mmio(&s, ~0ull, 2, mmio_a, 0, "x"), -EINVAL);
	assert_int_equal(gpa_add_mmio(&s, GPA_TOP - 1, 2, mmio_a, 0, "x"),
			 -EINVAL);
	assert_int_equal(gpa_add_mmio(&s, 0x1000, 0x1000, NULL, 0, "x"), -EINVAL);
	assert_int_equal(s.n_ram, 0);
	assert_int_equal(s.n_mmio, 0);
	assert_int_equal(arena.live, 1);

	/* the very top of the space is fine, and unaligned MMIO too */
	assert_int_equal(gpa_add_ram(&s, GPA_TOP - SZ_1G, SZ_1G, SZ_1G), 0);
	assert_page(&s, GPA_TOP - SZ_4K, 2 * SZ_1G - SZ_4K, EPT_RWX, 3);
	assert_int_equal(gpa_add_mmio(&s, 0x1003, 5, mmio_a, 0, "odd"), 0);
	assert_mmio_at(&s, 0x1007, "odd");
	assert_null(gpa_find_mmio(&s, 0x1008));
	assert_null(gpa_find_mmio(&s, 0x1002));
	destroy_no_leak(&s);
}

static void test_add_ram_out_of_memory(void **state)
{
	struct gpa_space s;

	new_space(&s, 3);
	arena.fail_after = 1;
	assert_int_equal(gpa_add_ram(&s, 0, 0, SZ_4K), -ENOMEM);
	arena.fail_after = -1;
	assert_int_equal(s.n_ram, 0);
	assert_null(gpa_to_hva(&s, 0, 1));
	/* the range is still free to claim */
	assert_int_equal(gpa_add_ram(&s, 0, 0x9000, SZ_4K), 0);
	assert_page(&s, 0, 0x9000, EPT_RWX, 1);
	destroy_no_leak(&s);
}

/* ---- host access to guest RAM -------------------------------------------- */

/* Two adjacent RAM regions backed by the one test buffer, apart in it:
 * gpa 0x10000-0x17fff at ram+0, gpa 0x18000-0x1ffff at ram+0x20000. */
static void two_regions(struct gpa_space *s)
{
	new_space(s, 2);
	assert_int_equal(gpa_add_ram(s, 0x10000, RAM_HPA, 0x8000), 0);
	assert_int_equal(gpa_add_ram(s, 0x18000, RAM_HPA + 0x20000, 0x8000), 0);
	assert_int_equal(gpa_add_mmio(s, 0x20000, 0x1000, mmio_a, 0, "dev"), 0);
}

static void test_to_hva_bounds(void **state)
{
	struct gpa_space s;

	two_regions(&s);
	assert_ptr_equal(gpa_to_hva(&s, 0x10000, 1), arena.ram);
	assert_ptr_equal(gpa_to_hva(&s, 0x10000, 0x8000), arena.ram);
	assert_ptr_equal(gpa_to_hva(&s, 0x17fff, 1), arena.ram + 0x7fff);
	assert_ptr_equal(gpa_to_hva(&s, 0x12345, 0x100), arena.ram + 0x2345);
	assert_ptr_equal(gpa_to_hva(&s, 0x18000, 8), arena.ram + 0x20000);
	assert_ptr_equal(gpa_to_hva(&s, 0x1fff8, 8), arena.ram + 0x27ff8);
	/* crossing the end of a region, even into the next one */
	assert_null(gpa_to_hva(&s, 0x10000, 0x8001));
	assert_null(gpa_to_hva(&s, 0x17fff, 2));
	assert_null(gpa_to_hva(&s, 0x1fff9, 8));
	/* before, after, MMIO, and lengths that wrap */
	assert_null(gpa_to_hva(&s, 0xffff, 1));
	assert_null(gpa_to_hva(&s, 0xffff, 2));
	assert_null(gpa_to_hva(&s, 0x20000, 1));
	assert_null(gpa_to_hva(&s, 0x10000, ~0ull));
	assert_null(gpa_to_hva(&s, 0x10001, ~0ull));
	assert_null(gpa_to_hva(&s, ~0ull, 1));
	assert_null(gpa_to_hva(&s, ~0ull, 0x10002));
	/* zero length: a pointer inside a region, nothing outside */
	assert_ptr_equal(gpa_to_hva(&s, 0x10000, 0), arena.ram);
	assert_ptr_equal(gpa_to_hva(&s, 0x17fff, 0), arena.ram + 0x7fff);
	assert_null(gpa_to_hva(&s, 0x20000, 0));
	assert_null(gpa_to_hva(&s, 0xf000, 0));
	destroy_no_leak(&s);
}

static void test_read_write(void **state)
{
	struct gpa_space s;
	uint8_t buf[16], big[0x8001];

	two_regions(&s);
	assert_int_equal(gpa_write(&s, 0x17ff8, "0123456789abcdef", 8), 0);
	assert_memory_equal(arena.ram + 0x7ff8, "01234567", 8);
	assert_int_equal(gpa_write(&s, 0x18000, "89abcdef", 8), 0);
	assert_memory_equal(arena.ram + 0x20000, "89abcdef", 8);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(gpa_read(&s, 0x17ffc, buf, 4), 0);
	assert_memory_equal(buf, "4567", 4);

	/* a copy that would cross into the next region fails whole */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(gpa_read(&s, 0x17ffc, buf, 8), -EFAULT);
	assert_memory_equal(buf, "xxxxxxxx", 8);
	assert_int_equal(gpa_write(&s, 0x17ffc, "ZZZZZZZZ", 8), -EFAULT);
	assert_memory_equal(arena.ram + 0x7ffc, "4567", 4);
	assert_memory_equal(arena.ram + 0x20000, "89ab", 4);
	assert_int_equal(gpa_read(&s, 0x20000, buf, 1), -EFAULT);
	assert_int_equal(gpa_write(&s, 0x20000, buf, 1), -EFAULT);
	assert_int_equal(gpa_read(&s, 0x10000, big, sizeof(big)), -EFAULT);
	assert_int_equal(gpa_read(&s, 0x10000, big, sizeof(big) - 1), 0);
	destroy_no_leak(&s);
}

/* ---- splitting EPT leaves through the engine ----------------------------- */

static void test_split_2m_leaf(void **state)
{
	struct gpa_space s;
	const uint64_t g = 4 * SZ_2M, h = 0x40000000ull;
	long live;

	new_space(&s, 2);
	assert_int_equal(gpa_add_ram(&s, g, h, 3 * SZ_2M), 0);
	live = arena.live;
	/* a hole of two pages in the middle 2M page */
	assert_int_equal(pt_unmap(&s.ept, g + SZ_2M + 0x7000, 2 * SZ_4K), 0);
	assert_int_equal(arena.live, live + 1);
	for (uint64_t off = 0; off < 3 * SZ_2M; off += SZ_4K) {
		uint64_t in_mid = off - SZ_2M;

		if (in_mid == 0x7000 || in_mid == 0x8000)
			assert_absent(&s, g + off);
		else
			assert_page(&s, g + off, h + off, EPT_RWX,
				    in_mid < SZ_2M ? 1 : 2);
	}
	/* refill one page of it read-only */
	assert_int_equal(pt_map(&s.ept, g + SZ_2M + 0x8000, 0x9999000ull, SZ_4K,
				RO_WB),
			 0);
	assert_int_equal(arena.live, live + 1);
	assert_page(&s, g + SZ_2M + 0x8000, 0x9999000ull, EPT_R, 1);
	assert_absent(&s, g + SZ_2M + 0x7000);
	assert_page(&s, g + SZ_2M + 0x9000, h + SZ_2M + 0x9000, EPT_RWX, 1);
	/* a 2M remap over the split page frees its table */
	assert_int_equal(pt_map(&s.ept, g + SZ_2M, h + SZ_2M, SZ_2M,
				EPT_RWX | EPT_MT_WB),
			 0);
	assert_int_equal(arena.live, live);
	check_region(&s, &s.ram[0], (uint64_t[4]){ 0 });
	destroy_no_leak(&s);
}

static void test_split_1g_leaf(void **state)
{
	struct gpa_space s;
	const uint64_t g = SZ_1G, h = 3 * SZ_1G;
	uint64_t hole = g + 5 * SZ_2M + 0x3000;

	new_space(&s, 3);
	assert_int_equal(gpa_add_ram(&s, g, h, SZ_1G), 0);
	assert_page(&s, g, h, EPT_RWX, 3);
	assert_int_equal(arena.live, 2);
	assert_int_equal(pt_unmap(&s.ept, hole, SZ_4K), 0);
	assert_int_equal(arena.live, 4); /* a PD and one PT */
	for (uint64_t off = 0; off < SZ_1G; off += SZ_4K) {
		uint64_t gpa = g + off;

		if (gpa == hole)
			assert_absent(&s, gpa);
		else if ((gpa & ~(SZ_2M - 1)) == (hole & ~(SZ_2M - 1)))
			assert_page(&s, gpa, h + off, EPT_RWX, 1);
		else
			assert_page(&s, gpa, h + off, EPT_RWX, 2);
	}
	assert_absent(&s, g - SZ_4K);
	assert_absent(&s, g + SZ_1G);

	/* split on map: a read-only 2M page inside another 1G page */
	assert_int_equal(gpa_add_ram(&s, 2 * SZ_1G, 0, SZ_1G), 0);
	assert_int_equal(pt_map(&s.ept, 2 * SZ_1G + 7 * SZ_2M, 0x80000000ull,
				SZ_2M, RO_WB),
			 0);
	assert_page(&s, 2 * SZ_1G + 7 * SZ_2M + 0x1000, 0x80001000ull, EPT_R, 2);
	assert_page(&s, 2 * SZ_1G + 6 * SZ_2M, 6 * SZ_2M, EPT_RWX, 2);
	assert_page(&s, 2 * SZ_1G + 8 * SZ_2M, 8 * SZ_2M, EPT_RWX, 2);
	assert_page(&s, 3 * SZ_1G - SZ_4K, SZ_1G - SZ_4K, EPT_RWX, 2);
	/* unmapping a whole 1G region takes its tables */
	assert_int_equal(pt_unmap(&s.ept, g, 2 * SZ_1G), 0);
	assert_int_equal(arena.live, 2);
	assert_absent(&s, g);
	assert_absent(&s, hole + SZ_4K);
	destroy_no_leak(&s);
}

/* Tables built for the whole layout and then split all come back. */
static void test_destroy_releases_everything(void **state)
{
	struct gpa_space s;

	new_space(&s, 3);
	build_layout(&s);
	assert_int_equal(gpa_add_mmio(&s, 0xfee00000ull, SZ_4K, mmio_a, 0, "x"),
			 0);
	for (unsigned i = 0; i < GPA_MAX_RAM; i++)
		assert_int_equal(pt_unmap(&s.ept, layout[i].gpa + 0x201000ull,
					  SZ_4K),
				 0);
	assert_true(arena.live > 10);
	destroy_no_leak(&s);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_and_eptp),
		T(test_init_out_of_memory),
		T(test_ram_pages_1g_format),
		T(test_ram_pages_2m_format),
		T(test_ram_table_count),
		T(test_mmio_not_in_ept),
		T(test_back_mmio),
		T(test_overlaps),
		T(test_limits),
		T(test_bad_arguments),
		T(test_add_ram_out_of_memory),
		T(test_to_hva_bounds),
		T(test_read_write),
		T(test_split_2m_leaf),
		T(test_split_1g_leaf),
		T(test_destroy_releases_everything),
	};

	return cmocka_run_group_tests_name("gpa", tests, NULL, NULL);
}
