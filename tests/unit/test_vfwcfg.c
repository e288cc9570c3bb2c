/* SPDX-License-Identifier: MIT */
/* drivers/vfwcfg.c: QEMU fw_cfg, traditional I/O interface (QEMU
 * docs/specs/fw_cfg.rst). */
#include "unit.h"

#include "drivers/vfwcfg.h"

#define RAM (0x123456789abcdef0ull)
#define CPUS 6

static struct vfwcfg f;

static int setup(void **state)
{
	memset(&f, 0xa5, sizeof(f)); /* init must not depend on old contents */
	vfwcfg_init(&f, CPUS, RAM);
	return 0;
}

static void sel(uint16_t key)
{
	vfwcfg_write(&f, VFWCFG_PORT_SELECTOR, 2, key);
}

static uint8_t data(void)
{
	return (uint8_t)vfwcfg_read(&f, VFWCFG_PORT_DATA, 1);
}

static void read_n(uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = data();
}

static void expect_item(uint16_t key, const uint8_t *want, unsigned len)
{
	uint8_t got[16];

	assert_true(len + 4 <= sizeof(got));
	sel(key);
	read_n(got, len + 4);
	assert_memory_equal(got, want, len);
	/* past the end: zeros */
	for (unsigned i = len; i < len + 4; i++)
		assert_int_equal(got[i], 0);
}

static void test_signature(void **state)
{
	/* selected at power-on, as after QEMU's reset */
	assert_int_equal(data(), 'Q');
	assert_int_equal(data(), 'E');
	assert_int_equal(data(), 'M');
	assert_int_equal(data(), 'U');
	assert_int_equal(data(), 0);
	expect_item(FW_CFG_SIGNATURE, (const uint8_t *)"QEMU", 4);
}

static void test_id_no_dma(void **state)
{
	static const uint8_t want[] = { 0x01, 0, 0, 0 };

	expect_item(FW_CFG_ID, want, 4);
}

static void test_ram_size_le64(void **state)
{
	static const uint8_t want[] = { 0xf0, 0xde, 0xbc, 0x9a,
					0x78, 0x56, 0x34, 0x12 };

	expect_item(FW_CFG_RAM_SIZE, want, 8);
}

static void test_cpus_le16(void **state)
{
	static const uint8_t want[] = { CPUS, 0 };
	static const uint8_t want300[] = { 0x2c, 0x01 };

	expect_item(FW_CFG_NB_CPUS, want, 2);
	expect_item(FW_CFG_MAX_CPUS, want, 2);
	vfwcfg_init(&f, 300, 0);
	expect_item(FW_CFG_NB_CPUS, want300, 2);
	expect_item(FW_CFG_MAX_CPUS, want300, 2);
}

static void test_file_dir_empty(void **state)
{
	static const uint8_t want[] = { 0, 0, 0, 0 };

	expect_item(FW_CFG_FILE_DIR, want, 4);
}

static void test_unknown_keys_zero(void **state)
{
	static const uint16_t keys[] = { 0x0002, 0x0004, 0x0007, 0x000d,
					 0x0010, 0x0018, 0x0020, 0x4000,
					 0x8000, 0x8003, 0xc000, 0xffff };

	for (unsigned k = 0; k < ARRAY_SIZE(keys); k++) {
		sel(keys[k]);
		for (unsigned i = 0; i < 16; i++)
			assert_int_equal(data(), 0);
	}
}

static void test_reselect_rewinds(void **state)
{
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(data(), 'Q');
	assert_int_equal(data(), 'E');
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(data(), 'Q');
	/* another item, then back */
	sel(FW_CFG_NB_CPUS);
	assert_int_equal(data(), CPUS);
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(data(), 'Q');
	/* reading past the end and re-selecting starts over */
	read_n((uint8_t[8]){ 0 }, 8);
	assert_int_equal(data(), 0);
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(data(), 'Q');
}

static void test_odd_accesses(void **state)
{
	sel(FW_CFG_SIGNATURE);
	/* byte and dword writes to the selector do not select */
	vfwcfg_write(&f, VFWCFG_PORT_SELECTOR, 1, FW_CFG_NB_CPUS);
	vfwcfg_write(&f, VFWCFG_PORT_SELECTOR, 4, FW_CFG_NB_CPUS);
	assert_int_equal(data(), 'Q');
	/* data writes are dropped and do not move the offset */
	vfwcfg_write(&f, VFWCFG_PORT_DATA, 1, 0x55);
	vfwcfg_write(&f, VFWCFG_PORT_DATA, 2, 0x5555);
	assert_int_equal(data(), 'E');
	/* wide data reads are not defined: all-ones, nothing consumed */
	assert_int_equal(vfwcfg_read(&f, VFWCFG_PORT_DATA, 2), 0xffff);
	assert_int_equal(vfwcfg_read(&f, VFWCFG_PORT_DATA, 4), 0xffffffffu);
	assert_int_equal(data(), 'M');
	/* the selector reads 0 and consumes nothing */
	assert_int_equal(vfwcfg_read(&f, VFWCFG_PORT_SELECTOR, 1), 0);
	assert_int_equal(vfwcfg_read(&f, VFWCFG_PORT_SELECTOR, 2), 0);
	assert_int_equal(data(), 'U');
	/* ports around it are not this device's */
	assert_int_equal(vfwcfg_read(&f, 0x50f, 1), 0xff);
	assert_int_equal(vfwcfg_read(&f, 0x512, 2), 0xffff);
	vfwcfg_write(&f, 0x512, 2, FW_CFG_NB_CPUS);
	sel(FW_CFG_SIGNATURE);
	assert_int_equal(data(), 'Q');
}

static void test_init_resets_selection(void **state)
{
	sel(FW_CFG_RAM_SIZE);
	assert_int_equal(data(), 0xf0);
	vfwcfg_init(&f, 2, 1ull << 30);
	assert_int_equal(data(), 'Q');
	sel(FW_CFG_RAM_SIZE);
	assert_int_equal(data(), 0x00);
	assert_int_equal(data(), 0x00);
	assert_int_equal(data(), 0x00);
	assert_int_equal(data(), 0x40);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_signature),
		T(test_id_no_dma),
		T(test_ram_size_le64),
		T(test_cpus_le16),
		T(test_file_dir_empty),
		T(test_unknown_keys_zero),
		T(test_reselect_rewinds),
		T(test_odd_accesses),
		T(test_init_resets_selection),
	};

	return cmocka_run_group_tests_name("vfwcfg", tests, NULL, NULL);
}
