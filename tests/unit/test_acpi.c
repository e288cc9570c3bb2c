/* SPDX-License-Identifier: MIT */
/* arch/acpi.c: tables built in a fake physical memory arena. */
#include "unit.h"

#include "arch/acpi.h"
#include "lib/errno.h"

/* ---- fake physical memory --------------------------------------------- */

/* The arena spans the 4 GiB line, so that XSDT entries can point above
 * it and RSDT entries below. */
#define ARENA_BASE 0xfff00000ull
#define ARENA_SIZE 0x200000ull
#define ARENA_END (ARENA_BASE + ARENA_SIZE)

#define RSDT_PA 0xfff00000ull
#define XSDT_PA 0xfff00100ull
#define MADT_PA 0xfff01000ull
#define FADT_PA 0xfff02000ull
#define DSDT_PA 0xfff03000ull
#define SSDT_PA 0xfff04000ull
#define MCFG_PA 0xfff05000ull
#define DMAR_PA 0xfff06000ull
#define HIGH_PA 0x100010000ull /* above 4 GiB */

static uint8_t *arena;
static struct reports reps; /* the ctx of map and report alike */

/* Every mapping is a heap copy of exactly the bytes asked for, so ASan
 * reports any read past what the code mapped. */
#define MAX_COPIES 4096
static void *copies[MAX_COPIES];
static int n_copies;

static const void *map(void *ctx, uint64_t pa, uint32_t len)
{
	void *c;

	assert_ptr_equal(ctx, &reps);
	if (pa < ARENA_BASE || pa > ARENA_END || len > ARENA_END - pa)
		return NULL;
	assert_true(n_copies < MAX_COPIES);
	c = malloc(len ? len : 1);
	assert_non_null(c);
	memcpy(c, arena + (pa - ARENA_BASE), len);
	copies[n_copies++] = c;
	return c;
}

static void free_copies(void)
{
	while (n_copies)
		free(copies[--n_copies]);
}

static int setup(void **state)
{
	arena = calloc(1, ARENA_SIZE);
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	free_copies();
	free(arena);
	return 0;
}

static uint8_t *at(uint64_t pa)
{
	assert_true(pa >= ARENA_BASE && pa < ARENA_END);
	return arena + (pa - ARENA_BASE);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* ---- table builders ------------------------------------------------------ */

/* Recomputes the checksum of the table at pa from its length field. */
static void fix_checksum(uint64_t pa)
{
	uint8_t *t = at(pa);
	uint32_t len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = (uint8_t)-sum8(t, len);
}

static void put_table(uint64_t pa, const char *sig, const void *body,
		      uint32_t body_len)
{
	uint8_t *t = at(pa);

	assert_true(pa + 36 + body_len <= ARENA_END);
	memcpy(t, sig, 4);
	put32(t + 4, 36 + body_len);
	t[8] = 2;			/* revision */
	memcpy(t + 10, "UTEST ", 6);	/* OEM ID */
	memcpy(t + 16, "UNITTEST", 8); /* OEM table ID */
	put32(t + 24, 1);
	memcpy(t + 28, "TEST", 4);
	put32(t + 32, 1);
	if (body_len)
		memcpy(t + 36, body, body_len);
	fix_checksum(pa);
}

static void put_rsdt(uint64_t pa, const uint64_t *tables, unsigned n)
{
	uint32_t body[64];

	for (unsigned i = 0; i < n; i++)
		body[i] = (uint32_t)tables[i];
	put_table(pa, "RSDT", body, 4 * n);
}

static void put_xsdt(uint64_t pa, const uint64_t *tables, unsigned n)
{
	put_table(pa, "XSDT", tables, 8 * n);
}

/* An RSDP of revision rev (0: 20 bytes, 2: 36 bytes). */
static void make_rsdp(uint8_t r[36], uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "UTEST ", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	if (rev >= 2) {
		put32(r + 20, 36);
		put64(r + 24, xsdt);
	}
	r[8] = (uint8_t)-sum8(r, 20);
	if (rev >= 2)
		r[32] = (uint8_t)-sum8(r, 36);
}

struct body {
	uint8_t b[2048];
	uint32_t len;
};

static void body_add(struct body *bd, const void *p, uint32_t n)
{
	assert_true(bd->len + n <= sizeof(bd->b));
	memcpy(bd->b + bd->len, p, n);
	bd->len += n;
}

static void madt_init(struct body *bd, uint32_t lapic, uint32_t flags)
{
	bd->len = 0;
	body_add(bd, &lapic, 4);
	body_add(bd, &flags, 4);
}

static void madt_lapic(struct body *bd, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };

	put32(e + 4, flags);
	body_add(bd, e, 8);
}

static void madt_x2apic(struct body *bd, uint32_t id, uint32_t flags,
			uint32_t uid)
{
	uint8_t e[16] = { 9, 16 };

	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	body_add(bd, e, 16);
}

static void madt_ioapic(struct body *bd, uint8_t id, uint32_t addr,
			uint32_t gsi)
{
	uint8_t e[12] = { 1, 12, id };

	put32(e + 4, addr);
	put32(e + 8, gsi);
	body_add(bd, e, 12);
}

static void madt_iso(struct body *bd, uint8_t source, uint32_t gsi,
		     uint16_t flags)
{
	uint8_t e[10] = { 2, 10, 0, source };

	put32(e + 4, gsi);
	put16(e + 8, flags);
	body_add(bd, e, 10);
}

static void madt_lapic_override(struct body *bd, uint64_t addr)
{
	uint8_t e[12] = { 5, 12 };

	put64(e + 4, addr);
	body_add(bd, e, 12);
}

/* A FADT of len bytes (116: ACPI 1.0, 244: ACPI 2.0+). */
static void put_fadt(uint64_t pa, uint32_t len, uint32_t dsdt, uint64_t x_dsdt)
{
	uint8_t body[280] = { 0 };

	assert_true(len >= 36 && len - 36 <= sizeof(body));
	put32(body + 40 - 36, dsdt);
	put32(body + 48 - 36, 0xb2);  /* SMI_CMD */
	body[52 - 36] = 0xf1;	      /* ACPI_ENABLE */
	put32(body + 64 - 36, 0x604); /* PM1a_CNT_BLK */
	put32(body + 68 - 36, 0x704); /* PM1b_CNT_BLK */
	put32(body + 76 - 36, 0x608); /* PM_TMR_BLK */
	body[108 - 36] = 0x32;	      /* CENTURY */
	if (len >= 148)
		put64(body + 140 - 36, x_dsdt);
	put_table(pa, "FACP", body, len - 36);
}

/* Some AML that is not \_S5: a Scope and a Method mentioning _S4_. */
static const uint8_t aml_junk[] = {
	0x10, 0x0b, 0x5c, 0x5f, 0x53, 0x42, 0x5f, 0x08, 0x5f, 0x53, 0x34,
	0x5f, 0x0a, 0x04, 0x14, 0x08, 0x5f, 0x50, 0x54, 0x53, 0x01, 0xa4,
	0x00, 0x53, 0x35, 0x5f, 0x53, 0x35,
};

/* Name (_S5, Package (4) { 5, 5, 0, 0 }) with BytePrefix. */
static const uint8_t aml_s5_byte[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0a,
				       0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
/* Name (_S5, Package (4) { Zero, One, Zero, Zero }). */
static const uint8_t aml_s5_zero_one[] = { 0x08, '_', 'S', '5', '_', 0x12,
					   0x06, 0x04, 0x00, 0x01, 0x00, 0x00 };
/* Name (\_S5, Package (4) { 7, 6, 0, 0 }). */
static const uint8_t aml_s5_root[] = { 0x08, '\\', '_', 'S', '5', '_',
				       0x12, 0x0a, 0x04, 0x0a, 0x07, 0x0a,
				       0x06, 0x00, 0x00 };
/* A two-byte PkgLength, and only one element: SLP_TYPb = SLP_TYPa. */
static const uint8_t aml_s5_pkglen2[] = { 0x08, '_', 'S', '5', '_', 0x12,
					  0x43, 0x00, 0x01, 0x0a, 0x03 };

/* A DSDT (or SSDT) of junk, then aml. */
static void put_aml_table(uint64_t pa, const char *sig, const uint8_t *aml,
			  uint32_t len)
{
	struct body bd = { .len = 0 };

	body_add(&bd, aml_junk, sizeof(aml_junk));
	if (len)
		body_add(&bd, aml, len);
	body_add(&bd, aml_junk, sizeof(aml_junk));
	put_table(pa, sig, bd.b, bd.len);
}

/* ---- parse helpers -------------------------------------------------------- */

/* Parses with the RSDP in a heap block of exactly len bytes. */
static int parse(const uint8_t *rsdp, uint32_t len, struct acpi_info *out)
{
	uint8_t *copy = NULL;
	int r;

	memset(&reps, 0, sizeof(reps));
	memset(out, 0x5a, sizeof(*out));
	free_copies();
	if (rsdp) {
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, rsdp, len);
	}
	r = acpi_parse(copy, len, map, &reps, report_capture, out);
	free(copy);
	return r;
}

static int parse_rsdt(const uint64_t *tables, unsigned n,
		      struct acpi_info *out)
{
	uint8_t rsdp[36];

	put_rsdt(RSDT_PA, tables, n);
	make_rsdp(rsdp, 0, RSDT_PA, 0);
	return parse(rsdp, 20, out);
}

static int parse_xsdt(const uint64_t *tables, unsigned n,
		      struct acpi_info *out)
{
	uint8_t rsdp[36];

	put_xsdt(XSDT_PA, tables, n);
	make_rsdp(rsdp, 2, 0, XSDT_PA);
	return parse(rsdp, 36, out);
}

/* A small MADT: two CPUs, an IOAPIC, an override. */
static void put_small_madt(uint64_t pa, uint8_t first_id)
{
	struct body bd;

	madt_init(&bd, 0xfee00000, 1);
	madt_lapic(&bd, 0, first_id, 1);
	madt_lapic(&bd, 1, first_id + 1, 1);
	madt_ioapic(&bd, 2, 0xfec00000, 0);
	madt_iso(&bd, 0, 2, 0);
	put_table(pa, "APIC", bd.b, bd.len);
}

/* ---- tests ----------------------------------------------------------- */

static void test_checksum(void **state)
{
	static const uint8_t a[] = { 1, 2, 3 }, b[] = { 0xff, 0x01 },
			     c[] = { 0x80, 0x80, 0x80 };

	assert_int_equal(acpi_checksum(a, 3), 6);
	assert_int_equal(acpi_checksum(b, 2), 0);
	assert_int_equal(acpi_checksum(c, 3), 0x80);
	assert_int_equal(acpi_checksum(a, 0), 0);
}

static void test_rsdp_v1_full_walk(void **state)
{
	uint64_t tables[] = { MADT_PA, 0, FADT_PA, MCFG_PA, DMAR_PA };
	struct acpi_info a;
	struct body bd;

	madt_init(&bd, 0xfee00000, 1);
	madt_lapic(&bd, 0, 0, 1);
	madt_lapic(&bd, 1, 2, 1);
	madt_lapic(&bd, 2, 4, 0); /* disabled */
	madt_ioapic(&bd, 8, 0xfec00000, 0);
	madt_iso(&bd, 0, 2, 0);
	madt_iso(&bd, 9, 9, 0x000d);
	put_table(MADT_PA, "APIC", bd.b, bd.len);
	put_fadt(FADT_PA, 116, DSDT_PA, 0);
	put_aml_table(DSDT_PA, "DSDT", aml_s5_byte, sizeof(aml_s5_byte));
	put_table(MCFG_PA, "MCFG", "\0\0\0\0\0\0\0\0", 8);
	put_table(DMAR_PA, "DMAR", "\x26\x01\0\0\0\0\0\0\0\0\0\0", 12);

	assert_int_equal(parse_rsdt(tables, ARRAY_SIZE(tables), &a), 0);
	assert_int_equal(reps.n, 0);
	assert_int_equal(a.revision, 0);
	assert_int_equal(a.root_pa, RSDT_PA);
	assert_false(a.root_is_xsdt);
	assert_int_equal(a.n_tables, 4);

	assert_int_equal(a.madt_pa, MADT_PA);
	assert_int_equal(a.lapic_addr, 0xfee00000);
	assert_true(a.pcat_compat);
	assert_int_equal(a.n_cpus, 2);
	assert_int_equal(a.cpu[0].apic_id, 0);
	assert_int_equal(a.cpu[0].uid, 0);
	assert_int_equal(a.cpu[1].apic_id, 2);
	assert_int_equal(a.cpu[1].uid, 1);
	assert_int_equal(a.n_cpus_skipped, 1);
	assert_int_equal(a.n_ioapics, 1);
	assert_int_equal(a.ioapic[0].id, 8);
	assert_int_equal(a.ioapic[0].addr, 0xfec00000);
	assert_int_equal(a.ioapic[0].gsi_base, 0);
	assert_int_equal(a.n_overrides, 2);
	assert_int_equal(a.override[0].source, 0);
	assert_int_equal(a.override[0].gsi, 2);
	assert_int_equal(a.override[0].flags, 0);
	assert_int_equal(a.override[1].source, 9);
	assert_int_equal(a.override[1].gsi, 9);
	assert_int_equal(a.override[1].flags, 0x000d);

	assert_int_equal(a.fadt_pa, FADT_PA);
	assert_int_equal(a.dsdt_pa, DSDT_PA);
	assert_int_equal(a.smi_cmd, 0xb2);
	assert_int_equal(a.acpi_enable, 0xf1);
	assert_int_equal(a.pm1a_cnt, 0x604);
	assert_int_equal(a.pm1b_cnt, 0x704);
	assert_int_equal(a.pm_tmr, 0x608);
	assert_int_equal(a.century, 0x32);
	assert_true(a.s5_valid);
	assert_int_equal(a.s5_typa, 5);
	assert_int_equal(a.s5_typb, 5);

	assert_int_equal(a.mcfg_pa, MCFG_PA);
	assert_int_equal(a.dmar_pa, DMAR_PA);
}

static void test_rsdp_v2_prefers_xsdt(void **state)
{
	uint64_t low[] = { MADT_PA }, high[] = { HIGH_PA, MCFG_PA };
	uint8_t rsdp[36];
	struct acpi_info a;

	put_small_madt(MADT_PA, 0);
	put_small_madt(HIGH_PA, 0x40);
	put_table(MCFG_PA, "MCFG", "\0\0\0\0\0\0\0\0", 8);
	put_rsdt(RSDT_PA, low, 1);
	put_xsdt(XSDT_PA, high, 2);
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);

	assert_int_equal(parse(rsdp, 36, &a), 0);
	assert_int_equal(reps.n, 0);
	assert_int_equal(a.revision, 2);
	assert_true(a.root_is_xsdt);
	assert_int_equal(a.root_pa, XSDT_PA);
	assert_int_equal(a.madt_pa, HIGH_PA);
	assert_int_equal(a.cpu[0].apic_id, 0x40);
	assert_int_equal(a.mcfg_pa, MCFG_PA);
	assert_int_equal(a.n_tables, 2);
}

static void test_xsdt_unusable_falls_back_to_rsdt(void **state)
{
	uint64_t low[] = { MADT_PA }, high[] = { HIGH_PA };
	uint8_t rsdp[36];
	struct acpi_info a;

	put_small_madt(MADT_PA, 0);
	put_small_madt(HIGH_PA, 0x40);
	put_rsdt(RSDT_PA, low, 1);

	/* bad checksum */
	put_xsdt(XSDT_PA, high, 1);
	at(XSDT_PA)[20] ^= 1;
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(parse(rsdp, 36, &a), 0);
	assert_false(a.root_is_xsdt);
	assert_int_equal(a.root_pa, RSDT_PA);
	assert_int_equal(a.madt_pa, MADT_PA);
	assert_int_equal(a.cpu[0].apic_id, 0);
	assert_int_equal(reps.n, 1);
	assert_string_equal(
		reps.msg[0],
		"acpi: XSDT table at 0xfff00100 has a bad checksum, ignored");

	/* wrong signature */
	put_table(XSDT_PA, "XSDX", high, 8);
	assert_int_equal(parse(rsdp, 36, &a), 0);
	assert_false(a.root_is_xsdt);
	assert_int_equal(a.madt_pa, MADT_PA);
	assert_string_equal(reps.msg[0],
			    "acpi: expected XSDT table at 0xfff00100, ignored");

	/* not mappable */
	make_rsdp(rsdp, 2, RSDT_PA, 0x200000000ull);
	assert_int_equal(parse(rsdp, 36, &a), 0);
	assert_false(a.root_is_xsdt);
	assert_int_equal(a.madt_pa, MADT_PA);
	assert_string_equal(
		reps.msg[0],
		"acpi: XSDT table at 0x200000000 cannot be mapped, ignored");

	/* no XSDT address: the RSDT, silently */
	make_rsdp(rsdp, 2, RSDT_PA, 0);
	assert_int_equal(parse(rsdp, 36, &a), 0);
	assert_false(a.root_is_xsdt);
	assert_int_equal(a.root_pa, RSDT_PA);
	assert_int_equal(reps.n, 0);
}

static void assert_no_rsdp(const uint8_t *rsdp, uint32_t len)
{
	struct acpi_info a;

	assert_int_equal(parse(rsdp, len, &a), -ENODEV);
	assert_int_equal(reps.n, 1);
	assert_string_equal(reps.msg[0], "acpi: no valid RSDP, no ACPI tables");
	assert_int_equal(a.n_tables, 0);
	assert_int_equal(a.n_cpus, 0);
	assert_false(a.s5_valid);
}

static void test_bad_rsdp(void **state)
{
	uint64_t low[] = { MADT_PA };
	uint8_t r[36];

	put_small_madt(MADT_PA, 0);
	put_rsdt(RSDT_PA, low, 1);
	put_xsdt(XSDT_PA, low, 1);

	make_rsdp(r, 0, RSDT_PA, 0);
	r[8]++; /* checksum */
	assert_no_rsdp(r, 20);

	make_rsdp(r, 0, RSDT_PA, 0);
	r[0] = 'r'; /* signature */
	r[8] += 'R' - 'r';
	assert_no_rsdp(r, 20);

	make_rsdp(r, 0, RSDT_PA, 0);
	assert_no_rsdp(r, 19); /* too short */
	assert_no_rsdp(NULL, 36);

	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	r[32]++; /* extended checksum */
	assert_no_rsdp(r, 36);

	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	assert_no_rsdp(r, 20); /* v2 needs its 36 bytes */

	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	put32(r + 20, 35); /* its length field below 36 */
	r[8] = 0;
	r[8] = (uint8_t)-sum8(r, 20);
	r[32] = 0;
	r[32] = (uint8_t)-sum8(r, 35);
	assert_no_rsdp(r, 36);

	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	put32(r + 20, 40); /* longer than what we were given */
	r[8] = 0;
	r[8] = (uint8_t)-sum8(r, 20);
	assert_no_rsdp(r, 36);
}

static void test_root_unusable(void **state)
{
	uint8_t rsdp[36];
	struct acpi_info a;
	uint64_t tables[] = { MADT_PA };

	put_small_madt(MADT_PA, 0);

	make_rsdp(rsdp, 0, 0, 0); /* no RSDT address */
	assert_int_equal(parse(rsdp, 20, &a), -ENODEV);
	assert_int_equal(reps.n, 0);

	make_rsdp(rsdp, 0, 0x1000, 0); /* outside memory */
	assert_int_equal(parse(rsdp, 20, &a), -ENODEV);
	assert_int_equal(reps.n, 1);
	assert_string_equal(reps.msg[0],
			    "acpi: RSDT table at 0x1000 cannot be mapped, ignored");

	put_rsdt(RSDT_PA, tables, 1);
	at(RSDT_PA)[36] ^= 0x10;
	make_rsdp(rsdp, 0, RSDT_PA, 0);
	assert_int_equal(parse(rsdp, 20, &a), -ENODEV);
	assert_string_equal(
		reps.msg[0],
		"acpi: RSDT table at 0xfff00000 has a bad checksum, ignored");
	assert_int_equal(a.n_cpus, 0);

	/* both roots damaged */
	put_rsdt(RSDT_PA, tables, 1);
	at(RSDT_PA)[36] ^= 0x10;
	put_xsdt(XSDT_PA, tables, 1);
	put32(at(XSDT_PA) + 4, 20); /* length below the header */
	make_rsdp(rsdp, 2, RSDT_PA, XSDT_PA);
	assert_int_equal(parse(rsdp, 36, &a), -ENODEV);
	assert_int_equal(reps.n, 2);
	assert_string_equal(
		reps.msg[0], "acpi: XSDT table at 0xfff00100 has a bad length, ignored");
	assert_string_equal(
		reps.msg[1],
		"acpi: RSDT table at 0xfff00000 has a bad checksum, ignored");
}

/* A damaged table is reported and skipped; the others are parsed. */
static void test_damaged_tables_ignored(void **state)
{
	const uint64_t short_pa = 0xfff07000, huge_pa = 0xfff08000,
		       edge_pa = ARENA_END - 40;
	uint64_t tables[] = { MADT_PA,	0x80000000, short_pa, huge_pa,
			      edge_pa,	FADT_PA,    MCFG_PA };
	struct acpi_info a;
	uint8_t body[64] = { 0 };

	put_small_madt(MADT_PA, 0);
	at(MADT_PA)[40] ^= 0x01; /* checksum now off */
	put_table(short_pa, "SSDT", NULL, 0);
	put32(at(short_pa) + 4, 35);
	put_table(huge_pa, "SSDT", NULL, 0);
	put32(at(huge_pa) + 4, (16u << 20) + 1);
	put32(at(edge_pa), 0x54445353); /* "SSDT" running past memory */
	put32(at(edge_pa) + 4, 64);
	put_fadt(FADT_PA, 116, 0, 0);
	put_table(MCFG_PA, "MCFG", body, 8);

	assert_int_equal(parse_xsdt(tables, ARRAY_SIZE(tables), &a), 0);
	assert_true(a.root_is_xsdt);
	assert_int_equal(reps.n, 5);
	assert_string_equal(
		reps.msg[0], "acpi: APIC table at 0xfff01000 has a bad checksum, ignored");
	assert_string_equal(reps.msg[1],
			    "acpi: a table at 0x80000000 cannot be mapped, ignored");
	assert_string_equal(
		reps.msg[2], "acpi: SSDT table at 0xfff07000 has a bad length, ignored");
	assert_string_equal(
		reps.msg[3], "acpi: SSDT table at 0xfff08000 has a bad length, ignored");
	assert_string_equal(
		reps.msg[4], "acpi: SSDT table at 0x1000fffd8 has a bad checksum, ignored");
	assert_int_equal(a.n_tables, 2);
	assert_int_equal(a.madt_pa, 0);
	assert_int_equal(a.n_cpus, 0);
	assert_int_equal(a.fadt_pa, FADT_PA);
	assert_int_equal(a.dsdt_pa, 0);
	assert_false(a.s5_valid);
	assert_int_equal(a.mcfg_pa, MCFG_PA);
}

static void test_null_report_callback(void **state)
{
	uint64_t tables[] = { MADT_PA, 0x80000000 };
	uint8_t rsdp[36];
	struct acpi_info a;

	put_small_madt(MADT_PA, 0);
	at(MADT_PA)[40] ^= 0x01;
	put_rsdt(RSDT_PA, tables, 2);
	make_rsdp(rsdp, 0, RSDT_PA, 0);
	assert_int_equal(acpi_parse(rsdp, 20, map, &reps, NULL, &a), 0);
	assert_int_equal(a.n_tables, 0);
	rsdp[8]++;
	assert_int_equal(acpi_parse(rsdp, 20, map, &reps, NULL, &a), -ENODEV);
}

static void test_madt_entries(void **state)
{
	uint64_t tables[] = { MADT_PA };
	struct acpi_info a;
	struct body bd;

	madt_init(&bd, 0xfee00000, 0);		   /* no 8259s */
	madt_lapic(&bd, 10, 0, 1);		   /* cpu 0 */
	madt_lapic(&bd, 11, 1, 0);		   /* disabled */
	madt_lapic(&bd, 12, 2, 2);		   /* online-capable only */
	madt_lapic(&bd, 13, 3, 3);		   /* cpu 1 */
	madt_lapic(&bd, 14, 0, 1);		   /* duplicate of cpu 0 */
	madt_x2apic(&bd, 0x100, 1, 0x200);	   /* cpu 2 */
	madt_x2apic(&bd, 3, 1, 0x201);		   /* duplicate of cpu 1 */
	madt_x2apic(&bd, 0xffffffff, 0, 0x202); /* disabled */
	body_add(&bd, "\x00\x06\x0f\x07\x01\x00", 6); /* LAPIC too short */
	body_add(&bd, "\x7f\x04\xaa\xbb", 4);	      /* unknown type */
	body_add(&bd, "\x09\x0c\0\0\x55\0\0\0\x01\0\0\0", 12); /* short x2APIC */
	madt_ioapic(&bd, 1, 0xfec00000, 0);
	madt_ioapic(&bd, 2, 0xfec01000, 24);
	madt_iso(&bd, 0, 2, 0);
	madt_lapic_override(&bd, 0x1fee00000ull);
	put_table(MADT_PA, "APIC", bd.b, bd.len);

	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 0);
	assert_int_equal(a.madt_pa, MADT_PA);
	assert_false(a.pcat_compat);
	assert_int_equal(a.lapic_addr, 0x1fee00000ull);
	assert_int_equal(a.n_cpus, 3);
	assert_int_equal(a.cpu[0].apic_id, 0);
	assert_int_equal(a.cpu[0].uid, 10);
	assert_int_equal(a.cpu[1].apic_id, 3);
	assert_int_equal(a.cpu[1].uid, 13);
	assert_int_equal(a.cpu[2].apic_id, 0x100);
	assert_int_equal(a.cpu[2].uid, 0x200);
	assert_int_equal(a.n_cpus_skipped, 5);
	assert_int_equal(a.n_ioapics, 2);
	assert_int_equal(a.ioapic[1].id, 2);
	assert_int_equal(a.ioapic[1].addr, 0xfec01000);
	assert_int_equal(a.ioapic[1].gsi_base, 24);
	assert_int_equal(a.n_overrides, 1);
}

static void test_madt_limits(void **state)
{
	uint64_t tables[] = { MADT_PA };
	struct acpi_info a;
	struct body bd;

	madt_init(&bd, 0xfee00000, 1);
	for (unsigned i = 0; i < ACPI_MAX_CPUS + 6; i++)
		madt_lapic(&bd, (uint8_t)i, (uint8_t)(i * 2), 1);
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic(&bd, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	for (unsigned i = 0; i < ACPI_MAX_OVERRIDES + 3; i++)
		madt_iso(&bd, (uint8_t)i, i + 100, 5);
	put_table(MADT_PA, "APIC", bd.b, bd.len);

	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(a.n_cpus, ACPI_MAX_CPUS);
	assert_int_equal(a.cpu[ACPI_MAX_CPUS - 1].apic_id,
			 (ACPI_MAX_CPUS - 1) * 2);
	assert_int_equal(a.n_cpus_skipped, 6);
	assert_int_equal(a.n_ioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(a.ioapic[ACPI_MAX_IOAPICS - 1].gsi_base,
			 (ACPI_MAX_IOAPICS - 1) * 24);
	assert_int_equal(a.n_overrides, ACPI_MAX_OVERRIDES);
	assert_int_equal(a.override[ACPI_MAX_OVERRIDES - 1].gsi,
			 ACPI_MAX_OVERRIDES - 1 + 100);
}

static void test_madt_malformed_entry(void **state)
{
	static const char malformed[] =
		"acpi: APIC table at 0xfff01000 has a malformed entry, rest ignored";
	uint64_t tables[] = { MADT_PA };
	struct acpi_info a;
	struct body bd;

	/* an entry of length 0 */
	madt_init(&bd, 0xfee00000, 1);
	madt_lapic(&bd, 0, 0, 1);
	body_add(&bd, "\x00\x00\x00\x00\x00\x00\x00\x00", 8);
	madt_lapic(&bd, 1, 1, 1);
	put_table(MADT_PA, "APIC", bd.b, bd.len);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 1);
	assert_string_equal(reps.msg[0], malformed);
	assert_int_equal(a.n_cpus, 1);
	assert_int_equal(a.madt_pa, MADT_PA);

	/* an entry of length 1 */
	madt_init(&bd, 0xfee00000, 1);
	madt_lapic(&bd, 0, 0, 1);
	body_add(&bd, "\x00\x01", 2);
	put_table(MADT_PA, "APIC", bd.b, bd.len);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_string_equal(reps.msg[0], malformed);
	assert_int_equal(a.n_cpus, 1);

	/* the last entry runs past the end of the table */
	madt_init(&bd, 0xfee00000, 1);
	madt_lapic(&bd, 0, 0, 1);
	madt_lapic(&bd, 1, 1, 1);
	bd.len -= 1;
	put_table(MADT_PA, "APIC", bd.b, bd.len);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_string_equal(reps.msg[0], malformed);
	assert_int_equal(a.n_cpus, 1);

	/* a lone trailing byte is no entry and not reported */
	madt_init(&bd, 0xfee00000, 1);
	madt_lapic(&bd, 0, 0, 1);
	body_add(&bd, "\x00", 1);
	put_table(MADT_PA, "APIC", bd.b, bd.len);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 0);
	assert_int_equal(a.n_cpus, 1);
}

static void test_madt_too_short(void **state)
{
	uint64_t tables[] = { MADT_PA };
	struct acpi_info a;

	put_table(MADT_PA, "APIC", "\0\0\xe0\xfe\1\0\0", 7);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 1);
	assert_string_equal(reps.msg[0],
			    "acpi: APIC table at 0xfff01000 too short, ignored");
	assert_int_equal(a.madt_pa, 0);
	assert_int_equal(a.n_tables, 1);

	/* just the fixed fields, no entries */
	put_table(MADT_PA, "APIC", "\0\0\xe0\xfe\1\0\0\0", 8);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 0);
	assert_int_equal(a.madt_pa, MADT_PA);
	assert_int_equal(a.lapic_addr, 0xfee00000);
	assert_int_equal(a.n_cpus, 0);
}

static void test_fadt_s5_forms(void **state)
{
	static const struct {
		const uint8_t *aml;
		uint32_t len;
		uint8_t typa, typb;
	} forms[] = {
		{ aml_s5_byte, sizeof(aml_s5_byte), 5, 5 },
		{ aml_s5_zero_one, sizeof(aml_s5_zero_one), 0, 1 },
		{ aml_s5_root, sizeof(aml_s5_root), 7, 6 },
		{ aml_s5_pkglen2, sizeof(aml_s5_pkglen2), 3, 3 },
	};
	uint64_t tables[] = { FADT_PA };

	for (unsigned i = 0; i < ARRAY_SIZE(forms); i++) {
		struct acpi_info a;

		put_fadt(FADT_PA, 116, DSDT_PA, 0);
		put_aml_table(DSDT_PA, "DSDT", forms[i].aml, forms[i].len);
		assert_int_equal(parse_rsdt(tables, 1, &a), 0);
		assert_int_equal(reps.n, 0);
		assert_true(a.s5_valid);
		assert_int_equal(a.s5_typa, forms[i].typa);
		assert_int_equal(a.s5_typb, forms[i].typb);
	}
}

static void test_fadt_dsdt_without_s5(void **state)
{
	uint64_t tables[] = { FADT_PA };
	struct acpi_info a;

	put_fadt(FADT_PA, 116, DSDT_PA, 0);
	put_aml_table(DSDT_PA, "DSDT", NULL, 0);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 0);
	assert_int_equal(a.dsdt_pa, DSDT_PA);
	assert_false(a.s5_valid);

	/* a damaged DSDT is reported */
	put_aml_table(DSDT_PA, "DSDT", aml_s5_byte, sizeof(aml_s5_byte));
	at(DSDT_PA)[40] ^= 0xff;
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 1);
	assert_string_equal(
		reps.msg[0], "acpi: DSDT table at 0xfff03000 has a bad checksum, ignored");
	assert_false(a.s5_valid);

	/* a DSDT pointer to something else */
	put_aml_table(DSDT_PA, "SSDT", aml_s5_byte, sizeof(aml_s5_byte));
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_string_equal(reps.msg[0],
			    "acpi: expected DSDT table at 0xfff03000, ignored");
	assert_false(a.s5_valid);
}

static void test_fadt_x_dsdt(void **state)
{
	const uint64_t high_dsdt = HIGH_PA + 0x1000;
	uint64_t tables[] = { FADT_PA };
	uint8_t junk[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct acpi_info a;

	put_aml_table(DSDT_PA, "DSDT", aml_s5_byte, sizeof(aml_s5_byte));
	put_aml_table(high_dsdt, "DSDT", aml_s5_root, sizeof(aml_s5_root));

	/* X_DSDT wins over DSDT */
	put_fadt(FADT_PA, 244, DSDT_PA, high_dsdt);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(a.dsdt_pa, high_dsdt);
	assert_int_equal(a.s5_typa, 7);

	/* exactly long enough for X_DSDT */
	put_fadt(FADT_PA, 148, DSDT_PA, high_dsdt);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(a.dsdt_pa, high_dsdt);

	/* X_DSDT zero: DSDT */
	put_fadt(FADT_PA, 244, DSDT_PA, 0);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(a.dsdt_pa, DSDT_PA);
	assert_int_equal(a.s5_typa, 5);

	/* too short for X_DSDT: bytes at 140 are not looked at */
	put_fadt(FADT_PA, 147, DSDT_PA, 0);
	memcpy(at(FADT_PA) + 140, junk, 7);
	fix_checksum(FADT_PA);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(a.dsdt_pa, DSDT_PA);
	assert_true(a.s5_valid);
	assert_int_equal(reps.n, 0);
}

static void test_fadt_too_short(void **state)
{
	uint64_t tables[] = { FADT_PA };
	struct acpi_info a;

	put_aml_table(DSDT_PA, "DSDT", aml_s5_byte, sizeof(aml_s5_byte));
	put_fadt(FADT_PA, 115, DSDT_PA, 0);
	assert_int_equal(parse_rsdt(tables, 1, &a), 0);
	assert_int_equal(reps.n, 1);
	assert_string_equal(reps.msg[0],
			    "acpi: FACP table at 0xfff02000 too short, ignored");
	assert_int_equal(a.fadt_pa, 0);
	assert_int_equal(a.dsdt_pa, 0);
	assert_false(a.s5_valid);
}

/* SeaBIOS keeps \_S5 in an SSDT. */
static void test_s5_in_ssdt(void **state)
{
	uint64_t fadt_first[] = { FADT_PA, SSDT_PA },
		 ssdt_first[] = { SSDT_PA, FADT_PA };
	struct acpi_info a;

	put_fadt(FADT_PA, 116, DSDT_PA, 0);
	put_aml_table(DSDT_PA, "DSDT", NULL, 0);
	put_aml_table(SSDT_PA, "SSDT", aml_s5_zero_one, sizeof(aml_s5_zero_one));

	assert_int_equal(parse_rsdt(fadt_first, 2, &a), 0);
	assert_true(a.s5_valid);
	assert_int_equal(a.s5_typa, 0);
	assert_int_equal(a.s5_typb, 1);

	assert_int_equal(parse_rsdt(ssdt_first, 2, &a), 0);
	assert_true(a.s5_valid);
	assert_int_equal(a.s5_typa, 0);
	assert_int_equal(a.s5_typb, 1);

	/* with \_S5 in both, the DSDT's counts, whatever the order */
	put_aml_table(DSDT_PA, "DSDT", aml_s5_root, sizeof(aml_s5_root));
	assert_int_equal(parse_rsdt(fadt_first, 2, &a), 0);
	assert_int_equal(a.s5_typa, 7);
	assert_int_equal(parse_rsdt(ssdt_first, 2, &a), 0);
	assert_int_equal(a.s5_typa, 7);
	assert_int_equal(a.s5_typb, 6);

	/* an SSDT without \_S5 changes nothing */
	put_aml_table(DSDT_PA, "DSDT", NULL, 0);
	put_aml_table(SSDT_PA, "SSDT", NULL, 0);
	assert_int_equal(parse_rsdt(ssdt_first, 2, &a), 0);
	assert_false(a.s5_valid);
}

/* ---- acpi_find_s5 directly ---------------------------------------------- */

static int find_s5_exact(const uint8_t *aml, uint32_t len, uint8_t *typa,
			 uint8_t *typb)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, aml, len);
	r = acpi_find_s5(copy, len, typa, typb);
	free(copy);
	return r;
}

static void test_find_s5_forms(void **state)
{
	uint8_t a = 0xaa, b = 0xbb;

	assert_int_equal(find_s5_exact(aml_s5_byte, sizeof(aml_s5_byte), &a, &b), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
	assert_int_equal(
		find_s5_exact(aml_s5_root, sizeof(aml_s5_root), &a, &b), 0);
	assert_int_equal(a, 7);
	assert_int_equal(b, 6);

	/* _S5_ not after NameOp (a reference, not a definition) */
	static const uint8_t ref[] = { 0x70, '_', 'S', '5', '_', 0x12, 0x06,
				       0x04, 0x00, 0x01, 0x00, 0x00 };
	a = b = 0xcc;
	assert_int_equal(find_s5_exact(ref, sizeof(ref), &a, &b), -ENODATA);
	assert_int_equal(a, 0xcc);
	/* '\' at the very start: nothing before it to read */
	static const uint8_t at_start[] = { '\\', '_', 'S', '5', '_', 0x12, 0x06,
					    0x04, 0x00, 0x01, 0x00, 0x00 };
	assert_int_equal(find_s5_exact(at_start, sizeof(at_start), &a, &b),
			 -ENODATA);
	/* '\' without NameOp before it */
	static const uint8_t ref2[] = { 0x70, '\\', '_', 'S', '5', '_', 0x12,
					0x06, 0x04, 0x00, 0x01, 0x00, 0x00 };
	assert_int_equal(find_s5_exact(ref2, sizeof(ref2), &a, &b), -ENODATA);
	/* NameOp _S5_ but not a package: skipped, a later one is found */
	static const uint8_t later[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x01,
					 0x08, '_', 'S', '5', '_', 0x12, 0x05,
					 0x02, 0x0a, 0x09, 0x01 };
	assert_int_equal(find_s5_exact(later, sizeof(later), &a, &b), 0);
	assert_int_equal(a, 9);
	assert_int_equal(b, 1);
	/* a first element that is no integer constant */
	static const uint8_t word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x07,
					0x02, 0x0b, 0x05, 0x00, 0x00, 0x00 };
	assert_int_equal(find_s5_exact(word, sizeof(word), &a, &b), -EINVAL);
	/* a second that is none: SLP_TYPb = SLP_TYPa */
	static const uint8_t second[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x07,
					  0x02, 0x0a, 0x04, 0x0b, 0x05, 0x00 };
	assert_int_equal(find_s5_exact(second, sizeof(second), &a, &b), 0);
	assert_int_equal(a, 4);
	assert_int_equal(b, 4);
	assert_int_equal(find_s5_exact(aml_junk, sizeof(aml_junk), &a, &b),
			 -ENODATA);
	assert_int_equal(find_s5_exact(aml_junk, 0, &a, &b), -ENODATA);
}

/* Every truncation of \_S5 AML: an error or the right values, and never
 * a read past the end (the copy is exactly len bytes). */
static void test_find_s5_truncated(void **state)
{
	uint8_t aml[64];
	uint32_t full, s5;

	memcpy(aml, aml_junk, 20);
	memcpy(aml + 20, aml_s5_byte, sizeof(aml_s5_byte));
	aml[20 + 11] = 0x06; /* SLP_TYPb 6 */
	s5 = 20;
	full = 20 + sizeof(aml_s5_byte);
	for (uint32_t len = 0; len <= full; len++) {
		uint8_t a = 0xaa, b = 0xbb;
		int r = find_s5_exact(aml, len, &a, &b);

		if (len <= s5 + 6) { /* up to PackageOp */
			assert_int_equal(r, -ENODATA);
		} else if (len < s5 + 10) { /* SLP_TYPa cut */
			assert_int_equal(r, -EINVAL);
			assert_int_equal(a, 0xaa);
		} else if (len < s5 + 12) { /* SLP_TYPb cut */
			assert_int_equal(r, 0);
			assert_int_equal(a, 5);
			assert_int_equal(b, 5);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(a, 5);
			assert_int_equal(b, 6);
		}
	}
	/* a PkgLength whose extra bytes are missing */
	static const uint8_t cut[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc0 };
	uint8_t a, b;
	assert_int_equal(find_s5_exact(cut, sizeof(cut), &a, &b), -EINVAL);
}

static void test_find_s5_fuzz(void **state)
{
	struct rng r = { 0x55aa55aa1ull };

	for (int iter = 0; iter < 20000; iter++) {
		uint8_t aml[48], a, b;
		uint32_t len = (uint32_t)rng_below(&r, sizeof(aml) + 1);

		for (uint32_t i = 0; i < len; i++)
			aml[i] = (uint8_t)rng_below(&r, 16) == 0
					 ? (uint8_t)rng_next(&r)
					 : "\x08\x5c_S5_\x12\x0a\x00\x01\x43"[rng_below(&r, 11)];
		if (len >= 7 && rng_below(&r, 2)) {
			uint32_t at_ = (uint32_t)rng_below(&r, len - 6);
			memcpy(aml + at_, "\x08_S5_\x12", 6);
		}
		int res = find_s5_exact(aml, len, &a, &b);
		assert_true(res == 0 || res == -EINVAL || res == -ENODATA);
	}
}

/* ---- acpi_scan_rsdp --------------------------------------------------- */

static long scan_exact(const uint8_t *area, uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	long r;

	assert_non_null(copy);
	memcpy(copy, area, len);
	r = acpi_scan_rsdp(copy, len);
	free(copy);
	return r;
}

static void test_scan_rsdp(void **state)
{
	static uint8_t area[0x2000];
	uint8_t r[36];

	memset(area, 0, sizeof(area));
	assert_int_equal(scan_exact(area, sizeof(area)), -1);

	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	memcpy(area + 0x1230, r, 36);
	assert_int_equal(scan_exact(area, sizeof(area)), 0x1230);
	assert_int_equal(scan_exact(area, 0x1230 + 36), 0x1230);
	/* a v2 RSDP needs its 36 bytes in the area */
	assert_int_equal(scan_exact(area, 0x1230 + 35), -1);
	assert_int_equal(scan_exact(area, 0x1230 + 20), -1);
	assert_int_equal(scan_exact(area, 0x1230), -1);

	/* an earlier copy with a bad checksum is passed over */
	make_rsdp(r, 0, RSDT_PA, 0);
	r[8]++;
	memcpy(area + 0x100, r, 20);
	assert_int_equal(scan_exact(area, sizeof(area)), 0x1230);
	/* and a good one is taken first */
	r[8]--;
	memcpy(area + 0x100, r, 20);
	assert_int_equal(scan_exact(area, sizeof(area)), 0x100);

	/* only on 16-byte boundaries */
	memset(area, 0, sizeof(area));
	make_rsdp(r, 0, RSDT_PA, 0);
	memcpy(area + 0x108, r, 20);
	assert_int_equal(scan_exact(area, sizeof(area)), -1);

	/* a v1 RSDP in the last 20 bytes */
	memset(area, 0, sizeof(area));
	memcpy(area + 0x1000, r, 20);
	assert_int_equal(scan_exact(area, 0x1000 + 20), 0x1000);
	assert_int_equal(scan_exact(area, 0x1000 + 19), -1);

	/* a v2 RSDP with a bad extended checksum */
	memset(area, 0, sizeof(area));
	make_rsdp(r, 2, RSDT_PA, XSDT_PA);
	r[32]++;
	memcpy(area + 0x40, r, 36);
	assert_int_equal(scan_exact(area, sizeof(area)), -1);

	assert_int_equal(scan_exact(area, 0), -1);
	assert_int_equal(scan_exact(area, 19), -1);
}

/* ---- robustness ---------------------------------------------------------- */

/* Tables with valid checksums but random contents: no crash, no read
 * past a mapped table, and the limits hold. */
static void test_fuzz_tables(void **state)
{
	static const uint64_t pas[] = { MADT_PA, FADT_PA, DSDT_PA, SSDT_PA };
	uint64_t tables[] = { SSDT_PA, MADT_PA, FADT_PA };
	struct rng r = { 0xdecafbadull };
	struct body bd;
	uint8_t *pristine = malloc(0x8000);

	assert_non_null(pristine);
	madt_init(&bd, 0xfee00000, 1);
	for (unsigned i = 0; i < 8; i++)
		madt_lapic(&bd, (uint8_t)i, (uint8_t)i, 1);
	madt_x2apic(&bd, 0x100, 1, 0x100);
	madt_ioapic(&bd, 1, 0xfec00000, 0);
	madt_iso(&bd, 0, 2, 0);
	madt_lapic_override(&bd, 0xfee00000);
	put_table(MADT_PA, "APIC", bd.b, bd.len);
	put_fadt(FADT_PA, 244, DSDT_PA, DSDT_PA);
	put_aml_table(DSDT_PA, "DSDT", aml_s5_root, sizeof(aml_s5_root));
	put_aml_table(SSDT_PA, "SSDT", aml_s5_byte, sizeof(aml_s5_byte));
	put_rsdt(RSDT_PA, tables, 3);
	memcpy(pristine, arena, 0x8000);

	for (int iter = 0; iter < 5000; iter++) {
		uint8_t rsdp[36];
		struct acpi_info a;
		uint64_t pa = pas[rng_below(&r, ARRAY_SIZE(pas))];
		uint32_t len;

		memcpy(arena, pristine, 0x8000);
		memcpy(&len, at(pa) + 4, 4);
		for (int k = 1 + (int)rng_below(&r, 8); k > 0; k--) {
			uint32_t off = 36 + (uint32_t)rng_below(&r, len - 36);
			at(pa)[off] = rng_below(&r, 2) ? (uint8_t)rng_next(&r)
						       : (uint8_t)rng_below(&r, 20);
		}
		if (rng_below(&r, 8) == 0) /* a shorter table */
			put32(at(pa) + 4, 36 + (uint32_t)rng_below(&r, len - 36));
		fix_checksum(pa);
		make_rsdp(rsdp, 0, RSDT_PA, 0);
		assert_int_equal(parse(rsdp, 20, &a), 0);
		assert_true(a.n_cpus <= ACPI_MAX_CPUS);
		assert_true(a.n_ioapics <= ACPI_MAX_IOAPICS);
		assert_true(a.n_overrides <= ACPI_MAX_OVERRIDES);
		assert_true(a.n_tables <= 3);
	}
	free(pristine);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_checksum),
		T(test_rsdp_v1_full_walk),
		T(test_rsdp_v2_prefers_xsdt),
		T(test_xsdt_unusable_falls_back_to_rsdt),
		T(test_bad_rsdp),
		T(test_root_unusable),
		T(test_damaged_tables_ignored),
		T(test_null_report_callback),
		T(test_madt_entries),
		T(test_madt_limits),
		T(test_madt_malformed_entry),
		T(test_madt_too_short),
		T(test_fadt_s5_forms),
		T(test_fadt_dsdt_without_s5),
		T(test_fadt_x_dsdt),
		T(test_fadt_too_short),
		T(test_s5_in_ssdt),
		T(test_find_s5_forms),
		T(test_find_s5_truncated),
		T(test_find_s5_fuzz),
		T(test_scan_rsdp),
		T(test_fuzz_tables),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
