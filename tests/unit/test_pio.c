/* SPDX-License-Identifier: MIT */
/* drivers/pio.c: a VM's port-I/O bus. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/pio.h"
#include "lib/errno.h"

/* The last access a device saw. */
struct device {
	const char *name;
	unsigned calls;
	struct vcpu *v;
	uint16_t port;
	unsigned size;
	bool write;
	uint32_t written;
	uint32_t read_value;
	int ret;
};

static int device_fn(void *ctx, struct vcpu *v, uint16_t port, unsigned size,
		     uint32_t *val, bool write)
{
	struct device *d = ctx;

	d->calls++;
	d->v = v;
	d->port = port;
	d->size = size;
	d->write = write;
	if (write)
		d->written = *val;
	else
		*val = d->read_value;
	return d->ret;
}

static int other_fn(void *ctx, struct vcpu *v, uint16_t port, unsigned size,
		    uint32_t *val, bool write)
{
	return -EIO;
}

static struct vcpu *const vcpu = (struct vcpu *)(uintptr_t)0x4000;

static void assert_access(const struct device *d, unsigned calls,
			  uint16_t port, unsigned size, bool write)
{
	assert_int_equal(d->calls, calls);
	assert_ptr_equal(d->v, vcpu);
	assert_int_equal(d->port, port);
	assert_int_equal(d->size, size);
	assert_int_equal(d->write, write);
}

static void test_add_and_dispatch(void **state)
{
	struct pio_bus bus = { 0 };
	struct device com1 = { .name = "com1", .read_value = 0x60 };
	struct device pit = { .name = "pit", .read_value = 0x12345678 };
	uint32_t val;

	assert_int_equal(pio_add(&bus, 0x3f8, 8, device_fn, &com1, "com1"), 0);
	assert_int_equal(pio_add(&bus, 0x40, 4, device_fn, &pit, "pit"), 0);
	assert_int_equal(bus.n, 2);
	assert_string_equal(bus.r[0].name, "com1");
	assert_int_equal(bus.r[1].base, 0x40);
	assert_int_equal(bus.r[1].len, 4);

	/* a read at the first and last port of a range */
	val = 0;
	assert_int_equal(pio_access(&bus, vcpu, 0x3f8, 1, &val, false), 0);
	assert_access(&com1, 1, 0x3f8, 1, false);
	assert_int_equal(val, 0x60);
	assert_int_equal(pio_access(&bus, vcpu, 0x3ff, 1, &val, false), 0);
	assert_access(&com1, 2, 0x3ff, 1, false);
	/* a write, with the device's port number (not an offset) */
	val = 0xab;
	assert_int_equal(pio_access(&bus, vcpu, 0x3fb, 1, &val, true), 0);
	assert_access(&com1, 3, 0x3fb, 1, true);
	assert_int_equal(com1.written, 0xab);
	/* the other device; sizes 2 and 4 pass through */
	assert_int_equal(pio_access(&bus, vcpu, 0x42, 2, &val, false), 0);
	assert_access(&pit, 1, 0x42, 2, false);
	assert_int_equal(val, 0x12345678);
	val = 0xdeadbeef;
	assert_int_equal(pio_access(&bus, vcpu, 0x40, 4, &val, true), 0);
	assert_access(&pit, 2, 0x40, 4, true);
	assert_int_equal(pit.written, 0xdeadbeef);
	assert_int_equal(com1.calls, 3);
	/* the device's error comes back */
	pit.ret = -EIO;
	assert_int_equal(pio_access(&bus, vcpu, 0x43, 1, &val, false), -EIO);
	assert_int_equal(pit.calls, 3);
	/* every access counted where it went */
	assert_int_equal(bus.r[0].hits, 3);
	assert_int_equal(bus.r[1].hits, 3);
	assert_int_equal(bus.unclaimed, 0);
}

static void test_unclaimed_ports(void **state)
{
	struct pio_bus bus = { 0 };
	struct device d = { .read_value = 0 };
	uint32_t val;

	assert_int_equal(pio_add(&bus, 0x60, 1, device_fn, &d, "kbd"), 0);
	/* reads: all ones of the access size */
	val = 0;
	assert_int_equal(pio_access(&bus, vcpu, 0x61, 1, &val, false), 0);
	assert_int_equal(val, 0xff);
	val = 0;
	assert_int_equal(pio_access(&bus, vcpu, 0x5f, 2, &val, false), 0);
	assert_int_equal(val, 0xffff);
	val = 0;
	assert_int_equal(pio_access(&bus, vcpu, 0xcfc, 4, &val, false), 0);
	assert_int_equal(val, 0xffffffff);
	val = 0;
	assert_int_equal(pio_access(&bus, vcpu, 0xffff, 1, &val, false), 0);
	assert_int_equal(val, 0xff);
	/* writes: dropped, and the value is left alone */
	val = 0x1234;
	assert_int_equal(pio_access(&bus, vcpu, 0x80, 1, &val, true), 0);
	assert_int_equal(val, 0x1234);
	assert_int_equal(pio_access(&bus, vcpu, 0x0, 4, &val, true), 0);
	assert_int_equal(d.calls, 0);
	assert_int_equal(bus.unclaimed, 6);
	assert_int_equal(bus.r[0].hits, 0);
	/* an empty bus */
	struct pio_bus empty = { 0 };
	assert_int_equal(pio_access(&empty, vcpu, 0x60, 2, &val, false), 0);
	assert_int_equal(val, 0xffff);
}

static void test_overlaps(void **state)
{
	struct pio_bus bus = { 0 };
	struct device d = { 0 };

	assert_int_equal(pio_add(&bus, 0x20, 2, device_fn, &d, "pic1"), 0);
	assert_int_equal(pio_add(&bus, 0x100, 0x10, device_fn, &d, "x"), 0);
	/* inside, across either end, around */
	assert_int_equal(pio_add(&bus, 0x21, 1, other_fn, 0, "a"), -EEXIST);
	assert_int_equal(pio_add(&bus, 0x1f, 2, other_fn, 0, "a"), -EEXIST);
	assert_int_equal(pio_add(&bus, 0x10f, 4, other_fn, 0, "a"), -EEXIST);
	assert_int_equal(pio_add(&bus, 0xff, 1, other_fn, 0, "a"), 0);
	assert_int_equal(pio_add(&bus, 0x0, 0x1000, other_fn, 0, "a"), -EEXIST);
	assert_int_equal(pio_add(&bus, 0x104, 2, other_fn, 0, "a"), -EEXIST);
	/* touching is fine */
	assert_int_equal(pio_add(&bus, 0x22, 2, other_fn, 0, "b"), 0);
	assert_int_equal(pio_add(&bus, 0x1e, 2, other_fn, 0, "c"), 0);
	assert_int_equal(pio_add(&bus, 0x110, 1, other_fn, 0, "d"), 0);
	assert_int_equal(bus.n, 6);
	/* each port goes to its own range */
	uint32_t val = 0;
	assert_int_equal(pio_access(&bus, vcpu, 0x21, 1, &val, false), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(pio_access(&bus, vcpu, 0x22, 1, &val, false), -EIO);
	assert_int_equal(pio_access(&bus, vcpu, 0x1f, 1, &val, false), -EIO);
	assert_int_equal(pio_access(&bus, vcpu, 0x10f, 1, &val, false), 0);
	assert_int_equal(d.calls, 2);
	assert_int_equal(pio_access(&bus, vcpu, 0x110, 1, &val, false), -EIO);
}

static void test_top_of_port_space(void **state)
{
	struct pio_bus bus = { 0 };
	struct device d = { .read_value = 7 };
	uint32_t val = 0;

	/* a range ending at 0xffff exactly */
	assert_int_equal(pio_add(&bus, 0xfff0, 0x10, device_fn, &d, "top"), 0);
	assert_int_equal(pio_access(&bus, vcpu, 0xffff, 1, &val, false), 0);
	assert_int_equal(val, 7);
	assert_int_equal(pio_access(&bus, vcpu, 0xffef, 1, &val, false), 0);
	assert_int_equal(val, 0xff);
	assert_int_equal(d.calls, 1);
	/* a wrap past 0xffff does not reach port 0 */
	assert_int_equal(pio_access(&bus, vcpu, 0x0, 1, &val, false), 0);
	assert_int_equal(d.calls, 1);
	/* the whole space in one range */
	struct pio_bus all = { 0 };
	assert_int_equal(pio_add(&all, 0, 0xffff, device_fn, &d, "all"), 0);
	assert_int_equal(pio_add(&all, 0xffff, 1, other_fn, 0, "last"), 0);
	assert_int_equal(pio_access(&all, vcpu, 0xfffe, 1, &val, false), 0);
	assert_int_equal(d.calls, 2);
	assert_int_equal(pio_access(&all, vcpu, 0xffff, 1, &val, false), -EIO);
}

static void test_bad_arguments(void **state)
{
	struct pio_bus bus = { 0 };
	struct device d = { 0 };

	assert_int_equal(pio_add(&bus, 0x80, 0, device_fn, &d, "x"), -EINVAL);
	assert_int_equal(pio_add(&bus, 0xffff, 2, device_fn, &d, "x"), -EINVAL);
	assert_int_equal(pio_add(&bus, 0x8000, 0x8001, device_fn, &d, "x"),
			 -EINVAL);
	assert_int_equal(pio_add(&bus, 0x80, 1, NULL, &d, "x"), -EINVAL);
	assert_int_equal(bus.n, 0);
}

static void test_full(void **state)
{
	struct pio_bus bus = { 0 };
	struct device d = { 0 };
	uint32_t val;

	for (unsigned i = 0; i < PIO_MAX; i++)
		assert_int_equal(pio_add(&bus, (uint16_t)(0x1000 + 4 * i), 4,
					 device_fn, &d, "dev"),
				 0);
	assert_int_equal(pio_add(&bus, 0x80, 1, device_fn, &d, "x"), -ENOSPC);
	/* an overlap is still called an overlap */
	assert_int_equal(pio_add(&bus, 0x1000, 1, device_fn, &d, "x"), -EEXIST);
	assert_int_equal(bus.n, PIO_MAX);
	/* the last one added works */
	assert_int_equal(pio_access(&bus, vcpu, 0x1000 + 4 * (PIO_MAX - 1) + 3,
				    1, &val, false),
			 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.port, 0x1000 + 4 * (PIO_MAX - 1) + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_dispatch),
		cmocka_unit_test(test_unclaimed_ports),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_top_of_port_space),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests_name("pio", tests, NULL, NULL);
}
