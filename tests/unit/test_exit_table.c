/* SPDX-License-Identifier: MIT */
/*
 * vmx/exit_table.c: every basic exit reason (SDM Vol. 3D, Appendix C) has
 * a handler, the right one, and a name. The handlers are stubs here, each
 * recording that it ran, so the table is checked by calling through it.
 */
#include "unit.h"

#include "vmx/exit.h"

/* ---- the handlers exit_table.c refers to, as distinct stubs -------------- */

enum handler {
	H_NONE,
	H_STOP_VM,
	H_INJECT_UD,
	H_CPUID,
	H_RDMSR,
	H_WRMSR,
	H_CR_ACCESS,
	H_DR_ACCESS,
	H_IO,
	H_VMCALL,
	H_EXCEPTION_NMI,
	H_EXTERNAL_INTERRUPT,
	H_WINDOW,
	H_PREEMPTION_TIMER,
	H_HLT,
	H_XSETBV,
	H_SKIP,
	H_TRIPLE_FAULT,
	H_INIT_SIGNAL,
	H_RDTSC,
	H_RDPMC,
	H_EPT_VIOLATION,
	H_EPT_MISCONFIG,
	H_APIC_ACCESS,
	H_APIC_WRITE,
	H_VIRTUALIZED_EOI,
	H_GDTR_IDTR,
	H_LDTR_TR,
	H_INVLPG,
	H_COUNT
};

static const char *const handler_names[H_COUNT] = {
	"(none)",	     "exit_stop_vm",	   "exit_inject_ud",
	"exit_cpuid",	     "exit_rdmsr",	   "exit_wrmsr",
	"exit_cr_access",    "exit_dr_access",	   "exit_io",
	"exit_vmcall",	     "exit_exception_nmi", "exit_external_interrupt",
	"exit_window",	     "exit_preemption_timer", "exit_hlt",
	"exit_xsetbv",	     "exit_skip",	   "exit_triple_fault",
	"exit_init_signal",  "exit_rdtsc",	   "exit_rdpmc",
	"exit_ept_violation", "exit_ept_misconfig", "exit_apic_access",
	"exit_apic_write",   "exit_virtualized_eoi", "exit_gdtr_idtr",
	"exit_ldtr_tr",      "exit_invlpg",
};

static enum handler ran;
static struct vcpu *ran_vcpu;
static struct guest_regs *ran_regs;

#define STUB(fn, id)                                                  \
	void fn(struct vcpu *v, struct guest_regs *r)                 \
	{                                                             \
		if (ran != H_NONE)                                    \
			fail_msg(#fn " ran after another handler");   \
		ran = id;                                             \
		ran_vcpu = v;                                         \
		ran_regs = r;                                         \
	}

STUB(exit_stop_vm, H_STOP_VM)
STUB(exit_inject_ud, H_INJECT_UD)
STUB(exit_cpuid, H_CPUID)
STUB(exit_rdmsr, H_RDMSR)
STUB(exit_wrmsr, H_WRMSR)
STUB(exit_cr_access, H_CR_ACCESS)
STUB(exit_dr_access, H_DR_ACCESS)
STUB(exit_io, H_IO)
STUB(exit_vmcall, H_VMCALL)
STUB(exit_exception_nmi, H_EXCEPTION_NMI)
STUB(exit_external_interrupt, H_EXTERNAL_INTERRUPT)
STUB(exit_window, H_WINDOW)
STUB(exit_preemption_timer, H_PREEMPTION_TIMER)
STUB(exit_hlt, H_HLT)
STUB(exit_xsetbv, H_XSETBV)
STUB(exit_skip, H_SKIP)
STUB(exit_apic_access, H_APIC_ACCESS)
STUB(exit_apic_write, H_APIC_WRITE)
STUB(exit_virtualized_eoi, H_VIRTUALIZED_EOI)
STUB(exit_triple_fault, H_TRIPLE_FAULT)
STUB(exit_init_signal, H_INIT_SIGNAL)
STUB(exit_rdtsc, H_RDTSC)
STUB(exit_rdpmc, H_RDPMC)
STUB(exit_ept_violation, H_EPT_VIOLATION)
STUB(exit_ept_misconfig, H_EPT_MISCONFIG)
STUB(exit_gdtr_idtr, H_GDTR_IDTR)
STUB(exit_ldtr_tr, H_LDTR_TR)
STUB(exit_invlpg, H_INVLPG)

/* Calls the table's handler for reason and says which stub ran. */
static enum handler dispatch(unsigned reason)
{
	struct vcpu *v = (struct vcpu *)(uintptr_t)0x1000;
	struct guest_regs regs;

	if (!exit_table[reason])
		fail_msg("exit reason %u (%s) has no handler", reason,
			 exit_reason_name(reason));
	ran = H_NONE;
	exit_table[reason](v, &regs);
	if (ran == H_NONE)
		fail_msg("exit reason %u: the handler ran no stub", reason);
	/* the handler gets the vCPU and registers it was called with */
	assert_ptr_equal(ran_vcpu, v);
	assert_ptr_equal(ran_regs, &regs);
	return ran;
}

static void assert_handler(unsigned reason, enum handler want)
{
	enum handler got = dispatch(reason);

	if (got != want)
		fail_msg("exit reason %u (%s) -> %s, expected %s", reason,
			 exit_reason_name(reason), handler_names[got],
			 handler_names[want]);
}

/* ---- coverage ------------------------------------------------------------ */

static void test_table_size(void **state)
{
	assert_int_equal(sizeof(exit_table) / sizeof(exit_table[0]), 70);
	assert_int_equal(EXIT_REASON_MAX, 70);
}

static void test_every_reason_has_a_handler(void **state)
{
	for (unsigned reason = 0; reason < EXIT_REASON_MAX; reason++)
		assert_in_range(dispatch(reason), H_STOP_VM, H_COUNT - 1);
}

/* The exits our controls produce, and where they must go. */
static void test_exits_we_ask_for(void **state)
{
	static const struct {
		unsigned reason;
		enum handler h;
	} map[] = {
		{ EXIT_EXCEPTION_NMI, H_EXCEPTION_NMI },
		{ EXIT_EXTERNAL_INTERRUPT, H_EXTERNAL_INTERRUPT },
		{ EXIT_TRIPLE_FAULT, H_TRIPLE_FAULT },
		{ EXIT_INIT, H_INIT_SIGNAL },
		{ EXIT_INTERRUPT_WINDOW, H_WINDOW },
		{ EXIT_NMI_WINDOW, H_WINDOW },
		{ EXIT_CPUID, H_CPUID },
		{ EXIT_HLT, H_HLT },
		{ EXIT_RDPMC, H_RDPMC },
		{ EXIT_RDTSC, H_RDTSC },
		{ EXIT_RDTSCP, H_RDTSC },
		{ EXIT_GDTR_IDTR, H_GDTR_IDTR },
		{ EXIT_LDTR_TR, H_LDTR_TR },
		{ EXIT_INVLPG, H_INVLPG },
		{ EXIT_VMCALL, H_VMCALL },
		{ EXIT_CR_ACCESS, H_CR_ACCESS },
		{ EXIT_DR_ACCESS, H_DR_ACCESS },
		{ EXIT_IO, H_IO },
		{ EXIT_RDMSR, H_RDMSR },
		{ EXIT_WRMSR, H_WRMSR },
		{ EXIT_EPT_VIOLATION, H_EPT_VIOLATION },
		{ EXIT_EPT_MISCONFIG, H_EPT_MISCONFIG },
		{ EXIT_PREEMPTION_TIMER, H_PREEMPTION_TIMER },
		{ EXIT_XSETBV, H_XSETBV },
		/* APIC virtualization */
		{ EXIT_APIC_ACCESS, H_APIC_ACCESS },
		{ EXIT_VIRTUALIZED_EOI, H_VIRTUALIZED_EOI },
		{ EXIT_APIC_WRITE, H_APIC_WRITE },
		/* instructions that are harmless to skip */
		{ EXIT_INVD, H_SKIP },
		{ EXIT_WBINVD, H_SKIP },
		{ EXIT_PAUSE, H_SKIP },
	};

	/* the numbers themselves, from the SDM */
	assert_int_equal(EXIT_CPUID, 10);
	assert_int_equal(EXIT_HLT, 12);
	assert_int_equal(EXIT_VMCALL, 18);
	assert_int_equal(EXIT_CR_ACCESS, 28);
	assert_int_equal(EXIT_IO, 30);
	assert_int_equal(EXIT_RDMSR, 31);
	assert_int_equal(EXIT_WRMSR, 32);
	assert_int_equal(EXIT_EPT_VIOLATION, 48);
	assert_int_equal(EXIT_EPT_MISCONFIG, 49);
	assert_int_equal(EXIT_PREEMPTION_TIMER, 52);
	assert_int_equal(EXIT_XSETBV, 55);
	assert_int_equal(EXIT_APIC_ACCESS, 44);
	assert_int_equal(EXIT_VIRTUALIZED_EOI, 45);
	assert_int_equal(EXIT_APIC_WRITE, 56);
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		assert_handler(map[i].reason, map[i].h);
}

/* VMX and other instructions a guest must not use raise #UD in it. */
static const unsigned ud_reasons[] = {
	EXIT_GETSEC,   EXIT_RSM,     EXIT_VMCLEAR,  EXIT_VMLAUNCH,
	EXIT_VMPTRLD,  EXIT_VMPTRST, EXIT_VMREAD,   EXIT_VMRESUME,
	EXIT_VMWRITE,  EXIT_VMXOFF,  EXIT_VMXON,    EXIT_MWAIT,
	EXIT_MONITOR,  EXIT_INVEPT,  EXIT_INVVPID,  EXIT_VMFUNC,
	EXIT_ENCLS,    EXIT_XSAVES,  EXIT_XRSTORS,  EXIT_UMWAIT,
	EXIT_TPAUSE,
};

static void test_vmx_instructions_raise_ud(void **state)
{
	/* VMCLEAR..VMXON are the consecutive reasons 19-27 */
	for (unsigned reason = 19; reason <= 27; reason++)
		assert_handler(reason, H_INJECT_UD);
	assert_handler(50, H_INJECT_UD); /* INVEPT */
	assert_handler(53, H_INJECT_UD); /* INVVPID */
	assert_handler(59, H_INJECT_UD); /* VMFUNC */
	for (unsigned i = 0; i < ARRAY_SIZE(ud_reasons); i++)
		assert_handler(ud_reasons[i], H_INJECT_UD);
}

static bool in_list(unsigned reason, const unsigned *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == reason)
			return true;
	return false;
}

/* Everything else: exits our controls never ask for (or that mean the
 * guest state was bad) stop the VM rather than being half-handled. */
static void test_other_reasons_stop_the_vm(void **state)
{
	static const unsigned handled[] = {
		EXIT_EXCEPTION_NMI, EXIT_EXTERNAL_INTERRUPT, EXIT_TRIPLE_FAULT,
		EXIT_INIT, EXIT_INTERRUPT_WINDOW, EXIT_NMI_WINDOW, EXIT_CPUID,
		EXIT_HLT, EXIT_INVD, EXIT_RDPMC, EXIT_RDTSC, EXIT_VMCALL,
		EXIT_CR_ACCESS, EXIT_DR_ACCESS, EXIT_IO, EXIT_RDMSR,
		EXIT_WRMSR, EXIT_PAUSE, EXIT_EPT_VIOLATION, EXIT_EPT_MISCONFIG,
		EXIT_RDTSCP, EXIT_PREEMPTION_TIMER, EXIT_WBINVD, EXIT_XSETBV,
		EXIT_APIC_ACCESS, EXIT_VIRTUALIZED_EOI, EXIT_APIC_WRITE,
		EXIT_GDTR_IDTR, EXIT_LDTR_TR, EXIT_INVLPG,
	};
	unsigned stops = 0;

	for (unsigned reason = 0; reason < EXIT_REASON_MAX; reason++) {
		if (in_list(reason, handled, ARRAY_SIZE(handled)) ||
		    in_list(reason, ud_reasons, ARRAY_SIZE(ud_reasons)))
			continue;
		assert_handler(reason, H_STOP_VM);
		stops++;
	}
	/* SIPI, SMIs, task switch, entry failures, the reserved numbers,
	 * MTF, machine check, TPR below threshold (we use virtual-interrupt
	 * delivery or no TPR shadow), RDRAND/RDSEED, INVPCID, PML, SPP */
	assert_int_equal(stops, EXIT_REASON_MAX - ARRAY_SIZE(handled) -
					ARRAY_SIZE(ud_reasons));
	assert_int_equal(stops, 19);
	assert_handler(EXIT_INVALID_GUEST_STATE, H_STOP_VM);
	assert_handler(EXIT_MSR_LOADING, H_STOP_VM);
	assert_handler(EXIT_MACHINE_CHECK, H_STOP_VM);
	assert_handler(EXIT_TASK_SWITCH, H_STOP_VM);
	assert_handler(35, H_STOP_VM);
	assert_handler(69, H_STOP_VM);
}

/* ---- names --------------------------------------------------------------- */

static void test_names(void **state)
{
	for (unsigned reason = 0; reason < EXIT_REASON_MAX; reason++) {
		const char *name = exit_reason_name(reason);

		assert_non_null(name);
		if (!name[0])
			fail_msg("exit reason %u has an empty name", reason);
		assert_string_not_equal(name, "unknown");
		/* no two reasons share a name */
		for (unsigned other = 0; other < reason; other++)
			if (!strcmp(name, exit_reason_name(other)))
				fail_msg("reasons %u and %u are both \"%s\"",
					 other, reason, name);
	}
	assert_string_equal(exit_reason_name(EXIT_EXCEPTION_NMI), "exception/NMI");
	assert_string_equal(exit_reason_name(EXIT_TRIPLE_FAULT), "triple fault");
	assert_string_equal(exit_reason_name(EXIT_CPUID), "CPUID");
	assert_string_equal(exit_reason_name(EXIT_HLT), "HLT");
	assert_string_equal(exit_reason_name(EXIT_VMCALL), "VMCALL");
	assert_string_equal(exit_reason_name(EXIT_VMXON), "VMXON");
	assert_string_equal(exit_reason_name(EXIT_CR_ACCESS), "CR access");
	assert_string_equal(exit_reason_name(EXIT_IO), "I/O");
	assert_string_equal(exit_reason_name(EXIT_RDMSR), "RDMSR");
	assert_string_equal(exit_reason_name(EXIT_WRMSR), "WRMSR");
	assert_string_equal(exit_reason_name(EXIT_INVALID_GUEST_STATE),
			    "invalid guest state");
	assert_string_equal(exit_reason_name(EXIT_EPT_VIOLATION), "EPT violation");
	assert_string_equal(exit_reason_name(EXIT_EPT_MISCONFIG),
			    "EPT misconfiguration");
	assert_string_equal(exit_reason_name(EXIT_PREEMPTION_TIMER),
			    "preemption timer");
	assert_string_equal(exit_reason_name(EXIT_XSETBV), "XSETBV");
	assert_string_equal(exit_reason_name(EXIT_TPAUSE), "TPAUSE");
	assert_string_equal(exit_reason_name(35), "35");
	assert_string_equal(exit_reason_name(69), "69");
	/* beyond the table */
	assert_string_equal(exit_reason_name(EXIT_REASON_MAX), "unknown");
	assert_string_equal(exit_reason_name(1000), "unknown");
	assert_string_equal(exit_reason_name(EXIT_REASON_ENTRY_FAILED |
					     EXIT_INVALID_GUEST_STATE),
			    "unknown");
	assert_string_equal(exit_reason_name(~0u), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_size),
		cmocka_unit_test(test_every_reason_has_a_handler),
		cmocka_unit_test(test_exits_we_ask_for),
		cmocka_unit_test(test_vmx_instructions_raise_ud),
		cmocka_unit_test(test_other_reasons_stop_the_vm),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("exit_table", tests, NULL, NULL);
}
