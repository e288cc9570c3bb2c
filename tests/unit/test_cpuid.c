/* SPDX-License-Identifier: MIT */
/* vmx/cpuid.c: what a guest's CPUID says, edited from the host's. */
#include "unit.h"

#include "include/hv/hypercall.h"
#include "vmx/cpuid.h"

#define BIT(n) (1u << (n))

/* Leaf 1 (SDM Vol. 2A, CPUID, tables 3-10 and 3-11). */
#define ECX_MONITOR BIT(3)
#define ECX_DSCPL BIT(4)
#define ECX_VMX BIT(5)
#define ECX_SMX BIT(6)
#define ECX_EST BIT(7)
#define ECX_TM2 BIT(8)
#define ECX_SSSE3 BIT(9)
#define ECX_SDBG BIT(11)
#define ECX_PDCM BIT(15)
#define ECX_X2APIC BIT(21)
#define ECX_TSC_DEADLINE BIT(24)
#define ECX_XSAVE BIT(26)
#define ECX_OSXSAVE BIT(27)
#define ECX_AVX BIT(28)
#define ECX_HYPERVISOR BIT(31)
#define EDX_FPU BIT(0)
#define EDX_TSC BIT(4)
#define EDX_MCE BIT(7)
#define EDX_APIC BIT(9)
#define EDX_MTRR BIT(12)
#define EDX_MCA BIT(14)
#define EDX_ACPI BIT(22)
#define EDX_SSE2 BIT(26)
#define EDX_HTT BIT(28)
#define EDX_TM BIT(29)
#define EDX_PBE BIT(31)
/* Leaf 7.0 EBX */
#define EBX7_SGX BIT(2)
#define EBX7_BMI1 BIT(3)
#define EBX7_INVPCID BIT(10)
#define EBX7_PT BIT(25)

static const struct cpuid_guest one_vcpu = { 0, 1, false, false, false, 0, 0, false };

static struct cpuid_out ask(uint32_t leaf, uint32_t sub, struct cpuid_out host,
			    const struct cpuid_guest *g)
{
	cpuid_for_guest(leaf, sub, &host, g);
	return host;
}

static void assert_out(struct cpuid_out r, uint32_t eax, uint32_t ebx,
		       uint32_t ecx, uint32_t edx)
{
	if (r.eax != eax || r.ebx != ebx || r.ecx != ecx || r.edx != edx)
		fail_msg("got %08x %08x %08x %08x, expected %08x %08x %08x %08x",
			 r.eax, r.ebx, r.ecx, r.edx, eax, ebx, ecx, edx);
}

/* ---- leaf 1 -------------------------------------------------------------- */

static void test_leaf1_features(void **state)
{
	/* a host with everything on: only the allowed bits stay */
	struct cpuid_out r = ask(1, 0, (struct cpuid_out){ 0x306c3, 0x12345678,
							   0x7ffafbff,
							   0xbfebfbff },
				 &one_vcpu);

	assert_int_equal(r.eax, 0x306c3); /* family/model/stepping */
	assert_true(r.ecx & ECX_HYPERVISOR);
	assert_false(r.ecx & ECX_VMX);
	assert_false(r.ecx & ECX_SMX);
	assert_false(r.ecx & ECX_MONITOR);
	/* the virtual APIC offers x2APIC and TSC-deadline, whatever the host */
	assert_true(r.ecx & ECX_X2APIC);
	assert_true(r.ecx & ECX_TSC_DEADLINE);
	assert_false(r.ecx & ECX_OSXSAVE);
	assert_true(r.ecx & ECX_XSAVE);
	assert_true(r.ecx & ECX_AVX);
	assert_true(r.ecx & ECX_SSSE3);
	/* exactly: host ECX less MONITOR DS-CPL VMX SMX EST TM2 SDBG PDCM
	 * OSXSAVE, plus hypervisor, x2APIC, TSC-deadline */
	assert_int_equal(r.ecx, (0x7ffafbffu & ~(ECX_MONITOR | ECX_DSCPL |
						 ECX_VMX | ECX_SMX | ECX_EST |
						 ECX_TM2 | ECX_SDBG | ECX_PDCM |
						 ECX_OSXSAVE)) |
					ECX_HYPERVISOR | ECX_X2APIC |
					ECX_TSC_DEADLINE);
	/* the APIC bit follows the guest's IA32_APIC_BASE.EN: off here */
	assert_int_equal(r.edx, 0xbfebfbffu & ~(EDX_MCE | EDX_APIC | EDX_MTRR |
						EDX_MCA | EDX_ACPI | EDX_TM |
						EDX_PBE | EDX_HTT));
	assert_true(r.edx & EDX_FPU);
	assert_true(r.edx & EDX_TSC);
	assert_true(r.edx & EDX_SSE2);
	{
		struct cpuid_guest with_apic = one_vcpu;
		with_apic.apic = true;
		r = ask(1, 0, (struct cpuid_out){ 0, 0, 0, 0 }, &with_apic);
		assert_int_equal(r.edx, EDX_APIC); /* even if the host had none */
	}

	/* a host with nothing: what the hypervisor itself provides */
	r = ask(1, 0, (struct cpuid_out){ 0, 0, 0, 0 }, &one_vcpu);
	assert_out(r, 0, 0x00010000,
		   ECX_HYPERVISOR | ECX_X2APIC | ECX_TSC_DEADLINE, 0);
}

static void test_leaf1_osxsave_follows_guest(void **state)
{
	struct cpuid_guest g = one_vcpu;
	struct cpuid_out host = { 0, 0, ECX_XSAVE, 0 };

	uint32_t always = ECX_HYPERVISOR | ECX_X2APIC | ECX_TSC_DEADLINE;

	g.osxsave = true;
	assert_int_equal(ask(1, 0, host, &g).ecx,
			 ECX_XSAVE | ECX_OSXSAVE | always);
	/* the host's own OSXSAVE does not leak */
	g.osxsave = false;
	host.ecx |= ECX_OSXSAVE;
	assert_int_equal(ask(1, 0, host, &g).ecx, ECX_XSAVE | always);
}

static void test_leaf1_apic_id_and_count(void **state)
{
	/* host EBX: APIC ID 0x0e, 16 logical, CLFLUSH 8, brand 0x55 */
	struct cpuid_out host = { 0, 0x0e100855, 0, EDX_HTT | EDX_FPU };
	struct cpuid_guest g = { 5, 8, false, false, false, 0, 0, false };
	struct cpuid_out r = ask(1, 0, host, &g);

	assert_int_equal(r.ebx, 0x05080855);
	assert_int_equal(r.edx, EDX_HTT | EDX_FPU);

	/* one vCPU: no HTT, even if the host has it */
	r = ask(1, 0, host, &one_vcpu);
	assert_int_equal(r.ebx, 0x00010855);
	assert_int_equal(r.edx, EDX_FPU);

	/* two vCPUs: HTT even if the host lacks it */
	g = (struct cpuid_guest){ 1, 2, false, false, false, 0, 0, false };
	host.edx = 0;
	r = ask(1, 0, host, &g);
	assert_int_equal(r.ebx, 0x01020855);
	assert_int_equal(r.edx, EDX_HTT);
}

/* ---- leaf 7 -------------------------------------------------------------- */

static void test_leaf7(void **state)
{
	struct cpuid_out host = { 0, 0xffffffff, 0xffffffff, 0xffffffff };
	struct cpuid_guest g = one_vcpu;
	struct cpuid_out r = ask(7, 0, host, &g);

	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, ~(BIT(1) | EBX7_SGX | EBX7_INVPCID | BIT(12) |
				  BIT(15) | EBX7_PT));
	assert_int_equal(r.ecx, ~(BIT(5) | BIT(30)));
	assert_int_equal(r.edx, ~(BIT(15) | BIT(26) | BIT(27) | BIT(28) |
				  BIT(29) | BIT(31)));
	g.invpcid = true;
	r = ask(7, 0, host, &g);
	assert_int_equal(r.ebx, ~(BIT(1) | EBX7_SGX | BIT(12) | BIT(15) |
				  EBX7_PT));
	/* allowed, but only where the host has it */
	host.ebx = EBX7_BMI1;
	assert_int_equal(ask(7, 0, host, &g).ebx, EBX7_BMI1);
	/* EAX of subleaf 0 (the highest subleaf) passes */
	host.eax = 2;
	assert_int_equal(ask(7, 0, host, &g).eax, 2);
	/* other subleaves: nothing */
	assert_out(ask(7, 1, host, &g), 0, 0, 0, 0);
	assert_out(ask(7, 2, host, &g), 0, 0, 0, 0);
}

/* XSAVES and IA32_XSS are not offered: leaf 0xd.1 EAX bit 3 clears;
 * the rest of leaf 0xd passes (the XSAVE layout is the host's). */
static void test_leafd_no_xsaves(void **state)
{
	struct cpuid_out host = { 0xffffffff, 0x11, 0x22, 0x33 };

	(void)state;
	assert_out(ask(0xd, 1, host, &one_vcpu), ~BIT(3), 0x11, 0x22, 0x33);
	assert_out(ask(0xd, 0, host, &one_vcpu), 0xffffffff, 0x11, 0x22, 0x33);
	assert_out(ask(0xd, 2, host, &one_vcpu), 0xffffffff, 0x11, 0x22, 0x33);
}

/* ---- topology ------------------------------------------------------------ */

static void test_leaf_b_topology(void **state)
{
	struct cpuid_out host = { 0x11, 0x22, 0x33, 0x44 };
	struct cpuid_guest g = { 3, 6, false, false, false, 0, 0, false };

	/* SMT level: 1 thread, shift 0; core level: 6 cores, 3 bits */
	assert_out(ask(0xb, 0, host, &g), 0, 1, 0x100, 3);
	assert_out(ask(0xb, 1, host, &g), 3, 6, 0x201, 3);
	/* beyond: an invalid level, ECX echoing the subleaf */
	assert_out(ask(0xb, 2, host, &g), 0, 0, 2, 3);
	assert_out(ask(0xb, 0x1ff, host, &g), 0, 0, 0xff, 3);
	/* leaf 0x1f is answered the same */
	assert_out(ask(0x1f, 1, host, &g), 3, 6, 0x201, 3);

	/* shifts: 1 → 0, 2 → 1, 8 → 3 */
	g = (struct cpuid_guest){ 0, 1, false, false, false, 0, 0, false };
	assert_out(ask(0xb, 1, host, &g), 0, 1, 0x201, 0);
	g = (struct cpuid_guest){ 1, 2, false, false, false, 0, 0, false };
	assert_out(ask(0xb, 1, host, &g), 1, 2, 0x201, 1);
	g = (struct cpuid_guest){ 7, 8, false, false, false, 0, 0, false };
	assert_out(ask(0xb, 1, host, &g), 3, 8, 0x201, 7);
}

static void test_leaf4_caches(void **state)
{
	/* L1d: type 1, level 1, host says 2 threads share it, 8 cores */
	struct cpuid_out host = { 0x1c004121, 0x01c0003f, 0x3f, 0 };
	struct cpuid_guest g = { 0, 4, false, false, false, 0, 0, false };
	struct cpuid_out r = ask(4, 0, host, &g);

	assert_int_equal(r.eax, 0x0c000121);
	assert_int_equal(r.ebx, 0x01c0003f);
	assert_int_equal(r.ecx, 0x3f);
	/* no more caches: left as it is */
	host.eax = 0;
	assert_int_equal(ask(4, 4, host, &g).eax, 0);
}

/* ---- other leaves -------------------------------------------------------- */

static void test_extended_rdtscp(void **state)
{
	struct cpuid_out host = { 0x80000008u, 0x21, 0x121, 0x2c100800 };
	struct cpuid_guest g = one_vcpu;

	assert_out(ask(0x80000001, 0, host, &g), 0x80000008u, 0x21, 0x121,
		   0x2c100800 & ~BIT(27));
	g.rdtscp = true;
	assert_out(ask(0x80000001, 0, host, &g), 0x80000008u, 0x21, 0x121,
		   0x2c100800);
}

static void test_zeroed_leaves(void **state)
{
	struct cpuid_out host = { 0x40, 0x40, 0x3, 0x1120 };

	assert_out(ask(5, 0, host, &one_vcpu), 0, 0, 0, 0);
	assert_out(ask(6, 0, host, &one_vcpu), 0, 0, 0, 0);
	assert_out(ask(0xa, 0, host, &one_vcpu), 0, 0, 0, 0);
}

static void test_hypervisor_leaves(void **state)
{
	struct cpuid_out host = { 0xdead, 0xbeef, 0xf00d, 0xcafe };
	struct cpuid_out r = ask(0x40000000, 0, host, &one_vcpu);
	char sig[13];

	assert_int_equal(r.eax, 0x40000010);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = 0;
	assert_string_equal(sig, "uHVuHVuHVuHV");
	assert_int_equal(r.ebx, HV_CPUID_SIGNATURE_EBX);

	assert_out(ask(0x40000001, 0, host, &one_vcpu), HV_ABI_VERSION, 0, 0, 0);
	assert_int_equal(HV_ABI_VERSION, 1);
	{ /* EBX counts the VM's resets */
		struct cpuid_guest reset3 = one_vcpu;
		reset3.resets = 3;
		assert_out(ask(0x40000001, 0, host, &reset3), HV_ABI_VERSION, 3,
			   0, 0);
	}
	assert_out(ask(0x40000002, 0, host, &one_vcpu), 0, 0, 0, 0);
	{ /* the timing leaf: TSC and APIC timer rates in kHz */
		struct cpuid_guest timed = one_vcpu;
		timed.tsc_khz = 49997;
		assert_out(ask(0x40000010, 0, host, &timed), 49997, 49997, 0, 0);
	}
	assert_out(ask(0x40000010, 7, host, &one_vcpu), 0, 0, 0, 0);
	assert_out(ask(0x400000ff, 0, host, &one_vcpu), 0, 0, 0, 0);
	/* beyond the hypervisor's range: the host's answer */
	assert_out(ask(0x40000100, 0, host, &one_vcpu), 0xdead, 0xbeef, 0xf00d,
		   0xcafe);
}

static void test_other_leaves_unchanged(void **state)
{
	static const uint32_t leaves[] = { 0, 2, 3, 8, 9, 0xc, 0x14, 0x15,
					   0x16, 0x3fffffff, 0x80000000,
					   0x80000002, 0x80000006, 0x80000008 };
	struct cpuid_out host = { 0x12345678, 0x9abcdef0, 0xffffffff,
				  0x0f0f0f0f };
	struct cpuid_guest g = { 2, 4, true, true, true, 0, 0, false };

	for (unsigned i = 0; i < ARRAY_SIZE(leaves); i++)
		for (uint32_t sub = 0; sub < 3; sub++) {
			struct cpuid_out r = ask(leaves[i], sub, host, &g);

			if (memcmp(&r, &host, sizeof(r)))
				fail_msg("leaf %#x.%u changed", leaves[i], sub);
		}
}

/* The exit handler skips cpuid_for_guest for leaves it does not edit:
 * the two must agree on every leaf. */
static void test_edited_leaves_agree(void **state)
{
	static const uint32_t bases[] = { 0, 0x40000000u, 0x80000000u };
	struct cpuid_guest g = one_vcpu;
	const struct cpuid_out host = { 0x11111111, 0x22222222, 0x33333333,
					0x44444444 };

	(void)state;
	g.n_vcpus = 3; /* so that topology leaves do edit */
	for (unsigned b = 0; b < 3; b++) {
		for (uint32_t leaf = bases[b]; leaf < bases[b] + 0x120; leaf++) {
			struct cpuid_out r = ask(leaf, 0, host, &g);
			bool same = !memcmp(&r, &host, sizeof(r));

			if (!cpuid_leaf_edited(leaf) && !same)
				fail_msg("leaf %#x edited but not listed", leaf);
		}
	}
	assert_true(cpuid_leaf_edited(1));
	assert_true(cpuid_leaf_edited(0x40000010));
	assert_false(cpuid_leaf_edited(0));
	assert_true(cpuid_leaf_edited(0xd));
	assert_false(cpuid_leaf_edited(0x80000008));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1_features),
		cmocka_unit_test(test_leaf1_osxsave_follows_guest),
		cmocka_unit_test(test_leaf1_apic_id_and_count),
		cmocka_unit_test(test_edited_leaves_agree),
		cmocka_unit_test(test_leaf7),
		cmocka_unit_test(test_leafd_no_xsaves),
		cmocka_unit_test(test_leaf_b_topology),
		cmocka_unit_test(test_leaf4_caches),
		cmocka_unit_test(test_extended_rdtscp),
		cmocka_unit_test(test_zeroed_leaves),
		cmocka_unit_test(test_hypervisor_leaves),
		cmocka_unit_test(test_other_leaves_unchanged),
	};

	return cmocka_run_group_tests_name("cpuid", tests, NULL, NULL);
}
