/* SPDX-License-Identifier: MIT */
/* Per-CPU data, reached through %gs (IA32_GS_BASE points at the CPU's own
 * struct cpu, whose first field points at itself). */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/spinlock.h"
#include "sched/core.h"
#include "vmx/regs.h"

#define MAX_CPUS 64
#define STACK_SIZE (16 * 1024)
#define IST_STACK_SIZE (8 * 1024)

/* IST slots (1-based as in the TSS). */
enum { IST_NMI = 1, IST_DF = 2, IST_MC = 3, IST_COUNT = 3 };

/* Host selectors: also the VMCS host-state selectors. */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18
#define GDT_ENTRIES 5

struct __attribute__((packed)) tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
};

enum cpu_state {
	CPU_OFF,
	CPU_ONLINE,     /* running hypervisor code */
	CPU_VMX_ROOT,   /* VMXON done */
	CPU_VMX_FAILED, /* could not enter VMX root: see vmx_error */
};

struct stack_area {
	uint64_t guard; /* unmapped page below the stack */
	uint64_t top;
};

struct vcpu;

struct cpu {
	struct cpu *self;   /* %gs:0 */
	uint64_t stack_top; /* %gs:8, read by the AP entry code */
	/* %gs:16: the running guest's GPRs, saved and loaded by the VM-exit
	 * stub (vmx/entry.S) */
	struct guest_regs guest;
	struct vcpu *vcpu;  /* the vCPU whose VMCS is current here */
	struct vcpu *running;   /* the vCPU the scheduler runs (rq.curr) */
	spinlock_t rq_lock;
	struct runq rq;
	volatile uint32_t attention; /* ATTN_* (sched/sched.h) */
	uint64_t slice_end;     /* ns at which the running vCPU's slice ends */
	volatile bool unbounded; /* its vCPU runs with no slice end (alone) */
	uint64_t next_balance;  /* ns of the next load-balancing look */
	unsigned id;        /* logical index, 0 = boot CPU */
	uint32_t apic_id;
	volatile enum cpu_state state;
	struct stack_area stack, ist[IST_COUNT];
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
	uint64_t vmxon_pa;
	uint64_t vmx_tsc; /* TSC when this CPU reached VMX root */
	bool locked_feature_control; /* firmware left it unlocked */
	char vmx_error[160];
	volatile int in_fatal;
};

_Static_assert(offsetof(struct cpu, stack_top) == 8, "ap_entry64 reads it");
_Static_assert(offsetof(struct cpu, guest) == 16, "vmx/entry.S uses it");

extern struct cpu *cpus[MAX_CPUS];
extern unsigned n_cpus;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

/* Makes c look at its run loop again soon (attention: ATTN_* bits to
 * set): at once if c is this CPU, else through an IPI that ends its
 * guest's run or its halt. */
void cpu_kick(struct cpu *c, uint32_t attention);

/* Builds and loads this CPU's GDT, TSS and IDT and points %gs at c. */
void cpu_tables_load(struct cpu *c);
/* Allocates c's main and IST stacks with unmapped guard pages. */
int cpu_stacks_alloc(struct cpu *c);
/* Host interrupt handlers of the run loop (timer, kick). */
void cpu_irq_init(void);
/* The boot CPU's struct cpu, usable before any allocator exists. */
struct cpu *cpu_bsp_early(void);

#endif
