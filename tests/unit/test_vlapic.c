/* SPDX-License-Identifier: MIT */
/* drivers/vlapic*.c: the virtual local APIC (Intel SDM Vol. 3A chapter
 * 10): registers, x2APIC MSRs, IA32_APIC_BASE, priorities, IPIs,
 * destinations, LINT pins and the timer, with a fake clock; the register
 * page and APIC virtualization (Vol. 3C chapter 29), with the CPU's part
 * played by writes to the page. */
#include "unit.h"

#include <stdbool.h>

#include "drivers/vlapic.h"
#include "lib/errno.h"

#define T0 1000000ull /* the fake TSC at setup */
#define ID 3u

/* What the callbacks saw. */
struct env {
	uint64_t tsc;
	unsigned kicks;
	struct vlapic_ipi ipi[32];
	unsigned n_ipi;
	uint8_t eoi[32];
	unsigned n_eoi;
	uint64_t timer[32]; /* set_timer arguments, in order */
	unsigned n_timer;
};

static struct env env;
static struct vlapic a;
/* The register pages: a's, and one for a second APIC in a test. */
static _Alignas(4096) uint32_t page[1024], page2[1024];

static void cb_send_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	assert_ptr_equal(ctx, &env);
	assert_true(env.n_ipi < ARRAY_SIZE(env.ipi));
	env.ipi[env.n_ipi++] = *ipi;
}

static void cb_kick(void *ctx)
{
	assert_ptr_equal(ctx, &env);
	env.kicks++;
}

static void cb_eoi(void *ctx, uint8_t vector)
{
	assert_ptr_equal(ctx, &env);
	assert_true(env.n_eoi < ARRAY_SIZE(env.eoi));
	env.eoi[env.n_eoi++] = vector;
}

static uint64_t cb_now(void *ctx)
{
	assert_ptr_equal(ctx, &env);
	return env.tsc;
}

static void cb_set_timer(void *ctx, uint64_t deadline)
{
	assert_ptr_equal(ctx, &env);
	if (env.n_timer < ARRAY_SIZE(env.timer))
		env.timer[env.n_timer] = deadline;
	env.n_timer++;
}

static const struct vlapic_ops ops = {
	.send_ipi = cb_send_ipi,
	.kick = cb_kick,
	.eoi = cb_eoi,
	.now = cb_now,
	.set_timer = cb_set_timer,
};

static int setup(void **state)
{
	memset(&env, 0, sizeof(env));
	env.tsc = T0;
	vlapic_init(&a, ID, true, &ops, &env, page);
	return 0;
}

static uint32_t rd(uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vlapic_mmio_read(&a, off, 4, &v), 0);
	return v;
}

static void wr(uint32_t off, uint32_t val)
{
	assert_int_equal(vlapic_mmio_write(&a, off, 4, val), 0);
}

static uint64_t mrd(uint32_t msr)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vlapic_msr_read(&a, msr, &v), 0);
	return v;
}

static void mwr(uint32_t msr, uint64_t val)
{
	assert_int_equal(vlapic_msr_write(&a, msr, val), 0);
}

static int mrd_gp(uint32_t msr)
{
	uint64_t v;

	return vlapic_msr_read(&a, msr, &v);
}

/* The errors latched by an ESR write (10.5.3). */
static uint32_t esr(void)
{
	if (vlapic_x2apic(&a)) {
		mwr(0x828, 0);
		return (uint32_t)mrd(0x828);
	}
	wr(VLAPIC_REG_ESR, 0);
	return rd(VLAPIC_REG_ESR);
}

static void sw_enable(void)
{
	wr(VLAPIC_REG_SVR, VLAPIC_SVR_ENABLE | 0xff);
}

static void to_x2apic(void)
{
	assert_int_equal(vlapic_set_apic_base(&a, vlapic_apic_base(&a) |
						      VLAPIC_BASE_EXTD),
			 0);
	assert_true(vlapic_x2apic(&a));
}

/* The page word at off, as the CPU would see it. */
static uint32_t pg(uint32_t off)
{
	return *vlapic_reg(&a, off);
}

static bool pg_bit(uint32_t reg, unsigned v)
{
	return pg(reg + v / 32 * 16) & (1u << (v % 32));
}

static bool irr_in(unsigned v)
{
	return a.irr_in[v / 32] & (1u << (v % 32));
}

/* Requested: in the page IRR or still in irr_in. */
static bool irr(unsigned v)
{
	return pg_bit(VLAPIC_REG_IRR, v) || irr_in(v);
}

static bool isr(unsigned v)
{
	return pg_bit(VLAPIC_REG_ISR, v);
}

static bool tmr(unsigned v)
{
	return pg_bit(VLAPIC_REG_TMR, v);
}

/* Accepts, acknowledges (as the hypervisor does when injecting). */
static void deliver(uint8_t v)
{
	assert_int_equal(vlapic_pending_vector(&a), v);
	vlapic_ack(&a, v);
}

/* ---- reset values and register masks ------------------------------------- */

static void check_reset_regs(void)
{
	assert_int_equal(rd(VLAPIC_REG_TPR), 0);
	assert_int_equal(rd(VLAPIC_REG_APR), 0);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0);
	assert_int_equal(rd(VLAPIC_REG_EOI), 0);
	assert_int_equal(rd(VLAPIC_REG_RRD), 0);
	assert_int_equal(rd(VLAPIC_REG_LDR), 0);
	assert_int_equal(rd(VLAPIC_REG_DFR), 0xffffffff);
	assert_int_equal(rd(VLAPIC_REG_SVR), 0xff);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(VLAPIC_REG_ISR + 16 * i), 0);
		assert_int_equal(rd(VLAPIC_REG_TMR + 16 * i), 0);
		assert_int_equal(rd(VLAPIC_REG_IRR + 16 * i), 0);
	}
	assert_int_equal(rd(VLAPIC_REG_ESR), 0);
	assert_int_equal(rd(VLAPIC_REG_ICR_LO), 0);
	assert_int_equal(rd(VLAPIC_REG_ICR_HI), 0);
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		assert_int_equal(rd(VLAPIC_REG_LVT_TIMER + 16 * i), 0x10000);
	assert_int_equal(rd(VLAPIC_REG_TIMER_ICR), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_DCR), 0);
	assert_int_equal(vlapic_pending_vector(&a), -1);
}

static void test_power_up_values(void **state)
{
	struct vlapic ap;

	assert_int_equal(vlapic_apic_base(&a), 0xfee00900);
	assert_true(vlapic_enabled(&a));
	assert_false(vlapic_x2apic(&a));
	assert_int_equal(rd(VLAPIC_REG_ID), 3u << 24);
	assert_int_equal(rd(VLAPIC_REG_VERSION), 0x50014);
	check_reset_regs();
	assert_int_equal(vlapic_tsc_deadline(&a), 0);
	assert_int_equal(mrd(VLAPIC_MSR_APIC_BASE), 0xfee00900);
	/* an AP: no BSP flag; no callbacks needed */
	vlapic_init(&ap, 1, false, NULL, NULL, page2);
	assert_int_equal(vlapic_apic_base(&ap), 0xfee00800);
	assert_int_equal(env.kicks + env.n_ipi + env.n_eoi + env.n_timer, 0);
}

struct mask_case {
	uint32_t off, after_ones, after_zero;
};

static void test_xapic_write_masks(void **state)
{
	static const struct mask_case cases[] = {
		{ VLAPIC_REG_ID, 3u << 24, 3u << 24 }, /* read-only */
		{ VLAPIC_REG_VERSION, 0x50014, 0x50014 },
		{ VLAPIC_REG_TPR, 0xff, 0 },
		{ VLAPIC_REG_APR, 0, 0 },
		{ VLAPIC_REG_LDR, 0xff000000, 0 },
		{ VLAPIC_REG_DFR, 0xffffffff, 0x0fffffff },
		{ VLAPIC_REG_SVR, 0x3ff, 0 },
		{ VLAPIC_REG_ICR_HI, 0xff000000, 0 },
		{ VLAPIC_REG_LVT_TIMER, 0x700ff, 0 },
		{ VLAPIC_REG_LVT_THERMAL, 0x107ff, 0 },
		{ VLAPIC_REG_LVT_PERF, 0x107ff, 0 },
		{ VLAPIC_REG_LVT_LINT0, 0x1a7ff, 0 },
		{ VLAPIC_REG_LVT_LINT1, 0x1a7ff, 0 },
		{ VLAPIC_REG_LVT_ERROR, 0x100ff, 0 },
		{ VLAPIC_REG_TIMER_DCR, 0xb, 0 },
		{ VLAPIC_REG_TIMER_CCR, 0, 0 },
		{ VLAPIC_REG_ISR, 0, 0 },
		{ VLAPIC_REG_TMR + 0x70, 0, 0 },
		{ VLAPIC_REG_IRR + 0x30, 0, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct mask_case *c = &cases[i];

		sw_enable(); /* LVT masks stick while software-disabled */
		wr(c->off, 0xffffffff);
		if (rd(c->off) != c->after_ones)
			fail_msg("reg %#x after ~0: %#x, want %#x", c->off,
				 rd(c->off), c->after_ones);
		if (c->off == VLAPIC_REG_SVR)
			continue; /* zero would software-disable */
		wr(c->off, 0);
		if (rd(c->off) != c->after_zero)
			fail_msg("reg %#x after 0: %#x, want %#x", c->off,
				 rd(c->off), c->after_zero);
	}
	/* the ICR low half: delivery status and bits 13, 16, 17 never stick;
	 * mode 7 is reserved and sends nothing */
	wr(VLAPIC_REG_ICR_LO, 0xffffffff);
	assert_int_equal(rd(VLAPIC_REG_ICR_LO), 0x000ccfff);
	assert_int_equal(env.n_ipi, 0);
	/* the initial count takes all 32 bits */
	wr(VLAPIC_REG_TIMER_ICR, 0xffffffff);
	assert_int_equal(rd(VLAPIC_REG_TIMER_ICR), 0xffffffff);
	/* writes to read-only registers are not errors */
	assert_int_equal(esr(), 0);
}

static void test_unimplemented_registers(void **state)
{
	static const uint32_t holes[] = { 0x000, 0x010, 0x040, 0x070,
					  0x290, 0x2e0, 0x2f0, 0x3a0,
					  0x3d0, 0x3f0 };

	for (unsigned i = 0; i < ARRAY_SIZE(holes); i++) {
		assert_int_equal(rd(holes[i]), 0);
		assert_int_equal(esr(), VLAPIC_ESR_ILLEGAL_REG);
		wr(holes[i], 0x12345678);
		assert_int_equal(rd(holes[i]), 0);
		assert_int_equal(esr(), VLAPIC_ESR_ILLEGAL_REG);
		assert_int_equal(esr(), 0);
	}
	/* beyond the registers: nothing, no error */
	assert_int_equal(rd(0x400), 0);
	wr(0xff0, 1);
	assert_int_equal(esr(), 0);
}

static void test_mmio_odd_accesses(void **state)
{
	uint32_t v;

	wr(VLAPIC_REG_TPR, 0x20);
	/* sizes other than 4 read 0 and drop writes */
	for (unsigned size = 1; size <= 8; size *= 2) {
		if (size == 4)
			continue;
		v = 0x55;
		assert_int_equal(vlapic_mmio_read(&a, 0x80, size, &v), 0);
		assert_int_equal(v, 0);
		assert_int_equal(vlapic_mmio_write(&a, 0x80, size, 0x77), 0);
	}
	/* misaligned 32-bit */
	for (uint32_t off = 0x81; off < 0x90; off++) {
		v = 0x55;
		assert_int_equal(vlapic_mmio_read(&a, off, 4, &v), 0);
		assert_int_equal(v, 0);
		assert_int_equal(vlapic_mmio_write(&a, off, 4, 0x77), 0);
	}
	assert_int_equal(rd(VLAPIC_REG_TPR), 0x20);
	assert_int_equal(esr(), 0);
	/* outside the page */
	assert_int_equal(vlapic_mmio_read(&a, 4096, 4, &v), -EINVAL);
	assert_int_equal(vlapic_mmio_read(&a, 4094, 4, &v), -EINVAL);
	assert_int_equal(vlapic_mmio_write(&a, 0xffffffff, 4, 0), -EINVAL);
	assert_int_equal(vlapic_mmio_read(&a, 4092, 4, &v), 0);
}

static void test_sw_disable_masks_lvts(void **state)
{
	/* software-disabled at reset: unmasking does not stick */
	wr(VLAPIC_REG_LVT_LINT0, 0x700);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0x10700);
	sw_enable();
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		wr(VLAPIC_REG_LVT_TIMER + 16 * i, 0x40 + i);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT1), 0x44);
	wr(VLAPIC_REG_SVR, 0xff);
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		assert_int_equal(rd(VLAPIC_REG_LVT_TIMER + 16 * i),
				 0x10040 + i);
	/* re-enabling leaves them masked until software unmasks them */
	sw_enable();
	assert_int_equal(rd(VLAPIC_REG_LVT_ERROR), 0x10045);
	wr(VLAPIC_REG_LVT_ERROR, 0x45);
	assert_int_equal(rd(VLAPIC_REG_LVT_ERROR), 0x45);
}

/* ---- priorities, acceptance, EOI ----------------------------------------- */

static void test_ppr(void **state)
{
	sw_enable();
	wr(VLAPIC_REG_TPR, 0x35);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x35);
	vlapic_accept_irq(&a, 0x51, false);
	deliver(0x51);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x50); /* ISRV class wins */
	wr(VLAPIC_REG_TPR, 0x5f);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x5f); /* equal class: TPR */
	wr(VLAPIC_REG_TPR, 0x4f);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x50);
	wr(VLAPIC_REG_TPR, 0x60);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x60);
	assert_int_equal(vlapic_ppr(&a), 0x60);
	wr(VLAPIC_REG_TPR, 0);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0);
}

static void test_nested_priorities(void **state)
{
	sw_enable();
	vlapic_accept_irq(&a, 0x31, false);
	vlapic_accept_irq(&a, 0x51, false);
	vlapic_accept_irq(&a, 0x41, false);
	assert_int_equal(rd(VLAPIC_REG_IRR + 0x10), 0x20000); /* 0x31 */
	assert_int_equal(rd(VLAPIC_REG_IRR + 0x20), 0x20002); /* 0x41, 0x51 */
	deliver(0x51);
	assert_false(irr(0x51));
	assert_true(isr(0x51));
	assert_int_equal(rd(VLAPIC_REG_ISR + 0x20), 0x20000);
	/* lower classes wait for the EOI; the same class too */
	assert_int_equal(vlapic_pending_vector(&a), -1);
	vlapic_accept_irq(&a, 0x5f, false);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	/* a higher class nests */
	vlapic_accept_irq(&a, 0x61, false);
	deliver(0x61);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x60);
	wr(VLAPIC_REG_EOI, 0); /* retires 0x61, the highest */
	assert_false(isr(0x61));
	assert_true(isr(0x51));
	assert_int_equal(vlapic_pending_vector(&a), -1);
	wr(VLAPIC_REG_EOI, 0); /* retires 0x51 */
	deliver(0x5f);
	wr(VLAPIC_REG_EOI, 0);
	deliver(0x41);
	wr(VLAPIC_REG_EOI, 0);
	deliver(0x31);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0);
	/* EOI with nothing in service: nothing happens */
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(env.n_eoi, 0);
	/* acking a vector not requested changes nothing */
	vlapic_ack(&a, 0x80);
	assert_false(isr(0x80));
}

static void test_pending_tpr_svr_disable(void **state)
{
	/* software-disabled: fixed interrupts are not accepted */
	vlapic_accept_irq(&a, 0x50, false);
	assert_false(irr(0x50));
	sw_enable();
	wr(VLAPIC_REG_TPR, 0x40);
	vlapic_accept_irq(&a, 0x4f, false);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	vlapic_accept_irq(&a, 0x50, false);
	assert_int_equal(vlapic_pending_vector(&a), 0x50);
	wr(VLAPIC_REG_TPR, 0xf0);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	wr(VLAPIC_REG_TPR, 0);
	/* held in the IRR while software-disabled */
	wr(VLAPIC_REG_SVR, 0xff);
	assert_true(irr(0x50));
	assert_int_equal(vlapic_pending_vector(&a), -1);
	sw_enable();
	assert_int_equal(vlapic_pending_vector(&a), 0x50);
	/* vector 0xff reaches the top of the range */
	vlapic_accept_irq(&a, 0xff, false);
	assert_int_equal(vlapic_pending_vector(&a), 0xff);
}

static void test_kick_exactly(void **state)
{
	sw_enable();
	assert_int_equal(env.kicks, 0);
	vlapic_accept_irq(&a, 0x40, false);
	assert_int_equal(env.kicks, 1);
	vlapic_accept_irq(&a, 0x40, false); /* already requested */
	vlapic_accept_irq(&a, 0x30, false); /* below the pending one */
	assert_int_equal(env.kicks, 1);
	vlapic_accept_irq(&a, 0x50, false);
	assert_int_equal(env.kicks, 2);
	wr(VLAPIC_REG_TPR, 0x60); /* blocks everything */
	assert_int_equal(env.kicks, 2);
	wr(VLAPIC_REG_TPR, 0); /* the PPR drops: 0x50 deliverable again */
	assert_int_equal(env.kicks, 3);
	wr(VLAPIC_REG_TPR, 0x10); /* still 0x50: no news */
	assert_int_equal(env.kicks, 3);
	deliver(0x50);
	assert_int_equal(env.kicks, 3);
	wr(VLAPIC_REG_EOI, 0); /* 0x40 now */
	assert_int_equal(env.kicks, 4);
	wr(VLAPIC_REG_SVR, 0xff);
	assert_int_equal(env.kicks, 4);
	sw_enable();
	assert_int_equal(env.kicks, 5);
	vlapic_reset(&a);
	assert_int_equal(env.kicks, 5);
	/* after a reset the same vector is news again */
	sw_enable();
	vlapic_accept_irq(&a, 0x40, false);
	assert_int_equal(env.kicks, 6);
}

static void test_level_eoi_callback(void **state)
{
	sw_enable();
	vlapic_accept_irq(&a, 0x40, true);
	deliver(0x40);
	vlapic_accept_irq(&a, 0x50, false); /* nests */
	assert_true(tmr(0x40));
	assert_false(tmr(0x50));
	assert_int_equal(rd(VLAPIC_REG_TMR + 0x20), 1);
	deliver(0x50);
	assert_int_equal(env.n_eoi, 0);
	wr(VLAPIC_REG_EOI, 0); /* 0x50, edge */
	assert_int_equal(env.n_eoi, 0);
	wr(VLAPIC_REG_EOI, 0); /* 0x40, level */
	assert_int_equal(env.n_eoi, 1);
	assert_int_equal(env.eoi[0], 0x40);
	/* an edge acceptance of the vector clears its TMR bit */
	vlapic_accept_irq(&a, 0x40, true);
	vlapic_accept_irq(&a, 0x40, false);
	assert_false(tmr(0x40));
	deliver(0x40);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(env.n_eoi, 1);
}

static void test_illegal_vectors_and_esr(void **state)
{
	sw_enable();
	for (unsigned v = 0; v < 16; v++) {
		vlapic_accept_irq(&a, v, false);
		assert_false(irr(v));
	}
	/* the ESR shows errors only after a write */
	assert_int_equal(rd(VLAPIC_REG_ESR), 0);
	wr(VLAPIC_REG_ESR, 0x1234);
	assert_int_equal(rd(VLAPIC_REG_ESR), VLAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(esr(), 0);
	/* an illegal fixed IPI is not sent */
	wr(VLAPIC_REG_ICR_LO, 0x0000000f);
	assert_int_equal(env.n_ipi, 0);
	assert_int_equal(esr(), VLAPIC_ESR_SEND_ILLEGAL);
	/* lowest priority alike; NMI, INIT, SIPI ignore the vector */
	wr(VLAPIC_REG_ICR_LO, 0x00000105);
	wr(VLAPIC_REG_ICR_LO, 0x00000400);
	wr(VLAPIC_REG_ICR_LO, 0x00000605);
	assert_int_equal(env.n_ipi, 2);
	assert_int_equal(esr(), VLAPIC_ESR_SEND_ILLEGAL);
	assert_int_equal(vlapic_pending_vector(&a), -1);
}

static void test_error_interrupt(void **state)
{
	sw_enable();
	wr(VLAPIC_REG_LVT_ERROR, 0xe0);
	vlapic_accept_irq(&a, 7, false);
	assert_true(irr(0xe0));
	deliver(0xe0);
	wr(VLAPIC_REG_EOI, 0);
	/* the same error again, not yet cleared by an ESR write: quiet */
	vlapic_accept_irq(&a, 8, false);
	assert_false(irr(0xe0));
	/* a new kind of error interrupts */
	rd(0x3f0);
	assert_true(irr(0xe0));
	assert_int_equal(esr(), VLAPIC_ESR_RECV_ILLEGAL |
					VLAPIC_ESR_ILLEGAL_REG);
	deliver(0xe0);
	wr(VLAPIC_REG_EOI, 0);
	/* after the ESR write it interrupts again */
	vlapic_accept_irq(&a, 9, false);
	assert_true(irr(0xe0));
	/* masked: logged, no interrupt; an illegal error vector just logs */
	deliver(0xe0);
	wr(VLAPIC_REG_EOI, 0);
	esr();
	wr(VLAPIC_REG_LVT_ERROR, 0x100e0);
	rd(0x3f0);
	assert_false(irr(0xe0));
	assert_int_equal(esr(), VLAPIC_ESR_ILLEGAL_REG);
	wr(VLAPIC_REG_LVT_ERROR, 0x05);
	rd(0x3f0);
	assert_int_equal(esr(), VLAPIC_ESR_ILLEGAL_REG |
					VLAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(rd(VLAPIC_REG_IRR), 0);
}

/* ---- IPIs ---------------------------------------------------------------- */

struct icr_case {
	uint32_t hi, lo;
	bool sent;
	struct vlapic_ipi want;
};

static void test_icr_decoding(void **state)
{
	static const struct icr_case cases[] = {
		/* fixed, physical, no shorthand */
		{ 0x07000000, 0x00000040, true,
		  { ID, 0x07, 0, 0, VLAPIC_DM_FIXED, 0x40, 0, 0, false } },
		/* lowest priority, logical, level assert, level trigger */
		{ 0x0f000000, 0x0000c941, true,
		  { ID, 0x0f, 1, 0, VLAPIC_DM_LOWEST, 0x41, 1, 1, false } },
		{ 0x01000000, 0x00000200, true,
		  { ID, 0x01, 0, 0, VLAPIC_DM_SMI, 0, 0, 0, false } },
		{ 0xff000000, 0x00000400, true,
		  { ID, 0xff, 0, 0, VLAPIC_DM_NMI, 0, 0, 0, false } },
		/* INIT assert, level */
		{ 0x02000000, 0x0000c500, true,
		  { ID, 0x02, 0, 0, VLAPIC_DM_INIT, 0, 1, 1, false } },
		/* INIT level de-assert: not sent */
		{ 0x02000000, 0x00008500, false, { 0 } },
		/* INIT, edge, level 0: an INIT all the same */
		{ 0x02000000, 0x00000500, true,
		  { ID, 0x02, 0, 0, VLAPIC_DM_INIT, 0, 0, 0, false } },
		/* start-up, vector = page 0x9a */
		{ 0x02000000, 0x0000469a, true,
		  { ID, 0x02, 0, 0, VLAPIC_DM_STARTUP, 0x9a, 1, 0, false } },
		/* reserved delivery modes 3 and 7 */
		{ 0x02000000, 0x00000340, false, { 0 } },
		{ 0x02000000, 0x00000740, false, { 0 } },
		/* shorthands: self, all including self, all excluding self */
		{ 0x00000000, 0x00040050, true,
		  { ID, 0, 0, VLAPIC_SH_SELF, VLAPIC_DM_FIXED, 0x50, 0, 0,
		    false } },
		{ 0x00000000, 0x00080451, true,
		  { ID, 0, 0, VLAPIC_SH_ALL, VLAPIC_DM_NMI, 0x51, 0, 0,
		    false } },
		{ 0x00000000, 0x000c4500, true,
		  { ID, 0, 0, VLAPIC_SH_OTHERS, VLAPIC_DM_INIT, 0, 1, 0,
		    false } },
		{ 0x00000000, 0x000c4608, true,
		  { ID, 0, 0, VLAPIC_SH_OTHERS, VLAPIC_DM_STARTUP, 0x08, 1,
		    0, false } },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct icr_case *c = &cases[i];
		const struct vlapic_ipi *got = &env.ipi[env.n_ipi];
		unsigned before = env.n_ipi;

		wr(VLAPIC_REG_ICR_HI, c->hi | 0x00abcdef); /* low bits: rsvd */
		wr(VLAPIC_REG_ICR_LO, c->lo | 0x1000);	   /* busy: ignored */
		assert_int_equal(rd(VLAPIC_REG_ICR_LO), c->lo);
		assert_int_equal(rd(VLAPIC_REG_ICR_HI), c->hi);
		if (!c->sent) {
			assert_int_equal(env.n_ipi, before);
			continue;
		}
		if (env.n_ipi != before + 1)
			fail_msg("case %u: not sent", i);
		assert_int_equal(got->source, c->want.source);
		assert_int_equal(got->dest, c->want.dest);
		assert_int_equal(got->dest_mode, c->want.dest_mode);
		assert_int_equal(got->shorthand, c->want.shorthand);
		assert_int_equal(got->delivery_mode, c->want.delivery_mode);
		assert_int_equal(got->vector, c->want.vector);
		assert_int_equal(got->level, c->want.level);
		assert_int_equal(got->trigger, c->want.trigger);
		assert_int_equal(got->x2apic, c->want.x2apic);
	}
	/* writing the high half alone sends nothing */
	wr(VLAPIC_REG_ICR_HI, 0x05000000);
	assert_int_equal(env.n_ipi, 11);
	assert_int_equal(esr(), 0);
}

static void test_icr_x2apic(void **state)
{
	struct vlapic_ipi *got = &env.ipi[0];

	to_x2apic();
	mwr(0x830, 0x1234567800000831ull); /* fixed, logical, vector 0x31 */
	assert_int_equal(env.n_ipi, 1);
	assert_int_equal(got->dest, 0x12345678);
	assert_int_equal(got->dest_mode, 1);
	assert_int_equal(got->vector, 0x31);
	assert_true(got->x2apic);
	assert_int_equal(mrd(0x830), 0x1234567800000831ull);
	/* delivery status (bit 12) is ignored and reads idle */
	mwr(0x830, 0xffffffff00001040ull);
	assert_int_equal(env.n_ipi, 2);
	assert_int_equal(env.ipi[1].dest, 0xffffffff);
	assert_int_equal(mrd(0x830), 0xffffffff00000040ull);
	/* reserved bits 13, 16, 17, 20-31: #GP, nothing sent */
	static const uint32_t rsvd[] = { 1u << 13, 1u << 16, 1u << 17,
					 1u << 20, 1u << 31 };
	for (unsigned i = 0; i < ARRAY_SIZE(rsvd); i++)
		assert_int_equal(vlapic_msr_write(&a, 0x830, 0x40 | rsvd[i]),
				 -1);
	assert_int_equal(env.n_ipi, 2);
	assert_int_equal(mrd(0x830), 0xffffffff00000040ull);
	/* there is no ICR high MSR */
	assert_int_equal(mrd_gp(0x831), -1);
	assert_int_equal(vlapic_msr_write(&a, 0x831, 0), -1);
	/* an illegal vector: ESR, no IPI */
	mwr(0x830, 0x0000000100000005ull);
	assert_int_equal(env.n_ipi, 2);
	assert_int_equal(esr(), VLAPIC_ESR_SEND_ILLEGAL);
}

static void test_self_ipi(void **state)
{
	sw_enable();
	to_x2apic();
	mwr(0x83f, 0x55);
	assert_true(irr(0x55));
	assert_false(tmr(0x55));
	assert_int_equal(env.kicks, 1);
	assert_int_equal(env.n_ipi, 0); /* delivered here, not routed */
	assert_int_equal(vlapic_pending_vector(&a), 0x55);
	/* write-only, 8 bits */
	assert_int_equal(mrd_gp(0x83f), -1);
	assert_int_equal(vlapic_msr_write(&a, 0x83f, 0x155), -1);
	assert_int_equal(vlapic_msr_write(&a, 0x83f, 1ull << 32), -1);
	/* an illegal vector is both a send and a receive error */
	mwr(0x83f, 0x05);
	assert_int_equal(esr(), VLAPIC_ESR_SEND_ILLEGAL |
					VLAPIC_ESR_RECV_ILLEGAL);
	assert_false(irr(0x05));
}

/* ---- x2APIC MSRs --------------------------------------------------------- */

static void test_x2apic_msrs_need_x2apic_mode(void **state)
{
	uint64_t v = 1;

	for (uint32_t msr = 0x800; msr <= 0x8ff; msr++) {
		assert_int_equal(vlapic_msr_read(&a, msr, &v), -1);
		assert_int_equal(vlapic_msr_write(&a, msr, 0), -1);
	}
	assert_int_equal(v, 0);
	assert_true(vlapic_is_msr(0x1b));
	assert_true(vlapic_is_msr(0x6e0));
	assert_true(vlapic_is_msr(0x800));
	assert_true(vlapic_is_msr(0x8ff));
	assert_false(vlapic_is_msr(0x900));
	assert_false(vlapic_is_msr(0x7ff));
	assert_false(vlapic_is_msr(0x10));
	assert_int_equal(mrd_gp(0x10), -1);
}

static void test_x2apic_registers(void **state)
{
	vlapic_init(&a, 0x123, false, &ops, &env, page);
	sw_enable();
	wr(VLAPIC_REG_TPR, 0x20);
	to_x2apic();
	assert_int_equal(mrd(0x802), 0x123); /* 32-bit ID */
	assert_int_equal(mrd(0x803), 0x50014);
	assert_int_equal(mrd(0x808), 0x20); /* kept across the switch */
	assert_int_equal(mrd(0x80a), 0x20);
	assert_int_equal(mrd(0x80d), 0x00120008); /* cluster 0x12, bit 3 */
	assert_int_equal(mrd(0x80f), 0x1ff);
	mwr(0x808, 0x7f);
	assert_int_equal(mrd(0x808), 0x7f);
	mwr(0x80f, 0x3fe);
	assert_int_equal(mrd(0x80f), 0x3fe);
	for (unsigned i = 0; i < 24; i++)
		assert_int_equal(mrd(0x810 + i), 0);
	mwr(0x838, 0x1000);
	assert_int_equal(mrd(0x838), 0x1000);
	mwr(0x83e, 0xb);
	assert_int_equal(mrd(0x83e), 0xb);
	mwr(0x835, 0x1a7ff);
	assert_int_equal(mrd(0x835), 0x1a7ff);
	/* status bits may be written back (not stored), no #GP */
	mwr(0x836, 0x15400);
	assert_int_equal(mrd(0x836), 0x10400);
	/* MMIO is not decoded in x2APIC mode */
	uint32_t v;
	assert_int_equal(vlapic_mmio_read(&a, 0x80, 4, &v), -ENODEV);
	assert_int_equal(v, 0);
	assert_int_equal(vlapic_mmio_write(&a, 0x80, 4, 0), -ENODEV);
	assert_int_equal(mrd(0x808), 0x7f);
}

struct gp_case {
	uint32_t msr;
	uint64_t val; /* written; reads are checked by rd_gp */
	bool rd_gp, wr_gp;
};

static void test_x2apic_gp_cases(void **state)
{
	static const struct gp_case cases[] = {
		{ 0x802, 0, false, true },	    /* ID: read-only */
		{ 0x803, 0, false, true },	    /* version */
		{ 0x808, 0x100, false, true },	    /* TPR bits 31:8 */
		{ 0x808, 1ull << 32, false, true }, /* bits 63:32 */
		{ 0x809, 0, true, true },	    /* no APR */
		{ 0x80a, 0, false, true },	    /* PPR: read-only */
		{ 0x80b, 1, true, true },	    /* EOI: write-only, 0 */
		{ 0x80c, 0, true, true },	    /* no RRD */
		{ 0x80d, 0, false, true },	    /* LDR: read-only */
		{ 0x80e, 0, true, true },	    /* no DFR */
		{ 0x80f, 0x1000, false, true },	    /* SVR bit 12 */
		{ 0x80f, 0x400, false, true },	    /* SVR bit 10 */
		{ 0x810, 0, false, true },	    /* ISR */
		{ 0x818, 0, false, true },	    /* TMR */
		{ 0x827, 0, false, true },	    /* IRR */
		{ 0x828, 1, false, true },	    /* ESR: only 0 */
		{ 0x82f, 0, true, true },	    /* no CMCI LVT */
		{ 0x832, 1u << 19, false, true },   /* timer LVT rsvd */
		{ 0x832, 0x700, false, true },	    /* timer has no mode */
		{ 0x833, 1u << 15, false, true },   /* thermal: no trigger */
		{ 0x835, 1u << 17, false, true },   /* LINT0 */
		{ 0x837, 0x400, false, true },	    /* error: no mode */
		{ 0x839, 0, false, true },	    /* current count */
		{ 0x83a, 0, true, true },
		{ 0x83d, 0, true, true },
		{ 0x83e, 0x4, false, true }, /* DCR bit 2 */
		{ 0x840, 0, true, true },
		{ 0x8ff, 0, true, true },
	};

	sw_enable();
	to_x2apic();
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct gp_case *c = &cases[i];
		uint64_t v;

		if ((vlapic_msr_read(&a, c->msr, &v) < 0) != c->rd_gp)
			fail_msg("rdmsr %#x: #GP %d expected", c->msr,
				 c->rd_gp);
		if ((vlapic_msr_write(&a, c->msr, c->val) < 0) != c->wr_gp)
			fail_msg("wrmsr %#x = %#llx: #GP %d expected", c->msr,
				 (unsigned long long)c->val, c->wr_gp);
	}
	/* none of them changed anything */
	assert_int_equal(mrd(0x808), 0);
	assert_int_equal(mrd(0x80f), 0x1ff);
	assert_int_equal(mrd(0x832), 0x10000);
	assert_int_equal(mrd(0x83e), 0);
	assert_int_equal(esr(), 0);
	/* the legal forms of the same writes */
	mwr(0x80b, 0);
	mwr(0x828, 0);
	mwr(0x832, 0x600ff);
	assert_int_equal(mrd(0x832), 0x600ff);
}

/* ---- IA32_APIC_BASE ------------------------------------------------------ */

static void test_apic_base_transitions(void **state)
{
	const uint64_t xapic = 0xfee00000 | VLAPIC_BASE_EN | VLAPIC_BASE_BSP;
	const uint64_t x2 = xapic | VLAPIC_BASE_EXTD;

	sw_enable();
	wr(VLAPIC_REG_ICR_HI, 0x05000000);
	wr(VLAPIC_REG_LVT_LINT0, 0x700);
	/* xAPIC -> EN=0 EXTD=1: invalid */
	assert_int_equal(vlapic_set_apic_base(&a, (xapic & ~VLAPIC_BASE_EN) |
							 VLAPIC_BASE_EXTD),
			 -1);
	/* xAPIC -> x2APIC keeps registers but the ICR high half */
	mwr(VLAPIC_MSR_APIC_BASE, x2);
	assert_int_equal(mrd(VLAPIC_MSR_APIC_BASE), x2);
	assert_int_equal(mrd(0x80f), 0x1ff);
	assert_int_equal(mrd(0x835), 0x700);
	assert_int_equal(mrd(0x830), 0);
	/* x2APIC -> xAPIC and -> invalid: #GP, unchanged */
	assert_int_equal(vlapic_msr_write(&a, 0x1b, xapic), -1);
	assert_int_equal(vlapic_msr_write(&a, 0x1b, x2 & ~VLAPIC_BASE_EN),
			 -1);
	assert_true(vlapic_x2apic(&a));
	assert_int_equal(mrd(0x835), 0x700);
	/* x2APIC -> disabled: everything but the ID is reset */
	vlapic_accept_irq(&a, 0x80, false);
	mwr(0x1b, 0xfee00000 | VLAPIC_BASE_BSP);
	assert_false(vlapic_enabled(&a));
	assert_false(vlapic_x2apic(&a));
	assert_int_equal(mrd_gp(0x808), -1);
	uint32_t v;
	assert_int_equal(vlapic_mmio_read(&a, 0x20, 4, &v), -ENODEV);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	vlapic_accept_irq(&a, 0x80, false);
	assert_false(irr(0x80));
	/* disabled -> x2APIC: #GP; -> xAPIC: reset state */
	assert_int_equal(vlapic_msr_write(&a, 0x1b, x2), -1);
	mwr(0x1b, xapic);
	assert_int_equal(rd(VLAPIC_REG_ID), 3u << 24);
	check_reset_regs();
	/* and x2APIC once more */
	mwr(0x1b, x2);
	assert_int_equal(mrd(0x802), ID);
}

static void test_apic_base_bits(void **state)
{
	uint64_t base = vlapic_apic_base(&a);

	/* reserved: 7:0, 9, MAXPHYADDR (52 here) and up */
	assert_int_equal(vlapic_set_apic_base(&a, base | 1), -1);
	assert_int_equal(vlapic_set_apic_base(&a, base | 0x80), -1);
	assert_int_equal(vlapic_set_apic_base(&a, base | 0x200), -1);
	assert_int_equal(vlapic_set_apic_base(&a, base | 1ull << 52), -1);
	assert_int_equal(vlapic_set_apic_base(&a, base | 1ull << 63), -1);
	a.maxphyaddr = 36;
	assert_int_equal(vlapic_set_apic_base(&a, base | 1ull << 36), -1);
	assert_int_equal(vlapic_apic_base(&a), base);
	/* moving the page is allowed and reported; the state stays */
	sw_enable();
	wr(VLAPIC_REG_TPR, 0x30);
	assert_int_equal(vlapic_set_apic_base(&a, 0xfed00000ull |
							 VLAPIC_BASE_EN),
			 0);
	assert_int_equal(vlapic_apic_base(&a), 0xfed00000ull | VLAPIC_BASE_EN);
	assert_int_equal(rd(VLAPIC_REG_TPR), 0x30);
	assert_int_equal(vlapic_set_apic_base(&a, 0xffffff000ull |
							 VLAPIC_BASE_EN),
			 0);
	assert_int_equal(vlapic_apic_base(&a), 0xffffff000ull | VLAPIC_BASE_EN);
	/* a disabled APIC may move too, and stays disabled */
	assert_int_equal(vlapic_set_apic_base(&a, 0xfee00000ull), 0);
	assert_int_equal(vlapic_set_apic_base(&a, 0xfec00000ull), 0);
	assert_int_equal(vlapic_apic_base(&a), 0xfec00000ull);
}

static void test_disable_reenable_resets(void **state)
{
	sw_enable();
	wr(VLAPIC_REG_TPR, 0x30);
	wr(VLAPIC_REG_LDR, 0x01000000);
	wr(VLAPIC_REG_DFR, 0x0fffffff);
	wr(VLAPIC_REG_LVT_TIMER, 0x30);
	wr(VLAPIC_REG_TIMER_DCR, 0x3);
	wr(VLAPIC_REG_TIMER_ICR, 100);
	assert_int_equal(env.n_timer, 1);
	vlapic_accept_irq(&a, 0x40, true);
	deliver(0x40);
	wr(VLAPIC_REG_ESR, 0);
	rd(0x10);
	mwr(0x1b, 0xfee00000 | VLAPIC_BASE_BSP);
	/* the armed timer is cancelled */
	assert_int_equal(env.n_timer, 2);
	assert_int_equal(env.timer[1], 0);
	mwr(0x1b, 0xfee00000 | VLAPIC_BASE_BSP | VLAPIC_BASE_EN);
	check_reset_regs();
	assert_int_equal(esr(), 0);
	/* and it works again */
	sw_enable();
	vlapic_accept_irq(&a, 0x40, false);
	assert_int_equal(vlapic_pending_vector(&a), 0x40);
}

static void test_init_reset(void **state)
{
	sw_enable();
	to_x2apic();
	mwr(0x808, 0x30);
	mwr(0x832, 0x20031);
	mwr(0x838, 500);
	vlapic_accept_irq(&a, 0x90, false);
	unsigned timers = env.n_timer;
	vlapic_reset(&a);
	assert_int_equal(env.n_timer, timers + 1); /* cancelled */
	assert_int_equal(env.timer[timers], 0);
	assert_true(vlapic_x2apic(&a)); /* INIT keeps the mode */
	assert_int_equal(vlapic_apic_base(&a), 0xfee00000 | VLAPIC_BASE_BSP |
						       VLAPIC_BASE_EN |
						       VLAPIC_BASE_EXTD);
	assert_int_equal(mrd(0x802), ID);
	assert_int_equal(mrd(0x808), 0);
	assert_int_equal(mrd(0x80f), 0xff);
	assert_int_equal(mrd(0x832), 0x10000);
	assert_int_equal(mrd(0x838), 0);
	assert_int_equal(mrd(0x839), 0);
	assert_int_equal(mrd(0x820 + 4), 0);
	/* INIT in xAPIC mode keeps xAPIC */
	setup(NULL);
	vlapic_reset(&a);
	assert_false(vlapic_x2apic(&a));
	assert_int_equal(rd(VLAPIC_REG_ID), ID << 24);
	check_reset_regs();
}

/* ---- destinations -------------------------------------------------------- */

static void test_match_physical(void **state)
{
	struct vlapic b;

	assert_true(vlapic_match_dest(&a, 3, false, false));
	assert_false(vlapic_match_dest(&a, 4, false, false));
	assert_true(vlapic_match_dest(&a, 0xff, false, false));
	assert_true(vlapic_match_dest(&a, 0x103, false, false)); /* 8 bits */
	vlapic_init(&b, 0x123, false, NULL, NULL, page2);
	assert_int_equal(vlapic_set_apic_base(&b, vlapic_apic_base(&b) |
						      VLAPIC_BASE_EXTD),
			 0);
	assert_true(vlapic_match_dest(&b, 0x123, false, true));
	assert_false(vlapic_match_dest(&b, 0x23, false, true));
	assert_false(vlapic_match_dest(&b, 0xff, false, true));
	assert_true(vlapic_match_dest(&b, 0xffffffff, false, true));
	assert_true(vlapic_match_dest(&b, 0xffffffff, true, true));
	/* a hardware-disabled APIC matches nothing */
	assert_int_equal(vlapic_set_apic_base(&b, 0xfee00000), 0);
	assert_false(vlapic_match_dest(&b, 0xffffffff, false, true));
	assert_false(vlapic_match_dest(&b, 0x23, false, false));
}

static void test_match_logical_xapic(void **state)
{
	/* flat: a bit in common with LDR[31:24] */
	wr(VLAPIC_REG_LDR, 0x24000000);
	assert_true(vlapic_match_dest(&a, 0x04, true, false));
	assert_true(vlapic_match_dest(&a, 0x21, true, false));
	assert_true(vlapic_match_dest(&a, 0xff, true, false));
	assert_false(vlapic_match_dest(&a, 0x03, true, false));
	assert_false(vlapic_match_dest(&a, 0x00, true, false));
	/* physical ignores the LDR */
	assert_false(vlapic_match_dest(&a, 0x24, false, false));
	/* cluster: cluster 2, member bit 2 */
	wr(VLAPIC_REG_DFR, 0x0fffffff);
	assert_int_equal(rd(VLAPIC_REG_DFR), 0x0fffffff);
	assert_true(vlapic_match_dest(&a, 0x24, true, false));
	assert_true(vlapic_match_dest(&a, 0x2f, true, false));
	assert_false(vlapic_match_dest(&a, 0x34, true, false));
	assert_false(vlapic_match_dest(&a, 0x04, true, false));
	assert_false(vlapic_match_dest(&a, 0x2b, true, false));
	assert_true(vlapic_match_dest(&a, 0xff, true, false));
	/* an undefined model matches nothing but the broadcast */
	wr(VLAPIC_REG_DFR, 0x5fffffff);
	assert_false(vlapic_match_dest(&a, 0x24, true, false));
	assert_true(vlapic_match_dest(&a, 0xff, true, false));
}

static void test_match_logical_x2apic(void **state)
{
	vlapic_init(&a, 0x123, false, &ops, &env, page);
	to_x2apic();
	/* cluster 0x12, member bit 3 */
	assert_true(vlapic_match_dest(&a, 0x00120008, true, true));
	assert_true(vlapic_match_dest(&a, 0x0012ffff, true, true));
	assert_false(vlapic_match_dest(&a, 0x00120004, true, true));
	assert_false(vlapic_match_dest(&a, 0x00130008, true, true));
	assert_false(vlapic_match_dest(&a, 0x00000008, true, true));
	assert_true(vlapic_match_dest(&a, 0xffffffff, true, true));
	assert_false(vlapic_match_dest(&a, 0x00120008, false, true));
	/* ID 0x20: cluster 2, bit 0 */
	vlapic_init(&a, 0x20, false, &ops, &env, page);
	to_x2apic();
	assert_int_equal(mrd(0x80d), 0x00020001);
	assert_true(vlapic_match_dest(&a, 0x00020001, true, true));
}

static void test_ipi_match_shorthands(void **state)
{
	struct vlapic other;
	struct vlapic_ipi ipi = { .source = ID, .dest = 9, .x2apic = false };

	vlapic_init(&other, 9, false, NULL, NULL, page2);
	ipi.shorthand = VLAPIC_SH_NONE;
	assert_false(vlapic_ipi_match(&a, &ipi));
	assert_true(vlapic_ipi_match(&other, &ipi));
	ipi.shorthand = VLAPIC_SH_SELF;
	assert_true(vlapic_ipi_match(&a, &ipi));
	assert_false(vlapic_ipi_match(&other, &ipi));
	ipi.shorthand = VLAPIC_SH_ALL;
	assert_true(vlapic_ipi_match(&a, &ipi));
	assert_true(vlapic_ipi_match(&other, &ipi));
	ipi.shorthand = VLAPIC_SH_OTHERS;
	assert_false(vlapic_ipi_match(&a, &ipi));
	assert_true(vlapic_ipi_match(&other, &ipi));
	/* logical, flat */
	ipi.shorthand = VLAPIC_SH_NONE;
	ipi.dest_mode = 1;
	ipi.dest = 0x01;
	wr(VLAPIC_REG_LDR, 0x01000000);
	assert_true(vlapic_ipi_match(&a, &ipi));
	assert_false(vlapic_ipi_match(&other, &ipi));
	/* hardware-disabled targets get nothing */
	ipi.shorthand = VLAPIC_SH_ALL;
	assert_int_equal(vlapic_set_apic_base(&other, 0xfee00000), 0);
	assert_false(vlapic_ipi_match(&other, &ipi));
}

/* ---- the timer ----------------------------------------------------------- */

static void timer_setup(uint32_t lvt, uint32_t dcr)
{
	sw_enable();
	wr(VLAPIC_REG_LVT_TIMER, lvt);
	wr(VLAPIC_REG_TIMER_DCR, dcr);
}

static void test_timer_one_shot(void **state)
{
	timer_setup(0x30, 0x0); /* divide by 2 */
	assert_int_equal(env.n_timer, 0);
	wr(VLAPIC_REG_TIMER_ICR, 1000);
	assert_int_equal(env.n_timer, 1);
	assert_int_equal(env.timer[0], T0 + 2000);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 1000);
	env.tsc = T0 + 1;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 1000);
	env.tsc = T0 + 2;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 999);
	env.tsc = T0 + 1999;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 1);
	/* early: ignored */
	vlapic_timer_expired(&a, T0 + 1999);
	assert_false(irr(0x30));
	env.tsc = T0 + 2000;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0);
	env.tsc = T0 + 2005;
	vlapic_timer_expired(&a, env.tsc);
	assert_true(irr(0x30));
	assert_int_equal(env.kicks, 1);
	assert_int_equal(env.n_timer, 1); /* no re-arm, no cancel */
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_ICR), 1000);
	/* a second expiry call does nothing */
	deliver(0x30);
	vlapic_timer_expired(&a, env.tsc + 5000);
	assert_false(irr(0x30));
	/* writing the initial count again restarts it */
	wr(VLAPIC_REG_TIMER_ICR, 10);
	assert_int_equal(env.timer[1], env.tsc + 20);
	/* rewriting it while armed re-arms from now */
	env.tsc += 7;
	wr(VLAPIC_REG_TIMER_ICR, 10);
	assert_int_equal(env.timer[2], env.tsc + 20);
	/* 0 stops it */
	wr(VLAPIC_REG_TIMER_ICR, 0);
	assert_int_equal(env.n_timer, 4);
	assert_int_equal(env.timer[3], 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0);
	vlapic_timer_expired(&a, env.tsc + 100);
	assert_false(irr(0x30));
	/* 0 again: nothing armed, no callback */
	wr(VLAPIC_REG_TIMER_ICR, 0);
	assert_int_equal(env.n_timer, 4);
}

static void test_timer_periodic_no_drift(void **state)
{
	const uint64_t period = 1000 * 16;

	timer_setup(VLAPIC_TIMER_PERIODIC | 0x31, 0x3); /* divide by 16 */
	wr(VLAPIC_REG_TIMER_ICR, 1000);
	assert_int_equal(env.timer[0], T0 + period);
	for (unsigned k = 1; k <= 10000; k++) {
		uint64_t due = T0 + k * period;

		env.n_timer = 0;
		env.tsc = due + 37; /* the host timer is always late */
		vlapic_timer_expired(&a, env.tsc);
		if (env.n_timer != 1 || env.timer[0] != due + period)
			fail_msg("period %u: re-armed %u times, at %llu", k,
				 env.n_timer,
				 (unsigned long long)env.timer[0]);
		assert_true(irr(0x31));
		deliver(0x31);
		wr(VLAPIC_REG_EOI, 0);
	}
	/* the current count runs within the period, not from the late call:
	 * 37 ticks = 2 counts at divide 16 */
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 998);
	/* three and a half periods late: the missed ones are skipped, the
	 * phase stays */
	uint64_t due = T0 + 10001 * period;
	env.n_timer = 0;
	env.tsc = due + 3 * period + period / 2;
	vlapic_timer_expired(&a, env.tsc);
	assert_int_equal(env.n_timer, 1);
	assert_int_equal(env.timer[0], due + 4 * period);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 500);
	assert_true(irr(0x31));
}

static void test_timer_divide_values(void **state)
{
	static const struct { uint32_t dcr; unsigned div; } d[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	sw_enable();
	wr(VLAPIC_REG_LVT_TIMER, 0x40);
	for (unsigned i = 0; i < ARRAY_SIZE(d); i++) {
		wr(VLAPIC_REG_TIMER_ICR, 0);
		wr(VLAPIC_REG_TIMER_DCR, d[i].dcr);
		env.n_timer = 0;
		wr(VLAPIC_REG_TIMER_ICR, 100);
		assert_int_equal(env.n_timer, 1);
		if (env.timer[0] != env.tsc + 100ull * d[i].div)
			fail_msg("dcr %#x: deadline %llu, want divide %u",
				 d[i].dcr, (unsigned long long)env.timer[0],
				 d[i].div);
		env.tsc += d[i].div * 10;
		assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 90);
	}
	/* the largest count at the largest divider does not overflow */
	wr(VLAPIC_REG_TIMER_DCR, 0xa);
	wr(VLAPIC_REG_TIMER_ICR, 0xffffffff);
	assert_int_equal(env.timer[env.n_timer - 1],
			 env.tsc + 0xffffffffull * 128);
	env.tsc += 128;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0xfffffffe);
}

static void test_timer_divide_change_while_running(void **state)
{
	timer_setup(0x40, 0xb); /* divide by 1 */
	wr(VLAPIC_REG_TIMER_ICR, 1000);
	env.tsc = T0 + 400;
	wr(VLAPIC_REG_TIMER_DCR, 0x1); /* divide by 4 */
	assert_int_equal(env.n_timer, 2);
	assert_int_equal(env.timer[1], T0 + 400 + 600 * 4);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 600);
	env.tsc += 4;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 599);
	/* the same value again: nothing */
	wr(VLAPIC_REG_TIMER_DCR, 0x1);
	assert_int_equal(env.n_timer, 2);
	/* not running: only stored */
	wr(VLAPIC_REG_TIMER_ICR, 0);
	wr(VLAPIC_REG_TIMER_DCR, 0x2);
	assert_int_equal(env.n_timer, 3);
	assert_int_equal(rd(VLAPIC_REG_TIMER_DCR), 0x2);
}

static void test_timer_masked_and_mode_change(void **state)
{
	/* masked periodic: counts and re-arms, no interrupt */
	timer_setup(VLAPIC_LVT_MASKED | VLAPIC_TIMER_PERIODIC | 0x40, 0xb);
	wr(VLAPIC_REG_TIMER_ICR, 100);
	env.tsc = T0 + 100;
	vlapic_timer_expired(&a, env.tsc);
	assert_false(irr(0x40));
	assert_int_equal(env.n_timer, 2);
	assert_int_equal(env.timer[1], T0 + 200);
	assert_int_equal(env.kicks, 0);
	/* unmasking and switching to one-shot neither restarts nor stops */
	wr(VLAPIC_REG_LVT_TIMER, 0x40);
	assert_int_equal(env.n_timer, 2);
	env.tsc = T0 + 150;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 50);
	env.tsc = T0 + 200;
	vlapic_timer_expired(&a, env.tsc);
	assert_true(irr(0x40));
	assert_int_equal(env.n_timer, 2); /* one-shot now: not re-armed */
	/* back to periodic after the one-shot ended: still stopped */
	wr(VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x40);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(env.n_timer, 2);
	/* one-shot -> periodic while counting: re-arms at expiry */
	wr(VLAPIC_REG_LVT_TIMER, 0x40);
	wr(VLAPIC_REG_TIMER_ICR, 10);
	wr(VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x40);
	env.tsc += 10;
	vlapic_timer_expired(&a, env.tsc);
	assert_int_equal(env.n_timer, 4);
	assert_int_equal(env.timer[3], env.tsc + 10);
	/* an illegal timer vector logs an error instead */
	deliver(0x40);
	wr(VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x0e);
	env.tsc += 10;
	vlapic_timer_expired(&a, env.tsc);
	assert_int_equal(esr(), VLAPIC_ESR_RECV_ILLEGAL);
}

static void test_timer_tsc_deadline(void **state)
{
	/* not in TSC-deadline mode: reads 0, writes ignored */
	timer_setup(0x50, 0xb);
	mwr(VLAPIC_MSR_TSC_DEADLINE, T0 + 500);
	assert_int_equal(mrd(VLAPIC_MSR_TSC_DEADLINE), 0);
	assert_int_equal(env.n_timer, 0);
	wr(VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_TSC_DEADLINE | 0x50);
	assert_int_equal(mrd(VLAPIC_MSR_TSC_DEADLINE), 0);
	vlapic_set_tsc_deadline(&a, T0 + 500);
	assert_int_equal(vlapic_tsc_deadline(&a), T0 + 500);
	assert_int_equal(env.n_timer, 1);
	assert_int_equal(env.timer[0], T0 + 500);
	/* initial-count writes ignored, current count 0 */
	wr(VLAPIC_REG_TIMER_ICR, 1000);
	assert_int_equal(rd(VLAPIC_REG_TIMER_ICR), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(env.n_timer, 1);
	vlapic_timer_expired(&a, T0 + 499);
	assert_false(irr(0x50));
	vlapic_timer_expired(&a, T0 + 500);
	assert_true(irr(0x50));
	assert_int_equal(mrd(VLAPIC_MSR_TSC_DEADLINE), 0); /* cleared */
	assert_int_equal(env.n_timer, 1);
	deliver(0x50);
	wr(VLAPIC_REG_EOI, 0);
	/* a deadline already passed fires at once */
	env.tsc = T0 + 1000;
	mwr(VLAPIC_MSR_TSC_DEADLINE, T0 + 1000);
	assert_true(irr(0x50));
	assert_int_equal(mrd(VLAPIC_MSR_TSC_DEADLINE), 0);
	assert_int_equal(env.n_timer, 1);
	deliver(0x50);
	/* re-arming moves the deadline, 0 disarms */
	mwr(VLAPIC_MSR_TSC_DEADLINE, T0 + 5000);
	mwr(VLAPIC_MSR_TSC_DEADLINE, T0 + 3000);
	assert_int_equal(env.timer[2], T0 + 3000);
	mwr(VLAPIC_MSR_TSC_DEADLINE, 0);
	assert_int_equal(env.n_timer, 4);
	assert_int_equal(env.timer[3], 0);
	vlapic_timer_expired(&a, T0 + 6000);
	assert_false(irr(0x50));
	/* leaving the mode disarms */
	mwr(VLAPIC_MSR_TSC_DEADLINE, T0 + 5000);
	wr(VLAPIC_REG_LVT_TIMER, 0x50);
	assert_int_equal(env.n_timer, 6);
	assert_int_equal(env.timer[5], 0);
	assert_int_equal(vlapic_tsc_deadline(&a), 0);
	/* entering it stops a running count and clears the initial count */
	wr(VLAPIC_REG_TIMER_ICR, 100);
	wr(VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_TSC_DEADLINE | 0x50);
	assert_int_equal(env.n_timer, 8);
	assert_int_equal(env.timer[7], 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_ICR), 0);
	/* masked: the MSR still clears, no interrupt */
	wr(VLAPIC_REG_LVT_TIMER, VLAPIC_LVT_MASKED |
					 VLAPIC_TIMER_TSC_DEADLINE | 0x50);
	mwr(VLAPIC_MSR_TSC_DEADLINE, T0 + 9000);
	vlapic_timer_expired(&a, T0 + 9000);
	assert_false(irr(0x50));
	assert_int_equal(vlapic_tsc_deadline(&a), 0);
}

/* ---- LINT0/LINT1 --------------------------------------------------------- */

static void test_lint_modes(void **state)
{
	sw_enable();
	/* masked at reset: nothing */
	assert_int_equal(vlapic_lint(&a, 0, true), -1);
	assert_int_equal(vlapic_lint(&a, 0, false), -1);
	assert_false(vlapic_accepts_extint(&a));
	/* virtual wire: LINT0 ExtINT, LINT1 NMI */
	wr(VLAPIC_REG_LVT_LINT0, 0x700);
	wr(VLAPIC_REG_LVT_LINT1, 0x400);
	assert_true(vlapic_accepts_extint(&a));
	assert_int_equal(vlapic_lint(&a, 0, true), VLAPIC_DM_EXTINT);
	assert_int_equal(vlapic_lint(&a, 0, true), VLAPIC_DM_EXTINT);
	assert_int_equal(vlapic_lint(&a, 0, false), -1);
	assert_int_equal(vlapic_lint(&a, 1, true), VLAPIC_DM_NMI);
	assert_int_equal(vlapic_lint(&a, 1, true), -1); /* edge */
	assert_int_equal(vlapic_lint(&a, 1, false), -1);
	assert_int_equal(vlapic_lint(&a, 1, true), VLAPIC_DM_NMI);
	assert_int_equal(vlapic_lint(&a, 1, false), -1);
	/* SMI, INIT: rising edges */
	wr(VLAPIC_REG_LVT_LINT1, 0x200);
	assert_int_equal(vlapic_lint(&a, 1, true), VLAPIC_DM_SMI);
	assert_int_equal(vlapic_lint(&a, 1, false), -1);
	wr(VLAPIC_REG_LVT_LINT1, 0x500);
	assert_int_equal(vlapic_lint(&a, 1, true), VLAPIC_DM_INIT);
	assert_int_equal(vlapic_lint(&a, 1, false), -1);
	/* reserved mode, bad pin */
	wr(VLAPIC_REG_LVT_LINT1, 0x300);
	assert_int_equal(vlapic_lint(&a, 1, true), -1);
	assert_int_equal(vlapic_lint(&a, 2, true), -1);
	/* fixed, edge */
	wr(VLAPIC_REG_LVT_LINT1, 0x60);
	vlapic_lint(&a, 1, false);
	assert_int_equal(vlapic_lint(&a, 1, true), VLAPIC_DM_FIXED);
	assert_true(irr(0x60));
	assert_false(tmr(0x60));
	assert_int_equal(env.kicks, 1);
	deliver(0x60);
	assert_int_equal(vlapic_lint(&a, 1, true), -1);
	assert_false(irr(0x60));
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(env.n_eoi, 0);
	/* software-disabled: masked, no ExtINT either */
	wr(VLAPIC_REG_SVR, 0xff);
	assert_false(vlapic_accepts_extint(&a));
	assert_int_equal(vlapic_lint(&a, 0, true), -1);
}

static void test_lint_fixed_level(void **state)
{
	sw_enable();
	wr(VLAPIC_REG_LVT_LINT0, VLAPIC_LVT_LEVEL | 0x70);
	assert_int_equal(vlapic_lint(&a, 0, true), VLAPIC_DM_FIXED);
	assert_true(irr(0x70));
	assert_true(tmr(0x70));
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0xc070); /* remote IRR */
	/* still asserted: once only */
	assert_int_equal(vlapic_lint(&a, 0, true), -1);
	/* EOI with the pin still high: again */
	deliver(0x70);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(env.n_eoi, 1);
	assert_int_equal(env.eoi[0], 0x70);
	assert_true(irr(0x70));
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0xc070);
	/* pin low, then EOI: remote IRR clear, nothing new */
	assert_int_equal(vlapic_lint(&a, 0, false), -1);
	deliver(0x70);
	wr(VLAPIC_REG_EOI, 0);
	assert_false(irr(0x70));
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0x8070);
	/* asserted while masked: delivered when unmasked */
	wr(VLAPIC_REG_LVT_LINT0, VLAPIC_LVT_MASKED | VLAPIC_LVT_LEVEL | 0x70);
	assert_int_equal(vlapic_lint(&a, 0, true), -1);
	assert_false(irr(0x70));
	wr(VLAPIC_REG_LVT_LINT0, VLAPIC_LVT_LEVEL | 0x70);
	assert_true(irr(0x70));
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0xc070);
	/* rewriting the entry keeps remote IRR; going edge drops it */
	wr(VLAPIC_REG_LVT_LINT0, VLAPIC_LVT_LEVEL | 0x70);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0xc070);
	wr(VLAPIC_REG_LVT_LINT0, 0x70);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0x70);
}

static void test_lint_hw_disabled(void **state)
{
	mwr(0x1b, 0xfee00000);
	assert_true(vlapic_accepts_extint(&a));
	assert_int_equal(vlapic_lint(&a, 0, true), VLAPIC_DM_EXTINT);
	assert_int_equal(vlapic_lint(&a, 0, false), -1);
	assert_int_equal(vlapic_lint(&a, 1, true), VLAPIC_DM_NMI);
	assert_int_equal(vlapic_lint(&a, 1, true), -1);
}

static void test_no_callbacks(void **state)
{
	struct vlapic q;
	uint32_t v;

	vlapic_init(&q, 0, true, NULL, NULL, page2);
	assert_int_equal(vlapic_mmio_write(&q, VLAPIC_REG_SVR, 4, 0x1ff), 0);
	vlapic_accept_irq(&q, 0x40, true);
	vlapic_ack(&q, 0x40);
	assert_int_equal(vlapic_mmio_write(&q, VLAPIC_REG_EOI, 4, 0), 0);
	assert_int_equal(vlapic_mmio_write(&q, VLAPIC_REG_ICR_LO, 4, 0x4040),
			 0);
	assert_int_equal(vlapic_mmio_write(&q, VLAPIC_REG_LVT_TIMER, 4, 0x40),
			 0);
	assert_int_equal(vlapic_mmio_write(&q, VLAPIC_REG_TIMER_ICR, 4, 5),
			 0);
	assert_int_equal(vlapic_mmio_read(&q, VLAPIC_REG_TIMER_CCR, 4, &v), 0);
	assert_int_equal(v, 5); /* now() is 0 without a clock */
	vlapic_timer_expired(&q, 10);
	assert_int_equal(vlapic_pending_vector(&q), 0x40);
}

/* ---- the register page -------------------------------------------------- */

/* Every word of the page but those listed (offsets) is zero. */
static void check_page_zero_but(const uint32_t *offs, unsigned n)
{
	for (uint32_t off = 0; off < 4096; off += 4) {
		bool listed = false;

		for (unsigned i = 0; i < n; i++)
			listed |= offs[i] == off;
		if (!listed && pg(off))
			fail_msg("page word %#x = %#x, want 0", off, pg(off));
	}
}

static void test_page_after_init(void **state)
{
	static const uint32_t regs[] = {
		VLAPIC_REG_ID, VLAPIC_REG_VERSION, VLAPIC_REG_DFR,
		VLAPIC_REG_SVR, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370,
	};

	/* init clears whatever the page held */
	memset(page, 0xa5, sizeof(page));
	vlapic_init(&a, ID, true, &ops, &env, page);
	assert_int_equal(pg(VLAPIC_REG_ID), ID << 24);
	assert_int_equal(pg(VLAPIC_REG_VERSION), 0x50014);
	assert_int_equal(pg(VLAPIC_REG_DFR), 0xffffffff);
	assert_int_equal(pg(VLAPIC_REG_SVR), 0xff);
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		assert_int_equal(pg(VLAPIC_REG_LVT_TIMER + 16 * i), 0x10000);
	check_page_zero_but(regs, ARRAY_SIZE(regs));
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(a.irr_in[i], 0);
	assert_false(a.apicv);
	assert_ptr_equal(vlapic_reg(&a, 0x80), (uint32_t *)page + 0x20);
}

static void test_page_after_writes(void **state)
{
	sw_enable();
	assert_int_equal(pg(VLAPIC_REG_SVR), 0x1ff);
	wr(VLAPIC_REG_TPR, 0x35);
	assert_int_equal(pg(VLAPIC_REG_TPR), 0x35);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x35);
	wr(VLAPIC_REG_LDR, 0xffffffff);
	assert_int_equal(pg(VLAPIC_REG_LDR), 0xff000000);
	wr(VLAPIC_REG_DFR, 0);
	assert_int_equal(pg(VLAPIC_REG_DFR), 0x0fffffff);
	wr(VLAPIC_REG_ICR_HI, 0x05123456);
	assert_int_equal(pg(VLAPIC_REG_ICR_HI), 0x05000000);
	wr(VLAPIC_REG_ICR_LO, 0x4400);
	assert_int_equal(pg(VLAPIC_REG_ICR_LO), 0x4400);
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++) {
		wr(VLAPIC_REG_LVT_TIMER + 16 * i, 0x40 + i);
		assert_int_equal(pg(VLAPIC_REG_LVT_TIMER + 16 * i), 0x40 + i);
	}
	wr(VLAPIC_REG_TIMER_DCR, 0xb);
	assert_int_equal(pg(VLAPIC_REG_TIMER_DCR), 0xb);
	wr(VLAPIC_REG_TIMER_ICR, 1234);
	assert_int_equal(pg(VLAPIC_REG_TIMER_ICR), 1234);
	assert_int_equal(pg(VLAPIC_REG_TIMER_CCR), 0); /* never in the page */
	/* ESR: the latched value */
	rd(0x10);
	assert_int_equal(pg(VLAPIC_REG_ESR), 0);
	wr(VLAPIC_REG_ESR, 0);
	assert_int_equal(pg(VLAPIC_REG_ESR), VLAPIC_ESR_ILLEGAL_REG);
	/* ISR, TMR, PPR as interrupts come and go */
	wr(VLAPIC_REG_TPR, 0);
	vlapic_accept_irq(&a, 0x61, true);
	assert_true(tmr(0x61));
	assert_int_equal(pg(VLAPIC_REG_TMR + 0x30), 1u << 1);
	deliver(0x61);
	assert_int_equal(pg(VLAPIC_REG_ISR + 0x30), 1u << 1);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x60);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(pg(VLAPIC_REG_ISR + 0x30), 0);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0);
	assert_int_equal(pg(VLAPIC_REG_EOI), 0);
	/* APR and RRD stay 0 */
	wr(VLAPIC_REG_APR, 0xff);
	assert_int_equal(pg(VLAPIC_REG_APR), 0);
	assert_int_equal(pg(VLAPIC_REG_RRD), 0);
}

static void test_page_x2apic_and_reset(void **state)
{
	vlapic_init(&a, 0x123, true, &ops, &env, page);
	sw_enable();
	wr(VLAPIC_REG_LDR, 0x01000000);
	wr(VLAPIC_REG_ICR_HI, 0x05000000);
	to_x2apic();
	assert_int_equal(pg(VLAPIC_REG_ID), 0x123);
	assert_int_equal(pg(VLAPIC_REG_LDR), 0x00120008);
	assert_int_equal(pg(VLAPIC_REG_ICR_HI), 0);
	assert_int_equal(pg(VLAPIC_REG_SVR), 0x1ff);
	/* the 64-bit ICR: high half at 0x310 and, for the CPU, 0x304 */
	mwr(0x830, 0x0000000700000040ull);
	assert_int_equal(pg(VLAPIC_REG_ICR_LO), 0x40);
	assert_int_equal(pg(VLAPIC_REG_ICR_HI), 7);
	assert_int_equal(pg(VLAPIC_REG_ICR_LO + 4), 7);
	mwr(0x808, 0x20);
	mwr(0x832, 0x31);
	vlapic_accept_irq(&a, 0x90, false);
	assert_true(irr_in(0x90));
	/* INIT in x2APIC mode: ID and derived LDR stay, the rest resets */
	vlapic_reset(&a);
	assert_int_equal(pg(VLAPIC_REG_ID), 0x123);
	assert_int_equal(pg(VLAPIC_REG_LDR), 0x00120008);
	assert_int_equal(pg(VLAPIC_REG_TPR), 0);
	assert_int_equal(pg(VLAPIC_REG_SVR), 0xff);
	assert_int_equal(pg(VLAPIC_REG_LVT_TIMER), 0x10000);
	assert_int_equal(pg(VLAPIC_REG_ICR_LO + 4), 0);
	assert_false(irr_in(0x90));
	assert_false(irr(0x90));
	/* disabling and re-enabling in xAPIC mode: the xAPIC forms */
	mwr(0x1b, 0xfee00000);
	mwr(0x1b, 0xfee00000 | VLAPIC_BASE_EN);
	assert_int_equal(pg(VLAPIC_REG_ID), 0x23u << 24);
	assert_int_equal(pg(VLAPIC_REG_LDR), 0);
	assert_int_equal(pg(VLAPIC_REG_DFR), 0xffffffff);
	assert_int_equal(pg(VLAPIC_REG_VERSION), 0x50014);
}

/* ---- irr_in and the page IRR --------------------------------------------- */

static void test_accept_goes_to_irr_in(void **state)
{
	uint32_t before[1024];

	sw_enable();
	assert_int_equal(vlapic_sync_irr(&a), -1);
	memcpy(before, page, sizeof(page));
	vlapic_accept_irq(&a, 0x40, false);
	vlapic_accept_irq(&a, 0x91, true);
	assert_true(irr_in(0x40));
	assert_true(irr_in(0x91));
	/* the page is untouched but the TMR bit of 0x91 */
	before[(VLAPIC_REG_TMR + 0x40) / 4] |= 1u << (0x91 % 32);
	assert_memory_equal(before, page, sizeof(page));
	assert_int_equal(vlapic_highest_irr(&a), -1);
	/* the guest's IRR read sees both */
	assert_int_equal(rd(VLAPIC_REG_IRR + 0x20), 1);
	assert_int_equal(vlapic_pending_vector(&a), 0x91);
	/* sync: into the page, irr_in empty, the highest returned */
	assert_int_equal(vlapic_sync_irr(&a), 0x91);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(a.irr_in[i], 0);
	assert_int_equal(pg(VLAPIC_REG_IRR + 0x20), 1);
	assert_int_equal(pg(VLAPIC_REG_IRR + 0x40), 1u << (0x91 % 32));
	assert_int_equal(vlapic_pending_vector(&a), 0x91);
	/* a second sync ORs: page bits stay, new ones join */
	vlapic_accept_irq(&a, 0x30, false);
	assert_int_equal(vlapic_sync_irr(&a), 0x91);
	assert_true(pg_bit(VLAPIC_REG_IRR, 0x30));
	assert_true(pg_bit(VLAPIC_REG_IRR, 0x40));
	/* dropped while software-disabled: not in irr_in either */
	wr(VLAPIC_REG_SVR, 0xff);
	vlapic_accept_irq(&a, 0x77, false);
	assert_false(irr_in(0x77));
}

static void test_pending_and_ack_across_irr(void **state)
{
	sw_enable();
	vlapic_accept_irq(&a, 0x50, false);
	vlapic_sync_irr(&a);
	vlapic_accept_irq(&a, 0x60, false); /* irr_in only */
	assert_int_equal(vlapic_pending_vector(&a), 0x60);
	vlapic_ack(&a, 0x60);
	assert_false(irr_in(0x60));
	assert_true(isr(0x60));
	assert_int_equal(vlapic_pending_vector(&a), -1);
	wr(VLAPIC_REG_EOI, 0);
	/* the page IRR's vector */
	assert_int_equal(vlapic_pending_vector(&a), 0x50);
	vlapic_ack(&a, 0x50);
	assert_false(pg_bit(VLAPIC_REG_IRR, 0x50));
	assert_true(isr(0x50));
	wr(VLAPIC_REG_EOI, 0);
	/* in both at once: one interrupt, both bits go */
	vlapic_accept_irq(&a, 0x70, false);
	vlapic_sync_irr(&a);
	vlapic_accept_irq(&a, 0x70, false);
	vlapic_ack(&a, 0x70);
	assert_false(irr(0x70));
	assert_true(isr(0x70));
	assert_int_equal(vlapic_pending_vector(&a), -1);
	/* in neither: ignored */
	vlapic_ack(&a, 0x80);
	assert_false(isr(0x80));
	/* the highest of the union, whichever holds it */
	wr(VLAPIC_REG_EOI, 0);
	vlapic_accept_irq(&a, 0x45, false);
	vlapic_sync_irr(&a);
	vlapic_accept_irq(&a, 0x35, false);
	assert_int_equal(vlapic_pending_vector(&a), 0x45);
	vlapic_accept_irq(&a, 0x55, false);
	assert_int_equal(vlapic_pending_vector(&a), 0x55);
}

static void test_highest_isr_irr(void **state)
{
	sw_enable();
	assert_int_equal(vlapic_highest_isr(&a), -1);
	assert_int_equal(vlapic_highest_irr(&a), -1);
	vlapic_accept_irq(&a, 0x3f, false);
	vlapic_accept_irq(&a, 0x40, false);
	vlapic_accept_irq(&a, 0xff, false);
	assert_int_equal(vlapic_highest_irr(&a), -1); /* irr_in is not */
	assert_int_equal(vlapic_sync_irr(&a), 0xff);
	assert_int_equal(vlapic_highest_irr(&a), 0xff);
	deliver(0xff);
	assert_int_equal(vlapic_highest_isr(&a), 0xff);
	assert_int_equal(vlapic_highest_irr(&a), 0x40);
	wr(VLAPIC_REG_EOI, 0);
	deliver(0x40);
	assert_int_equal(vlapic_highest_irr(&a), 0x3f);
	assert_int_equal(vlapic_highest_isr(&a), 0x40);
	/* irr_in does not count for RVI */
	vlapic_accept_irq(&a, 0x80, false);
	assert_int_equal(vlapic_highest_irr(&a), 0x3f);
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(vlapic_highest_isr(&a), -1);
	deliver(0x80); /* from irr_in */
	assert_int_equal(vlapic_highest_isr(&a), 0x80);
	assert_int_equal(vlapic_highest_irr(&a), 0x3f);
}

/* ---- APIC virtualization: kicks, EOIs, the CPU's own changes ------------- */

static void test_apicv_kicks_every_new_bit(void **state)
{
	/* without apicv: only a new deliverable vector kicks */
	sw_enable();
	vlapic_accept_irq(&a, 0x40, false);
	vlapic_accept_irq(&a, 0x30, false);
	vlapic_sync_irr(&a);
	vlapic_accept_irq(&a, 0x40, false);
	assert_int_equal(env.kicks, 1);
	/* with: every bit new in irr_in, whatever the page and TPR say */
	setup(NULL);
	a.apicv = true;
	sw_enable();
	vlapic_accept_irq(&a, 0x40, false);
	assert_int_equal(env.kicks, 1);
	vlapic_accept_irq(&a, 0x40, false); /* already in irr_in */
	assert_int_equal(env.kicks, 1);
	vlapic_accept_irq(&a, 0x30, false); /* below the pending one */
	assert_int_equal(env.kicks, 2);
	vlapic_sync_irr(&a);
	vlapic_accept_irq(&a, 0x40, false); /* the page may be stale */
	assert_int_equal(env.kicks, 3);
	vlapic_set_tpr(&a, 0xf0);
	vlapic_accept_irq(&a, 0x20, false);
	assert_int_equal(env.kicks, 4);
	/* not accepted, no kick: software-disabled, illegal vectors */
	vlapic_accept_irq(&a, 0x05, false); /* the error LVT is masked */
	assert_int_equal(env.kicks, 4);
	wr(VLAPIC_REG_SVR, 0xff);
	vlapic_accept_irq(&a, 0x50, false);
	assert_int_equal(env.kicks, 4);
	/* hardware-disabled */
	sw_enable();
	mwr(0x1b, 0xfee00000);
	vlapic_accept_irq(&a, 0x50, false);
	assert_int_equal(env.kicks, 4);
}

static void test_apicv_eoi(void **state)
{
	a.apicv = true;
	sw_enable();
	vlapic_accept_irq(&a, 0x40, true);
	vlapic_accept_irq(&a, 0x50, false);
	vlapic_sync_irr(&a);
	/* the CPU delivers 0x50 then 0x40, and EOIs them */
	*vlapic_reg(&a, VLAPIC_REG_IRR + 0x20) = 0;
	*vlapic_reg(&a, VLAPIC_REG_ISR + 0x20) = 1u | 1u << 16;
	*vlapic_reg(&a, VLAPIC_REG_ISR + 0x20) = 1u;
	vlapic_apicv_eoi(&a, 0x50); /* edge: nothing to tell */
	assert_int_equal(env.n_eoi, 0);
	*vlapic_reg(&a, VLAPIC_REG_ISR + 0x20) = 0;
	vlapic_apicv_eoi(&a, 0x40);
	assert_int_equal(env.n_eoi, 1);
	assert_int_equal(env.eoi[0], 0x40);
	/* the model does not touch ISR or PPR itself */
	*vlapic_reg(&a, VLAPIC_REG_ISR + 0x30) = 1; /* 0x60 in service */
	*vlapic_reg(&a, VLAPIC_REG_PPR) = 0x60;
	vlapic_apicv_eoi(&a, 0x61);
	assert_int_equal(pg(VLAPIC_REG_ISR + 0x30), 1);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x60);
	assert_int_equal(env.n_eoi, 1);
	/* pending re-evaluated: 0x55 waits behind 0x60 until its EOI */
	a.apicv = false;
	vlapic_accept_irq(&a, 0x55, false);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	unsigned kicks = env.kicks;
	*vlapic_reg(&a, VLAPIC_REG_ISR + 0x30) = 0;
	*vlapic_reg(&a, VLAPIC_REG_PPR) = 0;
	vlapic_apicv_eoi(&a, 0x60);
	assert_int_equal(env.kicks, kicks + 1);
	assert_int_equal(vlapic_pending_vector(&a), 0x55);
}

static void test_apicv_eoi_lint_level(void **state)
{
	a.apicv = true;
	sw_enable();
	wr(VLAPIC_REG_LVT_LINT0, VLAPIC_LVT_LEVEL | 0x70);
	assert_int_equal(vlapic_lint(&a, 0, true), VLAPIC_DM_FIXED);
	assert_int_equal(pg(VLAPIC_REG_LVT_LINT0), 0xc070);
	vlapic_sync_irr(&a);
	/* the CPU delivers and EOIs; the pin is still high: again */
	*vlapic_reg(&a, VLAPIC_REG_IRR + 0x60) = 0;
	vlapic_apicv_eoi(&a, 0x70);
	assert_int_equal(env.n_eoi, 1);
	assert_true(irr_in(0x70));
	assert_int_equal(pg(VLAPIC_REG_LVT_LINT0), 0xc070);
	/* pin low, EOI: remote IRR clears in the page too */
	vlapic_lint(&a, 0, false);
	vlapic_apicv_eoi(&a, 0x70);
	assert_int_equal(pg(VLAPIC_REG_LVT_LINT0), 0x8070);
	assert_int_equal(rd(VLAPIC_REG_LVT_LINT0), 0x8070);
}

static void test_cpu_changes_tpr_isr(void **state)
{
	sw_enable();
	vlapic_accept_irq(&a, 0x55, false);
	vlapic_sync_irr(&a);
	/* the CPU raised TPR (MOV CR8, TPR virtualization) */
	*vlapic_reg(&a, VLAPIC_REG_TPR) = 0x60;
	assert_int_equal(vlapic_ppr(&a), 0x60);
	assert_int_equal(rd(VLAPIC_REG_PPR), 0x60);
	assert_int_equal(vlapic_tpr(&a), 0x60);
	assert_int_equal(rd(VLAPIC_REG_TPR), 0x60);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	*vlapic_reg(&a, VLAPIC_REG_TPR) = 0;
	/* a stale page PPR is not trusted */
	*vlapic_reg(&a, VLAPIC_REG_PPR) = 0xf0;
	assert_int_equal(vlapic_ppr(&a), 0);
	assert_int_equal(vlapic_pending_vector(&a), 0x55);
	/* the CPU delivered 0x70 (ISR) */
	*vlapic_reg(&a, VLAPIC_REG_ISR + 0x30) = 1u << 16;
	assert_int_equal(vlapic_ppr(&a), 0x70);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	assert_int_equal(rd(VLAPIC_REG_ISR + 0x30), 1u << 16);
	/* the model's EOI retires what the page holds, and writes PPR */
	wr(VLAPIC_REG_EOI, 0);
	assert_int_equal(pg(VLAPIC_REG_ISR + 0x30), 0);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0);
	assert_int_equal(vlapic_pending_vector(&a), 0x55);
	/* the CPU delivered 0x55 itself: IRR -> ISR */
	*vlapic_reg(&a, VLAPIC_REG_IRR + 0x20) = 0;
	*vlapic_reg(&a, VLAPIC_REG_ISR + 0x20) = 1u << 21;
	assert_int_equal(vlapic_pending_vector(&a), -1);
	assert_int_equal(vlapic_ppr(&a), 0x50);
	vlapic_accept_irq(&a, 0x56, false);
	assert_int_equal(vlapic_pending_vector(&a), -1); /* same class */
	vlapic_accept_irq(&a, 0x66, false);
	assert_int_equal(vlapic_pending_vector(&a), 0x66);
}

static void test_set_tpr(void **state)
{
	sw_enable();
	vlapic_set_tpr(&a, 0x5f);
	assert_int_equal(vlapic_tpr(&a), 0x5f);
	assert_int_equal(pg(VLAPIC_REG_TPR), 0x5f);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x5f);
	assert_int_equal(rd(VLAPIC_REG_TPR), 0x5f);
	vlapic_accept_irq(&a, 0x50, false);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	assert_int_equal(env.kicks, 0);
	/* CR8 = 4: TPR 0x40, 0x50 deliverable and kicked */
	vlapic_set_tpr(&a, 4 << 4);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x40);
	assert_int_equal(env.kicks, 1);
	assert_int_equal(vlapic_pending_vector(&a), 0x50);
	deliver(0x50);
	/* below the in-service class: PPR is the ISR class */
	vlapic_set_tpr(&a, 0x10);
	assert_int_equal(vlapic_tpr(&a), 0x10);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x50);
	/* and in x2APIC mode, read back through the MSR */
	to_x2apic();
	vlapic_set_tpr(&a, 0xa0);
	assert_int_equal(mrd(0x808), 0xa0);
	assert_int_equal(mrd(0x80a), 0xa0);
}

/* ---- APIC-write exits ---------------------------------------------------- */

/* The guest writes val at off (the CPU stores it), then the exit. */
static int aw(uint32_t off, uint32_t val)
{
	*vlapic_reg(&a, off) = val;
	return vlapic_apicv_write(&a, off);
}

static void test_apicv_write_icr(void **state)
{
	a.apicv = true;
	assert_int_equal(aw(VLAPIC_REG_ICR_HI, 0x0fabcdef), 0);
	assert_int_equal(pg(VLAPIC_REG_ICR_HI), 0x0f000000);
	assert_int_equal(env.n_ipi, 0);
	/* lowest priority, logical, level assert, trigger level; busy bit */
	assert_int_equal(aw(VLAPIC_REG_ICR_LO, 0xfffff941), 0);
	assert_int_equal(pg(VLAPIC_REG_ICR_LO), 0x000cc941);
	assert_int_equal(env.n_ipi, 1);
	assert_int_equal(env.ipi[0].source, ID);
	assert_int_equal(env.ipi[0].dest, 0x0f);
	assert_int_equal(env.ipi[0].dest_mode, 1);
	assert_int_equal(env.ipi[0].shorthand, VLAPIC_SH_OTHERS);
	assert_int_equal(env.ipi[0].delivery_mode, VLAPIC_DM_LOWEST);
	assert_int_equal(env.ipi[0].vector, 0x41);
	assert_int_equal(env.ipi[0].level, 1);
	assert_int_equal(env.ipi[0].trigger, 1);
	assert_false(env.ipi[0].x2apic);
	/* an illegal vector: ESR, nothing sent */
	assert_int_equal(aw(VLAPIC_REG_ICR_LO, 0x0000000a), 0);
	assert_int_equal(env.n_ipi, 1);
	assert_int_equal(esr(), VLAPIC_ESR_SEND_ILLEGAL);
	/* x2APIC: the CPU stores the 64-bit ICR at 0x300 */
	to_x2apic();
	*vlapic_reg(&a, VLAPIC_REG_ICR_LO + 4) = 0x12345678;
	assert_int_equal(aw(VLAPIC_REG_ICR_LO, 0x00000831), 0);
	assert_int_equal(env.n_ipi, 2);
	assert_int_equal(env.ipi[1].dest, 0x12345678);
	assert_int_equal(env.ipi[1].dest_mode, 1);
	assert_int_equal(env.ipi[1].vector, 0x31);
	assert_true(env.ipi[1].x2apic);
	assert_int_equal(pg(VLAPIC_REG_ICR_HI), 0x12345678);
	assert_int_equal(mrd(0x830), 0x1234567800000831ull);
	/* RDMSR takes the high half where the CPU keeps it */
	*vlapic_reg(&a, VLAPIC_REG_ICR_LO + 4) = 9;
	assert_int_equal(mrd(0x830), 0x0000000900000831ull);
	/* reserved bits: rejected, nothing sent */
	assert_int_equal(aw(VLAPIC_REG_ICR_LO, 0x00010831), -EINVAL);
	assert_int_equal(env.n_ipi, 2);
}

static void test_apicv_write_timer(void **state)
{
	sw_enable();
	wr(VLAPIC_REG_LVT_TIMER, 0x30);
	wr(VLAPIC_REG_TIMER_DCR, 0xb); /* divide by 1 */
	/* the initial count arms the timer */
	assert_int_equal(aw(VLAPIC_REG_TIMER_ICR, 1000), 0);
	assert_int_equal(env.n_timer, 1);
	assert_int_equal(env.timer[0], T0 + 1000);
	env.tsc = T0 + 400;
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 600);
	/* a new divider rescales the count from where it is */
	assert_int_equal(aw(VLAPIC_REG_TIMER_DCR, 0xfffffff1), 0);
	assert_int_equal(pg(VLAPIC_REG_TIMER_DCR), 0x1);
	assert_int_equal(env.n_timer, 2);
	assert_int_equal(env.timer[1], T0 + 400 + 600 * 4);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 600);
	/* the old divider is the model's, not the page's: a clean value */
	env.tsc += 40; /* 10 counts at divide 4 */
	assert_int_equal(aw(VLAPIC_REG_TIMER_DCR, 0x3), 0);
	assert_int_equal(env.n_timer, 3);
	assert_int_equal(env.timer[2], env.tsc + 590 * 16);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 590);
	/* one-shot -> periodic: neither stops nor restarts */
	assert_int_equal(aw(VLAPIC_REG_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0x30),
			 0);
	assert_int_equal(env.n_timer, 3);
	/* -> TSC-deadline: stops the count, clears the initial count */
	assert_int_equal(aw(VLAPIC_REG_LVT_TIMER,
			    VLAPIC_TIMER_TSC_DEADLINE | 0x30),
			 0);
	assert_int_equal(env.n_timer, 4);
	assert_int_equal(env.timer[3], 0);
	assert_int_equal(pg(VLAPIC_REG_TIMER_ICR), 0);
	assert_int_equal(rd(VLAPIC_REG_TIMER_CCR), 0);
	/* an initial count is ignored there: the page word goes back */
	assert_int_equal(aw(VLAPIC_REG_TIMER_ICR, 55), 0);
	assert_int_equal(pg(VLAPIC_REG_TIMER_ICR), 0);
	assert_int_equal(env.n_timer, 4);
	vlapic_set_tsc_deadline(&a, T0 + 5000);
	assert_int_equal(env.n_timer, 5);
	/* leaving TSC-deadline mode disarms */
	assert_int_equal(aw(VLAPIC_REG_LVT_TIMER, 0x30), 0);
	assert_int_equal(env.n_timer, 6);
	assert_int_equal(env.timer[5], 0);
	assert_int_equal(vlapic_tsc_deadline(&a), 0);
	/* reserved bits are dropped in the page */
	assert_int_equal(aw(VLAPIC_REG_LVT_TIMER, 0xfff800ff), 0);
	assert_int_equal(pg(VLAPIC_REG_LVT_TIMER), 0x000000ff);
	assert_int_equal(rd(VLAPIC_REG_LVT_TIMER), 0xff);
}

static void test_apicv_write_svr_esr(void **state)
{
	sw_enable();
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		wr(VLAPIC_REG_LVT_TIMER + 16 * i, 0x40 + i);
	/* the guest's write is in the page, its exit still to come: the SVR
	 * in effect is the old one until then */
	*vlapic_reg(&a, VLAPIC_REG_SVR) = 0xff;
	vlapic_accept_irq(&a, 0x90, false);
	assert_true(irr(0x90));
	/* clearing bit 8 software-disables: every LVT masked in the page */
	assert_int_equal(aw(VLAPIC_REG_SVR, 0xfffff0ff), 0);
	assert_int_equal(pg(VLAPIC_REG_SVR), 0xff);
	for (unsigned i = 0; i < VLAPIC_NR_LVT; i++)
		assert_int_equal(pg(VLAPIC_REG_LVT_TIMER + 16 * i),
				 0x10040 + i);
	assert_int_equal(vlapic_pending_vector(&a), -1);
	vlapic_accept_irq(&a, 0x91, false);
	assert_false(irr(0x91));
	/* an LVT unmasked while disabled stays masked */
	assert_int_equal(aw(VLAPIC_REG_LVT_LINT1, 0x44), 0);
	assert_int_equal(pg(VLAPIC_REG_LVT_LINT1), 0x10044);
	/* re-enabling */
	unsigned kicks = env.kicks;
	assert_int_equal(aw(VLAPIC_REG_SVR, 0x1ff), 0);
	assert_int_equal(vlapic_pending_vector(&a), 0x90);
	assert_int_equal(env.kicks, kicks + 1);
	/* ESR: the write latches the errors since the last one */
	vlapic_accept_irq(&a, 3, false);
	assert_int_equal(pg(VLAPIC_REG_ESR), 0);
	assert_int_equal(aw(VLAPIC_REG_ESR, 0xffffffff), 0);
	assert_int_equal(pg(VLAPIC_REG_ESR), VLAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(aw(VLAPIC_REG_ESR, 0), 0);
	assert_int_equal(pg(VLAPIC_REG_ESR), 0);
}

static void test_apicv_write_masks(void **state)
{
	static const struct mask_case cases[] = {
		{ VLAPIC_REG_ID, 3u << 24, 3u << 24 }, /* read-only */
		{ VLAPIC_REG_TPR, 0xff, 0 },
		{ VLAPIC_REG_LDR, 0xff000000, 0 },
		{ VLAPIC_REG_DFR, 0xffffffff, 0x0fffffff },
		{ VLAPIC_REG_SVR, 0x3ff, 0 },
		{ VLAPIC_REG_ICR_HI, 0xff000000, 0 },
		{ VLAPIC_REG_LVT_TIMER, 0x700ff, 0 },
		{ VLAPIC_REG_LVT_THERMAL, 0x107ff, 0 },
		{ VLAPIC_REG_LVT_PERF, 0x107ff, 0 },
		{ VLAPIC_REG_LVT_LINT0, 0x1a7ff, 0 },
		{ VLAPIC_REG_LVT_LINT1, 0x1a7ff, 0 },
		{ VLAPIC_REG_LVT_ERROR, 0x100ff, 0 },
		{ VLAPIC_REG_TIMER_DCR, 0xb, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct mask_case *c = &cases[i];

		sw_enable();
		assert_int_equal(aw(c->off, 0xffffffff), 0);
		if (pg(c->off) != c->after_ones || rd(c->off) != c->after_ones)
			fail_msg("reg %#x after ~0: %#x, want %#x", c->off,
				 pg(c->off), c->after_ones);
		if (c->off == VLAPIC_REG_SVR)
			continue;
		assert_int_equal(aw(c->off, 0), 0);
		if (pg(c->off) != c->after_zero)
			fail_msg("reg %#x after 0: %#x, want %#x", c->off,
				 pg(c->off), c->after_zero);
	}
	/* TPR writes update PPR; EOI is a normal EOI, and reads 0 */
	wr(VLAPIC_REG_TPR, 0);
	vlapic_accept_irq(&a, 0x61, true);
	deliver(0x61);
	assert_int_equal(aw(VLAPIC_REG_TPR, 0x7f), 0);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x7f);
	assert_int_equal(aw(VLAPIC_REG_TPR, 0x10), 0);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x60);
	assert_int_equal(aw(VLAPIC_REG_EOI, 0x1234), 0);
	assert_false(isr(0x61));
	assert_int_equal(pg(VLAPIC_REG_EOI), 0);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x10);
	assert_int_equal(env.n_eoi, 1);
	assert_int_equal(env.eoi[0], 0x61);
	/* none of it was an error */
	assert_int_equal(esr(), 0);
}

static void test_apicv_write_not_writable(void **state)
{
	static const uint32_t bad[] = {
		VLAPIC_REG_VERSION, VLAPIC_REG_APR, VLAPIC_REG_PPR,
		VLAPIC_REG_RRD, VLAPIC_REG_ISR, VLAPIC_REG_TMR + 0x70,
		VLAPIC_REG_IRR + 0x10, VLAPIC_REG_TIMER_CCR, 0x000, 0x010,
		0x2f0, 0x3f0,
	};
	static const uint32_t outside[] = { 0x84, 0x301, 0x400, 0xff0,
					    0x1000 };

	sw_enable();
	wr(VLAPIC_REG_TPR, 0x20);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		if (aw(bad[i], 0x5a5a5a5a) != -EINVAL)
			fail_msg("offset %#x accepted", bad[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(outside); i++)
		assert_int_equal(vlapic_apicv_write(&a, outside[i]), -EINVAL);
	/* what the model knows goes back; no error is logged */
	assert_int_equal(pg(VLAPIC_REG_VERSION), 0x50014);
	assert_int_equal(pg(VLAPIC_REG_APR), 0);
	assert_int_equal(pg(VLAPIC_REG_RRD), 0);
	assert_int_equal(pg(VLAPIC_REG_PPR), 0x20);
	assert_int_equal(esr(), 0);
	/* x2APIC: a #GP-worthy write is refused and undone */
	to_x2apic();
	mwr(0x835, 0x700);
	assert_int_equal(aw(VLAPIC_REG_LVT_LINT0, 0x20700), -EINVAL);
	assert_int_equal(pg(VLAPIC_REG_LVT_LINT0), 0x700);
	assert_int_equal(aw(VLAPIC_REG_SVR, 0x11ff), -EINVAL);
	assert_int_equal(pg(VLAPIC_REG_SVR), 0x1ff);
	assert_int_equal(aw(VLAPIC_REG_TIMER_DCR, 0x4), -EINVAL);
	assert_int_equal(pg(VLAPIC_REG_TIMER_DCR), 0);
	assert_int_equal(aw(VLAPIC_REG_ID, 7), -EINVAL);
	assert_int_equal(pg(VLAPIC_REG_ID), ID);
	assert_int_equal(aw(VLAPIC_REG_LDR, 7), -EINVAL);
	assert_int_equal(pg(VLAPIC_REG_LDR), 0x00000008);
	assert_int_equal(aw(VLAPIC_REG_EOI, 1), -EINVAL);
	assert_int_equal(pg(VLAPIC_REG_EOI), 0);
	assert_int_equal(aw(VLAPIC_REG_DFR, 0), -EINVAL);
	/* the x2APIC forms that are legal */
	assert_int_equal(aw(VLAPIC_REG_TPR, 0x30), 0);
	assert_int_equal(mrd(0x808), 0x30);
	assert_int_equal(aw(VLAPIC_REG_SELF_IPI, 0x66), 0);
	assert_true(irr(0x66));
	/* a hardware-disabled APIC has no registers */
	mwr(0x1b, 0xfee00000 | VLAPIC_BASE_BSP);
	assert_int_equal(aw(VLAPIC_REG_TPR, 0x30), -EINVAL);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_power_up_values),
		T(test_xapic_write_masks),
		T(test_unimplemented_registers),
		T(test_mmio_odd_accesses),
		T(test_sw_disable_masks_lvts),
		T(test_ppr),
		T(test_nested_priorities),
		T(test_pending_tpr_svr_disable),
		T(test_kick_exactly),
		T(test_level_eoi_callback),
		T(test_illegal_vectors_and_esr),
		T(test_error_interrupt),
		T(test_icr_decoding),
		T(test_icr_x2apic),
		T(test_self_ipi),
		T(test_x2apic_msrs_need_x2apic_mode),
		T(test_x2apic_registers),
		T(test_x2apic_gp_cases),
		T(test_apic_base_transitions),
		T(test_apic_base_bits),
		T(test_disable_reenable_resets),
		T(test_init_reset),
		T(test_match_physical),
		T(test_match_logical_xapic),
		T(test_match_logical_x2apic),
		T(test_ipi_match_shorthands),
		T(test_timer_one_shot),
		T(test_timer_periodic_no_drift),
		T(test_timer_divide_values),
		T(test_timer_divide_change_while_running),
		T(test_timer_masked_and_mode_change),
		T(test_timer_tsc_deadline),
		T(test_lint_modes),
		T(test_lint_fixed_level),
		T(test_lint_hw_disabled),
		T(test_no_callbacks),
		T(test_page_after_init),
		T(test_page_after_writes),
		T(test_page_x2apic_and_reset),
		T(test_accept_goes_to_irr_in),
		T(test_pending_and_ack_across_irr),
		T(test_highest_isr_irr),
		T(test_apicv_kicks_every_new_bit),
		T(test_apicv_eoi),
		T(test_apicv_eoi_lint_level),
		T(test_cpu_changes_tpr_isr),
		T(test_set_tpr),
		T(test_apicv_write_icr),
		T(test_apicv_write_timer),
		T(test_apicv_write_svr_esr),
		T(test_apicv_write_masks),
		T(test_apicv_write_not_writable),
	};

	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
