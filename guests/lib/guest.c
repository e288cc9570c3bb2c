/* SPDX-License-Identifier: MIT */
#include "guests/lib/guest.h"

#include <stdarg.h>

#include "guests/lib/lapic.h"
#include "lib/format.h"
#include "lib/string.h"

#define COM1 0x3f8

volatile uint32_t trap_vector = ~0u, trap_error, trap_resume;
volatile uint32_t irq_count[256];
volatile uint64_t irq_last_tsc;
static volatile uint32_t print_lock;
unsigned checks_failed, checks_run;
static const char *cmdline = "";

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
};

static struct gate idt[256];
extern char isr_stubs[];

/* Every CPU of the guest loads the one IDT and turns its APIC on. */
void idt_load(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } idtr = {
		sizeof(idt) - 1, (uint32_t)idt
	};

	__asm__ volatile("lidt %0" ::"m"(idtr));
	lapic_write(LAPIC_SVR, 0x1ff); /* APIC on, spurious vector 0xff */
}

void idt_init(void);
void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint32_t h = (uint32_t)isr_stubs + 16 * v;
		idt[v] = (struct gate){ (uint16_t)h, 0x08, 0, 0x8e,
					(uint16_t)(h >> 16) };
	}
	idt_load();
}

void idt_set_gate(unsigned v, uint32_t handler, unsigned dpl)
{
	idt[v] = (struct gate){ (uint16_t)handler, 0x08, 0,
				(uint8_t)(0x8e | (dpl & 3) << 5),
				(uint16_t)(handler >> 16) };
}

/* Programs may add work per interrupt; the default does nothing. */
void __attribute__((weak)) guest_irq(unsigned vector) { (void)vector; }

void guest_trap(struct trap_frame *f);
void guest_trap(struct trap_frame *f)
{
	if (f->vector >= 32 || f->vector == 2) {
		irq_last_tsc = rdtsc();
		irq_count[f->vector]++;
		guest_irq(f->vector);
		if (f->vector >= 32 && f->vector != 0xff)
			lapic_write(LAPIC_EOI, 0);
		return;
	}
	trap_vector = f->vector;
	trap_error = f->error;
	if (trap_resume) {
		f->eip = trap_resume;
		trap_resume = 0;
		return;
	}
	gprintf("unexpected exception %u (error %#x) at %#x\n", f->vector,
		f->error, f->eip);
	guest_exit(100 + (int)f->vector);
}

static void out(void *ctx, char c)
{
	(void)ctx;
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

/* One line at a time even with several vCPUs printing. */
void gprintf(const char *fmt, ...)
{
	va_list ap;

	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
	va_start(ap, fmt);
	kvformat(out, 0, fmt, ap);
	va_end(ap);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

void guest_exit(int status)
{
	hv_hypercall(HV_HC_EXIT, (unsigned long)status, 0, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_set_cmdline(const char *s) { cmdline = s ? s : ""; }

bool cmdline_has(const char *word)
{
	size_t n = strlen(word);

	for (const char *s = cmdline; *s;) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, word, n) && (s[n] == ' ' || !s[n]))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

void check(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	checks_run++;
	if (ok) {
		gprintf("%s: ok\n", name);
		return;
	}
	checks_failed++;
	gprintf("%s: FAIL (", name);
	va_start(ap, fmt);
	kvformat(out, 0, fmt, ap);
	va_end(ap);
	gprintf(")\n");
}

/* Every try_* arms trap_resume with the address after the instruction. */
#define TRY(insn, ...)                                                    \
	({                                                                \
		int __vec;                                                \
		trap_vector = ~0u;                                        \
		__asm__ volatile("movl $1f, trap_resume\n\t" insn "\n1:\n\t" \
				 "movl $0, trap_resume" __VA_ARGS__);     \
		__vec = (int)trap_vector;                                 \
		__vec;                                                    \
	})

int try_rdmsr(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int v = TRY("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");

	*val = (uint64_t)hi << 32 | lo;
	return v;
}

int try_wrmsr(uint32_t msr, uint64_t val)
{
	return TRY("wrmsr", ::"c"(msr), "a"((uint32_t)val),
		   "d"((uint32_t)(val >> 32)) : "memory");
}

int try_write_cr4(uint32_t val)
{
	return TRY("mov %0, %%cr4", ::"r"(val) : "memory");
}

int try_read32(uint32_t addr, uint32_t *val)
{
	uint32_t v = 0;
	int r = TRY("movl (%1), %0", : "+r"(v) : "r"(addr) : "memory");

	*val = v;
	return r;
}

int try_write32(uint32_t addr, uint32_t val)
{
	return TRY("movl %1, (%0)", ::"r"(addr), "r"(val) : "memory");
}

int try_ud2(void) { return TRY("ud2", ::: "memory"); }

int try_vmxon(void)
{
	static uint64_t region;

	return TRY("vmxon %0", ::"m"(region) : "memory", "cc");
}

int try_int3(void) { return TRY("int3", ::: "memory"); }

int try_divide_by_zero(void)
{
	return TRY("divl %%ecx", ::"a"(1), "d"(0), "c"(0) : "memory");
}

int try_xsetbv(uint32_t xcr, uint64_t val)
{
	return TRY("xsetbv", ::"c"(xcr), "a"((uint32_t)val),
		   "d"((uint32_t)(val >> 32)) : "memory");
}
