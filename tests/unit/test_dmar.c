/* SPDX-License-Identifier: MIT */
/* drivers/dmar.c: dmar_parse on DMAR tables built here, and
 * dmar_unit_for on what it finds. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/dmar.h"
#include "lib/errno.h"

/* ---- a builder for DMAR tables ----------------------------------------- */

#define TB_BYTES 4096

struct tb {
	uint8_t b[TB_BYTES];
	uint32_t len;
};

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

/* The header of a table with no remapping structure yet: haw is the
 * Host Address Width field (width - 1). */
static void tb_init(struct tb *t, uint8_t haw, uint8_t flags)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "DMAR", 4);
	t->b[8] = 1;                      /* revision */
	memcpy(t->b + 10, "UTEST ", 6);   /* OEM ID */
	memcpy(t->b + 16, "UNITTEST", 8); /* OEM table ID */
	put32(t->b + 24, 1);
	memcpy(t->b + 28, "TEST", 4);
	put32(t->b + 32, 1);
	t->b[36] = haw;
	t->b[37] = flags;
	t->len = 48;
}

static void tb_add(struct tb *t, const void *p, uint32_t n)
{
	assert_true(t->len + n <= TB_BYTES);
	if (n)
		memcpy(t->b + t->len, p, n);
	t->len += n;
}

/* Sets the length field to the bytes built and fixes the checksum. */
static void tb_finish(struct tb *t)
{
	put32(t->b + 4, t->len);
	t->b[9] = 0;
	t->b[9] = (uint8_t)-sum8(t->b, t->len);
}

/* Recomputes the checksum over what the length field says. */
static void tb_fix_checksum(struct tb *t)
{
	uint32_t len;

	memcpy(&len, t->b + 4, 4);
	if (len > TB_BYTES)
		len = TB_BYTES;
	t->b[9] = 0;
	t->b[9] = (uint8_t)-sum8(t->b, len);
}

/* A structure's type and fixed part (len bytes, header included); its
 * length field is set by tb_end. Returns its offset. */
static uint32_t tb_begin(struct tb *t, uint16_t type, const uint8_t *fixed,
			 uint32_t len)
{
	uint32_t off = t->len;

	tb_add(t, fixed, len);
	put16(t->b + off, type);
	return off;
}

static void tb_end(struct tb *t, uint32_t off)
{
	put16(t->b + off + 2, (uint16_t)(t->len - off));
}

static uint32_t tb_drhd(struct tb *t, uint8_t flags, uint16_t seg,
			uint64_t base)
{
	uint8_t f[16] = { 0 };

	f[4] = flags;
	put16(f + 6, seg);
	put64(f + 8, base);
	return tb_begin(t, 0, f, 16);
}

static uint32_t tb_rmrr(struct tb *t, uint16_t seg, uint64_t base,
			uint64_t limit)
{
	uint8_t f[24] = { 0 };

	put16(f + 6, seg);
	put64(f + 8, base);
	put64(f + 16, limit);
	return tb_begin(t, 1, f, 24);
}

static uint32_t tb_atsr(struct tb *t, uint8_t flags, uint16_t seg)
{
	uint8_t f[8] = { 0 };

	f[4] = flags;
	put16(f + 6, seg);
	return tb_begin(t, 2, f, 8);
}

/* A device scope with hops (device, function) pairs in path. */
static void tb_scope(struct tb *t, uint8_t type, uint8_t enum_id,
		     uint8_t bus, unsigned hops, const uint8_t *path)
{
	uint8_t s[6 + 2 * 16] = { type, (uint8_t)(6 + 2 * hops), 0, 0,
				  enum_id, bus };

	assert_true(hops <= 16);
	if (hops)
		memcpy(s + 6, path, 2 * hops);
	tb_add(t, s, 6 + 2 * hops);
}

/* A one-hop scope: the common case. */
static void tb_scope1(struct tb *t, uint8_t type, uint8_t enum_id,
		      uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint8_t p[2] = { dev, fn };

	tb_scope(t, type, enum_id, bus, 1, p);
}

/* A whole structure of another type, with n bytes of body. */
static uint32_t tb_other(struct tb *t, uint16_t type, const void *body,
			 uint32_t n)
{
	uint8_t h[4] = { 0 };
	uint32_t off = tb_begin(t, type, h, 4);

	tb_add(t, body, n);
	tb_end(t, off);
	return off;
}

/* ---- parsing ----------------------------------------------------------- */

static char err[256];
static struct dmar_info info; /* large: static */

/* Parses the first len bytes of t from an exact-size heap copy, so that
 * ASan reports any read past them. */
static int parse_len(const struct tb *t, size_t len, struct dmar_info *d)
{
	uint8_t *c = malloc(len ? len : 1);
	int r;

	assert_non_null(c);
	memcpy(c, t->b, len);
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = 0;
	r = dmar_parse(c, len, d, err, sizeof(err));
	free(c);
	return r;
}

static int parse(const struct tb *t, struct dmar_info *d)
{
	return parse_len(t, t->len, d);
}

static void assert_zeroed(const struct dmar_info *d)
{
	static const struct dmar_info zero;

	assert_memory_equal(d, &zero, sizeof(zero));
}

/* Refused, with a message containing what, and nothing left behind. */
#define assert_refused_len(t, len, what)                                      \
	do {                                                                  \
		int r_ = parse_len((t), (len), &info);                        \
		if (r_ != -EINVAL || !strstr(err, (what)))                    \
			fail_msg("got %d \"%s\", wanted -EINVAL \"%s\"", r_,  \
				 err, (what));                                \
		assert_memory_equal(err, "dmar: ", 6);                        \
		assert_zeroed(&info);                                         \
	} while (0)

#define assert_refused(t, what) assert_refused_len((t), (t)->len, (what))

#define assert_parses(t)                                                      \
	do {                                                                  \
		int r_ = parse((t), &info);                                   \
		if (r_)                                                       \
			fail_msg("refused (%d): %s", r_, err);                \
		assert_string_equal(err, "");                                 \
	} while (0)

static void assert_scope(const struct dmar_scope *s, uint8_t type,
			 uint8_t enum_id, uint8_t bus, uint8_t dev, uint8_t fn)
{
	assert_int_equal(s->type, type);
	assert_int_equal(s->enum_id, enum_id);
	assert_int_equal(s->bus, bus);
	assert_int_equal(s->path_len, 1);
	assert_int_equal(s->path[0].dev, dev);
	assert_int_equal(s->path[0].fn, fn);
}

/* One include-all DRHD: the smallest valid table, plus what it needs. */
static void tb_minimal(struct tb *t)
{
	tb_init(t, 38, 0);
	tb_end(t, tb_drhd(t, 1, 0, 0xfed90000));
}

/* ---- well-formed tables ------------------------------------------------ */

/* What QEMU's q35 with intel-iommu,intremap=on,eim=off builds: one
 * INCLUDE_PCI_ALL unit whose scope names the I/O APIC on the pseudo
 * platform bus. */
static void test_qemu_like(void **state)
{
	static struct tb t;
	uint32_t d;

	tb_init(&t, 38, 0x3); /* INTR_REMAP | X2APIC_OPT_OUT */
	d = tb_drhd(&t, 1, 0, 0xfed90000);
	tb_scope1(&t, DMAR_SCOPE_IOAPIC, 0, 0xff, 0, 0);
	tb_end(&t, d);
	tb_finish(&t);
	assert_int_equal(t.len, 48 + 16 + 8);

	assert_parses(&t);
	assert_int_equal(info.host_addr_width, 39);
	assert_true(info.intr_remap);
	assert_true(info.x2apic_opt_out);
	assert_false(info.dma_ctrl_opt_in);
	assert_int_equal(info.n_units, 1);
	assert_int_equal(info.unit[0].base, 0xfed90000);
	assert_int_equal(info.unit[0].segment, 0);
	assert_true(info.unit[0].include_all);
	assert_int_equal(info.unit[0].n_scopes, 1);
	assert_scope(&info.unit[0].scope[0], DMAR_SCOPE_IOAPIC, 0, 0xff, 0, 0);
	assert_int_equal(info.n_rmrrs, 0);
	assert_int_equal(info.n_atsrs, 0);
	assert_int_equal(info.n_skipped, 0);

	assert_int_equal(dmar_unit_for(&info, 0, 0, 2, 0), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0xff, 0, 0), 0);
	assert_int_equal(dmar_unit_for(&info, 1, 0, 2, 0), -1);
}

/* A laptop: a unit of its own for the integrated GPU, an include-all
 * unit with the I/O APIC and HPET, RMRRs for the GPU's stolen memory
 * and for USB, an ATSR (with a two-hop scope, so lengths that are no
 * multiple of 8), an RHSA and an ANDD to skip. */
static void build_laptop(struct tb *t)
{
	static const uint8_t two_hops[] = { 0x1c, 4, 0, 0 };
	uint8_t rhsa[16] = { 0 }, andd[19] = { 0 };
	uint32_t s;

	tb_init(t, 0x26, 0x5); /* INTR_REMAP | DMA_CTRL_PLATFORM_OPT_IN */
	s = tb_drhd(t, 0, 0, 0xfed90000);
	tb_scope1(t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	tb_end(t, s);
	s = tb_drhd(t, 1, 0, 0xfed91000);
	tb_scope1(t, DMAR_SCOPE_IOAPIC, 2, 0, 0x1e, 7);
	tb_scope1(t, DMAR_SCOPE_HPET, 0, 0, 0x1e, 6);
	tb_end(t, s);
	s = tb_rmrr(t, 0, 0x3e2e0000, 0x3e2fffff); /* USB */
	tb_scope1(t, DMAR_SCOPE_ENDPOINT, 0, 0, 0x14, 0);
	tb_scope1(t, DMAR_SCOPE_ENDPOINT, 0, 0, 0x1a, 0);
	tb_end(t, s);
	s = tb_rmrr(t, 0, 0x6c000000, 0x707fffff); /* GPU stolen memory */
	tb_scope1(t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	tb_end(t, s);
	s = tb_atsr(t, 0, 0);
	tb_scope1(t, DMAR_SCOPE_BRIDGE, 0, 0, 0x1c, 0);
	tb_scope(t, DMAR_SCOPE_BRIDGE, 0, 0, 2, two_hops);
	tb_end(t, s);
	put64(rhsa + 4, 0xfed91000); /* RHSA: reserved, base, domain */
	put32(rhsa + 12, 0);
	tb_other(t, 3, rhsa, sizeof(rhsa));
	andd[3] = 1; /* ANDD: reserved, device number, name */
	memcpy(andd + 4, "\\_SB.PCI0.I2C0", 15);
	tb_other(t, 4, andd, sizeof(andd));
	tb_finish(t);
}

static void test_laptop(void **state)
{
	static struct tb t;
	const struct dmar_unit *u;
	const struct dmar_rmrr *m;
	const struct dmar_atsr *a;

	build_laptop(&t);
	assert_parses(&t);
	assert_int_equal(info.host_addr_width, 39);
	assert_true(info.intr_remap);
	assert_false(info.x2apic_opt_out);
	assert_true(info.dma_ctrl_opt_in);

	assert_int_equal(info.n_units, 2);
	u = &info.unit[0];
	assert_int_equal(u->base, 0xfed90000);
	assert_int_equal(u->segment, 0);
	assert_false(u->include_all);
	assert_int_equal(u->n_scopes, 1);
	assert_scope(&u->scope[0], DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	u = &info.unit[1];
	assert_int_equal(u->base, 0xfed91000);
	assert_int_equal(u->segment, 0);
	assert_true(u->include_all);
	assert_int_equal(u->n_scopes, 2);
	assert_scope(&u->scope[0], DMAR_SCOPE_IOAPIC, 2, 0, 0x1e, 7);
	assert_scope(&u->scope[1], DMAR_SCOPE_HPET, 0, 0, 0x1e, 6);

	assert_int_equal(info.n_rmrrs, 2);
	m = &info.rmrr[0];
	assert_int_equal(m->segment, 0);
	assert_int_equal(m->base, 0x3e2e0000);
	assert_int_equal(m->limit, 0x3e2fffff);
	assert_int_equal(m->n_scopes, 2);
	assert_scope(&m->scope[0], DMAR_SCOPE_ENDPOINT, 0, 0, 0x14, 0);
	assert_scope(&m->scope[1], DMAR_SCOPE_ENDPOINT, 0, 0, 0x1a, 0);
	m = &info.rmrr[1];
	assert_int_equal(m->base, 0x6c000000);
	assert_int_equal(m->limit, 0x707fffff);
	assert_int_equal(m->n_scopes, 1);
	assert_scope(&m->scope[0], DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);

	assert_int_equal(info.n_atsrs, 1);
	a = &info.atsr[0];
	assert_int_equal(a->segment, 0);
	assert_false(a->all_ports);
	assert_int_equal(a->n_scopes, 2);
	assert_scope(&a->scope[0], DMAR_SCOPE_BRIDGE, 0, 0, 0x1c, 0);
	assert_int_equal(a->scope[1].type, DMAR_SCOPE_BRIDGE);
	assert_int_equal(a->scope[1].bus, 0);
	assert_int_equal(a->scope[1].path_len, 2);
	assert_int_equal(a->scope[1].path[0].dev, 0x1c);
	assert_int_equal(a->scope[1].path[0].fn, 4);
	assert_int_equal(a->scope[1].path[1].dev, 0);
	assert_int_equal(a->scope[1].path[1].fn, 0);

	assert_int_equal(info.n_skipped, 2);

	assert_int_equal(dmar_unit_for(&info, 0, 0, 2, 0), 0);    /* GPU */
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0x14, 0), 1); /* USB */
	assert_int_equal(dmar_unit_for(&info, 0, 0, 2, 1), 1);
	assert_int_equal(dmar_unit_for(&info, 0, 3, 0, 0), 1);
	assert_int_equal(dmar_unit_for(&info, 1, 0, 2, 0), -1);
}

/* The DMAR of a Dell XPS 13 9310 as acpidump printed it: four units
 * (GPU, two Thunderbolt root ports as bridge scopes, include-all) and
 * the GPU's RMRR. Firmware bytes, checksum included. */
static const uint8_t xps13_dmar[184] = {
	0x44, 0x4d, 0x41, 0x52, 0xb8, 0x00, 0x00, 0x00, 0x02, 0x85, 0x49, 0x4e,
	0x54, 0x45, 0x4c, 0x20, 0x44, 0x65, 0x6c, 0x6c, 0x20, 0x49, 0x6e, 0x63,
	0x02, 0x00, 0x00, 0x00, 0x20, 0x20, 0x20, 0x20, 0x13, 0x00, 0x00, 0x01,
	0x26, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd9, 0xfe,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0xd8, 0xfe,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00,
	0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0xd8, 0xfe,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0x07, 0x02,
	0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0xd9, 0xfe,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x02, 0x00, 0x1e, 0x07,
	0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x1e, 0x06, 0x01, 0x00, 0x20, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6c, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0x7f, 0x70, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00,
};

static void test_firmware_table(void **state)
{
	static struct tb t;

	memcpy(t.b, xps13_dmar, sizeof(xps13_dmar));
	t.len = sizeof(xps13_dmar);
	assert_parses(&t);
	assert_int_equal(info.host_addr_width, 39);
	assert_true(info.intr_remap);
	assert_false(info.x2apic_opt_out);
	assert_int_equal(info.n_units, 4);
	assert_int_equal(info.unit[0].base, 0xfed90000);
	assert_scope(&info.unit[0].scope[0], DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	assert_int_equal(info.unit[1].base, 0xfed84000);
	assert_scope(&info.unit[1].scope[0], DMAR_SCOPE_BRIDGE, 0, 0, 7, 0);
	assert_int_equal(info.unit[2].base, 0xfed86000);
	assert_scope(&info.unit[2].scope[0], DMAR_SCOPE_BRIDGE, 0, 0, 7, 2);
	assert_int_equal(info.unit[3].base, 0xfed91000);
	assert_true(info.unit[3].include_all);
	assert_int_equal(info.unit[3].n_scopes, 2);
	assert_scope(&info.unit[3].scope[0], DMAR_SCOPE_IOAPIC, 2, 0, 0x1e, 7);
	assert_scope(&info.unit[3].scope[1], DMAR_SCOPE_HPET, 0, 0, 0x1e, 6);
	assert_int_equal(info.n_rmrrs, 1);
	assert_int_equal(info.rmrr[0].base, 0x6c000000);
	assert_int_equal(info.rmrr[0].limit, 0x707fffff);
	assert_int_equal(info.n_atsrs, 0);
	assert_int_equal(info.n_skipped, 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 7, 2), 2);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 7, 1), 3);

	t.b[0x5e] = 8; /* the checksum covers every byte */
	assert_refused(&t, "bad checksum");
}

/* Limits reached but not passed; lengths the parser must not mind. */
static void test_at_the_limits(void **state)
{
	static struct tb t;
	static const uint8_t four[] = { 1, 2, 3, 4, 5, 6, 7, 0 };
	uint32_t s;

	tb_init(&t, 63, 0); /* 64 bits */
	for (unsigned i = 0; i < DMAR_MAX_UNITS; i++) {
		/* unit 6: reserved flag bits and a size, both ignored */
		s = tb_drhd(&t, i == 7 ? 1 : i == 6 ? 0xfe : 0, (uint16_t)(i / 2),
			    0xfffffffffffff000ull - 0x1000ull * i);
		t.b[s + 5] = i == 6 ? 3 : 0;
		if (i == 0)
			for (unsigned j = 0; j < DMAR_MAX_SCOPES; j++)
				tb_scope1(&t, DMAR_SCOPE_ENDPOINT, 0,
					  (uint8_t)j, 0, 0);
		tb_end(&t, s);
	}
	for (unsigned i = 0; i < DMAR_MAX_RMRRS; i++) {
		s = tb_rmrr(&t, (uint16_t)(0x100 * i + 1), 0x1000ull * i,
			    0x1000ull * i + 0xfff);
		put16(t.b + s + 4, 0xffff); /* reserved */
		tb_end(&t, s);
	}
	for (unsigned i = 0; i < DMAR_MAX_ATSRS; i++) {
		/* ATSR 2: reserved flag bits, not ALL_PORTS */
		s = tb_atsr(&t, i == 2 ? 0xfe : 1, (uint16_t)(0x300 + i));
		t.b[s + 5] = 0xff; /* reserved */
		if (i == 3)
			tb_scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0x80,
				 DMAR_MAX_PATH, four);
		tb_end(&t, s);
	}
	tb_other(&t, 0x1234, NULL, 0); /* 4 bytes, unknown type */
	tb_other(&t, 6, "abc", 3);     /* SIDP, odd length */
	tb_finish(&t);

	assert_parses(&t);
	assert_int_equal(info.host_addr_width, 64);
	assert_int_equal(info.n_units, DMAR_MAX_UNITS);
	assert_int_equal(info.unit[0].n_scopes, DMAR_MAX_SCOPES);
	assert_int_equal(info.unit[0].scope[15].bus, 15);
	assert_int_equal(info.unit[7].base, 0xffffffffffff8000ull);
	assert_int_equal(info.unit[7].segment, 3);
	assert_true(info.unit[7].include_all);
	assert_false(info.unit[6].include_all);
	assert_int_equal(info.unit[6].base, 0xffffffffffff9000ull);
	assert_int_equal(info.unit[6].segment, 3);
	assert_false(info.unit[5].include_all);
	assert_int_equal(info.n_rmrrs, DMAR_MAX_RMRRS);
	assert_int_equal(info.rmrr[0].segment, 1);
	assert_int_equal(info.rmrr[7].segment, 0x701);
	assert_int_equal(info.rmrr[7].base, 0x7000);
	assert_int_equal(info.rmrr[7].limit, 0x7fff);
	assert_int_equal(info.n_atsrs, DMAR_MAX_ATSRS);
	assert_true(info.atsr[0].all_ports);
	assert_false(info.atsr[2].all_ports);
	assert_true(info.atsr[3].all_ports);
	assert_int_equal(info.atsr[0].segment, 0x300);
	assert_int_equal(info.atsr[3].segment, 0x303);
	assert_int_equal(info.atsr[2].n_scopes, 0);
	assert_int_equal(info.atsr[3].n_scopes, 1);
	assert_int_equal(info.atsr[3].scope[0].bus, 0x80);
	assert_int_equal(info.atsr[3].scope[0].path_len, DMAR_MAX_PATH);
	for (unsigned i = 0; i < DMAR_MAX_PATH; i++) {
		assert_int_equal(info.atsr[3].scope[0].path[i].dev, 2 * i + 1);
		assert_int_equal(info.atsr[3].scope[0].path[i].fn,
				 i == 3 ? 0 : 2 * i + 2);
	}
	assert_int_equal(info.n_skipped, 2);

	/* an RMRR up to the very last byte, and a zero-hop scope */
	tb_init(&t, 11, 0); /* 12 bits: the least accepted */
	tb_end(&t, tb_drhd(&t, 1, 0, 0x1000));
	s = tb_rmrr(&t, 0, 0xfffffffffffff000ull, 0xffffffffffffffffull);
	tb_scope(&t, DMAR_SCOPE_ACPI, 9, 0, 0, NULL);
	tb_end(&t, s);
	tb_finish(&t);
	assert_parses(&t);
	assert_int_equal(info.host_addr_width, 12);
	assert_int_equal(info.rmrr[0].limit, 0xffffffffffffffffull);
	assert_int_equal(info.rmrr[0].scope[0].type, DMAR_SCOPE_ACPI);
	assert_int_equal(info.rmrr[0].scope[0].enum_id, 9);
	assert_int_equal(info.rmrr[0].scope[0].path_len, 0);
}

/* The table given may run on past its header length: those bytes are
 * not part of it. */
static void test_bytes_past_the_table(void **state)
{
	static struct tb t;

	tb_minimal(&t);
	tb_finish(&t);
	memset(t.b + t.len, 0xee, 40); /* not a structure */
	assert_int_equal(parse_len(&t, t.len + 40, &info), 0);
	assert_int_equal(info.n_units, 1);
	assert_int_equal(info.n_skipped, 0);
}

/* ---- refusals: the header ---------------------------------------------- */

static void test_bad_header(void **state)
{
	static struct tb t;

	tb_minimal(&t);
	tb_finish(&t);
	assert_refused_len(&t, 0, "table of 0 bytes is shorter than the 36");
	assert_refused_len(&t, 35, "table of 35 bytes");
	assert_int_equal(dmar_parse(NULL, 0, &info, err, sizeof(err)),
			 -EINVAL);
	assert_refused_len(&t, 47, "table length 64 exceeds the 47 bytes given");
	assert_refused_len(&t, 63, "table length 64 exceeds the 63 bytes given");

	memcpy(t.b, "DMAX", 4);
	tb_fix_checksum(&t);
	assert_refused(&t, "dmar: bad signature");
	memcpy(t.b, "dmar", 4);
	tb_fix_checksum(&t);
	assert_refused(&t, "dmar: bad signature");

	tb_minimal(&t);
	tb_finish(&t);
	put32(t.b + 4, 65);
	tb_fix_checksum(&t);
	assert_refused(&t, "dmar: table length 65 exceeds the 64 bytes given");
	put32(t.b + 4, 0xffffffff);
	assert_refused(&t, "table length 4294967295 exceeds");
	put32(t.b + 4, 47);
	tb_fix_checksum(&t);
	assert_refused(&t, "dmar: table length 47 below 48");
	put32(t.b + 4, 0);
	tb_fix_checksum(&t);
	assert_refused(&t, "table length 0 below 48");

	tb_minimal(&t);
	tb_finish(&t);
	t.b[60] ^= 0x10; /* within the DRHD: a base still aligned */
	assert_refused(&t, "dmar: bad checksum");
	t.b[9]--;
	t.b[60] ^= 0x10;
	assert_refused(&t, "dmar: bad checksum");
}

static void test_bad_width(void **state)
{
	static struct tb t;

	tb_minimal(&t);
	t.b[36] = 10; /* 11 bits: less than a page */
	tb_finish(&t);
	assert_refused(&t, "dmar: host address width of 11 bits");
	t.b[36] = 64;
	tb_finish(&t);
	assert_refused(&t, "host address width of 65 bits");
	t.b[36] = 255; /* 256 would wrap in a u8 */
	tb_finish(&t);
	assert_refused(&t, "host address width of 256 bits");
}

static void test_no_drhd(void **state)
{
	static struct tb t;
	uint8_t rhsa[16] = { 0 };

	tb_init(&t, 38, 1);
	tb_finish(&t);
	assert_refused(&t, "dmar: no DRHD structure");
	assert_string_equal(err, "dmar: no DRHD structure");

	tb_end(&t, tb_rmrr(&t, 0, 0x1000, 0x1fff));
	tb_end(&t, tb_atsr(&t, 1, 0));
	tb_other(&t, 3, rhsa, sizeof(rhsa));
	tb_finish(&t);
	assert_refused(&t, "dmar: no DRHD structure");
}

/* ---- refusals: structures ---------------------------------------------- */

static void test_bad_structure_length(void **state)
{
	static struct tb t;
	uint32_t s;

	tb_minimal(&t);
	s = tb_drhd(&t, 0, 1, 0x2000); /* at offset 64 */
	put16(t.b + s + 2, 2);
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 64: length 2 below 4");
	assert_string_equal(err, "dmar: DRHD at offset 64: length 2 below 4");
	put16(t.b + s + 2, 0); /* would never advance */
	tb_finish(&t);
	assert_refused(&t, "DRHD at offset 64: length 0 below 4");
	put16(t.b + s, 9);
	tb_finish(&t);
	assert_refused(&t, "dmar: structure type 9 at offset 64: length 0 "
			   "below 4");

	tb_minimal(&t);
	s = tb_drhd(&t, 0, 1, 0x2000);
	put16(t.b + s + 2, 17); /* one byte more than there is */
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 64: length 17 runs past the "
			   "table end");
	put16(t.b + s, 5);
	put16(t.b + s + 2, 0xffff);
	tb_finish(&t);
	assert_refused(&t, "dmar: SATC at offset 64: length 65535 runs past");

	tb_minimal(&t);
	tb_add(&t, "\x03\x00\x10", 3); /* a structure header cut short */
	tb_finish(&t);
	assert_refused(&t, "dmar: structure at offset 64: header runs past "
			   "the table end");
}

static void test_bad_drhd(void **state)
{
	static struct tb t;
	uint32_t s;

	tb_init(&t, 38, 0);
	s = tb_drhd(&t, 1, 0, 0xfed90000);
	t.len = s + 12;
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 48: length 12 below the "
			   "minimum 16");
	put16(t.b + s + 2, 15);
	t.len = s + 15;
	tb_finish(&t);
	assert_refused(&t, "DRHD at offset 48: length 15 below the minimum 16");

	tb_init(&t, 38, 0);
	tb_end(&t, tb_drhd(&t, 1, 0, 0));
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 48: register base is 0");

	tb_init(&t, 38, 0);
	tb_end(&t, tb_drhd(&t, 1, 0, 0xfed90000));
	tb_end(&t, tb_drhd(&t, 0, 0, 0xfed91800));
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 64: register base 0xfed91800 "
			   "not 4 KiB aligned");
	put64(t.b + 64 + 8, 0x8000000000000001ull);
	tb_finish(&t);
	assert_refused(&t, "register base 0x8000000000000001 not 4 KiB");
}

static void test_too_many_units(void **state)
{
	static struct tb t;

	tb_init(&t, 38, 0);
	for (unsigned i = 0; i <= DMAR_MAX_UNITS; i++)
		tb_end(&t, tb_drhd(&t, 0, (uint16_t)i, 0x1000ull * (i + 1)));
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 176: more than 8 DRHD units");
}

static void test_include_all_twice(void **state)
{
	static struct tb t;
	uint32_t s;

	tb_init(&t, 38, 0);
	tb_end(&t, tb_drhd(&t, 1, 0, 0x1000));
	tb_end(&t, tb_drhd(&t, 1, 1, 0x2000));
	tb_end(&t, tb_drhd(&t, 0, 0, 0x3000));
	s = tb_drhd(&t, 1, 7, 0x4000);
	tb_end(&t, s);
	tb_finish(&t);
	assert_parses(&t); /* one per segment */
	assert_int_equal(info.n_units, 4);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0, 0), 0);
	assert_int_equal(dmar_unit_for(&info, 1, 0, 0, 0), 1);
	assert_int_equal(dmar_unit_for(&info, 7, 0, 0, 0), 3);
	assert_int_equal(dmar_unit_for(&info, 2, 0, 0, 0), -1);

	put16(t.b + s + 6, 1); /* the fourth moves to segment 1 */
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 96: second INCLUDE_PCI_ALL "
			   "unit in segment 1");
}

static void test_bad_rmrr(void **state)
{
	static struct tb t;
	uint32_t s;

	tb_minimal(&t);
	s = tb_rmrr(&t, 0, 0x1000, 0x1fff);
	t.len = s + 16;
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: RMRR at offset 64: length 16 below the "
			   "minimum 24");
	put16(t.b + s + 2, 23);
	t.len = s + 23;
	tb_finish(&t);
	assert_refused(&t, "RMRR at offset 64: length 23 below the minimum 24");

	tb_minimal(&t);
	tb_end(&t, tb_rmrr(&t, 0, 0x1800, 0x1fff));
	tb_finish(&t);
	assert_refused(&t, "dmar: RMRR at offset 64: base 0x1800 not 4 KiB "
			   "aligned");

	tb_minimal(&t);
	tb_end(&t, tb_rmrr(&t, 0, 0x1000, 0x1ffe));
	tb_finish(&t);
	assert_refused(&t, "dmar: RMRR at offset 64: limit 0x1ffe + 1 not "
			   "4 KiB aligned");
	put64(t.b + 64 + 16, 0x2000);
	tb_finish(&t);
	assert_refused(&t, "limit 0x2000 + 1 not 4 KiB aligned");

	tb_minimal(&t);
	tb_end(&t, tb_rmrr(&t, 0, 0x2000, 0xfff));
	tb_finish(&t);
	assert_refused(&t, "dmar: RMRR at offset 64: limit 0xfff below base "
			   "0x2000");

	tb_minimal(&t);
	for (unsigned i = 0; i <= DMAR_MAX_RMRRS; i++)
		tb_end(&t, tb_rmrr(&t, 0, 0x1000, 0x1fff));
	tb_finish(&t);
	assert_refused(&t, "dmar: RMRR at offset 256: more than 8 RMRRs");
}

static void test_bad_atsr(void **state)
{
	static struct tb t;
	uint32_t s;

	tb_minimal(&t);
	s = tb_atsr(&t, 1, 0);
	t.len = s + 6;
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: ATSR at offset 64: length 6 below the "
			   "minimum 8");

	tb_minimal(&t);
	for (unsigned i = 0; i <= DMAR_MAX_ATSRS; i++)
		tb_end(&t, tb_atsr(&t, 1, 0));
	tb_finish(&t);
	assert_refused(&t, "dmar: ATSR at offset 96: more than 4 ATSRs");
}

/* ---- refusals: device scopes ------------------------------------------- */

/* An include-all DRHD whose scope (at offset 64) is the bytes given,
 * with the structure's length covering n of them; then an RHSA. */
static void tb_with_scope(struct tb *t, const uint8_t *scope, uint32_t n,
			  uint32_t struct_n)
{
	uint8_t rhsa[16] = { 0 };
	uint32_t s;

	tb_init(t, 38, 0);
	s = tb_drhd(t, 1, 0, 0xfed90000);
	tb_add(t, scope, n);
	put16(t->b + s + 2, (uint16_t)(16 + struct_n));
	t->len = s + 16 + struct_n;
	tb_other(t, 3, rhsa, sizeof(rhsa));
	tb_finish(t);
}

static void test_bad_scopes(void **state)
{
	static struct tb t;
	uint8_t sc[32] = { DMAR_SCOPE_ENDPOINT, 8, 0, 0, 0, 0, 2, 0 };

	tb_with_scope(&t, sc, 8, 8);
	assert_parses(&t); /* the template itself is fine */
	assert_int_equal(info.n_skipped, 1);

	sc[1] = 4;
	tb_with_scope(&t, sc, 8, 8);
	assert_refused(&t, "dmar: DRHD at offset 48: device scope at offset "
			   "64: length 4 below 6");
	sc[1] = 0; /* would never advance */
	tb_with_scope(&t, sc, 8, 8);
	assert_refused(&t, "device scope at offset 64: length 0 below 6");

	sc[1] = 9;
	tb_with_scope(&t, sc, 10, 10);
	assert_refused(&t, "dmar: DRHD at offset 48: device scope at offset "
			   "64: odd path length 3");
	sc[1] = 7;
	tb_with_scope(&t, sc, 8, 7);
	assert_refused(&t, "device scope at offset 64: odd path length 1");

	sc[1] = 6 + 2 * (DMAR_MAX_PATH + 1);
	tb_with_scope(&t, sc, sc[1], sc[1]);
	assert_refused(&t, "dmar: DRHD at offset 48: device scope at offset "
			   "64: path of 5 hops, more than 4");

	/* the scope is longer than its structure, though not the table */
	sc[1] = 10;
	tb_with_scope(&t, sc, 10, 8);
	assert_refused(&t, "dmar: DRHD at offset 48: device scope at offset "
			   "64: length 10 runs past the structure");
	sc[1] = 8;
	tb_with_scope(&t, sc, 8, 6);
	assert_refused(&t, "device scope at offset 64: length 8 runs past "
			   "the structure");
	/* a scope header of one byte */
	tb_with_scope(&t, sc, 8, 1);
	assert_refused(&t, "dmar: DRHD at offset 48: device scope at offset "
			   "64 runs past the structure");
	/* the second scope is the one that is bad */
	memcpy(sc + 8, sc, 8);
	sc[9] = 12;
	tb_with_scope(&t, sc, 16, 16);
	assert_refused(&t, "device scope at offset 72: length 12 runs past");
}

static void test_bad_scopes_elsewhere(void **state)
{
	static struct tb t;
	uint32_t s;

	tb_minimal(&t);
	s = tb_rmrr(&t, 0, 0x1000, 0x1fff);
	tb_add(&t, "\x01\x05\x00\x00\x00\x00\x00\x00", 8);
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: RMRR at offset 64: device scope at offset "
			   "88: length 5 below 6");

	tb_minimal(&t);
	s = tb_atsr(&t, 0, 0);
	tb_add(&t, "\x02\x0b\x00\x00\x00\x00\x1c\x00\x00\x00\x00", 11);
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: ATSR at offset 64: device scope at offset "
			   "72: odd path length 5");
}

static void test_too_many_scopes(void **state)
{
	static struct tb t;
	uint32_t s;

	tb_init(&t, 38, 0);
	s = tb_drhd(&t, 0, 0, 0x1000);
	for (unsigned i = 0; i <= DMAR_MAX_SCOPES; i++)
		tb_scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, (uint8_t)i, 0);
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: DRHD at offset 48: more than 16 device "
			   "scopes");

	tb_minimal(&t);
	s = tb_rmrr(&t, 0, 0x1000, 0x1fff);
	for (unsigned i = 0; i <= DMAR_MAX_SCOPES; i++)
		tb_scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, (uint8_t)i, 0);
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: RMRR at offset 64: more than 16 device "
			   "scopes");

	tb_minimal(&t);
	s = tb_atsr(&t, 0, 0);
	for (unsigned i = 0; i <= DMAR_MAX_SCOPES; i++)
		tb_scope1(&t, DMAR_SCOPE_BRIDGE, 0, 0, (uint8_t)i, 0);
	tb_end(&t, s);
	tb_finish(&t);
	assert_refused(&t, "dmar: ATSR at offset 64: more than 16 device "
			   "scopes");
}

/* ---- the error buffer -------------------------------------------------- */

static void test_error_buffer(void **state)
{
	static struct tb t;
	char small[12];

	tb_init(&t, 38, 0);
	tb_finish(&t);
	memset(small, 'x', sizeof(small));
	assert_int_equal(dmar_parse(t.b, t.len, &info, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "dmar: no DR");
	assert_int_equal(dmar_parse(t.b, t.len, &info, NULL, 0), -EINVAL);
	assert_int_equal(dmar_parse(t.b, t.len, &info, NULL, 100), -EINVAL);
	small[0] = 'q';
	assert_int_equal(dmar_parse(t.b, t.len, &info, small, 0), -EINVAL);
	assert_int_equal(small[0], 'q');

	tb_minimal(&t);
	tb_finish(&t);
	memset(small, 'x', sizeof(small));
	assert_int_equal(dmar_parse(t.b, t.len, &info, small, sizeof(small)),
			 0);
	assert_string_equal(small, "");
	assert_int_equal(dmar_parse(t.b, t.len, &info, NULL, 0), 0);
	assert_int_equal(info.n_units, 1);
}

/* ---- dmar_unit_for ----------------------------------------------------- */

static void test_unit_for(void **state)
{
	static struct tb t;
	static const uint8_t below_1c[] = { 0x1c, 0, 0, 0 };
	static const uint8_t below_1d[] = { 0x1d, 0, 0, 0 };
	uint32_t s;

	tb_init(&t, 38, 0);
	s = tb_drhd(&t, 1, 0, 0x1000);             /* 0: include-all, seg 0 */
	tb_end(&t, s);
	s = tb_drhd(&t, 0, 0, 0x2000);             /* 1: listed after it */
	tb_scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	tb_scope1(&t, DMAR_SCOPE_BRIDGE, 0, 0, 0x1c, 0);
	tb_scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, below_1c);
	tb_scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, below_1d);
	tb_scope1(&t, DMAR_SCOPE_IOAPIC, 0, 0, 0x1e, 7);
	tb_scope1(&t, DMAR_SCOPE_HPET, 0, 0, 0x1e, 6);
	tb_scope1(&t, DMAR_SCOPE_ACPI, 0, 0, 0x15, 0);
	tb_scope1(&t, 0, 0, 0, 0x16, 0);           /* reserved type */
	tb_end(&t, s);
	s = tb_drhd(&t, 0, 1, 0x3000);             /* 2: seg 1, no include-all */
	tb_scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0x40, 3, 1);
	tb_scope1(&t, DMAR_SCOPE_IOAPIC, 0, 0x40, 5, 0);
	tb_end(&t, s);
	s = tb_drhd(&t, 0, 2, 0x4000);             /* 3: seg 2 */
	tb_scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	tb_end(&t, s);
	tb_end(&t, tb_drhd(&t, 1, 2, 0x5000));     /* 4: seg 2 include-all */
	tb_finish(&t);
	assert_parses(&t);
	assert_int_equal(info.n_units, 5);
	assert_int_equal(info.unit[1].n_scopes, 8);
	assert_int_equal(info.unit[1].scope[7].type, 0);

	/* its scopes win over the include-all unit, whatever the order */
	assert_int_equal(dmar_unit_for(&info, 0, 0, 2, 0), 1);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0x1c, 0), 1); /* bridge */
	/* near misses fall to the include-all unit */
	assert_int_equal(dmar_unit_for(&info, 0, 0, 2, 1), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 3, 0), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 1, 2, 0), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0x40, 3, 1), 0);
	/* two-hop paths are not one-hop matches, by either hop */
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0x1d, 0), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 1, 0, 0), 0);
	/* nor are scopes of other kinds */
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0x1e, 7), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0x1e, 6), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0x15, 0), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0x16, 0), 0);

	/* segment 1 has no include-all unit */
	assert_int_equal(dmar_unit_for(&info, 1, 0x40, 3, 1), 2);
	assert_int_equal(dmar_unit_for(&info, 1, 0x40, 5, 0), -1);
	assert_int_equal(dmar_unit_for(&info, 1, 0, 2, 0), -1);
	assert_int_equal(dmar_unit_for(&info, 1, 0, 0x1c, 0), -1);
	/* segment 2: the scope of its own unit, not segment 0's */
	assert_int_equal(dmar_unit_for(&info, 2, 0, 2, 0), 3);
	assert_int_equal(dmar_unit_for(&info, 2, 0, 0x1c, 0), 4);
	assert_int_equal(dmar_unit_for(&info, 3, 0, 2, 0), -1);
	assert_int_equal(dmar_unit_for(&info, 0xffff, 0, 2, 0), -1);

	memset(&info, 0, sizeof(info));
	assert_int_equal(dmar_unit_for(&info, 0, 0, 0, 0), -1);
}

/* ---- truncation and fuzzing -------------------------------------------- */

/* Every prefix of a table whose header claims the whole: refused,
 * without a byte read past the prefix. */
static void test_truncated(void **state)
{
	static struct tb t;

	build_laptop(&t);
	for (uint32_t len = 0; len < t.len; len++) {
		assert_int_equal(parse_len(&t, len, &info), -EINVAL);
		assert_memory_equal(err, "dmar: ", 6);
		assert_zeroed(&info);
	}
	assert_int_equal(parse(&t, &info), 0);
}

/* Every header length, checksum fixed, given exactly that many bytes:
 * accepted just where a structure ends, from the end of the first
 * (a DRHD) on. */
static void test_every_header_length(void **state)
{
	static struct tb base, t;
	uint32_t ends[16], n_ends = 0, ok = 0;
	uint16_t slen;

	build_laptop(&base);
	for (uint32_t off = 48; off < base.len; off += slen) {
		memcpy(&slen, base.b + off + 2, 2);
		assert_true(n_ends < ARRAY_SIZE(ends));
		ends[n_ends++] = off + slen;
	}
	assert_int_equal(n_ends, 7);
	assert_int_equal(ends[0], 48 + 16 + 8);
	for (uint32_t len = 36; len <= base.len; len++) {
		bool at_end = false;
		int r;

		for (uint32_t i = 0; i < n_ends; i++)
			at_end |= len == ends[i];
		t = base;
		put32(t.b + 4, len);
		tb_fix_checksum(&t);
		r = parse_len(&t, len, &info);
		if (at_end) {
			if (r)
				fail_msg("length %u refused: %s", len, err);
			assert_true(info.n_units >= 1);
			ok++;
		} else {
			assert_int_equal(r, -EINVAL);
			assert_zeroed(&info);
		}
	}
	assert_int_equal(ok, 7);
}

static void check_result(int r, const struct dmar_info *d)
{
	if (r) {
		assert_int_equal(r, -EINVAL);
		assert_memory_equal(err, "dmar: ", 6);
		assert_true(strlen(err) > 6);
		assert_zeroed(d);
		return;
	}
	assert_string_equal(err, "");
	assert_true(d->host_addr_width >= 12 && d->host_addr_width <= 64);
	assert_true(d->n_units >= 1 && d->n_units <= DMAR_MAX_UNITS);
	assert_true(d->n_rmrrs <= DMAR_MAX_RMRRS);
	assert_true(d->n_atsrs <= DMAR_MAX_ATSRS);
	for (unsigned i = 0; i < d->n_units; i++) {
		const struct dmar_unit *u = &d->unit[i];

		assert_true(u->base && !(u->base & 0xfff));
		assert_true(u->n_scopes <= DMAR_MAX_SCOPES);
		for (unsigned j = 0; j < u->n_scopes; j++)
			assert_true(u->scope[j].path_len <= DMAR_MAX_PATH);
		for (unsigned j = 0; j < i; j++)
			assert_false(u->include_all && d->unit[j].include_all &&
				     u->segment == d->unit[j].segment);
	}
	for (unsigned i = 0; i < d->n_rmrrs; i++) {
		const struct dmar_rmrr *m = &d->rmrr[i];

		assert_true(!(m->base & 0xfff) && !((m->limit + 1) & 0xfff));
		assert_true(m->limit >= m->base);
		assert_true(m->n_scopes <= DMAR_MAX_SCOPES);
	}
	for (unsigned i = 0; i < d->n_atsrs; i++)
		assert_true(d->atsr[i].n_scopes <= DMAR_MAX_SCOPES);
}

/* The laptop table, mutated with its checksum fixed (so that the
 * mutations reach the structures), sometimes truncated. */
static void test_fuzz_mutations(void **state)
{
	struct rng r = { 0xd3a4d3a4d3a4ull };
	static struct tb base, t;
	int ok = 0;

	build_laptop(&base);
	for (int iter = 0; iter < 20000; iter++) {
		uint32_t len = base.len, at = 0;
		int res;

		t = base;
		for (int k = (int)rng_below(&r, 6); k >= 0; k--) {
			at = (uint32_t)rng_below(&r, len);
			switch (rng_below(&r, 4)) {
			case 0: /* random byte */
				t.b[at] = (uint8_t)rng_next(&r);
				break;
			case 1: /* a small value in a 16-bit field */
				put16(t.b + (at & ~1u),
				      (uint16_t)rng_below(&r, 40));
				break;
			case 2: /* a byte set to a small value */
				t.b[at] = (uint8_t)rng_below(&r, 24);
				break;
			default: /* flip a bit */
				t.b[at] ^= (uint8_t)(1u << rng_below(&r, 8));
			}
		}
		if (rng_below(&r, 8))
			tb_fix_checksum(&t);
		if (rng_below(&r, 4) == 0)
			len = (uint32_t)rng_below(&r, len + 1);
		res = parse_len(&t, len, &info);
		check_result(res, &info);
		ok += res == 0;
		if (!res)
			(void)dmar_unit_for(&info, 0, 0, (uint8_t)at, 0);
	}
	print_message("  %d of 20000 mutated tables parsed\n", ok);
	assert_true(ok > 0);
}

/* Random structures after a valid header, the header length set to
 * what was made and the checksum fixed. */
static void test_fuzz_random_structures(void **state)
{
	struct rng r = { 0x5eed5eedull };
	static struct tb t;
	int ok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		uint32_t n = (uint32_t)rng_below(&r, 400);
		int res;

		tb_init(&t, 38, 1);
		if (rng_below(&r, 2))
			tb_end(&t, tb_drhd(&t, 1, 0, 0xfed90000));
		for (uint32_t i = 0; i < n; i++)
			t.b[t.len++] = (uint8_t)(rng_below(&r, 3) ?
						 rng_below(&r, 32) : rng_next(&r));
		tb_finish(&t);
		res = parse(&t, &info);
		check_result(res, &info);
		ok += res == 0;
	}
	print_message("  %d of 20000 random tables parsed\n", ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_like),
		cmocka_unit_test(test_laptop),
		cmocka_unit_test(test_firmware_table),
		cmocka_unit_test(test_at_the_limits),
		cmocka_unit_test(test_bytes_past_the_table),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_width),
		cmocka_unit_test(test_no_drhd),
		cmocka_unit_test(test_bad_structure_length),
		cmocka_unit_test(test_bad_drhd),
		cmocka_unit_test(test_too_many_units),
		cmocka_unit_test(test_include_all_twice),
		cmocka_unit_test(test_bad_rmrr),
		cmocka_unit_test(test_bad_atsr),
		cmocka_unit_test(test_bad_scopes),
		cmocka_unit_test(test_bad_scopes_elsewhere),
		cmocka_unit_test(test_too_many_scopes),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_unit_for),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_header_length),
		cmocka_unit_test(test_fuzz_mutations),
		cmocka_unit_test(test_fuzz_random_structures),
	};

	return cmocka_run_group_tests_name("dmar", tests, NULL, NULL);
}
