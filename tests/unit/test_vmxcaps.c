/* SPDX-License-Identifier: MIT */
/* vmx/caps.c: IA32_FEATURE_CONTROL, VMX capability MSR decoding, report. */
#include "unit.h"

#include "vmx/caps.h"

/* ---- IA32_FEATURE_CONTROL -------------------------------------------------- */

static void test_feature_control_action(void **state)
{
	assert_int_equal(vmx_feature_control_action(0), VMX_FC_LOCK);
	assert_int_equal(vmx_feature_control_action(5), VMX_FC_READY);
	assert_int_equal(vmx_feature_control_action(1), VMX_FC_DISABLED);
	assert_int_equal(vmx_feature_control_action(3), VMX_FC_DISABLED);
	/* unlocked, whatever else is set: we lock it ourselves */
	assert_int_equal(vmx_feature_control_action(4), VMX_FC_LOCK);
	assert_int_equal(vmx_feature_control_action(6), VMX_FC_LOCK);
	assert_int_equal(vmx_feature_control_action(0xff00), VMX_FC_LOCK);
	/* locked with VMX outside SMX on, other bits (SENTER, SGX, LMCE) too */
	assert_int_equal(vmx_feature_control_action(7), VMX_FC_READY);
	assert_int_equal(vmx_feature_control_action(0x7f05), VMX_FC_READY);
	assert_int_equal(vmx_feature_control_action(0x100005), VMX_FC_READY);
	assert_int_equal(vmx_feature_control_action(0xffffffffffffffffull),
			 VMX_FC_READY);
	/* locked, VMX only inside SMX, or other bits only */
	assert_int_equal(vmx_feature_control_action(0x7f03), VMX_FC_DISABLED);
	assert_int_equal(vmx_feature_control_action(0xfffffffffffffffbull),
			 VMX_FC_DISABLED);
}

/* ---- decoding ---------------------------------------------------------- */

/* IA32_VMX_BASIC from its fields. */
static uint64_t basic(uint32_t rev, uint32_t size, unsigned memtype,
		      bool true_ctls)
{
	return rev | (uint64_t)size << 32 | (uint64_t)memtype << 50 |
	       (uint64_t)true_ctls << 55;
}

/* A control MSR: allowed-0 settings low, allowed-1 high. */
static uint64_t ctl(uint32_t must1, uint32_t may1)
{
	return (uint64_t)may1 << 32 | must1;
}

static const uint32_t proc2_full = PROC2_VIRT_APIC_ACCESS | PROC2_EPT |
				   PROC2_DESC_TABLE_EXIT | PROC2_RDTSCP |
				   PROC2_VIRT_X2APIC | PROC2_VPID |
				   PROC2_UNRESTRICTED;

static const uint64_t ept_vpid_typical =
	EPT_CAP_EXEC_ONLY | EPT_CAP_WALK4 | EPT_CAP_UC | EPT_CAP_WB |
	EPT_CAP_2M | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE |
	EPT_CAP_INVEPT_ALL | VPID_CAP_INVVPID | VPID_CAP_ADDR |
	VPID_CAP_SINGLE | VPID_CAP_ALL;

/* A machine like a small Intel core. */
static struct vmx_msrs typical_msrs(void)
{
	return (struct vmx_msrs){
		.basic = basic(0x12, 0x400, 6, true) | 1ull << 54,
		.pin = ctl(0x16, 0x16 | PIN_EXT_INTR_EXIT | PIN_NMI_EXIT |
					 PIN_VIRTUAL_NMI | PIN_PREEMPT_TIMER),
		.proc = ctl(0x0401e172, 0xfff9fffe),
		.proc2 = ctl(0, proc2_full),
		.exit = ctl(0x00036dff, 0x003fffff),
		.entry = ctl(0x000011ff, 0x0000ffff),
		.misc = 5 | (4u << 16) | (0u << 25),
		.ept_vpid = ept_vpid_typical,
	};
}

static void test_decode_typical(void **state)
{
	struct vmx_msrs m = typical_msrs();
	struct vmx_caps c;

	memset(&c, 0xa5, sizeof(c));
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.revision, 0x12);
	assert_int_equal(c.vmcs_size, 0x400);
	assert_int_equal(c.vmcs_memtype, 6);
	assert_true(c.true_ctls);
	assert_int_equal(c.pin0, 0x16);
	assert_int_equal(c.pin1, 0x16 | 0x1 | 0x8 | 0x20 | 0x40);
	assert_int_equal(c.proc0, 0x0401e172);
	assert_int_equal(c.proc1, 0xfff9fffe);
	assert_int_equal(c.proc2_1, proc2_full);
	assert_int_equal(c.exit0, 0x00036dff);
	assert_int_equal(c.exit1, 0x003fffff);
	assert_int_equal(c.entry0, 0x000011ff);
	assert_int_equal(c.entry1, 0x0000ffff);
	assert_int_equal(c.ept_vpid, ept_vpid_typical);
	assert_int_equal(c.preempt_shift, 5);
	assert_int_equal(c.cr3_targets, 4);
	assert_int_equal(c.msr_list_max, 512);
	assert_true(vmx_has_proc2(&c, PROC2_EPT));
	assert_true(vmx_has_proc2(&c, PROC2_UNRESTRICTED));
	assert_false(vmx_has_proc2(&c, PROC2_PML));
}

/* Neighbouring bits do not leak into the fields. */
static void test_decode_field_boundaries(void **state)
{
	struct vmx_msrs m = { 0 };
	struct vmx_caps c;

	/* bit 31 (always 0 on hardware), bit 48 (32-bit addresses), bit 54
	 * (INS/OUTS info) and bits 45-47 set around the fields */
	m.basic = 0xffffffffull | 0x1fffull << 32 | 7ull << 45 | 1ull << 48 |
		  1ull << 49 | 0xfull << 50 | 1ull << 54;
	m.misc = 0x1f | 0xe0 | 0x1ffull << 16 | 7ull << 25 | 0xf0000000ull;
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.revision, 0x7fffffff);
	assert_int_equal(c.vmcs_size, 0x1fff);
	assert_int_equal(c.vmcs_memtype, 0xf);
	assert_false(c.true_ctls);
	assert_int_equal(c.preempt_shift, 31);
	assert_int_equal(c.cr3_targets, 511);
	assert_int_equal(c.msr_list_max, 4096);

	m.basic = 1ull << 55;
	m.misc = 0xffff0000ull & ~(0x1ffull << 16) & ~(7ull << 25);
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.revision, 0);
	assert_int_equal(c.vmcs_size, 0);
	assert_int_equal(c.vmcs_memtype, 0);
	assert_true(c.true_ctls);
	assert_int_equal(c.preempt_shift, 0);
	assert_int_equal(c.cr3_targets, 0);
	assert_int_equal(c.msr_list_max, 512);

	m.misc = 3ull << 25;
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.msr_list_max, 2048);
}

/* Without the "activate secondary controls" allowed-1 bit, the secondary
 * controls and the EPT/VPID capabilities mean nothing. */
static void test_decode_without_secondary_controls(void **state)
{
	struct vmx_msrs m = typical_msrs();
	struct vmx_caps c;

	m.proc = ctl(0x0401e172, 0x7ff9fffe);
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.proc1, 0x7ff9fffe);
	assert_int_equal(c.proc2_1, 0);
	assert_int_equal(c.ept_vpid, 0);
	assert_false(vmx_has_proc2(&c, PROC2_EPT));
	assert_false(vmx_has_proc2(&c, PROC2_VPID));

	/* secondary controls, but neither EPT nor VPID */
	m = typical_msrs();
	m.proc2 = ctl(0, PROC2_UNRESTRICTED | PROC2_RDTSCP);
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.proc2_1, PROC2_UNRESTRICTED | PROC2_RDTSCP);
	assert_int_equal(c.ept_vpid, 0);

	/* VPID alone is enough for the capability MSR */
	m.proc2 = ctl(0, PROC2_VPID);
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.ept_vpid, ept_vpid_typical);

	/* the allowed-0 half of the secondary MSR is not the allowed-1 */
	m.proc2 = ctl(PROC2_EPT, 0);
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.proc2_1, 0);
	assert_int_equal(c.ept_vpid, 0);
}

/* ---- the report -------------------------------------------------------- */

static const char typical_report[] =
	"vmx: VMCS revision 0x12, 1024 bytes, memory type WB, true controls "
	"yes\n"
	"vmx: EPT yes: 4-level yes, WB yes, UC yes, 2M pages yes, 1G pages "
	"no, A/D bits no, execute-only yes, INVEPT single yes all yes\n"
	"vmx: VPID yes: INVVPID yes, address yes, single yes, all yes\n"
	"vmx: unrestricted guest yes\n"
	"vmx: preemption timer yes: 1 tick per 2^5 TSC cycles (93750 kHz)\n"
	"vmx: APIC virtualization: TPR shadow yes, APIC accesses yes, x2APIC "
	"mode yes, register virtualization no, virtual-interrupt delivery "
	"no, posted interrupts no\n"
	"vmx: VMCS shadowing no, VM functions no, PML no, EPT #VE no, "
	"monitor trap flag yes, descriptor-table exiting yes, virtual NMIs "
	"yes\n";

static void typical_caps(struct vmx_caps *c)
{
	struct vmx_msrs m = typical_msrs();

	vmx_caps_decode(&m, c);
}

static void test_report_typical(void **state)
{
	struct vmx_caps c;
	char buf[2048];

	typical_caps(&c);
	assert_int_equal(vmx_caps_report(&c, 3000000, buf, sizeof(buf)),
			 (int)strlen(typical_report));
	assert_string_equal(buf, typical_report);
}

static void test_report_ept_line(void **state)
{
	struct vmx_caps c;
	char buf[2048];

	typical_caps(&c);
	vmx_caps_report(&c, 3000000, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nvmx: EPT yes: 4-level yes, WB yes, UC "
				    "yes, 2M pages yes, 1G pages no, A/D bits "
				    "no, execute-only yes, INVEPT single yes "
				    "all yes\n"));
	assert_non_null(strstr(buf, "\nvmx: VPID yes: INVVPID yes, address yes, "
				    "single yes, all yes\n"));
}

/* Each EPT/VPID capability bit turns on its own word and no other. */
static void test_report_each_capability(void **state)
{
	static const uint64_t bits[] = {
		EPT_CAP_WALK4,	    EPT_CAP_WB,	      EPT_CAP_UC,
		EPT_CAP_2M,	    EPT_CAP_1G,	      EPT_CAP_AD,
		EPT_CAP_EXEC_ONLY,  EPT_CAP_INVEPT_SINGLE, EPT_CAP_INVEPT_ALL,
		VPID_CAP_INVVPID,   VPID_CAP_ADDR,    VPID_CAP_SINGLE,
		VPID_CAP_ALL,
	};
	struct vmx_caps c;

	typical_caps(&c);
	for (unsigned i = 0; i <= ARRAY_SIZE(bits); i++) {
		const char *w[ARRAY_SIZE(bits)];
		char buf[2048], expect[512];

		for (unsigned j = 0; j < ARRAY_SIZE(bits); j++)
			w[j] = i == j ? "yes" : "no";
		c.ept_vpid = i < ARRAY_SIZE(bits) ? bits[i] : 0;
		snprintf(expect, sizeof(expect),
			 "\nvmx: EPT yes: 4-level %s, WB %s, UC %s, 2M pages %s, "
			 "1G pages %s, A/D bits %s, execute-only %s, INVEPT "
			 "single %s all %s\nvmx: VPID yes: INVVPID %s, address "
			 "%s, single %s, all %s\n",
			 w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8],
			 w[9], w[10], w[11], w[12]);
		vmx_caps_report(&c, 3000000, buf, sizeof(buf));
		if (!strstr(buf, expect))
			fail_msg("bit %u: expected%s in:\n%s", i, expect, buf);
	}
}

/* Everything off: a CPU with VMX and nothing else. */
static void test_report_minimal(void **state)
{
	static const char expect[] =
		"vmx: VMCS revision 0x1, 4096 bytes, memory type UC, true "
		"controls no\n"
		"vmx: EPT no\n"
		"vmx: VPID no\n"
		"vmx: unrestricted guest no\n"
		"vmx: preemption timer no\n"
		"vmx: APIC virtualization: TPR shadow no, APIC accesses no, "
		"x2APIC mode no, register virtualization no, "
		"virtual-interrupt delivery no, posted interrupts no\n"
		"vmx: VMCS shadowing no, VM functions no, PML no, EPT #VE no, "
		"monitor trap flag no, descriptor-table exiting no, virtual "
		"NMIs no\n";
	struct vmx_msrs m = { .basic = basic(1, 4096, 0, false),
			      .proc2 = ctl(0, 0xffffffff),
			      .ept_vpid = ~0ull };
	struct vmx_caps c;
	char buf[1024];

	vmx_caps_decode(&m, &c);
	assert_int_equal(vmx_caps_report(&c, 2000000, buf, sizeof(buf)),
			 (int)strlen(expect));
	assert_string_equal(buf, expect);
}

static void test_report_everything_on(void **state)
{
	struct vmx_msrs m = {
		.basic = basic(0xabcdef, 0x1000, 6, true),
		.pin = ctl(0, 0xffffffff),
		.proc = ctl(0, 0xffffffff),
		.proc2 = ctl(0, 0xffffffff),
		.misc = 0,
		.ept_vpid = ~0ull,
	};
	struct vmx_caps c;
	char buf[2048];

	vmx_caps_decode(&m, &c);
	vmx_caps_report(&c, 1234567, buf, sizeof(buf));
	assert_null(strstr(buf, " no"));
	assert_non_null(strstr(buf, "vmx: VMCS revision 0xabcdef, 4096 bytes"));
	assert_non_null(strstr(
		buf, "vmx: preemption timer yes: 1 tick per 2^0 TSC cycles "
		     "(1234567 kHz)\n"));
	assert_non_null(strstr(buf, "\nvmx: VMCS shadowing yes, VM functions "
				    "yes, PML yes, EPT #VE yes, monitor trap "
				    "flag yes, descriptor-table exiting yes, "
				    "virtual NMIs yes\n"));
}

/* Every buffer size: the prefix that fits, NUL-terminated, nothing
 * written past size, and the full length returned. */
static void test_report_truncation(void **state)
{
	const size_t len = strlen(typical_report);
	struct vmx_caps c;
	char buf[2048];

	typical_caps(&c);
	for (size_t size = 0; size <= len + 2; size++) {
		memset(buf, 'Z', sizeof(buf));
		assert_int_equal(vmx_caps_report(&c, 3000000, buf, size),
				 (int)len);
		assert_int_equal(buf[size], 'Z');
		if (!size)
			continue;
		size_t kept = size - 1 < len ? size - 1 : len;
		assert_memory_equal(buf, typical_report, kept);
		assert_int_equal(buf[kept], 0);
	}
	assert_int_equal(vmx_caps_report(&c, 3000000, NULL, 0), (int)len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feature_control_action),
		cmocka_unit_test(test_decode_typical),
		cmocka_unit_test(test_decode_field_boundaries),
		cmocka_unit_test(test_decode_without_secondary_controls),
		cmocka_unit_test(test_report_typical),
		cmocka_unit_test(test_report_ept_line),
		cmocka_unit_test(test_report_each_capability),
		cmocka_unit_test(test_report_minimal),
		cmocka_unit_test(test_report_everything_on),
		cmocka_unit_test(test_report_truncation),
	};

	return cmocka_run_group_tests_name("vmxcaps", tests, NULL, NULL);
}
