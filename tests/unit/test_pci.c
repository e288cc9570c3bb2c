/* SPDX-License-Identifier: MIT */
/*
 * drivers/pci_decode.c: BAR decoding (PCI 3.0, 6.2.5.1), the MCFG table
 * (PCI Firmware 3.2, 4.1.2) and "bb:dd.f" names. Tables and strings are
 * passed as exact-size heap copies so that ASan sees any over-read.
 */
#include "unit.h"

#include <stdbool.h>

#include "drivers/pci.h"
#include "lib/errno.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

/* ---- BARs ------------------------------------------------------------------ */

struct bar_case {
	uint32_t val, probe, val_hi, probe_hi;
	unsigned used;
	uint8_t kind;
	bool prefetchable;
	uint64_t base, size;
};

static void check_bar(const struct bar_case *c, unsigned i)
{
	struct pci_bar b;
	unsigned used;

	memset(&b, 0xa5, sizeof(b)); /* every field must be written */
	used = pci_bar_decode(c->val, c->probe, c->val_hi, c->probe_hi, &b);
	if (used != c->used || b.kind != c->kind ||
	    b.prefetchable != c->prefetchable || b.base != c->base ||
	    b.size != c->size)
		fail_msg("case %u (val %#x probe %#x val_hi %#x probe_hi %#x): "
			 "used %u kind %u pf %d base %#llx size %#llx; expected "
			 "used %u kind %u pf %d base %#llx size %#llx",
			 i, c->val, c->probe, c->val_hi, c->probe_hi, used,
			 b.kind, b.prefetchable, (unsigned long long)b.base,
			 (unsigned long long)b.size, c->used, c->kind,
			 c->prefetchable, (unsigned long long)c->base,
			 (unsigned long long)c->size);
}

static void check_bars(const struct bar_case *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		check_bar(&c[i], i);
}

static void test_bar_io(void **state)
{
	static const struct bar_case c[] = {
		/* 32 ports; upper half of the probe all ones */
		{ 0xe001, 0xffffffe1, 0, 0, 1, PCI_BAR_IO, false, 0xe000, 32 },
		/* the same from a 16-bit decoder: upper half reads 0 */
		{ 0xe001, 0x0000ffe1, 0, 0, 1, PCI_BAR_IO, false, 0xe000, 32 },
		/* 4 ports, the smallest; bit 1 reserved, not part of base */
		{ 0x3f9, 0xfffffffd, 0, 0, 1, PCI_BAR_IO, false, 0x3f8, 4 },
		{ 0xc003, 0xfffffffd, 0, 0, 1, PCI_BAR_IO, false, 0xc000, 4 },
		/* 256 ports */
		{ 0xd001, 0xffffff01, 0, 0, 1, PCI_BAR_IO, false, 0xd000, 256 },
		/* 32 KiB of ports, from the low 16 bits only */
		{ 0x8001, 0xffff8001, 0, 0, 1, PCI_BAR_IO, false, 0x8000,
		  0x8000 },
		{ 0x8001, 0x00008001, 0, 0, 1, PCI_BAR_IO, false, 0x8000,
		  0x8000 },
		/* the upper halves of a 64-bit pair mean nothing here */
		{ 0xe001, 0xffffffe1, 0x12345678, 0xffffffff, 1, PCI_BAR_IO,
		  false, 0xe000, 32 },
		/* bit 2 is an address bit here, not a memory type: still I/O
		 * and one BAR, whatever the next BAR holds */
		{ 0xe005, 0xfffffffd, 0, 0xffffffff, 1, PCI_BAR_IO, false,
		  0xe004, 4 },
		{ 0xe005, 0, 0, 0xffffffff, 0, PCI_BAR_NONE, false, 0, 0 },
		/* nothing decoded in the low 16 bits: unimplemented */
		{ 0xe001, 0x00000001, 0, 0, 0, PCI_BAR_NONE, false, 0, 0 },
		{ 0xe001, 0xffff0001, 0, 0, 0, PCI_BAR_NONE, false, 0, 0 },
		{ 0x0001, 0x00000003, 0, 0, 0, PCI_BAR_NONE, false, 0, 0 },
	};

	check_bars(c, ARRAY_SIZE(c));
}

static void test_bar_unimplemented(void **state)
{
	static const struct bar_case c[] = {
		/* reads 0 before and after writing ones */
		{ 0, 0, 0, 0, 0, PCI_BAR_NONE, false, 0, 0 },
		{ 0, 0, 0xffffffff, 0xffffffff, 0, PCI_BAR_NONE, false, 0, 0 },
		/* only the type bits stick */
		{ 0, 0x8, 0, 0, 0, PCI_BAR_NONE, false, 0, 0 },
		{ 0x8, 0xf, 0, 0, 0, PCI_BAR_NONE, false, 0, 0 },
		/* a 64-bit one that decodes nothing in either half */
		{ 0x4, 0x4, 0, 0, 0, PCI_BAR_NONE, false, 0, 0 },
		{ 0xc, 0xc, 0x1, 0, 0, PCI_BAR_NONE, false, 0, 0 },
	};

	check_bars(c, ARRAY_SIZE(c));
}

static void test_bar_mem32(void **state)
{
	static const struct bar_case c[] = {
		{ 0xfeb00000, 0xfff00000, 0, 0, 1, PCI_BAR_MEM32, false,
		  0xfeb00000, 1 * MiB },
		/* prefetchable (bit 3) */
		{ 0xd0000008, 0xf0000008, 0, 0, 1, PCI_BAR_MEM32, true,
		  0xd0000000, 256 * MiB },
		/* the smallest: 16 bytes */
		{ 0xfebf1010, 0xfffffff0, 0, 0, 1, PCI_BAR_MEM32, false,
		  0xfebf1010, 16 },
		/* the largest: 2 GiB */
		{ 0x80000008, 0x80000008, 0, 0, 1, PCI_BAR_MEM32, true,
		  0x80000000, 2 * GiB },
		/* 4 KiB; the next BAR's pair is not used */
		{ 0xfebf0000, 0xfffff000, 0xffffffff, 0xffffffff, 1,
		  PCI_BAR_MEM32, false, 0xfebf0000, 4 * KiB },
		/* upper bits that do not stick: the lowest decoded bit is
		 * the size */
		{ 0x0e100000, 0x0ff00000, 0, 0, 1, PCI_BAR_MEM32, false,
		  0x0e100000, 1 * MiB },
		/* reserved type 11: decoded as 32 bits, the next BAR left
		 * alone */
		{ 0xfeb00006, 0xfff00006, 0x1, 0xffffffff, 1, PCI_BAR_MEM32,
		  false, 0xfeb00000, 1 * MiB },
		/* type 01 (below 1 MiB, PCI 2.x): 32 bits wide */
		{ 0x000c0002, 0xfffe0002, 0, 0, 1, PCI_BAR_MEM32, false,
		  0x000c0000, 128 * KiB },
	};

	check_bars(c, ARRAY_SIZE(c));
}

static void test_bar_mem64(void **state)
{
	static const struct bar_case c[] = {
		/* 1 GiB above 4 GiB, prefetchable */
		{ 0xc000000c, 0xc000000c, 0x1, 0xffffffff, 2, PCI_BAR_MEM64,
		  true, 0x1c0000000ull, 1 * GiB },
		/* 4 GiB: the low half decodes nothing */
		{ 0x0000000c, 0x0000000c, 0x20, 0xffffffff, 2, PCI_BAR_MEM64,
		  true, 0x2000000000ull, 4 * GiB },
		/* 8 GiB, not prefetchable */
		{ 0x00000004, 0x00000004, 0x4, 0xfffffffe, 2, PCI_BAR_MEM64,
		  false, 0x400000000ull, 8 * GiB },
		/* 2^63 bytes: only the top bit decodes */
		{ 0x0000000c, 0x0000000c, 0x80000000, 0x80000000, 2,
		  PCI_BAR_MEM64, true, 0x8000000000000000ull, 1ull << 63 },
		/* 16 KiB below 4 GiB */
		{ 0xfe000004, 0xffffc004, 0, 0xffffffff, 2, PCI_BAR_MEM64,
		  false, 0xfe000000, 16 * KiB },
		/* the same with a 36-bit decoder: upper probe bits 35:32 */
		{ 0xfe000004, 0xffffc004, 0x3, 0x0000000f, 2, PCI_BAR_MEM64,
		  false, 0x3fe000000ull, 16 * KiB },
		/* 16 bytes, in the middle of the 64-bit space */
		{ 0x1234567c, 0xfffffff0 | 0xc, 0xabcdef01, 0xffffffff, 2,
		  PCI_BAR_MEM64, true, 0xabcdef0112345670ull, 16 },
	};

	check_bars(c, ARRAY_SIZE(c));
}

/* Every size of every kind: the size is the lowest decoded bit. */
static void test_bar_every_size(void **state)
{
	for (unsigned bit = 2; bit < 16; bit++) {
		struct bar_case c = { 1, (uint32_t)(0xffffffffu << bit) | 1, 0,
				      0, 1, PCI_BAR_IO, false, 0, 1ull << bit };
		check_bar(&c, bit);
	}
	for (unsigned bit = 4; bit < 32; bit++) {
		uint32_t base = (uint32_t)(0x5a5a5a50u & (0xffffffffu << bit));
		struct bar_case c = { base | 8, (uint32_t)(0xffffffffu << bit) | 8,
				      0, 0, 1, PCI_BAR_MEM32, true, base,
				      1ull << bit };
		check_bar(&c, bit);
	}
	for (unsigned bit = 4; bit < 64; bit++) {
		uint64_t mask = ~0ull << bit;
		uint64_t base = 0x5a5a5a5a5a5a5a50ull & mask;
		struct bar_case c = { (uint32_t)base | 4, (uint32_t)mask | 4,
				      (uint32_t)(base >> 32),
				      (uint32_t)(mask >> 32), 2, PCI_BAR_MEM64,
				      false, base, 1ull << bit };
		check_bar(&c, bit);
	}
}

/* ---- MCFG ------------------------------------------------------------------ */

struct alloc {
	uint16_t segment;
	uint8_t start, end;
	uint64_t base;
};

/* An MCFG of n allocations, cut to len bytes (or whole with len < 0) in a
 * buffer of exactly that size. */
static uint8_t *mcfg(const struct alloc *a, unsigned n, long len, size_t *out)
{
	size_t whole = 44 + 16 * (size_t)n;
	size_t size = len < 0 ? whole : (size_t)len;
	uint8_t *full = calloc(1, whole), *t;
	uint32_t len32 = (uint32_t)whole;

	assert_non_null(full);
	memcpy(full, "MCFG", 4);
	memcpy(full + 4, &len32, 4);
	full[8] = 1; /* revision */
	memcpy(full + 10, "HVTEST", 6);
	memset(full + 36, 0xee, 8); /* the reserved 8 bytes */
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = full + 44 + 16 * i;

		memcpy(e, &a[i].base, 8);
		memcpy(e + 8, &a[i].segment, 2);
		e[10] = a[i].start;
		e[11] = a[i].end;
		memset(e + 12, 0xff, 4); /* reserved */
	}
	assert_true(size <= whole);
	t = malloc(size ? size : 1);
	assert_non_null(t);
	memcpy(t, full, size);
	free(full);
	*out = size;
	return t;
}

struct mcfg_res {
	int rc;
	uint64_t base;
	uint8_t start, end;
};

static struct mcfg_res parse(const struct alloc *a, unsigned n, long len)
{
	size_t size;
	uint8_t *t = mcfg(a, n, len, &size);
	struct mcfg_res r = { 0, 0x5a5a5a5a5a5a5a5aull, 0x5a, 0x5a };

	r.rc = pci_mcfg_parse(t, size, &r.base, &r.start, &r.end);
	free(t);
	return r;
}

static void assert_window(struct mcfg_res r, uint64_t base, uint8_t start,
			  uint8_t end)
{
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.base, base);
	assert_int_equal(r.start, start);
	assert_int_equal(r.end, end);
}

static void test_mcfg_one_segment(void **state)
{
	const struct alloc a[] = { { 0, 0, 0xff, 0xe0000000 } };
	const struct alloc hi[] = { { 0, 0x10, 0x3f, 0x4000000000ull } };
	const struct alloc one_bus[] = { { 0, 7, 7, 0xf8000000 } };
	const struct alloc top[] = { { 0, 0, 0xff, 0xfffffff0f0000000ull } };

	assert_window(parse(a, 1, -1), 0xe0000000, 0, 0xff);
	assert_window(parse(hi, 1, -1), 0x4000000000ull, 0x10, 0x3f);
	assert_window(parse(one_bus, 1, -1), 0xf8000000, 7, 7);
	assert_window(parse(top, 1, -1), 0xfffffff0f0000000ull, 0, 0xff);
}

static void test_mcfg_segment_0_second(void **state)
{
	const struct alloc a[] = {
		{ 1, 0, 0xff, 0xd0000000 },
		{ 0, 0, 0x7f, 0xe0000000 },
		{ 2, 0, 0xff, 0xc0000000 },
	};
	const struct alloc b[] = {
		{ 0x0100, 0, 0xff, 0xd0000000 }, /* segment 256: high byte */
		{ 0xffff, 0, 0xff, 0xc0000000 },
		{ 0, 0x20, 0x2f, 0xe2000000 },
	};

	assert_window(parse(a, 3, -1), 0xe0000000, 0, 0x7f);
	assert_window(parse(b, 3, -1), 0xe2000000, 0x20, 0x2f);
}

static void test_mcfg_no_segment_0(void **state)
{
	const struct alloc a[] = {
		{ 1, 0, 0xff, 0xd0000000 },
		{ 0x0100, 0, 0xff, 0xe0000000 },
		{ 0x8000, 0, 0xff, 0xe0000000 },
	};

	assert_int_equal(parse(a, 3, -1).rc, -ENOENT);
	assert_int_equal(parse(a, 1, -1).rc, -ENOENT);
	assert_int_equal(parse(a, 0, -1).rc, -ENOENT); /* just a header */
}

static void test_mcfg_short(void **state)
{
	const struct alloc a[] = { { 0, 0, 0xff, 0xe0000000 } };
	uint64_t base;
	uint8_t s, e;

	for (long len = 0; len < 44; len++)
		assert_int_equal(parse(a, 1, len).rc, -EINVAL);
	assert_int_equal(pci_mcfg_parse(NULL, 60, &base, &s, &e), -EINVAL);
}

static void test_mcfg_bad_window(void **state)
{
	const struct alloc zero[] = { { 0, 0, 0xff, 0 } };
	const struct alloc backwards[] = { { 0, 0x10, 0x0f, 0xe0000000 } };
	const struct alloc backwards2[] = { { 1, 0, 0xff, 0xd0000000 },
					    { 0, 0xff, 0, 0xe0000000 } };

	assert_int_equal(parse(zero, 1, -1).rc, -EINVAL);
	assert_int_equal(parse(backwards, 1, -1).rc, -EINVAL);
	assert_int_equal(parse(backwards2, 2, -1).rc, -EINVAL);
}

static void test_mcfg_truncated_entry(void **state)
{
	const struct alloc seg1_then_0[] = { { 1, 0, 0xff, 0xd0000000 },
					     { 0, 0, 0xff, 0xe0000000 } };
	const struct alloc seg0_then_1[] = { { 0, 0, 0x3f, 0xe0000000 },
					     { 1, 0, 0xff, 0xd0000000 } };

	/* segment 0's entry cut short by 1..15 bytes: not there */
	for (long cut = 1; cut < 16; cut++) {
		assert_int_equal(parse(seg1_then_0, 2, 44 + 32 - cut).rc,
				 -ENOENT);
		assert_window(parse(seg0_then_1, 2, 44 + 32 - cut), 0xe0000000,
			      0, 0x3f);
		/* only a partial first entry */
		assert_int_equal(parse(seg0_then_1, 2, 44 + 16 - cut).rc,
				 -ENOENT);
	}
	/* whole: both complete */
	assert_window(parse(seg1_then_0, 2, 44 + 32), 0xe0000000, 0, 0xff);
}

/* ---- "bb:dd.f" ------------------------------------------------------------- */

/* pci_parse_bdf on an exact-size heap copy of s. */
static bool parse_bdf(const char *s, uint16_t *bdf)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, s, n);
	ok = pci_parse_bdf(copy, bdf);
	free(copy);
	return ok;
}

static void test_bdf_valid(void **state)
{
	static const struct {
		const char *s;
		uint16_t bdf;
	} t[] = {
		{ "00:02.0", 0x0010 }, { "ff:1f.7", 0xffff },
		{ "FF:1F.7", 0xffff }, { "Ff:1F.7", 0xffff },
		{ "03:00.1", 0x0301 }, { "00:1f.3", 0x00fb },
		{ "80:00.0", 0x8000 }, { "aB:0c.3", 0xab63 },
		{ "00:00.0", 0x0000 }, { "01:10.4", 0x0184 },
		{ "00:19.7", 0x00cf },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		uint16_t bdf = 0x5a5a;

		if (!parse_bdf(t[i].s, &bdf) || bdf != t[i].bdf)
			fail_msg("\"%s\": %#x, expected %#x", t[i].s, bdf,
				 t[i].bdf);
	}
}

static void test_bdf_invalid(void **state)
{
	static const char *const bad[] = {
		"00:20.0",  /* device > 31 */
		"00:ff.0",  "00:32.0", "00:2f.0",
		"00:02.8",  /* function > 7 */
		"00:02.9",  "00:02.a", "00:02./", "00:02.:",
		"0:02.0",   "00:2.0",  "00:02.0x", "00:02.00", "00:02.0 ",
		"00:02.0\n",
		"",	    "0",       "00",	   "00:",     "00:0",
		"00:02",    "00:02.",  "zz:00.0", "0z:00.0", "z0:00.0",
		"g0:00.0",  "0g:00.0", "00:g0.0", "00:0g.0", "00:1G.0",
		"0::02.0",  "00:0:.0", "00:::.0", "00::2.0",
		"0/:00.0",  "@0:00.0", "`0:00.0", "00:0@.0", "00:0`.0",
		"00-02.0",  "00:02,0", "00.02.0", "000:02.0", " 00:02.0",
		"+0:02.0",  "00:-2.0", "0x:02.0", "00:02.-1",
		"0000:00:02.0", /* with a segment */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint16_t bdf = 0x5a5a;

		if (parse_bdf(bad[i], &bdf))
			fail_msg("\"%s\" accepted as %#x", bad[i], bdf);
	}
}

/* Every bus, device and function, in lower and upper case; every device
 * number above 31 rejected. */
static void test_bdf_exhaustive(void **state)
{
	char s[16];
	uint16_t bdf;

	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 256; dev++) {
			for (unsigned fn = 0; fn < 8; fn++) {
				bool ok;

				snprintf(s, sizeof(s), (bus ^ dev) & 1 ?
							       "%02X:%02X.%u" :
							       "%02x:%02x.%u",
					 bus, dev, fn);
				bdf = 0x5a5a;
				ok = parse_bdf(s, &bdf);
				if (dev > 31) {
					if (ok)
						fail_msg("\"%s\" accepted", s);
					continue;
				}
				if (!ok || bdf != PCI_BDF(bus, dev, fn))
					fail_msg("\"%s\": ok %d bdf %#x", s, ok,
						 bdf);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bar_io),
		cmocka_unit_test(test_bar_unimplemented),
		cmocka_unit_test(test_bar_mem32),
		cmocka_unit_test(test_bar_mem64),
		cmocka_unit_test(test_bar_every_size),
		cmocka_unit_test(test_mcfg_one_segment),
		cmocka_unit_test(test_mcfg_segment_0_second),
		cmocka_unit_test(test_mcfg_no_segment_0),
		cmocka_unit_test(test_mcfg_short),
		cmocka_unit_test(test_mcfg_bad_window),
		cmocka_unit_test(test_mcfg_truncated_entry),
		cmocka_unit_test(test_bdf_valid),
		cmocka_unit_test(test_bdf_invalid),
		cmocka_unit_test(test_bdf_exhaustive),
	};

	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
