/* SPDX-License-Identifier: MIT */
/*
 * drivers/vtd_tables.c: the VT-d entry encoders checked field by field
 * against the layouts of the Intel VT-d specification 4.1 (9.1-9.4 root
 * and context entries, 9.8 second-level paging entries, 9.10 interrupt
 * remapping entries, 6.5.2 invalidation descriptors, 5.1.5.2 remappable
 * MSIs, 7.1.3 fault reasons), and the software walker vtd_walk() over
 * root, context and second-level tables built here with the shared
 * page-table engine of ept/pt.c in fake memory.
 */
#include "arena.h"

#include <stdbool.h>

#include "drivers/vtd_hw.h"
#include "ept/pt.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define SZ_4K (4 * KiB)
#define SZ_2M (2 * MiB)
#define SZ_1G GiB
#define ADDR 0x000ffffffffff000ull

/* bits hi:lo of v */
static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & (hi - lo == 63 ? ~0ull : (1ull << (hi - lo + 1)) - 1);
}

static int setup(void **state)
{
	arena_setup(ARENA_PAGE);
	return 0;
}

static int teardown(void **state)
{
	arena_teardown();
	return 0;
}

/* ---- root and context entries (9.1-9.4) -------------------------------- */

static const uint64_t some_pas[] = {
	0,
	0x1000,
	0x12345000,
	0x000ffffffffff000ull, /* the highest 4 KiB page of 52 bits */
	0x12345fffull,	       /* low bits set */
	0xfff0001234567abcull, /* low bits and bits above 51 set */
	~0ull,
};

static void test_root_entry(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(some_pas); i++) {
		uint64_t pa = some_pas[i];
		struct vtd_entry e = vtd_root_entry(pa);

		assert_int_equal(bits(e.lo, 0, 0), 1);	       /* P */
		assert_int_equal(bits(e.lo, 11, 1), 0);	       /* reserved */
		assert_int_equal(bits(e.lo, 63, 12), bits(pa, 51, 12)); /* CTP */
		assert_int_equal(e.hi, 0);
	}
	assert_int_equal(vtd_root_entry(0x7f001000).lo, 0x7f001001);
}

static void test_context_entry(void **state)
{
	static const uint16_t dids[] = { 0, 1, 0x00ff, 0xa5c3, 0xffff };

	for (unsigned i = 0; i < ARRAY_SIZE(some_pas); i++)
		for (unsigned aw = VTD_AW_39; aw <= VTD_AW_48; aw++)
			for (unsigned d = 0; d < ARRAY_SIZE(dids); d++) {
				uint64_t pa = some_pas[i];
				struct vtd_entry e =
					vtd_context_entry(pa, aw, dids[d]);

				assert_int_equal(bits(e.lo, 0, 0), 1); /* P */
				assert_int_equal(bits(e.lo, 1, 1), 0); /* FPD */
				assert_int_equal(bits(e.lo, 3, 2), 0); /* TT */
				assert_int_equal(bits(e.lo, 11, 4), 0);
				assert_int_equal(bits(e.lo, 63, 12),
						 bits(pa, 51, 12)); /* SLPTPTR */
				assert_int_equal(bits(e.hi, 2, 0), aw); /* AW */
				assert_int_equal(bits(e.hi, 7, 3), 0);
				assert_int_equal(bits(e.hi, 23, 8), dids[d]);
				assert_int_equal(bits(e.hi, 63, 24), 0);
			}
	/* a whole example: AW 48, DID 0x1234 */
	{
		struct vtd_entry e = vtd_context_entry(0xabcd000, VTD_AW_48,
						       0x1234);

		assert_int_equal(e.lo, 0xabcd001);
		assert_int_equal(e.hi, 0x123402);
	}
	/* AW is a 3-bit field: nothing spills into the DID */
	assert_int_equal(vtd_context_entry(0x1000, 0xff, 0).hi, 7);
}

/* ---- interrupt remapping entries (9.10) --------------------------------- */

static void check_irte(uint8_t vector, uint32_t apic_id, bool x2apic)
{
	struct vtd_entry e = vtd_irte(vector, apic_id, x2apic);

	assert_int_equal(bits(e.lo, 0, 0), 1);	/* P */
	assert_int_equal(bits(e.lo, 1, 1), 0);	/* FPD */
	assert_int_equal(bits(e.lo, 2, 2), 0);	/* DM: physical */
	assert_int_equal(bits(e.lo, 3, 3), 0);	/* RH */
	assert_int_equal(bits(e.lo, 4, 4), 0);	/* TM: edge */
	assert_int_equal(bits(e.lo, 7, 5), 0);	/* DLM: fixed */
	assert_int_equal(bits(e.lo, 15, 8), 0); /* AVAIL, reserved, IM */
	assert_int_equal(bits(e.lo, 23, 16), vector);
	assert_int_equal(bits(e.lo, 31, 24), 0);
	if (x2apic) {
		assert_int_equal(bits(e.lo, 63, 32), apic_id);
	} else {
		assert_int_equal(bits(e.lo, 39, 32), 0);
		assert_int_equal(bits(e.lo, 47, 40), apic_id & 0xff);
		assert_int_equal(bits(e.lo, 63, 48), 0);
	}
	assert_int_equal(e.hi, 0); /* SID, SQ, SVT = 0 */
}

static void test_irte(void **state)
{
	static const uint32_t ids[] = { 0,	0x1,	    0x12,      0x80,
					0xff,	0x100,	    0x1ff,     0x12345678,
					0xfffe, 0x80000000, 0xffffffff };
	static const uint8_t vectors[] = { 0, 0x20, 0x41, 0x80, 0xfe, 0xff };

	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++)
		for (unsigned v = 0; v < ARRAY_SIZE(vectors); v++) {
			check_irte(vectors[v], ids[i], false);
			check_irte(vectors[v], ids[i], true);
		}
	/* whole examples */
	assert_int_equal(vtd_irte(0x41, 0x12, false).lo, 0x0000120000410001ull);
	assert_int_equal(vtd_irte(0x41, 0x1ff, false).lo,
			 0x0000ff0000410001ull);
	assert_int_equal(vtd_irte(0xec, 0x12345678, true).lo,
			 0x1234567800ec0001ull);
}

/* ---- invalidation descriptors (6.5.2) ----------------------------------- */

static void test_inv_context_global(void **state)
{
	struct vtd_entry e = vtd_inv_context_global();

	assert_int_equal(bits(e.lo, 3, 0), 1); /* type: context cache */
	assert_int_equal(bits(e.lo, 5, 4), 1); /* G: global */
	assert_int_equal(bits(e.lo, 63, 6), 0); /* DID, SID, FM: 0 */
	assert_int_equal(e.hi, 0);
	assert_int_equal(e.lo, 0x11);
}

static void test_inv_iotlb_domain(void **state)
{
	static const uint16_t dids[] = { 0, 1, 0x8001, 0xa5c3, 0xffff };

	for (unsigned i = 0; i < ARRAY_SIZE(dids); i++) {
		struct vtd_entry e = vtd_inv_iotlb_domain(dids[i]);

		assert_int_equal(bits(e.lo, 3, 0), 2);	 /* type: IOTLB */
		assert_int_equal(bits(e.lo, 5, 4), 2);	 /* G: domain */
		assert_int_equal(bits(e.lo, 6, 6), 1);	 /* DW */
		assert_int_equal(bits(e.lo, 7, 7), 1);	 /* DR */
		assert_int_equal(bits(e.lo, 15, 8), 0);
		assert_int_equal(bits(e.lo, 31, 16), dids[i]);
		assert_int_equal(bits(e.lo, 63, 32), 0);
		assert_int_equal(e.hi, 0); /* ADDR, IH, AM: unused */
	}
	assert_int_equal(vtd_inv_iotlb_domain(0x1234).lo, 0x123400e2);
}

static void test_inv_iec_global(void **state)
{
	struct vtd_entry e = vtd_inv_iec_global();

	assert_int_equal(bits(e.lo, 3, 0), 4); /* type: interrupt entry cache */
	assert_int_equal(bits(e.lo, 4, 4), 0); /* G: global */
	assert_int_equal(bits(e.lo, 63, 5), 0);
	assert_int_equal(e.hi, 0);
}

static void test_inv_wait(void **state)
{
	static const uint64_t pas[] = { 0, 0x1000, 0x1234567b, 0x7f00000c,
					0xfffffffffffffffcull, ~0ull };
	static const uint32_t data[] = { 0, 1, 0xdeadbeef, 0xffffffff };

	for (unsigned i = 0; i < ARRAY_SIZE(pas); i++)
		for (unsigned d = 0; d < ARRAY_SIZE(data); d++) {
			struct vtd_entry e = vtd_inv_wait(pas[i], data[d]);

			assert_int_equal(bits(e.lo, 3, 0), 5); /* type: wait */
			assert_int_equal(bits(e.lo, 4, 4), 0); /* IF */
			assert_int_equal(bits(e.lo, 5, 5), 1); /* SW */
			assert_int_equal(bits(e.lo, 6, 6), 1); /* FN */
			assert_int_equal(bits(e.lo, 31, 7), 0); /* PD, rsvd */
			assert_int_equal(bits(e.lo, 63, 32), data[d]);
			assert_int_equal(bits(e.hi, 1, 0), 0);
			assert_int_equal(bits(e.hi, 63, 2), bits(pas[i], 63, 2));
		}
	assert_int_equal(vtd_inv_wait(0x1234567b, 0xdeadbeef).lo,
			 0xdeadbeef00000065ull);
	assert_int_equal(vtd_inv_wait(0x1234567b, 0xdeadbeef).hi, 0x12345678);
}

/* ---- remappable MSI (5.1.5.2) ------------------------------------------- */

static void msi(uint16_t handle, uint64_t *addr, uint32_t *data)
{
	*addr = 0x5a5a5a5a5a5a5a5aull; /* poison: every bit must be written */
	*data = 0x5a5a5a5a;
	vtd_msi_remappable(handle, addr, data);
}

static void test_msi_remappable_examples(void **state)
{
	static const struct {
		uint16_t handle;
		uint64_t addr;
	} t[] = {
		{ 0, 0xfee00010 },	{ 1, 0xfee00030 },
		{ 0x7fff, 0xfeeffff0 }, { 0x8000, 0xfee00014 },
		{ 0xffff, 0xfeeffff4 }, { 0x1234, 0xfee24690 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t addr;
		uint32_t data;

		msi(t[i].handle, &addr, &data);
		assert_int_equal(addr, t[i].addr);
		assert_int_equal(data, 0);
	}
}

static void test_msi_remappable_every_handle(void **state)
{
	for (uint32_t h = 0; h <= 0xffff; h++) {
		uint64_t addr;
		uint32_t data;

		msi((uint16_t)h, &addr, &data);
		assert_int_equal(bits(addr, 63, 32), 0);
		assert_int_equal(bits(addr, 31, 20), 0xfee);
		assert_int_equal(bits(addr, 19, 5), h & 0x7fff); /* handle[14:0] */
		assert_int_equal(bits(addr, 4, 4), 1);		  /* format 1 */
		assert_int_equal(bits(addr, 3, 3), 0);		  /* SHV */
		assert_int_equal(bits(addr, 2, 2), h >> 15);	  /* handle[15] */
		assert_int_equal(bits(addr, 1, 0), 0);
		assert_int_equal(data, 0);
	}
}

/* ---- second-level format (9.8, CAP.SLLPS 11.4.2) ------------------------ */

static void test_sl_format(void **state)
{
	static const struct {
		uint64_t cap;
		unsigned max_leaf_level;
	} t[] = {
		{ 0, 1 },
		{ 1ull << 34, 2 },		  /* 2 MiB */
		{ 1ull << 35, 3 },		  /* 1 GiB without 2 MiB */
		{ 3ull << 34, 3 },		  /* both */
		{ 1ull << 36, 1 },		  /* 512 GiB: not used */
		{ 1ull << 37, 1 },		  /* 1 TiB: not used */
		{ 0xcull << 34, 1 },
		{ ~(0xfull << 34), 1 },		  /* every other bit set */
		{ ~(0xfull << 34) | 1ull << 34, 2 },
		{ ~0ull, 3 },
		{ 1ull << 33 | 1ull << 38, 1 },	  /* neighbours of the field */
		/* a real CAP (SLLPS 0011b), then without 1 GiB, without both */
		{ 0x00d2008c40660462ull, 3 },
		{ 0x00d2008c40660462ull & ~(1ull << 35), 2 },
		{ 0x00d2008c40660462ull & ~(3ull << 34), 1 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct pt_format f;

		memset(&f, 0xa5, sizeof(f));
		vtd_sl_format(t[i].cap, &f);
		assert_int_equal(f.present, SL_R | SL_W);
		assert_int_equal(f.present, 3);
		assert_int_equal(f.table_flags, 3);
		assert_int_equal(f.large, 1ull << 7);
		if (f.max_leaf_level != t[i].max_leaf_level)
			fail_msg("cap %#llx: max_leaf_level %u, expected %u",
				 (unsigned long long)t[i].cap, f.max_leaf_level,
				 t[i].max_leaf_level);
	}
}

/* ---- fault reasons (7.1.3, table 7-29) ---------------------------------- */

static void test_fault_reason(void **state)
{
	static const char *const known[] = {
		[1] = "root entry not present",
		[2] = "context entry not present",
		[3] = "invalid context entry",
		[4] = "address beyond the guest address width",
		[5] = "write to a page without write permission",
		[6] = "read from a page without read permission",
		[7] = "paging entry could not be read",
		[8] = "root table could not be read",
		[9] = "context table could not be read",
		[10] = "reserved bit set in a root entry",
		[11] = "reserved bit set in a context entry",
		[12] = "reserved bit set in a paging entry",
		[13] = "translation type blocked",
		[0x20] = "reserved field in an interrupt request",
		[0x21] = "interrupt index beyond the remapping table",
		[0x22] = "interrupt remapping entry not present",
		[0x23] = "interrupt remapping table could not be read",
		[0x24] = "reserved bit set in an interrupt remapping entry",
		[0x25] = "compatibility-format interrupt blocked",
		[0x26] = "interrupt source-id verification failed",
	};
	static const unsigned unknown[] = { 0,	  14,	0x1f,	 0x27,
					    0x30, 255,	256,	 0x120,
					    0x10001, 0xffffffffu };

	for (unsigned r = 0; r < ARRAY_SIZE(known); r++) {
		const char *s = vtd_fault_reason(r);

		assert_non_null(s);
		if (known[r])
			assert_string_equal(s, known[r]);
		else
			assert_string_equal(s, "unknown fault reason");
	}
	for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++)
		assert_string_equal(vtd_fault_reason(unknown[i]),
				    "unknown fault reason");
	for (unsigned r = 0x27; r < 0x200; r++)
		assert_string_equal(vtd_fault_reason(r), "unknown fault reason");
}

/* ---- tables in fake memory, checked with vtd_walk() -------------------- */

/* vtd_walk's virt has no context: every table lives in the global arena. */
static const void *fake_virt(uint64_t pa)
{
	return arena_table(&arena, pa);
}

static uint64_t new_page(void)
{
	uint64_t pa = arena_alloc(&arena);

	assert_int_not_equal(pa, 0);
	return pa;
}

static struct vtd_entry *entries(uint64_t pa)
{
	return arena_table(&arena, pa);
}

static uint64_t *qwords(uint64_t pa)
{
	return arena_table(&arena, pa);
}

/* Points bdf's context entry at slpt, creating its context table. */
static void set_context(uint64_t root_pa, uint16_t bdf, uint64_t slpt,
			unsigned aw, uint16_t did)
{
	struct vtd_entry *root = entries(root_pa);

	if (!(root[bdf >> 8].lo & 1))
		root[bdf >> 8] = vtd_root_entry(new_page());
	entries(root[bdf >> 8].lo & ADDR)[bdf & 0xff] =
		vtd_context_entry(slpt, aw, did);
}

static struct vtd_entry *context_of(uint64_t root_pa, uint16_t bdf)
{
	return &entries(entries(root_pa)[bdf >> 8].lo & ADDR)[bdf & 0xff];
}

/* The engine's level-3 table for IOVA 0-512 GiB: what a 3-level context
 * points to (as drivers/vtd.c does). */
static uint64_t pdpt_of(const struct pt *pt)
{
	uint64_t e = qwords(pt->root)[0];

	assert_true(e & (SL_R | SL_W));
	return e & ADDR;
}

struct res {
	int rc;
	uint64_t pa;
	bool r, w;
};

static struct res walk(uint64_t root, uint16_t bdf, uint64_t iova)
{
	/* poison: a fault or a missing translation must clear r and w */
	struct res x = { -1, 0xdead000, true, true };

	x.rc = vtd_walk(fake_virt, root, bdf, iova, &x.pa, &x.r, &x.w);
	return x;
}

#define BDF_A PCI_BDF_(0x00, 0x02, 0) /* 00:02.0 */
#define BDF_B PCI_BDF_(0x03, 0x00, 1) /* 03:00.1 */
#define PCI_BDF_(b, d, f) ((uint16_t)((b) << 8 | (d) << 3 | (f)))

static void assert_xlate_(uint64_t root, uint16_t bdf, uint64_t iova,
			  uint64_t pa, bool r, bool w, int line)
{
	struct res x = walk(root, bdf, iova);

	if (x.rc != 0 || x.pa != pa || x.r != r || x.w != w)
		fail_msg("line %d: bdf %04x iova %#llx: rc %d pa %#llx r %d w %d;"
			 " expected 0 pa %#llx r %d w %d",
			 line, bdf, (unsigned long long)iova, x.rc,
			 (unsigned long long)x.pa, x.r, x.w,
			 (unsigned long long)pa, r, w);
}
#define assert_xlate(root, bdf, iova, pa, r, w) \
	assert_xlate_(root, bdf, iova, pa, r, w, __LINE__)

static void assert_noperm_(uint64_t root, uint16_t bdf, uint64_t iova, int line)
{
	struct res x = walk(root, bdf, iova);

	if (x.rc != 0 || x.r || x.w)
		fail_msg("line %d: bdf %04x iova %#llx: rc %d r %d w %d; "
			 "expected no permission",
			 line, bdf, (unsigned long long)iova, x.rc, x.r, x.w);
}
#define assert_noperm(root, bdf, iova) assert_noperm_(root, bdf, iova, __LINE__)

static void assert_fault_(uint64_t root, uint16_t bdf, uint64_t iova,
			  int reason, int line)
{
	struct res x = walk(root, bdf, iova);

	if (x.rc != reason || x.r || x.w)
		fail_msg("line %d: bdf %04x iova %#llx: rc %d r %d w %d; "
			 "expected fault %d without permission",
			 line, bdf, (unsigned long long)iova, x.rc, x.r, x.w,
			 reason);
}
#define assert_fault(root, bdf, iova, reason) \
	assert_fault_(root, bdf, iova, reason, __LINE__)

/* A domain in the arena with large pages as cap allows. */
struct domain {
	struct pt_format fmt;
	struct pt pt;
};

static void new_domain(struct domain *d, uint64_t cap)
{
	vtd_sl_format(cap, &d->fmt);
	assert_int_equal(pt_init(&d->pt, &d->fmt, &arena_env), 0);
}

static void assert_leaf_level(const struct domain *d, uint64_t iova,
			      unsigned level)
{
	struct pt_leaf l;

	assert_int_equal(pt_lookup(&d->pt, iova, &l), 0);
	assert_int_equal(l.level, level);
}

#define CAP_2M (1ull << 34)
#define CAP_1G (1ull << 35)

static void test_walk_4k_pages(void **state)
{
	struct domain d;
	uint64_t root = new_page();
	const uint64_t hi = 0x7fff1234d000ull;

	new_domain(&d, 0);
	assert_int_equal(pt_map(&d.pt, hi, 0xabcde000, SZ_4K, SL_R | SL_W), 0);
	assert_int_equal(pt_map(&d.pt, 0x1000, 0x5000, SZ_4K, SL_R), 0);
	/* 16 pages, 2 MiB-aligned on both sides: still 4 KiB leaves */
	assert_int_equal(pt_map(&d.pt, 0x40000000, 0x80000000, 16 * SZ_4K,
				SL_R | SL_W),
			 0);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 1);
	set_context(root, BDF_B, d.pt.root, VTD_AW_48, 1);

	for (unsigned b = 0; b < 2; b++) {
		uint16_t bdf = b ? BDF_B : BDF_A;

		assert_xlate(root, bdf, hi, 0xabcde000, true, true);
		assert_xlate(root, bdf, hi + 0x123, 0xabcde123, true, true);
		assert_xlate(root, bdf, hi + 0xfff, 0xabcdefff, true, true);
		assert_noperm(root, bdf, hi - 1);
		assert_noperm(root, bdf, hi + 0x1000);
		assert_xlate(root, bdf, 0x1000, 0x5000, true, false);
		assert_xlate(root, bdf, 0x1abc, 0x5abc, true, false);
		assert_noperm(root, bdf, 0xfff);
		assert_noperm(root, bdf, 0x2000);
		assert_noperm(root, bdf, 0);
		for (uint64_t off = 0; off < 16 * SZ_4K; off += 0x801)
			assert_xlate(root, bdf, 0x40000000 + off,
				     0x80000000 + off, true, true);
		assert_noperm(root, bdf, 0x40000000 + 16 * SZ_4K);
		assert_noperm(root, bdf, 0x40000000 - 1);
	}
	assert_leaf_level(&d, 0x40000000, 1);
	/* other functions of the same buses have no context */
	assert_fault(root, PCI_BDF_(0, 2, 1), hi, 2);
	assert_fault(root, PCI_BDF_(0, 3, 0), hi, 2);
	assert_fault(root, PCI_BDF_(3, 0, 0), hi, 2);
	assert_fault(root, PCI_BDF_(0, 0, 0), 0x1000, 2);
	/* buses without a root entry */
	assert_fault(root, PCI_BDF_(1, 0, 0), hi, 1);
	assert_fault(root, PCI_BDF_(2, 0, 1), hi, 1);
	assert_fault(root, PCI_BDF_(0xff, 0x1f, 7), hi, 1);
	pt_destroy(&d.pt);
}

static void test_walk_2m_pages(void **state)
{
	struct domain d;
	uint64_t root = new_page();
	const uint64_t iova = 0x40000000 + SZ_2M, pa = 0x80000000;

	new_domain(&d, CAP_2M);
	assert_int_equal(d.fmt.max_leaf_level, 2);
	assert_int_equal(pt_map(&d.pt, iova, pa, 2 * SZ_2M, SL_R | SL_W), 0);
	/* an unaligned 2 MiB: 4 KiB pages */
	assert_int_equal(pt_map(&d.pt, 0x10001000, 0x20000000, SZ_2M, SL_R), 0);
	/* 1 GiB aligned, but 1 GiB pages are not offered */
	assert_int_equal(pt_map(&d.pt, 2 * SZ_1G, 4 * SZ_1G, SZ_1G, SL_R), 0);
	assert_leaf_level(&d, iova, 2);
	assert_leaf_level(&d, iova + SZ_2M, 2);
	assert_leaf_level(&d, 0x10001000, 1);
	assert_leaf_level(&d, 2 * SZ_1G, 2);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 7);
	set_context(root, BDF_B, d.pt.root, VTD_AW_48, 7);

	for (unsigned b = 0; b < 2; b++) {
		uint16_t bdf = b ? BDF_B : BDF_A;
		static const uint64_t offs[] = { 0,	   0x123,    0xfff,
						 0x1000,   0x1234,   0xfedcb,
						 0x1fffff, 0x200000, 0x2abcde,
						 0x3ff000, 0x3fffff };

		for (unsigned i = 0; i < ARRAY_SIZE(offs); i++)
			assert_xlate(root, bdf, iova + offs[i], pa + offs[i],
				     true, true);
		assert_noperm(root, bdf, iova - 1);
		assert_noperm(root, bdf, iova - SZ_4K);
		assert_noperm(root, bdf, iova + 2 * SZ_2M);
		assert_noperm(root, bdf, 0x40000000);

		assert_xlate(root, bdf, 0x10001000, 0x20000000, true, false);
		assert_xlate(root, bdf, 0x10001000 + SZ_2M - 1,
			     0x20000000 + SZ_2M - 1, true, false);
		assert_xlate(root, bdf, 0x10001000 + 0x54321,
			     0x20000000 + 0x54321, true, false);
		assert_noperm(root, bdf, 0x10000fff);
		assert_noperm(root, bdf, 0x10001000 + SZ_2M);

		assert_xlate(root, bdf, 2 * SZ_1G, 4 * SZ_1G, true, false);
		assert_xlate(root, bdf, 2 * SZ_1G + 0x3ffff123,
			     4 * SZ_1G + 0x3ffff123, true, false);
		assert_noperm(root, bdf, 3 * SZ_1G);
		assert_noperm(root, bdf, 2 * SZ_1G - 1);
	}
	pt_destroy(&d.pt);
}

static void test_walk_1g_pages(void **state)
{
	struct domain d;
	uint64_t root = new_page();
	const uint64_t iova = 5 * SZ_1G, pa = 3 * SZ_1G;

	new_domain(&d, CAP_1G | CAP_2M);
	assert_int_equal(d.fmt.max_leaf_level, 3);
	assert_int_equal(pt_map(&d.pt, iova, pa, SZ_1G, SL_R), 0);
	/* 1 GiB + 2 MiB + 4 KiB, read-write, high up */
	assert_int_equal(pt_map(&d.pt, 0x7f8000000000ull, 0x100000000000ull,
				SZ_1G + SZ_2M + SZ_4K, SL_R | SL_W),
			 0);
	assert_leaf_level(&d, iova, 3);
	assert_leaf_level(&d, 0x7f8000000000ull, 3);
	assert_leaf_level(&d, 0x7f8000000000ull + SZ_1G, 2);
	assert_leaf_level(&d, 0x7f8000000000ull + SZ_1G + SZ_2M, 1);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 3);
	set_context(root, BDF_B, d.pt.root, VTD_AW_48, 3);

	for (unsigned b = 0; b < 2; b++) {
		uint16_t bdf = b ? BDF_B : BDF_A;
		static const uint64_t offs[] = { 0,	     0x123,
						 0x1000,     0x1fffff,
						 0x200000,   0x12345678,
						 0x3fe00000, 0x3fffffff };
		const uint64_t hi = 0x7f8000000000ull, hpa = 0x100000000000ull;

		for (unsigned i = 0; i < ARRAY_SIZE(offs); i++) {
			assert_xlate(root, bdf, iova + offs[i], pa + offs[i],
				     true, false);
			assert_xlate(root, bdf, hi + offs[i], hpa + offs[i],
				     true, true);
		}
		assert_noperm(root, bdf, iova - 1);
		assert_noperm(root, bdf, iova + SZ_1G);
		assert_xlate(root, bdf, hi + SZ_1G + 0x1abcde,
			     hpa + SZ_1G + 0x1abcde, true, true);
		assert_xlate(root, bdf, hi + SZ_1G + SZ_2M + 0xfff,
			     hpa + SZ_1G + SZ_2M + 0xfff, true, true);
		assert_noperm(root, bdf, hi + SZ_1G + SZ_2M + SZ_4K);
		assert_noperm(root, bdf, hi - 1);
	}
	pt_destroy(&d.pt);
}

static void test_walk_address_width(void **state)
{
	struct domain d;
	uint64_t root = new_page();
	const uint16_t bdf39 = PCI_BDF_(0, 4, 0);
	const uint64_t top48 = (1ull << 48) - SZ_4K, top39 = (1ull << 39) - SZ_4K;

	new_domain(&d, 0);
	assert_int_equal(pt_map(&d.pt, top48, 0x1000, SZ_4K, SL_R | SL_W), 0);
	assert_int_equal(pt_map(&d.pt, top39, 0x2000, SZ_4K, SL_R | SL_W), 0);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 1);
	set_context(root, bdf39, pdpt_of(&d.pt), VTD_AW_39, 1);

	assert_xlate(root, BDF_A, top48 + 0xfff, 0x1fff, true, true);
	assert_fault(root, BDF_A, 1ull << 48, 4);
	assert_fault(root, BDF_A, (1ull << 48) + top48, 4);
	assert_fault(root, BDF_A, 1ull << 63, 4);
	assert_fault(root, BDF_A, ~0ull, 4);
	assert_xlate(root, BDF_A, top39 + 0xfff, 0x2fff, true, true);
	assert_noperm(root, BDF_A, 1ull << 39);

	assert_xlate(root, bdf39, top39, 0x2000, true, true);
	assert_xlate(root, bdf39, top39 + 0xfff, 0x2fff, true, true);
	assert_fault(root, bdf39, 1ull << 39, 4);
	assert_fault(root, bdf39, (1ull << 39) + top39, 4);
	assert_fault(root, bdf39, top48, 4);
	assert_fault(root, bdf39, 1ull << 47, 4);
	assert_fault(root, bdf39, ~0ull, 4);
	pt_destroy(&d.pt);
}

static void test_walk_invalid_context(void **state)
{
	struct domain d;
	uint64_t root = new_page();

	new_domain(&d, 0);
	assert_int_equal(pt_map(&d.pt, 0x1000, 0x5000, SZ_4K, SL_R | SL_W), 0);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 1);
	assert_xlate(root, BDF_A, 0x1000, 0x5000, true, true);

	/* TT 01 (device TLB), 10 (pass-through), 11 (reserved): only 00
	 * is programmed, the rest is invalid */
	for (uint64_t tt = 1; tt <= 3; tt++) {
		struct vtd_entry *c = context_of(root, BDF_A);

		*c = vtd_context_entry(d.pt.root, VTD_AW_48, 1);
		c->lo |= tt << 2;
		assert_fault(root, BDF_A, 0x1000, 3);
		assert_fault(root, BDF_A, 0, 3);
	}
	/* AW 3 (57-bit, 5 levels) and 4-7 (reserved) */
	for (unsigned aw = 3; aw <= 7; aw++) {
		*context_of(root, BDF_A) = vtd_context_entry(d.pt.root, aw, 1);
		assert_fault(root, BDF_A, 0x1000, 3);
	}
	/* back to a valid entry */
	*context_of(root, BDF_A) = vtd_context_entry(d.pt.root, VTD_AW_48, 1);
	assert_xlate(root, BDF_A, 0x1000, 0x5000, true, true);
	/* present bit cleared: not present, whatever else it holds */
	context_of(root, BDF_A)->lo &= ~1ull;
	assert_fault(root, BDF_A, 0x1000, 2);
	/* the root entry's present bit cleared */
	context_of(root, BDF_A)->lo |= 1;
	entries(root)[0].lo &= ~1ull;
	assert_fault(root, BDF_A, 0x1000, 1);
	pt_destroy(&d.pt);
}

/* A 3-level context at the engine's level-3 table translates IOVAs below
 * 512 GiB as the 4-level one does. */
static void test_walk_3_level(void **state)
{
	struct domain d;
	uint64_t root = new_page();
	struct rng rng = { 0x3e5c0ffee1234567ull };

	new_domain(&d, CAP_1G | CAP_2M);
	assert_int_equal(pt_map(&d.pt, 0, 0x100000, 8 * SZ_4K, SL_R), 0);
	assert_int_equal(pt_map(&d.pt, 3 * SZ_1G, 7 * SZ_1G, SZ_1G, SL_R | SL_W),
			 0);
	assert_int_equal(pt_map(&d.pt, 0x1234400000ull, 0x55600000ull,
				3 * SZ_2M, SL_R | SL_W),
			 0);
	assert_int_equal(pt_map(&d.pt, (1ull << 39) - SZ_2M - SZ_4K,
				0xabc000000ull, SZ_4K, SL_R | SL_W),
			 0);
	/* beyond 512 GiB: only the 4-level context reaches it */
	assert_int_equal(pt_map(&d.pt, 1ull << 39, 0x9000, SZ_4K, SL_R | SL_W),
			 0);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 2);
	set_context(root, BDF_B, pdpt_of(&d.pt), VTD_AW_39, 2);

	assert_xlate(root, BDF_B, 0x1234, 0x101234, true, false);
	assert_xlate(root, BDF_B, 3 * SZ_1G + 0x12345678, 7 * SZ_1G + 0x12345678,
		     true, true);
	assert_xlate(root, BDF_B, 0x1234400000ull + 0x4fffff,
		     0x55600000ull + 0x4fffff, true, true);
	assert_xlate(root, BDF_B, (1ull << 39) - SZ_2M - SZ_4K + 0x10,
		     0xabc000010ull, true, true);
	assert_noperm(root, BDF_B, (1ull << 39) - SZ_2M);
	assert_noperm(root, BDF_B, 8 * SZ_4K);
	assert_noperm(root, BDF_B, 4 * SZ_1G);
	assert_fault(root, BDF_B, 1ull << 39, 4);
	assert_xlate(root, BDF_A, 1ull << 39, 0x9000, true, true);

	/* interesting points and random ones: both contexts agree */
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t iova;
		struct res a, b;

		switch (i % 4) {
		case 0:
			iova = rng_below(&rng, 1ull << 39);
			break;
		case 1:
			iova = 3 * SZ_1G - SZ_2M + rng_below(&rng, SZ_1G + 4 * SZ_2M);
			break;
		case 2:
			iova = 0x1234400000ull - SZ_4K +
			       rng_below(&rng, 3 * SZ_2M + 2 * SZ_4K);
			break;
		default:
			iova = rng_below(&rng, 16 * SZ_4K);
			break;
		}
		a = walk(root, BDF_A, iova);
		b = walk(root, BDF_B, iova);
		assert_int_equal(a.rc, 0);
		assert_int_equal(b.rc, 0);
		assert_int_equal(a.r, b.r);
		assert_int_equal(a.w, b.w);
		if (a.r || a.w)
			assert_int_equal(a.pa, b.pa);
	}
	pt_destroy(&d.pt);
}

static void test_walk_after_unmap(void **state)
{
	struct domain d;
	uint64_t root = new_page();
	const uint64_t big = 0x40000000, small = 0x7000;

	new_domain(&d, CAP_2M | CAP_1G);
	assert_int_equal(pt_map(&d.pt, big, 0x80000000, SZ_1G, SL_R | SL_W), 0);
	assert_int_equal(pt_map(&d.pt, small, 0x3000, 4 * SZ_4K, SL_R), 0);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 1);
	set_context(root, BDF_B, pdpt_of(&d.pt), VTD_AW_39, 1);

	/* a 4 KiB hole in the 1 GiB page: split down to 4 KiB leaves */
	assert_int_equal(pt_unmap(&d.pt, big + 5 * SZ_2M + 3 * SZ_4K, SZ_4K), 0);
	/* a whole 2 MiB of it */
	assert_int_equal(pt_unmap(&d.pt, big + 9 * SZ_2M, SZ_2M), 0);
	/* one of the small pages */
	assert_int_equal(pt_unmap(&d.pt, small + SZ_4K, SZ_4K), 0);

	for (unsigned b = 0; b < 2; b++) {
		uint16_t bdf = b ? BDF_B : BDF_A;
		uint64_t hole = big + 5 * SZ_2M + 3 * SZ_4K;

		assert_noperm(root, bdf, hole);
		assert_noperm(root, bdf, hole + 0xfff);
		assert_xlate(root, bdf, hole - 1, 0x80000000 + (hole - 1 - big),
			     true, true);
		assert_xlate(root, bdf, hole + SZ_4K,
			     0x80000000 + (hole + SZ_4K - big), true, true);
		assert_noperm(root, bdf, big + 9 * SZ_2M);
		assert_noperm(root, bdf, big + 10 * SZ_2M - 1);
		assert_xlate(root, bdf, big + 10 * SZ_2M,
			     0x80000000 + 10 * SZ_2M, true, true);
		assert_xlate(root, bdf, big + 9 * SZ_2M - 1,
			     0x80000000 + 9 * SZ_2M - 1, true, true);
		assert_xlate(root, bdf, big + SZ_1G - 1, 0x80000000 + SZ_1G - 1,
			     true, true);
		assert_xlate(root, bdf, small, 0x3000, true, false);
		assert_noperm(root, bdf, small + SZ_4K);
		assert_xlate(root, bdf, small + 2 * SZ_4K, 0x5000, true, false);
	}
	/* everything */
	assert_int_equal(pt_unmap(&d.pt, 0, 2 * SZ_1G), 0);
	for (unsigned b = 0; b < 2; b++) {
		uint16_t bdf = b ? BDF_B : BDF_A;

		for (uint64_t iova = 0; iova < 2 * SZ_1G; iova += 0x1ff000 + 0x123)
			assert_noperm(root, bdf, iova);
		assert_noperm(root, bdf, small);
		assert_noperm(root, bdf, big);
	}
	pt_destroy(&d.pt);
}

/* 3.7.1: the access rights are those every level grants. */
static void test_walk_permissions_across_levels(void **state)
{
	struct domain d;
	uint64_t root = new_page(), *e4, *e3, *e2;
	const uint64_t iova = 0x8040201000ull; /* index 1 at every level */
	const uint64_t big = 0x8040400000ull;  /* a 2 MiB leaf, same tables */

	new_domain(&d, CAP_2M);
	assert_int_equal(pt_map(&d.pt, iova, 0x777000, SZ_4K, SL_R | SL_W), 0);
	assert_int_equal(pt_map(&d.pt, big, 0x40000000, SZ_2M, SL_R | SL_W), 0);
	assert_leaf_level(&d, big, 2);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 1);
	assert_xlate(root, BDF_A, iova, 0x777000, true, true);
	assert_xlate(root, BDF_A, big + 0x1234, 0x40001234, true, true);

	e4 = &qwords(d.pt.root)[1];
	e3 = &qwords(*e4 & ADDR)[1];
	e2 = &qwords(*e3 & ADDR)[1];
	assert_int_equal(*e4 & 0xfff, SL_R | SL_W);
	assert_int_equal(*e3 & 0xfff, SL_R | SL_W);
	assert_int_equal(*e2 & 0xfff, SL_R | SL_W);

	/* without W at any non-leaf level: read-only */
	for (unsigned k = 0; k < 3; k++) {
		uint64_t *e = k == 0 ? e4 : k == 1 ? e3 : e2;

		*e &= ~SL_W;
		assert_xlate(root, BDF_A, iova, 0x777000, true, false);
		assert_xlate(root, BDF_A, iova + 0xabc, 0x777abc, true, false);
		if (e != e2)
			assert_xlate(root, BDF_A, big + 0x1234, 0x40001234,
				     true, false);
		else
			assert_xlate(root, BDF_A, big + 0x1234, 0x40001234,
				     true, true);
		*e |= SL_W;
		/* without R: write-only */
		*e &= ~SL_R;
		assert_xlate(root, BDF_A, iova, 0x777000, false, true);
		*e |= SL_R;
		/* neither: nothing */
		*e &= ~(SL_R | SL_W);
		assert_noperm(root, BDF_A, iova);
		*e |= SL_R | SL_W;
		assert_xlate(root, BDF_A, iova, 0x777000, true, true);
	}
	/* R at one level, W at another: no access at all */
	*e4 &= ~SL_W;
	*e2 &= ~SL_R;
	assert_noperm(root, BDF_A, iova);
	*e4 |= SL_W;
	*e2 |= SL_R;
	/* a read-only leaf stays read-only under RW tables */
	assert_int_equal(pt_map(&d.pt, iova, 0x888000, SZ_4K, SL_R), 0);
	assert_xlate(root, BDF_A, iova, 0x888000, true, false);
	pt_destroy(&d.pt);
}

/* Random maps and unmaps over a window crossing a 1 GiB boundary, against
 * a page-granular model; every page checked through 4- and 3-level
 * contexts after every operation. */
#define RW_BASE (SZ_1G - 2 * SZ_2M)
#define RW_PAGES (4 * 512)

struct model_page {
	bool mapped, w;
	uint64_t pa;
};

static void check_model(uint64_t root, const struct model_page *m,
			unsigned op)
{
	for (unsigned i = 0; i < RW_PAGES; i++) {
		uint64_t iova = RW_BASE + i * SZ_4K + (i * 0x35 & 0xfff);

		for (unsigned b = 0; b < 2; b++) {
			uint16_t bdf = b ? BDF_B : BDF_A;
			struct res x = walk(root, bdf, iova);
			bool bad = x.rc != 0;

			if (m[i].mapped)
				bad |= !x.r || x.w != m[i].w ||
				       x.pa != m[i].pa + (iova & 0xfff);
			else
				bad |= x.r || x.w;
			if (bad)
				fail_msg("op %u, bdf %04x iova %#llx: rc %d pa "
					 "%#llx r %d w %d; model: mapped %d pa "
					 "%#llx w %d",
					 op, bdf, (unsigned long long)iova,
					 x.rc, (unsigned long long)x.pa, x.r,
					 x.w, m[i].mapped,
					 (unsigned long long)(m[i].pa +
							      (iova & 0xfff)),
					 m[i].w);
		}
	}
	assert_noperm(root, BDF_A, RW_BASE - 1);
	assert_noperm(root, BDF_A, RW_BASE + RW_PAGES * SZ_4K);
}

static void test_walk_random_against_model(void **state)
{
	static struct model_page m[RW_PAGES];
	struct domain d;
	uint64_t root = new_page();
	struct rng rng = { 0x9e3779b97f4a7c15ull };
	unsigned maps = 0, unmaps = 0, large = 0;

	memset(m, 0, sizeof(m));
	new_domain(&d, CAP_2M);
	/* something below the window so that PML4[0] exists for AW 39 */
	assert_int_equal(pt_map(&d.pt, 0, 0x1000, SZ_4K, SL_R), 0);
	set_context(root, BDF_A, d.pt.root, VTD_AW_48, 9);
	set_context(root, BDF_B, pdpt_of(&d.pt), VTD_AW_39, 9);

	for (unsigned op = 0; op < 400; op++) {
		unsigned first, n;
		uint64_t pa;
		bool w = rng_below(&rng, 2);

		if (rng_below(&rng, 4) == 0) {
			/* whole 2 MiB-aligned pieces with 2 MiB-congruent
			 * addresses: large leaves */
			first = (unsigned)rng_below(&rng, 4) * 512;
			n = (unsigned)(1 + rng_below(&rng, (RW_PAGES - first) /
								   512)) *
			    512;
			pa = (1 + rng_below(&rng, 1 << 16)) * SZ_2M;
		} else {
			first = (unsigned)rng_below(&rng, RW_PAGES);
			n = 1 + (unsigned)rng_below(&rng, 64);
			if (rng_below(&rng, 8) == 0)
				n += (unsigned)rng_below(&rng, 1024);
			if (first + n > RW_PAGES)
				n = RW_PAGES - first;
			pa = rng_below(&rng, 1ull << 28) * SZ_4K;
			if (rng_below(&rng, 2)) /* 2 MiB-congruent */
				pa = (pa & ~(SZ_2M - 1)) |
				     ((RW_BASE + first * SZ_4K) & (SZ_2M - 1));
		}
		if (rng_below(&rng, 3) == 0) {
			assert_int_equal(pt_unmap(&d.pt,
						  RW_BASE + first * SZ_4K,
						  n * SZ_4K),
					 0);
			for (unsigned i = first; i < first + n; i++)
				m[i].mapped = false;
			unmaps++;
		} else {
			assert_int_equal(pt_map(&d.pt, RW_BASE + first * SZ_4K,
						pa, n * SZ_4K,
						SL_R | (w ? SL_W : 0)),
					 0);
			for (unsigned i = first; i < first + n; i++)
				m[i] = (struct model_page){
					true, w, pa + (i - first) * SZ_4K
				};
			maps++;
		}
		for (unsigned i = 0; i < RW_PAGES; i += 512) {
			struct pt_leaf l;

			if (!pt_lookup(&d.pt, RW_BASE + i * SZ_4K, &l) &&
			    l.level == 2)
				large++;
		}
		check_model(root, m, op);
	}
	/* the run did exercise every kind of operation */
	assert_true(maps > 100);
	assert_true(unmaps > 50);
	assert_true(large > 20);
	/* the 3-level context was the engine's PDPT all along */
	assert_int_equal(context_of(root, BDF_B)->lo & ADDR, pdpt_of(&d.pt));
	pt_destroy(&d.pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_entry),
		cmocka_unit_test(test_context_entry),
		cmocka_unit_test(test_irte),
		cmocka_unit_test(test_inv_context_global),
		cmocka_unit_test(test_inv_iotlb_domain),
		cmocka_unit_test(test_inv_iec_global),
		cmocka_unit_test(test_inv_wait),
		cmocka_unit_test(test_msi_remappable_examples),
		cmocka_unit_test(test_msi_remappable_every_handle),
		cmocka_unit_test(test_sl_format),
		cmocka_unit_test(test_fault_reason),
		cmocka_unit_test_setup_teardown(test_walk_4k_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_2m_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_1g_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_address_width, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_invalid_context, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_3_level, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_walk_after_unmap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_walk_permissions_across_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_random_against_model,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("vt-d", tests, NULL, NULL);
}
