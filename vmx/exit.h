/* SPDX-License-Identifier: MIT */
/*
 * VM-exit handling: exit_table[reason] → handler. A handler works on the
 * current VMCS and the guest's GPRs; to stop the VM it calls vm_stop().
 * Handlers live one family per file (exit_cpuid.c, exit_io.c, ...).
 */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H

#include <stdint.h>

#include "guests/vm.h"
#include "vmx/vmcs.h"

typedef void (*exit_handler)(struct vcpu *v, struct guest_regs *r);

/* The table, indexed by basic exit reason; every entry is set. */
extern const exit_handler exit_table[EXIT_REASON_MAX];

/* Moves RIP past the instruction that exited, ending any STI/MOV-SS
 * interrupt shadow it had (the instruction completed). */
static inline void skip_instruction(void)
{
	uint64_t shadow = vmread(GUEST_INTERRUPTIBILITY);

	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(VM_EXIT_INSTRUCTION_LEN));
	if (__builtin_expect(shadow & 3, 0))
		vmwrite(GUEST_INTERRUPTIBILITY, shadow & ~3ull);
}

/* A general register the exit qualification or instruction information
 * names (REG_*); RSP lives in the VMCS, the others in r. */
static inline uint64_t exit_reg(const struct guest_regs *r, unsigned n)
{
	return n == REG_RSP ? vmread(GUEST_RSP) : r->gpr[n];
}

static inline void exit_set_reg(struct guest_regs *r, unsigned n,
				uint64_t val)
{
	if (n == REG_RSP)
		vmwrite(GUEST_RSP, val);
	else
		r->gpr[n] = val;
}

/* Event injection (vmx/inject.c). */
void inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
		      uint32_t error);
static inline void inject_ud(struct vcpu *v)
{
	inject_exception(v, 6, false, 0);
}
static inline void inject_gp(struct vcpu *v)
{
	inject_exception(v, 13, true, 0);
}
void inject_nmi(struct vcpu *v);
/* Before entry: puts the most urgent pending event into the VMCS, or asks
 * for an interrupt/NMI window. */
void inject_pending(struct vcpu *v);
/* After an exit: remembers an event whose delivery the exit cut short. */
void inject_save_vectoring(struct vcpu *v);
static inline bool events_pending(const struct vcpu *v)
{
	return v->ev.pending != 0;
}

/* Handlers shared across files. */
void exit_stop_vm(struct vcpu *v, struct guest_regs *r);
void exit_inject_ud(struct vcpu *v, struct guest_regs *r);
void exit_cpuid(struct vcpu *v, struct guest_regs *r);
void exit_rdmsr(struct vcpu *v, struct guest_regs *r);
void exit_wrmsr(struct vcpu *v, struct guest_regs *r);
void exit_cr_access(struct vcpu *v, struct guest_regs *r);
void exit_gdtr_idtr(struct vcpu *v, struct guest_regs *r);
void exit_ldtr_tr(struct vcpu *v, struct guest_regs *r);
void exit_invlpg(struct vcpu *v, struct guest_regs *r);
void exit_dr_access(struct vcpu *v, struct guest_regs *r);
void exit_io(struct vcpu *v, struct guest_regs *r);
void exit_vmcall(struct vcpu *v, struct guest_regs *r);
void exit_exception_nmi(struct vcpu *v, struct guest_regs *r);
void exit_external_interrupt(struct vcpu *v, struct guest_regs *r);
void exit_window(struct vcpu *v, struct guest_regs *r);
void exit_preemption_timer(struct vcpu *v, struct guest_regs *r);
void exit_hlt(struct vcpu *v, struct guest_regs *r);
void exit_xsetbv(struct vcpu *v, struct guest_regs *r);
void exit_skip(struct vcpu *v, struct guest_regs *r);
void exit_triple_fault(struct vcpu *v, struct guest_regs *r);
void exit_init_signal(struct vcpu *v, struct guest_regs *r);
void exit_rdtsc(struct vcpu *v, struct guest_regs *r);
void exit_rdpmc(struct vcpu *v, struct guest_regs *r);
void exit_ept_violation(struct vcpu *v, struct guest_regs *r);
/* APIC virtualization (SDM 29): an access the CPU does not virtualize,
 * a register write to emulate after the fact, a level-triggered EOI. */
void exit_apic_access(struct vcpu *v, struct guest_regs *r);
void exit_apic_write(struct vcpu *v, struct guest_regs *r);
void exit_virtualized_eoi(struct vcpu *v, struct guest_regs *r);
void exit_ept_misconfig(struct vcpu *v, struct guest_regs *r);

const char *exit_reason_name(unsigned reason);

/* Prints why VM entry failed (SDM 27.2-27.3 checks) and stops the VM. */
void vmx_report_entry_failure(struct vcpu *v, uint32_t reason);

/* "vm NAME: ..." diagnostics with the guest's RIP. */
void vcpu_stop_vm(struct vcpu *v, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
