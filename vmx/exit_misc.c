/* SPDX-License-Identifier: MIT */
/* Exits about the CPU's execution: HLT, XSETBV, RDTSC(P), RDPMC, triple
 * fault, INIT, windows, timers, host interrupts and guest exceptions. */
#include "vmx/exit.h"

#include "arch/lapic.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "guests/vapic.h"
#include "lib/console.h"
#include "sched/sched.h"
#include "vmx/vmx.h"

static unsigned guest_cpl(void)
{
	return (vmread(GUEST_SS_AR) >> 5) & 3;
}

/* Nothing can wake it: halted with IF=0 and no NMI coming, or waiting
 * for a SIPI; a VM whose vCPUs are all so is stopped rather than left to
 * hang. */
static bool dead(const struct vcpu *v)
{
	if (v->state == VCPU_STOPPED)
		return true;
	if (v->state == VCPU_RUNNABLE || (v->ev.pending & EV_NMI))
		return false;
	if (v->timer_deadline && v->timer_vector == HV_TIMER_NMI)
		return false;
	return v->state == VCPU_WAIT_SIPI || !v->halt_irq;
}

void exit_hlt(struct vcpu *v, struct guest_regs *r)
{
	struct vm *vm = v->vm;
	bool all_dead = true;

	(void)r;
	skip_instruction();
	/* A virtual interrupt the CPU holds back only for the STI shadow of
	 * "sti; hlt" is delivered at the next entry: no halt (SDM 29.2.1). */
	if (vmx_ctl.apicv && (vmread(GUEST_RFLAGS) & RFLAGS_IF) &&
	    vapic_deliverable(v))
		__atomic_or_fetch(&v->ev.pending, EV_IRQ, __ATOMIC_SEQ_CST);
	if (!sched_halt(v, vmread(GUEST_RFLAGS) & RFLAGS_IF))
		return; /* an event is already waiting */
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		all_dead &= dead(vm->vcpu[i]);
	if (all_dead)
		vcpu_stop_vm(v, VM_STATUS_CRASHED,
			     "halted with interrupts disabled: nothing can wake "
			     "it");
}

/* APIC-write exits are trap-like: the write is done, RIP is past it
 * (SDM 29.4.3.3); the model acts on the value now in the page. */
void exit_apic_write(struct vcpu *v, struct guest_regs *r)
{
	(void)r;
	vapic_apic_write(v, (uint32_t)vmread(EXIT_QUALIFICATION) & 0xff0);
}

/* EOI virtualization has cleared the vector from the ISR; it is a
 * level-triggered one, whose EOI the I/O APIC must hear (SDM 29.1.4). */
void exit_virtualized_eoi(struct vcpu *v, struct guest_regs *r)
{
	(void)r;
	vapic_virtual_eoi(v, (uint8_t)vmread(EXIT_QUALIFICATION));
}

/* XSETBV (SDM Vol. 2): only XCR0, x87 always on, AVX needs SSE, and only
 * components the CPU supports. */
void exit_xsetbv(struct vcpu *v, struct guest_regs *r)
{
	uint64_t val = (uint32_t)r->gpr[REG_RAX] |
		       r->gpr[REG_RDX] << 32;
	struct cpuid_regs d = cpuid(0xd, 0);
	uint64_t supported = d.eax | (uint64_t)d.edx << 32;

	if (r->gpr[REG_RCX] != 0 || guest_cpl() || !(val & 1) ||
	    (val & ~supported) || ((val & 4) && !(val & 2))) {
		inject_gp(v);
		return;
	}
	__asm__ volatile("xsetbv" ::"a"((uint32_t)val), "d"((uint32_t)(val >> 32)),
			 "c"(0));
	v->ctx.xcr0 = val;
	skip_instruction();
}

/* Only with RDTSC exiting (the strict controls): the guest's TSC is the
 * host's plus the vCPU's offset, as without exiting. */
void exit_rdtsc(struct vcpu *v, struct guest_regs *r)
{
	uint64_t tsc = rdtsc() + v->tsc_offset;

	r->gpr[REG_RAX] = (uint32_t)tsc;
	r->gpr[REG_RDX] = tsc >> 32;
	if ((vmread(VM_EXIT_REASON) & 0xffff) == EXIT_RDTSCP)
		r->gpr[REG_RCX] = (uint32_t)v->ctx.tsc_aux;
	skip_instruction();
}

/* No performance counters are offered: RDPMC faults as with a bad index. */
void exit_rdpmc(struct vcpu *v, struct guest_regs *r)
{
	(void)r;
	inject_gp(v);
}

void exit_triple_fault(struct vcpu *v, struct guest_regs *r)
{
	(void)r;
	vcpu_stop_vm(v, VM_STATUS_CRASHED, "triple fault");
}

/* A physical INIT reached this CPU while the guest ran. Guests' own INITs
 * are virtual and never come this way; this one is dropped. */
void exit_init_signal(struct vcpu *v, struct guest_regs *r)
{
	(void)v;
	(void)r;
	pr_warn("cpu%u: physical INIT signal ignored\n", this_cpu()->id);
}

void exit_window(struct vcpu *v, struct guest_regs *r)
{
	uint32_t proc = (uint32_t)vmread(PROC_BASED_CONTROLS);

	(void)v;
	(void)r;
	vmwrite(PROC_BASED_CONTROLS, proc & ~(PROC_INTR_WINDOW |
					      PROC_NMI_WINDOW));
}

/* The slice's end or a vCPU timer: the run loop looks at both. */
void exit_preemption_timer(struct vcpu *v, struct guest_regs *r)
{
	(void)v;
	(void)r;
	__atomic_or_fetch(&this_cpu()->attention, ATTN_REARM, __ATOMIC_SEQ_CST);
}

/* With "acknowledge interrupt on exit" the vector comes with the exit
 * (SDM 28.2.2); the host handles it here, as its IDT would. */
void exit_external_interrupt(struct vcpu *v, struct guest_regs *r)
{
	uint32_t info = (uint32_t)vmread(VM_EXIT_INTR_INFO);

	(void)v;
	(void)r;
	irq_dispatch(info & 0xff);
}

void exit_exception_nmi(struct vcpu *v, struct guest_regs *r)
{
	uint32_t info = (uint32_t)vmread(VM_EXIT_INTR_INFO);
	uint8_t vector = info & 0xff;

	(void)r;
	if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		pr_warn("cpu%u: NMI while a guest ran\n", this_cpu()->id);
		return;
	}
	if (vector == 18) {
		vcpu_stop_vm(v, VM_STATUS_CRASHED, "machine check");
		return;
	}
	/* Intercepted only to keep the CPU safe (#AC): hand it back. */
	inject_exception(v, vector, info & INTR_INFO_ERROR_CODE,
			 (uint32_t)vmread(VM_EXIT_INTR_ERROR));
}
