/* SPDX-License-Identifier: MIT */
#include "arch/trap.h"

#include <stdarg.h>
#include <stdbool.h>

#include "arch/lapic.h"
#include "arch/percpu.h"
#include "arch/power.h"
#include "arch/x86.h"
#include "lib/console.h"

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
};

extern char isr_stubs[];
static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[256];
static volatile uint64_t unexpected_irqs;

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD exception", "#VE virtualization exception",
	"#CP control protection",
};

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t h = (uint64_t)isr_stubs + 16 * v;
		uint8_t ist = v == 2 ? IST_NMI : v == 8 ? IST_DF :
			      v == 18 ? IST_MC : 0;

		idt[v] = (struct idt_entry){
			.off0 = (uint16_t)h, .sel = SEL_CODE, .ist = ist,
			.type = 0x8e, /* present, DPL 0, interrupt gate */
			.off1 = (uint16_t)(h >> 16), .off2 = (uint32_t)(h >> 32),
		};
	}
}

void idt_load(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void irq_register(uint8_t vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

/* Names the stack whose guard page holds addr, if any. */
static const char *guard_hit(const struct cpu *c, uint64_t addr)
{
	static const char *const ist_names[] = { "NMI", "#DF", "#MC" };

	if (addr >= c->stack.guard && addr < c->stack.guard + 4096)
		return "main";
	for (int i = 0; i < IST_COUNT; i++)
		if (addr >= c->ist[i].guard && addr < c->ist[i].guard + 4096)
			return ist_names[i];
	return 0;
}

static bool on_stack(const struct cpu *c, uint64_t a)
{
	if (a >= c->stack.guard + 4096 && a + 16 <= c->stack.top)
		return true;
	for (int i = 0; i < IST_COUNT; i++)
		if (a >= c->ist[i].guard + 4096 && a + 16 <= c->ist[i].top)
			return true;
	return false;
}

static void backtrace(const struct cpu *c, uint64_t rbp)
{
	kprintf("  backtrace:");
	for (int i = 0; i < 12 && !(rbp & 7) && on_stack(c, rbp); i++) {
		const uint64_t *fp = (const uint64_t *)rbp;
		kprintf(" %#llx", (unsigned long long)fp[1]);
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
	kprintf("\n");
}

static void dump_frame(const struct cpu *c, const struct trap_frame *f)
{
	uint64_t cr2 = read_cr2();
	const char *guard = guard_hit(c, cr2);

	kprintf("hv: FATAL: %s (vector %llu) on cpu%u, error code %#llx\n",
		f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector]
							: "exception",
		(unsigned long long)f->vector, c->id,
		(unsigned long long)f->error);
	if (guard && (f->vector == 14 || f->vector == 8))
		kprintf("hv: FATAL: stack overflow: %#llx is the guard page "
			"below cpu%u's %s stack\n",
			(unsigned long long)cr2, c->id, guard);
	kprintf("  RIP %016llx CS %04llx RFLAGS %016llx\n"
		"  RSP %016llx SS %04llx\n"
		"  CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->cs,
		(unsigned long long)f->rflags, (unsigned long long)f->rsp,
		(unsigned long long)f->ss, (unsigned long long)read_cr0(),
		(unsigned long long)cr2, (unsigned long long)read_cr3(),
		(unsigned long long)read_cr4());
	kprintf("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n"
		"  RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n"
		"  R9  %016llx R10 %016llx R11 %016llx R12 %016llx\n"
		"  R13 %016llx R14 %016llx R15 %016llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx,
		(unsigned long long)f->rsi, (unsigned long long)f->rdi,
		(unsigned long long)f->rbp, (unsigned long long)f->r8,
		(unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11, (unsigned long long)f->r12,
		(unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	backtrace(c, f->rbp);
}

static void __attribute__((noreturn)) fatal_trap(struct trap_frame *f)
{
	struct cpu *c = this_cpu();

	if (__atomic_exchange_n(&c->in_fatal, 1, __ATOMIC_SEQ_CST)) {
		/* A fault while reporting a fault: say the least possible. */
		kprintf("hv: FATAL: nested exception %llu on cpu%u\n",
			(unsigned long long)f->vector, c->id);
		platform_poweroff(HV_EXIT_FAILURE);
	}
	dump_frame(c, f);
	kprintf("hv: stopped after a fatal exception; powering off\n");
	platform_poweroff(HV_EXIT_FAILURE);
}

static void handle_irq(uint8_t vector, struct trap_frame *f)
{
	irq_handler_fn h;

	if (vector == VEC_SPURIOUS)
		return; /* no EOI for spurious interrupts (SDM 10.9) */
	h = irq_handlers[vector];
	if (h)
		h(f);
	else
		unexpected_irqs++;
	lapic_eoi();
}

void trap_entry(struct trap_frame *f)
{
	if (f->vector < 32)
		fatal_trap(f);
	handle_irq((uint8_t)f->vector, f);
}

void irq_dispatch(uint8_t vector) { handle_irq(vector, 0); }

void panic(const char *fmt, ...)
{
	va_list ap;

	cli();
	va_start(ap, fmt);
	kprintf("hv: PANIC on cpu%u: ", this_cpu()->id);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	platform_poweroff(HV_EXIT_FAILURE);
}
