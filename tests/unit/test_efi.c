/* SPDX-License-Identifier: MIT */
/* boot/efi.c: memory maps and system tables built here, in host memory. */
#include "unit.h"

#include "boot/efi.h"
#include "lib/errno.h"

#define PG 4096ull

/* ---- a builder for EFI memory maps ------------------------------------ */

struct desc {
	uint32_t type;
	uint64_t base, pages, attr;
};

/* The attributes a firmware gives ordinary memory (UC | WC | WT | WB). */
#define ATTR_WB 0xfull
#define ATTR_RT (EFI_MA_RUNTIME | ATTR_WB)

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A heap map of exactly n descriptors stride bytes apart plus extra bytes,
 * so that ASan sees any read past its end. The padding, the virtual
 * address and whatever the stride adds past the descriptor are junk. */
static uint8_t *build(const struct desc *d, unsigned n, size_t stride,
		      size_t extra, size_t *size)
{
	size_t total = n * stride + extra;
	uint8_t *m = malloc(total ? total : 1);

	assert_non_null(m);
	memset(m, 0xa5, total);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *q = m + i * stride;

		put32(q, d[i].type);
		put32(q + 4, 0xdeadbeef);
		put64(q + 8, d[i].base);
		put64(q + 16, 0x5a5a5a5a5a5a5000ull);
		put64(q + 24, d[i].pages);
		put64(q + 32, d[i].attr);
	}
	*size = total;
	return m;
}

static char err[256];

static int conv_extra(const struct desc *d, unsigned n, size_t stride,
		      size_t extra, struct boot_info *bi)
{
	size_t size;
	uint8_t *m = build(d, n, stride, extra, &size);
	int r;

	memset(bi, 0x5a, sizeof(*bi));
	memset(err, 'Z', sizeof(err));
	err[sizeof(err) - 1] = 0;
	r = efi_mmap_to_bi(m, size, stride, bi, err, sizeof(err));
	free(m);
	return r;
}

static int conv(const struct desc *d, unsigned n, size_t stride,
		struct boot_info *bi)
{
	return conv_extra(d, n, stride, 0, bi);
}

static void assert_converts(const struct desc *d, unsigned n, size_t stride,
			    struct boot_info *bi)
{
	int r = conv(d, n, stride, bi);

	if (r)
		fail_msg("efi_mmap_to_bi failed (%d): %s", r, err);
}

static void assert_err_has(const char *what)
{
	if (!strstr(err, what))
		fail_msg("error \"%s\" lacks \"%s\"", err, what);
}

/* Refused with -EINVAL and an error that names every one of what[]. */
static void assert_refused(const struct desc *d, unsigned n, size_t stride,
			   const char *what1, const char *what2)
{
	struct boot_info bi;

	assert_int_equal(conv(d, n, stride, &bi), -EINVAL);
	assert_memory_equal(err, "efi: ", 5);
	assert_err_has(what1);
	if (what2)
		assert_err_has(what2);
}

static void assert_mem(const struct boot_info *bi, unsigned i, uint64_t base,
		       uint64_t len, uint32_t type)
{
	assert_true(i < bi->n_mem);
	if (bi->mem[i].base != base || bi->mem[i].len != len ||
	    bi->mem[i].type != type)
		fail_msg("mem[%u] is {%#llx, %#llx, %u}, expected "
			 "{%#llx, %#llx, %u}", i,
			 (unsigned long long)bi->mem[i].base,
			 (unsigned long long)bi->mem[i].len, bi->mem[i].type,
			 (unsigned long long)base, (unsigned long long)len,
			 type);
}

/* ---- types ------------------------------------------------------------ */

static void test_type_mapping(void **state)
{
	static const struct {
		uint32_t efi;
		uint32_t bi; /* 0: left out */
	} cases[] = {
		{ EFI_MT_RESERVED, BI_MEM_RESERVED },
		{ EFI_MT_LOADER_CODE, BI_MEM_USABLE },
		{ EFI_MT_LOADER_DATA, BI_MEM_USABLE },
		{ EFI_MT_BS_CODE, BI_MEM_USABLE },
		{ EFI_MT_BS_DATA, BI_MEM_USABLE },
		{ EFI_MT_RT_CODE, BI_MEM_RESERVED },
		{ EFI_MT_RT_DATA, BI_MEM_RESERVED },
		{ EFI_MT_CONVENTIONAL, BI_MEM_USABLE },
		{ EFI_MT_UNUSABLE, BI_MEM_BAD },
		{ EFI_MT_ACPI_RECLAIM, BI_MEM_ACPI },
		{ EFI_MT_ACPI_NVS, BI_MEM_NVS },
		{ EFI_MT_MMIO, 0 },
		{ EFI_MT_MMIO_PORT, 0 },
		{ EFI_MT_PAL_CODE, BI_MEM_RESERVED },
		{ EFI_MT_PERSISTENT, BI_MEM_RESERVED },
		{ 15, BI_MEM_RESERVED },	  /* unaccepted memory (2.9) */
		{ 16, BI_MEM_RESERVED },
		{ 0x6fffffff, BI_MEM_RESERVED },
		{ 0x70000000, BI_MEM_RESERVED }, /* OEM */
		{ 0x80000000, BI_MEM_RESERVED }, /* OS loader */
		{ 0xffffffff, BI_MEM_RESERVED },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		/* alone, with ordinary and then runtime attributes */
		struct desc d = { cases[i].efi, 0x7000000, 3, ATTR_WB };
		struct boot_info bi;

		if (cases[i].bi) {
			assert_converts(&d, 1, 40, &bi);
			assert_int_equal(bi.n_mem, 1);
			assert_mem(&bi, 0, 0x7000000, 3 * PG, cases[i].bi);
		} else {
			assert_int_equal(conv(&d, 1, 40, &bi), -EINVAL);
			assert_string_equal(err,
					    "efi: the memory map holds no memory");
			assert_int_equal(bi.n_mem, 0);
			/* device space even when runtime services use it */
			d.attr = ATTR_RT;
			assert_int_equal(conv(&d, 1, 40, &bi), -EINVAL);
			continue;
		}

		/* whatever the type, runtime memory stays the firmware's */
		d.attr = ATTR_RT;
		assert_converts(&d, 1, 40, &bi);
		assert_int_equal(bi.n_mem, 1);
		assert_mem(&bi, 0, 0x7000000, 3 * PG, BI_MEM_RESERVED);

		/* the runtime bit alone, too */
		d.attr = EFI_MA_RUNTIME;
		assert_converts(&d, 1, 40, &bi);
		assert_mem(&bi, 0, 0x7000000, 3 * PG, BI_MEM_RESERVED);
	}
}

/* Attribute bits other than EFI_MEMORY_RUNTIME do not change the type. */
static void test_other_attributes_ignored(void **state)
{
	static const uint64_t attrs[] = {
		0, 1, 0xf, 0x1000 /* WP */, 0x2000 /* RP */, 0x4000 /* XP */,
		0x8000 /* NV */, 0x10000 /* MORE_RELIABLE */,
		0x100000 /* SP */, 1ull << 62, 0x7fffffffffffffffull,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(attrs); i++) {
		struct desc d = { EFI_MT_CONVENTIONAL, 0x100000, 1, attrs[i] };
		struct boot_info bi;

		assert_converts(&d, 1, 40, &bi);
		assert_int_equal(bi.n_mem, 1);
		assert_mem(&bi, 0, 0x100000, PG, BI_MEM_USABLE);
	}
}

/* One map with every kind, apart from each other: MMIO is left out, the
 * rest keeps its place. */
static void test_mixed_map(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_MMIO, 0xe0000000, 0x10000, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x100000, 0x100, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x300000, 2, ATTR_WB },
		{ EFI_MT_MMIO_PORT, 0xfec00000, 1, ATTR_WB },
		{ EFI_MT_ACPI_RECLAIM, 0x400000, 4, ATTR_WB },
		{ EFI_MT_UNUSABLE, 0x500000, 1, ATTR_WB },
		{ EFI_MT_RT_DATA, 0x600000, 8, ATTR_RT },
		{ EFI_MT_RESERVED, 0x0, 1, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 48, &bi);
	assert_int_equal(bi.n_mem, 6);
	assert_mem(&bi, 0, 0x0, PG, BI_MEM_RESERVED);
	assert_mem(&bi, 1, 0x100000, 0x100 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 2, 0x300000, 2 * PG, BI_MEM_NVS);
	assert_mem(&bi, 3, 0x400000, 4 * PG, BI_MEM_ACPI);
	assert_mem(&bi, 4, 0x500000, PG, BI_MEM_BAD);
	assert_mem(&bi, 5, 0x600000, 8 * PG, BI_MEM_RESERVED);
	assert_int_equal(bi_ram_bytes(&bi), (1 + 0x100 + 2 + 4 + 1 + 8) * PG);
}

/* MMIO may overlap anything: it is not memory and is never compared. */
static void test_mmio_overlapping_memory_ignored(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 16, ATTR_WB },
		{ EFI_MT_MMIO, 0x100000, 16, ATTR_WB },
		{ EFI_MT_MMIO_PORT, 0x104000, 1, ATTR_WB },
		{ EFI_MT_MMIO, 0x0, 0x100000, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 40, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_mem(&bi, 0, 0x100000, 16 * PG, BI_MEM_USABLE);
}

/* ---- sorting and merging ------------------------------------------------ */

static void test_unsorted_comes_out_sorted(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_RESERVED, 0x900000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x100000000ull, 0x40000, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x200000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x0, 0xa0, ATTR_WB },
		{ EFI_MT_ACPI_RECLAIM, 0x500000, 2, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 40, &bi);
	assert_int_equal(bi.n_mem, 5);
	assert_mem(&bi, 0, 0x0, 0xa0 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 1, 0x200000, PG, BI_MEM_NVS);
	assert_mem(&bi, 2, 0x500000, 2 * PG, BI_MEM_ACPI);
	assert_mem(&bi, 3, 0x900000, PG, BI_MEM_RESERVED);
	assert_mem(&bi, 4, 0x100000000ull, 0x40000 * PG, BI_MEM_USABLE);
}

/* Every order of the same five ranges gives the same result. */
static void test_every_order_same_result(void **state)
{
	static const struct desc base[] = {
		{ EFI_MT_CONVENTIONAL, 0x1000, 1, ATTR_WB },
		{ EFI_MT_BS_DATA, 0x2000, 2, ATTR_WB },
		{ EFI_MT_RESERVED, 0x4000, 1, ATTR_WB },
		{ EFI_MT_LOADER_CODE, 0x6000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x7000, 1, ATTR_WB },
	};
	unsigned idx[5] = { 0, 1, 2, 3, 4 };
	unsigned c[5] = { 0 };
	int orders = 0;

	/* Heap's algorithm over idx */
	for (unsigned i = 0;;) {
		struct desc map[5];
		struct boot_info bi;

		for (unsigned k = 0; k < 5; k++)
			map[k] = base[idx[k]];
		assert_converts(map, 5, 40, &bi);
		assert_int_equal(bi.n_mem, 3);
		assert_mem(&bi, 0, 0x1000, 3 * PG, BI_MEM_USABLE);
		assert_mem(&bi, 1, 0x4000, PG, BI_MEM_RESERVED);
		assert_mem(&bi, 2, 0x6000, 2 * PG, BI_MEM_USABLE);
		orders++;

		while (i < 5 && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i == 5)
			break;
		unsigned j = i % 2 ? c[i] : 0, t = idx[j];
		idx[j] = idx[i];
		idx[i] = t;
		c[i]++;
		i = 1;
	}
	assert_int_equal(orders, 120);
}

/* Neighbours whose EFI types differ but that are usable alike merge. */
static void test_merge_adjacent_same_type(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 0x10, ATTR_WB },
		{ EFI_MT_LOADER_CODE, 0x110000, 0x4, ATTR_WB },
		{ EFI_MT_LOADER_DATA, 0x114000, 0x4, ATTR_WB },
		{ EFI_MT_BS_CODE, 0x118000, 0x8, ATTR_WB },
		{ EFI_MT_BS_DATA, 0x120000, 0x20, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x140000, 0x40, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 48, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_mem(&bi, 0, 0x100000, 0x80 * PG, BI_MEM_USABLE);

	/* reserved kinds merge with each other too */
	static const struct desc rsv[] = {
		{ EFI_MT_RT_CODE, 0x8000, 1, ATTR_RT },
		{ EFI_MT_RT_DATA, 0x9000, 1, ATTR_RT },
		{ EFI_MT_RESERVED, 0xa000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0xb000, 1, ATTR_RT }, /* runtime */
	};
	assert_converts(rsv, ARRAY_SIZE(rsv), 40, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_mem(&bi, 0, 0x8000, 4 * PG, BI_MEM_RESERVED);
}

static void test_different_types_do_not_merge(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x0, 1, ATTR_WB },
		{ EFI_MT_ACPI_RECLAIM, 0x1000, 1, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x2000, 1, ATTR_WB },
		{ EFI_MT_UNUSABLE, 0x3000, 1, ATTR_WB },
		{ EFI_MT_RESERVED, 0x4000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x5000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x6000, 1, ATTR_RT }, /* runtime */
		{ EFI_MT_CONVENTIONAL, 0x7000, 1, ATTR_WB },
	};
	static const uint32_t types[] = { BI_MEM_USABLE, BI_MEM_ACPI,
					  BI_MEM_NVS, BI_MEM_BAD,
					  BI_MEM_RESERVED, BI_MEM_USABLE,
					  BI_MEM_RESERVED, BI_MEM_USABLE };
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 40, &bi);
	assert_int_equal(bi.n_mem, 8);
	for (unsigned i = 0; i < 8; i++)
		assert_mem(&bi, i, i * PG, PG, types[i]);
}

/* Same type with a gap of one page between: two ranges. */
static void test_gap_does_not_merge(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x10000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x12000, 1, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, 2, 40, &bi);
	assert_int_equal(bi.n_mem, 2);
	assert_mem(&bi, 0, 0x10000, PG, BI_MEM_USABLE);
	assert_mem(&bi, 1, 0x12000, PG, BI_MEM_USABLE);
}

/* A range that fills the hole between two of its type joins all three,
 * and what follows moves down one place. */
static void test_merge_bridges_two_ranges(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_RESERVED, 0x0, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x1000, 2, ATTR_WB },	/* A */
		{ EFI_MT_CONVENTIONAL, 0x5000, 3, ATTR_WB },	/* C */
		{ EFI_MT_ACPI_NVS, 0x8000, 1, ATTR_WB },
		{ EFI_MT_UNUSABLE, 0x20000, 1, ATTR_WB },
		{ EFI_MT_BS_DATA, 0x3000, 2, ATTR_WB },		/* B */
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 40, &bi);
	assert_int_equal(bi.n_mem, 4);
	assert_mem(&bi, 0, 0x0, PG, BI_MEM_RESERVED);
	assert_mem(&bi, 1, 0x1000, 7 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 2, 0x8000, PG, BI_MEM_NVS);
	assert_mem(&bi, 3, 0x20000, PG, BI_MEM_BAD);

	/* the bridge as the last range: nothing to move */
	static const struct desc two[] = {
		{ EFI_MT_CONVENTIONAL, 0x5000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x7000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x6000, 1, ATTR_WB },
	};
	assert_converts(two, 3, 40, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_mem(&bi, 0, 0x5000, 3 * PG, BI_MEM_USABLE);
}

/* A range of another type between two of one type touches both but
 * joins neither. */
static void test_no_bridge_across_types(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x1000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x3000, 1, ATTR_WB },
		{ EFI_MT_ACPI_RECLAIM, 0x2000, 1, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, 3, 40, &bi);
	assert_int_equal(bi.n_mem, 3);
	assert_mem(&bi, 0, 0x1000, PG, BI_MEM_USABLE);
	assert_mem(&bi, 1, 0x2000, PG, BI_MEM_ACPI);
	assert_mem(&bi, 2, 0x3000, PG, BI_MEM_USABLE);
}

/* A range right below one of its type (seen first) grows that one down,
 * even with a range of another type touching it from below. */
static void test_merge_with_following(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x4000, 2, ATTR_WB },
		{ EFI_MT_RESERVED, 0x1000, 2, ATTR_WB },
		{ EFI_MT_LOADER_DATA, 0x3000, 1, ATTR_WB },
		{ EFI_MT_BS_CODE, 0x6000, 1, ATTR_WB }, /* and up */
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 40, &bi);
	assert_int_equal(bi.n_mem, 2);
	assert_mem(&bi, 0, 0x1000, 2 * PG, BI_MEM_RESERVED);
	assert_mem(&bi, 1, 0x3000, 4 * PG, BI_MEM_USABLE);

	/* a whole map given top down collapses into one range */
	struct desc down[20];
	for (unsigned i = 0; i < 20; i++)
		down[i] = (struct desc){ EFI_MT_CONVENTIONAL,
					 0x100000 + (19 - i) * 2 * PG, 2,
					 ATTR_WB };
	assert_converts(down, 20, 40, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_mem(&bi, 0, 0x100000, 40 * PG, BI_MEM_USABLE);
}

/* ---- descriptor layout ------------------------------------------------- */

static void test_zero_page_descriptors_skipped(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 0, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x200000, 4, ATTR_WB },
		/* empty: neither overlaps nor is misaligned nor wraps */
		{ EFI_MT_RESERVED, 0x201000, 0, ATTR_WB },
		{ EFI_MT_RESERVED, 0x123, 0, ATTR_WB },
		{ EFI_MT_RESERVED, 0xfffffffffffff000ull, 0, ATTR_RT },
		/* nor does it split two ranges that merge */
		{ EFI_MT_RESERVED, 0x204000, 0, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x204000, 4, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 40, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_mem(&bi, 0, 0x200000, 8 * PG, BI_MEM_USABLE);

	/* a map of nothing but empty descriptors holds no memory */
	assert_refused(map, 1, 40, "holds no memory", NULL);
}

/* Firmware strides are usually 48; anything past the first 40 bytes of a
 * descriptor (here junk) is not looked at. */
static void test_larger_stride(void **state)
{
	static const size_t strides[] = { 40, 48, 56, 64, 80, 128, 4096 };
	static const struct desc map[] = {
		{ EFI_MT_BS_CODE, 0x100000, 0x10, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x0, 0x9f, ATTR_WB },
		{ EFI_MT_RT_CODE, 0x7f000000, 0x20, ATTR_RT },
		{ EFI_MT_ACPI_RECLAIM, 0x7e000000, 0x8, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x110000, 0x100, ATTR_WB },
	};

	for (unsigned s = 0; s < ARRAY_SIZE(strides); s++) {
		struct boot_info bi;

		assert_converts(map, ARRAY_SIZE(map), strides[s], &bi);
		assert_int_equal(bi.n_mem, 4);
		assert_mem(&bi, 0, 0x0, 0x9f * PG, BI_MEM_USABLE);
		assert_mem(&bi, 1, 0x100000, 0x110 * PG, BI_MEM_USABLE);
		assert_mem(&bi, 2, 0x7e000000, 8 * PG, BI_MEM_ACPI);
		assert_mem(&bi, 3, 0x7f000000, 0x20 * PG, BI_MEM_RESERVED);
	}
}

static void test_bad_stride_refused(void **state)
{
	static const size_t bad[] = { 0, 1, 8, 24, 32, 36, 39, 41, 44, 47,
				      52, 60, 4097 };
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1, ATTR_WB },
	};
	uint8_t buf[8192] = { 0 };

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct boot_info bi;
		char what[64];
		int r;

		/* a map that would be fine but for the stride */
		put32(buf, map[0].type);
		put64(buf + 8, map[0].base);
		put64(buf + 24, map[0].pages);
		memset(&bi, 0x5a, sizeof(bi));
		memset(err, 'Z', sizeof(err));
		r = efi_mmap_to_bi(buf, sizeof(buf), bad[i], &bi, err,
				   sizeof(err));
		assert_int_equal(r, -EINVAL);
		assert_int_equal(bi.n_mem, 0);
		assert_memory_equal(err, "efi: ", 5);
		snprintf(what, sizeof(what), "descriptor size %zu ", bad[i]);
		assert_err_has(what);
		assert_err_has("40");
	}

	/* the stride is checked before any byte of the map is read */
	struct boot_info bi;
	assert_int_equal(efi_mmap_to_bi(NULL, 4096, 36, &bi, err,
					sizeof(err)), -EINVAL);
	assert_err_has("descriptor size 36");
}

/* Bytes past the last whole descriptor are not a descriptor. */
static void test_trailing_partial_descriptor_ignored(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x300000, 1, ATTR_WB },
		/* would overlap: refused if it were read */
		{ EFI_MT_RESERVED, 0x100000, 1, ATTR_WB },
	};
	static const size_t strides[] = { 40, 48 };

	for (unsigned s = 0; s < ARRAY_SIZE(strides); s++) {
		size_t stride = strides[s];

		for (size_t cut = 1; cut < stride; cut++) {
			struct boot_info bi;
			size_t size;
			uint8_t *m = build(map, 3, stride, 0, &size);
			uint8_t *exact = malloc(size - cut);

			/* an exact heap copy: ASan sees a read of the cut */
			assert_non_null(exact);
			memcpy(exact, m, size - cut);
			free(m);
			memset(err, 'Z', sizeof(err));
			assert_int_equal(efi_mmap_to_bi(exact, size - cut,
							stride, &bi, err,
							sizeof(err)),
					 0);
			free(exact);
			assert_int_equal(bi.n_mem, 2);
			assert_mem(&bi, 0, 0x100000, PG, BI_MEM_USABLE);
			assert_mem(&bi, 1, 0x300000, PG, BI_MEM_USABLE);
		}
	}

	/* a map shorter than one descriptor holds nothing */
	struct boot_info bi;
	assert_int_equal(conv_extra(NULL, 0, 40, 39, &bi), -EINVAL);
	assert_err_has("holds no memory");
	/* and the full third descriptor is read */
	assert_refused(map, 3, 48, "entry 2 ", "overlaps");
}

/* ---- refusals ------------------------------------------------------------- */

static void test_overlaps_refused(void **state)
{
	struct boot_info bi;

	/* the start of a later range inside an earlier one */
	static const struct desc a[] = {
		{ EFI_MT_CONVENTIONAL, 0x1000, 4, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x3000, 4, ATTR_WB },
	};
	assert_refused(a, 2, 40, "entry 1 ", "overlaps");
	assert_err_has("(type 7, 0x3000, 4 pages)");
	assert_int_equal(conv(a, 2, 40, &bi), -EINVAL);

	/* the end of a later range inside an earlier one */
	static const struct desc b[] = {
		{ EFI_MT_CONVENTIONAL, 0x3000, 4, ATTR_WB },
		{ EFI_MT_RESERVED, 0x1000, 3, ATTR_WB },
	};
	assert_refused(b, 2, 40, "entry 1 ", "overlaps");
	assert_err_has("(type 0, 0x1000, 3 pages)");

	/* the same range twice */
	static const struct desc c[] = {
		{ EFI_MT_ACPI_NVS, 0x5000, 1, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x5000, 1, ATTR_WB },
	};
	assert_refused(c, 2, 40, "entry 1 ", "overlaps");

	/* at the very top of the address space, where a range's end is
	 * 2^64 and wraps to 0: compared by last bytes, still refused */
	static const struct desc top[] = {
		{ EFI_MT_CONVENTIONAL, 0xffffffffffffe000ull, 2, ATTR_WB },
		{ EFI_MT_RESERVED, 0xfffffffffffff000ull, 1, ATTR_WB },
	};
	assert_refused(top, 2, 40, "entry 1 ", "overlaps");
	static const struct desc top2[] = {
		{ EFI_MT_RESERVED, 0xfffffffffffff000ull, 1, ATTR_WB },
		{ EFI_MT_RESERVED, 0xfffffffffffff000ull, 1, ATTR_WB },
	};
	assert_refused(top2, 2, 40, "entry 1 ", "overlaps");

	/* one containing another, both ways */
	static const struct desc d[] = {
		{ EFI_MT_CONVENTIONAL, 0x10000, 16, ATTR_WB },
		{ EFI_MT_RT_DATA, 0x14000, 1, ATTR_RT },
	};
	assert_refused(d, 2, 40, "entry 1 ", "overlaps");
	static const struct desc e[] = {
		{ EFI_MT_RT_DATA, 0x14000, 1, ATTR_RT },
		{ EFI_MT_CONVENTIONAL, 0x10000, 16, ATTR_WB },
	};
	assert_refused(e, 2, 40, "entry 1 ", "overlaps");

	/* a range spanning a whole later neighbour and more (not only the
	 * nearest one is hit) */
	static const struct desc f[] = {
		{ EFI_MT_CONVENTIONAL, 0x10000, 1, ATTR_WB },
		{ EFI_MT_RESERVED, 0x20000, 1, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x30000, 1, ATTR_WB },
		{ EFI_MT_UNUSABLE, 0x18000, 0x20, ATTR_WB },
	};
	assert_refused(f, 4, 40, "entry 3 ", "overlaps");

	/* the index counts every descriptor, skipped ones too */
	static const struct desc g[] = {
		{ EFI_MT_CONVENTIONAL, 0x1000, 2, ATTR_WB },
		{ EFI_MT_MMIO, 0xfe000000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x9000, 0, ATTR_WB },
		{ EFI_MT_BS_DATA, 0x2000, 1, ATTR_WB },
	};
	assert_refused(g, 4, 48, "entry 3 ", "overlaps another range");
	assert_err_has("(type 4, 0x2000, 1 pages)");

	/* overlapping a range that grew by merging */
	static const struct desc h[] = {
		{ EFI_MT_CONVENTIONAL, 0x1000, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x2000, 1, ATTR_WB },
		{ EFI_MT_RESERVED, 0x2000, 1, ATTR_WB },
	};
	assert_refused(h, 3, 40, "entry 2 ", "overlaps");

	/* touching is not overlapping */
	static const struct desc t[] = {
		{ EFI_MT_CONVENTIONAL, 0x1000, 1, ATTR_WB },
		{ EFI_MT_RESERVED, 0x2000, 1, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x0, 1, ATTR_WB },
	};
	assert_converts(t, 3, 40, &bi);
	assert_int_equal(bi.n_mem, 3);
}

static void test_misaligned_or_wrapping_refused(void **state)
{
	static const struct {
		uint64_t base, pages;
		const char *idx;
	} cases[] = {
		{ 0x100800, 1, "entry 1 " },	     /* misaligned */
		{ 0x100001, 1, "entry 1 " },
		{ 0xfff, 1, "entry 1 " },
		{ 0xfffffffffffff000ull, 2, "entry 1 " }, /* wraps */
		{ 0xffffffff00000000ull, 0x100001, "entry 1 " },
		{ 0, 1ull << 52, "entry 1 " },	     /* exactly 2^64 bytes */
		{ 0x1000000, 1ull << 52, "entry 1 " },
		{ 0x1000000, (1ull << 52) + 1, "entry 1 " }, /* << 12 drops bits */
		{ 0x1000000, UINT64_MAX, "entry 1 " },
		{ 0x1000000, 0x8000000000000000ull, "entry 1 " },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct desc map[] = {
			{ EFI_MT_CONVENTIONAL, 0x10000, 1, ATTR_WB },
			{ EFI_MT_RESERVED, cases[i].base, cases[i].pages,
			  ATTR_WB },
		};

		assert_refused(map, 2, 40, cases[i].idx,
			       "misaligned or wraps");
	}

	/* ending exactly at the top of the address space is fine */
	struct desc top[] = {
		{ EFI_MT_RESERVED, 0xffffffffff000000ull, 0x1000, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x10000, 1, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(top, 2, 40, &bi);
	assert_int_equal(bi.n_mem, 2);
	assert_mem(&bi, 1, 0xffffffffff000000ull, 0x1000000, BI_MEM_RESERVED);

	/* a misaligned MMIO descriptor is left out before it is checked */
	struct desc mmio[] = {
		{ EFI_MT_MMIO, 0x123, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x10000, 1, ATTR_WB },
	};
	assert_converts(mmio, 2, 40, &bi);
	assert_int_equal(bi.n_mem, 1);
}

/* BI_MAX_MEM ranges fit; one more that merges with none does not, but one
 * that merges does. */
static void test_too_many_ranges(void **state)
{
	struct desc map[BI_MAX_MEM + 2];
	struct boot_info bi;
	char what[32];

	for (unsigned i = 0; i < BI_MAX_MEM + 2; i++)
		map[i] = (struct desc){ EFI_MT_CONVENTIONAL,
					0x100000 + i * 2 * PG, 1, ATTR_WB };
	assert_converts(map, BI_MAX_MEM, 40, &bi);
	assert_int_equal(bi.n_mem, BI_MAX_MEM);
	for (unsigned i = 0; i < BI_MAX_MEM; i++)
		assert_mem(&bi, i, 0x100000 + i * 2 * PG, PG, BI_MEM_USABLE);
	assert_int_equal(bi_ram_bytes(&bi), BI_MAX_MEM * PG);

	assert_refused(map, BI_MAX_MEM + 1, 40, "more ranges", NULL);
	snprintf(what, sizeof(what), "entry %u ", BI_MAX_MEM);
	assert_err_has(what);

	/* the same, the extra range first (inserted at the front) */
	map[BI_MAX_MEM] = (struct desc){ EFI_MT_RESERVED, 0x0, 1, ATTR_WB };
	assert_refused(map, BI_MAX_MEM + 1, 40, "more ranges", what);

	/* the extra range grows the last one: it fits */
	map[BI_MAX_MEM] = (struct desc){ EFI_MT_BS_DATA,
					 0x100000 + (2 * BI_MAX_MEM - 1) * PG,
					 3, ATTR_WB };
	assert_converts(map, BI_MAX_MEM + 1, 40, &bi);
	assert_int_equal(bi.n_mem, BI_MAX_MEM);
	assert_mem(&bi, BI_MAX_MEM - 1, 0x100000 + (2 * BI_MAX_MEM - 2) * PG,
		   4 * PG, BI_MEM_USABLE);

	/* or fills a hole: one range fewer, and then another fits */
	map[BI_MAX_MEM] = (struct desc){ EFI_MT_CONVENTIONAL, 0x101000, 1,
					 ATTR_WB };
	map[BI_MAX_MEM + 1] = (struct desc){ EFI_MT_RESERVED, 0x0, 1,
					     ATTR_WB };
	assert_converts(map, BI_MAX_MEM + 2, 40, &bi);
	assert_int_equal(bi.n_mem, BI_MAX_MEM);
	assert_mem(&bi, 0, 0x0, PG, BI_MEM_RESERVED);
	assert_mem(&bi, 1, 0x100000, 3 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 2, 0x104000, PG, BI_MEM_USABLE);
	assert_mem(&bi, BI_MAX_MEM - 1, 0x100000 + (BI_MAX_MEM - 1) * 2 * PG,
		   PG, BI_MEM_USABLE);
}

static void test_empty_map_refused(void **state)
{
	struct boot_info bi;
	static const struct desc mmio[] = {
		{ EFI_MT_MMIO, 0xe0000000, 0x10000, ATTR_WB },
		{ EFI_MT_MMIO_PORT, 0xfec00000, 1, ATTR_WB },
		{ EFI_MT_MMIO, 0xfed00000, 1, ATTR_WB },
	};

	assert_int_equal(conv(NULL, 0, 48, &bi), -EINVAL);
	assert_string_equal(err, "efi: the memory map holds no memory");
	assert_int_equal(bi.n_mem, 0);

	assert_int_equal(conv(mmio, ARRAY_SIZE(mmio), 48, &bi), -EINVAL);
	assert_string_equal(err, "efi: the memory map holds no memory");
	assert_int_equal(bi.n_mem, 0);

	/* NULL map of size 0 is never read */
	assert_int_equal(efi_mmap_to_bi(NULL, 0, 48, &bi, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "efi: the memory map holds no memory");
}

/* A second conversion into the same boot_info starts afresh. */
static void test_replaces_previous_map(void **state)
{
	static const struct desc one[] = {
		{ EFI_MT_CONVENTIONAL, 0x100000, 1, ATTR_WB },
		{ EFI_MT_RESERVED, 0x300000, 1, ATTR_WB },
	};
	static const struct desc two[] = {
		{ EFI_MT_ACPI_NVS, 0x200000, 1, ATTR_WB },
	};
	struct boot_info bi;
	size_t size;
	uint8_t *m;

	memset(&bi, 0, sizeof(bi));
	m = build(one, 2, 40, 0, &size);
	assert_int_equal(efi_mmap_to_bi(m, size, 40, &bi, err, sizeof(err)), 0);
	free(m);
	assert_int_equal(bi.n_mem, 2);
	m = build(two, 1, 40, 0, &size);
	assert_int_equal(efi_mmap_to_bi(m, size, 40, &bi, err, sizeof(err)), 0);
	free(m);
	assert_int_equal(bi.n_mem, 1);
	assert_mem(&bi, 0, 0x200000, PG, BI_MEM_NVS);
}

/* A small error buffer truncates; none at all is fine. */
static void test_error_buffer(void **state)
{
	static const struct desc a[] = {
		{ EFI_MT_CONVENTIONAL, 0x1000, 4, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x3000, 4, ATTR_WB },
	};
	struct boot_info bi;
	char small[8];
	size_t size;
	uint8_t *m = build(a, 2, 40, 0, &size);

	assert_int_equal(efi_mmap_to_bi(m, size, 40, &bi, NULL, 0), -EINVAL);
	memset(small, 'Z', sizeof(small));
	assert_int_equal(efi_mmap_to_bi(m, size, 40, &bi, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "efi: me");
	assert_int_equal(efi_mmap_to_bi(m, size, 41, &bi, NULL, 0), -EINVAL);
	free(m);
}

/* An OVMF-like map, as GetMemoryMap gives it (stride 48). */
static void test_realistic_map(void **state)
{
	static const struct desc map[] = {
		{ EFI_MT_BS_CODE, 0x0, 1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x1000, 0x9f, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x100000, 0x700, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x800000, 0x8, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x808000, 0x3, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x80b000, 0x1, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0x80c000, 0x5, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x811000, 0xef, ATTR_WB },
		{ EFI_MT_BS_DATA, 0x900000, 0x100, ATTR_WB },
		{ EFI_MT_CONVENTIONAL, 0xa00000, 0x7000, ATTR_WB },
		{ EFI_MT_LOADER_CODE, 0x7a00000, 0x40, ATTR_WB },
		{ EFI_MT_BS_DATA, 0x7a40000, 0x200, ATTR_WB },
		{ EFI_MT_RT_DATA, 0x7c40000, 0x80, ATTR_RT },
		{ EFI_MT_RT_CODE, 0x7cc0000, 0x80, ATTR_RT },
		{ EFI_MT_RESERVED, 0x7d40000, 0x20, ATTR_WB },
		{ EFI_MT_ACPI_RECLAIM, 0x7d60000, 0x10, ATTR_WB },
		{ EFI_MT_ACPI_NVS, 0x7d70000, 0x80, ATTR_WB },
		{ EFI_MT_BS_DATA, 0x7df0000, 0x210, ATTR_WB },
		{ EFI_MT_MMIO, 0xb0000000, 0x10000, 1 | EFI_MA_RUNTIME },
		{ EFI_MT_MMIO, 0xffc00000, 0x400, 1 },
		{ EFI_MT_CONVENTIONAL, 0x100000000ull, 0x40000, ATTR_WB },
	};
	struct boot_info bi;

	assert_converts(map, ARRAY_SIZE(map), 48, &bi);
	assert_int_equal(bi.n_mem, 13);
	assert_mem(&bi, 0, 0x0, 0xa0 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 1, 0x100000, 0x700 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 2, 0x800000, 0x8 * PG, BI_MEM_NVS);
	assert_mem(&bi, 3, 0x808000, 0x3 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 4, 0x80b000, 0x1 * PG, BI_MEM_NVS);
	assert_mem(&bi, 5, 0x80c000, 0x5 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 6, 0x811000, 0xef * PG, BI_MEM_NVS);
	assert_mem(&bi, 7, 0x900000, 0x7340 * PG, BI_MEM_USABLE);
	assert_mem(&bi, 8, 0x7c40000, 0x120 * PG, BI_MEM_RESERVED);
	assert_mem(&bi, 9, 0x7d60000, 0x10 * PG, BI_MEM_ACPI);
	assert_mem(&bi, 10, 0x7d70000, 0x80 * PG, BI_MEM_NVS);
	assert_mem(&bi, 11, 0x7df0000, 0x210 * PG, BI_MEM_USABLE);
	/* MMIO is device space, runtime or not: left out */
	assert_mem(&bi, 12, 0x100000000ull, 0x40000 * PG, BI_MEM_USABLE);
}

/* ---- a model: a page grid, compared after random maps ----------------- */

#define GRID 320 /* pages; enough for more than BI_MAX_MEM ranges */
#define GRID_BASE 0x40000000ull

static uint32_t model_type(uint32_t efi, uint64_t attr)
{
	static const uint8_t t[] = { 2, 1, 1, 1, 1, 2, 2, 1, 5, 3, 4, 0, 0,
				     2, 2 };

	if (efi == EFI_MT_MMIO || efi == EFI_MT_MMIO_PORT)
		return 0;
	if (attr & EFI_MA_RUNTIME)
		return BI_MEM_RESERVED;
	return efi < ARRAY_SIZE(t) ? t[efi] : BI_MEM_RESERVED;
}

static unsigned model_runs(const uint8_t *grid)
{
	unsigned n = 0;

	for (unsigned p = 0; p < GRID; p++)
		if (grid[p] && (!p || grid[p - 1] != grid[p]))
			n++;
	return n;
}

static uint64_t pick_base(struct rng *r, int sparse)
{
	if (sparse)
		return GRID_BASE + 2 * rng_below(r, GRID / 2) * PG;
	return GRID_BASE + rng_below(r, GRID) * PG;
}

static void test_random_maps_match_model(void **state)
{
	struct rng r = { 0x5eed0fef1ull };
	static const uint32_t efi_types[] = { 0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 8,
					      9, 10, 11, 12, 13, 14, 99 };
	int ok = 0, overlaps = 0, full = 0;

	for (int iter = 0; iter < 3000; iter++) {
		/* sparse maps: single pages on even page numbers only, so
		 * that no two touch and many exceed BI_MAX_MEM */
		int sparse = rng_below(&r, 4) == 0;
		unsigned n = 1 + (unsigned)rng_below(&r, 200);
		size_t stride = 40 + 8 * rng_below(&r, 3);
		struct desc *d = calloc(n, sizeof(*d));
		uint8_t grid[GRID] = { 0 };
		int expect_fail = -1; /* 0 overlaps, 1 too many, 2 empty */
		unsigned bad_idx = 0;
		struct boot_info bi;

		assert_non_null(d);
		/* mostly disjoint: pick from free pages, sometimes not */
		for (unsigned i = 0; i < n; i++) {
			d[i].type = efi_types[rng_below(&r, ARRAY_SIZE(efi_types))];
			d[i].base = pick_base(&r, sparse);
			d[i].pages = rng_below(&r, 10) ? 1 + rng_below(&r, 3) : 0;
			if (sparse && d[i].pages)
				d[i].pages = 1;
			d[i].attr = rng_below(&r, 8) ? ATTR_WB : ATTR_RT;
			if ((d[i].base - GRID_BASE) / PG + d[i].pages > GRID)
				d[i].pages = GRID - (d[i].base - GRID_BASE) / PG;
			if (rng_below(&r, 40))
				for (int tries = 0; tries < 20; tries++) {
					uint64_t p0 = (d[i].base - GRID_BASE) / PG;
					int free_run = 1;

					for (uint64_t p = p0; p < p0 + d[i].pages; p++)
						free_run &= !grid[p];
					if (free_run)
						break;
					d[i].base = pick_base(&r, sparse);
					if ((d[i].base - GRID_BASE) / PG +
						    d[i].pages > GRID)
						d[i].pages = 1;
				}
			/* the model */
			uint32_t t = model_type(d[i].type, d[i].attr);
			uint64_t p0 = (d[i].base - GRID_BASE) / PG;

			if (expect_fail >= 0 || !d[i].pages || !t)
				continue;
			for (uint64_t p = p0; p < p0 + d[i].pages; p++)
				if (grid[p])
					expect_fail = 0;
			if (expect_fail == 0) {
				bad_idx = i;
				continue;
			}
			for (uint64_t p = p0; p < p0 + d[i].pages; p++)
				grid[p] = (uint8_t)t;
			if (model_runs(grid) > BI_MAX_MEM) {
				expect_fail = 1;
				bad_idx = i;
			}
		}
		if (expect_fail < 0 && !model_runs(grid))
			expect_fail = 2;

		int res = conv(d, n, stride, &bi);
		char what[32];

		snprintf(what, sizeof(what), "entry %u ", bad_idx);
		switch (expect_fail) {
		case 0:
			assert_int_equal(res, -EINVAL);
			assert_err_has(what);
			assert_err_has("overlaps");
			overlaps++;
			break;
		case 1:
			assert_int_equal(res, -EINVAL);
			assert_err_has(what);
			assert_err_has("more ranges");
			full++;
			break;
		case 2:
			assert_int_equal(res, -EINVAL);
			assert_err_has("holds no memory");
			break;
		default: {
			unsigned k = 0;

			if (res)
				fail_msg("iteration %d: %s", iter, err);
			for (unsigned p = 0; p < GRID;) {
				unsigned q = p;

				if (!grid[p]) {
					p++;
					continue;
				}
				while (q < GRID && grid[q] == grid[p])
					q++;
				assert_true(k < bi.n_mem);
				assert_mem(&bi, k, GRID_BASE + p * PG,
					   (q - p) * PG, grid[p]);
				k++;
				p = q;
			}
			assert_int_equal(bi.n_mem, k);
			ok++;
		}
		}
		free(d);
	}
	print_message("  %d converted, %d overlapping, %d too many\n", ok,
		      overlaps, full);
	assert_true(ok > 100 && overlaps > 100 && full > 10);
}

/* ---- bi_ram_bytes -------------------------------------------------------- */

static void test_ram_bytes(void **state)
{
	struct boot_info bi;

	memset(&bi, 0x77, sizeof(bi));
	bi.n_mem = 0;
	assert_int_equal(bi_ram_bytes(&bi), 0);

	bi.n_mem = 3;
	/* (lengths from an E820-style map need not be whole pages) */
	bi.mem[0] = (struct bi_mem){ 0, 0x9fc00, BI_MEM_USABLE };
	bi.mem[1] = (struct bi_mem){ 0x9fc00, 0x401, BI_MEM_RESERVED };
	bi.mem[2] = (struct bi_mem){ 0x100000000ull, 0x300000000ull,
				     BI_MEM_BAD };
	assert_int_equal(bi_ram_bytes(&bi), 0xa0001 + 0x300000000ull);

	/* only the first n_mem count */
	bi.n_mem = 2;
	assert_int_equal(bi_ram_bytes(&bi), 0xa0001);
	bi.n_mem = 1;
	assert_int_equal(bi_ram_bytes(&bi), 0x9fc00);

	bi.n_mem = BI_MAX_MEM;
	for (unsigned i = 0; i < BI_MAX_MEM; i++)
		bi.mem[i] = (struct bi_mem){ i * 0x100000000ull,
					     (i + 1) * PG, 1 + i % 5 };
	assert_int_equal(bi_ram_bytes(&bi),
			 PG * BI_MAX_MEM * (BI_MAX_MEM + 1) / 2);
}

/* ---- efi_find_rsdp --------------------------------------------------------- */

static const uint8_t acpi20[16] = { 0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4,
				    0xd3, 0x11, 0xbc, 0x22, 0x00, 0x80,
				    0xc7, 0x3c, 0x88, 0x81 };
static const uint8_t acpi10[16] = { 0x30, 0x2d, 0x9d, 0xeb, 0x88, 0x2d,
				    0xd3, 0x11, 0x9a, 0x16, 0x00, 0x90,
				    0x27, 0x3f, 0xc1, 0x4d };
/* SMBIOS3_TABLE_GUID f2fd1544-9794-4a2c-992e-e5bbcf20e394 */
static const uint8_t smbios3[16] = { 0x44, 0x15, 0xfd, 0xf2, 0x94, 0x97,
				     0x2c, 0x4a, 0x99, 0x2e, 0xe5, 0xbb,
				     0xcf, 0x20, 0xe3, 0x94 };

struct reader {
	int calls;
	int refuse_from; /* calls from this one on get NULL; -1: never */
	uint64_t pa[8];
	size_t len[8];
};

static const void *read_direct(void *ctx, uint64_t pa, size_t len)
{
	struct reader *rd = ctx;
	int n = rd->calls++;

	if (n < 8) {
		rd->pa[n] = pa;
		rd->len[n] = len;
	}
	if (rd->refuse_from >= 0 && n >= rd->refuse_from)
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static const void *read_refuse(void *ctx, uint64_t pa, size_t len)
{
	struct reader *rd = ctx;

	rd->calls++;
	return NULL;
}

struct systab {
	uint8_t *st;   /* exactly 120 bytes on the heap */
	uint8_t *tabs; /* exactly n * 24 bytes */
	uint64_t n;
};

struct entry {
	const uint8_t *guid;
	uint64_t ptr;
};

static void systab_make(struct systab *s, const struct entry *e, unsigned n)
{
	s->st = malloc(120);
	assert_non_null(s->st);
	memset(s->st, 0xc3, 120);
	put64(s->st, EFI_SYSTAB_SIGNATURE);
	s->n = n;
	put64(s->st + 104, n);
	s->tabs = malloc(n ? n * 24 : 1);
	assert_non_null(s->tabs);
	for (unsigned i = 0; i < n; i++) {
		memcpy(s->tabs + i * 24, e[i].guid, 16);
		put64(s->tabs + i * 24 + 16, e[i].ptr);
	}
	put64(s->st + 112, (uintptr_t)s->tabs);
}

static void systab_free(struct systab *s)
{
	free(s->st);
	free(s->tabs);
}

static uint64_t find(const struct systab *s, struct reader *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->refuse_from = -1;
	return efi_find_rsdp((uintptr_t)s->st, read_direct, rd);
}

/* Both GUIDs: the ACPI 2.0 one wins in either order. */
static void test_rsdp_acpi20_preferred(void **state)
{
	static const struct entry orders[][4] = {
		{ { smbios3, 0x1 }, { acpi10, 0xe0000 }, { acpi20, 0xf0000 },
		  { smbios3, 0x2 } },
		{ { acpi20, 0xf0000 }, { acpi10, 0xe0000 }, { smbios3, 0x1 },
		  { smbios3, 0x2 } },
		{ { smbios3, 0x1 }, { smbios3, 0x2 }, { acpi10, 0xe0000 },
		  { acpi20, 0xf0000 } },
		{ { acpi10, 0xe0000 }, { smbios3, 0x1 }, { smbios3, 0x2 },
		  { acpi20, 0xf0000 } },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(orders); i++) {
		struct systab s;
		struct reader rd;

		systab_make(&s, orders[i], 4);
		assert_int_equal(find(&s, &rd), 0xf0000);
		assert_int_equal(rd.calls, 2);
		assert_int_equal(rd.pa[0], (uintptr_t)s.st);
		assert_true(rd.len[0] >= 112 + 8 && rd.len[0] <= 120);
		assert_int_equal(rd.pa[1], (uintptr_t)s.tabs);
		assert_int_equal(rd.len[1], 4 * 24);
		systab_free(&s);
	}
}

static void test_rsdp_acpi10_only(void **state)
{
	static const struct entry e[] = {
		{ smbios3, 0x1 }, { acpi10, 0x7fb7e014 }, { smbios3, 0x2 },
	};
	struct systab s;
	struct reader rd;

	systab_make(&s, e, 3);
	assert_int_equal(find(&s, &rd), 0x7fb7e014);
	systab_free(&s);

	/* the first of two 1.0 entries */
	static const struct entry two[] = {
		{ acpi10, 0x1000 }, { acpi10, 0x2000 },
	};
	systab_make(&s, two, 2);
	assert_int_equal(find(&s, &rd), 0x1000);
	systab_free(&s);

	/* a 2.0 entry above 4 GiB */
	static const struct entry high[] = { { acpi20, 0x1234567890ull } };
	systab_make(&s, high, 1);
	assert_int_equal(find(&s, &rd), 0x1234567890ull);
	systab_free(&s);
}

static void test_rsdp_not_found(void **state)
{
	uint8_t near20[16], near10[16], first[16];
	struct systab s;
	struct reader rd;

	memcpy(near20, acpi20, 16);
	near20[15] ^= 1; /* differs in the last byte only */
	memcpy(near10, acpi10, 16);
	near10[8] ^= 0x80;
	memcpy(first, acpi20, 16);
	first[0] ^= 0xff;
	const struct entry e[] = {
		{ smbios3, 0x1 }, { near20, 0x2 }, { near10, 0x3 },
		{ first, 0x4 },
	};
	systab_make(&s, e, 4);
	assert_int_equal(find(&s, &rd), 0);
	assert_int_equal(rd.calls, 2);
	systab_free(&s);
}

static void test_rsdp_bad_systab(void **state)
{
	static const struct entry e[] = { { acpi20, 0xf0000 } };
	struct systab s;
	struct reader rd;

	/* bad signature: the tables are not read */
	systab_make(&s, e, 1);
	assert_int_equal(find(&s, &rd), 0xf0000);
	s.st[0] ^= 1;
	assert_int_equal(find(&s, &rd), 0);
	assert_int_equal(rd.calls, 1);
	s.st[0] ^= 1;
	s.st[7] = 0;
	assert_int_equal(find(&s, &rd), 0);
	s.st[7] = 0x54;
	assert_int_equal(find(&s, &rd), 0xf0000);

	/* no entries, or absurdly many */
	static const uint64_t counts[] = { 0, 1025, 4096, 1ull << 32,
					   0x0aaaaaaaaaaaaaabull, UINT64_MAX };
	for (unsigned i = 0; i < ARRAY_SIZE(counts); i++) {
		put64(s.st + 104, counts[i]);
		assert_int_equal(find(&s, &rd), 0);
		assert_int_equal(rd.calls, 1);
	}
	systab_free(&s);

	/* no system table: read is never called */
	memset(&rd, 0, sizeof(rd));
	assert_int_equal(efi_find_rsdp(0, read_direct, &rd), 0);
	assert_int_equal(rd.calls, 0);
	assert_int_equal(efi_find_rsdp(0, read_refuse, &rd), 0);
	assert_int_equal(rd.calls, 0);
}

/* 1024 entries are the most taken; the last one is looked at. */
static void test_rsdp_max_entries(void **state)
{
	static struct entry e[1024];
	struct systab s;
	struct reader rd;

	for (unsigned i = 0; i < 1024; i++)
		e[i] = (struct entry){ smbios3, i };
	e[1023] = (struct entry){ acpi20, 0xabc000 };
	systab_make(&s, e, 1024);
	assert_int_equal(find(&s, &rd), 0xabc000);
	assert_int_equal(rd.len[1], 1024 * 24);
	systab_free(&s);

	e[1023] = (struct entry){ acpi10, 0xdef000 };
	systab_make(&s, e, 1024);
	assert_int_equal(find(&s, &rd), 0xdef000);
	systab_free(&s);
}

static void test_rsdp_read_refused(void **state)
{
	static const struct entry e[] = { { acpi10, 0xe0000 },
					  { acpi20, 0xf0000 } };
	struct systab s;
	struct reader rd;

	systab_make(&s, e, 2);

	/* the system table itself */
	memset(&rd, 0, sizeof(rd));
	assert_int_equal(efi_find_rsdp((uintptr_t)s.st, read_refuse, &rd), 0);
	assert_int_equal(rd.calls, 1);

	/* the configuration table */
	memset(&rd, 0, sizeof(rd));
	rd.refuse_from = 1;
	assert_int_equal(efi_find_rsdp((uintptr_t)s.st, read_direct, &rd), 0);
	assert_int_equal(rd.calls, 2);
	assert_int_equal(rd.pa[1], (uintptr_t)s.tabs);

	/* the context reaches read untouched */
	memset(&rd, 0, sizeof(rd));
	rd.refuse_from = -1;
	assert_int_equal(efi_find_rsdp((uintptr_t)s.st, read_direct, &rd),
			 0xf0000);
	systab_free(&s);
}

/* ---- bi_set_rsdp ---------------------------------------------------------- */

static void test_set_rsdp(void **state)
{
	static const struct {
		uint8_t rev;
		uint32_t len;
	} cases[] = { { 0, 20 }, { 1, 20 }, { 2, 36 }, { 3, 36 }, { 0xff, 36 } };

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t len = cases[i].len;
		/* exactly len bytes: ASan sees a v1 copy read too far */
		uint8_t *rsdp = malloc(len);
		struct boot_info bi;
		uint8_t rest[36];

		assert_non_null(rsdp);
		for (uint32_t k = 0; k < len; k++)
			rsdp[k] = (uint8_t)(0x40 + k);
		rsdp[15] = cases[i].rev;
		memset(&bi, 0xee, sizeof(bi));
		bi_set_rsdp(&bi, rsdp, 0x7fb7e014ull + i);
		assert_int_equal(bi.rsdp_len, len);
		assert_memory_equal(bi.rsdp, rsdp, len);
		memset(rest, 0xee, sizeof(rest));
		assert_memory_equal(bi.rsdp + len, rest, 36 - len);
		assert_int_equal(bi.rsdp_pa, 0x7fb7e014ull + i);
		assert_int_equal(bi.n_mem, 0xeeeeeeee); /* nothing else */
		free(rsdp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_mapping),
		cmocka_unit_test(test_other_attributes_ignored),
		cmocka_unit_test(test_mixed_map),
		cmocka_unit_test(test_mmio_overlapping_memory_ignored),
		cmocka_unit_test(test_unsorted_comes_out_sorted),
		cmocka_unit_test(test_every_order_same_result),
		cmocka_unit_test(test_merge_adjacent_same_type),
		cmocka_unit_test(test_different_types_do_not_merge),
		cmocka_unit_test(test_gap_does_not_merge),
		cmocka_unit_test(test_merge_bridges_two_ranges),
		cmocka_unit_test(test_no_bridge_across_types),
		cmocka_unit_test(test_merge_with_following),
		cmocka_unit_test(test_zero_page_descriptors_skipped),
		cmocka_unit_test(test_larger_stride),
		cmocka_unit_test(test_bad_stride_refused),
		cmocka_unit_test(test_trailing_partial_descriptor_ignored),
		cmocka_unit_test(test_overlaps_refused),
		cmocka_unit_test(test_misaligned_or_wrapping_refused),
		cmocka_unit_test(test_too_many_ranges),
		cmocka_unit_test(test_empty_map_refused),
		cmocka_unit_test(test_replaces_previous_map),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_realistic_map),
		cmocka_unit_test(test_random_maps_match_model),
		cmocka_unit_test(test_ram_bytes),
		cmocka_unit_test(test_rsdp_acpi20_preferred),
		cmocka_unit_test(test_rsdp_acpi10_only),
		cmocka_unit_test(test_rsdp_not_found),
		cmocka_unit_test(test_rsdp_bad_systab),
		cmocka_unit_test(test_rsdp_max_entries),
		cmocka_unit_test(test_rsdp_read_refused),
		cmocka_unit_test(test_set_rsdp),
	};

	return cmocka_run_group_tests_name("efi", tests, NULL, NULL);
}
