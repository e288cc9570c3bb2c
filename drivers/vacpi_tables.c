/* SPDX-License-Identifier: MIT */
/* A VM's ACPI tables (ACPI 6.4: 5.2 tables, 19-20 AML, 6.4 resources).
 *
 * Choices, with the fields they fix:
 * - FADT: SCI_INT = the SCI IRQ; SMI_CMD, ACPI_ENABLE/DISABLE 0 (always
 *   in ACPI mode: the PM1a_CNT model reads SCI_EN = 1); PM1a event,
 *   control and timer blocks with lengths 4, 2, 4 in the 32-bit and the
 *   X_ GAS forms (system I/O, word/word/dword access); no PM1b, PM2 or
 *   GPE blocks; TMR_VAL_EXT 0 (24-bit timer); no C2/C3 (latencies
 *   0xfff); CENTURY 0x32; flags WBINVD, PROC_C1, PWR_BUTTON and
 *   SLP_BUTTON (no fixed-feature buttons: no SCI is generated yet),
 *   FIX_RTC (no RTC wake status), RESET_REG_SUP with RESET_REG a byte
 *   of system I/O at the reset port; IAPC_BOOT_ARCH LEGACY_DEVICES (the
 *   UART, RTC, PIT and PIC are ISA devices) and VGA Not Present, 8042
 *   clear: Linux then does not probe for a keyboard controller (port
 *   0x64 only takes the reset command, drivers/vreset.c).
 * - MADT: PCAT_COMPAT set (dual 8259s present).
 * - DSDT: \_SB.PCI0 carries _CRS: Linux takes the root bus's windows
 *   from it (pci_use_crs is its default without DMI dates); a root
 *   bridge without _CRS gets no I/O or memory windows, and devices'
 *   BARs cannot be claimed ("no compatible bridge window"), unless
 *   booted with pci=nocrs.
 */
#include "drivers/vacpi_tables.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "lib/string.h"

#define HDR_LEN 36
#define RSDP_LEN 36
#define FACS_LEN 64
#define MADT_REVISION 5
#define DSDT_REVISION 2 /* 64-bit integers */
#define AML_MAX 1024	/* the DSDT's AML, 16 vCPUs included */
#define LIMIT_4G 0x100000000ull

/* Generic Address Structure (5.2.3.2). */
#define GAS_SYSTEM_IO 1
#define GAS_BYTE 1
#define GAS_WORD 2
#define GAS_DWORD 3

/* MPS INTI flags of interrupt source overrides (5.2.12.5). */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_LEVEL 0xc

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t sum(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The common header (5.2.6); the checksum is set by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, VACPI_OEM_ID, 6);
	memcpy(t + 16, VACPI_OEM_TABLE_ID, 8);
	put32(t + 24, VACPI_OEM_REVISION);
	memcpy(t + 28, VACPI_CREATOR_ID, 4);
	put32(t + 32, VACPI_CREATOR_REVISION);
}

/* Checksum: the entire table must sum to zero (5.2.6). */
static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)-sum(t, len);
}

static void gas(uint8_t *g, uint8_t bits, uint8_t access, uint64_t addr)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = bits;
	g[2] = 0; /* bit offset */
	g[3] = access;
	put64(g + 4, addr);
}

/* ---- AML (chapter 20) ---------------------------------------------------- */

struct aml {
	uint8_t *b;
	uint32_t pos, cap;
	bool full;
};

static void emit(struct aml *a, const void *p, uint32_t n)
{
	if (a->full || n > a->cap - a->pos) {
		a->full = true;
		return;
	}
	memcpy(a->b + a->pos, p, n);
	a->pos += n;
}

static void emit8(struct aml *a, uint8_t v)
{
	emit(a, &v, 1);
}

/* A package's PkgLength (20.2.4) is written when its end is known: two
 * bytes are kept, and a short package moves down into a one-byte form. */
static uint32_t pkg_begin(struct aml *a)
{
	uint32_t at = a->pos;

	emit(a, "\0\0", 2);
	return at;
}

static void pkg_end(struct aml *a, uint32_t at)
{
	uint32_t n = a->pos - at - 2; /* what follows the PkgLength */

	if (a->full)
		return;
	if (n + 1 < 64) { /* PkgLeadByte bits 5:0 */
		a->b[at] = (uint8_t)(n + 1);
		memmove(a->b + at + 1, a->b + at + 2, n);
		a->pos--;
	} else if (n + 2 < 4096) { /* one ByteData: bits 3:0 then 11:4 */
		a->b[at] = (uint8_t)(0x40 | ((n + 2) & 0x0f));
		a->b[at + 1] = (uint8_t)((n + 2) >> 4);
	} else {
		a->full = true;
	}
}

/* DefName: NameOp NameString, with an optional root prefix. */
static void name(struct aml *a, const char *s)
{
	emit8(a, 0x08);
	if (*s == '\\')
		emit8(a, (uint8_t)*s++);
	emit(a, s, 4);
}

/* The shortest integer encoding (ZeroOp, OneOp, Byte/Word/DWordPrefix). */
static void integer(struct aml *a, uint32_t v)
{
	uint8_t b[5];

	if (v <= 1) {
		emit8(a, (uint8_t)v);
		return;
	}
	b[0] = v <= 0xff ? 0x0a : v <= 0xffff ? 0x0b : 0x0c;
	put32(b + 1, v);
	emit(a, b, b[0] == 0x0a ? 2 : b[0] == 0x0b ? 3 : 5);
}

static void string(struct aml *a, const char *s)
{
	emit8(a, 0x0d); /* StringPrefix */
	emit(a, s, (uint32_t)strlen(s) + 1);
}

/* EisaId ("PNP0A03"): three letters in 5 bits each, then four hex
 * digits, stored big-endian as a DWord (19.6.35). */
static void eisa_id(struct aml *a, const char *id)
{
	unsigned vendor = 0, product = 0;
	uint8_t b[5];

	for (int i = 0; i < 3; i++) /* 'A' = 1 */
		vendor = vendor << 5 | (unsigned)(id[i] - '@');
	for (int i = 3; i < 7; i++)
		product = product << 4 | (unsigned)digit_value(id[i], 16);
	b[0] = 0x0c;
	b[1] = (uint8_t)(vendor >> 8);
	b[2] = (uint8_t)vendor;
	b[3] = (uint8_t)(product >> 8);
	b[4] = (uint8_t)product;
	emit(a, b, 5);
}

/* Name (\_Sx, Package (4) {typ, typ, 0, 0}): SLP_TYPa, SLP_TYPb (7.4.2). */
static void sleep_state(struct aml *a, const char *path, uint8_t typ)
{
	uint32_t at;

	name(a, path);
	emit8(a, 0x12); /* PackageOp */
	at = pkg_begin(a);
	emit8(a, 4);
	integer(a, typ);
	integer(a, typ);
	integer(a, 0);
	integer(a, 0);
	pkg_end(a, at);
}

/* ---- PCI0's resources (6.4) ---------------------------------------------- */

#define RES_WORD_LEN 16	 /* Word Address Space Descriptor (6.4.3.5.3) */
#define RES_DWORD_LEN 26 /* DWord Address Space Descriptor (6.4.3.5.2) */
#define RES_IO_LEN 8	 /* I/O Port Descriptor (6.4.2.5) */
#define RES_TYPE_MEM 0
#define RES_TYPE_IO 1
#define RES_TYPE_BUS 2
#define RES_PRODUCER_FIXED 0x0c /* _MAF, _MIF, positive decode, producer */
#define RES_IO_ENTIRE_RANGE 0x03
#define RES_MEM_RW 0x01 /* non-cacheable, read-write */

static void word_space(struct aml *a, uint8_t type, uint8_t tflags,
		       uint16_t min, uint16_t max)
{
	uint8_t d[RES_WORD_LEN] = { 0x88, RES_WORD_LEN - 3, 0, type,
				    RES_PRODUCER_FIXED, tflags };

	put16(d + 8, min);
	put16(d + 10, max);
	put16(d + 14, (uint32_t)max - min + 1); /* granularity, offset 0 */
	emit(a, d, sizeof(d));
}

static void dword_memory(struct aml *a, uint32_t base, uint32_t size)
{
	uint8_t d[RES_DWORD_LEN] = { 0x87, RES_DWORD_LEN - 3, 0, RES_TYPE_MEM,
				     RES_PRODUCER_FIXED, RES_MEM_RW };

	put32(d + 10, base);
	put32(d + 14, base + size - 1);
	put32(d + 22, size);
	emit(a, d, sizeof(d));
}

/* Name (_CRS, ResourceTemplate () {...}) of the root bridge: its bus
 * range, the mechanism #1 ports it consumes, the I/O below and above
 * them, and the memory window when there is one. */
static void root_crs(struct aml *a, const struct vacpi_params *p)
{
	static const uint8_t cf8[RES_IO_LEN] = { 0x47, 0x01, 0xf8, 0x0c,
						 0xf8, 0x0c, 0x01, 0x08 };
	uint32_t len = 3 * RES_WORD_LEN + RES_IO_LEN + 2, at;

	if (p->pci_mem_size)
		len += RES_DWORD_LEN;
	name(a, "_CRS");
	emit8(a, 0x11); /* BufferOp */
	at = pkg_begin(a);
	integer(a, len);
	word_space(a, RES_TYPE_BUS, 0, 0x00, 0xff);
	emit(a, cf8, sizeof(cf8));
	word_space(a, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0000, 0x0cf7);
	word_space(a, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0x0d00, 0xffff);
	if (p->pci_mem_size)
		dword_memory(a, p->pci_mem_base, p->pci_mem_size);
	emit(a, "\x79\x00", 2); /* End Tag; checksum 0 counts as valid */
	pkg_end(a, at);
}

static void device_begin(struct aml *a, const char *seg, uint32_t *at)
{
	emit(a, "\x5b\x82", 2); /* DeviceOp */
	*at = pkg_begin(a);
	emit(a, seg, 4);
}

static void pci_root(struct aml *a, const struct vacpi_params *p)
{
	uint32_t at;

	device_begin(a, "PCI0", &at);
	name(a, "_HID");
	eisa_id(a, "PNP0A03");
	name(a, "_UID");
	integer(a, 0);
	name(a, "_BBN");
	integer(a, 0);
	root_crs(a, p);
	pkg_end(a, at);
}

/* Device (C0xx) { Name (_HID, "ACPI0007") Name (_UID, xx) }: the
 * processor device whose _UID is the MADT's ACPI Processor UID (8.4). */
static void processor(struct aml *a, unsigned i)
{
	static const char hex[] = "0123456789ABCDEF";
	const char seg[4] = { 'C', '0', hex[i >> 4 & 15], hex[i & 15] };
	uint32_t at;

	device_begin(a, seg, &at);
	name(a, "_HID");
	string(a, "ACPI0007");
	name(a, "_UID");
	integer(a, i);
	pkg_end(a, at);
}

/* The DSDT's AML; its length, or 0 if it did not fit in cap. */
static uint32_t dsdt_aml(uint8_t *b, uint32_t cap, const struct vacpi_params *p)
{
	struct aml a = { b, 0, cap, false };
	uint32_t at;

	sleep_state(&a, "\\_S0_", 0);
	sleep_state(&a, "\\_S5_", 5);
	emit8(&a, 0x10); /* ScopeOp */
	at = pkg_begin(&a);
	emit(&a, "\\_SB_", 5);
	pci_root(&a, p);
	for (unsigned i = 0; i < p->n_cpus; i++)
		processor(&a, i);
	pkg_end(&a, at);
	return a.full ? 0 : a.pos;
}

/* ---- the tables ---------------------------------------------------------- */

/* RSDP (5.2.5.3): the first 20 bytes checksum to 0, and all 36. */
static void build_rsdp(uint8_t *b, const struct vacpi_layout *l)
{
	uint8_t *t = b + l->rsdp.off;

	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, VACPI_OEM_ID, 6);
	t[15] = 2;
	put32(t + 16, (uint32_t)l->rsdt.gpa);
	put32(t + 20, RSDP_LEN);
	put64(t + 24, l->xsdt.gpa);
	t[8] = (uint8_t)-sum(t, 20);
	t[32] = (uint8_t)-sum(t, RSDP_LEN);
}

/* FACS (5.2.10): no hardware signature, no waking vector; version 2. */
static void build_facs(uint8_t *b, const struct vacpi_layout *l)
{
	uint8_t *t = b + l->facs.off;

	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2;
}

static void build_roots(uint8_t *b, const struct vacpi_layout *l)
{
	uint8_t *x = b + l->xsdt.off, *r = b + l->rsdt.off;

	header(x, "XSDT", l->xsdt.len, 1);
	put64(x + HDR_LEN, l->fadt.gpa);
	put64(x + HDR_LEN + 8, l->madt.gpa);
	finish(x, l->xsdt.len);
	header(r, "RSDT", l->rsdt.len, 1);
	put32(r + HDR_LEN, (uint32_t)l->fadt.gpa);
	put32(r + HDR_LEN + 4, (uint32_t)l->madt.gpa);
	finish(r, l->rsdt.len);
}

/* FADT PM fields (table 5.9): the 32-bit and the X_ forms agree. */
static void fadt_pm(uint8_t *t, const struct vacpi_params *p)
{
	put16(t + 46, p->sci_irq); /* SCI_INT; SMI_CMD (48) stays 0 */
	put32(t + 56, p->pm1a_evt);
	put32(t + 64, p->pm1a_cnt);
	put32(t + 76, p->pm_tmr);
	t[88] = 4; /* PM1_EVT_LEN */
	t[89] = 2; /* PM1_CNT_LEN */
	t[91] = 4; /* PM_TMR_LEN */
	gas(t + 148, 32, GAS_WORD, p->pm1a_evt);
	gas(t + 172, 16, GAS_WORD, p->pm1a_cnt);
	gas(t + 208, 32, GAS_DWORD, p->pm_tmr);
}

static void build_fadt(uint8_t *b, const struct vacpi_layout *l,
		       const struct vacpi_params *p)
{
	uint8_t *t = b + l->fadt.off;

	header(t, "FACP", VACPI_FADT_LEN, VACPI_FADT_REVISION);
	put32(t + 36, (uint32_t)l->facs.gpa); /* FIRMWARE_CTRL */
	put32(t + 40, (uint32_t)l->dsdt.gpa);
	/* X_FIRMWARE_CTRL stays 0: "if FIRMWARE_CTRL is non-zero, [it]
	 * must be zero" (table 5.9); Linux lists the FACS twice otherwise */
	put64(t + 140, l->dsdt.gpa); /* X_DSDT */
	fadt_pm(t, p);
	put16(t + 96, 0x0fff); /* P_LVL2_LAT > 100: no C2 */
	put16(t + 98, 0x0fff); /* P_LVL3_LAT > 1000: no C3 */
	t[108] = 0x32;	       /* CENTURY: the RTC's CMOS index */
	put16(t + 109, VACPI_IAPC_BOOT_ARCH);
	put32(t + 112, VACPI_FADT_FLAGS);
	gas(t + 116, 8, GAS_BYTE, p->reset_port); /* RESET_REG */
	t[128] = p->reset_value;
	t[131] = VACPI_FADT_MINOR;
	finish(t, VACPI_FADT_LEN);
}

static uint8_t *iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = 2; /* Interrupt Source Override (5.2.12.5), bus 0 = ISA */
	e[1] = 10;
	e[2] = 0;
	e[3] = irq;
	put32(e + 4, gsi);
	put16(e + 8, flags);
	return e + 10;
}

static void build_madt(uint8_t *b, const struct vacpi_layout *l,
		       const struct vacpi_params *p)
{
	uint8_t *t = b + l->madt.off, *e = t + HDR_LEN + 8;

	header(t, "APIC", l->madt.len, MADT_REVISION);
	put32(t + 36, VACPI_LAPIC_ADDR);
	put32(t + 40, 1); /* PCAT_COMPAT */
	for (unsigned i = 0; i < p->n_cpus; i++, e += 8) {
		e[0] = 0; /* Processor Local APIC (5.2.12.2) */
		e[1] = 8;
		e[2] = (uint8_t)i; /* ACPI Processor UID */
		e[3] = (uint8_t)i; /* APIC ID */
		put32(e + 4, 1);   /* Enabled */
	}
	e[0] = 1; /* I/O APIC (5.2.12.3) */
	e[1] = 12;
	e[2] = p->ioapic_id;
	put32(e + 4, p->ioapic_addr);
	e = iso(e + 12, 0, 2, 0); /* the PIT's IRQ 0 is pin 2 */
	e = iso(e, p->sci_irq, p->sci_irq, INTI_ACTIVE_HIGH | INTI_LEVEL);
	e[0] = 4; /* Local APIC NMI (5.2.12.7): all processors, LINT1 */
	e[1] = 6;
	e[2] = 0xff;
	e[5] = 1;
	finish(t, l->madt.len);
}

static void build_dsdt(uint8_t *b, const struct vacpi_layout *l,
		       const uint8_t *aml)
{
	uint8_t *t = b + l->dsdt.off;

	header(t, "DSDT", l->dsdt.len, DSDT_REVISION);
	memcpy(t + HDR_LEN, aml, l->dsdt.len - HDR_LEN);
	finish(t, l->dsdt.len);
}

/* ---- layout -------------------------------------------------------------- */

static void place(struct vacpi_table *t, uint64_t gpa, uint32_t *off,
		  uint32_t len, uint32_t align)
{
	uint64_t at = (gpa + *off + align - 1) & ~(uint64_t)(align - 1);

	t->gpa = at;
	t->off = (uint32_t)(at - gpa);
	t->len = len;
	*off = t->off + len;
}

static void plan(struct vacpi_layout *l, uint64_t gpa, unsigned n_cpus,
		 uint32_t aml_len)
{
	uint32_t off = 0;

	place(&l->rsdp, gpa, &off, RSDP_LEN, 16);
	place(&l->facs, gpa, &off, FACS_LEN, 64);
	place(&l->fadt, gpa, &off, VACPI_FADT_LEN, 16);
	place(&l->madt, gpa, &off, HDR_LEN + 8 + 8 * n_cpus + 12 + 2 * 10 + 6,
	      16);
	place(&l->xsdt, gpa, &off, HDR_LEN + 2 * 8, 16);
	place(&l->rsdt, gpa, &off, HDR_LEN + 2 * 4, 16);
	place(&l->dsdt, gpa, &off, HDR_LEN + aml_len, 16);
	l->size = off;
}

static bool params_ok(const struct vacpi_params *p)
{
	return p->n_cpus >= 1 && p->n_cpus <= VACPI_MAX_CPUS &&
	       p->sci_irq >= 1 && p->sci_irq <= 15 && p->sci_irq != 2 &&
	       (uint64_t)p->pci_mem_base + p->pci_mem_size <= LIMIT_4G;
}

int vacpi_build(const struct vacpi_params *p, void *buf, uint32_t len,
		uint64_t buf_gpa, struct vacpi_layout *out)
{
	uint8_t aml[AML_MAX];
	struct vacpi_layout l;
	uint32_t aml_len;

	if (!params_ok(p))
		return -EINVAL;
	aml_len = dsdt_aml(aml, sizeof(aml), p);
	if (!aml_len)
		return -E2BIG;
	if (buf_gpa >= LIMIT_4G)
		return -ERANGE;
	plan(&l, buf_gpa, p->n_cpus, aml_len);
	if (buf_gpa + l.size > LIMIT_4G)
		return -ERANGE;
	if (l.size > len)
		return -ENOSPC;
	memset(buf, 0, len);
	build_rsdp(buf, &l);
	build_facs(buf, &l);
	build_fadt(buf, &l, p);
	build_madt(buf, &l, p);
	build_roots(buf, &l);
	build_dsdt(buf, &l, aml);
	*out = l;
	return 0;
}
