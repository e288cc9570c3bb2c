/* SPDX-License-Identifier: MIT */
/* drivers/vpci.c: PCI configuration mechanism #1 (PCI Local Bus 3.0,
 * 3.2.2.3.2), the function registry and the built-in host bridge. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vpci.h"
#include "lib/errno.h"

#define ADDR(bus, dev, fn, reg)                                             \
	(0x80000000u | (uint32_t)(bus) << 16 | (uint32_t)(dev) << 11 |      \
	 (uint32_t)(fn) << 8 | (uint32_t)(reg))

/* A recording function: reads return a pattern of the offset, so every
 * byte says where it came from; calls are logged. */
struct call {
	bool write;
	unsigned offset, size;
	uint32_t val;
};

struct dev {
	struct call log[64];
	unsigned n;
};

static struct vpci p;
static struct dev d1, d2;

/* byte k of config space reads as (k ^ 0x5a) */
static uint32_t pattern(unsigned offset, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)((offset + i) ^ 0x5a) << (8 * i);
	return v;
}

static void logit(struct dev *d, bool write, unsigned off, unsigned size,
		  uint32_t val)
{
	assert_true(d->n < ARRAY_SIZE(d->log));
	d->log[d->n++] = (struct call){ write, off, size, val };
}

static uint32_t dev_read(void *ctx, unsigned offset, unsigned size)
{
	/* the bus promises natural alignment */
	assert_true(size == 1 || size == 2 || size == 4);
	assert_int_equal(offset % size, 0);
	logit(ctx, false, offset, size, 0);
	return pattern(offset, size);
}

static void dev_write(void *ctx, unsigned offset, unsigned size, uint32_t val)
{
	assert_true(size == 1 || size == 2 || size == 4);
	assert_int_equal(offset % size, 0);
	logit(ctx, true, offset, size, val);
}

static int setup(void **state)
{
	memset(&p, 0xcc, sizeof(p));
	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	vpci_init(&p);
	return 0;
}

static void reg_dev(struct dev *d, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct vpci_fn f = { bus, dev, fn, dev_read, dev_write, d };

	assert_int_equal(vpci_register(&p, &f), 0);
}

static uint32_t in(uint16_t port, unsigned size)
{
	uint32_t v = 0x12345678;

	assert_true(vpci_read(&p, port, size, &v));
	return v;
}

static void out(uint16_t port, unsigned size, uint32_t val)
{
	assert_true(vpci_write(&p, port, size, val));
}

static void point(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t reg)
{
	out(VPCI_PORT_ADDRESS, 4, ADDR(bus, dev, fn, reg));
}

/* A read that mechanism #1 does not claim: all-ones and false. */
static void expect_unclaimed_read(uint16_t port, unsigned size)
{
	uint32_t v = 0x12345678;

	assert_false(vpci_read(&p, port, size, &v));
	assert_int_equal(v, size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

/* ---- CONFIG_ADDRESS ------------------------------------------------------ */

static void test_config_address(void **state)
{
	assert_int_equal(in(0xcf8, 4), 0);
	out(0xcf8, 4, 0x80123458);
	assert_int_equal(in(0xcf8, 4), 0x80123458);
	/* reserved bits 30:24 and bits 1:0 read back as 0 */
	out(0xcf8, 4, 0xffffffff);
	assert_int_equal(in(0xcf8, 4), 0x80fffffc);
	out(0xcf8, 4, 0x7f000003);
	assert_int_equal(in(0xcf8, 4), 0);
}

static void test_config_address_only_dword(void **state)
{
	out(0xcf8, 4, 0x80001234 & ~3u);
	/* byte and word accesses at 0xcf8-0xcfb are plain I/O, not ours */
	for (uint16_t port = 0xcf8; port < 0xcfc; port++) {
		expect_unclaimed_read(port, 1);
		assert_false(vpci_write(&p, port, 1, 0));
		if (port <= 0xcfa) {
			expect_unclaimed_read(port, 2);
			assert_false(vpci_write(&p, port, 2, 0));
		}
	}
	/* dwords at 0xcf9-0xcfb are not CONFIG_ADDRESS either */
	expect_unclaimed_read(0xcf9, 4);
	assert_false(vpci_write(&p, 0xcfa, 4, 0));
	assert_int_equal(in(0xcf8, 4), 0x80001234 & ~3u);
	/* nor ports outside the mechanism */
	expect_unclaimed_read(0xcf7, 1);
	expect_unclaimed_read(0xd00, 4);
	assert_false(vpci_write(&p, 0xcf4, 4, 0x80000000));
	assert_int_equal(in(0xcf8, 4), 0x80001234 & ~3u);
}

/* ---- CONFIG_DATA --------------------------------------------------------- */

static void test_enable_bit(void **state)
{
	reg_dev(&d1, 0, 3, 0);
	/* enable clear: no configuration cycle */
	out(0xcf8, 4, ADDR(0, 3, 0, 0x10) & ~VPCI_ADDR_ENABLE);
	expect_unclaimed_read(0xcfc, 4);
	expect_unclaimed_read(0xcfe, 2);
	expect_unclaimed_read(0xcff, 1);
	assert_false(vpci_write(&p, 0xcfc, 4, 0xdeadbeef));
	assert_int_equal(d1.n, 0);
	/* set: it reaches the function */
	point(0, 3, 0, 0x10);
	assert_int_equal(in(0xcfc, 4), pattern(0x10, 4));
	assert_int_equal(d1.n, 1);
}

static void test_data_all_offsets_sizes(void **state)
{
	reg_dev(&d1, 0, 3, 0);
	for (unsigned reg = 0; reg < 256; reg += 4) {
		point(0, 3, 0, (uint8_t)reg);
		for (unsigned o = 0; o < 4; o++) {
			for (unsigned size = 1; size <= 4; size *= 2) {
				if (o + size > 4)
					continue;
				d1.n = 0;
				assert_int_equal(in((uint16_t)(0xcfc + o), size),
						 pattern(reg + o, size));
				if (o % size) { /* word at 0xcfd: two bytes */
					assert_int_equal(d1.n, 2);
					assert_int_equal(d1.log[0].offset, reg + 1);
					assert_int_equal(d1.log[0].size, 1);
					assert_int_equal(d1.log[1].offset, reg + 2);
					assert_int_equal(d1.log[1].size, 1);
				} else {
					assert_int_equal(d1.n, 1);
					assert_int_equal(d1.log[0].offset, reg + o);
					assert_int_equal(d1.log[0].size, size);
				}
			}
		}
	}
}

static void test_data_writes_exact(void **state)
{
	reg_dev(&d1, 0, 3, 0);
	point(0, 3, 0, 0x44);
	out(0xcfc, 4, 0xa1b2c3d4);
	out(0xcfe, 2, 0x1234);
	out(0xcfd, 1, 0x99);
	out(0xcff, 1, 0x77);
	out(0xcfc, 2, 0xbeef);
	out(0xcfd, 2, 0xcafe); /* unaligned: low byte first */
	assert_int_equal(d1.n, 7);
	const struct call want[] = {
		{ true, 0x44, 4, 0xa1b2c3d4 }, { true, 0x46, 2, 0x1234 },
		{ true, 0x45, 1, 0x99 },       { true, 0x47, 1, 0x77 },
		{ true, 0x44, 2, 0xbeef },     { true, 0x45, 1, 0xfe },
		{ true, 0x46, 1, 0xca },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		assert_true(d1.log[i].write);
		assert_int_equal(d1.log[i].offset, want[i].offset);
		assert_int_equal(d1.log[i].size, want[i].size);
		assert_int_equal(d1.log[i].val, want[i].val);
	}
}

static void test_data_crossing_dword(void **state)
{
	reg_dev(&d1, 0, 3, 0);
	point(0, 3, 0, 0);
	expect_unclaimed_read(0xcff, 2);
	expect_unclaimed_read(0xcfd, 4);
	expect_unclaimed_read(0xcfe, 4);
	assert_false(vpci_write(&p, 0xcff, 2, 0));
	assert_false(vpci_write(&p, 0xcfe, 4, 0));
	assert_int_equal(d1.n, 0);
}

static void test_unregistered_all_ones(void **state)
{
	unsigned found = 0;

	reg_dev(&d1, 0, 7, 2);
	reg_dev(&d2, 9, 31, 7);
	for (unsigned bus = 0; bus < 256; bus += 3) {
		for (unsigned dev = 0; dev < 32; dev++) {
			for (unsigned fn = 0; fn < 8; fn++) {
				point((uint8_t)bus, (uint8_t)dev, (uint8_t)fn, 0);
				if (in(0xcfc, 4) != 0xffffffffu)
					found++;
			}
		}
	}
	assert_int_equal(found, 3); /* 00:00.0, 00:07.2, 09:1f.7 */
	point(0, 7, 3, 0);
	assert_int_equal(in(0xcfc, 4), 0xffffffffu);
	assert_int_equal(in(0xcfe, 2), 0xffff);
	assert_int_equal(in(0xcfd, 1), 0xff);
	out(0xcfc, 4, 0); /* dropped */
	point(9, 31, 7, 0x3c);
	assert_int_equal(in(0xcfc, 4), pattern(0x3c, 4));
	d1.n = 0;
	point(0, 7, 2, 0xfc);
	assert_int_equal(in(0xcff, 1), pattern(0xff, 1));
	assert_int_equal(d1.n, 1);
	assert_int_equal(d1.log[0].offset, 0xff);
}

static void test_address_decoding(void **state)
{
	reg_dev(&d1, 0x5a, 0x15, 6);
	/* the exact layout of figure 3-1 */
	out(0xcf8, 4, 0x805aae80); /* bus 5a, dev 15, fn 6, reg 0x80 */
	assert_int_equal(in(0xcfc, 2), pattern(0x80, 2));
	/* one bit off in any field misses */
	static const uint32_t near[] = { 0x805bae80, 0x805aa680, 0x805aaf80,
					 0x805aad80 };
	for (unsigned i = 0; i < ARRAY_SIZE(near); i++) {
		out(0xcf8, 4, near[i]);
		assert_int_equal(in(0xcfc, 4), 0xffffffffu);
	}
	assert_int_equal(d1.n, 1);
}

/* ---- registration -------------------------------------------------------- */

static void test_register_errors(void **state)
{
	struct vpci_fn f = { 0, 0, 0, dev_read, dev_write, &d1 };

	assert_int_equal(vpci_register(&p, &f), -EEXIST); /* host bridge */
	f.dev = 32;
	assert_int_equal(vpci_register(&p, &f), -EINVAL);
	f.dev = 1, f.fn = 8;
	assert_int_equal(vpci_register(&p, &f), -EINVAL);
	f.fn = 0, f.read = NULL;
	assert_int_equal(vpci_register(&p, &f), -EINVAL);
	f.read = dev_read;
	assert_int_equal(vpci_register(&p, &f), 0);
	assert_int_equal(vpci_register(&p, &f), -EEXIST);
	for (unsigned i = 2; i < VPCI_MAX_FNS; i++) {
		f.dev = (uint8_t)i;
		assert_int_equal(vpci_register(&p, &f), 0);
	}
	f.bus = 1;
	assert_int_equal(vpci_register(&p, &f), -ENOSPC);
}

static void test_read_only_function(void **state)
{
	struct vpci_fn f = { 0, 4, 0, dev_read, NULL, &d1 };

	assert_int_equal(vpci_register(&p, &f), 0);
	point(0, 4, 0, 0);
	out(0xcfc, 4, 0x11111111); /* no write callback: dropped */
	assert_int_equal(in(0xcfc, 4), pattern(0, 4));
	assert_int_equal(d1.n, 1);
}

static void test_cfg_by_address(void **state)
{
	reg_dev(&d1, 0, 2, 0);
	/* extended offsets (ECAM) reach the function */
	assert_int_equal(vpci_cfg_read(&p, 0, 2, 0, 0x100, 4), pattern(0x100, 4));
	vpci_cfg_write(&p, 0, 2, 0, 0xffc, 4, 0x01020304);
	assert_int_equal(d1.log[1].offset, 0xffc);
	/* beyond 4 KiB or bad sizes: nothing */
	assert_int_equal(vpci_cfg_read(&p, 0, 2, 0, 0xffe, 4), 0xffffffffu);
	assert_int_equal(vpci_cfg_read(&p, 0, 2, 0, 0x10, 3), 0xffffff);
	vpci_cfg_write(&p, 0, 2, 0, 0x1000, 1, 0);
	assert_int_equal(d1.n, 2);
	/* an unaligned dword is four bytes */
	assert_int_equal(vpci_cfg_read(&p, 0, 2, 0, 0x21, 4), pattern(0x21, 4));
	assert_int_equal(d1.n, 6);
}

/* ---- the host bridge ----------------------------------------------------- */

static uint32_t hb(unsigned reg, unsigned size)
{
	point(0, 0, 0, (uint8_t)(reg & ~3u));
	return in((uint16_t)(0xcfc + (reg & 3)), size);
}

static void hb_out(unsigned reg, unsigned size, uint32_t val)
{
	point(0, 0, 0, (uint8_t)(reg & ~3u));
	out((uint16_t)(0xcfc + (reg & 3)), size, val);
}

static void test_host_bridge_ids(void **state)
{
	assert_int_equal(hb(0x00, 4), 0x29c08086);
	assert_int_equal(hb(0x00, 2), 0x8086);
	assert_int_equal(hb(0x02, 2), 0x29c0);
	assert_int_equal(hb(0x01, 1), 0x80);
	assert_int_equal(hb(0x03, 1), 0x29);
	assert_int_equal(hb(0x08, 4), 0x06000000); /* class, revision 0 */
	assert_int_equal(hb(0x0b, 1), 0x06);
	assert_int_equal(hb(0x0a, 1), 0x00);
	/* header type 0, single function */
	assert_int_equal(hb(VPCI_CFG_HEADER_TYPE, 1), 0x00);
	assert_int_equal(hb(0x04, 4), 0x00000006); /* status 0, MEM|MASTER */
	/* no BARs, subsystem, capabilities or interrupt: all 0 */
	for (unsigned reg = 0x10; reg < 0x100; reg += 4)
		assert_int_equal(hb(reg, 4), 0);
}

static void test_host_bridge_read_only(void **state)
{
	for (unsigned reg = 0; reg < 0x100; reg += 4)
		if (reg != VPCI_CFG_COMMAND)
			hb_out(reg, 4, 0xffffffff);
	hb_out(0x02, 2, 0x1234);
	hb_out(0x0e, 1, 0x80);
	assert_int_equal(hb(0x00, 4), 0x29c08086);
	assert_int_equal(hb(0x08, 4), 0x06000000);
	assert_int_equal(hb(0x0c, 4), 0);
	assert_int_equal(hb(0x10, 4), 0); /* a BAR probe finds none */
	assert_int_equal(hb(0x34, 1), 0);
	/* command: only bits 6 and 8 move; status stays 0 */
	hb_out(0x04, 4, 0xffffffff);
	assert_int_equal(hb(0x04, 4), 0x00000146);
	hb_out(0x04, 2, 0x0000);
	assert_int_equal(hb(0x04, 4), 0x00000006);
	hb_out(0x05, 1, 0x01);
	assert_int_equal(hb(0x04, 2), 0x0106);
	hb_out(0x04, 1, 0x40);
	assert_int_equal(hb(0x04, 2), 0x0146);
	hb_out(0x04, 1, 0x00); /* the high byte is untouched */
	assert_int_equal(hb(0x04, 2), 0x0106);
	hb_out(0x06, 2, 0xffff); /* status: RW1C, nothing to clear */
	assert_int_equal(hb(0x04, 4), 0x00000106);
}

static void test_reset(void **state)
{
	reg_dev(&d1, 0, 1, 0);
	hb_out(0x04, 2, 0x0140);
	point(0, 1, 0, 0x20);
	vpci_reset(&p);
	assert_int_equal(in(0xcf8, 4), 0);
	expect_unclaimed_read(0xcfc, 4); /* enable clear again */
	assert_int_equal(hb(0x04, 2), 0x0006);
	point(0, 1, 0, 0x20); /* still registered */
	assert_int_equal(in(0xcfc, 4), pattern(0x20, 4));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config_address),
		T(test_config_address_only_dword),
		T(test_enable_bit),
		T(test_data_all_offsets_sizes),
		T(test_data_writes_exact),
		T(test_data_crossing_dword),
		T(test_unregistered_all_ones),
		T(test_address_decoding),
		T(test_register_errors),
		T(test_read_only_function),
		T(test_cfg_by_address),
		T(test_host_bridge_ids),
		T(test_host_bridge_read_only),
		T(test_reset),
	};

	return cmocka_run_group_tests_name("vpci", tests, NULL, NULL);
}
