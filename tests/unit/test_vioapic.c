/* SPDX-License-Identifier: MIT */
/* drivers/vioapic.c: the I/O APIC (Intel 82093AA data sheet section 3)
 * through its IOREGSEL/IOWIN window, with the messages it sends. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vioapic.h"

/* What the deliver callback saw. */
struct env {
	struct vioapic_msg msg[64];
	unsigned n;
};

static struct env env;
static struct vioapic a;

static void cb_deliver(void *ctx, const struct vioapic_msg *m)
{
	assert_ptr_equal(ctx, &env);
	assert_true(env.n < ARRAY_SIZE(env.msg));
	env.msg[env.n++] = *m;
}

static const struct vioapic_ops ops = { .deliver = cb_deliver };

static int setup(void **state)
{
	memset(&env, 0, sizeof(env));
	vioapic_init(&a, &ops, &env);
	return 0;
}

/* Linux's io_apic_read/io_apic_write: writel(reg, index), then data. */
static uint32_t rd(uint32_t reg)
{
	vioapic_mmio_write(&a, VIOAPIC_IOREGSEL, 4, reg);
	return vioapic_mmio_read(&a, VIOAPIC_IOWIN, 4);
}

static void wr(uint32_t reg, uint32_t val)
{
	vioapic_mmio_write(&a, VIOAPIC_IOREGSEL, 4, reg);
	vioapic_mmio_write(&a, VIOAPIC_IOWIN, 4, val);
}

/* Program entry pin, high dword first as Linux's ioapic_write_entry. */
static void entry(unsigned pin, uint32_t lo, uint8_t dest)
{
	wr(0x11 + 2 * pin, (uint32_t)dest << 24);
	wr(0x10 + 2 * pin, lo);
}

static uint32_t lo(unsigned pin)
{
	return rd(0x10 + 2 * pin);
}

#define LEVEL 0x8000u
#define LOW 0x2000u
#define MASK 0x10000u
#define LOGICAL 0x800u
#define RIRR 0x4000u
#define DM(x) ((uint32_t)(x) << 8)

static void assert_msg(unsigned i, uint8_t dest, uint8_t dest_mode,
		       uint8_t dm, uint8_t vector, bool level)
{
	assert_true(i < env.n);
	assert_int_equal(env.msg[i].dest, dest);
	assert_int_equal(env.msg[i].dest_mode, dest_mode);
	assert_int_equal(env.msg[i].delivery_mode, dm);
	assert_int_equal(env.msg[i].vector, vector);
	assert_int_equal(env.msg[i].level_trigger, level);
}

/* ---- registers ---------------------------------------------------------- */

static void test_reset_values(void **state)
{
	assert_int_equal(rd(0x00), 0);
	assert_int_equal(rd(0x01), 0x00170011);
	assert_int_equal(rd(0x02), 0);
	for (unsigned pin = 0; pin < 24; pin++) {
		assert_int_equal(lo(pin), MASK);
		assert_int_equal(rd(0x11 + 2 * pin), 0);
		assert_int_equal(vioapic_entry(&a, pin), VIOAPIC_MASKED);
	}
	/* past entry 23 there is nothing */
	assert_int_equal(rd(0x40), 0);
	assert_int_equal(rd(0x3f + 1), 0);
	assert_int_equal(rd(0x03), 0);
	assert_int_equal(rd(0x0f), 0);
	assert_int_equal(rd(0xff), 0);
	assert_int_equal(vioapic_entry(&a, 24), 0);
	/* masked: no pin delivers */
	for (unsigned pin = 0; pin < 24; pin++)
		vioapic_set_irq(&a, pin, true);
	assert_int_equal(env.n, 0);
}

static void test_id_version_arbitration(void **state)
{
	wr(0x00, 0xffffffff);
	assert_int_equal(rd(0x00), 0x0f000000); /* bits 27:24 only */
	assert_int_equal(rd(0x02), 0x0f000000);
	wr(0x00, 0x02000000); /* Linux's setup_ioapic_ids_from_mpc */
	assert_int_equal(rd(0x00), 0x02000000);
	assert_int_equal(rd(0x02), 0x02000000);
	/* version and arbitration are read-only */
	wr(0x01, 0);
	wr(0x02, 0x05000000);
	assert_int_equal(rd(0x01), 0x00170011);
	assert_int_equal(rd(0x02), 0x02000000);
	/* Linux reads the entry count from the version register */
	assert_int_equal(((rd(0x01) >> 16) & 0xff) + 1, 24);
}

static void test_ioregsel(void **state)
{
	vioapic_mmio_write(&a, 0x00, 4, 0xabcd0110);
	assert_int_equal(vioapic_mmio_read(&a, 0x00, 4), 0x10); /* 7:0 */
	/* IOWIN accesses the selected register */
	vioapic_mmio_write(&a, 0x10, 4, 0x000000a5);
	assert_int_equal(vioapic_mmio_read(&a, 0x10, 4), 0x000000a5);
	assert_int_equal(lo(0), 0xa5);
	/* other sizes and offsets: read 0, writes dropped */
	vioapic_mmio_write(&a, 0x00, 4, 0x10);
	assert_int_equal(vioapic_mmio_read(&a, 0x10, 1), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0x10, 2), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0x10, 8), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0x00, 1), 0);
	vioapic_mmio_write(&a, 0x10, 1, 0x33);
	vioapic_mmio_write(&a, 0x10, 2, 0x33);
	vioapic_mmio_write(&a, 0x00, 1, 0x12);
	assert_int_equal(vioapic_mmio_read(&a, 0x00, 4), 0x10);
	assert_int_equal(vioapic_mmio_read(&a, 0x10, 4), 0xa5);
	vioapic_mmio_write(&a, 0x04, 4, 0x12);
	vioapic_mmio_write(&a, 0x14, 4, 0x12);
	vioapic_mmio_write(&a, 0x20, 4, 0x12);
	vioapic_mmio_write(&a, 0x40, 4, 0x12); /* no EOI register in 0x11 */
	assert_int_equal(vioapic_mmio_read(&a, 0x04, 4), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0x20, 4), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0x40, 4), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0xff0, 4), 0);
	assert_int_equal(vioapic_mmio_read(&a, 0x00, 4), 0x10);
	assert_int_equal(vioapic_mmio_read(&a, 0x10, 4), 0xa5);
	assert_int_equal(env.n, 0);
}

static void test_entry_bits(void **state)
{
	/* everything but delivery status, remote IRR and bits 55:17 */
	wr(0x10 + 2 * 5, 0xffffffff);
	assert_int_equal(lo(5), 0x0001afff);
	wr(0x11 + 2 * 5, 0xffffffff);
	assert_int_equal(rd(0x11 + 2 * 5), 0xff000000);
	assert_int_equal(vioapic_entry(&a, 5), 0xff0000000001afffull);
	/* each entry is its own */
	assert_int_equal(lo(4), MASK);
	assert_int_equal(lo(6), MASK);
	assert_int_equal(rd(0x11 + 2 * 4), 0);
	wr(0x10 + 2 * 23, 0x000000ef);
	wr(0x11 + 2 * 23, 0x0f000000);
	assert_int_equal(vioapic_entry(&a, 23), 0x0f000000000000efull);
	wr(0x10 + 2 * 5, 0);
	assert_int_equal(lo(5), 0);
	assert_int_equal(rd(0x11 + 2 * 5), 0xff000000);
}

/* ---- edge --------------------------------------------------------------- */

static void test_edge_delivery(void **state)
{
	/* Linux's ISA IRQ 4 (COM1) on pin 4: vector 0x24, physical APIC 1 */
	entry(4, 0x24, 1);
	vioapic_set_irq(&a, 4, true);
	assert_int_equal(env.n, 1);
	assert_msg(0, 1, 0, VIOAPIC_DM_FIXED, 0x24, false);
	/* staying high is no new edge; falling delivers nothing */
	vioapic_set_irq(&a, 4, true);
	vioapic_set_irq(&a, 4, false);
	assert_int_equal(env.n, 1);
	vioapic_set_irq(&a, 4, true);
	assert_int_equal(env.n, 2);
	assert_int_equal(lo(4), 0x24); /* no remote IRR for edge */
	/* no EOI needed: the next edge goes out regardless */
	vioapic_set_irq(&a, 4, false);
	vioapic_set_irq(&a, 4, true);
	assert_int_equal(env.n, 3);
	/* an EOI of the vector changes nothing for an edge entry */
	vioapic_eoi(&a, 0x24);
	assert_int_equal(env.n, 3);
	assert_int_equal(lo(4), 0x24);
}

static void test_edge_masked_lost(void **state)
{
	entry(3, MASK | 0x23, 0);
	vioapic_set_irq(&a, 3, true);
	vioapic_set_irq(&a, 3, false);
	vioapic_set_irq(&a, 3, true);
	/* unmasking with the pin high: the edges were lost (3.2.4) */
	entry(3, 0x23, 0);
	assert_int_equal(env.n, 0);
	vioapic_set_irq(&a, 3, false);
	vioapic_set_irq(&a, 3, true);
	assert_int_equal(env.n, 1);
	assert_msg(0, 0, 0, VIOAPIC_DM_FIXED, 0x23, false);
}

/* ---- level, remote IRR, EOI --------------------------------------------- */

static void test_level_remote_irr_eoi(void **state)
{
	/* a PCI INTx line: level, active low, pin 16 */
	vioapic_set_irq(&a, 16, true); /* electrically high: idle */
	entry(16, LEVEL | LOW | 0x41, 0x03);
	assert_int_equal(env.n, 0);
	vioapic_set_irq(&a, 16, false); /* asserted */
	assert_int_equal(env.n, 1);
	assert_msg(0, 0x03, 0, VIOAPIC_DM_FIXED, 0x41, true);
	assert_int_equal(lo(16), LEVEL | LOW | RIRR | 0x41);
	/* while remote IRR is set, nothing more */
	vioapic_set_irq(&a, 16, true);
	vioapic_set_irq(&a, 16, false);
	assert_int_equal(env.n, 1);
	/* EOI with the line still asserted: delivered again */
	vioapic_eoi(&a, 0x41);
	assert_int_equal(env.n, 2);
	assert_msg(1, 0x03, 0, VIOAPIC_DM_FIXED, 0x41, true);
	assert_int_equal(lo(16), LEVEL | LOW | RIRR | 0x41);
	/* the device is serviced, then the EOI: remote IRR clear, quiet */
	vioapic_set_irq(&a, 16, true);
	assert_int_equal(lo(16), LEVEL | LOW | RIRR | 0x41);
	vioapic_eoi(&a, 0x41);
	assert_int_equal(env.n, 2);
	assert_int_equal(lo(16), LEVEL | LOW | 0x41);
	/* an EOI of another vector leaves remote IRR alone */
	vioapic_set_irq(&a, 16, false);
	assert_int_equal(env.n, 3);
	vioapic_eoi(&a, 0x42);
	assert_int_equal(lo(16), LEVEL | LOW | RIRR | 0x41);
	assert_int_equal(env.n, 3);
	/* guest writes cannot set or clear remote IRR of a level entry */
	wr(0x10 + 2 * 16, LEVEL | LOW | 0x41);
	assert_int_equal(lo(16), LEVEL | LOW | RIRR | 0x41);
	assert_int_equal(env.n, 3);
}

static void test_eoi_shared_vector(void **state)
{
	/* two level entries with one vector: one EOI serves both */
	entry(10, LEVEL | 0x50, 0);
	entry(11, LEVEL | 0x50, 0);
	entry(12, LEVEL | 0x51, 0);
	vioapic_set_irq(&a, 10, true);
	vioapic_set_irq(&a, 11, true);
	vioapic_set_irq(&a, 12, true);
	assert_int_equal(env.n, 3);
	vioapic_set_irq(&a, 10, false);
	vioapic_eoi(&a, 0x50);
	assert_int_equal(lo(10), LEVEL | 0x50);
	assert_int_equal(lo(11), LEVEL | RIRR | 0x50); /* redelivered */
	assert_int_equal(lo(12), LEVEL | RIRR | 0x51);
	assert_int_equal(env.n, 4);
	assert_msg(3, 0, 0, VIOAPIC_DM_FIXED, 0x50, true);
}

static void test_unmask_while_asserted(void **state)
{
	entry(9, MASK | LEVEL | 0x39, 0); /* the ACPI SCI, level, high */
	vioapic_set_irq(&a, 9, true);
	assert_int_equal(env.n, 0);
	assert_int_equal(lo(9), MASK | LEVEL | 0x39);
	/* masked level changes have no side effects (3.2.4) */
	vioapic_set_irq(&a, 9, false);
	vioapic_set_irq(&a, 9, true);
	assert_int_equal(env.n, 0);
	/* unmasking delivers at once */
	wr(0x10 + 2 * 9, LEVEL | 0x39);
	assert_int_equal(env.n, 1);
	assert_msg(0, 0, 0, VIOAPIC_DM_FIXED, 0x39, true);
	/* masking with remote IRR set keeps it; unmasking again does not
	 * deliver until the EOI */
	wr(0x10 + 2 * 9, MASK | LEVEL | 0x39);
	assert_int_equal(lo(9), MASK | LEVEL | RIRR | 0x39);
	wr(0x10 + 2 * 9, LEVEL | 0x39);
	assert_int_equal(env.n, 1);
	/* an EOI while masked clears remote IRR and waits for the unmask */
	wr(0x10 + 2 * 9, MASK | LEVEL | 0x39);
	vioapic_eoi(&a, 0x39);
	assert_int_equal(lo(9), MASK | LEVEL | 0x39);
	assert_int_equal(env.n, 1);
	wr(0x10 + 2 * 9, LEVEL | 0x39);
	assert_int_equal(env.n, 2);
	/* an edge entry switched to level while asserted delivers */
	entry(8, 0x38, 0);
	vioapic_set_irq(&a, 8, true);
	assert_int_equal(env.n, 3);
	wr(0x10 + 2 * 8, LEVEL | 0x38);
	assert_int_equal(env.n, 4);
	assert_msg(3, 0, 0, VIOAPIC_DM_FIXED, 0x38, true);
}

static void test_linux_manual_eoi(void **state)
{
	/* __eoi_ioapic_pin for version < 0x20: mask + edge, then restore */
	vioapic_set_irq(&a, 20, true);
	entry(20, LEVEL | LOW | 0x61, 0);
	assert_int_equal(env.n, 0);
	vioapic_set_irq(&a, 20, false);
	assert_int_equal(env.n, 1);
	assert_int_equal(lo(20), LEVEL | LOW | RIRR | 0x61);
	vioapic_set_irq(&a, 20, true); /* serviced */
	wr(0x10 + 2 * 20, MASK | LOW | 0x61);
	assert_int_equal(lo(20), MASK | LOW | 0x61); /* remote IRR gone */
	wr(0x10 + 2 * 20, LEVEL | LOW | 0x61);
	assert_int_equal(lo(20), LEVEL | LOW | 0x61);
	assert_int_equal(env.n, 1);
	/* the same with the line still asserted: the restore redelivers */
	vioapic_set_irq(&a, 20, false);
	assert_int_equal(env.n, 2);
	wr(0x10 + 2 * 20, MASK | LOW | 0x61);
	wr(0x10 + 2 * 20, LEVEL | LOW | 0x61);
	assert_int_equal(env.n, 3);
	assert_int_equal(lo(20), LEVEL | LOW | RIRR | 0x61);
}

/* ---- polarity ----------------------------------------------------------- */

static void test_polarity(void **state)
{
	/* edge, active low: the falling edge delivers */
	entry(6, LOW | 0x26, 0);
	vioapic_set_irq(&a, 6, true);
	assert_int_equal(env.n, 0);
	vioapic_set_irq(&a, 6, false);
	assert_int_equal(env.n, 1);
	vioapic_set_irq(&a, 6, true);
	assert_int_equal(env.n, 1);
	/* the pin starts low: with active low that is asserted, but only a
	 * transition is an edge */
	entry(7, LOW | 0x27, 0);
	assert_int_equal(env.n, 1);
	vioapic_set_irq(&a, 7, false);
	assert_int_equal(env.n, 1);
	/* level, active low, line low at unmask: delivered */
	entry(13, MASK | LEVEL | LOW | 0x2d, 0);
	assert_int_equal(env.n, 1);
	wr(0x10 + 2 * 13, LEVEL | LOW | 0x2d);
	assert_int_equal(env.n, 2);
	/* flipping the polarity of an asserted level entry: with remote IRR
	 * set nothing happens; after the EOI it is no longer asserted */
	wr(0x10 + 2 * 13, LEVEL | 0x2d);
	assert_int_equal(env.n, 2);
	vioapic_eoi(&a, 0x2d);
	assert_int_equal(env.n, 2);
	vioapic_set_irq(&a, 13, true);
	assert_int_equal(env.n, 3);
}

static void test_active_low_idle_level(void **state)
{
	/* pins start electrically low: an active-low level entry unmasked
	 * before its device reported the idle (high) level is asserted */
	entry(21, LEVEL | LOW | 0x71, 0);
	assert_int_equal(env.n, 1);
	assert_msg(0, 0, 0, VIOAPIC_DM_FIXED, 0x71, true);
	vioapic_set_irq(&a, 21, true);
	vioapic_eoi(&a, 0x71);
	assert_int_equal(env.n, 1);
	assert_int_equal(lo(21), LEVEL | LOW | 0x71);
}

/* ---- messages ----------------------------------------------------------- */

static void test_message_contents(void **state)
{
	entry(1, LOGICAL | DM(VIOAPIC_DM_LOWEST) | 0x31, 0x0f);
	vioapic_set_irq(&a, 1, true);
	assert_msg(0, 0x0f, 1, VIOAPIC_DM_LOWEST, 0x31, false);
	entry(2, DM(VIOAPIC_DM_NMI) | LEVEL, 0xff); /* NMI: taken as edge */
	vioapic_set_irq(&a, 2, true);
	assert_msg(1, 0xff, 0, VIOAPIC_DM_NMI, 0, false);
	assert_int_equal(lo(2), DM(VIOAPIC_DM_NMI) | LEVEL);
	vioapic_set_irq(&a, 2, false);
	vioapic_set_irq(&a, 2, true);
	assert_int_equal(env.n, 3); /* no remote IRR to wait for */
	entry(14, DM(VIOAPIC_DM_SMI), 0x02);
	vioapic_set_irq(&a, 14, true);
	assert_msg(3, 0x02, 0, VIOAPIC_DM_SMI, 0, false);
	entry(15, LOGICAL | DM(VIOAPIC_DM_INIT), 0x01);
	vioapic_set_irq(&a, 15, true);
	assert_msg(4, 0x01, 1, VIOAPIC_DM_INIT, 0, false);
	/* lowest priority, level, logical, every bit of the destination */
	entry(17, LOGICAL | LEVEL | DM(VIOAPIC_DM_LOWEST) | 0xfe, 0xa5);
	vioapic_set_irq(&a, 17, true);
	assert_msg(5, 0xa5, 1, VIOAPIC_DM_LOWEST, 0xfe, true);
	/* reserved delivery modes send nothing */
	entry(18, DM(3) | 0x40, 0);
	entry(19, DM(6) | 0x40, 0);
	vioapic_set_irq(&a, 18, true);
	vioapic_set_irq(&a, 19, true);
	assert_int_equal(env.n, 6);
	/* the destination is read when the message goes, not cached */
	wr(0x11 + 2 * 1, 0x07000000);
	vioapic_set_irq(&a, 1, false);
	vioapic_set_irq(&a, 1, true);
	assert_msg(6, 0x07, 1, VIOAPIC_DM_LOWEST, 0x31, false);
}

static void test_extint(void **state)
{
	/* pin 0 in virtual wire mode: the 8259A's INTR as ExtINT */
	entry(0, DM(VIOAPIC_DM_EXTINT), 0x00);
	vioapic_set_irq(&a, 0, true);
	assert_int_equal(env.n, 1);
	assert_msg(0, 0, 0, VIOAPIC_DM_EXTINT, 0, false);
	assert_int_equal(lo(0), DM(VIOAPIC_DM_EXTINT));
	/* ExtINT is edge even when programmed level */
	vioapic_set_irq(&a, 0, false);
	wr(0x10, LEVEL | DM(VIOAPIC_DM_EXTINT));
	vioapic_set_irq(&a, 0, true);
	assert_int_equal(env.n, 2);
	assert_msg(1, 0, 0, VIOAPIC_DM_EXTINT, 0, false);
	assert_int_equal(lo(0), LEVEL | DM(VIOAPIC_DM_EXTINT));
}

static void test_pins_out_of_range_and_no_callback(void **state)
{
	vioapic_set_irq(&a, 24, true);
	vioapic_set_irq(&a, 1000, true);
	assert_int_equal(a.lines, 0);
	/* without a deliver callback, state still moves */
	vioapic_init(&a, NULL, NULL);
	entry(5, LEVEL | 0x30, 0);
	vioapic_set_irq(&a, 5, true);
	assert_int_equal(lo(5), LEVEL | RIRR | 0x30);
	vioapic_eoi(&a, 0x30);
	assert_int_equal(lo(5), LEVEL | RIRR | 0x30); /* redelivered */
	assert_int_equal(env.n, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_values),
		T(test_id_version_arbitration),
		T(test_ioregsel),
		T(test_entry_bits),
		T(test_edge_delivery),
		T(test_edge_masked_lost),
		T(test_level_remote_irr_eoi),
		T(test_eoi_shared_vector),
		T(test_unmask_while_asserted),
		T(test_linux_manual_eoi),
		T(test_polarity),
		T(test_active_low_idle_level),
		T(test_message_contents),
		T(test_extint),
		T(test_pins_out_of_range_and_no_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
