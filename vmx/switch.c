/* SPDX-License-Identifier: MIT */
/*
 * Switching a physical CPU from one vCPU to another. VMX switches what the
 * VMCS holds; the rest is switched here: the GPRs (held per CPU while the
 * vCPU runs), CR2, the syscall MSRs, KERNEL_GS_BASE, TSC_AUX and the FPU/
 * XSAVE state. The hypervisor itself uses none of these (no SSE, no user
 * mode), so they stay loaded across exits and move only at a switch.
 */
#include "arch/mm.h"
#include "arch/msr.h"
#include "arch/x86.h"
#include "guests/vm.h"
#include "lib/errno.h"
#include "vmx/vmx.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_TSC_AUX 0xc0000103

static bool xsave;

static bool has_xsave(void) { return xsave; }

/* Each CPU: SSE state on (CR4.OSFXSR/OSXMMEXCPT), XSAVE when offered, so
 * that guest state can be saved and restored. */
void fpu_cpu_init(void)
{
	uint64_t cr4 = read_cr4() | (1ull << 9) | (1ull << 10);

	xsave = cpuid(1, 0).ecx & (1u << 26);
	if (xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	write_cr0(read_cr0() & ~(1ull << 3 | 1ull << 2)); /* TS, EM off */
}

int vcpu_ctx_init(struct vcpu *v)
{
	uint64_t pa = page_alloc(1);
	uint8_t *area;

	if (!pa)
		return -ENOMEM;
	area = phys_to_virt(pa);
	area[0] = 0x7f; /* FCW 0x037f, the state after FNINIT */
	area[1] = 0x03;
	area[24] = 0x80; /* MXCSR 0x1f80, the reset value */
	area[25] = 0x1f;
	v->ctx.fpu = area;
	v->ctx.xcr0 = 1;
	v->ctx.tsc_aux = v->id;
	return 0;
}

static void fpu_save(struct vcpu *v)
{
	if (has_xsave())
		__asm__ volatile("xsave64 (%0)" ::"r"(v->ctx.fpu), "a"(~0u),
				 "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(v->ctx.fpu) : "memory");
}

static void fpu_load(struct vcpu *v)
{
	if (has_xsave()) {
		__asm__ volatile("xsetbv" ::"a"((uint32_t)v->ctx.xcr0),
				 "d"((uint32_t)(v->ctx.xcr0 >> 32)), "c"(0));
		__asm__ volatile("xrstor64 (%0)" ::"r"(v->ctx.fpu), "a"(~0u),
				 "d"(~0u) : "memory");
	} else {
		__asm__ volatile("fxrstor64 (%0)" ::"r"(v->ctx.fpu) : "memory");
	}
}

static void ctx_save(struct vcpu *v)
{
	struct vcpu_ctx *x = &v->ctx;

	x->cr2 = read_cr2();
	x->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	x->star = rdmsr(MSR_STAR);
	x->lstar = rdmsr(MSR_LSTAR);
	x->cstar = rdmsr(MSR_CSTAR);
	x->sfmask = rdmsr(MSR_SFMASK);
	if (vmx_ctl.rdtscp)
		x->tsc_aux = rdmsr(MSR_TSC_AUX);
	fpu_save(v);
}

static void ctx_load(struct vcpu *v)
{
	const struct vcpu_ctx *x = &v->ctx;

	write_cr2(x->cr2);
	wrmsr(MSR_KERNEL_GS_BASE, x->kernel_gs_base);
	wrmsr(MSR_STAR, x->star);
	wrmsr(MSR_LSTAR, x->lstar);
	wrmsr(MSR_CSTAR, x->cstar);
	wrmsr(MSR_SFMASK, x->sfmask);
	if (vmx_ctl.rdtscp)
		wrmsr(MSR_TSC_AUX, x->tsc_aux);
	fpu_load(v);
}

/* v leaves this CPU: its state goes back to memory and its VMCS is
 * cleared, so that any CPU may run it next (SDM 25.11.1). */
void vcpu_release(struct cpu *c, struct vcpu *v)
{
	v->regs = c->guest;
	ctx_save(v);
	vmcs_release(v);
	__atomic_store_n(&v->running_on, (struct cpu *)0, __ATOMIC_RELEASE);
}

/* v comes to this CPU. The CPU it left may still be releasing it. */
void vcpu_load(struct cpu *c, struct vcpu *v)
{
	while (__atomic_load_n(&v->running_on, __ATOMIC_ACQUIRE))
		cpu_relax();
	vmcs_load(v);
	c->guest = v->regs;
	ctx_load(v);
	v->running_on = c;
}
