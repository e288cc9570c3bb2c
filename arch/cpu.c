/* SPDX-License-Identifier: MIT */
/* GDT, TSS and per-CPU set-up. */
#include "arch/percpu.h"

#include "arch/lapic.h"
#include "arch/mm.h"
#include "arch/msr.h"
#include "arch/paging.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "lib/errno.h"
#include "lib/string.h"

struct cpu *cpus[MAX_CPUS];
unsigned n_cpus;

/* The boot CPU's stacks live in the image so that exceptions work before
 * the page allocator does; the guard pages are unmapped by paging_init. */
extern char boot_stack_guard[], boot_stack_top[];
static struct cpu bsp_cpu;
static uint8_t bsp_ist[IST_COUNT][PAGE_SIZE + IST_STACK_SIZE]
	__attribute__((aligned(4096)));

static uint64_t tss_desc_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 |
	       ((base >> 24) & 0xff) << 56;
}

static void load_segments(struct cpu *c)
{
	struct desc_ptr gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "mov %3, %%fs\n\t"
			 "mov %3, %%gs\n\t"
			 "ltr %w4"
			 :
			 : "m"(gdtr), "i"(SEL_CODE), "r"(SEL_DATA), "r"(0),
			   "r"(SEL_TSS)
			 : "rax", "memory");
}

void cpu_tables_load(struct cpu *c)
{
	uint64_t tss = (uint64_t)&c->tss;

	c->self = c;
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9b000000ffffull; /* 64-bit code, accessed */
	c->gdt[2] = 0x00cf93000000ffffull; /* data, accessed */
	c->gdt[3] = tss_desc_low(tss, sizeof(c->tss) - 1);
	c->gdt[4] = tss >> 32;
	memset(&c->tss, 0, sizeof(c->tss));
	c->tss.rsp[0] = c->stack_top;
	for (int i = 0; i < IST_COUNT; i++)
		c->tss.ist[i] = c->ist[i].top;
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */
	load_segments(c);
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	idt_load();
}

void cpu_kick(struct cpu *c, uint32_t attention)
{
	__atomic_or_fetch(&c->attention, attention, __ATOMIC_SEQ_CST);
	if (c != this_cpu())
		lapic_send_ipi(c->apic_id, VEC_KICK);
}

/* Both vectors only end a guest's run or a halt: the run loop looks at
 * what changed. */
static void wake_only(struct trap_frame *f) { (void)f; }

void cpu_irq_init(void)
{
	irq_register(VEC_TIMER, wake_only);
	irq_register(VEC_KICK, wake_only);
}

struct cpu *cpu_bsp_early(void)
{
	struct cpu *c = &bsp_cpu;

	c->stack.guard = (uint64_t)boot_stack_guard;
	c->stack.top = c->stack_top = (uint64_t)boot_stack_top;
	for (int i = 0; i < IST_COUNT; i++) {
		c->ist[i].guard = (uint64_t)bsp_ist[i];
		c->ist[i].top = (uint64_t)bsp_ist[i] + sizeof(bsp_ist[i]);
	}
	c->state = CPU_ONLINE;
	return c;
}

static int stack_alloc(struct stack_area *s, uint64_t size)
{
	uint64_t pages = size / PAGE_SIZE + 1;
	uint64_t pa = page_alloc(pages);

	if (!pa)
		return -ENOMEM;
	s->guard = pa;
	s->top = pa + pages * PAGE_SIZE;
	return paging_unmap(pa, PAGE_SIZE);
}

int cpu_stacks_alloc(struct cpu *c)
{
	int r = stack_alloc(&c->stack, STACK_SIZE);

	c->stack_top = c->stack.top;
	for (int i = 0; !r && i < IST_COUNT; i++)
		r = stack_alloc(&c->ist[i], IST_STACK_SIZE);
	return r;
}
