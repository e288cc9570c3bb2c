/* SPDX-License-Identifier: MIT */
/*
 * vmx/controls.c: the controls every vCPU runs with, computed from the
 * capability MSRs (SDM Vol. 3D, Appendix A). The MSR values are built
 * like a Haswell desktop part's (Core i7-4770, which Bochs models), with
 * the TRUE_ control MSRs: allowed-0 settings low, allowed-1 high.
 */
#include "unit.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "vmx/controls.h"
#include "vmx/vmcs.h"

#define CR0_PE (1ull << 0)
#define CR0_NE (1ull << 5)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_UMIP (1ull << 11)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE (1ull << 22)

#define EXC_AC (1u << 17)

/* IA32_VMX_BASIC: revision 0x12, a VMCS of 0x400 bytes in WB memory,
 * INS/OUTS information (54), TRUE_ controls (55). */
#define BASIC (0x12ull | 0x400ull << 32 | 6ull << 50 | 1ull << 54 | 1ull << 55)

/* Must-be-1 (allowed-0) halves. */
#define PIN_MUST 0x00000016u
#define PROC_MUST 0x04006172u
#define EXIT_MUST 0x00036dfbu
#define ENTRY_MUST 0x000011fbu

static uint64_t ctl(uint32_t must1, uint32_t may1)
{
	return (uint64_t)may1 << 32 | must1;
}

static struct vmx_msrs haswell(void)
{
	return (struct vmx_msrs){
		.basic = BASIC,
		.pin = ctl(PIN_MUST, 0x0000007f),
		.proc = ctl(PROC_MUST, 0xfff9fffe),
		.proc2 = ctl(0, 0x000037ff),
		.exit = ctl(EXIT_MUST, 0x007fffff),
		.entry = ctl(ENTRY_MUST, 0x0000ffff),
		.misc = 0x300481e5, /* preemption timer: TSC >> 5 */
		.ept_vpid = 0x00000f0106734141ull,
		.cr0_fixed0 = 0x80000021,
		.cr0_fixed1 = 0xffffffff,
		.cr4_fixed0 = 0x2000,
		.cr4_fixed1 = 0x3767ff,
	};
}

/* Clears bits from a control MSR's allowed-1 half. */
static void forbid(uint64_t *msr, uint32_t bits)
{
	*msr &= ~((uint64_t)bits << 32);
}

static void compute_ok(const struct vmx_msrs *m, struct vmx_controls *c)
{
	char err[128] = "untouched";
	int r = vmx_controls_compute(m, c, err, sizeof(err));

	if (r)
		fail_msg("error %d: %s", r, err);
	assert_string_equal(err, "untouched");
}

static void assert_refused(const struct vmx_msrs *m, const char *msg)
{
	struct vmx_controls c;
	char err[128] = "";

	assert_int_equal(vmx_controls_compute(m, &c, err, sizeof(err)), -ENODEV);
	assert_string_equal(err, msg);
}

/* ---- a CPU with everything ----------------------------------------------- */

static void test_haswell(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;

	memset(&c, 0xa5, sizeof(c));
	compute_ok(&m, &c);
	assert_int_equal(c.pin, PIN_MUST | PIN_EXT_INTR_EXIT | PIN_NMI_EXIT |
					PIN_VIRTUAL_NMI | PIN_PREEMPT_TIMER);
	assert_int_equal(c.proc,
			 PROC_MUST | PROC_HLT_EXIT | PROC_IO_BITMAPS |
				 PROC_MSR_BITMAPS | PROC_SECONDARY |
				 PROC_TSC_OFFSET | PROC_MOV_DR_EXIT |
				 PROC_TPR_SHADOW | PROC_MWAIT_EXIT |
				 PROC_MONITOR_EXIT | PROC_RDPMC_EXIT);
	/* not asked for: CR3 exits, RDTSC/INVLPG exiting, CR8 exits (the
	 * TPR shadow virtualizes CR8), unconditional I/O exiting, windows,
	 * MTF, PAUSE exiting */
	assert_int_equal(c.proc & (PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT |
				   PROC_RDTSC_EXIT | PROC_INVLPG_EXIT |
				   PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT |
				   PROC_UNCOND_IO_EXIT |
				   PROC_INTR_WINDOW | PROC_NMI_WINDOW |
				   PROC_MTF | PROC_PAUSE_EXIT),
			 0);
	assert_int_equal(c.proc2, PROC2_EPT | PROC2_UNRESTRICTED | PROC2_VPID |
					  PROC2_RDTSCP | PROC2_INVPCID |
					  PROC2_VIRT_APIC_ACCESS |
					  PROC2_APIC_REG_VIRT |
					  PROC2_VIRT_INTR_DELIVERY);
	assert_true(c.apicv);
	assert_int_equal(c.exit, EXIT_MUST | EXIT_CTL_HOST_64 | EXIT_CTL_ACK_INTR |
					 EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER |
					 EXIT_CTL_SAVE_PAT | EXIT_CTL_LOAD_PAT |
					 EXIT_CTL_SAVE_PREEMPT_TIMER);
	assert_int_equal(c.entry, ENTRY_MUST | ENTRY_CTL_LOAD_EFER |
					  ENTRY_CTL_LOAD_PAT);
	/* IA-32e mode is the guest's choice, set per entry */
	assert_int_equal(c.entry & ENTRY_CTL_IA32E, 0);
	assert_int_equal(c.exception_bitmap, EXC_AC);
	assert_true(c.preempt_timer);
	assert_true(c.save_timer);
	assert_int_equal(c.preempt_shift, 5);
	assert_true(c.vpid);
	assert_true(c.ept_1g);
	assert_true(c.rdtscp);
	assert_true(c.invpcid);
}

/* The same values, written out as numbers. */
static void test_haswell_literal_values(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;

	compute_ok(&m, &c);
	assert_int_equal(c.pin, 0x7f);
	assert_int_equal(c.proc, 0xb6a06dfa);
	assert_int_equal(c.proc2, 0x13ab);
	assert_int_equal(c.exit, 0x007feffb);
	assert_int_equal(c.entry, 0x0000d1fb);
}

static void test_cr_masks(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;
	const uint64_t owned = CR0_PE | CR0_PG | CR0_CD | CR0_NW | CR0_NE;

	compute_ok(&m, &c);
	/* unrestricted guest: PE and PG are not fixed for the guest */
	assert_int_equal(c.cr0_fixed0, CR0_NE);
	assert_int_equal(c.cr0_fixed1, 0xffffffff);
	assert_int_equal(c.cr4_fixed0, CR4_VMXE);
	assert_int_equal(c.cr4_fixed1, 0x3767ff);
	assert_int_equal(c.cr0_mask & owned, owned);
	assert_int_equal(c.cr0_mask, owned);

	/* the guest owns the CR4 bits the CPU has, less VMXE/SMXE */
	assert_int_equal(c.cr4_guest_allowed, 0x3707ff);
	assert_int_equal(c.cr4_mask, ~0x3707ffull);
	assert_true(c.cr4_mask & CR4_VMXE);
	assert_true(c.cr4_mask & CR4_SMXE);
	assert_false(c.cr4_mask & (CR4_PSE | CR4_PAE | CR4_OSXSAVE |
				   CR4_FSGSBASE | CR4_SMEP | CR4_SMAP));
	/* bits this CPU lacks stay the hypervisor's: UMIP, PKE */
	assert_true(c.cr4_mask & CR4_UMIP);
	assert_true(c.cr4_mask & CR4_PKE);

	/* a CPU with UMIP and without SMAP */
	m.cr4_fixed1 = (0x3767ff | CR4_UMIP) & ~CR4_SMAP;
	compute_ok(&m, &c);
	assert_false(c.cr4_mask & CR4_UMIP);
	assert_true(c.cr4_mask & CR4_SMAP);
	assert_int_equal(c.cr4_guest_allowed, (0x3707ff | CR4_UMIP) & ~CR4_SMAP);

	/* a CR0 bit fixed to 0 is the hypervisor's too */
	m = haswell();
	m.cr0_fixed1 = 0xffffffff & ~CR0_AM;
	compute_ok(&m, &c);
	assert_int_equal(c.cr0_mask, owned | CR0_AM);
	assert_int_equal(c.cr0_fixed1, 0xffffffff & ~CR0_AM);
}

/* ---- must-be-1 bits ------------------------------------------------------ */

static void test_must_be_one_bits_kept(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;

	/* older CPUs without TRUE_ MSRs force CR3 exiting (bits 15, 16) and
	 * more; whatever allowed-0 says is set */
	m.basic &= ~(1ull << 55);
	m.proc = ctl(0x0401e172, 0xfff9fffe);
	m.exit = ctl(0x00036dff, 0x007fffff);
	m.entry = ctl(0x000011ff, 0x0000ffff);
	m.pin = ctl(0x16 | PIN_VIRTUAL_NMI, 0x7f);
	compute_ok(&m, &c);
	assert_int_equal(c.proc & 0x0401e172, 0x0401e172);
	assert_true(c.proc & PROC_CR3_LOAD_EXIT);
	assert_true(c.proc & PROC_CR3_STORE_EXIT);
	assert_int_equal(c.exit & 0x00036dff, 0x00036dff);
	assert_true(c.exit & EXIT_CTL_SAVE_DEBUG);
	assert_int_equal(c.entry & 0x000011ff, 0x000011ff);
	assert_true(c.entry & ENTRY_CTL_LOAD_DEBUG);
	assert_int_equal(c.pin, 0x7f);
	/* a forced bit in the secondary controls is kept too */
	m.proc2 = ctl(PROC2_WBINVD_EXIT, 0x37ff);
	compute_ok(&m, &c);
	assert_true(c.proc2 & PROC2_WBINVD_EXIT);
}

/* ---- what the hypervisor needs ------------------------------------------- */

static void test_needs_ept(void **state)
{
	struct vmx_msrs m = haswell();

	forbid(&m.proc2, PROC2_EPT);
	assert_refused(&m, "the CPU lacks EPT, which guests need");
	/* without EPT or VPID the capability MSR means nothing either */
	forbid(&m.proc2, PROC2_VPID);
	assert_refused(&m, "the CPU lacks 4-level write-back EPT, which guests "
			   "need");
	/* no secondary controls at all (a Core 2) */
	m = haswell();
	forbid(&m.proc, PROC_SECONDARY);
	assert_refused(&m, "the CPU lacks 4-level write-back EPT, which guests "
			   "need");
	/* EPT without a 4-level walk or write-back tables */
	m = haswell();
	m.ept_vpid &= ~EPT_CAP_WB;
	assert_refused(&m, "the CPU lacks 4-level write-back EPT, which guests "
			   "need");
	m = haswell();
	m.ept_vpid &= ~EPT_CAP_WALK4;
	assert_refused(&m, "the CPU lacks 4-level write-back EPT, which guests "
			   "need");
}

static void test_needs_unrestricted_guest(void **state)
{
	struct vmx_msrs m = haswell();

	forbid(&m.proc2, PROC2_UNRESTRICTED);
	assert_refused(&m, "the CPU lacks unrestricted guest, which guests need");
}

static void test_needs_primary_controls(void **state)
{
	static const uint32_t needed[] = { PROC_HLT_EXIT, PROC_IO_BITMAPS,
					   PROC_MSR_BITMAPS, PROC_TSC_OFFSET,
					   PROC_MOV_DR_EXIT, PROC_CR8_LOAD_EXIT,
					   PROC_CR8_STORE_EXIT };

	for (unsigned i = 0; i < ARRAY_SIZE(needed); i++) {
		struct vmx_msrs m = haswell();

		forbid(&m.proc, needed[i]);
		assert_refused(&m, "the CPU lacks I/O and MSR bitmaps or HLT "
				   "exiting, which guests need");
	}
}

static void test_needs_pin_controls(void **state)
{
	struct vmx_msrs m = haswell();

	forbid(&m.pin, PIN_EXT_INTR_EXIT);
	assert_refused(&m, "the CPU lacks external-interrupt/NMI exiting, which "
			   "guests need");
	m = haswell();
	forbid(&m.pin, PIN_NMI_EXIT);
	assert_refused(&m, "the CPU lacks external-interrupt/NMI exiting, which "
			   "guests need");
}

static void test_needs_exit_and_entry_controls(void **state)
{
	static const uint32_t exit_needed[] = {
		EXIT_CTL_HOST_64,   EXIT_CTL_ACK_INTR, EXIT_CTL_SAVE_EFER,
		EXIT_CTL_LOAD_EFER, EXIT_CTL_SAVE_PAT, EXIT_CTL_LOAD_PAT,
	};
	struct vmx_msrs m;

	for (unsigned i = 0; i < ARRAY_SIZE(exit_needed); i++) {
		m = haswell();
		forbid(&m.exit, exit_needed[i]);
		assert_refused(&m, "the CPU lacks EFER/PAT switching on VM exit, "
				   "which guests need");
	}
	m = haswell();
	forbid(&m.entry, ENTRY_CTL_LOAD_EFER);
	assert_refused(&m, "the CPU lacks EFER/PAT loading on VM entry, which "
			   "guests need");
	m = haswell();
	forbid(&m.entry, ENTRY_CTL_LOAD_PAT);
	assert_refused(&m, "the CPU lacks EFER/PAT loading on VM entry, which "
			   "guests need");
}

static void test_error_message_truncated(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;
	char err[12];

	memset(err, '#', sizeof(err));
	forbid(&m.proc2, PROC2_EPT);
	assert_int_equal(vmx_controls_compute(&m, &c, err, 10), -ENODEV);
	assert_string_equal(err, "the CPU l");
	assert_int_equal(err[10], '#');
	assert_int_equal(vmx_controls_compute(&m, &c, NULL, 0), -ENODEV);
}

/* ---- what it takes when offered ------------------------------------------ */

static void test_preemption_timer_optional(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;

	forbid(&m.pin, PIN_PREEMPT_TIMER);
	compute_ok(&m, &c);
	assert_false(c.preempt_timer);
	assert_int_equal(c.pin & PIN_PREEMPT_TIMER, 0);
	assert_true(c.save_timer); /* decided on its own */

	m = haswell();
	forbid(&m.exit, EXIT_CTL_SAVE_PREEMPT_TIMER);
	compute_ok(&m, &c);
	assert_true(c.preempt_timer);
	assert_false(c.save_timer);
	assert_int_equal(c.exit & EXIT_CTL_SAVE_PREEMPT_TIMER, 0);

	/* virtual NMIs likewise */
	m = haswell();
	forbid(&m.pin, PIN_VIRTUAL_NMI);
	compute_ok(&m, &c);
	assert_int_equal(c.pin, PIN_MUST | PIN_EXT_INTR_EXIT | PIN_NMI_EXIT |
					PIN_PREEMPT_TIMER);
}

static void test_vpid_needs_invvpid(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;

	/* no INVVPID */
	m.ept_vpid &= ~VPID_CAP_INVVPID;
	compute_ok(&m, &c);
	assert_false(c.vpid);
	assert_int_equal(c.proc2 & PROC2_VPID, 0);
	/* INVVPID without the single-context type */
	m = haswell();
	m.ept_vpid &= ~VPID_CAP_SINGLE;
	compute_ok(&m, &c);
	assert_false(c.vpid);
	assert_int_equal(c.proc2 & PROC2_VPID, 0);
	/* all-context alone is not enough either */
	m = haswell();
	m.ept_vpid &= ~(VPID_CAP_SINGLE | VPID_CAP_ADDR);
	assert_true(m.ept_vpid & VPID_CAP_ALL);
	compute_ok(&m, &c);
	assert_false(c.vpid);
	/* no VPID control */
	m = haswell();
	forbid(&m.proc2, PROC2_VPID);
	compute_ok(&m, &c);
	assert_false(c.vpid);
	assert_int_equal(c.proc2 & ~(PROC2_VIRT_APIC_ACCESS |
				     PROC2_APIC_REG_VIRT |
				     PROC2_VIRT_INTR_DELIVERY),
			 PROC2_EPT | PROC2_UNRESTRICTED | PROC2_RDTSCP |
				 PROC2_INVPCID);
}

/* APIC virtualization needs all four controls; with any missing, the
 * trap path: no TPR shadow, no APIC controls, CR8 exits. */
static void assert_trap_path(const struct vmx_controls *c)
{
	assert_false(c->apicv);
	assert_int_equal(c->proc & PROC_TPR_SHADOW, 0);
	assert_int_equal(c->proc & (PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT),
			 PROC_CR8_LOAD_EXIT | PROC_CR8_STORE_EXIT);
	assert_int_equal(c->proc2 & (PROC2_VIRT_APIC_ACCESS |
				     PROC2_APIC_REG_VIRT |
				     PROC2_VIRT_INTR_DELIVERY), 0);
}

static void test_apicv_all_or_nothing(void **state)
{
	static const uint32_t proc2_bits[] = { PROC2_VIRT_APIC_ACCESS,
					       PROC2_APIC_REG_VIRT,
					       PROC2_VIRT_INTR_DELIVERY };
	struct vmx_msrs m;
	struct vmx_controls c;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(proc2_bits); i++) {
		m = haswell();
		forbid(&m.proc2, proc2_bits[i]);
		compute_ok(&m, &c);
		assert_trap_path(&c);
		assert_true(c.vpid); /* the rest is unaffected */
	}
	m = haswell();
	forbid(&m.proc, PROC_TPR_SHADOW);
	compute_ok(&m, &c);
	assert_trap_path(&c);
	/* the apicv=off option */
	m = haswell();
	compute_ok(&m, &c);
	assert_true(c.apicv);
	vmx_controls_no_apicv(&c);
	assert_trap_path(&c);
	assert_int_equal(c.proc2, PROC2_EPT | PROC2_UNRESTRICTED | PROC2_VPID |
					  PROC2_RDTSCP | PROC2_INVPCID);
}

static void test_secondary_extras_optional(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;

	forbid(&m.proc2, PROC2_RDTSCP);
	compute_ok(&m, &c);
	assert_false(c.rdtscp);
	assert_true(c.invpcid);
	assert_int_equal(c.proc2 & PROC2_RDTSCP, 0);

	m = haswell();
	forbid(&m.proc2, PROC2_INVPCID);
	compute_ok(&m, &c);
	assert_true(c.rdtscp);
	assert_false(c.invpcid);
	assert_int_equal(c.proc2 & PROC2_INVPCID, 0);

	/* the least a CPU may offer: EPT and unrestricted guest */
	m = haswell();
	m.proc2 = ctl(0, PROC2_EPT | PROC2_UNRESTRICTED);
	m.ept_vpid &= ~EPT_CAP_1G;
	compute_ok(&m, &c);
	assert_int_equal(c.proc2, PROC2_EPT | PROC2_UNRESTRICTED);
	assert_false(c.vpid);
	assert_false(c.rdtscp);
	assert_false(c.invpcid);
	assert_false(c.ept_1g);
}

static void test_primary_extras_optional(void **state)
{
	struct vmx_msrs m = haswell();
	struct vmx_controls c;

	forbid(&m.proc, PROC_MWAIT_EXIT | PROC_MONITOR_EXIT | PROC_RDPMC_EXIT);
	compute_ok(&m, &c);
	assert_int_equal(c.proc & (PROC_MWAIT_EXIT | PROC_MONITOR_EXIT |
				   PROC_RDPMC_EXIT),
			 0);
	assert_true(c.proc & PROC_HLT_EXIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_haswell),
		cmocka_unit_test(test_haswell_literal_values),
		cmocka_unit_test(test_cr_masks),
		cmocka_unit_test(test_must_be_one_bits_kept),
		cmocka_unit_test(test_needs_ept),
		cmocka_unit_test(test_needs_unrestricted_guest),
		cmocka_unit_test(test_needs_primary_controls),
		cmocka_unit_test(test_needs_pin_controls),
		cmocka_unit_test(test_needs_exit_and_entry_controls),
		cmocka_unit_test(test_error_message_truncated),
		cmocka_unit_test(test_preemption_timer_optional),
		cmocka_unit_test(test_vpid_needs_invvpid),
		cmocka_unit_test(test_secondary_extras_optional),
		cmocka_unit_test(test_apicv_all_or_nothing),
		cmocka_unit_test(test_primary_extras_optional),
	};

	return cmocka_run_group_tests_name("controls", tests, NULL, NULL);
}
