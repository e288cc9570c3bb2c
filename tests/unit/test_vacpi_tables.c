/* SPDX-License-Identifier: MIT */
/* drivers/vacpi_tables.c: a VM's ACPI tables, read back with the
 * hypervisor's own parser (arch/acpi.c) and checked field by field. */
#include "unit.h"

#include "arch/acpi.h"
#include "drivers/vacpi_tables.h"
#include "lib/errno.h"

#define AREA VACPI_BIOS_AREA
#define AREA_SIZE VACPI_BIOS_AREA_SIZE

static const struct vacpi_params P = {
	.n_cpus = 4,
	.ioapic_id = 8,
	.ioapic_addr = 0xfec00000,
	.pm1a_evt = 0x600,
	.pm1a_cnt = 0x604,
	.pm_tmr = 0x608,
	.sci_irq = 9,
	.reset_port = 0xcf9,
	.reset_value = 0x06,
	.pci_mem_base = 0xc0000000,
	.pci_mem_size = 0x3ec00000,
};

static uint8_t *buf;
static uint64_t base; /* the guest-physical address of buf */
static struct vacpi_layout l;
static struct reports reps;

/* ---- the parser's view of guest memory ----------------------------------- */

#define MAX_COPIES 256
static void *copies[MAX_COPIES];
static int n_copies;

/* Each mapping is a heap copy of exactly the bytes asked for, so ASan
 * catches the parser reading past what it mapped. */
static const void *map(void *ctx, uint64_t pa, uint32_t len)
{
	void *c;

	assert_ptr_equal(ctx, &reps);
	if (pa < base || pa > base + AREA_SIZE || len > base + AREA_SIZE - pa)
		return NULL;
	assert_true(n_copies < MAX_COPIES);
	c = malloc(len ? len : 1);
	assert_non_null(c);
	memcpy(c, buf + (pa - base), len);
	copies[n_copies++] = c;
	return c;
}

static int setup(void **state)
{
	buf = malloc(AREA_SIZE);
	assert_non_null(buf);
	memset(buf, 0xee, AREA_SIZE); /* the builder must clear it */
	memset(&reps, 0, sizeof(reps));
	base = AREA;
	return 0;
}

static int teardown(void **state)
{
	while (n_copies)
		free(copies[--n_copies]);
	free(buf);
	return 0;
}

static void build(const struct vacpi_params *p)
{
	assert_int_equal(vacpi_build(p, buf, AREA_SIZE, base, &l), 0);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static const uint8_t *tbl(const struct vacpi_table *t)
{
	return buf + t->off;
}

/* Parses from the RSDP found by scanning the area, as an OS does. */
static void parse(struct acpi_info *info)
{
	long off = acpi_scan_rsdp(buf, AREA_SIZE);

	assert_int_equal(off, l.rsdp.off);
	assert_int_equal(acpi_parse(buf + off, 36, map, &reps, report_capture,
				    info), 0);
	for (int i = 0; i < reps.n && i < REPORT_MAX; i++)
		print_error("report: %s\n", reps.msg[i]);
	assert_int_equal(reps.n, 0);
}

/* What every parse of P's tables must find. */
static void expect_info(const struct acpi_info *info, unsigned n_cpus)
{
	assert_int_equal(info->madt_pa, l.madt.gpa);
	assert_int_equal(info->fadt_pa, l.fadt.gpa);
	assert_int_equal(info->dsdt_pa, l.dsdt.gpa);
	assert_int_equal(info->n_tables, 2);
	assert_int_equal(info->lapic_addr, 0xfee00000);
	assert_true(info->pcat_compat);
	assert_int_equal(info->n_cpus, n_cpus);
	assert_int_equal(info->n_cpus_skipped, 0);
	for (unsigned i = 0; i < n_cpus; i++) {
		assert_int_equal(info->cpu[i].apic_id, i);
		assert_int_equal(info->cpu[i].uid, i);
	}
	assert_int_equal(info->n_ioapics, 1);
	assert_int_equal(info->ioapic[0].id, 8);
	assert_int_equal(info->ioapic[0].addr, 0xfec00000);
	assert_int_equal(info->ioapic[0].gsi_base, 0);
	assert_int_equal(info->n_overrides, 2);
	assert_int_equal(info->override[0].source, 0);
	assert_int_equal(info->override[0].gsi, 2);
	assert_int_equal(info->override[0].flags, 0);
	assert_int_equal(info->override[1].source, 9);
	assert_int_equal(info->override[1].gsi, 9);
	assert_int_equal(info->override[1].flags, 0x000d); /* level, high */
	assert_int_equal(info->pm1a_cnt, 0x604);
	assert_int_equal(info->pm1b_cnt, 0);
	assert_int_equal(info->pm_tmr, 0x608);
	assert_int_equal(info->smi_cmd, 0);
	assert_int_equal(info->acpi_enable, 0);
	assert_int_equal(info->century, 0x32);
	assert_true(info->s5_valid);
	assert_int_equal(info->s5_typa, 5);
	assert_int_equal(info->s5_typb, 5);
	assert_int_equal(info->mcfg_pa, 0);
	assert_int_equal(info->dmar_pa, 0);
}

/* ---- through the hypervisor's parser ------------------------------------- */

static void test_parse_xsdt(void **state)
{
	struct acpi_info info;

	build(&P);
	parse(&info);
	assert_int_equal(info.revision, 2);
	assert_true(info.root_is_xsdt);
	assert_int_equal(info.root_pa, l.xsdt.gpa);
	expect_info(&info, 4);
}

static void test_parse_rsdt(void **state)
{
	struct acpi_info info;
	uint8_t v1[20];

	build(&P);
	/* an ACPI 1.0 reader: the first 20 bytes, revision 0 */
	memcpy(v1, buf + l.rsdp.off, 20);
	v1[15] = 0;
	v1[8] = 0;
	v1[8] = (uint8_t)-sum8(v1, 20);
	assert_int_equal(acpi_parse(v1, 20, map, &reps, report_capture, &info), 0);
	assert_int_equal(reps.n, 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_pa, l.rsdt.gpa);
	expect_info(&info, 4);
}

static void test_every_cpu_count(void **state)
{
	struct vacpi_params p = P;
	struct acpi_info info;

	for (p.n_cpus = 1; p.n_cpus <= VACPI_MAX_CPUS; p.n_cpus++) {
		memset(&reps, 0, sizeof(reps));
		build(&p);
		parse(&info);
		expect_info(&info, p.n_cpus);
		assert_int_equal(l.madt.len, 44 + 8 * p.n_cpus + 12 + 20 + 6);
		while (n_copies)
			free(copies[--n_copies]);
	}
}

static void test_scan_finds_rsdp_elsewhere(void **state)
{
	struct acpi_info info;

	base = AREA + 8; /* an unaligned buffer: the RSDP moves to 16 */
	build(&P);
	assert_int_equal(l.rsdp.off, 8);
	assert_int_equal(l.rsdp.gpa % 16, 0);
	assert_int_equal(l.facs.gpa % 64, 0);
	assert_int_equal(acpi_scan_rsdp(buf + 8, AREA_SIZE - 8), 0);
	assert_int_equal(acpi_parse(buf + 8, 36, map, &reps, report_capture,
				    &info), 0);
	assert_int_equal(reps.n, 0);
	expect_info(&info, 4);
}

/* ---- the bytes ----------------------------------------------------------- */

static void expect_header(const struct vacpi_table *t, const char *sig,
			  uint8_t rev)
{
	const uint8_t *h = tbl(t);

	assert_memory_equal(h, sig, 4);
	assert_int_equal(get32(h + 4), t->len);
	assert_int_equal(h[8], rev);
	assert_int_equal(sum8(h, t->len), 0);
	assert_memory_equal(h + 10, "HVMICR", 6);
	assert_memory_equal(h + 16, VACPI_OEM_TABLE_ID, 8);
	assert_int_equal(get32(h + 24), 1);
	assert_memory_equal(h + 28, VACPI_CREATOR_ID, 4);
	assert_int_equal(get32(h + 32), 1);
	assert_int_equal(t->gpa, base + t->off);
	assert_int_equal(t->gpa % 16, 0);
}

static void test_layout_and_checksums(void **state)
{
	const struct vacpi_table *all[] = { &l.rsdp, &l.facs, &l.fadt, &l.madt,
					    &l.xsdt, &l.rsdt, &l.dsdt };

	build(&P);
	expect_header(&l.fadt, "FACP", 6);
	expect_header(&l.madt, "APIC", 5);
	expect_header(&l.xsdt, "XSDT", 1);
	expect_header(&l.rsdt, "RSDT", 1);
	expect_header(&l.dsdt, "DSDT", 2);
	assert_int_equal(l.fadt.len, 276);
	assert_int_equal(l.xsdt.len, 52);
	assert_int_equal(l.rsdt.len, 44);
	/* in order, without overlap, inside size; zeros after */
	for (unsigned i = 1; i < ARRAY_SIZE(all); i++)
		assert_true(all[i]->off >= all[i - 1]->off + all[i - 1]->len);
	assert_int_equal(l.size, l.dsdt.off + l.dsdt.len);
	assert_true(l.size < 2048);
	for (uint32_t i = l.size; i < AREA_SIZE; i++)
		if (buf[i])
			fail_msg("byte %#x after the tables is %#x", i, buf[i]);
	/* roots: FADT then MADT */
	assert_int_equal(get64(tbl(&l.xsdt) + 36), l.fadt.gpa);
	assert_int_equal(get64(tbl(&l.xsdt) + 44), l.madt.gpa);
	assert_int_equal(get32(tbl(&l.rsdt) + 36), l.fadt.gpa);
	assert_int_equal(get32(tbl(&l.rsdt) + 40), l.madt.gpa);
}

static void test_rsdp_and_facs(void **state)
{
	const uint8_t *r, *f;

	build(&P);
	r = tbl(&l.rsdp);
	assert_int_equal(l.rsdp.off, 0);
	assert_int_equal(l.rsdp.len, 36);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum8(r, 20), 0);
	assert_int_equal(sum8(r, 36), 0);
	assert_memory_equal(r + 9, "HVMICR", 6);
	assert_int_equal(r[15], 2);
	assert_int_equal(get32(r + 16), l.rsdt.gpa);
	assert_int_equal(get32(r + 20), 36);
	assert_int_equal(get64(r + 24), l.xsdt.gpa);
	f = tbl(&l.facs);
	assert_int_equal(l.facs.gpa % 64, 0);
	assert_memory_equal(f, "FACS", 4);
	assert_int_equal(get32(f + 4), 64);
	assert_int_equal(get32(f + 12), 0); /* no waking vector */
	assert_int_equal(f[32], 2);
}

static void expect_gas(const uint8_t *g, uint8_t bits, uint8_t access,
		       uint64_t addr)
{
	assert_int_equal(g[0], 1); /* system I/O */
	assert_int_equal(g[1], bits);
	assert_int_equal(g[2], 0);
	assert_int_equal(g[3], access);
	assert_int_equal(get64(g + 4), addr);
}

static void test_fadt_fields(void **state)
{
	const uint8_t *t;

	build(&P);
	t = tbl(&l.fadt);
	assert_int_equal(get32(t + 36), l.facs.gpa);
	assert_int_equal(get32(t + 40), l.dsdt.gpa);
	assert_int_equal(get64(t + 132), 0); /* X_FIRMWARE_CTRL: one, not both */
	assert_int_equal(get64(t + 140), l.dsdt.gpa);
	assert_int_equal(get16(t + 46), 9);  /* SCI_INT */
	assert_int_equal(get32(t + 48), 0);  /* SMI_CMD */
	assert_int_equal(t[52] | t[53], 0);  /* ACPI_ENABLE/DISABLE */
	assert_int_equal(get32(t + 56), 0x600);
	assert_int_equal(get32(t + 60), 0);  /* PM1b_EVT_BLK */
	assert_int_equal(get32(t + 64), 0x604);
	assert_int_equal(get32(t + 68), 0);  /* PM1b_CNT_BLK */
	assert_int_equal(get32(t + 72), 0);  /* PM2_CNT_BLK */
	assert_int_equal(get32(t + 76), 0x608);
	assert_int_equal(get32(t + 80), 0);  /* GPE0_BLK */
	assert_int_equal(t[88], 4);
	assert_int_equal(t[89], 2);
	assert_int_equal(t[90], 0);
	assert_int_equal(t[91], 4);
	assert_int_equal(t[92], 0);
	assert_int_equal(get16(t + 96), 0x0fff);
	assert_int_equal(get16(t + 98), 0x0fff);
	assert_int_equal(t[108], 0x32);
	assert_int_equal(get16(t + 109), 0x0005); /* legacy, no VGA, no 8042 */
	assert_int_equal(get32(t + 112), 0x00000475);
	assert_int_equal(get32(t + 112) & (1u << 8), 0); /* TMR_VAL_EXT */
	assert_int_equal(get32(t + 112) & (1u << 20), 0); /* not HW-reduced */
	expect_gas(t + 116, 8, 1, 0xcf9);
	assert_int_equal(t[128], 0x06);
	assert_int_equal(t[131], 0);
	expect_gas(t + 148, 32, 2, 0x600);
	expect_gas(t + 172, 16, 2, 0x604);
	expect_gas(t + 208, 32, 3, 0x608);
	for (unsigned o = 160; o < 172; o++) /* X_PM1b_EVT_BLK */
		assert_int_equal(t[o], 0);
	for (unsigned o = 220; o < 276; o++) /* GPEs, sleep regs, vendor */
		assert_int_equal(t[o], 0);
}

static void test_madt_bytes(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00, /* LAPIC, flags */
		0, 8, 0, 0, 1, 0, 0, 0,		    /* CPU 0 */
		0, 8, 1, 1, 1, 0, 0, 0,		    /* CPU 1 */
		1, 12, 8, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0, /* I/O APIC */
		2, 10, 0, 0, 2, 0, 0, 0, 0, 0,	    /* IRQ 0 -> 2 */
		2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0,   /* IRQ 9 level high */
		4, 6, 0xff, 0, 0, 1,		    /* NMI on LINT1 */
	};
	struct vacpi_params p = P;

	p.n_cpus = 2;
	build(&p);
	assert_int_equal(l.madt.len, 36 + sizeof(want));
	assert_memory_equal(tbl(&l.madt) + 36, want, sizeof(want));
}

/* ---- the DSDT ------------------------------------------------------------ */

/* The whole AML for 2 vCPUs with the memory window, assembled by hand
 * (ACPI 6.4 chapters 6.4 and 20). */
static const uint8_t dsdt2[] = {
	/* Name (\_S0, Package (4) {0, 0, 0, 0}) */
	0x08, '\\', '_', 'S', '0', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
	/* Name (\_S5, Package (4) {5, 5, 0, 0}) */
	0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a,
	0x05, 0x00, 0x00,
	/* Scope (\_SB), PkgLength 187 */
	0x10, 0x4b, 0x0b, '\\', '_', 'S', 'B', '_',
	/* Device (PCI0), PkgLength 122 */
	0x5b, 0x82, 0x4a, 0x07, 'P', 'C', 'I', '0',
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
	0x08, '_', 'U', 'I', 'D', 0x00,
	0x08, '_', 'B', 'B', 'N', 0x00,
	/* Name (_CRS, Buffer (84) {...}), PkgLength 88 */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x48, 0x05, 0x0a, 0x54,
	/* WordBusNumber 0-255 */
	0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00,
	0x00, 0x00, 0x00, 0x01,
	/* IO (Decode16, 0xcf8, 0xcf8, 1, 8) */
	0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
	/* WordIO 0x0000-0x0cf7 */
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x0c,
	0x00, 0x00, 0xf8, 0x0c,
	/* WordIO 0x0d00-0xffff */
	0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xff,
	0x00, 0x00, 0x00, 0xf3,
	/* DWordMemory 0xc0000000-0xfebfffff */
	0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xc0, 0xff, 0xff, 0xbf, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x3e,
	/* EndTag */
	0x79, 0x00,
	/* Device (C000) { Name (_HID, "ACPI0007") Name (_UID, 0) } */
	0x5b, 0x82, 0x1a, 'C', '0', '0', '0',
	0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0,
	0x08, '_', 'U', 'I', 'D', 0x00,
	/* Device (C001) { ... Name (_UID, 1) } */
	0x5b, 0x82, 0x1a, 'C', '0', '0', '1',
	0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0,
	0x08, '_', 'U', 'I', 'D', 0x01,
};

static void test_dsdt_exact_aml(void **state)
{
	struct vacpi_params p = P;

	p.n_cpus = 2;
	build(&p);
	assert_int_equal(l.dsdt.len, 36 + sizeof(dsdt2));
	assert_memory_equal(tbl(&l.dsdt) + 36, dsdt2, sizeof(dsdt2));
}

/* Decodes a PkgLength (20.2.4); returns the package's length. */
static uint32_t pkg_length(const uint8_t *p, unsigned *nbytes)
{
	unsigned follow = p[0] >> 6;
	uint32_t len = follow ? p[0] & 0x0f : p[0] & 0x3f;

	for (unsigned i = 0; i < follow; i++)
		len |= (uint32_t)p[1 + i] << (4 + 8 * i);
	*nbytes = 1 + follow;
	return len;
}

/* With 16 vCPUs and no memory window: the scope spans to the end of
 * the DSDT, and its devices follow each other exactly. */
static void test_dsdt_structure(void **state)
{
	struct vacpi_params p = P;
	const uint8_t *aml, *end, *q;
	unsigned nb;
	uint8_t typa, typb;

	p.n_cpus = 16;
	p.pci_mem_size = 0;
	build(&p);
	aml = tbl(&l.dsdt) + 36;
	end = tbl(&l.dsdt) + l.dsdt.len;
	assert_int_equal(acpi_find_s5(aml, (uint32_t)(end - aml), &typa, &typb), 0);
	assert_int_equal(typa, 5);
	assert_int_equal(typb, 5);
	q = aml + 13 + 15;
	assert_int_equal(q[0], 0x10);
	assert_ptr_equal(q + 1 + pkg_length(q + 1, &nb), end);
	q += 1 + nb;
	assert_memory_equal(q, "\\_SB_", 5);
	q += 5;
	/* PCI0: its _CRS has no DWordMemory now: Buffer (58) */
	assert_memory_equal(q, "\x5b\x82", 2);
	const uint8_t *dev_end = q + 2 + pkg_length(q + 2, &nb);
	assert_memory_equal(q + 2 + nb, "PCI0", 4);
	/* NameOp _CRS, BufferOp, PkgLength, BytePrefix 58, 58 bytes */
	const uint8_t *crs = dev_end - (5 + 1 + 1 + 2 + 58);
	assert_memory_equal(crs, "\x08_CRS\x11", 6);
	assert_int_equal(pkg_length(crs + 6, &nb), 1 + 2 + 58);
	assert_int_equal(nb, 1);
	assert_memory_equal(crs + 7, "\x0a\x3a", 2);
	assert_memory_equal(dev_end - 2, "\x79\x00", 2);
	q = dev_end;
	for (unsigned i = 0; i < 16; i++) {
		char seg[5];

		snprintf(seg, sizeof(seg), "C0%02X", i);
		assert_memory_equal(q, "\x5b\x82", 2);
		dev_end = q + 2 + pkg_length(q + 2, &nb);
		assert_memory_equal(q + 2 + nb, seg, 4);
		/* _UID: the MADT's processor UID */
		if (i <= 1) { /* ZeroOp, OneOp */
			assert_int_equal(dev_end[-1], i);
		} else { /* BytePrefix i */
			assert_int_equal(dev_end[-2], 0x0a);
			assert_int_equal(dev_end[-1], i);
		}
		q = dev_end;
	}
	assert_ptr_equal(q, end);
}

/* ---- errors and determinism ---------------------------------------------- */

static void test_errors(void **state)
{
	struct vacpi_params p = P;
	uint8_t *copy = malloc(AREA_SIZE);

	assert_non_null(copy);
	p.n_cpus = 0;
	assert_int_equal(vacpi_build(&p, buf, AREA_SIZE, AREA, &l), -EINVAL);
	p.n_cpus = 17;
	assert_int_equal(vacpi_build(&p, buf, AREA_SIZE, AREA, &l), -EINVAL);
	p = P;
	for (unsigned irq = 0; irq < 20; irq++) {
		p.sci_irq = (uint8_t)irq;
		int want = irq == 0 || irq == 2 || irq > 15 ? -EINVAL : 0;
		assert_int_equal(vacpi_build(&p, buf, AREA_SIZE, AREA, &l), want);
	}
	p = P;
	p.pci_mem_base = 0xf0000000;
	p.pci_mem_size = 0x10000001;
	assert_int_equal(vacpi_build(&p, buf, AREA_SIZE, AREA, &l), -EINVAL);
	p.pci_mem_size = 0x10000000; /* up to 4 GiB exactly: fine */
	assert_int_equal(vacpi_build(&p, buf, AREA_SIZE, AREA, &l), 0);
	assert_int_equal(vacpi_build(&P, buf, AREA_SIZE, 0xffffff00, &l), -ERANGE);
	assert_int_equal(vacpi_build(&P, buf, AREA_SIZE, 1ull << 32, &l), -ERANGE);
	/* too small: -ENOSPC, and nothing written */
	build(&P);
	uint32_t size = l.size;
	memset(buf, 0x77, AREA_SIZE);
	memcpy(copy, buf, AREA_SIZE);
	assert_int_equal(vacpi_build(&P, buf, size - 1, AREA, &l), -ENOSPC);
	assert_int_equal(vacpi_build(&P, buf, 0, AREA, &l), -ENOSPC);
	assert_memory_equal(buf, copy, AREA_SIZE);
	assert_int_equal(vacpi_build(&P, buf, size, AREA, &l), 0);
	assert_int_equal(l.size, size);
	assert_int_equal(buf[size], 0x77); /* len bytes exactly */
	free(copy);
}

static void test_deterministic(void **state)
{
	uint8_t *again = malloc(AREA_SIZE);
	struct vacpi_layout l2;
	unsigned found = 0;

	assert_non_null(again);
	build(&P);
	memset(again, 0x31, AREA_SIZE);
	assert_int_equal(vacpi_build(&P, again, AREA_SIZE, AREA, &l2), 0);
	assert_int_equal(l.size, l2.size);
	assert_int_equal(l.dsdt.gpa, l2.dsdt.gpa);
	assert_int_equal(l.dsdt.len, l2.dsdt.len);
	assert_memory_equal(buf, again, AREA_SIZE);
	/* one RSDP signature in the whole area */
	for (uint32_t o = 0; o + 8 <= AREA_SIZE; o += 16)
		found += !memcmp(buf + o, "RSD PTR ", 8);
	assert_int_equal(found, 1);
	free(again);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parse_xsdt),
		T(test_parse_rsdt),
		T(test_every_cpu_count),
		T(test_scan_finds_rsdp_elsewhere),
		T(test_layout_and_checksums),
		T(test_rsdp_and_facs),
		T(test_fadt_fields),
		T(test_madt_bytes),
		T(test_dsdt_exact_aml),
		T(test_dsdt_structure),
		T(test_errors),
		T(test_deterministic),
	};

	return cmocka_run_group_tests_name("vacpi_tables", tests, NULL, NULL);
}
