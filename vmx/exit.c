/* SPDX-License-Identifier: MIT */
/* The C side of the world switch: dispatch one VM exit, then decide what
 * runs next. */
#include "vmx/exit.h"

#include <stdarg.h>

#include "arch/percpu.h"
#include "arch/trap.h"
#include "lib/console.h"
#include "lib/format.h"
#include "sched/sched.h"
#include "vmx/vmx.h"

int vmx_exit(void);
int vmx_entry_failed(uint64_t rflags);

int vmx_exit(void)
{
	struct cpu *c = this_cpu();
	struct vcpu *v = c->vcpu;
	uint32_t reason = (uint32_t)vmread(VM_EXIT_REASON);
	uint32_t basic = reason & 0xffff;

	if (__builtin_expect(reason & EXIT_REASON_ENTRY_FAILED, 0)) {
		vmx_report_entry_failure(v, reason);
		return sched_slow(c, v);
	}
	if (__builtin_expect(basic >= EXIT_REASON_MAX, 0))
		basic = 69; /* an explicit stop */
	v->stats.total++;
	v->stats.count[basic]++;
	if (__builtin_expect(vmread(IDT_VECTORING_INFO) & INTR_INFO_VALID, 0))
		inject_save_vectoring(v);
	exit_table[basic](v, &c->guest);
	return sched_after_exit(c, v);
}

/* VMLAUNCH/VMRESUME failed as an instruction (SDM 30.4): VMfailInvalid
 * (CF) means no current VMCS; VMfailValid (ZF) has an error number. */
int vmx_entry_failed(uint64_t rflags)
{
	struct cpu *c = this_cpu();
	struct vcpu *v = c->vcpu;

	if (rflags & 1)
		panic("VM entry with no current VMCS on cpu%u", c->id);
	vcpu_stop_vm(v, VM_STATUS_CRASHED,
		     "VM entry failed: VM-instruction error %llu",
		     (unsigned long long)vmread(VM_INSTRUCTION_ERROR));
	return sched_slow(c, v);
}

void vcpu_stop_vm(struct vcpu *v, int status, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vm_stop(v->vm, status, "%s (vcpu %u, RIP %#llx)", why, v->id,
		(unsigned long long)vmread(GUEST_RIP));
}

void exit_stop_vm(struct vcpu *v, struct guest_regs *r)
{
	uint32_t reason = (uint32_t)vmread(VM_EXIT_REASON) & 0xffff;

	(void)r;
	vcpu_stop_vm(v, VM_STATUS_CRASHED,
		     "unexpected VM exit %u (%s), qualification %#llx", reason,
		     exit_reason_name(reason),
		     (unsigned long long)vmread(EXIT_QUALIFICATION));
}

void exit_inject_ud(struct vcpu *v, struct guest_regs *r)
{
	(void)r;
	inject_ud(v);
}

void exit_skip(struct vcpu *v, struct guest_regs *r)
{
	(void)v;
	(void)r;
	skip_instruction();
}
